"""`vae-transition export A B -o OUT`: the transition segment alone, for an editor's timeline.

Registered in app.py. Heavy imports happen inside the command.
"""

from __future__ import annotations

import dataclasses
import os

import click

from vae_transition import limits
from vae_transition.cli.common import (TerminalProgress, check_length_options, ffmpeg_option,
                                       load_for, timing_options, transition_options, user_errors)
from vae_transition.timeline.model import EXTENSIONS, build_timeline, parse_formats
from vae_transition.timing import ClipPoints, fps_text

# The keys of export.formats.FORMATS (kept here so --help needs no numpy; a test keeps them in step).
FORMAT_NAMES = ("prores", "prores4444", "dnxhr", "dnxhr-hqx", "h264", "png", "tiff", "exr")
TIMELINE_NAMES = ("otio", "fcp7", "fcpxml", "edl", "mlt")


@click.command()
@click.argument("clip_a", type=click.Path(dir_okay=True))
@click.argument("clip_b", type=click.Path(dir_okay=True))
@click.option("--output", "-o", required=True, type=click.Path(),
              help="Segment file (.mov/.mxf/.mp4 by format), or a folder for image sequences.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="prores",
              show_default=True, help="Codec and container (see docs/editors.md).")
@click.option("--handles", default=0, show_default=True, type=click.IntRange(0, 1000),
              help="Extra frames at each end: held copies of A's last and B's first frame (with --overlap: the clips' own frames beside the overlap).")
@click.option("--reel", default=None, metavar="NAME",
              help="Reel name written into .mov/.mxf and the timelines (default: output name).")
@click.option("--timecode", default="00:00:00:00", show_default=True, metavar="HH:MM:SS:FF",
              help="Start timecode of the segment's first frame (handles included).")
@click.option("--timeline", "timelines", default="", metavar="LIST",
              help="Also write timelines placing A, the segment and B: any of "
                   "otio,fcp7,fcpxml,edl,mlt (comma-separated).")
@transition_options
@timing_options
@click.option("--overwrite", is_flag=True, help="Replace the output (and timelines) if they exist.")
@click.option("--no-cache", is_flag=True,
              help="Make the transition anew: no cached transition (join's) or adaptation.")
@ffmpeg_option
@click.option("--quiet", "-q", is_flag=True, help="No notes or progress on stderr.")
@user_errors
def export(clip_a, clip_b, output, fmt, handles, reel, timecode, timelines, model_path, overwrite,
           no_cache, ffmpeg_path, quiet, duration, a_out, b_in, **transition):
    """Write the transition from CLIP_A to CLIP_B alone, in an editor's format.

    \b
    Examples:
      vae-transition export a.mp4 b.mp4 -o morph.mov
      vae-transition export a.mp4 b.mp4 -o morph.mxf --format dnxhr --handles 12
      vae-transition export a.mp4 b.mp4 -o shots/morph --format exr
      vae-transition export a.mp4 b.mp4 -o morph.mov --timeline otio,fcp7,fcpxml,edl
      vae-transition export a.mp4 b.mp4 -o morph.mov --overlap --duration 1s --handles 12
    """
    from ffmpeg_scripts.locate import find_ffmpeg
    from ffmpeg_scripts.probe import probe
    from vae_transition.export import formats as ex
    from vae_transition.export import write as exw
    from vae_transition.join.export import export_segment
    from vae_transition.morph.transition import TransitionSpec
    from vae_transition.timeline.write import write_timelines

    check_length_options(click.get_current_context(), duration)
    spec = ex.ExportSpec(fmt, handles, reel, timecode, overwrite)
    # every option of transition_options, whatever it grows to (--path is TransitionSpec.path)
    tspec = TransitionSpec(**{("path" if k == "path_kind" else k): v
                              for k, v in transition.items()})
    kinds = parse_formats(timelines)
    _check_clips(clip_a, clip_b)
    out_abs = ex.check_output(output, spec, [clip_a, clip_b])
    base = os.path.splitext(out_abs)[0]
    _check_timelines(kinds, ex.FORMATS[fmt].sequence, [base + EXTENSIONS[k] for k in kinds],
                     overwrite)
    ff = find_ffmpeg(ffmpeg_path)
    a, b = probe(ff, clip_a), probe(ff, clip_b)
    if duration is not None:
        tspec = dataclasses.replace(tspec, frames=limits.check_frames(duration.to_frames(a.fps),
                                                                      "--duration"))
    model = load_for(model_path, tspec.method)
    bar = TerminalProgress(not quiet)
    log = (lambda s: None) if quiet else bar.note
    try:
        result = export_segment(ff, a, b, tspec, spec, out_abs, model, log,
                                (ClipPoints(end=a_out), ClipPoints(start=b_in)),
                                cache=not no_cache, progress=bar)
    finally:
        bar.close()
    log(f"wrote {result.frames} frames ({tspec.frames} + 2 x {handles} handles"
        f"{', overlapping the clips' if tspec.overlap else ''}), {_what(ex.FORMATS[fmt], out_abs)}"
        f", {result.width}x{result.height} @ {fps_text(result.fps)} fps, reel {result.reel}, "
        f"starting {timecode}")
    click.echo(result.path)
    if kinds:
        tl = build_timeline(os.path.basename(base), [a, b], [exw.timeline_segment(result)],
                            [exw.clip_timecode(ff, a), exw.clip_timecode(ff, b)],
                            ranges=result.ranges, overlap=tspec.overlap)
        for path in write_timelines(tl, kinds, base):
            click.echo(path)


def _what(fmt, out_abs: str) -> str:
    """"Avid DNxHR HQ, 8-bit 4:2:2 in .mxf": the format and the container actually written."""
    return fmt.about if fmt.sequence else f"{fmt.about} in {os.path.splitext(out_abs)[1]}"


def _check_clips(*clips: str) -> None:
    for clip in clips:
        if not os.path.exists(clip):
            raise click.ClickException(f"{clip}: no such file")
        if os.path.isdir(clip):
            raise click.ClickException(f"{clip}: is a directory, not a video file")


def _check_timelines(kinds: list[str], sequence: bool, paths: list[str], overwrite: bool) -> None:
    """Fail before the morph: formats that cannot reference a sequence, files in the way."""
    xml = [k for k in kinds if k in ("fcp7", "fcpxml", "mlt")]
    if sequence and xml:
        raise click.ClickException(
            f"--timeline {','.join(xml)} cannot reference an image sequence; export a movie "
            f"(--format prores, dnxhr or h264) for it, or use --timeline otio,edl")
    for path in paths:
        if os.path.exists(path) and not overwrite:
            raise click.ClickException(f"{path}: already exists (use --overwrite to replace it)")
