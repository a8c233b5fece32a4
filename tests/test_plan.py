"""Where a join's frames come from (join/plan.py) and which keyframes a copy may cut at
(keyframes.py): pure, no ffmpeg."""

from fractions import Fraction

import pytest

from ffmpeg_scripts.keyframes import Keyframe, cut_points
from vae_transition.join.plan import LayoutError, Part, lay_out, parts, reencoded_frames


def keys(*indices, fps=24):
    return tuple(Keyframe(i, Fraction(i, fps), Fraction(i - 2, fps)) for i in indices)


def test_overlap_of_24_on_two_96_frame_clips_makes_168_frames():
    clips, cuts = lay_out([(0, 96), (0, 96)], [24], True, ["a", "b"])
    assert [c.body for c in clips] == [(0, 72), (24, 96)]
    assert (cuts[0].a_range, cuts[0].b_range) == ((72, 96), (0, 24))
    out = parts(clips, cuts)
    assert sum(p.frames for p in out) == 96 + 96 - 24


def test_insert_with_cut_points_plays_a_to_its_out_point_and_b_from_its_in_point():
    clips, cuts = lay_out([(0, 49), (24, 96)], [24], False, ["a", "b"])
    assert (cuts[0].a_range, cuts[0].b_range) == ((48, 49), (24, 25))  # A's frame 48 is beside it
    assert sum(p.frames for p in parts(clips, cuts)) == 49 + 24 + 72


def test_a_clip_too_short_for_its_overlaps_is_a_one_line_error():
    with pytest.raises(LayoutError, match="b: plays 30 frames, too few for overlaps of 24 and 24"):
        lay_out([(0, 96), (0, 30), (0, 96)], [24, 24], True, ["a", "b", "c"])


def test_smart_render_reencodes_only_the_gops_the_overlap_cuts_into():
    """GOPs of 30: A's overlap starts at 72 (GOP 60..89), B's ends at 24 (GOP 0..29)."""
    clips, cuts = lay_out([(0, 96), (0, 96)], [24], True, ["a", "b"])
    out = parts(clips, cuts, [keys(0, 30, 60, 90), keys(0, 30, 60, 90)], [96, 96])
    assert out == [Part("copy", 0, 0, 60), Part("reencode", 0, 60, 72), Part("make", 0, 0, 24),
                   Part("reencode", 1, 24, 30), Part("copy", 1, 30, 96)]
    assert reencoded_frames(out) == 12 + 6


def test_cut_points_on_keyframes_copy_everything():
    clips, cuts = lay_out([(0, 60), (30, 96)], [12], False, ["a", "b"])
    out = parts(clips, cuts, [keys(0, 30, 60, 90), keys(0, 30, 60, 90)], [96, 96])
    assert reencoded_frames(out) == 0 and [p.kind for p in out] == ["copy", "make", "copy"]


def test_a_body_without_a_clean_span_is_reencoded_whole():
    clips, cuts = lay_out([(0, 96), (0, 96)], [24], True, ["a", "b"])
    out = parts(clips, cuts, [keys(0), keys(0, 90)], [96, 96])
    assert out[0] == Part("reencode", 0, 0, 72)  # A's only keyframe is 0: nothing to copy up to
    assert Part("reencode", 1, 24, 90) in out and Part("copy", 1, 90, 96) in out


def test_without_exact_seek_a_copy_only_starts_at_the_first_frame():
    """MPEG-TS: the concat demuxer's seek misses, so B's body after its in point is re-encoded;
    A's copy may still end early (an outpoint needs no seek)."""
    clips, cuts = lay_out([(0, 96), (0, 96)], [24], True, ["a.ts", "b.ts"])
    out = parts(clips, cuts, [keys(0, 30, 60, 90)] * 2, [96, 96], [False, False])
    assert out[0] == Part("copy", 0, 0, 60) and out[-1] == Part("reencode", 1, 24, 96)


def packets(*rows):
    """framecrc rows (dts, pts, key) in decode order -> probe's (dts, pts, duration, flags)."""
    return [(d, p, 1, 1 if k else 0) for d, p, k in rows]


def test_keyframes_of_closed_gops_are_cut_points_in_display_order():
    # I0 P3 B1 B2 | I4 P6 B5: both GOPs closed
    pk = packets((-1, 0, 1), (0, 3, 0), (1, 1, 0), (2, 2, 0), (3, 4, 1), (4, 6, 0), (5, 5, 0))
    assert [k.index for k in cut_points(Fraction(1, 24), pk)] == [0, 4]
    assert cut_points(Fraction(1, 24), pk)[1].dts == Fraction(3, 24)


def test_an_open_gop_keyframe_is_not_a_cut_point():
    # I0 P3 B1 B2 | I6 B4 B5 (B4, B5 follow I6 in decode order but show before it)
    pk = packets((-1, 0, 1), (0, 3, 0), (1, 1, 0), (2, 2, 0), (3, 6, 1), (4, 4, 0), (5, 5, 0))
    assert [k.index for k in cut_points(Fraction(1, 24), pk)] == [0]
