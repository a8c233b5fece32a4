"""The Timeline as a CMX 3600 EDL (.edl): one rate (the timeline's) and 8-character reel names
(timeline.model.edl_reels), so each event also names its file.
"""

from __future__ import annotations

import re
import unicodedata

from vae_transition.timeline.model import Timeline, edl_reels
from vae_transition.timing import format_timecode


def edl_text(tl: Timeline) -> str:
    """CMX 3600: one video event per item, source and record timecode at the timeline's base.

    Source in = the media's start timecode + the item's source_in; source out = source in + the
    record length (an EDL has one rate). Reel names are cut to 8 characters; each event says
    which file its reel is ("* FROM CLIP NAME", "* FROM CLIP" for the path, "* REEL X IS ..." for
    the full reel).
    """
    reels = edl_reels(tl)
    lines = [f"TITLE: {one_line(tl.name)}", "FCM: NON-DROP FRAME", ""]
    for n, item in enumerate(tl.items, 1):
        m = item.media
        src_in = m.start_frame + item.source_in
        rec_in = tl.start_frame + item.record_in
        tc = [format_timecode(f, tl.fps) for f in (src_in, src_in + item.record_frames,
                                                    rec_in, rec_in + item.record_frames)]
        lines.append(f"{n:03d}  {reels[m.path]:<8} V     C        {' '.join(tc)}")
        lines.append(f"* FROM CLIP NAME: {one_line(m.name)}")
        lines.append(f"* FROM CLIP: {one_line(m.path)}")
        lines.append(f"* REEL {reels[m.path]} IS {one_line(m.reel or m.name)}")
        lines.append("")
    return "\n".join(lines)


_BREAKS = re.compile(r"\s*[\r\n\v\f\x85\u2028\u2029]+\s*")


def one_line(text: str) -> str:
    """A name as one EDL line: line breaks (a newline in a file name would start a line of
    its own, which an editor reads as an event or a comment) become " / ", other control
    characters a space."""
    text = _BREAKS.sub(" / ", text)
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
