"""An editable timeline (clip A, the transition segment, clip B, ...) and its OTIO and EDL writers.

The Timeline is built once, from probed clips and exported segments, and every writer takes only
the Timeline (FCP 7 XML and FCPXML live in timeline_xml.py). Frames are counted exactly: a clip's
`source_in`/`source_out` are frame indices into its media (0 = the media's first frame, whatever
its timecode), `record_in` is the frame on the timeline (0 = the timeline's start timecode).

Timecode is non-drop-frame everywhere, counted at the nominal rate (24 for 24000/1001, 30 for
30000/1001): what ffmpeg writes into .mov/.mxf tmcd tracks and what editors expect for 23.976.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from vae_transition.timing import format_timecode, parse_timecode, tc_base

if TYPE_CHECKING:  # no import cycle at run time: export.py imports this module
    from ffmpeg_scripts.probe import ClipInfo
    from vae_transition.export import ExportResult

TIMELINE_START = "01:00:00:00"  # record start of every timeline: the editors' convention
EXTENSIONS = {"otio": ".otio", "fcp7": ".xml", "fcpxml": ".fcpxml", "edl": ".edl"}


class TimelineError(Exception):
    """A timeline that cannot be written (unknown format, media a format cannot reference)."""


# --- the timeline ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Media:
    """One file (or image sequence) that the timeline uses."""

    path: str            # absolute path; for a sequence, its folder
    name: str            # what editors show: the file name, or the sequence's folder name
    frames: int          # frames in the media (handles included)
    fps: Fraction        # its exact rate
    width: int
    height: int
    start_frame: int = 0             # its start timecode, as frames (0 = 00:00:00:00)
    reel: str = ""                   # full reel name (EDL writes a short one, mapped)
    audio_channels: int = 0          # 0 = no audio
    audio_rate: int = 48000
    sequence: tuple[str, int] | None = None  # image sequence: ("NAME.%06d.png", first number)

    @property
    def has_audio(self) -> bool:
        return self.audio_channels > 0


@dataclass(frozen=True)
class Item:
    """A piece of media placed on the timeline."""

    media: Media
    source_in: int       # first frame used, 0-based in the media
    source_out: int      # one past the last frame used
    record_in: int       # where it starts on the timeline (frames from the timeline start)
    record_out: int      # one past its last timeline frame
    role: str = "clip"   # "clip" | "transition"

    @property
    def frames(self) -> int:
        """Frames used from the media (equals record_out - record_in at the timeline's rate)."""
        return self.source_out - self.source_in


@dataclass(frozen=True)
class Timeline:
    name: str
    fps: Fraction                    # exact timeline rate (clip A's)
    width: int
    height: int
    items: tuple[Item, ...]          # in order, back to back, on one video track
    start_frame: int                 # timeline start timecode as frames (01:00:00:00)

    @property
    def frames(self) -> int:
        return self.items[-1].record_out if self.items else 0

    @property
    def has_audio(self) -> bool:
        return any(i.media.has_audio for i in self.items)

    @property
    def ntsc(self) -> bool:
        return self.fps.denominator == 1001


def _clip_media(info: ClipInfo, start_frame: int) -> Media:
    audio = info.audio[0] if info.audio else None
    stem = os.path.splitext(os.path.basename(info.path))[0]
    return Media(info.path, os.path.basename(info.path), info.frame_count, info.fps, info.width,
                 info.height, start_frame, stem,
                 (audio.channels or 2) if audio else 0, (audio.sample_rate or 48000) if audio
                 else 48000)


def _segment_media(seg: ExportResult) -> Media:
    name = os.path.basename(seg.path)
    return Media(seg.path, name, seg.frames, seg.fps, seg.width, seg.height, seg.start_frame,
                 seg.reel, sequence=seg.sequence)


def build_timeline(name: str, clips: Sequence[ClipInfo], segments: Sequence[ExportResult],
                   clip_starts: Sequence[int] | None = None, start: str = TIMELINE_START,
                   ) -> Timeline:
    """clips[0], segments[0], clips[1], ...: every clip whole, every segment without its handles.

    clip_starts: each clip's start timecode in frames (export.clip_timecode), default 0.
    """
    if len(segments) != len(clips) - 1:
        raise ValueError(f"{len(clips)} clips need {len(clips) - 1} segments, got {len(segments)}")
    starts = list(clip_starts) if clip_starts is not None else [0] * len(clips)
    fps = clips[0].fps
    items: list[Item] = []
    record = 0
    for k, info in enumerate(clips):
        if k:
            seg = segments[k - 1]
            n = seg.transition_frames
            items.append(Item(_segment_media(seg), seg.handles, seg.handles + n, record,
                              record + n, "transition"))
            record += n
        # A clip at another rate keeps its duration (the join conforms it the same way).
        n = info.frame_count if info.fps == fps else max(1, round(info.frame_count / info.fps
                                                                   * fps))
        items.append(Item(_clip_media(info, starts[k]), 0, info.frame_count, record, record + n))
        record += n
    return Timeline(name, fps, clips[0].width, clips[0].height, tuple(items),
                    parse_timecode(start, fps))


# --- writers --------------------------------------------------------------------------------

def otio_timeline(tl: Timeline):
    """The Timeline as an opentimelineio Timeline: one video track, one audio track if any."""
    import opentimelineio as otio

    def rt(frames: int, fps: Fraction):
        return otio.opentime.RationalTime(frames, float(fps))

    reels = edl_reels(tl)

    def clip(item: Item):
        m = item.media
        return otio.schema.Clip(
            name=m.name, media_reference=_otio_reference(otio, m, rt),
            source_range=otio.opentime.TimeRange(rt(m.start_frame + item.source_in, m.fps),
                                                 rt(item.frames, m.fps)),
            metadata={"cmx_3600": {"reel": reels[m.path]},
                      "vae_transition": {"role": item.role, "reel": m.reel}})

    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    video.extend(clip(i) for i in tl.items)
    tracks = [video]
    if tl.has_audio:
        audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
        for item in tl.items:
            audio.append(clip(item) if item.media.has_audio else otio.schema.Gap(
                source_range=otio.opentime.TimeRange(rt(0, tl.fps),
                                                     rt(item.record_out - item.record_in, tl.fps))))
        tracks.append(audio)
    out = otio.schema.Timeline(name=tl.name, global_start_time=rt(tl.start_frame, tl.fps))
    out.tracks.extend(tracks)
    return out


def _otio_reference(otio, m: Media, rt):
    available = otio.opentime.TimeRange(rt(m.start_frame, m.fps), rt(m.frames, m.fps))
    if m.sequence is None:
        # A plain absolute path: Resolve cannot open "file://" URLs from .otio files.
        return otio.schema.ExternalReference(target_url=m.path, available_range=available)
    pattern, first = m.sequence
    prefix, suffix = pattern.split("%06d")
    return otio.schema.ImageSequenceReference(
        target_url_base=m.path + os.sep, name_prefix=prefix, name_suffix=suffix,
        start_frame=first, frame_zero_padding=6, rate=float(m.fps), available_range=available)


def otio_text(tl: Timeline) -> str:
    import opentimelineio as otio

    return otio.adapters.write_to_string(otio_timeline(tl), adapter_name="otio_json")


def edl_reels(tl: Timeline) -> dict[str, str]:
    """Media path -> a unique CMX 3600 reel name (<= 8 of A-Z 0-9 _), made from its reel."""
    reels: dict[str, str] = {}
    for item in tl.items:
        m = item.media
        if m.path in reels:
            continue
        # "Runway clip é" -> RUNWAY_CLIP_E: accents dropped, spaces kept as "_", the rest removed
        ascii_name = unicodedata.normalize("NFKD", m.reel or m.name).encode("ascii", "ignore")
        base = re.sub(r"[^A-Z0-9_]", "", ascii_name.decode().upper().replace(" ", "_")) or "REEL"
        reel, n = base[:8], 1
        while reel in reels.values():  # "RUNWAYCLIP1", "RUNWAYCLIP2" -> RUNWAYCL, RUNWAY02
            n += 1
            reel = base[:8 - len(str(n)) - 1] + f"{n:0{len(str(n)) + 1}d}"
        reels[m.path] = reel
    return reels


def edl_text(tl: Timeline) -> str:
    """CMX 3600: one video event per item, source and record timecode at the timeline's base.

    Reel names are cut to 8 characters; each event says which file its reel is
    ("* FROM CLIP NAME", "* FROM CLIP" for the path, "* REEL X IS ..." for the full reel).
    """
    reels = edl_reels(tl)
    lines = [f"TITLE: {tl.name}", "FCM: NON-DROP FRAME", ""]
    for n, item in enumerate(tl.items, 1):
        m = item.media
        src_in = m.start_frame + item.source_in
        src_out = src_in + (item.record_out - item.record_in)  # EDLs have one rate
        tc = [format_timecode(f, tl.fps) for f in (src_in, src_out, tl.start_frame
                                                    + item.record_in, tl.start_frame
                                                    + item.record_out)]
        lines.append(f"{n:03d}  {reels[m.path]:<8} V     C        {' '.join(tc)}")
        lines.append(f"* FROM CLIP NAME: {m.name}")
        lines.append(f"* FROM CLIP: {m.path}")
        lines.append(f"* REEL {reels[m.path]} IS {m.reel or m.name}")
        lines.append("")
    return "\n".join(lines)


def writers():
    """Format name -> function(Timeline) -> text."""
    from vae_transition import timeline_xml

    return {"otio": otio_text, "fcp7": timeline_xml.xmeml_text,
            "fcpxml": timeline_xml.fcpxml_text, "edl": edl_text}


def parse_formats(value: str | Sequence[str]) -> list[str]:
    """"otio,edl" or ["otio", "edl"] -> ["otio", "edl"]; ValueError naming the bad ones."""
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip().lower() for n in names if n.strip()]
    bad = [n for n in names if n not in EXTENSIONS]
    if bad:
        raise ValueError(f"unknown timeline format {', '.join(repr(b) for b in bad)} "
                         f"(choose from {', '.join(EXTENSIONS)})")
    return list(dict.fromkeys(names))


def render_timelines(tl: Timeline, formats: Sequence[str]) -> dict[str, str]:
    """Format -> file text, all made before anything is written."""
    table = writers()
    return {f: table[f](tl) for f in parse_formats(formats)}


def write_timelines(timeline: Timeline, formats: list[str], out_base: str) -> list[str]:
    """Write OUT_BASE.otio / .xml / .fcpxml / .edl; each appears whole (temp name, rename)."""
    texts = render_timelines(timeline, formats)
    written = []
    for fmt, text in texts.items():
        path = os.path.abspath(out_base + EXTENSIONS[fmt])
        tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp-{os.getpid()}")
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        written.append(path)
    return written
