"""The overlap's field follows the clips: camera motion measured as affine maps, a smooth path
of them per clip, and a field that registers the two moving pictures frame by frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from vae_transition.morph.field import sample
from vae_transition.morph.follow import (IDENTITY, affine_motion, camera_path, follow_weights,
                                         followed_field, motion_field)


def texture(h: int = 152, w: int = 256, seed: int = 0) -> np.ndarray:
    """(h, w, 3) uint8 smooth random texture: blobs a few px wide, so flow and resampling hold."""
    rng = np.random.default_rng(seed)
    noise = rng.random((h, w, 3)).astype(np.float32)
    soft = cv2.GaussianBlur(noise, (0, 0), 2.0)
    soft = (soft - soft.min()) / (soft.max() - soft.min())
    return (soft * 255).astype(np.uint8)


def moved(picture: np.ndarray, m: np.ndarray) -> np.ndarray:
    """picture's content at x put at m x (m: (2, 3)), edges mirrored."""
    h, w = picture.shape[:2]
    return cv2.warpAffine(picture, m, (w, h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT_101)


def test_affine_motion_finds_a_pan_and_a_zoom():
    pic = texture()
    zoom = np.float32([[1.04, 0, -4.0], [0, 1.04, 2.5]])  # 4 % in, and a pan
    found = affine_motion(pic, moved(pic, zoom))
    assert found is not None
    np.testing.assert_allclose(found[:, :2], zoom[:, :2], atol=0.01)
    np.testing.assert_allclose(found[:, 2], zoom[:, 2], atol=0.6)


def test_affine_motion_trusts_no_fit_between_unrelated_pictures():
    assert affine_motion(texture(seed=1), texture(seed=2)) is None
    flat = np.full((152, 256, 3), 128, np.uint8)  # nothing to follow: nothing moves
    np.testing.assert_allclose(affine_motion(flat, flat), IDENTITY, atol=1e-6)


def test_camera_path_is_the_smooth_trend_and_ignores_a_stray_frame():
    pic = texture()
    frames = [moved(pic, np.float32([[1, 0, 1.5 * (k - 6)], [0, 1, 0]])) for k in range(13)]
    frames[3] = texture(seed=9)  # a frame that is not this camera's
    path = camera_path(frames, mid=6)
    np.testing.assert_allclose(path[6], IDENTITY, atol=1e-6)
    shifts = np.array([m[0, 2] for m in path])
    np.testing.assert_allclose(shifts, 1.5 * (np.arange(13) - 6), atol=0.5)
    animated = [texture(seed=k) for k in range(13)]  # changes, but not by moving
    assert all(np.array_equal(m, IDENTITY) for m in camera_path(animated, mid=6))


def test_followed_field_registers_the_moved_pictures():
    """B_m is A_m moved by 2 V; then A pans by u_A and B by u_B. The followed field V_k reads
    A_k and B_k at the same content (p - V_k and p + V_k); the middle pair's V does not."""
    a_m = torch.from_numpy(texture(64, 96).astype(np.float32) / 255).permute(2, 0, 1)
    h, w = a_m.shape[-2:]
    v = torch.zeros(2, h, w)
    v[0] = 3.0  # px: every "cell" here is one pixel
    b_m = sample(a_m, -2 * v)           # B_m(x) = A_m(x - 2 V)
    u_a, u_b = np.float32([4.0, -1.0]), np.float32([-5.0, 2.0])  # px each clip moved
    shift = lambda x, u: sample(x, -torch.from_numpy(np.broadcast_to(u[:, None, None],
                                                                     (2, h, w)).copy()))
    a_k, b_k = shift(a_m, u_a), shift(b_m, u_b)
    u_a_f = motion_field(np.float32([[1, 0, u_a[0]], [0, 1, u_a[1]]]), (h, w), (1.0, 1.0))
    u_b_f = motion_field(np.float32([[1, 0, u_b[0]], [0, 1, u_b[1]]]), (h, w), (1.0, 1.0))
    v_k = followed_field(v, u_a_f, u_b_f)
    inner = (slice(None), slice(12, -12), slice(20, -20))
    def mismatch(f):
        return (sample(a_k, -f) - sample(b_k, f))[inner].abs().mean().item()
    assert mismatch(v_k) < 0.01 < 0.05 < mismatch(v)


def test_follow_weights_follow_fully_midway_and_not_at_the_ends():
    np.testing.assert_allclose(follow_weights(np.array([0.0, 0.25, 0.5, 1.0])),
                               [0.0, 0.75, 1.0, 0.0])


@pytest.mark.parametrize("follow", [False, True])
def test_overlap_runs_followed_or_not(follow):
    """Both clips panning opposite ways: the overlap has its frames, and following changes
    them only where the clips moved (the middle frame is the plan's either way)."""
    from vae_transition.model import ResizeAutoencoder
    from vae_transition.morph.vae import MorphConfig, vae_morph_overlap

    pic = texture(96, 160)
    a = [moved(pic, np.float32([[1, 0, 1.0 * k], [0, 1, 0]])) for k in range(7)]
    b = [moved(pic[::-1].copy(), np.float32([[1, 0, -1.0 * k], [0, 1, 0]])) for k in range(7)]
    out = list(vae_morph_overlap(ResizeAutoencoder(), a, b, cfg=MorphConfig(long_side=64,
                                                                             follow=follow)))
    assert len(out) == 7 and all(f.shape == pic.shape for f in out)
    plain = list(vae_morph_overlap(ResizeAutoencoder(), a, b,
                                   cfg=MorphConfig(long_side=64, follow=False)))
    assert np.array_equal(out[3], plain[3])
    assert follow == (not all(np.array_equal(x, y) for x, y in zip(out, plain)))
