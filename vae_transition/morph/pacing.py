"""When each of a morph's frames is shown: times that make neighbouring frames differ evenly.

Neither the decoder nor the hand-over responds linearly to time, so the frame times are found
from the frames themselves, measured as the metric measures them (metric luma, 256 px): the
probes give a first guess (paced_times), rounds of measuring every step correct it
(even_steps). In overlap mode the clips keep playing, and their own motion adds to every step:
against_motion() moves the morph on while they are calm and holds it back while they move
fast, so that the two together change the picture evenly.

Times are in [0, 1]; n frames have n + 1 steps, the frames beside the transition included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from vae_transition import tensors
from vae_transition.metrics import luma_steps, metric_luma
from vae_transition.morph.interpolate import blend_weights

MOTION_FLOOR = 0.25  # against_motion(): the least of its even step the morph makes in any step


def paced_times(times, states, decoded, compose, n: int, path: str) -> np.ndarray:
    """Global times for the n frames, from the probes: the times split the summed change (the
    path's arc length) into n + 1 equal parts (eased for "ease"). A first guess: fine texture
    that moves makes the arc longer than the change between frames a step apart (the chord),
    most where it moves fastest; even_steps() corrects for that.

    Each probe is composed at the working size (the metric's 256 px luma sees little of the
    detail above it).
    """
    ys = [metric_luma(tensors.to_uint8(compose(float(t), d, s)))
          for t, s, d in zip(times, states, decoded)]
    steps = luma_steps(ys)
    arc = np.concatenate([[0.0], np.cumsum(steps)]) / max(steps.sum(), 1e-12)
    return np.interp(blend_weights(n, path), arc, times)


def even_steps(out_times: np.ndarray, frame_luma: Callable[[float], np.ndarray], n: int,
               path: str, rounds: int) -> np.ndarray:
    """out_times moved so that neighbouring frames (the ends included) differ by equal amounts:
    each round measures the step between every two neighbours and redistributes the times
    along their running sum. frame_luma(t) is a frame's metric luma."""
    ends = (frame_luma(0.0), frame_luma(1.0))
    target = blend_weights(n, path)
    for _ in range(rounds):
        ys = [ends[0]] + [frame_luma(float(t)) for t in out_times] + [ends[1]]
        steps = luma_steps(ys)
        cum = np.concatenate([[0.0], np.cumsum(steps)]) / max(steps.sum(), 1e-12)
        out_times = np.interp(target, cum, np.concatenate([[0.0], out_times, [1.0]]))
    return out_times


def clip_motion(a_lumas: Sequence[np.ndarray], b_lumas: Sequence[np.ndarray]) -> np.ndarray:
    """(n + 1,) how much the clips' own motion changes each step of an n-frame overlap, from
    the metric lumas of A's and B's n overlapped frames: A's step and B's, mixed by how far
    the hand-over is at that step (k / (n + 1)). The steps to and from the frames beside the
    overlap are not seen here; each is taken as its neighbour's."""
    n = len(a_lumas)
    if n < 2:
        return np.zeros(n + 1)
    w = np.arange(1, n) / (n + 1.0)
    inner = (1.0 - w) * luma_steps(a_lumas) + w * luma_steps(b_lumas)
    return np.concatenate([inner[:1], inner, inner[-1:]])


def against_motion(times: np.ndarray, morph: np.ndarray, motion: np.ndarray,
                   floor: float = MOTION_FLOOR) -> np.ndarray:
    """The n frame times, moved so that each step's change is as even as it can be when the
    clips' own motion (n + 1,) adds to the morph's.

    times: [0, t_1 .. t_n, 1], at which the morph alone makes steps `morph` (n + 1,). Step j
    is given max(least, L - motion_j) of the morph's whole change, with L such that the shares
    add up to all of it (water-filling), and least = floor x its even share: the morph moves on
    while the clips are calm and holds back, never quite stopping, while they move fast.
    """
    total = float(morph.sum())
    if total <= 0.0 or not np.any(motion > 0):
        return np.asarray(times[1:-1], dtype=np.float64)
    least = floor * total / len(morph)
    low, high = 0.0, float(motion.max()) + total
    for _ in range(50):  # bisection on the level L: the shares grow with it
        level = 0.5 * (low + high)
        if np.maximum(least, level - motion).sum() > total:
            high = level
        else:
            low = level
    share = np.maximum(least, level - motion)
    progress = np.cumsum(share)[:-1] / share.sum()          # the morph's arc at frames 1..n
    arc = np.concatenate([[0.0], np.cumsum(morph)]) / total  # its arc at `times`
    return np.interp(progress, arc, times)
