"""An editable timeline (clip A, the transition segment, clip B, ...): the model its writers share.

The Timeline is built once, from probed clips and exported segments, and every writer takes only
the Timeline (OTIO and EDL in timeline_otio.py, FCP 7 XML and FCPXML in timeline_xml.py; the
dispatch by format name in timeline_write.py). Frames are counted exactly: a clip's
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

from vae_transition.timing import parse_timecode

if TYPE_CHECKING:
    from ffmpeg_scripts.probe import ClipInfo

TIMELINE_START = "01:00:00:00"  # record start of every timeline: the editors' convention
EXTENSIONS = {"otio": ".otio", "fcp7": ".xml", "fcpxml": ".fcpxml", "edl": ".edl", "mlt": ".mlt"}


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
        """Frames used from the media, at its rate."""
        return self.source_out - self.source_in

    @property
    def record_frames(self) -> int:
        """Frames on the timeline, at its rate (the same time as `frames` at the media's)."""
        return self.record_out - self.record_in


@dataclass(frozen=True)
class Timeline:
    name: str
    fps: Fraction                    # exact timeline rate (clip A's)
    width: int
    height: int
    items: tuple[Item, ...]          # in order, back to back, on one video track
    start_frame: int                 # timeline start timecode as frames (01:00:00:00)
    overlap: bool = False            # the transitions replace the clips' frames beside them
                                     # (their audio crossfades there: timeline_mlt.py)

    @property
    def frames(self) -> int:
        return self.items[-1].record_out if self.items else 0

    @property
    def has_audio(self) -> bool:
        return any(i.media.has_audio for i in self.items)

    def media(self) -> list[Media]:
        """Every file the timeline uses, once, in order of first use."""
        return list({i.media.path: i.media for i in self.items}.values())

    @property
    def ntsc(self) -> bool:
        return self.fps.denominator == 1001


@dataclass(frozen=True)
class Segment:
    """An exported transition segment, as a timeline places it (export.py makes these)."""

    path: str                       # absolute: the movie file, or the sequence's folder
    frames: int                     # frames in the file: transition_frames + 2 * handles
    transition_frames: int          # what the timeline shows
    handles: int                    # frames before and after it, left for trimming
    fps: Fraction
    width: int
    height: int
    start_frame: int = 0            # its start timecode as frames
    reel: str = ""
    sequence: tuple[str, int] | None = None  # ("NAME.%06d.png", first number) for sequences


def _clip_media(info: ClipInfo, start_frame: int) -> Media:
    audio = info.audio[0] if info.audio else None
    stem = os.path.splitext(os.path.basename(info.path))[0]
    return Media(info.path, os.path.basename(info.path), info.frame_count, info.fps, info.width,
                 info.height, start_frame, stem,
                 (audio.channels or 2) if audio else 0, (audio.sample_rate or 48000) if audio
                 else 48000)


def _segment_media(seg: Segment) -> Media:
    name = os.path.basename(seg.path)
    return Media(seg.path, name, seg.frames, seg.fps, seg.width, seg.height, seg.start_frame,
                 seg.reel, sequence=seg.sequence)


def _checked_ranges(clips: Sequence[ClipInfo], ranges: Sequence[tuple[int, int]] | None,
                   ) -> list[tuple[int, int]]:
    """Each clip's (source_in, source_out) at its own rate; ValueError naming the bad one."""
    if ranges is None:
        return [(0, info.frame_count) for info in clips]
    if len(ranges) != len(clips):
        raise ValueError(f"{len(clips)} clips need {len(clips)} ranges, got {len(ranges)}")
    out = []
    for k, (info, (first, end)) in enumerate(zip(clips, ranges)):
        if not 0 <= first < end <= info.frame_count:
            raise ValueError(f"clip {k + 1} ({os.path.basename(info.path)}): range "
                             f"{first}-{end} is not within its {info.frame_count} frames "
                             f"(need 0 <= in < out <= frames)")
        out.append((int(first), int(end)))
    return out


def build_timeline(name: str, clips: Sequence[ClipInfo], segments: Sequence[Segment],
                   clip_starts: Sequence[int] | None = None, start: str = TIMELINE_START,
                   ranges: Sequence[tuple[int, int]] | None = None,
                   overlap: bool = False) -> Timeline:
    """clips[0], segments[0], clips[1], ...: the clips' ranges, every segment without its handles.

    clip_starts: each clip's start timecode in frames (export.clip_timecode), default 0.
    ranges: each clip's (source_in, source_out) in its own frames: what the joined file shows
    outside transitions (cut points, overlap); None = every clip whole. The media stay whole, so
    the frames outside a range are handles an editor can trim into. overlap: the segments
    replace the clips' frames beside them (the ranges already leave those frames out).
    """
    if len(segments) != len(clips) - 1:
        raise ValueError(f"{len(clips)} clips need {len(clips) - 1} segments, got {len(segments)}")
    used = _checked_ranges(clips, ranges)
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
        first, end = used[k]
        # A clip at another rate keeps its duration (the join conforms it the same way).
        n = end - first if info.fps == fps else max(1, round((end - first) / info.fps * fps))
        items.append(Item(_clip_media(info, starts[k]), first, end, record, record + n))
        record += n
    return Timeline(name, fps, clips[0].width, clips[0].height, tuple(items),
                    parse_timecode(start, fps), overlap)


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


def parse_formats(value: str | Sequence[str]) -> list[str]:
    """"otio,edl" or ["otio", "edl"] -> ["otio", "edl"]; ValueError naming the bad ones."""
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip().lower() for n in names if n.strip()]
    bad = [n for n in names if n not in EXTENSIONS]
    if bad:
        raise ValueError(f"unknown timeline format {', '.join(repr(b) for b in bad)} "
                         f"(choose from {', '.join(EXTENSIONS)})")
    return list(dict.fromkeys(names))
