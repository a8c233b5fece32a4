"""Read decoded frames of a clip as (H, W, 3) uint8 RGB arrays, streamed through a pipe.

The pipe: rawvideo, rgb24, info.width x info.height, info.fps (`-fps_mode passthrough`: every
decoded frame once, none duplicated or dropped), full resolution, never scaled (non-square pixels
stay as stored: see info.sar). Phone clips with a rotation tag come out upright, as ffmpeg
autorotates; ClipInfo's width and height already describe that upright picture.

Colour: the yuv -> rgb24 conversion is the scale filter ffmpeg inserts, with its defaults. In
ffmpeg 9 those follow the stream's tags: a clip tagged bt709 is converted with BT.709, an untagged
one with swscale's default BT.601 (limited "tv" range unless tagged "pc"/yuvj). So untagged HD
footage made for BT.709 comes out with slightly shifted colours; the encode side must use the
same convention in reverse for a round trip (ClipInfo.color says which one applies).

Chroma: the scaler is asked for interpolated chroma (graphs.SWS_FLAGS). Its default unscaled 4:2:0 ->
RGB path repeats each chroma sample over 2x2 pixels, and those blocks' edges are not in the
picture: a morph carried them as fine detail (off the 2x2 grid, into colour fringes), and a
sharpness measure counted them (testsrc2's bars: a quarter of their BT.709-luma Laplacian energy).
"""

from __future__ import annotations

import math
from collections import deque
from contextlib import closing
from typing import Iterator

import ffmpeg
import numpy as np

from ffmpeg_scripts import graphs
from ffmpeg_scripts.encode import VideoFormat
from ffmpeg_scripts.errors import FFmpegError, MediaError
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo, input_url
from ffmpeg_scripts.process import open_pipe, run_capture

# Frames decoded before the ones last_frames() keeps: absorbs seek rounding and variable rates.
_TAIL_MARGIN_S = 0.5
_TAIL_MARGIN_FRAMES = 4


def read_args(ff: FFmpegBinary, info: ClipInfo, *, start: int = 0, count: int | None = None,
              from_end: bool = False, conform: VideoFormat | None = None) -> list[str]:
    """The decode command: frames start..start+count-1 (count None: to the end) on stdout.

    from_end: decode only the tail instead, seeking to about `count` frames (plus a margin)
    before the end; the caller keeps the last `count` frames it gets (`start` is ignored).
    conform: fit the picture to this format first (the re-encode path's conform chain, with
    this module's scaler flags); info's width, height and rate must then describe its output.
    """
    if start < 0 or (count is not None and count < 0):
        raise ValueError(f"start and count must be >= 0, got start={start}, count={count}")
    seek = {}
    if from_end:
        first = info.frame_count - (count or 0) - max(_TAIL_MARGIN_FRAMES,
                                                      math.ceil(info.fps * _TAIL_MARGIN_S))
        if first > 0:
            # Input -ss: jump to the keyframe before, decode from it, drop frames before the time.
            seek = {"ss": f"{float(first / info.fps):.6f}"}
    # reinit_filter 0: a change of frame parameters mid-file (a spliced segment with other colour
    # tags) would rebuild the filter graph and restart select's frame counter n.
    video = ffmpeg.input(input_url(info.path), reinit_filter=0, **seek)["V:0"]
    if conform is not None:
        video = graphs.conform(video, conform.width, conform.height, conform.fps,
                               conform.colour, conform.pix_fmt, conform.sar, graphs.SWS_FLAGS)
    if start and not from_end:
        video = video.filter("select", f"gte(n,{start})")  # exact by index: n counts from 0
    limit = {"frames:v": count} if count is not None and not from_end else {}
    out = ffmpeg.output(graphs.to_rgb(video), "pipe:1", format="rawvideo", pix_fmt="rgb24",
                        fps_mode="passthrough", **limit)
    return graphs.command(ff, out)


def _frames_from(ff: FFmpegBinary, info: ClipInfo, cmd: list[str]) -> Iterator[np.ndarray]:
    """Run a read_args() command and yield its frames; the process never outlives the caller."""
    height, width = info.height, info.width
    size = width * height * 3
    with open_pipe(cmd, stdout=True, what=f"ffmpeg (decoding {info.path})") as proc:
        assert proc.stdout is not None
        while True:
            buf = bytearray(size)  # a fresh writable buffer per frame: callers may keep frames
            got = proc.stdout.readinto(buf)
            view = memoryview(buf)
            while got and got < size:  # a pipe may return short reads
                more = proc.stdout.readinto(view[got:])
                if not more:
                    break
                got += more
            if not got:
                break
            if got < size:
                raise FFmpegError(
                    f"{info.path}: ffmpeg's frame is {got} bytes, expected {size} "
                    f"({width}x{height} rgb24); did the picture size change mid-clip?", cmd)
            yield np.frombuffer(buf, dtype=np.uint8).reshape(height, width, 3)


def iter_frames(ff: FFmpegBinary, info: ClipInfo, *, start: int = 0,
                count: int | None = None, conform: VideoFormat | None = None
                ) -> Iterator[np.ndarray]:
    """Frames start..start+count-1, each (H, W, 3) uint8 RGB, in display order.

    Streams: one frame in memory at a time. Closing the iterator early kills ffmpeg.
    """
    yield from _frames_from(ff, info, read_args(ff, info, start=start, count=count,
                                             conform=conform))


def first_frames(ff: FFmpegBinary, info: ClipInfo, n: int = 1,
                 conform: VideoFormat | None = None) -> list[np.ndarray]:
    """The first n frames; MediaError if the clip decodes to fewer."""
    frames = list(iter_frames(ff, info, count=n, conform=conform))
    if len(frames) < n:
        raise MediaError(f"{info.path}: decodes to only {len(frames)} frames; {n} were needed")
    return frames


def last_frames(ff: FFmpegBinary, info: ClipInfo, n: int = 1,
                conform: VideoFormat | None = None) -> list[np.ndarray]:
    """Exactly the last n decoded frames, decoding only the clip's tail when seeking works
    (conform: see read_args; one that changes the frame rate needs a whole decode)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n > info.frame_count:
        raise MediaError(f"{info.path}: has only {info.frame_count} frames; {n} were needed")
    if n == 0:
        return []
    tail = keep_last(_frames_from(ff, info, read_args(ff, info, count=n, from_end=True,
                                                       conform=conform)), n)
    if len(tail) < n:
        # The seek landed too late (odd timestamps): decode everything instead.
        tail = keep_last(iter_frames(ff, info, conform=conform), n)
    if len(tail) < n:
        raise MediaError(f"{info.path}: decodes to only {len(tail)} frames; {n} were needed")
    return tail


def keep_last(frames: Iterator[np.ndarray], n: int) -> list[np.ndarray]:
    """The last n of `frames` (never more than n held), the iterator closed however this
    ends: an interrupt between two frames must kill the reader's ffmpeg now, not when the
    traceback holding the iterator is freed."""
    with closing(frames):
        return list(deque(frames, maxlen=n))


def damage_args(ff: FFmpegBinary, info: ClipInfo, count: int) -> list[str]:
    """Decode a clip's first `count` frames to nowhere, at the level that shows the decoder's
    warnings ("corrupt decoded frame": one per frame it had to conceal)."""
    video = ffmpeg.input(input_url(info.path))["V:0"]
    return graphs.command(ff, ffmpeg.output(video, "-", format="null", fps_mode="passthrough",
                                            **{"frames:v": count}), "warning")


def damaged_frames(ff: FFmpegBinary, info: ClipInfo, count: int) -> int:
    """How many of a clip's first `count` frames decode with errors (damaged packets)."""
    _, stderr = run_capture(damage_args(ff, info, count),
                            what=f"ffmpeg (decoding {info.path} for damage)")
    return stderr.count("corrupt decoded frame")
