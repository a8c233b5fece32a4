"""The one place that converts between video frames and model tensors, and picks the device.

Frames are numpy uint8 arrays (H, W, 3) RGB in [0, 255]; tensors are float32 (B, 3, H, W) in [0, 1].
"""

from __future__ import annotations

import numpy as np


def pick_device(name: str | None = None):
    """cuda if present, else Apple mps, else cpu (or the torch device named)."""
    import torch

    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def frames_to_tensor(frames, device=None):
    """list/array of (H, W, 3) uint8 -> (B, 3, H, W) float32 in [0, 1]."""
    import torch

    batch = np.stack([np.asarray(f) for f in frames]) if isinstance(frames, (list, tuple)) else frames
    if batch.ndim == 3:
        batch = batch[None]
    t = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float().div_(255.0)
    return t.to(device) if device is not None else t


def tensor_to_frames(t) -> list[np.ndarray]:
    """(B, 3, H, W) float in [0, 1] -> list of (H, W, 3) uint8 (rounded, clipped)."""
    arr = t.detach().float().clamp(0, 1).mul(255.0).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    return [np.ascontiguousarray(a) for a in arr]


def to_float(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W, 3) float32 in [0, 1]."""
    return frame.astype(np.float32) / 255.0


def to_uint8(img: np.ndarray) -> np.ndarray:
    """(H, W, 3) float in [0, 1] -> uint8 (rounded half to even, clipped)."""
    if img.dtype != np.float32 or img.ndim < 2:
        return np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    import cv2

    # one saturating pass on all cores, the same bytes as the numpy form's four passes (a
    # 1280x768 frame: 0.4 ms against 2.5); a 2-D view, since OpenCV reads a scalar as (s, 0, 0)
    flat = np.ascontiguousarray(img).reshape(img.shape[0], -1)
    return cv2.multiply(flat, 255.0, dtype=cv2.CV_8U).reshape(img.shape)


def working_size(width: int, height: int, long_side: int, multiple: int) -> tuple[int, int]:
    """(w, h) with the long side near `long_side`, aspect kept, both multiples of `multiple`."""
    scale = long_side / max(width, height)
    w = max(multiple, int(round(width * scale / multiple)) * multiple)
    h = max(multiple, int(round(height * scale / multiple)) * multiple)
    return w, h


def resize(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (H, W, C) to size=(w, h): area average when shrinking, cubic when enlarging. The
    area average is a box filter: texture finer than the new grid aliases a little
    (shrink_antialiased filters it first)."""
    import cv2

    w, h = size
    if (img.shape[1], img.shape[0]) == (w, h):
        return img
    shrinking = w < img.shape[1] and h < img.shape[0]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def shrink_antialiased(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, C) float shrunk to size=(w, h): a Gaussian of sigma (s - 1) / 2 px (s: the
    shrink factor), then the area average; resize() if not shrinking.

    The area average alone is a box filter: texture finer than the small grid folds back into
    it, a different pattern for each sub-pixel position, so texture moving by sub-pixel steps
    shimmers in the small copy though it moves steadily in the picture (a pan over 1 px noise
    at 1 px a frame, read at 2.5x smaller: 0.76 coherent, 0.87 with the Gaussian first)."""
    import cv2

    w, h = size
    s = min(img.shape[1] / w, img.shape[0] / h)
    if s > 1.0:
        img = cv2.GaussianBlur(img, (0, 0), (s - 1.0) / 2.0)
    return resize(img, size)


def letterbox(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Fit (H, W, 3) uint8 into size=(w, h), aspect kept, centred on black (as ffmpeg's conform)."""
    w, h = size
    ih, iw = img.shape[:2]
    if (iw, ih) == (w, h):
        return img
    scale = min(w / iw, h / ih)
    # ffmpeg's force_original_aspect_ratio=decrease rounds down to even-free integers like this
    fw, fh = max(1, min(w, int(iw * scale))), max(1, min(h, int(ih * scale)))
    out = np.zeros((h, w, 3), dtype=np.uint8)
    x, y = (w - fw) // 2, (h - fh) // 2
    out[y:y + fh, x:x + fw] = resize(img, (fw, fh))
    return out
