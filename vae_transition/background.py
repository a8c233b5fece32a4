"""Work started in a background thread while the caller goes on: the model's load, the clips'
copied and re-encoded pieces.

Importing torch and reading the weights takes about 1.3 s on one core, and a join spends about
0.4 s before it needs the model (probing the clips, ffmpeg decoding the frames beside each cut),
mostly waiting on ffmpeg in another process. Loading in a thread overlaps the two; the first cut
waits for the model only when its frames are read (join/cuts.py: resolved()). The clips' own
pieces of the splice need no transition, so a join makes them while its cuts are made
(join/pipeline.py), and cancels them when a cut fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Pending:
    """The result of `make()`, being computed in a daemon thread; get() waits for it and raises
    what make() raised (in the caller's thread, so the CLI reports it as usual). `stop`, when
    given, is the event make() looks at to give up early: cancel() sets it."""

    def __init__(self, make: Callable[[], Any], name: str = "background",
                 stop: threading.Event | None = None):
        self.stop = stop or threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(make,), name=name, daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], Any]) -> None:
        try:
            self._value = make()
        except BaseException as exc:  # handed to get(): a thread's own traceback helps nobody
            self._error = exc

    def get(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> None:
        """Ask make() to stop, wait until it has, and drop its result or error (the caller is
        already leaving by another error, or has what it needs)."""
        self.stop.set()
        self._thread.join()


def resolved(value: Any) -> Any:
    """value itself, or what a Pending value holds (waiting for it)."""
    return value.get() if isinstance(value, Pending) else value
