"""A clip's frames as the output shows them: the ranges a cut reads (and export's handles),
conformed through the re-encode's own filter when the join conforms, so a transition starts and
ends on the very frames the output shows beside it.

Frame numbers are at the output's rate (after conforming), 0 = the clip's first frame.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ffmpeg_scripts import encode, frames, probe
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import tensors
from vae_transition.join.plan import shown_count
from vae_transition.timing import fps_text


class ReadError(ValueError):
    """A clip decodes to fewer frames than its probe promised."""


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
    if end == count and info.fps == fmt.fps:  # the tail alone, by seeking (same rate: exact)
        return frames.last_frames(ff, replace(shown, fps=info.fps, frame_count=info.frame_count),
                                  end - start, fmt)
    if end == count:  # a rate change depends on where decoding starts: decode all, as the splice
        return frames.keep_last(frames.iter_frames(ff, shown, conform=fmt), end - start)
    return list(frames.iter_frames(ff, shown, start=start, count=end - start, conform=fmt))


def read_frames(ff: FFmpegBinary, info: probe.ClipInfo, indices: list[int],
                fmt: encode.VideoFormat, conform: bool) -> list[np.ndarray]:
    """The frames at `indices` (in that order, repeats allowed: held handles), read as one
    range [min, max + 1) by read_range."""
    if not indices:
        return []
    first = min(indices)
    got = read_range(ff, info, first, max(indices) + 1, fmt, conform)
    return [got[i - first] for i in indices]
