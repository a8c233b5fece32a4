"""Finished outputs are verified, not trusted by name: a manifest beside each one.

    out-dir/reel.mp4               the job's output (and its --timeline / --preview files)
    out-dir/reel.mp4.batch.json    {"job": KEY, "state": "done", "files": {name: [size, sha256]},
                                    "frames": N, "report": {...the job's report entry...}}

KEY digests what decides the output: the job's line, each clip's path, size and modification
time, the model's digest and the package version. A re-run skips a job only when its manifest
is "done" with the same KEY and every file it lists has its size, digest and (the output) its
frame count. The manifest is written "publishing" before the output is moved into place and
"done" after its side files, so an output that a killed run left behind is known to be ours and
is made again; an output with no manifest is someone else's and is never replaced (without
--overwrite).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import probe
from vae_transition import __version__, outputs

SUFFIX = ".batch.json"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Found:
    """What a re-run finds for one job."""

    state: str           # "done", "missing" (nothing there), "ours" (ours but not verified),
                         # "foreign" (an output that no manifest of ours claims)
    reason: str = ""     # why "ours" is not "done", for the report's notes
    report: dict | None = None   # the stored report entry when "done"


def manifest_path(out_abs: str) -> str:
    return out_abs + SUFFIX


def file_digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def job_key(text: str, clips, model_id: str) -> str:
    """Digest of what decides a job's output (clips by path, size and mtime: cheap to check)."""
    stats = []
    for clip in clips:
        try:
            st = os.stat(clip)
            stats.append([clip, st.st_size, st.st_mtime_ns])
        except OSError:
            stats.append([clip, None, None])
    blob = json.dumps([text, stats, model_id, __version__], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def describe(paths) -> dict[str, list]:
    """name -> [size, sha256] of each file (names relative to the first file's folder)."""
    paths = list(paths)
    folder = os.path.dirname(paths[0])
    return {os.path.relpath(p, folder): [os.path.getsize(p), file_digest(p)] for p in paths}


def write(out_abs: str, entry: dict) -> None:
    """Write the manifest under a temporary name, then rename it into place."""
    outputs.write_atomically(manifest_path(out_abs), json.dumps(entry, indent=1, sort_keys=True))


def publishing(out_abs: str, key: str, out_tmp: str) -> None:
    """Claim the output before it is moved into place: a crash from here on leaves it ours."""
    write(out_abs, {"job": key, "state": "publishing", "output": os.path.basename(out_abs),
                    "files": {os.path.basename(out_abs): [os.path.getsize(out_tmp), None]}})


def done(out_abs: str, key: str, side_files, frames: int, report: dict) -> None:
    """Record the finished job: every file with its size and digest, and its report entry."""
    write(out_abs, {"job": key, "state": "done", "output": os.path.basename(out_abs),
                    "files": describe([out_abs, *side_files]), "frames": frames,
                    "report": report})


def remove(out_abs: str) -> None:
    outputs.remove_quietly(manifest_path(out_abs))


def read(out_abs: str) -> dict | None:
    try:
        with open(manifest_path(out_abs), encoding="utf-8") as fh:
            entry = json.load(fh)
        return entry if isinstance(entry, dict) else {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: ours (the name is ours) but worthless


def check(ff: FFmpegBinary, out_abs: str, key: str) -> Found:
    """Whether a job's output is finished and intact (see the module's docstring)."""
    entry = read(out_abs)
    if entry is None:
        return Found("foreign" if os.path.lexists(out_abs) else "missing")
    if entry.get("job") != key:
        return Found("ours", "its clips, options or model changed")
    if entry.get("state") != "done":
        return Found("ours", "a previous run stopped while writing it")
    reason = _damage(ff, out_abs, entry)
    if reason:
        return Found("ours", reason)
    return Found("done", report=entry.get("report"))


def _damage(ff: FFmpegBinary, out_abs: str, entry: dict) -> str:
    """'' when every listed file is as recorded, else what differs."""
    folder = os.path.dirname(out_abs)
    files = entry.get("files")
    if not isinstance(files, dict) or os.path.basename(out_abs) not in files:
        return "its manifest is damaged"
    for name, (size, digest) in files.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path) or os.path.islink(path):
            return f"{name} is missing"
        if os.path.getsize(path) != size or file_digest(path) != digest:
            return f"{name} changed since it was written"
    try:
        frames = probe(ff, out_abs).frame_count
    except Exception:  # noqa: BLE001 (any reason ffmpeg cannot read it means: make it again)
        return "ffmpeg cannot read it"
    if frames != entry.get("frames"):
        return f"it holds {frames} frames, not {entry.get('frames')}"
    return ""
