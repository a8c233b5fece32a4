"""Weights are data, not code: a .safetensors file plus a .json config beside it, never a pickle.

    models/vae.safetensors   the state dict (float32)
    models/vae.json          {"config": asdict(VAEConfig), "training": {...how it was made...}}
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

from vae_transition.model import VAE, VAEConfig

WEIGHTS_NAME = "vae.safetensors"


class ModelError(Exception):
    """The weights or their config are missing, unreadable or do not match the model."""


def config_path(path: str | Path) -> Path:
    """models/vae.safetensors -> models/vae.json"""
    return Path(path).with_suffix(".json")


def shipped_weights_path() -> Path:
    """The weights installed with the package, else <repo>/models/ when running from a source tree."""
    try:
        from importlib.resources import files

        installed = Path(str(files("vae_transition.models") / WEIGHTS_NAME))
        if installed.is_file():
            return installed
    except (ModuleNotFoundError, TypeError):
        pass  # not installed: vae_transition.models only exists after `pip install`
    return Path(__file__).resolve().parent.parent / "models" / WEIGHTS_NAME


def save_model(model: VAE, path: str | Path, training: dict | None = None) -> None:
    """Write PATH (safetensors) and PATH.json ({"config": ..., "training": ...})."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"config": asdict(model.cfg), "training": training or {}}
    save_file(state, str(path), metadata={"format": "pt", "config": json.dumps(meta["config"])})
    config_path(path).write_text(json.dumps(meta, indent=2, default=str) + "\n")


def read_config(path: str | Path) -> VAEConfig:
    """The VAEConfig stored in PATH.json; ModelError when missing or malformed."""
    cpath = config_path(path)
    try:
        meta = json.loads(cpath.read_text())
        known = {f.name for f in fields(VAEConfig)}
        return VAEConfig(**{k: v for k, v in meta["config"].items() if k in known})
    except FileNotFoundError:
        raise ModelError(f"model config not found: {cpath}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"model config {cpath} is unreadable: {e}") from None


def load_model(path: str | Path | None = None, device=None) -> VAE:
    """Build the VAE from PATH.json, load PATH's tensors (no pickle), move to device, eval()."""
    from safetensors.torch import load_file

    path = Path(path) if path is not None else shipped_weights_path()
    if not path.is_file():
        raise ModelError(f"model weights not found: {path} (train them with `vae-transition train`)")
    cfg = read_config(path)
    try:
        state = load_file(str(path), device="cpu")
    except Exception as e:  # safetensors raises its own SafetensorError, or OSError
        raise ModelError(f"model weights {path} are unreadable: {e}") from None
    model = VAE(cfg)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        detail = " ".join(str(e).split())[:300]  # one line: torch's message spans many
        raise ModelError(f"model weights {path} do not match {config_path(path).name}: {detail}") from None
    if device is not None:
        model.to(device)
    return model.eval()
