"""Integrations with editing and compositing applications.

- blender_addon/: the Blender VSE add-on's own modules (packed by blender.py as the zip
  `vae-transition blender-addon` writes); it runs the installed `vae-transition export`, so it
  imports nothing of the library inside Blender.
- comfyui.py: the ComfyUI node, on the morph's one door (morph.transition); comfyui_package.py
  writes the custom_nodes folder that loads it.
The MLT project for Shotcut is a timeline format (timeline/mlt.py). None reaches into the CLI.
"""
