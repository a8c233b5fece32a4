"""Check a file we wrote against what it should hold, before anyone sees it.

One ffmpeg run reads the file twice over (ffmpeg alone, no ffprobe):

    ffmpeg -copyts -i file:OUT  -c copy -f framecrc pipe:1   (every packet of every stream)
                                -map 0:V:0 -vf showinfo -f null -   (every frame, decoded)

- the packets: per stream, strictly increasing dts, pts never before dts; video: the frame
  count, pts that never repeat, and the stream's duration (first pts to the last frame's end)
  against frames / fps; audio: present when expected, and as long as the picture;
- the header: the container's duration, the stream's SAR (hence its display aspect ratio) and
  display rotation;
- every decoded frame (showinfo): its time against frame k at k / fps, its size and SAR, and
  its colour tags (range, matrix, primaries, transfer) against the plan's;
- the decoder's "corrupt decoded frame" warnings, counted (damage copied from a clip).

`problems()` is pure: what the file holds in, one line per mismatch out.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from fractions import Fraction

import ffmpeg

from ffmpeg_scripts import graphs, header, packets
from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.errors import WrittenFileError
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import input_url
from ffmpeg_scripts.process import run_capture

AUDIO_SLACK = Fraction(2048, 48000)  # an AAC stream ends on a whole frame of 1024 samples,
                                     # and may start with one of priming
_FRAME = re.compile(r"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s.*?\bsar:(\d+)/(\d+)\s+s:(\d+)x(\d+)")
_TB = re.compile(r"config in time_base: (\d+)/(\d+)")
_DURATION = re.compile(r"^\s*Duration: (\d+):(\d\d):(\d\d)\.(\d\d)", re.MULTILINE)
_CORRUPT = "corrupt decoded frame"


@dataclass(frozen=True)
class Expected:
    """What the plan says the file holds."""

    frames: int
    fps: Fraction
    width: int              # of the upright picture, as decoded
    height: int
    sar: Fraction           # of the stored picture
    colour: Colour
    audio: bool
    rotation: int = 0       # display rotation in degrees

    @property
    def seconds(self) -> Fraction:
        return self.frames / self.fps


@dataclass(frozen=True)
class Frame:
    """One decoded frame as showinfo prints it."""

    pts: Fraction           # seconds, in the file's own timeline
    size: tuple[int, int]
    sar: Fraction
    colour: Colour


@dataclass
class Written:
    """What a file holds, read by one ffmpeg run."""

    streams: dict[int, packets.Stream] = field(default_factory=dict)  # the output's indices
    duration: Fraction | None = None    # the container's, seconds (to 1/100 s), when it says
    sar: Fraction | None = None         # the video stream's, from the header
    rotation: int = 0
    frames: list[Frame] = field(default_factory=list)
    corrupt: int = 0                    # frames the decoder flagged as damaged

    def kind(self, kind: str) -> list[packets.Stream]:
        return [s for s in self.streams.values() if s.kind == kind]


def verify_args(ff: FFmpegBinary, path: str) -> list[str]:
    """The one reading run (see the module docstring); info level prints showinfo's lines."""
    # the frames are read for their properties, not their pixels: the deblocking filter is
    # skipped (a fifth of the decode; the tags, sizes, times and damage reports are the same).
    # One decoding thread a core: ffmpeg's default of one more kept a 2-core machine 10 %
    # slower on this check (frame threads are bit-exact, so nothing read changes)
    source = ffmpeg.input(input_url(path), skip_loop_filter="all", threads=os.cpu_count() or 1)
    listed = ffmpeg.output(source, "pipe:1", c="copy", format="framecrc", dn=None, sn=None)
    shown = source["V:0"].filter("showinfo", checksum=0)
    decoded = ffmpeg.output(shown, "-", format="null")
    return graphs.command(ff, ffmpeg.merge_outputs(listed, decoded), "info", ("-copyts",))


def read_written(ff: FFmpegBinary, path: str) -> Written:
    out, stderr = run_capture(verify_args(ff, path), what=f"ffmpeg (checking {path})")
    return parse_written(out.decode("utf-8", errors="replace"), stderr)


def parse_written(listing: str, stderr: str) -> Written:
    """Written from the run's framecrc stdout and its stderr (pure)."""
    streams = packets.parse(listing)
    video = header.video_line(stderr)
    sar = rotation = None
    if video is not None:
        sar, rotation = header.parse_video(video[0])["sar"], video[1]
    m = _DURATION.search(header.input_header(stderr))
    duration = None if m is None else (int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])
                                       + Fraction(int(m[4]), 100))
    return Written(streams, duration, sar, rotation or 0, _frames(stderr),
                   stderr.count(_CORRUPT))


def _frames(stderr: str) -> list[Frame]:
    """showinfo's frames: a line with n, pts, sar and size, then one with the colour tags."""
    frames, tb, pending = [], Fraction(1), None
    for line in stderr.splitlines():
        if "showinfo" not in line:
            continue
        if (m := _TB.search(line)) is not None:
            tb = Fraction(int(m[1]), int(m[2]))
        elif (m := _FRAME.search(line)) is not None:
            pending = (int(m[2]) * tb, (int(m[5]), int(m[6])), _ratio(int(m[3]), int(m[4])))
        elif pending is not None and (colour := Colour.from_showinfo(line)) is not None:
            frames.append(Frame(*pending, colour))
            pending = None
    return frames


def _ratio(num: int, den: int) -> Fraction:
    return Fraction(num, den) if num and den else Fraction(1)  # 0/1: unknown, i.e. square


def problems(expected: Expected, written: Written) -> list[str]:
    """Every way the file differs from the plan, one line each ([] when it is right)."""
    found = _packet_problems(expected, written) + _frame_problems(expected, written)
    return list(dict.fromkeys(found))


def _packet_problems(exp: Expected, got: Written) -> list[str]:
    videos, audios = got.kind("video"), got.kind("audio")
    if len(videos) != 1:
        return [f"has {len(videos)} video streams where the plan has 1"]
    out = []
    for stream in got.streams.values():
        out += _order_problems(f"its {stream.kind or 'other'} stream", stream)
    video = videos[0]
    shown = video.shown
    if len(shown) != exp.frames:
        out.append(f"has {len(shown)} frames where the plan has {exp.frames}")
    if len({p[1] for p in shown}) != len(shown):
        out.append("gives two frames the same time (repeated pts)")
    seconds = _span(video)
    if abs(seconds - exp.seconds) > 1 / (2 * exp.fps):
        out.append(f"has a picture {float(seconds):.3f} s long where the plan has "
                   f"{exp.frames} frames at {_fps(exp.fps)} fps = {float(exp.seconds):.3f} s")
    if exp.audio != bool(audios):
        out.append("has no audio where the plan has some" if exp.audio else
                   "has audio where the plan has none")
    for audio in audios:
        if abs(_span(audio) - exp.seconds) > AUDIO_SLACK + 1 / exp.fps:
            out.append(f"has audio {float(_span(audio)):.3f} s long where the picture is "
                       f"{float(exp.seconds):.3f} s")
    if got.duration is not None and abs(got.duration - exp.seconds) > \
            AUDIO_SLACK + 1 / exp.fps + Fraction(1, 100):
        out.append(f"says it lasts {float(got.duration):.2f} s where the plan has "
                   f"{float(exp.seconds):.3f} s")
    return out


def _order_problems(what: str, stream: packets.Stream) -> list[str]:
    dts = [p[0] for p in stream.packets if p[0] != packets.NOPTS]
    out = []
    back = sum(1 for a, b in zip(dts, dts[1:]) if b <= a)
    if back:
        out.append(f"{what} has {back} packets whose decoding time does not increase "
                   f"(non-monotonic dts)")
    early = sum(1 for d, p, _, _ in stream.packets if packets.NOPTS not in (d, p) and p < d)
    if early:
        out.append(f"{what} has {early} packets shown before they are decoded (pts < dts)")
    return out


def _span(stream: packets.Stream) -> Fraction:
    """Seconds from a stream's first shown pts to the end of its last one."""
    shown = [p for p in stream.shown if p[1] != packets.NOPTS]
    if not shown:
        return Fraction(0)
    return (max(p[1] + p[2] for p in shown) - min(p[1] for p in shown)) * stream.tb


def _frame_problems(exp: Expected, got: Written) -> list[str]:
    out = []
    if got.sar is not None and got.sar != exp.sar:
        out.append(f"has a display aspect ratio of {_dar(exp.width, exp.height, got.sar, exp)} "
                   f"(SAR {_r(got.sar)}) where the plan has "
                   f"{_dar(exp.width, exp.height, exp.sar, exp)} (SAR {_r(exp.sar)})")
    if got.rotation != exp.rotation:
        out.append(f"is rotated {got.rotation} degrees where the plan has {exp.rotation}")
    if len(got.frames) != exp.frames:
        out.append(f"decodes to {len(got.frames)} frames where the plan has {exp.frames}")
    if not got.frames:
        return out
    start = got.frames[0].pts
    shown_sar = 1 / exp.sar if exp.rotation % 180 == 90 else exp.sar  # autorotation turns it
    checks = [
        ("{be} at {got} s where the plan has {want} s",
         lambda k, f: abs(f.pts - start - k / exp.fps) > 1 / (2 * exp.fps),
         lambda k, f: (f"{float(f.pts - start):.4f}", f"{float(k / exp.fps):.4f}")),
        ("{be} {got} where the plan has {want}", lambda k, f: f.size != (exp.width, exp.height),
         lambda k, f: ("x".join(map(str, f.size)), f"{exp.width}x{exp.height}")),
        ("{have} SAR {got} where the plan has {want}", lambda k, f: f.sar != shown_sar,
         lambda k, f: (_r(f.sar), _r(shown_sar))),
        ("{be} tagged {got} where the plan has {want}", lambda k, f: not f.colour.means(exp.colour),
         lambda k, f: (f.colour.text(), exp.colour.text())),
    ]
    for text, wrong, values in checks:
        bad = [k for k, f in enumerate(got.frames) if wrong(k, f)]
        if bad:
            got_v, want_v = values(bad[0], got.frames[bad[0]])
            one = len(bad) == 1
            out.append(f"{_frames_text(bad)} " + text.format(
                got=got_v, want=want_v, be="is" if one else "are", have="has" if one else "have"))
    return out


def _frames_text(bad: list[int]) -> str:
    """[24, 25, ..., 35] -> "frames 24..35"; [7] -> "frame 7"; scattered -> "12 frames from 7"."""
    if len(bad) == 1:
        return f"frame {bad[0]}"
    if bad[-1] - bad[0] + 1 == len(bad):
        return f"frames {bad[0]}..{bad[-1]}"
    return f"{len(bad)} frames from frame {bad[0]}"


def _r(value: Fraction) -> str:
    return f"{value.numerator}:{value.denominator}"


def _dar(width: int, height: int, sar: Fraction, exp: Expected) -> str:
    w, h = (height, width) if exp.rotation % 180 == 90 else (width, height)  # stored size
    return _r(Fraction(w, h) * sar)


def _fps(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def verify(ff: FFmpegBinary, path: str, expected: Expected, what: str = "") -> Written:
    """Read `path` and raise WrittenFileError (one line: the first mismatch) unless it holds
    exactly what `expected` says; returns what was read (its corrupt-frame count)."""
    written = read_written(ff, path)
    found = problems(expected, written)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise WrittenFileError(f"{what or os.path.basename(path)}: the written file {found[0]}"
                               f"{more}; nothing was written", stderr="\n".join(found))
    return written
