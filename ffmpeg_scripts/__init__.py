"""The ffmpeg side of vae-transition: locate ffmpeg, probe clips, read frames, encode, splice."""
