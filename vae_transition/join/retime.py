"""An overlap's frames of a clip at another rate, drawn at their exact times along the flow.

The join conforms a clip to the output's rate as editors' frame sampling does (ffmpeg's fps
filter): output frame k shows the clip's frame nearest to k / r_out. 20 fps shown at 24
repeats every fifth frame; 25 shown at 15 steps one frame, then two. Beside a cut nobody sees
it, but under an overlap both clips play through the morph, and it stutters with them (quality
bench: pacing 1.66 and 2.02 on the two mixed-rate real pairs). So the overlapped frames alone
are made at their exact times: output frame k lies at the clip's own position
p = k r_in / r_out; a whole p is that frame itself, anything else the optical-flow frame
between its two neighbours (baselines.flow_frame). The frames beside the overlap stay the
sampled ones, which the output shows there.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np

from ffmpeg_scripts import encode, probe
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition.join.clipframes import read_range
from vae_transition.join.plan import shown_count
from vae_transition.morph.baselines import bidirectional_flow, flow_frame

WHOLE = Fraction(1, 1000)  # a position this close to a frame of the clip is that frame


def needed(info: probe.ClipInfo, fmt: encode.VideoFormat) -> bool:
    """Whether the clip's frames are shown at another rate (so that some repeat or drop)."""
    return Fraction(info.fps) != Fraction(fmt.fps)


def positions(start: int, end: int, fps_in: Fraction, fps_out: Fraction) -> list[Fraction]:
    """The clip's own position (in its frames, exact) of each output frame in [start, end)."""
    ratio = Fraction(fps_in) / Fraction(fps_out)
    return [k * ratio for k in range(start, end)]


def source_range(start: int, end: int, fps_in: Fraction, fps_out: Fraction,
                 count_in: int) -> tuple[int, int]:
    """[first, last + 1) of the clip's own frames that output frames [start, end) lie between,
    within its count_in frames."""
    where = positions(start, end, fps_in, fps_out)
    first = min(math.floor(where[0]), count_in - 1)
    return max(0, first), min(count_in, math.ceil(where[-1]) + 1)


def retimed(source: list[np.ndarray], first: int, start: int, end: int, fps_in: Fraction,
            fps_out: Fraction) -> list[np.ndarray]:
    """Output frames [start, end) from the clip's own frames source (first: the index of
    source[0]): each at its exact position, between frames along the optical flow."""
    out, flows = [], {}
    for p in positions(start, end, fps_in, fps_out):
        i = min(math.floor(p), first + len(source) - 1)
        alpha = p - i
        if alpha <= WHOLE or i + 1 >= first + len(source):
            out.append(source[i - first])
            continue
        if 1 - alpha <= WHOLE:
            out.append(source[i + 1 - first])
            continue
        if i not in flows:  # two output frames may fall between the same pair (slowed down)
            flows[i] = bidirectional_flow(source[i - first], source[i + 1 - first])
        out.append(flow_frame(source[i - first], source[i + 1 - first], float(alpha),
                              flows[i]))
    return out


def read_retimed(ff: FFmpegBinary, info: probe.ClipInfo, start: int, end: int,
                 fmt: encode.VideoFormat) -> list[np.ndarray]:
    """Output frames [start, end) of a clip shown at fmt's rate, each drawn at its exact time
    from the clip's own frames (read through the same conform, at the clip's own rate)."""
    own = replace(fmt, fps=Fraction(info.fps))
    first, last = source_range(start, end, info.fps, fmt.fps, shown_count(info, own))
    source = read_range(ff, info, first, last, own, conform=True)
    return retimed(source, first, start, end, info.fps, fmt.fps)
