"""`vae-transition comfyui-node -o CUSTOM_NODES_DIR`: the small package folder ComfyUI loads
from custom_nodes/. It holds no node code: its __init__.py takes NODE_CLASS_MAPPINGS from
vae_transition.editors.comfyui, so the node is the installed library's own, and says how to
install the library into ComfyUI's Python when it is missing.
"""

from __future__ import annotations

import os

from vae_transition import outputs

FOLDER = "vae_transition_comfyui"
MARKER = "# written by vae-transition comfyui-node"

INIT = f'''{MARKER}
"""VAE Transition nodes for ComfyUI; the node lives in the vae-transition package."""

try:
    from vae_transition.editors.comfyui import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS
except ImportError as exc:  # ComfyUI shows this message in its console
    raise ImportError(
        "VAE Transition needs the vae-transition package in ComfyUI's Python: run "
        "`python -m pip install vae-transition` with the python that runs ComfyUI") from exc

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
'''


class NodeFolderError(Exception):
    """A folder that cannot be written where asked."""


def write_node_package(custom_nodes: str, overwrite: bool = False) -> str:
    """Write CUSTOM_NODES/vae_transition_comfyui/__init__.py; returns the folder's path.
    --overwrite replaces only a folder this command wrote."""
    parent = os.path.abspath(custom_nodes)
    if not os.path.isdir(parent):
        raise NodeFolderError(f"{custom_nodes}: no such folder (give ComfyUI's custom_nodes "
                              f"folder)")
    dest = os.path.join(parent, FOLDER)
    if os.path.lexists(dest):
        if not overwrite:
            raise outputs.OutputExists(17, "File exists", dest)
        if not _ours(dest):
            raise NodeFolderError(f"{dest}: was not written by vae-transition; remove it "
                                  f"yourself or choose another folder")
    with outputs.atomic(dest, overwrite) as tmp:
        os.mkdir(tmp)
        outputs.write_atomically(os.path.join(tmp, "__init__.py"), INIT)
    return dest


def _ours(folder: str) -> bool:
    init = os.path.join(folder, "__init__.py")
    if not os.path.isdir(folder) or set(os.listdir(folder)) - {"__init__.py", "__pycache__"}:
        return False
    try:
        with open(init, encoding="utf-8") as f:
            return f.readline().strip() == MARKER
    except OSError:
        return False
