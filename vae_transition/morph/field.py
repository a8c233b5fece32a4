"""A smooth correspondence between two latent grids: the halfway field, fitted coarse to fine.

A classic morph warps both pictures towards a common in-between geometry and dissolves; its
correspondence is what makes a shape bend into another instead of fading or breaking into
pieces. Here it is found automatically (as in Liao et al.'s halfway-domain morphs): a
displacement field V over the latent grid such that A's content at p - V(p) looks like B's at
p + V(p). It is fitted by gradient descent on

    mean rho(F_A(p - V) - F_B(p + V))         features alike at both ends (rho: Charbonnier)
  + smooth * mean |grad V|^2                  neighbouring cells move together
  + fold * mean relu(det_floor - det J)^2     neither map folds or squeezes a region to nothing
  + mag * mean |V - P|^2                      the least motion beyond the detail's plan P

first on a few control points (a coarse, global bend), then on more (finer bends), the features
blurred to each level's scale. The features are the VAE's own latent means (unit variance per
channel) and the picture's colour at the latent grid: what a region looks like to the model,
and what it looks like to the eye. P (massplan.py) is where the detail goes when each picture is
read as a distribution of detail: where nothing matches better, A's busy parts travel to B's
instead of handing over in place; P = 0 asks for the least motion outright.

V is in latent cells, shape (2, h, w): (x, y) per cell. Everything here is small tensors: a
256 px frame has a 32 x 19 grid, and the fit takes about a fifth of a second on one core (the
detail plan a tenth more).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from vae_transition import tensors
from vae_transition.morph.massplan import cell_positions, halfway_plan


@dataclass(frozen=True)
class FieldConfig:
    """How the halfway field is fitted."""

    levels: tuple[int, ...] = (4, 12, 0)  # control points on the long side per level, coarse to
                                           # fine; 0: one per latent cell (4 levels and 60
                                           # steps each scored the same on the bench pairs)
    iters: int = 40           # Adam steps per level
    lr: float = 0.08          # Adam's step, cells
    smooth: float = 0.3       # weight of |grad V|^2 (cells per cell)
    fold: float = 10.0        # weight of the Jacobian floor
    det_floor: float = 0.35   # each map keeps at least this share of a region's area
    mag: float = 0.1          # weight of |V - P|^2 (cells^2): how firmly the field keeps to
                              # the detail plan P where the features do not pull it elsewhere
                              # (0.05: rocket -> pagoda hands over in place, novelty 0.14; 0.2:
                              # dog -> office 0.11; with no plan, 0.01 was best)
    colour: float = 4.0       # weight of the RGB features against the latent's (unit variance)
    plan: float = 1.0         # share of the detail plan's motion in P; 0: P = 0, the least
                              # motion (6 misses on the bench pairs in memory, against 4)
    plan_eps: float = 2.0     # the plan's entropic blur, cells (4: the same misses)
    plan_smooth: float = 2.0  # blur of P, cells: neighbours move together

    def __post_init__(self):
        object.__setattr__(self, "levels", tuple(int(v) for v in self.levels))
        if self.iters < 0 or min(self.smooth, self.fold, self.mag, self.colour, self.plan,
                                 self.plan_smooth) < 0 or self.plan_eps <= 0:
            raise ValueError(f"invalid FieldConfig: {self}")


def sample(x: Tensor, off: Tensor, mode: str = "bilinear", phases: int = 1) -> Tensor:
    """x (C, h, w) read at every cell + off (2, h, w), in cells; bilinear (or `mode`), edges
    repeated. With phases P, x is a phase grid (C, P h, P w) (phases.py) and is read at P times
    the position: the result is (C, h, w) still."""
    _, h, w = off.shape
    xs, ys = cell_positions(h, w).T.reshape(2, h, w)  # (x, y) of every cell
    big_h, big_w = x.shape[-2:]
    # grid_sample's [-1, 1] at element centres; element P i + k is cell i moved k / P
    gx = (phases * (xs.to(x) + off[0]) + 0.5) / big_w * 2 - 1
    gy = (phases * (ys.to(x) + off[1]) + 0.5) / big_h * 2 - 1
    grid = torch.stack([gx, gy], -1)[None]
    return F.grid_sample(x[None], grid, mode=mode, padding_mode="border",
                         align_corners=False)[0]


def blur(x: Tensor, sigma: float) -> Tensor:
    """(C, h, w) Gaussian-blurred by sigma cells, edges repeated (separable)."""
    if sigma <= 0:
        return x
    r = max(1, int(round(2.5 * sigma)))
    g = torch.exp(-torch.arange(-r, r + 1, dtype=x.dtype) ** 2 / (2 * sigma * sigma))
    g = (g / g.sum()).to(x)
    c = x.shape[0]
    out = F.conv2d(F.pad(x[None], (r, r, 0, 0), mode="replicate"),
                   g.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    out = F.conv2d(F.pad(out, (0, 0, r, r), mode="replicate"),
                   g.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return out[0]


def upsample(v: Tensor, h: int, w: int) -> Tensor:
    """(2, gh, gw) control points -> (2, h, w), bicubic through the points."""
    return F.interpolate(v[None], size=(h, w), mode="bicubic", align_corners=True)[0]


def jacobian_det(v: Tensor, sign: float) -> Tensor:
    """(h, w) determinant of p -> p + sign * V(p) (forward differences, last one repeated)."""
    def diff(x: Tensor, dim: int) -> Tensor:
        d = torch.diff(x, dim=dim)
        return torch.cat([d, d.narrow(dim, d.shape[dim] - 1, 1)], dim)

    dxx, dxy = diff(v[0], 1), diff(v[0], 0)
    dyx, dyy = diff(v[1], 1), diff(v[1], 0)
    return (1 + sign * dxx) * (1 + sign * dyy) - sign * sign * dxy * dyx


def grid_picture(picture: np.ndarray, h: int, w: int) -> Tensor:
    """(3, h, w) float32 in [0, 1]: the picture (H, W, 3) uint8 area-averaged to the latent grid."""
    return torch.from_numpy(tensors.resize(tensors.to_float(picture), (w, h))).permute(2, 0, 1)


def features(z: Tensor, picture: np.ndarray, colour: float) -> Tensor:
    """(C + 3, h, w): the latent (C, h, w) and the picture (H, W, 3) uint8 at the latent grid."""
    h, w = z.shape[-2:]
    return torch.cat([z.float(), colour * grid_picture(picture, h, w).to(z.device)])


def energy(v_full: Tensor, fa: Tensor, fb: Tensor, cfg: FieldConfig, prior: Tensor | float = 0.0
           ) -> Tensor:
    """The fit's objective for a full-resolution field (2, h, w) and features at one blur;
    prior: P (2, h, w), or 0."""
    d = sample(fa, -v_full) - sample(fb, v_full)
    data = torch.sqrt(d * d + 0.01).mean()
    smooth = torch.diff(v_full, dim=2).pow(2).mean() + torch.diff(v_full, dim=1).pow(2).mean()
    fold = sum(F.relu(cfg.det_floor - jacobian_det(v_full, s)).pow(2).mean() for s in (-1.0, 1.0))
    return data + cfg.smooth * smooth + cfg.fold * fold + cfg.mag * (v_full - prior).pow(2).mean()


class Adam:
    """Adam (Kingma and Ba) on one tensor. torch.optim takes 1.5 s to import, three times the
    whole fit, and a join has no other use for it."""

    def __init__(self, param: Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param, self.lr, self.betas, self.eps, self.steps = param, lr, betas, eps, 0
        self.m, self.v = torch.zeros_like(param), torch.zeros_like(param)

    def step(self, grad: Tensor) -> None:
        (b1, b2), self.steps = self.betas, self.steps + 1
        self.m.mul_(b1).add_(grad, alpha=1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        m_hat, v_hat = self.m / (1 - b1 ** self.steps), self.v / (1 - b2 ** self.steps)
        with torch.no_grad():
            self.param.sub_(self.lr * m_hat / (v_hat.sqrt() + self.eps))


def level_grid(level: int, h: int, w: int) -> tuple[int, int]:
    """(gh, gw) control points for a level: `level` on the long side, at least 2 a side."""
    if level <= 0:
        return h, w
    long_side = max(h, w)
    return (min(h, max(2, round(level * h / long_side))),
            min(w, max(2, round(level * w / long_side))))


def detail_plan(a_small: np.ndarray, b_small: np.ndarray, h: int, w: int,
                cfg: FieldConfig) -> Tensor:
    """P (2, h, w), cells: the detail plan's halfway field (massplan.py), blurred, times
    cfg.plan (zeros when it is 0)."""
    if cfg.plan == 0:
        return torch.zeros(2, h, w)
    return cfg.plan * blur(halfway_plan(a_small, b_small, h, w, cfg.plan_eps), cfg.plan_smooth)


def fit_field(za: Tensor, zb: Tensor, a_small: np.ndarray, b_small: np.ndarray,
              cfg: FieldConfig = FieldConfig()) -> Tensor:
    """V (2, h, w) in cells for latents za, zb (C, h, w) of the working-size pictures a_small,
    b_small (uint8): A's content at p - V(p) corresponds to B's at p + V(p). Deterministic."""
    h, w = za.shape[-2:]
    v = torch.zeros(2, 2, 2, device=za.device)
    # the callers decode under inference_mode, whose tensors cannot enter a backward graph
    with torch.inference_mode(False), torch.enable_grad():
        za, zb = za.clone().float(), zb.clone().float()
        scale = torch.cat([za, zb], 2).flatten(1).std(1).clamp_min(1e-6)[:, None, None]
        fa = features(za / scale, a_small, cfg.colour)
        fb = features(zb / scale, b_small, cfg.colour)
        prior = detail_plan(a_small, b_small, h, w, cfg).to(za.device)
        for level in cfg.levels:
            gh, gw = level_grid(level, h, w)
            v = upsample(v.detach(), gh, gw).requires_grad_(True)
            sigma = 0.5 * max(h / gh, w / gw)       # features as coarse as the control points
            fa_l, fb_l = blur(fa, sigma), blur(fb, sigma)
            opt = Adam(v, cfg.lr)
            for _ in range(cfg.iters):
                loss = energy(upsample(v, h, w), fa_l, fb_l, cfg, prior)
                opt.step(torch.autograd.grad(loss, v)[0])
    return upsample(v.detach(), h, w)
