"""The filter chains every command shares, built with ffmpeg-python, and how a graph becomes argv.

A command is built in one pure function as an ffmpeg-python graph (inputs -> filters ->
output) and turned into argv by `command()`, which is ffmpeg-python's `.compile()` behind our
own prefix (ff.base(): quiet, never reading the terminal). Nothing is run here.

What ffmpeg-python writes differs from a hand-written command in ways that matter:
- every filter chain becomes a -filter_complex graph, and ffmpeg applies an output's
  `-sws_flags` only to a simple -vf graph; so the scaler flags go on an explicit scale filter
  (to_rgb(), conform()), which gives the same pixels as the flags did;
- options come out sorted by name (their order does not matter to ffmpeg), and each key once;
- two inputs with the same file and options are one input (their streams may feed several
  chains: ffmpeg decodes once and hands each chain the same frames);
- a filter needs an input stream: source filters (anullsrc, lavfi generators) are lavfi
  inputs instead.
"""

from __future__ import annotations

from fractions import Fraction

import ffmpeg

from ffmpeg_scripts.locate import FFmpegBinary

# The scaler for frames handed to Python: accurate_rnd takes swscale off its unscaled special
# converter, which ignores full_chroma_int (interpolated chroma; see frames.py).
SWS_FLAGS = "bicubic+accurate_rnd+full_chroma_int"
# Colour matrices swscale knows by the names ffmpeg prints in a stream header.
MATRICES = {"bt709", "bt470bg", "smpte170m", "bt2020nc", "fcc", "smpte240m"}


def command(ff: FFmpegBinary, graph, loglevel: str = "error", prefix: tuple[str, ...] = ()
            ) -> list[str]:
    """argv of an ffmpeg-python output graph, after ff.base(loglevel) and `prefix` (global
    options such as -copyts)."""
    return graph.compile(cmd=[*ff.base(loglevel), *prefix])


def rate(fps: Fraction) -> str:
    """24000/1001 -> "24000/1001": a rate as ffmpeg takes it, exactly."""
    return f"{fps.numerator}/{fps.denominator}"


def raw_input(width: int, height: int, fps: Fraction):
    """rgb24 frames of (height, width, 3) uint8 on stdin, at an exact rate."""
    return ffmpeg.input("pipe:0", format="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}",
                        framerate=rate(fps))


def to_rgb(stream, flags: str = SWS_FLAGS):
    """The chain's end for frames read into Python: rgb24, converted with `flags`."""
    return stream.filter("scale", flags=flags).filter("format", "rgb24")


def yuv_matrix(color: str | None) -> str:
    """The RGB -> YUV matrix that undoes a clip's decode: its tag, or BT.601 when untagged
    (what swscale decodes untagged clips with)."""
    return color if color in MATRICES else "bt470bg"


def to_yuv(stream, color: str | None, untag: bool = True, size: tuple[int, int] | None = None,
           flags: str | None = None):
    """RGB (or any picture) to YUV with the matrix a clip of colour tag `color` is decoded with,
    limited range (the caller's format filter then picks the pixel format); an untagged clip's
    segment is marked untagged again (untag) so a decoder sees no parameter change at the
    splice. size: also fit into (w, h), aspect kept."""
    opts = {"out_color_matrix": yuv_matrix(color), "out_range": "tv"}
    if flags:
        opts["flags"] = flags
    if size:
        stream = stream.filter("scale", size[0], size[1], force_original_aspect_ratio="decrease",
                               **opts)
    else:
        stream = stream.filter("scale", **opts)
    if color not in MATRICES and untag:
        stream = stream.filter("setparams", colorspace="unknown")
    return stream


def color_tags(color: str | None) -> dict[str, str]:
    """Output options tagging a segment like clip A (none for an untagged clip)."""
    if color not in MATRICES:
        return {}
    tags = {"colorspace": color}
    if color == "bt709":
        tags.update(color_primaries="bt709", color_trc="bt709")
    return tags


def conform(stream, width: int, height: int, fps: Fraction, color: str | None, pix_fmt: str,
            flags: str | None = None):
    """Fit any picture into width x height (aspect kept, padded black, square pixels) at an
    exact frame rate and pix_fmt: what the re-encode path does to every clip."""
    stream = to_yuv(stream, color, size=(width, height), flags=flags)
    return (stream.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
            .filter("setsar", 1).filter("fps", rate(fps)).filter("format", pix_fmt))
