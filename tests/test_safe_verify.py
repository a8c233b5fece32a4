"""The written-file check (issue 22), on what it reads: each kind of wrong file is one line
naming what differs; a right one is no line at all. Pure (synthetic readings), plus one real
file read back, and the header and showinfo text it parses.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from conftest import make_clip
from ffmpeg_scripts import packets
from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.verify import Expected, Frame, Written, problems, read_written

FPS = Fraction(24)
TB = Fraction(1, 12288)
HLG = Colour("tv", "bt2020nc", "bt2020", "arib-std-b67")
EXP = Expected(10, FPS, 64, 48, Fraction(1), HLG, audio=False)


def right(frames: int = 10) -> Written:
    """What a right 10-frame file reads as: B-frame order in packets, frames on the grid."""
    order = [0, 3, 1, 2, 4, 7, 5, 6, 8, 9][:frames]
    video = packets.Stream(TB, "video", [((k - 2) * 512, p * 512, 512, packets.KEY if k == 0
                                          else 0) for k, p in enumerate(order)])
    shown = [Frame(Fraction(k, 24), (64, 48), Fraction(1), HLG) for k in range(frames)]
    return Written({0: video}, Fraction(frames, 24), Fraction(1), 0, shown)


def only(found: list[str]) -> str:
    assert len(found) == 1, found
    return found[0]


def test_a_right_file_has_no_problem():
    assert problems(EXP, right()) == []


def test_frames_squeezed_onto_one_time_are_caught():
    """The MPEG-TS case: packets after A's got the same pts (and dts forced up by one)."""
    got = right()
    got.streams[0].packets[5:] = [(6000 + k, 6000 + k, 1, 0) for k in range(5)]
    got.frames[5:] = [replace(f, pts=Fraction(6000, 12288)) for f in got.frames[5:]]
    found = problems(EXP, got)
    assert any("frames 5..9 are at" in p for p in found), found
    assert any("picture" in p and "s long where the plan has 10 frames at 24 fps" in p
               for p in found), found


def test_non_monotonic_dts_and_repeated_pts():
    got = right()
    got.streams[0].packets[4] = (0, 4 * 512, 512, 0)  # dts goes back
    assert "non-monotonic dts" in only(problems(EXP, got))
    got = right()
    got.streams[0].packets[4] = (got.streams[0].packets[4][0], 0, 512, 0)  # pts of frame 0
    assert any("same time" in p for p in problems(EXP, got))


def test_durations_against_frames_over_fps():
    got = right()
    got.duration = Fraction(296, 100)  # the container says 2.96 s for 0.42 s of picture
    assert "says it lasts 2.96 s where the plan has 0.417 s" in only(problems(EXP, got))
    assert "has 9 frames where the plan has 10" in problems(EXP, right(9))[0]


def test_audio_present_and_as_long_as_the_picture():
    got = right()
    assert "has no audio where the plan has some" in only(problems(replace(EXP, audio=True),
                                                                   got))
    got.streams[1] = packets.Stream(Fraction(1, 48000), "audio",
                                    [(k * 1024, k * 1024, 1024, 1) for k in range(40)])
    assert "has audio 0.853 s long where the picture is 0.417 s" in only(
        problems(replace(EXP, audio=True), got))


def test_every_frames_colour_tags_against_the_plan():
    got = right()
    got.frames[3:6] = [replace(f, colour=Colour("tv", "bt2020nc")) for f in got.frames[3:6]]
    assert only(problems(EXP, got)) == ("frames 3..5 are tagged tv bt2020nc/unknown/unknown "
                                       "where the plan has tv bt2020nc/bt2020/arib-std-b67")
    # an unset range means limited: a container that adds "tv" changes nothing
    untagged = replace(EXP, colour=Colour())
    got = right()
    got.frames[:] = [replace(f, colour=Colour("tv")) for f in got.frames]
    assert problems(untagged, got) == []


def test_the_display_aspect_ratio_against_the_plan():
    got = right()
    anamorphic = replace(EXP, sar=Fraction(4, 3))
    found = problems(anamorphic, got)
    assert "has a display aspect ratio of 4:3 (SAR 1:1) where the plan has 16:9 (SAR 4:3)" \
        in found[0], found
    assert "frames 0..9 have SAR 1:1 where the plan has 4:3" in found[1], found
    got.frames[7] = replace(got.frames[7], size=(64, 36))
    assert "frame 7 is 64x36 where the plan has 64x48" in problems(EXP, got)[0]


def test_a_real_file_read_back(ff, tmp_path):
    clip = make_clip(tmp_path / "c.mp4", frames=10, audio=True, gop=5, extra=(
        "-vf", "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"))
    got = read_written(ff, str(clip))
    assert {s.kind for s in got.streams.values()} == {"video", "audio"}
    assert len(got.frames) == 10 and got.frames[0].colour == Colour("tv", "bt709", "bt709",
                                                                      "bt709")
    assert got.sar == 1 and got.duration is not None and got.corrupt == 0
    want = Expected(10, FPS, 64, 48, Fraction(1), Colour("tv", "bt709", "bt709", "bt709"), True)
    assert problems(want, got) == []
    assert "plan has 12" in problems(replace(want, frames=12), got)[0]
