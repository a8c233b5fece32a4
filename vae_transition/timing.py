"""Times as users type them (2.5, 2.5s, 60f, 00:00:02:12), and timecode <-> frames.

A TIME is parsed before any clip is probed (the CLI reads its options first), so a `Time` keeps
what was typed and becomes a frame number only later, at a clip's exact rate:

    seconds   "2", "2.5", "2.5s", ".5s"  -> round half up of seconds * fps (exact Fraction math)
    frames    "60f"                      -> 60, at any rate
    timecode  "00:00:02:12"              -> non-drop-frame HH:MM:SS:FF at the nominal rate

Timecode is non-drop-frame everywhere, counted at the nominal rate (24 for 24000/1001, 30 for
30000/1001): what ffmpeg writes into .mov/.mxf tmcd tracks and what editors expect for 23.976.
Imports only the standard library: every other module may use it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

_TC = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})([:;])(\d{2})")
_SECONDS = re.compile(r"(\d+(?:\.\d+)?|\.\d+)s?")
_FRAMES = re.compile(r"(\d+)f")
_SYNTAX = "use 2.5, 2.5s, 60f or 00:00:02:12"


class TimeError(ValueError):
    """A time that cannot be read, or that falls outside its clip; the message is one line."""


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


# --- times as typed -------------------------------------------------------------------------

@dataclass(frozen=True)
class Time:
    """A time as typed; exactly one of seconds, frame and timecode is set."""

    text: str                        # as typed (stripped), for messages
    seconds: Fraction | None = None  # "2.5" or "2.5s", >= 0
    frame: int | None = None         # "60f", >= 0
    timecode: str | None = None      # "00:00:02:12", non-drop-frame
    # a length, which must come to at least one frame: how it is checked, not part of its value
    duration: bool = field(default=False, compare=False)
    # where it was typed ("--a-out", "reel.txt:4 out"): names it in messages, not part of its value
    what: str = field(default="time", compare=False)

    def __post_init__(self):
        if sum(v is not None for v in (self.seconds, self.frame, self.timecode)) != 1:
            raise ValueError(f"{self.what}: Time needs exactly one of seconds, frame, timecode")

    def to_frames(self, fps: Fraction) -> int:
        """Frames at the exact rate fps; TimeError when a timecode's FF is past the rate, or a
        duration comes to 0 frames."""
        if self.frame is not None:
            n = self.frame
        elif self.seconds is not None:
            n = math.floor(self.seconds * fps + Fraction(1, 2))  # round half up, exactly
        else:
            try:
                n = parse_timecode(self.timecode, fps)
            except ValueError as exc:
                raise TimeError(f"{self.what}: {exc}") from None
        if self.duration and n < 1:
            raise TimeError(f"{self.what}: {self.text} is {n} frames at {_rate(fps)} fps; "
                            f"a duration needs at least one")
        return n


def parse_time(text: str, what: str = "time") -> Time:
    """'2.5', '2.5s', '.5s', '60f' or '00:00:02:12' -> Time; TimeError when not one, or < 0."""
    t = text.strip()
    if t.startswith("-") and _plain(t[1:]):
        raise TimeError(f"{what}: '{text}' is negative; times count from the clip's first frame")
    if _SECONDS.fullmatch(t):
        return Time(t, seconds=Fraction(t.removesuffix("s")), what=what)
    if _FRAMES.fullmatch(t):
        return Time(t, frame=int(t[:-1]), what=what)
    if ":" in t or ";" in t:
        try:
            _, mi, s, _ = _tc_fields(t)
        except ValueError as exc:
            raise TimeError(f"{what}: {exc}") from None
        if mi > 59 or s > 59:
            raise TimeError(f"{what}: timecode '{t}' has minutes or seconds past 59")
        return Time(t, timecode=t, what=what)
    raise TimeError(f"{what}: '{text}' is not a time ({_SYNTAX})")


def parse_duration(text: str, what: str = "--duration") -> Time:
    """Like parse_time, for a length: zero is refused now, and to_frames refuses 0 frames."""
    t = parse_time(text, what)
    zero = t.seconds == 0 or t.frame == 0 or (
        t.timecode is not None and not any(_tc_fields(t.timecode)))
    if zero:
        raise TimeError(f"{what}: '{text}' is not a duration > 0")
    return replace(t, duration=True)


def _plain(t: str) -> bool:
    """Seconds or frames syntax (what a minus sign in front makes negative)."""
    return bool(_SECONDS.fullmatch(t) or _FRAMES.fullmatch(t))


def _rate(fps: Fraction) -> str:
    """24 -> '24', 24000/1001 -> '23.976'."""
    return f"{float(fps):.3f}".rstrip("0").rstrip(".")


# --- a clip's cut points --------------------------------------------------------------------

@dataclass(frozen=True)
class ClipPoints:
    """Where a clip starts and stops playing."""

    start: Time | None = None   # first frame played (in point); None: the clip's first frame
    end: Time | None = None     # last frame played, INCLUSIVE (out point); None: its last frame

    def resolve(self, frame_count: int, fps: Fraction, name: str) -> tuple[int, int]:
        """(first, last_exclusive) frame range of a clip of frame_count frames at fps; TimeError
        (one line, naming the clip and the option) when a point is past the clip or in > out."""
        if frame_count < 1:
            raise TimeError(f"{name}: has no frames to play")
        first = self._frame(self.start, frame_count, fps, name, 0)
        last = self._frame(self.end, frame_count, fps, name, frame_count - 1)
        if first > last:
            raise TimeError(f"{name}: {_said(self.start)} is frame {first}, after "
                            f"{_said(self.end)} at frame {last}; nothing would play")
        return first, last + 1

    @staticmethod
    def _frame(t: Time | None, frame_count: int, fps: Fraction, name: str, default: int) -> int:
        if t is None:
            return default
        n = t.to_frames(fps)
        if n >= frame_count:
            raise TimeError(f"{name}: {_said(t)} is frame {n}, past its last frame "
                            f"{frame_count - 1} ({float(frame_count / fps):.2f} s at "
                            f"{_rate(fps)} fps)")
        return n


def _said(t: Time) -> str:
    """'--b-in 5s': the option and what was typed."""
    return f"{t.what} {t.text}"


def fps_text(fps: Fraction) -> str:
    """24 -> "24", 24000/1001 -> "24000/1001": a rate as users type it."""
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"
