"""Wholeness: does the middle of a transition show A and B bent, or A and B in pieces?

A morph that bends shows, mid-way, pictures of A and of B moved by smooth warps (smooth inside a
region; a warp may tear at a region's edge), mixed per pixel. A morph that shatters shows a
mosaic of small pieces, each on its own path, or blotches that neither picture holds. Wholeness
is the share of each middle frame's novel content (what no per-pixel mix of A and B explains, as
novelty measures it) that piecewise-smooth warps of A and B explain:

1. the frames are followed with DIS optical flow (OpenCV, no weights) between neighbours, and
   the steps chained back to A and forward to B: for each middle frame, where each of its
   pixels was in A and will be in B;
2. those flows are smoothed robustly (a median over MEDIAN px, about two latent cells): a region
   that moves as a whole keeps its motion and its edges, a piece moving on its own is voted away;
3. A and B are warped by the smoothed flows, and the frame is explained per pixel by the best mix
   of warped A and warped B (or of A and B as they are, whichever explains more);
4. wholeness = 1 - unexplained / max(novel, NOVEL_FLOOR), on pictures blurred by BLUR px, so
   that soft drawing (blur is not breakage) and sub-pixel texture misalignment do not count.

1.0: everything new is A and B bent (or there is little new: a crossfade); 0: nothing new is.
Measured (tests/test_wholeness.py): a textured disc carried and grown over a dissolving
background scores 0.78; a mosaic of 8 px cells, each moving and handing over on its own, with
more novelty than the disc, 0.16. RGB in [0, 1] at the metrics' 256 px long side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MEDIAN = 17        # px at 256: the robust smoothing window of the flows (about two latent cells)
STEP = 0.5         # px per code value when a flow is quantised for the 8-bit median filter
BLUR = 3.0         # px at 256: the scale below which differences do not count
NOVEL_FLOOR = 0.15  # novelty's goal: less unexplained content than this is not breakage
MIN_SIDE = 16      # px: DIS's smallest side (12) with a margin
ABS_FLOOR = 0.04   # nor is less than this, in mean L1 over RGB in [0, 1] (~3 code values a
                   # channel): two near-identical pictures make any redrawing look large


def gray(x: np.ndarray) -> np.ndarray:
    """(h, w, 3) float RGB in [0, 1] -> (h, w) uint8 grey, for DIS."""
    import cv2

    return cv2.cvtColor((np.clip(x, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)


def warp(img: np.ndarray, flow: np.ndarray, interpolation: str = "INTER_LINEAR") -> np.ndarray:
    """img (h, w, C) read at every pixel + flow (h, w, 2) (OpenCV's `interpolation`); edges
    repeated."""
    import cv2

    h, w = img.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, gx + flow[..., 0], gy + flow[..., 1], getattr(cv2, interpolation),
                     borderMode=cv2.BORDER_REPLICATE)


def smooth_flow(flow: np.ndarray, window: int = MEDIAN, step: float = STEP) -> np.ndarray:
    """(h, w, 2) flow, median-filtered per component over window x window px: piecewise smooth.
    (OpenCV's median takes large windows on 8-bit images only: the flow is quantised by step,
    within +-128 steps (64 px at STEP); larger moves are clipped, which only lowers the score.)"""
    import cv2

    out = np.empty_like(flow)
    for c in range(2):
        q = np.clip(np.rint(flow[..., c] / step) + 128, 0, 255).astype(np.uint8)
        out[..., c] = (cv2.medianBlur(q, window).astype(np.float32) - 128) * step
    return out


def dis_flow(dis, frm: np.ndarray, to: np.ndarray) -> np.ndarray:
    """(h, w, 2) DIS flow between two uint8 greys: frm at x ~ to at x + flow. DIS needs 12 px
    a side: a strip thinner than MIN_SIDE (wider than 16:1 at 256 px) is measured with its edge
    rows or columns repeated, and the flow cropped back."""
    import cv2

    h, w = frm.shape
    pad_y, pad_x = max(0, MIN_SIDE - h), max(0, MIN_SIDE - w)
    if pad_y or pad_x:
        frm, to = (cv2.copyMakeBorder(x, 0, pad_y, 0, pad_x, cv2.BORDER_REPLICATE)
                   for x in (frm, to))
    return dis.calc(frm, to, None)[:h, :w]


def chained_flows(rgbs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """flows[k] (h, w, 2): for every pixel of frame k, where its content is in frame 0, as the
    sum of the steps between neighbours (each small, where DIS is reliable)."""
    import cv2

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    greys = [gray(x) for x in rgbs]
    flows = [np.zeros(rgbs[0].shape[:2] + (2,), np.float32)]
    for k in range(1, len(rgbs)):
        step = dis_flow(dis, greys[k], greys[k - 1])     # frame k at x ~ frame k-1 at x + step
        flows.append(step + warp(flows[-1], step))
    return flows


def unmixed(a: np.ndarray, t: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(h, w) L1 of what the best per-pixel mix of a and b leaves of t (as novelty measures)."""
    d, e = b - a, t - a
    alpha = np.clip((e * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-9), 0.0, 1.0)
    return np.abs(e - alpha[..., None] * d).sum(-1)


def frame_wholeness(a, t, b, to_a: np.ndarray, to_b: np.ndarray) -> float:
    """Wholeness of one middle frame t, given its chained flows to A and to B."""
    import cv2

    a_bent, b_bent = warp(a, smooth_flow(to_a)), warp(b, smooth_flow(to_b))
    a, t, b, a_bent, b_bent = (cv2.GaussianBlur(x, (0, 0), BLUR) for x in (a, t, b, a_bent, b_bent))
    base = float(np.abs(b - a).sum(-1).mean())
    novel = unmixed(a, t, b)
    left = np.minimum(novel, unmixed(a_bent, t, b_bent))
    return float(1.0 - left.mean() / max(novel.mean(), NOVEL_FLOOR * base, ABS_FLOOR))


def wholeness(rgbs: Sequence[np.ndarray], middle: Sequence[int]) -> float:
    """Mean frame_wholeness over the frames `middle` of rgbs = [A_last, T_1..T_N, B_first]."""
    rgbs = [np.ascontiguousarray(x, dtype=np.float32) for x in rgbs]
    to_a = chained_flows(rgbs)
    to_b = chained_flows(rgbs[::-1])[::-1]
    return float(np.mean([frame_wholeness(rgbs[0], rgbs[i], rgbs[-1], to_a[i], to_b[i])
                          for i in middle]))
