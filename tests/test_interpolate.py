"""Latent paths: interior times, endpoints, eased timing, slerp norms."""

import numpy as np
import pytest
import torch

from vae_transition.interpolate import blend_weights, interior_times, latent_path, slerp


def test_interior_times_exclude_endpoints():
    t = interior_times(4)
    assert np.allclose(t, [0.2, 0.4, 0.6, 0.8])


def test_zero_frames_is_an_error():
    with pytest.raises(ValueError):
        interior_times(0)


def test_lerp_path_is_evenly_spaced_and_between_endpoints():
    z0, z1 = torch.zeros(2, 3, 4), torch.ones(2, 3, 4)
    zs = latent_path(z0, z1, 3, "lerp")
    assert zs.shape == (3, 2, 3, 4)
    assert torch.allclose(zs[:, 0, 0, 0], torch.tensor([0.25, 0.5, 0.75]))


def test_ease_is_slow_at_the_ends_and_symmetric():
    w = blend_weights(9, "ease")
    steps = np.diff(np.concatenate([[0], w, [1]]))
    assert steps[0] < steps[len(steps) // 2] and steps[-1] < steps[len(steps) // 2]
    assert np.allclose(w + w[::-1], 1.0)


def test_slerp_keeps_norm_between_orthogonal_latents():
    z0 = torch.tensor([3.0, 0.0])
    z1 = torch.tensor([0.0, 3.0])
    mid = slerp(z0, z1, 0.5)
    assert torch.isclose(mid.norm(), torch.tensor(3.0), atol=1e-4)
    assert mid.norm() > (z0 + z1).div(2).norm()  # a straight line sags to 2.12


def test_unknown_path_is_rejected():
    with pytest.raises(ValueError, match="unknown path"):
        blend_weights(3, "zigzag")
