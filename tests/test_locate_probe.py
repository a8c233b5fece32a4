"""Locating ffmpeg (a fixed order, clear errors) and probing clips without ffprobe."""

from __future__ import annotations

import os
import stat
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import decoded_frame_count, make_clip
from ffmpeg_scripts.errors import FFmpegNotFound, MediaError
from ffmpeg_scripts.locate import ENV_VAR, FFmpegBinary, find_ffmpeg, parse_version
from ffmpeg_scripts.probe import input_url, parse_probe, probe, probe_args
from ffmpeg_scripts.process import run

# --- locate -----------------------------------------------------------------------------------


def _fake(folder: Path, version: str, log: Path | None = None) -> Path:
    """An executable that answers `-version` like ffmpeg (and notes each run in `log`)."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "ffmpeg"
    note = f'echo run >> "{log}"\n' if log else ""
    exe.write_text(f"#!/bin/sh\n{note}echo 'ffmpeg version {version} Copyright (c) the fakes'\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No env var, an empty PATH, a fresh cache (and a fresh one again afterwards)."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    find_ffmpeg.cache_clear()
    yield monkeypatch
    find_ffmpeg.cache_clear()


def test_locate_order_explicit_env_path_bundled(clean_env, tmp_path):
    explicit = _fake(tmp_path / "explicit", "n1.0-explicit")
    env = _fake(tmp_path / "env", "2.0-env")
    on_path = _fake(tmp_path / "path", "3.0-path")

    bundled = find_ffmpeg()
    assert bundled.source == "imageio-ffmpeg" and os.path.isabs(bundled.path)
    assert bundled.version[0].isdigit()

    clean_env.setenv("PATH", str(on_path.parent))
    find_ffmpeg.cache_clear()  # the cache is keyed on (explicit, env), not on PATH
    assert find_ffmpeg() == FFmpegBinary(str(on_path), "PATH", "3.0-path")
    clean_env.setenv(ENV_VAR, str(env))
    assert find_ffmpeg() == FFmpegBinary(str(env), ENV_VAR, "2.0-env")
    got = find_ffmpeg(str(explicit))
    assert (got.path, got.source, got.version) == (str(explicit), "--ffmpeg option", "1.0-explicit")


def test_located_once_per_setting(clean_env, tmp_path):
    log = tmp_path / "runs.log"
    exe = _fake(tmp_path / "bin", "4.4", log)
    clean_env.setenv(ENV_VAR, str(exe))
    assert find_ffmpeg() is find_ffmpeg()
    assert log.read_text().count("run") == 1


def test_relative_explicit_path_becomes_absolute(clean_env, tmp_path):
    _fake(tmp_path / "rel", "5.0")
    clean_env.chdir(tmp_path)
    got = find_ffmpeg(os.path.join("rel", "ffmpeg"))
    assert got.path == str(tmp_path / "rel" / "ffmpeg")
    assert got.base()[:3] == [got.path, "-hide_banner", "-nostdin"]
    assert got.base("info")[got.base("info").index("-loglevel") + 1] == "info"


@pytest.mark.parametrize("make,words", [
    (lambda d: d / "nope" / "ffmpeg", ["does not exist"]),
    (lambda d: d, ["is a directory"]),
    (lambda d: _write(d / "plain", "x", mode=0o644), ["not executable"]),
    (lambda d: _write(d / "liar", "#!/bin/sh\necho hello\n"), ["does not look like ffmpeg"]),
    (lambda d: _write(d / "crash", "#!/bin/sh\necho boom >&2\nexit 3\n"), ["does not run", "boom"]),
])
def test_bad_named_ffmpeg_is_an_error_not_a_fallback(clean_env, tmp_path, make, words):
    bad = make(tmp_path)
    with pytest.raises(FFmpegNotFound) as err:
        find_ffmpeg(str(bad))
    msg = str(err.value)
    assert "--ffmpeg option" in msg and str(bad) in msg and "\n" not in msg
    assert all(w in msg for w in words), msg
    clean_env.setenv(ENV_VAR, str(bad))
    with pytest.raises(FFmpegNotFound) as err:
        find_ffmpeg()
    assert ENV_VAR in str(err.value) and "unset" in str(err.value)


def _write(path: Path, text: str, mode: int = 0o755) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_parse_version():
    assert parse_version("ffmpeg version n9.0.2-17-g2a571b6068-20260930 Copyright (c)") == \
        "9.0.2-17-g2a571b6068-20260930"
    assert parse_version("ffmpeg version N-117000-gabc Copyright") == "N-117000-gabc"
    assert parse_version("ffmpeg version 6.1.1-3ubuntu5 Copyright") == "6.1.1-3ubuntu5"
    assert parse_version("hello") is None


# --- probe: real clips ------------------------------------------------------------------------


def test_probe_h264_without_audio(ff, bframe_clip):
    info = probe(ff, bframe_clip)
    assert (info.width, info.height, info.fps, info.frame_count) == (64, 48, Fraction(24), 40)
    assert (info.codec, info.profile, info.pix_fmt) == ("h264", "High", "yuv420p")
    assert info.sar == 1 and info.color is None and not info.has_audio and info.audio == ()
    assert info.duration == Fraction(40, 24)
    assert info.path == str(bframe_clip.resolve())


def test_probe_h264_with_aac(ff, ntsc_clip):
    info = probe(ff, ntsc_clip)
    assert info.fps == Fraction(24000, 1001) and info.frame_count == 30
    assert info.has_audio and info.audio[0].codec == "aac"
    assert (info.audio[0].sample_rate, info.audio[0].channels) == (44100, 1)
    assert info.duration == Fraction(30 * 1001, 24000)


@pytest.mark.parametrize("fps,ext", [
    ("24000/1001", "mp4"), ("30000/1001", "mp4"), ("25", "mp4"), ("24", "mov"),
    # Matroska stores 1 ms ticks (42, 41, 42 ...): the rate comes from the header, snapped.
    ("24000/1001", "mkv"), ("60000/1001", "mkv"), ("24", "mkv"), ("25", "ts"),
])
def test_frame_rate_is_exact(ff, tmp_path, fps, ext):
    info = probe(ff, make_clip(tmp_path / f"c.{ext}", fps=fps, frames=9))
    assert info.fps == Fraction(fps) and isinstance(info.fps, Fraction)
    assert info.frame_count == 9


def test_frame_count_equals_a_real_decode(ff, bframe_clip, tmp_path):
    assert probe(ff, bframe_clip).frame_count == decoded_frame_count(bframe_clip) == 40
    # A stream-copy cut at a non-keyframe: MP4 keeps the GOP's head as DISCARD packets.
    cut = tmp_path / "cut.mp4"
    run([*ff.base(), "-ss", "0.55", "-i", input_url(bframe_clip), "-c", "copy", input_url(cut)])
    info = probe(ff, cut)
    assert info.frame_count == decoded_frame_count(cut) < 40


def test_portrait_odd_444_and_tags(ff, tmp_path):
    portrait = probe(ff, make_clip(tmp_path / "p.mp4", size=(48, 64), source="mandelbrot"))
    assert (portrait.width, portrait.height) == (48, 64)
    odd = probe(ff, make_clip(tmp_path / "o.mp4", size=(65, 49), pix_fmt="yuv444p"))
    assert (odd.width, odd.height, odd.pix_fmt, odd.profile) == (
        65, 49, "yuv444p", "High 4:4:4 Predictive")
    tagged = probe(ff, make_clip(tmp_path / "t.mp4", extra=("-colorspace", "bt709")))
    assert tagged.color == "bt709"


def test_rotated_phone_clip_reports_the_decoded_size(ff, bframe_clip, tmp_path):
    rotated = tmp_path / "rot.mp4"
    run([*ff.base(), "-display_rotation", "90", "-i", input_url(bframe_clip), "-c", "copy",
         input_url(rotated)])
    info = probe(ff, rotated)
    assert (info.width, info.height) == (48, 64)  # ffmpeg autorotates when decoding


def test_probe_args_is_pure_and_safe(ff, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args = probe_args(ff, "-rf 'x':y.mp4")
    assert args[0] == ff.path and "-nostdin" in args
    assert args[args.index("-i") + 1] == "file:" + str(tmp_path / "-rf 'x':y.mp4")
    assert args[args.index("-loglevel") + 1] == "info"
    assert sorted(args[-5:]) == sorted(["-c", "copy", "-f", "framecrc", "pipe:1"])  # packets only
    assert args[-1] == "pipe:1" and "-filter_complex" not in args  # no decode
    assert args[args.index("-map") + 1] == "0:V:0"


def test_odd_file_names(ff, bframe_clip, tmp_path, monkeypatch):
    odd = tmp_path / "-it's a \"clip\" ünï ☃ 1:2.mp4"
    odd.write_bytes(bframe_clip.read_bytes())
    assert probe(ff, odd).frame_count == 40
    monkeypatch.chdir(tmp_path)
    info = probe(ff, odd.name)  # relative, starting with "-"
    assert info.path == str(odd) and info.frame_count == 40


# --- probe: bad inputs ------------------------------------------------------------------------


def _bad(kind: str, d: Path, good: Path) -> tuple[Path, str]:
    """(a bad input of `kind`, a phrase its error must contain)."""
    if kind == "missing":
        return d / "missing.mp4", "no such file"
    if kind == "directory":
        (d / "folder.mp4").mkdir()
        return d / "folder.mp4", "is a directory"
    if kind == "empty":
        return _write(d / "empty.mp4", ""), "is empty"
    if kind == "text":
        return _write(d / "notes.mp4", "just some text\n" * 50), "not a readable video file"
    if kind == "truncated":  # the moov index is at the end: cut it off
        (d / "cut.mp4").write_bytes(good.read_bytes()[:600])
        return d / "cut.mp4", "not a readable video file"
    if kind == "truncated-faststart":  # index first, then half the packets
        full = d / "fs.mp4"
        run([*find_ffmpeg().base(), "-i", input_url(good), "-c", "copy", "-movflags",
             "+faststart", input_url(full)])
        (d / "half.mp4").write_bytes(full.read_bytes()[: full.stat().st_size // 2])
        return d / "half.mp4", "truncated"
    if kind == "audio-only":
        return make_clip(d / "tone.m4a", frames=0, audio=True), "has no video stream"
    if kind == "one-frame":
        return make_clip(d / "one.mp4", frames=1), "has only 1 frame; a clip needs at least 2"
    assert kind == "zero-frames"  # an AVI keeps a video stream with no packets
    run([*find_ffmpeg().base(), "-f", "lavfi", "-i", "testsrc2=size=32x32", "-frames:v", "0",
         input_url(d / "zero.avi")])
    return d / "zero.avi", "has no frames"


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "text", "truncated",
                                  "truncated-faststart", "audio-only", "one-frame", "zero-frames"])
def test_bad_inputs_raise_one_clear_line(ff, bframe_clip, tmp_path, kind):
    bad, phrase = _bad(kind, tmp_path, bframe_clip)
    with pytest.raises(MediaError) as err:
        probe(ff, bad)
    msg = str(err.value)
    assert "\n" not in msg and len(msg) < 200, msg
    assert msg.startswith(str(bad) + ":") and phrase in msg, msg


# --- parse_probe on canned text ---------------------------------------------------------------

HEADER = """\
[mov,mp4 @ 0x1] some warning before the header
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/clips/a.mp4':
  Duration: 00:00:01.25, start: 0.000000, bitrate: 101 kb/s
  Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1(side), fltp
  Stream #0:1[0x2](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, \
progressive), 1280x768 [SAR 4:3 DAR 20:9], 16 kb/s, 23.98 fps, 23.98 tbr, 24k tbn (default)
    Side data:
      Display Matrix: rotation of -90.00 degrees
  Stream #0:2: Video: mjpeg (Baseline), yuvj420p(pc), 32x32, 90k tbr (attached pic)
Stream mapping:
  Stream #0:1 -> #0:0 (copy)
Output #0, framecrc, to 'pipe:':
  Stream #0:0(und): Video: h264 (High), yuv420p, 320x200 [SAR 1:1 DAR 8:5], 25 fps
"""
PACKETS = "#tb 0: 1/24000\n" + "".join(
    f"0, {i * 1001}, {i * 1001}, 1001, 100, 0xabc{', F=0x4' if i < 3 else ', F=0x0'}\n"
    for i in range(10)) + "0, 10010, 10010, 1001, 90, 0xdef\n"


def test_parse_probe_canned():
    info = parse_probe("/clips/a.mp4", HEADER, PACKETS)
    assert (info.width, info.height) == (768, 1280)  # rotated by 90 degrees
    assert info.frame_count == 8  # 11 packets, 3 discarded
    assert info.fps == Fraction(24000, 1001) and info.sar == Fraction(4, 3)
    assert (info.codec, info.profile, info.pix_fmt, info.color) == ("h264", "High", "yuv420p",
                                                                    "bt709")
    assert info.audio[0].channels == 6 and info.audio[0].sample_rate == 48000


def test_parse_probe_coarse_time_base_uses_the_header_rate():
    header = HEADER.replace("23.98 fps", "29.97 fps")
    packets = "#tb 0: 1/1000\n" + "".join(f"0, {t}, {t}, {d}, 9, 0x1\n" for t, d in
                                          [(0, 33), (33, 34), (67, 33), (100, 33)])
    assert parse_probe("a.mkv", header, packets).fps == Fraction(30000, 1001)


def test_parse_probe_refusals():
    with pytest.raises(MediaError, match="^x.m4a: has no video stream$"):
        parse_probe("x.m4a", HEADER.replace("Video: h264", "Data: bin"), PACKETS)
    with pytest.raises(MediaError, match="^one.mp4: has only 1 frame; a clip needs at least 2"):
        parse_probe("one.mp4", HEADER, "#tb 0: 1/24000\n0, 0, 0, 1001, 100, 0xabc\n")
    with pytest.raises(MediaError, match="truncated"):
        parse_probe("t.mp4", HEADER + "[in#0 @ 0x2] stream 0, offset 0x1: partial file\n", PACKETS)
