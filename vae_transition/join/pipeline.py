"""join: clips in, one joined clip out, in four steps: plan -> cuts -> splice -> publish.

1. plan: probe the clips and decide where every output frame comes from (plan.py);
2. cuts: make each cut's transition, in parallel and cached (cuts.py);
3. splice: put the clips' frames and the transitions together in one ffmpeg run (assemble.py,
   ffmpeg_scripts/splice.py), and check the written file against the plan;
4. publish: move it into place with its previews and timelines, or nothing (sides.py).

Nothing here exits or prints: notes go to a `log` callable; problems raise JoinError (plan.py)
or the ffmpeg_scripts / model errors, which the CLI turns into one-line messages.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction

from ffmpeg_scripts import probe, splice
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import limits, outputs, tensors, workdirs
from vae_transition.background import Pending
from vae_transition.cache import cache_dir
from vae_transition.join import assemble, record, sides
from vae_transition.join.check import Inputs, check_written, damage_notes, full_disk
from vae_transition.join.cuts import CutResult, cut_tasks, run_cuts
from vae_transition.join.notes import plan_notes
from vae_transition.join.plan import COPY, REENCODE, JoinError, JoinPlan, plan_join
from vae_transition.morph.transition import TransitionSpec

__all__ = ["JoinError", "JoinRequest", "JoinResult", "check_written", "join", "model_loading",
           "plan_request", "splice_checked"]
Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _quiet(message: str) -> None:
    pass


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class JoinRequest:
    """What the user asked for, already parsed."""

    clips: tuple[str, ...]          # two or more input paths, in order
    out: str                        # output path (.mp4, .mov, .mkv)
    spec: TransitionSpec = field(default_factory=TransitionSpec)
    overwrite: bool = False
    reencode: bool = False          # force the re-encode path
    cut_lengths: tuple = ()         # per cut: frames (int), a timing.Time, or None (the default)
    duration: object = None         # timing.Time: the default length in time (else spec.frames)
    points: tuple = ()              # per clip: timing.ClipPoints (in/out), or None (whole clip)
    size: tuple[int, int] | None = None       # conform target (w, h); None: the first clip's
    fps: Fraction | None = None               # conform target rate; None: the first clip's
    jobs: int = 1                   # cuts made in parallel
    cache: bool = True              # reuse segments and adaptations of unchanged cuts (cuts.py)
    score: bool = False             # measure each transition (metrics.py)
    preview: bool = False           # write a contact sheet and a GIF of each transition
    timelines: tuple[str, ...] = ()  # editor timelines to write beside OUT (timeline formats)


@dataclass(frozen=True)
class JoinResult:
    out: str                        # absolute path written
    plan: JoinPlan                  # what was done, frame by frame
    cut_results: tuple[CutResult, ...] = ()
    timings: dict = field(default_factory=dict)      # stage -> seconds
    previews: tuple[str, ...] = ()                   # files written by --preview
    timeline_files: tuple[str, ...] = ()             # segments + timelines from --timeline

    @property
    def passthrough(self) -> bool:
        return self.plan.passthrough

    @property
    def total_frames(self) -> int:
        return self.plan.total_frames

    @property
    def fps(self) -> Fraction:
        return self.plan.fmt.fps

    @property
    def width(self) -> int:
        return self.plan.fmt.width

    @property
    def height(self) -> int:
        return self.plan.fmt.height

    @property
    def has_audio(self) -> bool:
        return self.plan.has_audio

    @property
    def cuts(self) -> tuple[tuple[int, int], ...]:
        """Each transition's output frames, [start, end)."""
        return self.plan.transition_spans

    @property
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """Each clip's frames shown outside transitions, [start, end) in the clip."""
        return tuple(u.body for u in self.plan.uses)

    @property
    def copied(self) -> int:
        """Clip frames whose packets are stream-copied."""
        return self.plan.count(COPY)

    @property
    def reencoded(self) -> int:
        """Clip frames decoded and encoded again (all of them on the re-encode path)."""
        return self.plan.count(REENCODE)


def check_paths(clips: tuple[str, ...], out: str, overwrite: bool) -> str:
    """Validate input/output paths before any work; returns the absolute output path."""
    if len(clips) < 2:
        raise JoinError("join needs at least two clips")
    limits.check_clip_count(len(clips))
    out_abs = os.path.abspath(out)
    splice.muxer_for(out_abs)
    outputs.check_name(out_abs)
    for clip in clips:  # probe() says what is wrong with an input itself
        if os.path.exists(clip) and os.path.exists(out_abs) and os.path.samefile(clip, out_abs):
            raise JoinError(f"{out}: the output would overwrite an input; choose another name")
    if os.path.isdir(out_abs):
        raise JoinError(f"{out}: is a directory; give a file name such as joined.mp4")
    if os.path.exists(out_abs) and not overwrite:
        raise JoinError(f"{out}: already exists (use --overwrite to replace it)")
    folder = os.path.dirname(out_abs)
    if not os.path.isdir(folder):
        raise JoinError(f"{folder}: output folder does not exist")
    try:  # os.access says yes to root even where writing fails (read-only mounts, /proc)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        raise JoinError(f"{folder}: output folder is not writable ({exc.strerror})") from None
    return out_abs


def probe_all(ff: FFmpegBinary, clips, progress: Progress = _no_progress) -> list[probe.ClipInfo]:
    """Every clip probed, a few at once (each is an ffmpeg run listing its packets); the first
    bad clip in the list is the one reported."""
    infos = []
    pool = ThreadPoolExecutor(max_workers=min(4, len(clips) or 1))
    try:
        for info in pool.map(lambda clip: probe.probe(ff, clip), clips):
            infos.append(info)
            progress("probing", len(infos), len(clips))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # after a bad clip, probe no more
    for info in infos:
        limits.check_size(info.width, info.height, os.path.basename(info.path))
    return infos


def plan_request(req: JoinRequest, infos: list[probe.ClipInfo]) -> JoinPlan:
    """The plan of a request, from its probed clips."""
    return plan_join(infos, req.spec, points=req.points, lengths=req.cut_lengths,
                     duration=req.duration, size=req.size, fps=req.fps, reencode=req.reencode)


def join(req: JoinRequest, ff: FFmpegBinary, log: Callable[[str], None] = _quiet,
         model=None, progress: Progress = _no_progress) -> JoinResult:
    """Join req.clips into req.out: plan -> cuts -> splice -> publish. The output appears whole
    or not at all."""
    out_abs = check_paths(req.clips, req.out, req.overwrite)
    sides.check_free(req, out_abs)
    if req.size:
        limits.check_size(*req.size)
    workdirs.sweep()  # folders of earlier runs killed outright
    if model is None and req.spec.method == "vae":  # loads while the clips are probed and read
        model = model_loading()
    start = time.perf_counter()
    plan = plan_request(req, probe_all(ff, req.clips, progress))
    inputs = Inputs.of(list(plan.clips))
    for line in plan_notes(plan):
        log(line)
    timings = {"probe": time.perf_counter() - start}
    workdir = workdirs.make("join")
    out_tmp = outputs.tmp_name(out_abs)
    from_clips = clip_pieces_beside(ff, plan, workdir)
    try:
        try:
            results = _cuts(req, plan, ff, model, workdir, log, progress, timings)
            for line in splice_checked(ff, plan, results, workdir, out_tmp, progress, timings,
                                       from_clips):
                log(line)
        except Exception as exc:
            _explain(exc, inputs, out_abs)
            raise
        inputs.check()
        previews, written = sides.publish_all(ff, req, plan, results, out_tmp, out_abs)
    finally:
        from_clips.cancel()  # done by now, unless a cut failed: then its ffmpeg is stopped
        workdirs.remove(workdir)
        outputs.remove_quietly(out_tmp)
    return JoinResult(out_abs, plan, tuple(results), timings, previews, tuple(written))


def _explain(exc: Exception, inputs: Inputs, out_abs: str) -> None:
    """Raise what really went wrong when a step failed because of it: a clip deleted or
    changed mid-run, or a full disk (named with its folder); return otherwise."""
    inputs.check()
    full = full_disk(exc, {"TMPDIR": tempfile.gettempdir(),
                           "the output's folder": os.path.dirname(out_abs)})
    if full is not None:
        raise full from None


def model_loading(path: str | None = None) -> Pending:
    """The VAE at `path` (None: the shipped one) on the picked device, loading in a thread
    while the caller probes and reads its clips (background.py)."""
    def load():
        from vae_transition.weights import load_model  # torch: only when a model is needed

        return load_model(path, device=tensors.pick_device())

    return Pending(load, "model-load")


def clip_pieces_beside(ff: FFmpegBinary, plan: JoinPlan, workdir: str) -> Pending:
    """The clips' pieces of the splice (assemble.clip_pieces: copies, smart-render re-encodes),
    made in a thread while the cuts are made: they need no transition, and the morph leaves
    about a sixth of two cores idle (a 2x10 s pass-through join: the copies' 0.16 s no longer
    come after the transition; an overlap's re-encoded clip frames encode beside its morph)."""
    stop = threading.Event()
    return Pending(lambda: assemble.clip_pieces(ff, plan, workdir, stop), "clip-pieces", stop)


def _cuts(req: JoinRequest, plan: JoinPlan, ff: FFmpegBinary, model, workdir: str, log,
          progress: Progress, timings: dict) -> list[CutResult]:
    """Every cut's transition (read, adapted, made, encoded), `req.jobs` at a time."""
    t0 = time.perf_counter()
    cache = str(cache_dir() / "segments") if req.cache else None
    tasks = cut_tasks(plan, ff, cache, req.score, keep_frames=bool(req.timelines))
    progress("transitions", 0, sum(t.spec.frames for t in tasks))
    results = run_cuts(tasks, model, workdir, req.jobs, log,
                       lambda done, total: progress("transitions", done, total))
    timings["transitions"] = time.perf_counter() - t0
    if req.score:
        # the scoring (--json) is no part of a transition's cost: timed apart. Cuts made side
        # by side score side by side, so their wall time is about the sum over the lanes
        lanes = max(1, min(req.jobs, len(results)))
        timings["scoring"] = sum(r.score_seconds for r in results) / lanes
        timings["transitions"] = max(0.0, timings["transitions"] - timings["scoring"])
    return results


def splice_checked(ff: FFmpegBinary, plan: JoinPlan, results, workdir: str, out_tmp: str,
                   progress: Progress = _no_progress, timings: dict | None = None,
                   from_clips: Pending | None = None) -> list[str]:
    """Splice the plan into out_tmp, recording where its transitions are, and check it (a
    WrittenFileError, one line, unless it holds what the plan says); returns the notes about
    damaged clips. from_clips: the clips' pieces, made beside the cuts (clip_pieces_beside);
    None: made here (a batch runs this step alone, after cuts made elsewhere). timings'
    smart_render is what the splice waited for them."""
    timings = {} if timings is None else timings
    t0 = time.perf_counter()
    spliced = assemble.splice_plan(ff, plan, [r.segment for r in results], workdir, out_tmp,
                                   splice.muxer_for(out_tmp), record.record(plan.transition_spans),
                                   None if from_clips is None else from_clips.get())
    t1 = time.perf_counter()
    progress("splicing", 0, 1)
    stderr = splice.splice(ff, spliced, workdir)
    written = check_written(ff, out_tmp, plan)
    progress("splicing", 1, 1)
    timings.update(smart_render=t1 - t0, splice=time.perf_counter() - t1)
    return damage_notes(ff, plan, written, stderr)
