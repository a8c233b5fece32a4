"""Make transition frames between two frames: the VAE morph, or a baseline, through one door.

The VAE works at a small size (long side ~256 px); frames come out at the clips' full resolution.
Each decoded frame is corrected by the endpoints' reconstruction error (residual), weighted by how
far along the path it is, so the transition starts on A's last frame and lands on B's first exactly:
no jump at either splice, and the clips' fine detail is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from vae_transition import tensors
from vae_transition.interpolate import PATHS, blend_weights, latent_path

METHODS = ("vae", "crossfade", "flow")


@dataclass(frozen=True)
class TransitionSpec:
    """How to make one transition."""

    frames: int = 24          # N interior frames between A's last and B's first
    method: str = "vae"       # "vae" | "crossfade" | "flow"
    path: str = "lerp"        # latent path for "vae": "lerp" | "slerp" | "ease"
    long_side: int = 256      # the model's working size (px, long side)
    seed: int = 0             # for anything random (sampling, adaptation)

    def __post_init__(self):
        if self.frames < 1:
            raise ValueError(f"--frames must be at least 1, got {self.frames}")
        if self.method not in METHODS:
            raise ValueError(f"unknown method '{self.method}' (choose from {', '.join(METHODS)})")
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
        return vae_morph(model, a_last, b_first, spec)
    from vae_transition import baselines

    fn = baselines.crossfade if spec.method == "crossfade" else baselines.flow_morph
    return iter(fn(a_last, b_first, spec.frames))


def decode_path(model, a_small: np.ndarray, b_small: np.ndarray, spec: TransitionSpec):
    """(N + 2, 3, h, w) decodes in [0, 1]: A's reconstruction, the N path frames, B's."""
    import torch

    device = model.device if hasattr(model, "device") else tensors.pick_device()
    with torch.inference_mode():
        z = model.encode(tensors.frames_to_tensor([a_small, b_small], device)).mode()
        zs = torch.cat([z[:1], latent_path(z[0], z[1], spec.frames, spec.path), z[1:]])
        # decode in small batches: memory stays flat whatever N is
        return torch.cat([model.decode(chunk) for chunk in zs.split(8)]).float().cpu()


def vae_morph(model, a_last: np.ndarray, b_first: np.ndarray,
              spec: TransitionSpec) -> Iterator[np.ndarray]:
    """The VAE morph at full resolution, corrected so both endpoints are exact."""
    height, width = a_last.shape[:2]
    size = tensors.working_size(width, height, spec.long_side, model.cfg.downsample)
    decoded = decode_path(model, tensors.resize(a_last, size), tensors.resize(b_first, size), spec)
    decoded = decoded.permute(0, 2, 3, 1).numpy()  # (N + 2, h, w, 3) in [0, 1]

    def full(img):  # (h, w, 3) -> (H, W, 3) float32 in [0, 1]
        return tensors.resize(img, (width, height))

    res_a = tensors.to_float(a_last) - full(decoded[0])
    res_b = tensors.to_float(b_first) - full(decoded[-1])
    for w, img in zip(blend_weights(spec.frames, spec.path), decoded[1:-1]):
        yield tensors.to_uint8(full(img) + (1.0 - w) * res_a + w * res_b)
