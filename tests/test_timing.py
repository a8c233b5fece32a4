"""Times as typed (seconds, frames, timecode), their frames at exact rates, and clip cut points."""

from fractions import Fraction

import pytest

from vae_transition.timing import ClipPoints, Time, TimeError, parse_duration, parse_time

NTSC = Fraction(24000, 1001)


def test_every_syntax_is_kept_as_typed():
    assert parse_time("2") == Time("2", seconds=Fraction(2))
    assert parse_time("2.5") == Time("2.5", seconds=Fraction(5, 2))
    assert parse_time(" 2.5s ") == Time("2.5s", seconds=Fraction(5, 2))
    assert parse_time(".5s") == Time(".5s", seconds=Fraction(1, 2))
    assert parse_time("60f") == Time("60f", frame=60)
    assert parse_time("00:00:02:12") == Time("00:00:02:12", timecode="00:00:02:12")
    assert parse_time("0") == Time("0", seconds=Fraction(0))  # an in point may be the first frame
    assert parse_time("0.1").seconds == Fraction(1, 10)  # exact: not the float 0.1


def test_seconds_round_half_up_at_exact_rates():
    assert parse_duration("1s").to_frames(NTSC) == 24     # 23.976 -> 24
    assert parse_duration("1.5").to_frames(NTSC) == 36    # 35.964 -> 36
    assert parse_time("10").to_frames(NTSC) == 240        # 239.76 -> 240
    assert parse_time("2.5").to_frames(Fraction(25)) == 63    # 62.5 exactly: half rounds up
    assert parse_time("0.02").to_frames(Fraction(25)) == 1  # 0.5 frames rounds up
    assert parse_time("0.1").to_frames(Fraction(25)) == 3   # 2.5 frames rounds up
    assert parse_time("60f").to_frames(NTSC) == parse_time("60f").to_frames(Fraction(25)) == 60


def test_timecode_counts_at_the_nominal_rate():
    assert parse_duration("00:00:01:00").to_frames(NTSC) == 24
    assert parse_time("00:00:02:12").to_frames(NTSC) == 60
    assert parse_time("00:01:00:00").to_frames(NTSC) == 1440  # non-drop-frame
    assert parse_time("00:00:02:12").to_frames(Fraction(25)) == 62
    with pytest.raises(TimeError, match=r"^--b-in: timecode '00:00:00:24' is out of range at 24"):
        parse_time("00:00:00:24", "--b-in").to_frames(NTSC)


@pytest.mark.parametrize("text, msg", [
    ("2.5x", r"^--a-out: '2\.5x' is not a time \(use 2\.5, 2\.5s, 60f or 00:00:02:12\)$"),
    ("", "is not a time"), ("1.5f", "is not a time"), ("2,5", "is not a time"),
    ("1e3", "is not a time"), ("nan", "is not a time"), ("5 s", "is not a time"),
    ("-2", "negative"), ("-.5s", "negative"), ("-60f", "negative"),
    ("1:02:03", "is not HH:MM:SS:FF"), ("00:00:01;00", "drop-frame"),
    ("00:61:00:00", "past 59"),
])
def test_bad_times_are_one_line_errors(text, msg):
    with pytest.raises(TimeError, match=msg) as info:
        parse_time(text, "--a-out")
    assert "\n" not in str(info.value) and str(info.value).startswith("--a-out: ")
    assert isinstance(info.value, ValueError)


def test_durations_must_be_positive():
    for zero in ("0", "0s", "0.0", "0f", "00:00:00:00"):
        with pytest.raises(TimeError, match=f"^--duration: '{zero}' is not a duration > 0$"):
            parse_duration(zero)
    with pytest.raises(TimeError, match="negative"):
        parse_duration("-1")
    tiny = parse_duration("0.01s")  # 0.24 frames at 24 fps: refused once the rate is known
    with pytest.raises(TimeError, match=r"^--duration: 0\.01s is 0 frames at 24 fps"):
        tiny.to_frames(Fraction(24))
    assert tiny.to_frames(Fraction(60)) == 1
    assert parse_time("0.01s").to_frames(Fraction(24)) == 0  # an in point of 0 is fine


def test_what_names_the_time_but_is_not_its_value():
    assert parse_time("2s", "--a-out") == parse_time("2s", "reel.txt:4 out")
    assert parse_time("2s", "--a-out").what == "--a-out"
    assert parse_duration("2s") == parse_time("2s") and parse_duration("2s").duration
    with pytest.raises(ValueError, match="exactly one"):
        Time("2", seconds=Fraction(2), frame=48)


def test_clip_points_out_is_inclusive():
    assert ClipPoints().resolve(96, Fraction(24), "a.mp4") == (0, 96)
    assert ClipPoints(end=parse_time("2s")).resolve(96, Fraction(24), "a.mp4") == (0, 49)
    assert ClipPoints(start=parse_time("1s")).resolve(96, Fraction(24), "a.mp4") == (24, 96)
    both = ClipPoints(parse_time("10f"), parse_time("10f"))
    assert both.resolve(96, Fraction(24), "a.mp4") == (10, 11)  # in == out: one frame
    assert ClipPoints(end=parse_time("95f")).resolve(96, Fraction(24), "a.mp4") == (0, 96)
    tc = ClipPoints(parse_time("00:00:01:00"), parse_time("00:00:02:12"))
    assert tc.resolve(100, NTSC, "a.mp4") == (24, 61)


def test_clip_points_out_of_range():
    fps = Fraction(24)
    with pytest.raises(TimeError) as info:
        ClipPoints(start=parse_time("5s", "--b-in")).resolve(96, fps, "b.mp4")
    assert str(info.value) == ("b.mp4: --b-in 5s is frame 120, past its last frame 95 "
                               "(4.00 s at 24 fps)")
    with pytest.raises(TimeError, match=r"^b\.mp4: reel\.txt:4 out 96f is frame 96, past"):
        ClipPoints(end=parse_time("96f", "reel.txt:4 out")).resolve(96, fps, "b.mp4")
    with pytest.raises(TimeError, match=r"at 23\.976 fps\)$"):
        ClipPoints(end=parse_time("10s", "--a-out")).resolve(96, NTSC, "a.mp4")
    with pytest.raises(TimeError, match="has no frames"):
        ClipPoints().resolve(0, fps, "empty.mp4")


def test_clip_points_in_after_out():
    points = ClipPoints(parse_time("2s", "--a-in"), parse_time("1s", "--a-out"))
    with pytest.raises(TimeError) as info:
        points.resolve(96, Fraction(24), "a.mp4")
    assert str(info.value) == ("a.mp4: --a-in 2s is frame 48, after --a-out 1s at frame 24; "
                               "nothing would play")
