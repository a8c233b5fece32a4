"""Clip lists for chains: `join --from reel.txt`.

One clip path a line, in order; blank lines and lines starting with `#` are ignored. Relative
paths are relative to the list file's folder. Keyword lines after a clip (before the next one):

    in TIME        the clip's first frame played (default: its first frame)
    out TIME       the clip's last frame played, inclusive (default: its last frame)
    frames N       the length of the transition to the next clip, in frames (default: --frames)
    duration TIME  the same length as a time (one of frames and duration a cut)

TIME is seconds (2, 2.5, 2.5s, .5s), frames (60f) or non-drop-frame timecode (00:00:02:12), and
becomes frames at each clip's own rate. `in` and `out` come at most once a clip. `in`, `out` and
`duration` are keywords only when a digit, "." or "-" follows, so `out takes.mp4` is a clip; a
clip path like `in 2.mp4` is written with its folder: `./in 2.mp4`. Example:

    # my reel
    intro.mp4
    out 12.5s
    frames 36
    scene two.mp4
    in 00:00:01:12
    out 240f
    duration 1.5
    /abs/path/outro.mov
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from vae_transition import limits
from vae_transition.timing import ClipPoints, Time, TimeError, parse_duration, parse_time

# the newer keywords claim a line only when a time follows (a digit, "." or "-"), so that an old
# list's "out takes.mp4" stays a clip
_KEYWORD = re.compile(r"^(frames\s+|(?:duration|in|out)\s+(?=[\d.-]))(\S+)$")
_LENGTHS = ("frames", "duration")


class ClipListError(ValueError):
    """A clip list that cannot be read (the message names the file and the line)."""


@dataclass(frozen=True)
class ClipList:
    clips: tuple[str, ...]                  # paths, in order
    cut_lengths: tuple[Time | None, ...]    # per cut (len(clips) - 1); None: the command line's
    points: tuple[ClipPoints, ...]          # per clip: its in and out points


@dataclass
class _Reading:
    """What has been read so far (mutable, local to one parse)."""

    name: str
    clips: list[str]
    points: list[dict[str, Time]]             # per clip: "in"/"out" -> Time
    lengths: dict[int, tuple[str, int, Time]]  # cut index -> (its line, line number, length)


def parse_clip_list(text: str, base_dir: str = ".", name: str = "list") -> ClipList:
    """Parse a list's text; relative paths are joined to base_dir."""
    r = _Reading(name, [], [], {})
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            _keyword(r, number, line, match.group(1).strip(), match.group(2))
            continue
        r.clips.append(line if os.path.isabs(line) else os.path.join(base_dir, line))
        r.points.append({})
    last_cut = len(r.clips) - 1
    if last_cut in r.lengths:
        line, number, _ = r.lengths[last_cut]
        raise ClipListError(f"{name}:{number}: '{line}' after the last clip has no cut to apply to")
    if len(r.clips) < 2:
        raise ClipListError(f"{name}: lists {len(r.clips)} clip(s); a join needs at least two")
    lengths = tuple(r.lengths[i][2] if i in r.lengths else None for i in range(last_cut))
    points = tuple(ClipPoints(p.get("in"), p.get("out")) for p in r.points)
    return ClipList(tuple(r.clips), lengths, points)


def _keyword(r: _Reading, number: int, line: str, keyword: str, value: str) -> None:
    """Apply one keyword line to the clip (in, out) or the cut (frames, duration) before it."""
    where = f"{r.name}:{number}"
    if not r.clips:
        place = "between two clips" if keyword in _LENGTHS else "after the clip it sets"
        raise ClipListError(f"{where}: '{keyword}' must come {place}")
    try:
        if keyword in _LENGTHS:
            _set_length(r, number, line, keyword, value)
            return
        if keyword in r.points[-1]:
            raise ClipListError(f"{where}: a second '{keyword}' for {r.clips[-1]}")
        r.points[-1][keyword] = parse_time(value, f"{where} {keyword}")
    except TimeError as exc:
        raise ClipListError(str(exc)) from None


def _set_length(r: _Reading, number: int, line: str, keyword: str, value: str) -> None:
    cut = len(r.clips) - 1
    before = r.lengths.get(cut)
    if before is not None and before[0].split()[0] != keyword:
        raise ClipListError(f"{r.name}:{number}: '{line}' and '{before[0]}' (line {before[1]}) "
                            f"both set one cut's length; keep one")
    if keyword == "duration":
        length = parse_duration(value, f"{r.name}:{number} duration")
    else:
        length = Time(f"{_frames_value(value, r.name, number)}f",
                      frame=int(value), duration=True, what=f"{r.name}:{number} frames")
    r.lengths[cut] = (line, number, length)  # a repeated `frames` line wins, as it always did


def _frames_value(value: str, name: str, number: int) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ClipListError(f"{name}:{number}: 'frames {value}' needs a whole number >= 1")
    try:
        return limits.check_frames(int(value), "frames")
    except limits.LimitError as exc:
        raise ClipListError(f"{name}:{number}: {exc}") from None


def read_clip_list(path: str) -> ClipList:
    """Read and parse a list file (UTF-8)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise ClipListError(f"{path}: no such list file") from None
    except UnicodeDecodeError:
        raise ClipListError(f"{path}: is not a UTF-8 text file") from None
    return parse_clip_list(text, os.path.dirname(os.path.abspath(path)), path)
