"""Train the VAE on the offline images of dataset.py, evaluate on the held-out photos, save.

    from vae_transition.train import TrainConfig, train_main
    train_main(Path("models/vae.safetensors"), TrainConfig(steps=2400))
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from vae_transition import dataset, tensors
from vae_transition.critic import Critic, CriticConfig, autoencoder_term, critic_step, mixes
from vae_transition.latent_warp import WarpConfig, warp_pair
from vae_transition.model import VAE, VAEConfig, count_parameters


@dataclass(frozen=True)
class TrainConfig:
    model: VAEConfig = field(default_factory=VAEConfig)  # architecture to train
    steps: int = 2400  # optimiser steps
    batch_size: int = 16  # crops per step
    crop: int = 64  # square crop side in px; a multiple of model.downsample
    lr: float = 2e-3  # AdamW peak learning rate (linear warm-up, cosine decay to 5 %)
    warmup: int = 100  # warm-up steps
    weight_decay: float = 0.0  # AdamW weight decay
    kl_weight: float = 1e-3  # beta, on KL nats per image pixel (see loss())
    edge_weight: float = 0.5  # weight of the L1 between image gradients (sharpness)
    seed: int = 0  # seeds weights, crops and posterior noise
    log_every: int = 50  # steps between progress lines
    device: str | None = None  # torch device name; None -> tensors.pick_device()
    threads: int = 2  # torch CPU threads (1 is faster when other jobs share 2 cores: no spin-waits)
    eval_long_side: int = 256  # held-out photos are evaluated at this long side
    warp_weight: float = 0.0  # weight of the moved-latent loss (latent_warp.py); 0 turns it off
    warp: WarpConfig = field(default_factory=WarpConfig)  # the random warps of that loss
    init: str | None = None  # start from these weights (fine-tuning) instead of from scratch
    acai_weight: float = 0.0  # weight of the ACAI term (critic.py): mixes decode as real pictures
    critic: CriticConfig = field(default_factory=CriticConfig)  # ACAI's critic


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


def image_loss(x: torch.Tensor, recon: torch.Tensor, edge_weight: float) -> torch.Tensor:
    """L1 + edge_weight * L1 of image gradients, both per pixel."""
    terms = loss_terms(x, recon, torch.zeros(1, device=x.device))
    return terms["l1"] + edge_weight * terms["edge"]


class Acai:
    """ACAI's moving parts during training: the critic, its optimiser and the term's weight."""

    def __init__(self, cfg: CriticConfig, weight: float, device):
        self.critic = Critic(cfg).to(device)
        self.opt = torch.optim.Adam(self.critic.parameters(), lr=cfg.lr)
        self.weight, self.gamma = weight, cfg.gamma


def train_step(model: VAE, opt, x: torch.Tensor, noise: torch.Generator, edge_weight: float,
               kl_weight: float, warp_weight: float = 0.0, warp: WarpConfig = WarpConfig(),
               generator: torch.Generator | None = None, acai: Acai | None = None):
    """One optimiser step on batch x (B, 3, H, W) in [0, 1]; returns (loss, terms, posterior).

    With warp_weight > 0 the decoder is also asked to render a randomly moved copy of the sampled
    latent as the same move of the image (latent_warp.py), drawn from `generator` (CPU).
    """
    post = model.encode(x)
    z = post.sample(noise)
    recon = model.decode(z)
    terms = loss_terms(x, recon, post.kl())
    loss = terms["l1"] + edge_weight * terms["edge"] + kl_weight * terms["kl"]
    if warp_weight > 0:
        x_moved, z_moved = warp_pair(x, z, warp, generator)
        terms["warp"] = image_loss(x_moved, model.decode(z_moved), edge_weight)
        loss = loss + warp_weight * terms["warp"]
    if acai is not None:
        mixed, alpha = mixes(z, generator)
        decoded_mix = model.decode(mixed)
        terms["acai"] = autoencoder_term(acai.critic, decoded_mix)
        loss = loss + acai.weight * terms["acai"]
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if acai is not None:
        terms["critic"] = torch.tensor(critic_step(acai.critic, acai.opt, decoded_mix, alpha, x,
                                                   recon, acai.gamma))
    return loss, terms, post


def lr_at(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def train(cfg: TrainConfig, images: list[dataset.Image] | None = None, log=print) -> tuple[VAE, list[dict]]:
    """Train a fresh VAE; returns it (eval mode, on its device) and one record per logged step."""
    if cfg.crop % cfg.model.downsample:
        raise ValueError(f"crop {cfg.crop} is not a multiple of the downsample {cfg.model.downsample}")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = tensors.pick_device(cfg.device)
    model = _initial_model(cfg).to(device).train()
    sampler = dataset.CropSampler(images if images is not None else dataset.train_images(), cfg.crop, cfg.seed)
    noise = torch.Generator(device=device).manual_seed(cfg.seed)
    warp_gen = torch.Generator().manual_seed(cfg.seed + 1)
    acai = Acai(cfg.critic, cfg.acai_weight, device) if cfg.acai_weight > 0 else None
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    history, sums, t0 = [], {}, time.time()
    for step in range(cfg.steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        x = sampler.batch(cfg.batch_size).to(device)
        loss, terms, post = train_step(model, opt, x, noise, cfg.edge_weight, cfg.kl_weight,
                                       cfg.warp_weight, cfg.warp, generator=warp_gen, acai=acai)
        for k, v in {"loss": loss, **terms, "std": post.std.mean()}.items():
            sums[k] = sums.get(k, 0.0) + float(v.detach())
        if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps:
            n = (step % cfg.log_every) + 1
            rec = {"step": step + 1, "time_s": round(time.time() - t0, 1), **{k: v / n for k, v in sums.items()}}
            history.append(rec)
            sums = {}
            log(f"step {rec['step']:5d}/{cfg.steps} {rec['time_s']:7.1f}s loss {rec['loss']:.4f} "
                f"l1 {rec['l1']:.4f} edge {rec['edge']:.4f} kl/px {rec['kl']:.3f} std {rec['std']:.3f}"
                + "".join(f" {k} {rec[k]:.4f}" for k in ("warp", "acai", "critic") if k in rec))
    return model.eval(), history


def _initial_model(cfg: TrainConfig) -> VAE:
    """A fresh VAE, or the weights named by cfg.init (whose config then wins over cfg.model)."""
    if cfg.init is None:
        return VAE(cfg.model)
    from vae_transition.weights import load_model

    return load_model(cfg.init)


def _training_record(path: str) -> dict:
    """The "training" record stored beside the weights at path ({} if there is none)."""
    import json

    from vae_transition.weights import config_path

    try:
        return json.loads(config_path(path).read_text()).get("training", {})
    except (OSError, ValueError):
        return {}


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
    }


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


def train_main(out: Path, cfg: TrainConfig) -> dict:
    """Train, evaluate on the held-out photos, save OUT (+ .json); returns the "training" record."""
    from vae_transition.weights import save_model

    t0 = time.time()
    model, history = train(cfg)
    wall = time.time() - t0
    metrics = evaluate(model, cfg.eval_long_side)
    device = tensors.pick_device(cfg.device)
    record = {
        **{k: v for k, v in asdict(cfg).items() if k != "model"},
        "parameters": count_parameters(model),
        "wall_time_s": round(wall, 1),
        "trained_on": str(device) if device.type != "cpu" else f"cpu ({platform.processor() or platform.machine()}, {cfg.threads} threads)",
        "torch": torch.__version__,
        "train_images": len(dataset.train_images()),
        "held_out": list(dataset.HELD_OUT),
        "final": history[-1] if history else {},
        "eval": metrics,
    }
    if cfg.init:  # a fine-tune: keep how the starting weights were made
        record["init_training"] = _training_record(cfg.init)
    save_model(model.cpu(), out, training=record)
    print(f"saved {out} ({Path(out).stat().st_size / 1e6:.1f} MB): held-out PSNR {metrics['psnr']} dB, "
          f"L1 {metrics['l1']} at long side {cfg.eval_long_side}, {wall / 60:.1f} min")
    return record
