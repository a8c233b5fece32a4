"""The `vae-transition` command group: one module a command (join, batch, export, score, demo,
train, the editor integrations in editors.py; info here), all thin over the library.

Heavy imports (torch, cv2, the pipeline) happen inside the commands so `--help` is instant. The
library raises; only the CLI (user_errors in common.py) turns exceptions into a one-line message
and an exit code.
"""

from __future__ import annotations

import gc

import click

from ffmpeg_scripts.process import kill_running
from vae_transition import __version__
from vae_transition.cli.batch import batch
from vae_transition.cli.common import catch_signals, exit_interrupted, ffmpeg_option, user_errors
from vae_transition.cli.demo import demo
from vae_transition.cli.editors import blender_addon, comfyui_node
from vae_transition.cli.export import export
from vae_transition.cli.join import join
from vae_transition.cli.score import score
from vae_transition.cli.train import train
from vae_transition.heap import keep_freed_memory


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vae-transition")
def cli():
    """Join video clips with a VAE morph instead of a cut or a crossfade."""


def main():
    """Console entry point: Ctrl-C, SIGTERM or SIGHUP anywhere (even while importing torch)
    cleans up and exits 128 + the signal (130, 143, 129), quietly."""
    catch_signals()
    keep_freed_memory()  # every frame's arrays reuse the last one's memory (heap.py)
    try:
        cli()
    except KeyboardInterrupt as exc:
        exit_interrupted(exc)
    finally:
        # a child left running by an interrupted step (a frame reader suspended in a
        # traceback) must not outlive us: it would go on until it next writes to our pipe
        kill_running()
        # the interpreter's exit collects every object torch created (~0.25 s of a 6 s join):
        # frozen objects are skipped, and nothing of ours waits for a collection to clean up
        gc.freeze()


@cli.command()
@ffmpeg_option
@user_errors
def info(ffmpeg_path):
    """Say which ffmpeg, device and model would be used."""
    from ffmpeg_scripts.locate import find_ffmpeg

    ff = find_ffmpeg(ffmpeg_path)
    click.echo(f"vae-transition {__version__}")
    click.echo(f"ffmpeg: {ff.path} ({ff.source}, version {ff.version})")
    import torch

    from vae_transition.tensors import pick_device
    from vae_transition.weights import load_model, shipped_weights_path

    click.echo(f"torch: {torch.__version__}, device: {pick_device()}")
    model = load_model()
    params = sum(p.numel() for p in model.parameters())
    click.echo(f"model: {shipped_weights_path()} ({params / 1e6:.2f} M parameters, "
               f"downsample x{model.cfg.downsample}, {model.cfg.latent_channels} latent channels)")


for _command in (join, batch, export, score, demo, train, blender_addon, comfyui_node):
    cli.add_command(_command)

if __name__ == "__main__":
    main()
