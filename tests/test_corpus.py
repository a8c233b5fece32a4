"""The large training set's readers, on a package tree made here (no apt-get in tests)."""

import cv2
import numpy as np

from conftest import make_clip
from vae_transition.train.corpus import Source, files, flatten, source_images


def test_cut_outs_are_flattened_over_an_opaque_background():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[:2, :, :3], rgba[:2, :, 3] = 200, 255        # top half opaque, bottom transparent
    out = flatten(rgba, np.random.default_rng(0))
    assert out.shape == (4, 4, 3) and np.all(out[:2] == 200)


def test_sources_read_pictures_and_video_frames_of_a_package(tmp_path):
    root = tmp_path / "pkg" / "usr" / "share" / "pics"
    root.mkdir(parents=True)
    rng = np.random.default_rng(1)
    cv2.imwrite(str(root / "photo.jpg"), rng.integers(0, 256, (300, 700, 3)).astype(np.uint8))
    cv2.imwrite(str(root / "stamp.png"), rng.integers(0, 256, (200, 200, 4)).astype(np.uint8))
    cv2.imwrite(str(root / "icon.png"), rng.integers(0, 256, (32, 32, 3)).astype(np.uint8))
    make_clip(root / "clip.mp4", size=(160, 120), frames=12)
    photos = source_images(Source("pkg", "*/pics/*.jpg", "photo", "test"), tmp_path, seed=0)
    assert [im.pixels.shape for im in photos] == [(219, 512, 3)]      # long side capped at 512
    drawings = source_images(Source("pkg", "*/pics/*.png", "drawing", "test"), tmp_path, seed=0)
    assert [im.name for im in drawings] == ["pkg/stamp"]             # the icon is too small
    assert drawings[0].synthetic and drawings[0].pixels.shape == (200, 200, 3)
    video = source_images(Source("pkg", "*/pics/*.mp4", "video", "test", frames=3), tmp_path, 0)
    assert len(video) == 3 and video[0].pixels.shape == (120, 160, 3)


def test_one_picture_per_folder_keeps_the_largest(tmp_path):
    folder = tmp_path / "pkg" / "wall" / "images"
    folder.mkdir(parents=True)
    (folder / "small.png").write_bytes(b"x" * 10)
    (folder / "large.png").write_bytes(b"x" * 100)
    got = files(Source("pkg", "*/wall/images/*.png", "photo", "test", one_per_folder=True), tmp_path)
    assert [p.name for p in got] == ["large.png"]
