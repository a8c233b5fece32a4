"""Timecode <-> frames (non-drop-frame), below every other module: imports only the stdlib.

Timecode is non-drop-frame everywhere, counted at the nominal rate (24 for 24000/1001, 30 for
30000/1001): what ffmpeg writes into .mov/.mxf tmcd tracks and what editors expect for 23.976.
"""

from __future__ import annotations

import re
from fractions import Fraction

_TC = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})([:;])(\d{2})")


# --- timecode -------------------------------------------------------------------------------

def tc_base(fps: Fraction) -> int:
    """Frames per timecode second: 24 for 24 and 24000/1001, 30 for 30000/1001."""
    return max(1, round(fps))


def _tc_fields(tc: str) -> tuple[int, int, int, int]:
    """"01:02:03:04" -> (1, 2, 3, 4); ValueError when not non-drop-frame HH:MM:SS:FF."""
    m = _TC.fullmatch(tc.strip())
    if m is None:
        raise ValueError(f"timecode '{tc}' is not HH:MM:SS:FF")
    if m.group(4) == ";":
        raise ValueError(f"timecode '{tc}' is drop-frame (';'); use non-drop-frame HH:MM:SS:FF")
    h, mi, s, f = (int(m.group(i)) for i in (1, 2, 3, 5))
    return h, mi, s, f


def parse_timecode(tc: str, fps: Fraction) -> int:
    """"01:00:00:00" -> frames since 00:00:00:00 (non-drop-frame); ValueError when malformed."""
    h, mi, s, f = _tc_fields(tc)
    base = tc_base(fps)
    if mi > 59 or s > 59 or f >= base:
        raise ValueError(f"timecode '{tc}' is out of range at {base} frames per second")
    return ((h * 60 + mi) * 60 + s) * base + f


def format_timecode(frame: int, fps: Fraction) -> str:
    """Frames since 00:00:00:00 -> "HH:MM:SS:FF" (non-drop-frame, wraps at 24 h)."""
    base = tc_base(fps)
    frame %= 24 * 3600 * base
    s, f = divmod(frame, base)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{f:02d}"
