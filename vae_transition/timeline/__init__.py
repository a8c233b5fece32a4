"""Editor timelines: one model (model.py: Timeline, built once) and one writer per format
(otio_json.py, edl.py, fcp7.py, fcpxml.py), chosen by name in write.py. A writer takes only a
Timeline and returns text; write.py puts the files in place.
"""
