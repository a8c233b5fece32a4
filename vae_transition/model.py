"""A small convolutional VAE: RGB frames in [0, 1] <-> spatial Gaussian latents.

In the spirit of madebyollin/taesd (plain convs, residual blocks, no normalisation, so it is fast
on a CPU) with the posterior of diffusers' DiagonalGaussianDistribution. Fully convolutional: any
H, W that are multiples of `VAEConfig.downsample` work. A morph is `decode(lerp(mode_a, mode_b))`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

# Bounds on the encoder's log-variance, as in diffusers: keeps exp() finite early in training.
LOGVAR_MIN, LOGVAR_MAX = -30.0, 20.0


@dataclass(frozen=True)
class VAEConfig:
    # channels of the full-resolution stem; level i has base_channels * channel_mult[i] channels
    base_channels: int = 32
    # one entry per level; every level starts with a stride-2 conv, so downsample = 2 ** len()
    channel_mult: tuple[int, ...] = (1, 2, 4)
    # channels of the latent grid (the Gaussian has this many means and log-variances per cell)
    latent_channels: int = 8
    # residual blocks per level, after the downsample (encoder) / before the upsample (decoder)
    blocks_per_level: int = 1

    def __post_init__(self):
        # JSON round trips give a list; keep the dataclass hashable and comparable.
        object.__setattr__(self, "channel_mult", tuple(int(m) for m in self.channel_mult))
        if not self.channel_mult or self.base_channels < 1 or self.latent_channels < 1:
            raise ValueError(f"invalid VAEConfig: {self}")

    @property
    def downsample(self) -> int:
        """Spatial factor between an image and its latent grid (8 for three levels)."""
        return 2 ** len(self.channel_mult)


def conv(n_in: int, n_out: int, **kwargs) -> nn.Conv2d:
    return nn.Conv2d(n_in, n_out, 3, padding=1, **kwargs)


class Block(nn.Module):
    """Residual block: x + conv(act(conv(act(conv(x))))), a 1x1 skip when channels change."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.conv = nn.Sequential(conv(n_in, n_out), nn.SiLU(), conv(n_out, n_out), nn.SiLU(), conv(n_out, n_out))
        self.skip = nn.Conv2d(n_in, n_out, 1, bias=False) if n_in != n_out else nn.Identity()
        self.act = nn.SiLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.conv(x) + self.skip(x))


class Upsample(nn.Module):
    """x2 nearest upsample then a conv (no checkerboard artefacts, unlike a transposed conv)."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.conv = conv(n_in, n_out)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DiagonalGaussian:
    """Per-element Gaussian posterior over the latent grid; mean, logvar are (B, C, h, w)."""

    def __init__(self, mean: Tensor, logvar: Tensor):
        self.mean = mean
        self.logvar = logvar.clamp(LOGVAR_MIN, LOGVAR_MAX)
        self.std = torch.exp(0.5 * self.logvar)

    @classmethod
    def from_moments(cls, moments: Tensor) -> "DiagonalGaussian":
        """(B, 2C, h, w) encoder output -> Gaussian (first C channels are the mean)."""
        mean, logvar = moments.chunk(2, dim=1)
        return cls(mean, logvar)

    def sample(self, generator: torch.Generator | None = None) -> Tensor:
        """Reparameterised draw (B, C, h, w); deterministic for a seeded generator."""
        noise = torch.randn(self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype)
        return self.mean + self.std * noise

    def mode(self) -> Tensor:
        """The mean (B, C, h, w): what to interpolate for a morph."""
        return self.mean

    def kl(self) -> Tensor:
        """KL(q || N(0, I)) in nats, summed over latent elements -> (B,)."""
        var = torch.exp(self.logvar)
        return 0.5 * (self.mean.pow(2) + var - 1.0 - self.logvar).flatten(1).sum(1)


class Encoder(nn.Module):
    """(B, 3, H, W) in [0, 1] -> (B, 2 * latent_channels, H / d, W / d) moments."""

    def __init__(self, cfg: VAEConfig):
        super().__init__()
        chans = [cfg.base_channels * m for m in cfg.channel_mult]
        layers: list[nn.Module] = [conv(3, cfg.base_channels), nn.SiLU()]
        prev = cfg.base_channels
        for ch in chans:
            layers += [conv(prev, ch, stride=2), nn.SiLU()]
            layers += [Block(ch, ch) for _ in range(cfg.blocks_per_level)]
            prev = ch
        layers.append(nn.Conv2d(prev, 2 * cfg.latent_channels, 1))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x * 2.0 - 1.0)  # centred input: [0, 1] -> [-1, 1]


class Decoder(nn.Module):
    """(B, latent_channels, h, w) latents -> (B, 3, h * d, w * d) logits."""

    def __init__(self, cfg: VAEConfig):
        super().__init__()
        chans = [cfg.base_channels * m for m in reversed(cfg.channel_mult)]
        outs = chans[1:] + [cfg.base_channels]
        layers: list[nn.Module] = [conv(cfg.latent_channels, chans[0]), nn.SiLU()]
        for ch, out in zip(chans, outs):
            layers += [Block(ch, ch) for _ in range(cfg.blocks_per_level)]
            layers += [Upsample(ch, out), nn.SiLU()]
        layers.append(conv(cfg.base_channels, 3))
        self.layers = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.layers(z)


class VAE(nn.Module):
    """Encoder + Gaussian posterior + decoder; images are (B, 3, H, W) float in [0, 1]."""

    def __init__(self, cfg: VAEConfig = VAEConfig()):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def _check_size(self, x: Tensor) -> None:
        d = self.cfg.downsample
        if x.ndim != 4 or x.shape[1] != 3 or x.shape[2] % d or x.shape[3] % d:
            raise ValueError(f"expected (B, 3, H, W) with H, W multiples of {d}, got {tuple(x.shape)}")

    def encode(self, x: Tensor) -> DiagonalGaussian:
        """(B, 3, H, W) in [0, 1] -> Gaussian over (B, latent_channels, H / d, W / d)."""
        self._check_size(x)
        return DiagonalGaussian.from_moments(self.encoder(x))

    def decode(self, z: Tensor) -> Tensor:
        """(B, latent_channels, h, w) latents -> (B, 3, h * d, w * d) in [0, 1] (sigmoid)."""
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> tuple[Tensor, DiagonalGaussian]:
        """(B, 3, H, W) in [0, 1] -> (reconstruction in [0, 1] from posterior.sample(), posterior)."""
        posterior = self.encode(x)
        return self.decode(posterior.sample(generator)), posterior

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class ResizeAutoencoder(nn.Module):
    """The ablation of the VAE: an 8x area downsample and a bicubic upsample, nothing learned.

    It has the VAE's interface (encode(x).mode(), decode(z), cfg.downsample), so any morph can be
    run with it in the VAE's place: what survives the swap was not the model's doing.
    """

    def __init__(self, factor: int = 8):
        super().__init__()
        self.cfg = VAEConfig(channel_mult=(1,) * (factor.bit_length() - 1), latent_channels=3)
        self.anchor = nn.Parameter(torch.zeros(0))  # gives the module a device, like the VAE

    def encode(self, x: Tensor) -> DiagonalGaussian:
        """(B, 3, H, W) in [0, 1] -> a point mass at the (B, 3, H / d, W / d) area average."""
        mean = F.avg_pool2d(x, self.cfg.downsample)
        return DiagonalGaussian(mean, torch.full_like(mean, LOGVAR_MIN))

    def decode(self, z: Tensor) -> Tensor:
        """(B, 3, h, w) -> (B, 3, h * d, w * d) bicubic, clipped to [0, 1]."""
        return F.interpolate(z, scale_factor=float(self.cfg.downsample), mode="bicubic",
                             align_corners=False).clamp(0, 1)


def widened(model: VAE, channels: int, seed: int = 0) -> VAE:
    """A copy of `model` whose latent has `channels` channels (more than now), drawing the same
    pictures: the new channels' means are small random projections of the encoder's features
    (so training can find a use for them), their log-variance starts at -6 (std 0.05, like
    trained channels), and the decoder reads them with weights 100 times smaller than its own."""
    import dataclasses

    old = model.cfg.latent_channels
    if channels <= old:
        raise ValueError(f"widened: {channels} channels is not more than {old}")
    new = VAE(dataclasses.replace(model.cfg, latent_channels=channels))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    gen = torch.Generator().manual_seed(seed)
    key = "encoder.layers.%d" % (len(model.encoder.layers) - 1)
    head_w, head_b = state[key + ".weight"], state[key + ".bias"]        # (2 old, F, 1, 1), (2 old,)
    extra = channels - old
    mean_w = torch.cat([head_w[:old], 0.1 * head_w[:old].std() * torch.randn(
        (extra,) + head_w.shape[1:], generator=gen)])
    logvar_w = torch.cat([head_w[old:], torch.zeros((extra,) + head_w.shape[1:])])
    state[key + ".weight"] = torch.cat([mean_w, logvar_w])
    state[key + ".bias"] = torch.cat([head_b[:old], torch.zeros(extra), head_b[old:],
                                      torch.full((extra,), -6.0)])
    first = state["decoder.layers.0.weight"]                              # (out, old, 3, 3)
    state["decoder.layers.0.weight"] = torch.cat([first, 0.01 * first.std() * torch.randn(
        (first.shape[0], extra) + first.shape[2:], generator=gen)], 1)
    new.load_state_dict(state)
    return new.to(model.device)
