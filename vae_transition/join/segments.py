"""What the cut step keeps in the cache: a transition's frames, and its encoded segment.

Two entries per cut, so that what does not depend on the output format is shared:
- the *frames* entry (KEY.mkv): the made frames, upright, lossless (Ut Video, RGB), keyed by what
  decides them: the cut's input frames, its TransitionSpec, the model's weights and the code.
  `export`, timelines and scores read these, bit-exact, whatever the join's format;
- the *segment* entry (KEY.mp4): those frames encoded to match clip A for a stream-copied join,
  keyed by the frames' key plus the format. (The re-encode path splices the frames entry itself.)

Nothing is trusted because of its name (cache.py): a fetched copy is probed and must hold the
frame count, size, codec and pixel format it should, or it is noted, removed, and made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict

import numpy as np

from ffmpeg_scripts import probe
from ffmpeg_scripts.encode import LOSSLESS, VideoFormat
from ffmpeg_scripts.errors import FFmpegError
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import cache
from vae_transition.digests import code_digest

# the code that decides a transition's frames, and the code that encodes a segment
FRAMES_CODE = ("vae_transition.morph.transition", "vae_transition.morph.vae",
               "vae_transition.morph.interpolate", "vae_transition.morph.transport",
               "vae_transition.morph.compose", "vae_transition.morph.baselines",
               "vae_transition.morph.field", "vae_transition.morph.bars",
               "vae_transition.morph.phases", "vae_transition.morph.pacing",
               "vae_transition.morph.follow", "vae_transition.morph.massplan",
               "vae_transition.model", "vae_transition.tensors",
               "vae_transition.metrics")  # the pace is measured with metric_luma
SEGMENT_CODE = ("ffmpeg_scripts.encode", "ffmpeg_scripts.graphs", "ffmpeg_scripts.colour")
FRAMES_EXT, SEGMENT_EXT = ".mkv", ".mp4"


def frames_key(spec, inputs, model_digest: str) -> str:
    """Content key of a cut's made frames: its input frames (A's then B's, as read), the
    TransitionSpec, the model's weights and the code that makes frames."""
    h = hashlib.sha256(repr((asdict(spec), model_digest, code_digest(*FRAMES_CODE))).encode())
    for f in inputs:
        h.update(np.ascontiguousarray(f).tobytes())
    return h.hexdigest()[:32]


def segment_key(key: str, fmt: VideoFormat) -> str:
    """Content key of those frames encoded to match `fmt` for a stream copy."""
    return hashlib.sha256(repr((key, asdict(fmt), code_digest(*SEGMENT_CODE))).encode()
                          ).hexdigest()[:32]


def expected(fmt: VideoFormat, segment: bool) -> tuple:
    """(width, height, codec, pix_fmt) that a frames file, or a segment, must have."""
    if segment:
        return (*fmt.coded_size, fmt.codec, fmt.pix_fmt)
    return (fmt.width, fmt.height, *LOSSLESS)


def fetch(ff: FFmpegBinary, folder: str, key: str, ext: str, frames: int, want: tuple,
          workdir: str, log: Callable[[str], None]) -> str | None:
    """A verified copy of a cached file in workdir, or None (a miss; or a damaged entry, which
    is noted and removed so that the caller makes it again). want: expected()'s tuple."""
    if not cache.has_entry(folder, key):
        return None
    try:
        copy = cache.fetch(folder, key, (ext,), workdir)[ext]
        info = _probe(ff, copy)
        got = (info.frame_count, info.width, info.height, info.codec, info.pix_fmt)
        if got != (frames, *want):
            raise cache.BadEntry("it holds {} frames of {}x{} {} {}".format(*got))
        return copy
    except cache.BadEntry as exc:
        log(f"note: cached transition {key} is damaged ({exc}): removed, making it again")
        cache.evict(folder, key, (ext,))
        return None


def store(folder: str, entries: list[tuple[str, str, str]], log: Callable[[str], None]) -> None:
    """Cache files as entries (key, ext, path), best effort: the first failure is one note."""
    failed = next(filter(None, (cache.store(folder, key, {ext: path})
                                for key, ext, path in entries)), None)
    if failed:
        log(f"note: could not cache a transition ({failed}); continuing without")


def _probe(ff: FFmpegBinary, path: str) -> probe.ClipInfo:
    try:
        return probe.probe(ff, path)
    except FFmpegError as exc:
        raise cache.BadEntry(f"ffmpeg cannot read it: {exc}") from None
