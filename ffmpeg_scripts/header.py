"""ffmpeg's input header, read: what `ffmpeg -i FILE` prints to stderr about a file and its
streams (codec, profile, pixel format and colour, size, SAR, rates, rotation, audio, the file's
own metadata, its start timecode, a truncated file's warnings). Pure: text in, values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.errors import MediaError

# ffmpeg's warnings when a file ends early or a packet is cut short: a damaged clip.
_TRUNCATED = ("partial file", "File ended prematurely", "Packet corrupt", "corrupt input packet")
_CHANNELS = {"mono": 1, "stereo": 2, "downmix": 2, "binaural": 2, "quad": 4, "hexagonal": 6,
             "octagonal": 8, "cube": 8, "hexadecagonal": 16}


@dataclass(frozen=True)
class AudioInfo:
    codec: str  # "aac", "mp3", "pcm_s16le", ...
    sample_rate: int  # Hz, 0 when ffmpeg does not say
    channels: int  # 0 when the layout is unknown to us


EXACT_SEEK = ("mov,mp4", "matroska")  # demuxers whose seek lands exactly on a keyframe


def demuxer(stderr: str) -> str:
    """ "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '...'" -> "mov,mp4,m4a,3gp,3g2,mj2" """
    m = re.search(r"^Input #0, (.+?), from ", stderr, re.MULTILINE)
    return m.group(1) if m else ""


def check_complete(path: str, stderr: str) -> None:
    """A file that ends early yields fewer decodable frames than packets: refuse it."""
    truncated = [ln for ln in stderr.splitlines() if any(t in ln for t in _TRUNCATED)]
    if truncated:
        why = truncated[-1].split("] ", 1)[-1].strip()  # drop the "[in#0/mov,... @ 0x...]" tag
        raise MediaError(f"{path}: is truncated or damaged (ffmpeg: {why})", stderr=stderr)


def file_tags(stderr: str) -> tuple[tuple[str, str], ...]:
    """The input's own "Metadata:" block (indented 2, entries 4), not its streams' (4, 6)."""
    tags, inside = [], False
    for line in input_header(stderr).splitlines()[1:]:
        if line.startswith("  Metadata:"):
            inside = True
        elif inside and line.startswith("    ") and ":" in line:
            key, value = line.split(":", 1)
            tags.append((key.strip(), value.strip()))
        else:
            inside = False
    return tuple(tags)


_STREAM = re.compile(r"^\s*Stream #0:(\d+)\S*: (\w+): (.*)$")


def input_header(stderr: str) -> str:
    """The "Input #0 ..." block, without the output's look-alike stream lines."""
    start = stderr.find("Input #0")
    if start < 0:
        return ""
    end = min((i for i in (stderr.find("\nStream mapping:", start), stderr.find("\nOutput #0",
               start)) if i >= 0), default=len(stderr))
    return stderr[start:end]


def streams(stderr: str) -> list[tuple[str, str, str, int]]:
    """(index, kind, parameters, display rotation in degrees) of each input stream."""
    streams: list[tuple[str, str, str, int]] = []
    for line in input_header(stderr).splitlines():
        m = _STREAM.match(line)
        if m:
            streams.append((m.group(1), m.group(2), m.group(3), 0))
            continue
        # "Side data: Display Matrix: rotation of -90.00 degrees" belongs to the stream above.
        rot = re.search(r"display ?matrix: rotation of (-?[\d.]+) degrees", line, re.I)
        if rot and streams:
            streams[-1] = (*streams[-1][:3], round(float(rot.group(1))) % 360)
    return streams


def video_line(stderr: str) -> tuple[str, int] | None:
    """(parameters, rotation) of the video stream that `-map 0:V:0` picked, if any."""
    mapped = re.search(r"Stream #0:(\d+) -> #0:0", stderr)
    for index, kind, params, rotation in streams(stderr):
        if kind != "Video" or "(attached pic)" in params:
            continue
        if mapped is None or mapped.group(1) == index:
            return params, rotation
    return None


def _split_top(params: str) -> list[str]:
    """Split on the commas that are not inside (...) or [...]."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(params):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(params[start:i].strip())
            start = i + 1
    parts.append(params[start:].strip())
    return parts


def _codec_profile(part: str) -> tuple[str, str | None]:
    """"h264 (High) (avc1 / 0x31637661)" -> ("h264", "High"); "av1 (libdav1d) (Main)" too."""
    codec = part.split(" ", 1)[0]
    groups = [g for g in re.findall(r"\(([^()]*)\)", part) if " / 0x" not in g]  # no fourcc
    # ffmpeg prints the decoder's name first when it differs from the codec's ("mp3float");
    # decoder names are lowercase identifiers, profiles are not ("High", "Main 10", "LC").
    if groups and re.fullmatch(r"[a-z0-9_]+", groups[0]):
        groups = groups[1:]
    return codec, (groups[0] if groups else None)


def _number(text: str) -> float:
    """"23.98" -> 23.98, "24k" -> 24000.0 (ffmpeg's rounded rates)."""
    return float(text[:-1]) * 1000 if text.endswith("k") else float(text)


def parse_video(params: str) -> dict:
    parts = _split_top(params)
    codec, profile = _codec_profile(parts[0])
    pix_fmt, colour = None, Colour()
    m = re.fullmatch(r"([a-z0-9_]+)(?:\((.*)\))?", parts[1]) if len(parts) > 1 else None
    if m and m.group(1) != "none" and not re.fullmatch(r"\d+x\d+", m.group(1)):
        pix_fmt = m.group(1)
        colour = Colour.from_header(m.group(2) or "")
    size = re.search(r"(?:^|, )(\d+)x(\d+)", params)
    if size is None:
        raise ValueError(f"no picture size in ffmpeg's stream line: {params}")
    sar = re.search(r"SAR (\d+):(\d+)", params)
    fps = re.search(r"([\d.]+k?) fps", params)
    tbr = re.search(r"([\d.]+k?) tbr", params)
    return {
        "codec": codec, "profile": profile, "pix_fmt": pix_fmt, "color": colour.matrix,
        "colour": colour,
        "size": (int(size.group(1)), int(size.group(2))),
        "sar": Fraction(int(sar.group(1)), int(sar.group(2))) if sar and int(sar.group(1))
        and int(sar.group(2)) else Fraction(1),
        "fps": _number(fps.group(1)) if fps else None,
        "tbr": _number(tbr.group(1)) if tbr else None,
    }


def parse_audio(params: str) -> AudioInfo:
    """"aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s" -> AudioInfo."""
    parts = _split_top(params)
    rate = re.search(r"(\d+) Hz", params)
    channels = 0
    for i, part in enumerate(parts):
        if part.endswith(" Hz") and i + 1 < len(parts):
            channels = _channel_count(parts[i + 1])
    return AudioInfo(parts[0].split(" ", 1)[0], int(rate.group(1)) if rate else 0, channels)


def _channel_count(layout: str) -> int:
    """"stereo" -> 2, "5.1(side)" -> 6, "7.1.4" -> 12, "3 channels" -> 3; 0 when unknown."""
    m = re.fullmatch(r"(\d+) channels.*", layout)
    if m:
        return int(m.group(1))
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", layout)
    if m:
        return sum(int(g) for g in m.groups() if g)
    return _CHANNELS.get(layout.split("(")[0], 0)


def parse_start_timecode(stderr: str) -> str | None:
    """The first "timecode : 01:00:00:00" in an input header (tmcd track, MXF, QuickTime)."""
    header = stderr.split("Output #0", 1)[0]
    m = re.search(r"^\s*timecode\s*:\s*(\d\d:\d\d:\d\d[:;.]\d\d)\s*$", header, re.MULTILINE)
    return m.group(1) if m else None
