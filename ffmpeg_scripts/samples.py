"""Media made from nothing: the demo's sample clips (a slow pan over a photo) and frames of
ffmpeg's procedural sources (lavfi), for the demo, the training data and the benchmarks.
"""

from __future__ import annotations

from fractions import Fraction

import ffmpeg
import numpy as np

from ffmpeg_scripts import graphs
from ffmpeg_scripts.errors import FFmpegError
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import input_url
from ffmpeg_scripts.process import run_capture


def pan_clip_args(ff: FFmpegBinary, photo_png: str, out: str, *, direction: int,
                  size: tuple[int, int], fps: Fraction, seconds: float,
                  tone_hz: int | None = None, zoom: float = 0.0) -> list[str]:
    """An H.264 clip moving across the photo at `fps`, with a quiet sine tone if tone_hz.

    direction +1 pans right, -1 left; zoom > 0 also pushes in by that fraction over the clip.
    """
    w, h = size
    x = f"(iw-ow)*t/{seconds}" if direction > 0 else f"(iw-ow)*(1-t/{seconds})"
    grow = f"*(1+{zoom}*t/{seconds})" if zoom else ""
    photo = ffmpeg.input(input_url(photo_png), loop=1, framerate=graphs.rate(fps))
    # scale is re-evaluated per frame (eval=frame) for the zoom; crop keeps the output size fixed
    video = (photo["v"].filter("scale", w=f"{w * 1.3:.0f}{grow}", h=f"{h * 1.3:.0f}{grow}",
                               eval="frame", force_original_aspect_ratio="increase")
             .filter("crop", w, h, x=x, y="(ih-oh)/2").filter("setsar", 1)
             .filter("format", "yuv420p"))
    streams, options = [video], {"c:v": "libx264", "crf": 18, "preset": "fast",
                                 "frames:v": int(seconds * fps)}
    if tone_hz:
        tone = ffmpeg.input(f"sine=frequency={tone_hz}:sample_rate=48000:duration={seconds}",
                            format="lavfi")
        streams.append(tone["a"].filter("volume", 0.2))
        options.update({"c:a": "aac", "shortest": None})
    return graphs.command(ff, ffmpeg.output(*streams, input_url(out), format="mp4",
                                            **options).overwrite_output())


def source_args(ff: FFmpegBinary, source: str, size: tuple[int, int], frames: int) -> list[str]:
    """`frames` frames of a lavfi source graph (with {w} and {h} in it) as raw rgb24 (w x h) on
    stdout; a source of a fixed size is scaled to it."""
    w, h = size
    video = ffmpeg.input(source.format(w=w, h=h), format="lavfi")["v"].filter("scale", w, h)
    return graphs.command(ff, ffmpeg.output(video, "pipe:1", format="rawvideo", pix_fmt="rgb24",
                                            **{"frames:v": frames}))


def render_source(ff: FFmpegBinary, source: str, size: tuple[int, int],
                  frames: int) -> np.ndarray:
    """(frames, h, w, 3) uint8 frames of a lavfi source; FFmpegError when it gives fewer."""
    argv = source_args(ff, source, size, frames)
    data, _ = run_capture(argv, what="ffmpeg (lavfi source)", timeout=120)
    w, h = size
    pixels = np.frombuffer(data, np.uint8)
    if pixels.size != frames * h * w * 3:
        raise FFmpegError(f"the lavfi source {source.split('=')[0]} gave {pixels.size} bytes, "
                          f"not {frames} frames of {w}x{h}", argv)
    return pixels.reshape(frames, h, w, 3)
