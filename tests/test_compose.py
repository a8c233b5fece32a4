"""Full-size composition: exact ends, carried detail keeps its contrast, still regions stay put."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vae_transition.morph.compose import (Carrier, Composer, detail_energy, detail_weights,
                                          grain_share, richer_lead, stillness, unsqueezed)


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


@pytest.mark.parametrize("lead", [-1.0, -0.4, 0.0, 0.4, 1.0])
def test_detail_switch_stays_inside_the_hand_over(lead):
    """Whatever the lead, a cell that has not started handing over shows only A's detail, one
    that has finished only B's, and B's share of the detail never falls as the cell hands over."""
    w = np.linspace(0.0, 1.0, 101, dtype=np.float32)
    wd = detail_weights(w, 0.3, lead)
    assert wd[0] == 0.0 and wd[-1] == 1.0
    assert np.all(np.diff(wd) >= 0)


def test_the_richer_side_keeps_the_detail_longer():
    """A smooth A (no detail) into a detailed B: B's detail is in at a third of the hand-over
    with the lead, and still out without it; the other way round A's stays to two thirds."""
    smooth, rich = np.zeros((1, 1), np.float32), np.ones((1, 1), np.float32)
    to_rich, to_smooth = richer_lead(smooth, rich, 1.0), richer_lead(rich, smooth, 1.0)
    assert to_rich[0, 0] == pytest.approx(1.0) and to_smooth[0, 0] == pytest.approx(-1.0)
    third = np.full((1, 1), 1 / 3, np.float32)
    assert detail_weights(third, 0.3, to_rich)[0, 0] == pytest.approx(1.0)
    assert detail_weights(third, 0.3, 0.0)[0, 0] == pytest.approx(0.0)
    assert detail_weights(1 - third, 0.3, to_smooth)[0, 0] == pytest.approx(0.0)
    assert richer_lead(rich, rich, 1.0)[0, 0] == pytest.approx(0.0)


@pytest.mark.parametrize("drift", [1.0, 0.25])
@pytest.mark.parametrize("t, which", [(0.0, "a"), (1.0, "b")])
def test_composed_ends_are_the_frames(t, which, drift):
    """At t = 0 (no offsets, B's share 0) the frame is A exactly, at t = 1 it is B: whatever the
    decoder drew, its error and the detail band are added back."""
    rng = np.random.default_rng(1)
    a, b = (rng.integers(0, 256, (48, 80, 3)).astype(np.uint8) for _ in range(2))
    rec_a, rec_b = (rng.random((16, 32, 3)).astype(np.float32) for _ in range(2))  # any decode
    comp = Composer(a, b, rec_a, rec_b, fade=0.5, detail=0.3, lead=1.0, drift=drift)
    assert (comp.grain is None) == (drift == 1.0)  # random pixels are grain
    zero = np.zeros((2, 2, 4), np.float32)
    share = np.full((2, 4), 0.0 if which == "a" else 1.0, np.float32)
    decoded = rec_a if which == "a" else rec_b
    frame = comp(t, decoded, (None, zero, zero, share))
    want = (a if which == "a" else b).astype(np.float32) / 255
    assert np.abs(frame - want).max() < 1e-4


def _grey_u8(detail: np.ndarray) -> np.ndarray:
    return np.clip(np.round((0.5 + detail) * 255), 0, 255).astype(np.uint8)


def test_pixel_noise_is_grain_and_shapes_are_not():
    """Binary pixel noise has its contrast only above the working size; 16 px blocks and a
    red-green edge (no contrast in the channel mean) have none there."""
    def share(img_u8):
        f = img_u8.astype(np.float32) / 255
        small = cv2.resize(f, (40, 24), interpolation=cv2.INTER_AREA)
        fine = f - cv2.resize(small, (160, 96), interpolation=cv2.INTER_CUBIC)
        return grain_share(detail_energy(fine, (40, 24)), small)

    assert share(_grey_u8(noise(96, 160) * 2)).mean() > 0.9
    blocks = np.random.default_rng(2).integers(0, 256, (6, 10, 3)).astype(np.uint8)
    assert share(np.kron(blocks, np.ones((16, 16, 1), np.uint8))).max() < 0.05
    edge = np.zeros((96, 160, 3), np.uint8)
    edge[:, :80, 0], edge[:, 80:, 1] = 255, 255
    assert share(edge).max() == 0.0


@pytest.mark.parametrize("drift", [0.0, 0.5, 1.0])
def test_grain_travels_drift_of_its_contents_way(drift):
    """B's noise, its content carried 8 px (a quarter cell): the frame's finest contrast is B's
    noise moved drift x 8 px (drift 1: carried with the content, as all detail was before)."""
    b = _grey_u8(noise(96, 160, seed=3) * 2)
    a = np.full_like(b, 128)
    rec = np.full((24, 40, 3), 0.5, np.float32)
    comp = Composer(a, b, rec, rec, fade=0.5, detail=0.3, drift=drift)
    off = np.zeros((2, 3, 5), np.float32)
    off[0] = 0.25  # cells of 32 px at 160 px: each output pixel samples B 8 px to its right
    frame = comp(1.0, rec, (None, off, off, np.ones((3, 5), np.float32)))
    lap_f, lap_b = (cv2.Laplacian(x.mean(axis=2), cv2.CV_32F, ksize=1)
                    for x in (frame, b.astype(np.float32) / 255))
    inner = (slice(8, -8), slice(16, -16))  # away from the borders, where nothing is carried in
    corr = {s: float(np.corrcoef(lap_f[inner].ravel(),
                                 np.roll(lap_b, -s, axis=1)[inner].ravel())[0, 1])
            for s in range(9)}
    assert max(corr, key=corr.get) == round(8 * drift)
    assert max(corr.values()) > 0.6


@pytest.mark.parametrize("dx, dy", [(0.0, 0.0), (0.6, -0.3), (-1.2, 0.9)])
def test_carried_box_lands_inside_its_landing_region(dx, dy):
    """Grain is carried only over the region its box can reach (a fraction of the frame, so a
    fraction of the time): nothing the whole-frame carry draws lies outside that region."""
    c = Carrier(80, 48)
    band = np.zeros((48, 80, 3), np.float32)
    band[10:20, 30:40] = noise(10, 10)
    off = np.zeros((2, 3, 5), np.float32)
    off[0], off[1] = dx, dy  # cells of 16 px
    rows, cols = c.landing((10, 20, 30, 40), off)
    whole = c.carry(band, c.maps(off))
    inside = np.zeros(whole.shape[:2], bool)
    inside[rows, cols] = True
    assert np.abs(whole[~inside]).max() == 0.0 and np.abs(whole[inside]).max() > 0.05
    assert c.landing(None, off) == (slice(None), slice(None))


def test_grain_counts_only_in_regions_that_are_surely_grain():
    """Two patches on a flat picture: one whose detail is all grain, one that scores a little
    above GRAIN_FROM (as a fractal's finest filaments do in specks). Only the first is grain."""
    energy = np.zeros((96, 160), np.float32)
    energy[10:50, 10:50] = 1.0       # share ~1: grain
    energy[40:80, 100:140] = 4.5e-4  # share 0.82 with GRAIN_FLOOR 1e-4: grain 0.2 before the rule
    grain = grain_share(energy, np.full((96, 160, 3), 0.5, np.float32))
    assert grain[30, 30] > 0.99 and grain[40:80, 100:140].max() == 0.0
