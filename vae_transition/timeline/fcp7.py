"""The Timeline as FCP 7 XML (xmeml 4), for Premiere: one sequence with V1 and A1.

Built by a pure function (xmeml_tree) from the Timeline; see xml_tree.py for why not the OTIO
adapter.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

from vae_transition.timeline.model import Item, Media, Timeline
from vae_transition.timeline.xml_tree import file_url, no_sequences, sub, to_string
from vae_transition.timing import format_timecode, tc_base


def _rate(parent: ET.Element, fps: Fraction) -> None:
    rate = sub(parent, "rate")
    sub(rate, "timebase", tc_base(fps))
    sub(rate, "ntsc", "TRUE" if fps.denominator == 1001 else "FALSE")


def _timecode(parent: ET.Element, frame: int, fps: Fraction, reel: str | None = None) -> None:
    tc = sub(parent, "timecode")
    _rate(tc, fps)
    sub(tc, "string", format_timecode(frame, fps))
    sub(tc, "frame", frame)
    sub(tc, "displayformat", "NDF")
    if reel:
        sub(sub(tc, "reel"), "name", reel)


def _video_characteristics(parent: ET.Element, fps: Fraction, width: int, height: int) -> None:
    sc = sub(parent, "samplecharacteristics")
    _rate(sc, fps)
    sub(sc, "width", width)
    sub(sc, "height", height)
    sub(sc, "anamorphic", "FALSE")
    sub(sc, "pixelaspectratio", "square")
    sub(sc, "fielddominance", "none")


def _xmeml_file(parent: ET.Element, m: Media, ids: dict[str, str]) -> None:
    """The first use of a file describes it; later uses refer to it by id."""
    if m.path in ids:
        sub(parent, "file", id=ids[m.path])
        return
    ids[m.path] = f"file-{len(ids) + 1}"
    f = sub(parent, "file", id=ids[m.path])
    sub(f, "name", m.name)
    sub(f, "pathurl", file_url(m.path, "localhost"))  # Premiere's own form
    _rate(f, m.fps)
    sub(f, "duration", m.frames)
    _timecode(f, m.start_frame, m.fps, m.reel)
    media = sub(f, "media")
    _video_characteristics(sub(media, "video"), m.fps, m.width, m.height)
    if m.has_audio:
        audio = sub(media, "audio")
        sc = sub(audio, "samplecharacteristics")
        sub(sc, "depth", 16)
        sub(sc, "samplerate", m.audio_rate)
        sub(audio, "channelcount", m.audio_channels)


def _clipitem(track: ET.Element, item: Item, n: int, ids: dict[str, str], audio: bool) -> None:
    """<start>/<end>: the record frames on the sequence; <in>/<out>: the source frames used
    (0 = the media's first frame); <duration>: the whole media, so the rest are handles."""
    m = item.media
    ci = sub(track, "clipitem", id=f"clipitem-{n}")
    sub(ci, "name", m.name)
    sub(ci, "enabled", "TRUE")
    sub(ci, "duration", m.frames)
    _rate(ci, m.fps)
    for tag, value in (("start", item.record_in), ("end", item.record_out),
                       ("in", item.source_in), ("out", item.source_out)):
        sub(ci, tag, value)
    _xmeml_file(ci, m, ids)
    if audio:
        st = sub(ci, "sourcetrack")
        sub(st, "mediatype", "audio")
        sub(st, "trackindex", 1)


def xmeml_tree(tl: Timeline) -> ET.Element:
    """<xmeml version="4"> with one sequence: V1 (every item) and A1 (clips that have audio)."""
    no_sequences(tl, "FCP 7 XML")
    root = ET.Element("xmeml", version="4")
    seq = sub(root, "sequence", id="sequence-1")
    sub(seq, "name", tl.name)
    sub(seq, "duration", tl.frames)
    _rate(seq, tl.fps)
    _timecode(seq, tl.start_frame, tl.fps)
    media = sub(seq, "media")
    video = sub(media, "video")
    _video_characteristics(sub(video, "format"), tl.fps, tl.width, tl.height)
    ids: dict[str, str] = {}
    track = sub(video, "track")
    for n, item in enumerate(tl.items, 1):
        _clipitem(track, item, n, ids, audio=False)
    if tl.has_audio:
        audio = sub(media, "audio")
        sub(audio, "numOutputChannels", 2)
        track = sub(audio, "track")
        for n, item in enumerate(tl.items, len(tl.items) + 1):
            if item.media.has_audio:
                _clipitem(track, item, n, ids, audio=True)
    return root


def xmeml_text(tl: Timeline) -> str:
    return to_string(xmeml_tree(tl), "xmeml")
