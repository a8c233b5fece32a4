"""The Timeline as OpenTimelineIO JSON (.otio): every rate exact (RationalTime at the media's
rate), one video track and one audio track if any clip has sound.
"""

from __future__ import annotations

import os
from fractions import Fraction

from vae_transition.timeline.model import Item, Media, Timeline, edl_reels


def otio_timeline(tl: Timeline):
    """The Timeline as an opentimelineio Timeline: one video track, one audio track if any.

    A clip's source_range is its used range (timecode included) at the media's rate; its media
    reference's available_range is the whole file, so the unused frames are handles.
    """
    import opentimelineio as otio

    def rt(frames: int, fps: Fraction):
        return otio.opentime.RationalTime(frames, float(fps))

    reels = edl_reels(tl)

    def clip(item: Item):
        m = item.media
        return otio.schema.Clip(
            name=m.name, media_reference=_otio_reference(otio, m, rt),
            source_range=otio.opentime.TimeRange(rt(m.start_frame + item.source_in, m.fps),
                                                 rt(item.frames, m.fps)),
            metadata={"cmx_3600": {"reel": reels[m.path]},
                      "vae_transition": {"role": item.role, "reel": m.reel}})

    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    video.extend(clip(i) for i in tl.items)
    tracks = [video]
    if tl.has_audio:  # the audio of a clip uses the same source range as its video
        audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
        for item in tl.items:
            audio.append(clip(item) if item.media.has_audio else otio.schema.Gap(
                source_range=otio.opentime.TimeRange(rt(0, tl.fps),
                                                     rt(item.record_frames, tl.fps))))
        tracks.append(audio)
    out = otio.schema.Timeline(name=tl.name, global_start_time=rt(tl.start_frame, tl.fps))
    out.tracks.extend(tracks)
    return out


def _otio_reference(otio, m: Media, rt):
    available = otio.opentime.TimeRange(rt(m.start_frame, m.fps), rt(m.frames, m.fps))
    if m.sequence is None:
        # A plain absolute path: Resolve cannot open "file://" URLs from .otio files.
        return otio.schema.ExternalReference(target_url=m.path, available_range=available)
    pattern, first = m.sequence
    prefix, suffix = pattern.split("%06d")
    return otio.schema.ImageSequenceReference(
        target_url_base=m.path + os.sep, name_prefix=prefix, name_suffix=suffix,
        start_frame=first, frame_zero_padding=6, rate=float(m.fps), available_range=available)


def otio_text(tl: Timeline) -> str:
    import opentimelineio as otio

    return otio.adapters.write_to_string(otio_timeline(tl), adapter_name="otio_json")
