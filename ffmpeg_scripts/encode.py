"""Encode raw RGB frames (the transition) into a clip that matches another clip's stream.

Two targets: a segment that can be stream-copied between the clips (same codec, pixel format,
profile and colour tags as clip A), and a lossless intermediate for the re-encode path. Also the
smart render's re-encoded GOPs and the preview GIF. encoder_options() is the one place for the
x264 / x265 flags (the splice's re-encode uses it too). Each command is an ffmpeg-python graph
(graphs.py), compiled to argv.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg
import numpy as np

from ffmpeg_scripts import graphs
from ffmpeg_scripts.colour import Colour
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
# The lossless frames files (lossless_args): (codec, pixel format) as a probe reports them.
LOSSLESS = ("utvideo", "gbrp")
# Pixel formats libx264 / libx265 take as they are; anything else is encoded as yuv420p.
X26X_PIX_FMTS = {"yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le",
                 "yuv444p10le"}


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
    colour: Colour = Colour()     # range, matrix, primaries, transfer: what every frame carries
    sar: Fraction = Fraction(1)   # sample aspect ratio of the stored picture (anamorphic: != 1)

    def __post_init__(self) -> None:
        if self.color and not self.colour.matrix:  # made with a matrix alone
            object.__setattr__(self, "colour", Colour(matrix=self.color))

    @classmethod
    def of(cls, info: ClipInfo) -> VideoFormat:
        codec = info.codec if info.codec in ENCODERS else "h264"
        pix = info.pix_fmt if info.pix_fmt in X26X_PIX_FMTS else "yuv420p"
        colour = info.colour
        if info.pix_fmt.startswith("yuvj") and not colour.range:  # JPEG YUV is full range
            colour = Colour("pc", colour.matrix, colour.primaries, colour.trc)
        if not info.pix_fmt.startswith(("yuv", "nv", "p01", "p21", "y2")):
            # RGB or gray (PNG, ProRes 4444 as gbr, FFV1 bgr0): "pc, gbr" describes its own
            # samples, not the YUV we encode; primaries and transfer still hold
            colour = Colour(None, None, colour.primaries, colour.trc)
        return cls(info.width, info.height, info.fps, codec, pix.replace("yuvj", "yuv"),
                   info.profile, colour.matrix, rotation=info.rotation, colour=colour,
                   sar=info.sar)

    @property
    def timescale(self) -> int:
        """The MP4 time base (ticks a second) of every piece a pass-through splice copies: a
        multiple of the rate's numerator, so each frame lasts a whole number of ticks, and at
        least 10000, like ffmpeg's own choice (24 fps: 12288; 24000/1001: 24000)."""
        ticks = self.fps.numerator
        while ticks < 10000:
            ticks *= 2
        return ticks

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


def encoder_options(fmt: VideoFormat, match_profile: bool = True) -> dict:
    """The one place for x264 / x265 flags: encoder, pixel format, preset and quality for
    `fmt`'s codec; match_profile: also its H.264 profile (a segment that sits in the clip's
    stream), else the encoder's own (the re-encode path's single encode)."""
    options = {"c:v": ENCODERS[fmt.codec], "pix_fmt": fmt.pix_fmt, "preset": "medium"}
    if fmt.codec != "hevc":
        # x264's veryfast preset with trellis quantisation, one crf step finer: on morph frames
        # the PSNR of medium at crf 16 (46.38 against 46.28 dB; fast: 46.27) for +3 % bytes and
        # about half of fast's encoder CPU, which a join spends after its last frame is made
        # (x264's look-ahead holds a 24-frame transition until its end). Without trellis
        # (crf 14, 46.49 dB) the finest texture came out softer: mid sharpness on the bench's
        # cellular automaton fell 0.81 -> 0.79. refs 3 as medium: with 2 the decoder's frame
        # buffer changes at the splice, and a damaged clip copied before it decoded to one
        # frame fewer
        options.update(crf=max(fmt.crf - 1, 0), preset="veryfast", refs=3, trellis=1)
        profile = X264_PROFILES.get((fmt.profile or "").lower()) if match_profile else None
        if profile and (profile != "baseline" or fmt.pix_fmt == "yuv420p"):
            options["profile:v"] = profile
        return options
    return {**options, "crf": fmt.crf + 2, "x265-params": "log-level=error", "tag:v": "hvc1"}


def segment_options(fmt: VideoFormat, match_profile: bool = True) -> dict:
    """Output options of everything encoded to sit in `fmt`'s stream: the encoder's flags, the
    colour tags, and the MP4 time base that every spliced piece shares."""
    return {**encoder_options(fmt, match_profile), **fmt.colour.output_options(),
            "video_track_timescale": fmt.timescale}


def matched(stream, fmt: VideoFormat):
    """The chain's end for frames encoded into `fmt`: its pixel format, then every frame
    tagged with fmt's colour and sample aspect ratio (what the encoder writes into the
    stream, so a decoder sees no change of parameters at a splice)."""
    return (stream.filter("format", fmt.pix_fmt)
            .filter("setparams", **fmt.colour.frame_params())
            .filter("setsar", f"{fmt.sar.numerator}/{fmt.sar.denominator}"))


def segment_args(ff: FFmpegBinary, fmt: VideoFormat, out: str) -> list[str]:
    """Encode stdin frames to a segment that matches `fmt` closely enough to be stream-copied:
    RGB to YUV with the matrix and range the clip is decoded with, tagged like the clip."""
    frames = graphs.raw_input(*fmt.coded_size, fmt.fps)
    video = matched(graphs.to_yuv(frames, fmt.colour), fmt)
    return graphs.command(ff, ffmpeg.output(
        video, out, format="mp4", an=None, **segment_options(fmt)).overwrite_output())


def span_args(ff: FFmpegBinary, clip: ClipInfo, start: int, count: int, fmt: VideoFormat,
              out: str) -> list[str]:
    """Re-encode a clip's frames start..start+count-1 (display order) as a segment matching
    `fmt` (the smart render's GOP pieces): YUV to YUV in one ffmpeg run, with no RGB round trip,
    and stored as the clip stores them (noautorotate: a phone clip's frames stay turned)."""
    video = ffmpeg.input(input_url(clip.path), noautorotate=None, reinit_filter=0)["V:0"]
    rate = f"{fmt.fps.denominator}/({fmt.fps.numerator}*TB)"  # frame n at n / fps exactly
    video = matched(video.filter("select", f"gte(n,{start})").filter("setpts", f"(N)*{rate}"),
                    fmt)
    return graphs.command(ff, ffmpeg.output(
        video, out, format="mp4", an=None, fps_mode="passthrough", **{"frames:v": count},
        **segment_options(fmt)).overwrite_output())


def lossless_args(ff: FFmpegBinary, width: int, height: int, fps: Fraction, out: str) -> list[str]:
    """Encode stdin frames losslessly in RGB (Ut Video, planar RGB, in Matroska): the cache's
    bit-exact copy of a transition and the re-encode path's intermediate.

    Ut Video rather than FFV1: on 24 morph frames at 1280x768, 0.2 CPU s against 0.9 (the
    copy is written beside x264 while a join waits for both), for 1.7x the bytes (29 MB a
    second of 1280x768 against 17)."""
    return graphs.command(ff, ffmpeg.output(graphs.raw_input(width, height, fps), out,
                                            format="matroska", an=None, pix_fmt=LOSSLESS[1],
                                            **{"c:v": LOSSLESS[0]}).overwrite_output())


def gif_args(ff: FFmpegBinary, src: str, first: int, last: int, out: str,
             width: int = 320) -> list[str]:
    """An animated GIF of frames first..last of src (a palette made for them, so colours hold)."""
    video = ffmpeg.input(input_url(src), reinit_filter=0)["V:0"]
    video = (video.filter("select", f"between(n,{first},{last})")
             .filter("scale", width, -2, flags="area").split())
    palette = video[0].filter("palettegen", stats_mode="diff")
    shown = ffmpeg.filter([video[1], palette], "paletteuse", dither="bayer")
    return graphs.command(ff, ffmpeg.output(shown, out, format="gif", loop=0).overwrite_output())


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
        pipes = [(stack.enter_context(open_pipe(args, stdin=True,
                                                what=f"ffmpeg (encoding {_target(args)})")),
                  size, turn) for args, size, turn in targets]
        for frame in frames:
            for proc, (w, h), turn in pipes:
                out = turn(frame) if turn else frame
                if out.shape != (h, w, 3) or out.dtype != np.uint8:
                    raise ValueError(f"frame {count} is {out.shape} {out.dtype}, expected "
                                     f"({h}, {w}, 3) uint8")
                proc.stdin.write(np.ascontiguousarray(out).tobytes())
            count += 1
    return count


def _target(args: list[str]) -> str:
    """The file a compiled command writes (ffmpeg-python ends argv with it, then "-y")."""
    return args[-2] if args[-1] == "-y" else args[-1]


def encode_transition(ff: FFmpegBinary, frames: Iterable[np.ndarray], fmt: VideoFormat,
                      segment: str | None, lossless: str | None) -> int:
    """Encode upright frames, as they are made, into a segment that matches `fmt` (stored
    turned like the clips) and/or a lossless copy (Ut Video) at fmt's size; returns the frame
    count."""
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
    """Encode frames to a lossless (Ut Video) intermediate; returns the frame count."""
    return write_frames(lossless_args(ff, width, height, fps, out), frames, (width, height))
