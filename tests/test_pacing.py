"""Frame times: even steps for a still pair, and in overlap mode a morph that goes on while the
clips are calm and holds back while they move fast."""

from __future__ import annotations

import numpy as np
import pytest

from vae_transition.morph.pacing import MOTION_FLOOR, against_motion, clip_motion, luma_steps

N = 12


def even_morph(n: int = N) -> tuple[np.ndarray, np.ndarray]:
    """(times [0, t_1..t_n, 1], the morph's n + 1 steps): a morph already paced evenly."""
    times = np.linspace(0.0, 1.0, n + 2)
    return times, np.full(n + 1, 0.02)


def pacing(steps: np.ndarray) -> float:
    return float(steps.max() / steps.mean())


def morph_steps_at(new_times: np.ndarray, times: np.ndarray, morph: np.ndarray) -> np.ndarray:
    """The morph's own steps between the new times (its change is linear between `times`)."""
    arc = np.concatenate([[0.0], np.cumsum(morph)])
    at = np.interp(np.concatenate([[0.0], new_times, [1.0]]), times, arc)
    return np.diff(at)


def test_without_motion_the_morph_keeps_its_times():
    times, morph = even_morph()
    np.testing.assert_allclose(against_motion(times, morph, np.zeros(N + 1)), times[1:-1])


def test_still_then_fast_clips_get_the_morph_early_and_even_steps_in_all():
    times, morph = even_morph()
    motion = np.where(np.arange(N + 1) < N // 2, 0.0, 0.03)  # the clips move in the 2nd half
    new = against_motion(times, morph, motion)
    assert np.all(np.diff(new) > 0) and 0 < new[0] and new[-1] < 1
    assert new[N // 2 - 1] > times[N // 2]                   # mid-way the morph is ahead
    before = morph + motion                                  # steps as the plan had them
    after = morph_steps_at(new, times, morph) + motion
    assert pacing(before) > 1.3
    assert pacing(after) < 1.1
    assert after.sum() == pytest.approx(before.sum())       # the same change, spread evenly


def test_the_morph_never_stops_while_the_clips_race():
    times, morph = even_morph()
    motion = np.where(np.arange(N + 1) < 3, 0.0, 1.0)  # far more motion than the morph's change
    steps = morph_steps_at(against_motion(times, morph, motion), times, morph)
    assert steps.min() >= MOTION_FLOOR * morph.mean() * 0.99


def test_clip_motion_mixes_a_and_b_by_the_hand_over():
    n = 5
    a = [np.full((4, 4), 10.0 * k) for k in range(n)]   # A moves 10 a step, B stands still
    b = [np.zeros((4, 4)) for _ in range(n)]
    motion = clip_motion(a, b)
    assert motion.shape == (n + 1,)
    np.testing.assert_allclose(motion[1:-1], 10.0 * (1 - np.arange(1, n) / (n + 1)))
    assert motion[0] == motion[1] and motion[-1] == motion[-2]  # the unseen ends: neighbours'
    assert luma_steps(a).tolist() == [10.0] * (n - 1)
    assert clip_motion(a[:1], b[:1]).tolist() == [0.0, 0.0]
