"""The morph on whatever device pick_device() finds (run on a GPU machine; CI never has one).

    PYTHONPATH=. python3 bench/cuda_check.py [WEIGHTS]

Prints the device the library picked by itself, then times an insert and an overlap transition
of 24 frames at 1280x768 on synthetic moving frames (the first run includes warm-up), and says
whether their frames are finite uint8 of the right size. Needs no ffmpeg.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def frames(n: int, h: int = 768, w: int = 1280, seed: int = 0) -> list[np.ndarray]:
    """n frames of soft colour blobs drifting right: (H, W, 3) uint8."""
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 1, (6, 2)) * (w, h)
    colours = rng.uniform(0, 255, (6, 3))
    out = []
    for k in range(n):
        img = np.zeros((h, w, 3), np.float32)
        for (cx, cy), c in zip(centres, colours):
            g = np.exp(-(((xx - cx - 4 * k) ** 2 + (yy - cy) ** 2) / (2 * 120.0 ** 2)))
            img += g[..., None] * c
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


def main() -> int:
    import torch

    from vae_transition.morph.transition import TransitionSpec, make_overlap, make_transition
    from vae_transition.tensors import pick_device
    from vae_transition.weights import load_model

    device = pick_device()
    print(f"torch {torch.__version__}, picked device: {device}"
          + (f" ({torch.cuda.get_device_name(0)})" if device.type == "cuda" else ""))
    model = load_model(sys.argv[1] if len(sys.argv) > 1 else None, device=device)
    a, b = frames(24), frames(24, seed=1)
    for label, make in (("insert", lambda: make_transition(a[-1], b[0], TransitionSpec(), model)),
                        ("overlap", lambda: make_overlap(a, b, TransitionSpec(overlap=True),
                                                         model))):
        for run in ("first", "second"):
            t0 = time.perf_counter()
            out = list(make())
            seconds = time.perf_counter() - t0
            ok = len(out) == 24 and all(f.shape == (768, 1280, 3) and f.dtype == np.uint8
                                        for f in out)
            print(f"{label} ({run} run): {seconds:.2f} s for 24 frames at 1280x768, "
                  f"{'ok' if ok else 'WRONG FRAMES'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
