"""Phase latents: the encoder's own latents of a picture moved by fractions of a cell, interleaved,
so that the morph's carry reads them instead of averaging neighbouring cells."""

import numpy as np
import pytest
import torch

from vae_transition.model import ResizeAutoencoder
from vae_transition.morph.field import sample
from vae_transition.morph.phases import (encode_moved, interleave, phase_latents, plain, shifted,
                                         shifts)


def texture(h=64, w=96, seed=0) -> np.ndarray:
    """(h, w, 3) uint8: smooth blobs with edges, detail at every scale the grid sees."""
    import cv2

    noise = np.random.default_rng(seed).random((h // 4, w // 4, 3)).astype(np.float32)
    return (cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1) * 255).astype(np.uint8)


def test_interleave_puts_each_phase_on_its_own_sub_grid():
    lat = torch.arange(9 * 2 * 3 * 4, dtype=torch.float32).view(9, 2, 3, 4)   # P = 3
    grid = interleave(lat, 3)
    assert grid.shape == (2, 9, 12)
    for ky in range(3):
        for kx in range(3):
            assert torch.equal(grid[:, ky::3, kx::3], lat[ky * 3 + kx])
    assert torch.equal(plain(grid, 3), lat[0])


def test_shifts_step_a_pth_of_a_cell():
    assert shifts(1) == [(0.0, 0.0)]
    assert shifts(2) == [(0.0, 0.0), (4.0, 0.0), (0.0, 4.0), (4.0, 4.0)]
    pic = texture()
    assert shifted(pic, 0, 0) is pic
    assert np.array_equal(shifted(pic, 4, 0)[:, :-4], pic[:, 4:])   # whole pixels: exact


def test_a_phase_grid_holds_the_latents_of_the_moved_picture():
    """For the 8x area average as the encoder, phase (1, 0) of P = 2 is the average over blocks
    4 px to the right: the latent of the picture moved half a cell."""
    pic = texture()
    grid = phase_latents(ResizeAutoencoder(), [pic], 2)[0]
    assert grid.shape == (3, 16, 24)
    x = torch.from_numpy(pic).float().permute(2, 0, 1) / 255
    moved = torch.nn.functional.avg_pool2d(x[None, :, :, 4:92], 8)[0]       # (3, 8, 11)
    assert torch.allclose(grid[:, ::2, 1:-1:2], moved, atol=1e-5)
    assert torch.allclose(plain(grid, 2), torch.nn.functional.avg_pool2d(x[None], 8)[0],
                          atol=1e-5)


@pytest.mark.parametrize("phases", [2, 3])
def test_the_carry_reads_the_moved_pictures_latent_not_a_blend(phases):
    """A carry of a P-th of a cell reads the encoder's latent of the picture moved that far,
    exactly; half a cell off, it is nearer to it than a carry of the plain latent (which mixes
    cells 8 px apart) by a wide margin."""
    pic = texture(seed=1)
    model = ResizeAutoencoder()
    grid = phase_latents(model, [pic], phases)[0]
    z = plain(grid, phases)
    h, w = z.shape[-2:]
    off = torch.zeros(2, h, w)
    off[0] = 1.0 / phases
    want = phase_latents(model, [shifted(pic, 8.0 / phases, 0)], 1)[0]
    inner = (slice(None), slice(1, -1), slice(1, -2))
    assert torch.allclose(sample(grid, off, "bicubic", phases)[inner], want[inner], atol=1e-5)
    off[0] = 0.5
    want = phase_latents(model, [shifted(pic, 4.0, 0)], 1)[0]
    err_phase = (sample(grid, off, "bicubic", phases) - want)[inner].abs().mean()
    err_plain = (sample(z, off, "bicubic") - want)[inner].abs().mean()
    assert err_phase < err_plain / 3


def test_encode_moved_encodes_the_picture_moved_along_the_offsets():
    """Overlap mode's exact carry: no offset gives the plain latent; a whole cell to the right
    gives the latent of the picture read 8 px on (within the frame)."""
    from vae_transition.morph.compose import Carrier

    pic, model = texture(seed=2), ResizeAutoencoder()
    carrier = Carrier(pic.shape[1], pic.shape[0])
    still, right = torch.zeros(2, 8, 12), torch.zeros(2, 8, 12)
    right[0] = 1.0
    z_still, z_right = encode_moved(model, [pic, pic], [still, right], carrier)
    z = phase_latents(model, [pic], 1)[0]
    assert torch.allclose(z_still, z, atol=1e-5)
    assert torch.allclose(z_right[:, :, :-1], z[:, :, 1:], atol=1e-5)
