"""The overlap's field follows the clips: each frame's halfway field, from the middle pair's.

In overlap mode the field V is fitted once, on the middle pair (A_m, B_m), so that the morph's
geometry does not jump from frame to frame. But both clips keep moving: a pan in A and a push-in
in B put frame k's cup rims where the middle pair's were not, and V, matching rim to rim in the
middle, hands A's rim over onto B's crema away from it (a pale ghost arc sweeping through the
cup). Each clip's own camera motion is therefore measured, as one affine map per frame from its
middle frame (DIS optical flow, then a robust fit: pans, zooms and tilts, not the people walking
in them), and the field is carried along with it.

If A_k(x) = A_m(x - u_A(x)) and B_k(x) = B_m(x - u_B(x)) (u: each clip's motion since the
middle), and A_m(q - V(q)) matches B_m(q + V(q)), then A_k(p - V_k(p)) matches B_k(p + V_k(p))
for

    V_k(p) = V(p - (u_A + u_B) / 2) - (u_A - u_B) / 2

(the two clips' mean motion moves the halfway geometry, their difference is what the field
must bridge), followed fully mid-way and not at the ends (follow_weights). Motions are in px at
the working size, fields in cells of the latent grid.
"""

from __future__ import annotations

import numpy as np

GRID_STEP = 8          # px at the working size between the flow samples the fit reads
MIN_INLIERS = 0.5      # below this share of samples agreeing, the fit is not trusted
RANSAC_PX = 1.0        # px: a sample further than this from the fitted map is an outlier
TREND_DEGREE = 2       # a camera's move over a second is smooth: each map's six numbers are a
                       # polynomial of this degree in the frame number
IDENTITY = np.float32([[1, 0, 0], [0, 1, 0]])  # no motion


def affine_motion(first: np.ndarray, later: np.ndarray, dis=None) -> np.ndarray | None:
    """(2, 3) affine map T with first's content at x found at T x in later; both (h, w, 3)
    uint8 at the working size. None when the fit is not trusted (a change that is not camera
    motion: an animated source, a cut). dis: a DIS flow object to reuse (one per call if none)."""
    import cv2

    dis = dis or cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    grey = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) for x in (first, later)]
    flow = dis.calc(*grey, None)
    h, w = flow.shape[:2]
    ys, xs = np.mgrid[GRID_STEP // 2:h:GRID_STEP, GRID_STEP // 2:w:GRID_STEP]
    src = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
    dst = src + flow[ys.ravel(), xs.ravel()]
    if len(src) < 6:
        return None
    m, inliers = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC,
                                      ransacReprojThreshold=RANSAC_PX)
    if m is None or inliers is None or inliers.mean() < MIN_INLIERS:
        return None
    return m.astype(np.float32)


def camera_path(smalls, mid: int) -> list[np.ndarray]:
    """One (2, 3) map per frame of a clip (working-size uint8 frames) from its middle frame:
    the fitted maps' smooth trend (TREND_DEGREE), so that one frame's stray fit cannot make
    the morph jump; the identity for every frame when fewer than half the fits are trusted
    (an animated source: plasma, an automaton)."""
    import cv2

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    fits = [IDENTITY if k == mid else affine_motion(smalls[mid], f, dis)
            for k, f in enumerate(smalls)]
    ks = np.array([k for k, m in enumerate(fits) if m is not None], np.float64)
    if len(ks) < max(TREND_DEGREE + 1, len(smalls) / 2):
        return [IDENTITY] * len(smalls)
    params = np.stack([fits[int(k)].ravel() - IDENTITY.ravel() for k in ks])  # (K, 6)
    coeffs = np.polyfit(ks - mid, params, min(TREND_DEGREE, len(ks) - 1))
    trend = [np.polyval(c, np.arange(len(smalls)) - mid) for c in coeffs.T]  # 6 x (n,)
    at_mid = [t[mid] for t in trend]
    return [(IDENTITY.ravel() + np.array([t[k] - m for t, m in zip(trend, at_mid)]))
            .reshape(2, 3).astype(np.float32) for k in range(len(smalls))]


def motion_field(m: np.ndarray, grid_hw: tuple[int, int], cell_px: tuple[float, float]):
    """(2, h, w) float32 u(p) = T p - p at each latent cell's centre, in cells: how far the
    content at p has moved since the middle frame (an affine map's move is the same whether
    read at the content's old or new place, to first order)."""
    h, w = grid_hw
    cx, cy = cell_px
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    px, py = (xs + 0.5) * cx, (ys + 0.5) * cy
    ux = m[0, 0] * px + m[0, 1] * py + m[0, 2] - px
    uy = m[1, 0] * px + m[1, 1] * py + m[1, 2] - py
    return np.stack([ux / cx, uy / cy]).astype(np.float32)


def followed_field(field, u_a: np.ndarray, u_b: np.ndarray):
    """V_k (2, h, w) (a tensor like field) from the middle pair's V and the two clips' motions
    u_a, u_b (2, h, w) in cells: V read where the mean motion came from, minus half the
    difference of the motions."""
    import torch

    from vae_transition.morph.field import sample

    back = torch.from_numpy(-(u_a + u_b) / 2).to(field)   # to where the mean motion came from
    half_diff = torch.from_numpy((u_a - u_b) / 2).to(field)
    return sample(field, back) - half_diff


def follow_weights(times: np.ndarray) -> np.ndarray:
    """How far each frame's field follows the clips, 4 t (1 - t) at its time t in [0, 1]: fully
    mid-way, where both pictures show and a stale field hands one onto the other's wrong
    place; not at the ends, where the frame is one clip and a followed field would only add a
    camera move of its own (on the push-in: splice ratio 1.55 followed fully, 1.22 so, 1.19
    not at all)."""
    return np.clip(4.0 * times * (1.0 - times), 0.0, 1.0)


def frame_fields(field, a_smalls, b_smalls, mid: int, cell_px: tuple[float, float],
                 weights: np.ndarray) -> list:
    """One V_k per frame k of the overlap (tensors like field (2, h, w)): the clips' working-size
    frames a_smalls, b_smalls (uint8) read against their middle frames, their motions scaled
    by weights[k] (follow_weights)."""
    grid = tuple(field.shape[-2:])
    fields = []
    for m_a, m_b, c in zip(camera_path(a_smalls, mid), camera_path(b_smalls, mid), weights):
        u_a, u_b = (motion_field(m, grid, cell_px) for m in (m_a, m_b))
        fields.append(followed_field(field, float(c) * u_a, float(c) * u_b))
    return fields
