"""`vae-transition demo`: two sample clips (slow pans over two photos shipped by scikit-image),
joined through the pipeline, plus a contact sheet of the transition read back from the output."""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.process import run
from ffmpeg_scripts.samples import pan_clip_args
from vae_transition import outputs
from vae_transition.join import previews
from vae_transition.join.pipeline import JoinRequest, join
from vae_transition.morph.transition import TransitionSpec

SIZE = (640, 384)        # (w, h): Runway's 5:3 landscape, scaled down so the demo is quick
FPS = Fraction(24)
SECONDS = 3


def sample_photos() -> tuple[np.ndarray, np.ndarray]:
    """Two different (H, W, 3) uint8 photos that scikit-image ships (no download)."""
    from skimage import data

    return data.coffee(), data.chelsea()


def make_clips(ff: FFmpegBinary, folder: str) -> tuple[str, str]:
    """Write clip_a.mp4 (coffee, with a quiet tone) and clip_b.mp4 (cat, silent) into folder."""
    import cv2

    paths = []
    for name, photo, direction, tone in zip("ab", sample_photos(), (1, -1), (330, None)):
        png = os.path.join(folder, f".photo_{name}.png")
        cv2.imwrite(png, cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
        out = os.path.join(folder, f"clip_{name}.mp4")
        try:
            with outputs.atomic(out) as tmp:
                run(pan_clip_args(ff, png, tmp, direction=direction, size=SIZE, fps=FPS,
                                  seconds=SECONDS, tone_hz=tone), what="ffmpeg (demo clip)")
        finally:
            os.remove(png)
        paths.append(out)
    return paths[0], paths[1]


def run_demo(folder: str, ff: FFmpegBinary, spec: TransitionSpec, model,
             log: Callable[[str], None]) -> dict[str, str]:
    """Make the clips, join them, write the contact sheet; returns {label: absolute path}."""
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    log(f"making two {SECONDS} s sample clips in {folder}")
    clip_a, clip_b = make_clips(ff, folder)
    out = os.path.join(folder, "joined.mp4")
    result = join(JoinRequest((clip_a, clip_b), out, spec, overwrite=True), ff, log, model)
    start, end = result.cuts[0]
    joined = probe.probe(ff, result.out)
    seq = list(frames.iter_frames(ff, joined, start=start - 1, count=end - start + 2))
    sheet = previews.write_png(os.path.join(folder, "transition.png"),
                               previews.transition_sheet(seq))
    return {"clip A": clip_a, "clip B": clip_b, "joined": result.out, "contact sheet": sheet}
