"""What the goals can read on each pair's own pictures: every end frame panned rigidly, scored.

    python bench/pan_ceiling.py                # all pairs -> bench/results/pan_ceiling.md
    python bench/pan_ceiling.py --pairs 4 8

A morph that carries a picture's fine texture moves it by fractions of a pixel; so does a
camera that pans. Before a miss of coherence or mid sharpness is blamed on the morph, this asks
what the same goals say when nothing but a rigid pan happens: each pair's A_last and B_first,
seen through a window that slides across it at a steady speed (0.9 and 1.7 px a frame at the
metrics' 256 px, the speeds the morph's content travels mid-way), read out by three resamplers:

- **nearest**: whole pixels, every value kept (crisp, but the texture moves in jumps);
- **cubic**: OpenCV's bicubic (steady, but each fractional position softens it differently);
- **the morph's carry**: the picture split where the morph splits it (compose.band_above at
  the working size's cut), the coarse part carried bicubic, the detail band by
  Carrier.carry_detail, with the contrast gain the morph gives back (compose.py).

The 26 frames (the two ends exact: the window travels a whole number of pixels) are scored as
a transition with score_transition, so the numbers are the goals' own. A pair on which no
resampler meets both goals for its own pictures asks the morph for something a steady pan of
them cannot give; a pair on which a pan meets them and the morph does not is the morph's miss.
Whole pixels keep every value, so their sharpness strays from 1.00 only where the window's own
content changes (a busier or flatter part of the picture slides in): that much of any column
is the picture, not the reading.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import ablation  # noqa: E402  (pair_frames: A's last and B's first as join reads them)
import quality  # noqa: E402
from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from vae_transition import tensors  # noqa: E402
from vae_transition.metrics import GOALS, NOVELTY_LONG_SIDE, score_transition  # noqa: E402
from vae_transition.morph.compose import Carrier, band_above, cut_size  # noqa: E402
from vae_transition.morph.vae import MorphConfig, _working_size  # noqa: E402

STEPS = 25            # frames 0..25: A, 24 transition frames, B
SPEEDS = (0.9, 1.7)   # px a frame at the metrics' long side: fractional at the output size, so the
                      # resamplers differ (whole-pixel steps move every resampler alike)
SLANT = 0.4           # the pan's vertical share of its horizontal travel
RESAMPLERS = ("nearest", "cubic", "morph's carry")


def travel(frame: np.ndarray, speed: float) -> tuple[int, int]:
    """(dx, dy) whole px the window travels over STEPS frames at `speed` (metric px a frame)."""
    scale = max(frame.shape[:2]) / NOVELTY_LONG_SIDE
    dx = max(1, round(STEPS * speed * scale))
    return dx, round(SLANT * dx)


def window(picture: np.ndarray, x: float, y: float, size: tuple[int, int],
           how: str, carry: MorphCarry | None = None) -> np.ndarray:
    """(h, w, 3) uint8: `picture` read from (x, y) onwards over size=(w, h), resampled `how`
    (the morph's carry: by `carry`, made once for the picture)."""
    import cv2

    w, h = size
    if how == "nearest":
        xi, yi = int(round(x)), int(round(y))
        return np.ascontiguousarray(picture[yi:yi + h, xi:xi + w])
    if how == "cubic":
        m = np.float32([[1, 0, x], [0, 1, y]])
        out = cv2.warpAffine(tensors.to_float(picture), m, (w, h),
                             flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT_101)
        return tensors.to_uint8(out)
    return carry.at(x, y, size)


class MorphCarry:
    """A picture split once where the morph splits it (compose.band_above at the working
    size's cut): at() reads a window the way the morph carries content, the coarse part
    bicubic, the detail band with its contrast gain (Carrier.carry_detail)."""

    def __init__(self, picture: np.ndarray):
        cfg, src = MorphConfig(), tensors.to_float(picture)
        work = _working_size(src, cfg, 8)
        self.fine = band_above(src, cut_size(work, cfg.cut))
        self.low = src - self.fine
        self.carrier = Carrier(src.shape[1], src.shape[0])
        self.cells = (src.shape[1] // 8, src.shape[0] // 8)  # offsets in cells of an 8 px grid

    def at(self, x: float, y: float, size: tuple[int, int]) -> np.ndarray:
        (cw, ch), (w, h) = self.cells, size
        off = np.zeros((2, ch, cw), np.float32)
        off[0], off[1] = x * cw / self.low.shape[1], y * ch / self.low.shape[0]
        maps = self.carrier.maps(off)
        moved = (self.carrier.carry(self.low, maps, edge=True)
                 + self.carrier.carry_detail(self.fine, maps))
        return tensors.to_uint8(moved)[:h, :w]


def pan(picture: np.ndarray, speed: float, how: str) -> list[np.ndarray]:
    """STEPS + 1 frames of a window sliding steadily across `picture`, both ends exact."""
    dx, dy = travel(picture, speed)
    size = (picture.shape[1] - dx, picture.shape[0] - dy)
    carry = MorphCarry(picture) if how == "morph's carry" else None
    return [window(picture, dx * k / STEPS, dy * k / STEPS, size, how, carry)
            for k in range(STEPS + 1)]


def scored(picture: np.ndarray, speed: float, how: str) -> tuple[float, float]:
    """(coherence, mid sharpness) of the pan, read as a transition."""
    frames = pan(picture, speed, how)
    s = score_transition(frames[0], frames[1:-1], frames[-1])
    return s.coherence, s.mid_sharpness


def cell(values: tuple[float, float]) -> str:
    marks = ["" if v >= GOALS[g][1] else " ✗" for v, g in zip(values, ("coherence",
                                                                       "mid_sharpness"))]
    return f"{values[0]:.2f}{marks[0]} / {values[1]:.2f}{marks[1]}"


def pair_rows(name: str, a: np.ndarray, b: np.ndarray) -> list[str]:
    rows = []
    for side, picture in (("A", a), ("B", b)):
        for speed in SPEEDS:
            cells = [cell(scored(picture, speed, how)) for how in RESAMPLERS]
            rows.append(f"| {name} | {side} | {speed:g} | " + " | ".join(cells) + " |")
            print(rows[-1], flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=None,
                        help="pair indices (quality.py's order); default: all")
    parser.add_argument("--out", default=quality.RESULTS)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    ff, rows = find_ffmpeg(), []
    for _, pair in quality.chosen_pairs(args.pairs):
        with tempfile.TemporaryDirectory() as workdir:
            a, b = ablation.pair_frames(ff, pair, workdir)
        rows += pair_rows(pair.name, a, b)
    head = " | ".join(RESAMPLERS)
    text = ("# Rigid pans of the pairs' own pictures\n\n" + __doc__.split("\n\n", 2)[2].strip()
            + "\n\nCoherence / mid sharpness (goals >= 0.8, ✗ marks a miss) of each pan:\n\n"
            f"| pair | picture | px a frame (256 px) | {head} |\n|---|---|---|---|---|---|\n"
            + "\n".join(rows) + "\n")
    quality.write_result(args.out, "pan_ceiling.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
