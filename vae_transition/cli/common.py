"""What every `vae-transition` command shares: options, messages, error handling, progress.

Only click is imported here, so `--help` stays instant.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time

import click

from vae_transition import limits
from vae_transition.messages import is_user_error, one_line

METHODS = ("vae", "crossfade", "flow")
PATHS = ("lerp", "slerp", "ease")
ADAPT_STEPS = 0  # TransitionSpec.adapt_steps, repeated so that --help imports no numpy


def note(message: str) -> None:
    """Progress and notes go to stderr, so stdout stays for results."""
    click.echo(message, err=True)


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))  # (Windows has no SIGHUP)


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C, so the same cleanup runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame) -> None:
    for sig in STOP_SIGNALS:  # a second signal must not cut the cleanup short
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def catch_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP all unwind the stack (temp files removed, ffmpeg killed)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _on_signal)


def exit_interrupted(exc: KeyboardInterrupt, kept: str = "nothing was written") -> None:
    """Exit 128 + the signal's number (130 for Ctrl-C, 143 SIGTERM, 129 SIGHUP)."""
    signum = getattr(exc, "signum", signal.SIGINT)
    note(f"interrupted ({signal.Signals(signum).name}): {kept}")
    sys.exit(128 + signum)


def user_errors(fn):
    """Turn library exceptions into one-line errors (exit 1) and signals into 128 + signal."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt as exc:
            exit_interrupted(exc)
        except click.ClickException:
            raise
        except Exception as exc:  # library errors of our own (JoinError, ModelError, ...)
            if is_user_error(exc):
                raise click.ClickException(one_line(exc)) from None
            raise

    return wrapper


def ffmpeg_option(fn):
    return click.option("--ffmpeg", "ffmpeg_path", metavar="PATH", default=None,
                        help="ffmpeg binary to use (else $VAE_TRANSITION_FFMPEG, PATH, bundled).")(fn)


def transition_options(fn):
    """Options shared by every command that makes transitions."""
    options = [
        click.option("--frames", "-n", default=24, show_default=True,
                     type=click.IntRange(1, limits.MAX_TRANSITION_FRAMES),
                     help="Transition frames between the clips."),
        click.option("--method", type=click.Choice(METHODS), default="vae", show_default=True,
                     help="vae: morph through the VAE; crossfade / flow: baselines."),
        click.option("--path", "path_kind", type=click.Choice(PATHS), default="lerp",
                     show_default=True, help="Latent path between the two frames (vae method)."),
        click.option("--seed", default=0, show_default=True,
                     type=click.IntRange(0, limits.MAX_SEED), help="Seed for anything random."),
        click.option("--adapt-steps", default=ADAPT_STEPS, show_default=True,
                     type=click.IntRange(0),
                     help="Fine-tune the VAE on the pair first (cached); 0 turns it off."),
        click.option("--motion-blur", default=0.0, show_default=True,
                     type=click.FloatRange(0.0, 1.0),
                     help="Blur what the morph moves over this share of a frame (0.5: a film "
                          "camera's 180-degree shutter): steadier fast texture, softer motion."),
        click.option("--model", "model_path", metavar="FILE", default=None,
                     help="VAE weights (.safetensors); default: the shipped model."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def load_for(model_path, method):
    """The VAE for the vae method (on cuda/mps/cpu, picked), None for the baselines: loading in
    the background (background.Pending) while the command probes and reads its clips."""
    if method != "vae":
        return None
    from vae_transition.join.pipeline import model_loading

    return model_loading(model_path)


class TerminalProgress:
    """One self-rewriting status line on stderr, only when stderr is a terminal: the stage, a
    bar, what is done of how many, and once a stage has run a second, the time left at its pace.
    Callable from several threads (cuts run in parallel)."""

    UNITS = {"probing": "clips", "splicing": ""}  # other stages count frames

    def __init__(self, enabled: bool, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.width = 0
        self.stage, self.started = "", 0.0
        self.lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        with self.lock:
            now = time.monotonic()
            if stage != self.stage:
                self.stage, self.started = stage, now
            filled = int(20 * done / max(total, 1))
            unit = self.UNITS.get(stage, "frames")
            text = f"{stage:12s} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total} {unit}"
            spent = now - self.started
            if 0 < done < total and spent >= 1.0:
                text += f", {eta_text(spent / done * (total - done))} left"
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
            self.stream.flush()

    def note(self, message: str) -> None:
        """A note on its own line, the status line redrawn below it."""
        with self.lock:
            if self.width:
                self.stream.write("\r" + " " * self.width + "\r")
                self.width = 0
            click.echo(message, file=self.stream)

    def close(self) -> None:
        if self.width:
            self.stream.write("\n")
            self.width = 0


def eta_text(seconds: float) -> str:
    """12.4 -> "13 s", 95 -> "1 min 35 s"."""
    s = max(1, round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def parse_size(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    w, sep, h = value.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit():
        raise click.BadParameter(f"'{value}' is not WIDTHxHEIGHT, e.g. 1280x768", param_hint="--size")
    try:
        limits.check_size(int(w), int(h), value)
    except limits.LimitError as exc:
        raise click.BadParameter(str(exc), param_hint="--size") from None
    return int(w), int(h)


def parse_fps(value: str | None):
    from fractions import Fraction

    if value is None:
        return None
    try:
        fps = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise click.BadParameter(f"'{value}' is not a frame rate such as 24 or 24000/1001",
                                 param_hint="--fps") from None
    if not 1 <= fps <= 240:
        raise click.BadParameter(f"{value} is outside 1..240", param_hint="--fps")
    return fps


def _time_option(what: str, duration: bool = False):
    """A click callback parsing TIME (2.5, 2.5s, 60f, 00:00:02:12) into a timing.Time."""
    def parse(ctx, param, value):
        if value is None:
            return None
        from vae_transition import timing

        try:
            return (timing.parse_duration if duration else timing.parse_time)(value, what)
        except ValueError as exc:  # click names the option itself: drop timing's own prefix
            raise click.BadParameter(str(exc).removeprefix(f"{what}: "), param_hint=what) from None
    return parse


def timing_options(fn):
    """--overlap, --duration, --a-out and --b-in: where and how long the transition is."""
    options = [
        click.option("--overlap", is_flag=True,
                     help="Overlap mode: the transition replaces A's last and B's first N frames, "
                          "so both keep playing under it (nA + nB - N frames, as with xfade)."),
        click.option("--duration", "duration", default=None, metavar="TIME",
                     callback=_time_option("--duration", duration=True),
                     help="Transition length in time (1s, 1.5, 36f, 00:00:01:12) instead of "
                          "--frames."),
        click.option("--a-out", "a_out", default=None, metavar="TIME",
                     callback=_time_option("--a-out"),
                     help="A's out point: its last frame played (2.5, 2.5s, 60f, 00:00:02:12)."),
        click.option("--b-in", "b_in", default=None, metavar="TIME",
                     callback=_time_option("--b-in"),
                     help="B's in point: its first frame played (same forms as --a-out)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def check_length_options(ctx: click.Context, duration) -> None:
    """--frames and --duration are two ways to say one thing: refuse both."""
    from click.core import ParameterSource

    if duration is not None and ctx.get_parameter_source("frames") != ParameterSource.DEFAULT:
        raise click.UsageError("give the transition length with --frames or --duration, not both")
