"""Errors as users read them: which exceptions are the user's problem (bad input, a missing
file, an option out of range) rather than a bug or a crash, and each as one line. The CLI exits
with that line; the batch report lists it for the job that failed."""

from __future__ import annotations

from ffmpeg_scripts.errors import FFmpegError
from vae_transition.outputs import OutputExists

OWN = ("vae_transition", "ffmpeg_scripts")  # our exceptions (JoinError, ModelError, ...) say
                                             # what is wrong with the input, in one line


def is_user_error(exc: BaseException) -> bool:
    """Bad input (never worth retrying), as opposed to a crash."""
    return (isinstance(exc, (FFmpegError, ValueError, OSError))
            or type(exc).__module__.split(".")[0] in OWN)


def one_line(exc: BaseException) -> str:
    if isinstance(exc, OutputExists):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return " ".join(str(exc).split()) or type(exc).__name__
