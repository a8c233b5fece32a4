"""The transition is made from the frames the output shows next to it: phone clips with a
display matrix (pass-through), conformed reels (re-encode), and clips with alpha."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from test_faults import FAST, invoke, joined, sandbox_fixture  # noqa: F401

from conftest import decoded_frame_count, make_clip
from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.process import run, run_capture
from vae_transition.join.clipframes import read_range
from vae_transition.join.plan import shown_count, target_format


def _rotated(ff, src, dest, degrees: int):
    run([*ff.base(), "-y", "-display_rotation", str(degrees), "-i", probe.input_url(src),
         "-c", "copy", probe.input_url(dest)])
    return dest


@pytest.mark.parametrize("degrees", [90, 180])
def test_rotated_pair_in_passthrough(ff, tmp_path, sandbox, degrees):
    a = _rotated(ff, make_clip(tmp_path / "a0.mp4"), tmp_path / "a.mp4", degrees)
    b = _rotated(ff, make_clip(tmp_path / "b0.mp4", source="mandelbrot"), tmp_path / "b.mp4",
                 degrees)
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "--timeline", "otio", "-o", out, a, b)
    joined(result, out)
    assert "pass-through" in result.output
    info = probe.probe(ff, out)
    upright = (48, 64) if degrees == 90 else (64, 48)
    assert (info.width, info.height, info.rotation) == (*upright, degrees)
    segment = probe.probe(ff, tmp_path / "out.t01.mov")  # for editors: upright, no matrix
    assert (segment.width, segment.height, segment.frame_count) == (*upright, 4)
    # every packet is stored the same way (no frame of another size inside the stream)
    raw, _ = run_capture([*ff.base(), "-noautorotate", "-i", probe.input_url(out), "-f",
                          "framecrc", "pipe:1"])
    sizes = {ln.split(",")[4].strip() for ln in raw.decode().splitlines() if ln.startswith("0,")}
    assert sizes == {str(64 * 48 * 3 // 2)}, sizes
    # shown upright, the transition starts next to A's last frame and ends next to B's first
    seq = list(frames.iter_frames(ff, info))
    a_last, b_first = seq[11].astype(float), seq[16].astype(float)
    for k, t in enumerate(np.arange(1, 5) / 5):
        want = (1 - t) * a_last + t * b_first
        assert np.abs(seq[12 + k] - want).mean() < 6, k
    sandbox()


def test_rotated_overlap_smart_render_stays_upright(ff, tmp_path, sandbox):
    """Overlap with GOPs of 5 on phone clips: the re-encoded GOP pieces are stored turned like
    the copied packets, and the copied frames stay bit-identical."""
    a = _rotated(ff, make_clip(tmp_path / "a0.mp4", frames=20, gop=5), tmp_path / "a.mp4", 90)
    b = _rotated(ff, make_clip(tmp_path / "b0.mp4", frames=20, gop=5, source="mandelbrot"),
                 tmp_path / "b.mp4", 90)
    out = tmp_path / "out.mp4"
    result = invoke("join", "--method", "crossfade", "--frames", 7, "--overlap", "-o", out, a, b)
    assert result.exit_code == 0 and "wrote 33 frames" in result.output, result.output
    assert "smart render: 6 clip frames re-encoded" in result.output  # A 10..12, B 7..9
    raw, _ = run_capture([*ff.base(), "-noautorotate", "-i", probe.input_url(out), "-f",
                          "framecrc", "pipe:1"])
    sizes = {ln.split(",")[4].strip() for ln in raw.decode().splitlines() if ln.startswith("0,")}
    assert sizes == {str(64 * 48 * 3 // 2)}, sizes
    got = list(frames.iter_frames(ff, probe.probe(ff, out)))
    fa = list(frames.iter_frames(ff, probe.probe(ff, a)))
    fb = list(frames.iter_frames(ff, probe.probe(ff, b)))
    assert len(got) == 33 and got[0].shape == (64, 48, 3)
    assert all(np.array_equal(x, y) for x, y in zip(got[:10], fa[:10]))
    assert all(np.array_equal(x, y) for x, y in zip(got[23:], fb[10:]))
    sandbox()


def test_conformed_reel_json_agrees_with_score(ff, tmp_path, sandbox):
    """A and B at other rates, B at another size: the transition is made from the frames the
    re-encoded file shows beside it, so --json and `score` on the file agree."""
    a = make_clip(tmp_path / "a.mp4", fps="30", frames=24)
    b = make_clip(tmp_path / "b.mp4", size=(96, 54), fps="25", frames=30)
    out = tmp_path / "out.mp4"
    result = invoke("join", "--method", "crossfade", "-n", "6", "--fps", "24", "--json",
                    "-o", out, a, b)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])
    cut = summary["cuts"][0]
    # a pass or a miss for every metric with a goal (coherence in place is reported only)
    assert set(cut["meets_goals"]) == set(cut["metrics"]) - {"coherence_in_place"}
    at, end = cut["frames"]  # [start, end)
    scored = invoke("score", out, "--at", at, "--frames", end - at, "--json")
    assert scored.exit_code == 0, scored.output
    from_file = json.loads(scored.output)
    assert from_file["meets_goals"] == cut["meets_goals"], (from_file, cut)
    for name in ("splice_ratio", "pacing"):
        assert abs(from_file["scores"][name] - cut["metrics"][name]) < 0.2, (name, from_file)
    # the ends the transition was made from are the file's own frames (x264's noise aside)
    infos = [probe.probe(ff, p) for p in (a, b)]
    fmt = target_format(infos[0], fps=Fraction(24))
    n_a = shown_count(infos[0], fmt)
    tail, head = read_range(ff, infos[0], n_a - 1, n_a, fmt, True), read_range(ff, infos[1], 0, 1,
                                                                               fmt, True)
    shown = list(frames.iter_frames(ff, probe.probe(ff, out), start=at - 1, count=end - at + 2))
    assert np.abs(shown[0].astype(float) - tail[-1]).mean() < 2.5
    assert np.abs(shown[-1].astype(float) - head[0]).mean() < 2.5
    assert decoded_frame_count(out) == summary["frames"] == 19 + 6 + 29  # 0.8 s, 1.2 s at 24
    sandbox()


def test_alpha_is_dropped_with_a_note(tmp_path, sandbox):
    a = make_clip(tmp_path / "a.mov", codec="prores_ks", pix_fmt="yuva444p10le",
                  extra=("-profile:v", "4444", "-alpha_bits", "16"))
    b = make_clip(tmp_path / "b.mp4", source="mandelbrot")
    out = tmp_path / "out.mp4"
    result = invoke("join", *FAST, "-o", out, a, b)
    joined(result, out)
    notes = [ln for ln in result.output.splitlines() if ln.startswith("note:") and "alpha" in ln]
    assert len(notes) == 1 and notes[0].startswith("note: a.mov has an alpha channel"), notes
    exported = invoke("export", a, b, "-o", tmp_path / "seg.mov", *FAST)
    assert exported.exit_code == 0 and "note: a.mov has an alpha channel" in exported.output
    sandbox()
