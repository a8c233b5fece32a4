"""End to end: two tiny clips in, one joined clip out (frame counts, identity, continuity, audio)."""

from fractions import Fraction

import numpy as np
import pytest

from conftest import make_clip
from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.process import run
from vae_transition.join.pipeline import JoinError, JoinRequest, join
from vae_transition.metrics import step_sizes
from vae_transition.model import VAE, VAEConfig
from vae_transition.morph.transition import TransitionSpec

N = 6
SPEC = TransitionSpec(frames=N, long_side=64, adapt_steps=2)


@pytest.fixture(scope="module")
def tiny_model():
    import torch

    torch.manual_seed(0)
    return VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()


def decode_all(ff, path):
    return list(frames.iter_frames(ff, probe.probe(ff, path)))


def audio_seconds(ff, path) -> float:
    """Length of the first audio stream, by decoding it to 48 kHz mono PCM and counting samples."""
    import subprocess

    pcm = subprocess.run([ff.path, "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
                          "-ar", "48000", "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return len(pcm) / 2 / 48000


def assert_continuous(seq):
    """Splice steps (A->T1, TN->B) no larger than the typical step inside the transition."""
    s = step_sizes(seq)
    typical = float(np.median(s[1:-1]))
    assert max(s[0], s[-1]) <= 1.5 * typical + 1e-3, s


def test_passthrough_join_keeps_clips_identical(ff, tmp_path, tiny_model):
    a = make_clip(tmp_path / "a.mp4", frames=12, source="testsrc2")
    b = make_clip(tmp_path / "b.mp4", frames=10, source="mandelbrot")
    notes = []
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "out.mp4"), SPEC), ff, notes.append,
               tiny_model)
    assert res.passthrough and any("pass-through" in n for n in notes)
    info = probe.probe(ff, res.out)
    assert info.frame_count == 12 + N + 10 == res.total_frames
    assert (info.width, info.height, info.fps) == (64, 48, Fraction(24))
    out, fa, fb = decode_all(ff, res.out), decode_all(ff, a), decode_all(ff, b)
    assert all(np.array_equal(x, y) for x, y in zip(out[:12], fa))
    assert all(np.array_equal(x, y) for x, y in zip(out[12 + N:], fb))
    assert res.cuts == ((12, 12 + N),)  # [start, end)
    # reading from the middle (as `score` does) gives the same frames as a full decode
    middle = list(frames.iter_frames(ff, info, start=11, count=N + 2))
    assert all(np.array_equal(x, y) for x, y in zip(middle, out[11:12 + N + 1]))
    assert_continuous(out[11:12 + N + 1])
    assert not info.has_audio
    # the full decode is clean: ffmpeg reports no error
    run([ff.path, "-v", "error", "-xerror", "-i", res.out, "-f", "null", "-"])


def test_different_size_and_rate_are_conformed_and_reencoded(ff, tmp_path, tiny_model):
    a = make_clip(tmp_path / "a.mp4", size=(64, 48), frames=12)
    b = make_clip(tmp_path / "b.mp4", size=(48, 64), fps="30", frames=15, source="mandelbrot")
    notes = []
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "out.mp4"), SPEC), ff, notes.append,
               tiny_model)
    assert not res.passthrough
    assert any("conforming b.mp4" in n and "30 -> 24 fps" in n for n in notes)
    info = probe.probe(ff, res.out)
    assert (info.width, info.height, info.fps) == (64, 48, Fraction(24))
    assert info.frame_count == 12 + N + 12  # 15 frames at 30 fps = 0.5 s = 12 frames at 24


def test_reencode_flag_and_24000_1001(ff, tmp_path, tiny_model):
    a = make_clip(tmp_path / "a.mp4", fps="24000/1001", frames=9)
    b = make_clip(tmp_path / "b.mp4", fps="24000/1001", frames=7, source="mandelbrot")
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "out.mov"), SPEC, reencode=True), ff,
               model=tiny_model)
    info = probe.probe(ff, res.out)
    assert not res.passthrough
    assert info.fps == Fraction(24000, 1001) and info.frame_count == 9 + N + 7
    out = decode_all(ff, res.out)
    assert_continuous(out[8:9 + N + 1])


@pytest.mark.parametrize("audio_a,audio_b", [(True, False), (True, True), (False, True)])
def test_audio_runs_the_whole_length(ff, tmp_path, tiny_model, audio_a, audio_b):
    a = make_clip(tmp_path / "a.mp4", frames=24, audio=audio_a)
    b = make_clip(tmp_path / "b.mp4", frames=12, audio=audio_b, source="mandelbrot")
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "out.mp4"), SPEC), ff, model=tiny_model)
    info = probe.probe(ff, res.out)
    assert len(info.audio) == 1 and res.has_audio
    picture = float(info.duration)
    assert picture == pytest.approx((24 + N + 12) / 24)
    assert audio_seconds(ff, res.out) == pytest.approx(picture, abs=0.05)


def test_join_refuses_to_overwrite(ff, tmp_path):
    a = make_clip(tmp_path / "a.mp4", frames=4)
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep me")
    with pytest.raises(JoinError, match="already exists"):
        join(JoinRequest((str(a), str(a)), str(out), SPEC), ff)
    with pytest.raises(JoinError, match="overwrite an input"):
        join(JoinRequest((str(a), str(a)), str(a), SPEC, overwrite=True), ff)
    assert out.read_bytes() == b"keep me"


def test_hevc_clips_pass_through_with_an_x265_transition(ff, tmp_path, tiny_model):
    a = make_clip(tmp_path / "a.mp4", frames=8, codec="libx265")
    b = make_clip(tmp_path / "b.mp4", frames=8, codec="libx265", source="mandelbrot")
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "out.mp4"), SPEC), ff, model=tiny_model)
    info = probe.probe(ff, res.out)
    assert res.passthrough and info.codec == "hevc" and info.frame_count == 8 + N + 8
    out, fa, fb = decode_all(ff, res.out), decode_all(ff, a), decode_all(ff, b)
    assert all(np.array_equal(x, y) for x, y in zip(out[:8], fa))
    assert all(np.array_equal(x, y) for x, y in zip(out[8 + N:], fb))
    run([ff.path, "-v", "error", "-xerror", "-i", res.out, "-f", "null", "-"])
