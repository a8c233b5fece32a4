"""Cache entries that are verified before use, like git's objects (STYLE.md habit 12).

An entry is files named KEY + suffix in a cache folder (KEY.mp4; KEY.safetensors + KEY.json)
and a manifest, KEY.manifest.json = {"key": KEY, "files": {name: sha256}}, written last. An
entry exists when its manifest does. fetch() copies its files into a private folder and checks
every digest on the copy, so nothing can change between the check and the use. Symbolic links,
missing or extra bytes, a planted file: all are damage. A damaged entry is removed by evict()
and made again by the caller; a file without a manifest is a miss, replaced by store().

Writing is best effort: store() never raises and never leaves a temporary file; it returns why
it failed (a read-only folder, a full disk, a folder in the way) for a one-line note.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import uuid
from collections.abc import Iterable
from pathlib import Path

from vae_transition import outputs

_CHUNK = 1 << 20
CACHE_ENV = "VAE_TRANSITION_CACHE"


def cache_dir() -> Path:
    """$VAE_TRANSITION_CACHE, else $XDG_CACHE_HOME/vae-transition, else ~/.cache/vae-transition."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vae-transition"


class BadEntry(Exception):
    """A cache entry that is there but cannot be trusted; str() says why, in a few words."""


def manifest_path(folder: str, key: str) -> str:
    return os.path.join(folder, f"{key}.manifest.json")


def _open_plain(path: str) -> int:
    """A read-only descriptor of a regular file, refusing symbolic links (O_NOFOLLOW)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise BadEntry(f"{os.path.basename(path)} is a symbolic link") from None
        raise BadEntry(f"{os.path.basename(path)}: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BadEntry(f"{os.path.basename(path)} is not a regular file")
    return fd


def copy_digest(src: str, dest: str | None = None) -> str:
    """sha256 of a regular file (not a link), copying it to dest on the way when given."""
    h = hashlib.sha256()
    with os.fdopen(_open_plain(src), "rb") as fh:
        out = open(dest, "xb") if dest else None
        try:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
                if out:
                    out.write(chunk)
        finally:
            if out:
                out.close()
    return h.hexdigest()


def has_entry(folder: str, key: str) -> bool:
    """Whether the entry's manifest exists (files without one are a miss, replaced by store())."""
    return os.path.lexists(manifest_path(folder, key))


def fetch(folder: str, key: str, suffixes: Iterable[str], dest_dir: str) -> dict[str, str]:
    """Copy a verified entry into dest_dir: {suffix: copied path}, each named cached-TAG-KEY
    + suffix. BadEntry when it is damaged or incomplete; the caller checks has_entry() first
    (a plain miss is not damage)."""
    fd = _open_plain(manifest_path(folder, key))
    try:
        with os.fdopen(fd, "rb") as fh:
            manifest = json.loads(fh.read(1 << 16))
        digests = manifest["files"]
        if manifest.get("key") != key or not isinstance(digests, dict):
            raise ValueError("wrong key")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadEntry("its manifest is unreadable") from None
    copies, tag = {}, uuid.uuid4().hex[:8]
    for suffix in suffixes:
        name = key + suffix
        copy = os.path.join(dest_dir, f"cached-{tag}-{name}")  # one tag: KEY.json stays beside
        if digests.get(name) != copy_digest(os.path.join(folder, name), copy):
            raise BadEntry(f"{name} does not match its digest")
        copies[suffix] = copy
    return copies


def evict(folder: str, key: str, suffixes: Iterable[str]) -> None:
    """Remove an entry's manifest, then its files (files and links only); never raises."""
    for name in (f"{key}.manifest.json", *(key + s for s in suffixes)):
        path = os.path.join(folder, name)
        try:
            if os.path.islink(path) or os.path.isfile(path):
                os.remove(path)
        except OSError:
            pass


def store(folder: str, key: str, files: dict[str, str]) -> str | None:
    """Copy {suffix: source file} into the cache as entry `key`, manifest last.

    Returns None when stored, else a one-line reason. Never raises, leaves no temporary file.
    """
    try:
        os.makedirs(folder, exist_ok=True)
        digests = {}
        for suffix, src in files.items():  # each whole (outputs.atomic), the manifest last
            with outputs.atomic(os.path.join(folder, key + suffix)) as tmp:
                digests[key + suffix] = copy_digest(src, tmp)
        outputs.write_atomically(manifest_path(folder, key),
                                 json.dumps({"key": key, "files": digests}))
        return None
    except (OSError, BadEntry) as exc:
        return _reason(exc)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__
