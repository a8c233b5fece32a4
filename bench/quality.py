"""Transition quality benchmark: every method and path on varied clip pairs, measured and shown.

    python bench/quality.py                   # all pairs -> bench/results/quality.md + sheets
    python bench/quality.py --pairs 0 3       # a subset, for quick iteration

Each pair is two 1-second H.264 clips made with ffmpeg here (pans and push-ins over sample photos
that scikit-image and scikit-learn ship, and ffmpeg's procedural sources), in landscape, portrait
and Runway's 1280x768. A's last and B's first frames are read back through the product's own
frame reader; each method makes N frames at full resolution; vae_transition.metrics scores them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from ffmpeg_scripts import probe  # noqa: E402
from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from ffmpeg_scripts.process import run  # noqa: E402
from vae_transition import cuts, pipeline, preview  # noqa: E402
from vae_transition.demo import FPS, pan_clip_args  # noqa: E402
from vae_transition.metrics import GOALS, score_transition  # noqa: E402
from vae_transition.transition import TransitionSpec, make_transition  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


@dataclass(frozen=True)
class Source:
    """A clip's picture: a photo (by name) panned/zoomed, or an ffmpeg lavfi source."""

    photo: str | None = None     # skimage.data function name, or "china"/"flower" (scikit-learn)
    lavfi: str | None = None     # e.g. "mandelbrot"
    direction: int = 1           # pan direction for photos
    zoom: float = 0.0            # push-in over the clip for photos


@dataclass(frozen=True)
class Pair:
    name: str
    a: Source
    b: Source
    size: tuple[int, int]        # (w, h)


PAIRS = (
    Pair("coffee -> cat", Source("coffee"), Source("chelsea", direction=-1), (640, 384)),
    Pair("astronaut -> rocket (portrait)", Source("astronaut", zoom=0.2), Source("rocket"),
         (384, 640)),
    Pair("china -> flower (1280x768)", Source("china"), Source("flower", zoom=0.2), (1280, 768)),
    Pair("testsrc2 -> mandelbrot", Source(lavfi="testsrc2"), Source(lavfi="mandelbrot"), (640, 384)),
    Pair("bars -> cellular automaton", Source(lavfi="smptehdbars"),
         Source(lavfi="cellauto=rule=30:scroll=1"), (640, 384)),
    Pair("coffee -> coffee pushed in", Source("coffee"), Source("coffee", direction=-1, zoom=0.4),
         (640, 384)),
    Pair("gradients -> astronaut (portrait)", Source(lavfi="gradients=speed=0.02"),
         Source("astronaut", direction=-1), (432, 768)),
)

# (method, path, adapt steps); None: the default
METHODS = (("crossfade", "lerp", 0), ("flow", "lerp", 0), ("vae", "lerp", None),
           ("vae", "lerp", 0), ("vae", "slerp", None), ("vae", "ease", None))


def photo(name: str) -> np.ndarray:
    """(H, W, 3) uint8 sample photo shipped by scikit-image or scikit-learn (no download)."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    from skimage import data

    return getattr(data, name)()


def make_clip(ff, src: Source, size, out: str) -> str:
    """A 1-second 24 fps H.264 clip of `src` at size=(w, h)."""
    import cv2

    if src.photo:
        png = out + ".png"
        cv2.imwrite(png, cv2.cvtColor(photo(src.photo), cv2.COLOR_RGB2BGR))
        run(pan_clip_args(ff, png, out, direction=src.direction, size=size, seconds=1,
                          zoom=src.zoom))
        os.remove(png)
    else:
        w, h = size
        sep = ":" if "=" in src.lavfi else "="  # options follow the source's own, or start them
        run(ff.base() + ["-f", "lavfi", "-i", f"{src.lavfi}{sep}size={w}x{h}:rate={FPS}",
                         "-vf", f"scale={w}:{h},setsar=1,format=yuv420p", "-frames:v", "24",
                         "-c:v", "libx264", "-crf", "18", "-f", "mp4", "-y", out])
    return out


def cut_pair(ff, pair: Pair, workdir: str):
    """(A's last frames, B's first frames) read back from real clips, as join reads them."""
    a = make_clip(ff, pair.a, pair.size, os.path.join(workdir, "a.mp4"))
    b = make_clip(ff, pair.b, pair.size, os.path.join(workdir, "b.mp4"))
    infos = [probe.probe(ff, a), probe.probe(ff, b)]
    return pipeline.cut_frames(ff, infos, pair.size, pipeline.CONTEXT)[0]


def run_method(tail, head, method: str, path: str, n: int, model, seed: int, adapt: int):
    """(frames, seconds to make them, seconds of adaptation) for one method on one pair."""
    spec = TransitionSpec(frames=n, method=method, path=path, seed=seed, adapt_steps=adapt)
    start = time.perf_counter()
    tuned = cuts.pair_model(model if method == "vae" else None, tail, head, spec, lambda s: None)
    adapt_s = time.perf_counter() - start if tuned is not model else 0.0
    out = list(make_transition(tail[-1], head[0], spec, tuned))
    return out, time.perf_counter() - start - adapt_s, adapt_s

def fmt_row(pair: str, method: str, scores, seconds: float, adapt: float | None) -> str:
    met = scores.meets_goals()
    cells = [f"{v:.2f}" + ("" if met[k] else " ✗") for k, v in scores.as_dict().items()]
    adapt_s = "-" if adapt is None else f"{adapt:.1f}"
    return f"| {pair} | {method} | " + " | ".join(cells) + f" | {seconds:.2f} | {adapt_s} |"


def bench_pair(ff, pair: Pair, index: int, args, model) -> list[str]:
    """Rows of the table for one pair; writes its contact sheet (crossfade, flow, vae)."""
    with tempfile.TemporaryDirectory() as workdir:
        tail, head = cut_pair(ff, pair, workdir)
    rows, sheets = [], []
    for method, path, adapt in METHODS:
        steps = TransitionSpec().adapt_steps if adapt is None else adapt
        out, seconds, adapt_s = run_method(tail, head, method, path, args.frames, model,
                                           args.seed, steps)
        scores = score_transition(tail[-1], out, head[0])
        label = method if method != "vae" else f"vae --path {path} --adapt-steps {steps}"
        rows.append(fmt_row(pair.name, label, scores, seconds, adapt_s if method == "vae" else None))
        print(rows[-1], flush=True)
        if path == "lerp" and (method != "vae" or adapt is None):
            sheets.append(preview.transition_sheet([tail[-1], *out, head[0]], count=7, cols=7))
    preview.write_png(os.path.join(args.out, f"pair{index}.png"), preview.stack_rows(sheets))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", help="indices of PAIRS (default: all)")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--model", default=None, help="weights (default: the shipped model)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    from vae_transition.weights import load_model

    from vae_transition.adapt import CACHE_ENV

    # a fresh adaptation cache: the times measured are real fine-tuning, not cache hits
    os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="vae-transition-bench-")
    ff, model = find_ffmpeg(), load_model(args.model)
    chosen = args.pairs if args.pairs else range(len(PAIRS))
    header = ("| pair | method | splice ratio | pacing | dissolve fit | mid sharpness | "
              "s / transition | adapt s |\n|---|---|---|---|---|---|---|---|")
    rows = [r for i in chosen for r in bench_pair(ff, PAIRS[i], i, args, model)]
    goals = ", ".join(f"{k.replace('_', ' ')} {op} {v}" for k, (op, v) in GOALS.items())
    text = (f"# Transition quality\n\n{args.frames}-frame transitions, default settings, "
            f"seed {args.seed}. Goals: {goals} (✗ marks a miss). Contact sheets: "
            "`pairN.png` (rows: crossfade, flow, vae).\n\n" + header + "\n" + "\n".join(rows) + "\n")
    with open(os.path.join(args.out, "quality.md"), "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {os.path.join(args.out, 'quality.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
