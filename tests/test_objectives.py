"""The two extra training objectives: moved latents (latent_warp.py) and ACAI's critic (critic.py)."""

from __future__ import annotations

import math

import torch
from test_model import synthetic_images, tiny_train_config

from vae_transition.train.critic import Critic, mixes
from vae_transition.train.latent_warp import Field, WarpConfig, random_field, warp, warp_pair

STILL = WarpConfig(shift=0.0, scale=0.0, rotate=0.0, wobble=0.0)


def test_a_still_field_changes_nothing_at_any_size():
    field = random_field(2, 4, 6, STILL, torch.Generator().manual_seed(0))
    x = torch.rand(2, 3, 32, 48)
    assert torch.allclose(warp(x, field), x, atol=1e-5)  # the border band too
    z = torch.rand(2, 5, 4, 6)
    assert torch.allclose(warp(z, field), z, atol=1e-5)


def test_one_field_moves_latent_and_image_alike():
    """A shift of exactly one cell moves the latent by 1 cell and the 8x image by 8 px."""
    still = random_field(1, 4, 8, STILL, torch.Generator().manual_seed(0))
    theta = still.theta.clone()
    theta[0, 0, 2] += 2.0 / 8  # sample one cell to the right: content moves one cell left
    shift = Field(theta, still.wobble)
    x = torch.arange(64, dtype=torch.float32).repeat(32, 1)[None, None]  # value = column
    z = torch.arange(8, dtype=torch.float32).repeat(4, 1)[None, None]
    assert torch.allclose(warp(x, shift)[0, 0, 5, 10:50], x[0, 0, 5, 18:58])
    assert torch.allclose(warp(z, shift)[0, 0, 2, 1:6], z[0, 0, 2, 2:7])


def test_latents_move_the_way_the_morph_carries_them():
    """latent_mode picks the latent's resampling (the morph carries bicubic); the picture is
    always warped the same way, so only what the decoder is shown changes."""
    gen = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    x, z = torch.rand(2, 3, 32, 48), torch.rand(2, 5, 4, 6)
    xl, zl = warp_pair(x, z, WarpConfig(), gen())
    xc, zc = warp_pair(x, z, WarpConfig(latent_mode="bicubic"), gen())
    field = random_field(2, 4, 6, WarpConfig(), gen())
    assert torch.equal(xl, xc)
    assert torch.allclose(zl, warp(z, field)) and torch.allclose(zc, warp(z, field, "bicubic"))
    assert not torch.allclose(zl, zc)


def test_fields_are_seeded_and_bounded():
    cfg = WarpConfig()
    a = random_field(3, 5, 7, cfg, torch.Generator().manual_seed(1)).grid(5, 7)
    b = random_field(3, 5, 7, cfg, torch.Generator().manual_seed(1)).grid(5, 7)
    assert torch.equal(a, b)
    still = random_field(3, 5, 7, STILL, torch.Generator().manual_seed(1)).grid(5, 7)
    # a cell is 2 / 7 wide: shift + wobble + zoom/rotation at the border stay within ~4 cells
    assert (a - still).abs().max() < 4 * 2 / 5


def test_mixes_are_between_two_latents_with_alpha_up_to_a_half():
    z = torch.randn(6, 4, 3, 3)
    mixed, alpha = mixes(z, torch.Generator().manual_seed(0))
    assert alpha.min() >= 0 and alpha.max() <= 0.5
    a = alpha.view(-1, 1, 1, 1)
    assert torch.allclose(mixed, a * z + (1 - a) * z.roll(1, 0))
    assert Critic()(torch.rand(2, 3, 32, 32)).shape == (2,)


def test_training_with_both_objectives_learns_and_logs_them():
    from vae_transition.train.loop import train

    cfg = tiny_train_config(30, warp_weight=1.0, acai_weight=0.5)
    _, history = train(cfg, synthetic_images(), log=lambda line: None)
    assert all(k in history[-1] for k in ("warp", "acai", "critic"))
    assert all(math.isfinite(h[k]) for h in history for k in ("warp", "acai", "critic"))
    assert history[-1]["warp"] < history[0]["warp"]


def test_train_command_fine_tunes_and_keeps_the_history(tmp_path):
    import json

    from click.testing import CliRunner
    from test_model import tiny_model

    from vae_transition.cli import cli
    from vae_transition.weights import load_model, save_model

    start = tmp_path / "start.safetensors"
    save_model(tiny_model(), start, training={"steps": 7, "note": "the first run"})
    out = tmp_path / "tuned.safetensors"
    args = ["train", "--init", str(start), "--out", str(out), "--steps", "2", "--lr", "1e-4",
            "--warmup", "1", "--warp-weight", "1", "--acai-weight", "0.5"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert load_model(out).cfg == load_model(start).cfg  # the config of --init wins
    record = json.loads(out.with_suffix(".json").read_text())["training"]
    assert record["warp_weight"] == 1.0 and record["acai_weight"] == 0.5
    assert record["init_training"] == {"steps": 7, "note": "the first run"}
