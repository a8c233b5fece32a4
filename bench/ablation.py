"""Which part of the VAE makes the morph: its latent features (the matching) or its decoder?

    python bench/ablation.py          # -> bench/results/ablation.md

quality.py's ablation swaps the whole VAE for ResizeAutoencoder (8x area down, bicubic up). This
splits it: the cell matching is computed from one model's latents and the morph is drawn by the
other's decoder, on quality.py's pairs (A's last and B's first frame read back from real clips),
scored in memory with the six metrics.
"""

from __future__ import annotations

import argparse
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
from vae_transition.join import clipframes  # noqa: E402
from vae_transition.metrics import score_transition  # noqa: E402
from vae_transition.model import ResizeAutoencoder  # noqa: E402
from vae_transition.morph import transport  # noqa: E402
from vae_transition.morph.vae import MorphConfig, encode_pair, vae_morph  # noqa: E402

COMBOS = (("vae", "vae"), ("vae", "resize"), ("resize", "vae"), ("resize", "resize"))


def pair_frames(ff, pair: quality.Pair):
    """(A_last, B_first) read back from the pair's clips, as join reads them."""
    with tempfile.TemporaryDirectory() as workdir:
        clips = [quality.make_clip(ff, src, pair.size, os.path.join(workdir, f"{k}.mp4"))
                 for k, src in zip("ab", (pair.a, pair.b))]
        a, b = (probe.probe(ff, c) for c in clips)
        fmt = encode.VideoFormat.of(a)
        return (clipframes.read_range(ff, a, a.frame_count - 1, a.frame_count, fmt, False)[0],
                clipframes.read_range(ff, b, 0, 1, fmt, False)[0])


def matches(model, a, b, cfg: MorphConfig):
    """The cell matching vae_morph would compute from this model's latents."""
    height, width = a.shape[:2]
    long_side = min(cfg.long_side, max(width, height) / cfg.detail_octave)
    size = tensors.working_size(width, height, long_side, model.cfg.downsample)
    za, zb = encode_pair(model, tensors.resize(a, size), tensors.resize(b, size))
    return transport.match_cells(za, zb, cfg.transport.reach)


def morph_with(match, model, a, b, n: int, cfg: MorphConfig):
    """vae_morph drawn by `model`, with the cell matching fixed to `match`."""
    original = transport.match_cells
    transport.match_cells = lambda za, zb, reach: match
    try:
        return list(vae_morph(model, a, b, n, cfg=cfg))
    finally:
        transport.match_cells = original


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--out", default=quality.RESULTS)
    args = parser.parse_args(argv)
    from vae_transition.weights import load_model

    ff, cfg = find_ffmpeg(), MorphConfig()
    models = {"vae": load_model(), "resize": ResizeAutoencoder()}
    scores = {combo: [] for combo in COMBOS}
    for pair in quality.PAIRS:
        a, b = pair_frames(ff, pair)
        found = {name: matches(m, a, b, cfg) for name, m in models.items()}
        for match, draw in COMBOS:
            out = morph_with(found[match], models[draw], a, b, args.frames, cfg)
            scores[(match, draw)].append(score_transition(a, out, b))
        print(pair.name, flush=True)
    rows = []
    for (match, draw), got in scores.items():
        mean = {k: np.mean([getattr(s, k) for s in got]) for k in ("novelty", "dissolve_fit",
                                                                    "mid_sharpness")}
        misses = sum(not ok for s in got for ok in s.meets_goals().values())
        rows.append(f"| {match} | {draw} | {mean['novelty']:.2f} | {mean['dissolve_fit']:.2f} | "
                    f"{mean['mid_sharpness']:.2f} | {misses} |")
    head = " | ".join(f"{m} / {d}" for m, d in COMBOS)
    per_pair = "\n".join(
        f"| {pair.name} | " + " | ".join(f"{scores[c][i].novelty:.2f}" for c in COMBOS) + " |"
        for i, pair in enumerate(quality.PAIRS))
    text = ("# Ablation, split: matching vs drawing\n\nMeans over quality.py's "
            f"{len(quality.PAIRS)} pairs, {args.frames}-frame transitions scored in memory; "
            f"misses: goals missed out of {6 * len(quality.PAIRS)}.\n\n"
            "| matching from | drawn by | novelty | dissolve fit | mid sharpness | misses |\n"
            "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
            f"Novelty per pair (matching / drawing):\n\n| pair | {head} |\n"
            "|---|---|---|---|---|\n" + per_pair + "\n")
    quality.write_result(args.out, "ablation.md", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
