"""The smaller findings of issue 22, one test each: short temporary names, a size minimum that
names the size, EDL-safe names, a note for damaged packets inside a clip, stale work folders of
killed runs swept (only those whose process is gone), and errors that name the file or step
that failed (a full TMPDIR, an input deleted mid-run, a model config of null).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_clip
from test_outputs import small_tmpfs  # noqa: F401  (a fixture)
from vae_transition import outputs, workdirs
from vae_transition.cli import cli

FAST = ("--method", "crossfade", "-n", "4", "--no-cache")


def invoke(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


def one_line_error(result, *words) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: ") and all(w in last for w in words), last
    return last


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    return (make_clip(d / "a.mp4", frames=12, gop=6),
            make_clip(d / "b.mp4", frames=12, gop=6, source="mandelbrot"))


def test_a_250_character_output_name_joins_and_its_temporary_name_is_short(clips, tmp_path):
    out = tmp_path / ("x" * 246 + ".mp4")
    tmp = outputs.tmp_name(str(out))
    assert len(os.path.basename(tmp)) < 64 and tmp.endswith(".mp4")
    assert os.path.basename(tmp).startswith(".xxxx") and os.path.dirname(tmp) == str(tmp_path)
    result = invoke("join", *FAST, "-o", out, *clips)
    assert result.exit_code == 0 and out.exists(), result.output
    # its preview's name would be 256 bytes: a one-line error before any work, naming it
    result = invoke("join", *FAST, "--preview", "--overwrite", "-o", out, *clips)
    one_line_error(result, "x.cut01.png: the name is 256 bytes", "255")


@pytest.mark.parametrize("size", [(16, 16), (2, 2)])
def test_too_small_for_the_vae_morph_says_the_size_and_the_minimum(tmp_path, size):
    a = make_clip(tmp_path / "a.mp4", size=size, frames=4, pix_fmt="yuv444p")
    b = make_clip(tmp_path / "b.mp4", size=size, frames=4, pix_fmt="yuv444p",
                  source="mandelbrot")
    out = tmp_path / "out.mp4"
    w, h = size
    one_line_error(invoke("join", "-n", "3", "-o", out, a, b), f"a.mp4 is {w}x{h}",
                   "at least 32 pixels on each side", "--size 32x32")
    assert not out.exists()
    assert invoke("join", *FAST, "-o", out, a, b).exit_code == 0  # the baselines work


def test_a_newline_in_the_output_name_stays_one_line_in_the_edl(clips, tmp_path):
    out = tmp_path / "two\nlines.mp4"
    result = invoke("join", *FAST, "-o", out, *clips, "--timeline", "edl")
    assert result.exit_code == 0, result.output
    edl = (tmp_path / "two\nlines.edl").read_text()
    event = re.compile(r"^\d{3}  \S{1,8}\s+V     C        (\d\d:\d\d:\d\d:\d\d ?){4}$")
    for line in edl.splitlines():
        assert (line == "" or line.startswith(("TITLE: ", "FCM: ", "* ")) or
                event.match(line)), f"a line no EDL reader expects: {line!r}"
    assert "TITLE: two / lines" in edl and "* FROM CLIP NAME: two / lines.t01.mov" in edl


def _damaged(src: Path, dest: Path) -> Path:
    """src with 40 bytes flipped inside its media data (not its header): packets the demuxer
    reads whole, that the decoder finds broken."""
    data = bytearray(src.read_bytes())
    start = int(len(data) * 0.45)
    data[start:start + 40] = bytes(b ^ 0x5A for b in data[start:start + 40])
    dest.write_bytes(bytes(data))
    return dest


@pytest.mark.parametrize("path", ["pass-through", "re-encode"])
def test_damaged_packets_inside_a_clip_are_noted(tmp_path, path):
    a = _damaged(make_clip(tmp_path / "src.mp4", frames=48, gop=12), tmp_path / "damaged.mp4")
    b = make_clip(tmp_path / "b.mp4", frames=12, source="mandelbrot")
    out = tmp_path / "out.mp4"
    extra = ("--reencode",) if path == "re-encode" else ()
    result = invoke("join", *FAST, *extra, "-o", out, a, b)
    assert result.exit_code == 0, result.output
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note:")]
    fate = "copies" if path == "pass-through" else "re-encodes"
    assert len(notes) == 1 and notes[0].startswith("note: damaged.mp4: "), result.output
    assert re.search(r": [1-9]\d* damaged frames? \(corrupt packets inside the clip\); the join "
                     + fate, notes[0]), notes[0]
    clean = invoke("join", *FAST, *extra, "-o", tmp_path / "clean.mp4", tmp_path / "src.mp4", b)
    assert clean.exit_code == 0 and "note:" not in clean.output


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_only_work_folders_whose_process_is_gone_are_swept(tmp_path):
    ns = workdirs.namespace()
    names = {
        "dead": f"vae-transition-{ns}-{_dead_pid()}-join-abc",
        "alive": f"vae-transition-{ns}-{os.getppid()}-join-abc",    # a live process
        "mine": f"vae-transition-{ns}-{os.getpid()}-join-abc",      # this process's own
        "elsewhere": f"vae-transition-{ns + 1}-{_dead_pid()}-join-abc",  # another namespace
        "unnamed": "vae-transition-k2j3h4",                         # whose, it cannot tell
        "blender": "vae-transition-blender",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
        (tmp_path / name / "frame.png").write_bytes(b"x")
    (tmp_path / f"vae-transition-{ns}-{_dead_pid()}-join-file").write_bytes(b"a file")
    assert workdirs.sweep(str(tmp_path)) == [str(tmp_path / names["dead"])]
    left = set(os.listdir(tmp_path))
    assert names["dead"] not in left and {n for k, n in names.items() if k != "dead"} <= left


def test_a_run_killed_outright_leaves_a_folder_that_the_next_run_sweeps(clips, tmp_path):
    """kill -9 during the transition leaves $TMPDIR/vae-transition-*; the next join removes
    it (its process is gone) and leaves nothing of its own."""
    work = tmp_path / "tmpdir"
    work.mkdir()
    env = {**os.environ, "TMPDIR": str(work), "VAE_TRANSITION_CACHE": str(tmp_path / "cache"),
           "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "vae_transition", "join", "-n", "1000", "--no-cache",
           "-o", str(tmp_path / "killed.mp4"), *map(str, clips)]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(work.glob("vae-transition-*")):
        time.sleep(0.05)
    time.sleep(0.5)  # making transition frames now
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = list(work.glob("vae-transition-*"))
    assert len(left) == 1 and left[0].is_dir(), "the killed run left no work folder"
    done = subprocess.run([sys.executable, "-m", "vae_transition", "join", *FAST, "-o",
                           str(tmp_path / "next.mp4"), *map(str, clips)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert [n for n in os.listdir(work) if not n.startswith("torchinductor")] == []


def test_a_full_tmpdir_names_tmpdir_and_the_step(clips, tmp_path, small_tmpfs, monkeypatch):
    import tempfile

    with open(small_tmpfs / "filler", "wb") as fh:  # leave 40 KiB: the work folder fits,
        fh.write(b"\0" * (256 - 40) * 1024)          # the copied clip does not
    monkeypatch.setattr(tempfile, "tempdir", str(small_tmpfs))
    a = make_clip(tmp_path / "a.mp4", frames=96, size=(160, 96), gop=24)
    out = tmp_path / "out.mp4"
    last = one_line_error(invoke("join", *FAST, "-o", out, a, clips[1]),
                          f"TMPDIR {small_tmpfs} is full", "free some space there")
    assert "ffmpeg (" in last or "writing " in last  # the step: an ffmpeg run or a file
    assert not out.exists()
    assert sorted(os.listdir(small_tmpfs)) == ["filler"]


def test_an_input_deleted_mid_run_is_named(clips, tmp_path, monkeypatch):
    from vae_transition.join import pipeline

    b = tmp_path / "b copy.mp4"
    b.write_bytes(clips[1].read_bytes())
    real = pipeline.run_cuts

    def delete_b_then_cut(*args, **kw):
        b.unlink()
        return real(*args, **kw)

    monkeypatch.setattr(pipeline, "run_cuts", delete_b_then_cut)
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", *FAST, "-o", out, clips[0], b),
                   f"{b}: was deleted while it was being joined", "nothing was written")
    assert not out.exists()


def test_a_model_config_of_null_says_what_is_wrong(clips, tmp_path):
    from vae_transition.weights import shipped_weights_path

    for text in ("null", '{"config": null}', "[1, 2]"):
        model = tmp_path / "m.safetensors"
        model.write_bytes(shipped_weights_path().read_bytes())
        (tmp_path / "m.json").write_text(text)
        one_line_error(invoke("join", "-n", "3", "--model", model, "-o", tmp_path / "o.mp4",
                              *clips), "m.json", 'its "config" must be a JSON object')


def test_a_run_folder_written_into_while_it_goes_is_removed_on_a_second_try(tmp_path,
                                                                              monkeypatch):
    """workdirs.remove() tries again when the folder outlived a removal (something still wrote
    into it), and never raises, even for a folder already gone."""
    folder = tmp_path / "vae-transition-run"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "frames-000.mp4").write_bytes(b"x")
    real, calls = shutil.rmtree, []

    def racing(path, ignore_errors=False):
        real(path, ignore_errors=ignore_errors)
        if not calls:  # a late writer puts a file back during the first removal
            os.makedirs(path, exist_ok=True)
            open(os.path.join(path, "late.mp4"), "wb").close()
        calls.append(path)

    monkeypatch.setattr(shutil, "rmtree", racing)
    workdirs.remove(str(folder))
    assert not folder.exists() and len(calls) == 2
    workdirs.remove(str(folder))  # gone already: nothing to do, nothing raised
