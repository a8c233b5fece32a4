"""SIGINT, SIGTERM and SIGHUP on a real `python -m vae_transition join -j 2`: exit 130 / 143 /
129 within 2 s, one line, and nothing left: no output, no hidden temp file beside it, no work
folder in TMPDIR, no temp file in the cache, no ffmpeg child running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import alive, descendants, make_clip
from test_faults import tiny_model_fixture  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    d = tmp_path_factory.mktemp("signal-clips")
    return [make_clip(d / f"{k}.mp4", source=s) for k, s in
            enumerate(("testsrc2", "mandelbrot", "smptebars"))]


def _start(cmd: list[str], tmp_path: Path):
    work = tmp_path / "tmpdir"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(work), "VAE_TRANSITION_CACHE": str(tmp_path / "cache"),
           "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "vae_transition", *map(str, cmd)],
                            stderr=subprocess.PIPE, text=True, env=env)
    return proc, work


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:300]
    except OSError:
        return f"{pid} (gone)"


def _stop(proc, sig: int, tmp_path: Path, work: Path, out: Path, kids: set[int]) -> str:
    """Send sig; check the exit, the message, the time, and that nothing is left."""
    start = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and f"interrupted ({signal.Signals(sig).name})" in err, err
    assert elapsed < 2.0, f"took {elapsed:.1f} s to stop"
    assert not out.exists()
    for root, _, names in os.walk(tmp_path):
        assert not [n for n in names if ".tmp" in n], (root, names)
    assert [n for n in os.listdir(work) if not n.startswith("torchinductor")] == []
    time.sleep(0.2)
    left = [k for k in kids if alive(k)]
    assert not left, f"a child process outlived the join: {[_cmdline(k) for k in left]}"
    return err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_during_parallel_adaptation(chain, tiny_model, tmp_path, sig):
    """Two cuts adapting at once (-j 2) stop at their next layer, not after training."""
    out = tmp_path / "out.mp4"
    proc, work = _start(["join", *chain, "-o", out, "-j", "2", "-n", "4", "--model",
                         tiny_model, "--adapt-steps", "100000"], tmp_path)
    for line in proc.stderr:
        if line.startswith(("pass-through", "re-encode")):  # smptebars is tagged BT.601
            break
    time.sleep(1.0)  # both cuts are training now
    _stop(proc, sig, tmp_path, work, out, descendants(proc.pid))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_while_ffmpeg_encodes(tmp_path, sig):
    """A signal while ffmpeg writes the output: its child is killed and the temp file removed."""
    a = make_clip(tmp_path / "a.mp4", size=(320, 192), frames=240)
    b = make_clip(tmp_path / "b.mp4", size=(320, 192), frames=240, source="mandelbrot")
    out = tmp_path / "out.mp4"
    proc, work = _start(["join", a, b, "-o", out, "--size", "640x384", "--method", "crossfade",
                         "-n", "4", "-j", "2", "--no-cache"], tmp_path)  # upscaled: a slow encode
    deadline, kids = time.monotonic() + 30, set()
    while time.monotonic() < deadline and not any(p.name.startswith(".out.tmp")
                                                  for p in tmp_path.iterdir()):
        kids |= descendants(proc.pid)
        time.sleep(0.02)
    kids |= descendants(proc.pid)
    assert kids and proc.poll() is None, "the splice was not caught running"
    _stop(proc, sig, tmp_path, work, out, kids)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_while_the_clips_are_re_encoded_beside_the_cut(tiny_model, tmp_path, sig):
    """The clips' smart-render re-encode runs in a thread beside the cut (here: a cut adapting
    for ever): a signal stops both, the re-encoding ffmpeg killed within a poll."""
    a = make_clip(tmp_path / "a.mp4", size=(640, 384), frames=480, gop=480)  # one GOP each:
    b = make_clip(tmp_path / "b.mp4", size=(640, 384), frames=480, gop=480,  # 470 frames each
                  source="mandelbrot")                                       # to re-encode
    out = tmp_path / "out.mp4"
    proc, work = _start(["join", a, b, "-o", out, "--overlap", "-n", "10", "--model", tiny_model,
                         "--adapt-steps", "100000", "--no-cache"], tmp_path)
    deadline, kids = time.monotonic() + 60, set()
    while time.monotonic() < deadline and not any(
            name.startswith("frames-") for _, _, names in os.walk(work) for name in names):
        kids |= descendants(proc.pid)
        time.sleep(0.02)
    kids |= descendants(proc.pid)
    assert proc.poll() is None, "the join ended before its clips were re-encoded"
    assert len(kids) >= 1, "no ffmpeg re-encoding beside the cut"
    _stop(proc, sig, tmp_path, work, out, kids)
