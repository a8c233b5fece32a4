"""The files a join adds beside OUT (--preview, --timeline) and putting the set in place:
OUT and all of them, or (on any error, Ctrl-C included) none of them.

Both read the join plan: previews find each transition in OUT at the plan's spans, timelines
place the clips with the plan's ranges and the transitions' own frames.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import outputs
from vae_transition.export.formats import ExportSpec
from vae_transition.export.write import clip_timecode, export_frames, timeline_segment
from vae_transition.join import previews
from vae_transition.join.cuts import CutResult, segment_frames
from vae_transition.join.plan import JoinError, JoinPlan
from vae_transition.timeline.model import EXTENSIONS, build_timeline, parse_formats
from vae_transition.timeline.write import write_timelines


def preview_paths(out_abs: str, cuts: int) -> list[str]:
    """OUT.cutNN.png and OUT.cutNN.gif for every cut (join --preview)."""
    stem = os.path.splitext(out_abs)[0]
    return [f"{stem}.cut{k:02d}.{ext}" for k in range(1, cuts + 1) for ext in ("png", "gif")]


def side_paths(req, out_abs: str) -> list[str]:
    """Every file req's --preview and --timeline add beside OUT (req: pipeline.JoinRequest)."""
    paths = preview_paths(out_abs, len(req.clips) - 1) if req.preview else []
    if req.timelines:
        paths += join_export_paths(out_abs, len(req.clips) - 1, req.timelines)
    return paths


def check_free(req, out_abs: str) -> None:
    """Before any work: the files --preview / --timeline add must be free (or --overwrite)."""
    for path in side_paths(req, out_abs):
        outputs.check_name(path)
        if os.path.lexists(path) and not req.overwrite:
            raise JoinError(f"{path}: already exists (use --overwrite to replace it)")


def publish_all(ff: FFmpegBinary, req, plan: JoinPlan, results: Sequence[CutResult],
                out_tmp: str, out_abs: str) -> tuple[tuple[str, ...], list[str]]:
    """Put OUT in place (never clobbering without --overwrite), then write its previews and
    timelines; on any error remove what this join made or replaced. (previews, timelines)."""
    mine = outputs.identities([out_tmp])[out_tmp]
    before = outputs.identities(side_paths(req, out_abs))
    published = False
    try:
        outputs.publish(out_tmp, out_abs, req.overwrite)
        published = True
        shown = write_previews(ff, out_abs, plan.transition_spans) if req.preview else ()
        written = join_timelines(ff, plan, results, out_abs, req.timelines) \
            if req.timelines else []
    except BaseException:
        outputs.remove_if_same(out_abs, mine)  # ours, even if a signal split the publish
        if published:  # a join that lost the race made no side file: the winner's stay
            outputs.remove_changed(before)
        raise
    return shown, written


def write_previews(ff: FFmpegBinary, out_abs: str,
                   spans: Sequence[tuple[int, int]]) -> tuple[str, ...]:
    """OUT.cutNN.png (contact sheet) and OUT.cutNN.gif for every transition [start, end),
    read from OUT with the frame on each side."""
    joined = probe.probe(ff, out_abs)
    paths = preview_paths(out_abs, len(spans))
    for k, (start, end) in enumerate(spans):
        seq = list(frames.iter_frames(ff, joined, start=start - 1, count=end - start + 2))
        previews.write_png(paths[2 * k], previews.transition_sheet(seq))
        previews.write_gif(ff, out_abs, start - 1, end, paths[2 * k + 1])
    return tuple(paths)


def join_segment_paths(out_abs: str, cuts: int) -> list[str]:
    """joined.mp4 -> [joined.t01.mov, joined.t02.mov, ...] (ProRes 422 HQ)."""
    stem = os.path.splitext(out_abs)[0]
    return [f"{stem}.t{k:02d}.mov" for k in range(1, cuts + 1)]


def join_export_paths(out_abs: str, cuts: int, formats: Iterable[str]) -> list[str]:
    """Every file a join with --timeline adds: the segments and the timelines."""
    stem = os.path.splitext(out_abs)[0]
    return join_segment_paths(out_abs, cuts) + [stem + EXTENSIONS[f]
                                                for f in parse_formats(list(formats))]


def check_join_exports(out_abs: str, cuts: int, formats: Iterable[str], overwrite: bool) -> None:
    """Before a join with --timeline: every file it will add must be free (or --overwrite)."""
    for path in join_export_paths(out_abs, cuts, formats):
        if os.path.exists(path) and not overwrite:
            raise JoinError(f"{path}: already exists (use --overwrite to replace it)")


def join_timelines(ff: FFmpegBinary, plan: JoinPlan, results: Sequence[CutResult], out_abs: str,
                   formats: Iterable[str]) -> list[str]:
    """Write each cut's transition as NAME.tNN.mov (ProRes) beside the joined file, from its
    made frames, and NAME.otio/.xml/... placing clip, transition, clip, ... as the plan does."""
    spec = ExportSpec("prores", overwrite=True)
    shown = replace(plan.clips[0], width=plan.fmt.width, height=plan.fmt.height)
    exported = []
    for result, path in zip(results, join_segment_paths(out_abs, len(results))):
        upright = segment_frames(ff, result, plan.fmt.rotation if plan.passthrough else 0)
        exported.append(export_frames(ff, upright, spec, path, shown, result.frames))
    stem = os.path.splitext(out_abs)[0]
    tl = build_timeline(os.path.basename(stem), plan.clips,
                        [timeline_segment(r) for r in exported],
                        [clip_timecode(ff, c) for c in plan.clips], ranges=plan.source_ranges(),
                        overlap=plan.spec.overlap)
    return [r.path for r in exported] + write_timelines(tl, list(formats), stem)
