"""A training set in one .npz file: built here with ffmpeg, loaded anywhere with numpy only.

    python -m vae_transition.train.datafile --out gpu_data/train.npz      # build (needs ffmpeg, skimage)
    vae-transition train --data gpu_data/train.npz ...                # train (no ffmpeg needed)

The file holds every training photo of dataset.py (long side capped at MAX_SIDE: the crop sampler
never looks at a photo above a 512 px long side) and many more procedural frames than the default
set: each lavfi source of dataset.py and EXTRA_SOURCES at FRAMES times, exact repeats dropped.
Images are ragged, so the pixels are one flat uint8 array plus a (N, 3) shape table, with a
SHA-256 of the pixels that load_images() checks before anything is used.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

from vae_transition import outputs, tensors
from vae_transition.train import dataset

FORMAT = "vae-transition-images/1"
MAX_SIDE = 512  # the sampler's largest long side (dataset.CropSampler)
FRAMES = 20  # frames per procedural source, one second apart (rate=1)
_PLASMA = "nullsrc=size={{w}}x{{h}}:rate=1,format=gbrp,geq=r='{r}':g='{g}':b='{b}'"
# (name, lavfi graph at {w}x{h}); fixed-size sources are scaled (ffmpeg_scripts.samples)
EXTRA_SOURCES = (
    ("testsrc", "testsrc=size={w}x{h}:rate=1"),
    ("smptebars", "smptebars=size={w}x{h}:rate=1"),
    ("pal75bars", "pal75bars=size={w}x{h}:rate=1"),
    ("yuvtestsrc", "yuvtestsrc=size={w}x{h}:rate=1"),
    ("colorchart", "colorchart=rate=1:patch_size=48x48"),
    ("haldclutsrc", "haldclutsrc=level=6:rate=1"),
    ("mptestsrc", "mptestsrc=rate=1"),
    ("zoneplate-a", "zoneplate=size={w}x{h}:rate=1:kx2=200:ky2=200:kt=3"),
    ("zoneplate-b", "zoneplate=size={w}x{h}:rate=1:kx=100:ky=60:kxy=64:kt2=5"),
    ("perlin-s1", "perlin=size={w}x{h}:rate=1:octaves=6:persistence=0.5:xscale=0.3:yscale=0.3:random_mode=2:seed=1"),
    ("perlin-s2", "perlin=size={w}x{h}:rate=1:octaves=3:persistence=0.8:xscale=2:yscale=2:random_mode=2:seed=7"),
    ("perlin-hue", "perlin=size={w}x{h}:rate=1:octaves=5:random_mode=2:seed=3,hue=H=2*PI*t/7:s=2"),
    ("mandelbrot-deep", "mandelbrot=size={w}x{h}:rate=1:start_x=-0.743643887:start_y=0.131825904:start_scale=0.01:end_scale=1e-5:end_pts=30:outer=normalized_iteration_count"),
    ("mandelbrot-morph", "mandelbrot=size={w}x{h}:rate=1:start_scale=1.5:end_scale=0.05:end_pts=30:inner=period:outer=iteration_count"),
    ("life-b", "life=size={w}x{h}:rate=1:rule=B36/S23:ratio=0.4:life_color=#e0e040:death_color=#101060:mold=20:mold_color=#a02020"),
    ("cellauto-30", "cellauto=size={w}x{h}:rate=1:rule=30"),
    ("cellauto-90", "cellauto=size={w}x{h}:rate=1:rule=90:random_fill_ratio=0.5"),
    ("gradients-radial", "gradients=size={w}x{h}:rate=1:speed=0.05:n=6:type=radial:seed=5"),
    ("gradients-spiral", "gradients=size={w}x{h}:rate=1:speed=0.05:n=3:type=spiral:seed=9"),
    ("gradients-circular", "gradients=size={w}x{h}:rate=1:speed=0.05:n=5:type=circular:seed=2"),
    ("sierpinski-carpet", "sierpinski=size={w}x{h}:rate=1:type=carpet:seed=4"),
    ("testsrc2-eq", "testsrc2=size={w}x{h}:rate=1,eq=contrast=1.4:saturation=1.8:gamma=0.8,hue=h=120"),
    ("plasma-rings", _PLASMA.format(r="128+127*sin(hypot(X-W/3,Y-H/2)/9-T)",
                                    g="128+127*sin(hypot(X-2*W/3,Y-H/3)/13+T)",
                                    b="128+127*cos(X/17-Y/29+T/2)")),
    ("plasma-stripes", _PLASMA.format(r="128+127*sin(X/5+7*sin(Y/40+T))", g="128+127*sin(Y/7+T)",
                                      b="128+127*sin((X-Y)/11-T)")),
    ("plasma-checks", _PLASMA.format(r="255*gt(sin(X/(6+T))*sin(Y/(6+T)),0)",
                                     g="128+100*sin(X/31+T)", b="255*gt(sin(X/(9+T/2)+Y/15),0.3)")),
)


def procedural_images(frames: int = FRAMES) -> list[dataset.Image]:
    """Every lavfi source of dataset.py and EXTRA_SOURCES at `frames` times, exact repeats dropped."""
    sources = [("plasma" if s == dataset.PLASMA else s.split("=")[0], s) for s in dataset.LAVFI_SOURCES]
    out, seen = [], set()
    for name, graph in sources + list(EXTRA_SOURCES):
        for i, frame in enumerate(dataset.render_lavfi(graph, frames=frames)):
            digest = hashlib.sha256(frame.tobytes()).digest()
            if digest not in seen:  # still sources (bars, charts) give one image, not 30
                seen.add(digest)
                out.append(dataset.Image(f"lavfi/{name}/{i}", frame, synthetic=True))
    return out


def capped(img: dataset.Image, max_side: int = MAX_SIDE) -> dataset.Image:
    """The image with its long side shrunk to max_side (area resampling) if it is longer."""
    h, w = img.pixels.shape[:2]
    if max(h, w) <= max_side:
        return img
    s = max_side / max(h, w)
    return dataset.Image(img.name, tensors.resize(img.pixels, (round(w * s), round(h * s))), img.synthetic)


def build_images(frames: int = FRAMES) -> list[dataset.Image]:
    """The training photos of dataset.py (held-out ones excluded) plus the procedural frames."""
    photos = [im for im in dataset.skimage_images() + dataset.sklearn_images() if not dataset._is_held_out(im)]
    return [capped(im) for im in photos] + procedural_images(frames)


def save_images(images: list[dataset.Image], path: str | Path) -> None:
    """Write the images to one compressed .npz (flat pixels, shapes, names, flags, digest),
    whole or not at all, at exactly `path`."""
    flat = np.concatenate([im.pixels.reshape(-1) for im in images])
    with outputs.atomic(str(path)) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(
            fh, format=np.array(FORMAT), pixels=flat,
            shapes=np.array([im.pixels.shape for im in images], dtype=np.int64),
            names=np.array([im.name for im in images]),
            synthetic=np.array([im.synthetic for im in images]),
            sha256=np.array(hashlib.sha256(flat.tobytes()).hexdigest()))


def load_images(path: str | Path) -> list[dataset.Image]:
    """The images of a save_images() file; ValueError naming the file if anything does not add up."""
    with np.load(path, allow_pickle=False) as f:  # never unpickle data from disk
        try:
            fmt, flat, shapes = str(f["format"]), f["pixels"], f["shapes"]
            names, synth, digest = f["names"], f["synthetic"], str(f["sha256"])
        except KeyError as exc:
            raise ValueError(f"{path}: not a {FORMAT} file (no {exc})") from None
    if fmt != FORMAT or flat.dtype != np.uint8 or shapes.ndim != 2 or shapes.shape[1] != 3:
        raise ValueError(f"{path}: not a {FORMAT} file (format {fmt!r}, pixels {flat.dtype})")
    sizes = shapes.prod(axis=1)
    if (shapes[:, 2] != 3).any() or int(sizes.sum()) != flat.size or not len(names) == len(synth) == len(shapes):
        raise ValueError(f"{path}: the shape table does not match the {flat.size} bytes of pixels")
    if hashlib.sha256(flat.tobytes()).hexdigest() != digest:
        raise ValueError(f"{path}: pixels do not match their SHA-256 (damaged file)")
    parts = np.split(flat, np.cumsum(sizes)[:-1])
    return [dataset.Image(str(n), p.reshape(s), bool(y)) for n, p, s, y in zip(names, parts, shapes, synth)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="the .npz to write")
    parser.add_argument("--frames", type=int, default=FRAMES, help="frames per procedural source")
    args = parser.parse_args(argv)
    images = build_images(args.frames)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_images(images, args.out)
    synth = sum(im.synthetic for im in images)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB): {len(images)} images, "
          f"{len(images) - synth} photos, {synth} procedural frames")


if __name__ == "__main__":
    main()
