"""Editor timing end to end, run as a user runs it: --overlap with smart render, --duration,
--a-out / --b-in, list-file in/out points, and timelines that follow the timing.

Clips: 4 s of H.264 at 24 fps (96 frames), keyframes every 30 frames (0, 30, 60, 90), so the
overlap's and the cut points' GOPs are partly copied and partly re-encoded.
"""

import json
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_clip
from ffmpeg_scripts import frames, probe
from vae_transition.cli import cli
from vae_transition.join.pipeline import JoinRequest, join
from vae_transition.model import VAE, VAEConfig
from vae_transition.morph.transition import TransitionSpec

SIZE = (96, 64)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("timing")
    a = make_clip(folder / "a.mp4", size=SIZE, frames=96, source="testsrc2", gop=30, audio=True)
    b = make_clip(folder / "b.mp4", size=SIZE, frames=96, source="mandelbrot", gop=30,
                  audio=True)
    return a, b


def decode(ff, path):
    return [f.astype(np.int16) for f in frames.iter_frames(ff, probe.probe(ff, path))]


def same(x, y) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(x, y, strict=True))


def audio_samples(ff, path) -> int:
    pcm = subprocess.run([ff.path, "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
                          "-ar", "48000", "-f", "s16le", "-"], capture_output=True,
                         check=True).stdout
    return len(pcm) // 2


def test_overlap_keeps_both_clips_moving_and_smart_renders_only_the_touched_gops(ff, clips,
                                                                                tmp_path):
    a, b = clips
    out = tmp_path / "out.mp4"
    result = invoke("join", a, b, "-o", out, "--overlap", "--frames", 24, "--method", "crossfade")
    assert result.exit_code == 0, result.output
    assert "smart render: 18 clip frames re-encoded" in result.output  # A 60..71, B 24..29
    got, fa, fb = decode(ff, out), decode(ff, a), decode(ff, b)
    assert len(got) == 96 + 96 - 24 == probe.probe(ff, out).frame_count
    assert same(got[:60], fa[:60]) and same(got[-66:], fb[30:])  # stream-copied: bit-identical
    for x, y in zip(got[60:72] + got[96:102], fa[60:72] + fb[24:30]):
        assert np.abs(x - y).mean() < 5  # re-encoded to match: x264's noise only (tiny, sharp)
    for k in (0, 11, 23):  # frame k mixes A's frame 72 + k with B's frame k: both keep playing
        t = (k + 1) / 25
        moving = np.abs(got[72 + k] - ((1 - t) * fa[72 + k] + t * fb[k])).mean()
        frozen = np.abs(got[72 + k] - ((1 - t) * fa[95] + t * fb[0])).mean()  # insert's pair
        assert moving < 5 and (k == 23 or frozen > 2 * moving), (k, moving, frozen)
    assert abs(audio_samples(ff, out) - 168 * 2000) <= 1  # the audio crossfades in the overlap


def test_duration_in_seconds_equals_frames_and_excludes_them(ff, tmp_path):
    a = make_clip(tmp_path / "a.mp4", size=SIZE, frames=30, fps="24000/1001")
    b = make_clip(tmp_path / "b.mp4", size=SIZE, frames=30, fps="24000/1001", source="mandelbrot")
    by_time, by_frames = tmp_path / "t.mp4", tmp_path / "f.mp4"
    for out, opt in ((by_time, ("--duration", "1s")), (by_frames, ("--frames", 24))):
        result = invoke("join", a, b, "-o", out, "--method", "crossfade", *opt)
        assert result.exit_code == 0, result.output
    assert same(decode(ff, by_time), decode(ff, by_frames))
    assert probe.probe(ff, by_time).frame_count == 30 + 24 + 30
    both = invoke("join", a, b, "-o", tmp_path / "x.mp4", "--frames", 12, "--duration", "1s")
    assert both.exit_code == 2 and "--frames or --duration, not both" in both.output


def test_cut_points_insert_mode_plays_a_to_its_out_and_b_from_its_in(ff, clips, tmp_path):
    a, b = clips
    out = tmp_path / "out.mp4"
    result = invoke("join", a, b, "-o", out, "--a-out", "2s", "--b-in", "00:00:01:00",
                    "--frames", 24, "--method", "crossfade")
    assert result.exit_code == 0, result.output
    got, fa, fb = decode(ff, out), decode(ff, a), decode(ff, b)
    assert len(got) == 49 + 24 + 72
    assert same(got[:30], fa[:30]) and same(got[-66:], fb[30:])
    assert np.abs(got[48] - fa[48]).mean() < 5  # A's frame 48 is the last before the transition
    first = (24 / 25) * fa[48] + (1 / 25) * fb[24]  # made from A's 48 and B's 24
    assert np.abs(got[49] - first).mean() < 5
    assert np.abs(got[49 + 24] - fb[24]).mean() < 5  # B resumes at its in point


def test_cut_points_on_keyframes_are_stream_copied_whole(ff, clips, tmp_path):
    """A's out point 59 ends the GOP 30..59, B's in point 30 starts one: nothing is re-encoded."""
    a, b = clips
    out = tmp_path / "out.mp4"
    result = invoke("join", a, b, "-o", out, "--a-out", "59f", "--b-in", "30f", "--frames", 6,
                    "--method", "crossfade", "--json")
    assert result.exit_code == 0, result.output
    assert "smart render: 0 clip frames re-encoded" in result.output
    summary = json.loads(result.output[result.output.index("{"):])
    assert summary["clip_ranges"] == [[0, 60], [30, 96]] and summary["reencoded_clip_frames"] == 0
    got, fa, fb = decode(ff, out), decode(ff, a), decode(ff, b)
    assert same(got[:60], fa[:60]) and same(got[66:], fb[30:])


def test_cut_points_in_the_reencode_path(ff, clips, tmp_path):
    a, b = clips
    out = tmp_path / "out.mkv"
    result = invoke("join", a, b, "-o", out, "--a-out", "1.5", "--b-in", "00:00:02:00",
                    "--frames", 6, "--method", "crossfade", "--reencode")
    assert result.exit_code == 0, result.output
    got, fa, fb = decode(ff, out), decode(ff, a), decode(ff, b)
    assert len(got) == 37 + 6 + 48
    assert np.abs(got[36] - fa[36]).mean() < 5 and np.abs(got[43] - fb[48]).mean() < 5


def test_mpegts_clips_are_cut_without_seeking(ff, tmp_path):
    """MPEG-TS starts at ~1.4 s and its seeks miss: A is still copied up to a keyframe, B's part
    after its in point is re-encoded, and the frame count is exact."""
    a = make_clip(tmp_path / "a.ts", size=SIZE, frames=48, gop=12)
    b = make_clip(tmp_path / "b.ts", size=SIZE, frames=48, gop=12, source="mandelbrot")
    out = tmp_path / "out.mp4"
    result = invoke("join", a, b, "-o", out, "--overlap", "--frames", 6, "--b-in", "5f",
                    "--method", "crossfade")
    assert result.exit_code == 0, result.output
    got, fa = decode(ff, out), decode(ff, a)
    assert len(got) == 48 + 43 - 6 == probe.probe(ff, out).frame_count
    assert same(got[:36], fa[:36])  # copied up to A's keyframe 36, before its overlap at 42


@pytest.mark.parametrize("args, message", [
    (("--a-out", "5s"), "a.mp4: --a-out 5s is frame 120, past its last frame 95"),
    (("--b-in", "100f"), "b.mp4: --b-in 100f is frame 100"),
    (("--a-out", "2.5x"), "is not a time"),
])
def test_out_of_range_cut_points_are_one_line_errors(clips, tmp_path, args, message):
    a, b = clips
    result = invoke("join", a, b, "-o", tmp_path / "out.mp4", "--method", "crossfade", *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.mp4").exists()


def test_list_file_in_out_points_and_per_cut_duration(ff, clips, tmp_path):
    a, b = clips
    reel = tmp_path / "reel.txt"
    reel.write_text(f"{a}\nin 10f\nout 2s\nduration 0.5s\n{b}\nin 1s\nframes 6\n{a}\n"
                    "out 00:00:01:00\n")
    out = tmp_path / "reel.mp4"
    result = invoke("join", "--from", reel, "-o", out, "--overlap", "--method", "crossfade",
                    "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])
    # clip 1 plays 10..48 (39), clip 2 24..95 (72), clip 3 0..24 (25); overlaps 12 and 6
    assert summary["frames"] == probe.probe(ff, out).frame_count == 39 + 72 + 25 - 12 - 6
    assert [c["frames"] for c in summary["cuts"]] == [[27, 39], [93, 99]]  # [start, end)


def test_overlap_timelines_match_the_joined_file(ff, clips, tmp_path):
    import opentimelineio as otio

    a, b = clips
    out = tmp_path / "out.mp4"
    result = invoke("join", a, b, "-o", out, "--overlap", "--duration", "1s", "--method",
                    "crossfade", "--timeline", "otio,fcp7,edl")
    assert result.exit_code == 0, result.output
    tl = otio.adapters.read_from_file(str(tmp_path / "out.otio"))
    track = tl.video_tracks()[0]
    assert track.duration().to_frames() == probe.probe(ff, out).frame_count == 168
    ranges = [(c.source_range.start_time.to_frames(), c.source_range.duration.to_frames())
              for c in track]
    assert ranges == [(0, 72), (0, 24), (24, 72)]
    xml = otio.adapters.read_from_file(str(tmp_path / "out.xml"), adapter_name="fcp_xml")
    assert xml.video_tracks()[0].duration().to_frames() == 168


def test_export_overlap_has_real_handles_and_a_timeline(ff, clips, tmp_path):
    import opentimelineio as otio

    a, b = clips
    out = tmp_path / "seg.mov"
    result = invoke("export", a, b, "-o", out, "--overlap", "--frames", 24, "--handles", 6,
                    "--method", "crossfade", "--timeline", "otio")
    assert result.exit_code == 0, result.output
    seg, fa, fb = decode(ff, out), decode(ff, a), decode(ff, b)
    assert len(seg) == 24 + 2 * 6
    assert np.abs(seg[0] - fa[66]).mean() < 4 and np.abs(seg[-1] - fb[29]).mean() < 4
    track = otio.adapters.read_from_file(str(tmp_path / "seg.otio")).video_tracks()[0]
    assert track.duration().to_frames() == 168
    too_many = invoke("export", a, b, "-o", tmp_path / "x.mov", "--overlap", "--frames", 60,
                      "--handles", 40, "--method", "crossfade")
    assert too_many.exit_code == 1 and "needs 40 frames beside the overlap" in too_many.output


@pytest.mark.parametrize("method", ["vae", "flow"])
def test_every_method_works_in_overlap_mode_and_in_the_reencode_path(ff, clips, tmp_path,
                                                                     method):
    import torch

    torch.manual_seed(0)
    model = VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()
    a, b = clips
    spec = TransitionSpec(frames=12, method=method, long_side=32, overlap=True)
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "out.mkv"), spec, reencode=True,
                           cache=False), ff, model=model)
    assert not res.passthrough and res.total_frames == 96 + 96 - 12
    assert probe.probe(ff, res.out).frame_count == 180 and res.cuts == ((84, 96),)
