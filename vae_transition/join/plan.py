"""The join plan: for every output frame, where it comes from and what is done to it.

One JoinPlan describes the whole edit. The splice (assemble.py), the cut step (cuts.py), the
timelines and previews beside the output (sides.py) and `export` all read it; nothing else
decides where a frame comes from. Pure: probed clips and options in, frame numbers out, no ffmpeg.

All frames are counted at the output's rate (a clip conformed to another rate is counted after
conforming), and every range is half-open: [start, end).

- Insert (the default): clip A plays [a.first, a.end), then the N transition frames (made from
  A's frame a.end - 1 and B's frame b.first), then clip B plays [b.first, b.end).
- Overlap: the N transition frames replace A's last N and B's first N frames (frame k made from
  A's frame a.end - N + k and B's frame b.first + k), so a cut costs N frames, as with xfade.
  This is the one place where the insert/overlap choice becomes frame numbers (CutUse).
- What is done to each run of frames (Part.kind): "copy" (the clip's packets stream-copied,
  pass-through only), "reencode" (the clip's frames decoded and encoded again: every clip frame
  in the re-encode path; in pass-through the frames outside a clean keyframe span, which lie in
  the GOPs the cut points or the overlap cut into), "make" (a transition's frames, made).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from ffmpeg_scripts.audio import Sound
from ffmpeg_scripts.encode import VideoFormat
from ffmpeg_scripts.keyframes import Keyframe, at_or_after, at_or_before
from ffmpeg_scripts.probe import ClipInfo
from ffmpeg_scripts.splice import can_passthrough, conformed_frames, differences
from vae_transition import limits
from vae_transition.morph.transition import TransitionSpec
from vae_transition.timing import fps_text

COPY, REENCODE, MAKE = "copy", "reencode", "make"  # Part.kind


class JoinError(Exception):
    """A user-level problem with a join request (paths, options)."""


class LayoutError(ValueError):
    """Cut points or transition lengths that a clip cannot hold (one line, names the clip)."""


@dataclass(frozen=True)
class ClipUse:
    """One clip in the output."""

    first: int            # its in point: first frame played
    end: int              # one past its out point
    body: tuple[int, int]  # [start, end) of the frames shown outside transitions


@dataclass(frozen=True)
class CutUse:
    """One transition: how long, which mode, and the clip frames it is made from."""

    frames: int
    overlap: bool
    a_range: tuple[int, int]  # A's frames it is made from: (end - 1, end) insert, (end - N, end)
    b_range: tuple[int, int]  # B's: (first, first + 1) insert, (first, first + N) overlap

    def context(self, extra: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """a_range and b_range widened by `extra` frames away from the cut (for adaptation and
        the frames beside the transition that scoring compares it with)."""
        return (self.a_range[0] - extra, self.a_range[1]), (self.b_range[0], self.b_range[1] + extra)

    def handles(self, n: int) -> tuple[list[int], list[int]]:
        """A's and B's frames for n handles before and after the transition (export --handles):
        insert: n held copies of the frames beside it; overlap: the clips' own n frames beside
        the overlap."""
        if self.overlap:
            return (list(range(self.a_range[0] - n, self.a_range[0])),
                    list(range(self.b_range[1], self.b_range[1] + n)))
        return [self.a_range[1] - 1] * n, [self.b_range[0]] * n


@dataclass(frozen=True)
class Part:
    """A run of output frames from one source, and what is done to them."""

    kind: str    # COPY or REENCODE: clip `index`'s frames; MAKE: cut `index`'s transition
    index: int
    start: int   # first frame, in the clip (0 for a transition)
    end: int     # one past the last

    @property
    def frames(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class JoinPlan:
    """The whole edit: the clips, the output picture, and where every output frame comes from."""

    clips: tuple[ClipInfo, ...]     # probed, in order
    fmt: VideoFormat                # the output picture
    spec: TransitionSpec            # the join's transition settings (cut k's: cut_spec(k))
    passthrough: bool               # clips stream-copied where they can be, else re-encoded
    uses: tuple[ClipUse, ...]       # per clip
    cuts: tuple[CutUse, ...]        # per cut
    parts: tuple[Part, ...]         # the output in order
    reason: str = ""                # why the re-encode path (empty for pass-through)

    @property
    def total_frames(self) -> int:
        return sum(p.frames for p in self.parts)

    @property
    def has_audio(self) -> bool:
        return any(c.has_audio for c in self.clips)

    def cut_spec(self, k: int) -> TransitionSpec:
        """Cut k's TransitionSpec: the join's, with that cut's length."""
        return replace(self.spec, frames=self.cuts[k].frames)

    def spans(self) -> list[tuple[int, int, Part]]:
        """(start, end, part) of every part in the output: its output frames [start, end)."""
        out, pos = [], 0
        for p in self.parts:
            out.append((pos, pos + p.frames, p))
            pos += p.frames
        return out

    @property
    def transition_spans(self) -> tuple[tuple[int, int], ...]:
        """Each transition's output frames [start, end), in cut order."""
        return tuple((s, e) for s, e, p in self.spans() if p.kind == MAKE)

    def source(self, frame: int) -> tuple[str, int, int]:
        """Output frame -> (kind, clip or cut index, frame in that clip or transition)."""
        for s, e, p in self.spans():
            if s <= frame < e:
                return p.kind, p.index, p.start + frame - s
        raise IndexError(f"frame {frame} is outside the plan's {self.total_frames}")

    def count(self, kind: str) -> int:
        """Output frames of one kind: COPY, REENCODE or MAKE."""
        return sum(p.frames for p in self.parts if p.kind == kind)

    @property
    def smart_render(self) -> bool:
        """Pass-through that does not copy every clip whole: cut points, an overlap, a GOP."""
        return self.passthrough and any(
            p.kind != COPY or (p.start, p.end) != (0, self.clips[p.index].frame_count)
            for p in self.parts if p.kind != MAKE)

    def sounds(self) -> tuple[Sound, ...]:
        """Each clip's audio as the output uses it (ffmpeg_scripts.audio)."""
        return tuple(Sound(c, u.first, u.end, u.body) for c, u in zip(self.clips, self.uses))

    def source_ranges(self) -> list[tuple[int, int]]:
        """Each clip's body in its own frames (timelines reference the media at its own rate)."""
        def own(f: int, info: ClipInfo) -> int:
            return f if info.fps == self.fmt.fps else min(
                info.frame_count, round(f * info.fps / self.fmt.fps))

        return [(own(u.body[0], c), max(own(u.body[0], c) + 1, own(u.body[1], c)))
                for c, u in zip(self.clips, self.uses)]


def lay_out(ranges: Sequence[tuple[int, int]], lengths: Sequence[int], overlap: bool,
            names: Sequence[str]) -> tuple[list[ClipUse], list[CutUse]]:
    """Clip uses and cut uses from each clip's [first, end) and each cut's N.

    LayoutError when a clip is too short: in overlap mode every clip must keep at least one
    frame of its own between the transitions beside it.
    """
    cuts = []
    for k, n in enumerate(lengths):
        (_, a_end), (b_first, _) = ranges[k], ranges[k + 1]
        span = n if overlap else 1
        cuts.append(CutUse(n, overlap, (a_end - span, a_end), (b_first, b_first + span)))
    clips = []
    for k, (first, end) in enumerate(ranges):
        before = lengths[k - 1] if overlap and k else 0
        after = lengths[k] if overlap and k < len(lengths) else 0
        if end - first < before + after + 1:
            raise LayoutError(
                f"{names[k]}: plays {end - first} frames, too few for overlaps of {before} and "
                f"{after} frames (each clip keeps at least one frame of its own); use shorter "
                f"transitions or insert mode")
        clips.append(ClipUse(first, end, (first + before, end - after)))
    return clips, cuts


def parts(clips: Sequence[ClipUse], cuts: Sequence[CutUse],
          keyframes: Sequence[tuple[Keyframe, ...]] | None = None,
          frame_counts: Sequence[int] = (), exact_seek: Sequence[bool] = (),
          hidden_tail: Sequence[bool] = ()) -> list[Part]:
    """The output in order. keyframes None (re-encode): one REENCODE part per clip body. With
    each clip's clean keyframes and frame count (stream copy): bodies split for smart render.
    exact_seek[k] False: clip k's copy can only start at its first frame (MPEG-TS);
    hidden_tail[k] True: an edit list hides clip k's last packets, so a copy ends at a clean
    keyframe (copying to the end would show them)."""
    out: list[Part] = []
    for k, use in enumerate(clips):
        if k:
            out.append(Part(MAKE, k - 1, 0, cuts[k - 1].frames))
        if keyframes is None:
            out.append(Part(REENCODE, k, *use.body))
        else:
            seek = exact_seek[k] if k < len(exact_seek) else True
            count = frame_counts[k] if not (k < len(hidden_tail) and hidden_tail[k]) else -1
            out += split_body(k, use.body, keyframes[k], count, seek)
    return out


def split_body(index: int, body: tuple[int, int], keys: tuple[Keyframe, ...],
               frame_count: int, exact_seek: bool = True) -> list[Part]:
    """A body [s, e) as frames re-encoded up to the first clean keyframe, copied from it to the
    last clean keyframe at or before e (or to the clip's end), and re-encoded after that.
    Without exact_seek a copy may only start at frame 0 (ending early needs no seek);
    frame_count -1: a copy may not run to the clip's end."""
    s, e = body
    start = at_or_after(keys, s) if exact_seek or s == 0 else None
    stop = e if e == frame_count else getattr(at_or_before(keys, e), "index", None)
    if start is None or stop is None or start.index >= stop:
        return [Part(REENCODE, index, s, e)]  # no clean span inside: re-encode it all
    runs = [(REENCODE, s, start.index), (COPY, start.index, stop), (REENCODE, stop, e)]
    return [Part(kind, index, a, b) for kind, a, b in runs if b > a]


def reencoded_frames(out: Sequence[Part]) -> int:
    """Clip frames that are decoded and encoded again."""
    return sum(p.frames for p in out if p.kind == REENCODE)


# --- from probed clips and options to a plan ------------------------------------------------

def shown_count(info: ClipInfo, fmt: VideoFormat) -> int:
    """Frames the output can show of a clip (conformed to fmt's rate)."""
    return conformed_frames(info, fmt.fps)


def clip_ranges(infos: Sequence[ClipInfo], points, fmt: VideoFormat) -> list[tuple[int, int]]:
    """Each clip's [in, out + 1) at fmt's rate: its timing.ClipPoints resolved, or the whole
    clip where it has none (points may be shorter than infos)."""
    ranges = []
    for k, info in enumerate(infos):
        count = shown_count(info, fmt)
        point = points[k] if k < len(points) else None
        ranges.append(point.resolve(count, fmt.fps, os.path.basename(info.path)) if point
                      else (0, count))
    return ranges


def cut_lengths(n_cuts: int, fps: Fraction, default: int, given: Sequence = (),
                duration=None) -> list[int]:
    """Each cut's length in frames: given[k] (frames, a timing.Time, or None), else `duration`
    (a timing.Time) at fps, else `default`; each checked against limits."""
    fallback = duration.to_frames(fps) if duration is not None else default
    lengths = []
    for k in range(n_cuts):
        g = given[k] if k < len(given) else None
        n = g if isinstance(g, int) or g is None else g.to_frames(fps)
        lengths.append(limits.check_frames(fallback if n is None else n,
                                           "--duration" if n is None else f"cut {k + 1}'s length"))
    return lengths


def target_format(first: ClipInfo, size: tuple[int, int] | None = None,
                  fps: Fraction | None = None) -> VideoFormat:
    """The output picture: the first clip's, or --size / --fps; sizes its chroma cannot hold
    (an odd side in 4:2:0) one pixel smaller, so the encoder takes them."""
    fmt = VideoFormat.of(first)
    w, h = size or (fmt.width, fmt.height)
    if fmt.pix_fmt.startswith(("yuv420p", "yuv422p")):
        w -= w % 2
    if fmt.pix_fmt.startswith("yuv420p"):
        h -= h % 2
    return replace(fmt, width=w, height=h, fps=fps or fmt.fps)


def reencode_reason(infos: Sequence[ClipInfo], fmt: VideoFormat, forced: bool,
                    conformed: bool = False) -> str:
    """Why the join cannot stream-copy ("" when it can): the option, or the clip that differs.
    conformed: --size or --fps change the first clip's picture."""
    if forced:
        return "--reencode"
    first = infos[0]
    if conformed:
        return "--size or --fps conform the clips"
    if fmt != VideoFormat.of(first):
        return (f"{os.path.basename(first.path)} is {first.width}x{first.height}, and "
                f"{fmt.pix_fmt} needs even sides")
    if not first.steady:
        return (f"{os.path.basename(first.path)} has a variable frame rate: its frames are "
                f"re-timed to {fps_text(fmt.fps)} fps")
    if not can_passthrough(first, first):
        return (f"{os.path.basename(first.path)} is {first.codec} {first.pix_fmt}: segments are "
                f"stream-copied only between H.264 or HEVC clips")
    for info in infos[1:]:
        if not can_passthrough(first, info):
            return (f"{os.path.basename(info.path)} differs from {os.path.basename(first.path)} "
                    f"in {', '.join(differences(first, info))}")
    return ""


def plan_join(infos: Sequence[ClipInfo], spec: TransitionSpec, *, points: Sequence = (),
              lengths: Sequence = (), duration=None, size: tuple[int, int] | None = None,
              fps: Fraction | None = None, reencode: bool = False) -> JoinPlan:
    """The plan of joining `infos` in order with `spec` at every cut.

    points: per clip, a timing.ClipPoints or None; lengths: per cut, frames, a timing.Time or
    None; duration: the default length as a timing.Time (else spec.frames); size, fps: conform
    targets; reencode: never stream-copy. Raises LayoutError or timing.TimeError (one line).
    """
    if len(infos) < 2:
        raise JoinError("join needs at least two clips")
    fmt = target_format(infos[0], size, fps)
    limits.check_morph_size(fmt.width, fmt.height, spec.method,
                            "--size" if size else os.path.basename(infos[0].path))
    reason = reencode_reason(infos, fmt, reencode, fmt != target_format(infos[0]))
    ranges = clip_ranges(infos, points, fmt)
    n = cut_lengths(len(infos) - 1, fmt.fps, spec.frames, lengths, duration)
    uses, cuts = lay_out(ranges, n, spec.overlap, [os.path.basename(i.path) for i in infos])
    passthrough = not reason
    out = parts(uses, cuts, [i.keyframes for i in infos] if passthrough else None,
                [i.frame_count for i in infos], [i.exact_seek for i in infos],
                [i.hidden_tail for i in infos])
    return JoinPlan(tuple(infos), fmt, spec, passthrough, tuple(uses), tuple(cuts), tuple(out),
                    reason)
