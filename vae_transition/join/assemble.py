"""From a join's layout to the splice: the pieces in order, the smart-render segments, the audio.

layout.parts() says where every output frame comes from; this module turns that into
splice.Piece objects (a clip file with its in and out points, or a segment we encoded), encodes
the "frames" parts (clip frames around a cut point or an overlap that a stream copy cannot
reach, decoded and encoded again to match the clip), and says where each transition landed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from fractions import Fraction

from ffmpeg_scripts import encode, probe, splice
from ffmpeg_scripts.audio import Sound
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.process import run
from vae_transition.join.plan import ClipUse, Part


def keyframe_at(info: probe.ClipInfo, index: int):
    """The clean keyframe at display frame `index` (layout only cuts copies at those)."""
    return next(k for k in info.keyframes if k.index == index)


def clip_piece(part: Part, info: probe.ClipInfo, fps: Fraction, passthrough: bool) -> splice.Piece:
    """A clip's frames [part.start, part.end): stream-copied between clean keyframes (their pts
    and dts become the concat list's in and out points), or conformed and trimmed."""
    if not passthrough:
        return splice.Piece(info.path, part.frames, info.fps, part.start)
    count = info.frame_count
    inpoint = keyframe_at(info, part.start).pts if part.start else None
    outpoint = keyframe_at(info, part.end).dts if part.end < count else None
    return splice.Piece(info.path, part.frames, fps, part.start, inpoint, outpoint)


def encode_frames(ff: FFmpegBinary, part: Part, info: probe.ClipInfo, fmt: encode.VideoFormat,
                  path: str) -> splice.Piece:
    """Smart render: re-encode a clip's frames [start, end) as clip A's segments are encoded,
    so they splice between the copied packets (checked: exactly that many frames)."""
    run(encode.span_args(ff, info, part.start, part.frames, fmt, path), what="ffmpeg (smart render)")
    got = probe.count_frames(ff, path)
    if got != part.frames:
        raise RuntimeError(f"{info.path}: re-encoding frames {part.start}..{part.end - 1} gave "
                           f"{got} frames")
    return splice.Piece(path, part.frames, fmt.fps)


def pieces(ff: FFmpegBinary, parts: Sequence[Part], infos: Sequence[probe.ClipInfo],
           segments: Sequence[str], fmt: encode.VideoFormat, passthrough: bool,
           workdir: str) -> tuple[splice.Piece, ...]:
    """The splice's pieces for every part (encoding the "frames" parts into workdir)."""
    out = []
    for n, part in enumerate(parts):
        if part.kind == "transition":
            out.append(splice.Piece(segments[part.index], part.frames, fmt.fps))
        elif part.kind == "clip":
            out.append(clip_piece(part, infos[part.index], fmt.fps, passthrough))
        else:
            path = os.path.join(workdir, f"frames-{n:03d}.mp4")
            out.append(encode_frames(ff, part, infos[part.index], fmt, path))
    return tuple(out)


def transition_spans(parts: Sequence[Part]) -> tuple[tuple[int, int], ...]:
    """(first, last) output frame of every transition, in cut order."""
    spans, pos = [], 0
    for p in parts:
        if p.kind == "transition":
            spans.append((pos, pos + p.frames - 1))
        pos += p.frames
    return tuple(spans)


def sounds(infos: Sequence[probe.ClipInfo], uses: Sequence[ClipUse]) -> tuple[Sound, ...]:
    return tuple(Sound(info, u.first, u.end, u.body) for info, u in zip(infos, uses))


def source_ranges(infos: Sequence[probe.ClipInfo], uses: Sequence[ClipUse],
                  fps: Fraction) -> list[tuple[int, int]]:
    """Each clip's body in its own frames (timelines reference the media at its own rate)."""
    def own(f: int, info: probe.ClipInfo) -> int:
        return f if info.fps == fps else min(info.frame_count, round(f * info.fps / fps))

    return [(own(u.body[0], i), max(own(u.body[0], i) + 1, own(u.body[1], i)))
            for i, u in zip(infos, uses)]
