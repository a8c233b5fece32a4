"""Content digests for cache keys: a model's weights and the source of the code that made an
entry. Its own module, below cuts and adapt, so that neither imports the other for them.
"""

from __future__ import annotations

import hashlib
import importlib


def model_digest(model) -> str:
    """sha256 of a model's weights ("" for no model)."""
    if model is None:
        return ""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def code_digest(*modules: str) -> str:
    """sha256 of the named modules' source: a cache made by other code is never reused."""
    h = hashlib.sha256()
    for name in modules:
        with open(importlib.import_module(name).__file__, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()
