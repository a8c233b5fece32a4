"""Training without ffmpeg: the .npz of datafile.py, crops on the device, a wall-time budget."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from test_model import synthetic_images, tiny_train_config

from vae_transition.train import datafile
from vae_transition.train.dataset import CropSampler, Image


def ragged_images():
    """Photos and a procedural frame of different sizes (the file must keep each shape)."""
    imgs = synthetic_images(2, 64)
    return imgs + [Image("lavfi/x/0", np.arange(96 * 80 * 3, dtype=np.uint8).reshape(80, 96, 3), True)]


def test_images_round_trip_through_the_file(tmp_path):
    path = tmp_path / "d.npz"
    datafile.save_images(ragged_images(), path)
    back = datafile.load_images(path)
    assert [(im.name, im.synthetic) for im in back] == [(im.name, im.synthetic) for im in ragged_images()]
    for a, b in zip(back, ragged_images()):
        assert a.pixels.dtype == np.uint8 and np.array_equal(a.pixels, b.pixels)


def test_a_damaged_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "d.npz"
    datafile.save_images(ragged_images(), path)
    with np.load(path) as f:
        parts = dict(f)
    parts["pixels"] = parts["pixels"].copy()
    parts["pixels"][0] ^= 1
    np.savez(path, **parts)
    with pytest.raises(ValueError, match="d.npz.*SHA-256"):
        datafile.load_images(path)


def test_device_sampler_draws_what_the_numpy_sampler_draws():
    from vae_transition.train.device_sampler import DeviceCropSampler

    imgs = synthetic_images(3, 64)
    a, b = DeviceCropSampler(imgs, 32, "cpu", seed=3).batch(6), CropSampler(imgs, 32, seed=3).batch(6)
    assert a.shape == b.shape == (6, 3, 32, 32)
    assert float((a - b).abs().mean()) < 0.02  # same crops, slightly different resampling filters


def test_the_time_budget_stops_training_and_ends_the_cosine():
    from vae_transition.train.loop import lr_at, train

    cfg = tiny_train_config(100000, max_minutes=0.05, sampler="device")
    _, history = train(cfg, synthetic_images(), log=lambda line: None)
    assert 25 <= history[-1]["step"] < 100000 and history[-1]["time_s"] < 3 + 60 * 0.05
    assert lr_at(history[-1]["step"], cfg, history[-1]["step"]) == pytest.approx(0.05 * cfg.lr)


def test_train_command_reads_the_data_file_without_ffmpeg(tmp_path, monkeypatch):
    import sys

    from vae_transition.cli import cli
    from vae_transition.model import VAE
    from vae_transition.weights import save_model

    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # importing it now fails
    data, start, out = tmp_path / "d.npz", tmp_path / "start.safetensors", tmp_path / "out.safetensors"
    datafile.save_images(synthetic_images(4, 64), data)
    save_model(VAE(tiny_train_config(1).model), start)
    args = ["train", "--data", str(data), "--init", str(start), "--out", str(out), "--steps", "3",
            "--batch-size", "2", "--crop", "32", "--device", "cpu", "--max-minutes", "1", "--threads", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    record = json.loads(out.with_suffix(".json").read_text())["training"]
    assert record["train_images"] == 4 and record["steps_done"] == 3 and record["data"] == str(data)
    assert record["init_eval"]["psnr"] > 0 and record["eval"]["psnr"] > 0
