"""Shared test helpers: tiny synthetic clips made with the ffmpeg in use (lavfi sources).

Import the plain helpers in a test module with `from conftest import make_clip`; the fixtures
(`ff`, `new_clip`, `bframe_clip`, `ntsc_clip`) are found by pytest.
"""

from __future__ import annotations

import os
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import pytest

import vae_transition  # noqa: F401  (first: sets torch's OpenMP wait policy before torch loads)
from ffmpeg_scripts.locate import FFmpegBinary, find_ffmpeg
from ffmpeg_scripts.probe import input_url
from ffmpeg_scripts.process import run, run_capture


@lru_cache(maxsize=1)
def _ffmpeg() -> FFmpegBinary:
    # Located once and kept: tests that point VAE_TRANSITION_FFMPEG at fakes must not affect
    # the helpers that make media.
    return find_ffmpeg()


def _video_input(source: str, size: tuple[int, int], fps: str) -> str:
    """A lavfi graph giving exactly `size` at `fps` with square pixels.

    Sources such as testsrc2 round odd sizes down to even ones, so they render one pixel larger
    and are cropped (no resampling); setsar=1 because crop/scale would otherwise keep a SAR.
    """
    w, h = size
    sep = ":" if "=" in source else "="  # "mandelbrot" or "color=c=red"
    graph = f"{source}{sep}size={w + w % 2}x{h + h % 2}:rate={fps}"
    if w % 2 or h % 2:
        graph += f",crop={w}:{h}:0:0:exact=1"
    return graph + ",setsar=1"


def make_clip(path: str | os.PathLike, *, size: tuple[int, int] = (64, 48), fps: str = "24",
              frames: int = 12, source: str = "testsrc2", codec: str = "libx264",
              pix_fmt: str | None = "yuv420p", audio: bool = False, bframes: bool = True,
              gop: int | None = None, audio_rate: int = 44100, channels: int = 1,
              extra: Sequence[str] = (), tone: int = 440) -> Path:
    """Write a tiny clip to `path` (overwriting) and return it as a Path.

    size: (width, height); odd sizes work where the codec allows (x264 needs yuv444p for them).
    fps: as lavfi takes it ("24", "25", "24000/1001"). frames=0 with audio=True: audio only.
    audio: a `tone` Hz sine (AAC unless `extra` says otherwise) exactly as long as the picture.
    bframes: x264 with 3 B-frames (reordered packets) or none. gop: keyframe interval.
    extra: more output options, placed just before the output name (e.g. ("-c:a", "pcm_s16le")).
    """
    if codec == "libx264" and (size[0] % 2 or size[1] % 2) and pix_fmt != "yuv444p":
        raise ValueError(f"x264 cannot encode {size[0]}x{size[1]} in {pix_fmt}: use "
                         "pix_fmt='yuv444p', or codec='ffv1' in a .mkv, for odd sizes")
    if frames <= 0 and not audio:
        raise ValueError("make_clip needs frames > 0 or audio=True")
    path = Path(path)
    ff = _ffmpeg()
    cmd = [*ff.base(), "-y"]
    if frames > 0:
        cmd += ["-f", "lavfi", "-i", _video_input(source, size, fps)]
    seconds = frames / Fraction(fps) if frames > 0 else Fraction(1)
    if audio:
        cmd += ["-f", "lavfi", "-i",
                f"sine=frequency={tone}:sample_rate={audio_rate}:duration={float(seconds):.6f}"]
    if frames > 0:
        cmd += ["-map", "0:v", "-frames:v", str(frames), "-c:v", codec]
        cmd += ["-pix_fmt", pix_fmt] if pix_fmt else []
        if codec == "libx264":
            cmd += ["-bf", "3" if bframes else "0", "-preset", "fast"]
        cmd += ["-g", str(gop)] if gop else []
    if audio:
        cmd += ["-map", "1:a" if frames > 0 else "0:a", "-c:a", "aac", "-ac", str(channels)]
    run([*cmd, *extra, input_url(path)], what="ffmpeg (make_clip)")
    return path


def decoded_frame_count(path: str | os.PathLike) -> int:
    """Frames a real decode of the first video stream outputs (independent of probe.py)."""
    ff = _ffmpeg()
    out, _ = run_capture([*ff.base(), "-i", input_url(path), "-map", "0:V:0",
                          "-fps_mode", "passthrough", "-f", "framecrc", "pipe:1"])
    return sum(1 for line in out.decode().splitlines() if line.startswith("0,"))


def ffmpeg_children() -> list[int]:
    """Pids of live (not zombie) ffmpeg processes whose parent is this test process."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if int(ppid) == os.getpid() and "ffmpeg" in name and state != "Z":
            pids.append(int(entry))
    return pids


def descendants(pid: int) -> set[int]:
    """Pids of every process below pid (children, their children, ...), live or zombie."""
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += list(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    """Whether pid runs (a zombie has ended: only its exit status waits to be read)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(scope="session")
def ff() -> FFmpegBinary:
    """The ffmpeg the product would use here (on this machine: imageio-ffmpeg's binary)."""
    return _ffmpeg()


@pytest.fixture
def new_clip(tmp_path) -> Callable[..., Path]:
    """new_clip("a.mp4", fps="25", ...): make_clip into this test's tmp_path."""
    return lambda name, **kw: make_clip(tmp_path / name, **kw)


@pytest.fixture(scope="session")
def bframe_clip(tmp_path_factory) -> Path:
    """40 frames of H.264 with B-frames and a keyframe every 12: reordering plus real seeking."""
    return make_clip(tmp_path_factory.mktemp("shared") / "bframes.mp4", frames=40, gop=12)


@pytest.fixture(scope="session")
def ntsc_clip(tmp_path_factory) -> Path:
    """30 frames at 24000/1001 with AAC audio, B-frames, keyframe every 10."""
    return make_clip(tmp_path_factory.mktemp("shared") / "ntsc.mp4", fps="24000/1001",
                     frames=30, gop=10, audio=True)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Per-pair adaptation caches weights: keep every test's cache out of the user's home."""
    monkeypatch.setenv("VAE_TRANSITION_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
