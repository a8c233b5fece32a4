"""Make transition frames between two frames: the VAE morph, or a baseline, through one door.

Every method takes A's last frame and B's first (same size, uint8) and yields N frames between
them; the VAE morph itself lives in morph.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from vae_transition.interpolate import PATHS

METHODS = ("vae", "crossfade", "flow")


@dataclass(frozen=True)
class TransitionSpec:
    """How to make one transition."""

    frames: int = 24          # N interior frames between A's last and B's first
    method: str = "vae"       # "vae" | "crossfade" | "flow"
    path: str = "lerp"        # latent path for "vae": "lerp" | "slerp" | "ease"
    long_side: int = 256      # the model's working size (px, long side)
    seed: int = 0             # for anything random (the order of value changes, adaptation)
    adapt_steps: int = 0      # per-pair fine-tuning steps for "vae" (0: the model as it is;
                              # measured: 20 steps cost ~3.5 s a cut and changed 1 goal of 54)

    def __post_init__(self):
        if self.frames < 1:
            raise ValueError(f"--frames must be at least 1, got {self.frames}")
        if self.method not in METHODS:
            raise ValueError(f"unknown method '{self.method}' (choose from {', '.join(METHODS)})")
        if self.adapt_steps < 0:
            raise ValueError(f"--adapt-steps must be 0 or more, got {self.adapt_steps}")
        if self.path not in PATHS:
            raise ValueError(f"unknown path '{self.path}' (choose from {', '.join(PATHS)})")


def make_transition(a_last: np.ndarray, b_first: np.ndarray, spec: TransitionSpec,
                    model=None) -> Iterator[np.ndarray]:
    """Yield spec.frames (H, W, 3) uint8 frames between a_last and b_first (same size)."""
    if a_last.shape != b_first.shape:
        raise ValueError(f"frames differ in size: {a_last.shape} vs {b_first.shape}")
    if spec.method == "vae":
        if model is None:
            raise ValueError("the vae method needs a model")
        from vae_transition.morph import MorphConfig, vae_morph

        cfg = MorphConfig(long_side=spec.long_side)
        return vae_morph(model, a_last, b_first, spec.frames, spec.path, cfg, spec.seed)
    from vae_transition import baselines

    fn = baselines.crossfade if spec.method == "crossfade" else baselines.flow_morph
    return iter(fn(a_last, b_first, spec.frames))
