"""Where every frame of a join comes from: the clips' cut points, each cut's mode, and (for a
stream-copied join) which frames are copied and which are re-encoded around the cuts.

Pure: frame numbers in, frame numbers out, no ffmpeg. All frames are counted at the output's
rate (a clip conformed to another rate is counted after conforming).

- Insert (the default): clip A plays [a.first, a.end), then the N transition frames (made from
  A's frame a.end - 1 and B's frame b.first), then clip B plays [b.first, b.end).
- Overlap: the N transition frames replace A's last N and B's first N frames (frame k made from
  A's frame a.end - N + k and B's frame b.first + k), so a cut costs N frames, as with xfade.
- Smart render (stream copy): a clip's shown frames are copied from its first clean keyframe on
  and up to its last clean keyframe (or its end); the frames outside that span, which lie in
  the GOPs that the cut points or the overlap cut into, are decoded and re-encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ffmpeg_scripts.keyframes import Keyframe, at_or_after, at_or_before


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


@dataclass(frozen=True)
class Part:
    """A run of output frames from one source."""

    kind: str    # "clip": copied (stream copy) or conformed whole (re-encode) from clip `index`;
                 # "frames": clip `index`'s frames decoded and re-encoded (smart render);
                 # "transition": cut `index`'s segment
    index: int
    start: int   # first frame, in the clip (0 for a transition)
    end: int     # one past the last

    @property
    def frames(self) -> int:
        return self.end - self.start


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
          frame_counts: Sequence[int] = (), exact_seek: Sequence[bool] = ()) -> list[Part]:
    """The output in order. keyframes None (re-encode): one "clip" part per clip body. With each
    clip's clean keyframes and frame count (stream copy): bodies split for smart render.
    exact_seek[k] False: clip k's copy can only start at its first frame (MPEG-TS)."""
    out: list[Part] = []
    for k, use in enumerate(clips):
        if k:
            out.append(Part("transition", k - 1, 0, cuts[k - 1].frames))
        if keyframes is None:
            out.append(Part("clip", k, *use.body))
        else:
            seek = exact_seek[k] if k < len(exact_seek) else True
            out += split_body(k, use.body, keyframes[k], frame_counts[k], seek)
    return out


def split_body(index: int, body: tuple[int, int], keys: tuple[Keyframe, ...],
               frame_count: int, exact_seek: bool = True) -> list[Part]:
    """A body [s, e) as frames re-encoded up to the first clean keyframe, copied from it to the
    last clean keyframe at or before e (or to the clip's end), and re-encoded after that.
    Without exact_seek a copy may only start at frame 0 (ending early needs no seek)."""
    s, e = body
    start = at_or_after(keys, s) if exact_seek or s == 0 else None
    stop = e if e == frame_count else getattr(at_or_before(keys, e), "index", None)
    if start is None or stop is None or start.index >= stop:
        return [Part("frames", index, s, e)]  # no clean span inside: re-encode it all
    runs = [("frames", s, start.index), ("clip", start.index, stop), ("frames", stop, e)]
    return [Part(kind, index, a, b) for kind, a, b in runs if b > a]


def reencoded_frames(out: Sequence[Part]) -> int:
    """Clip frames that a smart render decodes and encodes again."""
    return sum(p.frames for p in out if p.kind == "frames")
