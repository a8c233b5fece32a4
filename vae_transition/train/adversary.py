"""The decoder's critic: a PatchGAN that tells real crops from what the decoder draws.

The L1 and gradient losses ask the decoder for the mean of every picture it could draw, which is
mush wherever it is unsure, and a morph's in-between latents (two moved latents, mixed) are where
it is most unsure. A critic that judges small patches (taesd and the Stable Diffusion VAE do the
same) rewards drawing *some* sharp picture instead. It judges the decoder's reconstructions, its
moved latents, and the mixes that a morph decodes (mixes(): no true picture exists for those, so
only the critic speaks about them).

Hinge losses (SAGAN); spectral norm instead of batch statistics; the decoder's adversarial term is
weighted adaptively against its reconstruction term (taming-transformers' VQGAN): the ratio of the
two terms' gradient norms at the decoder's last layer, times AdversaryConfig.weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from vae_transition.train.latent_warp import WarpConfig, random_field, warp


@dataclass(frozen=True)
class AdversaryConfig:
    channels: int = 32        # first layer's channels; doubled per stride-2 layer
    layers: int = 3           # stride-2 layers: a 64 px crop is judged in 8x8 patches of ~40 px
    lr: float = 2e-4          # Adam, betas (0.5, 0.9)
    weight: float = 0.1       # the decoder's adversarial weight, times the adaptive ratio
    max_ratio: float = 1e3    # cap on the adaptive ratio (early on the adversarial grad is ~0)
    start: int = 300          # steps of reconstruction alone before the critic speaks (a
                              # widened latent settles first)
    mix_share: float = 0.5    # of the fakes shown, the share that are decoded morph mixes


class PatchCritic(nn.Module):
    """(B, 3, H, W) in [0, 1] -> (B, 1, H / 2^layers, W / 2^layers) realness logits per patch."""

    def __init__(self, cfg: AdversaryConfig = AdversaryConfig()):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        layers, ch, prev = [], cfg.channels, 3
        for _ in range(cfg.layers):
            layers += [sn(nn.Conv2d(prev, ch, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            prev, ch = ch, ch * 2
        layers += [sn(nn.Conv2d(prev, prev, 3, padding=1)), nn.LeakyReLU(0.2),
                   sn(nn.Conv2d(prev, 1, 3, padding=1))]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x * 2.0 - 1.0)


def critic_loss(critic: PatchCritic, real: Tensor, fake: Tensor) -> Tensor:
    """Hinge: real patches above +1, fake below -1."""
    return F.relu(1.0 - critic(real)).mean() + F.relu(1.0 + critic(fake.detach())).mean()


def generator_loss(critic: PatchCritic, fake: Tensor) -> Tensor:
    """The decoder's side of the hinge game: raise the critic's score of what it draws."""
    return -critic(fake).mean()


def adaptive_weight(rec: Tensor, adv: Tensor, last: Tensor, cfg: AdversaryConfig) -> Tensor:
    """cfg.weight * |d rec / d last| / |d adv / d last|: the adversarial term never drowns the
    reconstruction (VQGAN's rule); `last` is the decoder's final weight tensor."""
    g_rec = torch.autograd.grad(rec, last, retain_graph=True)[0]
    g_adv = torch.autograd.grad(adv, last, retain_graph=True)[0]
    ratio = g_rec.norm() / (g_adv.norm() + 1e-6)
    return cfg.weight * ratio.clamp(0.0, cfg.max_ratio).detach()


def smooth_masks(n: int, h: int, w: int, generator: torch.Generator) -> Tensor:
    """(n, 1, h, w) in [0, 1]: B's share per cell, as a morph hands over: smooth random regions
    (noise on a 3x3 to 6x6 grid, upsampled), pushed towards 0 or 1 by a random sharpness, with a
    random overall bias so that some mixes are mostly A and some mostly B."""
    k = int(torch.randint(3, 7, (1,), generator=generator))
    noise = torch.randn(n, 1, k, k, generator=generator)
    field = F.interpolate(noise, size=(h, w), mode="bicubic", align_corners=True)
    sharp = 1.0 + 4.0 * torch.rand(n, 1, 1, 1, generator=generator)
    bias = torch.randn(n, 1, 1, 1, generator=generator)
    return torch.sigmoid(sharp * field + bias)


def mixes(z: Tensor, warp_cfg: WarpConfig, generator: torch.Generator,
          x: Tensor | None = None):
    """(B, C, h, w) morph-like latents from a batch of latents: each latent and its neighbour in
    the batch, each moved by its own random smooth field, mixed through smooth random regions.
    With x (B, 3, H, W), the pictures of z: (those latents, the same mix of the pictures: the
    same fields and regions at the pictures' size), the plain mix a morph's latent stands for."""
    n, _, h, w = z.shape
    fields = [random_field(n, h, w, warp_cfg, generator) for _ in range(2)]
    m = smooth_masks(n, h, w, generator).to(z)
    moved = [warp(v, f, warp_cfg.latent_mode) for v, f in zip((z, z.roll(1, 0)), fields)]
    mixed = (1.0 - m) * moved[0] + m * moved[1]
    if x is None:
        return mixed
    pictures = [warp(v, f) for v, f in zip((x, x.roll(1, 0)), fields)]
    m = F.interpolate(m, size=x.shape[-2:], mode="bilinear", align_corners=False)
    return mixed, (1.0 - m) * pictures[0] + m * pictures[1]


def mix_loss(decoded: Tensor, target: Tensor, pool: int = 4) -> Tensor:
    """L1 between a decoded mix and the plain mix of its pictures, both averaged over pool x pool
    pixels: the mix keeps its layout and colours (no off-manifold garbage where two latents
    meet), while the decoder stays free to draw its own detail inside them."""
    return (F.avg_pool2d(decoded, pool) - F.avg_pool2d(target, pool)).abs().mean()


class Adversary:
    """The critic, its optimiser and its config during training."""

    def __init__(self, cfg: AdversaryConfig, device):
        self.cfg = cfg
        self.critic = PatchCritic(cfg).to(device)
        self.opt = torch.optim.Adam(self.critic.parameters(), lr=cfg.lr, betas=(0.5, 0.9))

    def active(self, step: int) -> bool:
        return step >= self.cfg.start

    def step(self, real: Tensor, fake: Tensor) -> Tensor:
        """One critic update on (real, fake) batches; returns its loss."""
        for p in self.critic.parameters():
            p.requires_grad_(True)
        loss = critic_loss(self.critic, real, fake)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach()

    def judge(self, fake: Tensor) -> Tensor:
        """The decoder's adversarial loss on `fake`, without training the critic through it."""
        for p in self.critic.parameters():
            p.requires_grad_(False)
        return generator_loss(self.critic, fake)
