"""The one place that starts ffmpeg processes: run to completion, or stream through a pipe.

Hygiene (STYLE.md habit 6): a child is always reaped, killed first when we leave early (an
exception, Ctrl-C, a consumer that stops reading); stdout and stderr are read without deadlocks
(communicate() for whole runs; a temp file for a streaming pipe's stderr, so it can never fill).
Every child started here is also listed until it is reaped, so that kill_running() can end the
ones an interrupted caller left behind (a frame reader suspended mid-stream in a traceback the
exit still holds) before the process exits: no ffmpeg outlives the CLI.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from typing import IO, Iterator

from .errors import FFmpegError, failed

# A streaming Popen's stderr temp file, kept on the Popen under this private attribute.
_STDERR_ATTR = "_vt_stderr_file"

_running: set[subprocess.Popen] = set()  # started here and not yet known to be reaped
_running_lock = threading.Lock()


def _start(cmd: list[str], what: str, **pipes) -> subprocess.Popen:
    """Popen(cmd, **pipes), listed in _running (FFmpegError when it cannot start)."""
    try:
        proc = subprocess.Popen(cmd, **pipes)
    except OSError as exc:
        raise FFmpegError(f"{what} could not start: {exc}", cmd) from exc
    with _running_lock:
        _running.difference_update([p for p in _running if p.returncode is not None])
        _running.add(proc)
    return proc


def kill_running() -> int:
    """Kill and reap every child started here that still runs; how many there were. For the
    way out of a process only: a thread still using one of them sees it die."""
    with _running_lock:
        procs = list(_running)
        _running.clear()
    alive = [p for p in procs if p.poll() is None]
    for proc in alive:
        _kill(proc)
    return len(alive)


def _decode(data: bytes | None) -> str:
    # ffmpeg echoes file names, which need not be UTF-8: never fail on its stderr.
    return (data or b"").decode("utf-8", errors="replace")


def _kill(proc: subprocess.Popen) -> None:
    """Kill (if still running) and reap; never raises."""
    try:
        if proc.poll() is None:
            proc.kill()
    except OSError:
        pass
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:  # closing a pipe to a dead child may raise EPIPE on flush
            pass
    proc.wait()


def run_capture(
    cmd: list[str],
    *,
    input: bytes | None = None,
    what: str = "ffmpeg",
    timeout: float | None = None,
    stop: threading.Event | None = None,
) -> tuple[bytes, str]:
    """Run `cmd` to completion; return (stdout bytes, stderr text). FFmpegError on failure,
    or when `stop` is set while it runs (the child killed: work in a background thread that
    its caller no longer wants)."""
    proc = _start(cmd, what, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = _communicate(proc, input, timeout, stop, what)
    except subprocess.TimeoutExpired as exc:
        _kill(proc)
        raise FFmpegError(f"{what} did not finish within {timeout:g} s", cmd) from exc
    except BaseException:  # KeyboardInterrupt included: never leave the child running
        _kill(proc)
        raise
    stderr = _decode(err)
    if proc.returncode != 0:
        raise FFmpegError(failed(what, proc.returncode, stderr), cmd, stderr)
    return out, stderr


STOP_POLL = 0.1  # seconds between looks at a run's stop event


def _communicate(proc: subprocess.Popen, input: bytes | None, timeout: float | None,
                 stop: threading.Event | None, what: str) -> tuple[bytes, bytes]:
    """proc.communicate(), looking at `stop` every STOP_POLL s (a retried communicate() loses
    no output; only the first call may send input)."""
    if stop is None:
        return proc.communicate(input, timeout=timeout)
    end = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = STOP_POLL if end is None else min(STOP_POLL, max(end - time.monotonic(), 0.0))
        try:
            return proc.communicate(input, timeout=wait)
        except subprocess.TimeoutExpired:
            if end is not None and time.monotonic() >= end:
                raise
            if stop.is_set():
                raise FFmpegError(f"{what} was stopped", proc.args) from None
        input = None


def run(cmd: list[str], *, input: bytes | None = None, what: str = "ffmpeg",
        stop: threading.Event | None = None) -> str:
    """Run `cmd` to completion and return its stderr text (stdout is discarded)."""
    return run_capture(cmd, input=input, what=what, stop=stop)[1]


def stderr_text(proc: subprocess.Popen) -> str:
    """What a process from open_pipe() has written to stderr so far."""
    file: IO[bytes] | None = getattr(proc, _STDERR_ATTR, None)
    if file is None or file.closed:
        return ""
    file.flush()
    file.seek(0)
    return _decode(file.read())


def _finish(proc: subprocess.Popen) -> None:
    """After a normal with-block: close stdin (EOF for ffmpeg), drain unread stdout, reap."""
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except BrokenPipeError:  # ffmpeg already exited; its exit status tells why
            pass
    if proc.stdout is not None:
        # Unread output would block ffmpeg on a full pipe and wait() would never return.
        while proc.stdout.read(1 << 16):
            pass
        proc.stdout.close()
    proc.wait()


@contextmanager
def open_pipe(
    cmd: list[str], *, stdin: bool = False, stdout: bool = False, what: str = "ffmpeg"
) -> Iterator[subprocess.Popen]:
    """A Popen with optional stdin/stdout pipes that is always reaped.

    Leaving the block normally closes stdin, drains stdout and waits; a non-zero exit then
    raises FFmpegError with ffmpeg's last stderr line. Leaving by an exception (Ctrl-C, a
    generator closed mid-stream) kills the child first. A BrokenPipeError from the block means
    ffmpeg died: it becomes an FFmpegError carrying ffmpeg's own reason.
    """
    with tempfile.TemporaryFile(prefix="vae-transition-ffmpeg-", suffix=".log") as err_file:
        proc = _start(cmd, what, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                      stdout=subprocess.PIPE if stdout else subprocess.DEVNULL, stderr=err_file)
        setattr(proc, _STDERR_ATTR, err_file)
        try:
            yield proc
        except BrokenPipeError as exc:
            _kill(proc)
            stderr = stderr_text(proc)
            raise FFmpegError(failed(what, proc.returncode, stderr), cmd, stderr) from exc
        except BaseException:
            _kill(proc)
            raise
        try:
            _finish(proc)
        except BaseException:  # e.g. Ctrl-C while waiting for an encoder to flush
            _kill(proc)
            raise
        if proc.returncode != 0:
            stderr = stderr_text(proc)
            raise FFmpegError(failed(what, proc.returncode, stderr), cmd, stderr)
