"""Splice clips and transition segments into one file, with one audio track in sync.

Two paths:
- pass-through: the clips' video packets are stream-copied, each span from and to a clean
  keyframe; the transition segments and the smart render's GOP pieces, encoded to match clip A,
  are the only new packets. Decoded frames of every copied span stay bit-identical. Each copied
  span is first taken out of its clip into an MP4 of its own (copy_args: exactly its packets,
  by position, in the time base every piece shares), because the concat demuxer reads every
  file in the first one's time base and seeks by time: an MPEG-TS (90 kHz, starting at 1.4 s),
  Matroska (1 ms) or edited MP4 clip beside our segments gave frames squeezed onto one
  timestamp or spread over half a minute.
- re-encode: every piece is conformed to the first clip (scale to fit, pad, frame rate), trimmed
  to the frames it contributes, and the whole picture is encoded once at high quality.
Audio is always rebuilt (audio.py): each clip's audio (or silence) for the frames it shows, and
under each transition a crossfade, so the audio runs exactly as long as the picture.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg

from ffmpeg_scripts import graphs
from ffmpeg_scripts.audio import Sound, audio_stream
from ffmpeg_scripts.encode import X26X_PIX_FMTS, VideoFormat, encoder_options
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo, input_url
from ffmpeg_scripts.process import run

_PLAIN_EXT = re.compile(r"\.[a-z0-9]{1,8}")  # extensions kept on the links (concat's safe names)
MUXERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}


@dataclass(frozen=True)
class Piece:
    """One part of the output's picture: a clip, or a transition segment between two clips."""

    path: str          # absolute path of the media file (pass-through: a file of our own)
    frames: int        # frames it contributes at the output's frame rate
    fps: Fraction      # its own frame rate
    start: int = 0     # first frame it contributes (output rate): the re-encode path trims here


@dataclass(frozen=True)
class SplicePlan:
    """Everything the splice needs: the pieces in order, the output format, and the path taken."""

    pieces: tuple[Piece, ...]      # clip, transition, clip, transition, ..., clip
    fmt: VideoFormat               # the output picture (clip A's, or the conform target)
    out: str                       # where ffmpeg writes (a temporary name; the caller renames)
    muxer: str                     # "mp4", "mov" or "matroska"
    passthrough: bool              # stream-copy clips (True) or re-encode everything (False)
    sounds: tuple[Sound, ...] = ()  # each clip's audio as the output uses it (audio.py)
    bridges: tuple[int, ...] = ()   # each transition's length: the audio mixed under it
    tags: tuple[tuple[str, str], ...] = ()  # metadata written into the file: (key, value)

    @property
    def total_frames(self) -> int:
        return sum(p.frames for p in self.pieces)

    @property
    def has_audio(self) -> bool:
        return any(s.clip.has_audio for s in self.sounds)

    def audio_inputs(self) -> list[tuple[int, str]]:
        """(clip index, path) of every clip whose audio is read, in input order."""
        return [(k, s.clip.path) for k, s in enumerate(self.sounds) if s.clip.has_audio]


def muxer_for(path: str) -> str:
    """ffmpeg muxer for an output path, by extension; ValueError for ones we do not write."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in MUXERS:
        raise ValueError(f"{os.path.basename(path)}: unsupported output type '{ext or 'none'}' "
                         f"(use {', '.join(sorted(MUXERS))})")
    return MUXERS[ext]


def differences(a: ClipInfo, b: ClipInfo) -> list[str]:
    """What keeps B's packets from following A's in one stream: [] when nothing does."""
    named = [("codec", a.codec, b.codec), ("size", (a.width, a.height), (b.width, b.height)),
             ("pixel format", a.pix_fmt, b.pix_fmt), ("frame rate", a.fps, b.fps),
             ("sample aspect ratio", a.sar, b.sar), ("rotation", a.rotation, b.rotation)]
    out = [name for name, x, y in named if x != y]
    if not a.colour.means(b.colour):
        out.append(f"colour ({b.colour.text()}, not {a.colour.text()})")
    if not b.steady:
        out.append("steady timing (its frames are off its rate's grid: a variable frame rate)")
    return out


def can_passthrough(a: ClipInfo, b: ClipInfo) -> bool:
    """Whether B's packets can follow A's (and a segment of ours) in one stream without
    re-encoding: every frame of one stream must share size, shape, rate and colour."""
    return (not differences(a, b) and a.steady and a.codec in ("h264", "hevc")
            and a.pix_fmt.replace("yuvj", "yuv") in X26X_PIX_FMTS)


def conformed_frames(clip: ClipInfo, fps: Fraction) -> int:
    """Frames a clip has after its frame rate is converted to `fps` (ffmpeg's fps filter rounds)."""
    if clip.fps == fps:
        return clip.frame_count
    return max(1, round(clip.frame_count / clip.fps * fps))


def quote_concat(name: str) -> str:
    """A name as a quoted concat-demuxer token: ' is closed, escaped, and reopened. A line break
    would end the directive, so it is refused (splice() only lists names of its own anyway)."""
    if any(c in name for c in "\n\r\0"):
        raise ValueError(f"cannot list {name!r} in a concat list: it holds a line break")
    return "'" + name.replace("'", "'\\''") + "'"


def concat_list(names: list[str], pieces: tuple[Piece, ...]) -> str:
    """Text of a concat demuxer list naming each piece by names[i] (see link_pieces), each
    used whole; `duration` pins each piece's length so offsets are exact."""
    lines = ["ffconcat version 1.0"]
    for name, p in zip(names, pieces):
        seconds = Fraction(p.frames) / p.fps
        lines.append(f"file {quote_concat(name)}")
        lines.append(f"duration {float(seconds):.9f}")
    return "\n".join(lines) + "\n"


def copy_args(ff: FFmpegBinary, clip: ClipInfo, first: int, end: int | None, timescale: int,
              out: str) -> list[str]:
    """Stream-copy a clip's video packets [first, end) (positions in decode order, as the probe
    lists them; end None: to the last) into an MP4 of time base 1/timescale. Positions, not
    times: a span between clean keyframes is exactly those packets, in any container."""
    drop = [f"lt(n\\,{first})"] if first else []
    drop += [f"gte(n\\,{end})"] if end is not None else []
    bsf = {"bsf:v": "noise=drop=" + "+".join(drop)} if drop else {}
    video = ffmpeg.input(input_url(clip.path))["V:0"]
    return graphs.command(ff, ffmpeg.output(
        video, out, format="mp4", an=None, dn=None, sn=None, map_metadata=-1,
        video_track_timescale=timescale, **{"c:v": "copy"}, **bsf).overwrite_output())


def link_pieces(pieces: tuple[Piece, ...], folder: str) -> list[str]:
    """Link every piece into `folder` as piece-NNN.EXT and return those names: no user path is
    ever written into a concat list, so no name can be read as a directive (a newline in it
    would start a `file` line of its own choosing)."""
    names = []
    for i, p in enumerate(pieces):
        ext = os.path.splitext(p.path)[1].lower()
        name = f"piece-{i:04d}" + (ext if _PLAIN_EXT.fullmatch(ext) else "")
        os.symlink(os.path.abspath(p.path), os.path.join(folder, name))
        names.append(name)
    return names


def video_stream(plan: SplicePlan, inputs: dict[str, object]):
    """The re-encode path's picture: each piece conformed to the output format and trimmed to
    the frames it contributes (counted after conforming), then concatenated."""
    fmt, parts = plan.fmt, []
    for p, source in zip(plan.pieces, _each_use(plan.pieces, inputs)):
        video = graphs.conform(source, fmt.width, fmt.height, fmt.fps, fmt.colour, fmt.pix_fmt,
                               fmt.sar)
        parts.append(video.filter("trim", start_frame=p.start, end_frame=p.start + p.frames)
                     .filter("setpts", "PTS-STARTPTS"))
    return ffmpeg.concat(*parts, v=1, a=0)


def _each_use(pieces: tuple[Piece, ...], inputs: dict[str, object]) -> list:
    """Each piece's video stream; a file used by several pieces (a clip twice in a list) is
    split, since ffmpeg-python merges equal nodes and a filter's output feeds one input."""
    counts, splits, seen, out = Counter(p.path for p in pieces), {}, Counter(), []
    for p in pieces:
        if counts[p.path] == 1:
            out.append(inputs[p.path]["v:0"])
            continue
        if p.path not in splits:
            splits[p.path] = inputs[p.path]["v:0"].filter_multi_output("split", counts[p.path])
        out.append(splits[p.path].stream(seen[p.path]))
        seen[p.path] += 1
    return out


def _output(plan: SplicePlan, streams: list, **video_options):
    """The output node: audio codec, the file's metadata, container flags, shared by both
    paths. ffmpeg-python writes each option once, so a file carries at most one tag."""
    if len(plan.tags) > 1:
        raise ValueError("a splice writes one metadata tag (ffmpeg-python: each option once)")
    options = {"c:a": "aac", "b:a": "192k"} if plan.has_audio else {"an": None}
    options.update({"metadata": f"{k}={v}" for k, v in plan.tags})
    if plan.muxer in ("mp4", "mov"):
        # use_metadata_tags: MP4/MOV keep only well-known keys unless told to keep any
        options["movflags"] = "+faststart+use_metadata_tags" if plan.tags else "+faststart"
    return ffmpeg.output(*streams, plan.out, format=plan.muxer, **video_options,
                         **options).overwrite_output()


def _audio(plan: SplicePlan, inputs: dict[str, object]) -> list:
    """[the audio stream] when any clip has audio, read from `inputs` (path -> input node)."""
    if not plan.has_audio:
        return []
    return [audio_stream(plan.sounds, plan.bridges, plan.fmt.fps, inputs)]


def passthrough_args(ff: FFmpegBinary, plan: SplicePlan, list_path: str) -> list[str]:
    """Stream-copy the pieces listed in `list_path` (see concat_list), adding rebuilt audio."""
    # safe 1: the list names only our own links (plain relative names); anything else fails
    video = ffmpeg.input(input_url(list_path), format="concat", safe=1)["v:0"]
    inputs = {path: ffmpeg.input(input_url(path)) for _, path in plan.audio_inputs()}
    return graphs.command(ff, _output(plan, [video, *_audio(plan, inputs)], **{"c:v": "copy"}))


def reencode_args(ff: FFmpegBinary, plan: SplicePlan) -> list[str]:
    """Conform and concatenate every piece, encoding the picture once at high quality."""
    paths = [p.path for p in plan.pieces] + [path for _, path in plan.audio_inputs()]
    inputs = {path: ffmpeg.input(input_url(path)) for path in paths}
    streams = [video_stream(plan, inputs), *_audio(plan, inputs)]
    return graphs.command(ff, _output(plan, streams, **encoder_options(plan.fmt, False),
                                      **plan.fmt.colour.output_options()))


def splice(ff: FFmpegBinary, plan: SplicePlan, workdir: str | None = None) -> str:
    """Write plan.out (one ffmpeg run); returns ffmpeg's stderr (its error-level lines: a
    clip's decoder reports damage there). The concat list and its links live in a private
    folder (inside `workdir` when given) that is always removed."""
    if not plan.passthrough:
        return run(reencode_args(ff, plan), what="ffmpeg (splice: re-encoding the clips)")
    folder = tempfile.mkdtemp(prefix="splice-", dir=workdir) if workdir else \
        tempfile.mkdtemp(prefix="vae-transition-splice-")
    try:
        names = link_pieces(plan.pieces, folder)
        list_path = os.path.join(folder, "pieces.ffconcat")
        try:
            with open(list_path, "w", encoding="utf-8") as fh:
                fh.write(concat_list(names, plan.pieces))
        except OSError as exc:  # a full disk says ENOSPC on close, naming no file
            raise OSError(exc.errno, exc.strerror, list_path) from None
        return run(passthrough_args(ff, plan, list_path), what="ffmpeg (splice)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
