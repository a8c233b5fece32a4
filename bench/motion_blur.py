"""Motion blur's trade: how far `--motion-blur` steadies the morph's moving texture, and what it
costs in sharpness and time, on every quality-bench pair, joined and read back from the file.

    python bench/motion_blur.py                 # all pairs -> bench/results/motion_blur.md + .png
    python bench/motion_blur.py --pairs 2 8     # a subset

Fine texture that travels more than about a pixel a frame turns each pixel back and forth
(coherence in place; coherence along the motion, the goal, follows the texture instead), and a
viewer may see it strobe where a camera would have drawn it smeared along its travel; the
shutter share says over how much of a frame interval.
The sheet (`motion_blur.png`) shows the pair given by --sheet, one row per shutter share, and
under it the middle frame's centre at full size, one per share, left to right.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import quality  # noqa: E402  (bench/quality.py: the pairs, the join, the table's cells)
from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from vae_transition.join import previews as preview  # noqa: E402
from vae_transition.metrics import score_transition  # noqa: E402

SHUTTERS = (0.0, 0.5, 1.0)
COLUMNS = ("coherence", "coherence_in_place", "mid_sharpness", "mid_sharpness_2x",
           "mid_sharpness_4x", "novelty")


def methods(shutters, overlap: bool) -> list[quality.Method]:
    base = quality.OVERLAPS[0] if overlap else quality.DEFAULT
    return [quality.Method(f"{'overlap' if overlap else 'insert'}, shutter {s:g}",
                           replace(base.spec, motion_blur=s)) for s in shutters]


def pair_rows(ff, pair, args, model, sheet: bool) -> tuple[list[str], list[dict], list]:
    """(table rows, [{mode, shutter, misses}], middle-frame strips for the sheet) of one pair."""
    rows, tallies, strips = [], [], []
    with tempfile.TemporaryDirectory() as workdir:
        for overlap in (False, True):
            clips, points = quality.prepare(ff, pair, 2 if overlap else 1, workdir)
            for shutter, method in zip(args.shutters, methods(args.shutters, overlap)):
                seq, cut, _ = quality.run_method(ff, clips, method, model, args.frames, 0,
                                                 workdir, points)
                scores = score_transition(seq[0], seq[1:-1], seq[-1])
                met, values = scores.meets_goals(), scores.as_dict()
                cells = [f"{values[k]:.2f}" + ("" if met.get(k, True) else " ✗") for k in COLUMNS]
                misses = sum(not ok for ok in met.values())
                rows.append(f"| {pair.name} | {method.label} | " + " | ".join(cells)
                            + f" | {misses} | {cut.seconds:.2f} |")
                print(rows[-1], flush=True)
                tallies.append({"overlap": overlap, "shutter": shutter, "misses": misses,
                                "coherence": values["coherence"],
                                "in_place": values["coherence_in_place"]})
                if sheet and not overlap:
                    strips.append((preview.transition_sheet(seq, count=7, cols=7),
                                   centre(seq[len(seq) // 2])))
    return rows, tallies, strips


def centre(frame: np.ndarray) -> np.ndarray:
    """The middle half of a frame in each direction, at full size: where blur is visible."""
    h, w = frame.shape[:2]
    return frame[h // 4: h // 4 + h // 2, w // 4: w // 4 + w // 2]


def sheet_image(strips: list) -> np.ndarray:
    """The rows of contact sheets, then the full-size centres side by side, scaled to fit."""
    import cv2

    rows = preview.stack_rows([s for s, _ in strips])
    crops = np.concatenate([c for _, c in strips], axis=1)
    height = round(crops.shape[0] * rows.shape[1] / crops.shape[1])
    crops = cv2.resize(crops, (rows.shape[1], height), interpolation=cv2.INTER_AREA)
    return np.concatenate([rows, crops], axis=0)


def summary(tallies: list[dict], shutters) -> str:
    """Goals missed in all, and mean coherence (along the motion, in place), per mode and
    shutter share."""
    lines = ["| mode | " + " | ".join(f"shutter {s:g}" for s in shutters) + " |",
             "|---|" + "---|" * len(shutters)]
    for overlap in (False, True):
        cells = []
        for s in shutters:
            picked = [t for t in tallies if t["overlap"] == overlap and t["shutter"] == s]
            cells.append(f"{sum(t['misses'] for t in picked)} misses, coherence "
                         f"{np.mean([t['coherence'] for t in picked]):.3f} (in place "
                         f"{np.mean([t['in_place'] for t in picked]):.3f})")
        lines.append(f"| {'overlap' if overlap else 'insert'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", help="indices of the quality pairs")
    parser.add_argument("--shutters", type=float, nargs="*", default=list(SHUTTERS))
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--sheet", type=int, default=2, help="the pair whose frames are drawn")
    parser.add_argument("--out", default=quality.RESULTS)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    from vae_transition.weights import load_model

    ff, model = find_ffmpeg(), load_model()
    rows, tallies = [], []
    for i, pair in quality.chosen_pairs(args.pairs):
        r, t, strips = pair_rows(ff, pair, args, model, sheet=i == args.sheet)
        rows, tallies = rows + r, tallies + t
        if strips:
            preview.write_png(os.path.join(args.out, "motion_blur.png"), sheet_image(strips))
    names = " | ".join(k.replace("_", " ") for k in COLUMNS)
    text = (f"# Motion blur: steadier texture, softer frames\n\n{args.frames}-frame transitions "
            f"of the default morph, seed 0, joined and read back (as bench/quality.py does), "
            f"with `--motion-blur` at each shutter share. ✗ marks a missed goal; misses counts "
            f"all nine goals. Sheet: `motion_blur.png` (pair {args.sheet}, rows: "
            + ", ".join(f"shutter {s:g}" for s in args.shutters)
            + "; under them the middle frame's centre at full size, left to right).\n\n"
            + summary(tallies, args.shutters) + "\n\n"
            f"| pair | mode | {names} | misses | s / transition |\n|---|---|"
            + "---|" * (len(COLUMNS) + 2) + "\n" + "\n".join(rows) + "\n")
    quality.write_result(args.out, "motion_blur.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
