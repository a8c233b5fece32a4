"""The Blender add-on's decisions, without Blender (editors/blender_addon/cut.py, runner.py):
which strips make the cut, what the timeline edit is, and the command it runs."""

from __future__ import annotations

import os
import stat

import pytest

from vae_transition.editors.blender_addon.cut import (AddonError, Strip, export_args,
                                                      output_path, pick_pair, plan_edit)
from vae_transition.editors.blender_addon.runner import find_executable, last_line, run


def movie(name, start, end, channel=2, source_in=0, selected=True, path="/m/a.mp4"):
    return Strip(name, "MOVIE", channel, start, end, source_in, path, 24.0, selected)


def sound(name, start, end, channel=1, path="/m/a.mp4"):
    return Strip(name, "SOUND", channel, start, end, 0, path)


A = movie("A", 1, 26, source_in=2, path="/m/a.mp4")
B = movie("B", 26, 50, source_in=5, path="/m/b.mp4")


def test_pick_pair_wants_two_touching_movie_strips_on_one_channel():
    assert pick_pair([B, A, sound("s", 1, 26)]) == (A, B)
    cases = [([A], "(1 selected)"),
             ([A, movie("B", 26, 50, channel=3)], "must be on one channel"),
             ([A, movie("B", 27, 50)], "it ends at frame 26, B starts at 27")]
    for strips, message in cases:
        with pytest.raises(AddonError, match=message.replace("(", r"\(").replace(")", r"\)")):
            pick_pair(strips)


def test_a_movies_sound_starts_with_it_and_may_end_a_frame_apart():
    from vae_transition.editors.blender_addon.cut import belongs

    assert belongs(sound("B.sound", 26, 51, path="/m/b.mp4"), B)  # audio a little longer
    assert not belongs(sound("B.sound", 27, 50, path="/m/b.mp4"), B)
    assert not belongs(sound("Music", 26, 50, path="/m/music.wav"), B)


def test_insert_moves_everything_from_the_cut_later_last_first():
    strips = [A, B, sound("A.sound", 1, 26), sound("B.sound", 26, 50, path="/m/b.mp4"),
              Strip("Music", "SOUND", 5, 20, 70), Strip("Title", "COLOR", 6, 30, 40),
              Strip("Fade", "GAMMA_CROSS", 7, 30, 40, follows=True)]
    edit = plan_edit(strips, A, B, 6, overlap=False)
    assert edit.trims == ()
    assert edit.moves == (("Title", 6), ("B", 6), ("B.sound", 6))  # Music spans the cut: stays
    assert (edit.morph_channel, edit.morph_start, edit.frames, edit.cut) == (2, 26, 6, 26)


def test_overlap_trims_b_and_its_sound_and_moves_the_rest_earlier_first_first():
    strips = [A, B, sound("A.sound", 1, 26), sound("B.sound", 26, 50, path="/m/b.mp4"),
              sound("Other", 26, 40, channel=7, path="/m/music.wav"),
              Strip("Title", "COLOR", 3, 30, 40)]
    edit = plan_edit(strips, A, B, 6, overlap=True)
    assert edit.trims == (("B", 6), ("B.sound", 6))  # "Other" plays another file
    assert edit.moves == (("B", -6), ("B.sound", -6), ("Other", -6), ("Title", -6))
    # channel 3 holds Title at 24..34 after the move, over the morph's 20..26: one more up
    assert (edit.morph_channel, edit.morph_start) == (4, 20)


def test_overlap_refuses_what_it_cannot_do():
    with pytest.raises(AddonError, match="A shows 25 frames: an overlap of 25 needs more"):
        plan_edit([A, B], A, B, 25, overlap=True)
    wall = Strip("Wall", "COLOR", 3, 10, 28)  # stays (starts before the cut), in the way
    late = Strip("Late", "COLOR", 3, 30, 40)
    with pytest.raises(AddonError, match="would run it into Wall on channel 3"):
        plan_edit([A, B, wall, late], A, B, 6, overlap=True)
    locked = Strip("Locked", "COLOR", 4, 30, 40, locked=True)
    for overlap in (False, True):
        with pytest.raises(AddonError, match="Locked is locked"):
            plan_edit([A, B, locked], A, B, 6, overlap)


def test_export_args_take_the_strips_source_frames():
    args = export_args(A, B, 6, "vae", True, 3, "/out/m.mov")
    assert args[args.index("--a-out") + 1] == "26f"  # A's last frame shown: 2 + 25 - 1
    assert args[args.index("--b-in") + 1] == "5f"
    assert "--overlap" in args and args[-3:] == ["--", "/m/a.mp4", "/m/b.mp4"]
    assert "--overlap" not in export_args(A, B, 6, "vae", False, 0, "/o.mov")
    blurred = export_args(A, B, 6, "vae", False, 0, "/o.mov", motion_blur=0.5)
    assert blurred[blurred.index("--motion-blur") + 1] == "0.5"
    assert blurred[-3:] == ["--", A.path, B.path]
    assert "--motion-blur" not in export_args(A, B, 6, "vae", False, 0, "/o.mov")


def test_output_goes_beside_the_blend_or_into_the_temp_folder(tmp_path):
    blend = str(tmp_path / "my cut.blend")
    first = output_path(blend, "/unused", A, B)
    assert first == str(tmp_path / "my cut.A-B.vae001.mov")
    open(first, "w").close()
    assert output_path(blend, "/unused", A, B).endswith("vae002.mov")
    odd = movie("é/../x", 1, 26)
    assert output_path("", str(tmp_path), odd, B) == str(tmp_path / "untitled.é_.._x-B.vae001.mov")


def test_runner_finds_the_command_and_reports_its_last_line(tmp_path, monkeypatch):
    fake = tmp_path / "vae-transition"
    fake.write_text("#!/bin/sh\necho 'working...' >&2\necho 'Error: b.mp4: not a video' >&2\n"
                    "exit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert find_executable() == str(fake)
    with pytest.raises(AddonError, match=r"^b.mp4: not a video$"):
        run(find_executable(), ["export"])
    with pytest.raises(AddonError, match="not an executable file"):
        find_executable(str(tmp_path / "missing"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(AddonError, match="not on PATH"):
        find_executable()
    assert last_line("a\n\nError: x\n\n") == "x"
