"""The Timeline as an MLT XML project (.mlt): what Shotcut opens and `melt` renders.

Laid out as Shotcut lays out its own projects: a tractor whose track 0 is a black background,
then one video track (V1: clip, segment, clip, ...; its sound hidden) and two audio tracks that
take turns clip by clip (A1: clips 1, 3, ...; A2: clips 2, 4, ...), each mixed onto the
background by a `mix` transition. The audio is join's (ffmpeg_scripts/audio.py): every clip
plays its own sound for its frames, and under each transition A's sound of the transition's span
fades out while B's fades in (equal power). In overlap mode that span is the overlap itself, so
each clip's sound is one entry that runs under the transitions beside it; in insert mode the
clip's edges are heard again under the inserted frames, as separate entries.

MLT counts every position in the profile's frames (the timeline's rate), `in` and `out`
inclusive. Each producer is a whole file, so the frames outside an entry are handles.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction

from vae_transition.timeline.model import Item, Media, Timeline, TimelineError
from vae_transition.timeline.xml_tree import no_sequences, sub

SILENT_DB = -90.0   # a fade's zero gain, in the dB that MLT's volume filter animates
ROLES = ("clip", "transition")


@dataclass(frozen=True)
class Sound:
    """One audio entry: frames [source_in, source_out) of a clip, from timeline frame record_in,
    its first fade_in frames fading in and its last fade_out frames fading out."""

    media: Media
    source_in: int
    source_out: int
    record_in: int
    fade_in: int = 0
    fade_out: int = 0

    @property
    def frames(self) -> int:
        return self.source_out - self.source_in


def _props(el: ET.Element, **values) -> ET.Element:
    for name, value in values.items():
        sub(el, "property", value, name=name.replace("__", ":"))
    return el


def to_timeline(frames: int, media: Media, tl: Timeline) -> int:
    """A media frame index at the timeline's rate (MLT plays every file at the profile's)."""
    return frames if media.fps == tl.fps else round(Fraction(frames) * tl.fps / media.fps)


def _span(tl: Timeline, item: Item) -> tuple[int, int]:
    """An item's source range in timeline frames, as long as its record range."""
    first = to_timeline(item.source_in, item.media, tl)
    return first, first + item.record_frames


def sounds(tl: Timeline) -> list[list[Sound]]:
    """Each clip's audio entries, in clip order (empty for a clip without audio)."""
    items = tl.items
    out = []
    for k in range(0, len(items), 2):
        clip = items[k]
        before = items[k - 1].record_frames if k else 0
        after = items[k + 1].record_frames if k + 1 < len(items) else 0
        first, end = _span(tl, clip)
        m, r0, r1 = clip.media, clip.record_in, clip.record_out
        if not m.has_audio:
            out.append([])
        elif tl.overlap:  # the clip's own frames run on under both transitions
            out.append([Sound(m, first - before, end + after, r0 - before, before, after)])
        else:
            takes = [Sound(m, first, first + before, r0 - before, fade_in=before)] if before else []
            takes.append(Sound(m, first, end, r0))
            if after:
                takes.append(Sound(m, end - after, end, r1, fade_out=after))
            out.append(takes)
    return out


def fade_levels(sound: Sound) -> str:
    """The volume filter's `level` keyframes (dB, one per frame under a fade; "" for none).

    MLT ramps the gain across each frame's samples from the previous frame's value, so a value
    per frame at the frame's end follows join's quarter-sine fades (afade curve=qsin) closely.
    The entry's first frame has no previous value and holds its own: the curve's middle there.
    """
    def at(j: int) -> float:  # where frame j's value is taken, in frames into the fade
        return j + 1 if j else 0.5

    keys: dict[int, float] = {}
    for j in range(sound.fade_in):
        keys[j] = math.sin(math.pi / 2 * at(j) / sound.fade_in)
    start = sound.frames - sound.fade_out
    for j in range(sound.fade_out):
        t = (at(start + j) - start) / sound.fade_out
        keys[start + j] = keys.get(start + j, 1.0) * math.cos(math.pi / 2 * t)
    if not keys:
        return ""
    for hold in (sound.fade_in, sound.frames - sound.fade_out - 1):  # full level between
        if 0 <= hold < sound.frames - sound.fade_out and hold >= sound.fade_in:
            keys.setdefault(hold, 1.0)
    return ";".join(f"{pos}={_db(gain):.3f}" for pos, gain in sorted(keys.items()))


def _db(gain: float) -> float:
    return max(SILENT_DB, 20 * math.log10(gain)) if gain > 0 else SILENT_DB


def _check(tl: Timeline) -> None:
    roles = tuple(i.role for i in tl.items)
    if roles != tuple(ROLES[k % 2] for k in range(len(roles))):
        raise TimelineError("an MLT project needs clip, transition, clip, ... in that order")
    no_sequences(tl, "MLT")


def _profile(root: ET.Element, tl: Timeline) -> None:
    ratio = Fraction(tl.width, tl.height)
    sub(root, "profile", description=f"{tl.width}x{tl.height} {float(tl.fps):.3f} fps",
         width=tl.width, height=tl.height, progressive=1, sample_aspect_num=1,
         sample_aspect_den=1, display_aspect_num=ratio.numerator,
         display_aspect_den=ratio.denominator, frame_rate_num=tl.fps.numerator,
         frame_rate_den=tl.fps.denominator,
         colorspace=709 if tl.height >= 720 else 601)  # MLT's and editors' guess for untagged


def _producers(root: ET.Element, tl: Timeline) -> dict[str, str]:
    """A black background and one producer per file (its whole length); path -> id."""
    black = sub(root, "producer", id="black", in_=0, out=tl.frames - 1)
    _props(black, length=tl.frames, eof="pause", resource="0", aspect_ratio=1,
           mlt_service="color", mlt_image_format="rgba", set__test_audio=0)
    ids: dict[str, str] = {}
    for m in tl.media():
        ids[m.path] = f"producer{len(ids)}"
        length = to_timeline(m.frames, m, tl)
        p = sub(root, "producer", id=ids[m.path], in_=0, out=length - 1)
        _props(p, length=length, eof="pause", resource=m.path, mlt_service="avformat",
               seekable=1, audio_index=0 if m.has_audio else -1, video_index=0,
               shotcut__caption=m.name, kdenlive__clipname=m.name)
    return ids


def _playlist(root: ET.Element, pid: str, name: str, kind: str) -> ET.Element:
    pl = sub(root, "playlist", id=pid)
    _props(pl, **{f"shotcut__{kind}": 1, "shotcut__name": name})
    return pl


def _video_track(root: ET.Element, tl: Timeline, ids: dict[str, str]) -> None:
    pl = _playlist(root, "playlist0", "V1", "video")
    for item in tl.items:
        first, end = _span(tl, item)
        entry = sub(pl, "entry", producer=ids[item.media.path], in_=first, out=end - 1)
        if item.role == "transition":
            _props(entry, vae_transition__role="transition")


def _audio_tracks(root: ET.Element, tl: Timeline, ids: dict[str, str]) -> list[str]:
    """A1 and A2, taking turns clip by clip, so a transition's two sounds can overlap."""
    per_clip = sounds(tl)
    names = []
    for t in range(2 if len(per_clip) > 1 else 1):
        pl = _playlist(root, f"playlist{t + 1}", f"A{t + 1}", "audio")
        names.append(pl.get("id"))
        at = 0
        for take in (s for k in range(t, len(per_clip), 2) for s in per_clip[k]):
            skip = max(0, -take.source_in)  # a clip too short for the span: silence before it
            if take.record_in + skip > at:
                sub(pl, "blank", length=take.record_in + skip - at)
            first, last = take.source_in + skip, take.source_out - 1
            entry = sub(pl, "entry", producer=ids[take.media.path], in_=first, out=last)
            levels = fade_levels(take)
            if levels:  # keyframes count from the filter's in point
                fade = sub(entry, "filter", id=f"fade{len(root.findall('.//filter'))}",
                            in_=first, out=last)
                _props(fade, mlt_service="volume", level=levels)
            at = take.record_in + take.frames
    return names


def mlt_tree(tl: Timeline) -> ET.Element:
    """<mlt> with a profile, the producers, V1, A1/A2 and a tractor mixing them."""
    _check(tl)
    root = ET.Element("mlt", LC_NUMERIC="C", version="7.0.0", title=tl.name, producer="main_bin")
    _profile(root, tl)
    ids = _producers(root, tl)
    _props(sub(root, "playlist", id="main_bin"), xml_retain=1)
    background = sub(root, "playlist", id="background")
    sub(background, "entry", producer="black", in_=0, out=tl.frames - 1)
    _video_track(root, tl, ids)
    audio = _audio_tracks(root, tl, ids) if tl.has_audio else []
    tractor = sub(root, "tractor", id="tractor0", title=tl.name, in_=0, out=tl.frames - 1)
    _props(tractor, shotcut=1, vae_transition__overlap=int(tl.overlap))
    sub(tractor, "track", producer="background")
    sub(tractor, "track", producer="playlist0", hide="audio")
    for pid in audio:
        sub(tractor, "track", producer=pid, hide="video")
    for b_track in range(1, 2 + len(audio)):
        # V1's sound is hidden; each audio track is added onto the background's silence.
        mix = sub(tractor, "transition", id=f"transition{b_track}")
        _props(mix, a_track=0, b_track=b_track, mlt_service="mix", always_active=1, sum=1)
    return root


def mlt_text(tl: Timeline) -> str:
    root = mlt_tree(tl)
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
