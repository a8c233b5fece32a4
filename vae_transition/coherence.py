"""Coherence: does each pixel's change keep its direction, or turn back (flicker)?

In place, a step's change is read at the same pixel: for S_k-1, S_k, S_k+1 (mean abs over
pixels and RGB)

    in_place_k = |S_k+1 - S_k-1| / (|S_k+1 - S_k| + |S_k - S_k-1|)

1 when every pixel changes one way, 0.5 for frame-to-frame noise, 0 for A, B, A. But texture
that *moves* also turns pixels back and forth as its light and dark bands pass: a smooth pan
over fine texture at 3 px a frame scores about 0.5 in place, like noise (tests/test_coherence.py),
though a viewer sees steady motion. So the goal reads coherence *along the motion*:

1. DIS optical flow (OpenCV, no weights) from S_k to each neighbour, f- and f+;
2. the steady velocity through S_k, v = (f+ - f-) / 2, smoothed robustly (a median over
   WINDOW px, as wholeness does), so that pieces jittering on their own are not followed: a
   frame that moves one way and back (f+ = f-) has v = 0, and its jitter stays in the measure;
3. the neighbours read where steady motion puts S_k's pixels, W- = S_k-1(x - v) and
   W+ = S_k+1(x + v), and what turns back is measured between them as above;
4. per triple, the smaller of the two turn-backs (in place, or along v) counts, over the
   in-place path, so the reading is never below the in-place one (a still region, or a move
   too small for the bicubic read to follow without blurring, keeps its in-place value):

    along_k = 1 - min(back_in_place, back_along) / path_in_place,
    back = |S_k+1 - S_k| + |S_k - S_k-1| - |S_k+1 - S_k-1| (with W+-, for along).

Flicker, jitter, independently jumping cells and shimmer in place (moire that does not travel
with the content) still score low; a pan, a push-in or a shape bent along a smooth field scores
near 1. RGB in [0, 1] at the metrics' 256 px long side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .wholeness import dis_flow, gray, smooth_flow, warp

WINDOW = 9         # px at 256: the robust smoothing window of the velocity (about a latent cell)
FLOW_STEP = 0.125  # px per code value of the quantised median (velocities within +-16 px a frame)
EPS = 1e-9


def in_place(rgbs: Sequence[np.ndarray]) -> float:
    """Mean over k = 1..N of |S_k+1 - S_k-1| / (|S_k+1 - S_k| + |S_k - S_k-1|), mean abs values.

    rgbs = [A_last, T_1..T_N, B_first] (RGB in [0, 1], 256 px long side). A held frame (both
    steps zero) counts as 1: nothing turns back.
    """
    vals = []
    for k in range(1, len(rgbs) - 1):
        path, back = _turn_back(rgbs[k - 1], rgbs[k], rgbs[k + 1])
        vals.append(1.0 - back / path if path > EPS else 1.0)
    return float(np.mean(vals)) if vals else 1.0


def along_motion(rgbs: Sequence[np.ndarray]) -> float:
    """Mean over k = 1..N of 1 - min(back in place, back along the steady motion) / path in
    place (module docstring); rgbs as in_place takes them. In [0, 1]."""
    import cv2

    rgbs = [np.ascontiguousarray(x, dtype=np.float32) for x in rgbs]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    greys = [gray(x) for x in rgbs]
    vals = []
    for k in range(1, len(rgbs) - 1):
        path, back = _turn_back(rgbs[k - 1], rgbs[k], rgbs[k + 1])
        if path <= EPS:
            vals.append(1.0)
            continue
        v = steady_velocity(dis_flow(dis, greys[k], greys[k - 1]),
                            dis_flow(dis, greys[k], greys[k + 1]))
        # bicubic: bilinear's blur would itself read as a change that turns back
        _, back_along = _turn_back(warp(rgbs[k - 1], -v, "INTER_CUBIC"), rgbs[k],
                                   warp(rgbs[k + 1], v, "INTER_CUBIC"))
        vals.append(float(np.clip(1.0 - min(back, back_along) / path, 0.0, 1.0)))
    return float(np.mean(vals)) if vals else 1.0


def steady_velocity(to_prev: np.ndarray, to_next: np.ndarray) -> np.ndarray:
    """(h, w, 2) px a frame: the motion through a frame that carries on, from its flows to the
    previous and next frames (each frame k at x ~ its neighbour at x + flow). Steady motion
    has to_next = -to_prev = v; a move that turns back (to_next = to_prev) cancels out."""
    return smooth_flow((to_next - to_prev) / 2, WINDOW, FLOW_STEP)


def _turn_back(prev: np.ndarray, cur: np.ndarray, nxt: np.ndarray) -> tuple[float, float]:
    """(path, back): the two steps' mean abs sizes summed, and how much of that turns back
    (path - |nxt - prev|), in mean L1 per pixel and channel."""
    path = float(np.abs(nxt - cur).mean() + np.abs(cur - prev).mean())
    return path, max(0.0, path - float(np.abs(nxt - prev).mean()))
