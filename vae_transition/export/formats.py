"""Editor formats, the user's side: an export request (ExportSpec), the rules of each format's
output name and size, and the names of a sequence's frames.

What each format encodes, and the command that does it, is ffmpeg's side:
ffmpeg_scripts/editor.py (FORMATS).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ffmpeg_scripts.editor import FORMATS, Format

SEQUENCE_PATTERN = "{name}.%06d.{ext}"  # NAME.000000.png; numbered from the start timecode


class ExportError(Exception):
    """A user-level problem with an export request (format, output name, options)."""


@dataclass(frozen=True)
class ExportSpec:
    """How to write the segment (what to make is a TransitionSpec)."""

    format: str = "prores"          # a key of FORMATS
    handles: int = 0                # held frames added before and after the transition
    reel: str | None = None         # reel name; None: the output's name
    timecode: str = "00:00:00:00"   # start timecode of the first frame (handles included)
    overwrite: bool = False

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ExportError(f"unknown format '{self.format}' (choose from "
                              f"{', '.join(FORMATS)})")
        if self.handles < 0:
            raise ExportError(f"--handles must be 0 or more, got {self.handles}")



def sequence_name(out_abs: str, fmt: Format) -> str:
    """The file pattern inside a sequence folder: shots/morph -> morph.%06d.png."""
    return SEQUENCE_PATTERN.format(name=os.path.basename(out_abs), ext=fmt.extensions[0][1:])


def check_output(out: str, spec: ExportSpec, inputs: Iterable[str] = ()) -> str:
    """Validate the output name for the format before any work; returns it absolute."""
    fmt = FORMATS[spec.format]
    out_abs = os.path.abspath(out.rstrip("/\\") or out)
    ext = os.path.splitext(out_abs)[1].lower()
    if fmt.sequence and ext:
        raise ExportError(f"{out}: --format {fmt.name} writes a folder of images; give a folder "
                          f"name without an extension (e.g. -o shots/morph makes "
                          f"shots/morph/morph.000000{fmt.extensions[0]})")
    if not fmt.sequence and ext not in fmt.extensions:
        others = [f.name for f in FORMATS.values() if not f.sequence and ext in f.extensions]
        hint = f", or --format {' / '.join(others)} for {ext}" if others else ""
        raise ExportError(f"{out}: --format {fmt.name} writes {' or '.join(fmt.extensions)} "
                          f"files; use -o NAME{fmt.extensions[0]}{hint}")
    for clip in inputs:
        if os.path.exists(out_abs) and os.path.samefile(clip, out_abs):
            raise ExportError(f"{out}: the output would overwrite an input; choose another name")
    if os.path.exists(out_abs):
        if not spec.overwrite:
            raise ExportError(f"{out}: already exists (use --overwrite to replace it)")
        if fmt.sequence != os.path.isdir(out_abs):
            raise ExportError(f"{out}: exists and is a {'folder' if os.path.isdir(out_abs) else 'file'}"
                              f"; --overwrite replaces only a previous export of this kind")
        if fmt.sequence:
            _check_sequence_folder(out_abs, fmt)
    folder = os.path.dirname(out_abs)
    while fmt.sequence and not os.path.lexists(folder):
        folder = os.path.dirname(folder)  # a sequence's missing parents are made for it
    if not os.path.isdir(folder):
        raise ExportError(f"{folder}: output folder does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"{folder}: output folder is not writable")
    return out_abs


def _check_sequence_folder(out_abs: str, fmt: Format) -> None:
    """--overwrite deletes a folder only when it holds nothing but our frames."""
    name = re.escape(os.path.basename(out_abs))
    ours = re.compile(rf"{name}\.\d{{6}}{re.escape(fmt.extensions[0])}")
    strangers = [f for f in os.listdir(out_abs) if not ours.fullmatch(f)]
    if strangers:
        raise ExportError(f"{out_abs}: holds files that are not this export's frames (e.g. "
                          f"{strangers[0]}); remove the folder yourself or choose another name")


def check_size(fmt: Format, width: int, height: int) -> None:
    mw, mh = fmt.min_size
    if width < mw or height < mh:
        raise ExportError(f"--format {fmt.name} needs at least {mw}x{mh} pixels; the clips are "
                          f"{width}x{height} (use prores or an image sequence)")
    if fmt.even_size and (width % 2 or height % 2):
        raise ExportError(f"--format {fmt.name} needs an even width and height; the clips are "
                          f"{width}x{height} (use prores or an image sequence)")
