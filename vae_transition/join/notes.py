"""What a join says it does: one-line notes made from the plan, so that each says what actually
happens (the path taken, what is copied, re-encoded or made, what is conformed or dropped).

Pure: a JoinPlan in, lines out. The pipeline passes them to its `log`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from fractions import Fraction

from ffmpeg_scripts.probe import ClipInfo
from vae_transition.join.plan import COPY, REENCODE, JoinPlan
from vae_transition.timing import fps_text

_ALPHA = re.compile(r"^(yuva|gbrap|ya\d)|rgba|bgra|argb|abgr|rgb32|bgr32")


def conform_notes(plan: JoinPlan) -> list[str]:
    """One note per clip that is conformed to the output's picture (A too, when its own size
    cannot be encoded or --size / --fps change it): size and shape, rate, colour."""
    if plan.passthrough:
        return []
    fmt, notes = plan.fmt, []
    for info in plan.clips:
        changes = []
        if (info.width, info.height, info.sar) != (fmt.width, fmt.height, fmt.sar):
            changes.append(f"{_shape(info.width, info.height, info.sar)} -> "
                           f"{_shape(fmt.width, fmt.height, fmt.sar)} (fitted by its display "
                           f"shape and padded)")
        if info.fps != fmt.fps:
            drawn = ("; the overlapped ones drawn at their own times, along the optical flow"
                     if plan.spec.overlap else "")  # join/retime.py
            changes.append(f"{fps_text(info.fps)} -> {fps_text(fmt.fps)} fps (frames repeated "
                           f"or dropped{drawn})")
        if not info.colour.means(fmt.colour):
            changes.append(f"colour {info.colour.text()} -> {fmt.colour.text()} (the matrix and "
                           f"range converted; primaries and transfer relabelled, not converted)")
        if changes:
            notes.append(f"note: conforming {os.path.basename(info.path)}: " + ", ".join(changes))
    return notes


def _shape(width: int, height: int, sar: Fraction) -> str:
    """"64x48", or "60x36 SAR 4:3 (DAR 20:9)" for non-square pixels."""
    if sar == 1:
        return f"{width}x{height}"
    dar = Fraction(width, height) * sar
    return (f"{width}x{height} SAR {sar.numerator}:{sar.denominator} "
            f"(DAR {dar.numerator}:{dar.denominator})")


def alpha_notes(infos: Sequence[ClipInfo]) -> list[str]:
    """A clip with an alpha channel (ProRes 4444, PNG in .mov, ...) loses it: say so."""
    return [f"note: {os.path.basename(i.path)} has an alpha channel ({i.pix_fmt}); the output "
            f"has none, so its transparency is dropped" for i in infos if _ALPHA.search(i.pix_fmt)]


def transitions_text(lengths: Sequence[int]) -> tuple[str, str]:
    """(subject, its length) for a sentence: ("the transition is", "24 frames"), ("the 2
    transitions are", "24 and 18 frames"), ("the 9 transitions are", "12 frames each")."""
    n = len(lengths)
    if n == 1:
        return "the transition is", f"{lengths[0]} frames"
    subject = f"the {n} transitions are"
    if len(set(lengths)) == 1:
        return subject, f"{lengths[0]} frames each"
    if n <= 3:
        return subject, f"{', '.join(map(str, lengths[:-1]))} and {lengths[-1]} frames"
    return subject, f"{min(lengths)} to {max(lengths)} frames, {sum(lengths)} in all"


def path_notes(plan: JoinPlan) -> list[str]:
    """The path the join takes, in what it does to the clips' frames and the transitions'."""
    subject, length = transitions_text([c.frames for c in plan.cuts])
    if not plan.passthrough:
        return [f"re-encode: everything is encoded once at high quality ({plan.reason})"]
    a = plan.clips[0]
    what = f"{a.codec} {a.pix_fmt} {a.width}x{a.height} @ {fps_text(a.fps)}"
    copied, again = plan.count(COPY), plan.count(REENCODE)
    if not again:
        lines = [f"pass-through: the clips are stream-copied ({what}); only {subject} encoded "
                 f"({length})"]
    elif not copied:
        lines = [f"pass-through: the clips match ({what}) but hold no clean keyframe inside the "
                 f"frames shown, so all {again} clip frames are re-encoded to match clip A, and "
                 f"{subject} encoded ({length})"]
    else:
        lines = [f"pass-through: the clips are stream-copied ({what}) except around the cuts; "
                 f"{subject} encoded ({length})"]
    if plan.smart_render:
        lines.append(f"smart render: {again} clip frames re-encoded around the cuts (the GOPs "
                     f"they cut into), {copied} stream-copied")
    return lines


def plan_notes(plan: JoinPlan) -> list[str]:
    """Every note about a plan, once each, in the order a user reads them."""
    return list(dict.fromkeys(conform_notes(plan) + alpha_notes(plan.clips) + path_notes(plan)))
