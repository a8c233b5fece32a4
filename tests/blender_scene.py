"""Run inside Blender (`blender [-b] --factory-startup --python tests/blender_scene.py -- SPEC`):
install the add-on zip as Preferences > Add-ons > Install does, build a sequence of two trimmed
movie strips (with their sound), run the operator, and write what happened to a JSON file.

SPEC is a JSON file:
  addon_zip, result     paths
  exe                   the add-on preference (empty: vae-transition on PATH)
  clips                 [{path, head, tail, hard_head, sound}] for A and B (trims in frames)
  extras                add strips after the cut: a muted colour strip and a sound strip
  select                names of the strips to select ("A", "B", ...)
  op                    the operator's keyword arguments
  save_as               save the .blend there first (else it stays unsaved)
  truncate              a file to cut short before the operator (a clip gone bad)
  undo                  undo after the operator (needs a window: run under Xvfb, without -b)
  screenshot            a PNG path: show the sequencer (timeline and preview at the morph's
                        middle) and take a screenshot of it (needs a window too)
  size                  the scene's picture [w, h] (default [64, 48])
  render                a folder: render the sequence there as PNG frames (Standard view)
The result: {"before", "after", "undone"} states (strip -> [type, channel, start, end,
source_in, file]), "error" (the operator's report, or null), "frame_end", "rendered".
"""

import json
import os
import sys
import traceback

import bpy


def strips(editor):
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def state(scene):
    out = {}
    for s in strips(scene.sequence_editor):
        path = s.filepath if s.type == "MOVIE" else (s.sound.filepath if s.type == "SOUND"
                                                     else "")
        source_in = (round(s.frame_final_start) - round(s.frame_start)
                     + round(getattr(s, "animation_offset_start", 0)))
        out[s.name] = [s.type, s.channel, round(s.frame_final_start), round(s.frame_final_end),
                       source_in, os.path.normpath(bpy.path.abspath(path)) if path else ""]
    return out


def add_clip(editor, name: str, clip: dict, at: int):
    """A movie strip (and its sound strip below) whose first shown frame is `at`."""
    # made on a free channel, trimmed and placed, then moved to its own (Blender shuffles a
    # strip that lands on another)
    made = [(strips(editor).new_movie(name, clip["path"], 20, 1), 2)]
    if clip.get("sound"):
        made.append((strips(editor).new_sound(name + ".sound", clip["path"], 21, 1), 1))
    for s, channel in made:
        if clip.get("hard_head"):
            s.animation_offset_start = clip["hard_head"]
        s.frame_offset_start = clip.get("head", 0)
        s.frame_offset_end = clip.get("tail", 0)
        s.frame_start += at - round(s.frame_final_start)
        s.channel = channel
    return made[0][0]


def build(scene, spec: dict):
    scene.render.fps, scene.render.fps_base = 24, 1.0
    scene.render.resolution_x, scene.render.resolution_y = spec.get("size", (64, 48))
    editor = scene.sequence_editor_create()
    a = add_clip(editor, "A", spec["clips"][0], 1)
    b = add_clip(editor, "B", spec["clips"][1], round(a.frame_final_end))
    if spec.get("extras"):
        cut = round(a.frame_final_end)
        span = {"length": 7} if bpy.app.version >= (5, 0, 0) else {"frame_end": cut + 9}
        color = strips(editor).new_effect("Title", "COLOR", 6, frame_start=cut + 2, **span)
        color.mute = True  # moves with the edit but stays out of the picture
        strips(editor).new_sound("Music", spec["clips"][1]["path"], 5, cut + 3)
    scene.frame_start = 1
    scene.frame_end = round(b.frame_final_end) - 1
    for s in strips(editor):
        s.select = s.name in spec["select"]


def render(scene, folder: str) -> int:
    """The sequence as PNG frames, colours passed through (Standard, not Filmic/AgX)."""
    video = [s for s in strips(scene.sequence_editor) if s.type in ("MOVIE",) and not s.mute]
    first = min(round(s.frame_final_start) for s in video)
    last = max(round(s.frame_final_end) for s in video) - 1
    r = scene.render
    r.resolution_percentage = 100
    r.image_settings.file_format, r.image_settings.color_mode = "PNG", "RGB"
    r.use_sequencer = True
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.frame_start, scene.frame_end = first, last
    r.filepath = os.path.join(folder, "frame_")
    bpy.ops.render.render(animation=True)
    return last - first + 1


def run(spec: dict) -> dict:
    bpy.ops.preferences.addon_install(filepath=spec["addon_zip"])
    bpy.ops.preferences.addon_enable(module="vae_transition_blender")
    prefs = bpy.context.preferences.addons["vae_transition_blender"].preferences
    prefs.executable = spec.get("exe", "")
    scene = bpy.context.scene
    build(scene, spec)
    if spec.get("save_as"):
        bpy.ops.wm.save_as_mainfile(filepath=spec["save_as"])
    if spec.get("truncate"):
        with open(spec["truncate"], "r+b") as f:
            f.truncate(3000)
    result = {"before": state(scene), "error": None, "undone": None}
    if spec.get("undo"):
        bpy.ops.ed.undo_push(message="before the morph")
    try:  # as the menu calls it: one undo step when the window has an undo stack
        bpy.ops.sequencer.vae_transition("EXEC_DEFAULT", bool(spec.get("undo")), **spec["op"])
    except RuntimeError as exc:  # an operator's ERROR report, as Blender raises it in scripts
        result["error"] = str(exc)
    result["after"] = state(scene)
    result["frame_end"] = scene.frame_end
    if spec.get("render") and result["error"] is None:
        result["rendered"] = render(scene, spec["render"])
    if spec.get("undo"):
        bpy.ops.ed.undo()
        result["undone"] = state(bpy.context.scene)
    if spec.get("screenshot") and result["error"] is None:
        result["shown"] = show_sequencer(scene)
    return result


def show_sequencer(scene):
    """The biggest area becomes the sequencer (timeline over preview), framed on all strips,
    the playhead in the morph's middle. Returns (window, area) for the screenshot."""
    window = bpy.context.window_manager.windows[0]
    area = max(window.screen.areas, key=lambda a: a.width * a.height)
    area.type = "SEQUENCE_EDITOR"
    space = area.spaces.active
    space.view_type = "SEQUENCER_PREVIEW"
    space.timeline_overlay.show_strip_source = False  # no temporary folders in the picture
    morph = strips(scene.sequence_editor)["VAE morph"]
    scene.frame_current = round(morph.frame_final_start + morph.frame_final_duration / 2)
    return window, area


def frame_views(window, area) -> None:
    """Fit the timeline to the strips and the preview to its region (once they are drawn)."""
    for region in area.regions:
        if region.type in ("WINDOW", "PREVIEW"):
            with bpy.context.temp_override(window=window, area=area, region=region):
                bpy.ops.sequencer.view_all() if region.type == "WINDOW" else \
                    bpy.ops.sequencer.view_all_preview()


def main():
    spec = json.load(open(sys.argv[sys.argv.index("--") + 1]))
    try:
        result = run(spec)
    except Exception:
        result = {"crash": traceback.format_exc()}
    shown = result.pop("shown", None)
    with open(spec["result"], "w") as f:
        json.dump(result, f, indent=1)
    return spec, shown


if bpy.app.background:
    main()
else:  # with a window: run once the UI is up (undo needs it), draw, screenshot, then quit
    def _later():
        spec, shown = main()
        if shown is None:
            bpy.ops.wm.quit_blender()
            return None

        def _shoot():
            window, area = shown
            with bpy.context.temp_override(window=window, area=area):
                bpy.ops.screen.screenshot_area(filepath=spec["screenshot"])
            bpy.ops.wm.quit_blender()

        frame_views(*shown)
        bpy.app.timers.register(lambda: frame_views(*shown), first_interval=1.0)
        bpy.app.timers.register(_shoot, first_interval=2.0)
        return None

    bpy.app.timers.register(_later, first_interval=0.5)
