"""Right timestamps for every container A comes in (issue 22): MPEG-TS, MP4 with an edit list,
Matroska, MOV, any start time, and outputs in MP4, MOV and Matroska. Each case is built from
ffmpeg's own sources; the joined file is read back independently of the product's own check:
every decoded frame k at k / fps, dts rising in every stream, the container as long as the
picture. And the check itself: the old splice of such a clip is caught, nothing is written.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import decoded_frame_count, make_clip
from ffmpeg_scripts.probe import input_url, probe
from ffmpeg_scripts.process import run, run_capture
from vae_transition.cli import cli

FPS = 24
A_FRAMES, B_FRAMES, N = 24, 12, 6
FAST = ("--method", "crossfade", "-n", str(N), "--no-cache")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _remux(ff, src: Path, dest: Path, before=(), after=()) -> Path:
    """src's packets copied into dest (its container), with input and output options."""
    run([*ff.base(), "-y", *before, "-i", input_url(src), "-c", "copy", *after, input_url(dest)])
    return dest


# name -> how clip A is made from an MP4 (H.264, GOP 12, B-frames): the containers and start
# times the issue lists. A copy cut at a non-keyframe hides the GOP's head with an edit list.
CASES = {
    "mpegts": ("a.ts", ("-bsf:v", "h264_mp4toannexb")),       # starts at 1.4 s, 90 kHz
    "matroska": ("a.mkv", ()),                                # 1 ms ticks
    "mov": ("a.mov", ()),
    "start-10s": ("a.mp4", ("-output_ts_offset", "10")),
    "mkv-start-5s": ("a.mkv", ("-output_ts_offset", "5")),
    "edit-list": ("a.mp4", ()),                               # made with an input seek
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ts")
    a = make_clip(folder / "src.mp4", frames=A_FRAMES, gop=12)
    b = make_clip(folder / "b.mp4", frames=B_FRAMES, gop=12, source="mandelbrot")
    return folder, a, b


def _clip_a(ff, sources, case: str) -> Path:
    folder, src, _ = sources
    name, options = CASES[case]
    dest = folder / f"{case}-{name}"
    if case == "edit-list":
        return _remux(ff, src, dest, before=("-ss", "0.3"))
    return _remux(ff, src, dest, after=options)


def read_back(ff, path: Path) -> tuple[list[Fraction], dict[int, list[int]], float]:
    """(each decoded frame's time from the first, seconds; every stream's dts in packet order;
    the container's duration), read with plain ffmpeg commands."""
    out, err = run_capture([*ff.base("info"), "-copyts", "-i", input_url(path), "-map", "0:V:0",
                            "-fps_mode", "passthrough", "-f", "framecrc", "pipe:1"])
    lines = out.decode().splitlines()
    tb = next(Fraction(ln.split(":", 1)[1].strip()) for ln in lines if ln.startswith("#tb 0"))
    pts = [int(ln.split(",")[2]) * tb for ln in lines if ln.startswith("0,")]
    hms = err.split("Duration: ", 1)[1].split(",", 1)[0]
    h, m, s = hms.split(":")
    raw, _ = run_capture([*ff.base(), "-i", input_url(path), "-map", "0", "-c", "copy", "-f",
                          "framecrc", "pipe:1"])
    dts: dict[int, list[int]] = {}
    for ln in raw.decode().splitlines():
        if ln[:1].isdigit():
            fields = ln.split(",")
            dts.setdefault(int(fields[0]), []).append(int(fields[1]))
    return [p - pts[0] for p in pts], dts, int(h) * 3600 + int(m) * 60 + float(s)


def assert_right_timestamps(ff, path: Path, frames: int) -> None:
    times, dts, duration = read_back(ff, path)
    assert len(times) == frames
    late = [(k, float(t)) for k, t in enumerate(times)
            if abs(t - Fraction(k, FPS)) > Fraction(1, 2 * FPS)]
    assert late == [], f"frames off the 1/{FPS} s grid: {late[:5]}"
    for stream, values in dts.items():
        assert all(b > a for a, b in zip(values, values[1:])), f"stream {stream}: dts not rising"
    assert abs(duration - frames / FPS) <= 0.05, duration


@pytest.mark.parametrize("case", list(CASES))
def test_every_container_as_clip_a_gives_the_plans_timestamps(ff, sources, case, tmp_path):
    a = _clip_a(ff, sources, case)
    b = sources[2]
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    assert result.exit_code == 0, result.output
    shown = probe(ff, a).frame_count  # the edit list hides the GOP's head
    assert shown == (A_FRAMES if case != "edit-list" else decoded_frame_count(a)) < A_FRAMES + 1
    assert "pass-through" in result.output  # the clips' packets are copied, not re-encoded
    assert_right_timestamps(ff, out, shown + N + B_FRAMES)


@pytest.mark.parametrize("case", ["mpegts", "edit-list", "mkv-start-5s"])
def test_every_container_in_the_reencode_path(ff, sources, case, tmp_path):
    a = _clip_a(ff, sources, case)
    out = tmp_path / "out.mov"
    result = invoke("join", *FAST, "--reencode", "-o", out, a, sources[2])
    assert result.exit_code == 0, result.output
    assert_right_timestamps(ff, out, probe(ff, a).frame_count + N + B_FRAMES)


@pytest.mark.parametrize("ext", ["mov", "mkv"])
def test_mpegts_a_into_mov_and_matroska_outputs(ff, sources, ext, tmp_path):
    out = tmp_path / f"out.{ext}"
    result = invoke("join", *FAST, "-o", out, _clip_a(ff, sources, "mpegts"), sources[2])
    assert result.exit_code == 0, result.output
    assert_right_timestamps(ff, out, A_FRAMES + N + B_FRAMES)


def test_matroska_b_and_cut_points_copy_between_keyframes(ff, sources, tmp_path):
    """B in Matroska after an MP4 A, with in/out points: copies from and to clean keyframes
    (smart render) land on the grid too."""
    b = _clip_a(ff, sources, "matroska")
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, sources[1], b, "--a-out", "15f", "--b-in", "3f")
    assert result.exit_code == 0, result.output
    assert "smart render" in result.output
    assert_right_timestamps(ff, out, 16 + N + (A_FRAMES - 3))


def test_the_old_splice_of_an_mpegts_clip_is_caught_and_nothing_is_written(
        ff, sources, tmp_path, monkeypatch):
    """The concat demuxer fed the .ts itself (as before this issue): every frame after A's lands
    on one timestamp. The written-file check says so in one line; no output appears."""
    from ffmpeg_scripts import splice
    from vae_transition.join import assemble

    monkeypatch.setattr(assemble, "copy_frames", lambda ff, part, info, fmt, path, stop=None:
                        splice.Piece(info.path, part.frames, fmt.fps))
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, _clip_a(ff, sources, "mpegts"), sources[2])
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: the splice: the written file")
    assert "nothing was written" in error
    assert "Traceback" not in result.output
    assert not out.exists() and not [n for n in os.listdir(tmp_path) if n.startswith(".")]


@pytest.mark.parametrize("first", [True, False])
def test_a_variable_rate_clip_is_retimed_not_copied(ff, sources, tmp_path, first):
    """A clip with a gap (frames 12.. two frames late): its packets keep their times when
    copied, which the plan cannot hold, so it takes the re-encode path, on the grid."""
    vfr = make_clip(tmp_path / "vfr.mp4", frames=A_FRAMES, extra=(
        "-vf", "setpts='(N+2*gte(N,12))/24/TB'", "-fps_mode", "passthrough"))
    assert not probe(ff, vfr).steady and probe(ff, sources[2]).steady
    clips = (vfr, sources[2]) if first else (sources[2], vfr)
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, *clips)
    assert result.exit_code == 0, result.output
    assert "re-encode" in result.output and "variable frame rate" in result.output
    assert_right_timestamps(ff, out, A_FRAMES + N + B_FRAMES)


def test_an_edit_list_that_hides_the_end_stops_the_copy_at_a_clean_keyframe():
    """Packets an edit list hides after the last frame shown (a trimmed end) would be shown by
    a copy to the clip's end: the plan copies up to a clean keyframe and re-encodes the rest."""
    from ffmpeg_scripts.keyframes import Keyframe
    from ffmpeg_scripts.probe import _hidden_tail
    from vae_transition.join.plan import COPY, REENCODE, ClipUse, Part, parts

    hidden, shown = 0x4, 0x0  # framecrc's F=0x4 (an edit list hides it) and F=0x0
    head = [(0, -2, 1, hidden | 1), (1, 0, 1, shown), (2, 1, 1, shown)]  # a GOP's hidden head
    assert not _hidden_tail(head)
    assert _hidden_tail(head + [(3, 5, 1, hidden)])  # hidden, and shown after frame 0
    keys = (Keyframe(0, Fraction(0), Fraction(0), 0), Keyframe(12, Fraction(1, 2),
                                                               Fraction(1, 2), 12))
    use = [ClipUse(0, 20, (0, 20))]
    assert parts(use, [], [keys], [20]) == [Part(COPY, 0, 0, 20)]
    assert parts(use, [], [keys], [20], hidden_tail=[True]) == [
        Part(COPY, 0, 0, 12), Part(REENCODE, 0, 12, 20)]
