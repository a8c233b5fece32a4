"""An overlap's frames of a clip at another rate: drawn at their exact times, they step evenly
where the conform's frame sampling repeats or skips frames."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from ffmpeg_scripts import encode, probe
from ffmpeg_scripts.locate import find_ffmpeg
from ffmpeg_scripts.process import run
from vae_transition.cli.app import cli
from vae_transition.join import retime
from vae_transition.join.clipframes import read_range
from vae_transition.metrics import frames_pacing

from conftest import make_clip

# a sine pattern panning 30 px/s: 1.5 px a frame at 20 fps, 1.25 px at 24
PAN = "geq=lum='128+90*sin((X+30*T)/5)*cos(Y/6)':cb=128:cr=128"


def pan_frames(positions, h: int = 48, w: int = 64) -> list[np.ndarray]:
    """The pan above rendered at exact positions (px moved), as RGB uint8 frames."""
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    out = []
    for p in positions:
        lum = 128 + 90 * np.sin((xs + p) / 5) * np.cos(ys / 6)
        out.append(np.repeat(np.clip(np.rint(lum), 0, 255).astype(np.uint8)[..., None], 3, 2))
    return out


def test_positions_are_exact_fractions_of_the_clips_own_frames():
    assert retime.positions(0, 5, Fraction(20), Fraction(24)) == \
        [0, Fraction(5, 6), Fraction(5, 3), Fraction(5, 2), Fraction(10, 3)]
    assert retime.positions(3, 5, Fraction(25), Fraction(15)) == [5, Fraction(20, 3)]
    # the clip's own frames that output frames [0, 5) at 24 of a 20 fps clip lie between
    assert retime.source_range(0, 5, Fraction(20), Fraction(24), 40) == (0, 5)
    assert retime.source_range(30, 48, Fraction(20), Fraction(24), 40) == (25, 40)


def test_whole_positions_are_the_clips_own_frames_untouched():
    rng = np.random.default_rng(0)
    source = [rng.integers(0, 256, (16, 24, 3), dtype=np.uint8) for _ in range(9)]
    got = retime.retimed(source, 0, 0, 5, Fraction(48), Fraction(24))  # every other frame
    for k, frame in enumerate(got):
        assert frame is source[2 * k]


def test_a_pan_at_20_fps_shown_at_24_steps_evenly_and_lands_where_it_should():
    source = pan_frames([1.5 * i for i in range(12)])   # the clip's own frames at 20 fps
    truth = pan_frames([1.25 * k for k in range(13)])   # what 24 fps frames would show
    # frame sampling as ffmpeg's fps filter does it: the last frame before k + 1/2
    sampled = [source[math.ceil(Fraction(2 * k + 1, 2) * Fraction(5, 6)) - 1] for k in range(13)]
    drawn = retime.retimed(source, 0, 0, 13, Fraction(20), Fraction(24))
    assert frames_pacing(sampled) > 1.18  # a repeat every fifth frame: 13 steps, 2 of them 0
    assert frames_pacing(drawn) < 1.1

    def error(frames):
        return np.mean([np.abs(f.astype(int) - t).mean() for f, t in zip(frames, truth)])
    assert error(drawn) < 0.4 * error(sampled)


def _pan_clip(path, fps: int, frames: int):
    ff = find_ffmpeg()
    run([*ff.base(), "-y", "-f", "lavfi", "-i", f"nullsrc=size=64x48:rate={fps},format=yuv444p,"
         f"{PAN}", "-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt", "yuv444p",
         "-qp", "0", str(path)], what="ffmpeg (pan clip)")
    return ff, probe.probe(ff, str(path))


def test_read_retimed_draws_a_20_fps_clip_evenly_at_24(tmp_path):
    """The whole path: the clip's own frames read through the conform at its own rate, then
    drawn at 24 fps; the conform alone (the fps filter) repeats every fifth frame."""
    ff, info = _pan_clip(tmp_path / "pan20.mp4", 20, 20)
    fmt = replace(encode.VideoFormat.of(info), fps=Fraction(24))
    sampled = read_range(ff, info, 0, 20, fmt, conform=True)
    drawn = retime.read_retimed(ff, info, 0, 20, fmt)
    assert len(drawn) == 20 and drawn[0].shape == sampled[0].shape
    assert np.array_equal(drawn[0], sampled[0])           # position 0: the first frame itself
    assert frames_pacing(sampled) > 1.2
    assert frames_pacing(drawn) < 1.1


@pytest.mark.parametrize("method", ["crossfade"])
def test_an_overlap_with_a_clip_at_another_rate_joins_whole(tmp_path, method):
    """join --overlap of a 24 fps clip and a 20 fps one: the overlap's frames of B are drawn
    at 24, and the file still holds every frame the plan promised."""
    a = make_clip(tmp_path / "a.mp4", frames=24)
    b = tmp_path / "b.mp4"
    _pan_clip(b, 20, 20)
    out = tmp_path / "out.mp4"
    res = CliRunner().invoke(cli, ["join", str(a), str(b), "-o", str(out), "--overlap",
                                   "--method", method, "-n", "8", "--json"])
    assert res.exit_code == 0, res.output
    assert "20 -> 24 fps (frames repeated or dropped; the overlapped ones drawn" in res.stderr
    summary = json.loads(res.stdout)
    ((start, end),) = [c["frames"] for c in summary["cuts"]]
    assert end - start == 8
    assert summary["frames"] == 24 + 24 - 8
    # the overlap's steps follow the fade, not B's repeated frames
    assert summary["cuts"][0]["metrics"]["pacing"] < 1.5
