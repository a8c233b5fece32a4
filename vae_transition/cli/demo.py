"""`vae-transition demo`: two sample clips joined, and a contact sheet of the transition.
"""

from __future__ import annotations

import click

from vae_transition.cli.common import ffmpeg_option, load_for, note, transition_options, user_errors


@click.command()
@click.option("--out", "-o", "out_dir", default="vae-transition-demo", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the demo clips and results.")
@transition_options
@ffmpeg_option
@user_errors
def demo(out_dir, frames, method, path_kind, seed, adapt_steps, motion_blur, model_path,
         ffmpeg_path):
    """Make two sample clips, join them, and write a contact sheet of the transition.

    \b
    Example:
      vae-transition demo --out demo/
    """
    from ffmpeg_scripts.locate import find_ffmpeg
    from vae_transition.join.demo import run_demo
    from vae_transition.morph.transition import TransitionSpec

    spec = TransitionSpec(frames=frames, method=method, path=path_kind, seed=seed,
                          adapt_steps=adapt_steps, motion_blur=motion_blur)
    paths = run_demo(out_dir, find_ffmpeg(ffmpeg_path), spec, load_for(model_path, method), note)
    for label, path in paths.items():
        click.echo(f"{label}: {path}")
