"""join: clips in, one joined clip out. Probe, resolve the cut points and lengths, lay the output
out (layout.py), grab the frames at each cut, make the transitions, encode them and the
smart-render segments, splice everything (assemble.py, splice.py), and only then put the result
in place.

Nothing here exits or prints: progress notes go to a `log` callable; problems raise JoinError or
the ffmpeg_scripts / model errors, which the CLI turns into one-line messages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ffmpeg_scripts import encode, probe, splice
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import limits, outputs, tensors
from vae_transition.digests import model_digest
from vae_transition.join import assemble, clipframes
from vae_transition.join import plan as layout
from vae_transition.join import sides
from vae_transition.join.cuts import Cut, CutJob, run_cuts
from vae_transition.morph.transition import TransitionSpec
from vae_transition.timing import fps_text
from vae_transition.train.adapt import cache_dir


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
    cut_lengths: tuple = ()         # per cut: frames (int), a timing.Time, or None (the default)
    duration: object = None         # timing.Time: the default length in time (else spec.frames)
    points: tuple = ()              # per clip: timing.ClipPoints (in/out), or None (whole clip)
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
    reencoded: int = 0              # clip frames a stream-copied join re-encoded (smart render)
    ranges: tuple[tuple[int, int], ...] = ()   # per clip: the frames shown outside transitions


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


def conform_notes(infos: list[probe.ClipInfo], fmt: encode.VideoFormat) -> list[str]:
    """One note per clip that is conformed to the output's size or frame rate."""
    notes = []
    for info in infos:
        changes = []
        if (info.width, info.height) != (fmt.width, fmt.height):
            changes.append(f"{info.width}x{info.height} -> {fmt.width}x{fmt.height} (fit and pad)")
        if info.fps != fmt.fps:
            changes.append(f"{fps_text(info.fps)} -> {fps_text(fmt.fps)} fps")
        if changes:
            notes.append(f"note: conforming {os.path.basename(info.path)}: " + ", ".join(changes))
    return notes



def target_format(req: JoinRequest, first: probe.ClipInfo) -> encode.VideoFormat:
    """The output picture: the first clip's, or --size / --fps."""
    fmt = encode.VideoFormat.of(first)
    w, h = req.size or (fmt.width, fmt.height)
    return replace(fmt, width=w, height=h, fps=req.fps or fmt.fps)


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def join(req: JoinRequest, ff: FFmpegBinary, log: Callable[[str], None] = lambda s: None,
         model=None, progress: Progress = lambda stage, done, total: None) -> JoinResult:
    """Join req.clips into req.out. The output appears whole or not at all."""
    out_abs = check_paths(req.clips, req.out, req.overwrite)
    sides.check_free(req, out_abs, JoinError)
    if req.size:
        limits.check_size(*req.size)
    start = time.perf_counter()
    infos = probe_all(ff, req.clips, progress)
    fmt = target_format(req, infos[0])
    passthrough = (not req.reencode and fmt == encode.VideoFormat.of(infos[0])
                   and all(splice.can_passthrough(infos[0], i) for i in infos[1:]))
    for note in dict.fromkeys(conform_notes(infos, fmt) + clipframes.alpha_notes(infos)):
        log(note)
    ranges, lengths = resolve_timing(req, infos, fmt)
    uses, cut_uses = layout.lay_out(ranges, lengths, req.spec.overlap,
                                    [os.path.basename(c) for c in req.clips])
    log(_path_note(infos[0], passthrough, req.reencode, lengths[0]))
    if req.spec.method == "vae" and model is None:
        from vae_transition.weights import load_model  # torch: only when a model is needed

        model = load_model(device=tensors.pick_device())
    cuts = read_cuts(ff, req, infos, uses, cut_uses, lengths, fmt, passthrough)
    parts = layout.parts(uses, cut_uses, [i.keyframes for i in infos] if passthrough else None,
                         [i.frame_count for i in infos], [i.exact_seek for i in infos])
    timings = {"probe_and_read": time.perf_counter() - start}
    job = _cut_job(req, ff, fmt, passthrough, model, log)
    plan, results, previews, written = _produce(req, infos, uses, cuts, parts, job, out_abs,
                                                timings, progress)
    reencoded = layout.reencoded_frames(parts) if passthrough else 0
    if passthrough and any(p.kind != "clip" or (p.start, p.end) != (0, infos[p.index].frame_count)
                           for p in parts if p.kind != "transition"):
        log(f"smart render: {reencoded} clip frames re-encoded around the cuts (the GOPs they "
            f"cut into), {plan.total_frames - reencoded - sum(lengths)} stream-copied")
    return JoinResult(out_abs, passthrough, plan.total_frames, assemble.transition_spans(parts),
                      fmt.fps, fmt.width, fmt.height, plan.has_audio, timings, tuple(results),
                      previews, tuple(written), reencoded, tuple(u.body for u in uses))


def probe_all(ff: FFmpegBinary, clips, progress: Progress) -> list[probe.ClipInfo]:
    infos = []
    for clip in clips:
        infos.append(probe.probe(ff, clip))
        progress("probing", len(infos), len(clips))
    check_clips(infos)
    return infos


def resolve_timing(req: JoinRequest, infos, fmt) -> tuple[list[tuple[int, int]], list[int]]:
    """Each clip's [in, out + 1) and each cut's length in frames at the output's rate."""
    ranges = clipframes.clip_ranges(infos, req.points, fmt)
    default = (req.duration.to_frames(fmt.fps) if req.duration is not None else req.spec.frames)
    lengths = []
    for k in range(len(infos) - 1):
        given = req.cut_lengths[k] if k < len(req.cut_lengths) else None
        n = given if isinstance(given, int) or given is None else given.to_frames(fmt.fps)
        lengths.append(limits.check_frames(default if n is None else n,
                                           "--duration" if n is None else f"cut {k + 1}'s length"))
    return ranges, lengths


def read_cuts(ff, req: JoinRequest, infos, uses, cut_uses, lengths, fmt, passthrough: bool):
    """Every cut's input frames (conformed when the join conforms) as a cuts.Cut."""
    extra = clipframes.context_frames(req.spec)
    cuts = []
    for k, use in enumerate(cut_uses):
        tail, head = clipframes.cut_inputs(ff, infos[k], infos[k + 1], use, uses[k].first,
                                           uses[k + 1].end, extra, fmt, not passthrough)
        cuts.append(Cut(k, tuple(tail), tuple(head), replace(req.spec, frames=lengths[k])))
    return cuts


def _cut_job(req: JoinRequest, ff, fmt, passthrough: bool, model, log) -> CutJob:
    cache = str(cache_dir() / "segments") if req.cache else None
    digest = model_digest(model) if req.cache else ""
    return CutJob(ff, fmt, passthrough, "", model, digest, cache, req.score, log)


def _produce(req, infos, uses, cuts, parts, job: CutJob, out_abs: str, timings: dict, progress):
    """Make the transitions and the smart-render segments and splice them in, inside a work
    folder that is always removed; then put the output in place with its side files."""
    out_tmp = outputs.tmp_name(out_abs)
    workdir = tempfile.mkdtemp(prefix="vae-transition-")
    try:
        t0 = time.perf_counter()
        job = replace(job, workdir=workdir)
        results = run_cuts(cuts, job, req.jobs,
                           lambda done, total: progress("transitions", done, total))
        t1 = time.perf_counter()
        pieces = assemble.pieces(job.ff, parts, infos, [r.segment for r in results], job.fmt,
                                 job.passthrough, workdir)
        t2 = time.perf_counter()
        plan = splice.SplicePlan(pieces, job.fmt, out_tmp, splice.muxer_for(out_abs),
                                 job.passthrough, assemble.sounds(infos, uses),
                                 tuple(c.spec.frames for c in cuts))
        progress("splicing", 0, 1)
        splice.splice(job.ff, plan)
        check_written(job.ff, out_tmp, plan.total_frames)
        progress("splicing", 1, 1)
        timings.update(transitions=t1 - t0, smart_render=t2 - t1, splice=time.perf_counter() - t2)
        turn = job.fmt.rotation if job.passthrough else 0  # how the segments are stored
        ranges = assemble.source_ranges(infos, uses, job.fmt.fps)
        previews, written = sides.publish_all(job.ff, req, infos, results,
                                              assemble.transition_spans(parts), out_tmp, out_abs,
                                              turn, ranges)
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
                f" @ {fps_text(a.fps)}); only the {n}-frame transitions are encoded")
    why = ("--reencode" if forced else
           "the clips differ in codec, size, pixel format or frame rate, or are conformed")
    return f"re-encode: everything is encoded once at high quality ({why})"
