"""The `vae-transition` command line: thin commands over the library (see app.py).

Only click is imported here, so `--help` is instant; each command imports the library inside
its body.
"""

from vae_transition.cli.app import cli, main

__all__ = ["cli", "main"]
