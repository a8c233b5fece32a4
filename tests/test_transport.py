"""Latent transport: exact splats, one-to-one matches, and content that travels instead of fading."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from vae_transition.model import ResizeAutoencoder
from vae_transition.morph.transport import (TransportConfig, build, grid_positions, match_cells,
                                            richness, splat)
from vae_transition.morph.vae import MorphConfig, vae_morph


def test_particles_on_the_grid_splat_back_exactly():
    h, w = 5, 7
    pos = torch.from_numpy(grid_positions(h, w))
    values = torch.randn(h * w, 3)
    grid = splat(pos, values, h, w)
    assert torch.allclose(grid, values.T.reshape(3, h, w), atol=1e-6)


def test_gaps_are_filled_not_empty():
    """Two particles far apart leave most cells without one: they get neighbours' values."""
    pos = torch.tensor([[0.0, 0.0], [5.0, 3.0]])
    grid = splat(pos, torch.tensor([[1.0], [1.0]]), 4, 6)
    assert torch.allclose(grid, torch.ones(1, 4, 6), atol=1e-5)


def test_match_is_one_to_one_and_identity_for_equal_latents():
    z = torch.randn(4, 6, 8)
    perm = match_cells(z, z, reach=0.25)
    assert np.array_equal(perm, np.arange(48))
    other = match_cells(z, torch.randn(4, 6, 8), reach=0.25)
    assert np.array_equal(np.sort(other), np.arange(48))


def test_match_moves_content_to_where_it_is_in_b():
    """A bright cell in A's left half and one in B's right half: that cell travels across."""
    za, zb = torch.zeros(3, 4, 8), torch.zeros(3, 4, 8)
    za[:, 1, 1], zb[:, 1, 6] = 5.0, 5.0
    perm = match_cells(za, zb, reach=0.5)
    assert perm[1 * 8 + 1] == 1 * 8 + 6


def test_state_starts_at_a_and_ends_at_b():
    za, zb = torch.randn(4, 5, 6), torch.randn(4, 5, 6)
    tr = build(za, zb, TransportConfig(), seed=0)
    z0, off_a0, _, share0 = tr.at(0.0)
    z1, _, off_b1, share1 = tr.at(1.0)
    assert torch.allclose(z0, za, atol=1e-5) and torch.allclose(z1, zb, atol=1e-5)
    assert off_a0.abs().max() < 1e-5 and off_b1.abs().max() < 1e-5
    assert share0.max() == 0.0 and share1.min() == 1.0


@pytest.mark.parametrize("ease", [0.0, 1.0])
def test_travel_eases_in_and_out(ease):
    """With ease the content starts from rest and comes to rest (a tenth of the way in, it has
    moved under 3 % of its path, not 10 %); half-way it is half-way either way."""
    za = torch.zeros(3, 4, 8)
    za[:, 1, 1] = 5.0
    zb = torch.zeros(3, 4, 8)
    zb[:, 1, 6] = 5.0
    tr = build(za, zb, TransportConfig(flow_smooth=0.0, ease=ease), seed=0)
    cell = 1 * 8 + 1
    full = float(tr.flow_a[cell, 0])                  # 5 cells to the right
    moved = [tr.travelled(t) * full for t in (0.1, 0.5, 0.9)]
    linear = [0.1 * full, 0.5 * full, 0.9 * full]
    assert moved[1] == pytest.approx(linear[1])
    if ease:
        assert moved[0] < 0.3 * linear[0] and full - moved[2] < 0.3 * (full - linear[2])
    else:
        assert moved == pytest.approx(linear)
    # the state's offsets (where each cell's content comes from) follow that travel
    steady = replace(tr, ease=0.0)
    for t in (0.1, 0.7):
        _, off_a, off_b, _ = tr.at(t)
        _, want_a, want_b, _ = steady.at(tr.travelled(t))
        assert torch.allclose(off_a, want_a) and torch.allclose(off_b, want_b)


def square(x0: int, size=(128, 64)) -> np.ndarray:
    img = np.full((size[1], size[0], 3), 20, np.uint8)
    img[24:40, x0:x0 + 16] = 235
    return img


def test_a_moving_square_is_carried_not_dissolved():
    """A square on the left, the same square on the right. A dissolve shows both at half strength
    mid-way; the transport shows neither: what is left of the square sits in between."""
    a, b = square(16), square(96)
    out = list(vae_morph(ResizeAutoencoder(), a, b, 9, cfg=MorphConfig(long_side=128)))
    mid = out[4].astype(np.float32).mean(axis=(0, 2)) - 20  # brightness above the background
    dissolve = 0.5 * (235 - 20) * 16 / 64                     # a half-bright square, per column
    assert mid[16:32].mean() < 0.25 * dissolve                # nothing left at A's place
    assert mid[96:112].mean() < 0.25 * dissolve               # nothing yet at B's
    assert 40 <= int(np.argmax(mid)) <= 88                    # it is on its way


def test_richness_is_read_per_matched_pair_half_way():
    """Flat A cells matched to detailed B cells score +1, detailed to flat -1, detailed to
    detailed and flat to flat 0; each pair's score sits half-way along its flows."""
    h, w = 4, 8
    e_a, e_b = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    e_a[:, 0], e_b[:, 0] = 0.01, 0.01        # column 0: detailed on both sides
    e_b[:, 1] = 0.01                         # column 1: only B is detailed
    e_a[:, 2] = 0.01                         # column 2: only A is detailed
    perm = np.arange(h * w)                  # every cell stays where it is
    still = torch.zeros(h * w, 2)
    r = richness((e_a, e_b), perm, still, still)
    assert np.allclose(r[:, 0], 0, atol=0.02) and np.allclose(r[:, 1], 1, atol=0.02)
    assert np.allclose(r[:, 2], -1, atol=0.02) and np.allclose(r[:, 4:], 0)
    # every pair's flows move its content 2 cells right: the scores land 1 cell right
    shift = torch.tensor([[2.0, 0.0]]).repeat(h * w, 1)
    r = richness((e_a, e_b), perm, shift, shift)
    assert np.allclose(r[:, 2], 1, atol=0.02) and np.allclose(r[:, 3], -1, atol=0.02)
