"""ACAI (Berthelot et al. 2018): a critic that tells in-between decodes from real pictures.

The morph decodes latents that no photo encodes to: mixes of two cells during a hand-over. A
decoder trained only to reconstruct renders such a mix as a soft overlay of the two, which is
what a crossfade looks like. ACAI's critic sees decodes of mixes `decode(a z1 + (1 - a) z2)` and
learns to predict the mixing coefficient a in [0, 0.5]; the autoencoder is trained to make it
answer 0, i.e. to render mixes that look like real pictures, and the critic is kept honest on
near-real images (a blend of the input and its reconstruction), for which it must answer 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
from torch import Tensor


@dataclass(frozen=True)
class CriticConfig:
    """The critic and the weights of its two losses."""

    channels: int = 32        # first conv's channels, doubled at each of 3 stride-2 levels
    lr: float = 2e-4          # the critic's own Adam learning rate
    weight: float = 0.5       # lambda: weight of the autoencoder's "look real" term
    gamma: float = 0.2        # the critic's regulariser mixes input and reconstruction this much


class Critic(nn.Module):
    """(B, 3, H, W) in [0, 1] -> (B,) predicted mixing coefficient (a patch-mean)."""

    def __init__(self, cfg: CriticConfig = CriticConfig()):
        super().__init__()
        c = cfg.channels
        self.layers = nn.Sequential(
            nn.Conv2d(3, c, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(2 * c, 4 * c, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(4 * c, 1, 3, padding=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x * 2.0 - 1.0).mean(dim=(1, 2, 3))


def mixes(z: Tensor, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """(mixed latents (B, C, h, w), alpha (B,) in [0, 0.5]): each latent mixed with another's."""
    alpha = torch.rand(z.shape[0], generator=generator).to(z) * 0.5
    other = z.roll(1, dims=0)
    a = alpha.view(-1, 1, 1, 1)
    return a * z + (1 - a) * other, alpha


def autoencoder_term(critic: Critic, decoded_mix: Tensor) -> Tensor:
    """The autoencoder's ACAI term: the critic should answer 0 for a decoded mix."""
    return critic(decoded_mix).pow(2).mean()


def critic_step(critic: Critic, opt, decoded_mix: Tensor, alpha: Tensor, x: Tensor,
                recon: Tensor, gamma: float) -> float:
    """One critic update: regress alpha on mixes, and 0 on near-real images; returns its loss."""
    near_real = gamma * x + (1 - gamma) * recon.detach()
    loss = ((critic(decoded_mix.detach()) - alpha).pow(2).mean()
            + critic(near_real).pow(2).mean())
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss.detach())
