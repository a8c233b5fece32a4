"""The detail plan: where each picture's detail goes, and the field that keeps to it where the
features match nothing better (A's busy parts travel to B's instead of handing over in place)."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from vae_transition.model import ResizeAutoencoder
from vae_transition.morph.field import FieldConfig, detail_plan, fit_field, jacobian_det
from vae_transition.morph.massplan import debiased_map, detail_mass, sinkhorn_map
from vae_transition.morph.vae import encode_pair


def textured(x0: int, seed: int, size=(192, 96)) -> np.ndarray:
    """Flat grey with a 32 px square of binary noise at x0 (each seed its own noise)."""
    img = np.full((size[1], size[0], 3), 128, np.uint8)
    rng = np.random.default_rng(seed)
    img[32:64, x0:x0 + 32] = rng.integers(0, 2, (32, 32, 1)) * 255
    return img


def test_detail_mass_sits_on_the_texture():
    m = detail_mass(textured(16, 0), 12, 24)   # 8 px cells: the square covers cells 2..5
    assert float(m.sum()) == pytest.approx(1.0, abs=1e-5)
    assert float(m[4:8, 2:6].sum()) > 0.8      # a sixth of the cells hold most of the mass


def test_the_plan_moves_mass_where_it_is_in_b():
    """One lump of mass 14 cells to the right in B: the lump's cells are sent about 14 cells
    right; equal masses send every cell (almost) nowhere."""
    a, b = torch.full((10, 24), 1e-3), torch.full((10, 24), 1e-3)
    a[4:6, 2:5], b[4:6, 16:19] = 1.0, 1.0
    a, b = a / a.sum(), b / b.sum()
    move = sinkhorn_map(a, b, eps=4.0)
    assert move.shape == (2, 10, 24)
    assert float(move[0, 4:6, 2:5].mean()) == pytest.approx(14.0, abs=1.0)
    assert float(move[1, 4:6, 2:5].abs().mean()) < 0.5
    assert float(debiased_map(a, a, eps=4.0).abs().max()) < 1e-6


def _fields(a, b, **cfg):
    za, zb = encode_pair(ResizeAutoencoder(), a, b)
    return fit_field(za, zb, a, b, replace(FieldConfig(), **cfg))


def test_the_field_carries_texture_to_unrelated_texture():
    """Two different noise patches, 12 cells apart, on the same grey: the features match
    nothing between them, so with no plan the field stays put (a hand-over in place); with the
    plan it carries the patch most of the way there, smooth and unfolded."""
    a, b = textured(16, 1), textured(112, 2)
    moved = _fields(a, b)
    still = _fields(a, b, plan=0.0, mag=0.01)
    patch = (0, slice(4, 8), slice(8, 11))     # cells half-way between the patches
    assert float(moved[patch].mean()) > 3.0    # 6 cells of the 12 is half-way, V is halved
    assert float(still[patch].abs().mean()) < 1.0
    for sign in (-1.0, 1.0):
        assert float(jacobian_det(moved, sign).min()) > 0.2


def test_no_plan_is_no_prior():
    a, b = textured(16, 1), textured(112, 2)
    zero = detail_plan(a, b, 12, 24, replace(FieldConfig(), plan=0.0))
    assert zero.shape == (2, 12, 24) and float(zero.abs().max()) == 0.0
    full = detail_plan(a, b, 12, 24, FieldConfig())
    assert float(full[0, 4:8, 2:6].mean()) > 3.0
