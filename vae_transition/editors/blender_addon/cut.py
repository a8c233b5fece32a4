"""What the operator does to the timeline, decided without Blender: which two strips make the
cut, the `vae-transition export` command that makes the morph, and the edit that puts it in.

Strips are plain records read from Blender (ui.py); positions are Blender frames, `end` one past
the strip's last frame. The edit mirrors `vae-transition join`:
- insert: the morph (N frames) goes between A and B on their channel; everything that starts at
  or after the cut moves N frames later.
- overlap: the morph covers A's last N frames on a channel above; B (with its sound) loses its
  first N frames, and everything that starts at or after the cut moves N frames earlier.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

MAX_CHANNEL = 128  # Blender's sequencer has channels 1..128


class AddonError(Exception):
    """A one-line problem shown as a Blender report; nothing has been changed."""


@dataclass(frozen=True)
class Strip:
    """One strip of the sequencer, as far as the cut is concerned."""

    name: str
    kind: str             # Blender's strip type: "MOVIE", "SOUND", "IMAGE", "COLOR", "META", ...
    channel: int
    start: int            # first frame shown
    end: int              # one past the last frame shown
    source_in: int = 0    # movie/sound: the file's frame (0-based) shown at `start`
    path: str = ""        # movie/sound: the file, absolute
    fps: float = 0.0      # movie: the file's rate
    selected: bool = False
    locked: bool = False
    follows: bool = False  # an effect placed by its input strips (moves with them by itself)

    @property
    def frames(self) -> int:
        return self.end - self.start

    @property
    def source_out(self) -> int:
        """The file's last frame shown (0-based, inclusive: what --a-out takes)."""
        return self.source_in + self.frames - 1


@dataclass(frozen=True)
class Edit:
    """The timeline change, applied in this order: trims, moves, then the morph strip."""

    trims: tuple[tuple[str, int], ...]   # (strip, frames taken off its head)
    moves: tuple[tuple[str, int], ...]   # (strip, frames later (+) or earlier (-)), in order
    morph_channel: int
    morph_start: int                     # the morph strip's first frame
    frames: int                          # its length N
    cut: int                             # where A ended and B started (A's end frame)


def pick_pair(strips: list[Strip]) -> tuple[Strip, Strip]:
    """The two selected movie strips, A (ending at the cut) and B (starting there)."""
    movies = [s for s in strips if s.selected and s.kind == "MOVIE"]
    if len(movies) != 2:
        raise AddonError(f"select two movie strips that meet at a cut ({len(movies)} selected)")
    a, b = sorted(movies, key=lambda s: s.start)
    if a.channel != b.channel:
        raise AddonError(f"{a.name} and {b.name} must be on one channel (they are on "
                         f"{a.channel} and {b.channel})")
    if a.end != b.start:
        raise AddonError(f"{a.name} must end where {b.name} starts: it ends at frame {a.end}, "
                         f"{b.name} starts at {b.start}")
    return a, b


def check_rates(a: Strip, b: Strip, scene_fps: float) -> None:
    """Frames are counted 1:1 with the files' frames: the scene must run at their rate."""
    for s in (a, b):
        if s.fps and abs(s.fps - scene_fps) > 1e-3 * scene_fps:
            raise AddonError(f"{s.name} runs at {s.fps:g} fps and the scene at {scene_fps:g}: "
                             f"set the scene's frame rate to the clip's first")


def belongs(sound: Strip, movie: Strip) -> bool:
    """A sound strip made with the movie: the same file, starting with it (its end may differ
    by the audio's own length)."""
    return (sound.kind == "SOUND" and sound.start == movie.start
            and os.path.normcase(os.path.realpath(sound.path))
            == os.path.normcase(os.path.realpath(movie.path)))


def plan_edit(strips: list[Strip], a: Strip, b: Strip, frames: int, overlap: bool) -> Edit:
    """The edit for a transition of `frames` between a and b; AddonError when it cannot be
    made (clips too short, locked strips, strips that would collide, no free channel)."""
    cut = a.end
    moving = [s for s in strips if s.start >= cut and not s.follows]
    for s in moving:
        if s.locked:
            raise AddonError(f"{s.name} is locked and would have to move: unlock it first")
    if not overlap:
        moves = sorted(moving, key=lambda s: -s.start)  # the last first: none lands on another
        return Edit((), tuple((s.name, frames) for s in moves), a.channel, cut, frames, cut)
    for s in (a, b):
        if s.frames <= frames:
            raise AddonError(f"{s.name} shows {s.frames} frames: an overlap of {frames} needs "
                             f"more (each clip keeps at least one frame of its own)")
    heads = [s for s in strips if s is b or belongs(s, b)]
    after = _moved(strips, moving, heads, frames)
    channel = free_channel(after, a.channel, cut - frames, cut)
    moves = sorted(moving, key=lambda s: s.start)  # the first first, into the room it leaves
    return Edit(tuple((s.name, frames) for s in heads), tuple((s.name, -frames) for s in moves),
                channel, cut - frames, frames, cut)


def _moved(strips: list[Strip], moving: list[Strip], heads: list[Strip],
           frames: int) -> list[Strip]:
    """Where every strip will be in overlap mode: heads trimmed, the moving ones N earlier.
    AddonError when a moved strip would run into one that stays."""
    staying = [s for s in strips if s not in moving]
    after = list(staying)
    for s in moving:
        start = s.start + (frames if s in heads else 0) - frames
        after.append(Strip(s.name, s.kind, s.channel, start, s.end - frames))
        for t in staying:
            if t.channel == s.channel and not t.follows and t.start < s.end - frames \
                    and start < t.end:
                raise AddonError(f"moving {s.name} {frames} frames earlier would run it into "
                                 f"{t.name} on channel {s.channel}; make room first")
    return after


def free_channel(strips: list[Strip], above: int, start: int, end: int) -> int:
    """The lowest channel above `above` with nothing in [start, end)."""
    for channel in range(above + 1, MAX_CHANNEL + 1):
        if not any(s.channel == channel and s.start < end and start < s.end for s in strips):
            return channel
    raise AddonError(f"no free channel above {above} for the morph")


def export_args(a: Strip, b: Strip, frames: int, method: str, overlap: bool, seed: int,
                out: str, motion_blur: float = 0.0) -> list[str]:
    """`vae-transition export` arguments for the morph the two strips need: A up to the last
    frame it shows, B from the first, each as a 0-based frame of its file."""
    args = ["export", "--output", out, "--format", "prores", "--frames", str(frames),
            "--method", method, "--seed", str(seed), "--a-out", f"{a.source_out}f",
            "--b-in", f"{b.source_in}f", "--quiet"]
    blur = ["--motion-blur", f"{motion_blur:g}"] if motion_blur > 0 else []
    return args + blur + (["--overlap"] if overlap else []) + ["--", a.path, b.path]


def output_path(blend_file: str, temp_folder: str, a: Strip, b: Strip) -> str:
    """A new file for the morph: beside the saved .blend, else in `temp_folder`;
    NAME.A-B.vae001.mov, the first number not taken."""
    folder = os.path.dirname(blend_file) if blend_file else temp_folder
    stem = os.path.splitext(os.path.basename(blend_file))[0] if blend_file else "untitled"
    names = "-".join(_safe(s.name) for s in (a, b))
    for k in range(1, 1000):
        path = os.path.join(folder, f"{stem}.{names}.vae{k:03d}.mov")
        if not os.path.lexists(path):
            return path
    raise AddonError(f"{folder}: a thousand morphs of {a.name} and {b.name} already; clean up")


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "strip"
