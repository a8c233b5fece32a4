"""The splice and encode commands, built without running ffmpeg."""

from fractions import Fraction

import pytest

from ffmpeg_scripts.audio import Sound, takes
from ffmpeg_scripts.encode import VideoFormat, segment_args
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import AudioInfo, ClipInfo
from ffmpeg_scripts.splice import (Piece, SplicePlan, can_passthrough, concat_list,
                                   conformed_frames, muxer_for, passthrough_args, reencode_args)

FF = FFmpegBinary("/usr/bin/ffmpeg", "PATH", "test")


def clip(path="/m/a.mp4", *, size=(64, 48), fps=Fraction(24), frames=10, codec="h264",
         pix_fmt="yuv420p", audio=False, color=None):
    tracks = (AudioInfo("aac", 44100, 2),) if audio else ()
    return ClipInfo(path=path, width=size[0], height=size[1], fps=fps, frame_count=frames,
                    codec=codec, profile="High", pix_fmt=pix_fmt, sar=Fraction(1), audio=tracks,
                    color=color)


def plan(a, b, *, n=4, passthrough=True, out="/o/.out.tmp.mp4"):
    nb = conformed_frames(b, a.fps)
    pieces = (Piece(a.path, a.frame_count, a.fps), Piece("/t/seg.mp4", n, a.fps),
              Piece(b.path, nb, b.fps))
    sounds = (Sound(a, 0, a.frame_count, (0, a.frame_count)), Sound(b, 0, nb, (0, nb)))
    return SplicePlan(pieces, VideoFormat.of(a), out, "mp4", passthrough, sounds, (n,))


def test_concat_list_escapes_quotes_and_pins_durations():
    text = concat_list(["it's here.mp4"], (Piece("/m/x.mp4", 48, Fraction(24000, 1001)),))
    assert "file 'it'\\''s here.mp4'" in text and "/m/x.mp4" not in text
    assert "duration 2.002000000" in text


def test_concat_list_refuses_line_breaks():
    with pytest.raises(ValueError, match="line break"):
        concat_list(["x\nfile /etc/other.mp4\n#"], (Piece("/m/x.mp4", 4, Fraction(24)),))


def test_passthrough_copies_video_and_never_passes_paths_as_options():
    a, b = clip("/m/-a.mp4"), clip("/m/b.mp4")
    args = passthrough_args(FF, plan(a, b), "/o/list.ffconcat")
    assert args[args.index("-c:v") + 1] == "copy"
    assert "-an" in args  # no clip has audio, so neither does the output
    for i, tok in enumerate(args):
        if tok == "-i":
            assert args[i + 1].startswith(("/", "file:/"))


def test_audio_graph_bridges_and_covers_the_whole_picture():
    a, b = clip(audio=True), clip("/m/b.mp4")  # B is silent: silence of its length
    args = passthrough_args(FF, plan(a, b, n=12), "/o/list.ffconcat")
    graph = args[args.index("-filter_complex") + 1]
    inputs = [args[i + 1] for i, tok in enumerate(args) if tok == "-i"]
    assert inputs[1:] == ["file:/m/a.mp4", "anullsrc=r=48000:cl=stereo"]  # A's audio, silence
    assert "[1:a:0]aresample=48000" in graph and "[2:a]asplit=2" in graph
    assert "]concat=a=1:n=3:v=0[" in graph
    assert "afade=curve=qsin:ns=24000:ss=0:t=out" in graph and "t=in" in graph
    # each stretch's audio is cut to its picture: 10/24 s = 20000 samples, 12/24 s bridge
    assert "whole_len=20000" in graph and "ns=24000" in graph
    assert args[args.index("-c:a") + 1] == "aac" and args[args.index("-c:v") + 1] == "copy"


def test_overlap_audio_crossfades_the_overlapped_frames_to_the_sample():
    """Overlap at 24000/1001: A plays 0..71 then fades over its 72..95 while B's 0..23 fade in;
    B's body starts at its frame 24, and the stretches tile the output sample-exactly."""
    fps = Fraction(24000, 1001)
    a, b = clip(audio=True, fps=fps, frames=96), clip("/m/b.mp4", audio=True, fps=fps, frames=96)
    sounds = (Sound(a, 0, 96, (0, 72)), Sound(b, 0, 96, (24, 96)))
    (body_a,), (fade_a, fade_b), (body_b,) = takes(sounds, (24,), fps)
    per_frame = Fraction(48000) / fps  # 2002 samples
    assert (body_a.start, body_a.length) == (0, 72 * per_frame)
    assert (fade_a.start, fade_a.fade, fade_b.start, fade_b.fade) == (72 * per_frame, "out", 0, "in")
    assert fade_a.length == fade_b.length == 24 * per_frame
    assert (body_b.start, body_b.length) == (24 * per_frame, 72 * per_frame)


def test_reencode_conforms_every_input_to_the_first_clip():
    a = clip(size=(64, 48), fps=Fraction(24))
    b = clip("/m/b.mp4", size=(48, 64), fps=Fraction(30), frames=30)
    p = plan(a, b, passthrough=False)
    graph = " ".join(reencode_args(FF, p))
    assert graph.count("pad=64:48") == 3 and graph.count("fps=24/1") == 3
    assert p.total_frames == 10 + 4 + 24


def test_passthrough_needs_same_codec_size_pix_fmt_and_rate():
    a = clip()
    assert can_passthrough(a, clip("/m/b.mp4"))
    assert not can_passthrough(a, clip("/m/b.mp4", codec="vp9"))
    assert not can_passthrough(a, clip("/m/b.mp4", size=(66, 48)))
    assert not can_passthrough(a, clip("/m/b.mp4", fps=Fraction(25)))
    assert not can_passthrough(a, clip("/m/b.mp4", pix_fmt="yuv444p12le"))


def test_segment_matches_clip_colour_and_profile():
    fmt = VideoFormat.of(clip(color="bt709"))
    args = segment_args(FF, fmt, "/t/seg.mp4")
    assert "out_color_matrix=bt709" in " ".join(args)
    assert args[args.index("-colorspace") + 1] == "bt709"
    assert args[args.index("-profile:v") + 1] == "high"
    assert args[args.index("-framerate") + 1] == "24/1"


def test_output_type_comes_from_the_extension():
    assert muxer_for("x.MOV") == "mov"
    with pytest.raises(ValueError, match="unsupported output type"):
        muxer_for("x.gif")


def test_a_clip_used_twice_is_one_input_split_for_each_use():
    """a b a: ffmpeg-python merges equal inputs, so the picture and the sound of A are split
    for their two uses (a filter's output feeds one input)."""
    a, b = clip(audio=True, frames=10), clip("/m/b.mp4")
    pieces = (Piece(a.path, 10, a.fps), Piece("/t/s1.mkv", 4, a.fps), Piece(b.path, 10, b.fps),
              Piece("/t/s2.mkv", 4, a.fps), Piece(a.path, 10, a.fps))
    sounds = (Sound(a, 0, 10, (0, 10)), Sound(b, 0, 10, (0, 10)), Sound(a, 0, 10, (0, 10)))
    p = SplicePlan(pieces, VideoFormat.of(a), "/o/x.mp4", "mp4", False, sounds, (4, 4))
    args = reencode_args(FF, p)
    inputs = [args[i + 1] for i, tok in enumerate(args) if tok == "-i"]
    assert inputs.count("file:/m/a.mp4") == 1 and len(inputs) == 5  # a, s1, b, s2, silence
    graph = args[args.index("-filter_complex") + 1]
    assert "split=2" in graph and "asplit=4" in graph  # A's sound: 2 bodies, 2 bridges
    assert "concat=a=0:n=5:v=1" in graph and p.total_frames == 38
