"""`vae-transition batch`: many joins from a jobs file, on this machine or a Ray cluster."""

from __future__ import annotations

import click

from vae_transition.cli.common import exit_interrupted, ffmpeg_option, note, user_errors


@click.command()
@click.argument("jobs_file", metavar="JOBS.jsonl", type=click.Path(dir_okay=False))
@click.option("--out-dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the outputs (each job's \"output\" is relative to it).")
@click.option("--executor", type=click.Choice(("local", "ray")), default="local",
              show_default=True, help="local: worker processes here; ray: Ray tasks.")
@click.option("--address", default=None, metavar="ADDR",
              help="Ray cluster to use: auto or HOST:PORT (default: start a Ray here).")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Worker processes (local) or tasks at once (ray) [cores / cluster CPUs].")
@click.option("--retries", type=click.IntRange(0, 100), default=1, show_default=True,
              help="Times a crashed task is tried again (bad input never is).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Shared cache of finished transitions [$VAE_TRANSITION_CACHE or ~/.cache].")
@click.option("--no-cache", is_flag=True, help="Recompute every transition.")
@click.option("--model", "model_path", metavar="FILE", default=None,
              help="VAE weights (.safetensors); default: the shipped model.")
@click.option("--overwrite", is_flag=True,
              help="Replace outputs in the way that an earlier batch did not make.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON report (per job: output, frames, timings, metrics, error).")
@ffmpeg_option
@click.option("--quiet", "-q", is_flag=True, help="No notes or progress bar on stderr.")
@user_errors
def batch(jobs_file, out_dir, executor, address, workers, retries, cache_dir, no_cache,
          model_path, overwrite, as_json, ffmpeg_path, quiet):
    """Run every join of JOBS.jsonl (one JSON object a line) into --out-dir.

    \b
    Each line: {"output": "reel.mp4", "clips": ["a.mp4", "b.mp4"], ...join's options}.
    Re-running the same command redoes only what is missing or damaged.
    Examples:
      vae-transition batch jobs.jsonl --out-dir out/
      vae-transition batch jobs.jsonl --out-dir /shared/out --executor ray --address auto
    """
    from vae_transition.batch.report import table, to_json
    from vae_transition.batch.runner import BatchRequest, run_batch

    if address and executor != "ray":
        raise click.UsageError("--address is for --executor ray")
    req = BatchRequest(jobs_file, out_dir, executor, address, workers, retries, not no_cache,
                       cache_dir, model_path, ffmpeg_path, overwrite, score=as_json)
    try:
        result = run_batch(req, (lambda s: None) if quiet else note, progress=not quiet)
    except KeyboardInterrupt as exc:
        exit_interrupted(exc, "finished jobs are kept; run the same command again to finish "
                              "the rest")
    click.echo(to_json(result.entries, result.totals) if as_json
               else table(result.entries, result.totals))
    if result.failed:
        raise click.ClickException(f"{result.failed} of {len(result.entries)} jobs failed "
                                   f"(see the report); re-run to retry them")
