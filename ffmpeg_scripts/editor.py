"""Editor formats, the ffmpeg side: what each --format encodes (codec, options, pixel format,
container), and the command that encodes rgb24 frames from stdin into one, as an ffmpeg-python
graph.

The rules of a format's output name, and writing a segment whole or not at all, are the
package's (vae_transition/export/).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction

import ffmpeg

from ffmpeg_scripts import graphs
from ffmpeg_scripts.colour import MATRICES, Colour
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import input_url


@dataclass(frozen=True)
class Format:
    """One --format: the codec options and what its container can carry."""

    name: str
    extensions: tuple[str, ...]   # a movie's allowed extensions, or a sequence's one extension
    codec: dict = field(hash=False)  # encoder options, as ffmpeg-python output options
    pix_fmt: str
    sequence: bool = False        # images in a folder instead of one movie file
    min_size: tuple[int, int] = (1, 1)
    even_size: bool = False       # 4:2:0 needs even width and height
    about: str = ""               # what it is, for messages (the container is said apart)


FORMATS = {f.name: f for f in (
    Format("prores", (".mov",), {"c:v": "prores_ks", "profile:v": "hq", "vendor": "apl0"},
           "yuv422p10le", about="Apple ProRes 422 HQ, 10-bit 4:2:2"),
    Format("prores4444", (".mov",), {"c:v": "prores_ks", "profile:v": "4444", "vendor": "apl0",
                                     "alpha_bits": 0},
           "yuv444p10le", about="Apple ProRes 4444 without alpha, 10-bit 4:4:4"),
    Format("dnxhr", (".mov", ".mxf"), {"c:v": "dnxhd", "profile:v": "dnxhr_hq"}, "yuv422p",
           min_size=(256, 120), about="Avid DNxHR HQ, 8-bit 4:2:2"),
    Format("dnxhr-hqx", (".mov", ".mxf"), {"c:v": "dnxhd", "profile:v": "dnxhr_hqx"},
           "yuv422p10le", min_size=(256, 120), about="Avid DNxHR HQX, 10-bit 4:2:2"),
    Format("h264", (".mp4",), {"c:v": "libx264", "preset": "medium", "crf": 12,
                               "profile:v": "high", "movflags": "+faststart"},
           "yuv420p", even_size=True, about="H.264 High, 8-bit 4:2:0 (a review copy)"),
    Format("png", (".png",), {"c:v": "png"}, "rgb24", sequence=True,
           about="8-bit RGB PNG sequence"),
    Format("tiff", (".tif",), {"c:v": "tiff", "compression_algo": "lzw"}, "rgb48le",
           sequence=True, about="16-bit RGB TIFF sequence (LZW)"),
    # The EXR encoder's own -format option is spelled -format:v: ffmpeg-python reads a
    # `format` option as the muxer's -f, and a codec option takes a stream specifier.
    Format("exr", (".exr",), {"c:v": "exr", "format:v": "half", "compression": "zip1"},
           "gbrpf32le", sequence=True, about="half-float OpenEXR sequence (display-referred)"),
)}
MUXERS = {".mov": "mov", ".mxf": "mxf", ".mp4": "mp4"}


def tagged(stream, colour: Colour):
    """RGB -> the clip's YUV, tagged like it, so the segment's YUV matches clip A's.

    The frames were decoded from A with A's matrix and range (untagged: BT.601, swscale's
    default), so encoding back with them gives A's own YUV values at the splice. Tags follow A
    too: a tagged clip's four values (colour.py; BT.709 clips, what generators write, give
    BT.709-tagged segments), and an untagged clip gives an untagged segment, so every
    application decodes A and the segment the same way (editors assume BT.709 for untagged HD,
    ffmpeg BT.601: tagging only the segment would shift it).
    """
    video = graphs.to_yuv(stream, colour)
    return video.filter("setparams", **color_params(colour)) if color_params(colour) else video


def color_params(colour: Colour) -> dict[str, str]:
    """setparams options that tag the frames like clip A ({} for an untagged clip): its own
    values, and for one tagged with a matrix alone, the primaries and transfer that go with it."""
    if colour.matrix not in MATRICES:
        return {}
    primaries = {"bt709": "bt709", "bt2020nc": "bt2020", "smpte170m": "smpte170m",
                 "bt470bg": "bt470bg"}.get(colour.matrix, "bt709")
    trc = "bt709" if colour.matrix in ("bt709", "bt2020nc") else "smpte170m"
    return {"range": colour.range or "tv", "color_primaries": colour.primaries or primaries,
            "color_trc": colour.trc or trc, "colorspace": colour.matrix}


def export_args(ff: FFmpegBinary, fmt_name: str, width: int, height: int, fps: Fraction,
                out: str, *, colour: Colour = Colour(), timecode: str = "00:00:00:00",
                reel: str = "", start_number: int = 0) -> list[str]:
    """The ffmpeg command that encodes rgb24 frames from stdin into `out` in format fmt_name.

    out: the movie file, or for a sequence the full pattern ".../NAME.%06d.png" (a '%' in the
    folder must already be doubled).
    """
    fmt = FORMATS[fmt_name]
    frames = graphs.raw_input(width, height, fps)
    if fmt.sequence:
        return graphs.command(ff, ffmpeg.output(
            frames.filter("format", fmt.pix_fmt), "file:" + out, format="image2",
            fps_mode="passthrough", start_number=start_number, **fmt.codec).overwrite_output())
    video = tagged(frames, colour).filter("format", fmt.pix_fmt)
    muxer = MUXERS[os.path.splitext(out)[1].lower()]
    options = {"fps_mode": "passthrough", "pix_fmt": fmt.pix_fmt, "timecode": timecode,
               "an": None, **fmt.codec}
    if reel and muxer == "mov":
        options["metadata:s:v:0"] = f"reel_name={reel}"  # the tmcd track's name
    elif reel and muxer == "mxf":
        options["metadata"] = f"reel_name={reel}"        # the physical source package
    return graphs.command(ff, ffmpeg.output(video, input_url(out), format=muxer,
                                            **options).overwrite_output())
