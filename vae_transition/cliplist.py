"""Clip lists for chains: `join --from reel.txt`.

One clip path a line, in order; blank lines and lines starting with `#` are ignored. A line
`frames N` between two clips sets the length of that one transition (others use --frames).
Relative paths are relative to the list file's folder. Example:

    # my reel
    intro.mp4
    frames 36
    scene two.mp4
    /abs/path/outro.mov
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from vae_transition import limits

_FRAMES = re.compile(r"^frames\s+(\S+)$")


class ClipListError(ValueError):
    """A clip list that cannot be read (the message names the file and the line)."""


@dataclass(frozen=True)
class ClipList:
    clips: tuple[str, ...]                 # paths, in order
    cut_frames: tuple[int | None, ...]     # per cut (len(clips) - 1): N, or None for --frames


def parse_clip_list(text: str, base_dir: str = ".", name: str = "list") -> ClipList:
    """Parse a list's text; relative paths are joined to base_dir."""
    clips: list[str] = []
    cuts: list[int | None] = []
    pending: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _FRAMES.match(line)
        if match:
            pending = _frames_value(match.group(1), name, number, bool(clips))
            continue
        if clips:
            cuts.append(pending)
        elif pending is not None:
            raise ClipListError(f"{name}:{number}: 'frames' must come between two clips")
        pending = None
        clips.append(line if os.path.isabs(line) else os.path.join(base_dir, line))
    if pending is not None:
        raise ClipListError(f"{name}: 'frames {pending}' after the last clip has no cut to apply to")
    if len(clips) < 2:
        raise ClipListError(f"{name}: lists {len(clips)} clip(s); a join needs at least two")
    return ClipList(tuple(clips), tuple(cuts))


def _frames_value(value: str, name: str, number: int, after_clip: bool) -> int:
    if not after_clip:
        raise ClipListError(f"{name}:{number}: 'frames' must come between two clips")
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
