from vae_transition.cli.app import main

main()
