"""Putting finished files in place: hidden temporary names, and a final rename that never clobbers.

Everything we write is made under a hidden temporary name beside its destination (same
filesystem), then moved in one step: `atomic(dest)` is that pattern for every writer (previews,
timelines, weights, cache entries, exports, the demo's clips), and `write_atomically` writes
bytes or text with it. Without --overwrite the move itself refuses an existing
destination (renameat2's RENAME_NOREPLACE, else a hard link then unlink), so of several joins
racing to one path exactly one wins and the others say "already exists".
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

_RENAME_NOREPLACE = 1  # linux/fs.h
_AT_FDCWD = -100


class OutputExists(FileExistsError):
    """The destination appeared while we worked (another run, another program)."""

    def __str__(self) -> str:
        return f"{self.filename}: already exists (use --overwrite to replace it)"


STEM_CHARS = 32  # of dest's name kept in a temporary name: short whatever dest's length


def tmp_name(dest: str, tag: str = "tmp") -> str:
    """A hidden, unique, short name beside dest with its extension: out.mp4 ->
    .out.tmp-PID-XXXXXXXX.mp4. A long name keeps its first STEM_CHARS characters, so the
    temporary name fits the filesystem wherever dest itself does."""
    folder, name = os.path.split(os.path.abspath(dest))
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:  # not an extension we would choose a format by: a dot in a long name
        stem, ext = name, ""
    return os.path.join(folder, f".{stem[:STEM_CHARS]}.{tag}-{os.getpid()}-"
                                f"{uuid.uuid4().hex[:8]}{ext}")


def check_name(path: str) -> None:
    """OSError (ENAMETOOLONG, naming the path and the limit) when path's last part is longer
    than its folder's filesystem takes; checked before any work, for OUT and its side files."""
    folder, name = os.path.split(os.path.abspath(path))
    try:
        limit = os.pathconf(folder if os.path.isdir(folder) else "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(name))
    if size > limit:
        raise OSError(errno.ENAMETOOLONG, f"the name is {size} bytes, longer than the "
                      f"{limit} this filesystem takes; choose a shorter one", path)


def _renameat2(src: str, dest: str) -> bool:
    """Rename without replacing; False when the system has no renameat2 (old libc, not Linux)."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dest), _RENAME_NOREPLACE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # the filesystem cannot do it: fall back
    if err == errno.EEXIST:
        raise OutputExists(errno.EEXIST, os.strerror(err), dest)
    raise OSError(err, os.strerror(err), dest)


def publish(src: str, dest: str, overwrite: bool = False) -> None:
    """Move src (a file or folder) to dest. Without overwrite, OutputExists if dest exists,
    however late it appeared; src is left in place then (the caller removes it)."""
    if overwrite:
        try:
            if os.path.isdir(src) and os.path.isdir(dest) and not os.path.islink(dest):
                _swap_folder(src, dest)
            else:
                os.replace(src, dest)
        except OSError as exc:  # name the destination (a folder in its way), not our temp name
            raise OSError(exc.errno, exc.strerror, dest) from None
        return
    if _renameat2(src, dest):
        return
    if os.path.lexists(dest):
        raise OutputExists(errno.EEXIST, "File exists", dest)
    if os.path.isdir(src):
        os.rename(src, dest)  # no race-free way left; the check above narrows the window
        return
    try:
        os.link(src, dest)  # fails if dest exists, atomically
    except FileExistsError:
        raise OutputExists(errno.EEXIST, "File exists", dest) from None
    os.unlink(src)


@contextmanager
def atomic(dest: str, overwrite: bool = True) -> Iterator[str]:
    """Write dest whole or not at all: yields a hidden temporary name beside it (a file or a
    folder the caller makes there; same extension, for tools that choose a format by it). On
    success it is moved into place in one step (publish(): without overwrite, never over an
    existing dest); on any error, Ctrl-C included, it is removed."""
    tmp = tmp_name(dest)
    try:
        yield tmp
        publish(tmp, dest, overwrite)
    finally:
        remove_quietly(tmp)


def write_atomically(dest: str, data: bytes | str, overwrite: bool = True) -> str:
    """Write bytes (or UTF-8 text, "\\n" line ends) to dest with atomic(); returns dest."""
    with atomic(dest, overwrite) as tmp:
        if isinstance(data, str):
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(data)
        else:
            with open(tmp, "wb") as fh:  # mode 0666 less the umask, like any file
                fh.write(data)
    return dest


def _swap_folder(src: str, dest: str) -> None:
    """Replace folder dest by src: the old one is moved aside first, then deleted."""
    old = tmp_name(dest, "old")
    os.replace(dest, old)
    os.replace(src, dest)
    shutil.rmtree(old, ignore_errors=True)


def identities(paths: list[str]) -> dict[str, tuple[int, int] | None]:
    """path -> (device, inode), or None where nothing is: what was there before we wrote."""
    found: dict[str, tuple[int, int] | None] = {}
    for path in paths:
        try:
            st = os.lstat(path)
            found[path] = (st.st_dev, st.st_ino)
        except OSError:
            found[path] = None
    return found


def remove_changed(before: dict[str, tuple[int, int] | None]) -> None:
    """Undo a set of outputs: remove each path that we created or replaced since `before`
    (anything still as it was, such as a user's folder in the way, is left alone)."""
    now = identities(list(before))
    remove_quietly(*(p for p, ident in now.items() if ident is not None and ident != before[p]))


def remove_if_same(path: str, identity: tuple[int, int] | None) -> None:
    """Remove path if it is still the file we made (identity from identities())."""
    if identity is not None and identities([path])[path] == identity:
        remove_quietly(path)


def remove_quietly(*paths: str) -> None:
    """Delete files or folders we made; never raises (cleanup runs while an error is raised)."""
    for path in paths:
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.lexists(path):
                os.remove(path)
        except OSError:
            pass


def make_parents(path: str) -> list[str]:
    """Create path's missing parent folders (-o shots/morph); returns them, outermost first."""
    made, folder = [], os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(folder):
        made.append(folder)
        folder = os.path.dirname(folder)
    made.reverse()
    for folder in made:
        os.mkdir(folder)
    return made


def remove_empty(folders: list[str]) -> None:
    """Remove folders from make_parents() again, innermost first, where still empty."""
    for folder in reversed(folders):
        try:
            os.rmdir(folder)
        except OSError:
            pass
