"""Black bars: found exactly, kept out of the morph, and slid straight from A's box to B's."""

import numpy as np
import pytest
import torch

from vae_transition import tensors
from vae_transition.model import VAE, VAEConfig
from vae_transition.morph.bars import Box, box_at, picture_box
from vae_transition.morph.transition import TransitionSpec, make_overlap, make_transition


def photo(size):
    from skimage import data

    return tensors.resize(data.coffee(), size)


def pillarboxed(img, bar):
    out = img.copy()
    out[:, :bar] = 0
    out[:, -bar:] = 0
    return out


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()


def test_the_box_is_what_lies_inside_the_padding():
    img = photo((160, 96))
    assert picture_box([img]) == Box(0, 0, 160, 96)
    assert picture_box([pillarboxed(img, 20)]) == Box(20, 0, 140, 96)
    letter = img.copy()
    letter[:10] = 2   # x264 leaves padding a code value or two off black
    letter[-10:] = 0
    assert picture_box([letter]) == Box(0, 10, 160, 86)
    assert picture_box([letter, pillarboxed(img, 20)]) == Box(0, 0, 160, 96)  # bars in all frames


def test_a_portrait_clip_in_landscape_is_found():
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[:, 55:105] = photo((50, 90))   # 9:16 padded to 16:9: a third of the width
    assert picture_box([frame]) == Box(55, 0, 105, 90)


def test_a_dark_frame_a_thin_dark_edge_or_a_dark_scene_is_not_a_bar():
    assert picture_box([np.zeros((96, 160, 3), np.uint8)]) == Box(0, 0, 160, 96)
    img = photo((160, 96))
    img[:, :1] = 0
    assert picture_box([img]) == Box(0, 0, 160, 96)
    night = np.zeros((96, 160, 3), np.uint8)
    night[30:70, 20:90] = photo((70, 40))  # a lit window off the centre of a dark scene
    assert picture_box([night]) == Box(0, 0, 160, 96)


def test_the_box_slides_in_a_straight_line():
    a, b = Box(0, 0, 160, 96), Box(20, 0, 140, 96)
    assert box_at(a, b, 0.0) == a and box_at(a, b, 1.0) == b
    assert box_at(a, b, 0.5) == Box(10, 0, 150, 96)


@pytest.mark.parametrize("overlap", [False, True])
def test_bars_stay_bars_and_the_picture_stays_whole(tiny, overlap):
    """A full-frame clip into a pillarboxed one: outside each frame's box the frame is black,
    inside it no black band sweeps through (the coffee photo has no black), and the bars grow
    steadily."""
    a, b = photo((160, 96)), pillarboxed(tensors.resize(photo((160, 96))[:, ::-1], (160, 96)), 24)
    n = 6
    spec = TransitionSpec(frames=n, long_side=64, overlap=overlap)
    out = list(make_overlap([a] * n, [b] * n, spec, tiny) if overlap
               else make_transition(a, b, spec, tiny))
    assert len(out) == n and all(f.shape == a.shape for f in out)
    bars = []
    for k, f in enumerate(out):
        box = box_at(Box(0, 0, 160, 96), Box(24, 0, 136, 96), (k + 1) / (n + 1))
        inside = f[box.y0:box.y1, box.x0:box.x1]
        assert f[:, :box.x0].max(initial=0) == 0 and f[:, box.x1:].max(initial=0) == 0
        assert (inside.max(axis=2) <= 16).mean() < 0.01
        bars.append(box.x0)
    assert bars == sorted(bars) and bars[-1] > bars[0]


def test_clips_with_the_same_bars_morph_as_before(tiny):
    a, b = (pillarboxed(photo((160, 96)), 24), pillarboxed(photo((160, 96))[::-1].copy(), 24))
    from vae_transition.morph.vae import MorphConfig, vae_morph

    spec = TransitionSpec(frames=4, long_side=64)
    got = list(make_transition(a, b, spec, tiny))
    plain = list(vae_morph(tiny, a, b, 4, cfg=MorphConfig(long_side=64)))
    assert all(np.array_equal(x, y) for x, y in zip(got, plain))
