"""What a worker process runs: one step of one job, with torch, ffmpeg and the model set up once
per process and kept for every later task.

A task is (kind, payload) and its outcome plain data: ("ok", value), or ("input", message) for
bad input (never retried), or ("crash", message) for anything else (retried). A worker that
dies outright is a crash too; the executor sees that.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, replace

from ffmpeg_scripts.locate import find_ffmpeg
from ffmpeg_scripts.process import kill_running
from vae_transition.batch import manifest, report, steps
from vae_transition.digests import model_digest
from vae_transition.heap import keep_freed_memory
from vae_transition.messages import is_user_error, one_line
from vae_transition.tensors import pick_device
from vae_transition.weights import load_model

KINDS = ("plan", "cut", "splice")


@dataclass(frozen=True)
class Settings:
    """What every task of one batch shares (plain data: it travels to every worker)."""

    ffmpeg: str | None              # --ffmpeg, else found as `join` finds it
    cache: str | None               # the cache folder (shared by all workers), or None
    threads: int = 1                # torch threads a worker
    model_path: str | None = None   # local: the weights file each worker loads once
    model_id: str = ""              # digest of the weights and config files ("" without a model)


class Stopped(KeyboardInterrupt):
    """SIGTERM while a task runs: unwinds it (temp files removed, ffmpeg killed)."""


_state: dict = {}   # this process's ffmpeg, model (by id), settings; "busy" while a task runs


def init(settings: Settings, parent: int | None = None) -> None:
    """Set this process up once: torch threads, signals, ffmpeg; watch for the parent's death."""
    if _state.get("settings") == settings:
        return
    import cv2
    import torch

    # this worker's share of the cores, for OpenCV's pool as for torch's: the composition's
    # resampling and filters would otherwise start a thread a core in every worker
    torch.set_num_threads(max(1, settings.threads))
    cv2.setNumThreads(max(1, settings.threads))
    keep_freed_memory()  # a worker is our own process: frames reuse freed memory (heap.py)
    _state.update(settings=settings, ff=find_ffmpeg(settings.ffmpeg), busy=False)
    if settings.cache:  # per-pair adaptation finds its cached models there too
        os.environ["VAE_TRANSITION_CACHE"] = settings.cache
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_term)
    if parent is not None:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if settings.model_path:
        try:  # now, while the driver plans: the first cut need not wait for it
            model(settings.model_id)
        except Exception:  # noqa: BLE001 (the first cut that needs it reports why)
            pass


def _on_term(signum, frame) -> None:
    if _state.get("busy"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stopped(signum)
    os._exit(128 + signum)


def _watch_parent(parent: int) -> None:
    """A driver killed with -9 cannot stop its workers: they stop themselves."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def has_model(model_id: str) -> bool:
    return _state.get("model_id") == model_id


def model(model_id: str, blob=None):
    """The base VAE, loaded once per process: from Settings.model_path, or from blob (the
    weights and config bytes, e.g. from Ray's object store) written to a private folder."""
    if has_model(model_id):
        return _state["model"]
    if blob is None:
        loaded = load_model(_state["settings"].model_path, device=pick_device())
    else:
        folder = tempfile.mkdtemp(prefix="vae-transition-model-")
        try:
            for name, data in (("vae.safetensors", blob[0]), ("vae.json", blob[1])):
                with open(os.path.join(folder, name), "wb") as fh:
                    fh.write(data)
            loaded = load_model(os.path.join(folder, "vae.safetensors"), device=pick_device())
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    _state.update(model_id=model_id, model=loaded, digest=model_digest(loaded))
    return loaded


def run(kind: str, payload: tuple, model_id: str = "", blob=None) -> tuple:
    """Run one task in this (set-up) process; the outcome as plain data."""
    _state["busy"] = True
    try:
        return "ok", _step(kind, payload, model_id, blob)
    except Stopped:
        kill_running()  # an ffmpeg the unwinding left suspended must not outlive the worker
        os._exit(143)  # unwound: what the task made is removed; the driver sees a crash
    except Exception as exc:  # noqa: BLE001 (reported; retried unless it is bad input)
        return ("input" if is_user_error(exc) else "crash"), one_line(exc)
    finally:
        _state["busy"] = False


def _step(kind: str, payload: tuple, model_id: str, blob):
    ff = _state["ff"]
    if kind == "plan":
        return steps.plan_job(payload[0], ff)
    if kind == "cut":
        task, workdir = payload
        os.makedirs(workdir, exist_ok=True)
        vae = model(model_id, blob) if task.spec.method == "vae" else None
        return steps.make_cut(replace(task, ff=ff), vae, workdir)  # this node's ffmpeg
    if kind == "splice":
        return splice(*payload)
    raise ValueError(f"unknown task kind {kind!r} (known: {', '.join(KINDS)})")


def splice(job: steps.JobPlan, results, workdir: str, key: str, line: int, name: str):
    """Splice and publish one job, its manifest claimed before and completed after; returns
    the job's report entry."""
    claimed = []

    def claim(tmp: str) -> None:
        manifest.publishing(job.out_abs, key, tmp)
        claimed.append(tmp)

    try:
        result = steps.splice_job(job, list(results), _state["ff"], workdir, claim)
    except BaseException:
        if claimed:
            manifest.remove(job.out_abs)  # the output was taken back too
        raise
    entry = report.job_entry(line, name, result, job.request.spec, job.notes)
    manifest.done(job.out_abs, key, (*result.previews, *result.timeline_files),
                  result.total_frames, entry)
    return entry
