"""Latent transport: both latents bend along one smooth field towards each other and hand over.

A lerp in place (every cell of z_A fading into the cell of z_B at the same position) decodes to a
dissolve. Here the halfway field V (field.py) says where each piece of A's content goes in B:
A's content at p - V(p) corresponds to B's at p + V(p). At time t, A's latent is read a share
2 tr(t) of the way back along V and B's the rest of the way, 2 (1 - tr(t)), so both are carried
towards each other's geometry, exactly A at t = 0 and exactly B at t = 1 (tr is the eased travel).
Each place then hands over from A's content to B's in a short window of its own; the windows
follow an order that is smooth over several cells, so the hand-over spreads through connected
regions as a front, instead of a mosaic of cells switching at random moments. The decoder draws
the result: a shape stretches and flows into another.

Positions and offsets are in latent cells; the grid is (h, w).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vae_transition.morph.field import FieldConfig, fit_field, grid_picture, sample
from vae_transition.morph.interpolate import ease, local_weights, mix_rows, schedule, slerp_rows
from vae_transition.morph.phases import plain

# Detail energy (mean squared 3x3 Laplacian, RGB in [0, 1]) under which a place counts as flat in
# richness(): 8-bit noise on a flat area scores ~3e-5, an edge through a cell ~1e-2.
RICH_FLOOR = 1e-4


@dataclass(frozen=True)
class TransportConfig:
    """How the latents bend and hand over."""

    field: FieldConfig = field(default_factory=FieldConfig)  # the halfway field's fit
    softness: float = 0.2    # share of the transition over which each place hands over to B:
                             # short, so that at any moment most of the frame is one picture
    smooth: float = 3.0      # blur of the field that orders the hand-overs, cells: regions,
                             # not cells, hand over together
    noise: float = 1.0       # weight of seeded low-frequency noise in that order, >= 0
    richer: float = 4.0      # weight of detail richness in that order (see richness), >= 0;
                             # 12 met more goals in memory (3 misses against 4) but lands B's
                             # detail over A's still-whole shapes: a double exposure
    regions: bool = True     # the order is smoothed within the halfway picture's regions, so
                             # that a region hands over as a whole (interpolate.guided_filter)
    ease: float = 0.5        # how much the travel eases in and out (0: constant speed, 1:
                             # smoothstep); fast fine texture reads as flicker, so the peak
                             # speed stays near the mean
    carry: str = "bicubic"   # how the latents are resampled as they travel: bilinear
                             # averages two cells at half a cell, and the decoder draws that
                             # average soft (a quarter-size Laplacian of 0.41-0.65 of the
                             # unmoved decode's on three bench pairs; bicubic 0.69-0.91)


@dataclass(frozen=True)
class Transport:
    """The halfway field and when each place hands over from A to B."""

    za: object                # (C, P h, P w) A's phase grid (phases.py; its latent for P = 1)
    zb: object                # (C, P h, P w) B's phase grid
    field: object             # (2, h, w) halfway field V, cells
    tau: np.ndarray           # (h, w) start of each place's hand-over, in [0, 1]
    softness: float
    ease: float               # TransportConfig.ease
    carry: str = "bicubic"    # TransportConfig.carry
    phases: int = 1           # P of the phase grids za, zb

    def travelled(self, t: float) -> float:
        """Share of the way the content has travelled at time t: 0 at t = 0, 1 at t = 1."""
        return float((1.0 - self.ease) * t + self.ease * ease(np.float64(t)))

    def share(self, t: float) -> np.ndarray:
        """(h, w) B's share of each place at time t, eased, in [0, 1]."""
        return local_weights(self.tau, t, self.softness)

    def at(self, t: float, slerp: bool = False, moved=None):
        """State at time t: (latent (C, h, w), offset to A's source (2, h, w), offset to B's
        source (2, h, w), B's share (h, w)); offsets in cells, from each place to where its
        content is in A / in B (0 at t = 0 / t = 1). moved(off_a, off_b) -> (A's latent, B's
        latent) carried by those offsets, if given (phases.encode_moved); else the phase grids
        are read there."""
        import torch

        tr = self.travelled(t)
        off_a, off_b = -2.0 * tr * self.field, 2.0 * (1.0 - tr) * self.field
        if moved is not None:
            a, b = moved(off_a, off_b)
        else:
            a = sample(self.za, off_a, self.carry, self.phases)
            b = sample(self.zb, off_b, self.carry, self.phases)
        share = torch.from_numpy(self.share(t)).to(a)
        c, h, w = a.shape
        rows = (slerp_rows if slerp else mix_rows)(a.reshape(c, -1).T, b.reshape(c, -1).T,
                                                   share.reshape(-1, 1))
        return rows.T.reshape(c, h, w), off_a, off_b, share


def build(za, zb, a_small: np.ndarray, b_small: np.ndarray, cfg: TransportConfig, seed: int,
          mass: np.ndarray | None = None,
          energy: tuple[np.ndarray, np.ndarray] | None = None, phases: int = 1) -> Transport:
    """Fit the halfway field between z_A and z_B (their working-size pictures a_small, b_small,
    uint8) and schedule the hand-overs. za, zb: the latents (C, h, w), or their phase grids
    (C, P h, P w) with phases = P (phases.py), which the carry then reads.

    mass (h, w): each place's share of the visible change (spaces the hand-overs evenly).
    energy (E_A, E_B), each (h, w): where each side has fine detail; see richness().
    """
    grids = (za, zb)
    za, zb = plain(za, phases), plain(zb, phases)
    v = fit_field(za, zb, a_small, b_small, cfg.field).to(za)
    bias = None if energy is None else cfg.richer * richness(energy, v)
    guide = halfway_picture(a_small, b_small, v) if cfg.regions else None
    tau = schedule(sample(za, -v), sample(zb, v), mass=mass, smooth=cfg.smooth, noise=cfg.noise,
                   seed=seed, bias=bias, guide=guide)
    return Transport(*grids, v, tau, cfg.softness, cfg.ease, cfg.carry, phases)


def halfway_picture(a_small: np.ndarray, b_small: np.ndarray, v) -> np.ndarray:
    """(h, w, 3) in [0, 1]: A and B at the latent grid, each moved to the halfway geometry, mixed."""
    h, w = v.shape[-2:]
    pics = [grid_picture(x, h, w).to(v) for x in (a_small, b_small)]
    mid = 0.5 * (sample(pics[0], -v) + sample(pics[1], v))
    return mid.permute(1, 2, 0).cpu().numpy()


def richness(energy: tuple[np.ndarray, np.ndarray], v) -> np.ndarray:
    """(h, w) in [-1, 1]: (E_B - E_A) / (E_A + E_B + RICH_FLOOR) of the two places the halfway
    field pairs (A's at p - V, B's at p + V).

    As an order bias, +1 (flat A content becomes detailed B content) hands over early: B's detail
    arrives while its shapes still travel; -1 (detail becomes flat) late: A's detail stays. The
    middle of the morph holds the richer side's detail.
    """
    import torch

    e_a, e_b = (torch.from_numpy(np.ascontiguousarray(e, dtype=np.float32))[None].to(v)
                for e in energy)
    e_a, e_b = sample(e_a, -v)[0], sample(e_b, v)[0]
    return ((e_b - e_a) / (e_a + e_b + RICH_FLOOR)).cpu().numpy().astype(np.float32)
