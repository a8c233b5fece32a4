"""`vae-transition join`: two or more clips in, one clip out.

Heavy imports happen inside the command, so `--help` is instant.
"""

from __future__ import annotations

import json
import os

import click

from vae_transition.cli.common import (TerminalProgress, check_length_options, ffmpeg_option,
                                       load_for, parse_fps, parse_size, timing_options,
                                       transition_options, user_errors)
from vae_transition.join.cliplist import read_clip_list
from vae_transition.join.summary import summary
from vae_transition.limits import check_clip_count
from vae_transition.timeline.model import parse_formats
from vae_transition.timing import ClipPoints


@click.command()
@click.argument("clips", nargs=-1, type=click.Path(dir_okay=True))
@click.option("--output", "-o", required=True, type=click.Path(), help="Joined clip (.mp4, .mov, .mkv).")
@click.option("--from", "list_file", type=click.Path(dir_okay=False), default=None,
              help="A text file listing the clips, one a line ('#' comments, 'in'/'out' per "
                   "clip, 'frames N' or 'duration TIME' per cut).")
@transition_options
@timing_options
@click.option("--size", default=None, metavar="WxH", help="Conform every clip to this size.")
@click.option("--fps", default=None, metavar="RATE", help="Conform every clip to this rate (24000/1001).")
@click.option("--jobs", "-j", default=None, type=click.IntRange(1), help="Cuts made in parallel [cores].")
@click.option("--no-cache", is_flag=True, help="Recompute everything: no cached transitions or adaptations.")
@click.option("--preview", is_flag=True, help="Also write OUT.cutNN.png and OUT.cutNN.gif per transition.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON summary on stdout (frame ranges are half-open: [start, end)).")
@click.option("--timeline", "timelines", default=None, metavar="FORMATS",
              help="Also write editor timelines beside OUTPUT: otio,fcp7,fcpxml,edl,mlt.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--reencode", is_flag=True, help="Re-encode everything instead of stream-copying the clips.")
@ffmpeg_option
@click.option("--quiet", "-q", is_flag=True, help="No notes or progress on stderr.")
@user_errors
def join(clips, output, list_file, frames, method, path_kind, seed, adapt_steps, motion_blur,
         model_path, overlap, duration, a_out, b_in, size, fps, jobs, no_cache, preview, as_json,
         timelines, overwrite, reencode, ffmpeg_path, quiet):
    """Join CLIPS (two or more) with a transition at every cut.

    \b
    Examples:
      vae-transition join a.mp4 b.mp4 -o joined.mp4 --frames 24
      vae-transition join a.mp4 b.mp4 -o joined.mp4 --overlap --duration 1s
      vae-transition join a.mp4 b.mp4 -o joined.mp4 --a-out 2s --b-in 00:00:01:00
      vae-transition join --from reel.txt -o reel.mp4 --size 1280x768 --fps 24 --preview
    """
    from ffmpeg_scripts.locate import find_ffmpeg
    from vae_transition.join.pipeline import JoinRequest
    from vae_transition.join.pipeline import join as run_join
    from vae_transition.morph.transition import TransitionSpec

    check_length_options(click.get_current_context(), duration)
    clips, lengths, points = _clip_args(clips, list_file, a_out, b_in)
    spec = TransitionSpec(frames=frames, method=method, path=path_kind, seed=seed,
                          adapt_steps=adapt_steps, motion_blur=motion_blur, overlap=overlap)
    request = JoinRequest(clips, output, spec, overwrite=overwrite, reencode=reencode,
                          cut_lengths=lengths, duration=duration, points=points,
                          size=parse_size(size), fps=parse_fps(fps),
                          jobs=jobs or os.cpu_count() or 1, cache=not no_cache, score=as_json,
                          preview=preview, timelines=_timeline_formats(timelines))
    bar = TerminalProgress(not quiet)
    log = (lambda s: None) if quiet else bar.note
    try:
        result = run_join(request, find_ffmpeg(ffmpeg_path), log, load_for(model_path, method), bar)
    finally:
        bar.close()
    log(f"wrote {result.total_frames} frames ({result.width}x{result.height}, "
        f"{'with' if result.has_audio else 'no'} audio), transitions at frames "
        + ", ".join(f"{start}-{end - 1}" for start, end in result.cuts))
    for path in (*result.previews, *result.timeline_files):
        log(f"wrote {path}")
    click.echo(_summary_json(result, spec) if as_json else result.out)


def _timeline_formats(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(parse_formats(value))


def _clip_args(clips, list_file, a_out, b_in):
    """(clips, per-cut lengths, per-clip in/out points) from the arguments or a --from list."""
    if list_file and clips:
        raise click.UsageError("give the clips as arguments or with --from, not both")
    if list_file:
        if a_out or b_in:
            raise click.UsageError("--a-out and --b-in are for two clips; in a list, give each "
                                   "clip 'in' and 'out' lines")
        parsed = read_clip_list(list_file)
        check_clip_count(len(parsed.clips))
        return parsed.clips, parsed.cut_lengths, parsed.points
    if len(clips) < 2:
        raise click.UsageError("join needs at least two clips (or --from LIST)")
    check_clip_count(len(clips))
    if (a_out or b_in) and len(clips) != 2:
        raise click.UsageError("--a-out and --b-in are for two clips; for a chain, use --from "
                               "with 'in' and 'out' lines per clip")
    return tuple(clips), (), (ClipPoints(end=a_out), ClipPoints(start=b_in))


def _summary_json(result, spec) -> str:
    """The --json summary (join/summary.py)."""
    return json.dumps(summary(result, spec), indent=2)
