"""bench/pan_ceiling.py on tiny pictures: its pans are rigid, their ends exact, and the trade
it reports (whole pixels keep one-pixel grain, interpolation softens it) is real."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench_scripts import load_bench_script

pc = load_bench_script("pan_ceiling")
RNG = np.random.default_rng(5)
GRAIN = np.repeat(((RNG.random((120, 200)) > 0.5) * 255).astype(np.uint8)[..., None], 3, -1)
SMOOTH = cv2.GaussianBlur(RNG.integers(0, 256, (120, 200, 3), dtype=np.uint8), (0, 0), 3.0)


def test_whole_pixel_pans_are_crops_of_the_picture():
    dx, dy = pc.travel(GRAIN, 0.9)
    frames = pc.pan(GRAIN, 0.9, "nearest")
    assert len(frames) == pc.STEPS + 1
    for k in (0, 7, pc.STEPS):
        x, y = round(dx * k / pc.STEPS), round(dy * k / pc.STEPS)
        np.testing.assert_array_equal(frames[k], GRAIN[y:y + frames[0].shape[0],
                                                       x:x + frames[0].shape[1]])


@pytest.mark.parametrize("how", ["cubic", "morph's carry"])
def test_every_reading_starts_and_ends_on_the_picture_itself(how):
    frames = pc.pan(SMOOTH, 1.7, how)
    crops = pc.pan(SMOOTH, 1.7, "nearest")
    for k in (0, pc.STEPS):  # whole-pixel positions: nothing is interpolated
        assert np.abs(frames[k].astype(int) - crops[k].astype(int)).max() <= 1


def test_one_pixel_grain_keeps_its_contrast_only_by_whole_pixels():
    """The limit the bench reports for the automaton: moved by fractions of a pixel, binary
    grain loses its finest contrast (bicubic), moved by whole pixels it keeps it all."""
    _, crisp = pc.scored(GRAIN, 0.9, "nearest")
    _, soft = pc.scored(GRAIN, 0.9, "cubic")
    _, carried = pc.scored(GRAIN, 0.9, "morph's carry")
    assert crisp > 0.95 and soft < 0.8
    assert soft < carried  # the morph's contrast gain gives some of it back


def test_a_smooth_picture_pans_coherently_under_every_reading():
    for how in pc.RESAMPLERS:
        coherence, sharpness = pc.scored(SMOOTH, 1.7, how)
        assert coherence > 0.85 and sharpness > 0.8, how
