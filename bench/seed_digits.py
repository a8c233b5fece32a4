"""The seed experiment, reproduced: does a lerp between two encoded digits decode into something
other than a crossfade with a VAE, and into a crossfade with a plain autoencoder?

    python bench/seed_digits.py      # -> bench/results/seed_digits.md, .png, .latents.png

The project grew from one claim (docs: the seed note): with a small convolutional VAE with a 2-D
latent, trained on handwritten digits, decoding a linear path between two encoded images gives
a smooth, interesting transition, while a plain autoencoder gave "something like a crossfade".
This tests it on the original's own setting, on CPU in a few minutes, with no download:

- scikit-learn's 1797 8x8 digits, upsampled (bilinear) to 16x16 so that two stride-2
  convolutions leave a 4x4 map;
- one network trained twice, same seed, same batches, same Adam steps: as a VAE (ELBO, sampled
  codes) and as a plain autoencoder (the encoder's mean head only, no KL, no noise);
- lerps between the posterior means (the VAE) or codes (the AE) of held-out digits of different
  classes, decoded into N in-betweens, against a pixel crossfade of the same images;
- each path scored with the project's own metrics (dissolve fit, novelty, pacing), the frames
  upscaled (cubic) to 64x64 RGB, as `score_transition` takes them.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict, dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from vae_transition import tensors  # noqa: E402
from vae_transition.join.previews import contact_sheet, stack_rows, write_png  # noqa: E402
from vae_transition.metrics import GOALS, TransitionScores, score_transition  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
METRICS = ("dissolve_fit", "novelty", "pacing")  # not a crossfade / not a pixel mix / smooth
# tab10, RGB: one colour per digit class in the latent pictures
PALETTE = np.array([(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40),
                    (148, 103, 189), (140, 86, 75), (227, 119, 194), (127, 127, 127),
                    (188, 189, 34), (23, 190, 207)], dtype=np.uint8)


@dataclass(frozen=True)
class SeedConfig:
    seed: int = 0  # weights, batch order, VAE noise, held-out split and pairs all follow it
    side: int = 16  # px; the 8x8 digits are upsampled (bilinear) to side x side for the convs
    channels: int = 32  # first conv's width; the second has twice as many
    hidden: int = 128  # dense layer between the (2c, side/4, side/4) map and the latent
    latent: int = 2  # the original's choice: a 2-D latent, easy to look at
    steps: int = 3000  # Adam steps, the same for the VAE and the AE
    batch: int = 64
    lr: float = 1e-3
    beta: float = 1.0  # the VAE's KL weight (1 = the ELBO); the AE has none
    held_out: int = 297  # images kept out of training (1797 - 297 = 1500 to train on)
    pairs: int = 24  # lerps between held-out digits of different classes
    frames: int = 8  # in-betweens per lerp (N)
    score_side: int = 64  # px; every frame is upscaled (cubic) to this and made RGB for the metrics
    sheet_pairs: int = 4  # pairs shown in the contact sheet
    grid: int = 15  # decoded latent-map tiles per side in the latent picture


@dataclass
class Digits:
    train: "object"  # torch (n, 1, side, side) float32 in [0, 1]
    train_labels: np.ndarray  # (n,) int
    test: "object"
    test_labels: np.ndarray


@dataclass
class MethodResult:
    name: str
    paths: list  # per pair: (N+2, side, side) float in [0, 1], decoded A, T_1..T_N, decoded B
    scores: list  # per pair: TransitionScores of that path (its own endpoints)
    spliced: list  # per pair: TransitionScores of T_1..T_N between the real images A and B
    gaps: list = field(default_factory=list)  # per pair: latent gap the lerp crosses (see gap)
    recon_mse: float = float("nan")  # held-out, at side x side, codes = posterior means
    codes: np.ndarray | None = None  # (n_train, 2) training codes
    ends: list = field(default_factory=list)  # per pair: (2, 2) codes of A and B
    model: object = None  # the trained network (None for the crossfade)


def load(cfg: SeedConfig) -> Digits:
    """scikit-learn's digits (ships with it: no download), upsampled, split by a seeded shuffle."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits

    data = load_digits()
    x = torch.from_numpy(data.images.astype(np.float32) / 16.0)[:, None]  # (1797, 1, 8, 8)
    # bilinear keeps the strokes' shape; the net sees 16x16 so that it has room for two strides
    x = F.interpolate(x, size=(cfg.side, cfg.side), mode="bilinear", align_corners=False)
    order = np.random.default_rng(cfg.seed).permutation(len(x))
    test, train = order[:cfg.held_out], order[cfg.held_out:]
    return Digits(x[train].clamp(0, 1), data.target[train], x[test].clamp(0, 1), data.target[test])


def build(cfg: SeedConfig):
    """The network: (B, 1, side, side) in [0, 1] -> (mean, log-variance) (B, 2) each; a code
    (B, 2) -> logits (B, 1, side, side). The AE uses the same network and ignores log-variance."""
    import torch.nn as nn

    c, h, m = cfg.channels, cfg.hidden, cfg.side // 4

    class ConvVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU(),
                nn.Flatten(), nn.Linear(2 * c * m * m, h), nn.ReLU(), nn.Linear(h, 2 * cfg.latent))
            self.decoder = nn.Sequential(
                nn.Linear(cfg.latent, h), nn.ReLU(), nn.Linear(h, 2 * c * m * m), nn.ReLU(),
                nn.Unflatten(1, (2 * c, m, m)), nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),
                nn.ConvTranspose2d(c, 1, 4, 2, 1))

        def encode(self, x):
            return self.encoder(x).chunk(2, dim=1)

        def decode(self, z):
            return self.decoder(z)

    return ConvVAE()


def loss_of(model, xb, variational: bool, noise, beta: float):
    """Per-image summed BCE (+ beta * KL for the VAE), averaged over the batch."""
    import torch
    import torch.nn.functional as F

    mean, logvar = model.encode(xb)
    if variational:  # train on a sample, as the ELBO asks; interpolate on the mean later
        eps = torch.randn(mean.shape, generator=noise)
        z = mean + torch.exp(0.5 * logvar) * eps
        kl = 0.5 * (mean ** 2 + logvar.exp() - 1.0 - logvar).sum(1)
    else:  # the plain AE: deterministic code, nothing pulls the codes together
        z, kl = mean, torch.zeros(len(xb))
    rec = F.binary_cross_entropy_with_logits(model.decode(z), xb, reduction="none").sum((1, 2, 3))
    return (rec + beta * kl).mean()


def train(cfg: SeedConfig, x, variational: bool):
    """Train one network; the VAE and the AE get the same initial weights and the same batches."""
    import torch

    torch.manual_seed(cfg.seed)
    model = build(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    batches = torch.Generator().manual_seed(cfg.seed)  # separate from the noise: same batches
    noise = torch.Generator().manual_seed(cfg.seed + 1)
    for _ in range(cfg.steps):
        idx = torch.randint(len(x), (cfg.batch,), generator=batches)
        loss = loss_of(model, x[idx], variational, noise, cfg.beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def pick_pairs(labels: np.ndarray, cfg: SeedConfig) -> list[tuple[int, int]]:
    """cfg.pairs distinct (i, j) held-out indices whose digits are of different classes."""
    rng = np.random.default_rng(cfg.seed + 2)
    pairs: list[tuple[int, int]] = []
    while len(pairs) < cfg.pairs:
        i, j = (int(k) for k in rng.choice(len(labels), 2, replace=False))
        if labels[i] != labels[j] and (i, j) not in pairs:
            pairs.append((i, j))
    return pairs


def codes_of(model, x) -> np.ndarray:
    """(B, 1, side, side) -> (B, 2) codes: the posterior means (the AE's only code)."""
    import torch

    with torch.no_grad():
        return model.encode(x)[0].numpy()


def decode(model, z: np.ndarray) -> np.ndarray:
    """(B, 2) codes -> (B, side, side) float32 images in [0, 1]."""
    import torch

    with torch.no_grad():
        return torch.sigmoid(model.decode(torch.from_numpy(z.astype(np.float32))))[:, 0].numpy()


def lerp(za: np.ndarray, zb: np.ndarray, n: int) -> np.ndarray:
    """(2,), (2,) -> (n+2, 2): za, the n in-betweens at t = i/(n+1), zb."""
    t = np.linspace(0.0, 1.0, n + 2)[:, None]
    return (1.0 - t) * za + t * zb


def crossfade(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """(side, side) images -> (n+2, side, side): the pixel mix at t = i/(n+1), the reference."""
    t = np.linspace(0.0, 1.0, n + 2)[:, None, None]
    return (1.0 - t) * a + t * b


def to_frame(img: np.ndarray, side: int) -> np.ndarray:
    """(s, s) float in [0, 1] -> (side, side, 3) uint8 RGB, upscaled cubic as the metrics enlarge."""
    big = np.clip(tensors.resize(img.astype(np.float32), (side, side)), 0.0, 1.0)
    return tensors.to_uint8(np.repeat(big[..., None], 3, axis=2))


def score_path(path: np.ndarray, a: np.ndarray, b: np.ndarray, side: int):
    """(path's own endpoints, between the real images) scores of one (N+2, s, s) path."""
    frames = [to_frame(p, side) for p in path]
    own = score_transition(frames[0], frames[1:-1], frames[-1])
    spliced = score_transition(to_frame(a, side), frames[1:-1], to_frame(b, side))
    return own, spliced


def gap(path_codes: np.ndarray, train_codes: np.ndarray) -> float:
    """How far the lerp strays from the data: max over its in-betweens of the distance to the
    nearest training code, in units of the median nearest-neighbour spacing of training codes
    (about 1: it stays among codes; >> 1: it crosses empty latent space)."""
    def nearest(p, q, skip_self):
        d = np.linalg.norm(p[:, None] - q[None], axis=2)
        if skip_self:
            np.fill_diagonal(d, np.inf)
        return d.min(axis=1)

    spacing = float(np.median(nearest(train_codes, train_codes, True)))
    return float(nearest(path_codes[1:-1], train_codes, False).max() / max(spacing, 1e-12))


def recon_mse(model, x) -> float:
    """Held-out mean squared error per pixel, at side x side in [0, 1], decoding the means."""
    rec = decode(model, codes_of(model, x))
    return float(((rec - x[:, 0].numpy()) ** 2).mean())


def run_model(name: str, model, data: Digits, pairs, cfg: SeedConfig) -> MethodResult:
    """Lerp, decode and score every pair with one trained network."""
    train_codes, test_codes = codes_of(model, data.train), codes_of(model, data.test)
    test = data.test[:, 0].numpy()
    out = MethodResult(name, [], [], [], recon_mse=recon_mse(model, data.test), codes=train_codes,
                       model=model)
    for i, j in pairs:
        z = lerp(test_codes[i], test_codes[j], cfg.frames)
        path = decode(model, z)
        own, spliced = score_path(path, test[i], test[j], cfg.score_side)
        out.paths.append(path)
        out.scores.append(own)
        out.spliced.append(spliced)
        out.gaps.append(gap(z, train_codes))
        out.ends.append(np.stack([test_codes[i], test_codes[j]]))
    return out


def run_crossfade(data: Digits, pairs, cfg: SeedConfig) -> MethodResult:
    """The reference: a pixel crossfade between the same real images (its own endpoints)."""
    test = data.test[:, 0].numpy()
    out = MethodResult("crossfade", [], [], [])
    for i, j in pairs:
        path = crossfade(test[i], test[j], cfg.frames)
        own, _ = score_path(path, test[i], test[j], cfg.score_side)
        out.paths.append(path)
        out.scores.append(own)
        out.spliced.append(own)
    return out


@dataclass
class Experiment:
    cfg: SeedConfig
    pairs: list  # (i, j) held-out indices
    labels: list  # (label_i, label_j) per pair
    methods: list  # MethodResult: vae, ae, crossfade
    train_labels: np.ndarray


def run(cfg: SeedConfig) -> Experiment:
    """The whole experiment in memory: train both networks, lerp, decode and score."""
    import torch

    torch.set_num_threads(1)  # one core: cheap, and the same numbers on any machine's CPU
    data = load(cfg)
    pairs = pick_pairs(data.test_labels, cfg)
    vae = run_model("VAE", train(cfg, data.train, True), data, pairs, cfg)
    ae = run_model("AE", train(cfg, data.train, False), data, pairs, cfg)
    labels = [(int(data.test_labels[i]), int(data.test_labels[j])) for i, j in pairs]
    return Experiment(cfg, pairs, labels, [vae, ae, run_crossfade(data, pairs, cfg)],
                      data.train_labels)


# --- pictures -------------------------------------------------------------------------------


def sheet(exp: Experiment) -> np.ndarray:
    """Contact sheet: per shown pair three rows (VAE, AE, crossfade) of A, T_1..T_N, B."""
    cfg, blocks = exp.cfg, []
    for k in range(min(cfg.sheet_pairs, len(exp.pairs))):
        a, b = exp.labels[k]
        rows = []
        for m in exp.methods:
            frames = [to_frame(p, cfg.score_side) for p in m.paths[k]]
            labels = [f"{m.name} {a}>{b}"] + [""] * (len(frames) - 1)
            rows.append(contact_sheet(frames, labels, cols=len(frames), thumb_width=96))
        blocks.append(stack_rows(rows))
        blocks.append(np.full((8, blocks[-1].shape[1], 3), 96, np.uint8))  # between pairs
    return stack_rows(blocks[:-1])


def to_pixels(z: np.ndarray, lo: np.ndarray, hi: np.ndarray, size: int) -> np.ndarray:
    """(K, 2) codes -> (K, 2) int pixel (x, y) on a size x size panel; y grows upward."""
    u = (z - lo) / (hi - lo)
    return np.stack([u[:, 0] * (size - 1), (1.0 - u[:, 1]) * (size - 1)], axis=1).round().astype(int)


def scatter(m: MethodResult, labels: np.ndarray, lo, hi, size: int) -> np.ndarray:
    """Training codes as dots coloured by class, the shown pairs' lerps as white lines."""
    import cv2

    panel = np.full((size, size, 3), 16, np.uint8)
    for (x, y), c in zip(to_pixels(m.codes, lo, hi, size), labels):
        cv2.circle(panel, (int(x), int(y)), 2, tuple(int(v) for v in PALETTE[c]), -1)
    for ends in m.ends[:4]:
        (xa, ya), (xb, yb) = to_pixels(ends, lo, hi, size)
        cv2.line(panel, (int(xa), int(ya)), (int(xb), int(yb)), (255, 255, 255), 1, cv2.LINE_AA)
        cv2.circle(panel, (int(xa), int(ya)), 4, (255, 255, 255), 1)
    for d in range(10):  # legend: each class's digit in its colour
        cv2.putText(panel, str(d), (8 + 18 * d, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                    tuple(int(v) for v in PALETTE[d]), 2)
    cv2.putText(panel, f"{m.name} codes", (8, size - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                (255, 255, 255), 1)
    return panel


def latent_map(model, lo, hi, cfg: SeedConfig, size: int) -> np.ndarray:
    """What the decoder draws over the same window: a grid x grid tiling of decoded codes."""
    ticks = [np.linspace(lo[d], hi[d], cfg.grid) for d in range(2)]
    z = np.array([(x, y) for y in ticks[1][::-1] for x in ticks[0]])
    tiles = decode(model, z).reshape(cfg.grid, cfg.grid, cfg.side, cfg.side)
    img = tiles.transpose(0, 2, 1, 3).reshape(cfg.grid * cfg.side, cfg.grid * cfg.side)
    return to_frame(img, size)


def latents_picture(exp: Experiment) -> np.ndarray:
    """One row per network: [codes coloured by class | decoded latent map], same window."""
    rows = []
    for m in exp.methods[:2]:
        lo, hi = np.percentile(m.codes, 0.5, axis=0), np.percentile(m.codes, 99.5, axis=0)
        lo, hi = lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)  # a margin around the codes
        left = scatter(m, exp.train_labels, lo, hi, 480)
        rows.append(np.concatenate([left, latent_map(m.model, lo, hi, exp.cfg, 480)], axis=1))
    return np.concatenate(rows, axis=0)


# --- the results page -----------------------------------------------------------------------


def spread(values) -> str:
    """'mean ± sd (median)' of a list of floats, 2 decimals."""
    v = np.asarray(values, dtype=np.float64)
    return f"{v.mean():.2f} ± {v.std():.2f} ({np.median(v):.2f})"


def column(scores: list[TransitionScores], name: str) -> list[float]:
    return [getattr(s, name) for s in scores]


def goal_count(scores: list[TransitionScores]) -> int:
    """Paths that meet both the dissolve-fit and the novelty goal of the project."""
    return sum(1 for s in scores
               if all(s.meets_goals()[k] for k in ("dissolve_fit", "novelty")))


def psnr(mse: float) -> str:
    return "-" if not np.isfinite(mse) else f"{mse:.4f} ({10 * np.log10(1 / mse):.1f} dB)"


def scores_table(exp: Experiment, attr: str) -> str:
    """One row per method: METRICS as mean ± sd (median), goal count, gap, reconstruction."""
    head = ("| method | " + " | ".join(k.replace("_", " ") for k in METRICS)
            + " | meets both goals | latent gap | held-out MSE (PSNR) |\n|---|"
            + "---|" * (len(METRICS) + 3))
    rows = []
    for m in exp.methods:
        scores = getattr(m, attr)
        cells = [spread(column(scores, k)) for k in METRICS]
        gaps = spread(m.gaps) if m.gaps else "-"
        rows.append(f"| {m.name} | " + " | ".join(cells)
                    + f" | {goal_count(scores)} of {len(scores)} | {gaps} | {psnr(m.recon_mse)} |")
    return head + "\n" + "\n".join(rows)


def pair_table(exp: Experiment) -> str:
    """Per pair: dissolve fit, novelty and gap of the VAE and the AE (own endpoints)."""
    vae, ae = exp.methods[:2]
    head = ("| pair | VAE dissolve fit | AE dissolve fit | VAE novelty | AE novelty | VAE pacing "
            "| AE pacing | VAE gap | AE gap |\n|---|---|---|---|---|---|---|---|---|")
    rows = []
    for k, (a, b) in enumerate(exp.labels):
        v, e = vae.scores[k], ae.scores[k]
        rows.append(f"| {k}: {a} → {b} | {v.dissolve_fit:.2f} | {e.dissolve_fit:.2f} | "
                    f"{v.novelty:.2f} | {e.novelty:.2f} | {v.pacing:.2f} | {e.pacing:.2f} | "
                    f"{vae.gaps[k]:.1f} | {ae.gaps[k]:.1f} |")
    return head + "\n" + "\n".join(rows)
