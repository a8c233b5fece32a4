"""Full-size morph frames: the decoder's picture, plus what it cannot hold, carried along the flow.

The decoder renders the in-between latent at the working size (long side ~256 px). Two things are
added back, both moved with the content they belong to (the transport's offsets):

- **the model's reconstruction error** of A (of B), at the working size, faded out over `fade` of
  the transition from its end: next to the clips the picture is the clips exactly, and in the
  middle it is what the VAE draws;
- **the detail band** above the working size (what a 256 px picture cannot hold), handed from A's
  to B's as each cell hands over, so a 1280x768 morph stays sharp.

Shapes: frames (H, W, 3) float32 in [0, 1]; offsets (2, h, w) in latent cells; shares (h, w).
"""

from __future__ import annotations

import numpy as np

from vae_transition import tensors
from vae_transition.morph.interpolate import ease

MAX_GAIN = 2.0  # the most the detail band's contrast is restored after resampling
STILL_BELOW = 0.1  # mean |B - A| (RGB in [0, 1], blurred) under which a region counts as still
# Share of a region's finest contrast (3x3 Laplacian energy) that lies above the working size:
# from GRAIN_FROM to GRAIN_FULL its detail counts more and more as grain. Pixel noise scores 0.92
# (a cellular automaton); photos, test cards and fractals stay under 0.81 (bench pairs).
GRAIN_FROM, GRAIN_FULL = 0.8, 0.9
GRAIN_CORE = 0.5  # a grain region counts only where it reaches this somewhere: a fractal's finest
                  # filaments score up to 0.47 in specks; they stay carried with their shapes
GRAIN_FLOOR = 1e-4  # energy under which neither side counts: where both are ~0 (a red-green
                    # edge has no mean-channel contrast) their ratio is noise


def end_fade(t: float, fade: float) -> float:
    """Weight of A's reconstruction error at time t: 1 at t = 0, eased to 0 at t = fade."""
    return float(ease(np.clip(1.0 - t / fade, 0.0, 1.0)))


def stillness(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(h, w, 1) in [0, 1]: 1 where A and B (float RGB at the working size) agree, 0 where they
    differ by STILL_BELOW or more. A region that does not change need not be redrawn."""
    import cv2

    diff = cv2.GaussianBlur(np.abs(b - a).mean(axis=2), (0, 0), 2.0)
    return np.clip(1.0 - diff / STILL_BELOW, 0.0, 1.0)[..., None].astype(np.float32)


def detail_weights(w: np.ndarray, detail: float, lead: np.ndarray | float = 0.0) -> np.ndarray:
    """B's share of the fine detail: switches over `detail` of a cell's hand-over, inside it.

    lead in [-1, 1] moves the switch from the middle of the hand-over towards its start (> 0: B's
    detail comes in early) or its end (< 0: A's stays late); at +-1 it reaches the start or end.
    """
    if detail >= 1.0:
        return w.astype(np.float32)
    centre = 0.5 - np.clip(lead, -1.0, 1.0) * (0.5 - detail / 2)
    return ease(np.clip((w - centre) / max(detail, 1e-3) + 0.5, 0.0, 1.0)).astype(np.float32)


def detail_energy(fine: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, 3) detail band -> its mean squared 3x3 Laplacian over a grid of `size` (w, h)."""
    import cv2

    lap = cv2.Laplacian(np.ascontiguousarray(fine.mean(axis=2)), cv2.CV_32F, ksize=1)
    return tensors.resize(lap * lap, size)


def richer_lead(energy_a: np.ndarray, energy_b: np.ndarray, lead: float) -> np.ndarray:
    """(h, w) lead for detail_weights: lead (E_B - E_A) / (E_A + E_B), so +lead where only B has
    detail, -lead where only A has, 0 where both have as much.

    Where one side is detailed and the other smooth (a plasma's soft waves into a Mandelbrot's
    filaments), a switch mid-way shows the smooth side's detail, none, for half of every cell's
    hand-over, and the middle of the morph looks blurred: the richer side's detail keeps the
    cell for most of it.
    """
    return (lead * (energy_b - energy_a) / (energy_a + energy_b + 1e-12)).astype(np.float32)


def grain_share(energy_fine: np.ndarray, small: np.ndarray) -> np.ndarray:
    """(h, w) in [0, 1]: how much of the detail band is grain, from its detail_energy (h, w) and
    the working-size picture `small` (h, w, 3) it belongs to.

    Grain is contrast that lives almost only above the working size (pixel noise, film grain):
    nothing in the picture's shapes registers it, so carried along the flow it is stretched
    into streaks and, moving a pixel or more per frame, it boils. It is handed over nearly in
    place instead (Composer._grain).
    """
    import cv2

    lap = cv2.Laplacian(np.ascontiguousarray(small.mean(axis=2)), cv2.CV_32F, ksize=1)
    e_fine, e_small = (cv2.GaussianBlur(e, (0, 0), 4.0) for e in (energy_fine, lap * lap))
    share = e_fine / (e_fine + e_small + GRAIN_FLOOR)   # blurred: over about a latent cell
    grain = np.clip((share - GRAIN_FROM) / (GRAIN_FULL - GRAIN_FROM), 0.0, 1.0).astype(np.float32)
    count, labels = cv2.connectedComponents((grain > 0).astype(np.uint8), connectivity=8)
    core = np.zeros(count, bool)
    core[np.unique(labels[grain >= GRAIN_CORE])] = True
    core[0] = False  # the background (no grain)
    return grain * core[labels]


def split_grain(fine: np.ndarray, small: np.ndarray, energy: np.ndarray):
    """(the detail band without its grain, the grain or None, its box (top, bottom, left,
    right) or None) for one side: fine (H, W, 3), its picture `small` and detail_energy."""
    share = grain_share(energy, small)
    if share.max() < 1e-3:
        return fine, None, None
    share = np.clip(tensors.resize(share, fine.shape[1::-1]), 0.0, 1.0)  # cubic overshoots
    grain = fine * share[..., None]
    rows, cols = np.nonzero(share.max(axis=1))[0], np.nonzero(share.max(axis=0))[0]
    return fine - grain, grain, (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)


def unsqueezed(offset: np.ndarray) -> np.ndarray:
    """(h, w) in [0, 1]: 1 where the carry squeezes the detail into no less than half its area,
    falling to 0 at a quarter. Detail squeezed that hard turns into moire ripples (roof tiles
    into contour lines), so it gives way to the decoder's own picture; stretched detail is kept."""
    gy_x, gx_x = np.gradient(offset[0])
    gy_y, gx_y = np.gradient(offset[1])
    area = (1.0 + gx_x) * (1.0 + gy_y) - gy_x * gx_y   # source area per output area
    return np.clip(2.0 - area / 2.0, 0.0, 1.0).astype(np.float32)


class Carrier:
    """Samples images of one size at pixel + offset (offsets in latent cells, upsampled)."""

    def __init__(self, width: int, height: int):
        self.size = (width, height)
        self.gx, self.gy = np.meshgrid(np.arange(width, dtype=np.float32),
                                       np.arange(height, dtype=np.float32))

    def maps(self, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(map_x, map_y) for cv2.remap: each pixel's source position, px."""
        import cv2

        (w, h), (_, ch, cw) = self.size, offset.shape
        ox = cv2.resize(np.ascontiguousarray(offset[0]), (w, h), interpolation=cv2.INTER_LINEAR)
        oy = cv2.resize(np.ascontiguousarray(offset[1]), (w, h), interpolation=cv2.INTER_LINEAR)
        return self.gx + ox * (w / cw), self.gy + oy * (h / ch)

    def landing(self, box, offset: np.ndarray) -> tuple[slice, slice]:
        """(rows, cols) of the output that content inside box (top, bottom, left, right; None:
        the whole image) can reach when carried by offset: the box grown by the largest move."""
        if box is None:
            return slice(None), slice(None)
        (w, h), (_, ch, cw) = self.size, offset.shape
        # + 2 px: the cubic kernel reaches two pixels beyond where it samples
        pad_x = int(np.ceil(np.abs(offset[0]).max() * w / cw)) + 2
        pad_y = int(np.ceil(np.abs(offset[1]).max() * h / ch)) + 2
        top, bottom, left, right = box
        return (slice(max(top - pad_y, 0), min(bottom + pad_y, h)),
                slice(max(left - pad_x, 0), min(right + pad_x, w)))

    def carry(self, img: np.ndarray, maps, interpolation: str = "INTER_CUBIC") -> np.ndarray:
        """img (a correction or a detail band, zero mean) sampled at maps; 0 outside the frame,
        since repeating the edge row would draw streaks from the border."""
        import cv2

        return cv2.remap(img, maps[0], maps[1], getattr(cv2, interpolation),
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def carry_detail(self, detail: np.ndarray, maps) -> np.ndarray:
        """carry() for the detail band, with its contrast kept.

        Resampling at fractional offsets is a low-pass filter: binary noise carried a quarter
        pixel keeps 75 % of its Laplacian variance, half a pixel 52 % (Lanczos: 85 %, 69 %), and
        a texture would visibly soften while it travels. The loss is measured on one channel
        against the same carry by nearest neighbour (every value kept, so the contrast, but
        jagged) and given back by an unsharp mask of that gain, at most MAX_GAIN: 99 % at a
        quarter pixel, 60 % at half (tests/test_compose.py). On the quality bench this makes
        cubic sampling as sharp as Lanczos (mid sharpness within 0.02) in 2/3 of the time.
        """
        import cv2

        moved = self.carry(detail, maps, "INTER_CUBIC")
        energy_crisp = energy_moved = 0.0
        for rows in _sample_strips(moved.shape[0]):  # a quarter of the rows: same estimate
            crisp = self.carry(detail, (maps[0][rows], maps[1][rows]), "INTER_NEAREST")
            energy_crisp += _laplacian_energy(np.ascontiguousarray(crisp[..., 1]))
            energy_moved += _laplacian_energy(np.ascontiguousarray(moved[rows, :, 1]))
        ratio = energy_crisp / max(energy_moved, 1e-12)
        gain = float(np.clip(np.sqrt(ratio), 1.0, MAX_GAIN))
        if gain <= 1.001:
            return moved
        # moved + (gain - 1) (moved - blur(moved)), in one pass
        return cv2.addWeighted(moved, gain, cv2.GaussianBlur(moved, (0, 0), 1.0), 1.0 - gain, 0.0)


def _sample_strips(height: int, strip: int = 32, every: int = 128) -> list[slice]:
    """Row strips, `strip` rows every `every`, over which carry_detail measures its loss: a
    quarter of the frame, spread over all of it (the whole frame if it is small)."""
    if height < 2 * every:
        return [slice(None)]
    return [slice(top, min(top + strip, height)) for top in range(0, height, every)]


def _laplacian_energy(channel: np.ndarray) -> float:
    """Variance of the 3x3 Laplacian of one (H, W) channel: its finest contrast."""
    import cv2

    return float(cv2.Laplacian(channel, cv2.CV_32F, ksize=1).var())


class Composer:
    """Turns a decoded working-size frame and the transport state into a frame of one size."""

    def __init__(self, a: np.ndarray, b: np.ndarray, rec_a: np.ndarray, rec_b: np.ndarray,
                 fade: float, detail: float, lead: float = 0.0, drift: float = 1.0):
        """a, b: (H, W, 3) uint8 at the output size; rec_a, rec_b: (h, w, 3) decodes of z_A, z_B.
        At the working size itself there is no detail band: the frame is the base alone.
        drift: how far grain travels, as a share of its content's travel (1: carried in full)."""
        self.size = (a.shape[1], a.shape[0])
        work = (rec_a.shape[1], rec_a.shape[0])
        fa, fb = tensors.to_float(a), tensors.to_float(b)
        small_a, small_b = tensors.resize(fa, work), tensors.resize(fb, work)
        self.err_a, self.err_b = small_a - rec_a, small_b - rec_b       # the model's error
        self.still = stillness(small_a, small_b)
        self.work = Carrier(*work)
        self.full = Carrier(*self.size) if self.size != work else None
        self.grain, self.grain_boxes = None, (None, None)   # (A's, B's) when either has grain
        if self.full is not None:
            self.fine_a = fa - tensors.resize(small_a, self.size)        # detail above work size
            self.fine_b = fb - tensors.resize(small_b, self.size)
            # where each side's detail is, at the working size, to be read at the carried cells
            self.energy = (detail_energy(self.fine_a, work), detail_energy(self.fine_b, work))
            if drift < 1.0:
                (self.fine_a, grain_a, box_a), (self.fine_b, grain_b, box_b) = (
                    split_grain(fine, small, energy) for fine, small, energy
                    in zip((self.fine_a, self.fine_b), (small_a, small_b), self.energy))
                if grain_a is not None or grain_b is not None:
                    self.grain, self.grain_boxes = (grain_a, grain_b), (box_a, box_b)
        self.fade, self.detail, self.lead, self.drift = fade, detail, lead, drift

    def __call__(self, t: float, decoded: np.ndarray, state) -> np.ndarray:
        """(h, w, 3) decode at time t and Transport.at(t) -> (H, W, 3) float32 frame."""
        _, off_a, off_b, share = (s.cpu().numpy() if hasattr(s, "cpu") else s for s in state)
        w = self.work
        # the error fades out near the ends; where A and B agree it is handed over instead, so
        # a region that does not change keeps its sharpness rather than showing the decoder's
        keep_a = (1.0 - self.still) * end_fade(t, self.fade) + self.still * (1.0 - t)
        keep_b = (1.0 - self.still) * end_fade(1.0 - t, self.fade) + self.still * t
        base = (decoded + keep_a * w.carry(self.err_a, w.maps(off_a))
                + keep_b * w.carry(self.err_b, w.maps(off_b)))
        if self.full is None:
            return base
        out = tensors.resize(base, self.size) + self._detail(off_a, off_b, share)
        return out if self.grain is None else out + self._grain(off_a, off_b, share)

    def _detail(self, off_a: np.ndarray, off_b: np.ndarray, share: np.ndarray) -> np.ndarray:
        """(H, W, 3) the two detail bands, carried and handed over cell by cell."""
        wd = detail_weights(share, self.detail, self._lead(off_a, off_b))
        return self._hand_over(wd, (self.fine_a, self.fine_b), (off_a, off_b), squeeze=True)

    def _grain(self, off_a: np.ndarray, off_b: np.ndarray, share: np.ndarray) -> np.ndarray:
        """(H, W, 3) the two grains, handed over across each cell's whole hand-over, each
        drifting `drift` of its content's travel: a fraction of a pixel per frame, so it does
        not boil, yet it settles into place rather than dissolving per pixel."""
        offsets = (off_a * self.drift, off_b * self.drift)
        return self._hand_over(share, self.grain, offsets, squeeze=False, boxes=self.grain_boxes)

    def _hand_over(self, w_b: np.ndarray, bands, offsets, squeeze: bool,
                   boxes=(None, None)) -> np.ndarray:
        """(H, W, 3) bands (A's, B's; None: nothing) carried by offsets, B's with weight w_b
        (h, w) per cell; squeeze: fade detail out where the carry squeezes it (unsqueezed).
        boxes: (top, bottom, left, right) outside which a band is 0 (None: anywhere)."""
        # variance-preserving hand-over: two uncorrelated textures mixed 1:1 keep their contrast
        # (a plain mix halves it: the crossfade's washed-out middle)
        norm = np.sqrt((1.0 - w_b) ** 2 + w_b ** 2)
        out = np.zeros((self.size[1], self.size[0], 3), np.float32)
        for keep, band, off, box in zip(((1.0 - w_b) / norm, w_b / norm), bands, offsets, boxes):
            keep = keep * unsqueezed(off) if squeeze else keep
            if band is None or keep.max() < 1e-4:  # not shown yet (or any more): skip its
                continue                           # full-size carry, a third of a frame's time
            region = self.full.landing(box, off)
            moved = self.full.carry_detail(band, tuple(m[region] for m in self.full.maps(off)))
            moved *= tensors.resize(keep, self.size)[region][..., None]  # in place: a fresh array
            out[region] += moved
        return out

    def _lead(self, off_a: np.ndarray, off_b: np.ndarray) -> np.ndarray:
        """(h, w) richer_lead per cell, from each side's detail energy where its content is."""
        import cv2

        cells = Carrier(off_a.shape[2], off_a.shape[1])
        energy_a, energy_b = (
            cv2.remap(tensors.resize(energy, cells.size), *cells.maps(off), cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)
            for energy, off in zip(self.energy, (off_a, off_b)))
        return richer_lead(energy_a, energy_b, self.lead)
