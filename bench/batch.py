"""Batch throughput: 12 two-clip jobs (1280x768, 4 s, 24 fps, H.264) three ways, in one run.

    python bench/batch.py            # -> bench/results/batch.md

1. one `vae-transition join` process a job, one after the other (what a shell loop does);
2. `vae-transition batch --executor local` (worker processes that load torch and the model once);
3. `vae-transition batch --executor ray` on a Ray cluster started here (`ray start --head` on
   127.0.0.1), so the driver's connection, not the cluster's start, is in the time.

Default settings (the VAE morph, 24-frame transitions), --no-cache everywhere (every transition
computed), each way in a fresh output folder. No --json in the timed runs: --json also scores
every transition (in both commands), so the batch's report is read afterwards, from a second,
untimed run that finds every job done. The outputs of the three ways are checked to have the
same frames. Ratios come from this one run. The machine's other load drifts over minutes, so
the one-process-a-job baseline is run half before the two batches and half after them, and
each command runs in a session of its own (Linux shares CPU fairly between sessions when
autogroup scheduling is on, as here: a Ray cluster in its own session would otherwise get a
larger share of a busy machine than a batch run from the bench's session).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.speed import machine, make_clip  # noqa: E402
from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from ffmpeg_scripts.frames import iter_frames  # noqa: E402
from ffmpeg_scripts.probe import probe  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
SOURCES = ("testsrc2", "mandelbrot", "smptehdbars", "rgbtestsrc", "cellauto=rule=110",
           "life=mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00", "testsrc",
           "gradients")
JOBS = 12
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # the node is 127.0.0.1, not eth0's address
           "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


def jobs_file(ff, folder: str) -> tuple[str, list[dict]]:
    """12 distinct pairs of 8 clips (each clip 4 s): no two jobs share a transition."""
    clips = [make_clip(ff, os.path.join(folder, f"clip{k}.mp4"), 4.0, source=s)
             for k, s in enumerate(SOURCES)]
    pairs = [(k, (k + 1) % 8) for k in range(8)] + [(k, (k + 3) % 8) for k in range(4)]
    jobs = [{"output": f"job{n:02d}.mp4", "clips": [clips[a], clips[b]]}
            for n, (a, b) in enumerate(pairs[:JOBS])]
    path = os.path.join(folder, "jobs.jsonl")
    with open(path, "w") as fh:
        fh.writelines(json.dumps(j) + "\n" for j in jobs)
    return path, jobs


class Clock:
    """Wall seconds, and CPU seconds of every process started here and waited for (the join
    processes; the batch driver with its workers and their ffmpeg; not Ray's workers, which
    the cluster's raylet starts)."""

    def __init__(self):
        self.wall = self.cpu = 0.0

    def run(self, *args, env=None) -> subprocess.CompletedProcess:
        cpu0, wall0 = _children_cpu(), time.perf_counter()
        # a session of its own: with the kernel's autogroup scheduling, CPU is shared between
        # sessions, and the Ray cluster (started by `ray start`) is one; every way gets its own
        proc = subprocess.run([sys.executable, "-m", "vae_transition", *args],
                              capture_output=True, text=True, env={**os.environ, **(env or {})},
                              start_new_session=True)
        self.wall += time.perf_counter() - wall0
        self.cpu += _children_cpu() - cpu0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
        return proc


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_process_each(clock: Clock, jobs: list[dict], out: str) -> None:
    os.makedirs(out, exist_ok=True)
    for job in jobs:
        clock.run("join", *job["clips"], "-o", os.path.join(out, job["output"]), "--no-cache",
                  "-q")


def batch(clock: Clock, jobs: str, out: str, *extra: str, env=None) -> dict:
    """Run the batch with default settings (timed), then read its report: the same command
    with --json, untimed, which finds every job done and reports the manifests' entries.
    (--json in the timed run would also score every transition, ~0.8 CPU s a job, work the
    `join` runs here do not do: `join --json` scores too.)"""
    clock.run("batch", jobs, "--out-dir", out, "--no-cache", "-q", *extra, env=env)
    report = json.loads(Clock().run("batch", jobs, "--out-dir", out, "--no-cache", "--json",
                                    "-q", *extra, env=env).stdout)
    if report["totals"]["resumed"] != JOBS:
        raise RuntimeError(f"the report run redid work: {report['totals']}")
    return report


def start_ray(temp: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    head = subprocess.Popen([ray_bin, "start", "--head", "--node-ip-address=127.0.0.1",
                             f"--port={port}", f"--num-cpus={os.cpu_count()}",
                             "--include-dashboard=false", "--disable-usage-stats",
                             f"--temp-dir={temp}"], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **RAY_ENV})
    output, _ = head.communicate(timeout=300)
    if head.returncode != 0:
        raise RuntimeError(f"ray start failed:\n{output[-2000:]}")
    return head, f"127.0.0.1:{port}"


def stop_ray(head: subprocess.Popen) -> None:
    """Every process of the cluster is in the group that `ray start` led."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(head.pid, sig)
        except ProcessLookupError:
            return
        time.sleep(3)


def frames_md5(ff, path: str) -> str:
    """One digest over every decoded frame, in order."""
    h = hashlib.md5()
    for frame in iter_frames(ff, probe(ff, path)):
        h.update(frame.tobytes())
    return h.hexdigest()


def per_job(report: dict) -> dict:
    """Mean wall seconds a job spent in each step, from a batch's JSON report."""
    jobs = [j for j in report["jobs"] if j["status"] in ("done", "resumed")]
    cuts = [c["seconds"] for j in jobs for c in j["cuts"]]
    return {"cut": sum(cuts) / len(cuts),
            "probe": sum(j["timings"]["probe"] for j in jobs) / len(jobs),
            "splice": sum(j["timings"]["splice"] + j["timings"].get("smart_render", 0)
                          for j in jobs) / len(jobs)}


STARTUP = ("import vae_transition.cli.join, vae_transition.join.pipeline, cv2, torch\n"
           "from vae_transition.weights import load_model, shipped_weights_path\n"
           "load_model(shipped_weights_path())")


def startup_cpu(runs: int = 3) -> float:
    """CPU seconds a fresh `join` process spends before its work: the imports and the model."""
    cpu0 = _children_cpu()
    for _ in range(runs):
        subprocess.run([sys.executable, "-c", STARTUP], check=True, start_new_session=True)
    return (_children_cpu() - cpu0) / runs


def ratio_sources(joins: Clock, local: Clock, startup: float) -> list[str]:
    """The local batch's gain split into its two sources, and the most any batch could gain."""
    cores = os.cpu_count() or 1
    busy_join, busy_local = joins.cpu / joins.wall, local.cpu / local.wall
    cpu_join, cpu_local = joins.cpu / JOBS, local.cpu / JOBS
    saved, busier = cpu_join / cpu_local, busy_local / busy_join
    no_startup, all_busy = cpu_join / (cpu_join - startup), cores / busy_join
    return [
        f"- cores busy on average: one `join` process a job {busy_join:.2f} of {cores}, the "
        f"local batch {busy_local:.2f}",
        f"- CPU a job: one `join` process {cpu_join:.1f} s, of which start-up (imports and the "
        f"model, measured alone) {startup:.1f} s; the local batch {cpu_local:.1f} s",
        f"- local against one process a job = CPU saved ({cpu_join:.1f} / {cpu_local:.1f} = "
        f"{saved:.2f}) x cores kept busier ({busy_local:.2f} / {busy_join:.2f} = {busier:.2f}) "
        f"= {saved * busier:.2f}x",
        f"- the most any batch could reach here, with no start-up at all and every core busy "
        f"all the time: {no_startup:.2f} x {all_busy:.2f} = {no_startup * all_busy:.2f}x",
    ]


def scale_estimate(cpu_per_job: float, steps: dict, clip_mb: float, out_mb: float) -> list[str]:
    """Jobs an hour on 10 nodes of 16 cores, from the measured CPU seconds a job costs."""
    per_node = 16 * 3600 / cpu_per_job
    bytes_per_job = 2 * clip_mb + out_mb  # the splice reads both clips whole and writes one
    return [
        f"- CPU a job in the local batch: {cpu_per_job:.1f} s (driver, workers and ffmpeg "
        f"together); its steps' wall time, 2 at once on 2 cores: cut {steps['cut']:.1f} s, "
        f"probe and plan {steps['probe']:.2f} s, splice {steps['splice']:.2f} s",
        f"- 10 nodes x 16 cores, one task a core: about {10 * per_node:,.0f} jobs an hour "
        f"({per_node:,.0f} a node), if nothing else limits it",
        f"- storage: a job reads its two clips ({2 * clip_mb:.1f} MB) and writes its output "
        f"({out_mb:.1f} MB): {10 * per_node * bytes_per_job / 3600:,.0f} MB/s for the whole "
        f"cluster at that rate",
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args(argv)
    ff = find_ffmpeg()
    joins, local_clock, ray_clock = Clock(), Clock(), Clock()
    with tempfile.TemporaryDirectory(prefix="vae-batch-bench-") as folder:
        jobs_path, jobs = jobs_file(ff, folder)
        one_process_each(joins, jobs[:JOBS // 2], os.path.join(folder, "join"))
        local = batch(local_clock, jobs_path, os.path.join(folder, "local"))
        ray_temp = tempfile.mkdtemp(prefix="vtray-", dir="/tmp")  # short: Ray's socket paths
        head, address = start_ray(ray_temp)
        try:
            ray_report = batch(ray_clock, jobs_path, os.path.join(folder, "ray"), "--executor",
                               "ray", "--address", address, env=RAY_ENV)
        finally:
            stop_ray(head)
            shutil.rmtree(ray_temp, ignore_errors=True)
        one_process_each(joins, jobs[JOBS // 2:], os.path.join(folder, "join"))
        startup = startup_cpu()
        same = all(frames_md5(ff, os.path.join(folder, way, j["output"]))
                   == frames_md5(ff, os.path.join(folder, "join", j["output"]))
                   for j in jobs for way in ("local", "ray"))
        clip_mb = os.path.getsize(jobs[0]["clips"][0]) / 1e6
        out_mb = os.path.getsize(os.path.join(folder, "local", jobs[0]["output"])) / 1e6
    rate = {k: 60 * JOBS / c.wall for k, c in (("join", joins), ("local", local_clock),
                                                ("ray", ray_clock))}
    rows = [
        "| way | seconds for 12 jobs | jobs per minute | against one process a job | CPU "
        "seconds a job | goal |",
        "|---|---|---|---|---|---|",
        f"| one `join` process a job | {joins.wall:.1f} | {rate['join']:.2f} | 1.00x | "
        f"{joins.cpu / JOBS:.1f} | |",
        f"| `batch --executor local` ({local['totals']['workers']} workers) | "
        f"{local_clock.wall:.1f} | {rate['local']:.2f} | {rate['local'] / rate['join']:.2f}x | "
        f"{local_clock.cpu / JOBS:.1f} | >= 1.5x |",
        f"| `batch --executor ray` (local cluster, {ray_report['totals']['workers']} tasks at "
        f"once) | {ray_clock.wall:.1f} | {rate['ray']:.2f} | {rate['ray'] / rate['join']:.2f}x "
        f"({rate['ray'] / rate['local']:.2f}x local) | (in Ray's processes) | within 15% of "
        f"local |",
    ]
    text = "\n".join([
        "# Batch throughput", "", f"Machine: {machine()}. One run; {JOBS} two-clip jobs, "
        "1280x768, 4 s clips, default settings (VAE morph, 24 frames), --no-cache.", "",
        *rows, "", f"Outputs of the three ways have the same frames: {'yes' if same else 'NO'}.",
        f"Load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "on 2 cores: other work shared the machine.",
        "", "## Where the ratio comes from", "", *ratio_sources(joins, local_clock, startup),
        "", "## Per job, measured (the local batch's report), and the scale estimate", "",
        *scale_estimate(local_clock.cpu / JOBS, per_job(local), clip_mb, out_mb), ""])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "batch.md"), "w") as fh:
        fh.write(text)
    print(text)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
