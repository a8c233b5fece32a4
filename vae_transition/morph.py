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
from vae_transition.interpolate import (blend_weights, ease, local_weights, mix, schedule,
                                        schedule_times, slerp_mix)


@dataclass(frozen=True)
class MorphConfig:
    """How the morph travels through latent space."""

    softness: float = 0.25   # share of the transition each region spends travelling, in (0, 1]
    smooth: float = 1.5      # blur of the schedule field, in latent pixels (larger: bigger regions)
    noise: float = 2.0       # weight of seeded low-frequency noise in the schedule field, >= 0
    detail: float = 0.15     # share of a region's travel over which its fine detail switches
                             # from A's to B's (1: as linear as the latents, a local dissolve)
    probes: int = 2          # decoded probes per output frame: measure the pace, and output
                             # frames are interpolated between the two nearest, >= 1
    pace_side: int = 640     # long side (px, capped at the clip's) the pace is measured at: large
                             # enough that clipping of fine detail shows as it will in the output
    long_side: int = 256     # the model's working size (px, long side)


@dataclass(frozen=True)
class LatentPath:
    """The two encoded endpoints and the schedule that moves between them."""

    za: object               # (C, h, w) latent of A (posterior mode)
    zb: object               # (C, h, w) latent of B
    tau: np.ndarray          # (h, w) start moment of each latent position, in [0, 1]
    softness: float
    slerp: bool

    def weights(self, t: float) -> np.ndarray:
        """(h, w) B's share of each latent position at global time t in [0, 1]."""
        return local_weights(self.tau, t, self.softness)

    def latents(self, times) -> object:
        """(T, C, h, w) latents at global times."""
        import torch

        step = slerp_mix if self.slerp else mix
        return torch.stack([step(self.za, self.zb, self.weights(float(t))) for t in times])


def detail_weights(w: np.ndarray, detail: float) -> np.ndarray:
    """B's share of the fine detail: switches over the middle `detail` of a region's travel."""
    if detail >= 1.0:
        return w
    return ease(np.clip((w - 0.5) / max(detail, 1e-3) + 0.5, 0.0, 1.0)).astype(np.float32)


def encode_path(model, a_small, b_small, path: str, cfg: MorphConfig, seed: int) -> LatentPath:
    import torch

    with torch.inference_mode():
        z = model.encode(tensors.frames_to_tensor([a_small, b_small], model_device(model))).mode()
    mass = change_mass(a_small, b_small, tuple(z.shape[-2:]))
    tau = schedule(z[0], z[1], mass=mass, smooth=cfg.smooth, noise=cfg.noise, seed=seed)
    return LatentPath(z[0], z[1], tau, cfg.softness, path == "slerp")


def decode(model, latents) -> np.ndarray:
    """(T, C, h, w) latents -> (T, H, W, 3) float32 in [0, 1], decoded 8 at a time (flat memory)."""
    import torch

    with torch.inference_mode():
        out = torch.cat([model.decode(c) for c in latents.split(8)])
    return out.float().clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()


class Corrector:
    """Adds each endpoint's reconstruction error back, so settled regions are the real frames."""

    def __init__(self, a: np.ndarray, b: np.ndarray, rec_a: np.ndarray, rec_b: np.ndarray,
                 detail: float):
        self.size = (a.shape[1], a.shape[0])
        self.res_a = tensors.to_float(a) - tensors.resize(rec_a, self.size)
        self.res_b = tensors.to_float(b) - tensors.resize(rec_b, self.size)
        self.detail = detail

    def __call__(self, decoded: np.ndarray, w: np.ndarray) -> np.ndarray:
        """(h, w, 3) decode and (h', w') latent weights -> (H, W, 3) float frame at our size."""
        wd = tensors.resize(detail_weights(w, self.detail), self.size)[..., None]
        return tensors.resize(decoded, self.size) + (1.0 - wd) * self.res_a + wd * self.res_b


def probe_path(model, lp: LatentPath, n: int, cfg: MorphConfig):
    """(times (M + 2,), decodes (M + 2, h, w, 3)): the path sampled densely, endpoints included."""
    m = max(n * cfg.probes, 16)
    inner = schedule_times(np.linspace(0, 1, m + 2)[1:-1], cfg.softness, lp.tau)
    times = np.concatenate([[0.0], inner, [1.0]])
    return times, decode(model, lp.latents(times))


def paced_times(times: np.ndarray, decoded: np.ndarray, lp: LatentPath, fix: "Corrector",
                n: int, path: str) -> np.ndarray:
    """Global times for the n frames so the visible change per step is even.

    The decoder does not respond linearly to a moving latent, so the pace is measured on the
    probes: each composed as the output will be, its luma as the metric sees it, and the times
    that split the summed change (the path's arc length) into n + 1 equal parts (eased for "ease").
    """
    from vae_transition.metrics import metric_luma

    ys = [metric_luma(tensors.to_uint8(fix(f, lp.weights(t)))) for f, t in zip(decoded, times)]
    steps = np.array([np.abs(y1 - y0).mean() for y0, y1 in zip(ys, ys[1:])])
    arc = np.concatenate([[0.0], np.cumsum(steps)]) / max(steps.sum(), 1e-12)
    return np.interp(blend_weights(n, path), arc, times)


def decoded_at(times: np.ndarray, decoded: np.ndarray, t: float) -> np.ndarray:
    """The decode at time t, between the two nearest probes (a fraction of a frame apart)."""
    k = int(np.clip(np.searchsorted(times, t) - 1, 0, len(times) - 2))
    alpha = float(np.clip((t - times[k]) / max(times[k + 1] - times[k], 1e-12), 0.0, 1.0))
    return (1.0 - alpha) * decoded[k] + alpha * decoded[k + 1]


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
    a_small, b_small = tensors.resize(a_last, size), tensors.resize(b_first, size)
    lp = encode_path(model, a_small, b_small, path, cfg, seed)
    probes, decoded = probe_path(model, lp, n, cfg)
    rec_a, rec_b = decoded[0], decoded[-1]
    pace = tensors.working_size(width, height, min(cfg.pace_side, max(width, height)), 1)
    a_pace, b_pace = tensors.resize(a_last, pace), tensors.resize(b_first, pace)
    times = paced_times(probes, decoded, lp, Corrector(a_pace, b_pace, rec_a, rec_b, cfg.detail),
                        n, path)
    fix = Corrector(a_last, b_first, rec_a, rec_b, cfg.detail)
    for t in times:
        yield tensors.to_uint8(fix(decoded_at(probes, decoded, float(t)), lp.weights(float(t))))
