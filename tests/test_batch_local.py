"""`batch --executor local` (worker processes on this machine): the outputs have the frames of
the same jobs run one by one with `join`; a damaged clip fails only its job; a driver killed
with -9 leaves nothing running, and the re-run redoes only the unfinished jobs; a worker that
dies mid-task is replaced and its task retried."""

from __future__ import annotations

import os
import signal
import time

import pytest

from batch_helpers import (check_standard_batch, cli, crash_once, frame_digests,
                           join_one_by_one, kill_and_resume, leftovers, make_media, report,
                           standard_jobs, start, write_jobs)
from conftest import alive, descendants
from vae_transition.batch import scheduler, worker
from vae_transition.batch.jobs import read_jobs
from vae_transition.batch.local import LocalExecutor


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("batch-media"))


@pytest.fixture(scope="module")
def references(media, tmp_path_factory):
    return join_one_by_one(standard_jobs(media), tmp_path_factory.mktemp("batch-joins"))


def test_local_batch_has_joins_frames_and_isolates_a_damaged_clip(media, references, tmp_path):
    jobs = write_jobs(tmp_path / "jobs.jsonl", standard_jobs(media))
    out = tmp_path / "out"
    proc = cli("batch", jobs, "--out-dir", out, "--workers", "2", "--cache-dir",
               tmp_path / "cache", "--json")
    rep = check_standard_batch(proc, out, references)
    assert rep["totals"]["executor"] == "local" and rep["totals"]["workers"] == 2
    assert not any(c["cached"] for j in rep["jobs"] for c in j.get("cuts", []))

    # the same jobs into another folder, on the same cache: every transition is reused
    again = cli("batch", jobs, "--out-dir", tmp_path / "again", "--workers", "2",
                "--cache-dir", tmp_path / "cache", "--json")
    rep = check_standard_batch(again, tmp_path / "again", references)
    assert all(c["cached"] for j in rep["jobs"] for c in j.get("cuts", []))


def test_killed_batch_resumes_without_redoing_finished_jobs(media, tmp_path):
    args, names, out = kill_and_resume(media, tmp_path, ("--workers", "1"))
    damaged = out / names[0]  # a finished output that changed is made again, alone
    damaged.write_bytes(damaged.read_bytes()[:-100])
    third = cli(*args, "--json")
    assert third.returncode == 0, third.stderr
    assert (report(third)["totals"]["done"], report(third)["totals"]["resumed"]) == (1, 5)
    assert "line 1 (j0.mp4): made again: j0.mp4 changed since it was written" in third.stderr


def _one_job(media, tmp_path, retries: int):
    jobs = write_jobs(tmp_path / "jobs.jsonl", [
        {"output": "o.mp4", "clips": [str(media["a"]), str(media["b"])],
         "method": "crossfade", "frames": 4}])
    out = tmp_path / "out"
    out.mkdir()
    from conftest import _ffmpeg

    opts = scheduler.Options(str(out), str(tmp_path / "cache"), retries, ff=_ffmpeg())
    runs = scheduler.prepare(read_jobs(str(jobs), str(out)), opts, _ffmpeg(), "", print)
    executor = LocalExecutor(1, worker.Settings(None, opts.cache, 1), target=crash_once)
    return scheduler.run_all(runs, executor, opts)[0], out


def test_a_worker_that_dies_mid_task_is_replaced_and_its_task_retried(media, references,
                                                                     tmp_path, monkeypatch):
    monkeypatch.setenv("BATCH_TEST_CRASH_MARKER", str(tmp_path / "crashed"))
    entry, out = _one_job(media, tmp_path, retries=1)
    assert (tmp_path / "crashed").exists()
    assert entry["status"] == "done" and entry["retries"] == 1
    assert frame_digests(out / "o.mp4") == references["cross.mp4"]


def test_with_no_retries_a_crash_fails_its_job_with_the_reason(media, tmp_path, monkeypatch):
    monkeypatch.setenv("BATCH_TEST_CRASH_MARKER", str(tmp_path / "crashed"))
    entry, out = _one_job(media, tmp_path, retries=0)
    assert entry["status"] == "failed"
    assert entry["error"] == "its worker process died (exit status 9) (tried 1 times)"
    assert not (out / "o.mp4").exists() and not (out / "o.mp4.batch.json").exists()
    assert [p for p in leftovers(out) if ".tmp-" in p] == []


def test_ctrl_c_stops_every_worker_and_keeps_finished_jobs(media, tmp_path):
    jobs = write_jobs(tmp_path / "jobs.jsonl", [
        {"output": f"j{k}.mp4", "clips": [str(media["a"]), str(media["b"])],
         "method": "crossfade", "frames": 6 + k} for k in range(6)])
    out = tmp_path / "out"
    proc = start("batch", jobs, "--out-dir", out, "--workers", "2", "--cache-dir",
                 tmp_path / "cache")
    deadline = time.monotonic() + 120
    while not list(out.glob("*.batch.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    kids = descendants(proc.pid)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == ("interrupted (SIGINT): finished jobs are kept; run "
                                            "the same command again to finish the rest")
    deadline = time.monotonic() + 10
    while [k for k in kids if alive(k)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kids if alive(k)], "a worker outlived the interrupted batch"
    assert leftovers(out) == []
    for name in (p.name for p in out.glob("*.mp4")):  # only whole outputs, each with its count
        assert len(frame_digests(out / name)) == 24 + int(name[1]) + 6


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_a_bad_model_is_one_error_before_any_work(media, tmp_path, damage):
    """The workers start while the driver checks the model: a bad one still stops the batch
    with one line, before any job runs, and leaves no worker behind."""
    from vae_transition.weights import config_path, shipped_weights_path

    weights = tmp_path / "bad.safetensors"
    shipped = shipped_weights_path()
    if damage == "corrupt":
        weights.write_bytes(shipped.read_bytes()[:1000])  # a header that promises more
    config = tmp_path / os.path.basename(config_path(str(weights)))
    config.write_bytes(open(config_path(str(shipped)), "rb").read())
    jobs = write_jobs(tmp_path / "jobs.jsonl", [
        {"output": "o.mp4", "clips": [str(media["a"]), str(media["b"])], "frames": 4}])
    out = tmp_path / "out"
    proc = start("batch", jobs, "--out-dir", out, "--model", weights, "--workers", "2")
    kids: set = set()
    while proc.poll() is None:  # the workers it started, seen while it runs
        kids |= set(descendants(proc.pid))
        time.sleep(0.05)
    err = proc.stderr.read()
    assert proc.returncode != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "bad.safetensors" in err, err
    assert not out.exists()  # nothing made, not even the folder
    deadline = time.monotonic() + 10
    while [k for k in kids if alive(k)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kids if alive(k)], "a worker outlived the failed batch"
