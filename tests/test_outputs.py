"""Outputs appear whole or not at all: racing joins, failed side outputs, caches that cannot be
written (read-only, full, a folder in the way), export into new folders, train's weights."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_faults import (FAST, TOTAL, invoke, joined, one_line_error, sandbox_fixture,  # noqa: F401
                         tiny_model_fixture)

from conftest import decoded_frame_count, make_clip
from vae_transition import outputs
from vae_transition.join.pipeline import JoinRequest, join
from vae_transition.morph.transition import TransitionSpec


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("output-clips")
    return make_clip(d / "a.mp4"), make_clip(d / "b.mp4", source="mandelbrot")


# --- 8. no clobbering at the final rename ---------------------------------------------------

def test_publish_never_clobbers(tmp_path):
    dest = tmp_path / "out.mp4"
    dest.write_bytes(b"first")
    src = tmp_path / ".out.tmp.mp4"
    src.write_bytes(b"second")
    with pytest.raises(outputs.OutputExists, match="already exists"):
        outputs.publish(str(src), str(dest))
    assert dest.read_bytes() == b"first" and src.exists()
    outputs.publish(str(src), str(dest), overwrite=True)
    assert dest.read_bytes() == b"second" and not src.exists()


def test_three_racing_joins_one_wins(clips, tmp_path, ff, sandbox):
    out = tmp_path / "out.mp4"
    spec = TransitionSpec(frames=4, method="crossfade")
    req = JoinRequest(tuple(map(str, clips)), str(out), spec, cache=False)
    barrier, outcomes = threading.Barrier(3), []

    def one():
        barrier.wait()
        try:
            outcomes.append(join(req, ff).total_frames)
        except Exception as exc:  # noqa: BLE001  (the losers' errors are the point)
            outcomes.append(str(exc))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(TOTAL) == 1, outcomes
    assert all("already exists" in o for o in outcomes if o != TOTAL), outcomes
    assert decoded_frame_count(out) == TOTAL
    sandbox()


# --- 9. side outputs: all or nothing ----------------------------------------------------------

@pytest.mark.parametrize("option,blocker", [
    (["--timeline", "otio"], "out.otio"),
    (["--preview"], "out.cut01.gif"),
])
def test_failed_side_output_leaves_nothing(clips, tmp_path, sandbox, option, blocker):
    """A side file that cannot be written fails the join, and the output goes with it."""
    (tmp_path / blocker).mkdir()  # a folder where the file must go (--overwrite lets it pass)
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", *FAST, *option, "--overwrite", "-o", out, *clips), blocker)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out"))
    assert left == [blocker], left
    (tmp_path / blocker).rmdir()
    joined(invoke("join", *FAST, *option, "-o", out, *clips), out)  # a re-run just works
    sandbox()


def test_existing_preview_is_refused_before_work(clips, tmp_path, sandbox):
    (tmp_path / "out.cut01.png").write_bytes(b"mine")
    out = tmp_path / "out.mp4"
    one_line_error(invoke("join", *FAST, "--preview", "-o", out, *clips), "out.cut01.png",
                   "already exists")
    assert not out.exists() and (tmp_path / "out.cut01.png").read_bytes() == b"mine"
    sandbox()


# --- 5. caches that cannot be written -------------------------------------------------------

@pytest.fixture
def small_tmpfs(tmp_path):
    """A 256 KiB tmpfs (root only); skipped where it cannot be mounted."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or 'not root'}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


@pytest.mark.parametrize("state", ["read-only", "full"])
def test_unwritable_cache_is_a_note(clips, tiny_model, tmp_path, sandbox, small_tmpfs,
                                    monkeypatch, state):
    if state == "full":
        _fill(small_tmpfs)
    else:
        if subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)]).returncode:
            pytest.skip("cannot remount the tmpfs read-only")
    monkeypatch.setenv("VAE_TRANSITION_CACHE", str(small_tmpfs / "cache"))
    out = tmp_path / "out.mp4"
    result = invoke("join", "-n", "4", "--adapt-steps", "2", "--model", tiny_model, "-o", out,
                    *clips)
    joined(result, out)
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note: could not cache")]
    assert len(notes) == 2, result.output  # the adapted model and the transition
    assert not [n for n in os.listdir(small_tmpfs) if ".tmp" in n]
    if os.path.isdir(small_tmpfs / "cache"):
        for _, _, names in os.walk(small_tmpfs / "cache"):
            assert not [n for n in names if ".tmp" in n], names
    sandbox()


def test_folder_at_a_key_is_a_note(clips, tiny_model, tmp_path, sandbox):
    args = ["join", "-n", "4", "--adapt-steps", "2", "--model", tiny_model, *clips]
    out = tmp_path / "out.mp4"
    joined(invoke(*args, "-o", out), out)
    cache = tmp_path / "cache"
    for entry in [*cache.glob("*/*.safetensors"), *cache.glob("*/*.mp4"), *cache.glob("*/*.mkv")]:
        for sibling in entry.parent.glob(entry.name.split(".")[0] + ".*"):
            sibling.unlink()
        entry.mkdir()  # a folder where the entry's file goes
    result = invoke(*args, "-o", out, "--overwrite")
    joined(result, out)
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note:")]
    assert len(notes) == 2 and all("could not cache" in n for n in notes), result.output
    sandbox(cache)


# --- 10. export into a folder that does not exist yet --------------------------------------

def test_exr_export_makes_its_folders(clips, tmp_path, sandbox):
    out = tmp_path / "shots" / "morph"
    result = invoke("export", *clips, "-o", out, "--format", "exr", *FAST)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(out)) == [f"morph.{i:06d}.exr" for i in range(4)]
    sandbox()


# --- 11. train ---------------------------------------------------------------------------------

def test_train_refuses_to_replace_weights(tmp_path):
    weights = tmp_path / "vae.safetensors"
    weights.write_bytes(b"shipped")
    one_line_error(invoke("train", "--out", weights, "--steps", "1"), "already exists",
                   "--overwrite")
    assert weights.read_bytes() == b"shipped"


def test_train_without_the_extra_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails
    line = one_line_error(invoke("train", "--out", tmp_path / "v.safetensors"), "sklearn")
    assert 'pip install "vae-transition[train]"' in line
    assert not list(tmp_path.iterdir())


def test_saved_weights_have_the_usual_mode(tiny_model, tmp_path):
    from vae_transition.weights import load_model, save_model

    old = os.umask(0o022)
    try:
        save_model(load_model(tiny_model), tmp_path / "w.safetensors")
    finally:
        os.umask(old)
    for name in ("w.safetensors", "w.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644
    assert sorted(os.listdir(tmp_path)) == ["w.json", "w.safetensors"]
