"""The ComfyUI node, driven the way ComfyUI drives a custom node: the folder that
`vae-transition comfyui-node` writes is loaded as ComfyUI's loader loads custom_nodes/NAME
(spec_from_file_location on its __init__.py), the class is read from NODE_CLASS_MAPPINGS, its
inputs from INPUT_TYPES, and it is called through FUNCTION under torch.inference_mode()."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from editors_media import frames_of, run_cli, vivid_clip
from vae_transition.cli import cli
from vae_transition.morph.transition import TransitionSpec, make_overlap, make_transition
from vae_transition.weights import load_model


def load_custom_node(folder):
    """What ComfyUI's nodes.load_custom_node does with a package folder."""
    name = folder.name
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@pytest.fixture(scope="module")
def node_class(tmp_path_factory):
    custom_nodes = tmp_path_factory.mktemp("custom_nodes")
    folder = run_cli("comfyui-node", "-o", str(custom_nodes)).strip()
    module = load_custom_node(custom_nodes / "vae_transition_comfyui")
    assert folder == str(custom_nodes / "vae_transition_comfyui")
    assert module.NODE_DISPLAY_NAME_MAPPINGS == {"VAETransition": "VAE Transition"}
    return module.NODE_CLASS_MAPPINGS["VAETransition"]


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Two IMAGE batches from real clips: 10 and 8 frames of 64x48."""
    folder = tmp_path_factory.mktemp("clips")
    a = frames_of(vivid_clip(folder / "a.mp4", 10, tone=None))
    b = frames_of(vivid_clip(folder / "b.mp4", 8, tone=None, source="mandelbrot"))
    return [torch.from_numpy(np.stack(f)).float() / 255 for f in (a, b)]


def call(node_class, **inputs):
    """ComfyUI's execution: check the declared inputs, then obj.FUNCTION(**inputs)."""
    types = node_class.INPUT_TYPES()
    declared = {**types["required"], **types.get("optional", {})}
    assert set(types["required"]) <= set(inputs) <= set(declared)
    for name, value in inputs.items():
        kind, options = declared[name][0], (declared[name] + ({},))[1]
        if kind in ("INT", "FLOAT"):
            assert options["min"] <= value <= options["max"]
        elif isinstance(kind, list):
            assert value in kind
    with torch.inference_mode():
        out = getattr(node_class(), node_class.FUNCTION)(**inputs)
    assert isinstance(out, tuple) and len(out) == len(node_class.RETURN_TYPES)
    return out


def test_node_declares_what_comfyui_reads(node_class):
    req = node_class.INPUT_TYPES()["required"]
    assert [req[k][0] for k in ("images_a", "images_b", "frames", "overlap", "seed")] == [
        "IMAGE", "IMAGE", "INT", "BOOLEAN", "INT"]
    assert req["method"][0] == ["vae", "crossfade", "flow"]
    assert node_class.RETURN_TYPES == ("IMAGE", "IMAGE")
    assert node_class.RETURN_NAMES == ("joined", "transition")
    assert callable(getattr(node_class, node_class.FUNCTION)) and node_class.CATEGORY


def as_uint8(images: torch.Tensor) -> list[np.ndarray]:
    return list((images * 255).round().to(torch.uint8).numpy())


@pytest.mark.parametrize("method", ["vae", "crossfade"])
def test_insert_joins_a_then_the_transition_then_b(node_class, images, method):
    a, b = images
    joined, transition = call(node_class, images_a=a, images_b=b, frames=5, method=method,
                              overlap=False, seed=3)
    assert transition.shape == (5, 48, 64, 3) and joined.shape == (10 + 5 + 8, 48, 64, 3)
    for batch in (joined, transition):
        assert batch.dtype == torch.float32 and 0 <= batch.min() and batch.max() <= 1
    assert torch.equal(joined[:10], a) and torch.equal(joined[15:], b)
    assert torch.equal(joined[10:15], transition)
    spec = TransitionSpec(frames=5, method=method, seed=3)
    model = load_model() if method == "vae" else None
    want = list(make_transition(as_uint8(a)[-1], as_uint8(b)[0], spec, model))
    assert [f.tobytes() for f in as_uint8(transition)] == [f.tobytes() for f in want]
    # the morph leaves A and arrives at B: its ends are nearest their clip's frames
    assert (transition[0] - a[-1]).abs().mean() < (transition[0] - b[0]).abs().mean()
    assert (transition[-1] - b[0]).abs().mean() < (transition[-1] - a[-1]).abs().mean()


def test_overlap_shares_n_frames_of_a_and_b(node_class, images):
    a, b = images
    joined, transition = call(node_class, images_a=a, images_b=b, frames=4, method="vae",
                              overlap=True, seed=0)
    assert joined.shape[0] == 10 + 8 - 4 and transition.shape[0] == 4
    assert torch.equal(joined[:6], a[:6]) and torch.equal(joined[6:10], transition)
    assert torch.equal(joined[10:], b[4:])
    spec = TransitionSpec(frames=4, method="vae", overlap=True)
    want = list(make_overlap(as_uint8(a)[-4:], as_uint8(b)[:4], spec, load_model()))
    assert [f.tobytes() for f in as_uint8(transition)] == [f.tobytes() for f in want]


def test_bad_batches_are_one_line_errors(node_class, images):
    a, b = images
    small = b[:, :24, :32]
    with pytest.raises(ValueError, match="images_b is 32x24 and images_a 64x48"):
        call(node_class, images_a=a, images_b=small, frames=4, method="crossfade",
             overlap=False, seed=0)
    with pytest.raises(ValueError, match="needs 9 frames of each batch"):
        call(node_class, images_a=a, images_b=b, frames=9, method="crossfade", overlap=True,
             seed=0)


def test_node_folder_says_how_to_install_the_library(tmp_path, monkeypatch):
    run_cli("comfyui-node", "-o", str(tmp_path))
    monkeypatch.setitem(sys.modules, "vae_transition.editors.comfyui", None)  # not installed
    with pytest.raises(ImportError, match="pip install vae-transition"):
        load_custom_node(tmp_path / "vae_transition_comfyui")


def test_comfyui_node_command_replaces_only_its_own_folder(tmp_path):
    run_cli("comfyui-node", "-o", str(tmp_path))
    again = CliRunner().invoke(cli, ["comfyui-node", "-o", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output
    run_cli("comfyui-node", "-o", str(tmp_path), "--overwrite")
    theirs = tmp_path / "other" / "vae_transition_comfyui"
    theirs.mkdir(parents=True)
    (theirs / "__init__.py").write_text("# someone else's node\n")
    refused = CliRunner().invoke(cli, ["comfyui-node", "-o", str(theirs.parent), "--overwrite"])
    assert refused.exit_code == 1 and "was not written by vae-transition" in refused.output
    assert (theirs / "__init__.py").read_text() == "# someone else's node\n"
    missing = CliRunner().invoke(cli, ["comfyui-node", "-o", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "no such folder" in missing.output


def test_motion_blur_input_reaches_the_morph(node_class, images):
    a, b = images
    _, transition = call(node_class, images_a=a, images_b=b, frames=4, method="vae",
                         overlap=False, seed=0, motion_blur=1.0)
    spec = TransitionSpec(frames=4, method="vae", motion_blur=1.0)
    want = list(make_transition(as_uint8(a)[-1], as_uint8(b)[0], spec, load_model()))
    assert [f.tobytes() for f in as_uint8(transition)] == [f.tobytes() for f in want]
