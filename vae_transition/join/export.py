"""export: the transition from clip A to clip B alone, in an editor's format.

The same plan and the same cut step as `join a b`, so the frames are the very ones join splices,
and a transition join has made (or export has made before) comes from the cache. Handles come
from the plan too: insert mode's are held copies of the frames beside the cut (see
docs/editors.md for why not an extrapolated morph), overlap mode's the clips' own frames beside
the overlap.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from itertools import chain

from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo
from vae_transition import workdirs
from vae_transition.cache import cache_dir
from vae_transition.export.formats import FORMATS, ExportError, ExportSpec, check_size
from vae_transition.export.write import ExportResult, export_frames
from vae_transition.join.clipframes import read_frames
from vae_transition.join.cuts import CutProgress, cut_tasks, make_cut, segment_frames
from vae_transition.join.notes import alpha_notes
from vae_transition.join.plan import JoinPlan, plan_join
from vae_transition.timing import parse_timecode


def _quiet(message: str) -> None:
    pass


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def export_segment(ff: FFmpegBinary, a: ClipInfo, b: ClipInfo, tspec, spec: ExportSpec,
                   out: str, model=None, log: Callable[[str], None] = _quiet,
                   points=(None, None), cache: bool = True,
                   progress: Callable[[str, int, int], None] = _no_progress) -> ExportResult:
    """Make the A -> B transition exactly as join does for that cut (or find it in the cache),
    and write it to `out` with spec.handles handles on each side.

    points: (A's, B's) timing.ClipPoints or None. progress(stage, done, total): "transition"
    as its frames are made, then "writing" as they are encoded.
    """
    check_size(FORMATS[spec.format], a.width, a.height)
    parse_timecode(spec.timecode, a.fps)  # a bad --timecode fails before the morph
    for line in alpha_notes([a, b]):
        log(line)
    plan = plan_join([a, b], tspec, points=points)
    before, after = _handles(ff, plan, spec.handles)
    folder = str(cache_dir() / "segments") if cache else None
    (task,) = cut_tasks(plan, ff, folder, keep_frames=True)
    workdirs.sweep()
    workdir = workdirs.make("export")
    try:
        made = make_cut(task, model, workdir, log=log, progress=_stage(progress, "transition"))
        if made.cached:
            log("the transition was made before: read from the cache")
        frames = chain(before, segment_frames(ff, made), after)
        shown = replace(a, width=plan.fmt.width, height=plan.fmt.height)  # an odd A made even
        result = export_frames(ff, frames, spec, out, shown, tspec.frames,
                               progress=_stage(progress, "writing"))
    finally:
        workdirs.remove(workdir)
    return replace(result, ranges=tuple(plan.source_ranges()))


def _handles(ff: FFmpegBinary, plan: JoinPlan, n: int):
    """A's and B's handle frames, as the plan's cut says (read before the morph, so that a clip
    too short for them fails at once)."""
    (cut,), (a, b) = plan.cuts, plan.clips
    a_idx, b_idx = cut.handles(n)
    if cut.overlap:
        room = (cut.a_range[0] - plan.uses[0].first, plan.uses[1].end - cut.b_range[1])
        for info, have in zip((a, b), room):
            if have < n:
                raise ExportError(f"{os.path.basename(info.path)}: --handles {n} needs {n} "
                                  f"frames beside the overlap; it has {have}")
    conform = not plan.passthrough
    return (read_frames(ff, a, a_idx, plan.fmt, conform),
            read_frames(ff, b, b_idx, plan.fmt, conform))


def _stage(progress: Callable[[str, int, int], None], stage: str) -> CutProgress:
    return lambda done, total: progress(stage, done, total)
