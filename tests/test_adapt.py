"""Per-pair adaptation: it learns the pair, is deterministic, and is cached."""

import numpy as np
import pytest
import torch

from vae_transition import tensors
from vae_transition.cache import cache_dir
from vae_transition.model import VAE, VAEConfig
from vae_transition.train.adapt import AdaptConfig, adapt

CFG = AdaptConfig(steps=25, batch_size=4, crop=32, lr=2e-3)


@pytest.fixture()
def model():
    torch.manual_seed(0)
    return VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()


@pytest.fixture()
def images():
    rng = np.random.default_rng(1)
    stripes = np.zeros((64, 96, 3), np.uint8)
    stripes[:, ::8] = (255, 40, 40)
    blobs = (rng.random((8, 12, 3)) * 255).astype(np.uint8).repeat(8, 0).repeat(8, 1)
    return [stripes, blobs]


def recon_error(m, imgs):
    with torch.no_grad():
        x = tensors.frames_to_tensor(imgs)
        return float((m.decode(m.encode(x).mode()) - x).abs().mean())


def test_adaptation_learns_the_pair(model, images):
    base_error = recon_error(model, images)
    tuned, seconds, hit = adapt(model, images, CFG, seed=0, use_cache=False)
    assert not hit and seconds > 0
    assert recon_error(tuned, images) < 0.8 * base_error
    # the base model is untouched
    assert recon_error(model, images) == pytest.approx(base_error)


def test_adaptation_is_deterministic_and_cached(model, images):
    first, _, hit1 = adapt(model, images, CFG, seed=3)
    second, _, hit2 = adapt(model, images, CFG, seed=3)
    assert (hit1, hit2) == (False, True)
    assert list((cache_dir() / "adapted").glob("*.safetensors"))
    again, _, _ = adapt(model, images, CFG, seed=3, use_cache=False)
    for a, b, c in zip(first.state_dict().values(), second.state_dict().values(),
                       again.state_dict().values()):
        assert torch.equal(a, b) and torch.equal(a, c)
    other, _, hit3 = adapt(model, images, CFG, seed=4)
    assert not hit3


def test_zero_steps_is_the_model_itself(model, images):
    same, seconds, hit = adapt(model, images, AdaptConfig(steps=0))
    assert same is model and seconds == 0.0 and not hit
