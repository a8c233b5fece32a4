"""The halfway field and the transport: found correspondence, exact ends, content that bends and
travels instead of fading, and hand-overs that spread through regions instead of cells."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from vae_transition.model import ResizeAutoencoder
from vae_transition.morph.field import FieldConfig, fit_field, jacobian_det, sample
from vae_transition.morph.transport import TransportConfig, build, richness
from vae_transition.morph.vae import MorphConfig, encode_pair, vae_morph


def square(x0: int, size=(128, 64)) -> np.ndarray:
    img = np.full((size[1], size[0], 3), 20, np.uint8)
    img[24:40, x0:x0 + 16] = 235
    return img


def latents(a: np.ndarray, b: np.ndarray):
    """(z_A, z_B) of the resize 'autoencoder': 8x area averages, (3, h / 8, w / 8)."""
    return encode_pair(ResizeAutoencoder(), a, b)


def test_sample_reads_at_the_offset():
    x = torch.arange(24, dtype=torch.float32).reshape(1, 4, 6)
    assert torch.allclose(sample(x, torch.zeros(2, 4, 6)), x, atol=1e-5)
    right = torch.zeros(2, 4, 6)
    right[0] = 1.0                                   # read one cell to the right
    assert torch.allclose(sample(x, right)[:, :, :5], x[:, :, 1:], atol=1e-5)


def test_the_carry_keeps_a_latent_crisp_between_cells():
    """Half a cell off, bilinear averages two cells: a wave four cells long (a latent edge every
    16 px) keeps 71 % of its amplitude, and the decoder draws that average soft. Bicubic (the
    transport's carry) keeps 97 %; both read whole-cell offsets exactly."""
    x = torch.cos(torch.pi / 2 * torch.arange(12.0)).repeat(6, 1)[None]   # (1, 6, 12)
    half, whole = torch.zeros(2, 6, 12), torch.zeros(2, 6, 12)
    half[0], whole[0] = 0.5, 1.0
    true = abs(np.cos(np.pi / 4))                                      # the wave between cells
    inner = (0, slice(None), slice(2, -3))                             # away from the border
    assert float(sample(x, half)[inner].abs().max()) == pytest.approx(0.71 * true, abs=0.02)
    assert float(sample(x, half, "bicubic")[inner].abs().max()) == pytest.approx(0.97 * true,
                                                                                abs=0.02)
    assert torch.allclose(sample(x, whole, "bicubic")[inner], x[0, :, 3:-2], atol=1e-5)
    assert TransportConfig().carry == "bicubic"


def test_the_field_finds_a_moved_shape_half_way():
    """A square 4 cells to the right in B: around it the field says 'A's content is 2 cells back,
    B's 2 cells on' (the halfway point), and it stays smooth and unfolded."""
    a, b = square(40), square(72)                    # 32 px = 4 cells of 8 px
    za, zb = latents(a, b)
    v = fit_field(za, zb, a, b, FieldConfig())
    near = v[0, 3:5, 6:9]                            # cells between the two squares
    assert float(near.mean()) == pytest.approx(2.0, abs=0.6)
    for sign in (-1.0, 1.0):
        assert float(jacobian_det(v, sign).min()) > 0.2


def test_state_starts_at_a_and_ends_at_b():
    a, b = square(16), square(96)
    za, zb = latents(a, b)
    tr = build(za, zb, a, b, TransportConfig(), seed=0)
    z0, off_a0, _, share0 = tr.at(0.0)
    z1, _, off_b1, share1 = tr.at(1.0)
    assert torch.allclose(z0, za, atol=1e-5) and torch.allclose(z1, zb, atol=1e-5)
    assert off_a0.abs().max() < 1e-5 and off_b1.abs().max() < 1e-5
    assert share0.max() == 0.0 and share1.min() == 1.0


@pytest.mark.parametrize("ease", [0.0, 1.0])
def test_travel_eases_in_and_out(ease):
    """With ease the content starts from rest and comes to rest (a tenth of the way in, it has
    moved under 3 % of its path, not 10 %); half-way it is half-way either way; the offsets
    follow that travel."""
    a, b = square(16), square(96)
    za, zb = latents(a, b)
    tr = build(za, zb, a, b, TransportConfig(ease=ease), seed=0)
    moved = [tr.travelled(t) for t in (0.1, 0.5, 0.9)]
    assert moved[1] == pytest.approx(0.5)
    if ease:
        assert moved[0] < 0.03 and 1 - moved[2] < 0.03
    else:
        assert moved == pytest.approx([0.1, 0.5, 0.9])
    steady = replace(tr, ease=0.0)
    for t in (0.1, 0.7):
        _, off_a, off_b, _ = tr.at(t)
        _, want_a, want_b, _ = steady.at(tr.travelled(t))
        assert torch.allclose(off_a, want_a) and torch.allclose(off_b, want_b)


def test_a_moving_square_is_carried_not_dissolved():
    """A square, and the same square 48 px (6 cells) to the right. A dissolve shows both at half
    strength mid-way; the transport shows neither: the square sits in between."""
    a, b = square(32), square(80)
    out = list(vae_morph(ResizeAutoencoder(), a, b, 9, cfg=MorphConfig(long_side=128)))
    mid = out[4].astype(np.float32).mean(axis=(0, 2)) - 20  # brightness above the background
    dissolve = 0.5 * (235 - 20) * 16 / 64                     # a half-bright square, per column
    assert mid[32:40].mean() < 0.25 * dissolve                # nothing left at A's place
    assert mid[88:96].mean() < 0.25 * dissolve                # nothing yet at B's
    assert 48 <= int(np.argmax(mid)) <= 80                    # it is on its way


def test_hand_overs_spread_through_regions_not_cells():
    """Neighbouring places start their hand-overs at nearby moments: the order varies over
    several cells, so the frame is never a mosaic of cells at random stages."""
    rng = np.random.default_rng(0)
    a, b = (rng.integers(0, 256, (96, 160, 3)).astype(np.uint8) for _ in range(2))
    za, zb = latents(a, b)
    tau = build(za, zb, a, b, TransportConfig(), seed=0).tau
    jump = np.abs(np.diff(tau, axis=1)).mean() + np.abs(np.diff(tau, axis=0)).mean()
    assert jump < 0.15                                 # a random order: ~0.66
    assert tau.min() == 0.0 and tau.max() == pytest.approx(1.0)


def test_the_seed_changes_the_order_only():
    a, b = square(16), square(96)
    za, zb = latents(a, b)
    one, two = (build(za, zb, a, b, TransportConfig(), seed=s) for s in (1, 2))
    assert torch.equal(one.field, two.field)
    assert not np.array_equal(one.tau, two.tau)


def test_richness_pairs_the_places_the_field_pairs():
    """Flat A places paired with detailed B places score +1, detailed to flat -1, alike 0; with
    a field of 2 cells, A's place 2 cells back and B's 2 cells on are the ones compared."""
    h, w = 4, 12
    e_a, e_b = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    e_b[:, 1] = 0.01                                   # only B is detailed in column 1
    e_a[:, 2] = 0.01                                   # only A in column 2
    still = torch.zeros(2, h, w)
    r = richness((e_a, e_b), still)
    assert np.allclose(r[:, 1], 1, atol=0.02) and np.allclose(r[:, 2], -1, atol=0.02)
    assert np.allclose(r[:, 4:], 0)
    moved = torch.zeros(2, h, w)
    moved[0] = 2.0                                     # A at p - 2, B at p + 2
    r = richness((e_a, e_b), moved)
    assert np.allclose(r[:, 4], -1, atol=0.02)         # A's column 2 meets B's flat column 6
