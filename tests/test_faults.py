"""Fault injection: names that try to be directives, damaged or planted cache entries, NaN and
absurd models, limits. Every case asserts the exit code, the one-line message, the output's
frame count, and that nothing is left behind (no temp file, no work folder, no ffmpeg)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from conftest import decoded_frame_count, ffmpeg_children, make_clip
from vae_transition import cache
from vae_transition.cli import cli
from vae_transition.model import VAE, VAEConfig
from vae_transition.weights import save_model

FAST = ["--method", "crossfade", "--frames", "4"]
TOTAL = 12 + 4 + 12  # frames of A, the transition, B


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("fault-clips")
    return (make_clip(d / "a.mp4"), make_clip(d / "b.mp4", source="mandelbrot"),
            make_clip(d / "other.mp4", frames=48, source="smptebars"))


@pytest.fixture(scope="module", name="tiny_model")
def tiny_model_fixture(tmp_path_factory):
    """A small random VAE on disk (.safetensors + .json), for --model."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny") / "tiny.safetensors"
    save_model(VAE(VAEConfig(base_channels=8, latent_channels=4)).eval(), path)
    return path


@pytest.fixture(name="sandbox")
def sandbox_fixture(tmp_path, monkeypatch):
    """A private cache and TMPDIR; returns a check that nothing was left behind."""
    work = tmp_path / "tmpdir"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    monkeypatch.setenv("VAE_TRANSITION_CACHE", str(tmp_path / "cache"))

    def nothing_left(*folders: Path):
        # (torch keeps a cache of its own there, torchinductor_*: not ours)
        ours = [n for n in os.listdir(work) if not n.startswith("torchinductor")]
        assert ours == [], "a work folder was left in TMPDIR"
        for folder in (tmp_path, *folders):
            for root, _, names in os.walk(folder):
                assert not [n for n in names if ".tmp-" in n], f"temp files in {root}"
        assert not ffmpeg_children()
    return nothing_left


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result, *words) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and result.output.strip().endswith(errors[0]), result.output
    for w in words:
        assert w in errors[0], errors[0]
    return errors[0]


def joined(result, out: Path, frames: int = TOTAL) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"wrote {frames} frames" in result.output
    assert decoded_frame_count(out) == frames


# --- 1. names are never concat directives ---------------------------------------------------

def test_a_name_with_newlines_is_a_name(clips, tmp_path, sandbox):
    """x<newline>file /other.mp4<newline># used to splice `other` in: 156 frames, not 108."""
    evil = tmp_path / f"x\nfile {clips[2]}\n#.mp4"  # its slashes make folders: a real path
    evil.parent.mkdir(parents=True)
    shutil.copyfile(clips[1], evil)
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, clips[0], evil)
    joined(result, out)
    assert "pass-through" in result.output
    sandbox()


# --- 2. the segment cache -------------------------------------------------------------------

def _truncate(p: Path, other: Path):
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _flip(p: Path, other: Path):
    data = bytearray(p.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    p.write_bytes(bytes(data))


def _symlink(p: Path, other: Path):
    p.unlink()
    p.symlink_to(other)


def _no_manifest(p: Path, other: Path):
    Path(str(p)[: -len(p.suffix)] + ".manifest.json").unlink()


def _planted_with_forged_digest(p: Path, other: Path):
    """A clip of another length, with a manifest that matches it: the probe catches it."""
    shutil.copyfile(other, p)
    manifest = Path(str(p)[: -len(p.suffix)] + ".manifest.json")
    meta = json.loads(manifest.read_text())
    meta["files"][p.name] = cache.copy_digest(str(p))
    manifest.write_text(json.dumps(meta))


DAMAGE = {
    "truncated": _truncate,
    "empty": lambda p, other: p.write_bytes(b""),
    "garbage": lambda p, other: p.write_bytes(os.urandom(p.stat().st_size)),
    "flipped": _flip,
    "symlinked": _symlink,
    "planted": lambda p, other: shutil.copyfile(other, p),
    "planted, forged digest": _planted_with_forged_digest,
    "no manifest": _no_manifest,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_segment_is_noted_removed_and_remade(clips, tmp_path, sandbox, damage):
    out = tmp_path / "out.mp4"
    joined(invoke("join", *FAST, "-o", out, clips[0], clips[1]), out)
    entries = list((tmp_path / "cache" / "segments").glob("*.mp4"))
    assert len(entries) == 1
    DAMAGE[damage](entries[0], clips[2])
    result = invoke("join", *FAST, "-o", out, "--overwrite", "--json", clips[0], clips[1])
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.output.splitlines() if "is damaged" in ln]
    if damage == "no manifest":  # not an entry at all: encoded again from the cached frames
        assert notes == [] and '"cached": true' in result.output, result.output
    else:
        assert len(notes) == 1 and notes[0].startswith("note: cached transition"), result.output
    assert decoded_frame_count(out) == TOTAL
    # repaired: the next run takes the entry from the cache, silently
    again = invoke("join", *FAST, "-o", out, "--overwrite", "--json", clips[0], clips[1])
    assert again.exit_code == 0 and "is damaged" not in again.output
    assert '"cached": true' in again.output
    sandbox(tmp_path / "cache")


@pytest.mark.parametrize("damage", ["flipped", "planted"])
def test_damaged_transition_frames_are_noted_removed_and_remade(clips, tmp_path, sandbox, damage):
    """The cut's lossless frames (what export, timelines and scores read) are checked too."""
    out = tmp_path / "out.mp4"
    joined(invoke("join", *FAST, "-o", out, clips[0], clips[1]), out)
    (entry,) = (tmp_path / "cache" / "segments").glob("*.mkv")
    DAMAGE[damage](entry, clips[2])
    result = invoke("join", *FAST, "-o", out, "--overwrite", "--json", clips[0], clips[1])
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.output.splitlines() if "is damaged" in ln]
    assert len(notes) == 1 and '"cached": false' in result.output, result.output
    again = invoke("join", *FAST, "-o", out, "--overwrite", "--json", clips[0], clips[1])
    assert again.exit_code == 0 and "is damaged" not in again.output
    assert '"cached": true' in again.output
    sandbox(tmp_path / "cache")


def test_the_spliced_file_is_checked_against_the_plan(clips, tmp_path, sandbox, monkeypatch):
    """A splice that loses a piece is an error, never 'wrote N frames'."""
    from ffmpeg_scripts import splice

    real = splice.concat_list
    monkeypatch.setattr(splice, "concat_list", lambda names, pieces: real(names[:-1], pieces[:-1]))
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", *FAST, "--no-cache", "-o", out, clips[0], clips[1]),
                   f"has {12 + 4} frames where the plan has {TOTAL}")
    assert not out.exists()
    sandbox()


def test_a_clip_piece_that_fails_beside_the_cut_is_the_join_s_error(clips, tmp_path, sandbox,
                                                                    monkeypatch):
    """The clips' pieces are made in a thread beside the cut: their failure still reaches the
    user as the one line, after the cut, and nothing is written or left behind."""
    from ffmpeg_scripts.errors import WrittenFileError
    from vae_transition.join import assemble

    def broken(ff, part, info, fmt, path, stop=None):
        raise WrittenFileError(f"{info.path}: copying frames {part.start}..{part.end - 1} "
                               "gave 3 frames")

    monkeypatch.setattr(assemble, "copy_frames", broken)
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", *FAST, "--no-cache", "-o", out, clips[0], clips[1]),
                   "gave 3 frames")
    assert not out.exists()
    sandbox()


# --- 3. the adapted-model cache and --model -------------------------------------------------

def _nan_resealed(p: Path, other: Path):
    """Weights that still load, with NaN, and a manifest that matches them."""
    from safetensors.torch import load_file, save_file

    state = load_file(str(p))
    next(iter(state.values())).fill_(float("nan"))
    save_file(state, str(p))
    manifest = Path(str(p)[: -len(".safetensors")] + ".manifest.json")
    meta = json.loads(manifest.read_text())
    meta["files"][p.name] = cache.copy_digest(str(p))
    manifest.write_text(json.dumps(meta))


@pytest.mark.parametrize("damage", ["flipped", "truncated", "symlinked", "nan, resealed"])
def test_damaged_adapted_model_is_noted_removed_and_retrained(clips, tiny_model, tmp_path,
                                                              sandbox, damage):
    args = ["join", "--frames", "4", "--adapt-steps", "2", "--model", tiny_model, "--no-cache"]
    out = tmp_path / "out.mp4"
    first = invoke(*args[:-1], "-o", out, clips[0], clips[1])  # with the cache
    joined(first, out)
    entry = next((tmp_path / "cache" / "adapted").glob("*.safetensors"))
    (_nan_resealed if damage.startswith("nan") else DAMAGE[damage])(entry, tiny_model)
    for seg in (tmp_path / "cache" / "segments").iterdir():
        seg.unlink()  # so the cut is made again and needs its adapted model
    result = invoke(*args[:-1], "-o", out, "--overwrite", clips[0], clips[1])
    joined(result, out)
    notes = [ln for ln in result.output.splitlines() if "is damaged" in ln]
    assert len(notes) == 1 and notes[0].startswith("note: cached adapted model"), result.output
    sandbox(tmp_path / "cache")


def _config_with(tiny_model: Path, tmp_path: Path, **changes) -> Path:
    path = tmp_path / "bad.safetensors"
    shutil.copyfile(tiny_model, path)
    meta = json.loads(tiny_model.with_suffix(".json").read_text())
    meta["config"].update(changes)
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path


@pytest.mark.parametrize("changes,words", [
    ({"base_channels": 200000}, ["base_channels", "1..1024"]),
    ({"channel_mult": [-1, 2]}, ["channel_mult", "1..64"]),
    ({"channel_mult": [1] * 7}, ["channel_mult", "levels"]),
    ({"blocks_per_level": 1e9}, ["blocks_per_level", "0..16"]),
    ({"latent_channels": 0}, ["latent_channels"]),
    ({"base_channels": 16}, ["do not match"]),
])
def test_absurd_model_configs_are_one_line_errors(clips, tiny_model, tmp_path, sandbox, changes,
                                                  words):
    bad = _config_with(tiny_model, tmp_path, **changes)
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", "-n", "4", "--model", bad, "-o", out, clips[0], clips[1]),
                   "bad.json", *words)
    assert not out.exists()
    sandbox()


def test_model_with_nan_weights_is_a_one_line_error(clips, tiny_model, tmp_path, sandbox):
    from safetensors.torch import load_file, save_file

    bad = _config_with(tiny_model, tmp_path)
    state = load_file(str(bad))
    state[sorted(state)[3]][0] = float("inf")
    save_file(state, str(bad))
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", "-n", "4", "--model", bad, "-o", out, clips[0], clips[1]),
                   "NaN or infinite")
    assert not out.exists()
    sandbox()


# --- 7. limits before work starts -----------------------------------------------------------

@pytest.mark.parametrize("extra,words", [
    (["--size", "100000x100000"], ["--size", "8192"]),
    (["--seed", str(2**32)], ["--seed"]),
    (["--seed", "-1"], ["--seed"]),
    (["--frames", "1001"], ["--frames"]),
])
def test_options_out_of_bounds(clips, tmp_path, sandbox, extra, words):
    out = tmp_path / "out.mp4"
    result = invoke("join", "--method", "crossfade", *extra, "-o", out, clips[0], clips[1])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert all(w in result.output for w in words), result.output
    assert not out.exists()
    sandbox()


def test_list_file_limits(clips, tmp_path, sandbox):
    out = tmp_path / "out.mp4"
    reel = tmp_path / "reel.txt"
    reel.write_text(f"{clips[0]}\nframes 100000\n{clips[1]}\n")
    one_line_error(invoke("join", "--from", reel, "-o", out), "reel.txt:2", "1..1000")
    reel.write_text("\n".join([str(clips[0])] * 10000) + "\n")
    one_line_error(invoke("join", "--from", reel, "-o", out), "10000 clips", "at most 100")
    assert not out.exists()
    sandbox()
