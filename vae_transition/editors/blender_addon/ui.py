"""The add-on's Blender side: its preferences, the operator, and its place on the Strip menu.

The operator reads the strips into plain records, lets cut.py decide (nothing is changed when
it refuses), runs `vae-transition export` for the morph (runner.py), and only then edits the
timeline. It is one undo step; if Blender refuses a change half-way, the changes made so far are
put back before the error is reported.
"""

from __future__ import annotations

import os
import tempfile

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from .cut import (AddonError, Edit, Strip, check_rates, export_args, output_path, pick_pair,
                  plan_edit)
from .runner import find_executable, run

METHODS = (("vae", "VAE morph", "Morph through the VAE"),
           ("crossfade", "Crossfade", "A linear crossfade (a baseline)"),
           ("flow", "Optical flow", "An optical-flow morph (a baseline)"))


def strips_of(editor):
    """The top-level strips (`strips` from Blender 4.4 on, `sequences` before)."""
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def record(s) -> Strip:
    """A Blender strip as cut.py sees it."""
    path = ""
    if s.type == "MOVIE":
        path = s.filepath
    elif s.type == "SOUND" and s.sound is not None:
        path = s.sound.filepath
    if path:  # "//../clips/a.mp4" in a saved file: relative to it
        path = os.path.normpath(bpy.path.abspath(path))
    start, end = round(s.frame_final_start), round(s.frame_final_end)
    # the file's frame at `start`: soft trim (frame_offset_start) plus hard trim
    source_in = start - round(s.frame_start) + round(getattr(s, "animation_offset_start", 0))
    return Strip(s.name, s.type, s.channel, start, end, source_in, path,
                     float(getattr(s, "fps", 0.0)) if s.type == "MOVIE" else 0.0, s.select,
                     s.lock, getattr(s, "input_1", None) is not None)


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def media_folder() -> str:
    """Where an unsaved file's morphs go (kept after Blender quits, unlike bpy.app.tempdir)."""
    folder = os.path.join(tempfile.gettempdir(), "vae-transition-blender")
    os.makedirs(folder, exist_ok=True)
    return folder


class VaeTransitionPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    executable: StringProperty(
        name="vae-transition command", subtype="FILE_PATH", default="",
        description="The vae-transition executable; empty: the one found on PATH")

    def draw(self, context):
        self.layout.prop(self, "executable")


class SEQUENCER_OT_vae_transition(bpy.types.Operator):
    """Join the two selected movie strips with a VAE morph, as vae-transition join does"""

    bl_idname = "sequencer.vae_transition"
    bl_label = "VAE Transition"
    bl_options = {"REGISTER", "UNDO"}

    frames: IntProperty(name="Frames", default=24, min=1, max=1000,
                        description="Length of the transition in frames")
    method: EnumProperty(name="Method", items=METHODS, default="vae")
    overlap: BoolProperty(name="Overlap", default=False,
                          description="Cover A's last frames and trim B's first ones (both keep "
                                      "playing) instead of inserting the morph between them")
    seed: IntProperty(name="Seed", default=0, min=0, description="Seed for anything random")
    motion_blur: FloatProperty(name="Motion blur", default=0.0, min=0.0, max=1.0,
                               description="Blur what the morph moves over this share of a "
                                           "frame (0.5: a 180-degree shutter); 0: none")

    @classmethod
    def poll(cls, context):
        return context.scene is not None and context.scene.sequence_editor is not None

    def execute(self, context):
        try:
            morph = self.make(context)
        except AddonError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"{morph.name}: {self.frames} frames from {morph.filepath}")
        return {"FINISHED"}

    def make(self, context):
        scene = context.scene
        strips = [record(s) for s in strips_of(scene.sequence_editor)]
        a, b = pick_pair(strips)
        check_rates(a, b, scene_fps(scene))
        edit = plan_edit(strips, a, b, self.frames, self.overlap)
        addon = context.preferences.addons.get(__package__)
        exe = find_executable(addon.preferences.executable if addon else "")
        out = output_path(bpy.data.filepath, media_folder(), a, b)
        run(exe, export_args(a, b, self.frames, self.method, self.overlap,
                                        self.seed, out, self.motion_blur))
        return apply_edit(scene, edit, out, self.overlap)


def apply_edit(scene, edit: Edit, path: str, overlap: bool):
    """Trim, move, add the morph strip and select it; put everything back if Blender refuses."""
    editor = scene.sequence_editor
    strips = {s.name: s for s in strips_of(editor)}
    undo = []  # (strip, attribute, old value), newest last
    try:
        for name, head in edit.trims:
            undo.append((strips[name], "frame_offset_start", strips[name].frame_offset_start))
            strips[name].frame_offset_start += head
        for name, delta in edit.moves:
            undo.append((strips[name], "frame_start", strips[name].frame_start))
            strips[name].frame_start += delta
        morph = strips_of(editor).new_movie(name="VAE morph", filepath=path,
                                            channel=edit.morph_channel,
                                            frame_start=edit.morph_start)
        if round(morph.frame_final_duration) != edit.frames:
            strips_of(editor).remove(morph)
            raise AddonError(f"{path}: Blender reads {morph.frame_final_duration} frames "
                                 f"where the morph has {edit.frames}")
    except (RuntimeError, TypeError, AddonError) as exc:
        for strip, attr, value in reversed(undo):
            setattr(strip, attr, value)
        raise AddonError(str(exc).strip().splitlines()[-1]) from None
    if scene.frame_end >= edit.cut:  # the scene plays past the cut: it grows or shrinks too
        scene.frame_end += -edit.frames if overlap else edit.frames
    for s in strips_of(editor):
        s.select = False
    morph.select = True
    editor.active_strip = morph
    return morph


def menu_entry(self, context):
    self.layout.separator()
    self.layout.operator(SEQUENCER_OT_vae_transition.bl_idname, text="VAE Transition")


CLASSES = (VaeTransitionPreferences, SEQUENCER_OT_vae_transition)


def register_classes():
    for c in CLASSES:
        bpy.utils.register_class(c)
    bpy.types.SEQUENCER_MT_strip.append(menu_entry)


def unregister_classes():
    bpy.types.SEQUENCER_MT_strip.remove(menu_entry)
    for c in reversed(CLASSES):
        bpy.utils.unregister_class(c)
