"""Crossfade and flow morph on constructed pairs: exact blends, and motion that really moves."""

import cv2
import numpy as np
import pytest

from vae_transition.metrics import score_transition
from vae_transition.morph.baselines import _resize_flow, bidirectional_flow, crossfade, flow_morph


def texture(h: int, w: int, sigma: float = 2.0, seed: int = 0) -> np.ndarray:
    """(h, w, 3) uint8 smoothed noise: detailed enough to see blur, smooth enough for flow."""
    r = np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)
    r = cv2.GaussianBlur(r, (0, 0), sigma)
    r = (r - r.min()) / (r.max() - r.min())
    return np.rint(r * 255).astype(np.uint8)


class Pan:
    """Crops of one texture whose content moves `shift` px to the right from A to B."""

    def __init__(self, h: int, w: int, shift: int = 8, seed: int = 3):
        self.h, self.w, self.shift = h, w, shift
        self.big = texture(h + 8, w + 2 * shift + 8, seed=seed)

    def at(self, dx: int) -> np.ndarray:
        x0 = self.shift + 4 - dx
        return np.ascontiguousarray(self.big[4:4 + self.h, x0:x0 + self.w])


def mae(x: np.ndarray, y: np.ndarray, margin: int = 0) -> float:
    """Mean abs error in uint8 levels, leaving out `margin` px at the edges, where content
    enters or leaves the frame and no method can know it."""
    m = (slice(margin, x.shape[0] - margin), slice(margin, x.shape[1] - margin))
    return float(np.abs(x[m].astype(np.float64) - y[m]).mean())


@pytest.mark.parametrize("fn", [crossfade, flow_morph])
@pytest.mark.parametrize("n", [0, 1, 4])
def test_count_shape_dtype(fn, n):
    a, b = texture(33, 47, seed=1), texture(33, 47, seed=2)
    frames = fn(a, b, n)
    assert len(frames) == n
    assert all(f.shape == a.shape and f.dtype == np.uint8 for f in frames)


def test_crossfade_is_an_exact_linear_blend():
    a = np.zeros((4, 6, 3), np.uint8)
    b = np.full((4, 6, 3), 255, np.uint8)
    assert [int(f[0, 0, 0]) for f in crossfade(a, b, 4)] == [51, 102, 153, 204]  # t = i / 5


def test_flow_follows_a_translation_with_the_right_signs():
    pan = Pan(96, 128, shift=8)
    flow_ab, flow_ba = bidirectional_flow(pan.at(0), pan.at(8))
    # A(x) ~ B(x + flow_ab): content moved right, so flow_ab ~ (+8, 0) and flow_ba ~ (-8, 0).
    inner = (slice(10, -10), slice(10, -10))
    np.testing.assert_allclose(np.median(flow_ab[inner], axis=(0, 1)), [8, 0], atol=0.25)
    np.testing.assert_allclose(np.median(flow_ba[inner], axis=(0, 1)), [-8, 0], atol=0.25)


def test_flow_morph_moves_a_translated_image():
    pan, n = Pan(96, 128, shift=8), 7  # t_i = i / 8: frame i should be the image moved i px
    a, b = pan.at(0), pan.at(8)
    flow, fade = flow_morph(a, b, n), crossfade(a, b, n)
    errors = [mae(f, pan.at(i + 1), margin=8) for i, f in enumerate(flow)]
    # Uniform motion is the case the backward-warp approximation gets exactly right: what is
    # left is Lanczos interpolation error, well under 1 level; the crossfade is off by ~20.
    assert max(errors) < 1.0
    assert mae(fade[3], pan.at(4), margin=8) > 10 * max(errors)
    # The ends hug their clip: T_1 is 1 px from A, T_n 1 px from B.
    assert mae(flow[0], a) < 0.5 * mae(flow[0], b)
    assert mae(flow[-1], b) < 0.5 * mae(flow[-1], a)


def test_flow_morph_scores_better_than_crossfade_on_motion():
    pan = Pan(96, 128, shift=8)
    a, b = pan.at(0), pan.at(8)
    flow = score_transition(a, flow_morph(a, b, 7), b)
    fade = score_transition(a, crossfade(a, b, 7), b)
    assert fade.mid_sharpness == pytest.approx(0.53, abs=0.05)  # see test_metrics
    assert flow.mid_sharpness > 0.8  # Lanczos warps keep most of the fine detail
    assert fade.dissolve_fit > 0.99 and flow.dissolve_fit < 0.5
    assert flow.pacing < 1.2 and flow.splice_ratio < 1.2


@pytest.mark.parametrize("h, w", [(65, 49), (49, 65), (160, 90), (31, 200)])
def test_flow_morph_odd_and_portrait_sizes(h, w):
    pan, n = Pan(h, w, shift=8), 3
    a, b = pan.at(0), pan.at(8)
    flow, fade = flow_morph(a, b, n), crossfade(a, b, n)
    assert [f.shape for f in flow] == [(h, w, 3)] * n
    # Small frames are enlarged for flow, but an 8 px move in 49 px is still hard: ask for
    # 3x closer to the half-way image than the crossfade (measured: 5x to 200x).
    assert mae(flow[1], pan.at(4), margin=4) < mae(fade[1], pan.at(4), margin=4) / 3


@pytest.mark.parametrize("h, w", [(1, 1), (5, 7), (9, 44), (12, 300), (15, 600), (900, 3)])
def test_flow_morph_survives_tiny_and_thin_frames(h, w):
    # OpenCV's DIS raises on these sizes or segfaults (a 9 x 44 strip): they must be padded.
    a = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    frames = flow_morph(a, np.ascontiguousarray(a[:, ::-1]), 2)
    assert [f.shape for f in frames] == [(h, w, 3)] * 2


def test_flow_morph_of_a_large_frame_uses_scaled_flow():
    # 600 x 1000 is above FLOW_LONG_SIDE: flow is found at 307 x 512 and scaled back up.
    pan = Pan(600, 1000, shift=12)
    a, b = pan.at(0), pan.at(12)
    flow = flow_morph(a, b, 3)  # t = 1/4, 1/2, 3/4 -> 3, 6, 9 px
    for i, f in enumerate(flow):
        assert mae(f, pan.at(3 * (i + 1)), margin=16) < 1.5


def test_resize_flow_scales_the_vectors():
    small = np.zeros((10, 20, 2), np.float32)
    small[..., 0], small[..., 1] = 1.5, -2.0
    big = _resize_flow(small, w=80, h=30)
    assert big.shape == (30, 80, 2)
    np.testing.assert_allclose(big[..., 0], 6.0)  # x scaled by 80 / 20
    np.testing.assert_allclose(big[..., 1], -6.0)  # y scaled by 30 / 10


def test_flow_morph_of_identical_frames_holds_still():
    a = texture(48, 64, seed=5)
    assert all(mae(f, a) < 0.5 for f in flow_morph(a, a, 3))


@pytest.mark.parametrize("fn", [crossfade, flow_morph])
def test_bad_inputs_raise(fn):
    a = texture(20, 30)
    with pytest.raises(ValueError, match="b_first is"):
        fn(a, a[:10], 3)
    with pytest.raises(ValueError, match="n must be"):
        fn(a, a, -1)
    with pytest.raises(ValueError, match="uint8"):
        fn(a.astype(np.float32), a, 3)
