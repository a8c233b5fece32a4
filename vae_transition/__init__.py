"""vae-transition: join video clips with a VAE morph instead of a cut or a crossfade."""

import os

# torch's OpenMP threads spin while they wait for work. When anything else holds a core (ffmpeg
# encoding beside us, a parallel cut, another program) spinning threads starve each other:
# measured 10x slower adaptation on 2 shared cores. Passive waiting costs nothing when the cores
# are free. Set before torch is imported; a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
