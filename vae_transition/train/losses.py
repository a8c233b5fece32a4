"""The reconstruction losses, per pixel so that weights do not depend on the crop size."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def image_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C, H, W) -> horizontal (B, C, H, W-1) and vertical (B, C, H-1, W) differences."""
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


def loss_terms(x: torch.Tensor, recon: torch.Tensor, kl: torch.Tensor) -> dict[str, torch.Tensor]:
    """L1 per pixel, edge L1 per pixel, and KL nats per image pixel (so beta ignores crop size)."""
    gx, gy = image_gradients(x)
    rx, ry = image_gradients(recon)
    return {
        "l1": (recon - x).abs().mean(),
        "edge": 0.5 * ((rx - gx).abs().mean() + (ry - gy).abs().mean()),
        "kl": kl.mean() / (x.shape[-2] * x.shape[-1]),
    }


def image_loss(x: torch.Tensor, recon: torch.Tensor, edge_weight: float,
               pyramid_weight: float = 0.0) -> torch.Tensor:
    """L1 + edge_weight * L1 of image gradients (+ pyramid_weight * pyramid_l1), per pixel."""
    terms = loss_terms(x, recon, torch.zeros(1, device=x.device))
    loss = terms["l1"] + edge_weight * terms["edge"]
    return loss + pyramid_weight * pyramid_l1(x, recon) if pyramid_weight > 0 else loss


def pyramid_l1(x: torch.Tensor, y: torch.Tensor, levels: int = 3) -> torch.Tensor:
    """Sum over Laplacian-pyramid levels l = 0.. of 2^l * mean |band_l(x) - band_l(y)|: each
    band's contrast must match, and the coarse bands (shapes) weigh as much as fine ones."""
    loss = x.new_zeros(())
    for level in range(levels):
        xs, ys = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
        bx = x - F.interpolate(xs, scale_factor=2.0, mode="bilinear", align_corners=False)
        by = y - F.interpolate(ys, scale_factor=2.0, mode="bilinear", align_corners=False)
        loss = loss + (2.0 ** level) * (bx - by).abs().mean()
        x, y = xs, ys
    return loss
