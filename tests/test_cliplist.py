"""Clip lists: in and out points, per-cut lengths in frames or time, and their line errors."""

import textwrap
from fractions import Fraction

import pytest

from vae_transition.join import cliplist
from vae_transition.join.cliplist import ClipListError, parse_clip_list, read_clip_list
from vae_transition.timing import ClipPoints, Time, parse_duration, parse_time

# the module docstring's example, so the documented syntax is the tested one
REEL = textwrap.dedent(cliplist.__doc__.split("Example:\n", 1)[1].split('"""')[0])


def test_in_out_and_lengths():
    parsed = parse_clip_list(REEL, "/lists", "reel.txt")
    assert parsed.clips == ("/lists/intro.mp4", "/lists/scene two.mp4", "/abs/path/outro.mov")
    assert parsed.cut_lengths == (Time("36f", frame=36), parse_duration("1.5"))
    assert parsed.points == (ClipPoints(end=parse_time("12.5s")),
                             ClipPoints(parse_time("00:00:01:12"), parse_time("240f")),
                             ClipPoints())
    assert [t and t.frame for t in parsed.cut_lengths] == [36, None]
    assert parsed.points[1].start.what == "reel.txt:7 in"  # later errors name the line
    assert parsed.cut_lengths[1].to_frames(Fraction(24000, 1001)) == 36


def test_old_lists_read_as_before():
    parsed = parse_clip_list("a.mp4\nframes 5\nframes 7\nb.mp4\nc.mp4\n", "/x")
    assert [t and t.frame for t in parsed.cut_lengths] == [7, None]  # a repeated line wins
    assert parsed.points == (ClipPoints(),) * 3
    assert parse_clip_list("a\nframes 2\nb\n").cut_lengths[0].duration


def test_points_resolve_with_the_line_in_the_message():
    parsed = parse_clip_list("a.mp4\nb.mp4\nin 5s\n", "/x", "reel.txt")
    with pytest.raises(ValueError) as info:
        parsed.points[1].resolve(96, Fraction(24), "b.mp4")
    assert str(info.value) == ("b.mp4: reel.txt:3 in 5s is frame 120, past its last frame 95 "
                               "(4.00 s at 24 fps)")


@pytest.mark.parametrize("text, msg", [
    ("in 1s\na\nb\n", r"^reel\.txt:1: 'in' must come after the clip it sets$"),
    ("duration 1\na\nb\n", r"^reel\.txt:1: 'duration' must come between two clips$"),
    ("a\nb\nduration 1\n", r"^reel\.txt:3: 'duration 1' after the last clip has no cut"),
    ("a\nin 1s\nin 2s\nb\n", r"^reel\.txt:3: a second 'in' for \./a$"),
    ("a\nout 1s\nout 1s\nb\n", r"^reel\.txt:3: a second 'out' for \./a$"),
    ("a\nframes 3\nduration 1\nb\n",
     r"^reel\.txt:3: 'duration 1' and 'frames 3' \(line 2\) both set one cut's length; keep one$"),
    ("a\nduration 1\nframes 3\nb\n", r"^reel\.txt:3: 'frames 3' and 'duration 1' \(line 2\)"),
    ("a\nin 2.5x\nb\n",
     r"^reel\.txt:2 in: '2\.5x' is not a time \(use 2\.5, 2\.5s, 60f or 00:00:02:12\)$"),
    ("a\nout -1\nb\n", r"^reel\.txt:2 out: '-1' is negative"),
    ("a\nduration 0\nb\n", r"^reel\.txt:2 duration: '0' is not a duration > 0$"),
    ("a\nduration 00:00:01;00\nb\n", "drop-frame"),
    ("a\nframes 0\nb\n", r"^reel\.txt:2: 'frames 0' needs a whole number >= 1$"),
    ("a\nframes 1001\nb\n", r"^reel\.txt:2: frames 1001 is outside 1\.\.1000$"),
])
def test_line_errors(text, msg):
    with pytest.raises(ClipListError, match=msg) as info:
        parse_clip_list(text, ".", "reel.txt")
    assert "\n" not in str(info.value)


def test_keyword_lookalike_paths(tmp_path):
    # the new keywords take a line only when a time follows: old lists keep these clips
    parsed = parse_clip_list("./in 2.mp4\nin the rain.mp4\nout takes.mp4\nframes.mp4\n", "/x")
    assert parsed.clips == ("/x/./in 2.mp4", "/x/in the rain.mp4", "/x/out takes.mp4",
                            "/x/frames.mp4")
    assert parsed.points == (ClipPoints(),) * 4
    (tmp_path / "reel.txt").write_text("a.mp4\nout 2s\nb.mp4\n", encoding="utf-8")
    parsed = read_clip_list(str(tmp_path / "reel.txt"))
    assert parsed.clips == (str(tmp_path / "a.mp4"), str(tmp_path / "b.mp4"))
    assert parsed.points[0].end.what == f"{tmp_path / 'reel.txt'}:2 out"
