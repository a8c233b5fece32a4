"""The cut step: one cut's frames read, its (adapted) model, its transition made and encoded.

A cut is described by a CutTask: plain, picklable data (the two probed clips, the frame ranges
to read, the TransitionSpec, the output format, the cache folder). make_cut(task, model,
workdir) makes that cut's files from it, so a thread (run_cuts, the default), a worker process
or another machine sharing the folders can run it; the model is passed once, beside the task.
Each finished cut is cached by content (segments.py): re-running a chain after changing one
clip recomputes only the two cuts beside it, and `export` finds what `join` made.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from ffmpeg_scripts import frames as frame_io
from ffmpeg_scripts.encode import VideoFormat, encode_transition, to_coded
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo, probe
from vae_transition.background import resolved
from vae_transition.digests import model_digest
from vae_transition.join import retime, segments
from vae_transition.join.clipframes import read_range
from vae_transition.join.plan import JoinPlan
from vae_transition.metrics import score_transition
from vae_transition.morph.transition import TransitionSpec, make_overlap, make_transition
from vae_transition.train.adapt import AdaptConfig, adapt, pair_images

CONTEXT = 3  # frames each side of a cut that per-pair adaptation learns from
Log = Callable[[str], None]
CutProgress = Callable[[int, int], None]  # (frames made, frames in the cut)

_local = threading.local()  # .stop: the event of the cut this thread makes (see _stop_hook)
_hook_lock = threading.Lock()
_hooked: list = []           # the hook's handle, once registered


def _quiet(message: str) -> None:
    pass


def _no_progress(done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class CutTask:
    """One cut as plain data: what a worker needs to make its files (with a model)."""

    index: int
    a: ClipInfo                    # clip A, probed (its path is what is read)
    b: ClipInfo
    a_range: tuple[int, int]       # A's frames read, [start, end) at the output's rate
    b_range: tuple[int, int]       # B's frames read (both include adaptation's context)
    spec: TransitionSpec           # this cut's: frames = its length; overlap: how it is made
    fmt: VideoFormat               # the output picture
    passthrough: bool              # segment matched to clip A (stream copy), else lossless
    ff: FFmpegBinary
    cache: str | None = None       # the segment cache folder; None: no cache
    score: bool = False            # measure the transition (metrics.py)
    keep_frames: bool = False      # also write the lossless frames without a cache (export)


@dataclass(frozen=True)
class CutResult:
    index: int
    segment: str                   # what the splice uses (work folder or a verified copy)
    frames_file: str | None        # the made frames, upright and lossless (Ut Video), or None
    frames: int
    seconds: float                 # wall time for this cut: reading, adaptation, morph, encode
    adapt_seconds: float
    cached: bool                   # nothing was made: the cache held it
    scores: dict | None            # metrics.TransitionScores.as_dict(), when asked for
    goals: dict | None = None      # metric name -> meets its goal (TransitionScores.meets_goals)
    score_seconds: float = 0.0     # wall time of the scoring (--json), not inside `seconds`


@dataclass(frozen=True)
class Cut:
    """One cut's input frames, already conformed to the output size."""

    index: int
    tail: tuple[np.ndarray, ...]   # A's frames up to the cut, (H, W, 3) uint8; insert: tail[-1]
                                   # is A_last; overlap: tail[-N:] are the N overlapped frames
    head: tuple[np.ndarray, ...]   # B's frames from the cut; insert: head[0] is B_first;
                                   # overlap: head[:N] are the N overlapped frames
    spec: TransitionSpec
    extra: int = 0                 # frames read beyond the cut's own on each side

    def beside(self) -> tuple[np.ndarray, np.ndarray]:
        """The output's frames just before and just after the transition."""
        if self.spec.overlap:
            return self.tail[-self.spec.frames - 1], self.head[self.spec.frames]
        return self.tail[-1], self.head[0]

    def frames(self, model) -> Iterator[np.ndarray]:
        """The transition's frames (made lazily, one at a time where the method allows)."""
        n = self.spec.frames
        if self.spec.overlap:
            return make_overlap(self.tail[-n:], self.head[:n], self.spec, model)
        return make_transition(self.tail[-1], self.head[0], self.spec, model)


def context_frames(spec: TransitionSpec) -> int:
    """Extra frames to read beyond a cut's own: adaptation learns from a few; an overlap needs
    the frame beside each end (what scoring compares the transition with)."""
    if spec.overlap:
        return 1
    return CONTEXT - 1 if spec.method == "vae" and spec.adapt_steps > 0 else 0


def cut_tasks(plan: JoinPlan, ff: FFmpegBinary, cache: str | None = None, score: bool = False,
              keep_frames: bool = False) -> list[CutTask]:
    """Every cut of a plan as a CutTask, in cut order."""
    extra = context_frames(plan.spec)
    tasks = []
    for k, use in enumerate(plan.cuts):
        (a0, a1), (b0, b1) = use.context(extra)
        a_range = (max(a0, plan.uses[k].first), a1)
        b_range = (b0, min(b1, plan.uses[k + 1].end))
        tasks.append(CutTask(k, plan.clips[k], plan.clips[k + 1], a_range, b_range,
                             plan.cut_spec(k), plan.fmt, plan.passthrough, ff, cache, score,
                             keep_frames))
    return tasks


def read_cut(task: CutTask) -> Cut:
    """The cut's input frames, as the output shows them."""
    conform = not task.passthrough
    tail = read_range(task.ff, task.a, *task.a_range, task.fmt, conform)
    head = read_range(task.ff, task.b, *task.b_range, task.fmt, conform)
    if task.spec.overlap and conform:  # a clip at another rate plays evenly under the overlap
        n, (_, a_end), (b_start, _) = task.spec.frames, task.a_range, task.b_range
        if retime.needed(task.a, task.fmt):
            tail[-n:] = retime.read_retimed(task.ff, task.a, a_end - n, a_end, task.fmt)
        if retime.needed(task.b, task.fmt):
            head[:n] = retime.read_retimed(task.ff, task.b, b_start, b_start + n, task.fmt)
    return Cut(task.index, tuple(tail), tuple(head), task.spec)


def pair_model(model, tail, head, spec: TransitionSpec, log: Log, use_cache: bool = True):
    """The model for one cut: adapted to the pair (cached) unless adaptation is off."""
    if model is None or spec.method != "vae" or spec.adapt_steps == 0:
        return model
    images = pair_images(list(tail), list(head), spec.long_side, model.cfg.downsample)
    tuned, seconds, hit = adapt(model, images, AdaptConfig(steps=spec.adapt_steps), spec.seed,
                                use_cache, log)
    log(f"adapted the model to the pair: {'cached, ' if hit else ''}{seconds:.1f} s")
    return tuned


def make_cut(task: CutTask, model, workdir: str, *, log: Log = _quiet,
             progress: CutProgress = _no_progress, stop: threading.Event | None = None
             ) -> CutResult:
    """Make (or fetch, verified, from the cache) one cut's files in workdir.

    model: the base VAE for the vae method (None for the baselines); progress(done, total) is
    called as frames are made; setting `stop` stops the cut at its next frame or model layer.
    """
    _local.stop = stop or threading.Event()  # _stop_hook stops this thread's model
    try:
        return _make_cut(task, model, workdir, log, progress, _local.stop)
    finally:
        _local.stop = None


def _make_cut(task: CutTask, model, workdir: str, log: Log, progress: CutProgress,
              stop: threading.Event) -> CutResult:
    start = time.perf_counter()
    cut = read_cut(task)
    model = resolved(model)  # a model still loading (background.py) is needed from here on
    n = task.spec.frames
    key = segments.frames_key(task.spec, (*cut.tail, *cut.head), model_digest(model)) \
        if task.cache else ""
    found = _cached(task, key, workdir, log) if task.cache else None
    if found is not None:
        progress(n, n)
        segment, frames_file = found
        return _scored(CutResult(task.index, segment, frames_file, n,
                                 time.perf_counter() - start, 0.0, True, None),
                       cut, _decoded(task, frames_file) if task.score else None)
    t0 = time.perf_counter()
    tuned = pair_model(model, cut.tail, cut.head, task.spec, log, task.cache is not None)
    adapt_s = time.perf_counter() - t0 if tuned is not model else 0.0
    made: list | None = [] if task.score else None
    segment, frames_file = _encode(task, _watch(cut.frames(tuned), stop, made, progress, n),
                                   workdir)
    if task.cache:
        _store(task, key, segment, frames_file, log)
    return _scored(CutResult(task.index, segment, frames_file, n, time.perf_counter() - start,
                             adapt_s, False, None), cut, made)


def _paths(task: CutTask, workdir: str) -> tuple[str | None, str | None]:
    """(segment, lossless frames) to write: the re-encode path splices the lossless frames."""
    stem = os.path.join(workdir, f"transition-{task.index:03d}")
    lossless = stem + segments.FRAMES_EXT
    if not task.passthrough:
        return None, lossless
    return stem + segments.SEGMENT_EXT, lossless if (task.cache or task.keep_frames) else None


def _encode(task: CutTask, frames, workdir: str) -> tuple[str, str | None]:
    segment, lossless = _paths(task, workdir)
    got = encode_transition(task.ff, frames, task.fmt, segment, lossless)
    if got != task.spec.frames:
        raise RuntimeError(f"a transition has {got} frames, expected {task.spec.frames}")
    return segment or lossless, lossless


def _cached(task: CutTask, key: str, workdir: str, log: Log) -> tuple[str, str | None] | None:
    """(segment, frames file) from the cache, or None. A segment missing beside cached frames
    is encoded from them (no morph): `export` first, then `join`, makes the transition once."""
    n, folder = task.spec.frames, task.cache
    frames_file = segments.fetch(task.ff, folder, key, segments.FRAMES_EXT, n,
                                 segments.expected(task.fmt, False), workdir, log)
    if not task.passthrough:
        return None if frames_file is None else (frames_file, frames_file)
    skey = segments.segment_key(key, task.fmt)
    segment = segments.fetch(task.ff, folder, skey, segments.SEGMENT_EXT, n,
                             segments.expected(task.fmt, True), workdir, log)
    if segment is None and frames_file is not None:
        segment = os.path.join(workdir, f"transition-{task.index:03d}{segments.SEGMENT_EXT}")
        encode_transition(task.ff, _decoded(task, frames_file), task.fmt, segment, None)
        segments.store(folder, [(skey, segments.SEGMENT_EXT, segment)], log)
    if segment is None or (frames_file is None and (task.keep_frames or task.score)):
        return None
    return segment, frames_file


def _store(task: CutTask, key: str, segment: str, frames_file: str | None, log: Log) -> None:
    entries = [(key, segments.FRAMES_EXT, frames_file)] if frames_file else []
    if task.passthrough:
        entries.append((segments.segment_key(key, task.fmt), segments.SEGMENT_EXT, segment))
    segments.store(task.cache, entries, log)


def _decoded(task: CutTask, frames_file: str) -> Iterator[np.ndarray]:
    """The made frames back from a lossless frames file, bit-exact."""
    return frame_io.iter_frames(task.ff, probe(task.ff, frames_file))


def segment_frames(ff: FFmpegBinary, result: CutResult, rotation: int = 0) -> Iterator[np.ndarray]:
    """A cut's frames, upright: from its lossless frames file when it has one (bit-exact), else
    decoded from its segment (stored turned by `rotation` in a stream-copied join)."""
    path = result.frames_file or result.segment
    turn = 0 if result.frames_file else rotation
    return (to_coded(f, turn, upright=True) for f in frame_io.iter_frames(ff, probe(ff, path)))


def _watch(frames_iter: Iterator[np.ndarray], stop: threading.Event, keep: list | None,
           progress: CutProgress, total: int):
    """Pass frames on, counting them; stop (raising) when asked to, e.g. after Ctrl-C."""
    for done, frame in enumerate(frames_iter, 1):
        if stop.is_set():
            raise KeyboardInterrupt
        if keep is not None:
            keep.append(frame)
        progress(done, total)
        yield frame


def _scored(result: CutResult, cut: Cut, made) -> CutResult:
    """result with the made frames' scores against the cut's ends (unchanged when unasked).
    The scoring is timed apart: it is --json's extra work, not the transition's cost."""
    if made is None:
        return result
    start = time.perf_counter()
    before, after = cut.beside()
    scores = score_transition(before, list(made), after)
    return replace(result, scores=scores.as_dict(), goals=scores.meets_goals(),
                   score_seconds=time.perf_counter() - start)


def _stop_hook(module, args) -> None:
    """A global forward pre-hook: a cut told to stop leaves its model (adaptation, morph) at
    the next layer instead of finishing, so Ctrl-C with -j > 1 takes effect at once."""
    stop = getattr(_local, "stop", None)
    if stop is not None and stop.is_set():
        raise KeyboardInterrupt


def _hook_models() -> None:
    """Register _stop_hook once per process (before any worker thread runs a model)."""
    with _hook_lock:
        if not _hooked:
            from torch.nn.modules.module import register_module_forward_pre_hook

            _hooked.append(register_module_forward_pre_hook(_stop_hook))


def run_cuts(tasks: list[CutTask], model, workdir: str, jobs: int = 1, log: Log = _quiet,
             progress: CutProgress = _no_progress) -> list[CutResult]:
    """Make every cut, `jobs` at a time in threads (torch and ffmpeg release the GIL); results
    in cut order. progress(done, total) counts the frames made over all cuts."""
    stop = threading.Event()
    total, done, lock = sum(t.spec.frames for t in tasks), {}, threading.Lock()

    def counted(index: int) -> CutProgress:
        def report(made: int, _n: int) -> None:
            with lock:
                done[index] = made
                progress(sum(done.values()), total)
        return report

    if jobs <= 1 or len(tasks) <= 1:
        return [make_cut(t, model, workdir, log=log, progress=counted(t.index), stop=stop)
                for t in tasks]
    threads = _share_threads(jobs)
    _hook_models()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cut")
    try:
        futures = [pool.submit(make_cut, t, model, workdir, log=log, progress=counted(t.index),
                               stop=stop) for t in tasks]
        return [fut.result() for fut in futures]
    except BaseException:
        stop.set()  # workers stop at their next frame; their ffmpeg is killed on the way out
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _share_threads(0, threads)


def _share_threads(jobs: int, restore: tuple[int, int] | None = None) -> tuple[int, int]:
    """Split torch's and OpenCV's CPU threads between parallel cuts (no oversubscription: a
    batch worker measured 0.5 CPU s a job less with OpenCV's share set); returns the old counts."""
    import cv2
    import torch

    old = (torch.get_num_threads(), cv2.getNumThreads())
    share = max(1, (os.cpu_count() or 1) // max(jobs, 1))
    torch.set_num_threads(restore[0] if restore else share)
    cv2.setNumThreads(restore[1] if restore else share)
    return old
