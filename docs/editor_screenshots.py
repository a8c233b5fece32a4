"""Render the pictures of docs/editors.md: Blender's sequencer after the add-on's operator
(a screenshot of Blender's window under Xvfb), frames of an MLT project rendered by melt, and,
where Shotcut is installed, Shotcut with that project open (its screen under Xvfb).

    python docs/editor_screenshots.py        # needs blender, melt and xvfb (apt-get); shotcut

All use the demo's two sample clips (pans over photos that scikit-image ships) and the default
VAE morph. Writes docs/blender_vse.png, docs/mlt_frames.png and docs/shotcut.png.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ffmpeg_scripts.frames import iter_frames
from ffmpeg_scripts.locate import find_ffmpeg
from ffmpeg_scripts.probe import probe
from vae_transition.editors.blender import write_addon
from vae_transition.join.demo import make_clips
from vae_transition.join.previews import contact_sheet, write_png

DOCS = Path(__file__).resolve().parent
SCENE = DOCS.parent / "tests" / "blender_scene.py"
CLI = str(Path(sys.executable).with_name("vae-transition"))


def blender_shot(work: Path, a: str, b: str, out: Path) -> None:
    spec = {"addon_zip": write_addon(str(work / "addon.zip")), "exe": CLI,
            "clips": [{"path": a, "head": 6, "tail": 12, "sound": True},
                      {"path": b, "head": 10, "tail": 4}],  # the cat clip is silent
            "select": ["A", "B"], "op": {"frames": 24, "overlap": True},
            "result": str(work / "result.json"), "screenshot": str(out),
            "size": [(i := probe(find_ffmpeg(), a)).width, i.height]}
    (work / "spec.json").write_text(json.dumps(spec))
    env = dict(os.environ, BLENDER_USER_SCRIPTS=str(work / "scripts"), TMPDIR=str(work))
    empty = work / "empty.blend"  # opening a file skips the splash screen
    subprocess.run(["blender", "-b", "--factory-startup", "--python-expr",
                    f"import bpy; bpy.ops.wm.save_as_mainfile(filepath={str(empty)!r})"],
                   env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", "blender",
                    "--factory-startup", str(empty), "--python", str(SCENE), "--",
                    str(work / "spec.json")], env=env, check=True, capture_output=True,
                   timeout=600)
    if not (work / "result.json").exists():
        raise SystemExit("Blender wrote no result")
    result = json.loads((work / "result.json").read_text())
    if result.get("crash") or result.get("error"):
        raise SystemExit(result.get("crash") or result["error"])


def mlt_frames(work: Path, a: str, b: str, out: Path) -> None:
    joined = work / "joined.mp4"
    subprocess.run([CLI, "join", a, b, "-o", str(joined), "--frames", "24", "--overlap",
                    "--timeline", "mlt", "-q"], check=True)
    render = work / "melt.mkv"
    subprocess.run(["melt", "-quiet", str(work / "joined.mlt"), "-consumer",
                    f"avformat:{render}", "vcodec=ffv1", "pix_fmt=gbrp", "mlt_image_format=rgb",
                    "an=1"], check=True, capture_output=True)
    ff = find_ffmpeg()
    info = probe(ff, render)
    cut = probe(ff, a).frame_count - 24  # the overlap starts 24 frames before A's end
    picks = [cut - 1, cut + 4, cut + 9, cut + 14, cut + 19, cut + 24]
    frames = list(iter_frames(ff, info, start=cut - 1, count=26))
    shown = [frames[p - (cut - 1)] for p in picks]
    labels = [f"melt frame {p}" for p in picks]
    write_png(str(out), contact_sheet(shown, labels, cols=3))


def xwd_rgb(path: Path) -> np.ndarray:
    """An X window dump of a 24-bit screen (what Xvfb -fbdir keeps) as (H, W, 3) uint8 RGB."""
    data = path.read_bytes()
    head = np.frombuffer(data[:100], ">u4")
    header, width, height, bytes_per_line, colors = head[0], head[4], head[5], head[12], head[19]
    pixels = np.frombuffer(data, np.uint8, height * bytes_per_line, header + 12 * colors)
    bgrx = pixels.reshape(height, bytes_per_line // 4, 4)[:, :width]
    return np.ascontiguousarray(bgrx[..., 2::-1])


def shotcut_shot(work: Path, project: Path, out: Path) -> None:
    """Shotcut opens the project on a virtual screen; the screen, cropped to its window."""
    display, fb = ":87", work / "fb"
    fb.mkdir()
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x720x24", "-fbdir", str(fb)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display, HOME=str(work))
    app = subprocess.Popen(["shotcut", "--noupgrade", str(project)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(60)  # Shotcut starts slowly on software GL
        screen = xwd_rgb(fb / "Xvfb_screen0")
    finally:
        for proc in (app, xvfb):  # Shotcut may sit on a "save changes?" question: kill it
            proc.kill()
            proc.wait(timeout=30)
    used = np.argwhere(screen.min(axis=2) < 250)  # the window, not the white root
    (y0, x0), (y1, x1) = used.min(axis=0), used.max(axis=0) + 1
    write_png(str(out), screen[y0:y1, x0:x1])


def main() -> None:
    for tool in ("blender", "melt", "xvfb-run"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (apt-get install blender melt xvfb)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        a, b = make_clips(find_ffmpeg(), str(work))
        blender_shot(work, a, b, DOCS / "blender_vse.png")
        mlt_frames(work, a, b, DOCS / "mlt_frames.png")
        print(DOCS / "blender_vse.png", DOCS / "mlt_frames.png", sep="\n")
        if shutil.which("shotcut"):
            shotcut_shot(work, work / "joined.mlt", DOCS / "shotcut.png")
            print(DOCS / "shotcut.png")


if __name__ == "__main__":
    main()
