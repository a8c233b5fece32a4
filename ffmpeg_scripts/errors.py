"""The exceptions raised by ffmpeg_scripts. The CLI turns them into one-line messages."""

from __future__ import annotations


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


def last_error_line(stderr: str) -> str:
    """The most telling line of ffmpeg's stderr (its last non-empty one), for one-line messages."""
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no message from ffmpeg"


class WrittenFileError(FFmpegError):
    """A file we wrote is not what the plan says (frames, timestamps, colour, shape)."""
