"""background.Pending: work started in a thread, its result or its error handed to the caller."""

from __future__ import annotations

import threading
import time

import pytest

from vae_transition.background import Pending, resolved


def test_pending_runs_beside_the_caller_and_hands_over_its_value():
    started, release = threading.Event(), threading.Event()

    def make():
        started.set()
        release.wait(5)
        return 42

    pending = Pending(make)
    assert started.wait(5)  # running before anyone asked for it
    release.set()
    assert resolved(pending) == 42 and pending.get() == 42


def test_pending_raises_its_error_in_the_caller():
    def make():
        time.sleep(0.01)
        raise ValueError("model weights not found: x")

    pending = Pending(make)
    with pytest.raises(ValueError, match="model weights not found"):
        pending.get()


def test_resolved_leaves_plain_values_alone():
    marker = object()
    assert resolved(marker) is marker and resolved(None) is None


def test_cancel_stops_the_work_waits_for_it_and_drops_its_error():
    stop = threading.Event()

    def make():
        while not stop.wait(0.01):
            pass
        raise RuntimeError("stopped half way")  # the caller is leaving by another error

    pending = Pending(make, "work", stop)
    start = time.perf_counter()
    pending.cancel()  # no error: whoever cancels does not want the result
    assert pending.stop.is_set() and not pending._thread.is_alive()
    assert time.perf_counter() - start < 2


def test_a_stopped_run_kills_its_ffmpeg_and_says_so(ff):
    """run(stop=...): background work that nobody wants any more ends within a poll, its
    ffmpeg killed and reaped (an endless lavfi source here, which would never end on its own)."""
    from ffmpeg_scripts.errors import FFmpegError
    from ffmpeg_scripts.process import run

    stop = threading.Event()
    cmd = ff.base() + ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=25", "-f", "null", "-"]
    pending = Pending(lambda: run(cmd, what="ffmpeg (endless)", stop=stop), "endless", stop)
    time.sleep(0.3)
    assert pending._thread.is_alive()  # still running: it only ends when stopped
    stop.set()
    with pytest.raises(FFmpegError, match=r"ffmpeg \(endless\) was stopped"):
        pending.get()


def test_clip_pieces_make_nothing_once_stopped(tmp_path):
    """A join whose cut failed stops its clips' pieces between pieces: nothing more is made."""
    from types import SimpleNamespace

    from vae_transition.join.assemble import clip_pieces
    from vae_transition.join.plan import COPY

    part = SimpleNamespace(kind=COPY, index=0, start=0, end=10, frames=10)
    plan = SimpleNamespace(parts=(part, part), passthrough=True, clips=("never read",))
    stop = threading.Event()
    stop.set()
    assert clip_pieces(None, plan, str(tmp_path), stop) == {}
    assert list(tmp_path.iterdir()) == []
