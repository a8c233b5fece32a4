"""What a new user hit in their first hour (issue 18), each fixed and kept fixed: score finds the
transitions join recorded, export reuses join's transition, one range convention in --json,
notes that say what happened, progress inside a cut and in export, the container named."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_clip
from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.keyframes import Keyframe
from ffmpeg_scripts.probe import ClipInfo
from vae_transition.cli import cli
from vae_transition.cli.common import TerminalProgress
from vae_transition.export.formats import ExportSpec
from vae_transition.join.export import export_segment
from vae_transition.join.notes import path_notes, plan_notes
from vae_transition.join.pipeline import JoinRequest, join
from vae_transition.join.plan import COPY, MAKE, REENCODE, plan_join
from vae_transition.morph.transition import TransitionSpec

FAST = ["--method", "crossfade", "--frames", "6"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("first-hour")
    return (make_clip(d / "a.mp4", frames=30, gop=10),
            make_clip(d / "b.mp4", frames=24, source="mandelbrot", gop=10))


def fake(name: str, frames: int, keys=(0,), codec="h264", fps=Fraction(24)) -> ClipInfo:
    keyframes = tuple(Keyframe(k, Fraction(k, 24), Fraction(k, 24)) for k in keys)
    return ClipInfo(f"/m/{name}", 64, 48, fps, frames, codec, "High", "yuv420p", Fraction(1), (),
                    None, keyframes=keyframes)


# --- 2. score finds the transitions join recorded ------------------------------------------

def test_score_without_at_reads_the_cuts_join_recorded(pair, tmp_path):
    out = tmp_path / "joined.mp4"
    joined = invoke("join", *pair, "-o", out, *FAST, "--json")
    assert joined.exit_code == 0, joined.output
    cut = json.loads(joined.stdout)["cuts"][0]
    assert cut["frames"] == [30, 36]  # [start, end): A's 30 frames, then the 6 made
    found = invoke("score", out, "--json")
    assert found.exit_code == 0, found.output
    (row,) = json.loads(found.stdout)["transitions"]
    assert row["frames"] == [30, 36] and row["meets_goals"] == cut["meets_goals"]
    at = json.loads(invoke("score", out, "--at", 30, "--json").stdout)  # --frames recorded too
    assert at["scores"] == row["scores"]
    table = invoke("score", out)
    assert "transition 1: frames 30-35" in table.output and "splice_ratio" in table.output


def test_score_says_how_when_a_file_records_nothing(pair):
    result = invoke("score", pair[0])
    assert result.exit_code == 1 and "records no transitions" in result.output
    assert "--at FIRST --frames N" in result.output and "Traceback" not in result.output


# --- 3. export reuses join's transition -----------------------------------------------------

def test_export_after_join_reads_the_cached_transition(ff, pair, tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_TRANSITION_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "joined.mp4"
    assert invoke("join", *pair, "-o", out, *FAST).exit_code == 0
    notes = []
    a, b = (probe.probe(ff, c) for c in pair)
    spec = TransitionSpec(frames=6, method="crossfade")
    made = export_segment(ff, a, b, spec, ExportSpec("png"), str(tmp_path / "seg"),
                          log=notes.append)
    assert "the transition was made before: read from the cache" in notes
    # the frames join spliced, each at its place (x264 in the join costs a few levels on these
    # tiny busy frames; one frame off costs 17)
    joined = list(frames.iter_frames(ff, probe.probe(ff, out), start=30, count=6))
    exported = [cv2.imread(str(p))[:, :, ::-1] for p in sorted((tmp_path / "seg").iterdir())]
    assert made.frames == len(exported) == 6
    diff = np.array([[np.abs(j.astype(int) - e.astype(int)).mean() for e in exported]
                     for j in joined])
    assert (diff.argmin(axis=1) == np.arange(6)).all() and diff.diagonal().max() < 6, diff


# --- 4. one range convention ----------------------------------------------------------------

def test_json_ranges_are_half_open_everywhere(pair, tmp_path):
    out = tmp_path / "cut.mp4"
    result = invoke("join", *pair, "-o", out, *FAST, "--a-out", "19f", "--b-in", "4f", "--json")
    summary = json.loads(result.stdout)
    (start, end), = [c["frames"] for c in summary["cuts"]]
    (a0, a1), (b0, b1) = summary["clip_ranges"]
    assert (a0, a1, b0, b1) == (0, 20, 4, 24)  # A plays 0..19, B 4..23: [start, end)
    assert (start, end) == (a1 - a0, a1 - a0 + 6) and end - start == 6
    assert summary["frames"] == (a1 - a0) + (end - start) + (b1 - b0)


# --- 5, 6. notes say what happens -----------------------------------------------------------

def test_single_gop_clips_are_not_said_to_be_stream_copied():
    plan = plan_join([fake("a.mp4", 96), fake("b.mp4", 96)],
                     TransitionSpec(frames=24, overlap=True, method="crossfade"))
    assert plan.count(COPY) == 0 and plan.count(REENCODE) == 72 + 72
    first, smart = path_notes(plan)
    assert "stream-copied (" not in first and "all 144 clip frames are re-encoded" in first
    assert smart == ("smart render: 144 clip frames re-encoded around the cuts (the GOPs they "
                     "cut into), 0 stream-copied")


def test_transitions_of_several_lengths_are_named_as_such():
    clips = [fake(n, 48, (0, 12, 24, 36)) for n in ("a.mp4", "b.mp4", "c.mp4")]
    plan = plan_join(clips, TransitionSpec(method="crossfade"), lengths=(24, 18))
    (note,) = plan_notes(plan)
    assert note.endswith("only the 2 transitions are encoded (24 and 18 frames)"), note
    assert plan.transition_spans == ((48, 72), (120, 138))
    assert plan.source(71) == (MAKE, 0, 23) and plan.source(72) == (COPY, 1, 0)


def test_reencode_says_which_clip_differs():
    plan = plan_join([fake("a.mp4", 24), fake("b.mov", 24, codec="prores")],
                     TransitionSpec(method="crossfade"))
    (note,) = path_notes(plan)
    assert note.startswith("re-encode:") and "b.mov differs from a.mp4" in note


# --- 7. progress inside a cut and in export -------------------------------------------------

def test_join_reports_each_frame_made(ff, pair, tmp_path):
    seen = []
    join(JoinRequest(tuple(map(str, pair)), str(tmp_path / "p.mp4"),
                     TransitionSpec(frames=6, method="crossfade"), cache=False), ff,
         progress=lambda stage, done, total: seen.append((stage, done, total)))
    made = [(d, t) for s, d, t in seen if s == "transitions"]
    assert made == [(d, 6) for d in range(0, 7)], made  # 0 at the start, then every frame


def test_export_reports_the_transition_and_the_writing(ff, pair, tmp_path):
    seen = []
    a, b = (probe.probe(ff, c) for c in pair)
    export_segment(ff, a, b, TransitionSpec(frames=4, method="crossfade"), ExportSpec(handles=2),
                   str(tmp_path / "m.mov"), cache=False,
                   progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert [d for s, d, t in seen if s == "transition"] == [1, 2, 3, 4]
    assert [(d, t) for s, d, t in seen if s == "writing"][-1] == (8, 8)  # 4 + 2 x 2 handles


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_status_line_counts_frames_and_says_the_time_left(monkeypatch):
    clock = iter([100.0, 103.0, 106.0])
    monkeypatch.setattr("vae_transition.cli.common.time.monotonic", lambda: next(clock))
    line = Terminal()
    bar = TerminalProgress(True, line)
    bar("transitions", 0, 24)
    bar("transitions", 6, 24)  # 6 frames in 3 s: 18 more take 9 s
    assert "6/24 frames, 9 s left" in line.getvalue()
    bar("transitions", 12, 24)
    assert line.getvalue().endswith("12/24 frames, 6 s left")


# --- 8. the container written is the one named ----------------------------------------------

def test_export_names_the_container_it_wrote(tmp_path):
    a = make_clip(tmp_path / "a.mp4", size=(256, 128), frames=6)
    b = make_clip(tmp_path / "b.mp4", size=(256, 128), frames=6, source="mandelbrot")
    for ext in (".mxf", ".mov"):
        result = invoke("export", a, b, "-o", tmp_path / f"m{ext}", "--format", "dnxhr",
                        "--method", "crossfade", "-n", "2")
        assert result.exit_code == 0, result.output
        assert f"Avid DNxHR HQ, 8-bit 4:2:2 in {ext}," in result.output
        assert ".mov or .mxf" not in result.output
