"""Work folders in $TMPDIR that say whose they are, and sweeping those of runs that died.

A run's folder is named vae-transition-NS-PID-TAG-RANDOM: NS tells the PID namespace (two
containers sharing /tmp count their processes separately) and PID the process that made it.
Every run removes its own folder as it ends, Ctrl-C and SIGTERM included; one killed outright
(SIGKILL, the OOM killer, a power cut) cannot. The next run's sweep() removes each such folder
whose process is gone: same namespace, same owner, and no live process with that PID. A folder
whose PID lives on (a run in progress, or a new process that reuses the number) is left alone.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time

PREFIX = "vae-transition-"
_OWNED = re.compile(r"^vae-transition-(\d+)-(\d+)-")


def namespace() -> int:
    """This process's PID namespace (its inode; 0 where the system does not say)."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def make(tag: str) -> str:
    """A new private folder in $TMPDIR for this run: vae-transition-NS-PID-TAG-XXXXXXXX."""
    return tempfile.mkdtemp(prefix=f"{PREFIX}{namespace()}-{os.getpid()}-{tag}-")


def remove(path: str, tries: int = 3) -> None:
    """Remove a run's folder, whole; never raises. Once in several hundred interrupted joins
    the folder outlived its removal (CI: a join stopped by Ctrl-C while the clips were
    re-encoded beside its cut), as if something still wrote into it while it went: a
    removal that leaves it is tried again."""
    for attempt in range(tries):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            return
        time.sleep(0.05 * (attempt + 1))


def alive(pid: int) -> bool:
    """Whether a process with this PID exists (ours or anyone's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, and is someone else's
        return True
    return True


def stale(name: str, folder: str) -> bool:
    """Whether `name` in `folder` is a work folder of ours whose run is gone."""
    m = _OWNED.match(name)
    if m is None or int(m[1]) != namespace() or int(m[2]) == os.getpid():
        return False
    path = os.path.join(folder, name)
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if not os.path.isdir(path) or os.path.islink(path) or st.st_uid != os.getuid():
        return False
    return not alive(int(m[2]))


def sweep(folder: str | None = None) -> list[str]:
    """Remove the work folders that runs killed outright left in `folder` ($TMPDIR by
    default); returns their paths. Never raises: a sweep must not stop a join."""
    folder = folder or tempfile.gettempdir()
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        if name.startswith(PREFIX) and stale(name, folder):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
            removed.append(os.path.join(folder, name))
    return removed
