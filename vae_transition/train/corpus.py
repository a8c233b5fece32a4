"""The large offline training set: photos, drawings and video frames that Debian packages ship.

    python -m vae_transition.train.corpus --debs ~/.cache/vae-transition/debs --out gpu_data/corpus.npz

Debian's packages are downloaded (`apt-get download`, no root needed) and unpacked into --debs;
nothing is installed and nothing else is fetched. The images are those of datafile.py (the
scikit-image and scikit-learn photos, the procedural frames) plus every source in SOURCES, each
with its package's licence (the model card lists them). Cut-out stamps and clip art (RGBA) are
flattened over a seeded random background. The long side is capped (MAX_SIDE for photos and video
frames, CLIPART_SIDE for drawings, which hold no detail finer than that).

Kept out: the bench's real footage (bench/footage.py) and the held-out photos.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.errors import FFmpegError
from ffmpeg_scripts.locate import find_ffmpeg
from vae_transition import tensors
from vae_transition.train import dataset
from vae_transition.train.datafile import MAX_SIDE, capped, procedural_images, save_images

CLIPART_SIDE = 256  # px: drawings have flat fills; a larger copy adds pixels, not content
MIN_SIDE = 96       # px: smaller images (icons, thumbnails) are skipped


@dataclass(frozen=True)
class Source:
    """Images of one Debian package: files matching `pattern` under its unpacked tree."""

    package: str
    pattern: str            # fnmatch pattern on the path inside the package
    kind: str               # "photo" | "drawing" | "video"
    licence: str            # as the package's copyright file gives it
    limit: int = 0          # at most this many files (0: all), picked evenly by sorted name
    frames: int = 0         # video: frames per file, evenly spaced
    one_per_folder: bool = False  # keep only the largest file of each folder (one picture in
                                  # several sizes)


SOURCES = (
    Source("opencv-doc", "*/examples/data/*.jpg", "photo", "BSD-3-Clause (OpenCV samples)"),
    Source("gnome-backgrounds", "*/backgrounds/gnome/*.webp", "photo", "CC-BY-SA-3.0 / CC-BY-SA-4.0"),
    Source("mate-backgrounds", "*/backgrounds/mate/*/*.*", "photo", "GPL-2+ / CC-BY-SA / public domain"),
    Source("plasma-workspace-wallpapers", "*/wallpapers/*/contents/images*/*.*", "photo",
           "LGPL-3 / CC-BY-SA-4.0 (KDE wallpapers)", one_per_folder=True),
    Source("tuxpaint-stamps-default", "*/tuxpaint/stamps/*.png", "drawing", "GPL-2+ / public domain"),
    Source("openclipart-png", "*/openclipart/png/*.png", "drawing", "public domain (CC0)", limit=2400),
    Source("openboard-common", "*/videos/*.mp4", "video", "GPL-3+ (OpenBoard)", frames=90),
    Source("lebiniou-data", "*/media/*.mp4", "video", "GPL-2+ (Le Biniou)", frames=16),
    Source("python3-mecavideo", "*/data/video/*.*", "video", "GPL-3+ (pymecavideo)", frames=8),
    Source("node-opencv", "*/examples/files/*.mov", "video", "MIT (node-opencv)", frames=12),
    Source("psychtoolbox-3-common", "*/MovieDemos/*.mov", "video", "MIT (Psychtoolbox)", frames=12),
    Source("gem-doc", "*/examples/data/anim-1.mov", "video", "GPL-2+ (Gem)", frames=12),
)


def fetch(packages, debs: Path) -> None:
    """Download and unpack each package into debs/<package>/ (once; a marker file says done)."""
    debs.mkdir(parents=True, exist_ok=True)
    for pkg in packages:
        done = debs / pkg / ".unpacked"
        if done.exists():
            continue
        subprocess.run(["apt-get", "download", pkg], cwd=debs, check=True, capture_output=True)
        deb = sorted(debs.glob(f"{pkg}_*.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(deb), str(debs / pkg)], check=True)
        deb.unlink()
        done.touch()


def files(source: Source, debs: Path) -> list[Path]:
    root = debs / source.package
    found = sorted(p for p in root.rglob("*") if p.is_file()
                   and fnmatch.fnmatch("/" + str(p.relative_to(root)), source.pattern))
    if source.one_per_folder:
        largest = {}
        for p in found:
            if p.stat().st_size > largest.get(p.parent, (0, None))[0]:
                largest[p.parent] = (p.stat().st_size, p)
        found = sorted(p for _, p in largest.values())
    if source.limit and len(found) > source.limit:
        found = [found[i] for i in np.linspace(0, len(found) - 1, source.limit).round().astype(int)]
    return found


def flatten(rgba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 4) uint8 over a random background: a flat colour or a soft two-colour gradient."""
    h, w = rgba.shape[:2]
    c0, c1 = rng.integers(0, 256, (2, 3)).astype(np.float32)
    ramp = np.linspace(0.0, 1.0, w if rng.random() < 0.5 else h, dtype=np.float32)
    ramp = ramp[None, :, None] if ramp.size == w else ramp[:, None, None]
    bg = c0 + (c1 - c0) * ramp * (rng.random() < 0.6)
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    out = rgba[..., :3].astype(np.float32) * alpha + bg * (1.0 - alpha)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def read_picture(path: Path, rng: np.random.Generator, side: int) -> np.ndarray | None:
    """(H, W, 3) uint8 RGB with the long side at most `side`; None if unreadable or too small."""
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if img is None or img.ndim not in (2, 3) or min(img.shape[:2]) < MIN_SIDE:
        return None
    if img.dtype != np.uint8:
        img = (img / 257).astype(np.uint8)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        img = flatten(cv2.cvtColor(img, cv2.COLOR_BGRA2RGBA), rng)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return capped(dataset.Image("", img, False), side).pixels


def video_frames(path: Path, count: int) -> list[np.ndarray]:
    """`count` frames spread evenly over a clip (none if ffmpeg cannot read it)."""
    ff = find_ffmpeg()
    try:
        info = probe.probe(ff, path)
        keep = set(np.linspace(0, info.frame_count - 1, count).round().astype(int).tolist())
        return [f for i, f in enumerate(frames.iter_frames(ff, info)) if i in keep]
    except (FFmpegError, ValueError, OSError):
        return []


def source_images(source: Source, debs: Path, seed: int) -> list[dataset.Image]:
    rng = np.random.default_rng(seed)
    out = []
    for path in files(source, debs):
        name = f"{source.package}/{path.stem}"
        if source.kind == "video":
            out += [dataset.Image(f"{name}/{i}", tensors.resize(f, _capped_size(f)), False)
                    for i, f in enumerate(video_frames(path, source.frames))]
            continue
        side = CLIPART_SIDE if source.kind == "drawing" else MAX_SIDE
        pixels = read_picture(path, rng, side)
        if pixels is not None:
            out.append(dataset.Image(name, pixels, source.kind == "drawing"))
    return out


def _capped_size(frame: np.ndarray) -> tuple[int, int]:
    h, w = frame.shape[:2]
    s = min(1.0, MAX_SIDE / max(h, w))
    return round(w * s), round(h * s)


def build(debs: Path, frames: int = 20, seed: int = 0, log=print) -> list[dataset.Image]:
    """datafile.py's photos and procedural frames, plus every Debian source; exact repeats dropped."""
    fetch(sorted({s.package for s in SOURCES}), debs)
    photos = [capped(im) for im in dataset.skimage_images() + dataset.sklearn_images()
              if not dataset._is_held_out(im)]
    images, seen = [], set()
    groups = [("scikit-image, scikit-learn", photos), ("ffmpeg lavfi", procedural_images(frames))]
    groups += [(s.package, source_images(s, debs, seed + k)) for k, s in enumerate(SOURCES)]
    for name, group in groups:
        kept = 0
        for im in group:
            digest = hashlib.sha256(im.pixels.tobytes()).digest()
            if digest not in seen:
                seen.add(digest)
                images.append(im)
                kept += 1
        log(f"{name}: {kept} images")
    return images


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debs", required=True, type=Path, help="folder for the unpacked packages")
    parser.add_argument("--out", required=True, type=Path, help="the .npz to write")
    parser.add_argument("--frames", type=int, default=20, help="frames per procedural source")
    args = parser.parse_args(argv)
    images = build(args.debs, args.frames)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_images(images, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB): {len(images)} images")


if __name__ == "__main__":
    main()
