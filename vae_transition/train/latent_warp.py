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
    latent_mode: str = "bilinear"  # how latent grids are resampled ("bilinear" | "bicubic"):
                                   # the morph's carry (transport.py) reads them the same way


@dataclass(frozen=True)
class Field:
    """A batch of smooth displacement fields, defined at every resolution alike."""

    theta: Tensor             # (n, 2, 3) affine part, normalised coordinates
    wobble: Tensor            # (n, 2, k, k) non-rigid part at control points, normalised units

    def grid(self, h: int, w: int) -> Tensor:
        """(n, h, w, 2) backward sampling grid in [-1, 1] at this size (grid_sample's convention).

        Evaluated at the size itself, never resized from another one: a resized grid clamps at
        the border and would stretch the outer half cell of the larger picture."""
        n = self.theta.shape[0]
        base = F.affine_grid(self.theta, (n, 1, h, w), align_corners=False)
        wob = F.interpolate(self.wobble, size=(h, w), mode="bicubic", align_corners=True)
        return base + wob.permute(0, 2, 3, 1)


def random_field(n: int, h: int, w: int, cfg: WarpConfig, generator: torch.Generator) -> Field:
    """n random fields for an (h, w) latent grid: affine (shift, zoom, rotation) + wobble."""
    def u(*shape):  # uniform in [-1, 1]
        return torch.rand(*shape, generator=generator) * 2 - 1

    ang = u(n) * math.radians(cfg.rotate)
    s = 1 + u(n) * cfg.scale
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    # translation in normalised units: one cell is 2 / side
    tx, ty = u(n) * cfg.shift * 2 / w, u(n) * cfg.shift * 2 / h
    theta = torch.stack([torch.stack([cos, -sin * h / w, tx], 1),
                         torch.stack([sin * w / h, cos, ty], 1)], 1)      # (n, 2, 3)
    k = cfg.wobble_grid
    wob = u(n, 2, k, k) * cfg.wobble                                     # cells
    wob = torch.stack([wob[:, 0] * 2 / w, wob[:, 1] * 2 / h], 1)         # -> normalised
    return Field(theta, wob)


def warp(x: Tensor, field: Field, mode: str = "bilinear") -> Tensor:
    """(B, C, H, W) resampled along the field, evaluated at (H, W): the same motion at any size."""
    grid = field.grid(x.shape[-2], x.shape[-1]).to(x.device, x.dtype)
    return F.grid_sample(x, grid, mode=mode, padding_mode="border", align_corners=False)


def warp_pair(x: Tensor, z: Tensor, cfg: WarpConfig, generator: torch.Generator):
    """(warped image (B, 3, H, W), warped latent (B, C, h, w)) under one random field per sample."""
    field = random_field(z.shape[0], z.shape[-2], z.shape[-1], cfg, generator)
    return warp(x, field), warp(z, field, cfg.latent_mode)
