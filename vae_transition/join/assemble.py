"""From the join plan to the splice: the pieces in order, the smart-render segments, the audio.

The plan (plan.py) says where every output frame comes from and what is done to it; this module
turns each of its parts into a splice.Piece: a clip's packets copied between clean keyframes
(into a file of their own, in the time base all pieces share), a clip's frames re-encoded (in
the splice's own graph on the re-encode path; as a segment of their own, matched to clip A, in
pass-through), or a cut's made transition. The clips' pieces need no transition: clip_pieces()
makes them, and a join runs it while its cuts are made.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence

from ffmpeg_scripts import probe, splice
from ffmpeg_scripts.encode import VideoFormat, span_args
from ffmpeg_scripts.errors import WrittenFileError
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.process import run
from vae_transition.join.plan import COPY, MAKE, JoinPlan, Part


def keyframe_at(info: probe.ClipInfo, index: int):
    """The clean keyframe at display frame `index` (the plan only cuts copies at those)."""
    return next(k for k in info.keyframes if k.index == index)


def copy_frames(ff: FFmpegBinary, part: Part, info: probe.ClipInfo, fmt: VideoFormat,
                path: str, stop: threading.Event | None = None) -> splice.Piece:
    """A clip's frames [part.start, part.end) as their own packets, stream-copied between
    clean keyframes into `path` (checked: exactly that many frames)."""
    first = keyframe_at(info, part.start).packet if part.start else 0
    end = keyframe_at(info, part.end).packet if part.end < info.frame_count else None
    run(splice.copy_args(ff, info, first, end, fmt.timescale, path),
        what=f"ffmpeg (copying frames {part.start}..{part.end - 1} of {info.path})", stop=stop)
    _check_count(ff, path, part, info, "copying")
    return splice.Piece(path, part.frames, fmt.fps)


def _check_count(ff: FFmpegBinary, path: str, part: Part, info: probe.ClipInfo,
                 doing: str) -> None:
    got = probe.count_frames(ff, path)
    if got != part.frames:
        raise WrittenFileError(f"{info.path}: {doing} frames {part.start}..{part.end - 1} "
                                 f"gave {got} frames")


def encode_frames(ff: FFmpegBinary, part: Part, info: probe.ClipInfo, fmt: VideoFormat,
                  path: str, stop: threading.Event | None = None) -> splice.Piece:
    """Smart render: re-encode a clip's frames [start, end) as clip A's segments are encoded,
    so they splice between the copied packets (checked: exactly that many frames)."""
    run(span_args(ff, info, part.start, part.frames, fmt, path),
        what=f"ffmpeg (re-encoding frames {part.start}..{part.end - 1} of {info.path})",
        stop=stop)
    _check_count(ff, path, part, info, "re-encoding")
    return splice.Piece(path, part.frames, fmt.fps)


def clip_pieces(ff: FFmpegBinary, plan: JoinPlan, workdir: str,
                stop: threading.Event | None = None) -> dict[int, splice.Piece]:
    """The pieces of every part that comes from a clip, by part number: on the re-encode path
    the clip itself (conformed and trimmed in the splice's own graph); in pass-through its
    packets copied, or its frames re-encoded (smart render) into workdir. Gives up between
    pieces, and kills the running ffmpeg, once `stop` is set."""
    out = {}
    for n, part in enumerate(plan.parts):
        if part.kind == MAKE:
            continue
        if stop is not None and stop.is_set():
            break
        info = plan.clips[part.index]
        if not plan.passthrough:
            out[n] = splice.Piece(info.path, part.frames, info.fps, part.start)
        elif part.kind == COPY:
            path = os.path.join(workdir, f"copy-{n:03d}.mp4")
            out[n] = copy_frames(ff, part, info, plan.fmt, path, stop)
        else:
            path = os.path.join(workdir, f"frames-{n:03d}.mp4")
            out[n] = encode_frames(ff, part, info, plan.fmt, path, stop)
    return out


def pieces(ff: FFmpegBinary, plan: JoinPlan, segments: Sequence[str], workdir: str,
           from_clips: Mapping[int, splice.Piece] | None = None) -> tuple[splice.Piece, ...]:
    """The splice's pieces for every part of the plan, in order: cut k's made frames in
    segments[k], the clips' parts from `from_clips` (clip_pieces(), made now when None)."""
    if from_clips is None:
        from_clips = clip_pieces(ff, plan, workdir)
    return tuple(splice.Piece(segments[part.index], part.frames, plan.fmt.fps)
                 if part.kind == MAKE else from_clips[n] for n, part in enumerate(plan.parts))


def splice_plan(ff: FFmpegBinary, plan: JoinPlan, segments: Sequence[str], workdir: str,
                out: str, muxer: str, tags: dict[str, str] | None = None,
                from_clips: Mapping[int, splice.Piece] | None = None) -> splice.SplicePlan:
    """The splice of a join plan into `out` (the clips' pieces from clip_pieces(), made into
    workdir now when from_clips is None)."""
    return splice.SplicePlan(pieces(ff, plan, segments, workdir, from_clips), plan.fmt, out,
                             muxer, plan.passthrough, plan.sounds(),
                             tuple(c.frames for c in plan.cuts), tuple((tags or {}).items()))
