"""Contact sheets: a PNG strip of A's last frame, the transition, and B's first frame."""

from __future__ import annotations

import numpy as np

from ffmpeg_scripts.encode import gif_args
from ffmpeg_scripts.process import run
from vae_transition import outputs, tensors


def pick(frames: list, count: int) -> list[int]:
    """Indices of `count` frames spread evenly over the list, first and last included."""
    if len(frames) <= count:
        return list(range(len(frames)))
    return [round(i * (len(frames) - 1) / (count - 1)) for i in range(count)]


def contact_sheet(frames: list[np.ndarray], labels: list[str] | None = None, cols: int = 5,
                  thumb_width: int = 256) -> np.ndarray:
    """Tile (H, W, 3) uint8 frames into one (rows*h, cols*w, 3) uint8 image, labelled."""
    import cv2

    h0, w0 = frames[0].shape[:2]
    tw, th = thumb_width, max(2, round(thumb_width * h0 / w0))
    rows = -(-len(frames) // cols)
    sheet = np.full((rows * (th + 2), cols * (tw + 2), 3), 24, dtype=np.uint8)
    for k, frame in enumerate(frames):
        r, c = divmod(k, cols)
        thumb = np.ascontiguousarray(tensors.resize(frame, (tw, th)))
        if labels:
            cv2.putText(thumb, labels[k], (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
            cv2.putText(thumb, labels[k], (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        y, x = r * (th + 2) + 1, c * (tw + 2) + 1
        sheet[y:y + th, x:x + tw] = thumb
    return sheet


def stack_rows(sheets: list[np.ndarray]) -> np.ndarray:
    """Stack contact sheets vertically (padding narrower ones on the right)."""
    width = max(s.shape[1] for s in sheets)
    padded = [np.pad(s, ((0, 0), (0, width - s.shape[1]), (0, 0)), constant_values=24) for s in sheets]
    return np.concatenate(padded, axis=0)


def write_png(path: str, image: np.ndarray) -> str:
    """Write an RGB uint8 image as PNG, whole or not at all; returns the path."""
    import cv2

    with outputs.atomic(path) as tmp:
        if not cv2.imwrite(tmp, cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
            raise OSError(f"{path}: could not write PNG")
    return path


def transition_sheet(seq: list[np.ndarray], count: int = 10, cols: int = 5) -> np.ndarray:
    """Sheet of `count` frames from seq = [A_last, T_1..T_N, B_first], labelled A, t=..., B."""
    idx = pick(seq, count)
    n = len(seq) - 2
    labels = ["A last" if i == 0 else "B first" if i == len(seq) - 1 else f"t={i / (n + 1):.2f}"
              for i in idx]
    return contact_sheet([seq[i] for i in idx], labels, cols)


def write_gif(ff, src: str, first: int, last: int, out: str) -> str:
    """An animated GIF of src's frames first..last, whole or not at all; returns out."""
    with outputs.atomic(out) as tmp:
        run(gif_args(ff, src, first, last, tmp), what="ffmpeg (preview GIF)")
    return out
