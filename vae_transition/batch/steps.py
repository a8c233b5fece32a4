"""The one door from the batch to the join: plan a job, make one cut, splice and publish.

Each step takes and returns plain, picklable data (frozen dataclasses of paths, numbers and
probed clip infos), so any worker process, on this machine or another one that sees the same
folders, can run any step; the model is passed beside a cut, never inside it. The steps are the
join's own functions in the join's order, so a job's output has exactly the frames that
`vae-transition join` gives for the same clips and options.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ffmpeg_scripts import encode, splice
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo
from vae_transition import limits, outputs
from vae_transition.join import assemble, clipframes, pipeline, sides
from vae_transition.join import plan as layout
from vae_transition.join.cuts import Cut, CutJob, CutResult, make_segment
from vae_transition.join.pipeline import JoinError, JoinRequest, JoinResult
from vae_transition.morph.transition import TransitionSpec

Log = Callable[[str], None]


@dataclass(frozen=True)
class JobPlan:
    """Where every frame of one job's output comes from, and the notes the join would give."""

    request: JoinRequest
    out_abs: str
    infos: tuple[ClipInfo, ...]
    fmt: encode.VideoFormat
    passthrough: bool
    uses: tuple[layout.ClipUse, ...]
    cut_uses: tuple[layout.CutUse, ...]
    lengths: tuple[int, ...]            # each cut's transition frames
    parts: tuple[layout.Part, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class CutTask:
    """One cut as plain data: which frames of which clips, and how to make and encode it."""

    index: int
    a: ClipInfo
    b: ClipInfo
    use: layout.CutUse
    a_first: int                        # A's in point and B's end: the reads stay inside them
    b_end: int
    spec: TransitionSpec                # frames: this cut's length
    fmt: encode.VideoFormat
    passthrough: bool
    cache: str | None                   # segment cache folder (shared by every worker), or None
    score: bool


def plan_job(req: JoinRequest, ff: FFmpegBinary) -> JobPlan:
    """Check the paths, probe the clips and lay the output out, as join() does before its cuts."""
    out_abs = pipeline.check_paths(req.clips, req.out, req.overwrite)
    sides.check_free(req, out_abs, JoinError)
    if req.size:
        limits.check_size(*req.size)
    infos = pipeline.probe_all(ff, req.clips, lambda stage, done, total: None)
    fmt = pipeline.target_format(req, infos[0])
    passthrough = (not req.reencode and fmt == encode.VideoFormat.of(infos[0])
                   and all(splice.can_passthrough(infos[0], i) for i in infos[1:]))
    notes = pipeline.conform_notes(infos, fmt) + clipframes.alpha_notes(infos)
    ranges, lengths = pipeline.resolve_timing(req, infos, fmt)
    uses, cut_uses = layout.lay_out(ranges, lengths, req.spec.overlap,
                                    [os.path.basename(c) for c in req.clips])
    parts = layout.parts(uses, cut_uses, [i.keyframes for i in infos] if passthrough else None,
                         [i.frame_count for i in infos], [i.exact_seek for i in infos])
    return JobPlan(req, out_abs, tuple(infos), fmt, passthrough, tuple(uses), tuple(cut_uses),
                   tuple(lengths), tuple(parts), tuple(dict.fromkeys(notes)))


def cut_tasks(plan: JobPlan, cache: str | None) -> list[CutTask]:
    """Every cut of a planned job, in cut order."""
    spec = plan.request.spec
    return [CutTask(k, plan.infos[k], plan.infos[k + 1], use, plan.uses[k].first,
                    plan.uses[k + 1].end, replace(spec, frames=plan.lengths[k]), plan.fmt,
                    plan.passthrough, cache if plan.request.cache else None, plan.request.score)
            for k, use in enumerate(plan.cut_uses)]


def make_cut(task: CutTask, ff: FFmpegBinary, model, model_id: str, workdir: str,
             log: Log = lambda s: None) -> CutResult:
    """One cut's transition segment in workdir (or its verified copy from the cache)."""
    extra = clipframes.context_frames(task.spec)
    tail, head = clipframes.cut_inputs(ff, task.a, task.b, task.use, task.a_first, task.b_end,
                                       extra, task.fmt, not task.passthrough)
    cut = Cut(task.index, tuple(tail), tuple(head), task.spec)
    job = CutJob(ff, task.fmt, task.passthrough, workdir, model, model_id if task.cache else "",
                 task.cache, task.score, log)
    return make_segment(cut, job, threading.Event())


def splice_job(plan: JobPlan, results: list[CutResult], ff: FFmpegBinary, workdir: str,
               claim: Callable[[str], None] = lambda tmp: None) -> JoinResult:
    """Splice the clips and the made segments into the output, check its frame count, and put
    it in place with its side files (whole or not at all). claim(tmp) runs just before."""
    req, out_tmp = plan.request, outputs.tmp_name(plan.out_abs)
    try:
        t0 = time.perf_counter()
        pieces = assemble.pieces(ff, plan.parts, plan.infos, [r.segment for r in results],
                                 plan.fmt, plan.passthrough, workdir)
        t1 = time.perf_counter()
        spliced = splice.SplicePlan(pieces, plan.fmt, out_tmp, splice.muxer_for(plan.out_abs),
                                    plan.passthrough, assemble.sounds(plan.infos, plan.uses),
                                    plan.lengths)
        splice.splice(ff, spliced)
        pipeline.check_written(ff, out_tmp, spliced.total_frames)
        claim(out_tmp)
        spans = assemble.transition_spans(plan.parts)
        turn = plan.fmt.rotation if plan.passthrough else 0  # how the segments are stored
        ranges = assemble.source_ranges(plan.infos, plan.uses, plan.fmt.fps)
        previews, written = sides.publish_all(ff, req, plan.infos, results, spans, out_tmp,
                                              plan.out_abs, turn, ranges)
    finally:
        outputs.remove_quietly(out_tmp)
    timings = {"smart_render": t1 - t0, "splice": time.perf_counter() - t1}
    reencoded = layout.reencoded_frames(plan.parts) if plan.passthrough else 0
    return JoinResult(plan.out_abs, plan.passthrough, spliced.total_frames, spans, plan.fmt.fps,
                      plan.fmt.width, plan.fmt.height, spliced.has_audio, timings,
                      tuple(results), previews, tuple(written), reencoded,
                      tuple(u.body for u in plan.uses))
