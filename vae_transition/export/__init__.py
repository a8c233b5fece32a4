"""Transition segments in an editor's format (ProRes, DNxHR, H.264, image sequences): the
formats and their rules (formats.py), and writing frames into one (write.py).
"""
