"""Full-size composition: exact ends, the decoder below the cut and the clips' detail above, carried
detail that keeps its contrast, still regions that stay put."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vae_transition.morph.compose import Carrier, Composer, stillness, unsqueezed


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    """(h, w, 3) float32 zero-mean binary noise: the finest detail there is."""
    r = np.random.default_rng(seed).integers(0, 2, (h, w, 1)).astype(np.float32)
    return np.repeat(r - 0.5, 3, axis=2) * 0.2


def laplacian_var(img: np.ndarray) -> float:
    return float(cv2.Laplacian(img[..., 1], cv2.CV_32F, ksize=1).var())


def test_zero_offset_carries_exactly():
    c = Carrier(40, 24)
    img = noise(24, 40)
    out = c.carry(img, c.maps(np.zeros((2, 3, 5), np.float32)))
    assert np.allclose(out, img, atol=1e-6)


@pytest.mark.parametrize("height", [48, 320])  # 320: the loss is measured on row strips
@pytest.mark.parametrize("shift, plain_at_most, kept_at_least", [(0.25, 0.8, 0.9), (0.5, 0.55, 0.58)])
def test_carried_fine_detail_keeps_its_contrast(shift, plain_at_most, kept_at_least, height):
    """Binary noise moved by a fraction of a pixel: plain cubic sampling loses a quarter (1/4 px)
    to a half (1/2 px) of its Laplacian variance; the measured gain gives back all of it at 1/4 px
    and some at 1/2 px (the worst case), and never more than the original had."""
    c = Carrier(64, height)
    img = noise(height, 64)
    offset = np.zeros((2, height // 8, 8), np.float32)
    offset[0] = shift / 8  # cells of 8 px
    maps = c.maps(offset)
    plain, kept = c.carry(img, maps), c.carry_detail(img, maps)
    before = laplacian_var(img)
    assert laplacian_var(plain) < plain_at_most * before
    assert kept_at_least * before < laplacian_var(kept) < 1.05 * before


def test_squeezed_detail_fades_stretched_and_rigid_detail_stays():
    h, w = 8, 8
    rigid = np.full((2, h, w), 1.5, np.float32)                     # everything moves alike
    xs = np.arange(w, dtype=np.float32)[None, :].repeat(h, 0)
    squeeze = np.stack([2.0 * xs, np.zeros((h, w), np.float32)])    # samples 3x the width
    stretch = np.stack([-0.5 * xs, np.zeros((h, w), np.float32)])   # samples half the width
    assert np.allclose(unsqueezed(rigid), 1.0)
    assert np.allclose(unsqueezed(stretch), 1.0)
    assert unsqueezed(squeeze).max() < 0.6


def test_stillness_is_one_where_the_frames_agree():
    a = np.random.default_rng(0).random((40, 60, 3)).astype(np.float32)
    b = a.copy()
    b[:, 30:] = 1.0 - b[:, 30:]                                        # the right half changes
    s = stillness(a, b)[..., 0]
    assert s[:, :20].min() > 0.99 and s[:, 40:].max() < 0.01


@pytest.mark.parametrize("cut", [0.5, 1.0])
@pytest.mark.parametrize("t, which", [(0.0, "a"), (1.0, "b")])
def test_composed_ends_are_the_frames(t, which, cut):
    """At t = 0 (no offsets, B's share 0) the frame is A exactly, at t = 1 it is B: whatever the
    decoder drew, its error and the detail above the cut are added back."""
    rng = np.random.default_rng(1)
    a, b = (rng.integers(0, 256, (48, 80, 3)).astype(np.uint8) for _ in range(2))
    rec_a, rec_b = (rng.random((16, 32, 3)).astype(np.float32) for _ in range(2))  # any decode
    comp = Composer(a, b, rec_a, rec_b, fade=0.5, cut=cut)
    zero = np.zeros((2, 2, 4), np.float32)
    share = np.full((2, 4), 0.0 if which == "a" else 1.0, np.float32)
    decoded = rec_a if which == "a" else rec_b
    frame = comp(t, decoded, (None, zero, zero, share))
    want = (a if which == "a" else b).astype(np.float32) / 255
    assert np.abs(frame - want).max() < 1e-4


def test_mid_way_the_decoder_draws_below_the_cut_and_the_clips_above():
    """With the error faded out, what the frame holds below the cut is the decoder's picture, and
    what it holds above it is the clips' own detail, mixed by the share."""
    from vae_transition.morph.compose import band_above

    rng = np.random.default_rng(2)
    a, b = (rng.integers(0, 256, (64, 96, 3)).astype(np.uint8) for _ in range(2))
    rec = rng.random((32, 48, 3)).astype(np.float32)
    comp = Composer(a, b, rec, rec, fade=0.5, cut=0.5)
    zero = np.zeros((2, 4, 6), np.float32)
    frame = comp(0.5, rec, (None, zero, zero, np.full((4, 6), 0.25, np.float32)))
    fa, fb = a.astype(np.float32) / 255, b.astype(np.float32) / 255
    cut = (24, 16)
    want_low = cv2.resize(cv2.resize(rec, cut, interpolation=cv2.INTER_AREA), (96, 64),
                          interpolation=cv2.INTER_CUBIC)
    want_high = 0.75 * band_above(fa, cut) + 0.25 * band_above(fb, cut)
    assert np.abs(frame - want_low - want_high).max() < 0.02


def test_detail_hands_over_monotonically():
    """Each pixel's detail goes from A's to B's without overshooting (a variance-keeping mix
    would make it swell and come back: flicker)."""
    rng = np.random.default_rng(3)
    a, b = (rng.integers(0, 256, (32, 48, 3)).astype(np.uint8) for _ in range(2))
    rec = np.full((16, 24, 3), 0.5, np.float32)
    comp = Composer(a, b, rec, rec, fade=0.01, cut=0.5)
    zero = np.zeros((2, 2, 3), np.float32)
    frames = [comp(0.5, rec, (None, zero, zero, np.full((2, 3), s, np.float32)))
              for s in np.linspace(0, 1, 11)]
    steps = np.diff(np.stack(frames), axis=0)                 # (10, H, W, 3)
    direction = np.sign(frames[-1] - frames[0])
    assert np.all(steps * direction >= -1e-5)




def test_detail_bands_are_sharpened_once_as_each_would_be_alone():
    """_detail gives back the contrast that resampling takes with one unsharp mask over the
    sum of A's and B's carried bands: where each place's shares are even, that is exactly each
    band's own carry_detail(), weighted by its share."""
    rng = np.random.default_rng(4)
    a, b = (rng.integers(0, 256, (64, 96, 3)).astype(np.uint8) for _ in range(2))
    rec = np.full((16, 24, 3), 0.5, np.float32)
    comp = Composer(a, b, rec, rec, fade=0.5, cut=0.5)
    off_a = np.full((2, 4, 6), 2.25 / 16, np.float32)  # cells of 16 px: 2.25 px
    off_b = np.full((2, 4, 6), -0.6 / 16, np.float32)
    share = np.full((4, 6), 0.3, np.float32)
    got = comp._detail(off_a, off_b, share)
    full = comp.full
    want = (0.7 * full.carry_detail(comp.fine_a, full.maps(off_a))
            + 0.3 * full.carry_detail(comp.fine_b, full.maps(off_b)))
    _, gain = full.carry_lossy(comp.fine_a, full.maps(off_a))
    assert gain > 1.2  # the case tests the mask, not its absence
    np.testing.assert_allclose(got, want, atol=2e-5)


def stripes(h: int, w: int, period: int, vertical: bool) -> np.ndarray:
    """(h, w, 3) float32 zero-mean stripes of `period` px: vertical (varying along x) or not."""
    axis = np.arange(w if vertical else h)
    wave = np.where((axis % period) < period // 2, 0.1, -0.1).astype(np.float32)
    grid = np.broadcast_to(wave[None, :] if vertical else wave[:, None], (h, w))
    return np.repeat(grid[..., None], 3, axis=2).copy()


@pytest.mark.parametrize("vertical, kept", [(True, False), (False, True)])
def test_motion_blur_smears_detail_across_its_travel_only(vertical, kept):
    """Detail carried while it travels one stripe period along x, over an open shutter: stripes
    across the travel average out (a box blur one period long), stripes along it are untouched,
    as a camera's motion blur would draw them."""
    h, w, period = 48, 64, 8
    rec = np.full((6, 8, 3), 0.5, np.float32)
    comp = Composer(np.zeros((h, w, 3), np.uint8), np.zeros((h, w, 3), np.uint8), rec, rec,
                    fade=0.5, cut=0.5)
    band = stripes(h, w, period, vertical)
    off = np.zeros((2, 6, 8), np.float32)
    smear = np.zeros_like(off)
    smear[0] = period / 8  # cells of 8 px: one period of travel while the shutter is open
    blurred, _ = comp.carried_band(band, off, smear)
    instant, _ = comp.carried_band(band, off, None)
    inner = (slice(4, -4), slice(period, -period))  # away from the frame's edges
    assert np.allclose(instant, band, atol=1e-5)
    energy = np.abs(blurred[inner]).mean() / np.abs(band[inner]).mean()
    assert energy > 0.99 if kept else energy < 0.2


def test_shutter_positions_follow_the_longest_smear():
    rec = np.full((6, 8, 3), 0.5, np.float32)
    frame = np.zeros((48, 64, 3), np.uint8)
    comp = Composer(frame, frame, rec, rec, fade=0.5, cut=0.5)
    assert list(comp.shutter_positions(None)) == [0.0]
    smear = np.zeros((2, 6, 8), np.float32)
    assert list(comp.shutter_positions(smear)) == [0.0]  # nothing travels: an instant
    smear[1, 2, 3] = 3 / 8  # one place moves 3 px down
    positions = comp.shutter_positions(smear)
    assert len(positions) == 4 and positions[0] == -0.5 and positions[-1] == 0.5
    smear[1, 2, 3] = 10.0  # 80 px: capped
    assert len(comp.shutter_positions(smear)) == 8
