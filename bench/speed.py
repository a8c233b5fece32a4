"""Speed and memory benchmark: join against ffmpeg's own xfade, and how cost scales.

    python bench/speed.py            # -> bench/results/speed.md

Every number comes from one run on this machine, and the goals are ratios, so a busy or a fast
machine moves both sides. Each join runs the real CLI in a fresh process (import time included)
with default settings unless the row says otherwise; the first join with a new, empty cache
(it stores its transition, as a user's first join does), the others with --no-cache
(adaptation and transition really computed, nothing stored).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ffmpeg_scripts.locate import find_ffmpeg  # noqa: E402
from ffmpeg_scripts.process import run  # noqa: E402

NOTES = """## Notes

- The join stream-copies both clips, so its cost barely grows with their length (the 16 s /
  4 s row): only the written-file check, which decodes the output once, does (it is inside
  "splice" in the breakdown rows). The rest is a fixed cost: the breakdown rows above. The
  transition is the VAE morph (nine encodes of each frame for its phase grids, the halfway
  field's fit, ten decoder passes at about 256 px for the pace probes, two pacing rounds at the
  working size,
  full-resolution composition) and x264 on the 24 new frames. Torch's import and the model's
  load (about 1.3 s on one core) run in a thread beside the probing and ffmpeg's reading of the
  frames beside the cut, so what is left of them shows inside "transition"; "start-up" is the
  interpreter and the command's own imports.
- Per-pair adaptation is off by default: on the quality bench it did not change the six scores,
  and it costs a few seconds per cut (the adaptation row).
- Overlap mode (`--overlap`) morphs 24 moving pairs instead of one still pair (all 48 frames
  encoded in batches, the matching and pace planned once): about 1.5x the insert transition.
  Its smart render re-encodes the clip frames between the overlap and the nearest clean
  keyframes: 48 frames with 2 s GOPs, but 432 of 456 with x264's default keyint of 250, where
  each 10 s clip is one GOP and no stream copy can stop inside it. The clips' pieces (copies and
  re-encodes) need no transition, so they are made in a thread beside the cuts: their time
  shows inside "transition", and "smart render" is what the splice still waited for them.
- No GPU was used for this run; the library picks cuda by itself where there is one
  (`bench/cuda_check.py` times a transition there; the field-based morph has not been timed on
  a GPU yet: no GPU was lent while it was built).
"""

HEADLINE_RUNS = 5  # first join and xfade in turn: three runs gave 0.47x-0.51x on one day, the
                   # median of five moves less with the machine's load
STAGE_RUNS = 3     # runs behind each "where the time goes" row (medians, stage by stage)
WHERE = (f"  where that join's time goes (medians of {STAGE_RUNS} more runs, --json: it also "
         "scores the transition, timed apart)")
WHERE_FIRST = WHERE.replace("that join", "the first join")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
SOURCES = ("testsrc2", "mandelbrot", "smptehdbars", "rgbtestsrc", "cellauto=rule=110",
           "life=mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00", "testsrc", "gradients")


def make_clip(ff, out: str, seconds: float, size=(1280, 768), source="testsrc2", fps=24,
              audio=False, gop: int | None = None) -> str:
    """An H.264 clip like a generated one (yuv420p, 24 fps, x264's default keyframe interval of
    250 unless `gop` says); optional AAC tone."""
    w, h = size
    sep = ":" if "=" in source else "="  # options follow the source's own, or start them
    args = ff.base() + ["-f", "lavfi", "-i", f"{source}{sep}size={w}x{h}:rate={fps}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    # every clip tagged BT.709, as generated clips are: a source that tags itself otherwise
    # (smptehdbars: BT.601) would make a chain of them re-encode, which is another benchmark
    tags = "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"
    args += ["-vf", f"scale={w}:{h},setsar=1,format=yuv420p,{tags}",
             "-frames:v", str(int(seconds * fps)),
             "-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]
    args += ["-g", str(gop)] if gop else []
    args += ["-c:a", "aac", "-shortest"] if audio else []
    run(args + ["-f", "mp4", "-y", out])
    return out


def timed(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB of the largest process in cmd's tree: python or ffmpeg)."""
    probe = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
             "sys.exit(p.returncode)")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    # RUSAGE_CHILDREN's ru_maxrss is the largest waited-for descendant, ffmpeg included
    return seconds, int(proc.stderr.strip().splitlines()[-1]) // 1024


def join_cmd(clips: list[str], out: str, *extra: str, cache: bool = False) -> list[str]:
    """The join's command; cache=False: --no-cache (nothing read or stored), True: the cache as a
    user has it (see cold_cache())."""
    return [sys.executable, "-m", "vae_transition", "join", *clips, "-o", out, "--overwrite",
            *(() if cache else ("--no-cache",)), "-q", *extra]


def cold_cache(folder: str) -> None:
    """Point the joins run from now on at a new, empty cache: a user's first join, which makes
    its transition and stores it (the segment and a lossless copy of the frames)."""
    from vae_transition.cache import CACHE_ENV

    os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="cache-", dir=folder)


def join_stages(cmd: list[str], runs: int = STAGE_RUNS, before=lambda: None) -> str:
    """The join's own timings (--json) plus its process start-up (imports), as text: each
    stage's median over `runs` runs (one run swings by a second on a shared machine), with
    before() called ahead of each (a fresh cache for a first join)."""
    import json

    stages = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        summary = json.loads(proc.stdout)
        t = dict(summary["timings"])
        t["adapt"] = sum(c.get("adapt_seconds", 0.0) for c in summary.get("cuts", []))
        t["startup"] = wall - sum(v for k, v in t.items() if k != "adapt")
        t["transitions"] -= t["adapt"]
        stages.append(t)
    m = {k: statistics.median(s.get(k, 0.0) for s in stages) for k in stages[0]}
    return (f"start-up {m['startup']:.1f} s, probe and plan "
            f"{m['probe']:.1f} s, adaptation {m['adapt']:.1f} s, transition (read its frames, the "
            f"rest of the model's load, morph, encode) "
            f"{m['transitions']:.1f} s, smart render (what is left of it after the "
            f"transitions, beside which it runs) "
            f"{m.get('smart_render', 0.0):.1f} s ({summary.get('reencoded_clip_frames', 0)} clip "
            f"frames re-encoded), splice {m['splice']:.1f} s; scoring (--json's own work) "
            f"{m.get('scoring', 0.0):.1f} s")


def xfade_cmd(ff, a: str, b: str, out: str, seconds_a: float) -> list[str]:
    """ffmpeg's 1 s crossfade with a full libx264 re-encode at our re-encode quality."""
    graph = f"[0:v][1:v]xfade=transition=fade:duration=1:offset={seconds_a - 1}[v]"
    return ff.base() + ["-i", a, "-i", b, "-filter_complex", graph, "-map", "[v]",
                        "-c:v", "libx264", "-crf", "16", "-preset", "medium", "-y", out]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def pair(ff, folder: str, seconds: float, size=(1280, 768), gop: int | None = None) -> list[str]:
    tag = f"{size[0]}x{size[1]}-{seconds:g}s-g{gop}"
    return [make_clip(ff, os.path.join(folder, f"a-{tag}.mp4"), seconds, size, "testsrc2",
                      gop=gop),
            make_clip(ff, os.path.join(folder, f"b-{tag}.mp4"), seconds, size, "mandelbrot",
                      gop=gop)]


def bench(ff, folder: str) -> list[tuple[str, str, str]]:
    """(measurement, value, goal) rows; prints each as it is measured."""
    rows = []

    def row(name, value, goal=""):
        rows.append((name, value, goal))
        print(f"{name}: {value} {goal}", flush=True)

    out = os.path.join(folder, "out.mp4")
    p10 = pair(ff, folder, 10)
    # the headline ratio: the two in turn, five times, medians (one run of either swings by
    # about 5 % on a shared machine; the first also pays for cold file caches)
    joins, xfades = [], []
    for _ in range(HEADLINE_RUNS):
        cold_cache(folder)
        joins.append(timed(join_cmd(p10, out, cache=True))[0])
        xfades.append(timed(xfade_cmd(ff, *p10, os.path.join(folder, "xfade.mp4"), 10))[0])
    t_join, t_xfade = statistics.median(joins), statistics.median(xfades)
    t_adapt, _ = timed(join_cmd(p10, out, "--adapt-steps", "20"))
    row("first join 2x10 s, 24 frames, default settings, empty cache / ffmpeg xfade + libx264 "
        f"(medians of {HEADLINE_RUNS}, in turn)",
        f"{t_join:.1f} s / {t_xfade:.1f} s = {t_join / t_xfade:.2f}x "
        f"(each pair: {', '.join(f'{j / x:.2f}x' for j, x in zip(joins, xfades))})",
        "goal <= 0.5x")
    row("the same join with per-pair adaptation (--adapt-steps 20) / ffmpeg xfade + libx264",
        f"{t_adapt:.1f} s / {t_xfade:.1f} s = {t_adapt / t_xfade:.2f}x", "")
    adapt = join_stages(join_cmd(p10, out, "--json", "--adapt-steps", "20"))
    row(WHERE, adapt, "goal: adaptation <= 30 s")
    stages = join_stages(join_cmd(p10, out, "--json", cache=True),
                         before=lambda: cold_cache(folder))
    row(WHERE_FIRST, stages,
        "goal: transition <= 6 s")
    for gop, what in ((None, "keyframe every 250 frames: one GOP per clip"),
                      (48, "keyframe every 2 s")):
        clips = pair(ff, folder, 10, gop=gop)
        t_ov, _ = timed(join_cmd(clips, out, "--overlap"))
        row(f"join --overlap 2x10 s ({what}) / ffmpeg xfade + libx264 (also an overlap)",
            f"{t_ov:.1f} s / {t_xfade:.1f} s = {t_ov / t_xfade:.2f}x", "")
        row(WHERE,
            join_stages(join_cmd(clips, out, "--json", "--overlap")), "")
    # medians of three in turn: single runs of this pair gave 1.16-1.32 on one day
    p4, p16 = pair(ff, folder, 4), pair(ff, folder, 16)
    runs = [(timed(join_cmd(p4, out))[0], timed(join_cmd(p16, out))[0]) for _ in range(3)]
    t4, t16 = (statistics.median(r[i] for r in runs) for i in (0, 1))
    row("join with 16 s clips / with 4 s clips (medians of 3, in turn)",
        f"{t16:.1f} s / {t4:.1f} s = {t16 / t4:.2f}",
        "goal <= 1.3")
    chain = [make_clip(ff, os.path.join(folder, f"c{i}.mp4"), 4, source=SOURCES[i],
                       audio=i % 2 == 0) for i in range(8)]
    t_chain, _ = timed(join_cmd(chain, out))
    row("chain of 8 clips (7 cuts, --jobs = cores) / 8 x one join",
        f"{t_chain:.1f} s / {8 * t4:.1f} s = {t_chain / (8 * t4):.2f}", "goal < 1")
    _, rss = timed(join_cmd(pair(ff, folder, 10), out, "--reencode"))
    row("peak memory, join 1280x768 (largest process: python or ffmpeg)", f"{rss} MB",
        "goal <= 2048 MB")
    _, rss4k = timed(join_cmd(pair(ff, folder, 2, (3840, 2160)), out, "--reencode"))
    row("peak memory, join 3840x2160 (largest process: python or ffmpeg)", f"{rss4k} MB",
        "goal <= 4096 MB")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=RESULTS)
    args = parser.parse_args(argv)
    from vae_transition.cache import CACHE_ENV

    ff = find_ffmpeg()
    with tempfile.TemporaryDirectory() as folder:
        os.environ[CACHE_ENV] = os.path.join(folder, "cache")  # no results from earlier runs
        rows = bench(ff, folder)
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    text = (f"# Speed and memory\n\nMachine: {machine()}; ffmpeg {ff.version} ({ff.source}).\n"
            "Clips: H.264 1280x768 24 fps made with lavfi; every join runs the CLI in a fresh "
            "process (imports included), with default settings unless the row says otherwise: "
            "the first join with a new, empty cache (it stores its transition, as a user's "
            "first join does), the others with `--no-cache`. One run; compare the ratios, not "
            "the seconds.\n\n"
            "| measurement | value | goal |\n|---|---|---|\n" + table + "\n\n" + NOTES)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "speed.md")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
