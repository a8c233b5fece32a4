"""The one door from the batch to the join: plan a job, make one cut, splice and publish.

Each step takes and returns plain, picklable data (the JoinRequest, the JoinPlan, CutTasks and
CutResults: paths, numbers, probed clip infos), so any worker process, on this machine or on
another that sees the same folders, can run any step; the model is passed beside a cut, never
inside it. The steps are the join's own (pipeline.join runs them in one process), in the same
order, so a job's output has exactly the frames `vae-transition join` gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import limits, outputs
from vae_transition.join import pipeline, sides
from vae_transition.join.cuts import CutResult, CutTask, cut_tasks, make_cut
from vae_transition.join.notes import plan_notes
from vae_transition.join.pipeline import JoinRequest, JoinResult
from vae_transition.join.plan import JoinPlan

__all__ = ["JobPlan", "plan_job", "tasks", "make_cut", "splice_job"]


@dataclass(frozen=True)
class JobPlan:
    """A job's plan with what the driver needs beside it."""

    request: JoinRequest
    out_abs: str
    plan: JoinPlan
    notes: tuple[str, ...]          # what `join` would say on stderr about the path it takes
    seconds: float                  # checking the paths and probing the clips


def plan_job(req: JoinRequest, ff: FFmpegBinary) -> JobPlan:
    """Check the paths, probe the clips and plan the output, as join() does before its cuts."""
    start = time.perf_counter()
    out_abs = pipeline.check_paths(req.clips, req.out, req.overwrite)
    sides.check_free(req, out_abs)
    if req.size:
        limits.check_size(*req.size)
    plan = pipeline.plan_request(req, pipeline.probe_all(ff, req.clips))
    return JobPlan(req, out_abs, plan, tuple(plan_notes(plan)), time.perf_counter() - start)


def tasks(job: JobPlan, ff: FFmpegBinary, cache: str | None) -> list[CutTask]:
    """Every cut of a planned job, in cut order (cache: the segments folder, or None)."""
    req = job.request
    return cut_tasks(job.plan, ff, cache if req.cache else None, req.score,
                     keep_frames=bool(req.timelines))


def splice_job(job: JobPlan, results: list[CutResult], ff: FFmpegBinary, workdir: str,
               claim: Callable[[str], None] = lambda tmp: None) -> JoinResult:
    """Splice the clips and the made segments into the output, check its frame count, and put
    it in place with its side files (whole or not at all). claim(tmp) runs just before."""
    out_tmp = outputs.tmp_name(job.out_abs)
    timings = {"probe": job.seconds, "transitions": sum(r.seconds for r in results)}
    if any(r.scores is not None for r in results):
        timings["scoring"] = sum(r.score_seconds for r in results)
    try:
        pipeline.splice_checked(ff, job.plan, results, workdir, out_tmp, timings=timings)
        claim(out_tmp)
        previews, written = sides.publish_all(ff, job.request, job.plan, results, out_tmp,
                                              job.out_abs)
    finally:
        outputs.remove_quietly(out_tmp)
    return JoinResult(job.out_abs, job.plan, tuple(results), timings, previews, tuple(written))
