"""Aspect ratio conformed like size (issue 22): a clip of another display aspect ratio is fitted
and padded by its display shape, not its stored one; the output keeps A's SAR; the notes name
every conformed clip, A included. Clips are white pictures (lavfi color) so that the picture's
extent in the output can be counted in pixels.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_clip
from ffmpeg_scripts.probe import input_url, probe
from ffmpeg_scripts.process import run_capture
from vae_transition.cli import cli

N = 4
FAST = ("--method", "crossfade", "-n", str(N), "--no-cache")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def white(path, size, sar: str = "1", frames: int = 12, **kw):
    """A white clip of `size` stored pixels with sample aspect ratio `sar`."""
    return make_clip(path, size=size, frames=frames, source="color=c=white",
                     extra=("-vf", f"setsar={sar}"), **kw)


def luma(ff, path, frame: int, size: tuple[int, int]) -> np.ndarray:
    out, _ = run_capture([*ff.base(), "-i", input_url(path), "-map", "0:V:0", "-vf",
                          f"select=eq(n\\,{frame})", "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "gray", "pipe:1"])
    return np.frombuffer(out, np.uint8).reshape(size[1], size[0])


def sars(ff, path) -> set[str]:
    _, err = run_capture([*ff.base("info"), "-i", input_url(path), "-map", "0:V:0", "-vf",
                          "showinfo=checksum=0", "-f", "null", "-"])
    return {ln.split(" sar:", 1)[1].split()[0] for ln in err.splitlines() if " sar:" in ln}


def test_square_b_after_anamorphic_a_is_pillarboxed_by_its_display_shape(ff, tmp_path):
    """A: 60x36 stored at SAR 4:3 (DAR 20:9); B: 64x48 square (4:3). The output keeps A's
    60x36 at SAR 4:3; B's 4:3 picture fills 36 of the 60 stored columns (48 display units of
    80), centred: before, it was stretched over all 60 and shown squeezed, with exit 0."""
    a = white(tmp_path / "a.mp4", (60, 36), "4/3")
    b = white(tmp_path / "b.mp4", (64, 48))
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    assert result.exit_code == 0, result.output
    info = probe(ff, out)
    assert (info.width, info.height, info.sar) == (60, 36, Fraction(4, 3))
    assert sars(ff, out) == {"4/3"}  # every frame, the transition's too
    row = luma(ff, out, 12 + N + 5, (60, 36))[18]
    lit = np.flatnonzero(row > 128)
    assert abs(len(lit) - 36) <= 1 and abs(lit.mean() - 29.5) <= 1, row
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note: conforming")]
    assert notes == ["note: conforming b.mp4: 64x48 -> 60x36 SAR 4:3 (DAR 20:9) (fitted by its "
                     "display shape and padded)"]


def test_anamorphic_b_after_square_a_is_letterboxed(ff, tmp_path):
    """B's 20:9 picture in a 4:3 square-pixel output: full width, 28 of 48 rows."""
    a = white(tmp_path / "a.mp4", (64, 48))
    b = white(tmp_path / "b.mp4", (60, 36), "4/3")
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    assert result.exit_code == 0, result.output
    assert probe(ff, out).sar == 1 and sars(ff, out) == {"1/1"}
    column = luma(ff, out, 12 + N + 5, (64, 48))[:, 32]
    assert abs(int((column > 128).sum()) - 28) <= 2, column
    assert any("conforming b.mp4: 60x36 SAR 4:3 (DAR 20:9) -> 64x48" in ln
               for ln in result.output.splitlines())


def test_two_anamorphic_clips_pass_through_and_the_transition_keeps_the_sar(ff, tmp_path):
    a = white(tmp_path / "a.mp4", (60, 36), "4/3")
    b = make_clip(tmp_path / "b.mp4", size=(60, 36), frames=12, extra=("-vf", "setsar=4/3"))
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    assert result.exit_code == 0 and "pass-through" in result.output, result.output
    assert sars(ff, out) == {"4/3"} and probe(ff, out).sar == Fraction(4, 3)


def test_an_odd_sized_a_is_named_when_it_is_made_even(ff, tmp_path):
    """A 65x49 (lossless, 4:2:0) cannot be encoded at that size in 4:2:0: the output is 64x48,
    and the note says A is conformed, as it says for B."""
    a = make_clip(tmp_path / "a.mkv", size=(65, 49), codec="ffv1", frames=12)
    b = make_clip(tmp_path / "b.mp4", size=(64, 48), frames=12, source="mandelbrot")
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    assert result.exit_code == 0, result.output
    assert (probe(ff, out).width, probe(ff, out).height) == (64, 48)
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note: conforming")]
    assert notes == ["note: conforming a.mkv: 65x49 -> 64x48 (fitted by its display shape and "
                     "padded)"], result.output
    assert "a.mkv is 65x49, and yuv420p needs even sides" in result.output


@pytest.mark.parametrize("size", [(60, 36), (64, 48)])
def test_the_check_refuses_a_wrong_display_aspect_ratio(ff, tmp_path, monkeypatch, size):
    """A splice whose frames lose A's SAR (the old conform's setsar=1) is a one-line error."""
    from ffmpeg_scripts import graphs

    a = white(tmp_path / "a.mp4", size, "4/3")
    b = white(tmp_path / "b.mp4", (64, 48))
    real = graphs.conform
    monkeypatch.setattr(graphs, "conform", lambda stream, w, h, fps, colour, pix_fmt, sar=1,
                        flags=None: real(stream, w, h, fps, colour, pix_fmt, Fraction(1), flags))
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    assert result.exit_code == 1 and not out.exists()
    error = result.output.strip().splitlines()[-1]
    assert "display aspect ratio" in error or "SAR 1:1 where the plan has 4:3" in error, error
    assert "nothing was written" in error
