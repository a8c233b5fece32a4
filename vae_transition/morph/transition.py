"""Make transition frames: the VAE morph, or a baseline, through one door.

Insert mode (make_transition): A's last frame and B's first (same size, uint8) -> N frames to
put between them. Overlap mode (make_overlap): A's last N frames and B's first N -> N frames that
replace them, frame k made from the pair (A_k, B_k), so both clips keep moving under the
transition. The VAE morph itself lives in vae.py; bars.py keeps it off black bars.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from vae_transition.morph import baselines
from vae_transition.morph.bars import without_bars
from vae_transition.morph.interpolate import PATHS

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
    motion_blur: float = 0.0  # "vae": the share of a frame interval over which what the morph
                              # moves is blurred along its travel (0.5: a film camera's
                              # 180-degree shutter); 0: none (MorphConfig.shutter)
    overlap: bool = False     # False (insert): the frames go between A's last and B's first
                              # frame; True: they replace A's last N and B's first N frames,
                              # made from those moving pairs (make_overlap)

    def __post_init__(self):
        if self.frames < 1:
            raise ValueError(f"--frames must be at least 1, got {self.frames}")
        if self.method not in METHODS:
            raise ValueError(f"unknown method '{self.method}' (choose from {', '.join(METHODS)})")
        if self.adapt_steps < 0:
            raise ValueError(f"--adapt-steps must be 0 or more, got {self.adapt_steps}")
        if not 0.0 <= self.motion_blur <= 1.0:
            raise ValueError(f"--motion-blur must be between 0 and 1, got {self.motion_blur}")
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
        from vae_transition.morph.vae import MorphConfig, vae_morph  # torch: only to morph

        cfg = MorphConfig(long_side=spec.long_side, shutter=spec.motion_blur)
        return without_bars(lambda a, b: vae_morph(model, a[0], b[0], spec.frames, spec.path, cfg,
                                                   spec.seed), [a_last], [b_first], spec.frames)
    fn = baselines.crossfade if spec.method == "crossfade" else baselines.flow_morph
    return iter(fn(a_last, b_first, spec.frames))


def make_overlap(a_frames, b_frames, spec: TransitionSpec, model=None) -> Iterator[np.ndarray]:
    """Yield spec.frames frames, frame k made from a_frames[k] and b_frames[k] at t_k = (k + 1) /
    (N + 1): A's last N frames and B's first N, all one size."""
    n = spec.frames
    if len(a_frames) != n or len(b_frames) != n:
        raise ValueError(f"an overlap of {n} frames needs {n} frames of each clip, got "
                         f"{len(a_frames)} and {len(b_frames)}")
    if any(f.shape != a_frames[0].shape for f in (*a_frames, *b_frames)):
        raise ValueError(f"frames differ in size: {a_frames[0].shape} vs another")
    if spec.method == "vae":
        if model is None:
            raise ValueError("the vae method needs a model")
        from vae_transition.morph.vae import MorphConfig, vae_morph_overlap

        cfg = MorphConfig(long_side=spec.long_side, shutter=spec.motion_blur)
        return without_bars(lambda a, b: vae_morph_overlap(model, a, b, spec.path, cfg, spec.seed),
                            a_frames, b_frames, n)
    return iter(baselines.overlap_frames(a_frames, b_frames, spec.method))
