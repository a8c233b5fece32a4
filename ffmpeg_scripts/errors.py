"""The exceptions raised by ffmpeg_scripts. The CLI turns them into one-line messages."""

from __future__ import annotations

import re
import signal


class FFmpegError(Exception):
    """ffmpeg failed, or could not be used. `str()` is one line; `stderr` keeps ffmpeg's words."""

    def __init__(self, message: str, cmd: list[str] | None = None, stderr: str = ""):
        super().__init__(message)
        self.cmd = cmd or []
        self.stderr = stderr

    def __str__(self) -> str:
        return " ".join(str(self.args[0]).split())


class FFmpegNotFound(FFmpegError):
    """No usable ffmpeg binary: the message says how to provide one."""


class MediaError(FFmpegError):
    """An input file is missing, unreadable, not a video, or unusable (e.g. a single frame)."""


_CONTEXT = re.compile(r"^(?:\[[^\]]* @ 0x[0-9a-f]+\]\s*)+")  # "[out#0/mp4 @ 0x55d5...] "


def last_error_line(stderr: str) -> str:
    """The most telling line of ffmpeg's stderr (its last non-empty one, without the
    "[muxer @ 0x...]" context prefixes), for one-line messages."""
    lines = [_CONTEXT.sub("", ln.strip()) for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no message from ffmpeg"


def failed(what: str, returncode: int, stderr: str) -> str:
    """The one line for a command that failed: ffmpeg's own last words, or when it wrote none
    (killed, or its log could not be written), how it ended."""
    if stderr.strip():
        return f"{what} failed: {last_error_line(stderr)}"
    if returncode < 0:
        try:
            how = signal.Signals(-returncode).name
        except ValueError:
            how = f"signal {-returncode}"
        return f"{what} was killed by {how} and wrote no message"
    return f"{what} failed with exit status {returncode} and wrote no message"


class WrittenFileError(FFmpegError):
    """A file we wrote is not what the plan says (frames, timestamps, colour, shape)."""
