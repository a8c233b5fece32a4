"""bench/seed_digits.py on a tiny config: its paths, its crossfade reference and its page."""

from __future__ import annotations

import numpy as np
import pytest

from bench_scripts import load_bench_script

pytest.importorskip("sklearn", reason="the seed experiment reads scikit-learn's digits")
torch = pytest.importorskip("torch")

sd = load_bench_script("seed_digits")
# a few seconds; 40 steps at a higher rate already halve an untrained network's error
TINY = sd.SeedConfig(channels=8, hidden=32, steps=40, lr=3e-3, pairs=3, frames=4,
                     score_side=32, sheet_pairs=2, grid=4)


@pytest.fixture(scope="module")
def exp():
    return sd.run(TINY)


def test_vae_and_ae_start_from_the_same_weights_and_training_helps(exp):
    data = sd.load(TINY)
    vae = sd.train(sd.replace(TINY, steps=0), data.train, True)
    ae = sd.train(sd.replace(TINY, steps=0), data.train, False)
    for (name, p), q in zip(vae.state_dict().items(), ae.state_dict().values()):
        assert torch.equal(p, q), name
    untrained = sd.recon_mse(vae, data.test)
    for m in exp.methods[:2]:
        assert m.recon_mse < 0.5 * untrained, m.name


def test_training_is_deterministic():
    data = sd.load(TINY)
    cfg = sd.replace(TINY, steps=5)
    one, two = (sd.train(cfg, data.train, True) for _ in range(2))  # the VAE: noise included
    for (name, p), q in zip(one.state_dict().items(), two.state_dict().values()):
        assert torch.equal(p, q), name


def test_lerp_runs_from_a_to_b_in_even_steps():
    za, zb = np.array([0.0, 2.0]), np.array([4.0, -2.0])
    z = sd.lerp(za, zb, 3)
    assert z.shape == (5, 2)
    np.testing.assert_allclose(z[[0, -1]], [za, zb])
    np.testing.assert_allclose(np.diff(z, axis=0), np.tile((zb - za) / 4, (4, 1)))


def test_paths_and_scores(exp):
    assert [m.name for m in exp.methods] == ["VAE", "AE", "crossfade"]
    for (i, j), (a, b) in zip(exp.pairs, exp.labels):
        assert a != b and i != j  # pairs of different digits
    for m in exp.methods:
        for path, s in zip(m.paths, m.scores):
            assert path.shape == (TINY.frames + 2, TINY.side, TINY.side)
            assert 0.0 <= path.min() and path.max() <= 1.0
            assert 0.0 <= s.dissolve_fit <= 1.0 and np.isfinite(s.novelty) and s.novelty >= 0
        assert len(m.seen) == len(m.strangeness) == TINY.pairs
    for m in exp.methods[:2]:
        assert len(m.gaps) == len(m.ends) == TINY.pairs
        assert all(np.isfinite(g) and g >= 0 for g in m.gaps)


def test_crossfade_reference_scores_as_a_crossfade(exp):
    for s in exp.methods[2].scores:
        assert s.dissolve_fit > 0.98
        assert s.novelty < 0.02


def test_pictures_and_page(exp):
    sheet = sd.sheet(exp)
    assert sheet.dtype == np.uint8
    assert sheet.shape[0] > TINY.sheet_pairs * 3 * 100  # VAE, AE, crossfade rows per pair
    assert sd.latents_picture(exp).shape == (2 * 480, 2 * 480, 3)
    page = sd.page([exp], "python bench/seed_digits.py --steps 40")
    assert page.startswith("<!-- README snippet")
    assert page.count(" → ") == TINY.pairs  # one per-pair row each
    assert "TODO" not in page and "nan" not in page
    assert "## Control: a 2-D latent" in sd.page([exp], "python bench/seed_digits.py", exp)
