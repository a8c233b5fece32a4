"""Integrations with editing and compositing applications (a Blender add-on, a ComfyUI node,
...). Each sits on the library's public calls: a join plan (join.plan), the cut step
(join.cuts), and the timeline writers (timeline.write); none reaches into the CLI.
"""
