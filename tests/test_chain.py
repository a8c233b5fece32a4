"""Chains: many clips in one reel, list files, per-cut lengths, the segment cache, summaries."""

import json
from fractions import Fraction

import pytest
from click.testing import CliRunner

from conftest import make_clip
from ffmpeg_scripts import probe
from vae_transition.cli import cli
from vae_transition.join.cliplist import ClipListError, parse_clip_list
from vae_transition.join.pipeline import JoinRequest, join
from vae_transition.morph.transition import TransitionSpec

XFADE = TransitionSpec(frames=4, method="crossfade")


def test_clip_list_format(tmp_path):
    text = "# reel\nintro.mp4\nframes 36\n\nscene two.mp4\n/abs/outro.mov\n"
    parsed = parse_clip_list(text, "/lists")
    assert parsed.clips == ("/lists/intro.mp4", "/lists/scene two.mp4", "/abs/outro.mov")
    assert [t and t.frame for t in parsed.cut_lengths] == [36, None]
    for bad, msg in [("a.mp4\n", "at least two"), ("frames 3\na\nb\n", "between two clips"),
                     ("a\nframes x\nb\n", "whole number"), ("a\nb\nframes 3\n", "last clip")]:
        with pytest.raises(ClipListError, match=msg):
            parse_clip_list(bad, ".")


def test_mixed_chain_is_one_valid_reel(ff, tmp_path):
    clips = [make_clip(tmp_path / "c1.mp4", size=(64, 48), frames=10, audio=True),
             make_clip(tmp_path / "c2.mp4", size=(48, 64), frames=12, fps="30", source="mandelbrot"),
             make_clip(tmp_path / "c3.mp4", size=(80, 48), frames=6, fps="24000/1001",
                       source="smptebars", audio=True),
             make_clip(tmp_path / "c4.mp4", size=(64, 48), frames=8, source="rgbtestsrc")]
    notes = []
    res = join(JoinRequest(tuple(map(str, clips)), str(tmp_path / "reel.mp4"), XFADE, jobs=2),
               ff, notes.append)
    info = probe.probe(ff, res.out)
    # c2: 12 frames at 30 fps -> 0.4 s -> 10 frames at 24; c3: 6 frames at 23.976 -> 6 at 24
    assert info.frame_count == res.total_frames == 10 + 4 + 10 + 4 + 6 + 4 + 8
    assert (info.width, info.height, info.fps) == (64, 48, Fraction(24))
    assert sum("conforming" in n for n in notes) == 2
    assert len(info.audio) == 1
    assert res.cuts == ((10, 14), (24, 28), (34, 38))  # [start, end)


def test_list_file_per_cut_frames_cache_json_preview_timeline(ff, tmp_path):
    for name, src in (("a.mp4", "testsrc2"), ("b b.mp4", "mandelbrot"), ("c.mp4", "smptebars")):
        make_clip(tmp_path / name, frames=8, source=src)
    reel = tmp_path / "reel.txt"
    reel.write_text("a.mp4\nframes 6\nb b.mp4\nc.mp4\n")
    out = tmp_path / "reel.mp4"
    args = ["join", "--from", str(reel), "-o", str(out), "--method", "crossfade", "-n", "3",
            "--json", "--preview", "--timeline", "otio,edl"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert [c["frames"] for c in summary["cuts"]] == [[8, 14], [22, 25]]  # [start, end)
    assert summary["frames"] == 8 + 6 + 8 + 3 + 8
    assert all(c["metrics"]["splice_ratio"] > 0 for c in summary["cuts"])
    # the scoring --json asks for is timed apart from the transitions it scores
    assert summary["timings"]["scoring"] > 0 and summary["timings"]["transitions"] >= 0
    assert {p.rsplit(".", 1)[1] for p in summary["previews"]} == {"png", "gif"}
    assert any(p.endswith(".otio") for p in summary["timelines"])
    for path in summary["previews"] + summary["timelines"]:
        assert (tmp_path / path).exists()
    # change the last clip: only the second cut is recomputed
    make_clip(tmp_path / "c.mp4", frames=8, source="rgbtestsrc")
    second = CliRunner().invoke(cli, args + ["--overwrite"])
    assert second.exit_code == 0, second.output
    cached = [c["cached"] for c in json.loads(second.stdout)["cuts"]]
    assert cached == [True, False]


def test_size_and_fps_targets(ff, tmp_path):
    a = make_clip(tmp_path / "a.mp4", frames=12)
    b = make_clip(tmp_path / "b.mp4", frames=12, source="mandelbrot")
    res = join(JoinRequest((str(a), str(b)), str(tmp_path / "o.mp4"), XFADE, size=(96, 96),
                           fps=Fraction(12)), ff)
    info = probe.probe(ff, res.out)
    assert (info.width, info.height, info.fps) == (96, 96, Fraction(12))
    assert info.frame_count == 6 + 4 + 6 and not res.passthrough


def test_bad_chain_options(tmp_path):
    a = make_clip(tmp_path / "a.mp4", frames=4)
    for extra, word in [(["--size", "big"], "WIDTHxHEIGHT"), (["--fps", "0"], "1..240"),
                        (["--timeline", "avid"], "unknown timeline format"),
                        (["--from", str(tmp_path / "none.txt")], "no such list file")]:
        result = CliRunner().invoke(cli, ["join", "-o", str(tmp_path / "o.mp4"), *extra]
                                    + ([] if "--from" in extra else [str(a), str(a)]))
        assert result.exit_code != 0 and word in result.output, result.output
        assert "Traceback" not in result.output


def test_eight_mixed_clips_give_one_reel_with_audio_the_length_of_the_picture(ff, tmp_path):
    from test_join import audio_seconds

    specs = [((64, 48), "24", 12, True), ((48, 64), "30", 15, False), ((64, 48), "24000/1001", 10, True),
             ((56, 56), "25", 10, False), ((64, 48), "24", 9, True), ((80, 48), "24", 8, False),
             ((64, 48), "60", 30, True), ((64, 48), "24", 6, False)]
    sources = ["testsrc2", "mandelbrot", "smptebars", "rgbtestsrc", "testsrc", "cellauto",
               "life", "mandelbrot"]
    clips = [str(make_clip(tmp_path / f"c{i}.mp4", size=size, fps=fps, frames=n, audio=audio,
                           source=src))
             for i, ((size, fps, n, audio), src) in enumerate(zip(specs, sources))]
    res = join(JoinRequest(tuple(clips), str(tmp_path / "reel.mp4"), XFADE, jobs=2), ff)
    info = probe.probe(ff, res.out)
    # conformed to 24 fps: 15@30 -> 12, 10@23.976 -> 10, 10@25 -> 10, 30@60 -> 12
    assert info.frame_count == res.total_frames == 12 + 12 + 10 + 10 + 9 + 8 + 12 + 6 + 7 * 4
    assert (info.width, info.height, info.fps) == (64, 48, Fraction(24))
    assert len(res.cuts) == 7 and len(info.audio) == 1
    assert audio_seconds(ff, res.out) == pytest.approx(float(info.duration), abs=0.05)
