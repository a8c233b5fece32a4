"""The VAE morph: encode both frames, bend the latents towards each other, decode, compose, pace.

Each frame is encoded at sub-cell shifts (phases.py), so that the carried latents are the
encoder's own; transport.py fits one smooth field between A's and B's latents and carries both
along it while each region hands over; the decoder renders the in-between latents; compose.py
turns the decodes into full-size frames (exact at both ends, the decoder's shapes in the
middle, the clips' own fine detail carried along). The path is decoded at a few probes (frames
between them are moved along the field and blended) and the frame times are chosen so that
neighbouring frames differ by equal amounts (pacing.py), since neither the decoder nor the
hand-over responds linearly to time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from vae_transition import tensors
from vae_transition.metrics import luma, luma_steps, metric_luma
from vae_transition.morph.compose import Carrier, Composer, detail_energy
from vae_transition.morph.follow import follow_weights, frame_fields
from vae_transition.morph.pacing import against_motion, clip_motion, even_steps, paced_times
from vae_transition.morph.phases import encode, encode_moved, phase_latents, plain
from vae_transition.morph.transport import Transport, TransportConfig, build

COMPOSE_WORKERS = 2  # frames composed at once (threads); see in_order


@dataclass(frozen=True)
class MorphConfig:
    """How the morph travels and how its frames are composed."""

    transport: TransportConfig = field(default_factory=TransportConfig)
    fade: float = 0.5        # share of the transition, from each end, over which the model's
                             # reconstruction error is faded out; in (0, 1]
    cut: float = 0.35        # the decoder draws up to this share of the working size; the
                             # clips' own detail, carried, above it (compose.py); in (0, 1].
                             # 0.5 left a 640 px clip's detail a quarter size down (pyramid
                             # level 2) to the decoder's soft drawing; 0.35 carries it, and the
                             # decoder still draws the shapes (bench: same shapes, crisper)
    drift: float = 1.0       # the carried detail travels this share of its content's way
    probes: int = 8          # decoded probes between the ends, >= 1; a frame between two is
                             # their blend, each moved along the field to the frame's time
                             # (decoded_at): one a frame (24) scored the same on the bench pairs
    pace_rounds: int = 2     # rounds that even out the steps between neighbouring frames (4
                             # moved pacing by 0.01 at most on the bench pairs)
    long_side: int = 256     # the model's working size (px, long side), at most the clip's
                             # long side / (detail_octave * cut)
    detail_octave: float = 2.5  # the carried detail band spans at least this factor above
                             # the decoder's band, so small clips keep carried detail too
    shutter: float = 0.0     # share of a frame interval over which the carried detail is
                             # blurred along its travel (motion blur; 0.5: a film camera's
                             # 180-degree shutter), in [0, 1]; 0: none. Steadier fast texture,
                             # softer moving frames (bench/results/motion_blur.md)
    follow: bool = True      # overlap mode: the field follows each clip's own camera motion
                             # from the middle pair (follow.py); False: one field for all
    overlap_mag: float = 0.3   # overlap mode's pull to the detail plan (FieldConfig.mag, 0.1
                             # in insert mode): the clips' own motion already makes its middle
                             # new, and the field's travel adds to theirs (before the plan, at
                             # the insert weight: launch pad -> cartoon's mid sharpness 0.84 ->
                             # 0.70; 7 overlap misses against 4)
    phases: int = 3          # each picture is encoded at P x P sub-cell shifts, so that the
                             # carried latents are the encoder's own (phases.py): 1 (plain
                             # latents) left a 320 px clip's middle frames at 0.60 of the
                             # quarter-size detail the goal asks, 3 at 0.87; 4 is no better


def encode_pair(model, a_small: np.ndarray, b_small: np.ndarray):
    """(z_A, z_B), each (C, h, w): the posterior modes of the two working-size frames."""
    z = encode(model, [a_small, b_small])
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

    times = np.linspace(0.0, 1.0, max(1, cfg.probes) + 2)
    states = [tr.at(float(t), slerp) for t in times]
    return times, states, decode(model, torch.stack([s[0] for s in states]))


def decoded_at(tr: Transport, times: np.ndarray, decoded: np.ndarray, t: float,
               carrier: Carrier) -> np.ndarray:
    """The decode at time t, from the two nearest probes: each is first moved along the field
    by the travel between its time and t (A's and B's content both flow along +V: a place
    reads A at -2 tr V and B at +2 (1 - tr) V), then the two are blended. Blended unmoved, two
    probes three frames apart would double every moving edge."""
    k = int(np.clip(np.searchsorted(times, t) - 1, 0, len(times) - 2))
    alpha = float(np.clip((t - times[k]) / max(times[k + 1] - times[k], 1e-12), 0.0, 1.0))
    field = tr.field.cpu().numpy()
    out = np.zeros_like(decoded[k])
    for j, weight in ((k, 1.0 - alpha), (k + 1, alpha)):
        if weight > 0:
            shift = -2.0 * (tr.travelled(t) - tr.travelled(float(times[j]))) * field
            out += weight * carrier.carry(decoded[j], carrier.maps(shift), edge=True)
    return out


def frame_at(compose: Composer, tr: Transport, times: np.ndarray, decoded: np.ndarray, t: float,
             path: str, open_for: float = 0.0) -> np.ndarray:
    """(H, W, 3) uint8 frame at time t: the probes' decode there, composed with the transport;
    its detail blurred over the `open_for` of the transition's time around t (smear_at)."""
    decode_t = decoded_at(tr, times, decoded, t, compose.work)
    return tensors.to_uint8(compose(t, decode_t, tr.at(t, path == "slerp"),
                                    smear_at(tr, t, open_for)))


def smear_at(tr: Transport, t: float, open_for: float):
    """(2, h, w) cells: how far each place's source offsets (A's and B's alike) change between
    t - open_for / 2 and t + open_for / 2, the content moving the opposite way (along +V, 2 V
    over the whole way; see decoded_at); None for an instant."""
    if open_for <= 0:
        return None
    lo, hi = max(0.0, t - open_for / 2), min(1.0, t + open_for / 2)
    return (-2.0 * (tr.travelled(hi) - tr.travelled(lo))) * tr.field.cpu().numpy()


def open_times(times: np.ndarray, shutter: float) -> np.ndarray:
    """For frames at `times` (strictly inside (0, 1)), how long the shutter stays open around
    each: `shutter` of its frame interval (the mean of the gaps to its neighbours, ends 0, 1)."""
    edges = np.concatenate([[0.0], np.asarray(times, np.float64), [1.0]])
    return shutter * 0.5 * (edges[2:] - edges[:-2])


def _working_size(frame: np.ndarray, cfg: MorphConfig, downsample: int) -> tuple[int, int]:
    height, width = frame.shape[:2]
    long_side = min(cfg.long_side, max(width, height) / (cfg.detail_octave * cfg.cut),
                    max(width, height))  # never above the clip's own size
    return tensors.working_size(width, height, long_side, downsample)


@dataclass(frozen=True)
class Plan:
    """One pair's morph, planned: the transport, the probes' times and decodes, the n frame
    times, and frame_luma(t), the metric luma of its frame at time t (at the working size)."""

    tr: Transport
    times: np.ndarray
    decoded: np.ndarray
    out_times: np.ndarray
    frame_luma: Callable[[float], np.ndarray]


def plan_path(model, a_small: np.ndarray, b_small: np.ndarray, n: int, path: str,
              cfg: MorphConfig, seed: int) -> Plan:
    """The morph between two working-size pictures, planned (its frames paced evenly)."""
    grids = phase_latents(model, [a_small, b_small], cfg.phases)
    grid = tuple(plain(grids[0], cfg.phases).shape[-2:])
    tr = build(*grids, a_small, b_small, cfg.transport, seed, change_mass(a_small, b_small, grid),
               detail_energies(a_small, b_small, grid), cfg.phases)
    times, states, decoded = probe_path(model, tr, n, cfg, path == "slerp")
    pace = Composer(a_small, b_small, decoded[0], decoded[-1], cfg.fade, cfg.cut, cfg.drift)

    def frame_luma(t: float) -> np.ndarray:
        return metric_luma(frame_at(pace, tr, times, decoded, t, path))

    out_times = paced_times(times, states, decoded, pace, n, path)
    return Plan(tr, times, decoded, even_steps(out_times, frame_luma, n, path, cfg.pace_rounds),
                frame_luma)


def vae_morph(model, a_last: np.ndarray, b_first: np.ndarray, n: int, path: str = "lerp",
              cfg: MorphConfig = MorphConfig(), seed: int = 0) -> Iterator[np.ndarray]:
    """Yield n (H, W, 3) uint8 morph frames between a_last and b_first, at their full size."""
    size = _working_size(a_last, cfg, model.cfg.downsample)
    a_small, b_small = tensors.resize(a_last, size), tensors.resize(b_first, size)
    plan = plan_path(model, a_small, b_small, n, path, cfg, seed)
    compose = Composer(a_last, b_first, plan.decoded[0], plan.decoded[-1], cfg.fade, cfg.cut,
                       cfg.drift)

    opened = open_times(plan.out_times, cfg.shutter)
    yield from in_order(lambda k: frame_at(compose, plan.tr, plan.times, plan.decoded,
                                           float(plan.out_times[k]), path, float(opened[k])),
                        list(range(n)))


def vae_morph_overlap(model, a_frames, b_frames, path: str = "lerp",
                      cfg: MorphConfig = MorphConfig(), seed: int = 0) -> Iterator[np.ndarray]:
    """Overlap mode: frame k from the moving pair (A_k, B_k), both clips playing under the morph.

    The field, the hand-over schedule and the pace are planned once, on the middle pair (so
    the morph's geometry does not jump from frame to frame), and the pace is moved against the
    clips' own motion (overlap_times); every frame then carries its own
    A_k and B_k along that field: the two pictures are moved and encoded (phases.encode_moved),
    so the decoder reads the encoder's own latents, as in insert mode, and the result is
    composed with each frame's own reconstruction error and detail.
    """
    n = len(a_frames)
    # both clips keep moving under the morph, so its travel does not start or end at rest: eased,
    # it would lag the clips' own motion at the ends (push-in splice ratio 1.58 against 1.47)
    cfg = replace(cfg, transport=replace(cfg.transport, ease=0.0, field=replace(
        cfg.transport.field, mag=cfg.overlap_mag)))
    size = _working_size(a_frames[0], cfg, model.cfg.downsample)
    smalls = [tensors.resize(f, size) for f in (*a_frames, *b_frames)]
    mid = n // 2
    plan = plan_path(model, smalls[mid], smalls[n + mid], n, path, cfg, seed)
    tr, out_times = plan.tr, overlap_times(plan, a_frames, b_frames, path)
    z = encode(model, smalls)  # a batch at a time, as decode(): flat memory
    recs = decode(model, z)  # (2n, h, w, 3): each frame's own reconstruction, for the error

    carrier = Carrier(*size)
    transports = (followed(tr, smalls[:n], smalls[n:], mid, size, out_times) if cfg.follow
                  else [tr] * n)
    opened = open_times(out_times, cfg.shutter)  # the morph's own travel; the clips' motion
                                                 # keeps the blur their camera gave it

    def frame(k: int) -> np.ndarray:
        t, tr_k = float(out_times[k]), transports[k]
        pair = [smalls[k], smalls[n + k]]
        state = tr_k.at(t, path == "slerp",
                      moved=lambda off_a, off_b: encode_moved(model, pair, [off_a, off_b], carrier))
        compose = Composer(a_frames[k], b_frames[k], recs[k], recs[n + k], cfg.fade, cfg.cut,
                           cfg.drift)
        return tensors.to_uint8(compose(t, decode(model, state[0][None])[0], state,
                                        smear_at(tr_k, t, float(opened[k]))))

    yield from in_order(frame, list(range(n)))


def followed(tr: Transport, a_smalls, b_smalls, mid: int, size: tuple[int, int],
             times: np.ndarray) -> list:
    """One Transport per overlap frame (at `times`): the middle pair's, its field carried along
    the clips' own motion since the middle (follow.py); the hand-over schedule stays the plan's."""
    h, w = tr.field.shape[-2:]
    fields = frame_fields(tr.field, a_smalls, b_smalls, mid, (size[0] / w, size[1] / h),
                          follow_weights(np.asarray(times, np.float64)))
    return [replace(tr, field=f) for f in fields]


def overlap_times(plan: Plan, a_frames, b_frames, path: str) -> np.ndarray:
    """The overlap's frame times: the plan's, moved against the clips' own motion (pacing.py),
    so that the morph goes on while they are calm and waits while they move fast (the bench's
    megamind -> cockatoo: pacing 1.55 -> 1.33). An eased path keeps its easing."""
    if path == "ease":
        return plan.out_times
    times = np.concatenate([[0.0], plan.out_times, [1.0]])
    morph = luma_steps([plan.frame_luma(float(t)) for t in times])
    motion = clip_motion([metric_luma(f) for f in a_frames], [metric_luma(f) for f in b_frames])
    return against_motion(times, morph, motion)


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
