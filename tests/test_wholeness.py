"""Wholeness tells a bending morph from a shattering one, on constructed transitions."""

import cv2
import numpy as np
import pytest

from vae_transition.metrics import score_transition

H, W, N = 160, 256, 24


def texture(seed: int) -> np.ndarray:
    """(H, W, 3) float in [0, 1]: soft blobs with some pixel noise."""
    rng = np.random.default_rng(seed)
    x = cv2.resize(rng.random((H // 8, W // 8, 3)).astype(np.float32), (W, H),
                   interpolation=cv2.INTER_CUBIC)
    return np.clip((x + 0.3 * rng.random((H, W, 3)).astype(np.float32)) / 1.3, 0, 1)


BG_A, BG_B, DISC = texture(1) * 0.5, texture(2) * 0.5, texture(3)


def rigid(t: float) -> np.ndarray:
    """A textured disc carried 90 px to the right and grown, over a background that dissolves:
    a warp-and-dissolve morph of one rigid shape."""
    img = (1 - t) * BG_A + t * BG_B
    cx, cy, r = 80 + 90 * t, 80, 40 + 10 * t
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    inside = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r)[..., None]
    src = cv2.remap(DISC, (xx - cx) * 40 / r + 80, (yy - cy) * 40 / r + 80, cv2.INTER_LINEAR)
    return np.where(inside, src, img)


def mosaic(t: float, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Every 8x8 cell of A on a random path of its own, handing over to B at its own moment."""
    out = ((1 - t) * a + t * b).copy()
    rng = np.random.default_rng(5)
    for y in range(0, H, 8):
        for x in range(0, W, 8):
            dx, dy = rng.integers(-24, 25, 2)
            s = np.clip((t - 0.7 * rng.random()) / 0.3, 0, 1)
            yy, xx = int(np.clip(y + dy * t, 0, H - 8)), int(np.clip(x + dx * t, 0, W - 8))
            out[yy:yy + 8, xx:xx + 8] = (1 - s) * a[y:y + 8, x:x + 8] + s * b[y:y + 8, x:x + 8]
    return out


def u8(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, 0, 1) * 255).round().astype(np.uint8)


@pytest.fixture(scope="module")
def scores():
    times = [float(t) for t in np.arange(1, N + 1) / (N + 1)]
    a, b = rigid(0.0), rigid(1.0)
    cases = {"rigid": [rigid(t) for t in times], "mosaic": [mosaic(t, a, b) for t in times],
             "crossfade": [(1 - t) * a + t * b for t in times]}
    return {k: score_transition(u8(a), [u8(f) for f in v], u8(b)) for k, v in cases.items()}


def test_a_rigid_shape_carried_and_dissolved_is_whole(scores):
    assert scores["rigid"].wholeness >= 0.7
    assert scores["rigid"].meets_goals()["wholeness"]


def test_a_mosaic_of_independent_cells_is_shattered_with_as_much_novelty(scores):
    assert scores["mosaic"].novelty >= scores["rigid"].novelty   # as new, or newer
    assert scores["mosaic"].wholeness <= 0.3
    assert not scores["mosaic"].meets_goals()["wholeness"]


def test_a_crossfade_breaks_nothing_but_fails_elsewhere(scores):
    xfade = scores["crossfade"]
    assert xfade.wholeness >= 0.9
    assert not xfade.meets_goals()["novelty"] and not xfade.meets_goals()["dissolve_fit"]


def test_mid_sharpness_at_coarser_levels_sees_blurred_shapes_under_grain():
    """Soft shapes with pixel grain on top pass the finest level and fail the coarser ones."""
    rng = np.random.default_rng(0)
    a, b = texture(7), texture(8)
    sharp_a, sharp_b = (np.clip(cv2.resize(cv2.resize(x, (W // 2, H // 2)), (W, H),
                                           interpolation=cv2.INTER_NEAREST), 0, 1) for x in (a, b))
    blob = cv2.GaussianBlur((sharp_a + sharp_b) / 2, (0, 0), 4.0)
    grainy = [u8(blob + 0.15 * (rng.random((H, W, 1)) - 0.5)) for _ in range(N)]
    s = score_transition(u8(sharp_a), grainy, u8(sharp_b))
    assert s.mid_sharpness >= 0.8
    assert s.mid_sharpness_4x < 0.5 and not s.meets_goals()["mid_sharpness_4x"]
