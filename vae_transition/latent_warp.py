"""Teach the decoder to render moved latents: random smooth warps, applied to latent and image alike.

A morph moves latent cells (transport.py): a cell of A's latent slides, stretches or squeezes on
its way to where B has similar content. A decoder trained only to reconstruct has never seen a
latent grid that was resampled, and renders it as blocky, smeared patches. This loss shows it
such grids with their true image: for a random smooth displacement field phi,

    decode(warp(z, phi)) ~ warp(x, phi)

(the same field in normalised coordinates, so it means the same motion at both resolutions).
A pixel upsampler cannot learn this; it is what lets the VAE, not the resize, draw the in-betweens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class WarpConfig:
    """Random warps for the equivariance loss (sizes in latent cells)."""

    shift: float = 1.5       # max translation, cells
    scale: float = 0.15      # max relative zoom, e.g. 0.15: x0.85..x1.15
    rotate: float = 10.0     # max rotation, degrees
    wobble: float = 1.0      # amplitude of the smooth non-rigid part, cells
    wobble_grid: int = 3     # control points per side of the non-rigid part


def random_grid(n: int, h: int, w: int, cfg: WarpConfig, generator: torch.Generator,
                device=None) -> Tensor:
    """(n, h, w, 2) backward sampling grid in [-1, 1] (grid_sample's convention): affine + wobble."""
    def u(*shape):  # uniform in [-1, 1]
        return torch.rand(*shape, generator=generator) * 2 - 1

    ang = u(n) * math.radians(cfg.rotate)
    s = 1 + u(n) * cfg.scale
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    # translation in normalised units: one cell is 2 / side
    tx, ty = u(n) * cfg.shift * 2 / w, u(n) * cfg.shift * 2 / h
    theta = torch.stack([torch.stack([cos, -sin * h / w, tx], 1),
                         torch.stack([sin * w / h, cos, ty], 1)], 1)      # (n, 2, 3)
    grid = F.affine_grid(theta, (n, 1, h, w), align_corners=False)
    k = cfg.wobble_grid
    wob = u(n, 2, k, k) * cfg.wobble
    wob = F.interpolate(wob, size=(h, w), mode="bicubic", align_corners=True)
    wob = torch.stack([wob[:, 0] * 2 / w, wob[:, 1] * 2 / h], -1)        # cells -> normalised
    return (grid + wob).to(device) if device is not None else grid + wob


def warp(x: Tensor, grid: Tensor) -> Tensor:
    """(B, C, H, W) resampled at grid (B, h, w, 2) resized to (H, W): the same motion at any size."""
    if grid.shape[1:3] != x.shape[-2:]:
        grid = F.interpolate(grid.permute(0, 3, 1, 2), size=x.shape[-2:], mode="bilinear",
                             align_corners=False).permute(0, 2, 3, 1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def warp_pair(x: Tensor, z: Tensor, cfg: WarpConfig, generator: torch.Generator):
    """(warped image (B, 3, H, W), warped latent (B, C, h, w)) under one random field per sample."""
    grid = random_grid(z.shape[0], z.shape[-2], z.shape[-1], cfg, generator).to(z.device, z.dtype)
    return warp(x, grid), warp(z, grid)
