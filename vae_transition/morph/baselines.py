"""Baseline transitions the VAE morph must beat: a crossfade and an optical-flow morph.

Both take A's last and B's first frame, (H, W, 3) uint8 RGB of one size, and return n frames
T_1..T_n at t_i = i / (n + 1), each (H, W, 3) uint8, so either can stand in for the VAE.
"""

from __future__ import annotations

import numpy as np

from vae_transition.tensors import resize, to_float, to_uint8

FLOW_LONG_SIDE = 512  # px; flow is estimated at most this large, then scaled up (for speed)
FLOW_MIN_LONG_SIDE = 256  # px; smaller frames are enlarged for flow: DIS is unreliable on tiny ones
DIS_MIN_SIDE = 32  # px; grey images are padded to this, DIS crashes on thinner ones
# cv2 flag for the warps. Lanczos keeps fine detail (mid sharpness 0.80 on a panned photo vs 0.72
# with INTER_CUBIC) but is ~4x slower: 24 frames at 1280x768 take ~3.5 s on 2 cores vs ~1 s.
WARP_INTERPOLATION = "INTER_LANCZOS4"


def crossfade(a_last: np.ndarray, b_first: np.ndarray, n: int) -> list[np.ndarray]:
    """Linear blend (1 - t) A + t B at t_i = i / (n + 1), i = 1..n -> n uint8 frames."""
    _check_pair(a_last, b_first, n)
    a, b = to_float(a_last), to_float(b_first)
    return [to_uint8((1 - t) * a + t * b) for t in _times(n)]


def flow_morph(a_last: np.ndarray, b_first: np.ndarray, n: int) -> list[np.ndarray]:
    """Optical-flow morph, like DaVinci Resolve's Smooth Cut -> n uint8 frames.

    Dense flow both ways; frame t samples A a fraction t back along A->B and B a fraction
    (1 - t) back along B->A, then blends them (1 - t) : t, so content moves instead of fading.
    """
    _check_pair(a_last, b_first, n)
    if n == 0:
        return []
    flows = bidirectional_flow(a_last, b_first)
    return [flow_frame(a_last, b_first, t, flows) for t in _times(n)]


def flow_frame(a: np.ndarray, b: np.ndarray, t: float, flows=None) -> np.ndarray:
    """One flow-morph frame at time t in [0, 1] (flows: bidirectional_flow(a, b), if known)."""
    flow_ab, flow_ba = flows if flows is not None else bidirectional_flow(a, b)
    h, w = a.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    warped_a = _warp(to_float(a), grid_x, grid_y, flow_ab, -t)
    warped_b = _warp(to_float(b), grid_x, grid_y, flow_ba, -(1 - t))
    return to_uint8((1 - t) * warped_a + t * warped_b)


def overlap_frames(a_frames, b_frames, method: str) -> list[np.ndarray]:
    """Overlap mode: frame k of n from the moving pair (A_k, B_k) at t_k = (k + 1) / (n + 1).

    method: "crossfade" or "flow" (the flow is estimated for every pair: both clips move).
    """
    if len(a_frames) != len(b_frames):
        raise ValueError(f"{len(a_frames)} frames of A but {len(b_frames)} of B")
    out = []
    for a, b, t in zip(a_frames, b_frames, _times(len(a_frames))):
        _check_pair(a, b, 1)
        out.append(to_uint8((1 - t) * to_float(a) + t * to_float(b)) if method == "crossfade"
                   else flow_frame(a, b, t))
    return out


def bidirectional_flow(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two (H, W, 3) uint8 frames -> (flow A->B, flow B->A), each (H, W, 2) float32 in px.

    Convention: A(x) ~ B(x + flow_ab(x)) and B(x) ~ A(x + flow_ba(x)). Flow is estimated with
    DIS on grey images whose long side is brought into [FLOW_MIN_LONG_SIDE, FLOW_LONG_SIDE],
    then resized to full size with its vectors scaled by the same factor.
    """
    import cv2

    h, w = a.shape[:2]
    size = _flow_size(w, h)
    grey_a = _pad_for_dis(resize(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), size))
    grey_b = _pad_for_dis(resize(cv2.cvtColor(b, cv2.COLOR_RGB2GRAY), size))
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flows = []
    for src, dst in ((grey_a, grey_b), (grey_b, grey_a)):
        flow = dis.calc(src, dst, None)[: size[1], : size[0]]  # (h', w', 2) in flow-size px
        flows.append(_resize_flow(flow, w, h))
    return flows[0], flows[1]


def _flow_size(w: int, h: int) -> tuple[int, int]:
    """(w', h') for flow: large frames shrunk (speed), small ones enlarged (DIS needs patches)."""
    long_side = max(w, h)
    target = min(max(long_side, FLOW_MIN_LONG_SIDE), FLOW_LONG_SIDE)
    scale = target / long_side
    return max(1, round(w * scale)), max(1, round(h * scale))


def _pad_for_dis(grey: np.ndarray) -> np.ndarray:
    """Mirror-pad bottom/right to DIS_MIN_SIDE: OpenCV 5.0's DIS raises below 12 px and
    segfaults on strips under 16 px high (found by scanning sizes)."""
    import cv2

    pad_h, pad_w = max(0, DIS_MIN_SIDE - grey.shape[0]), max(0, DIS_MIN_SIDE - grey.shape[1])
    if not (pad_h or pad_w):
        return grey
    return cv2.copyMakeBorder(grey, 0, pad_h, 0, pad_w, cv2.BORDER_REFLECT_101)


def _resize_flow(flow: np.ndarray, w: int, h: int) -> np.ndarray:
    """(h', w', 2) flow in flow-size px -> (h, w, 2) flow in full-size px."""
    import cv2

    small_h, small_w = flow.shape[:2]
    if (small_w, small_h) == (w, h):
        return flow
    big = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
    big[..., 0] *= w / small_w
    big[..., 1] *= h / small_h
    return big


def _warp(img: np.ndarray, grid_x, grid_y, flow: np.ndarray, k: float) -> np.ndarray:
    """Backward warp: out(x) = img(x + k * flow(x)), edges replicated.

    Approximates forward-moving img by -k * flow with the flow read at the target pixel
    instead of the source one: exact for uniform motion, off by a few px at motion edges.
    """
    import cv2

    map_x = grid_x + k * flow[..., 0]
    map_y = grid_y + k * flow[..., 1]
    return cv2.remap(img, map_x, map_y, getattr(cv2, WARP_INTERPOLATION),
                     borderMode=cv2.BORDER_REPLICATE)


def _times(n: int) -> list[float]:
    return [i / (n + 1) for i in range(1, n + 1)]


def _check_pair(a_last: np.ndarray, b_first: np.ndarray, n: int) -> None:
    for name, f in (("a_last", a_last), ("b_first", b_first)):
        if not isinstance(f, np.ndarray) or f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] != 3:
            raise ValueError(f"{name} must be an (H, W, 3) uint8 array, got "
                             f"{getattr(f, 'dtype', type(f).__name__)} {getattr(f, 'shape', '')}")
    if a_last.shape != b_first.shape:
        raise ValueError(f"a_last is {a_last.shape} but b_first is {b_first.shape}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
