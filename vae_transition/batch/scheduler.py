"""The driver: walks every job through plan -> cuts -> splice on an executor, a few tasks ahead
of the workers, oldest job first, so outputs finish in order while the workers stay busy.

Before any task: each job's manifest is checked (a verified output is kept and reported
"resumed"), what a killed run left (temp files, work folders) is swept, and a lock on the
output folder keeps two batches from running in it at once. A task that crashed is sent again
up to `retries` times; bad input fails its own job at once. Every job ends "done", "resumed" or
"failed" with a one-line reason; nothing else stops the batch but Ctrl-C.
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from vae_transition.batch import manifest, report, steps
from vae_transition.batch.jobs import Job

WORK = ".vae-batch"   # inside --out-dir: the lock and each running job's work folder


class BatchError(Exception):
    """The batch as a whole cannot run (the output folder, the lock)."""


@dataclass(frozen=True)
class Options:
    out_dir: str
    cache: str | None = None     # the cache folder (segments/ inside it), or None
    retries: int = 0
    overwrite: bool = False      # replace outputs that no manifest of ours claims
    ff: object = None            # the driver's FFmpegBinary (each worker uses its own)


@dataclass
class JobRun:
    """One job's progress through the batch (the driver's own, mutable)."""

    job: Job
    key: str
    request: object                         # the job's JoinRequest, overwrite decided
    workdir: str                            # its segments and smart-render pieces
    status: str = "pending"                 # pending, running, done, resumed, failed
    plan: steps.JobPlan | None = None      # (its .plan: the JoinPlan)
    tasks: list = field(default_factory=list)        # steps.CutTask a cut
    results: dict = field(default_factory=dict)      # cut index -> CutResult
    sent: set = field(default_factory=set)           # steps submitted: "plan", 0, 1, ..., "splice"
    inflight: int = 0
    tries: dict = field(default_factory=dict)        # step -> attempts so far
    started: float | None = None
    entry: dict | None = None
    notes: list = field(default_factory=list)

    @property
    def over(self) -> bool:
        return self.status in report.STATUSES


def prepare(jobs: list[Job], opts: Options, ff, model_id: str,
            log: Callable[[str], None]) -> list[JobRun]:
    """A JobRun per job: finished ones verified and kept, leftovers of a killed run swept."""
    runs = []
    for job in jobs:
        key = manifest.job_key(job.text, job.request.clips, model_id)
        run = JobRun(job, key, job.request,
                     os.path.join(opts.out_dir, WORK, f"line{job.line}-{key[:12]}"))
        os.makedirs(os.path.dirname(job.request.out), exist_ok=True)
        sweep(job.request.out)
        found = manifest.check(ff, job.request.out, key)
        if found.state == "done" and found.report:
            run.status, run.entry = "resumed", {**found.report, "status": "resumed"}
        elif found.state == "ours":
            log(f"line {job.line} ({job.name}): made again: {found.reason}")
            run.request = replace(job.request, overwrite=True)
        elif found.state == "foreign" and opts.overwrite:
            run.request = replace(job.request, overwrite=True)
        runs.append(run)
    return runs


_TMP = re.compile(r"\.(?:tmp|old)-(\d+)-[0-9a-f]{8}")


def sweep(out_abs: str) -> None:
    """Remove the hidden temp files of out_abs (and its manifest and side files) that a killed
    process left: outputs.tmp_name's .NAME.tmp-PID-XXXXXXXX.EXT whose PID no longer runs."""
    folder, name = os.path.split(out_abs)
    stem = os.path.splitext(name)[0]
    for path in glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(stem)}.*")):
        match = _TMP.search(os.path.basename(path))
        if match and not _alive(int(match.group(1))):
            shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else _unlink(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def lock(out_dir: str):
    """Hold the output folder's lock for this batch (released when the process ends, even by
    kill -9); stale work folders of a killed run are removed once it is ours."""
    work = os.path.join(out_dir, WORK)
    os.makedirs(work, exist_ok=True)
    fh = open(os.path.join(work, "lock"), "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise BatchError(f"{out_dir}: another batch is running in this folder") from None
    for stale in os.listdir(work):
        if stale != "lock":
            shutil.rmtree(os.path.join(work, stale), ignore_errors=True)
    return fh


def unlock(out_dir: str, fh) -> None:
    """Remove the work area if nothing else is in it, then let go of the lock."""
    work = os.path.join(out_dir, WORK)
    try:
        if os.listdir(work) == ["lock"]:
            os.unlink(os.path.join(work, "lock"))
            os.rmdir(work)
    except OSError:
        pass
    fh.close()


def run_all(runs: list[JobRun], executor, opts: Options, progress=None) -> list[dict]:
    """Run every job not yet over; each job's report entry, in jobs-file order."""
    handles: dict = {}   # handle -> (run, step)
    try:
        while not all(r.over for r in runs) or handles:
            _fill(runs, executor, handles)
            for handle in executor.wait(handles, timeout=0.5) if handles else ():
                run, step = handles.pop(handle)
                run.inflight -= 1
                _finish(run, step, executor.outcome(handle), opts)
                _tidy(run)
            if progress is not None:
                _show(runs, progress)
    except BaseException:
        executor.close(cancel=True)
        for run in runs:
            shutil.rmtree(run.workdir, ignore_errors=True)
        raise
    executor.close()
    return [r.entry for r in runs]


def _ready(run: JobRun) -> list:
    """The steps of a job that can be sent now."""
    if run.over:
        return []
    if run.plan is None:
        return [] if "plan" in run.sent else ["plan"]
    cuts = [k for k in range(len(run.tasks)) if k not in run.sent]
    if cuts:
        return cuts
    if len(run.results) == len(run.tasks) and "splice" not in run.sent:
        return ["splice"]
    return []


def _fill(runs: list[JobRun], executor, handles: dict) -> None:
    """Keep one task queued beyond the workers, taking steps from the oldest jobs first."""
    for run in runs:
        for step in _ready(run):
            if len(handles) > executor.workers:
                return
            handles[executor.submit(step_kind(step), _payload(run, step))] = (run, step)
            run.sent.add(step)
            run.inflight += 1
            run.tries[step] = run.tries.get(step, 0) + 1
            run.started = run.started or time.perf_counter()
            run.status = "running"


def step_kind(step) -> str:
    return step if isinstance(step, str) else "cut"


def _payload(run: JobRun, step) -> tuple:
    if step == "plan":
        return (run.request,)
    if step == "splice":
        return (run.plan, tuple(run.results[k] for k in range(len(run.tasks))), run.workdir,
                run.key, run.job.line, run.job.name)
    return run.tasks[step], run.workdir


def _finish(run: JobRun, step, outcome: tuple, opts: Options) -> None:
    """Take one task's outcome into its job: next steps, a retry, or the job's end."""
    if run.over:
        return  # the job already failed: what its other tasks made is swept with its folder
    what, value = outcome
    if what == "ok":
        if step == "plan":
            run.plan, run.notes = value, list(value.notes)
            run.tasks = steps.tasks(value, opts.ff, segments_of(opts))
        elif step == "splice":
            run.status = "done"
            run.entry = {**value, "status": "done", "seconds": _since(run.started)}
        else:
            run.results[step] = value
        return
    if what == "crash" and run.tries[step] <= opts.retries:
        run.sent.discard(step)  # sent again by the next _fill
        return
    if what == "crash":
        value = f"{value} (tried {run.tries[step]} times)"
    retries = sum(run.tries.values()) - len(run.tries)
    run.status = "failed"
    run.entry = report.failed_entry(run.job.line, run.job.name, run.request.out, value,
                                    retries, run.notes)


def segments_of(opts: Options) -> str | None:
    return os.path.join(opts.cache, "segments") if opts.cache else None


def _since(start: float | None) -> float:
    return round(time.perf_counter() - start, 3) if start else 0.0


def _tidy(run: JobRun) -> None:
    """A job that is over and has no task left running needs its work folder no more."""
    if run.over and run.inflight == 0:
        shutil.rmtree(run.workdir, ignore_errors=True)
    if run.status == "done":
        run.entry["retries"] = sum(run.tries.values()) - len(run.tries)


def _show(runs: list[JobRun], progress) -> None:
    over = sum(r.over for r in runs)
    cuts = sum(r.job.cuts if r.status in ("done", "resumed") else len(r.results) for r in runs)
    progress.update(over, cuts, sum(r.status == "failed" for r in runs))
