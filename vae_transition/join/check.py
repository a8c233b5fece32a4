"""The written file against the plan, and the clips against themselves, before anything is
published.

- check_written: the spliced file holds what the plan says, or the join fails with a one-line
  error and nothing is written (ffmpeg_scripts/verify.py reads it: frames, monotonic timestamps,
  durations, every frame's time, size, SAR and colour tags, the display aspect ratio);
- damage_notes: frames a clip's decoder reports as damaged (corrupt packets inside it), named
  per clip: the join copies or re-encodes them as they are, and says so;
- full_disk: a step that failed because a disk filled up (ffmpeg's "No space left on device",
  Python's ENOSPC, or an ffmpeg that could not even write its log) named with the folder;
- Inputs: every clip as probed (device, inode, size, time), so that one deleted or rewritten
  during the join is named in the error instead of failing a later step with our own names.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass

from ffmpeg_scripts import verify
from ffmpeg_scripts.errors import FFmpegError
from ffmpeg_scripts.frames import damaged_frames
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo
from vae_transition.join.plan import COPY, JoinError, JoinPlan

# A decoder's own error lines in a run's stderr (at "error" level): a clip is damaged.
_DECODER_ERROR = re.compile(r"^\[(?:h264|hevc|mpeg4|mpeg2video|mpeg1video|vp8|vp9|av1|libdav1d|"
                            r"prores|dnxhd|mjpeg|vist#\S*) @ ", re.MULTILINE)


def expected(plan: JoinPlan) -> verify.Expected:
    """What the plan's output holds: its frames at its rate, A's picture (pass-through keeps
    A's display rotation; a re-encode writes the picture upright), audio when a clip has it."""
    fmt = plan.fmt
    return verify.Expected(plan.total_frames, fmt.fps, fmt.width, fmt.height, fmt.sar,
                           fmt.colour, plan.has_audio, fmt.rotation if plan.passthrough else 0)


def check_written(ff: FFmpegBinary, path: str, plan: JoinPlan) -> verify.Written:
    """The spliced file must hold exactly what the plan says, or it is not published
    (WrittenFileError: one line, the first mismatch)."""
    return verify.verify(ff, path, expected(plan), "the splice")


def damage_notes(ff: FFmpegBinary, plan: JoinPlan, written: verify.Written,
                 splice_stderr: str = "") -> list[str]:
    """One note per clip whose frames decode with errors, when the written file (copied
    packets) or the splice's own decoding (re-encode) shows damage; [] when none does."""
    if not written.corrupt and not _DECODER_ERROR.search(splice_stderr):
        return []
    notes = []
    for k, (info, use) in enumerate(zip(plan.clips, plan.uses)):
        n = damaged_frames(ff, info, use.end)
        if n:
            copied = any(p.kind == COPY and p.index == k for p in plan.parts)
            many = n != 1
            fate = (f"copies {'them as they are' if many else 'it as it is'}" if copied
                    else f"re-encodes {'them' if many else 'it'} as decoded")
            notes.append(f"note: {os.path.basename(info.path)}: {n} damaged "
                         f"frame{'s' if many else ''} (corrupt packets inside the clip); "
                         f"the join {fate}")
    return notes


@dataclass(frozen=True)
class Inputs:
    """The clips as they were when probed: a join reads them until it ends."""

    seen: tuple[tuple[str, tuple | None], ...]  # (path, (dev, inode, size, mtime) or None)

    @classmethod
    def of(cls, infos: list[ClipInfo]) -> Inputs:
        return cls(tuple((i.path, _identity(i.path)) for i in infos))

    def check(self) -> None:
        """JoinError naming the first clip deleted, replaced or changed since it was probed."""
        for path, before in self.seen:
            now = _identity(path)
            if now != before:
                what = "was deleted" if now is None else "changed"
                raise JoinError(f"{path}: {what} while it was being joined; nothing was written")


def _identity(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


FULL = 1 << 20  # bytes free below which a folder counts as full


def full_disk(exc: BaseException, folders: dict[str, str]) -> JoinError | None:
    """When `exc` came from a full disk: one line naming the folder that filled up (the first
    of `folders`, label -> path, with under FULL bytes free) and the step; else None."""
    text = f"{exc} {getattr(exc, 'stderr', '')}"
    nospace = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        "No space left on device" in text or "Disk quota exceeded" in text
    silent = isinstance(exc, FFmpegError) and "wrote no message" in str(exc)
    if not (nospace or silent):
        return None
    for label, folder in folders.items():
        try:
            st = os.statvfs(folder)
        except OSError:
            continue
        if st.f_bavail * st.f_frsize < FULL:
            step = str(exc) if isinstance(exc, FFmpegError) else \
                f"writing {getattr(exc, 'filename', None) or 'a work file'}"
            hint = " or point TMPDIR at a larger disk" if label == "TMPDIR" else ""
            return JoinError(f"{label} {folder} is full: {step}; free some space there{hint}")
    return None
