"""`batch --executor ray` on a real Ray cluster: `ray start --head` on 127.0.0.1 with a port of
this module's own, stopped (its whole process group) at the end. The outputs have the frames
of the same jobs run one by one with `join` (and so of `--executor local`); a damaged clip
fails only its job; a driver killed with -9 resumes without redoing finished jobs."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from batch_helpers import (RAY_LOOPBACK, check_standard_batch, cli, join_one_by_one,
                           kill_and_resume, make_media, standard_jobs, write_jobs)

pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[test]' brings it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is still in process group pgid."""
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


@pytest.fixture(scope="module")
def ray_env():
    """The environment of the cluster and of every driver: loopback, and a token of this
    module's own (Ray's token auth; ~/.ray is not touched)."""
    return {**RAY_LOOPBACK, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


@pytest.fixture(scope="module")
def cluster(ray_env):
    """HOST:PORT of a one-node Ray cluster on the loopback interface, 2 CPUs."""
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    temp = tempfile.mkdtemp(prefix="vtray-", dir="/tmp")  # short: Ray's socket paths
    port = _free_port()
    cmd = [ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
           "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
           f"--temp-dir={temp}"]
    head = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **ray_env})
    output, _ = head.communicate(timeout=180)
    try:
        assert head.returncode == 0, output
        yield f"127.0.0.1:{port}"
    finally:  # every Ray process of this cluster is in the group that `ray start` led
        for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
            if _group_alive(head.pid):
                try:
                    os.killpg(head.pid, sig)
                except ProcessLookupError:
                    break
                deadline = time.monotonic() + wait
                while _group_alive(head.pid) and time.monotonic() < deadline:
                    time.sleep(0.2)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("ray-media"))


def test_ray_batch_has_joins_frames_and_isolates_a_damaged_clip(cluster, ray_env, media,
                                                                 tmp_path):
    jobs = write_jobs(tmp_path / "jobs.jsonl", standard_jobs(media))
    out = tmp_path / "out"
    proc = cli("batch", jobs, "--out-dir", out, "--executor", "ray", "--address", cluster,
               "--workers", "2", "--cache-dir", tmp_path / "cache", "--json", env=ray_env)
    references = join_one_by_one(standard_jobs(media), tmp_path / "joins")
    rep = check_standard_batch(proc, out, references)
    assert rep["totals"]["executor"] == "ray" and rep["totals"]["workers"] == 2


def test_killed_ray_batch_resumes_without_redoing_finished_jobs(cluster, ray_env, media,
                                                                tmp_path):
    kill_and_resume(media, tmp_path, ("--executor", "ray", "--address", cluster,
                                      "--workers", "2"), env=ray_env)
