"""The morph: transition frames between two pictures.

transition.py is the one door (a TransitionSpec in, frames out; insert or overlap), vae.py the
VAE morph (encode, decode, measured pacing), field.py the smooth halfway field between the two
latents, transport.py the latents bent along it and handed over region by region, compose.py the
full-size frames, interpolate.py the hand-over schedule and paths, baselines.py the crossfade
and optical-flow baselines.
"""
