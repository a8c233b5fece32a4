"""What the XML writers share (fcp7.py, fcpxml.py, mlt.py): building an ElementTree, file URLs,
and the rule that none of them can reference an image sequence.

Why by hand and not the OTIO adapters: the FCP 7 adapter writes no sequence <format> (Premiere
then guesses the frame size), and the FCPXML adapter writes version 1.8 with `src` on <asset>,
rounds 24000/1001 to 23 fps when reading and drops transitions. Each format is an ElementTree
built by a pure function from the Timeline; tests read both back with the OTIO adapters.
"""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET

from vae_transition.timeline.model import Timeline, TimelineError


def sub(parent: ET.Element, tag: str, text=None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = str(text)
    return el


def to_string(root: ET.Element, doctype: str) -> str:
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {doctype}>\n{body}\n'


def file_url(path: str, host: str = "") -> str:
    """/a b/é.mov -> file://HOST/a%20b/%C3%A9.mov (UTF-8, percent-encoded)."""
    return f"file://{host}" + urllib.parse.quote(path, safe="/")


def no_sequences(tl: Timeline, fmt: str) -> None:
    for item in tl.items:
        if item.media.sequence is not None:
            raise TimelineError(
                f"{fmt} cannot reference the image sequence {item.media.path}; export a movie "
                f"(--format prores, dnxhr or h264) for this timeline, or use otio / edl")
