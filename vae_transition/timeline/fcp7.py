"""FCP 7 XML (xmeml 4, for Premiere) and FCPXML 1.10 (for Resolve and Final Cut Pro), by hand.

Why not the OTIO adapters: the FCP 7 adapter writes no sequence <format> (Premiere then guesses
the frame size), and the FCPXML adapter writes version 1.8 with `src` on <asset>, rounds
24000/1001 to 23 fps when reading and drops transitions. Each format is an ElementTree built by a
pure function from the Timeline; tests read both back with the OTIO adapters.
"""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET
from fractions import Fraction

from vae_transition.timeline import Item, Media, Timeline, TimelineError, edl_reels
from vae_transition.timing import format_timecode, tc_base

FCPXML_VERSION = "1.10"  # Resolve 18.5 rejects 1.11


def _sub(parent: ET.Element, tag: str, text=None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = str(text)
    return el


def _to_string(root: ET.Element, doctype: str) -> str:
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {doctype}>\n{body}\n'


def file_url(path: str, host: str = "") -> str:
    """/a b/é.mov -> file://HOST/a%20b/%C3%A9.mov (UTF-8, percent-encoded)."""
    return f"file://{host}" + urllib.parse.quote(path, safe="/")


def _no_sequences(tl: Timeline, fmt: str) -> None:
    for item in tl.items:
        if item.media.sequence is not None:
            raise TimelineError(
                f"{fmt} cannot reference the image sequence {item.media.path}; export a movie "
                f"(--format prores, dnxhr or h264) for this timeline, or use otio / edl")


# --- FCP 7 XML ------------------------------------------------------------------------------

def _rate(parent: ET.Element, fps: Fraction) -> None:
    rate = _sub(parent, "rate")
    _sub(rate, "timebase", tc_base(fps))
    _sub(rate, "ntsc", "TRUE" if fps.denominator == 1001 else "FALSE")


def _timecode(parent: ET.Element, frame: int, fps: Fraction, reel: str | None = None) -> None:
    tc = _sub(parent, "timecode")
    _rate(tc, fps)
    _sub(tc, "string", format_timecode(frame, fps))
    _sub(tc, "frame", frame)
    _sub(tc, "displayformat", "NDF")
    if reel:
        _sub(_sub(tc, "reel"), "name", reel)


def _video_characteristics(parent: ET.Element, fps: Fraction, width: int, height: int) -> None:
    sc = _sub(parent, "samplecharacteristics")
    _rate(sc, fps)
    _sub(sc, "width", width)
    _sub(sc, "height", height)
    _sub(sc, "anamorphic", "FALSE")
    _sub(sc, "pixelaspectratio", "square")
    _sub(sc, "fielddominance", "none")


def _xmeml_file(parent: ET.Element, m: Media, ids: dict[str, str]) -> None:
    """The first use of a file describes it; later uses refer to it by id."""
    if m.path in ids:
        _sub(parent, "file", id=ids[m.path])
        return
    ids[m.path] = f"file-{len(ids) + 1}"
    f = _sub(parent, "file", id=ids[m.path])
    _sub(f, "name", m.name)
    _sub(f, "pathurl", file_url(m.path, "localhost"))  # Premiere's own form
    _rate(f, m.fps)
    _sub(f, "duration", m.frames)
    _timecode(f, m.start_frame, m.fps, m.reel)
    media = _sub(f, "media")
    _video_characteristics(_sub(media, "video"), m.fps, m.width, m.height)
    if m.has_audio:
        audio = _sub(media, "audio")
        sc = _sub(audio, "samplecharacteristics")
        _sub(sc, "depth", 16)
        _sub(sc, "samplerate", m.audio_rate)
        _sub(audio, "channelcount", m.audio_channels)


def _clipitem(track: ET.Element, item: Item, n: int, ids: dict[str, str], audio: bool) -> None:
    """<start>/<end>: the record frames on the sequence; <in>/<out>: the source frames used
    (0 = the media's first frame); <duration>: the whole media, so the rest are handles."""
    m = item.media
    ci = _sub(track, "clipitem", id=f"clipitem-{n}")
    _sub(ci, "name", m.name)
    _sub(ci, "enabled", "TRUE")
    _sub(ci, "duration", m.frames)
    _rate(ci, m.fps)
    for tag, value in (("start", item.record_in), ("end", item.record_out),
                       ("in", item.source_in), ("out", item.source_out)):
        _sub(ci, tag, value)
    _xmeml_file(ci, m, ids)
    if audio:
        st = _sub(ci, "sourcetrack")
        _sub(st, "mediatype", "audio")
        _sub(st, "trackindex", 1)


def xmeml_tree(tl: Timeline) -> ET.Element:
    """<xmeml version="4"> with one sequence: V1 (every item) and A1 (clips that have audio)."""
    _no_sequences(tl, "FCP 7 XML")
    root = ET.Element("xmeml", version="4")
    seq = _sub(root, "sequence", id="sequence-1")
    _sub(seq, "name", tl.name)
    _sub(seq, "duration", tl.frames)
    _rate(seq, tl.fps)
    _timecode(seq, tl.start_frame, tl.fps)
    media = _sub(seq, "media")
    video = _sub(media, "video")
    _video_characteristics(_sub(video, "format"), tl.fps, tl.width, tl.height)
    ids: dict[str, str] = {}
    track = _sub(video, "track")
    for n, item in enumerate(tl.items, 1):
        _clipitem(track, item, n, ids, audio=False)
    if tl.has_audio:
        audio = _sub(media, "audio")
        _sub(audio, "numOutputChannels", 2)
        track = _sub(audio, "track")
        for n, item in enumerate(tl.items, len(tl.items) + 1):
            if item.media.has_audio:
                _clipitem(track, item, n, ids, audio=True)
    return root


def xmeml_text(tl: Timeline) -> str:
    return _to_string(xmeml_tree(tl), "xmeml")


# --- FCPXML 1.10 ----------------------------------------------------------------------------

def fcpx_time(frames: int, fps: Fraction) -> str:
    """Frames -> rational seconds in multiples of the frame duration: 3 @ 24000/1001 -> 3003/24000s."""
    if frames == 0:
        return "0s"
    seconds = Fraction(frames) / fps
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{frames * fps.denominator}/{fps.numerator}s"


def _format_id(resources: ET.Element, formats: dict, fps: Fraction, w: int, h: int) -> str:
    key = (fps, w, h)
    if key not in formats:
        formats[key] = f"r{len(formats) + 1}"
        _sub(resources, "format", id=formats[key], frameDuration=fcpx_time(1, fps),
             width=w, height=h, colorSpace="1-1-1 (Rec. 709)")
    return formats[key]


def _assets(tl: Timeline, resources: ET.Element) -> dict[str, str]:
    """Formats first, then one <asset> (with a <media-rep>) per media file; path -> asset id."""
    formats: dict = {}
    _format_id(resources, formats, tl.fps, tl.width, tl.height)
    for item in tl.items:
        _format_id(resources, formats, item.media.fps, item.media.width, item.media.height)
    assets: dict[str, str] = {}
    for item in tl.items:
        m = item.media
        if m.path in assets:
            continue
        assets[m.path] = f"r{len(formats) + len(assets) + 1}"
        audio = dict(hasAudio=1, audioSources=1, audioChannels=m.audio_channels,
                     audioRate=m.audio_rate) if m.has_audio else dict(hasAudio=0)
        asset = _sub(resources, "asset", id=assets[m.path], name=m.name,
                     start=fcpx_time(m.start_frame, m.fps), duration=fcpx_time(m.frames, m.fps),
                     hasVideo=1, format=formats[(m.fps, m.width, m.height)], **audio)
        _sub(asset, "media-rep", kind="original-media", src=file_url(m.path))
        if m.reel:
            md = _sub(asset, "metadata")
            _sub(md, "md", key="com.apple.proapps.studio.reel", value=m.reel)
    return assets


def fcpxml_tree(tl: Timeline) -> ET.Element:
    """<fcpxml version="1.10">: a library > event > project whose spine holds every item."""
    _no_sequences(tl, "FCPXML")
    root = ET.Element("fcpxml", version=FCPXML_VERSION)
    resources = _sub(root, "resources")
    assets = _assets(tl, resources)
    event = _sub(_sub(root, "library"), "event", name=tl.name)
    project = _sub(event, "project", name=tl.name)
    seq = _sub(project, "sequence", format="r1", duration=fcpx_time(tl.frames, tl.fps),
               tcStart=fcpx_time(tl.start_frame, tl.fps), tcFormat="NDF",
               **(dict(audioLayout="stereo", audioRate="48k") if tl.has_audio else {}))
    spine = _sub(seq, "spine")
    reels = edl_reels(tl)
    for item in tl.items:
        m = item.media
        # offset, duration: where it sits in the sequence (which starts at tcStart), in
        # sequence frames, so the spine has no gaps; start: its source in, in the media's time.
        clip = _sub(spine, "asset-clip", ref=assets[m.path], name=m.name,
                    offset=fcpx_time(tl.start_frame + item.record_in, tl.fps),
                    start=fcpx_time(m.start_frame + item.source_in, m.fps),
                    duration=fcpx_time(item.record_frames, tl.fps), tcFormat="NDF")
        if item.role == "transition":
            _sub(clip, "note", f"vae-transition segment (reel {reels[m.path]})")
    return root


def fcpxml_text(tl: Timeline) -> str:
    return _to_string(fcpxml_tree(tl), "fcpxml")
