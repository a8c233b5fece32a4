"""The VAE morph: encode both frames, transport the latents, decode, compose, pace.

transport.py carries A's and B's latents towards each other and hands each cell over; the
decoder renders every in-between latent; compose.py turns the decodes into full-size frames
(exact at both ends, the decoder's own picture in the middle, full-resolution detail carried).
The path is probed (`probes` decodes per output frame) and the frame times split its visible
change evenly, since neither the decoder nor the flow responds linearly to time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from vae_transition import tensors
from vae_transition.metrics import luma, metric_luma
from vae_transition.morph.compose import Composer, detail_energy
from vae_transition.morph.interpolate import blend_weights
from vae_transition.morph.transport import Transport, TransportConfig, build

COMPOSE_WORKERS = 2  # frames composed at once (threads); see in_order


@dataclass(frozen=True)
class MorphConfig:
    """How the morph travels and how its frames are composed."""

    transport: TransportConfig = field(default_factory=TransportConfig)
    fade: float = 0.5        # share of the transition, from each end, over which the model's
                             # reconstruction error is faded out; in (0, 1]
    detail: float = 0.3      # share of a cell's hand-over during which its full-resolution
                             # detail switches from A's to B's (1: over the whole hand-over)
    lead: float = 1.0        # how far the richer side's detail moves that switch towards the
                             # poorer side's end of the hand-over, in [0, 1] (0: mid-way)
    drift: float = 0.25      # grain (detail that no shape at the working size registers, such
                             # as pixel noise) travels this share of its content's way; 1: all
    probes: int = 2          # decoded probes per output frame for the pace, >= 1
    long_side: int = 256     # the model's working size (px, long side), at most the clip's
                             # long side / detail_octave
    detail_octave: float = 2.5  # the full-size detail band spans at least this factor above
                             # the working size, so small clips keep carried detail too


def model_device(model):
    return next(model.parameters()).device


def encode_pair(model, a_small: np.ndarray, b_small: np.ndarray):
    """(z_A, z_B), each (C, h, w): the posterior modes of the two working-size frames."""
    import torch

    with torch.inference_mode():
        z = model.encode(tensors.frames_to_tensor([a_small, b_small], model_device(model))).mode()
    return z[0], z[1]


def decode(model, latents) -> np.ndarray:
    """(T, C, h, w) latents -> (T, H, W, 3) float32 in [0, 1], decoded 8 at a time (flat memory)."""
    import torch

    # channels-last activations: oneDNN's convolutions on CPU run about 1.4x faster (same values
    # to 1e-5), and the layout follows the activations through the decoder
    latents = latents.contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        out = torch.cat([model.decode(c) for c in latents.split(8)])
    return out.float().clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()


def change_mass(a_small: np.ndarray, b_small: np.ndarray, latent_hw: tuple[int, int]) -> np.ndarray:
    """(h, w) mean |luma(B) - luma(A)| over each latent cell: how much change it carries."""
    diff = np.abs(luma(b_small) - luma(a_small)).astype(np.float32)
    return tensors.resize(diff, (latent_hw[1], latent_hw[0]))


def detail_energies(a_small: np.ndarray, b_small: np.ndarray,
                    latent_hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(E_A, E_B), each (h, w): the mean squared 3x3 Laplacian of each working-size frame per
    latent cell (compose.detail_energy), RGB in [0, 1]: where each side has fine detail."""
    size = (latent_hw[1], latent_hw[0])
    return tuple(detail_energy(tensors.to_float(x), size) for x in (a_small, b_small))


def probe_path(model, tr: Transport, n: int, cfg: MorphConfig, slerp: bool):
    """(times (M + 2,), states, decodes (M + 2, h, w, 3)): the path sampled densely, ends included."""
    import torch

    times = np.linspace(0.0, 1.0, max(n * cfg.probes, 16) + 2)
    states = [tr.at(float(t), slerp) for t in times]
    return times, states, decode(model, torch.stack([s[0] for s in states]))


def paced_times(times, states, decoded, compose: Composer, n: int, path: str) -> np.ndarray:
    """Global times for the n frames so that the visible change per step is even.

    Each probe is composed at the working size (the metric's 256 px luma sees little of the
    detail band above it), and the times split the summed change (the path's arc length) into
    n + 1 equal parts (eased for "ease").
    """
    ys = [metric_luma(tensors.to_uint8(compose(float(t), d, s)))
          for t, s, d in zip(times, states, decoded)]
    steps = np.array([np.abs(y1 - y0).mean() for y0, y1 in zip(ys, ys[1:])])
    arc = np.concatenate([[0.0], np.cumsum(steps)]) / max(steps.sum(), 1e-12)
    return np.interp(blend_weights(n, path), arc, times)


def decoded_at(times: np.ndarray, decoded: np.ndarray, t: float) -> np.ndarray:
    """The decode at time t, between the two nearest probes (a fraction of a frame apart)."""
    k = int(np.clip(np.searchsorted(times, t) - 1, 0, len(times) - 2))
    alpha = float(np.clip((t - times[k]) / max(times[k + 1] - times[k], 1e-12), 0.0, 1.0))
    return (1.0 - alpha) * decoded[k] + alpha * decoded[k + 1]


def _working_size(frame: np.ndarray, cfg: MorphConfig, downsample: int) -> tuple[int, int]:
    height, width = frame.shape[:2]
    long_side = min(cfg.long_side, max(width, height) / cfg.detail_octave)
    return tensors.working_size(width, height, long_side, downsample)


def plan_path(model, a_small: np.ndarray, b_small: np.ndarray, n: int, path: str,
              cfg: MorphConfig, seed: int):
    """(transport, probe times, probe decodes, the n paced frame times) for one pair."""
    za, zb = encode_pair(model, a_small, b_small)
    grid = tuple(za.shape[-2:])
    tr = build(za, zb, cfg.transport, seed, change_mass(a_small, b_small, grid),
               detail_energies(a_small, b_small, grid))
    times, states, decoded = probe_path(model, tr, n, cfg, path == "slerp")
    compose_pace = Composer(a_small, b_small, decoded[0], decoded[-1], cfg.fade, cfg.detail)
    return tr, times, decoded, paced_times(times, states, decoded, compose_pace, n, path)


def vae_morph(model, a_last: np.ndarray, b_first: np.ndarray, n: int, path: str = "lerp",
              cfg: MorphConfig = MorphConfig(), seed: int = 0) -> Iterator[np.ndarray]:
    """Yield n (H, W, 3) uint8 morph frames between a_last and b_first, at their full size."""
    size = _working_size(a_last, cfg, model.cfg.downsample)
    a_small, b_small = tensors.resize(a_last, size), tensors.resize(b_first, size)
    tr, times, decoded, out_times = plan_path(model, a_small, b_small, n, path, cfg, seed)
    compose = Composer(a_last, b_first, decoded[0], decoded[-1], cfg.fade, cfg.detail, cfg.lead,
                       cfg.drift)

    def frame(t: float) -> np.ndarray:
        return tensors.to_uint8(compose(t, decoded_at(times, decoded, t), tr.at(t, path == "slerp")))

    yield from in_order(frame, [float(t) for t in out_times])


def vae_morph_overlap(model, a_frames, b_frames, path: str = "lerp",
                      cfg: MorphConfig = MorphConfig(), seed: int = 0) -> Iterator[np.ndarray]:
    """Overlap mode: frame k from the moving pair (A_k, B_k), both clips playing under the morph.

    The matching, the hand-over schedule and the pace are planned once, on the middle pair (so
    the morph's geometry does not jump from frame to frame); every frame then carries its own
    A_k and B_k latents along those flows (encoded in batches) and is composed from them.
    """
    import torch

    n = len(a_frames)
    # both clips keep moving under the morph, so its travel does not start or end at rest: eased,
    # it would lag the clips' own motion at the ends (push-in splice ratio 1.58 against 1.47)
    cfg = replace(cfg, transport=replace(cfg.transport, ease=0.0))
    size = _working_size(a_frames[0], cfg, model.cfg.downsample)
    smalls = [tensors.resize(f, size) for f in (*a_frames, *b_frames)]
    mid = n // 2
    tr, _, _, out_times = plan_path(model, smalls[mid], smalls[n + mid], n, path, cfg, seed)
    with torch.inference_mode():  # 8 frames at a time, as decode(): flat memory
        z = torch.cat([model.encode(c).mode() for c in
                       tensors.frames_to_tensor(smalls, model_device(model)).split(8)])
    recs = decode(model, z)  # (2n, h, w, 3): each frame's own reconstruction, for the error

    def frame(k: int) -> np.ndarray:
        t = float(out_times[k])
        state = replace(tr, za=z[k], zb=z[n + k]).at(t, path == "slerp")
        compose = Composer(a_frames[k], b_frames[k], recs[k], recs[n + k], cfg.fade, cfg.detail,
                           cfg.lead, cfg.drift)
        return tensors.to_uint8(compose(t, decode(model, state[0][None])[0], state))

    yield from in_order(frame, list(range(n)))


def in_order(fn, items: list, workers: int = COMPOSE_WORKERS) -> Iterator:
    """fn(item) for each item, yielded in order, computed `workers` at a time in threads.

    A frame's composition is independent of the others', and about a third of it is numpy
    arithmetic that runs on one core while the GIL is released: two frames in flight make a
    24-frame 1280x768 morph's composition about 1.5x faster on 2 cores (identical frames). At
    most workers + 1 frames are held, so memory stays flat; if the consumer stops early (an
    encoder error, Ctrl-C), the frames in flight finish and nothing more is started.
    """
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, workers)) as pool:
        pending = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
