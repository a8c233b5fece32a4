"""Phase latents: a picture encoded at sub-cell shifts, so that a carried latent stays crisp.

The morph carries each latent along the halfway field (transport.py), mostly by fractions of a
cell. Resampling the latent grid there mixes neighbouring cells, 8 px apart: bilinear reads the
mean of two cells half a cell off, and even bicubic reads something the encoder never wrote.
The decoder draws such latents softly: measured on four bench pairs at t = 0.5 (Laplacian
variance two pyramid levels down at the working size), the decodes of the carried latents kept
0.35-0.93 of the detail that the same move of the pictures keeps, where the plain
reconstructions keep 0.88-1.0 of the pictures'.

Here the picture is encoded P x P times, shifted by k * 8 / P px (k = 0..P-1) each way, and the
P * P latent grids are interleaved into one grid P times denser: element (P i + ky, P j + kx)
is the encoder's latent of the cell (i, j) of the picture moved by (kx, ky) * 8 / P px. A carry
then reads the encoder's own latents of the moved picture, up to a P-th of a cell (3: 2.7 px at
the working size), and interpolates only between those. Phase (0, 0), every P-th element, is the
plain latent.

Shapes: pictures (h, w, 3) uint8 at the working size, latents (C, h / 8, w / 8), phase grids
(C, P h / 8, P w / 8); offsets in cells of the plain grid.
"""

from __future__ import annotations

import numpy as np

from vae_transition import tensors

ENCODE_BATCH = 8  # shifted pictures encoded at once (flat memory, as vae.decode)


def shifts(phases: int) -> list[tuple[float, float]]:
    """(dx, dy) in px of each shifted copy, row-major over (ky, kx): P * P of them."""
    step = 8.0 / phases
    return [(kx * step, ky * step) for ky in range(phases) for kx in range(phases)]


def shifted(picture: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """(h, w, 3) uint8 read at (x + dx, y + dy): its content moved up-left by (dx, dy) px
    (bicubic, the border mirrored so that no edge streak is encoded)."""
    import cv2

    if dx == 0 and dy == 0:
        return picture
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(picture, m, (picture.shape[1], picture.shape[0]),
                          flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT_101)


def interleave(latents, phases: int):
    """(P * P, C, h, w) latents, row-major over (ky, kx) -> (C, P h, P w), element
    (P i + ky, P j + kx) = latents[ky * P + kx][:, i, j]."""
    _, c, h, w = latents.shape
    return (latents.view(phases, phases, c, h, w).permute(2, 3, 0, 4, 1)
            .reshape(c, h * phases, w * phases))


def encode(model, pictures: list[np.ndarray]):
    """(N, C, h / 8, w / 8) posterior modes of N pictures (h, w, 3) uint8, encoded
    ENCODE_BATCH at a time."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        # channels-last, as vae.decode: the 18 phase encodes of a pair run 1.3x faster on CPU
        batch = tensors.frames_to_tensor(pictures, device)
        return torch.cat([model.encode(c.contiguous(memory_format=torch.channels_last)).mode()
                          for c in batch.split(ENCODE_BATCH)]).contiguous()


def phase_latents(model, pictures: list[np.ndarray], phases: int) -> list:
    """One phase grid (C, P h, P w) per picture (h, w, 3) uint8: the posterior modes of its
    P * P shifted copies, interleaved. phases = 1 gives the plain latent."""
    z = encode(model, [shifted(p, dx, dy) for p in pictures for dx, dy in shifts(phases)])
    per = phases * phases
    return [interleave(z[k * per:(k + 1) * per], phases) for k in range(len(pictures))]


def encode_moved(model, pictures: list[np.ndarray], offsets: list, carrier) -> list:
    """The exact limit of a phase grid: each picture (h, w, 3) uint8 moved along its offsets
    (2, h / 8, w / 8), in cells (compose.Carrier at the pictures' size), then encoded: one
    latent (C, h / 8, w / 8) each. Overlap mode uses it, where every frame brings its own
    pictures and P * P encodes of each would cost more than two of the moved ones."""
    moved = [tensors.to_uint8(carrier.carry(tensors.to_float(p), carrier.maps(o.cpu().numpy()),
                                            edge=True)) for p, o in zip(pictures, offsets)]
    return list(encode(model, moved))


def plain(grid, phases: int):
    """The plain latent (C, h, w) inside a phase grid: phase (0, 0), every P-th element."""
    return grid[:, ::phases, ::phases]
