"""join: clips in, one joined clip out. Probe, grab the frames at each cut, make the transitions,
encode them, splice everything, and only then put the result in place.

Nothing here exits or prints: progress notes go to a `log` callable; problems raise JoinError or
the ffmpeg_scripts / model errors, which the CLI turns into one-line messages.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ffmpeg_scripts import encode, frames, probe, splice
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import limits, outputs, sides, tensors
from vae_transition.cuts import Cut, CutJob, run_cuts
from vae_transition.digests import model_digest
from vae_transition.transition import TransitionSpec


class JoinError(Exception):
    """A user-level problem with a join request (paths, options)."""


@dataclass(frozen=True)
class JoinRequest:
    """What the user asked for, already parsed."""

    clips: tuple[str, ...]          # two or more input paths, in order
    out: str                        # output path (.mp4, .mov, .mkv)
    spec: TransitionSpec = field(default_factory=TransitionSpec)
    overwrite: bool = False
    reencode: bool = False          # force the re-encode path
    cut_frames: tuple[int | None, ...] = ()   # per-cut transition length (None: spec.frames)
    size: tuple[int, int] | None = None       # conform target (w, h); None: the first clip's
    fps: Fraction | None = None               # conform target rate; None: the first clip's
    jobs: int = 1                   # cuts made in parallel
    cache: bool = True              # reuse segments and adaptations of unchanged cuts (cuts.py)
    score: bool = False             # measure each transition (metrics.py)
    preview: bool = False           # write a contact sheet and a GIF of each transition
    timelines: tuple[str, ...] = ()  # editor timelines to write beside OUT (timeline.py formats)


@dataclass(frozen=True)
class JoinResult:
    out: str                        # absolute path written
    passthrough: bool               # True: clips stream-copied, only transitions encoded
    total_frames: int
    cuts: tuple[tuple[int, int], ...]   # (first, last) frame index of each transition in the output
    fps: Fraction
    width: int
    height: int
    has_audio: bool
    timings: dict = field(default_factory=dict)      # stage -> seconds
    cut_results: tuple = ()                          # cuts.CutResult per cut
    previews: tuple[str, ...] = ()                   # files written by --preview
    timeline_files: tuple[str, ...] = ()             # segments + timelines from --timeline


def check_paths(clips: tuple[str, ...], out: str, overwrite: bool) -> str:
    """Validate input/output paths before any work; returns the absolute output path."""
    if len(clips) < 2:
        raise JoinError("join needs at least two clips")
    limits.check_clip_count(len(clips))
    out_abs = os.path.abspath(out)
    splice.muxer_for(out_abs)
    for clip in clips:  # probe() says what is wrong with an input itself
        if os.path.exists(clip) and os.path.exists(out_abs) and os.path.samefile(clip, out_abs):
            raise JoinError(f"{out}: the output would overwrite an input; choose another name")
    if os.path.isdir(out_abs):
        raise JoinError(f"{out}: is a directory; give a file name such as joined.mp4")
    if os.path.exists(out_abs) and not overwrite:
        raise JoinError(f"{out}: already exists (use --overwrite to replace it)")
    folder = os.path.dirname(out_abs)
    if not os.path.isdir(folder):
        raise JoinError(f"{folder}: output folder does not exist")
    try:  # os.access says yes to root even where writing fails (read-only mounts, /proc)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        raise JoinError(f"{folder}: output folder is not writable ({exc.strerror})") from None
    return out_abs


def check_clips(infos: list[probe.ClipInfo]) -> None:
    for info in infos:
        limits.check_size(info.width, info.height, os.path.basename(info.path))


_ALPHA = re.compile(r"^(yuva|gbrap|ya\d)|rgba|bgra|argb|abgr|rgb32|bgr32")


def alpha_notes(infos: list[probe.ClipInfo]) -> list[str]:
    """A clip with an alpha channel (ProRes 4444, PNG in .mov, ...) loses it: say so."""
    return [f"note: {os.path.basename(i.path)} has an alpha channel ({i.pix_fmt}); the output "
            f"has none, so its transparency is dropped" for i in infos if _ALPHA.search(i.pix_fmt)]


def conform_notes(infos: list[probe.ClipInfo], fmt: encode.VideoFormat) -> list[str]:
    """One note per clip that is conformed to the output's size or frame rate."""
    notes = []
    for info in infos:
        changes = []
        if (info.width, info.height) != (fmt.width, fmt.height):
            changes.append(f"{info.width}x{info.height} -> {fmt.width}x{fmt.height} (fit and pad)")
        if info.fps != fmt.fps:
            changes.append(f"{_fps(info.fps)} -> {_fps(fmt.fps)} fps")
        if changes:
            notes.append(f"note: conforming {os.path.basename(info.path)}: " + ", ".join(changes))
    return notes


def _fps(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


CONTEXT = 3  # frames each side of a cut that per-pair adaptation learns from


def context_frames(spec: TransitionSpec) -> int:
    """Frames to read each side of a cut: adaptation learns from a few, the rest need one."""
    return CONTEXT if spec.method == "vae" and spec.adapt_steps > 0 else 1


def cut_frames(ff: FFmpegBinary, infos: list[probe.ClipInfo], size: tuple[int, int],
               context: int = 1, conform: encode.VideoFormat | None = None):
    """[(A's last `context` frames, B's first `context`)] per cut, conformed to size=(w, h).

    A_last is the last of the first list, B_first the first of the second: (H, W, 3) uint8.
    conform: read them through the re-encode's own conform filter (scale, pad, frame rate), so
    the transition starts and ends on the very frames the output shows beside it.
    """
    pairs = []
    for a, b in zip(infos, infos[1:]):
        if conform is not None:
            pairs.append((conformed_tail(ff, a, conform, context),
                          conformed_head(ff, b, conform, context)))
            continue
        tail = frames.last_frames(ff, a, min(context, a.frame_count))
        head = frames.first_frames(ff, b, min(context, b.frame_count))
        pairs.append(([tensors.letterbox(f, size) for f in tail],
                      [tensors.letterbox(f, size) for f in head]))
    return pairs


def _shown(info: probe.ClipInfo, fmt: encode.VideoFormat) -> probe.ClipInfo:
    """info as the conform filter outputs it (fmt's size and rate)."""
    return replace(info, width=fmt.width, height=fmt.height, fps=fmt.fps,
                   frame_count=splice.conformed_frames(info, fmt.fps))


def conformed_head(ff: FFmpegBinary, info: probe.ClipInfo, fmt: encode.VideoFormat, n: int):
    shown = _shown(info, fmt)
    return frames.first_frames(ff, shown, min(n, shown.frame_count), splice.conform_filter(fmt))


def conformed_tail(ff: FFmpegBinary, info: probe.ClipInfo, fmt: encode.VideoFormat, n: int):
    shown, vf = _shown(info, fmt), splice.conform_filter(fmt)
    n = min(n, shown.frame_count)
    if info.fps == fmt.fps:
        return frames.last_frames(ff, replace(shown, fps=info.fps, frame_count=info.frame_count),
                                  n, vf)
    # a frame rate change depends on where decoding starts: decode all, as the splice does
    tail = list(deque(frames.iter_frames(ff, shown, vf=vf), maxlen=n))
    if len(tail) < n:
        raise JoinError(f"{info.path}: decodes to only {len(tail)} frames at {_fps(fmt.fps)} fps")
    return tail


def target_format(req: JoinRequest, first: probe.ClipInfo) -> encode.VideoFormat:
    """The output picture: the first clip's, or --size / --fps."""
    fmt = encode.VideoFormat.of(first)
    w, h = req.size or (fmt.width, fmt.height)
    return replace(fmt, width=w, height=h, fps=req.fps or fmt.fps)


def plan_cuts_of(req: JoinRequest, pairs) -> list[Cut]:
    """One Cut per neighbouring pair, each with its own transition length."""
    lengths = list(req.cut_frames) + [None] * (len(pairs) - len(req.cut_frames))
    return [Cut(k, tuple(tail), tuple(head),
                replace(req.spec, frames=lengths[k]) if lengths[k] else req.spec)
            for k, (tail, head) in enumerate(pairs)]


def build_plan(infos, results, fmt, passthrough, out_tmp, muxer) -> splice.SplicePlan:
    """Order the pieces: clip, transition, clip, ..."""
    pieces = []
    for k, info in enumerate(infos):
        if k:
            pieces.append(splice.Piece(results[k - 1].segment, results[k - 1].frames, fmt.fps))
        pieces.append(splice.Piece(info.path, splice.conformed_frames(info, fmt.fps), info.fps, info))
    return splice.SplicePlan(tuple(pieces), fmt, out_tmp, muxer, passthrough)


def plan_cuts(plan: splice.SplicePlan) -> tuple[tuple[int, int], ...]:
    """(first, last) output frame index of every transition piece."""
    cuts, pos = [], 0
    for p in plan.pieces:
        if p.clip is None:
            cuts.append((pos, pos + p.frames - 1))
        pos += p.frames
    return tuple(cuts)


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def join(req: JoinRequest, ff: FFmpegBinary, log: Callable[[str], None] = lambda s: None,
         model=None, progress: Progress = lambda stage, done, total: None) -> JoinResult:
    """Join req.clips into req.out. The output appears whole or not at all."""
    out_abs = check_paths(req.clips, req.out, req.overwrite)
    sides.check_free(req, out_abs, JoinError)
    if req.size:
        limits.check_size(*req.size)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    infos = []
    for clip in req.clips:
        infos.append(probe.probe(ff, clip))
        progress("probing", len(infos), len(req.clips))
    check_clips(infos)
    fmt = target_format(req, infos[0])
    passthrough = (not req.reencode and fmt == encode.VideoFormat.of(infos[0])
                   and all(splice.can_passthrough(infos[0], i) for i in infos[1:]))
    for note in dict.fromkeys(conform_notes(infos, fmt) + alpha_notes(infos)):  # once per clip
        log(note)
    log(_path_note(infos[0], passthrough, req.reencode, req.spec.frames))
    if req.spec.method == "vae" and model is None:
        from vae_transition.weights import load_model

        model = load_model(device=tensors.pick_device())
    pairs = cut_frames(ff, infos, (fmt.width, fmt.height), context_frames(req.spec),
                       None if passthrough else fmt)
    timings["probe_and_read"] = time.perf_counter() - start
    job = _cut_job(req, ff, fmt, passthrough, model, log)
    plan, results, previews, written = _produce(req, infos, pairs, job, out_abs, timings,
                                                progress)
    return JoinResult(out_abs, passthrough, plan.total_frames, plan_cuts(plan), fmt.fps,
                      fmt.width, fmt.height, plan.has_audio, timings, tuple(results), previews,
                      tuple(written))


def _cut_job(req: JoinRequest, ff, fmt, passthrough: bool, model, log) -> CutJob:
    from vae_transition.adapt import cache_dir

    cache = str(cache_dir() / "segments") if req.cache else None
    digest = model_digest(model) if req.cache else ""
    return CutJob(ff, fmt, passthrough, "", model, digest, cache, req.score, log)


def _produce(req, infos, pairs, job: CutJob, out_abs: str, timings: dict, progress):
    """Make the transitions and splice them in, inside a work folder that is always removed;
    then put the output in place with its side files."""
    out_tmp = outputs.tmp_name(out_abs)
    workdir = tempfile.mkdtemp(prefix="vae-transition-")
    try:
        t0 = time.perf_counter()
        job = replace(job, workdir=workdir)
        results = run_cuts(plan_cuts_of(req, pairs), job, req.jobs,
                           lambda done, total: progress("transitions", done, total))
        t1 = time.perf_counter()
        plan = build_plan(infos, results, job.fmt, job.passthrough, out_tmp,
                          splice.muxer_for(out_abs))
        progress("splicing", 0, 1)
        splice.splice(job.ff, plan)
        check_written(job.ff, out_tmp, plan.total_frames)
        progress("splicing", 1, 1)
        timings.update(transitions=t1 - t0, splice=time.perf_counter() - t1)
        turn = job.fmt.rotation if job.passthrough else 0  # how the segments are stored
        previews, written = sides.publish_all(job.ff, req, infos, results, plan_cuts(plan),
                                              out_tmp, out_abs, turn)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        outputs.remove_quietly(out_tmp)
    return plan, results, previews, written


def check_written(ff: FFmpegBinary, path: str, expected: int) -> None:
    """The spliced file must hold exactly the frames the plan says, or it is not published."""
    got = probe.probe(ff, path).frame_count
    if got != expected:
        raise JoinError(f"the spliced file has {got} frames where the plan has {expected}; "
                        f"nothing was written")


def _path_note(a: probe.ClipInfo, passthrough: bool, forced: bool, n: int) -> str:
    if passthrough:
        return (f"pass-through: clips are stream-copied ({a.codec} {a.pix_fmt} {a.width}x{a.height}"
                f" @ {_fps(a.fps)}); only the {n}-frame transitions are encoded")
    why = ("--reencode" if forced else
           "the clips differ in codec, size, pixel format or frame rate, or are conformed")
    return f"re-encode: everything is encoded once at high quality ({why})"
