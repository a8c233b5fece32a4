"""Bounds checked before any work starts, so an absurd request is a one-line error, not a
multi-GB allocation and a traceback minutes later.

The CLI's options use these numbers (click ranges); list files and the library check them too.
"""

from __future__ import annotations

MAX_TRANSITION_FRAMES = 1000   # --frames and a list's `frames N`
MAX_SIDE = 8192                # --size, and every clip's picture: 8K on a side
MAX_CLIPS = 100                # clips in one join (the re-encode path opens all at once)
MAX_SEED = 2**32 - 1           # seeds are numpy/torch uint32 seeds
MIN_MORPH_SIDE = 32            # the VAE morph's smallest picture side: it works on a copy about
                               # 1/2.5 the size in cells of 8 pixels, and needs 2 cells a side
MAX_MORPH_ASPECT = 21          # long side / short side: beyond, the short side scaled to the
                               # morph's 256-pixel working size is under 2 cells


class LimitError(ValueError):
    """A request beyond what a join can do; the message says the bound."""


def check_frames(n: int, what: str = "--frames") -> int:
    if not 1 <= n <= MAX_TRANSITION_FRAMES:
        raise LimitError(f"{what} {n} is outside 1..{MAX_TRANSITION_FRAMES}")
    return n


def check_size(width: int, height: int, what: str = "--size") -> None:
    if not (2 <= width <= MAX_SIDE and 2 <= height <= MAX_SIDE):
        raise LimitError(f"{what} {width}x{height} is outside 2..{MAX_SIDE} pixels on a side")


def check_morph_size(width: int, height: int, method: str, what: str = "the output") -> None:
    """The VAE morph's size minimum (the baselines work down to 2x2), said with the size."""
    if method != "vae":
        return
    short, long = sorted((width, height))
    if short < MIN_MORPH_SIDE:
        raise LimitError(f"{what} is {width}x{height}: the VAE morph needs at least "
                         f"{MIN_MORPH_SIDE} pixels on each side (--size {_upscaled(width, height)}"
                         f" scales it up; --method crossfade or flow work at any size)")
    if long > MAX_MORPH_ASPECT * short:
        raise LimitError(f"{what} is {width}x{height}: the VAE morph needs a picture at most "
                         f"{MAX_MORPH_ASPECT} times as long as it is high (--method crossfade "
                         f"or flow work at any shape)")


def _upscaled(width: int, height: int) -> str:
    """The smallest even size of the same shape whose short side is MIN_MORPH_SIDE."""
    scale = MIN_MORPH_SIDE / min(width, height)
    return f"{2 * -(-round(width * scale) // 2)}x{2 * -(-round(height * scale) // 2)}"


def check_clip_count(n: int) -> None:
    if n > MAX_CLIPS:
        raise LimitError(f"{n} clips: a join takes at most {MAX_CLIPS}; join the list in parts "
                         f"(each part a clip), then join the parts")
