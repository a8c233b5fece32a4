"""`vae-transition score`: measure the transitions inside a joined file.
"""

from __future__ import annotations

import json
import os

import click

from vae_transition.cli.common import ffmpeg_option, user_errors


@click.command()
@click.argument("joined", type=click.Path(exists=True, dir_okay=False))
@click.option("--at", "first", default=None, type=click.IntRange(1),
              help="Index of the first transition frame (join prints it: 'transitions at frames "
                   "72-95'). Default: every transition the file records.")
@click.option("--frames", "-n", default=None, type=click.IntRange(1),
              help="Transition length N (with --at; default: the recorded one).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON instead of a table (frame ranges are half-open: [start, end)).")
@ffmpeg_option
@user_errors
def score(joined, first, frames, as_json, ffmpeg_path):
    """Measure the transitions inside JOINED: splice ratio, pacing, dissolve fit, mid
    sharpness (at three scales), novelty, coherence and wholeness, each against its goal, and
    coherence in place (no goal).

    `join` records where it put its transitions in the file, so JOINED alone is enough; --at
    and --frames measure any other span.

    \b
    Examples:
      vae-transition score joined.mp4
      vae-transition score joined.mp4 --at 72 --frames 24
    """
    from ffmpeg_scripts.locate import find_ffmpeg
    from ffmpeg_scripts.probe import probe
    from vae_transition.join.record import transitions

    ff = find_ffmpeg(ffmpeg_path)
    info = probe(ff, joined)
    spans = _spans(joined, info, transitions(info), first, frames)
    results = [(span, _measure(ff, info, *span)) for span in spans]
    if as_json:
        rows = [{"frames": list(span), "scores": s.as_dict(), "meets_goals": s.meets_goals()}
                for span, s in results]
        click.echo(json.dumps(rows[0] if first else {"transitions": rows}))
        return
    for k, ((start, end), s) in enumerate(results, 1):
        if len(results) > 1 or not first:
            click.echo(f"transition {k}: frames {start}-{end - 1}")
        _table(s)


def _spans(name: str, info, recorded, first: int | None, frames: int | None):
    """The [start, end) spans to measure: --at/--frames, else the file's record."""
    if first is None:
        if frames is not None:
            raise click.UsageError("--frames goes with --at; without them, score measures the "
                                   "transitions the file records")
        if recorded is None:
            raise click.ClickException(
                f"{name}: records no transitions (it was not written by vae-transition join, "
                f"or was re-encoded since); give the first transition frame and the length: "
                f"--at FIRST --frames N")
        return recorded
    if frames is None:
        frames = next((e - s for s, e in recorded or () if s == first), None)
        if frames is None:
            raise click.UsageError(f"{os.path.basename(name)} records no transition at frame "
                                   f"{first}; give its length with --frames")
    if first + frames >= info.frame_count:
        raise click.ClickException(f"{name} has {info.frame_count} frames: a {frames}-frame "
                                   f"transition at {first} needs a frame after it")
    return [(first, first + frames)]


def _measure(ff, info, start: int, end: int):
    """The scores of output frames [start, end) against the frame on each side."""
    from ffmpeg_scripts import frames as frame_io
    from vae_transition.metrics import score_transition

    seq = list(frame_io.iter_frames(ff, info, start=start - 1, count=end - start + 2))
    return score_transition(seq[0], seq[1:-1], seq[-1])


def _table(scores) -> None:
    from vae_transition.metrics import GOALS

    values = scores.as_dict()
    met, width = scores.meets_goals(), max(len(name) for name in values)
    for name, value in values.items():
        if name not in GOALS:  # reported beside the goals, e.g. coherence in place
            click.echo(f"{name:{width}s} {value:7.3f}   (no goal)")
            continue
        op, limit = GOALS[name]
        click.echo(f"{name:{width}s} {value:7.3f}   goal {op} {limit:<4}   "
                   f"{'ok' if met[name] else 'MISS'}")
