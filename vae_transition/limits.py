"""Bounds checked before any work starts, so an absurd request is a one-line error, not a
multi-GB allocation and a traceback minutes later.

The CLI's options use these numbers (click ranges); list files and the library check them too.
"""

from __future__ import annotations

MAX_TRANSITION_FRAMES = 1000   # --frames and a list's `frames N`
MAX_SIDE = 8192                # --size, and every clip's picture: 8K on a side
MAX_CLIPS = 100                # clips in one join (the re-encode path opens all at once)
MAX_SEED = 2**32 - 1           # seeds are numpy/torch uint32 seeds


class LimitError(ValueError):
    """A request beyond what a join can do; the message says the bound."""


def check_frames(n: int, what: str = "--frames") -> int:
    if not 1 <= n <= MAX_TRANSITION_FRAMES:
        raise LimitError(f"{what} {n} is outside 1..{MAX_TRANSITION_FRAMES}")
    return n


def check_size(width: int, height: int, what: str = "--size") -> None:
    if not (2 <= width <= MAX_SIDE and 2 <= height <= MAX_SIDE):
        raise LimitError(f"{what} {width}x{height} is outside 2..{MAX_SIDE} pixels on a side")


def check_clip_count(n: int) -> None:
    if n > MAX_CLIPS:
        raise LimitError(f"{n} clips: a join takes at most {MAX_CLIPS}; join the list in parts "
                         f"(each part a clip), then join the parts")
