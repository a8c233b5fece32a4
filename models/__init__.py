# Shipped model weights (installed as the package `vae_transition.models`): see README.md here.
