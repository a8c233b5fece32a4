"""vae-transition: join video clips with a VAE morph instead of a cut or a crossfade."""

__version__ = "0.1.0"
