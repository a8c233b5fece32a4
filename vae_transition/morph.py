"""The VAE morph: a latent path between two frames, decoded at full resolution with exact endpoints.

Interpolating every latent at the same rate decodes to something close to a crossfade: each
frame is a soft average of A and B. Instead each latent position x gets its own moment tau(x) in
(0, 1) at which it travels from z_A to z_B, over a window of `softness` of the transition. tau is a
smooth field taken from where the two latents differ most (plus seeded low-frequency noise), rank-
equalised so the same share of the picture is on the move at every step (even pacing). While a
region travels, the decoder renders the latent in between: the morph. Once it has arrived it is
exactly the real frame again, because each frame is corrected by the endpoints' reconstruction
error with the same spatial weights. So the picture stays sharp and never dissolves as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from vae_transition import tensors
from vae_transition.interpolate import (blend_weights, local_weights, mix, schedule,
                                        schedule_times, slerp_mix)


@dataclass(frozen=True)
class MorphConfig:
    """How the morph travels through latent space."""

    softness: float = 0.35   # share of the transition each region spends travelling, in (0, 1]
    smooth: float = 1.5      # blur of the schedule field, in latent pixels (larger: bigger regions)
    noise: float = 0.5       # weight of seeded low-frequency noise in the schedule field, >= 0
    long_side: int = 256     # the model's working size (px, long side)


def latent_frames(model, a_small, b_small, n: int, path: str, cfg: MorphConfig, seed: int):
    """(decoded (N + 2, h, w, 3) in [0, 1], weights (N, h', w')): A's and B's reconstructions
    first and last, the N morph frames between, and each frame's latent weight map."""
    import torch

    with torch.inference_mode():
        z = model.encode(tensors.frames_to_tensor([a_small, b_small], model_device(model))).mode()
        mass = change_mass(a_small, b_small, tuple(z.shape[-2:]))
        tau = schedule(z[0], z[1], mass=mass, smooth=cfg.smooth, noise=cfg.noise, seed=seed)
        times = schedule_times(blend_weights(n, path), cfg.softness, tau, mass)
        maps = [local_weights(tau, float(t), cfg.softness) for t in times]
        step = slerp_mix if path == "slerp" else mix
        zs = torch.stack([z[0]] + [step(z[0], z[1], m) for m in maps] + [z[1]])
        decoded = torch.cat([model.decode(c) for c in zs.split(8)])  # batches: flat memory
    return decoded.float().clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy(), maps


def change_mass(a_small: np.ndarray, b_small: np.ndarray, latent_hw: tuple[int, int]) -> np.ndarray:
    """(h, w) mean |luma(B) - luma(A)| over each latent cell: how much change it carries."""
    from vae_transition.metrics import luma

    diff = np.abs(luma(b_small) - luma(a_small)).astype(np.float32)
    return tensors.resize(diff, (latent_hw[1], latent_hw[0]))


def model_device(model):
    return next(model.parameters()).device


def vae_morph(model, a_last: np.ndarray, b_first: np.ndarray, n: int, path: str = "lerp",
              cfg: MorphConfig = MorphConfig(), seed: int = 0) -> Iterator[np.ndarray]:
    """Yield n (H, W, 3) uint8 morph frames between a_last and b_first, at their full size."""
    height, width = a_last.shape[:2]
    size = tensors.working_size(width, height, cfg.long_side, model.cfg.downsample)
    decoded, maps = latent_frames(model, tensors.resize(a_last, size),
                                  tensors.resize(b_first, size), n, path, cfg, seed)

    def full(img):  # (h, w[, 3]) -> (H, W[, 3]) float32, smooth
        return tensors.resize(img, (width, height))

    res_a = tensors.to_float(a_last) - full(decoded[0])
    res_b = tensors.to_float(b_first) - full(decoded[-1])
    for img, m in zip(decoded[1:-1], maps):
        wb = full(m)[..., None]                  # (H, W, 1) B's share at full resolution
        yield tensors.to_uint8(full(img) + (1.0 - wb) * res_a + wb * res_b)
