"""The shift loss: a picture moved off the latent grid's phase must be drawn the same way."""

import numpy as np
import pytest
import torch

from vae_transition.model import VAE, ResizeAutoencoder, VAEConfig
from vae_transition.train.loop import TrainConfig, train, train_step
from vae_transition.train.shift import aligned, overlapping_crops, random_offset, shift_loss


class _Identity:
    """A perfectly shift-equivariant 'autoencoder': its latent is the picture itself."""

    cfg = VAEConfig()

    def encode(self, x):
        class _Point:
            def mode(self_):
                return x
        return _Point()

    def decode(self, z):
        return z


def test_offsets_leave_the_grid_phase_and_stay_inside_one_cell():
    gen = torch.Generator().manual_seed(0)
    offsets = {random_offset(8, gen) for _ in range(300)}
    assert (0, 0) not in offsets
    assert all(0 <= dy < 8 and 0 <= dx < 8 for dy, dx in offsets)
    assert len(offsets) > 40  # most of the 63 phases are drawn


@pytest.mark.parametrize("offset", [(0, 1), (3, 5), (7, 7)])
def test_aligned_crops_show_the_same_pixels(offset):
    x = torch.rand(2, 3, 40, 48)
    a, b = overlapping_crops(x, offset, 8)
    assert a.shape == b.shape == (2, 3, 32, 40)
    first, second = aligned(a, b, offset)
    assert torch.equal(first, second)


def test_the_loss_is_zero_for_an_equivariant_model_and_not_for_the_resize():
    x = torch.rand(2, 3, 48, 48)
    assert float(shift_loss(_Identity(), x, torch.Generator().manual_seed(1))) == 0.0
    # an 8x area average sees the picture differently at each phase: its drawing moves
    assert float(shift_loss(ResizeAutoencoder(), x, torch.Generator().manual_seed(1))) > 0.02


def test_crops_too_small_for_the_shift_are_refused():
    with pytest.raises(ValueError, match="too small"):
        overlapping_crops(torch.rand(1, 3, 8, 16), (1, 1), 8)


def test_the_shift_term_trains_the_encoder():
    torch.manual_seed(0)
    model = VAE(VAEConfig(base_channels=8, latent_channels=4)).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    first = model.encoder.layers[0].weight.detach().clone()
    x = torch.rand(2, 3, 32, 32)
    _, terms, _ = train_step(model, opt, x, torch.Generator().manual_seed(0), 0.5, 1e-3,
                             generator=torch.Generator().manual_seed(0), shift_weight=1.0)
    assert 0 < float(terms["shift"].detach()) < 1
    assert not torch.equal(first, model.encoder.layers[0].weight)


def test_training_with_the_shift_loss_logs_it():
    from vae_transition.train import dataset

    rng = np.random.default_rng(0)
    images = [dataset.Image(f"r{i}", rng.integers(0, 256, (80, 96, 3)).astype(np.uint8), False)
              for i in range(2)]
    cfg = TrainConfig(model=VAEConfig(base_channels=8, latent_channels=4), steps=2, batch_size=2,
                      crop=32, log_every=2, threads=1, shift_weight=1.0)
    _, history = train(cfg, images, log=lambda s: None)
    assert "shift" in history[-1] and np.isfinite(history[-1]["shift"])
