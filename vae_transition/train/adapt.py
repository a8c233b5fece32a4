"""Per-pair adaptation: fine-tune a copy of the VAE on frames of the two clips it will join.

The shipped model knows photos in general; a few dozen steps on the pair itself teach its latent
space this pair's world, so the reconstructions (and the in-between images the decoder renders)
carry the clips' own textures and colours. Deterministic for a seed, and cached on disk: running
the same pair again loads the adapted weights instead of training.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import time
from dataclasses import asdict, dataclass

import numpy as np

from vae_transition import cache, tensors, workdirs
from vae_transition.cache import cache_dir
from vae_transition.digests import code_digest, model_digest
from vae_transition.train.dataset import CropSampler, Image


@dataclass(frozen=True)
class AdaptConfig:
    """Fine-tuning hyperparameters (saved in the cache key)."""

    steps: int = 20            # optimiser steps; 0 disables adaptation
    batch_size: int = 8        # crops per step
    crop: int = 64             # square crop side, px (a multiple of the model's downsample)
    lr: float = 5e-4           # Adam learning rate, constant (short runs need no schedule)
    edge_weight: float = 0.5   # as in training: L1 on image gradients, for sharpness
    kl_weight: float = 1e-3    # as in training: keeps the latent space smooth for the morph
    warp_weight: float = 1.0   # as in training: the decoder keeps rendering moved latents of
                               # this pair, which is what the morph shows


def cache_key(model, images: list[np.ndarray], cfg: AdaptConfig, seed: int) -> str:
    """sha256 over the base weights, the frames and the settings: any change retrains."""
    code = code_digest("vae_transition.train.adapt", "vae_transition.train.loop",
                       "vae_transition.train.dataset", "vae_transition.model",
                       "vae_transition.train.latent_warp")
    h = hashlib.sha256(repr((asdict(cfg), seed, asdict(model.cfg), code,
                             model_digest(model))).encode())
    for img in images:
        h.update(repr(img.shape).encode())
        h.update(np.ascontiguousarray(img).tobytes())
    return h.hexdigest()[:32]


def fine_tune(model, images: list[np.ndarray], cfg: AdaptConfig, seed: int):
    """A fine-tuned copy of `model` (eval mode); images are (H, W, 3) uint8 frames of the pair."""
    import torch

    from vae_transition.train.loop import train_step

    torch.manual_seed(seed)
    tuned = copy.deepcopy(model).train()
    device = next(tuned.parameters()).device
    sampler = CropSampler([Image(f"pair/{i}", im, False) for i, im in enumerate(images)], cfg.crop,
                          seed)
    noise = torch.Generator(device=device).manual_seed(seed)
    warps = torch.Generator().manual_seed(seed + 1)
    opt = torch.optim.Adam(tuned.parameters(), lr=cfg.lr)
    for _ in range(cfg.steps):
        x = sampler.batch(cfg.batch_size).to(device)
        train_step(tuned, opt, x, noise, cfg.edge_weight, cfg.kl_weight, cfg.warp_weight,
                   generator=warps)
    return tuned.eval()


def adapt(model, images: list[np.ndarray], cfg: AdaptConfig = AdaptConfig(), seed: int = 0,
          use_cache: bool = True, log=lambda s: None) -> tuple[object, float, bool]:
    """(adapted model, seconds spent, cache hit). steps == 0 returns the model untouched.

    A cached entry is used only when its digests match and its weights load and are finite;
    a bad one is noted, removed and trained again. Caching is best effort (a note at most)."""
    if cfg.steps <= 0:
        return model, 0.0, False

    start = time.perf_counter()
    folder, key = str(cache_dir() / "adapted"), cache_key(model, images, cfg, seed)
    if use_cache and cache.has_entry(folder, key):
        tuned = _load_cached(folder, key, next(model.parameters()).device, log)
        if tuned is not None:
            return tuned, time.perf_counter() - start, True
    tuned = fine_tune(model, images, cfg, seed)
    if use_cache:
        _save_atomically(tuned, folder, key, log)
    return tuned, time.perf_counter() - start, False


_FILES = (".safetensors", ".json")  # an adapted model's cache entry: weights and config


def _load_cached(folder: str, key: str, device, log):
    """The verified cached model, or None (a damaged entry is noted and removed)."""
    from vae_transition.weights import ModelError, load_model

    private = workdirs.make("model")
    try:
        copies = cache.fetch(folder, key, _FILES, private)
        return load_model(copies[".safetensors"], device=device)
    except (cache.BadEntry, ModelError) as exc:
        why = " ".join(str(exc).replace(private + os.sep, "").split())
        log(f"note: cached adapted model {key} is damaged ({why}): removed, adapting again")
        cache.evict(folder, key, _FILES)
        return None
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _save_atomically(model, folder: str, key: str, log) -> None:
    """Store the adapted model in the cache (verified entry, manifest last); best effort: a
    read-only or full cache, or a folder in the way, is a note and leaves no temporary file."""
    from vae_transition.weights import config_path, save_model

    private = workdirs.make("model")
    try:
        path = os.path.join(private, key + ".safetensors")
        save_model(model, path)
        failed = cache.store(folder, key, {".safetensors": path, ".json": str(config_path(path))})
    except OSError as exc:  # the private folder itself is full
        failed = exc.strerror or str(exc)
    finally:
        shutil.rmtree(private, ignore_errors=True)
    if failed:
        log(f"note: could not cache the adapted model ({failed}); continuing without")


def pair_images(a_frames: list[np.ndarray], b_frames: list[np.ndarray], long_side: int,
                multiple: int) -> list[np.ndarray]:
    """The pair's frames at roughly the model's working size (crops then see the same scale)."""
    h, w = a_frames[0].shape[:2]
    size = tensors.working_size(w, h, max(long_side, 2 * 64), multiple)
    return [tensors.resize(f, size) for f in [*a_frames, *b_frames]]
