"""Which part makes the morph: the VAE's features (the field), its decoder (the drawing), the field
itself? And how well does each model draw moved latents?

    python bench/ablation.py          # -> bench/results/ablation.md
    python bench/ablation.py --pairs 0 9

quality.py's ablation swaps the whole VAE for ResizeAutoencoder (8x area down, bicubic up). This
splits it: the halfway field is fitted on one model's latents and the morph drawn by the other's
decoder; and it takes the field away (V = 0: every place hands over where it is). Pairs are
quality.py's (A's last and B's first frame read back from the clips, as join reads them), scored
in memory with every metric. Last, both models draw moved latents of the held-out photos:
decode(warp(encode(x), phi)) against warp(x, phi), 4 random smooth fields per photo (seed 123);
the VAE also after per-pair adaptation on each photo itself (train/adapt.py, as
`join --adapt-steps N` fine-tunes on the two frames it joins): how much of the gap to a 6 dB
lead a pair's own fine-tuning closes.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import quality  # noqa: E402

from ffmpeg_scripts import encode, probe  # noqa: E402
from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from vae_transition import tensors  # noqa: E402
from vae_transition.join import clipframes, plan  # noqa: E402
from vae_transition.metrics import GOALS, METRICS, score_transition  # noqa: E402
from vae_transition.model import ResizeAutoencoder  # noqa: E402
from vae_transition.morph import transport  # noqa: E402
from vae_transition.morph.field import fit_field, sample  # noqa: E402
from vae_transition.morph.phases import phase_latents  # noqa: E402
from vae_transition.morph.vae import MorphConfig, _working_size, encode_pair, vae_morph  # noqa: E402

# (field from, drawn by); "none": no field at all
COMBOS = (("vae", "vae"), ("vae", "resize"), ("resize", "vae"), ("resize", "resize"),
          ("none", "vae"))


def pair_frames(ff, pair, workdir: str):
    """(A_last, B_first) as join reads them: the clips' frames at the cut, conformed to A."""
    clips, points = quality.prepare(ff, pair, 1, workdir)
    a, b = (probe.probe(ff, c) for c in clips)
    fmt = encode.VideoFormat.of(a)
    ranges = plan.clip_ranges([a, b], points, fmt)
    conform = (b.width, b.height, b.fps) != (a.width, a.height, a.fps)
    return (clipframes.read_range(ff, a, ranges[0][1] - 1, ranges[0][1], fmt, conform)[0],
            clipframes.read_range(ff, b, ranges[1][0], ranges[1][0] + 1, fmt, conform)[0])


def field_of(model, a, b, cfg: MorphConfig):
    """The halfway field vae_morph would fit from this model's latents."""
    size = _working_size(a, cfg, 8)
    sa, sb = tensors.resize(a, size), tensors.resize(b, size)
    za, zb = encode_pair(model, sa, sb)
    return fit_field(za, zb, sa, sb, cfg.transport.field)


def morph_with(field, model, a, b, n: int, cfg: MorphConfig):
    """vae_morph drawn by `model`, with the halfway field fixed to `field`."""
    original = transport.fit_field
    transport.fit_field = lambda *args, **kw: field
    try:
        return list(vae_morph(model, a, b, n, cfg=cfg))
    finally:
        transport.fit_field = original


def moved_psnr(model, warps: int = 4, seed: int = 123, phases: int = 0,
               adapt_steps: int = 0, below: float | None = None) -> float:
    """Mean 8-bit PSNR of decode(warp(encode(x), phi)) against warp(x, phi), held-out photos.
    phases = P > 0: the latent is carried the way the morph carries it, read from the photo's
    phase grid (morph/phases.py) bicubic at the field's offsets, instead of warped.
    adapt_steps > 0: each photo is drawn by a copy of the model fine-tuned on that photo.
    below = c: both pictures are first cut to what lies below c of their size (area down,
    bilinear up), the band the morph takes from the decoder (MorphConfig.cut)."""
    import torch

    from vae_transition.train.adapt import AdaptConfig, fine_tune
    from vae_transition.train.dataset import held_out_images
    from vae_transition.train.latent_warp import WarpConfig, random_field, warp

    gen = torch.Generator().manual_seed(seed)
    values = []
    base = model
    for img in held_out_images(256, 8):
        if adapt_steps:
            model = fine_tune(base, [img.pixels], AdaptConfig(steps=adapt_steps), seed=0)
        with torch.no_grad():
            x = tensors.frames_to_tensor([img.pixels])
            z = model.encode(x).mode()
            grid = phase_latents(model, [img.pixels], phases)[0] if phases else None
            for _ in range(warps):
                phi = random_field(1, z.shape[-2], z.shape[-1], WarpConfig(), gen)
                moved = warp(z, phi) if grid is None else \
                    sample(grid, cell_offsets(phi, *z.shape[-2:]), "bicubic", phases)[None]
                got = model.decode(moved).clamp(0, 1).mul(255).round()
                want = warp(x, phi).clamp(0, 1).mul(255).round()
                if below is not None:
                    got, want = _below(got, below), _below(want, below)
                mse = float(((got - want) / 255).pow(2).mean())
                values.append(10 * math.log10(1 / max(mse, 1e-12)))
    return float(np.mean(values))


def _below(img, cut: float):
    """(B, C, H, W) -> what lies below cut of its size: area down to cut, bilinear back up."""
    import torch.nn.functional as F

    h, w = img.shape[-2:]
    small = F.interpolate(img, size=(max(1, round(h * cut)), max(1, round(w * cut))), mode="area")
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)


def cell_offsets(phi, h: int, w: int):
    """(2, h, w) offsets in cells, from each cell to where a field (latent_warp.Field) reads."""
    import torch

    g = phi.grid(h, w)[0]                                  # (h, w, 2) in [-1, 1]
    ys, xs = torch.meshgrid(torch.arange(h, dtype=g.dtype), torch.arange(w, dtype=g.dtype),
                            indexing="ij")
    return torch.stack([(g[..., 0] + 1) / 2 * w - 0.5 - xs, (g[..., 1] + 1) / 2 * h - 0.5 - ys])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--pairs", type=int, nargs="*", help="indices (default: all)")
    parser.add_argument("--model", default=None, help="weights (default: the shipped model)")
    parser.add_argument("--out", default=quality.RESULTS)
    parser.add_argument("--adapt-steps", type=int, nargs="*", default=[20, 150],
                        help="per-photo fine-tuning steps for the adapted moved-latent rows")
    args = parser.parse_args(argv)
    from vae_transition.weights import load_model

    ff, cfg = find_ffmpeg(), MorphConfig()
    models = {"vae": load_model(args.model), "resize": ResizeAutoencoder()}
    chosen = [pair for _, pair in quality.chosen_pairs(args.pairs)]
    scores = {combo: [] for combo in COMBOS}
    for pair in chosen:
        with tempfile.TemporaryDirectory() as workdir:
            a, b = pair_frames(ff, pair, workdir)
        fields = {name: field_of(m, a, b, cfg) for name, m in models.items()}
        fields["none"] = fields["vae"] * 0
        for source, draw in COMBOS:
            out = morph_with(fields[source], models[draw], a, b, args.frames, cfg)
            scores[(source, draw)].append(score_transition(a, out, b))
        print(pair.name, flush=True)
    psnr = {name: (moved_psnr(m), moved_psnr(m, phases=cfg.phases),
                   moved_psnr(m, phases=cfg.phases, below=cfg.cut)) for name, m in models.items()}
    psnr["adapted"] = {steps: moved_psnr(models["vae"], phases=cfg.phases, adapt_steps=steps)
                       for steps in args.adapt_steps}
    write(args, chosen, scores, psnr)
    return 0


def write(args, chosen, scores, psnr) -> None:
    keys = list(METRICS)
    rows = []
    for (source, draw), got in scores.items():
        means = " | ".join(f"{np.mean([getattr(s, k) for s in got]):.2f}" for k in keys)
        misses = sum(not ok for s in got for ok in s.meets_goals().values())
        rows.append(f"| {source} | {draw} | {means} | {misses} |")
    names = " | ".join(k.replace("_", " ") for k in keys)
    head = " | ".join(f"{s} / {d}" for s, d in COMBOS)
    per_pair = "\n".join(
        f"| {pair.name} | " + " | ".join(
            f"{scores[c][i].novelty:.2f} / {scores[c][i].wholeness:.2f}" for c in COMBOS) + " |"
        for i, pair in enumerate(chosen))
    text = ("# Ablation, split: the field vs the drawing\n\nMeans over "
            f"{len(chosen)} pairs, {args.frames}-frame transitions scored in memory; misses: goals "
            f"missed out of {len(GOALS) * len(chosen)}. Field from `none`: no field (every place "
            "hands over where it is).\n\n"
            f"| field from | drawn by | {names} | misses |\n|---|---|" + "---|" * len(keys)
            + "---|\n" + "\n".join(rows) + "\n\n"
            f"Novelty / wholeness per pair (field / drawing):\n\n| pair | {head} |\n"
            "|---|" + "---|" * len(COMBOS) + "\n" + per_pair + "\n\n"
            "## Moved latents\n\nMean PSNR of the decoded moved latent against warp(x, phi) "
            "on the held-out photos (chelsea, coffee, rocket at 256 px), 4 random smooth fields "
            "each. The latent warped, decode(warp(encode(x), phi)): "
            f"VAE {psnr['vae'][0]:.2f} dB, resize {psnr['resize'][0]:.2f} dB "
            f"({psnr['vae'][0] - psnr['resize'][0]:+.2f} dB). Carried as the morph carries it, "
            f"read from the photo's phase grid (P = {MorphConfig().phases}, morph/phases.py): "
            f"VAE {psnr['vae'][1]:.2f} dB, resize {psnr['resize'][1]:.2f} dB "
            f"({psnr['vae'][1] - psnr['resize'][1]:+.2f} dB)." + _adapted(psnr) +
            " Carried the same way, in the band the morph takes from the decoder (below "
            f"{MorphConfig().cut} of the size; above it a frame shows the clips' own carried "
            f"detail): VAE {psnr['vae'][2]:.2f} dB, resize {psnr['resize'][2]:.2f} dB "
            f"({psnr['vae'][2] - psnr['resize'][2]:+.2f} dB).\n")
    quality.write_result(args.out, "ablation.md", text)


def _adapted(psnr) -> str:
    """The adapted rows' sentence: the VAE fine-tuned on each photo first, phase-grid carry."""
    if not psnr["adapted"]:
        return ""
    rows = ", ".join(f"{steps} steps {got:.2f} dB ({got - psnr['resize'][1]:+.2f} dB)"
                     for steps, got in psnr["adapted"].items())
    return (" The VAE fine-tuned on each photo first (train/adapt.py, as `join --adapt-steps N`"
            f" does on the two frames it joins), carried the same way: {rows}.")


if __name__ == "__main__":
    sys.exit(main())
