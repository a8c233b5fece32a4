"""The command line as a user runs it: good runs, and every bad input giving one clear line."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_clip
from vae_transition.cli import cli

FAST = ["--method", "crossfade", "--frames", "4"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_line_error(result, *words):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and result.output.strip().endswith(errors[0]), result.output
    for w in words:
        assert w in errors[0], errors[0]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    return (make_clip(d / "a.mp4", frames=8), make_clip(d / "b.mp4", frames=8, source="mandelbrot"))


def test_help_and_version():
    assert "join" in invoke("--help").output
    assert invoke("--version").output.startswith("vae-transition")


def test_info_names_the_ffmpeg_in_use(ff):
    result = invoke("info")
    assert result.exit_code == 0, result.output
    assert ff.path in result.output and "model:" in result.output


def test_join_with_odd_names(clips, tmp_path):
    odd = tmp_path / "-it's a clip ünï.mp4"
    odd.write_bytes(clips[1].read_bytes())
    out = tmp_path / "out put's ☃.mp4"
    result = invoke("join", *FAST, "-o", out, "--", clips[0], odd)
    assert result.exit_code == 0, result.output
    assert out.exists() and str(out) in result.output
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]


def test_shipped_model_join(clips, tmp_path):
    out = tmp_path / "vae.mp4"
    result = invoke("join", clips[0], clips[1], "-o", out, "--frames", "3")
    assert result.exit_code == 0, result.output
    assert "pass-through" in result.output


def test_motion_blur_is_recorded_and_bounded(clips, tmp_path):
    import json

    out = tmp_path / "blur.mp4"
    result = invoke("join", clips[0], clips[1], "-o", out, "--frames", "3", "--motion-blur", "0.5",
                    "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["motion_blur"] == 0.5
    refused = invoke("join", clips[0], clips[1], "-o", tmp_path / "x.mp4", "--motion-blur", "1.5")
    assert refused.exit_code == 2 and "--motion-blur" in refused.output
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize("make_bad,words", [
    (lambda d: d / "missing.mp4", ["missing.mp4", "no such file"]),
    (lambda d: d, ["is a directory"]),
    (lambda d: _write(d / "empty.mp4", b""), ["empty.mp4"]),
    (lambda d: _write(d / "notes.mp4", b"just some text\n" * 50), ["notes.mp4"]),
])
def test_bad_inputs(clips, tmp_path, make_bad, words):
    bad = make_bad(tmp_path)
    result = invoke("join", *FAST, "-o", tmp_path / "out.mp4", clips[0], bad)
    assert_one_line_error(result, *words)
    assert not (tmp_path / "out.mp4").exists()


def test_truncated_audio_only_and_single_frame(clips, tmp_path):
    truncated = _write(tmp_path / "cut.mp4", clips[0].read_bytes()[:600])
    audio = make_clip(tmp_path / "tone.m4a", frames=0, audio=True)
    single = make_clip(tmp_path / "one.mp4", frames=1)
    for bad, word in [(truncated, "cut.mp4"), (audio, "no video"), (single, "1 frame")]:
        result = invoke("join", *FAST, "-o", tmp_path / "out.mp4", clips[0], bad)
        assert_one_line_error(result, word)
    assert not (tmp_path / "out.mp4").exists()


def test_output_rules(clips, tmp_path):
    before = clips[0].read_bytes()
    assert_one_line_error(invoke("join", *FAST, "-o", clips[0], *clips), "overwrite an input")
    existing = _write(tmp_path / "exists.mp4", b"old")
    assert_one_line_error(invoke("join", *FAST, "-o", existing, *clips), "--overwrite")
    assert existing.read_bytes() == b"old"
    assert_one_line_error(invoke("join", *FAST, "-o", tmp_path / "nope" / "o.mp4", *clips),
                          "does not exist")
    assert_one_line_error(invoke("join", *FAST, "-o", tmp_path / "o.gif", *clips), ".gif")
    assert_one_line_error(invoke("join", *FAST, "-o", "/proc/o.mp4", *clips), "not writable")
    assert clips[0].read_bytes() == before
    result = invoke("join", *FAST, "-o", existing, "--overwrite", *clips)
    assert result.exit_code == 0 and existing.stat().st_size > 1000


def test_bad_ffmpeg_option(clips, tmp_path):
    result = invoke("join", *FAST, "--ffmpeg", tmp_path / "nope", "-o", tmp_path / "o.mp4", *clips)
    assert_one_line_error(result, "nope")


def test_ctrl_c_leaves_nothing(tmp_path):
    """SIGINT in the middle of a join: exit 130, no output, no temp file, no ffmpeg left."""
    a = make_clip(tmp_path / "a.mp4", size=(640, 384), frames=96)
    b = make_clip(tmp_path / "b.mp4", size=(640, 384), frames=96, source="mandelbrot")
    out = tmp_path / "out.mp4"
    cmd = [sys.executable, "-m", "vae_transition", "join", str(a), str(b), "-o", str(out),
           "--reencode", "--method", "flow", "--frames", "48"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    children = _children(proc.pid)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if ".tmp-" in p]
    time.sleep(0.2)
    assert not [c for c in children if Path(f"/proc/{c}").exists()]


def _children(pid):
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def _write(path, data):
    path.write_bytes(data)
    return path


def test_cli_defaults_repeat_the_library_ones():
    """cli_common repeats a few constants so --help needs no numpy: they must not drift."""
    from vae_transition.cli import common as cli_common
    from vae_transition.morph import interpolate, transition

    assert cli_common.METHODS == transition.METHODS
    assert cli_common.PATHS == interpolate.PATHS
    assert cli_common.ADAPT_STEPS == transition.TransitionSpec().adapt_steps
    assert transition.TransitionSpec().motion_blur == 0.0  # --motion-blur's default


def test_main_kills_an_ffmpeg_an_interrupted_step_left_suspended(ff, tmp_path, monkeypatch):
    """A frame reader held suspended by a traceback (nothing closed it) is killed by main() on
    its way out, so a signal can never leave ffmpeg decoding on after the exit."""
    from conftest import ffmpeg_children
    from ffmpeg_scripts.frames import iter_frames
    from ffmpeg_scripts.probe import probe
    from vae_transition.cli import app

    clip = make_clip(tmp_path / "a.mp4", frames=48)
    held = []

    def interrupted_step():
        reader = iter_frames(ff, probe(ff, clip))
        held.append((reader, next(reader)))  # mid-stream, ffmpeg waiting to write frame 2
        raise KeyboardInterrupt

    monkeypatch.setattr(app, "cli", interrupted_step)
    monkeypatch.setattr(app, "catch_signals", lambda: None)  # keep pytest's own handlers
    monkeypatch.setattr(app.gc, "freeze", lambda: None)  # and its garbage collectable
    with pytest.raises(SystemExit) as stopped:
        app.main()
    assert stopped.value.code == 130
    assert held and ffmpeg_children() == []
    held[0][0].close()
