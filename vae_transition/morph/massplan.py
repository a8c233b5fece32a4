"""Where the detail goes: an entropic optimal-transport plan between A's and B's detail, as a
halfway field that the correspondence (field.py) is pulled towards.

The correspondence matches what regions look like. Where A and B share nothing in particular
(blue sky over a rocket, bright sky over a pagoda), the best match is "everything stays where it
is", and the morph hands over in place, like a soft matte. A classic remedy for unrelated shapes
is displacement interpolation: treat each picture as a distribution of mass and move the mass of
one to the other along the cheapest plan. Here the mass is each latent cell's detail (the root of
its mean squared Laplacian), so A's busy parts travel to where B's busy parts are: the rocket
bends and drifts towards the pagoda's side instead of standing while the pagoda covers it. The
plan is Sinkhorn's (entropic) with squared-distance cost, read as a barycentric map (where each
of A's cells sends its mass, on average), and halved: the halfway field carries A back by V and
B forward by V (field.py blurs it, so that neighbours move together).

Shapes: pictures (h', w', 3) uint8 at the working size; masses and fields on the latent grid
(h, w), a few hundred cells, so the plan is a (hw, hw) matrix of a few hundred thousand floats.
"""

from __future__ import annotations

import numpy as np
import torch

from vae_transition import tensors
from vae_transition.morph.compose import detail_energy

MASS_FLOOR = 0.05  # share of the mean mass every cell gets: flat regions still move somewhere
SINKHORN_ITERS = 200  # at eps = (2 cells)^2, within 0.1 cell of 1000 iterations on bench
                      # pairs (100: up to 0.6 cells off); ~0.05 s on one core


def detail_mass(picture: np.ndarray, h: int, w: int) -> torch.Tensor:
    """(h, w) float32 summing to 1: each latent cell's detail (root mean squared 3x3 Laplacian
    of the picture's RGB in [0, 1]), with a floor of MASS_FLOOR of the mean."""
    m = np.sqrt(detail_energy(tensors.to_float(picture), (w, h))).astype(np.float64)
    m = m + MASS_FLOOR * m.mean() + 1e-12
    return torch.from_numpy((m / m.sum()).astype(np.float32))


def cell_positions(h: int, w: int) -> torch.Tensor:
    """(h w, 2) (x, y) of every cell, row-major."""
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32),
                            torch.arange(w, dtype=torch.float32), indexing="ij")
    return torch.stack([xs.flatten(), ys.flatten()], 1)


def sinkhorn_map(mass_a: torch.Tensor, mass_b: torch.Tensor, eps: float,
                 iters: int = SINKHORN_ITERS) -> torch.Tensor:
    """(2, h, w) displacement in cells of each of A's cells to the barycentre of where the
    entropic plan (blur eps, cells^2) between the two (h, w) masses sends it.

    The kernel exp(-d^2 / eps) in float64: at eps = 4 its smallest entry, across a 32 x 19
    grid, is about 1e-150, which float32 would flush to 0 (a cell that must travel far would
    find no path), and the plain matrix-vector form is over ten times faster than log-domain
    updates (logsumexp over the whole plan each step)."""
    h, w = mass_a.shape
    pos = cell_positions(h, w).double()
    kernel = torch.exp(-torch.cdist(pos, pos).pow(2) / eps)
    a, b = mass_a.flatten().double(), mass_b.flatten().double()
    v = torch.ones_like(b)
    for _ in range(iters):
        u = a / (kernel @ v).clamp_min(1e-300)
        v = b / (kernel.T @ u).clamp_min(1e-300)
    plan = kernel * v[None]  # each row's scale u_i drops out of its barycentre
    target = (plan @ pos) / plan.sum(1, keepdim=True).clamp_min(1e-300)
    return (target - pos).T.reshape(2, h, w).float()


def debiased_map(mass_a: torch.Tensor, mass_b: torch.Tensor, eps: float) -> torch.Tensor:
    """sinkhorn_map(A, B) less sinkhorn_map(A, A): the entropic blur pulls every barycentre
    towards the middle of the mass (by 0.7 cells at the grid's edge at eps = 4, for A = B); the
    plan of A onto itself has that pull and nothing else."""
    return sinkhorn_map(mass_a, mass_b, eps) - sinkhorn_map(mass_a, mass_a, eps)


def halfway_plan(a_small: np.ndarray, b_small: np.ndarray, h: int, w: int,
                 eps_cells: float) -> torch.Tensor:
    """(2, h, w) halfway field, cells: half the displacement of the detail plan at blur
    eps_cells (the entropic plan spreads each cell's mass over about that radius)."""
    return 0.5 * debiased_map(detail_mass(a_small, h, w), detail_mass(b_small, h, w),
                              eps_cells ** 2)
