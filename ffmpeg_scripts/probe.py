"""Probe a clip with ffmpeg alone (no ffprobe): size, exact frame rate, exact frame count, codec.

One ffmpeg run, no decoding, so it stays fast for long clips:

    ffmpeg -loglevel info -copyts -i file:/abs/clip.mp4 -map 0:V:0 -c copy -f framecrc pipe:1

- stderr carries the input's stream header ("Stream #0:0...: Video: h264 (High) ..., yuv420p(tv,
  bt709, progressive), 1280x768 [SAR 1:1 DAR 5:3], ... 23.98 fps, 23.98 tbr, 24k tbn").
- stdout carries "#tb 0: 1/24000" and one line per video packet (dts, pts, duration, size, crc,
  flags). Packets flagged DISCARD (F=0x4: outside an MP4 edit list, e.g. after a `-c copy` cut
  at a non-keyframe) are decoded but never output, so they are not frames. The rest are exactly
  the decoder's frames for x264 output with B-frames (tests compare with a real decode).
- The frame rate is tb * (most common packet duration) when that is a standard rate (24, 25,
  24000/1001, ...); otherwise (e.g. Matroska's 1 ms ticks: 42, 41, 42 ms) the header's rounded
  "fps"/"tbr" snapped to the nearest standard rate; otherwise the mean over the packets.
- `0:V:0` (capital V) skips cover art, so an .m4a with a picture still "has no video stream".
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg

from ffmpeg_scripts import graphs, header
from ffmpeg_scripts import packets as framecrc
from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.errors import FFmpegError, MediaError, last_error_line
from ffmpeg_scripts.header import EXACT_SEEK, AudioInfo
from ffmpeg_scripts.keyframes import Keyframe, cut_points
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.process import run_capture

_DISCARD = framecrc.DISCARD  # F=0x4
_NOPTS = framecrc.NOPTS
@dataclass(frozen=True)
class ClipInfo:
    path: str  # absolute path
    width: int  # of the decoded picture (after ffmpeg's autorotation of phone clips)
    height: int
    fps: Fraction  # exact, e.g. Fraction(24000, 1001)
    frame_count: int  # number of video frames a decoder outputs
    codec: str  # "h264", "hevc", "prores", "vp9", ...
    profile: str | None  # "High", "Main", ... when ffmpeg says
    pix_fmt: str  # "yuv420p", ...
    sar: Fraction  # sample aspect ratio (1 when unknown)
    audio: tuple[AudioInfo, ...]
    color: str | None  # the YUV matrix when tagged, e.g. "bt709"; None when untagged
    rotation: int = 0  # display rotation in degrees (0, 90, 180, 270): width/height are upright
    keyframes: tuple[Keyframe, ...] = ()  # clean cut points for stream copies (keyframes.py)
    exact_seek: bool = True  # a copy may start at any of them (MP4/MOV, Matroska); False: only
                             # at the first frame (MPEG-TS: the concat demuxer's seek misses)
    tags: tuple[tuple[str, str], ...] = ()  # the file's own metadata: (key, value), as written
    colour: Colour = Colour()  # range, matrix, primaries, transfer (its matrix is `color`)
    hidden_tail: bool = False  # an edit list hides packets after its first frame (a trimmed
                               # end): a copy to the clip's end would show them
    steady: bool = True  # every frame k shows at k / fps (to a quarter frame): copied packets
                         # keep their times, so only a steady clip can be stream-copied

    def __post_init__(self) -> None:
        if self.color and not self.colour.matrix:  # made with a matrix alone (tests, old code)
            object.__setattr__(self, "colour", Colour(matrix=self.color))

    def tag(self, key: str) -> str | None:
        """A file metadata value by key, any case (Matroska writes keys in capitals)."""
        return next((v for k, v in self.tags if k.lower() == key.lower()), None)

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @property
    def duration(self) -> Fraction:
        """Seconds of picture: frame_count / fps."""
        return self.frame_count / self.fps


def input_url(path: str | os.PathLike) -> str:
    """How to name a user's file to ffmpeg: absolute (a leading "-" is never an option) and with
    the file: protocol (a ':' in the name is never read as a protocol such as "http:")."""
    return "file:" + os.path.abspath(os.fspath(path))


def probe_args(ff: FFmpegBinary, path: str) -> list[str]:
    """The one probing command (see the module docstring); info level prints the header."""
    # -copyts: packet times as the file holds them (not shifted to start at 0), so a keyframe's
    # time is the one the concat demuxer's inpoint/outpoint refer to (MPEG-TS starts at ~1.4 s)
    video = ffmpeg.input(input_url(path))["V:0"]
    return graphs.command(ff, ffmpeg.output(video, "pipe:1", c="copy", format="framecrc"),
                          "info", ("-copyts",))


def timecode_args(ff: FFmpegBinary, path: str) -> list[str]:
    """Open the file and copy one packet to nowhere: stderr shows its header and metadata."""
    video = ffmpeg.input(input_url(path))["V:0"]
    return graphs.command(ff, ffmpeg.output(video, "-", c="copy", format="null",
                                            **{"frames:v": 1}), "info")


def start_timecode(ff: FFmpegBinary, path: str) -> str | None:
    """A file's start timecode as written ("01:00:00:00"), or None when it has none."""
    _, stderr = run_capture(timecode_args(ff, path),
                            what=f"ffmpeg (reading the timecode of {path})")
    return header.parse_start_timecode(stderr)


def probe(ff: FFmpegBinary, path: str | os.PathLike) -> ClipInfo:
    """Probe `path`; MediaError (one line naming the file) when it is not a usable clip."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise MediaError(f"{name}: no such file")
    if os.path.isdir(name):
        raise MediaError(f"{name}: is a directory, not a video file")
    if os.path.getsize(name) == 0:
        raise MediaError(f"{name}: is empty (0 bytes)")
    cmd = probe_args(ff, name)
    try:
        out, stderr = run_capture(cmd, what=f"ffmpeg (probing {name})")
    except FFmpegError as exc:
        raise _open_error(name, exc.stderr, cmd) from exc
    return parse_probe(name, stderr, out.decode("utf-8", errors="replace"))


def count_frames(ff: FFmpegBinary, path: str | os.PathLike) -> int:
    """Video frames in a file we wrote ourselves (a segment may hold a single frame, which
    probe() refuses for a clip): the same packet listing, counted."""
    out, _ = run_capture(probe_args(ff, os.fspath(path)),
                         what=f"ffmpeg (counting the frames of {path})")
    _, packets = _parse_packets(out.decode("utf-8", errors="replace"))
    return sum(1 for p in packets if not p[3] & _DISCARD)


def _open_error(name: str, stderr: str, cmd: list[str]) -> MediaError:
    """Why ffmpeg could not even start copying packets."""
    if header.input_header(stderr) and not header.video_line(stderr):
        return MediaError(f"{name}: has no video stream", cmd, stderr)
    reasons = re.findall(r"Error opening input: (.+)", stderr)
    reason = reasons[-1].strip() if reasons else last_error_line(stderr)
    return MediaError(f"{name}: not a readable video file (ffmpeg: {reason})", cmd, stderr)


def parse_probe(path: str, stderr_header: str, packet_lines: str) -> ClipInfo:
    """ClipInfo from the probing run's stderr and its framecrc stdout (pure: no ffmpeg)."""
    video = header.video_line(stderr_header)
    if video is None:
        raise MediaError(f"{path}: has no video stream", stderr=stderr_header)
    header.check_complete(path, stderr_header)
    try:
        v = header.parse_video(video[0])
        tb, packets = _parse_packets(packet_lines)
    except ValueError as exc:  # ffmpeg printed something we do not understand
        raise MediaError(f"{path}: {exc}", stderr=stderr_header) from exc
    frames = [p for p in packets if not p[3] & _DISCARD]
    if len(frames) < 2:
        has = "no frames" if not frames else "only 1 frame"
        raise MediaError(f"{path}: has {has}; a clip needs at least 2", stderr=stderr_header)
    if v["pix_fmt"] is None:
        why = last_error_line(header.input_header(stderr_header) or stderr_header)
        if "Could not find codec parameters" in stderr_header:
            why = "could not find codec parameters"
        raise MediaError(f"{path}: its video cannot be decoded (ffmpeg: {why})",
                         stderr=stderr_header)
    width, height = v["size"]
    if video[1] % 180 == 90:  # ffmpeg autorotates on decode: frames come out transposed
        width, height = height, width
    try:
        fps = _frame_rate(tb, frames, v["fps"], v["tbr"])
    except ValueError as exc:
        raise MediaError(f"{path}: {exc}", stderr=stderr_header) from exc
    return ClipInfo(
        path=os.path.abspath(path), width=width, height=height,
        fps=fps, frame_count=len(frames),
        codec=v["codec"], profile=v["profile"], pix_fmt=v["pix_fmt"], sar=v["sar"],
        audio=tuple(header.parse_audio(p) for _, k, p, _ in header.streams(stderr_header) if k == "Audio"),
        color=v["color"], rotation=video[1] // 90 * 90, keyframes=cut_points(tb, packets),
        exact_seek=header.demuxer(stderr_header).startswith(EXACT_SEEK),
        tags=header.file_tags(stderr_header), colour=v["colour"],
        hidden_tail=_hidden_tail(packets), steady=_steady(tb, frames, fps),
    )


# --- the packets ----------------------------------------------------------------------------

def _parse_packets(text: str) -> tuple[Fraction, list[tuple[int, int, int, int]]]:
    """framecrc text -> (time base, [(dts, pts, duration, flags)]) of stream 0."""
    stream = framecrc.parse(text).get(0, framecrc.Stream())
    return stream.tb, stream.packets


def _hidden_tail(packets: list[tuple[int, int, int, int]]) -> bool:
    """Whether an edit list hides packets shown after its first frame (a trimmed end), as
    opposed to the head of a GOP before it (leading packets, needed to decode the first)."""
    shown = [p[1] for p in packets if not p[3] & _DISCARD and p[1] != _NOPTS]
    return bool(shown) and any(p[3] & _DISCARD and p[1] > min(shown) for p in packets)


def _steady(tb: Fraction, frames: list[tuple[int, int, int, int]], fps: Fraction) -> bool:
    """Whether the frames' times are first + k / fps, each within a quarter of a frame
    (Matroska's 1 ms rounding is; a variable-rate phone clip or a gap is not)."""
    pts = sorted(p[1] for p in frames if p[1] != _NOPTS)
    if len(pts) != len(frames):
        return False
    return all(abs((p - pts[0]) * tb - k / fps) <= 1 / (4 * fps) for k, p in enumerate(pts))


def _is_standard(rate: Fraction) -> bool:
    """24, 25, 12.5, 24000/1001, 30000/1001, ...: rates that cameras and editors use."""
    if not 0 < rate <= 1000:
        return False
    return rate.denominator in (1, 2) or (rate.denominator == 1001 and rate.numerator % 1000 == 0)


def _snap(rate: float, tolerance: float) -> Fraction | None:
    """The standard rate nearest `rate`, if within `tolerance` (relative)."""
    if rate <= 0:
        return None
    candidates = [Fraction(round(rate)), Fraction(round(rate * 1.001) * 1000, 1001),
                  Fraction(round(rate * 2), 2)]
    best = min((c for c in candidates if c > 0), key=lambda c: abs(c - Fraction(rate)),
               default=None)
    return best if best is not None and abs(float(best) - rate) <= tolerance * rate else None


def _frame_rate(tb: Fraction, frames: list[tuple[int, int, int, int]],
                header_fps: float | None, header_tbr: float | None) -> Fraction:
    """Exact frames per second (see the module docstring for the order of evidence)."""
    durations = Counter(d for _, _, d, _ in frames if d > 0)
    exact = 1 / (tb * durations.most_common(1)[0][0]) if durations else None
    # Coarse time bases fake standard rates (1 ms ticks: 16 ms -> 62.5 for 59.94), so the exact
    # value must also agree with ffmpeg's own average rate when it printed one.
    agrees = header_fps is None or (exact is not None and abs(exact - Fraction(header_fps))
                                    <= Fraction(5, 1000) * exact)
    if exact is not None and _is_standard(exact) and agrees:
        return exact
    for rate in (header_fps, header_tbr):
        # Printed with 2 decimals: 23.98 is 24000/1001 to 0.02 %, while 24 is 0.08 % away.
        snapped = _snap(rate, 5e-4) if rate else None
        if snapped is not None:
            return snapped
    pts = [p for _, p, _, _ in frames if p != _NOPTS]
    if len(pts) >= 2 and max(pts) > min(pts):
        mean = (len(pts) - 1) / ((max(pts) - min(pts)) * tb)
        return _snap(float(mean), 2e-3) or mean.limit_denominator(1001)
    if exact is not None:
        return exact
    if header_fps:
        return Fraction(header_fps).limit_denominator(1001)
    raise ValueError("cannot tell the frame rate: no packet durations or timestamps")
