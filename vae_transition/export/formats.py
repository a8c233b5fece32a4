"""Editor formats: what each --format writes (codec, pixel format, container), the rules of its
output name, and the encoding command for frames piped in.

ProRes, DNxHR, H.264, or an image sequence, with a reel name and a start timecode.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from ffmpeg_scripts.encode import MATRICES, raw_input_args
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import input_url

SEQUENCE_PATTERN = "{name}.%06d.{ext}"  # NAME.000000.png; numbered from the start timecode


class ExportError(Exception):
    """A user-level problem with an export request (format, output name, options)."""


@dataclass(frozen=True)
class Format:
    """One --format: the codec options and what its container can carry."""

    name: str
    extensions: tuple[str, ...]   # a movie's allowed extensions, or a sequence's one extension
    codec: tuple[str, ...]        # encoder options
    pix_fmt: str
    sequence: bool = False        # images in a folder instead of one movie file
    min_size: tuple[int, int] = (1, 1)
    even_size: bool = False       # 4:2:0 needs even width and height
    about: str = ""               # what it is, for messages (the container is said apart)


FORMATS = {f.name: f for f in (
    Format("prores", (".mov",), ("-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0"),
           "yuv422p10le", about="Apple ProRes 422 HQ, 10-bit 4:2:2"),
    Format("prores4444", (".mov",), ("-c:v", "prores_ks", "-profile:v", "4444", "-vendor",
                                     "apl0", "-alpha_bits", "0"),
           "yuv444p10le", about="Apple ProRes 4444 without alpha, 10-bit 4:4:4"),
    Format("dnxhr", (".mov", ".mxf"), ("-c:v", "dnxhd", "-profile:v", "dnxhr_hq"), "yuv422p",
           min_size=(256, 120), about="Avid DNxHR HQ, 8-bit 4:2:2"),
    Format("dnxhr-hqx", (".mov", ".mxf"), ("-c:v", "dnxhd", "-profile:v", "dnxhr_hqx"),
           "yuv422p10le", min_size=(256, 120), about="Avid DNxHR HQX, 10-bit 4:2:2"),
    Format("h264", (".mp4",), ("-c:v", "libx264", "-preset", "medium", "-crf", "12",
                               "-profile:v", "high", "-movflags", "+faststart"),
           "yuv420p", even_size=True, about="H.264 High, 8-bit 4:2:0 (a review copy)"),
    Format("png", (".png",), ("-c:v", "png"), "rgb24", sequence=True,
           about="8-bit RGB PNG sequence"),
    Format("tiff", (".tif",), ("-c:v", "tiff", "-compression_algo", "lzw"), "rgb48le",
           sequence=True, about="16-bit RGB TIFF sequence (LZW)"),
    Format("exr", (".exr",), ("-c:v", "exr", "-format", "half", "-compression", "zip1"),
           "gbrpf32le", sequence=True, about="half-float OpenEXR sequence (display-referred)"),
)}
MUXERS = {".mov": "mov", ".mxf": "mxf", ".mp4": "mp4"}


@dataclass(frozen=True)
class ExportSpec:
    """How to write the segment (what to make is a TransitionSpec)."""

    format: str = "prores"          # a key of FORMATS
    handles: int = 0                # held frames added before and after the transition
    reel: str | None = None         # reel name; None: the output's name
    timecode: str = "00:00:00:00"   # start timecode of the first frame (handles included)
    overwrite: bool = False

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ExportError(f"unknown format '{self.format}' (choose from "
                              f"{', '.join(FORMATS)})")
        if self.handles < 0:
            raise ExportError(f"--handles must be 0 or more, got {self.handles}")



def sequence_name(out_abs: str, fmt: Format) -> str:
    """The file pattern inside a sequence folder: shots/morph -> morph.%06d.png."""
    return SEQUENCE_PATTERN.format(name=os.path.basename(out_abs), ext=fmt.extensions[0][1:])


def check_output(out: str, spec: ExportSpec, inputs: Iterable[str] = ()) -> str:
    """Validate the output name for the format before any work; returns it absolute."""
    fmt = FORMATS[spec.format]
    out_abs = os.path.abspath(out.rstrip("/\\") or out)
    ext = os.path.splitext(out_abs)[1].lower()
    if fmt.sequence and ext:
        raise ExportError(f"{out}: --format {fmt.name} writes a folder of images; give a folder "
                          f"name without an extension (e.g. -o shots/morph makes "
                          f"shots/morph/morph.000000{fmt.extensions[0]})")
    if not fmt.sequence and ext not in fmt.extensions:
        others = [f.name for f in FORMATS.values() if not f.sequence and ext in f.extensions]
        hint = f", or --format {' / '.join(others)} for {ext}" if others else ""
        raise ExportError(f"{out}: --format {fmt.name} writes {' or '.join(fmt.extensions)} "
                          f"files; use -o NAME{fmt.extensions[0]}{hint}")
    for clip in inputs:
        if os.path.exists(out_abs) and os.path.samefile(clip, out_abs):
            raise ExportError(f"{out}: the output would overwrite an input; choose another name")
    if os.path.exists(out_abs):
        if not spec.overwrite:
            raise ExportError(f"{out}: already exists (use --overwrite to replace it)")
        if fmt.sequence != os.path.isdir(out_abs):
            raise ExportError(f"{out}: exists and is a {'folder' if os.path.isdir(out_abs) else 'file'}"
                              f"; --overwrite replaces only a previous export of this kind")
        if fmt.sequence:
            _check_sequence_folder(out_abs, fmt)
    folder = os.path.dirname(out_abs)
    while fmt.sequence and not os.path.lexists(folder):
        folder = os.path.dirname(folder)  # a sequence's missing parents are made for it
    if not os.path.isdir(folder):
        raise ExportError(f"{folder}: output folder does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"{folder}: output folder is not writable")
    return out_abs


def _check_sequence_folder(out_abs: str, fmt: Format) -> None:
    """--overwrite deletes a folder only when it holds nothing but our frames."""
    name = re.escape(os.path.basename(out_abs))
    ours = re.compile(rf"{name}\.\d{{6}}{re.escape(fmt.extensions[0])}")
    strangers = [f for f in os.listdir(out_abs) if not ours.fullmatch(f)]
    if strangers:
        raise ExportError(f"{out_abs}: holds files that are not this export's frames (e.g. "
                          f"{strangers[0]}); remove the folder yourself or choose another name")


def check_size(fmt: Format, width: int, height: int) -> None:
    mw, mh = fmt.min_size
    if width < mw or height < mh:
        raise ExportError(f"--format {fmt.name} needs at least {mw}x{mh} pixels; the clips are "
                          f"{width}x{height} (use prores or an image sequence)")
    if fmt.even_size and (width % 2 or height % 2):
        raise ExportError(f"--format {fmt.name} needs an even width and height; the clips are "
                          f"{width}x{height} (use prores or an image sequence)")


def color_tags(color: str | None) -> tuple[str, str]:
    """(RGB -> YUV matrix, setparams filter or "") so the segment's YUV matches clip A's.

    The frames were decoded from A with A's matrix (untagged: BT.601, swscale's default), so
    encoding back with that matrix gives A's own YUV values at the splice. Tags follow A too:
    BT.709 clips (what generators write) give BT.709-tagged segments, and an untagged clip gives
    an untagged segment, so every application decodes A and the segment the same way (editors
    assume BT.709 for untagged HD, ffmpeg BT.601: tagging only the segment would shift it).
    """
    if color not in MATRICES:
        return "bt470bg", ""
    primaries = {"bt709": "bt709", "bt2020nc": "bt2020", "smpte170m": "smpte170m",
                 "bt470bg": "bt470bg"}.get(color, "bt709")
    trc = "bt709" if color in ("bt709", "bt2020nc") else "smpte170m"
    return color, (f"setparams=range=tv:color_primaries={primaries}:color_trc={trc}"
                   f":colorspace={color}")


def export_args(ff: FFmpegBinary, fmt_name: str, width: int, height: int, fps: Fraction,
                out: str, *, color: str | None = None, timecode: str = "00:00:00:00",
                reel: str = "", start_number: int = 0) -> list[str]:
    """The ffmpeg command that encodes rgb24 frames from stdin into `out` in format fmt_name.

    out: the movie file, or for a sequence the full pattern ".../NAME.%06d.png" (a '%' in the
    folder must already be doubled).
    """
    fmt = FORMATS[fmt_name]
    args = ff.base() + raw_input_args(width, height, fps) + ["-fps_mode", "passthrough"]
    if fmt.sequence:
        return args + ["-vf", f"format={fmt.pix_fmt}", *fmt.codec, "-f", "image2",
                       "-start_number", str(start_number), "-y", "file:" + out]
    matrix, tags = color_tags(color)
    chain_ = f"scale=out_color_matrix={matrix}:out_range=tv,format={fmt.pix_fmt}"
    args += ["-vf", f"{chain_},{tags}" if tags else chain_,
             *fmt.codec, "-pix_fmt", fmt.pix_fmt, "-timecode", timecode]
    muxer = MUXERS[os.path.splitext(out)[1].lower()]
    if reel and muxer == "mov":
        args += ["-metadata:s:v:0", f"reel_name={reel}"]  # the tmcd track's name
    elif reel and muxer == "mxf":
        args += ["-metadata", f"reel_name={reel}"]       # the physical source package
    return args + ["-an", "-f", muxer, "-y", input_url(out)]
