"""The `vae-transition` command line: thin commands over the library.

Heavy imports (torch, cv2, the pipeline) happen inside the commands so `--help` is instant. The
library raises; only the CLI (user_errors in cli_common) turns exceptions into a one-line message
and an exit code.
"""

from __future__ import annotations

import click

from vae_transition import __version__
from vae_transition.cli_common import (TerminalProgress, catch_signals, check_length_options,
                                       exit_interrupted, ffmpeg_option, load_for, note,
                                       parse_fps, parse_size, timing_options, transition_options,
                                       user_errors)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vae-transition")
def cli():
    """Join video clips with a VAE morph instead of a cut or a crossfade."""


def main():
    """Console entry point: Ctrl-C, SIGTERM or SIGHUP anywhere (even while importing torch)
    cleans up and exits 128 + the signal (130, 143, 129), quietly."""
    catch_signals()
    try:
        cli()
    except KeyboardInterrupt as exc:
        exit_interrupted(exc)


@cli.command()
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
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option("--timeline", "timelines", default=None, metavar="FORMATS",
              help="Also write editor timelines beside OUTPUT: otio,fcp7,fcpxml,edl,mlt.")
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--reencode", is_flag=True, help="Re-encode everything instead of stream-copying the clips.")
@ffmpeg_option
@click.option("--quiet", "-q", is_flag=True, help="No notes or progress on stderr.")
@user_errors
def join(clips, output, list_file, frames, method, path_kind, seed, adapt_steps, model_path,
         overlap, duration, a_out, b_in, size, fps, jobs, no_cache, preview, as_json, timelines,
         overwrite, reencode, ffmpeg_path, quiet):
    """Join CLIPS (two or more) with a transition at every cut.

    \b
    Examples:
      vae-transition join a.mp4 b.mp4 -o joined.mp4 --frames 24
      vae-transition join a.mp4 b.mp4 -o joined.mp4 --overlap --duration 1s
      vae-transition join a.mp4 b.mp4 -o joined.mp4 --a-out 2s --b-in 00:00:01:00
      vae-transition join --from reel.txt -o reel.mp4 --size 1280x768 --fps 24 --preview
    """
    import os

    from ffmpeg_scripts.locate import find_ffmpeg
    from vae_transition.pipeline import JoinRequest, join as run_join
    from vae_transition.transition import TransitionSpec

    check_length_options(click.get_current_context(), duration)
    clips, lengths, points = _clip_args(clips, list_file, a_out, b_in)
    spec = TransitionSpec(frames=frames, method=method, path=path_kind, seed=seed,
                          adapt_steps=adapt_steps, overlap=overlap)
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
        + ", ".join(f"{a}-{b}" for a, b in result.cuts))
    for path in (*result.previews, *result.timeline_files):
        log(f"wrote {path}")
    click.echo(_summary_json(result, spec) if as_json else result.out)


def _timeline_formats(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    from vae_transition.timeline import parse_formats

    return tuple(parse_formats(value))


def _clip_args(clips, list_file, a_out, b_in):
    """(clips, per-cut lengths, per-clip in/out points) from the arguments or a --from list."""
    if list_file and clips:
        raise click.UsageError("give the clips as arguments or with --from, not both")
    from vae_transition.limits import check_clip_count
    from vae_transition.timing import ClipPoints

    if list_file:
        if a_out or b_in:
            raise click.UsageError("--a-out and --b-in are for two clips; in a list, give each "
                                   "clip 'in' and 'out' lines")
        from vae_transition.cliplist import read_clip_list

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
    import json

    cuts = [{"frames": [a, b], "seconds": round(r.seconds, 3),
             "adapt_seconds": round(r.adapt_seconds, 3), "cached": r.cached, "metrics": r.scores,
             "meets_goals": r.goals}
            for (a, b), r in zip(result.cuts, result.cut_results)]
    return json.dumps({
        "output": result.out, "frames": result.total_frames, "width": result.width,
        "height": result.height, "fps": str(result.fps), "audio": result.has_audio,
        "passthrough": result.passthrough, "method": spec.method, "path": spec.path,
        "overlap": spec.overlap, "reencoded_clip_frames": result.reencoded,
        "clip_ranges": [list(r) for r in result.ranges],
        "timings": {k: round(v, 3) for k, v in result.timings.items()}, "cuts": cuts,
        "previews": list(result.previews), "timelines": list(result.timeline_files)}, indent=2)


@cli.command()
@click.option("--out", "-o", "out_dir", default="vae-transition-demo", show_default=True,
              type=click.Path(file_okay=False), help="Folder for the demo clips and results.")
@transition_options
@ffmpeg_option
@user_errors
def demo(out_dir, frames, method, path_kind, seed, adapt_steps, model_path, ffmpeg_path):
    """Make two sample clips, join them, and write a contact sheet of the transition.

    \b
    Example:
      vae-transition demo --out demo/
    """
    from ffmpeg_scripts.locate import find_ffmpeg
    from vae_transition.demo import run_demo
    from vae_transition.transition import TransitionSpec

    spec = TransitionSpec(frames=frames, method=method, path=path_kind, seed=seed,
                          adapt_steps=adapt_steps)
    paths = run_demo(out_dir, find_ffmpeg(ffmpeg_path), spec, load_for(model_path, method), note)
    for label, path in paths.items():
        click.echo(f"{label}: {path}")


@cli.command()
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
    import json

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


@cli.command()
@click.option("--out", "-o", default="models/vae.safetensors", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the weights (+ .json config).")
@click.option("--steps", default=None, type=click.IntRange(1), help="Training steps (default: TrainConfig's).")
@click.option("--seed", default=None, type=click.IntRange(0, 2**32 - 1),
              help="Random seed (default: TrainConfig's).")
@click.option("--threads", default=None, type=click.IntRange(1),
              help="torch CPU threads (default: TrainConfig's).")
@click.option("--init", "init", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Fine-tune these weights (their config wins) instead of starting from scratch.")
@click.option("--lr", default=None, type=click.FloatRange(0, 1, min_open=True),
              help="Peak learning rate (default: TrainConfig's).")
@click.option("--warmup", default=None, type=click.IntRange(0), help="Warm-up steps.")
@click.option("--warp-weight", default=None, type=click.FloatRange(0),
              help="Weight of the moved-latent loss that teaches the decoder to render a morph.")
@click.option("--acai-weight", default=None, type=click.FloatRange(0),
              help="Weight of ACAI's critic term: mixed latents should decode as real pictures.")
@click.option("--data", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Train on this .npz of images (python -m vae_transition.datafile; no ffmpeg needed).")
@click.option("--batch-size", default=None, type=click.IntRange(1), help="Crops per step.")
@click.option("--crop", default=None, type=click.IntRange(8), help="Crop side in px (a multiple of 8).")
@click.option("--max-minutes", default=None, type=click.FloatRange(0, min_open=True),
              help="Stop the steps at this wall time; the lr cosine is fitted to it. Weights are "
                   "also saved to --out every 2 minutes.")
@click.option("--device", default=None, help="torch device (default: cuda, mps or cpu).")
@click.option("--amp", is_flag=True, help="bf16 autocast of the convolutions on cuda.")
@click.option("--log-every", default=None, type=click.IntRange(1), help="Steps between progress lines.")
@click.option("--overwrite", is_flag=True, help="Replace the weights at --out if they exist.")
@user_errors
def train(out, steps, seed, threads, init, lr, warmup, warp_weight, acai_weight, data, batch_size, crop,
          max_minutes, device, amp, log_every, overwrite):
    """Train the VAE on offline data (sample images shipped by pip packages, ffmpeg sources).

    Needs the train extra: pip install "vae-transition[train]".

    \b
    Example (the shipped weights: three runs, see models/README.md):
      vae-transition train --out base.safetensors --steps 2400 --threads 1
      vae-transition train --init base.safetensors --out warp1.safetensors --steps 1800 \\
          --lr 5e-4 --warmup 50 --warp-weight 1 --threads 1
    """
    import dataclasses
    from pathlib import Path

    from vae_transition.weights import config_path

    for path in (Path(out), config_path(out)):
        if path.exists() and not overwrite:
            raise click.ClickException(f"{path}: already exists (use --overwrite to replace it)")
    try:
        if data is None:
            import sklearn  # noqa: F401  (the train extra: fail now, not after loading data)
        import skimage  # noqa: F401  (the held-out photos)

        from vae_transition.train import TrainConfig, train_main

        cfg = TrainConfig()
        given = (("steps", steps), ("seed", seed), ("threads", threads), ("init", init),
                 ("lr", lr), ("warmup", warmup), ("warp_weight", warp_weight),
                 ("acai_weight", acai_weight), ("data", data), ("batch_size", batch_size),
                 ("crop", crop), ("max_minutes", max_minutes), ("device", device),
                 ("amp", amp or None), ("log_every", log_every))
        overrides = {k: v for k, v in given if v is not None}
        summary = train_main(Path(out), dataclasses.replace(cfg, **overrides))
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in TRAIN_EXTRA:
            raise
        raise click.ClickException(f"training needs {exc.name.split('.')[0]}, which is not "
                                   f'installed: pip install "vae-transition[train]"') from None
    click.echo(f"wrote {out}: {summary}")


TRAIN_EXTRA = ("sklearn", "skimage")  # the modules of setup.cfg's train extra


from vae_transition.cli_export import export  # noqa: E402

cli.add_command(export)

if __name__ == "__main__":
    main()
