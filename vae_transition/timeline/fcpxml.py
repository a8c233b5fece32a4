"""The Timeline as FCPXML 1.10, for Resolve and Final Cut Pro: a library > event > project
whose spine holds every item, back to back.

Built by a pure function (fcpxml_tree) from the Timeline; see xml_tree.py for why not the OTIO
adapter.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

from vae_transition.timeline.model import Timeline, edl_reels
from vae_transition.timeline.xml_tree import file_url, no_sequences, sub, to_string

FCPXML_VERSION = "1.10"  # Resolve 18.5 rejects 1.11


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
        sub(resources, "format", id=formats[key], frameDuration=fcpx_time(1, fps),
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
        asset = sub(resources, "asset", id=assets[m.path], name=m.name,
                     start=fcpx_time(m.start_frame, m.fps), duration=fcpx_time(m.frames, m.fps),
                     hasVideo=1, format=formats[(m.fps, m.width, m.height)], **audio)
        sub(asset, "media-rep", kind="original-media", src=file_url(m.path))
        if m.reel:
            md = sub(asset, "metadata")
            sub(md, "md", key="com.apple.proapps.studio.reel", value=m.reel)
    return assets


def fcpxml_tree(tl: Timeline) -> ET.Element:
    """<fcpxml version="1.10">: a library > event > project whose spine holds every item."""
    no_sequences(tl, "FCPXML")
    root = ET.Element("fcpxml", version=FCPXML_VERSION)
    resources = sub(root, "resources")
    assets = _assets(tl, resources)
    event = sub(sub(root, "library"), "event", name=tl.name)
    project = sub(event, "project", name=tl.name)
    seq = sub(project, "sequence", format="r1", duration=fcpx_time(tl.frames, tl.fps),
               tcStart=fcpx_time(tl.start_frame, tl.fps), tcFormat="NDF",
               **(dict(audioLayout="stereo", audioRate="48k") if tl.has_audio else {}))
    spine = sub(seq, "spine")
    reels = edl_reels(tl)
    for item in tl.items:
        m = item.media
        # offset, duration: where it sits in the sequence (which starts at tcStart), in
        # sequence frames, so the spine has no gaps; start: its source in, in the media's time.
        clip = sub(spine, "asset-clip", ref=assets[m.path], name=m.name,
                    offset=fcpx_time(tl.start_frame + item.record_in, tl.fps),
                    start=fcpx_time(m.start_frame + item.source_in, m.fps),
                    duration=fcpx_time(item.record_frames, tl.fps), tcFormat="NDF")
        if item.role == "transition":
            sub(clip, "note", f"vae-transition segment (reel {reels[m.path]})")
    return root


def fcpxml_text(tl: Timeline) -> str:
    return to_string(fcpxml_tree(tl), "fcpxml")
