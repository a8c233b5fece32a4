"""export: the transition from clip A to clip B alone, made exactly as `join` makes that cut,
and written in an editor's format (export/write.py).

Insert mode's handles are held copies of the frames beside the cut (see docs/editors.md for why
not an extrapolated morph); overlap mode's are the clips' own frames beside the overlap.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import chain

import numpy as np

from ffmpeg_scripts.encode import VideoFormat
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo
from vae_transition.export.formats import FORMATS, ExportError, ExportSpec, check_size
from vae_transition.export.write import ExportResult, export_frames, with_handles
from vae_transition.join import assemble, clipframes, cuts
from vae_transition.join import plan as layout
from vae_transition.morph.transition import make_overlap, make_transition
from vae_transition.timing import parse_timecode


def export_segment(ff: FFmpegBinary, a: ClipInfo, b: ClipInfo, tspec, spec: ExportSpec,
                   out: str, model=None, log: Callable[[str], None] = lambda s: None,
                   points=(None, None)) -> ExportResult:
    """Make the A -> B transition exactly as join does for that cut, and export it with handles.

    points: (A's, B's) timing.ClipPoints or None. Insert mode's handles are held copies of the
    frames beside the cut; overlap mode's are the clips' own frames beside the overlap.
    """
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
    if tspec.overlap:
        n = tspec.frames
        morph = make_overlap(tail[len(tail) - n:], head[:n], tspec, model)
        return chain(tail[len(tail) - n - handles:len(tail) - n], morph, head[n:n + handles])
    return with_handles(make_transition(tail[-1], head[0], tspec, model), tail[-1], head[0],
                        handles)
