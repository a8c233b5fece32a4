"""The decoder's critic, the pyramid loss, the widened latent and the large training set's readers."""

import numpy as np
import pytest
import torch

from vae_transition.model import VAE, VAEConfig, widened
from vae_transition.train.adversary import (Adversary, AdversaryConfig, PatchCritic,
                                            adaptive_weight, critic_loss, generator_loss, mixes,
                                            smooth_masks)
from vae_transition.train.latent_warp import WarpConfig
from vae_transition.train.loop import TrainConfig, train
from vae_transition.train.losses import pyramid_l1


def test_the_critic_judges_patches():
    critic = PatchCritic(AdversaryConfig(channels=8, layers=3))
    out = critic(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 1, 8, 8)


def test_hinge_losses_point_the_right_way():
    """A critic that scores real high and fake low has a lower loss than the reverse; the
    decoder's loss falls as the critic rates its pictures higher."""
    class Fixed(torch.nn.Module):
        def __init__(self, real, fake):
            super().__init__()
            self.real, self.fake = real, fake

        def forward(self, x):
            return torch.full((x.shape[0], 1, 2, 2), self.real if x.mean() > 0.5 else self.fake)

    real, fake = torch.ones(2, 3, 8, 8), torch.zeros(2, 3, 8, 8)
    assert critic_loss(Fixed(1.0, -1.0), real, fake) < critic_loss(Fixed(-1.0, 1.0), real, fake)
    assert generator_loss(Fixed(0.0, 1.0), fake) < generator_loss(Fixed(0.0, -1.0), fake)


def test_adaptive_weight_balances_the_gradients():
    w = torch.nn.Parameter(torch.ones(3))
    rec, adv = (w * 4).sum(), (w * 2).sum()            # gradients 4 and 2 per element
    assert float(adaptive_weight(rec, adv, w, AdversaryConfig(weight=0.1))) == pytest.approx(0.2)


def test_morph_mixes_are_smooth_regions_of_two_moved_latents():
    gen = torch.Generator().manual_seed(0)
    m = smooth_masks(4, 8, 12, gen)
    assert m.shape == (4, 1, 8, 12) and 0 <= float(m.min()) and float(m.max()) <= 1
    assert float((m[..., 1:] - m[..., :-1]).abs().mean()) < 0.2   # regions, not speckle
    z = torch.randn(4, 6, 8, 12)
    mixed = mixes(z, WarpConfig(), gen)
    assert mixed.shape == z.shape and torch.isfinite(mixed).all()


def test_pyramid_loss_is_zero_for_equal_pictures_and_sees_coarse_shapes():
    x = torch.rand(2, 3, 32, 32)
    assert float(pyramid_l1(x, x)) == 0.0
    shifted = x + 0.1                                   # a flat offset: no band changes...
    assert float(pyramid_l1(x, shifted)) < 1e-6
    blurred = torch.nn.functional.avg_pool2d(x, 3, 1, 1)  # ...but losing detail does
    assert float(pyramid_l1(x, blurred)) > 0.01


def test_a_widened_model_draws_the_same_pictures():
    torch.manual_seed(0)
    model = VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()
    wide = widened(model, 6).eval()
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        same = wide.decode(wide.encode(x).mode())
        before = model.decode(model.encode(x).mode())
    assert wide.cfg.latent_channels == 6
    assert float((same - before).abs().max()) < 0.02
    with pytest.raises(ValueError):
        widened(model, 4)


def test_training_with_the_critic_runs_and_trains_it():
    from vae_transition.train import dataset

    rng = np.random.default_rng(0)
    images = [dataset.Image(f"r{i}", rng.integers(0, 256, (80, 96, 3)).astype(np.uint8), False)
              for i in range(3)]
    cfg = TrainConfig(model=VAEConfig(base_channels=8, latent_channels=4), steps=4, batch_size=4,
                      crop=32, warp_weight=1.0, pyramid_weight=0.5, log_every=2, threads=1,
                      adversary=AdversaryConfig(channels=8, start=1), mix_weight=1.0)
    model, history = train(cfg, images, log=lambda s: None)
    assert history[-1]["step"] == 4 and {"critic", "adv", "mix"} <= set(history[-1])
    assert np.isfinite(history[-1]["loss"])


def test_the_mix_target_is_the_same_mix_of_the_pictures():
    """With the pictures, mixes() returns the plain mix a morph's latent stands for: for latents
    that are the pictures themselves (a resize 'encoder'), decoding is the identity, and the
    pooled mix loss of the latent mix against that target is about zero."""
    from vae_transition.train.adversary import mix_loss

    gen = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 32, 32)
    latents, target = mixes(x, WarpConfig(), gen, x)
    assert latents.shape == target.shape == x.shape
    assert float(mix_loss(latents, target)) < 0.02
    assert float(mix_loss(torch.rand_like(target), target)) > 0.05


def test_lerp_health_tells_sane_mixes_from_garbage():
    from vae_transition.model import ResizeAutoencoder
    from vae_transition.train.evaluate import lerp_health

    assert lerp_health(ResizeAutoencoder()) > 40          # the resize's mix is the plain mix
