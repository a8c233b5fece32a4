"""The morph: transition frames between two pictures.

transition.py is the one door (a TransitionSpec in, frames out; insert or overlap), vae.py the
VAE morph (encode, decode, measured pacing), transport.py the matching of latent cells and their
flows, compose.py the full-size frames, interpolate.py the hand-over schedule and paths,
baselines.py the crossfade and optical-flow baselines.
"""
