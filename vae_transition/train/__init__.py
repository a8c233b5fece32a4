"""Training the VAE: the loop (loop.py), its data (dataset.py, datafile.py, device_sampler.py),
its extra objectives (latent_warp.py: moved latents; critic.py: ACAI), and per-pair
fine-tuning at join time (adapt.py). Needs the train extra for the sample images.
"""
