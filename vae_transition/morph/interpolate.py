"""Paths between two latents: where the transition's N frames sit between clip A and clip B.

Interior times are t_i = i / (N + 1), i = 1..N: the endpoints t = 0 and t = 1 are the real frames.
A path gives each frame its global progress towards B (lerp: linear; ease: ease-in-out timing;
slerp: linear timing, latents moved along great circles).

Cells of the latent do not all change at once: schedule() gives each one its moment tau, and
local_weights() its share of B at a global time t; mix_rows() and slerp_rows() move a cell's
value from A's towards B's (see transport.py).
"""

from __future__ import annotations

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


def schedule(za, zb, *, mass: np.ndarray | None = None, smooth: float = 1.5, noise: float = 0.5,
             seed: int = 0, bias: np.ndarray | None = None,
             guide: np.ndarray | None = None) -> np.ndarray:
    """(h, w) moment tau in [0, 1] at which each latent position starts to travel.

    Order: where the latents differ most goes first (standardised, plus seeded low-frequency
    noise and `bias` (h, w), > 0 earlier, in units of that standard deviation; smoothed, and
    with a `guide` picture (h, w, 3) in [0, 1] smoothed within its regions, so that a region
    hands over as a whole and the front between early and late follows the picture's edges).
    Spacing: by `mass` (h, w) >= 0, each position's share of the visible change (uniform if
    None), so the change that starts per unit of time is constant.
    """
    import cv2

    diff = (zb - za).float().cpu().numpy()            # (C, h, w)
    field = np.sqrt((diff ** 2).mean(axis=0))          # where the latents differ most
    field = (field - field.mean()) / (field.std() + 1e-6)
    rng = np.random.default_rng(seed)
    h, w = field.shape
    coarse = rng.standard_normal((max(2, h // 4), max(2, w // 4))).astype(np.float32)
    field = field + noise * cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    if bias is not None:
        field = field + bias
    if smooth > 0:
        field = cv2.GaussianBlur(field.astype(np.float32), (0, 0), smooth)
    if guide is not None:
        field = guided_filter(guide, field.astype(np.float32), radius=max(1, round(smooth)))
    order = np.argsort(-field, axis=None, kind="stable")
    m = _mass(mass, field.size)[order]
    start = np.cumsum(m) - m                            # change started before each position
    tau = np.empty(field.size, dtype=np.float32)
    tau[order] = start / max(float(start[-1]), 1e-12)
    return tau.reshape(h, w)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float = 1e-3) -> np.ndarray:
    """src (h, w) smoothed within the regions of guide (h, w, 3) in [0, 1] (He et al.'s guided
    filter on the guide's grey: a local linear model of src in the guide, box radius cells):
    flat where the guide is flat, following its edges where it has them."""
    import cv2

    g = guide.mean(axis=2).astype(np.float32) if guide.ndim == 3 else guide.astype(np.float32)
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x):
        return cv2.boxFilter(x, -1, size, borderType=cv2.BORDER_REFLECT)

    mean_g, mean_s = box(g), box(src)
    var_g = box(g * g) - mean_g * mean_g
    slope = (box(g * src) - mean_g * mean_s) / (var_g + eps)
    offset = mean_s - slope * mean_g
    return box(slope) * g + box(offset)


def _mass(mass: np.ndarray | None, size: int) -> np.ndarray:
    """Flattened non-negative weights; a floor keeps unchanged areas from being skipped at once."""
    if mass is None:
        return np.ones(size, dtype=np.float64)
    m = np.asarray(mass, dtype=np.float64).ravel()
    return np.maximum(m, 0.05 * m.mean() + 1e-12)


def local_weights(tau: np.ndarray, t: float, softness: float) -> np.ndarray:
    """(h, w) weight of B at global time t: 0 before tau's window, 1 after, smooth in between."""
    start = tau * (1.0 - softness)
    return ease(np.clip((t - start) / softness, 0.0, 1.0)).astype(np.float32)


def mix_rows(fa, fb, s):
    """(N, C) rows with B's share s (N, 1): fa + s (fb - fa)."""
    return fa + (fb - fa) * s


def slerp_rows(fa, fb, s, eps: float = 1e-6):
    """Like mix_rows(), but along the great circle between each row pair, norms lerped."""
    import torch

    na, nb = fa.norm(dim=1, keepdim=True), fb.norm(dim=1, keepdim=True)
    ua, ub = fa / (na + eps), fb / (nb + eps)
    omega = torch.acos((ua * ub).sum(1, keepdim=True).clamp(-1 + 1e-6, 1 - 1e-6))
    so = torch.sin(omega)
    direction = (torch.sin((1 - s) * omega) * ua + torch.sin(s * omega) * ub) / so
    return direction * (na + (nb - na) * s)
