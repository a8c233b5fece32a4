"""Writing a transition segment in an editor's format: frames in, a movie file or an image
sequence out, with handles, a reel name and a start timecode.

Output appears whole or not at all: a movie is written under a hidden temporary name, a sequence
into a hidden temporary folder, and renamed when ffmpeg has finished.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ffmpeg_scripts.editor import FORMATS, export_args
from ffmpeg_scripts.encode import write_frames
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo, start_timecode
from vae_transition import outputs
from vae_transition.export.formats import ExportError, ExportSpec, check_size, sequence_name
from vae_transition.timeline.model import Segment
from vae_transition.timing import parse_timecode


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


def export_frames(ff: FFmpegBinary, frames: Iterable[np.ndarray], spec: ExportSpec, out: str,
                  clip: ClipInfo, transition_frames: int,
                  progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Encode frames (transition_frames + 2 * spec.handles of them, at clip's size, rate and
    colour) to `out` in spec.format. `out` must have passed check_output. progress(done,
    total) is called as frames are written."""
    fmt = FORMATS[spec.format]
    out_abs = os.path.abspath(out)
    check_size(fmt, clip.width, clip.height)
    start = parse_timecode(spec.timecode, clip.fps)
    reel = spec.reel or os.path.splitext(os.path.basename(out_abs))[0]
    sequence = (sequence_name(out_abs, fmt), start) if fmt.sequence else None
    expected = transition_frames + 2 * spec.handles
    made = outputs.make_parents(out_abs) if fmt.sequence else []
    try:
        with outputs.atomic(out_abs, spec.overwrite) as tmp:
            target = tmp
            if fmt.sequence:  # a folder of frames: NAME.%06d.EXT inside ('%' in it doubled)
                os.mkdir(tmp)
                target = os.path.join(tmp, sequence[0].replace("%06d", "\0")).replace(
                    "%", "%%").replace("\0", "%06d")
            args = export_args(ff, fmt.name, clip.width, clip.height, clip.fps, target,
                               colour=clip.colour, timecode=spec.timecode, reel=reel,
                               start_number=start)
            n = write_frames(args, _counted(frames, expected, progress), (clip.width, clip.height))
            if n != expected:
                raise ExportError(f"the segment has {n} frames, expected {expected}")
    except BaseException:
        outputs.remove_empty(made)  # only the folders this export made
        raise
    return ExportResult(out_abs, fmt.name, expected, transition_frames, spec.handles, clip.fps,
                        clip.width, clip.height, reel, start, sequence)



# --- the clips' own timecode ----------------------------------------------------------------

def _counted(frames: Iterable[np.ndarray], total: int, progress) -> Iterator[np.ndarray]:
    for done, frame in enumerate(frames, 1):
        yield frame
        if progress:
            progress(done, total)


def clip_timecode(ff: FFmpegBinary, info: ClipInfo) -> int:
    """A clip's start timecode as frames (0 when it has none, like most generated clips)."""
    tc = start_timecode(ff, info.path)
    if tc is None:
        return 0
    try:
        return parse_timecode(tc.replace(";", ":").replace(".", ":"), info.fps)
    except ValueError:
        return 0  # a timecode we cannot count: place the clip from 0 rather than fail


def timeline_segment(result: ExportResult):
    """An exported segment as a timeline places it (timeline.Segment)."""
    return Segment(result.path, result.frames, result.transition_frames, result.handles,
                   result.fps, result.width, result.height, result.start_frame, result.reel,
                   result.sequence)
