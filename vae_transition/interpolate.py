"""Paths between two latents: where the transition's N frames sit between clip A and clip B.

A path maps interior times t_i = i / (N + 1), i = 1..N (the endpoints t = 0 and t = 1 are the real
frames) to latents. Each path also says how far along it the frame is in "blend" terms, which the
pipeline uses to weight each endpoint's residual detail.
"""

from __future__ import annotations

import math

import numpy as np

PATHS = ("lerp", "slerp", "ease")


def interior_times(n: int) -> np.ndarray:
    """(n,) t_i = i / (n + 1) for i = 1..n, strictly inside (0, 1)."""
    if n < 1:
        raise ValueError(f"a transition needs at least 1 frame, got {n}")
    return np.arange(1, n + 1, dtype=np.float64) / (n + 1)


def ease(t: np.ndarray) -> np.ndarray:
    """Smoothstep ease-in-out on [0, 1]: slow at both splices, faster in the middle."""
    return t * t * (3.0 - 2.0 * t)


def blend_weights(n: int, path: str = "lerp") -> np.ndarray:
    """(n,) weight of clip B in each transition frame, in (0, 1)."""
    if path not in PATHS:
        raise ValueError(f"unknown path '{path}' (choose from {', '.join(PATHS)})")
    t = interior_times(n)
    return ease(t) if path == "ease" else t


def lerp(z0, z1, w: float):
    """Straight line between latents (any tensors of one shape)."""
    return z0 + (z1 - z0) * w


def slerp(z0, z1, w: float, eps: float = 1e-7):
    """Great-circle path between flattened latents, radius interpolated linearly.

    Keeps the norm of intermediate latents from sagging, as a straight line between two
    far-apart Gaussian samples would.
    """
    a, b = z0.flatten(), z1.flatten()
    na, nb = a.norm(), b.norm()
    cos = float(((a / (na + eps)) * (b / (nb + eps))).sum().clamp(-1.0, 1.0))
    omega = math.acos(cos)
    if omega < 1e-4:
        return lerp(z0, z1, w)
    ua, ub = a / (na + eps), b / (nb + eps)
    direction = (math.sin((1 - w) * omega) * ua + math.sin(w * omega) * ub) / math.sin(omega)
    radius = na + (nb - na) * w
    return (direction * radius).reshape(z0.shape)


def latent_path(z0, z1, n: int, path: str = "lerp"):
    """(n, ...) latents at the interior points between z0 and z1 (each of shape (...))."""
    import torch

    weights = blend_weights(n, path)
    step = slerp if path == "slerp" else lerp
    return torch.stack([step(z0, z1, float(w)) for w in weights])
