"""Teach the autoencoder to draw a picture the same way wherever it sits on the latent grid.

Every stride-2 convolution samples its input on a grid, so an encoder with a downsample of 8
sees a picture moved by 3 px differently from the same picture moved by 8 px, and the decoder
draws it a little differently: its error pattern depends on the picture's phase against the
8 px grid. In overlap mode, where both clips keep playing under the morph and every frame is
encoded on its own, the clips' own small moves change that phase from frame to frame; this was
the suspected cause of the overlap's soft-shape wobble. Measured, it is a small part of it
(models/README.md, "Tried for overlap mode's coherence"): a fine-tune with this loss steadies
the drawing under moves but barely the overlap. This loss shows the model two crops of one
picture that sit a random 1-7 px apart and asks for the same drawing where they overlap:

    decode(encode(x[dy:, dx:])) ~ decode(encode(x))[dy:, dx:]

Both sides take gradients (neither is the truth; the reconstruction loss says what is). The
difference is weighed at full size and on 4x4 averages, since the wobble a viewer sees is in
the soft shapes, not the finest grain.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

COARSE = 4  # px: the side of the averages the soft-shape term compares


def random_offset(downsample: int, generator: torch.Generator) -> tuple[int, int]:
    """(dy, dx), each in [0, downsample), not both 0: a move off the latent grid's phase, one of
    the downsample ** 2 - 1 such moves, each as likely."""
    k = int(torch.randint(1, downsample * downsample, (1,), generator=generator))
    return divmod(k, downsample)


def overlapping_crops(x: Tensor, offset: tuple[int, int], downsample: int) -> tuple[Tensor, Tensor]:
    """(x at the origin, x moved by offset): two (B, C, H - d, W - d) crops of x (B, C, H, W)."""
    (dy, dx), d = offset, downsample
    h, w = x.shape[-2] - d, x.shape[-1] - d
    if h < d or w < d:
        raise ValueError(f"crops of {tuple(x.shape[-2:])} are too small for a shift of up to {d} px")
    return x[..., :h, :w], x[..., dy:dy + h, dx:dx + w]


def aligned(first: Tensor, second: Tensor, offset: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """The parts of the two drawings that show the same pixels of x (the overlap)."""
    dy, dx = offset
    h, w = first.shape[-2], first.shape[-1]
    return first[..., dy:, dx:], second[..., :h - dy, :w - dx]


def consistency(first: Tensor, second: Tensor) -> Tensor:
    """Mean L1 between two aligned drawings (B, 3, h, w): full size + COARSE x COARSE averages."""
    coarse = F.avg_pool2d(first, COARSE, ceil_mode=True) - F.avg_pool2d(second, COARSE, ceil_mode=True)
    return (first - second).abs().mean() + coarse.abs().mean()


def shift_loss(model, x: Tensor, generator: torch.Generator, decode=None) -> Tensor:
    """The consistency of model's drawings of x (B, 3, H, W) in [0, 1] and of x moved by a random
    1-7 px offset, from the posterior means (what the morph encodes). decode(z) defaults to
    model.decode (the training loop passes its autocast one)."""
    d = model.cfg.downsample
    offset = random_offset(d, generator)
    a, b = overlapping_crops(x, offset, d)
    z = model.encode(torch.cat([a, b])).mode()
    drawn = (decode or model.decode)(z)
    return consistency(*aligned(drawn[:a.shape[0]], drawn[a.shape[0]:], offset))
