"""One batch from start to end: read and check the jobs, check the model, lock the output
folder, keep what an earlier run finished, run the rest on the chosen executor, report.

Everything that can be wrong with the request as a whole (a malformed line, an unknown option,
a bad model, a folder in use) is raised before any job starts. After that, a job's problem is
its own: it is in the report, and the batch goes on.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from ffmpeg_scripts.locate import find_ffmpeg
from vae_transition.batch import report, scheduler, worker
from vae_transition.batch.jobs import Job, read_jobs
from vae_transition.batch.local import LocalExecutor
from vae_transition.batch.rayexec import RayExecutor
from vae_transition.cache import cache_dir
from vae_transition.weights import config_path, load_model, shipped_weights_path

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class BatchRequest:
    jobs_file: str
    out_dir: str
    executor: str = "local"         # "local" (a pool of processes here) or "ray"
    address: str | None = None      # ray: "auto" or HOST:PORT; None: start a Ray here
    workers: int | None = None      # local: processes (cores); ray: tasks at once (cluster CPUs)
    retries: int = 1                # times a crashed task is sent again
    cache: bool = True
    cache_dir: str | None = None    # None: the usual cache ($VAE_TRANSITION_CACHE, ...)
    model: str | None = None        # None: the shipped weights
    ffmpeg: str | None = None
    overwrite: bool = False         # replace outputs that no manifest of ours claims
    score: bool = False             # measure every transition (for the JSON report)


@dataclass(frozen=True)
class BatchResult:
    entries: list[dict]             # one a job, in jobs-file order
    totals: dict

    @property
    def failed(self) -> int:
        return self.totals["failed"]


def run_batch(req: BatchRequest, log: Callable[[str], None] = lambda s: None,
              progress: bool = False) -> BatchResult:
    """Run every job of req.jobs_file that is not already done; BatchResult."""
    out_dir = os.path.abspath(req.out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise scheduler.BatchError(f"{req.out_dir}: is not a folder")
    jobs = read_jobs(req.jobs_file, out_dir, cache=req.cache, score=req.score,
                     overwrite=False)
    ff = find_ffmpeg(req.ffmpeg)
    model_file, model_id = model_files(req.model, jobs)
    cache = os.path.abspath(req.cache_dir or str(cache_dir())) if req.cache else None
    opts = scheduler.Options(out_dir, cache, req.retries, req.overwrite, ff)
    start = time.perf_counter()
    executor = checked_executor(req, cache, model_file, model_id)  # a bad model: no folder
    held = None
    try:
        os.makedirs(out_dir, exist_ok=True)
        held = scheduler.lock(out_dir)
        runs = scheduler.prepare(jobs, opts, ff, model_id, log)
    except BaseException:
        executor.close(cancel=True)
        if held is not None:
            scheduler.unlock(out_dir, held)
        raise
    try:
        bar = report.Progress(len(jobs), sum(j.cuts for j in jobs), progress)
        try:
            entries = scheduler.run_all(runs, executor, opts, bar)  # closes the executor
        finally:
            bar.close()
    finally:
        scheduler.unlock(out_dir, held)
    return BatchResult(entries, report.totals(entries, time.perf_counter() - start,
                                              req.executor, executor.workers))


def model_files(path: str | None, jobs: list[Job]) -> tuple[str | None, str]:
    """(weights file, its id: a digest of the weights and config files) when any job uses the
    VAE; (None, "") when no job needs it. A file that cannot be read is a ModelError."""
    if not any(j.request.spec.method == "vae" for j in jobs):
        return None, ""
    weights = os.path.abspath(path) if path else str(shipped_weights_path())
    h = hashlib.sha256()
    try:
        for name in (weights, config_path(weights)):
            with open(name, "rb") as fh:
                h.update(fh.read())
    except OSError:
        load_model(weights)  # its one-line ModelError names what is missing or unreadable
        raise
    return weights, h.hexdigest()


def check_model(weights: str | None) -> None:
    """Load the model once here, so that a bad model is one error before any work, not one a
    job (ModelError: missing, unreadable, NaN, not matching its config)."""
    if weights:
        load_model(weights)


def checked_executor(req: BatchRequest, cache: str | None, model_file: str | None,
                     model_id: str):
    """The executor, once the model is checked. Local workers start up (import torch, load the
    model) while this process checks it, so the cores do not wait for the driver's own imports;
    a Ray cluster is started or joined only for a good model."""
    if req.executor == "ray":
        check_model(model_file)
        return make_executor(req, cache, model_file, model_id)
    executor = make_executor(req, cache, model_file, model_id)
    try:
        check_model(model_file)
    except BaseException:
        executor.close(cancel=True)
        raise
    return executor


def make_executor(req: BatchRequest, cache: str | None, model_file: str | None, model_id: str):
    if req.executor == "ray":
        files = None
        if model_file:
            with open(model_file, "rb") as w, open(config_path(model_file), "rb") as c:
                files = (w.read(), c.read())
        settings = worker.Settings(req.ffmpeg, cache, 1, None, model_id)
        return RayExecutor(req.address, req.workers, settings, files)
    workers = req.workers or os.cpu_count() or 1
    threads = max(1, (os.cpu_count() or 1) // workers)
    return LocalExecutor(workers, worker.Settings(req.ffmpeg, cache, threads, model_file,
                                                  model_id))
