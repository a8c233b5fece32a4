"""Helpers shared by the batch tests: jobs files, running the CLI, frames as decoded, and a task
function that crashes its worker once (importable by spawned worker processes, unlike a test
module's own functions)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import _ffmpeg, alive, descendants
from ffmpeg_scripts.frames import iter_frames
from ffmpeg_scripts.probe import probe
from vae_transition.batch import worker

# the Ray tests' cluster runs on the loopback interface; Ray reads this when it is imported,
# and with it resolves "this node" to 127.0.0.1 instead of the machine's outward address
RAY_LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}


def write_jobs(path: Path, jobs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(j) + "\n" for j in jobs))
    return path


def cli(*args, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """`vae-transition ARGS` in a fresh process (a real driver: spawns, signals, exit codes)."""
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "vae_transition", *map(str, args)],
                          capture_output=True, text=True, env=full, timeout=timeout)


def start(*args, env: dict | None = None) -> subprocess.Popen:
    full = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "vae_transition", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full)


def report(proc: subprocess.CompletedProcess) -> dict:
    """The --json report on stdout, by output name."""
    data = json.loads(proc.stdout)
    data["by_name"] = {j["name"]: j for j in data["jobs"]}
    return data


def frame_digests(path) -> list[str]:
    """MD5 of every decoded frame (RGB, as the library reads them), in display order."""
    ff = _ffmpeg()
    return [hashlib.md5(f.tobytes()).hexdigest() for f in iter_frames(ff, probe(ff, path))]


def leftovers(folder: Path) -> list[str]:
    """Temp files or work folders anywhere under folder (none may survive a batch)."""
    found = []
    for root, dirs, names in os.walk(folder):
        found += [os.path.join(root, n) for n in names + dirs if ".tmp-" in n or n == ".vae-batch"]
    return found


def crash_once(kind: str, payload: tuple, model_id: str = "", blob=None) -> tuple:
    """worker.run, except that the first cut task of the batch kills its worker outright (as
    the kernel's OOM killer would), marked by a file beside the jobs' cache."""
    marker = os.environ.get("BATCH_TEST_CRASH_MARKER")
    if kind == "cut" and marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.close(fd)
            os._exit(9)
    return worker.run(kind, payload, model_id, blob)


# --- the media and jobs every executor test runs ---------------------------------------------

def make_media(folder: Path) -> dict[str, Path]:
    """Three tiny clips (64x48, 12 frames, H.264) and one that is damaged (cut short)."""
    from conftest import make_clip

    clips = {name: make_clip(folder / f"{name}.mp4", source=source)
             for name, source in (("a", "testsrc2"), ("b", "mandelbrot"), ("c", "smptebars"))}
    data = clips["a"].read_bytes()
    clips["broken"] = folder / "broken.mp4"
    clips["broken"].write_bytes(data[: len(data) // 3])
    return clips


def standard_jobs(clips: dict[str, Path]) -> list[dict]:
    """Insert and overlap, a chain of two cuts with the VAE, in and out points, two output
    types, and one job whose second clip is damaged."""
    return [
        {"output": "cross.mp4", "clips": [str(clips["a"]), str(clips["b"])],
         "method": "crossfade", "frames": 4},
        {"output": "vae.mp4", "clips": [str(clips["a"]), str(clips["c"]), str(clips["b"])],
         "frames": 3},
        {"output": "broken.mp4", "clips": [str(clips["a"]), str(clips["broken"])],
         "method": "crossfade", "frames": 4},
        {"output": "over/lap.mkv", "clips": [str(clips["b"]), {"path": str(clips["c"]),
                                                              "in": "2f"}],
         "method": "crossfade", "frames": 3, "overlap": True},
    ]


def join_one_by_one(jobs: list[dict], folder: Path) -> dict[str, list[str]]:
    """Each good job run alone with `vae-transition join` (no cache): its frames, by name."""
    from click.testing import CliRunner

    from vae_transition.cli import cli as click_cli

    frames = {}
    folder.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        if "broken" in job["output"]:
            continue
        clips = [c if isinstance(c, str) else c["path"] for c in job["clips"]]
        out = folder / job["output"].replace("/", "-")
        args = ["join", *clips, "-o", str(out), "--no-cache", "-q",
                "--method", job.get("method", "vae"), "--frames", str(job["frames"])]
        if job.get("overlap"):
            args.append("--overlap")
        if any(isinstance(c, dict) for c in job["clips"]):
            args += ["--b-in", job["clips"][1]["in"]]
        result = CliRunner().invoke(click_cli, args)
        assert result.exit_code == 0, result.output
        frames[job["output"]] = frame_digests(out)
    return frames


def check_standard_batch(proc: subprocess.CompletedProcess, out: Path, references: dict) -> dict:
    """What every executor must give for standard_jobs: the good jobs' outputs have join's
    frames, the damaged clip fails its own job with a one-line reason, nothing is left over."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == \
        "Error: 1 of 4 jobs failed (see the report); re-run to retry them"
    rep = report(proc)
    assert rep["totals"]["done"] == 3 and rep["totals"]["failed"] == 1
    broken = rep["by_name"]["broken.mp4"]
    assert broken["status"] == "failed" and "broken.mp4" in broken["error"]
    assert "\n" not in broken["error"] and broken["retries"] == 0  # bad input: not retried
    assert not (out / "broken.mp4").exists() and not (out / "broken.mp4.batch.json").exists()
    for name, digests in references.items():
        entry = rep["by_name"][name]
        assert entry["status"] == "done" and entry["frames"] == len(digests)
        assert frame_digests(out / name) == digests, f"{name} differs from join's"
        assert all(isinstance(c["metrics"], dict) for c in entry["cuts"])  # --json scores
    assert len(rep["by_name"]["vae.mp4"]["cuts"]) == 2
    assert leftovers(out) == []
    return rep


# --- a driver killed with -9 ---------------------------------------------------------------

def _done(out, names) -> list[str]:
    finished = []
    for name in names:
        try:
            with open(out / f"{name}.batch.json") as fh:
                if json.load(fh).get("state") == "done":
                    finished.append(name)
        except (OSError, ValueError):
            pass
    return finished


def kill_and_resume(media, tmp_path, executor_args, env=None):
    """Kill the driver with -9 once a job is finished; the re-run keeps exactly the finished
    jobs (same files: not made again) and makes the others."""
    names = [f"j{k}.mp4" for k in range(6)]
    pairs = [("a", "b"), ("b", "c"), ("c", "a"), ("a", "c"), ("b", "a"), ("c", "b")]
    jobs = write_jobs(tmp_path / "jobs.jsonl", [
        {"output": n, "clips": [str(media[x]), str(media[y])], "method": "crossfade",
         "frames": 6} for n, (x, y) in zip(names, pairs)])
    out = tmp_path / "out"
    args = ("batch", jobs, "--out-dir", out, "--cache-dir", tmp_path / "cache", *executor_args)
    proc = start(*args, env=env)
    deadline = time.monotonic() + 180
    while not _done(out, names) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    kids = descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    finished = _done(out, names)
    assert 1 <= len(finished) < len(names), f"killed too late to prove anything: {finished}"
    kept = {n: os.stat(out / n) for n in finished}
    deadline = time.monotonic() + 15
    while [k for k in kids if alive(k)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kids if alive(k)], "a worker outlived its killed driver"

    again = cli(*args, "--json", env=env)
    assert again.returncode == 0, again.stderr
    rep = report(again)
    assert rep["totals"]["resumed"] == len(finished)
    assert rep["totals"]["done"] == len(names) - len(finished)
    for name in names:
        assert rep["by_name"][name]["status"] == ("resumed" if name in finished else "done")
        assert len(frame_digests(out / name)) == 12 + 6 + 12
    for name, st in kept.items():  # the very same file: verified, not made again
        now = os.stat(out / name)
        assert (now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns)
    assert leftovers(out) == []
    return args, names, out
