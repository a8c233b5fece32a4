"""Encode raw RGB frames (the transition) into a clip that matches another clip's stream.

Two targets: a segment that can be stream-copied between the clips (same codec, pixel format,
profile and colour tags as clip A), and a lossless intermediate for the re-encode path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo, input_url
from ffmpeg_scripts.process import open_pipe

# Codecs whose segments we can encode ourselves and splice by stream copy.
ENCODERS = {"h264": "libx264", "hevc": "libx265"}
# ffmpeg's profile names -> x264's --profile values (x265 picks its profile from the pix_fmt).
X264_PROFILES = {
    "baseline": "baseline", "constrained baseline": "baseline", "main": "main", "high": "high",
    "high 10": "high10", "high 4:2:2": "high422", "high 4:4:4 predictive": "high444",
}
# Pixel formats libx264 / libx265 take as they are; anything else is encoded as yuv420p.
X26X_PIX_FMTS = {"yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le",
                 "yuv444p10le"}
# Colour matrices swscale knows by the names ffmpeg prints in a stream header.
MATRICES = {"bt709", "bt470bg", "smpte170m", "bt2020nc", "fcc", "smpte240m"}


@dataclass(frozen=True)
class VideoFormat:
    """What an encoded segment must look like to sit beside a clip."""

    width: int
    height: int
    fps: Fraction                 # exact, e.g. Fraction(24000, 1001)
    codec: str = "h264"           # ffmpeg codec name of the target stream
    pix_fmt: str = "yuv420p"
    profile: str | None = None    # ffmpeg's name, e.g. "High"
    color: str | None = None      # colour matrix tag, e.g. "bt709"; None = untagged (bt601)
    crf: int = 16                 # visually lossless for x264; x265 gets crf + 2
    rotation: int = 0             # the clip's display rotation (0, 90, 180, 270), see coded_size

    @classmethod
    def of(cls, info: ClipInfo) -> VideoFormat:
        codec = info.codec if info.codec in ENCODERS else "h264"
        pix = info.pix_fmt if info.pix_fmt in X26X_PIX_FMTS else "yuv420p"
        return cls(info.width, info.height, info.fps, codec, pix.replace("yuvj", "yuv"),
                   info.profile, info.color, rotation=info.rotation)

    @property
    def coded_size(self) -> tuple[int, int]:
        """(w, h) as stored in the stream: width and height are the upright picture's, and a
        phone clip stores it turned by `rotation` (its display matrix turns it back)."""
        return (self.height, self.width) if self.rotation % 180 == 90 else (self.width, self.height)


def to_coded(frame: np.ndarray, rotation: int, upright: bool = False) -> np.ndarray:
    """An upright (H, W, 3) frame turned the way a clip with this display rotation stores it
    (upright=True: the reverse, a stored frame turned upright)."""
    turns = (rotation // 90) % 4
    return np.rot90(frame, turns if upright else -turns) if turns else frame


def raw_input_args(width: int, height: int, fps: Fraction) -> list[str]:
    """ffmpeg input options for rgb24 frames of (height, width, 3) uint8 on stdin."""
    return ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-framerate", f"{fps.numerator}/{fps.denominator}", "-i", "pipe:0"]


def color_args(color: str | None) -> tuple[str, list[str]]:
    """(scale filter, output tags) so RGB -> YUV uses the same matrix the clip is decoded with."""
    if color not in MATRICES:
        # Untagged clips decode as bt601; convert with it but leave the segment untagged too, so
        # a decoder sees no parameter change at the splice.
        return "scale=out_color_matrix=bt470bg:out_range=tv,setparams=colorspace=unknown", []
    scale = f"scale=out_color_matrix={color}:out_range=tv"
    tags = ["-colorspace", color]
    if color == "bt709":
        tags += ["-color_primaries", "bt709", "-color_trc", "bt709"]
    return scale, tags


def segment_args(ff: FFmpegBinary, fmt: VideoFormat, out: str) -> list[str]:
    """Encode stdin frames to a segment that matches `fmt` closely enough to be stream-copied."""
    scale, tags = color_args(fmt.color)
    args = ff.base() + raw_input_args(*fmt.coded_size, fmt.fps)
    args += ["-vf", f"{scale},format={fmt.pix_fmt}", *_codec_args(fmt)]
    return args + tags + ["-an", "-f", "mp4", "-y", out]


def span_args(ff: FFmpegBinary, clip: ClipInfo, start: int, count: int, fmt: VideoFormat,
              out: str) -> list[str]:
    """Re-encode a clip's frames start..start+count-1 (display order) as a segment matching
    `fmt` (the smart render's GOP pieces): YUV to YUV in one ffmpeg run, with no RGB round trip,
    and stored as the clip stores them (-noautorotate: a phone clip's frames stay turned)."""
    _, tags = color_args(fmt.color)
    rate = f"{fmt.fps.denominator}/({fmt.fps.numerator}*TB)"  # frame n at n / fps exactly
    vf = f"select=gte(n\\,{start}),setpts=(N)*{rate},format={fmt.pix_fmt}"
    return ff.base() + ["-noautorotate", "-reinit_filter", "0", "-i", input_url(clip.path),
                        "-map", "0:V:0", "-fps_mode", "passthrough", "-vf", vf,
                        "-frames:v", str(count), *_codec_args(fmt), *tags,
                        "-an", "-f", "mp4", "-y", out]


def _codec_args(fmt: VideoFormat) -> list[str]:
    """Encoder, pixel format, preset, quality and profile matching `fmt`'s stream."""
    enc = ENCODERS[fmt.codec]
    args = ["-c:v", enc, "-pix_fmt", fmt.pix_fmt]
    if enc == "libx264":
        args += ["-preset", "medium", "-crf", str(fmt.crf)]
        profile = X264_PROFILES.get((fmt.profile or "").lower())
        if profile and (profile != "baseline" or fmt.pix_fmt == "yuv420p"):
            args += ["-profile:v", profile]
        return args
    return args + ["-preset", "medium", "-crf", str(fmt.crf + 2), "-x265-params",
                   "log-level=error", "-tag:v", "hvc1"]


def lossless_args(ff: FFmpegBinary, width: int, height: int, fps: Fraction, out: str) -> list[str]:
    """Encode stdin frames losslessly in RGB (FFV1 in Matroska): an intermediate for re-encoding."""
    return ff.base() + raw_input_args(width, height, fps) + [
        "-c:v", "ffv1", "-pix_fmt", "bgr0", "-an", "-f", "matroska", "-y", out]


def write_frames(args: list[str], frames: Iterable[np.ndarray], size: tuple[int, int]) -> int:
    """Pipe (H, W, 3) uint8 RGB frames of size=(w, h) into the ffmpeg command `args`; count them."""
    return write_frames_many([(args, size, None)], frames)


def write_frames_many(targets: list[tuple[list[str], tuple[int, int], Callable | None]],
                      frames: Iterable[np.ndarray]) -> int:
    """Pipe every frame into several ffmpeg commands at once, each frame made only once.

    targets: (args, (w, h) it takes, turn) where turn maps the frame to what that command takes
    (None: as it is). Returns the frame count; a frame of the wrong size is a ValueError.
    """
    count = 0
    with ExitStack() as stack:
        pipes = [(stack.enter_context(open_pipe(args, stdin=True)), size, turn)
                 for args, size, turn in targets]
        for frame in frames:
            for proc, (w, h), turn in pipes:
                out = turn(frame) if turn else frame
                if out.shape != (h, w, 3) or out.dtype != np.uint8:
                    raise ValueError(f"frame {count} is {out.shape} {out.dtype}, expected "
                                     f"({h}, {w}, 3) uint8")
                proc.stdin.write(np.ascontiguousarray(out).tobytes())
            count += 1
    return count


def encode_transition(ff: FFmpegBinary, frames: Iterable[np.ndarray], fmt: VideoFormat,
                      segment: str | None, lossless: str | None) -> int:
    """Encode upright frames, as they are made, into a segment that matches `fmt` (stored
    turned like the clips) and/or a lossless FFV1 copy at fmt's size; returns the frame count."""
    targets = []
    if segment:
        targets.append((segment_args(ff, fmt, segment), fmt.coded_size,
                        lambda f: to_coded(f, fmt.rotation)))
    if lossless:
        targets.append((lossless_args(ff, fmt.width, fmt.height, fmt.fps, lossless),
                        (fmt.width, fmt.height), None))
    return write_frames_many(targets, frames)


def encode_segment(ff: FFmpegBinary, frames: Iterable[np.ndarray], fmt: VideoFormat, out: str) -> int:
    """Encode upright frames as a segment matching `fmt` (stored turned like the clips, so the
    output's display matrix shows it upright too); returns the frame count."""
    coded = (to_coded(f, fmt.rotation) for f in frames)
    return write_frames(segment_args(ff, fmt, out), coded, fmt.coded_size)


def encode_lossless(ff: FFmpegBinary, frames: Iterable[np.ndarray], width: int, height: int,
                    fps: Fraction, out: str) -> int:
    """Encode frames to a lossless FFV1 intermediate; returns the frame count."""
    return write_frames(lossless_args(ff, width, height, fps, out), frames, (width, height))
