"""The jobs file and the driver's bookkeeping, without worker processes: every option lands in
the JoinRequest `join` would build, a malformed line is one error naming it before any work,
manifests tell finished, damaged and foreign outputs apart, and the scheduler retries crashes
but not bad input."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from batch_helpers import write_jobs
from vae_transition.batch import manifest, scheduler
from vae_transition.batch.jobs import JobsError, read_jobs
from vae_transition.cli import cli
from vae_transition.timing import Time


def _read(tmp_path: Path, *lines: str):
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return read_jobs(str(path), str(tmp_path / "out"))


def test_options_become_the_join_request(tmp_path):
    jobs = _read(tmp_path, "# a comment", "",
                 json.dumps({"output": "day/r.mov", "clips": ["a.mp4", {"path": "/x/b.mp4",
                             "in": "1s", "out": "60f"}, "c.mp4"], "frames": 36, "method": "flow",
                             "path": "ease", "seed": 7, "overlap": True, "size": "1280x768",
                             "fps": "24000/1001", "timeline": "otio,fcp7", "reencode": True,
                             "motion_blur": 0.5}),
                 json.dumps({"output": "two.mp4", "clips": ["a.mp4", "b.mp4"],
                             "duration": "00:00:01:12", "a_out": 2.5, "b_in": "3f"}))
    one, two = jobs
    r = one.request
    assert one.line == 3 and one.name == "day/r.mov" and one.cuts == 2
    assert r.out == str(tmp_path / "out" / "day" / "r.mov")
    assert r.clips == (str(tmp_path / "a.mp4"), "/x/b.mp4", str(tmp_path / "c.mp4"))
    assert (r.spec.frames, r.spec.method, r.spec.path, r.spec.seed, r.spec.overlap,
            r.spec.motion_blur) == (36, "flow", "ease", 7, True, 0.5)
    assert r.size == (1280, 768) and r.fps == Fraction(24000, 1001) and r.reencode
    assert r.timelines == ("otio", "fcp7")
    assert r.points[1].start == Time("1s", seconds=Fraction(1)) and r.points[1].end.frame == 60
    assert two.request.duration.timecode == "00:00:01:12"
    assert two.request.points[0].end.seconds == Fraction(5, 2)
    assert two.request.points[1].start.frame == 3
    assert two.request.spec.method == "vae" and two.request.spec.frames == 24  # join's defaults


CLIPS = '"clips": ["a.mp4", "b.mp4"]'


@pytest.mark.parametrize("line, words", [
    ("{not json", "not JSON"),
    ('["a.mp4"]', "a JSON object"),
    ('{"clips": ["a.mp4", "b.mp4"]}', "'output'"),
    ('{"output": "o.mp4", "clips": ["a.mp4"]}', "at least two clips"),
    ('{"output": "o.mp4", ' + CLIPS + ', "frame": 3}', "unknown option 'frame'"),
    ('{"output": "o.mp4", ' + CLIPS + ', "method": "wipe"}', "unknown method 'wipe'"),
    ('{"output": "o.mp4", ' + CLIPS + ', "frames": 0}', "frames 0 is outside 1..1000"),
    ('{"output": "o.mp4", ' + CLIPS + ', "frames": "24"}', "'frames' must be a whole number"),
    ('{"output": "o.mp4", ' + CLIPS + ', "frames": 5, "duration": "1s"}', "not both"),
    ('{"output": "o.mp4", ' + CLIPS + ', "duration": "0s"}', "not a duration > 0"),
    ('{"output": "o.mp4", ' + CLIPS + ', "a_out": "soon"}', "is not a time"),
    ('{"output": "o.mp4", ' + CLIPS + ', "size": "big"}', "not \"WIDTHxHEIGHT\""),
    ('{"output": "o.mp4", ' + CLIPS + ', "fps": "0"}', "outside 1..240"),
    ('{"output": "o.mp4", ' + CLIPS + ', "overlap": "yes"}', "true or false"),
    ('{"output": "o.mp4", ' + CLIPS + ', "motion_blur": 2}', "'motion_blur' must be a number in 0..1"),
    ('{"output": "o.mp4", ' + CLIPS + ', "timeline": "avid"}', "unknown timeline format"),
    ('{"output": "../o.mp4", ' + CLIPS + '}', "inside --out-dir"),
    ('{"output": "/tmp/o.mp4", ' + CLIPS + '}', "inside --out-dir"),
    ('{"output": "o.avi", ' + CLIPS + '}', "unsupported output type"),
    ('{"output": "o.mp4", "clips": ["a", "b", "c"], "a_out": "1s"}', "for two clips"),
    ('{"output": "o.mp4", "clips": ["a", {"path": "b", "at": 1}]}', "unknown key 'at'"),
])
def test_a_malformed_line_is_one_error_naming_it(tmp_path, line, words):
    good = json.dumps({"output": "first.mp4", "clips": ["a.mp4", "b.mp4"]})
    with pytest.raises(JobsError) as err:
        _read(tmp_path, good, "", line)
    message = str(err.value)
    assert message.startswith("jobs.jsonl:3: ") and words in message, message
    assert "\n" not in message


def test_duplicate_outputs_and_empty_files_are_refused(tmp_path):
    line = json.dumps({"output": "same.mp4", "clips": ["a.mp4", "b.mp4"]})
    with pytest.raises(JobsError, match="jobs.jsonl:2: output 'same.mp4' is also line 1's"):
        _read(tmp_path, line, line)
    with pytest.raises(JobsError, match="holds no jobs"):
        _read(tmp_path, "# nothing")


def test_cli_refuses_a_bad_line_before_any_work(tmp_path):
    jobs = write_jobs(tmp_path / "jobs.jsonl", [{"output": "a.mp4", "clips": ["x", "y"]},
                                                {"output": "b.mp4", "clips": ["x", "y"],
                                                 "seed": -1}])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(jobs), "--out-dir", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: jobs.jsonl:2: 'seed' must be a whole number in 0..4294967295"]
    assert not out.exists()  # nothing started: not even the output folder
    missing = CliRunner().invoke(cli, ["batch", str(tmp_path / "nope.jsonl"), "--out-dir", out])
    assert missing.exit_code == 1 and "no such jobs file" in missing.output
    ray_only = CliRunner().invoke(cli, ["batch", str(jobs), "--out-dir", out, "--address", "x"])
    assert ray_only.exit_code == 2 and "--address is for --executor ray" in ray_only.output


def test_manifest_knows_done_damaged_changed_and_foreign(tmp_path, ff, new_clip):
    out = str(new_clip("out.mp4", frames=6))
    side = tmp_path / "out.otio"
    side.write_text("{}")
    assert manifest.check(ff, out, "k1").state == "foreign"     # no manifest: not ours
    manifest.done(out, "k1", [str(side)], 6, {"frames": 6})
    found = manifest.check(ff, out, "k1")
    assert (found.state, found.report) == ("done", {"frames": 6})
    assert manifest.check(ff, out, "k2").reason == "its clips, options or model changed"
    side.write_text("{ }")
    assert manifest.check(ff, out, "k1").reason == "out.otio changed since it was written"
    manifest.done(out, "k1", [], 7, {})
    assert manifest.check(ff, out, "k1").reason == "it holds 6 frames, not 7"
    manifest.publishing(out, "k1", out)
    assert manifest.check(ff, out, "k1").state == "ours"
    os.remove(out)
    manifest.remove(out)
    assert manifest.check(ff, out, "k1").state == "missing"


def test_sweep_removes_only_dead_processes_temp_files(tmp_path):
    out = tmp_path / "reel.mp4"
    dead = tmp_path / ".reel.tmp-999999999-0123abcd.mp4"
    live = tmp_path / f".reel.tmp-{os.getpid()}-0123abcd.mp4"
    other = tmp_path / ".unrelated.tmp-999999999-0123abcd.mp4"
    for f in (dead, live, other):
        f.write_text("x")
    scheduler.sweep(str(out))
    assert not dead.exists() and live.exists() and other.exists()


class FakeExecutor:
    """Runs each step at once with a scripted outcome per (kind, attempt)."""

    workers = 2

    def __init__(self, script):
        self.script, self.calls, self.n = script, [], 0

    def submit(self, kind, payload):
        self.calls.append(kind)
        self.n += 1
        return (self.n, kind, self.calls.count(kind))

    def wait(self, handles, timeout):
        return list(handles)

    def outcome(self, handle):
        _, kind, attempt = handle
        return self.script(kind, attempt)

    def close(self, cancel=False):
        pass


def _runs(tmp_path):
    job = _read(tmp_path, json.dumps({"output": "o.mp4", "clips": ["a.mp4", "b.mp4"],
                                      "method": "crossfade"}))[0]
    return [scheduler.JobRun(job, "k", job.request, str(tmp_path / "work"))]


class _Plan:
    notes = ()


@pytest.mark.parametrize("retries, crashes, status, cut_calls", [
    (1, 1, "done", 2), (0, 1, "failed", 1), (2, 3, "failed", 3)])
def test_crashed_tasks_are_retried_up_to_retries(tmp_path, monkeypatch, retries, crashes,
                                                  status, cut_calls):
    monkeypatch.setattr(scheduler.steps, "tasks", lambda plan, ff, cache: ["one cut"])

    def script(kind, attempt):
        if kind == "cut" and attempt <= crashes:
            return "crash", "its worker process died (killed by SIGKILL)"
        return "ok", {"plan": _Plan(), "cut": "result", "splice": {"frames": 3}}[kind]

    executor = FakeExecutor(script)
    runs = _runs(tmp_path)
    entries = scheduler.run_all(runs, executor, scheduler.Options(str(tmp_path), retries=retries))
    assert executor.calls.count("cut") == cut_calls
    assert entries[0]["status"] == status
    if status == "failed":
        assert entries[0]["error"] == (f"its worker process died (killed by SIGKILL) "
                                       f"(tried {cut_calls} times)")
    else:
        assert entries[0]["retries"] == 1


def test_bad_input_is_never_retried(tmp_path):
    executor = FakeExecutor(lambda kind, attempt: ("input", "a.mp4: no such file"))
    entries = scheduler.run_all(_runs(tmp_path), executor,
                                scheduler.Options(str(tmp_path), retries=5))
    assert executor.calls == ["plan"]
    assert (entries[0]["status"], entries[0]["error"]) == ("failed", "a.mp4: no such file")
