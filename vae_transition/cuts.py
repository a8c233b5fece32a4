"""The work at each cut of a join: frames -> (adapted) model -> transition -> encoded segment.

Cuts are independent, so they run in parallel (threads: torch and ffmpeg release the GIL), and
each finished segment is cached by content: the cut's frames, the transition settings, the base
model's weights and the target format. Re-running a chain after changing one clip recomputes only
the two cuts beside it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from ffmpeg_scripts import encode, frames, probe
from vae_transition.transition import TransitionSpec, make_transition


@dataclass(frozen=True)
class Cut:
    """One cut's inputs, already conformed to the output size."""

    index: int
    tail: tuple[np.ndarray, ...]   # A's last frames, (H, W, 3) uint8; tail[-1] is A_last
    head: tuple[np.ndarray, ...]   # B's first frames; head[0] is B_first
    spec: TransitionSpec


@dataclass(frozen=True)
class CutResult:
    index: int
    segment: str                   # encoded transition (in the work folder or the cache)
    frames: int
    seconds: float                 # wall time for this cut, adaptation included
    adapt_seconds: float
    cached: bool                   # the segment came from the cache
    scores: dict | None            # metrics.TransitionScores.as_dict(), when asked for


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


def model_digest(model) -> str:
    """sha256 of a model's weights ("" for no model)."""
    if model is None:
        return ""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def code_digest(*modules: str) -> str:
    """sha256 of the named modules' source: a cache made by other code is never reused."""
    import importlib

    h = hashlib.sha256()
    for name in modules:
        with open(importlib.import_module(name).__file__, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


# the code that decides a segment's frames and bytes
SEGMENT_CODE = ("vae_transition.transition", "vae_transition.morph", "vae_transition.interpolate",
                "vae_transition.baselines", "vae_transition.tensors", "ffmpeg_scripts.encode")


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
    from vae_transition.adapt import AdaptConfig, adapt, pair_images

    images = pair_images(list(tail), list(head), spec.long_side, model.cfg.downsample)
    tuned, seconds, hit = adapt(model, images, AdaptConfig(steps=spec.adapt_steps), spec.seed,
                                use_cache)
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


def _scores(cut: Cut, made: list[np.ndarray]) -> dict:
    from vae_transition.metrics import score_transition

    return score_transition(cut.tail[-1], made, cut.head[0]).as_dict()


def make_segment(cut: Cut, job: CutJob, stop: threading.Event) -> CutResult:
    """Encode one cut's transition (or fetch it from the cache)."""
    start = time.perf_counter()
    ext = ".mp4" if job.passthrough else ".mkv"
    cached = os.path.join(job.cache, segment_key(cut, job) + ext) if job.cache else None
    n = cut.spec.frames
    if cached and os.path.isfile(cached):
        scores = None
        if job.score:
            made = list(frames.iter_frames(job.ff, probe.probe(job.ff, cached)))
            scores = _scores(cut, made)
        return CutResult(cut.index, cached, n, time.perf_counter() - start, 0.0, True, scores)
    t0 = time.perf_counter()
    model = pair_model(job.model, cut.tail, cut.head, cut.spec, job.log, job.cache is not None)
    adapt_s = time.perf_counter() - t0 if model is not job.model else 0.0
    made: list | None = [] if job.score else None
    path = os.path.join(job.workdir, f"transition-{cut.index:03d}{ext}")
    gen = make_transition(cut.tail[-1], cut.head[0], cut.spec, model)
    _encode(job, _watch(gen, stop, made), n, path)
    if cached:
        path = _store(path, cached)
    scores = _scores(cut, made) if made is not None else None
    return CutResult(cut.index, path, n, time.perf_counter() - start, adapt_s, False, scores)


def _store(path: str, cached: str) -> str:
    """Copy a fresh segment into the cache (temp name, then rename); the cached path, or path."""
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        tmp = f"{cached}.tmp-{os.getpid()}-{threading.get_ident()}"
        shutil.copyfile(path, tmp)
        os.replace(tmp, cached)
        return cached
    except OSError:
        return path  # an unwritable cache only costs the next run


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
