"""Train the VAE on the offline images of dataset.py, evaluate on the held-out photos, save.

    from vae_transition.train.loop import TrainConfig, train_main
    train_main(Path("models/vae.safetensors"), TrainConfig(steps=2400))
"""

from __future__ import annotations

import copy
import json
import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from vae_transition import tensors
from vae_transition.model import VAE, DiagonalGaussian, VAEConfig, count_parameters, widened
from vae_transition.train import dataset
from vae_transition.train.adversary import Adversary, AdversaryConfig, adaptive_weight
from vae_transition.train.adversary import mix_loss
from vae_transition.train.adversary import mixes as morph_mixes
from vae_transition.train.critic import Critic, CriticConfig, autoencoder_term, critic_step, mixes
from vae_transition.train.datafile import load_images
from vae_transition.train.device_sampler import make_sampler
from vae_transition.train.evaluate import evaluate, lerp_health
from vae_transition.train.latent_warp import WarpConfig, warp_pair
from vae_transition.train.losses import image_loss, loss_terms, pyramid_l1
from vae_transition.train.shift import shift_loss
from vae_transition.weights import config_path, load_model, save_model


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
    data: str | None = None  # a datafile.py .npz of training images instead of building them (ffmpeg)
    max_minutes: float | None = None  # wall-time budget of the step loop; the cosine is fitted to it
    checkpoint_minutes: float = 2.0  # with train_main: save the weights so far this often
    sampler: str = "auto"  # crops on the device ("device", auto on a GPU) or with numpy ("cpu")
    amp: bool = False  # bf16 autocast of the convolutions on cuda (losses stay float32)
    pyramid_weight: float = 0.0  # weight of the Laplacian-pyramid L1 (levels 0-2, coarser
                                 # levels weighted up): shapes, not only pixels, must match
    adversary: AdversaryConfig | None = None  # a PatchGAN critic on what the decoder draws
    widen_latent: int = 0  # with init: grow the latent to this many channels (new ones start
                           # nearly silent, so the model starts as it was)
    mix_weight: float = 0.0  # weight of the mix loss (adversary.mix_loss): decoded morph mixes
                             # keep the plain mix's layout and colours. Without it, a decoder
                             # sharpened by the critic drew lerps as garbage within 3000 steps
    shift_weight: float = 0.0  # weight of the shift loss (shift.py): a picture moved 1-7 px off
                               # the latent grid's phase is drawn the same way


class Acai:
    """ACAI's moving parts during training: the critic, its optimiser and the term's weight."""

    def __init__(self, cfg: CriticConfig, weight: float, device):
        self.critic = Critic(cfg).to(device)
        self.opt = torch.optim.Adam(self.critic.parameters(), lr=cfg.lr)
        self.weight, self.gamma = weight, cfg.gamma


def train_step(model: VAE, opt, x: torch.Tensor, noise: torch.Generator, edge_weight: float,
               kl_weight: float, warp_weight: float = 0.0, warp: WarpConfig = WarpConfig(),
               generator: torch.Generator | None = None, acai: Acai | None = None, amp: bool = False,
               pyramid_weight: float = 0.0, adversary: Adversary | None = None, step: int = 0,
               mix_weight: float = 0.0, shift_weight: float = 0.0):
    """One optimiser step on batch x (B, 3, H, W) in [0, 1]; returns (loss, terms, posterior).

    With warp_weight > 0 the decoder is also asked to render a randomly moved copy of the sampled
    latent as the same move of the image (latent_warp.py), drawn from `generator` (CPU). With
    mix_weight > 0 (or an adversary), half the batch's latents are also mixed as a morph mixes
    them (two moved latents, smooth regions) and decoded: mix_loss keeps those decodes on the
    plain mix's layout and colours, and the adversary's PatchGAN critic (from its start step)
    judges them with the reconstructions and the moved latents, and is trained after the step.
    With shift_weight > 0, x moved a few pixels off the latent grid must be drawn the same way.
    amp runs the convolutions in bf16 autocast; the posterior and the losses stay float32.
    """
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=amp):
        moments = model.encoder(x).float()
    post = DiagonalGaussian.from_moments(moments)
    z = post.sample(noise)
    recon = _decode(model, z, amp)
    terms = loss_terms(x, recon, post.kl())
    rec, real, fakes = _drawing_terms(model, x, z, recon, terms, edge_weight, pyramid_weight,
                                      warp_weight, warp, generator, amp)
    judged = adversary is not None and adversary.active(step)
    mixed = None
    if mix_weight > 0 or judged:
        share = adversary.cfg.mix_share if adversary else 0.5
        mixed, terms["mix"] = _morph_mixes(model, x, z, share, warp, generator, amp)
        rec = rec + mix_weight * terms["mix"]
    if shift_weight > 0:
        terms["shift"] = shift_loss(model, x, generator or torch.Generator(),
                                    lambda z_: _decode(model, z_, amp))
        rec = rec + shift_weight * terms["shift"]
    loss = rec + kl_weight * terms["kl"]
    if acai is not None:
        acai_mixed, alpha = mixes(z, generator)
        decoded_mix = _decode(model, acai_mixed, amp)
        terms["acai"] = autoencoder_term(acai.critic, decoded_mix)
        loss = loss + acai.weight * terms["acai"]
    fake = None
    if judged:  # as many fakes as real crops: the morph mixes first
        fake = torch.cat([mixed, fakes[0][mixed.shape[0]:]] + fakes[1:])
        terms["adv"] = adversary.judge(fake)
        terms["adv_w"] = adaptive_weight(rec, terms["adv"], model.decoder.layers[-1].weight,
                                         adversary.cfg)
        loss = loss + terms["adv_w"] * terms["adv"]
    _step(model, opt, loss)
    if acai is not None:
        terms["critic"] = torch.tensor(critic_step(acai.critic, acai.opt, decoded_mix, alpha, x,
                                                   recon, acai.gamma))
    if fake is not None:
        terms["critic"] = adversary.step(torch.cat(real), fake)
    return loss, terms, post


def _drawing_terms(model: VAE, x, z, recon, terms: dict, edge_weight: float,
                   pyramid_weight: float, warp_weight: float, warp: WarpConfig, generator,
                   amp: bool):
    """(the reconstruction and moved-latent losses, the real crops, what the decoder drew for
    them); terms gains "pyramid" and "warp" when they are on."""
    rec = terms["l1"] + edge_weight * terms["edge"]
    if pyramid_weight > 0:
        terms["pyramid"] = pyramid_l1(x, recon)
        rec = rec + pyramid_weight * terms["pyramid"]
    real, fakes = [x], [recon]
    if warp_weight > 0:
        x_moved, z_moved = warp_pair(x, z, warp, generator)
        moved = _decode(model, z_moved, amp)
        terms["warp"] = image_loss(x_moved, moved, edge_weight, pyramid_weight)
        rec = rec + warp_weight * terms["warp"]
        real, fakes = real + [x_moved], fakes + [moved]
    return rec, real, fakes


def _morph_mixes(model: VAE, x, z, share: float, warp: WarpConfig, generator, amp: bool):
    """(decoded morph mixes of the first share of the batch, their mix loss)."""
    k = max(1, round(share * z.shape[0]))
    latents, target = morph_mixes(z[:k], warp, generator or torch.Generator(), x[:k])
    decoded = _decode(model, latents, amp)
    return decoded, mix_loss(decoded, target)


def _step(model: VAE, opt, loss: torch.Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def _decode(model: VAE, z: torch.Tensor, amp: bool) -> torch.Tensor:
    """model.decode(z), in bf16 autocast when amp; -> float32 (B, 3, H, W) in [0, 1]."""
    with torch.autocast(z.device.type, dtype=torch.bfloat16, enabled=amp):
        return model.decode(z).float()


def lr_at(step: int, cfg: TrainConfig, total: int | None = None) -> float:
    """Linear warm-up, then cosine to 5 % at step `total` (cfg.steps, or what fits the budget)."""
    total = cfg.steps if total is None else total
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = min(1.0, (step - cfg.warmup) / max(1, total - cfg.warmup))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


CALIBRATE = (5, 25)  # a time budget measures the step rate between these steps (after warm-up)


def fitted_total(cfg: TrainConfig, step: int, rate_s: float, left_s: float) -> int:
    """Steps to plan for: cfg.steps, or fewer when the rest of the budget at rate_s per step is short."""
    return max(step + 1, min(cfg.steps, step + int(left_s / rate_s)))


def train_images(cfg: TrainConfig) -> list[dataset.Image]:
    """The images of cfg.data (no ffmpeg needed), else dataset.py's, built now."""
    if cfg.data is None:
        return dataset.train_images()
    return load_images(cfg.data)


def _setup_device(cfg: TrainConfig) -> torch.device:
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = tensors.pick_device(cfg.device)
    if device.type == "cuda":  # fixed crop size: let cuDNN pick its fastest kernels; TF32 matmuls
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    return device


def train(cfg: TrainConfig, images: list[dataset.Image] | None = None, log=print,
          checkpoint=None) -> tuple[VAE, list[dict]]:
    """Train a VAE; returns it (eval mode, on its device) and one record per logged step.

    With cfg.max_minutes the loop stops at that wall time, and the cosine ends where the measured
    step rate says the budget ends (re-fitted at every log line). checkpoint(model, history) is
    called every cfg.checkpoint_minutes and may save the weights (the model is in train mode).
    """
    if cfg.crop % cfg.model.downsample:
        raise ValueError(f"crop {cfg.crop} is not a multiple of the downsample {cfg.model.downsample}")
    device = _setup_device(cfg)
    model = _initial_model(cfg).to(device).train()

    sampler = make_sampler(images if images is not None else train_images(cfg), cfg.crop, device, cfg.seed, cfg.sampler)
    noise = torch.Generator(device=device).manual_seed(cfg.seed)
    warp_gen = torch.Generator().manual_seed(cfg.seed + 1)
    acai = Acai(cfg.critic, cfg.acai_weight, device) if cfg.acai_weight > 0 else None
    adversary = Adversary(cfg.adversary, device) if cfg.adversary is not None else None
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    amp = cfg.amp and device.type == "cuda"
    history, sums, t0 = [], {}, time.time()
    total, t_cal, t_ckpt = cfg.steps, t0, t0
    budget_s = None if cfg.max_minutes is None else 60.0 * cfg.max_minutes
    step = logged = 0
    while step < total and (budget_s is None or time.time() - t0 < budget_s):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg, total)
        x = sampler.batch(cfg.batch_size).to(device)
        loss, terms, post = train_step(model, opt, x, noise, cfg.edge_weight, cfg.kl_weight, cfg.warp_weight,
                                       cfg.warp, generator=warp_gen, acai=acai, amp=amp,
                                       pyramid_weight=cfg.pyramid_weight, adversary=adversary,
                                       step=step, mix_weight=cfg.mix_weight,
                                       shift_weight=cfg.shift_weight)
        for k, v in {"loss": loss, **terms, "std": post.std.mean()}.items():
            sums[k] = sums.get(k, 0.0) + v.detach().float()  # on the device: no sync per step
        step += 1
        if step == CALIBRATE[0]:
            t_cal = _synced_time(device)
        if budget_s is not None and step >= CALIBRATE[1] and (step == CALIBRATE[1] or step % cfg.log_every == 0):
            now = _synced_time(device)
            total = fitted_total(cfg, step, (now - t_cal) / (step - CALIBRATE[0]), budget_s - (now - t0))
        if step % cfg.log_every == 0 or step == total or (budget_s is not None and time.time() - t0 >= budget_s):
            history.append(_log_record(step, total, step - logged, t0, sums, log))
            sums, logged = {}, step
        if checkpoint is not None and time.time() - t_ckpt >= 60.0 * cfg.checkpoint_minutes:
            checkpoint(model, history)
            t_ckpt = time.time()
    return model.eval(), history


def _synced_time(device: torch.device) -> float:
    if device.type == "cuda":  # the queue runs ahead of Python: wait for it before reading the clock
        torch.cuda.synchronize(device)
    return time.time()


def _log_record(step: int, total: int, n: int, t0: float, sums: dict, log) -> dict:
    """The means of the last n steps' summed terms, logged; FloatingPointError if the loss is not finite."""
    rec = {"step": step, "time_s": round(time.time() - t0, 1), **{k: float(v) / n for k, v in sums.items()}}
    log(f"step {rec['step']:5d}/{total} {rec['time_s']:7.1f}s loss {rec['loss']:.4f} "
        f"l1 {rec['l1']:.4f} edge {rec['edge']:.4f} kl/px {rec['kl']:.3f} std {rec['std']:.3f}"
        + "".join(f" {k} {rec[k]:.4f}" for k in ("warp", "pyramid", "mix", "shift", "acai", "adv", "adv_w", "critic")
                  if k in rec))
    if not math.isfinite(rec["loss"]):
        raise FloatingPointError(f"training loss is {rec['loss']} at step {step} (try without --amp, or a lower --lr)")
    return rec


def _initial_model(cfg: TrainConfig) -> VAE:
    """A fresh VAE, or the weights named by cfg.init (whose config then wins over cfg.model),
    widened to cfg.widen_latent channels when that is more than they have."""
    if cfg.init is None:
        return VAE(cfg.model)
    model = load_model(cfg.init)
    return widened(model, cfg.widen_latent) if cfg.widen_latent > model.cfg.latent_channels else model


def _training_record(path: str) -> dict:
    """The "training" record stored beside the weights at path ({} if there is none)."""
    try:
        return json.loads(config_path(path).read_text()).get("training", {})
    except (OSError, ValueError):
        return {}


def _record(cfg: TrainConfig, model: VAE, images: list, history: list[dict], wall: float) -> dict:
    """The "training" record saved beside the weights (without the held-out metrics)."""
    device = tensors.pick_device(cfg.device)
    record = {
        **{k: v for k, v in asdict(cfg).items() if k != "model"},
        "parameters": count_parameters(model),
        "wall_time_s": round(wall, 1),
        "trained_on": str(device) if device.type != "cpu" else f"cpu ({platform.processor() or platform.machine()}, {cfg.threads} threads)",
        "torch": torch.__version__,
        "train_images": len(images),
        "held_out": list(dataset.HELD_OUT),
        "steps_done": history[-1]["step"] if history else 0,
        "final": history[-1] if history else {},
    }
    if cfg.init:  # a fine-tune: keep how the starting weights were made
        record["init_training"] = _training_record(cfg.init)
    return record


def train_main(out: Path, cfg: TrainConfig) -> dict:
    """Train, evaluate on the held-out photos, save OUT (+ .json); returns the "training" record.

    A fine-tune also evaluates its starting weights ("init_eval"), so one run measures its gain.
    Every cfg.checkpoint_minutes the weights so far are saved to OUT ("checkpoint": true in the
    record), so a run killed before its end still leaves usable weights.
    """
    images = train_images(cfg)
    init_eval = evaluate(load_model(cfg.init, tensors.pick_device(cfg.device)), cfg.eval_long_side) if cfg.init else None
    if init_eval:
        print(f"starting weights {cfg.init}: held-out PSNR {init_eval['psnr']} dB, L1 {init_eval['l1']}")
    t0 = time.time()

    def checkpoint(model: VAE, history: list[dict]) -> None:
        record = {**_record(cfg, model, images, history, time.time() - t0), "checkpoint": True}
        saved = copy.deepcopy(model).cpu().eval()
        save_model(saved, out, training=record)
        print(f"checkpoint {out} at step {record['steps_done']}: held-out lerps "
              f"{lerp_health(saved, cfg.eval_long_side):.2f} dB", flush=True)

    model, history = train(cfg, images, checkpoint=checkpoint)
    wall = time.time() - t0
    metrics = evaluate(model, cfg.eval_long_side)
    record = {**_record(cfg, model, images, history, wall), "eval": metrics}
    if init_eval:
        record["init_eval"] = init_eval
    save_model(model.cpu(), out, training=record)
    print(f"saved {out} ({Path(out).stat().st_size / 1e6:.1f} MB): held-out PSNR {metrics['psnr']} dB, "
          f"L1 {metrics['l1']} at long side {cfg.eval_long_side}, {record['steps_done']} steps, {wall / 60:.1f} min")
    return record
