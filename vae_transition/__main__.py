from vae_transition.cli import main

main()
