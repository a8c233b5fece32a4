"""Timelines to files: format name -> writer, every text made before anything is written.

Above the writers (otio_json, edl, fcp7, fcpxml, mlt: one module a format), which sit above the model
(model.py); the join, export and the CLI call this module. A new format is one module with a
`TEXT(Timeline) -> str` function, one entry in writers() and one in model.EXTENSIONS.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from vae_transition.outputs import write_atomically
from vae_transition.timeline.edl import edl_text
from vae_transition.timeline.fcp7 import xmeml_text
from vae_transition.timeline.fcpxml import fcpxml_text
from vae_transition.timeline.mlt import mlt_text
from vae_transition.timeline.model import EXTENSIONS, Timeline, parse_formats
from vae_transition.timeline.otio_json import otio_text


def writers() -> dict[str, Callable[[Timeline], str]]:
    """Format name -> function(Timeline) -> text (the keys of timeline.EXTENSIONS)."""
    return {"otio": otio_text, "fcp7": xmeml_text, "fcpxml": fcpxml_text, "edl": edl_text,
            "mlt": mlt_text}


def render_timelines(tl: Timeline, formats: Sequence[str]) -> dict[str, str]:
    """Format -> file text, all made before anything is written."""
    table = writers()
    return {f: table[f](tl) for f in parse_formats(formats)}


def write_timelines(timeline: Timeline, formats: Sequence[str], out_base: str) -> list[str]:
    """Write OUT_BASE.otio / .xml / .fcpxml / .edl; each appears whole (outputs.atomic)."""
    texts = render_timelines(timeline, formats)
    return [write_atomically(os.path.abspath(out_base + EXTENSIONS[fmt]), text)
            for fmt, text in texts.items()]
