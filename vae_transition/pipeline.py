"""join: clips in, one joined clip out. Probe, grab the frames at each cut, make the transitions,
encode them, splice everything, and only then put the result in place.

Nothing here exits or prints: progress notes go to a `log` callable; problems raise JoinError or
the ffmpeg_scripts / model errors, which the CLI turns into one-line messages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from ffmpeg_scripts import encode, frames, probe, splice
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import tensors
from vae_transition.transition import TransitionSpec, make_transition


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


def check_paths(clips: tuple[str, ...], out: str, overwrite: bool) -> str:
    """Validate input/output paths before any work; returns the absolute output path."""
    if len(clips) < 2:
        raise JoinError("join needs at least two clips")
    out_abs = os.path.abspath(out)
    splice.muxer_for(out_abs)
    for clip in clips:
        if not os.path.exists(clip):
            raise JoinError(f"{clip}: no such file")
        if os.path.isdir(clip):
            raise JoinError(f"{clip}: is a directory, not a video file")
        if os.path.exists(out_abs) and os.path.samefile(clip, out_abs):
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


def conform_notes(infos: list[probe.ClipInfo]) -> list[str]:
    """One note per clip that is conformed to the first clip's size or frame rate."""
    a, notes = infos[0], []
    for info in infos[1:]:
        changes = []
        if (info.width, info.height) != (a.width, a.height):
            changes.append(f"{info.width}x{info.height} -> {a.width}x{a.height} (fit and pad)")
        if info.fps != a.fps:
            changes.append(f"{_fps(info.fps)} -> {_fps(a.fps)} fps")
        if changes:
            notes.append(f"note: conforming {os.path.basename(info.path)} to the first clip: "
                         + ", ".join(changes))
    return notes


def _fps(fps: Fraction) -> str:
    return str(fps.numerator) if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"


def _tmp_name(out_abs: str) -> str:
    """A hidden temporary name beside the output, same extension (same filesystem for rename)."""
    folder, name = os.path.split(out_abs)
    stem, ext = os.path.splitext(name)
    return os.path.join(folder, f".{stem}.tmp-{os.getpid()}{ext}")


CONTEXT = 3  # frames each side of a cut that per-pair adaptation learns from


def cut_frames(ff: FFmpegBinary, infos: list[probe.ClipInfo], size: tuple[int, int],
               context: int = 1):
    """[(A's last `context` frames, B's first `context`)] per cut, conformed to size=(w, h).

    A_last is the last of the first list, B_first the first of the second: (H, W, 3) uint8.
    """
    pairs = []
    for a, b in zip(infos, infos[1:]):
        tail = frames.last_frames(ff, a, min(context, a.frame_count))
        head = frames.first_frames(ff, b, min(context, b.frame_count))
        pairs.append(([tensors.letterbox(f, size) for f in tail],
                      [tensors.letterbox(f, size) for f in head]))
    return pairs


def pair_model(model, tail, head, spec: TransitionSpec, log: Callable[[str], None]):
    """The model for one cut: adapted to the pair (cached) unless adaptation is off."""
    if model is None or spec.method != "vae" or spec.adapt_steps == 0:
        return model
    from vae_transition.adapt import AdaptConfig, adapt, pair_images

    images = pair_images(tail, head, spec.long_side, model.cfg.downsample)
    tuned, seconds, hit = adapt(model, images, AdaptConfig(steps=spec.adapt_steps), spec.seed)
    log(f"adapted the model to the pair: {'cached, ' if hit else ''}{seconds:.1f} s")
    return tuned


def encode_transitions(ff, pairs, spec: TransitionSpec, fmt: encode.VideoFormat, passthrough: bool,
                       workdir: str, model=None, log: Callable[[str], None] = lambda s: None):
    """Encode one segment per cut into workdir; returns their paths."""
    paths = []
    for k, (tail, head) in enumerate(pairs):
        ext = ".mp4" if passthrough else ".mkv"
        path = os.path.join(workdir, f"transition-{k:03d}{ext}")
        tuned = pair_model(model, tail, head, spec, log)
        frames_iter = make_transition(tail[-1], head[0], spec, tuned)
        if passthrough:
            n = encode.encode_segment(ff, frames_iter, fmt, path)
        else:
            n = encode.encode_lossless(ff, frames_iter, fmt.width, fmt.height, fmt.fps, path)
        if n != spec.frames:
            raise RuntimeError(f"transition {k} has {n} frames, expected {spec.frames}")
        paths.append(path)
    return paths


def build_plan(infos, segments, spec, fmt, passthrough, out_tmp, muxer) -> splice.SplicePlan:
    """Order the pieces: clip, transition, clip, ..."""
    pieces = []
    for k, info in enumerate(infos):
        if k:
            pieces.append(splice.Piece(segments[k - 1], spec.frames, fmt.fps))
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


def join(req: JoinRequest, ff: FFmpegBinary, log: Callable[[str], None] = lambda s: None,
         model=None) -> JoinResult:
    """Join req.clips into req.out. The output appears whole or not at all."""
    out_abs = check_paths(req.clips, req.out, req.overwrite)
    muxer = splice.muxer_for(out_abs)
    infos = [probe.probe(ff, c) for c in req.clips]
    fmt = encode.VideoFormat.of(infos[0])
    passthrough = not req.reencode and all(splice.can_passthrough(infos[0], i) for i in infos[1:])
    for note in conform_notes(infos):
        log(note)
    log(_path_note(infos, passthrough, req.reencode, req.spec.frames))
    if req.spec.method == "vae" and model is None:
        from vae_transition.weights import load_model

        model = load_model(device=tensors.pick_device())
    adapting = req.spec.method == "vae" and req.spec.adapt_steps > 0
    pairs = cut_frames(ff, infos, (fmt.width, fmt.height), CONTEXT if adapting else 1)
    out_tmp = _tmp_name(out_abs)
    workdir = tempfile.mkdtemp(prefix="vae-transition-")
    try:
        segments = encode_transitions(ff, pairs, req.spec, fmt, passthrough, workdir, model, log)
        plan = build_plan(infos, segments, req.spec, fmt, passthrough, out_tmp, muxer)
        splice.splice(ff, plan)
        os.replace(out_tmp, out_abs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if os.path.exists(out_tmp):
            os.remove(out_tmp)
    return JoinResult(out_abs, passthrough, plan.total_frames, plan_cuts(plan), fmt.fps,
                      fmt.width, fmt.height, plan.has_audio)


def _path_note(infos, passthrough: bool, forced: bool, n: int) -> str:
    a = infos[0]
    if passthrough:
        return (f"pass-through: clips are stream-copied ({a.codec} {a.pix_fmt} {a.width}x{a.height}"
                f" @ {_fps(a.fps)}); only the {n}-frame transitions are encoded")
    why = "--reencode" if forced else "the clips differ in codec, size, pixel format or frame rate"
    return f"re-encode: everything is encoded once at high quality ({why})"
