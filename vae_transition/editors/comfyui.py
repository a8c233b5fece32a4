"""The "VAE Transition" node for ComfyUI: two IMAGE batches in, the joined batch and the
transition out, made by the library exactly as `vae-transition join` makes a cut's frames.

ComfyUI loads NODE_CLASS_MAPPINGS from the custom_nodes package that `vae-transition
comfyui-node` writes (comfyui_package.py). An IMAGE is a float tensor (B, H, W, C) in [0, 1];
frames go to the morph as 8-bit RGB, as a video's would, and the clips' own frames pass into
the joined batch untouched.
"""

from __future__ import annotations

import numpy as np
import torch

from vae_transition.limits import MAX_SEED, MAX_TRANSITION_FRAMES
from vae_transition.morph.transition import METHODS, TransitionSpec, make_overlap, make_transition
from vae_transition.tensors import pick_device
from vae_transition.weights import load_model


def to_frames(images: torch.Tensor) -> list[np.ndarray]:
    """IMAGE (B, H, W, C) float in [0, 1] -> B (H, W, 3) uint8 RGB frames (alpha dropped)."""
    rgb = images[..., :3].detach().float().clamp(0, 1).mul(255).round().to(torch.uint8)
    return list(rgb.cpu().numpy())


def to_images(frames, like: torch.Tensor) -> torch.Tensor:
    """(H, W, 3) uint8 frames -> IMAGE (B, H, W, 3) float32 in [0, 1] on `like`'s device."""
    batch = torch.from_numpy(np.stack([np.asarray(f) for f in frames]))
    return batch.to(like.device, torch.float32).div_(255)


def _check(images_a: torch.Tensor, images_b: torch.Tensor, frames: int, overlap: bool) -> None:
    for name, images in (("images_a", images_a), ("images_b", images_b)):
        if images.ndim != 4 or images.shape[0] == 0 or images.shape[-1] not in (3, 4):
            raise ValueError(f"{name}: expected an IMAGE batch (B, H, W, 3), got "
                             f"{tuple(images.shape)}")
    if images_a.shape[1:3] != images_b.shape[1:3]:
        (ha, wa), (hb, wb) = images_a.shape[1:3], images_b.shape[1:3]
        raise ValueError(f"images_b is {wb}x{hb} and images_a {wa}x{ha}: scale one to the "
                         f"other's size first (e.g. with an Upscale Image node)")
    if overlap and min(images_a.shape[0], images_b.shape[0]) < frames:
        raise ValueError(f"an overlap of {frames} frames needs {frames} frames of each batch "
                         f"(images_a has {images_a.shape[0]}, images_b {images_b.shape[0]})")


class VAETransition:
    """Join two image batches with a VAE morph (or a crossfade / optical-flow baseline)."""

    CATEGORY = "video/transitions"
    RETURN_TYPES = ("IMAGE", "IMAGE")
    RETURN_NAMES = ("joined", "transition")
    FUNCTION = "join"
    DESCRIPTION = ("Joins images_a and images_b with an N-frame transition: inserted between "
                   "A's last frame and B's first, or (overlap) replacing A's last N frames and "
                   "B's first N, made from those moving pairs.")
    _model = None  # the shipped VAE, loaded on first use and kept

    @classmethod
    def INPUT_TYPES(cls):
        return {"required": {
            "images_a": ("IMAGE", {"tooltip": "clip A: its end leads into the transition"}),
            "images_b": ("IMAGE", {"tooltip": "clip B: the transition leads into its start"}),
            "frames": ("INT", {"default": 24, "min": 1, "max": MAX_TRANSITION_FRAMES,
                               "tooltip": "transition length N"}),
            "method": (list(METHODS), {"default": "vae"}),
            "overlap": ("BOOLEAN", {"default": False, "tooltip": "replace A's last N and B's "
                                    "first N frames instead of inserting N frames"}),
            "seed": ("INT", {"default": 0, "min": 0, "max": MAX_SEED}),
        }, "optional": {  # optional, so that saved workflows without it still load
            "motion_blur": ("FLOAT", {"default": 0.0, "min": 0.0, "max": 1.0, "step": 0.05,
                                      "tooltip": "blur what the morph moves over this share "
                                      "of a frame (0.5: a 180-degree shutter); 0: none"}),
        }}

    def join(self, images_a, images_b, frames, method, overlap, seed, motion_blur=0.0):
        """-> (joined, transition): A, the transition, B (overlap: A and B share N frames)."""
        _check(images_a, images_b, frames, overlap)
        spec = TransitionSpec(frames=frames, method=method, seed=seed, overlap=overlap,
                              motion_blur=motion_blur)
        model = self.model() if method == "vae" else None
        a, b = to_frames(images_a[-frames:] if overlap else images_a[-1:]), \
            to_frames(images_b[:frames] if overlap else images_b[:1])
        made = (make_overlap(a, b, spec, model) if overlap
                else make_transition(a[0], b[0], spec, model))
        transition = to_images(list(made), images_a)
        rgb_a, rgb_b = images_a[..., :3], images_b[..., :3].to(images_a.device)
        keep_a, keep_b = (rgb_a[:-frames], rgb_b[frames:]) if overlap else (rgb_a, rgb_b)
        joined = torch.cat([keep_a.float(), transition, keep_b.float()])
        return (joined, transition)

    @classmethod
    def model(cls):
        if cls._model is None:
            cls._model = load_model(device=pick_device())
        return cls._model


NODE_CLASS_MAPPINGS = {"VAETransition": VAETransition}
NODE_DISPLAY_NAME_MAPPINGS = {"VAETransition": "VAE Transition"}
