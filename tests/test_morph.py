"""The VAE morph: shape, determinism, exact endpoints, and the quality goals with real weights."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from vae_transition import tensors
from vae_transition.metrics import score_transition
from vae_transition.model import VAE, VAEConfig
from vae_transition.morph.vae import MorphConfig, vae_morph
from vae_transition.weights import shipped_weights_path


def photos(size=(200, 120)):
    from skimage import data

    return [tensors.resize(p, size) for p in (data.coffee(), data.chelsea())]


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()


def test_frames_have_the_clip_size_and_a_seeded_schedule(tiny):
    a, b = photos((201, 111))  # odd sizes: the model works at its own size, frames at ours
    cfg = MorphConfig(long_side=64)
    out = list(vae_morph(tiny, a, b, 5, cfg=cfg, seed=1))
    assert len(out) == 5 and all(f.shape == (111, 201, 3) and f.dtype == np.uint8 for f in out)
    again = list(vae_morph(tiny, a, b, 5, cfg=cfg, seed=1))
    other = list(vae_morph(tiny, a, b, 5, cfg=cfg, seed=2))
    assert all(np.array_equal(x, y) for x, y in zip(out, again))
    assert not all(np.array_equal(x, y) for x, y in zip(out, other))


def test_endpoints_are_exact(tiny):
    """Close to t = 0 the morph is A itself, close to t = 1 it is B, at full resolution (even
    with an untrained model: its reconstruction error is added back near the ends): the first
    and last frames are one even step from the clips, no more."""
    a, b = photos()
    for n in (24, 99):
        out = list(vae_morph(tiny, a, b, n, cfg=MorphConfig(long_side=64)))
        first, last = np.abs(out[0].astype(int) - a).mean(), np.abs(out[-1].astype(int) - b).mean()
        inner = np.median([np.abs(y.astype(int) - x).mean() for x, y in zip(out, out[1:])])
        assert max(first, last) < 1.5 * inner


@pytest.mark.skipif(not shipped_weights_path().is_file(), reason="no shipped weights")
def test_shipped_model_meets_the_quality_goals():
    """The six goals and wholeness. Not sharpness at 2x and 4x: the decoder draws the middle's
    coarse picture, and it is softer there than the clips (0.59 and 0.33 on this pair; the README's
    Quality section gives the bench's numbers)."""
    from vae_transition.weights import load_model

    a, b = photos((320, 192))
    out = list(vae_morph(load_model(), a, b, 24))
    scores = score_transition(a, out, b)
    missed = [k for k, ok in scores.meets_goals().items() if not ok]
    assert set(missed) <= {"mid_sharpness_2x", "mid_sharpness_4x"}, scores
    crossfade = score_transition(a, [((1 - t) * a + t * b).round().astype(np.uint8)
                                     for t in np.arange(1, 25) / 25], b)
    assert crossfade.dissolve_fit > 0.95 and crossfade.mid_sharpness < 0.6


def test_train_command_writes_loadable_weights(tmp_path):
    from vae_transition.cli import cli
    from vae_transition.weights import load_model

    out = tmp_path / "m.safetensors"
    result = CliRunner().invoke(cli, ["train", "--steps", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_model(out).cfg.downsample == 8


def test_overlap_travels_at_steady_speed_whatever_the_ease():
    """In overlap mode both clips move under the morph, so its travel is not eased: the frames
    are the same with TransportConfig.ease 0 or 1 (insert mode differs)."""
    from dataclasses import replace

    from vae_transition.model import ResizeAutoencoder
    from vae_transition.morph.vae import vae_morph_overlap

    a, b = photos((96, 64))
    frames_a = [np.roll(a, k, axis=1) for k in range(5)]
    frames_b = [np.roll(b, -k, axis=1) for k in range(5)]
    cfg = MorphConfig(long_side=32)
    eased = replace(cfg, transport=replace(cfg.transport, ease=1.0))
    steady = replace(cfg, transport=replace(cfg.transport, ease=0.0))
    runs = [list(vae_morph_overlap(ResizeAutoencoder(), frames_a, frames_b, cfg=c))
            for c in (eased, steady)]
    assert all(np.array_equal(x, y) for x, y in zip(*runs))
    inserts = [list(vae_morph(ResizeAutoencoder(), a, b, 5, cfg=c)) for c in (eased, steady)]
    assert not all(np.array_equal(x, y) for x, y in zip(*inserts))


def test_overlap_fits_its_field_with_its_own_motion_cost(monkeypatch):
    """The overlap's field costs motion at overlap_mag, whatever the insert's field says: the
    clips' own motion already makes its middle new, and the field's travel adds to theirs."""
    from vae_transition.model import ResizeAutoencoder
    from vae_transition.morph import transport
    from vae_transition.morph.vae import vae_morph_overlap

    seen, fit = [], transport.fit_field
    monkeypatch.setattr(transport, "fit_field",
                        lambda *args: seen.append(args[-1].mag) or fit(*args))
    a, b = photos((96, 64))
    cfg = MorphConfig(long_side=32, overlap_mag=0.05)
    list(vae_morph(ResizeAutoencoder(), a, b, 3, cfg=cfg))
    list(vae_morph_overlap(ResizeAutoencoder(), [a] * 3, [b] * 3, cfg=cfg))
    assert seen == [cfg.transport.field.mag, 0.05]


def test_in_order_keeps_order_bounds_frames_in_flight_and_raises():
    """Frames composed in threads come out in order, at most workers + 1 started ahead of the
    consumer, and a failing frame raises in the consumer."""
    import threading
    import time

    from vae_transition.morph.vae import in_order

    started, lock = [], threading.Lock()

    def work(i):
        with lock:
            started.append(i)
        time.sleep(0.01 * (i % 3))  # uneven: later items may finish first
        return i * i

    seen = []
    for k, value in enumerate(in_order(work, list(range(12)), workers=2)):
        seen.append(value)
        assert len(started) <= k + 1 + 2  # consumed k + 1, at most 2 more in flight
    assert seen == [i * i for i in range(12)]

    def fail(i):
        if i == 3:
            raise ValueError("frame 3")
        return i

    with pytest.raises(ValueError, match="frame 3"):
        list(in_order(fail, list(range(8))))


def test_the_cache_key_covers_every_module_that_makes_frames():
    """A cached transition is keyed by the code that made it: every module of morph/ is in it,
    so changing any of them makes transitions anew instead of serving old frames."""
    import pkgutil

    import vae_transition.morph as morph
    from vae_transition.join.segments import FRAMES_CODE

    modules = {f"vae_transition.morph.{m.name}" for m in pkgutil.iter_modules(morph.__path__)}
    assert modules <= set(FRAMES_CODE)


def test_the_cache_key_covers_what_the_morph_imports():
    """The project's modules that morph/ imports (the model, tensors, the metric luma that
    paces it) decide frames too: each is in the cache key."""
    import ast
    import pathlib

    import vae_transition.morph as morph
    from vae_transition.join.segments import FRAMES_CODE

    used = set()
    for path in pathlib.Path(morph.__path__[0]).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                used.add(node.module)
    used = {m for m in used if m.startswith("vae_transition.") and m != "vae_transition.morph"}
    assert used and used <= set(FRAMES_CODE), used - set(FRAMES_CODE)


def test_shutter_stays_open_a_share_of_each_frames_interval():
    from vae_transition.morph.vae import open_times

    times = np.arange(1, 5) / 5
    np.testing.assert_allclose(open_times(times, 0.5), np.full(4, 0.1))
    np.testing.assert_allclose(open_times(np.array([0.1, 0.5, 0.6]), 1.0), [0.25, 0.25, 0.25])
    assert not open_times(times, 0.0).any()


@pytest.mark.skipif(not shipped_weights_path().is_file(), reason="no shipped weights")
def test_motion_blur_steadies_moving_texture_and_softens_it():
    """With the shutter open a whole frame, what the morph moves is blurred along its travel:
    fewer pixels turn back from frame to frame in place (texture passing a pixel is averaged),
    the middle is softer, and the ends, where nothing travels fast, stay next to the clips."""
    from vae_transition.weights import load_model

    a, b = photos((320, 192))
    model = load_model()
    runs = [list(vae_morph(model, a, b, 12, cfg=MorphConfig(shutter=s))) for s in (0.0, 1.0)]
    sharp, blurred = (score_transition(a, r, b) for r in runs)
    assert len(runs[1]) == 12 and runs[1][0].shape == a.shape
    assert blurred.coherence_in_place > sharp.coherence_in_place + 0.02, (sharp, blurred)
    assert blurred.mid_sharpness < sharp.mid_sharpness
    for run in runs:
        assert np.abs(run[0].astype(int) - a).mean() < np.abs(run[0].astype(int) - b).mean()
