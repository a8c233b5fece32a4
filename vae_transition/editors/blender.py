"""`vae-transition blender-addon -o FILE.zip`: the Blender add-on (blender_addon/) as the zip
that Blender's Preferences > Add-ons > Install takes, its package named ADDON_PACKAGE.

The zip is the same bytes every time for one version (fixed dates, sorted names), and appears
whole or not at all.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from vae_transition import outputs

ADDON_PACKAGE = "vae_transition_blender"
SOURCE = Path(__file__).with_name("blender_addon")
_DATE = (2020, 1, 1, 0, 0, 0)  # zip entries carry no build time, so the bytes are reproducible


class AddonError(Exception):
    """An add-on that cannot be written where asked (name, folder)."""


def addon_files() -> dict[str, bytes]:
    """Name in the zip -> content: every module of the add-on under ADDON_PACKAGE/."""
    return {f"{ADDON_PACKAGE}/{p.name}": p.read_bytes() for p in sorted(SOURCE.glob("*.py"))}


def addon_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, _DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def write_addon(out: str, overwrite: bool = False) -> str:
    """Write the add-on zip to `out` (a .zip); returns its absolute path."""
    out_abs = os.path.abspath(out)
    if not out_abs.lower().endswith(".zip"):
        raise AddonError(f"{out}: Blender installs add-ons from a .zip; use -o NAME.zip")
    if os.path.isdir(out_abs):
        raise AddonError(f"{out}: is a folder; give a file name such as {ADDON_PACKAGE}.zip")
    if not os.path.isdir(os.path.dirname(out_abs)):
        raise AddonError(f"{os.path.dirname(out_abs)}: output folder does not exist")
    if os.path.lexists(out_abs) and not overwrite:
        raise outputs.OutputExists(17, "File exists", out_abs)
    return outputs.write_atomically(out_abs, addon_zip(addon_files()), overwrite)
