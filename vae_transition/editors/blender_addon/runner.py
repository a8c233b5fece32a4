"""Running the installed `vae-transition` command from Blender's Python (which needs no torch).

The executable is the add-on preference if set, else `vae-transition` on PATH. Its errors come
back as the command's own one-line message.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from .cut import AddonError

COMMAND = "vae-transition"
HINT = ("install it (pip install vae-transition) or set its path in the add-on's preferences "
        "(Edit > Preferences > Add-ons > VAE Transition)")


def find_executable(setting: str = "") -> str:
    """The command to run: the preference (a path, ~ expanded) or COMMAND found on PATH."""
    if setting:
        path = os.path.abspath(os.path.expanduser(setting))
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise AddonError(f"{path}: not an executable file; {HINT}")
        return path
    found = shutil.which(COMMAND)
    if found is None:
        raise AddonError(f"the {COMMAND} command is not on PATH; {HINT}")
    return found


def child_env() -> dict[str, str]:
    """Blender's environment without the variables that point Python at Blender's own."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}


def run(executable: str, args: list[str]) -> str:
    """Run the command; its stdout. AddonError with its last error line when it fails."""
    try:
        done = subprocess.run([executable, *args], capture_output=True, text=True,
                              env=child_env(), stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise AddonError(f"{executable}: cannot run it ({exc.strerror}); {HINT}") from None
    if done.returncode != 0:
        raise AddonError(last_line(done.stderr) or f"{COMMAND} failed (exit {done.returncode})")
    return done.stdout


def last_line(stderr: str) -> str:
    """The message of a failed command: its last non-empty line, without click's "Error: "."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1].removeprefix("Error: ") if lines else ""
