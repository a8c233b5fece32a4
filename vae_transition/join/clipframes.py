"""A clip's frames as the output shows them: ranges read for the transitions and for smart
render, conformed through the re-encode's own filter when the join conforms, so a transition
starts and ends on the very frames the output shows beside it.

Frame numbers are at the output's rate (after conforming), 0 = the clip's first frame.
"""

from __future__ import annotations

import os
import re
from collections import deque
from dataclasses import replace

import numpy as np

from ffmpeg_scripts import encode, frames, probe, splice
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import tensors
from vae_transition.join.plan import CutUse
from vae_transition.morph.transition import TransitionSpec
from vae_transition.timing import fps_text

CONTEXT = 3  # frames each side of a cut that per-pair adaptation learns from


class ReadError(ValueError):
    """A clip decodes to fewer frames than its probe promised."""


def context_frames(spec: TransitionSpec) -> int:
    """Extra frames to read beyond a cut's own: adaptation learns from a few; an overlap needs
    the frame beside each end (what scoring compares the transition with)."""
    if spec.overlap:
        return 1
    return CONTEXT - 1 if spec.method == "vae" and spec.adapt_steps > 0 else 0


def shown_count(info: probe.ClipInfo, fmt: encode.VideoFormat) -> int:
    """Frames the output can show of a clip (conformed to fmt's rate)."""
    return splice.conformed_frames(info, fmt.fps)


def clip_ranges(infos, points, fmt: encode.VideoFormat) -> list[tuple[int, int]]:
    """Each clip's [in, out + 1) at fmt's rate: its timing.ClipPoints resolved, or the whole
    clip where it has none (points may be shorter than infos)."""
    ranges = []
    for k, info in enumerate(infos):
        count = shown_count(info, fmt)
        point = points[k] if k < len(points) else None
        ranges.append(point.resolve(count, fmt.fps, os.path.basename(info.path)) if point
                      else (0, count))
    return ranges


def read_range(ff: FFmpegBinary, info: probe.ClipInfo, start: int, end: int,
               fmt: encode.VideoFormat, conform: bool) -> list[np.ndarray]:
    """Frames [start, end) as (H, W, 3) uint8 at fmt's size: through the conform filter when
    `conform` (re-encode path), else decoded as they are (stream copy: the same format)."""
    count = shown_count(info, fmt)
    if not 0 <= start < end <= count:
        raise ReadError(f"{info.path}: frames {start}..{end - 1} are outside its {count}")
    if not conform:
        if end == count:
            got = frames.last_frames(ff, info, end - start)
        else:
            got = list(frames.iter_frames(ff, info, start=start, count=end - start))
        got = [tensors.letterbox(f, (fmt.width, fmt.height)) for f in got]
    else:
        got = _conformed(ff, info, fmt, start, end, count)
    if len(got) != end - start:
        raise ReadError(f"{info.path}: decodes to only {start + len(got)} frames at "
                        f"{fps_text(fmt.fps)} fps; {end} were needed")
    return got


def _conformed(ff, info, fmt, start: int, end: int, count: int) -> list[np.ndarray]:
    shown = replace(info, width=fmt.width, height=fmt.height, fps=fmt.fps, frame_count=count)
    vf = splice.conform_filter(fmt)
    if end == count and info.fps == fmt.fps:  # the tail alone, by seeking (same rate: exact)
        return frames.last_frames(ff, replace(shown, fps=info.fps, frame_count=info.frame_count),
                                  end - start, vf)
    if end == count:  # a rate change depends on where decoding starts: decode all, as the splice
        return list(deque(frames.iter_frames(ff, shown, vf=vf), maxlen=end - start))
    return list(frames.iter_frames(ff, shown, start=start, count=end - start, vf=vf))


def cut_inputs(ff: FFmpegBinary, a: probe.ClipInfo, b: probe.ClipInfo, use: CutUse,
               a_first: int, b_end: int, extra: int, fmt: encode.VideoFormat, conform: bool):
    """(A's frames, B's frames) for one cut: its own ranges widened by up to `extra` frames
    away from the cut, within the clips' cut points [a_first, ...) and [..., b_end)."""
    (a0, a1), (b0, b1) = use.context(extra)
    return (read_range(ff, a, max(a0, a_first), a1, fmt, conform),
            read_range(ff, b, b0, min(b1, b_end), fmt, conform))


_ALPHA = re.compile(r"^(yuva|gbrap|ya\d)|rgba|bgra|argb|abgr|rgb32|bgr32")


def alpha_notes(infos: list[probe.ClipInfo]) -> list[str]:
    """A clip with an alpha channel (ProRes 4444, PNG in .mov, ...) loses it: say so."""
    return [f"note: {os.path.basename(i.path)} has an alpha channel ({i.pix_fmt}); the output "
            f"has none, so its transparency is dropped" for i in infos if _ALPHA.search(i.pix_fmt)]

