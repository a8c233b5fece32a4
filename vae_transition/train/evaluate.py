"""How good a VAE is on the held-out photos: reconstruction, lerps, a preview sheet.

The held-out photos (dataset.HELD_OUT: a cat, a cup, a rocket launch) are never trained on.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from vae_transition import tensors
from vae_transition.model import VAE
from vae_transition.train import dataset


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two (B, 3, H, W) tensors in [0, 1], after rounding both to 8 bits."""
    a, b = (t.clamp(0, 1).mul(255).round() for t in (a, b))
    mse = float(((a - b) / 255.0).pow(2).mean())
    return 10.0 * math.log10(1.0 / max(mse, 1e-12))


@torch.no_grad()
def evaluate(model: VAE, long_side: int = 256) -> dict:
    """Reconstruct the held-out photos from the posterior mode: per-image and mean PSNR, L1."""
    per = {}
    for img in dataset.held_out_images(long_side, model.cfg.downsample):
        x = tensors.frames_to_tensor([img.pixels], model.device)
        recon = model.decode(model.encode(x).mode())
        per[img.name] = {"psnr": round(psnr(recon, x), 2), "l1": round(float((recon - x).abs().mean()), 4)}
    return {
        "psnr": round(float(np.mean([m["psnr"] for m in per.values()])), 2),
        "l1": round(float(np.mean([m["l1"] for m in per.values()])), 4),
        "per_image": per,
        "lerp_psnr": round(lerp_health(model, long_side), 2),
    }


@torch.no_grad()
def lerp_health(model: VAE, long_side: int = 256) -> float:
    """Mean PSNR, over 4x4-pixel averages, of decode((z_A + z_B) / 2) against the plain mix of
    the two reconstructions, for the three pairs of held-out photos (centre crops of one size).
    A latent space whose mixes decode to pictures scores about 25 dB or more; one whose mixes
    fall off the manifold draws garbage colours there and scores 15 dB or less."""
    imgs = [im.pixels for im in dataset.held_out_images(long_side, model.cfg.downsample)]
    h, w = min(im.shape[0] for im in imgs), min(im.shape[1] for im in imgs)
    crops = [im[(im.shape[0] - h) // 2:][:h, (im.shape[1] - w) // 2:][:, :w] for im in imgs]
    z = model.encode(tensors.frames_to_tensor(crops, next(model.parameters()).device)).mode()
    recs = model.decode(z)
    values = []
    for i, j in ((0, 1), (1, 2), (0, 2)):
        mid = model.decode(0.5 * (z[i:i + 1] + z[j:j + 1]))
        plain = 0.5 * (recs[i:i + 1] + recs[j:j + 1])
        values.append(psnr(F.avg_pool2d(mid, 4), F.avg_pool2d(plain, 4)))
    return float(np.mean(values))


@torch.no_grad()
def preview(model: VAE, steps: int = 6, long_side: int = 256) -> np.ndarray:
    """(H, W, 3) uint8 sheet: held-out originals over reconstructions, then a morph of the first two."""
    imgs = dataset.held_out_images(long_side, model.cfg.downsample)
    x = tensors.frames_to_tensor([im.pixels for im in imgs], model.device)
    means = model.encode(x).mode()
    recon = tensors.tensor_to_frames(model.decode(means))
    ts = torch.linspace(0, 1, steps, device=model.device).view(-1, 1, 1, 1)
    morph = tensors.tensor_to_frames(model.decode(torch.lerp(means[0:1], means[1:2], ts)))
    pad = [np.zeros_like(imgs[0].pixels)] * max(0, steps - len(imgs))
    rows = [[im.pixels for im in imgs] + pad, recon + pad, morph]
    return np.concatenate([np.concatenate(r, axis=1) for r in rows], axis=0)
