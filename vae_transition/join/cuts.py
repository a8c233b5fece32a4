"""The work at each cut of a join: frames -> (adapted) model -> transition -> encoded segment.

Cuts are independent, so they run in parallel (threads: torch and ffmpeg release the GIL), and
each finished segment is cached by content: the cut's frames, the transition settings, the base
model's weights and the target format. Re-running a chain after changing one clip recomputes only
the two cuts beside it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from ffmpeg_scripts import encode, frames, probe
from ffmpeg_scripts.errors import FFmpegError
from vae_transition import cache
from vae_transition.digests import code_digest
from vae_transition.metrics import score_transition
from vae_transition.morph.transition import TransitionSpec, make_overlap, make_transition
from vae_transition.train.adapt import AdaptConfig, adapt, pair_images

_local = threading.local()  # .stop: the event of the cut this thread makes (see _stop_hook)
_hook_lock = threading.Lock()
_hooked: list = []           # the hook's handle, once registered


@dataclass(frozen=True)
class Cut:
    """One cut's inputs, already conformed to the output size."""

    index: int
    tail: tuple[np.ndarray, ...]   # A's frames up to the cut, (H, W, 3) uint8; insert: tail[-1]
                                   # is A_last; overlap: tail[1:] are the N overlapped frames
    head: tuple[np.ndarray, ...]   # B's frames from the cut; insert: head[0] is B_first;
                                   # overlap: head[:-1] are the N overlapped frames
    spec: TransitionSpec

    def beside(self) -> tuple[np.ndarray, np.ndarray]:
        """The output's frames just before and just after the transition."""
        if self.spec.overlap:
            return self.tail[0], self.head[-1]
        return self.tail[-1], self.head[0]

    def frames(self, model) -> Iterator[np.ndarray]:
        """The transition's frames (made lazily, one at a time where the method allows)."""
        if self.spec.overlap:
            return make_overlap(self.tail[1:], self.head[:-1], self.spec, model)
        return make_transition(self.tail[-1], self.head[0], self.spec, model)


@dataclass(frozen=True)
class CutResult:
    index: int
    segment: str                   # encoded transition (in the work folder or the cache)
    frames: int
    seconds: float                 # wall time for this cut, adaptation included
    adapt_seconds: float
    cached: bool                   # the segment came from the cache
    scores: dict | None            # metrics.TransitionScores.as_dict(), when asked for
    goals: dict | None = None      # metric name -> meets its goal (TransitionScores.meets_goals)


@dataclass(frozen=True)
class CutJob:
    """What every cut shares: where and how to encode, the model, the options."""

    ff: object                     # FFmpegBinary
    fmt: encode.VideoFormat
    passthrough: bool
    workdir: str
    model: object = None           # base VAE, or None for the baselines
    model_digest: str = ""         # hash of the base weights (part of the cache key)
    cache: str | None = None       # segment cache folder, or None
    score: bool = False            # compute metrics for each cut
    log: Callable[[str], None] = lambda s: None


# the code that decides a segment's frames and bytes
SEGMENT_CODE = ("vae_transition.morph.transition", "vae_transition.morph.vae", "vae_transition.morph.interpolate",
                "vae_transition.morph.transport",
                "vae_transition.morph.baselines", "vae_transition.tensors", "ffmpeg_scripts.encode")


def segment_key(cut: Cut, job: CutJob) -> str:
    """Content key of a cut's segment: frames, settings, model, format, path taken, code."""
    h = hashlib.sha256(repr((asdict(cut.spec), asdict(job.fmt), job.passthrough,
                             job.model_digest, code_digest(*SEGMENT_CODE))).encode())
    for f in (*cut.tail, *cut.head):
        h.update(np.ascontiguousarray(f).tobytes())
    return h.hexdigest()[:32]


def _watch(frames_iter: Iterator[np.ndarray], stop: threading.Event, keep: list | None):
    """Pass frames on; stop (raising) when asked to, e.g. after Ctrl-C in the main thread."""
    for frame in frames_iter:
        if stop.is_set():
            raise KeyboardInterrupt
        if keep is not None:
            keep.append(frame)
        yield frame


def pair_model(model, tail, head, spec: TransitionSpec, log: Callable[[str], None],
               use_cache: bool = True):
    """The model for one cut: adapted to the pair (cached) unless adaptation is off."""
    if model is None or spec.method != "vae" or spec.adapt_steps == 0:
        return model
    images = pair_images(list(tail), list(head), spec.long_side, model.cfg.downsample)
    tuned, seconds, hit = adapt(model, images, AdaptConfig(steps=spec.adapt_steps), spec.seed,
                                use_cache, log)
    log(f"adapted the model to the pair: {'cached, ' if hit else ''}{seconds:.1f} s")
    return tuned


def _encode(job: CutJob, frames_iter, n: int, path: str) -> None:
    fmt = job.fmt
    if job.passthrough:
        got = encode.encode_segment(job.ff, frames_iter, fmt, path)
    else:
        got = encode.encode_lossless(job.ff, frames_iter, fmt.width, fmt.height, fmt.fps, path)
    if got != n:
        raise RuntimeError(f"a transition has {got} frames, expected {n}")


def _scores(cut: Cut, made: list[np.ndarray] | None) -> tuple[dict | None, dict | None]:
    """(values, pass/fail per metric) of the made frames against the cut's ends; None unasked."""
    if made is None:
        return None, None
    before, after = cut.beside()
    scores = score_transition(before, made, after)
    return scores.as_dict(), scores.meets_goals()


def make_segment(cut: Cut, job: CutJob, stop: threading.Event) -> CutResult:
    """Encode one cut's transition (or fetch it, verified, from the cache)."""
    _local.stop = stop  # _stop_hook stops this thread's model at its next layer
    try:
        return _make_segment(cut, job, stop)
    finally:
        _local.stop = None


def _make_segment(cut: Cut, job: CutJob, stop: threading.Event) -> CutResult:
    start = time.perf_counter()
    ext = ".mp4" if job.passthrough else ".mkv"
    key = segment_key(cut, job) if job.cache else ""
    n = cut.spec.frames
    hit = _cached_segment(cut, job, key, ext) if job.cache else None
    if hit is not None:
        shown = (encode.to_coded(f, job.fmt.rotation if job.passthrough else 0, upright=True)
                 for f in frames.iter_frames(job.ff, hit))
        scores = _scores(cut, list(shown) if job.score else None)
        return CutResult(cut.index, hit.path, n, time.perf_counter() - start, 0.0, True, *scores)
    t0 = time.perf_counter()
    model = pair_model(job.model, cut.tail, cut.head, cut.spec, job.log, job.cache is not None)
    adapt_s = time.perf_counter() - t0 if model is not job.model else 0.0
    made: list | None = [] if job.score else None
    path = os.path.join(job.workdir, f"transition-{cut.index:03d}{ext}")
    _encode(job, _watch(cut.frames(model), stop, made), n, path)
    if job.cache:
        failed = cache.store(job.cache, key, {ext: path})
        if failed:
            job.log(f"note: could not cache a transition ({failed}); continuing without")
    return CutResult(cut.index, path, n, time.perf_counter() - start, adapt_s, False,
                     *_scores(cut, made))


def _cached_segment(cut: Cut, job: CutJob, key: str, ext: str) -> probe.ClipInfo | None:
    """A verified copy of the cached segment in the work folder, or None (a bad entry is noted
    and removed; the caller makes it again)."""
    if not cache.has_entry(job.cache, key):
        return None
    try:
        copy = cache.fetch(job.cache, key, (ext,), job.workdir)[ext]
        info = _probe_segment(job, copy)
        size = job.fmt.coded_size if job.passthrough else (job.fmt.width, job.fmt.height)
        kind = (job.fmt.codec, job.fmt.pix_fmt) if job.passthrough else ("ffv1", "bgr0")
        got = (info.frame_count, info.width, info.height, info.codec, info.pix_fmt)
        if got != (cut.spec.frames, *size, *kind):
            raise cache.BadEntry("it holds {} frames of {}x{} {} {}".format(*got))
        return info
    except cache.BadEntry as exc:
        job.log(f"note: cached transition {key} is damaged ({exc}): removed, making it again")
        cache.evict(job.cache, key, (ext,))
        return None


def _probe_segment(job: CutJob, path: str) -> probe.ClipInfo:
    try:
        return probe.probe(job.ff, path)
    except FFmpegError as exc:
        raise cache.BadEntry(f"ffmpeg cannot read it: {exc}") from None


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


def run_cuts(cuts: list[Cut], job: CutJob, jobs: int = 1,
             progress: Callable[[int, int], None] = lambda done, total: None) -> list[CutResult]:
    """Make every cut's segment, `jobs` at a time; results in cut order."""
    stop = threading.Event()
    results: list[CutResult] = []
    if jobs <= 1 or len(cuts) <= 1:
        for cut in cuts:
            results.append(make_segment(cut, job, stop))
            progress(len(results), len(cuts))
        return results
    threads = _share_threads(jobs)
    _hook_models()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cut")
    try:
        futures = [pool.submit(make_segment, cut, job, stop) for cut in cuts]
        for fut in futures:
            results.append(fut.result())
            progress(len(results), len(cuts))
    except BaseException:
        stop.set()  # workers stop at their next frame; their ffmpeg is killed on the way out
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _share_threads(0, threads)
    return results


def _share_threads(jobs: int, restore: int | None = None) -> int:
    """Split torch's CPU threads between parallel cuts (no oversubscription); returns the old count."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(restore if restore else max(1, (os.cpu_count() or 1) // jobs))
    return old
