"""export: the transition segment alone, in a format editors ingest (ProRes, DNxHR, H.264, or an
image sequence), with optional handles, a reel name and a start timecode.

The frames are the ones `join` splices: A's last frame and B's first (conformed to A's size) fed
to make_transition with the same TransitionSpec. Handles are held copies of those two frames
(see docs/editors.md for why not an extrapolated morph). Output appears whole or not at all: a
movie is written under a hidden temporary name, a sequence into a hidden temporary folder, and
renamed when ffmpeg has finished.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import chain, repeat

import numpy as np

from ffmpeg_scripts.encode import MATRICES, VideoFormat, raw_input_args, write_frames
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo, input_url
from ffmpeg_scripts.process import run_capture
from vae_transition import outputs
from vae_transition.timing import parse_timecode

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
    about: str = ""


FORMATS = {f.name: f for f in (
    Format("prores", (".mov",), ("-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0"),
           "yuv422p10le", about="Apple ProRes 422 HQ, 10-bit 4:2:2, .mov"),
    Format("prores4444", (".mov",), ("-c:v", "prores_ks", "-profile:v", "4444", "-vendor",
                                     "apl0", "-alpha_bits", "0"),
           "yuv444p10le", about="Apple ProRes 4444 without alpha, 10-bit 4:4:4, .mov"),
    Format("dnxhr", (".mov", ".mxf"), ("-c:v", "dnxhd", "-profile:v", "dnxhr_hq"), "yuv422p",
           min_size=(256, 120), about="Avid DNxHR HQ, 8-bit 4:2:2, .mov or .mxf"),
    Format("dnxhr-hqx", (".mov", ".mxf"), ("-c:v", "dnxhd", "-profile:v", "dnxhr_hqx"),
           "yuv422p10le", min_size=(256, 120), about="Avid DNxHR HQX, 10-bit 4:2:2, .mov or .mxf"),
    Format("h264", (".mp4",), ("-c:v", "libx264", "-preset", "medium", "-crf", "12",
                               "-profile:v", "high", "-movflags", "+faststart"),
           "yuv420p", even_size=True, about="H.264 High, 8-bit 4:2:0, .mp4 (review copies)"),
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


@dataclass(frozen=True)
class ExportResult:
    path: str                       # absolute: the movie file, or the sequence's folder
    format: str
    frames: int                     # frames written: transition_frames + 2 * handles
    transition_frames: int
    handles: int
    fps: Fraction
    width: int
    height: int
    reel: str
    start_frame: int                # the start timecode as frames
    sequence: tuple[str, int] | None = None  # ("NAME.%06d.png", first number) for sequences
    ranges: tuple[tuple[int, int], ...] = ()  # A's and B's frames shown beside it (timelines)


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


def with_handles(frames: Iterable[np.ndarray], a_last: np.ndarray, b_first: np.ndarray,
                 handles: int) -> Iterator[np.ndarray]:
    """K held copies of A's last frame, the transition, K held copies of B's first frame."""
    return chain(repeat(a_last, handles), frames, repeat(b_first, handles))


def export_frames(ff: FFmpegBinary, frames: Iterable[np.ndarray], spec: ExportSpec, out: str,
                  clip: ClipInfo, transition_frames: int) -> ExportResult:
    """Encode frames (transition_frames + 2 * spec.handles of them, at clip's size, rate and
    colour) to `out` in spec.format. `out` must have passed check_output."""
    fmt = FORMATS[spec.format]
    out_abs = os.path.abspath(out)
    check_size(fmt, clip.width, clip.height)
    start = parse_timecode(spec.timecode, clip.fps)
    reel = spec.reel or os.path.splitext(os.path.basename(out_abs))[0]
    tmp = outputs.tmp_name(out_abs)
    target, sequence = tmp, None
    if fmt.sequence:
        sequence = (sequence_name(out_abs, fmt), start)
        target = os.path.join(tmp, sequence[0].replace("%06d", "\0")).replace(
            "%", "%%").replace("\0", "%06d")
    args = export_args(ff, fmt.name, clip.width, clip.height, clip.fps, target, color=clip.color,
                       timecode=spec.timecode, reel=reel, start_number=start)
    expected = transition_frames + 2 * spec.handles
    made = outputs.make_parents(out_abs) if fmt.sequence else []
    try:
        if fmt.sequence:
            os.mkdir(tmp)
        n = write_frames(args, frames, (clip.width, clip.height))
        if n != expected:
            raise ExportError(f"the segment has {n} frames, expected {expected}")
        outputs.publish(tmp, out_abs, spec.overwrite)
    except BaseException:
        outputs.remove_empty(made)  # only the folders this export made
        raise
    finally:
        outputs.remove_quietly(tmp)
    return ExportResult(out_abs, fmt.name, expected, transition_frames, spec.handles, clip.fps,
                        clip.width, clip.height, reel, start, sequence)


def export_segment(ff: FFmpegBinary, a: ClipInfo, b: ClipInfo, tspec, spec: ExportSpec,
                   out: str, model=None, log: Callable[[str], None] = lambda s: None,
                   points=(None, None)) -> ExportResult:
    """Make the A -> B transition exactly as join does for that cut, and export it with handles.

    points: (A's, B's) timing.ClipPoints or None. Insert mode's handles are held copies of the
    frames beside the cut; overlap mode's are the clips' own frames beside the overlap.
    """
    from vae_transition import assemble, clipframes, cuts, layout

    fmt = FORMATS[spec.format]
    check_size(fmt, a.width, a.height)
    parse_timecode(spec.timecode, a.fps)  # a bad --timecode fails before the morph
    for line in clipframes.alpha_notes([a, b]):
        log(line)
    vf = VideoFormat.of(a)
    conform = (b.width, b.height, b.fps) != (a.width, a.height, a.fps)
    ranges = clipframes.clip_ranges([a, b], points, vf)
    names = [os.path.basename(i.path) for i in (a, b)]
    uses, (use,) = layout.lay_out(ranges, [tspec.frames], tspec.overlap, names)
    extra = spec.handles if tspec.overlap else clipframes.context_frames(tspec)
    if tspec.overlap:
        _check_handles(uses, use, spec.handles, names)
    tail, head = clipframes.cut_inputs(ff, a, b, use, uses[0].first, uses[1].end, extra, vf,
                                       conform)
    tuned = cuts.pair_model(model, tail, head, tspec, log)
    frames = _with_handles(tail, head, tspec, spec.handles, tuned)
    result = export_frames(ff, frames, spec, out, a, tspec.frames)
    return replace(result, ranges=tuple(assemble.source_ranges([a, b], uses, vf.fps)))


def _check_handles(uses, use, handles: int, names) -> None:
    """Overlap handles are real frames: each clip must have them beside the overlap."""
    room = (use.a_range[0] - uses[0].first, uses[1].end - use.b_range[1])
    for name, have in zip(names, room):
        if have < handles:
            raise ExportError(f"{name}: --handles {handles} needs {handles} frames beside the "
                              f"overlap; it has {have}")


def _with_handles(tail, head, tspec, handles: int, model) -> Iterator[np.ndarray]:
    from vae_transition.transition import make_overlap, make_transition

    if tspec.overlap:
        n = tspec.frames
        morph = make_overlap(tail[len(tail) - n:], head[:n], tspec, model)
        return chain(tail[len(tail) - n - handles:len(tail) - n], morph, head[n:n + handles])
    return with_handles(make_transition(tail[-1], head[0], tspec, model), tail[-1], head[0],
                        handles)


# --- the clips' own timecode ----------------------------------------------------------------

def timecode_args(ff: FFmpegBinary, path: str) -> list[str]:
    """Open the file and copy one packet to nowhere: stderr shows its header and metadata."""
    return [*ff.base("info"), "-i", input_url(path), "-map", "0:V:0", "-c", "copy",
            "-frames:v", "1", "-f", "null", "-"]


def parse_clip_timecode(stderr: str) -> str | None:
    """The first "timecode : 01:00:00:00" in an input header (tmcd track, MXF, QuickTime)."""
    header = stderr.split("Output #0", 1)[0]
    m = re.search(r"^\s*timecode\s*:\s*(\d\d:\d\d:\d\d[:;.]\d\d)\s*$", header, re.MULTILINE)
    return m.group(1) if m else None


def clip_timecode(ff: FFmpegBinary, info: ClipInfo) -> int:
    """A clip's start timecode as frames (0 when it has none, like most generated clips)."""
    _, stderr = run_capture(timecode_args(ff, info.path), what="ffmpeg (timecode)")
    tc = parse_clip_timecode(stderr)
    if tc is None:
        return 0
    try:
        return parse_timecode(tc.replace(";", ":").replace(".", ":"), info.fps)
    except ValueError:
        return 0  # a timecode we cannot count: place the clip from 0 rather than fail


def timeline_segment(result: ExportResult):
    """An exported segment as a timeline places it (timeline.Segment)."""
    from vae_transition.timeline import Segment

    return Segment(result.path, result.frames, result.transition_frames, result.handles,
                   result.fps, result.width, result.height, result.start_frame, result.reel,
                   result.sequence)
