"""The README's commands, run as written and in order: "First steps" in an empty folder, then
every example of "Commands" (but `train`'s, which train for minutes) in a folder holding the
small clips they name. A name used twice, a missing input or a wrong claim fails here first."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_clip
from vae_transition.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def section(title: str, until: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n{title}\n")
    return text[start:text.index(f"\n{until}", start)]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def commands(text: str) -> list[list[str]]:
    """Every command line of the section's bash blocks, as argv, in order (comments dropped)."""
    return [shlex.split(line, comments=True) for block in blocks(text, "bash")
            for line in block.splitlines() if line.strip() and not line.startswith("#")]


def run_all(argvs: list[list[str]], monkeypatch) -> list[str]:
    """Run them as a shell would, in the current folder; returns the names they wrote."""
    said = []
    for argv in argvs:
        if argv[0] == "cd":
            monkeypatch.chdir(argv[1])
            continue
        assert argv[0] == "vae-transition", argv
        result = CliRunner().invoke(cli, argv[1:])
        assert result.exit_code == 0, f"{shlex.join(argv)}:\n{result.output}"
        assert "already exists" not in result.output
        said.append(result.output)
    return said


def test_first_steps_run_as_written_in_an_empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argvs = commands(section("## First steps", "## Commands"))
    assert [a[1] for a in argvs if a[0] == "vae-transition"][:3] == ["demo", "score", "export"]
    said = run_all(argvs, monkeypatch)
    folder = tmp_path / "first-steps"
    assert {"clip_a.mp4", "clip_b.mp4", "joined.mp4", "morph.mov", "back.mp4"} <= {
        p.name for p in folder.iterdir()}
    assert "transition 1: frames 72-95" in said[1]  # score found the demo's transition
    assert "read from the cache" in said[2]          # export made nothing new


def clips_named(folder: Path) -> None:
    """The inputs the Commands examples name: 3 s at 256x128 (DNxHR's smallest is 256x120)."""
    sources = {"a.mp4": "testsrc2", "b.mp4": "mandelbrot", "c.mp4": "smptebars",
               "intro.mp4": "testsrc2", "scene two.mp4": "mandelbrot",
               "-odd-name.mp4": "testsrc2", "it's ünïcode.mp4": "mandelbrot"}
    for name, source in sources.items():
        make_clip(folder / name, size=(256, 128), frames=72, source=source, gop=24,
                  audio=name == "a.mp4")
    for name in ("b.mov", "outro.mov"):  # another codec: the re-encode path
        make_clip(folder / name, size=(256, 128), frames=72, source="mandelbrot",
                  codec="prores_ks", pix_fmt="yuv422p10le")


def test_commands_examples_run_as_written_in_order(tmp_path, monkeypatch):
    text = section("## Commands", "### `train`")
    for name in ("reel.txt", "jobs.jsonl"):  # the list file and the batch's jobs file
        (block,) = [b for b in blocks(text, "text") if b.startswith(f"# {name}")]
        (tmp_path / name).write_text(block, encoding="utf-8")
    clips_named(tmp_path)
    monkeypatch.chdir(tmp_path)
    argvs = commands(text)
    assert len(argvs) >= 14 and not [a for a in argvs if a[1] == "train"]
    said = run_all(argvs, monkeypatch)
    outputs = [a[a.index("-o") + 1] for a in argvs if "-o" in a]
    assert len(outputs) == len(set(outputs)), outputs  # every example writes a name of its own
    for out in outputs:
        assert (tmp_path / out).exists(), out
    assert any(line.startswith("transition 1: frames 72-95") for s in said for line in
               s.splitlines())


@pytest.mark.parametrize("title,until", [("## First steps", "## Commands"),
                                         ("## Commands", "### `train`")])
def test_examples_only_use_options_that_exist(title, until):
    """Every --option in the examples is one the command has (before the slow run above)."""
    for argv in commands(section(title, until)):
        if argv[0] != "vae-transition":
            continue
        command = cli.commands[argv[1]]
        known = {o for p in command.params for o in p.opts}
        options = [a for a in argv[2:] if a.startswith("-") and a != "--"
                   and (argv.index("--") > argv.index(a) if "--" in argv else True)]
        assert set(options) <= known, (argv, set(options) - known)
