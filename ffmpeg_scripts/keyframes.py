"""Where a clip's packets can be cut without decoding: the keyframes that start a closed GOP.

A smart render stream-copies a clip up to one keyframe and from another, and re-encodes only the
frames between; for that, a cut must fall where no packet on one side refers to a picture on the
other. From the probe's framecrc lines (decode order: dts, pts, flags), a keyframe k is such a
cut point when every packet before it in decode order shows earlier (pts < pts_k) and every packet
after it shows later (pts >= pts_k). An open GOP's keyframe (leading B-frames that reference the
GOP before) fails that test and is skipped, so copies never lose a reference picture.

framecrc prints a packet's flags only when they differ from "keyframe" (`F=0x0` for a plain
packet, `F=0x4` for one an edit list discards), so a line without F= is a keyframe.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ffmpeg_scripts.packets import DISCARD, KEY, NOPTS



@dataclass(frozen=True)
class Keyframe:
    """A clean cut point of a clip's video stream."""

    index: int        # the frame's display index (0-based, among the frames a decoder outputs)
    pts: Fraction     # its presentation time, seconds in the file's own timeline
    dts: Fraction     # its decoding time, seconds
    packet: int = -1  # its position among the stream's packets in decode order (0-based):
                      # a copy from here takes packets [packet, ...), one up to here [..., packet)


def cut_points(tb: Fraction, packets: list[tuple[int, int, int, int]]) -> tuple[Keyframe, ...]:
    """Closed-GOP keyframes, in display order, from [(dts, pts, duration, flags)] in decode order."""
    shown = [(i, p) for i, p in enumerate(packets) if not p[3] & DISCARD and p[1] != NOPTS]
    if len(shown) != sum(1 for p in packets if not p[3] & DISCARD):
        return ()  # packets without timestamps: no cut point can be trusted
    order = sorted(shown, key=lambda ip: ip[1][1])
    index = {i: n for n, (i, _) in enumerate(order)}  # decode position -> display index
    pts_list = [p[1] for _, p in shown]
    earlier_max = _running(pts_list, max)
    later_min = _running(pts_list[::-1], min)[::-1]
    points = []
    for n, (i, (dts, pts, _, flags)) in enumerate(shown):
        if not flags & KEY:
            continue
        before_ok = n == 0 or earlier_max[n - 1] < pts
        after_ok = n + 1 == len(shown) or later_min[n + 1] >= pts
        if before_ok and after_ok:
            points.append(Keyframe(index[i], pts * tb, dts * tb, i))
    return tuple(sorted(points, key=lambda k: k.index))


def _running(values: list[int], pick) -> list[int]:
    out, acc = [], None
    for v in values:
        acc = v if acc is None else pick(acc, v)
        out.append(acc)
    return out


def at_or_after(points: tuple[Keyframe, ...], frame: int) -> Keyframe | None:
    """The first cut point at or after display frame `frame`, or None."""
    return next((k for k in points if k.index >= frame), None)


def at_or_before(points: tuple[Keyframe, ...], frame: int) -> Keyframe | None:
    """The last cut point at or before display frame `frame`, or None."""
    return next((k for k in reversed(points) if k.index <= frame), None)
