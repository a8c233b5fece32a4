"""The jobs file: one JSON object a line, each a join, read and checked before any work starts.

    {"output": "reel-01.mp4", "clips": ["a.mp4", "b.mp4"], "frames": 36, "method": "vae"}
    {"output": "day/2.mov", "clips": ["x.mp4", {"path": "y.mp4", "in": "1s", "out": "4s"}],
     "overlap": true, "duration": "1s", "size": "1280x768", "fps": "24000/1001",
     "timeline": "otio,fcp7"}

`output` is relative to --out-dir, `clips` relative to the jobs file. Options are spelt as in
`join --json`'s summary: frames, duration, overlap, method, path, seed, adapt_steps,
motion_blur, a_out and b_in (two clips) or per-clip in/out, size, fps, timeline, reencode,
preview. Blank lines and lines starting with `#` are skipped. Any problem is one JobsError
that names the file and line.
Missing or damaged clips are not checked here: they fail their own job, not the batch.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from fractions import Fraction

from ffmpeg_scripts.splice import muxer_for
from vae_transition import limits
from vae_transition.join.pipeline import JoinRequest
from vae_transition.morph.transition import TransitionSpec
from vae_transition.timeline.model import parse_formats
from vae_transition.timing import ClipPoints, Time, parse_duration, parse_time

OPTIONS = ("output", "clips", "frames", "duration", "overlap", "method", "path", "seed",
           "adapt_steps", "motion_blur", "a_out", "b_in", "size", "fps", "timeline", "reencode",
           "preview")
CLIP_KEYS = ("path", "in", "out")


class JobsError(ValueError):
    """A jobs file that cannot be run (one line: file:line: what is wrong)."""


@dataclass(frozen=True)
class Job:
    """One line of the jobs file, checked, as the join it asks for."""

    line: int                 # 1-based line in the jobs file
    name: str                 # output as written, relative to --out-dir (the report's name)
    request: JoinRequest      # clips and output absolute; the options `join` would be given
    text: str                 # the line, canonical JSON (part of the manifest's job key)

    @property
    def cuts(self) -> int:
        return len(self.request.clips) - 1


def read_jobs(path: str, out_dir: str, cache: bool = True, score: bool = False,
              overwrite: bool = False) -> list[Job]:
    """Every job of the file at `path`, outputs under out_dir; JobsError on the first bad line."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        raise JobsError(f"{path}: no such jobs file") from None
    except UnicodeDecodeError:
        raise JobsError(f"{path}: is not a UTF-8 text file") from None
    base = os.path.dirname(os.path.abspath(path))
    jobs, seen = [], {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        where = f"{os.path.basename(path)}:{number}"
        job = parse_job(raw, where, number, base, out_dir, cache, score, overwrite)
        key = os.path.normcase(job.request.out)
        if key in seen:
            raise JobsError(f"{where}: output {job.name!r} is also line {seen[key]}'s")
        seen[key] = number
        jobs.append(job)
    if not jobs:
        raise JobsError(f"{path}: holds no jobs (one JSON object a line)")
    return jobs


def parse_job(raw: str, where: str, number: int, base: str, out_dir: str, cache: bool = True,
              score: bool = False, overwrite: bool = False) -> Job:
    """One line -> Job; JobsError naming `where` for anything wrong with it."""
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise JobsError(f"{where}: not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(values, dict):
        raise JobsError(f"{where}: a job is a JSON object, e.g. "
                        '{"output": "out.mp4", "clips": ["a.mp4", "b.mp4"]}')
    try:
        return _job(values, where, number, base, out_dir, cache, score, overwrite)
    except JobsError:
        raise
    except ValueError as exc:  # LimitError, TimeError, TransitionSpec's and parse_formats' own
        message = str(exc)
        raise JobsError(message if message.startswith(where) else f"{where}: {message}") from None


def _job(v: dict, where: str, number: int, base: str, out_dir: str, cache: bool, score: bool,
         overwrite: bool) -> Job:
    unknown = sorted(set(v) - set(OPTIONS))
    if unknown:
        raise JobsError(f"{where}: unknown option {unknown[0]!r} (known: {', '.join(OPTIONS)})")
    name = _text(v, "output", where, required=True)
    out = output_path(name, out_dir, where)
    clips, points = _clips(v.get("clips"), base, where)
    spec = TransitionSpec(frames=limits.check_frames(_int(v, "frames", where, 24), "frames"),
                          method=_text(v, "method", where) or "vae",
                          path=_text(v, "path", where) or "lerp",
                          seed=_int(v, "seed", where, 0, limits.MAX_SEED),
                          adapt_steps=_int(v, "adapt_steps", where, 0, 10**6),
                          motion_blur=_share(v, "motion_blur", where),
                          overlap=_flag(v, "overlap", where))
    if "frames" in v and "duration" in v:
        raise JobsError(f"{where}: give the transition length with frames or duration, not both")
    duration = _time(v, "duration", where, parse_duration)
    points = _two_clip_points(v, points, where)
    size = parse_size(v["size"], f"{where}: size") if v.get("size") is not None else None
    fps = parse_fps(v["fps"], f"{where}: fps") if v.get("fps") is not None else None
    timelines = tuple(parse_formats(v["timeline"])) if v.get("timeline") else ()
    request = JoinRequest(clips, out, spec, overwrite=overwrite, reencode=_flag(v, "reencode", where),
                          duration=duration, points=points, size=size, fps=fps, cache=cache,
                          score=score, preview=_flag(v, "preview", where), timelines=timelines)
    return Job(number, name, request, json.dumps(v, sort_keys=True))


def output_path(name: str, out_dir: str, where: str) -> str:
    """out_dir/name, absolute; the name must stay inside out_dir and be a type join writes."""
    parts = name.replace("\\", "/").split("/")
    if os.path.isabs(name) or ".." in parts or not parts[-1] or parts[-1].startswith("."):
        raise JobsError(f"{where}: output {name!r} must be a file name inside --out-dir "
                        f"(no absolute path, no '..', not hidden)")
    out = os.path.abspath(os.path.join(out_dir, name))
    muxer_for(out)
    return out


def _clips(value, base: str, where: str) -> tuple[tuple[str, ...], list[ClipPoints]]:
    if not isinstance(value, list) or len(value) < 2:
        raise JobsError(f"{where}: 'clips' must list at least two clips")
    limits.check_clip_count(len(value))
    paths, points = [], []
    for k, clip in enumerate(value, 1):
        if isinstance(clip, str):
            clip = {"path": clip}
        if not isinstance(clip, dict) or not isinstance(clip.get("path"), str) or not clip["path"]:
            raise JobsError(f"{where}: clip {k} must be a path or {{\"path\": ..., \"in\": ..., "
                            f"\"out\": ...}}")
        unknown = sorted(set(clip) - set(CLIP_KEYS))
        if unknown:
            raise JobsError(f"{where}: clip {k} has unknown key {unknown[0]!r} (known: "
                            f"{', '.join(CLIP_KEYS)})")
        paths.append(os.path.join(base, clip["path"]))
        points.append(ClipPoints(_time(clip, "in", f"{where}: clip {k}", parse_time),
                                 _time(clip, "out", f"{where}: clip {k}", parse_time)))
    return tuple(paths), points


def _two_clip_points(v: dict, points: list[ClipPoints], where: str) -> tuple[ClipPoints, ...]:
    """a_out and b_in set clip 1's out and clip 2's in point, as `join --a-out --b-in` does."""
    a_out, b_in = _time(v, "a_out", where, parse_time), _time(v, "b_in", where, parse_time)
    if a_out is None and b_in is None:
        return tuple(points)
    if len(points) != 2:
        raise JobsError(f"{where}: a_out and b_in are for two clips; give each clip its own "
                        f"\"in\" and \"out\"")
    if (a_out and points[0].end) or (b_in and points[1].start):
        raise JobsError(f"{where}: a clip's point is given twice (a_out/b_in and in/out)")
    return (ClipPoints(points[0].start, a_out or points[0].end),
            ClipPoints(b_in or points[1].start, points[1].end))


def _text(v: dict, key: str, where: str, required: bool = False) -> str | None:
    value = v.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise JobsError(f"{where}: '{key}' must be a non-empty string")
    return value


def _int(v: dict, key: str, where: str, default: int, high: int | None = None) -> int:
    value = v.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (
            high is not None and value > high):
        raise JobsError(f"{where}: '{key}' must be a whole number"
                        + (f" in 0..{high}" if high is not None else " >= 0"))
    return value


def _share(v: dict, key: str, where: str) -> float:
    value = v.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise JobsError(f"{where}: '{key}' must be a number in 0..1")
    return float(value)


def _flag(v: dict, key: str, where: str) -> bool:
    value = v.get(key, False)
    if not isinstance(value, bool):
        raise JobsError(f"{where}: '{key}' must be true or false")
    return value


def _time(v: dict, key: str, where: str, parse) -> Time | None:
    """A TIME option: a string as join takes it ("2.5s", "60f", "00:00:02:12") or seconds."""
    value = v.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise JobsError(f"{where}: '{key}' must be a time such as \"2.5s\", \"60f\" or "
                        f"\"00:00:02:12\"")
    return parse(str(value), f"{where}: {key}")


def parse_size(value, what: str) -> tuple[int, int]:
    """'1280x768' -> (1280, 768), within limits.MAX_SIDE."""
    w, sep, h = str(value).lower().partition("x")
    if not (isinstance(value, str) and sep and w.isdigit() and h.isdigit()):
        raise JobsError(f"{what} {value!r} is not \"WIDTHxHEIGHT\", e.g. \"1280x768\"")
    limits.check_size(int(w), int(h), what)
    return int(w), int(h)


def parse_fps(value, what: str) -> Fraction:
    """24, "25" or "24000/1001" -> an exact Fraction in 1..240."""
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError
        fps = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise JobsError(f"{what} {value!r} is not a frame rate such as 24 or \"24000/1001\"") \
            from None
    if not 1 <= fps <= 240:
        raise JobsError(f"{what} {value} is outside 1..240")
    return fps
