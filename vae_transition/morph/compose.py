"""Full-size morph frames: the decoder draws the shapes, the clips' own detail is carried along.

The decoder renders the in-between latent at the working size (long side ~256 px). The frame is
split at `cut` of the working size (half by default):

- **below the cut, the decoder's picture**: the in-between shapes and colour masses are what the
  VAE draws. Near the ends the model's reconstruction error of A (of B) is added back, carried
  with its content and faded out over `fade` of the transition from its end, so next to the
  clips the picture is the clips exactly; where A and B agree it stays (nothing to redraw);
- **above the cut, the clips' own detail**: A's and B's finer detail, carried along the same
  field as their content and handed over with each place's share, so the frames stay sharp
  at any output size without the decoder inventing texture it cannot hold.

Shapes: frames (H, W, 3) float32 in [0, 1]; offsets (2, h, w) in latent cells; shares (h, w).
"""

from __future__ import annotations

import numpy as np

from vae_transition import tensors
from vae_transition.morph.interpolate import ease

MAX_GAIN = 2.0  # the most the detail band's contrast is restored after resampling
STILL_BELOW = 0.1  # mean |B - A| (RGB in [0, 1], blurred) under which a region counts as still
MIN_CUT = 8  # px: the decoder's band keeps at least this long a side
SHUTTER_STEP = 1.0  # px at the output size between the positions a shutter's blur averages
MAX_SHUTTER_SAMPLES = 8  # the most positions a blurred frame's detail is carried to


def end_fade(t: float, fade: float) -> float:
    """Weight of A's reconstruction error at time t: 1 at t = 0, eased to 0 at t = fade."""
    return float(ease(np.clip(1.0 - t / fade, 0.0, 1.0)))


def stillness(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(h, w, 1) in [0, 1]: 1 where A and B (float RGB at the working size) agree, 0 where they
    differ by STILL_BELOW or more. A region that does not change need not be redrawn."""
    import cv2

    diff = cv2.GaussianBlur(np.abs(b - a).mean(axis=2), (0, 0), 2.0)
    return np.clip(1.0 - diff / STILL_BELOW, 0.0, 1.0)[..., None].astype(np.float32)


def detail_energy(fine: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, 3) detail band -> its mean squared 3x3 Laplacian over a grid of `size` (w, h)."""
    import cv2

    lap = cv2.Laplacian(np.ascontiguousarray(fine.mean(axis=2)), cv2.CV_32F, ksize=1)
    return tensors.resize(lap * lap, size)


def cut_size(work: tuple[int, int], cut: float) -> tuple[int, int]:
    """(w, h) of the decoder's band: `cut` of the working size (w, h), at least MIN_CUT a side."""
    return max(MIN_CUT, round(work[0] * cut)), max(MIN_CUT, round(work[1] * cut))


def band_above(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, 3) float: what `img` holds above `size` (w, h): itself minus its copy at size."""
    return img - tensors.resize(tensors.resize(img, size), (img.shape[1], img.shape[0]))


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
        # scaled to pixels while small: resizing is linear, and the full-size product is a pass
        # over every pixel saved
        off = offset.astype(np.float32, copy=False)
        ox = cv2.resize(off[0] * np.float32(w / cw), (w, h), interpolation=cv2.INTER_LINEAR)
        oy = cv2.resize(off[1] * np.float32(h / ch), (w, h), interpolation=cv2.INTER_LINEAR)
        return self.gx + ox, self.gy + oy

    def carry(self, img: np.ndarray, maps, interpolation: str = "INTER_CUBIC",
              edge: bool = False) -> np.ndarray:
        """img (a correction or a detail band, zero mean) sampled at maps; 0 outside the frame,
        since repeating the edge row would draw streaks from the border. edge: a picture, whose
        edge is repeated instead (it moves a fraction of a pixel, no streak)."""
        import cv2

        border = cv2.BORDER_REPLICATE if edge else cv2.BORDER_CONSTANT
        return cv2.remap(img, maps[0], maps[1], getattr(cv2, interpolation), borderMode=border,
                         borderValue=0)

    def carry_detail(self, detail: np.ndarray, maps) -> np.ndarray:
        """carry() for the detail band, with its contrast kept.

        Resampling at fractional offsets is a low-pass filter: binary noise carried a quarter
        pixel keeps 75 % of its Laplacian variance, half a pixel 52 %, and a texture would
        visibly soften while it travels (and sharpen each time it lands on whole pixels). The
        loss is measured on one channel against the same carry by nearest neighbour (every value
        kept, so the contrast, but jagged) and given back by an unsharp mask of that gain, at
        most MAX_GAIN: 99 % at a quarter pixel, 60 % at half (tests/test_compose.py).
        """
        import cv2

        moved, gain = self.carry_lossy(detail, maps)
        if gain <= 1.001:
            return moved
        # moved + (gain - 1) (moved - blur(moved)), in one pass
        return cv2.addWeighted(moved, gain, cv2.GaussianBlur(moved, (0, 0), 1.0), 1.0 - gain, 0.0)

    def carry_lossy(self, detail: np.ndarray, maps) -> tuple[np.ndarray, float]:
        """(the band carried by cubic resampling, the contrast gain that gives back what the
        resampling took: >= 1, at most MAX_GAIN); carry_detail() applies the gain."""
        moved = self.carry(detail, maps, "INTER_CUBIC")
        energy_crisp = energy_moved = 0.0
        for rows in _sample_strips(moved.shape[0]):  # a quarter of the rows: same estimate
            crisp = self.carry(detail, (maps[0][rows], maps[1][rows]), "INTER_NEAREST")
            energy_crisp += _laplacian_energy(np.ascontiguousarray(crisp[..., 1]))
            energy_moved += _laplacian_energy(np.ascontiguousarray(moved[rows, :, 1]))
        return moved, float(np.clip(np.sqrt(energy_crisp / max(energy_moved, 1e-12)), 1.0,
                                    MAX_GAIN))


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
                 fade: float, cut: float = 0.5, drift: float = 1.0):
        """a, b: (H, W, 3) uint8 at the output size; rec_a, rec_b: (h, w, 3) decodes of z_A, z_B
        at the working size (w, h); cut in (0, 1]: the decoder's band ends at cut * (w, h)."""
        self.size = (a.shape[1], a.shape[0])
        work = (rec_a.shape[1], rec_a.shape[0])
        fa, fb = tensors.to_float(a), tensors.to_float(b)
        small_a, small_b = tensors.resize(fa, work), tensors.resize(fb, work)
        self.err_a, self.err_b = small_a - rec_a, small_b - rec_b       # the model's error
        self.small_a, self.small_b = small_a, small_b
        self.work, self.full = Carrier(*work), Carrier(*self.size)
        self.cut = cut_size(work, cut)
        self.fine_a, self.fine_b = band_above(fa, self.cut), band_above(fb, self.cut)
        self.fade, self.drift = fade, drift

    def __call__(self, t: float, decoded: np.ndarray, state, smear=None) -> np.ndarray:
        """(h, w, 3) decode at time t and Transport.at(t) -> (H, W, 3) float32 frame.
        smear (2, h, w), cells: how far the source offsets change while the shutter is open
        (vae.smear_at; None: an instant); the carried detail is averaged along it (motion
        blur). The decoder's band holds nothing a frame's travel (a few px at the working
        size) would visibly smear."""
        import cv2

        _, off_a, off_b, share = (s.cpu().numpy() if hasattr(s, "cpu") else s for s in state)
        w = self.work
        maps_a, maps_b = w.maps(off_a), w.maps(off_b)
        # the error fades out near the ends; where A and B, each carried along the field, agree
        # (a region the field moves without changing it: a pan, a zoom, a still background),
        # it is handed over instead, so that region keeps its sharpness rather than showing
        # the decoder's redrawing
        still = stillness(w.carry(self.small_a, maps_a, "INTER_LINEAR"),
                          w.carry(self.small_b, maps_b, "INTER_LINEAR"))
        s = tensors.resize(share.astype(np.float32), w.size)[..., None]
        keep_a = (1.0 - still) * end_fade(t, self.fade) + still * (1.0 - s)
        keep_b = (1.0 - still) * end_fade(1.0 - t, self.fade) + still * s
        base = (decoded + keep_a * w.carry(self.err_a, maps_a) + keep_b * w.carry(self.err_b, maps_b))
        low = tensors.resize(tensors.resize(base, self.cut), self.size)
        smear = None if smear is None else smear * self.drift
        return cv2.add(low, self._detail(off_a * self.drift, off_b * self.drift, share, smear))

    def shutter_positions(self, smear) -> np.ndarray:
        """Shares of smear, centred on the frame's instant, at which the detail is carried:
        [0] for an instant (or a smear under a pixel), else one position every SHUTTER_STEP
        output px along the longest smear, at most MAX_SHUTTER_SAMPLES."""
        if smear is None:
            return np.zeros(1)
        _, ch, cw = smear.shape
        px = np.hypot(smear[0] * (self.size[0] / cw), smear[1] * (self.size[1] / ch)).max()
        count = int(np.clip(np.ceil(px / SHUTTER_STEP) + 1, 1, MAX_SHUTTER_SAMPLES))
        return np.linspace(-0.5, 0.5, count) if count > 1 else np.zeros(1)

    def carried_band(self, band: np.ndarray, off: np.ndarray, smear) -> tuple[np.ndarray, float]:
        """carry_lossy() of a detail band to off, averaged over the shutter's positions along
        smear: (the band, the contrast gain, measured at the first position: the others
        resample at other fractions of a pixel, by the same kernel)."""
        positions = self.shutter_positions(smear)
        first = off if smear is None else off + np.float32(positions[0]) * smear
        moved, gain = self.full.carry_lossy(band, self.full.maps(first))
        for s in positions[1:]:
            moved += self.full.carry(band, self.full.maps(off + np.float32(s) * smear))
        if len(positions) > 1:
            moved *= np.float32(1.0 / len(positions))
        return moved, gain

    def _detail(self, off_a: np.ndarray, off_b: np.ndarray, share: np.ndarray,
                smear=None) -> np.ndarray:
        """(H, W, 3) A's and B's detail bands, each carried with its content, B's with weight
        share (h, w) per place: a plain (monotone) hand-over, since a variance-keeping one makes
        each pixel overshoot and come back, which reads as flicker."""
        import cv2

        shown, gains = [], []
        for keep, band, off in ((1.0 - share, self.fine_a, off_a), (share, self.fine_b, off_b)):
            keep = keep * unsqueezed(off)
            if keep.max() < 1e-4:  # not shown yet (or any more): skip its full-size carry
                continue
            moved, gain = self.carried_band(band, off, smear)
            shown.append(cv2.multiply(moved, self._spread(keep)))
            gains.append(gain if gain > 1.001 else 1.0)
        if not shown:
            return np.zeros((self.size[1], self.size[0], 3), np.float32)
        # carry_detail()'s unsharp mask, sum g keep band - blur(sum (g - 1) keep band), with
        # one blur for both bands: blur(keep band) = keep blur(band) where the keep maps are
        # smooth next to the 1 px blur (exact for even ones; frames within 0.02 of a level)
        out = _weighted(shown, gains)
        if max(gains) == 1.0:
            return out
        return cv2.subtract(out, cv2.GaussianBlur(_weighted(shown, [g - 1.0 for g in gains]),
                                                  (0, 0), 1.0))

    def _spread(self, keep: np.ndarray) -> np.ndarray:
        """(h, w) weights -> (H, W, 3) float32 at the output size, one per channel: OpenCV
        multiplies same-shaped arrays on all cores, numpy's broadcast runs on one (5 ms a
        1280x768 frame against 1)."""
        import cv2

        full = tensors.resize(keep.astype(np.float32), self.size)
        return cv2.merge([full, full, full])


def _weighted(images: list[np.ndarray], weights: list[float]) -> np.ndarray:
    """sum w_i images_i for one or two (H, W, 3) float32 images, in one pass."""
    import cv2

    if len(images) == 1:
        return images[0] * np.float32(weights[0])
    return cv2.addWeighted(images[0], weights[0], images[1], weights[1], 0.0)
