"""Latent paths: interior times, endpoints, eased timing, slerp norms."""

import numpy as np
import pytest
import torch

from vae_transition.morph.interpolate import (blend_weights, interior_times, local_weights,
                                              mix_rows, schedule, slerp_rows)


def test_interior_times_exclude_endpoints():
    t = interior_times(4)
    assert np.allclose(t, [0.2, 0.4, 0.6, 0.8])


def test_zero_frames_is_an_error():
    with pytest.raises(ValueError):
        interior_times(0)


def test_ease_is_slow_at_the_ends_and_symmetric():
    w = blend_weights(9, "ease")
    steps = np.diff(np.concatenate([[0], w, [1]]))
    assert steps[0] < steps[len(steps) // 2] and steps[-1] < steps[len(steps) // 2]
    assert np.allclose(w + w[::-1], 1.0)


def test_unknown_path_is_rejected():
    with pytest.raises(ValueError, match="unknown path"):
        blend_weights(3, "zigzag")


def test_schedule_is_uniform_and_starts_where_latents_differ():
    za = torch.zeros(4, 16, 16)
    zb = torch.zeros(4, 16, 16)
    zb[:, :8, :] = 5.0  # the top half differs
    tau = schedule(za, zb, noise=0.0, seed=0)
    assert tau.shape == (16, 16)
    assert np.allclose(np.sort(tau.ravel()), np.linspace(0, 1, 256), atol=1e-6)
    assert tau[:8].mean() < tau[8:].mean()


def test_local_weights_run_from_a_to_b_with_a_constant_moving_share():
    tau = np.linspace(0, 1, 1000, dtype=np.float32).reshape(20, 50)
    assert local_weights(tau, 0.0, 0.35).max() == 0.0
    assert local_weights(tau, 1.0, 0.35).min() == 1.0
    moving = [((w > 0) & (w < 1)).mean() for w in (local_weights(tau, t, 0.35) for t in (0.4, 0.5, 0.6))]
    assert np.allclose(moving, 0.35 / 0.65, atol=0.02)


def test_mixes_hit_both_endpoints_and_slerp_keeps_norm():
    fa = torch.tensor([[3.0, 0.0]])
    fb = torch.tensor([[0.0, 3.0]])
    for fn in (mix_rows, slerp_rows):
        assert torch.allclose(fn(fa, fb, torch.zeros(1, 1)), fa, atol=1e-5)
        assert torch.allclose(fn(fa, fb, torch.ones(1, 1)), fb, atol=1e-5)
    half = torch.full((1, 1), 0.5)
    assert torch.isclose(slerp_rows(fa, fb, half).norm(), torch.tensor(3.0), atol=1e-4)
    assert mix_rows(fa, fb, half).norm() < 2.2  # the straight line sags to 2.12


def test_schedule_bias_moves_cells_earlier_or_later():
    """The same latents, a bias of +3 on the left quarter and -3 on the right: the left hands
    over first and the right last, whatever the latent difference says."""
    za, zb = torch.zeros(4, 8, 16), torch.zeros(4, 8, 16)
    zb[:, :, 6:10] = 5.0                     # the difference alone would start in the middle
    bias = np.zeros((8, 16), np.float32)
    bias[:, :4], bias[:, 12:] = 3.0, -3.0
    tau = schedule(za, zb, noise=0.0, seed=0, bias=bias)
    assert tau[:, :4].max() < tau[:, 6:10].min()
    assert tau[:, 12:].min() > tau[:, 6:10].max()


def test_the_guided_order_keeps_to_the_picture_s_regions():
    """Noise smoothed with a two-region guide stays flat inside each region and keeps the step
    between them: a region hands over as a whole."""
    from vae_transition.morph.interpolate import guided_filter

    guide = np.zeros((12, 16, 3), np.float32)
    guide[:, 8:] = 1.0                                  # two regions: left dark, right bright
    src = np.zeros((12, 16), np.float32)
    src[:, 8:] = 1.0
    src += np.random.default_rng(0).normal(0, 0.2, src.shape).astype(np.float32)
    out = guided_filter(guide, src, radius=2)
    assert out[:, :7].std() < 0.5 * src[:, :7].std()   # smoothed inside
    assert out[:, 9:].mean() - out[:, :7].mean() > 0.9  # the edge kept
