"""Find the ffmpeg binary once, in a fixed and documented order.

1. the --ffmpeg option (`explicit`),
2. the VAE_TRANSITION_FFMPEG environment variable,
3. `ffmpeg` on PATH,
4. the binary bundled with the imageio-ffmpeg package (which itself honours IMAGEIO_FFMPEG_EXE).

A binary the user named (1 or 2) that is missing or broken is an error that says how to fix it,
never a silent fall-through to another ffmpeg. There is no ffprobe dependency (see probe.py).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache

from .errors import FFmpegError, FFmpegNotFound
from .process import run_capture

ENV_VAR = "VAE_TRANSITION_FFMPEG"
OPTION = "--ffmpeg option"
_VERSION_TIMEOUT_S = 20.0  # a wrong binary that hangs must not hang us


@dataclass(frozen=True)
class FFmpegBinary:
    path: str  # absolute path to the executable
    source: str  # "--ffmpeg option" | "VAE_TRANSITION_FFMPEG" | "PATH" | "imageio-ffmpeg"
    version: str  # from `ffmpeg -version`, e.g. "9.0.2-17-g2a571b6068-20260930"

    def base(self, loglevel: str = "error") -> list[str]:
        """The argv prefix of every command: quiet, and never reading the terminal.

        -nostdin: ffmpeg otherwise reads keys from our stdin (and can stop a backgrounded job).
        -nostats: no progress lines. Only the first -loglevel counts, so pass it here.
        No -y: commands that write files add it themselves.
        """
        return [self.path, "-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel]


def find_ffmpeg(explicit: str | None = None) -> FFmpegBinary:
    """The ffmpeg to use; located once per (explicit, $VAE_TRANSITION_FFMPEG)."""
    return _find(explicit or None, os.environ.get(ENV_VAR) or None)


@lru_cache(maxsize=None)
def _find(explicit: str | None, env: str | None) -> FFmpegBinary:
    if explicit is not None:
        return _named(explicit, OPTION, f"the {OPTION} points to {explicit!r}",
                      "pass the path of an ffmpeg executable, or leave the option out")
    if env is not None:
        return _named(env, ENV_VAR, f"{ENV_VAR} points to {env!r}",
                      f"set {ENV_VAR} to an ffmpeg executable, or unset it")
    on_path = shutil.which("ffmpeg")
    if on_path is not None:
        try:
            return _check(os.path.abspath(on_path), "PATH")
        except FFmpegNotFound:
            pass  # a broken ffmpeg the user did not ask for: try the bundled one
    return _bundled()


find_ffmpeg.cache_clear = _find.cache_clear  # type: ignore[attr-defined]  # for tests


def _named(value: str, source: str, setting: str, fix: str) -> FFmpegBinary:
    """A binary the user named: resolve it, check it, explain any failure."""
    path = os.path.expanduser(value)
    if os.sep not in path and not os.path.exists(path):
        path = shutil.which(path) or path  # a bare name such as "ffmpeg7" is looked up on PATH
    path = os.path.abspath(path)
    if path != value:
        setting += f" ({path})"
    if not os.path.exists(path):
        raise FFmpegNotFound(f"{setting}, which does not exist; {fix}")
    if os.path.isdir(path):
        raise FFmpegNotFound(f"{setting}, which is a directory; {fix}")
    if not os.access(path, os.X_OK):
        raise FFmpegNotFound(f"{setting}, which is not executable (chmod +x it); {fix}")
    try:
        return _check(path, source)
    except FFmpegNotFound as exc:
        raise FFmpegNotFound(f"{setting}, which {exc}; {fix}") from exc


def _bundled() -> FFmpegBinary:
    try:
        import imageio_ffmpeg  # heavy-ish and optional at import time: only when needed
        path = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise FFmpegNotFound(
            "no ffmpeg found: none on PATH and imageio-ffmpeg has no bundled binary "
            f"({exc}); install ffmpeg, or pass --ffmpeg PATH, or set {ENV_VAR}"
        ) from exc
    try:
        return _check(os.path.abspath(path), "imageio-ffmpeg")
    except FFmpegNotFound as exc:
        raise FFmpegNotFound(
            f"the ffmpeg bundled with imageio-ffmpeg ({path}) {exc}; "
            f"install ffmpeg, or pass --ffmpeg PATH, or set {ENV_VAR}"
        ) from exc


def _check(path: str, source: str) -> FFmpegBinary:
    """Run `path -version`; FFmpegNotFound (message: what went wrong) unless it is ffmpeg."""
    try:
        out, _ = run_capture([path, "-hide_banner", "-version"], what=path,
                             timeout=_VERSION_TIMEOUT_S)
    except FFmpegError as exc:
        raise FFmpegNotFound(f"does not run ({exc})") from exc
    version = parse_version(out.decode("utf-8", errors="replace"))
    if version is None:
        raise FFmpegNotFound("does not look like ffmpeg (`-version` printed no ffmpeg version)")
    return FFmpegBinary(path=path, source=source, version=version)


def parse_version(text: str) -> str | None:
    """'ffmpeg version n9.0.2-17-g2a571b6068-20260930 Copyright ...' -> '9.0.2-17-g2a...'."""
    match = re.search(r"^ffmpeg version (\S+)", text, re.MULTILINE)
    if match is None:
        return None
    version = match.group(1)
    # Release builds from git tags print "n9.0.2"; the "n" is the tag prefix, not the version.
    return version[1:] if re.match(r"n\d", version) else version
