"""Space-time slices: is a transition's change steady motion, or flicker? A still cannot say.

    python bench/slices.py                  # pairs 2 4 8 10 11 12 -> bench/results/slices.png + .md
    python bench/slices.py --pairs 0 8

A slice takes one row of the picture from every frame, A's last to B's first, and stacks them
top to bottom (time runs down, 4 px a frame). Content that moves steadily draws slanted or
curved streaks; content that stands still draws vertical ones; flicker and jitter break the
streaks into dashes that come and go. Each panel is one morph: its middle frame, then slices
at 30 %, 50 % and 70 % of its height, headed by its coherence along the motion (the goal) and
in place. Left: the default morph; right: the same without the detail plan (FieldConfig.plan 0,
mag 0.01: the field costs motion itself, the default before the plan), which hands over more in
place where nothing matches. Pairs are quality.py's, their ends read back
from the clips as join reads them, the morphs made in memory (ablation.py's way).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import ablation  # noqa: E402  (pair_frames: A's last and B's first as join reads them)
import quality  # noqa: E402
from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from vae_transition import tensors  # noqa: E402
from vae_transition.join import previews as preview  # noqa: E402
from vae_transition.metrics import score_transition  # noqa: E402
from vae_transition.morph.vae import MorphConfig, vae_morph  # noqa: E402

WIDTH = 512         # px, a panel's width
ROWS = (0.3, 0.5, 0.7)  # the sliced rows, as shares of the height
FRAME_PX = 4        # px of slice height a frame
NO_PLAN = {"plan": 0.0, "mag": 0.01}  # FieldConfig without the detail plan (the earlier default)


def panel(seq: list[np.ndarray], label: str) -> np.ndarray:
    """(H, WIDTH, 3) uint8: a label, the middle frame, then one slice per row of ROWS."""
    import cv2

    h, w = seq[0].shape[:2]
    small = [tensors.resize(f, (WIDTH, max(2, round(WIDTH * h / w)))) for f in seq]
    sh = small[0].shape[0]
    gap = np.full((6, WIDTH, 3), 24, np.uint8)
    parts = [np.full((24, WIDTH, 3), 24, np.uint8), small[len(small) // 2]]
    cv2.putText(parts[0], label, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    for share in ROWS:
        y = min(sh - 1, int(sh * share))
        parts += [gap, np.concatenate([np.repeat(f[y:y + 1], FRAME_PX, 0) for f in small])]
    return np.concatenate(parts)


def pair_panels(model, a: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, str]:
    """Both morphs' panels side by side, and their table row's cells."""
    earlier = MorphConfig()
    earlier = replace(earlier, transport=replace(earlier.transport, field=replace(
        earlier.transport.field, **NO_PLAN)))
    panels, cells = [], []
    for name, cfg in (("default", MorphConfig()), ("no detail plan", earlier)):
        frames = list(vae_morph(model, a, b, n, cfg=cfg))
        s = score_transition(a, frames, b)
        panels.append(panel([a, *frames, b], f"{name}: coherence {s.coherence:.2f} along the "
                                             f"motion, {s.coherence_in_place:.2f} in place"))
        cells.append(f"{s.coherence:.2f} / {s.coherence_in_place:.2f} / {s.novelty:.2f}")
    gap = np.full((panels[0].shape[0], 8, 3), 24, np.uint8)
    return np.concatenate([panels[0], gap, panels[1]], 1), " | ".join(cells)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[2, 4, 8, 10, 11, 12])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--out", default=quality.RESULTS)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    from vae_transition.weights import load_model

    ff, model = find_ffmpeg(), load_model()
    sheets, rows = [], []
    for _, pair in quality.chosen_pairs(args.pairs):
        with tempfile.TemporaryDirectory() as workdir:
            a, b = ablation.pair_frames(ff, pair, workdir)
        sheet, cells = pair_panels(model, a, b, args.frames)
        sheets.append(sheet)
        rows.append(f"| {pair.name} | {cells} |")
        print(rows[-1], flush=True)
    preview.write_png(os.path.join(args.out, "slices.png"), preview.stack_rows(sheets))
    text = ("# Space-time slices\n\n" + __doc__.split("\n\n", 2)[2].strip() + "\n\n"
            f"Sheet: `slices.png` (pairs {', '.join(map(str, args.pairs))}, top to bottom). "
            "Coherence along the motion / in place / novelty:\n\n"
            "| pair | default | no detail plan |\n|---|---|---|\n" + "\n".join(rows) + "\n")
    quality.write_result(args.out, "slices.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
