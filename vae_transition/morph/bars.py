"""Black bars: morph the pictures, not the padding around them.

A clip conformed to another's shape is padded black (ffmpeg_scripts.graphs.conform): a 4:3 phone
clip joined to a 16:9 film gets pillar bars. The morph would treat those bars as content: the
field matches them to whatever is dark in the other picture and bends them, so wavy black bands
sweep through the middle of the transition. Here the bars are found (rows and columns at the
edges that are black in every frame given), both pictures are cropped to what is inside them and
stretched to the frame's size, the morph runs on those, and each in-between frame is squeezed
back into a picture box that slides straight from A's box to B's. When both clips have the same
box (no bars, or the same bars), nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from vae_transition import tensors

BLACK = 16         # RGB code value: a padded bar decodes to 0-3 after x264; picture content
                   # rarely stays this dark along a whole row or column
MIN_BAR = 2        # px: thinner dark edges are encoder noise or a dark scene, not padding
MIN_PICTURE = 0.2  # a box under this share of a side is a dark frame, not a picture in bars
                   # (a portrait clip padded into landscape keeps 0.32 of the width)
CENTRED = 2        # px: padding is centred (ffmpeg's pad at (ow-iw)/2, a film's letterbox); a
                   # dark scene around a lit object off the centre is not bars


@dataclass(frozen=True)
class Box:
    """The picture inside the bars: columns x0:x1, rows y0:y1 (half-open, px)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def size(self) -> tuple[int, int]:
        return self.x1 - self.x0, self.y1 - self.y0


def picture_box(frames: Sequence[np.ndarray], black: int = BLACK) -> Box:
    """The box inside the black bars that every frame (H, W, 3) uint8 has in common."""
    h, w = frames[0].shape[:2]
    dark = np.logical_and.reduce([f.max(axis=2) <= black for f in frames])
    y0, y1 = _span(~dark.all(axis=1), h)
    x0, x1 = _span(~dark.all(axis=0), w)
    return Box(x0, y0, x1, y1)


def _span(lit: np.ndarray, n: int) -> tuple[int, int]:
    """(start, end) of the lit lines between bars, or (0, n) if the bars are not bars."""
    idx = np.flatnonzero(lit)
    if idx.size == 0 or idx[-1] + 1 - idx[0] < MIN_PICTURE * n:
        return 0, n
    start, end = int(idx[0]), int(idx[-1]) + 1
    if min(start, n - end) < MIN_BAR or abs(start - (n - end)) > CENTRED:
        return 0, n
    return start, end


def box_at(a: Box, b: Box, t: float) -> Box:
    """The box at time t in [0, 1]: each edge moves in a straight line from A's to B's."""
    edges = [round((1.0 - t) * ea + t * eb) for ea, eb in zip(
        (a.x0, a.y0, a.x1, a.y1), (b.x0, b.y0, b.x1, b.y1))]
    return Box(*edges)


def unboxed(frame: np.ndarray, box: Box) -> np.ndarray:
    """The picture inside `box`, stretched to the whole frame (H, W, 3)."""
    h, w = frame.shape[:2]
    return tensors.resize(np.ascontiguousarray(frame[box.y0:box.y1, box.x0:box.x1]), (w, h))


def boxed(frame: np.ndarray, box: Box) -> np.ndarray:
    """`frame` (a whole-frame picture) squeezed into `box` on black, the same size."""
    out = np.zeros_like(frame)
    out[box.y0:box.y1, box.x0:box.x1] = tensors.resize(frame, box.size)
    return out


def without_bars(morph: Callable[[list, list], Iterator[np.ndarray]],
                 a_frames: Sequence[np.ndarray], b_frames: Sequence[np.ndarray],
                 n: int) -> Iterator[np.ndarray]:
    """morph(a_frames, b_frames) -> n frames, run on the pictures inside the bars.

    a_frames and b_frames are the frames the morph reads (insert: A's last and B's first; overlap:
    N of each); frame k of the result is placed in the box at t = (k + 1) / (n + 1).
    """
    box_a, box_b = picture_box(a_frames), picture_box(b_frames)
    if box_a == box_b:
        yield from morph(list(a_frames), list(b_frames))
        return
    inner = morph([unboxed(f, box_a) for f in a_frames], [unboxed(f, box_b) for f in b_frames])
    for k, frame in enumerate(inner):
        yield boxed(frame, box_at(box_a, box_b, (k + 1) / (n + 1)))
