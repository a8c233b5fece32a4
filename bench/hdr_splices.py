"""Does the morph jump at the splices of HDR clips? A measurement on the stored signal.

    python bench/hdr_splices.py        # -> bench/results/hdr_splices.md

For each colour (HLG and PQ, 10-bit; SDR BT.709 10- and 8-bit as the reference), clip B is clip
A's own continuation (one zoom into mandelbrot, split at frame 12), so a right join changes the
picture at a splice no more than the clips change from frame to frame. Both are joined with the
VAE morph and with a crossfade (24 frames, the default, at 256x144), and the written file's luma
is read back as stored (10-bit code values; 8-bit ones x4). The table gives the mean |step| from
A's last frame to the first made one and from the last made one to B's first, against the
clips' own steps (median and largest) and the transition's inner steps.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from ffmpeg_scripts.process import run, run_capture  # noqa: E402

SIZE, FRAMES, N = (256, 144), 12, 24
NOTES = """Reading it: a splice that jumped in the signal (frames made in linear light or SDR, the
wrong matrix or range, a lost bit depth) would step far above the clips' own steps; the tags
themselves do not change stored values, so the written-file check reads them on every frame.
Here each splice steps less than the clips' median step, and HLG and PQ step as SDR does, so
the HDR path adds nothing. What remains, above the transition's own tiny steps, is the seam
between two encodes (the clip's, and our CRF 16 one of the made frames), the same in every row
and for both methods.
"""
CASES = {  # name -> (encoder, pix_fmt, range, matrix, primaries, transfer)
    "HLG 10-bit H.264": ("libx264", "yuv420p10le", "tv", "bt2020nc", "bt2020", "arib-std-b67"),
    "PQ 10-bit HEVC": ("libx265", "yuv420p10le", "tv", "bt2020nc", "bt2020", "smpte2084"),
    "SDR BT.709 10-bit": ("libx264", "yuv420p10le", "tv", "bt709", "bt709", "bt709"),
    "SDR BT.709 8-bit": ("libx264", "yuv420p", "tv", "bt709", "bt709", "bt709"),
}


def clip(ff, path: str, case: str, skip: int) -> str:
    codec, pix, rng, matrix, prim, trc = CASES[case]
    chain = (f"trim=start_frame={skip},setpts=PTS-STARTPTS,scale=out_color_matrix={matrix}:"
             f"out_range={rng},format={pix},setparams=range={rng}:colorspace={matrix}:"
             f"color_primaries={prim}:color_trc={trc}")
    run([*ff.base(), "-y", "-f", "lavfi", "-i", f"mandelbrot=size={SIZE[0]}x{SIZE[1]}:rate=24",
         "-vf", chain, "-frames:v", str(FRAMES), "-c:v", codec, "-g", "6", "-pix_fmt", pix,
         *(["-x265-params", "log-level=error"] if codec == "libx265" else []), path])
    return path


def luma(ff, path: str, wide: bool) -> np.ndarray:
    out, _ = run_capture([*ff.base(), "-i", path, "-map", "0:V:0", "-f", "rawvideo",
                          "-pix_fmt", "gray10le" if wide else "gray", "pipe:1"])
    y = np.frombuffer(out, np.uint16 if wide else np.uint8).astype(float)
    return y.reshape(-1, SIZE[1], SIZE[0]) * (1 if wide else 4)


def measure(ff, folder: str, case: str, method: str) -> list[float]:
    a = clip(ff, os.path.join(folder, "a.mp4"), case, 0)
    b = clip(ff, os.path.join(folder, "b.mp4"), case, FRAMES)
    out = os.path.join(folder, "out.mp4")
    subprocess.run([sys.executable, "-m", "vae_transition", "join", a, b, "-o", out,
                    "--method", method, "-n", str(N), "--no-cache", "--overwrite", "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    y = luma(ff, out, CASES[case][1].endswith("10le"))
    steps = np.abs(np.diff(y, axis=0)).mean(axis=(1, 2))
    clips = np.concatenate([steps[:FRAMES - 1], steps[FRAMES + N:]])
    inner = steps[FRAMES:FRAMES + N - 1]
    return [steps[FRAMES - 1], steps[FRAMES - 1 + N], float(np.median(clips)), clips.max(),
            float(np.median(inner))]


def main() -> None:
    ff = find_ffmpeg()
    rows = ["| clips | method | A -> first made | last made -> B | clips' steps: median, "
            "largest | transition's steps: median |", "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            for method in ("vae", "crossfade"):
                enter, leave, med, top, inner = measure(ff, folder, case, method)
                rows.append(f"| {case} | {method} | {enter:.1f} | {leave:.1f} | {med:.1f}, "
                            f"{top:.1f} | {inner:.1f} |")
    text = ("# HDR splices: mean |luma step| in 10-bit code values\n\n"
            + __doc__.split("\n\n", 2)[2] + "\n" + "\n".join(rows) + "\n\n" + NOTES)
    os.makedirs("bench/results", exist_ok=True)
    with open("bench/results/hdr_splices.md", "w", encoding="utf-8") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
