"""VAE Transition for Blender's Video Sequence Editor (Blender 3.4 and later).

`vae-transition blender-addon -o FILE.zip` packs this folder as the add-on package
`vae_transition_blender`; install the zip with Edit > Preferences > Add-ons > Install. The
operator `bpy.ops.sequencer.vae_transition(frames=24, method='vae', overlap=False)` (Strip menu >
VAE Transition) joins the two selected movie strips as `vae-transition join` does, running the
installed `vae-transition` command, so Blender's Python needs no torch.

Only this file is read when Blender lists add-ons: bpy is imported by ui.py, on register().
"""

bl_info = {
    "name": "VAE Transition",
    "author": "vae-transition",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "Sequencer > Strip > VAE Transition",
    "description": "Join two movie strips with a VAE morph (runs the vae-transition command)",
    "category": "Sequencer",
}


def register():
    from .ui import register_classes

    register_classes()


def unregister():
    from .ui import unregister_classes

    unregister_classes()
