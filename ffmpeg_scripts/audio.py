"""The joined file's one audio track, as filter_complex parts, in sync to the sample.

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

from dataclasses import dataclass
from fractions import Fraction

from ffmpeg_scripts.probe import ClipInfo

AUDIO_RATE = 48000
_FORMAT = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"


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


def _read(take: Take, sound: Sound, source: str, label: str) -> str:
    """One take as [label]: a clip's audio from its sample, padded with silence to its length."""
    n, fade = take.length, ""
    if take.fade:
        fade = f",afade=t={take.fade}:ss=0:ns={n}:curve=qsin"
    if not sound.clip.has_audio:
        return f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=end_sample={n}{fade}[{label}]"
    lead = f"adelay={-take.start}S:all=1," if take.start < 0 else ""  # before the clip: silence
    return (f"[{source}]{lead}atrim=start_sample={max(0, take.start)},asetpts=PTS-STARTPTS,"
            f"apad=whole_len={n},atrim=end_sample={n}{fade}[{label}]")


def audio_graph(sounds: tuple[Sound, ...], bridges: tuple[int, ...], fps: Fraction,
                inputs: dict[int, int]) -> list[str]:
    """filter_complex parts building [aout]; inputs maps clip index -> ffmpeg input index."""
    plan = takes(sounds, bridges, fps)
    uses: dict[int, int] = {}
    for stretch in plan:
        for t in stretch:
            uses[t.clip] = uses.get(t.clip, 0) + 1
    parts, seen = [], {k: 0 for k in uses}
    for k, count in uses.items():
        if sounds[k].clip.has_audio:
            parts.append(f"[{inputs[k]}:a:0]{_FORMAT},asetpts=PTS-STARTPTS,asplit={count}"
                         + "".join(f"[c{k}_{i}]" for i in range(count)))
    order = []
    for j, stretch in enumerate(plan):
        labels = []
        for i, t in enumerate(stretch):
            labels.append(f"s{j}_{i}")
            parts.append(_read(t, sounds[t.clip], f"c{t.clip}_{seen[t.clip]}", labels[-1]))
            seen[t.clip] += 1
        if len(labels) == 1:
            order.append(f"[{labels[0]}]")
        else:
            parts.append("".join(f"[{x}]" for x in labels)
                         + f"amix=inputs={len(labels)}:normalize=0:duration=longest[m{j}]")
            order.append(f"[m{j}]")
    parts.append("".join(order) + f"concat=n={len(order)}:v=0:a=1[aout]")
    return parts
