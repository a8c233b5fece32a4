"""Reading frames (exact ranges, fast tails, colour) and the process runner's hygiene."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from conftest import ffmpeg_children, make_clip
from ffmpeg_scripts import frames as frames_mod
from ffmpeg_scripts import process
from ffmpeg_scripts.errors import FFmpegError, MediaError
from ffmpeg_scripts.frames import first_frames, iter_frames, last_frames, read_args
from ffmpeg_scripts.probe import ClipInfo, input_url, probe
from ffmpeg_scripts.process import run


def _info(frame_count: int, fps=Fraction(24), path="/clips/a.mp4") -> ClipInfo:
    return ClipInfo(path=path, width=64, height=48, fps=fps, frame_count=frame_count,
                    codec="h264", profile="High", pix_fmt="yuv420p", sar=Fraction(1), audio=(),
                    color=None)


def _same(xs, ys) -> bool:
    return len(xs) == len(ys) and all(np.array_equal(x, y) for x, y in zip(xs, ys))


# --- read_args: pure --------------------------------------------------------------------------


def _opt(args: list[str], option: str) -> str | None:
    return args[args.index(option) + 1] if option in args else None


def test_read_args_whole_clip(ff):
    args = read_args(ff, _info(100))
    assert args[0] == ff.path and "-nostdin" in args
    assert args[args.index("-i") + 1] == "file:/clips/a.mp4"
    assert _opt(args, "-fps_mode") == "passthrough" and args[-1] == "pipe:1"
    assert (_opt(args, "-f"), _opt(args, "-pix_fmt")) == ("rawvideo", "rgb24")
    graph = _opt(args, "-filter_complex")  # only the conversion to rgb24, with our scaler
    assert graph.startswith("[0:V:0]scale=flags=") and "format=rgb24" in graph
    assert "-ss" not in args and "select" not in graph and "-frames:v" not in args
    assert args.index("-map") > args.index("-i")


def test_read_args_range_is_by_index(ff):
    args = read_args(ff, _info(100), start=10, count=5)
    assert "select=gte(n\\,10)" in _opt(args, "-filter_complex")
    assert _opt(args, "-frames:v") == "5"
    assert "-ss" not in args


def test_read_args_from_end_seeks_before_the_input(ff):
    args = read_args(ff, _info(2400, Fraction(24000, 1001)), count=3, from_end=True)
    seek = float(args[args.index("-ss") + 1])
    assert args.index("-ss") < args.index("-i")  # input seeking: fast
    assert 2400 - 3 - 20 < seek * 24000 / 1001 < 2400 - 3  # a margin of frames before the tail
    assert "-frames:v" not in args
    assert "-ss" not in read_args(ff, _info(10), count=3, from_end=True)  # short: decode all


def test_read_args_rejects_negative_ranges(ff):
    with pytest.raises(ValueError):
        read_args(ff, _info(10), start=-1)


# --- reading real clips -----------------------------------------------------------------------


def test_iter_frames_count_shape_and_ranges(ff, bframe_clip):
    info = probe(ff, bframe_clip)
    full = list(iter_frames(ff, info))
    assert len(full) == info.frame_count == 40
    assert all(f.shape == (48, 64, 3) and f.dtype == np.uint8 for f in full)
    assert full[0].flags.writeable and not np.array_equal(full[0], full[1])
    assert _same(list(iter_frames(ff, info, start=13, count=7)), full[13:20])
    assert _same(list(iter_frames(ff, info, start=35)), full[35:])
    assert _same(list(iter_frames(ff, info, count=0)), [])


def _copy(ff, src, dst, *input_options):
    """A stream copy of `src` with input options (-ss 0.55: an edit-list cut; rotation)."""
    run([*ff.base(), *input_options, "-i", input_url(src), "-c", "copy", input_url(dst)])
    return dst


@pytest.mark.parametrize("clip", ["bframes", "ntsc", "odd444", "odd420", "editlist", "rotated"])
def test_first_and_last_frames_match_a_full_decode(ff, bframe_clip, ntsc_clip, tmp_path, clip):
    path = {
        "editlist": lambda: _copy(ff, bframe_clip, tmp_path / "cut.mp4", "-ss", "0.55"),
        "rotated": lambda: _copy(ff, ntsc_clip, tmp_path / "rot.mp4", "-display_rotation", "90"),
        "bframes": lambda: bframe_clip,
        "ntsc": lambda: ntsc_clip,
        "odd444": lambda: make_clip(tmp_path / "o.mp4", size=(65, 49), pix_fmt="yuv444p",
                                    frames=30, gop=8),
        # x264 cannot carry odd 4:2:0 sizes; FFV1 in Matroska can.
        "odd420": lambda: make_clip(tmp_path / "o.mkv", size=(65, 49), codec="ffv1", frames=30),
    }[clip]()
    info = probe(ff, path)
    full = list(iter_frames(ff, info))
    assert len(full) == info.frame_count and full[0].shape == (info.height, info.width, 3)
    for n in (1, 4):
        assert _same(first_frames(ff, info, n), full[:n])
        assert _same(last_frames(ff, info, n), full[-n:])


def test_last_frames_decodes_only_the_tail(ff, bframe_clip, monkeypatch):
    info = probe(ff, bframe_clip)
    yielded = []
    real = frames_mod._frames_from

    def counting(ff_, info_, cmd):
        for frame in real(ff_, info_, cmd):
            yielded.append(cmd)
            yield frame

    monkeypatch.setattr(frames_mod, "_frames_from", counting)
    assert len(last_frames(ff, info, 2)) == 2
    assert 2 <= len(yielded) < info.frame_count and "-ss" in yielded[0]  # no full-decode fallback


def test_last_frames_falls_back_to_a_full_decode(ff, bframe_clip, monkeypatch):
    info = probe(ff, bframe_clip)
    full = list(iter_frames(ff, info))
    real = frames_mod.read_args

    def seek_past_the_end(ff_, info_, **kw):  # a seek that lands too late yields nothing
        args = real(ff_, info_, **kw)
        return args[:1] + ["-ss", "99"] + args[1:] if kw.get("from_end") else args

    monkeypatch.setattr(frames_mod, "read_args", seek_past_the_end)
    assert _same(last_frames(ff, info, 3), full[-3:])


def test_too_many_frames_asked(ff, bframe_clip):
    info = probe(ff, bframe_clip)
    with pytest.raises(MediaError, match="has only 40 frames; 41 were needed"):
        last_frames(ff, info, 41)
    assert last_frames(ff, info, 0) == []
    with pytest.raises(MediaError, match="only 40 frames"):
        first_frames(ff, info, 41)


def test_odd_file_name(ff, bframe_clip, tmp_path, monkeypatch):
    odd = tmp_path / "-it's a \"clip\" ünï ☃ 1:2.mp4"
    odd.write_bytes(bframe_clip.read_bytes())
    monkeypatch.chdir(tmp_path)
    info = probe(ff, odd.name)
    assert len(first_frames(ff, info, 2)) == 2 and len(last_frames(ff, info, 2)) == 2


def test_colour_conversion_follows_the_tag(ff, tmp_path):
    """Untagged: BT.601 limited range (swscale's default); tagged bt709: BT.709."""
    for tag, (kr, kb) in [(None, (0.299, 0.114)), ("bt709", (0.2126, 0.0722))]:
        extra = ("-colorspace", tag) if tag else ()
        path = make_clip(tmp_path / f"c{tag}.mp4", frames=2, pix_fmt="yuv444p", extra=extra)
        info = probe(ff, path)
        assert info.color == tag
        rgb = first_frames(ff, info)[0].astype(float)
        raw = subprocess.run([*ff.base(), "-i", input_url(path), "-frames:v", "1", "-f",
                              "rawvideo", "-pix_fmt", "yuv444p", "pipe:1"],
                             capture_output=True, check=True).stdout
        y, u, v = np.frombuffer(raw, np.uint8).reshape(3, 48, 64).astype(float)
        y, u, v = (y - 16) / 219, (u - 128) / 224, (v - 128) / 224
        r = y + 2 * (1 - kr) * v
        b = y + 2 * (1 - kb) * u
        g = (y - kr * r - kb * b) / (1 - kr - kb)
        want = np.clip(np.stack([r, g, b], -1) * 255, 0, 255)
        assert np.abs(rgb - want).mean() < 1.0, tag


# --- the process runner -----------------------------------------------------------------------


@pytest.fixture
def popens(monkeypatch):
    """Every Popen started during the test."""
    started = []
    real = subprocess.Popen

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            started.append(self)

    monkeypatch.setattr(process.subprocess, "Popen", Recording)
    return started


def test_abandoned_reader_leaves_no_ffmpeg(ff, tmp_path, popens):
    clip = make_clip(tmp_path / "long.mp4", size=(320, 240), frames=120, bframes=False)
    info = probe(ff, clip)
    popens.clear()
    reader = iter_frames(ff, info)
    next(reader)
    reader.close()  # what `break` in a for loop does once the generator is dropped
    assert popens[0].returncode is not None and popens[0].stdout.closed
    for frame in iter_frames(ff, info):  # noqa: B007
        break
    assert popens[1].returncode is not None and ffmpeg_children() == []


def test_exception_in_consumer_kills_ffmpeg(ff, bframe_clip, popens):
    info = probe(ff, bframe_clip)
    with pytest.raises(ZeroDivisionError):
        for _ in iter_frames(ff, info):
            1 / 0
    assert popens[-1].returncode is not None and ffmpeg_children() == []


class _InterruptedBetweenFrames:
    """A reader whose consumer is interrupted after one frame, while the reader is suspended
    (a signal landing in deque's own loop, not in the reader's read)."""

    def __init__(self, reader):
        self.reader, self.calls = reader, 0

    def __iter__(self):
        return self

    def __next__(self):
        self.calls += 1
        if self.calls == 2:
            raise KeyboardInterrupt
        return next(self.reader)

    def close(self):
        self.reader.close()


def test_an_interrupt_between_two_frames_kills_the_tail_reader(ff, bframe_clip, popens):
    """keep_last closes its reader however it ends, not when the traceback holding it is freed
    (the CLI's exit holds it while the reader's ffmpeg decodes on)."""
    reader = _InterruptedBetweenFrames(iter_frames(ff, probe(ff, bframe_clip)))
    with pytest.raises(KeyboardInterrupt) as caught:
        frames_mod.keep_last(reader, 3)
    assert caught.traceback  # still held here, and with it the reader
    assert popens[-1].returncode is not None and ffmpeg_children() == []


def test_kill_running_ends_a_reader_left_suspended(ff, bframe_clip, popens):
    """The CLI's last step on its way out: a reader nobody closed is killed and reaped."""
    reader = iter_frames(ff, probe(ff, bframe_clip))
    next(reader)  # suspended mid-stream, ffmpeg waiting to write the next frame
    assert ffmpeg_children() != []
    assert process.kill_running() >= 1
    assert popens[-1].returncode is not None and ffmpeg_children() == []
    assert process.kill_running() == 0
    reader.close()


def test_run_raises_with_ffmpeg_words(ff, tmp_path):
    cmd = [*ff.base(), "-i", input_url(tmp_path / "none.mp4"), "-f", "null", "-"]
    with pytest.raises(FFmpegError) as err:
        process.run(cmd, what="ffmpeg (test)")
    assert str(err.value).startswith("ffmpeg (test) failed: ")
    assert "No such file or directory" in str(err.value) and err.value.cmd == cmd
    assert "No such file" in err.value.stderr


def test_run_reaps_on_ctrl_c(ff, monkeypatch, popens):
    def interrupted(self, *a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess.Popen, "communicate", interrupted)
    endless = [*ff.base(), "-f", "lavfi", "-i", "testsrc2", "-f", "null", "-"]
    with pytest.raises(KeyboardInterrupt):
        process.run(endless)
    assert popens[0].returncode is not None and ffmpeg_children() == []


def test_open_pipe_turns_a_dead_writer_into_ffmpeg_error(ff, tmp_path):
    # ffmpeg refuses the raw input (bad size) and exits; writing on raises BrokenPipeError.
    cmd = [*ff.base(), "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "0x0", "-i", "pipe:0",
           "-f", "null", "-"]
    with pytest.raises(FFmpegError) as err:
        with process.open_pipe(cmd, stdin=True) as proc:
            for _ in range(1000):
                proc.stdin.write(b"\0" * 65536)
    assert "failed" in str(err.value) and err.value.stderr and ffmpeg_children() == []


def test_open_pipe_reports_a_failed_exit(ff, tmp_path):
    cmd = [*ff.base(), "-i", input_url(tmp_path / "none.mp4"), "-f", "null", "-"]
    with pytest.raises(FFmpegError, match="No such file or directory"):
        with process.open_pipe(cmd, stdout=True) as proc:
            assert proc.stdout.read() == b""


def test_chroma_is_interpolated_not_repeated_in_2x2_blocks(ff, tmp_path):
    """Red left of column 32, green from it, in 4:2:0: column 31 shares no chroma sample with
    column 32, but lies between sample 15 (red) and 16 (green). Repeating samples over 2x2
    pixels (swscale's unscaled default) makes it pure red and the edge a 2 px colour block;
    interpolated, it is part-way to green."""
    clip = tmp_path / "edge.mp4"
    run([*ff.base(), "-f", "lavfi", "-i",
         "color=c=red:s=64x16:r=24,drawbox=x=32:y=0:w=32:h=16:color=lime:t=fill",
         "-frames:v", "2", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", str(clip)],
        what="ffmpeg (test clip)")
    frame = next(iter_frames(ff, probe(ff, str(clip)))).astype(int)
    args = read_args(ff, _info(2))
    assert "flags=bicubic+accurate_rnd+full_chroma_int" in args[args.index("-filter_complex") + 1]
    red, edge, green = frame[8, 28], frame[8, 31], frame[8, 34]
    assert red[0] > 200 and red[1] < 40 and green[1] > 200 and green[0] < 40
    assert edge[1] - red[1] > 25  # part-way towards green
