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

from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.locate import FFmpegBinary

# The scaler for frames handed to Python: accurate_rnd takes swscale off its unscaled special
# converter, which ignores full_chroma_int (interpolated chroma; see frames.py).
SWS_FLAGS = "bicubic+accurate_rnd+full_chroma_int"
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


def to_yuv(stream, colour: Colour, size: tuple[int, int] | None = None,
           flags: str | None = None):
    """RGB (or any picture) to YUV with the matrix and range a clip of this colour is decoded
    with (untagged: BT.601 limited, swscale's default); the caller's format filter then picks
    the pixel format, and tags the frames. size: also scale to exactly (w, h)."""
    opts = {"out_color_matrix": colour.conversion_matrix(),
            "out_range": "pc" if colour.full_range else "tv"}
    if flags:
        opts["flags"] = flags
    return stream.filter("scale", *(size or ()), **opts)


def fitted(width: int, height: int, sar: Fraction) -> tuple[str, str]:
    """scale's width and height expressions that fit any picture into width x height pixels of
    sample aspect ratio `sar` by its display shape (its own `dar`), not its stored one: an
    anamorphic clip keeps its proportions in a square-pixel output and the other way round.
    Sizes are even (4:2:0 chroma), and 0.01 absorbs float error for a picture that fits exactly."""
    shape = f"dar/({sar.numerator}/{sar.denominator})"  # its width per height in output pixels
    return (f"max(2,2*trunc((min({width},{height}*{shape})+0.01)/2))",
            f"max(2,2*trunc((min({height},{width}/({shape}))+0.01)/2))")


def conform(stream, width: int, height: int, fps: Fraction, colour: Colour, pix_fmt: str,
            sar: Fraction = Fraction(1), flags: str | None = None):
    """Fit any picture into width x height by its display shape, padded black, at an exact
    frame rate and pix_fmt, with the output's sample aspect ratio and colour on every frame:
    what the re-encode path does to every clip."""
    stream = to_yuv(stream, colour, size=fitted(width, height, sar), flags=flags)
    return (stream.filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
            .filter("setsar", f"{sar.numerator}/{sar.denominator}").filter("fps", rate(fps))
            .filter("format", pix_fmt).filter("setparams", **colour.frame_params()))
