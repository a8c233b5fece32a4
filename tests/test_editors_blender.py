"""The Blender add-on, run for real: Blender installs the zip that `vae-transition blender-addon`
writes, builds two trimmed movie strips with their sound, runs the operator (which runs the
installed `vae-transition` command) and renders the sequence; the render must be what
`vae-transition join` writes with the same options (tests/blender_scene.py drives Blender)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import pytest

from editors_media import assert_same_frames, cli_path, frames_of, need, run_cli, vivid_clip
from vae_transition import __version__

SCENE = Path(__file__).with_name("blender_scene.py")
A_TRIMS = {"head": 2, "tail": 3}                  # A shows its frames 2..26 (25 frames)
B_TRIMS = {"hard_head": 1, "head": 4, "tail": 1}  # B shows its frames 5..28 (24 frames)
N = 6


@pytest.fixture(scope="module")
def addon(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("addon") / "vae_transition_blender.zip"
    run_cli("blender-addon", "-o", str(out))
    return str(out)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("clips")
    return (str(vivid_clip(folder / "a.mp4", 30, tone=440)),
            str(vivid_clip(folder / "b.mp4", 30, tone=660, source="mandelbrot")))


# A Python with pip's bpy (Blender as a module, e.g. bpy==4.5.15) runs the same scenes in place
# of Debian's Blender 3.4: BPY_PYTHON=/path/to/python pytest tests/test_editors_blender.py
BPY_PYTHON = os.environ.get("BPY_PYTHON", "")


def blender_command(spec_file: Path, window: bool) -> list[str]:
    if BPY_PYTHON:
        if window:
            pytest.skip("Blender as a Python module has no window (BPY_PYTHON is set)")
        return [BPY_PYTHON, str(SCENE), "--", str(spec_file)]
    cmd = [need("blender"), "--factory-startup", "--python", str(SCENE), "--", str(spec_file)]
    if window:
        return [need("xvfb-run", "xvfb xauth"), "-a", "-s", "-screen 0 1280x800x24", *cmd]
    return [cmd[0], "-b", *cmd[1:]]


def run_blender(tmp_path: Path, spec: dict, window: bool = False) -> dict:
    """Run tests/blender_scene.py in Blender with SPEC; its result. Blender's user scripts and
    temporary files stay in tmp_path; PATH starts with this Python's bin (vae-transition)."""
    spec = {"result": str(tmp_path / "result.json"), **spec}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = dict(os.environ, BLENDER_USER_SCRIPTS=str(tmp_path / "scripts"),
               BLENDER_USER_RESOURCES=str(tmp_path / "scripts"),
               TMPDIR=str(tmp_path), TEMP=str(tmp_path),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    cmd = blender_command(tmp_path / "spec.json", window)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240,
                          stdin=subprocess.DEVNULL)
    assert (tmp_path / "result.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "result.json").read_text())
    assert "crash" not in result, result["crash"]
    return result


def scene_spec(addon: str, clips, op: dict, **more) -> dict:
    return {"addon_zip": addon, "select": ["A", "B"], "op": op,
            "clips": [{"path": clips[0], "sound": True, **A_TRIMS},
                      {"path": clips[1], "sound": True, **B_TRIMS}], **more}


def rendered(folder: Path) -> list:
    return [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB)
            for p in sorted(folder.glob("frame_*.png"))]


def join_like_the_strips(tmp_path: Path, clips, *opts: str) -> Path:
    """`vae-transition join` of A's frames 2..26 and B's 5..28, as the strips show them."""
    reel = tmp_path / "reel.txt"
    reel.write_text(f"{clips[0]}\nin 2f\nout 26f\n{clips[1]}\nin 5f\nout 28f\n")
    out = tmp_path / "joined.mp4"
    run_cli("join", "--from", str(reel), "-o", str(out), "--frames", str(N), "-q", *opts)
    return out


@pytest.mark.parametrize("overlap", [False, True], ids=["insert", "overlap"])
def test_operator_edits_and_renders_as_join_does(tmp_path, addon, clips, overlap):
    saved = tmp_path / "edit" / "cut.blend"
    saved.parent.mkdir()
    spec = scene_spec(addon, clips, {"frames": N, "overlap": overlap}, extras=True,
                      exe="" if overlap else cli_path(), render=str(tmp_path / "render"),
                      save_as=str(saved) if overlap else "")
    result = run_blender(tmp_path, spec)
    assert result["error"] is None
    before, after = result["before"], result["after"]
    morph = after.pop("VAE morph")
    assert after["A"] == before["A"] == ["MOVIE", 2, 1, 26, 2, clips[0]]
    if overlap:  # over A's last N frames one channel up; B and its sound lose their first N
        assert morph[:5] == ["MOVIE", 3, 20, 26, 0]
        assert Path(morph[5]).parent == saved.parent  # beside the saved .blend
        for name in ("B", "B.sound"):
            assert after[name][2:5] == [26, 50 - N, 5 + N]
        moved = {"Title": -N, "Music": -N}
    else:  # between A and B, which moves N later with everything after the cut
        assert morph[:5] == ["MOVIE", 2, 26, 32, 0]
        assert Path(morph[5]).parent == tmp_path / "vae-transition-blender"  # unsaved file
        moved = {"B": N, "B.sound": N, "Title": N, "Music": N}
    for name, delta in moved.items():
        assert after[name][2:4] == [before[name][2] + delta, before[name][3] + delta]
    assert result["frame_end"] == 49 + (-N if overlap else N)
    joined = join_like_the_strips(tmp_path, clips, *(["--overlap"] if overlap else []))
    want = frames_of(joined)
    assert len(want) == (25 + 24 - N if overlap else 25 + N + 24) == result["rendered"]
    assert_same_frames(rendered(tmp_path / "render"), want)


@pytest.mark.parametrize("case, change, message", [
    ("one strip", {"select": ["A"]}, "select two movie strips that meet at a cut (1 selected)"),
    ("too long", {"op": {"frames": 24, "overlap": True}},
     "B shows 24 frames: an overlap of 24 needs more"),
    ("no command", {"exe": "/nonexistent/vae-transition"}, "not an executable file"),
    ("bad clip", {}, "b.mp4"),
])
def test_errors_are_one_line_reports_that_change_nothing(tmp_path, addon, clips, case, change,
                                                         message):
    if case == "bad clip":  # the clip goes bad after Blender read it: the command says so
        bad = tmp_path / "b.mp4"
        shutil.copy(clips[1], bad)
        clips = (clips[0], str(bad))
        change = {"truncate": str(bad)}
    spec = {**scene_spec(addon, clips, {"frames": N, "method": "crossfade"}), **change}
    result = run_blender(tmp_path, spec)
    error = result["error"]
    assert error is not None and message in error, error
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert result["after"] == result["before"]
    assert not list((tmp_path / "vae-transition-blender").glob("*.mov"))


def test_one_undo_step_reverts_the_operator(tmp_path, addon, clips):
    need("xvfb-run", "xvfb xauth")
    spec = scene_spec(addon, clips, {"frames": N, "method": "crossfade"}, extras=True,
                      undo=True)
    result = run_blender(tmp_path, spec, window=True)
    assert result["error"] is None and "VAE morph" in result["after"]
    assert result["undone"] == result["before"]


def test_addon_zip_is_the_package_installed_as_vae_transition_blender(tmp_path, addon):
    with zipfile.ZipFile(addon) as z:
        names = z.namelist()
        init = z.read("vae_transition_blender/__init__.py").decode()
    assert set(names) == {f"vae_transition_blender/{m}.py"
                          for m in ("__init__", "cut", "runner", "ui")}
    namespace: dict = {}
    exec(compile(init, "__init__.py", "exec"), namespace)  # no bpy needed to list it
    info = namespace["bl_info"]
    assert info["version"] == tuple(int(x) for x in __version__.split("."))
    assert info["blender"] == (3, 4, 0) and info["category"] == "Sequencer"
    again = tmp_path / "again.zip"
    run_cli("blender-addon", "-o", str(again))
    assert again.read_bytes() == Path(addon).read_bytes()  # reproducible


def test_blender_addon_command_refuses_bad_outputs(tmp_path):
    from click.testing import CliRunner

    from vae_transition.cli import cli

    (tmp_path / "taken.zip").write_bytes(b"mine")
    for args, message in ((["-o", str(tmp_path / "addon.tar")], "use -o NAME.zip"),
                          (["-o", str(tmp_path / "taken.zip")], "already exists"),
                          (["-o", str(tmp_path / "no" / "a.zip")], "does not exist")):
        result = CliRunner().invoke(cli, ["blender-addon", *args])
        assert result.exit_code == 1 and message in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert (tmp_path / "taken.zip").read_bytes() == b"mine"
