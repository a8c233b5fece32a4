"""The local executor: a pool of worker processes on this machine (pebble's ProcessPool).

Each worker is a fresh interpreter (spawn: no torch state forked mid-flight) that imports torch,
finds ffmpeg and loads the model once, in worker.init, then runs task after task. A worker that
dies (killed, out of memory, a crash in native code) fails only the task it ran, which the
scheduler may retry; the pool starts a new worker in its place.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, wait

from pebble import ProcessExpired, ProcessPool

from vae_transition.batch import worker
from vae_transition.messages import one_line


class LocalExecutor:
    name = "local"

    def __init__(self, workers: int, settings: worker.Settings, target=worker.run):
        """target: the task function (worker.run; a test passes one that crashes)."""
        self.workers = workers
        self.model_id = settings.model_id
        self.target = target
        self.pool = ProcessPool(max_workers=workers, initializer=worker.init,
                                initargs=(settings, os.getpid()),
                                context=multiprocessing.get_context("spawn"))

    def submit(self, kind: str, payload: tuple):
        return self.pool.schedule(self.target, args=(kind, payload, self.model_id))

    def wait(self, handles, timeout: float) -> list:
        """The handles that have finished (at least one, unless timeout passed first)."""
        done, _ = wait(list(handles), timeout=timeout, return_when=FIRST_COMPLETED)
        return list(done)

    def outcome(self, handle) -> tuple:
        """("ok", value), ("input", message) or ("crash", message)."""
        try:
            return handle.result()
        except ProcessExpired as exc:
            return "crash", f"its worker process died ({_exit_text(exc.exitcode)})"
        except Exception as exc:  # noqa: BLE001 (a task that could not be sent or returned)
            return "crash", one_line(exc)

    def close(self, cancel: bool = False) -> None:
        """Stop the workers: at once (cancel: they unwind what they were making), or idle."""
        if cancel:
            self.pool.stop()
        else:
            self.pool.close()
        self.pool.join()


def _exit_text(code) -> str:
    if isinstance(code, int) and code < 0:
        import signal

        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"
