"""The MLT project (`--timeline mlt`): its layout, checked in memory, and renders by MLT's own
`melt` that must show join's frames and play join's sound (crossfades included)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest

from editors_media import (assert_same_frames, frames_of, need, pcm_of, run_cli, tone_levels,
                           vivid_clip)
from test_timeline import fake_clip, fake_segment
from vae_transition.timeline.model import Media, Segment, TimelineError, build_timeline
from vae_transition.timeline.mlt import Sound, fade_levels, mlt_text, sounds

# --- the project, in memory -----------------------------------------------------------------


def two_clips(tmp_path, overlap: bool, ranges=((2, 10), (1, 8))):
    a, b = fake_clip(tmp_path / "a.mp4", 12), fake_clip(tmp_path / "b é.mp4", 10)
    return build_timeline("edit", [a, b], [fake_segment(tmp_path / "seg.mov", n=3, k=0)],
                          ranges=ranges, overlap=overlap)


def entries(root: ET.Element, playlist: str) -> list[tuple]:
    pl = root.find(f"playlist[@id='{playlist}']")
    return [("blank", int(e.get("length"))) if e.tag == "blank" else
            (e.get("producer"), int(e.get("in")), int(e.get("out")))
            for e in pl if e.tag in ("entry", "blank")]


def test_video_track_holds_clips_at_their_ranges_and_the_segment(tmp_path):
    root = ET.fromstring(mlt_text(two_clips(tmp_path, overlap=False)))
    assert entries(root, "playlist0") == [("producer0", 2, 9), ("producer1", 0, 2),
                                          ("producer2", 1, 7)]
    producers = {p.get("id"): p for p in root.iter("producer")}
    a = producers["producer0"]
    assert a.find("property[@name='resource']").text == str(tmp_path / "a.mp4")
    assert (a.get("in"), a.get("out")) == ("0", "11")  # the whole file: the rest are handles
    profile = root.find("profile")
    assert (profile.get("width"), profile.get("height"), profile.get("frame_rate_num"),
            profile.get("frame_rate_den")) == ("1280", "768", "24", "1")
    tracks = root.findall("tractor/track")
    assert [(t.get("producer"), t.get("hide")) for t in tracks] == [
        ("background", None), ("playlist0", "audio"), ("playlist1", "video"),
        ("playlist2", "video")]
    mixes = root.findall("tractor/transition")
    assert sorted(int(m.find("property[@name='b_track']").text) for m in mixes) == [1, 2, 3]


def test_insert_mode_plays_the_clips_edges_again_under_the_transition(tmp_path):
    a, b = sounds(two_clips(tmp_path, overlap=False))
    # A: body [2, 10) at 0, then its last 3 frames again under the transition, fading out
    assert [(s.source_in, s.source_out, s.record_in, s.fade_in, s.fade_out) for s in a] == [
        (2, 10, 0, 0, 0), (7, 10, 8, 0, 3)]
    # B: its first 3 frames under the transition fading in, then its body from frame 11
    assert [(s.source_in, s.source_out, s.record_in, s.fade_in, s.fade_out) for s in b] == [
        (1, 4, 8, 3, 0), (1, 8, 11, 0, 0)]


def test_overlap_mode_runs_each_sound_on_under_the_transition(tmp_path):
    # overlap: A shows [2, 7) and B [4, 8) beside the 3-frame transition that replaced the rest
    tl = two_clips(tmp_path, overlap=True, ranges=((2, 7), (4, 8)))
    a, b = sounds(tl)
    assert [(s.source_in, s.source_out, s.record_in, s.fade_in, s.fade_out) for s in a] == [
        (2, 10, 0, 0, 3)]
    assert [(s.source_in, s.source_out, s.record_in, s.fade_in, s.fade_out) for s in b] == [
        (1, 8, 5, 3, 0)]
    root = ET.fromstring(mlt_text(tl))
    assert entries(root, "playlist1") == [("producer0", 2, 9)]
    assert entries(root, "playlist2") == [("blank", 5), ("producer2", 1, 7)]


def gains(levels: str) -> dict[int, float]:
    return {int(k): 10 ** (float(v) / 20) for k, v in (p.split("=") for p in levels.split(";"))}


def test_fades_are_equal_power_and_hold_full_level_between():
    m = _media("/x.mp4")
    # insert mode: A's out-take and B's in-take are each one whole fade, over the same frames
    fade_out = gains(fade_levels(Sound(m, 6, 10, 0, fade_out=4)))
    fade_in = gains(fade_levels(Sound(m, 0, 4, 0, fade_in=4)))
    for j in range(4):  # their powers add up to 1 (join's afade curve=qsin)
        assert fade_in[j] ** 2 + fade_out[j] ** 2 == pytest.approx(1, abs=1e-3)
    assert fade_out[3] < 1e-4 and fade_in[3] == 1
    # overlap mode: one entry fades in, holds its full level, and fades out
    both = gains(fade_levels(Sound(m, 0, 12, 0, fade_in=3, fade_out=4)))
    assert both[0] < both[1] < both[2] == 1 and both[3] == both[7] == 1
    assert 1 > both[8] > both[9] > both[10] > both[11]
    assert fade_levels(Sound(m, 0, 10, 0)) == ""


def _media(path):
    return Media(path, "x.mp4", 12, Fraction(24), 64, 48, audio_channels=2)


def test_image_sequences_are_refused(tmp_path):
    a, b = fake_clip(tmp_path / "a.mp4"), fake_clip(tmp_path / "b.mp4")
    seq = Segment(str(tmp_path / "shots"), 3, 3, 0, Fraction(24), 1280, 768, 0, "m",
                  ("shots.%06d.png", 0))
    with pytest.raises(TimelineError, match="image sequence"):
        mlt_text(build_timeline("e", [a, b], [seq]))


# --- rendered by melt -----------------------------------------------------------------------

def melt_render(project, out) -> None:
    """Render an MLT project losslessly (FFV1 in RGB, PCM) with MLT's command line."""
    melt = need("melt")
    cmd = [melt, "-quiet", str(project), "-consumer", f"avformat:{out}", "vcodec=ffv1",
           "pix_fmt=gbrp", "mlt_image_format=rgb", "acodec=pcm_s16le", "ar=48000", "channels=2"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]


def assert_same_sound(render, joined, tones: dict[float, str]) -> None:
    """Each clip's tone rises and falls in the render as in join's output: frame by frame
    within 8 % of the tone's full level (measured: 5 %; a fade a frame early or late is off by
    15-25 %)."""
    got, want = pcm_of(render), pcm_of(joined)
    assert abs(len(got) - len(want)) <= 2000, (len(got), len(want))
    for freq, name in tones.items():
        a, b = tone_levels(got, freq), tone_levels(want, freq)
        n = min(len(a), len(b))
        err = np.abs(a[:n] - b[:n])
        assert err.max() < 0.08 * b.max(), (
            f"{name}'s {freq} Hz tone: frame {err.argmax()} is {a[err.argmax()]:.3f} in the "
            f"render, {b[err.argmax()]:.3f} in join's output")


@pytest.mark.parametrize("overlap", [False, True], ids=["insert", "overlap"])
def test_melt_renders_a_join_with_cut_points(tmp_path, overlap):
    need("melt")
    a = vivid_clip(tmp_path / "a.mp4", 30, tone=440)
    b = vivid_clip(tmp_path / "b.mp4", 30, tone=660, source="mandelbrot")
    opts = ["--frames", "8", "--method", "crossfade", "--a-out", "25f", "--b-in", "3f",
            *(["--overlap"] if overlap else [])]
    joined = tmp_path / "joined.mp4"
    run_cli("join", str(a), str(b), "-o", str(joined), "--timeline", "mlt", "-q", *opts)
    render = tmp_path / "render.mkv"
    melt_render(tmp_path / "joined.mlt", render)
    want = frames_of(joined)
    assert len(want) == (26 + 27 - 8 if overlap else 26 + 8 + 27)
    assert_same_frames(frames_of(render), want)
    assert_same_sound(render, joined, {440: "A", 660: "B"})


def test_melt_renders_an_overlap_chain_from_a_list(tmp_path):
    need("melt")
    clips = [vivid_clip(tmp_path / "a.mp4", 30, tone=440),
             vivid_clip(tmp_path / "b.mp4", 30, tone=None, source="mandelbrot"),
             vivid_clip(tmp_path / "c.mp4", 30, tone=880, source="rgbtestsrc")]
    reel = tmp_path / "reel.txt"
    reel.write_text("a.mp4\nin 2f\nout 26f\nframes 6\nb.mp4\nin 1f\nout 24f\nc.mp4\nin 4f\n")
    joined = tmp_path / "reel.mp4"
    run_cli("join", "--from", str(reel), "-o", str(joined), "--frames", "5", "--overlap",
            "--method", "crossfade", "--timeline", "mlt", "-q")
    render = tmp_path / "render.mkv"
    melt_render(tmp_path / "reel.mlt", render)
    want = frames_of(joined)
    assert len(want) == 25 + 24 + 26 - 6 - 5
    assert_same_frames(frames_of(render), want)
    assert_same_sound(render, joined, {440: "A", 880: "C"})


def test_export_timeline_renders_as_join_does_with_the_vae(tmp_path):
    need("melt")
    a = vivid_clip(tmp_path / "a.mp4", 24, tone=440)
    b = vivid_clip(tmp_path / "b.mp4", 24, tone=660, source="mandelbrot")
    opts = ["--frames", "6", "--b-in", "2f"]
    run_cli("export", str(a), str(b), "-o", str(tmp_path / "morph.mov"), "--timeline", "mlt",
            "-q", *opts)
    joined = tmp_path / "joined.mp4"
    run_cli("join", str(a), str(b), "-o", str(joined), "-q", *opts)
    render = tmp_path / "render.mkv"
    melt_render(tmp_path / "morph.mlt", render)
    want = frames_of(joined)
    assert len(want) == 24 + 6 + 22
    assert_same_frames(frames_of(render), want)
    assert_same_sound(render, joined, {440: "A", 660: "B"})
