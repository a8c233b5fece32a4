"""Offline training images: scikit-image's and scikit-learn's bundled samples plus ffmpeg lavfi frames.

Nothing here touches the network: skimage images are read from the files physically present in
the installed package (its fetchers download some images, so they are never called), and the
synthetic frames come from ffmpeg's procedural sources piped as raw rgb24.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ffmpeg_scripts.locate import find_ffmpeg
from ffmpeg_scripts.samples import render_source
from vae_transition import tensors

# Photos kept out of training to measure reconstruction: a cat, a cup, a rocket launch.
HELD_OUT = ("chelsea", "coffee", "rocket")
# motorcycle_right is nearly motorcycle_left: training on both would only weight that scene twice.
SKIP = {"motorcycle_right"}
MIN_SIDE = 128  # smaller images (microaneurysms, 102x102) cannot give a crop at the scales we use

# ffmpeg procedural sources at SYNTH_SIZE; each gives SYNTH_FRAMES frames one second apart.
SYNTH_SIZE = (384, 256)  # (w, h)
SYNTH_FRAMES = 6
PLASMA = (
    "nullsrc=size={w}x{h}:rate=1,format=gbrp,"
    "geq=r='128+127*sin(X/23+T)*cos(Y/31)':g='128+127*sin((X+Y)/37+T*2)'"
    ":b='128+127*cos(hypot(X-W/2,Y-H/2)/19-T)'"
)
LAVFI_SOURCES = (
    "testsrc2=size={w}x{h}:rate=1",
    "smptehdbars=size={w}x{h}:rate=1",
    "rgbtestsrc=size={w}x{h}:rate=1",
    "mandelbrot=size={w}x{h}:rate=1",
    "life=size={w}x{h}:rate=1:mold=10:life_color=#ff8000:death_color=#002040:mold_color=#40a0ff",
    "cellauto=size={w}x{h}:rate=1:rule=110",
    "gradients=size={w}x{h}:rate=1:speed=0.1:n=4",
    "perlin=size={w}x{h}:rate=1:octaves=4:persistence=0.6",
    "sierpinski=size={w}x{h}:rate=1",
    "colorspectrum=size={w}x{h}:rate=1",
    PLASMA,
)


@dataclass(frozen=True)
class Image:
    name: str  # "skimage/astronaut", "sklearn/china", "lavfi/mandelbrot/3"
    pixels: np.ndarray  # (H, W, 3) uint8 RGB
    synthetic: bool  # procedural (ffmpeg) rather than a photo


def _as_rgb(img: np.ndarray) -> np.ndarray:
    """Any skimage image (grey, RGBA, uint16, float) -> (H, W, 3) uint8."""
    from skimage.util import img_as_ubyte

    img = img_as_ubyte(img)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, :3])


def skimage_images() -> list[Image]:
    """Every .png/.jpg photo shipped inside the installed scikit-image (no fetcher calls)."""
    import skimage
    from skimage.io import imread

    data_dir = Path(skimage.__file__).parent / "data"
    out = []
    for f in sorted(list(data_dir.glob("*.png")) + list(data_dir.glob("*.jpg"))):
        if f.stem in SKIP:
            continue
        img = _as_rgb(imread(f))
        if min(img.shape[:2]) >= MIN_SIDE:
            out.append(Image(f"skimage/{f.stem}", img, synthetic=False))
    return out


def sklearn_images() -> list[Image]:
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    return [Image(f"sklearn/{Path(n).stem}", np.ascontiguousarray(im), synthetic=False) for n, im in zip(bunch.filenames, bunch.images)]


def render_lavfi(source: str, size: tuple[int, int] = SYNTH_SIZE, frames: int = SYNTH_FRAMES) -> np.ndarray:
    """-> (frames, h, w, 3) uint8 frames of a lavfi source graph with {w} and {h} in it."""
    return render_source(find_ffmpeg(), source, size, frames)


def lavfi_images() -> list[Image]:
    out = []
    for source in LAVFI_SOURCES:
        name = source.split("=")[0]
        for i, frame in enumerate(render_lavfi(source)):
            out.append(Image(f"lavfi/{name}/{i}", frame, synthetic=True))
    return out


_CACHE: dict[str, list[Image]] = {}


def all_images() -> list[Image]:
    """Every source image, decoded once per process (cached in memory)."""
    if "all" not in _CACHE:
        _CACHE["all"] = skimage_images() + sklearn_images() + lavfi_images()
    return _CACHE["all"]


def _is_held_out(img: Image) -> bool:
    return img.name.split("/")[-1] in HELD_OUT


def train_images() -> list[Image]:
    return [im for im in all_images() if not _is_held_out(im)]


def held_out_images(long_side: int = 256, multiple: int = 8) -> list[Image]:
    """The held-out photos resized so the long side is ~long_side and both sides are multiples."""
    import skimage
    from skimage.io import imread

    data_dir = Path(skimage.__file__).parent / "data"
    out = []
    for name in HELD_OUT:
        (f,) = [p for p in data_dir.iterdir() if p.stem == name and p.suffix in (".png", ".jpg")]
        img = _as_rgb(imread(f))
        size = tensors.working_size(img.shape[1], img.shape[0], long_side, multiple)
        out.append(Image(f"skimage/{name}", tensors.resize(img, size), synthetic=False))
    return out


class CropSampler:
    """Random crops at random scales, horizontal flips and a small colour jitter; seeded."""

    def __init__(self, images: list[Image], crop: int, seed: int = 0, synthetic_share: float = 0.25):
        self.images = images
        self.crop = crop
        self.rng = np.random.default_rng(seed)
        self.weights = draw_weights(images, synthetic_share)

    def scaled_size(self, h: int, w: int) -> tuple[int, int]:
        """A random (w, h) to resize an h x w image to: long side log-uniform in [160, 512] px."""
        # the pipeline sees frames with a long side ~256: train on long sides in [160, 512]
        lo = max(self.crop / min(h, w), 160 / max(h, w))
        hi = max(lo, min(1.0, 512 / max(h, w)))
        s = float(np.exp(self.rng.uniform(np.log(lo), np.log(hi))))
        return max(self.crop, round(w * s)), max(self.crop, round(h * s))

    def _one(self) -> np.ndarray:
        """(crop, crop, 3) uint8 from one random image at a random scale."""
        img = self.images[self.rng.choice(len(self.images), p=self.weights)].pixels
        img = tensors.resize(img, self.scaled_size(*img.shape[:2]))
        y = self.rng.integers(0, img.shape[0] - self.crop + 1)
        x = self.rng.integers(0, img.shape[1] - self.crop + 1)
        out = img[y : y + self.crop, x : x + self.crop]
        return out[:, ::-1] if self.rng.random() < 0.5 else out

    def batch(self, n: int):
        """(n, 3, crop, crop) float32 in [0, 1]."""
        import torch

        x = tensors.frames_to_tensor([np.ascontiguousarray(self._one()) for _ in range(n)])
        return colour_jitter(x, torch.from_numpy(self.jitter_factors(n)))

    def jitter_factors(self, n: int) -> np.ndarray:
        """(3, n, 1, 1, 1) float32 brightness, contrast, saturation factors in [0.9, 1.1]."""
        return self.rng.uniform(0.9, 1.1, size=(3, n, 1, 1, 1)).astype(np.float32)


def draw_weights(images: list[Image], synthetic_share: float) -> np.ndarray:
    """(N,) draw probabilities: photos and procedural frames get fixed shares, whatever their counts."""
    synth = np.array([im.synthetic for im in images])
    w = np.where(synth, synthetic_share / max(synth.sum(), 1), (1 - synthetic_share) / max((~synth).sum(), 1))
    return w / w.sum()


def colour_jitter(x, j):
    """(n, 3, H, W) in [0, 1] with per-sample saturation, contrast, brightness factors j (3, n, 1, 1, 1)."""
    grey = x.mean(dim=1, keepdim=True)
    x = grey + (x - grey) * j[2]  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = mean + (x - mean) * j[1]  # contrast
    return (x * j[0]).clamp_(0.0, 1.0)  # brightness
