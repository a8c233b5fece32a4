"""Helpers for the editor tests (Blender, MLT, ComfyUI): clips whose every frame differs, frames
and sound read back, and the checks that a render shows what `vae-transition join` wrote.

Import with `from editors_media import ...` (tests/ is on sys.path, as for conftest).
"""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import _ffmpeg, make_clip
from ffmpeg_scripts.frames import iter_frames
from ffmpeg_scripts.probe import input_url, probe

AUDIO_RATE = 48000
# Frames are compared at the colour's own resolution (2x2 means: 4:2:0 video keeps one colour
# sample per 2x2 pixels, and every decoder upsamples it its own way). Mean |difference| per frame
# (code values) that decoding elsewhere may cause, measured on these 64x48 saturated frames:
# melt 1-3, Blender 2-5 (its ffmpeg reader does not interpolate chroma and rounds once more);
# a frame early or late differs by about 30.
FRAME_NOISE = 6.0


def vivid_clip(path, frames: int = 30, tone: int | None = 440, source: str = "testsrc2") -> Path:
    """64x48 at 24 fps whose hue turns 45 degrees a frame, so a frame off shows at once; with a
    `tone` Hz sine (or no audio for None)."""
    return make_clip(path, frames=frames, source=source, gop=10, audio=tone is not None,
                     tone=tone or 440, extra=("-vf", "hue=H=2*PI*t*3"))


def frames_of(path) -> list[np.ndarray]:
    """Every frame of a file as (H, W, 3) uint8 RGB."""
    ff = _ffmpeg()
    return list(iter_frames(ff, probe(ff, path)))


def chroma_scale(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H/2, W/2, 3) float: the means of 2x2 blocks."""
    h, w = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2
    return frame[:h, :w].reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))


def assert_same_frames(got: list[np.ndarray], want: list[np.ndarray],
                       noise: float = FRAME_NOISE) -> None:
    """Same count and size, each frame within `noise` of its twin and closer to it than to its
    neighbours (so a render one frame early or late fails)."""
    assert len(got) == len(want), f"{len(got)} frames rendered, join wrote {len(want)}"
    small_got, small_want = [chroma_scale(f) for f in got], [chroma_scale(f) for f in want]
    for k, frame in enumerate(small_got):
        assert got[k].shape == want[k].shape, f"frame {k}: {got[k].shape} vs {want[k].shape}"
        diffs = {j: float(np.abs(frame - small_want[j]).mean())
                 for j in range(max(0, k - 2), min(len(want), k + 3))}
        assert diffs[k] < noise, f"frame {k} differs from join's by {diffs[k]:.2f} on average"
        nearest = min(diffs, key=diffs.get)
        assert nearest == k, f"frame {k} looks like join's frame {nearest} ({diffs})"


def pcm_of(path) -> np.ndarray:
    """A file's first audio stream as mono float32 at 48 kHz."""
    ff = _ffmpeg()
    cmd = [*ff.base(), "-i", input_url(path), "-map", "0:a:0", "-ac", "1", "-ar",
           str(AUDIO_RATE), "-f", "f32le", "pipe:1"]
    return np.frombuffer(subprocess.run(cmd, capture_output=True, check=True).stdout, np.float32)


def tone_levels(pcm: np.ndarray, freq: float, fps: Fraction = Fraction(24)) -> np.ndarray:
    """The amplitude of the `freq` Hz sine in every video frame's span of samples."""
    per = int(AUDIO_RATE / fps)
    count = len(pcm) // per
    t = np.arange(per) / AUDIO_RATE
    window = np.hanning(per)
    probe_ = window * np.exp(-2j * np.pi * freq * t)
    blocks = pcm[:count * per].reshape(count, per)
    return 2 * np.abs(blocks @ probe_) / window.sum()


def run_cli(*args: str) -> str:
    """`vae-transition ARGS` in this process; its stdout (fails the test on a non-zero exit)."""
    from vae_transition.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def need(binary: str, package: str = "") -> str:
    """The path of an editor's binary, or skip the test saying what to install."""
    from shutil import which

    path = which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (apt-get install {package or binary}; .ci/run "
                    f"does)")
    return path


def cli_path() -> str:
    """The installed `vae-transition` command beside this Python (what the add-on runs)."""
    path = Path(sys.executable).with_name("vae-transition")
    if not path.exists():
        pytest.skip(f"no vae-transition command beside {sys.executable} (pip install -e .)")
    return str(path)


def child_env(**extra: str) -> dict[str, str]:
    """The environment for an editor process: this one's, the cache kept private."""
    env = dict(os.environ)
    env.update(extra)
    return env
