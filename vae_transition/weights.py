"""Weights are data, not code: a .safetensors file plus a .json config beside it, never a pickle.

    models/vae.safetensors   the state dict (float32)
    models/vae.json          {"config": asdict(VAEConfig), "training": {...how it was made...}}
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

from vae_transition.model import VAE, VAEConfig
from vae_transition.outputs import write_atomically

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
    """Write PATH (safetensors) and PATH.json ({"config": ..., "training": ...}).

    Each is written under a temporary name and renamed; files get the usual mode (0644 under
    umask 022: safetensors' own save_file makes 0600 files, so its bytes are written here).
    """
    from safetensors.torch import save

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"config": asdict(model.cfg), "training": training or {}}
    data = save(state, metadata={"format": "pt", "config": json.dumps(meta["config"])})
    write_atomically(str(path), data)
    write_atomically(str(config_path(path)), json.dumps(meta, indent=2, default=str) + "\n")


# Bounds on the sizes a config from disk may ask for (checked before any tensor is allocated):
# name -> (lowest, highest) for an int, or for each entry of a list (with at most MAX_LEVELS).
CONFIG_BOUNDS = {"base_channels": (1, 1024), "latent_channels": (1, 1024),
                 "blocks_per_level": (0, 16), "channel_mult": (1, 64)}
MAX_LEVELS = 6


def check_config(values: dict) -> None:
    """ValueError (one line) for a size out of CONFIG_BOUNDS; other fields are not looked at."""
    for name, (low, high) in CONFIG_BOUNDS.items():
        if name not in values:
            continue
        value = values[name]
        items = value if name == "channel_mult" else [value]
        levels = len(value) if isinstance(value, list) else 0
        if name == "channel_mult" and not 1 <= levels <= MAX_LEVELS:
            raise ValueError(f"channel_mult must list 1..{MAX_LEVELS} levels, got {value!r}")
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
                raise ValueError(f"{name} must be whole numbers in {low}..{high}, got {value!r}")


def read_config(path: str | Path) -> VAEConfig:
    """The VAEConfig stored in PATH.json; ModelError when missing, malformed or absurd."""
    cpath = config_path(path)
    try:
        meta = json.loads(cpath.read_text())
        if not isinstance(meta, dict) or not isinstance(meta.get("config"), dict):
            shown = json.dumps(meta.get("config") if isinstance(meta, dict) else meta)
            raise ValueError(f'its "config" must be a JSON object of the model\'s sizes, '
                             f"found {shown[:40]}")
        known = {f.name for f in fields(VAEConfig)}
        check_config(meta["config"])
        return VAEConfig(**{k: v for k, v in meta["config"].items() if k in known})
    except FileNotFoundError:
        raise ModelError(f"model config not found: {cpath}") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"model config {cpath} is unreadable: {e}") from None


def _check_shapes(cfg: VAEConfig, state: dict, path: Path) -> None:
    """The config's tensors (built on the meta device: no memory) must be the file's."""
    import torch

    try:
        with torch.device("meta"):
            want = {k: tuple(v.shape) for k, v in VAE(cfg).state_dict().items()}
    except (RuntimeError, NotImplementedError, TypeError, ValueError):
        return  # a model that cannot be built on "meta": load_state_dict(strict) still checks
    have = {k: tuple(v.shape) for k, v in state.items()}
    if want != have:
        diff = sorted(set(want.items()) ^ set(have.items()))[:1]
        raise ModelError(f"model weights {path} do not match {config_path(path).name} "
                         f"(e.g. {diff[0][0]}: the file and the config differ)")


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
    bad = next((name for name, t in state.items()
                if t.is_floating_point() and not bool(t.isfinite().all())), None)
    if bad is not None:
        raise ModelError(f"model weights {path} hold NaN or infinite values (in {bad})")
    _check_shapes(cfg, state, path)  # before allocating: a config may not match a small file
    model = VAE(cfg)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        detail = " ".join(str(e).split())[:300]  # one line: torch's message spans many
        raise ModelError(f"model weights {path} do not match {config_path(path).name}: {detail}") from None
    if device is not None:
        model.to(device)
    return model.eval()
