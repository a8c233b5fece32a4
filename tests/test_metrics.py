"""Metrics on constructed transitions whose scores we can predict: crossfade, cut, blur, motion."""

import math

import cv2
import numpy as np
import pytest

from vae_transition.metrics import (
    GOALS,
    METRICS,
    TransitionScores,
    frames_coherence,
    frames_pacing,
    frames_wholeness,
    laplacian_variance,
    luma,
    middle_third,
    novelty_of,
    score_transition,
    step_sizes,
)


def texture(h: int, w: int, sigma: float = 1.0, seed: int = 0) -> np.ndarray:
    """(h, w, 3) uint8 smoothed noise using the whole [0, 255] range."""
    r = np.random.default_rng(seed).random((h, w, 3)).astype(np.float32)
    r = cv2.GaussianBlur(r, (0, 0), sigma)
    r = (r - r.min()) / (r.max() - r.min())
    return np.rint(r * 255).astype(np.uint8)


def blend(a: np.ndarray, b: np.ndarray, n: int) -> list[np.ndarray]:
    """Reference crossfade, independent of baselines.py."""
    ts = [i / (n + 1) for i in range(1, n + 1)]
    return [np.rint((1 - t) * a.astype(np.float64) + t * b).astype(np.uint8) for t in ts]


def shifted(big: np.ndarray, dx: int, h: int, w: int) -> np.ndarray:
    """(h, w) crop of `big` whose content has moved dx px to the right."""
    return np.ascontiguousarray(big[4:4 + h, 16 - dx:16 - dx + w])


def test_crossfade_scores_as_theory():
    n = 11
    a, b = texture(96, 128, seed=1), texture(96, 128, seed=2)
    s = score_transition(a, blend(a, b, n), b)
    # Every step is (B - A) / (N + 1) plus uint8 rounding noise (+-0.5 level): equal steps along
    # B - A, so ratios ~1 and cos^2 ~1; the rounding noise costs < 1 % of a ~2.4-level step.
    assert s.dissolve_fit > 0.99
    assert s.splice_ratio == pytest.approx(1.0, abs=0.02)
    assert s.pacing == pytest.approx(1.0, abs=0.02)
    # The Laplacian L is linear: L(T_t) = (1-t) L(A) + t L(B). For uncorrelated A, B its variance
    # is (1-t)^2 vA + t^2 vB, against the expected (1-t) vA + t vB: 0.5 at t = 1/2, 5/9 at 1/3.
    va, vb = laplacian_variance(luma(a)), laplacian_variance(luma(b))
    ts = [i / (n + 1) for i in middle_third(n)]
    iid = np.mean([((1 - t) ** 2 * va + t ** 2 * vb) / ((1 - t) * va + t * vb) for t in ts])
    assert iid == pytest.approx(0.528, abs=0.002)  # vA ~ vB: mean of (1-t)^2 + t^2, t = 4/12..8/12
    # Measured differs from iid theory by 2t(1-t) cov(L(A), L(B)) (sample correlation of two
    # 12k-pixel textures is ~0.01-0.02) plus uint8 rounding noise (Laplacian variance
    # 20/12 levels^2, ~0.2 % of vA): together < 0.02.
    assert s.mid_sharpness == pytest.approx(iid, abs=0.02)
    # A crossfade is a per-pixel mix of A and B by construction: nothing new, and no turning back.
    assert s.novelty < 0.02
    assert s.coherence > 0.98
    assert s.meets_goals() == {"splice_ratio": True, "pacing": True, "dissolve_fit": False,
                               "mid_sharpness": False, "novelty": False, "coherence": True,
                               "mid_sharpness_2x": False, "mid_sharpness_4x": False,
                               "wholeness": True}


def test_hard_cut_scores():
    n = 8
    a, b = texture(64, 80, seed=1), texture(64, 80, seed=2)
    # Cut in the middle: one step of |B - A|, n zero steps around it.
    mid = score_transition(a, [a] * 4 + [b] * 4, b)
    assert mid.pacing == pytest.approx(n + 1)  # max / mean = 1 / (1 / (N + 1))
    assert mid.splice_ratio == 0.0  # both splice steps are zero
    assert mid.dissolve_fit == pytest.approx(1.0)  # the only non-zero step is B - A itself
    assert not mid.meets_goals()["pacing"]
    # Cut at the splice: everything happens in s_0, the interior holds still.
    early = score_transition(a, [b] * n, b)
    assert early.splice_ratio == math.inf
    assert early.pacing == pytest.approx(n + 1)
    assert not any(early.meets_goals()[k] for k in ("splice_ratio", "pacing", "dissolve_fit"))


def test_blurred_crossfade_is_not_sharp():
    a, b = texture(96, 128, seed=1), texture(96, 128, seed=2)
    frames = [cv2.GaussianBlur(f, (0, 0), 2.0) for f in blend(a, b, 9)]
    s = score_transition(a, frames, b)
    # A sigma-2 blur keeps under 2 % of a sigma-1 texture's Laplacian variance (0.5 -> ~0.007).
    assert s.mid_sharpness < 0.1


def test_a_pan_over_texture_turns_pixels_back_and_forth_in_place_not_along_its_motion():
    """frames_coherence, the overlap rows' reference: a clip panning over fine texture scores
    well under 1 in place (each pixel sees darker and lighter texture pass) and near 1 along
    its motion; a fade scores 1 in both readings."""
    h, w, n = 96, 128, 12
    big = texture(h, w + 4 * n, seed=4)
    pan = [np.ascontiguousarray(big[:, 4 * i:4 * i + w]) for i in range(n)]  # 4 px a frame
    along, place = frames_coherence(pan)
    assert place < 0.8 and along > 0.95
    assert min(frames_coherence(blend(texture(h, w, seed=5), texture(h, w, seed=6), n))) > 0.98


def test_a_clip_conformed_to_another_rate_paces_unevenly():
    """frames_pacing, the overlap rows' other reference: a smooth fade shown at its own rate
    paces evenly; repeating every fifth frame (20 fps at 24) puts 5 steps of 0 among 19 of 1,
    so the largest is 24 / 19 the mean; taking one then two frames (25 fps at 15), 2 against
    1.5: 4 / 3."""
    a, b = texture(48, 64, seed=7), texture(48, 64, seed=8)
    even = blend(a, b, 22)
    assert frames_pacing(even) == pytest.approx(1.0, abs=0.02)
    repeated = [f for i, f in enumerate(even[:20]) for _ in range(2 if i % 4 == 3 else 1)]
    assert frames_pacing(repeated) == pytest.approx(24 / 19, abs=0.03)
    skipping = [even[i] for i in (0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 15, 16, 18, 19, 21)]
    assert frames_pacing(skipping) == pytest.approx(4 / 3, abs=0.03)


def test_a_panning_clip_is_whole_by_itself_a_changing_one_is_not():
    """frames_wholeness, the overlap rows' third reference: a pan is its first frame moved;
    a picture that changes in place (new texture fading in mid-way) is not."""
    h, w, n = 96, 128, 12
    big = texture(h, w + 2 * n, seed=9)
    pan = [np.ascontiguousarray(big[:, 2 * i:2 * i + w]) for i in range(n)]
    assert frames_wholeness(pan) > 0.8
    a, b = texture(h, w, seed=10), texture(h, w, seed=11)
    new = texture(h, w, seed=12)   # seen only in the middle: no warp of either end explains it
    changing = [a] + [new] * (n - 2) + [b]
    assert frames_wholeness(changing) < 0.4


def test_translation_scores_as_motion():
    h, w, n = 96, 128, 7
    big = texture(h + 8, w + 32, seed=3)
    a, b = shifted(big, 0, h, w), shifted(big, 8, h, w)
    frames = [shifted(big, i, h, w) for i in range(1, n + 1)]  # i * 8 / (n + 1) = i px
    s = score_transition(a, frames, b)
    # Equal 1 px moves of one texture: equal steps, and each frame is as sharp as A and B.
    assert s.pacing == pytest.approx(1.0, abs=0.1)
    assert s.splice_ratio == pytest.approx(1.0, abs=0.1)
    assert s.mid_sharpness == pytest.approx(1.0, abs=0.1)
    # 1 px steps are nearly orthogonal to B - A, an 8 px move of a sigma-1 texture.
    assert s.dissolve_fit < 0.25
    # Moved content is no per-pixel mix of A and B; each step keeps going the same way.
    assert s.novelty > 0.5
    assert s.coherence > 0.8
    assert all(s.meets_goals().values())


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_short_transitions_do_not_crash(n):
    a, b = texture(40, 56, seed=1), texture(40, 56, seed=2)
    frames = blend(a, b, n)
    assert step_sizes([a, *frames, b]).shape == (n + 1,)
    s = score_transition(a, frames, b)
    assert all(math.isfinite(v) for v in s.as_dict().values())
    if n == 1:  # no interior steps: the splice ratio falls back to pacing
        assert s.splice_ratio == pytest.approx(s.pacing)


def test_middle_third_is_exact_and_never_empty():
    assert middle_third(1) == [1]  # t = 1/2
    assert middle_third(2) == [1, 2]  # t = 1/3, 2/3: both ends included
    assert middle_third(3) == [2]
    assert middle_third(5) == [2, 3, 4]  # t = 2/6 and 4/6 exactly on the bounds
    assert middle_third(11) == [4, 5, 6, 7, 8]
    assert all(middle_third(n) for n in range(1, 100))


def test_static_sequence_scores_without_dividing_by_zero():
    a = texture(32, 48, seed=1)
    s = score_transition(a, [a, a, a], a)
    assert s.as_dict() == {"splice_ratio": 1.0, "pacing": 1.0, "dissolve_fit": 0.0,
                           "mid_sharpness": 1.0, "novelty": 1.0, "coherence": 1.0,
                           "mid_sharpness_2x": 1.0, "mid_sharpness_4x": 1.0, "wholeness": 1.0,
                           "coherence_in_place": 1.0}
    flat = np.full((32, 48, 3), 128, np.uint8)
    assert score_transition(flat, [flat], flat).mid_sharpness == 1.0  # 0 / 0 Laplacian


def test_step_sizes_are_resolution_independent():
    a, b = texture(60, 80, sigma=3.0, seed=1), texture(60, 80, sigma=3.0, seed=2)
    seq = [a, *blend(a, b, 3), b]
    big = [cv2.resize(f, (320, 240), interpolation=cv2.INTER_CUBIC) for f in seq]
    np.testing.assert_allclose(step_sizes(big), step_sizes(seq), rtol=0.05)


def test_goals_and_meets_goals():
    scores = TransitionScores(1, 1, 0, 1, 1, 1, 1, 1, 1, 1)
    assert set(GOALS) == set(scores.meets_goals()) == set(METRICS) - {"coherence_in_place"}
    assert list(METRICS) == list(scores.as_dict())
    good = TransitionScores(splice_ratio=1.5, pacing=1.2, dissolve_fit=0.5, mid_sharpness=0.8,
                            novelty=0.15, coherence=0.8, mid_sharpness_2x=0.8,
                            mid_sharpness_4x=0.8, wholeness=0.6, coherence_in_place=0.1)
    assert all(good.meets_goals().values())  # thresholds are inclusive; in place has no goal
    bad = TransitionScores(math.inf, math.nan, 0.9, 0.5, 0.0, 0.5, 0.5, math.nan, 0.1, 1.0)
    assert not any(bad.meets_goals().values())


def test_bad_inputs_raise():
    a = texture(32, 48)
    with pytest.raises(ValueError, match="frame 2"):
        score_transition(a, [a, a[:16]], a)
    with pytest.raises(ValueError, match="at least one"):
        score_transition(a, [], a)
    with pytest.raises(TypeError, match="uint8"):
        score_transition(a, [a.astype(np.float32)], a)


def test_matte_wipe_has_no_novelty():
    """A wipe switches each pixel from A to B: sharp and directed, but nothing in it is new."""
    n = 11
    a, b = texture(96, 128, seed=1), texture(96, 128, seed=2)
    cols = np.arange(128)[None, :, None]
    frames = [np.where(cols < (i / (n + 1)) * 128, b, a).astype(np.uint8) for i in range(1, n + 1)]
    s = score_transition(a, frames, b)
    assert s.novelty < 0.01
    assert s.coherence > 0.95
    assert s.mid_sharpness > 0.8  # the four older metrics cannot tell a wipe from a morph
    assert not s.meets_goals()["novelty"]


def test_flicker_is_incoherent():
    """Per-frame noise on a crossfade: steps turn back every frame (coherence ~0.5)."""
    a, b = texture(96, 128, seed=1), texture(96, 128, seed=2)
    rng = np.random.default_rng(0)
    frames = [np.clip(f + rng.normal(0, 40, f.shape), 0, 255).astype(np.uint8)
              for f in blend(a, b, 11)]
    s = score_transition(a, frames, b)
    assert s.coherence < 0.55
    assert s.novelty > 0.3  # novelty alone can be bought with noise: hence the six goals together
    assert not s.meets_goals()["coherence"]


def test_novelty_of_a_frame_that_is_a_or_b_or_a_mix_is_zero():
    a = texture(48, 64, seed=1).astype(np.float32) / 255
    b = texture(48, 64, seed=2).astype(np.float32) / 255
    for t in (a, b, 0.3 * a + 0.7 * b, np.where(np.arange(64)[None, :, None] < 20, a, b)):
        assert novelty_of(a, t, b) == pytest.approx(0.0, abs=1e-6)
    assert novelty_of(a, 1.0 - a, b) > 0.3  # an inverted picture is neither
