"""`vae-transition score`: measure a transition inside a joined file.
"""

from __future__ import annotations

import json

import click

from vae_transition.cli.common import ffmpeg_option, user_errors


@click.command()
@click.argument("joined", type=click.Path(exists=True, dir_okay=False))
@click.option("--at", "first", required=True, type=click.IntRange(1),
              help="Index of the first transition frame (join prints it: 'transitions at frames 72-95').")
@click.option("--frames", "-n", required=True, type=click.IntRange(1), help="Transition length N.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@ffmpeg_option
@user_errors
def score(joined, first, frames, as_json, ffmpeg_path):
    """Measure a transition inside JOINED: splice ratio, pacing, dissolve fit, mid sharpness,
    novelty and coherence, each against its goal.

    \b
    Example:
      vae-transition score joined.mp4 --at 72 --frames 24
    """
    from ffmpeg_scripts import frames as frame_io
    from ffmpeg_scripts.locate import find_ffmpeg
    from ffmpeg_scripts.probe import probe
    from vae_transition.metrics import GOALS, score_transition

    ff = find_ffmpeg(ffmpeg_path)
    info_ = probe(ff, joined)
    if first + frames >= info_.frame_count:
        raise click.ClickException(f"{joined} has {info_.frame_count} frames: a {frames}-frame "
                                   f"transition at {first} needs a frame after it")
    seq = list(frame_io.iter_frames(ff, info_, start=first - 1, count=frames + 2))
    scores = score_transition(seq[0], seq[1:-1], seq[-1])
    if as_json:
        click.echo(json.dumps({"scores": scores.as_dict(), "meets_goals": scores.meets_goals()}))
        return
    met = scores.meets_goals()
    for name, value in scores.as_dict().items():
        op, limit = GOALS[name]
        click.echo(f"{name:14s} {value:7.3f}   goal {op} {limit}   {'ok' if met[name] else 'MISS'}")
