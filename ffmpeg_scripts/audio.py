"""The joined file's one audio track, as an ffmpeg-python graph, in sync to the sample.

Each clip contributes its audio (or silence) for the frames it shows outside transitions, and
under each transition a bridge mixes A's audio of the transition's span (its last N frames
before the out point) fading out with B's (its first N frames from the in point) fading in. In
overlap mode those are exactly the frames the transition replaces, so the audio crossfades over
the same frames as the picture; in insert mode the clips' edges are heard again under the
inserted frames.

Sample arithmetic: output frame P starts at sample round(P * 48000 / fps); every stretch of the
output gets exactly the samples between its first frame's and the next stretch's, and a clip's
frame f is read from its own sample round(f * 48000 / fps), so nothing drifts over a long chain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg

from ffmpeg_scripts.probe import ClipInfo

AUDIO_RATE = 48000


@dataclass(frozen=True)
class Sound:
    """A clip's audio as the output uses it (frames at the output's rate)."""

    clip: ClipInfo
    first: int                 # its in point
    end: int                   # one past its out point
    body: tuple[int, int]      # the frames it shows outside transitions


def sample(frame: int, fps: Fraction) -> int:
    """The first sample of `frame` at AUDIO_RATE."""
    return round(Fraction(frame) * AUDIO_RATE / fps)


@dataclass(frozen=True)
class Take:
    """One read of a clip's audio: `length` samples from sample `start` (may be < 0: silence)."""

    clip: int
    start: int
    length: int
    fade: str = ""             # "", "in" or "out" (over the whole take)


def takes(sounds: tuple[Sound, ...], bridges: tuple[int, ...], fps: Fraction) -> list[list[Take]]:
    """The output's audio in order: [[body take]] per clip, [[A's take, B's take]] per bridge."""
    out, pos = [], 0

    def span(frames: int) -> int:
        nonlocal pos
        length = sample(pos + frames, fps) - sample(pos, fps)
        pos += frames
        return length

    for k, s in enumerate(sounds):
        if k:
            a, n = sounds[k - 1], bridges[k - 1]
            length = span(n)
            out.append([Take(k - 1, sample(a.end - n, fps), length, "out"),
                        Take(k, sample(s.first, fps), length, "in")])
        out.append([Take(k, sample(s.body[0], fps), span(s.body[1] - s.body[0]))])
    return out


def _read(take: Take, source):
    """One take from `source` (a clip's audio, or silence): `take.length` samples from its
    sample `take.start`, padded with silence, faded in or out over its whole length."""
    n = take.length
    if take.start < 0:  # it starts before the clip: silence first
        source = source.filter("adelay", f"{-take.start}S", all=1)
    out = (source.filter("atrim", start_sample=max(0, take.start)).filter("asetpts", "PTS-STARTPTS")
           .filter("apad", whole_len=n).filter("atrim", end_sample=n))
    return _faded(out, take)


def _faded(stream, take: Take):
    if not take.fade:
        return stream
    return stream.filter("afade", t=take.fade, ss=0, ns=take.length, curve="qsin")


def _silent(take: Take, silence):
    """A take of a clip without audio: silence of its length."""
    return _faded(silence.filter("atrim", end_sample=take.length), take)


def audio_stream(sounds: tuple[Sound, ...], bridges: tuple[int, ...], fps: Fraction,
                 inputs: dict[str, object]):
    """The output's audio as one ffmpeg-python stream; inputs maps a file's path -> its input
    node (files with audio only). Each file's audio is read once and split for all its takes
    (a clip used twice is one input: ffmpeg-python merges equal nodes).

    Silence is a lavfi input (anullsrc): ffmpeg-python's filters need an input stream, so a
    source filter cannot sit inside the graph as it did in the hand-written one."""
    plan = takes(sounds, bridges, fps)
    uses = Counter(sounds[t.clip].clip.path if sounds[t.clip].clip.has_audio else ""
                   for stretch in plan for t in stretch)
    splits = {path: (inputs[path]["a:0"].filter("aresample", AUDIO_RATE)
                     .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
                     .filter("asetpts", "PTS-STARTPTS").filter_multi_output("asplit", n))
              for path, n in uses.items() if path}
    if uses[""]:
        splits[""] = (ffmpeg.input(f"anullsrc=r={AUDIO_RATE}:cl=stereo", format="lavfi")["a"]
                      .filter_multi_output("asplit", uses[""]))
    seen, order = Counter(), []
    for stretch in plan:
        parts = []
        for t in stretch:
            path = sounds[t.clip].clip.path if sounds[t.clip].clip.has_audio else ""
            source = splits[path].stream(seen[path])
            seen[path] += 1
            parts.append(_read(t, source) if path else _silent(t, source))
        order.append(parts[0] if len(parts) == 1 else
                     ffmpeg.filter(parts, "amix", inputs=len(parts), normalize=0,
                                   duration="longest"))
    return ffmpeg.concat(*order, v=0, a=1)
