"""ffmpeg's framecrc listing of a file's packets, read: per stream, its time base and each
packet's (dts, pts, duration, flags) in decode order. Pure: text in, numbers out.

framecrc prints "#tb 0: 1/12288" per stream and a line per packet, "0, dts, pts, duration,
size, crc" and, when they differ from "keyframe", its flags ("F=0x0" a plain packet, "F=0x4"
one an MP4 edit list hides). A timestamp the file lacks prints as NOPTS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

KEY = 0x1        # AV_PKT_FLAG_KEY
DISCARD = 0x4    # AV_PKT_FLAG_DISCARD
NOPTS = -(2**63)  # AV_NOPTS_VALUE

Packet = tuple[int, int, int, int]  # (dts, pts, duration, flags), in the stream's time base


@dataclass
class Stream:
    """One stream's packets as framecrc lists them."""

    tb: Fraction = Fraction(1, 1000)  # unused in practice: framecrc always prints "#tb"
    kind: str = ""                    # "video", "audio", ... ("#media_type 0: video")
    packets: list[Packet] = field(default_factory=list)

    @property
    def shown(self) -> list[Packet]:
        """The packets a decoder outputs as frames (not hidden by an edit list)."""
        return [p for p in self.packets if not p[3] & DISCARD]


def parse(text: str) -> dict[int, Stream]:
    """framecrc text -> {stream index: Stream}."""
    streams: dict[int, Stream] = {}
    for line in text.splitlines():
        if line.startswith("#tb "):
            index, value = line[4:].split(":", 1)
            num, den = value.strip().split("/")
            streams.setdefault(int(index), Stream()).tb = Fraction(int(num), int(den))
        elif line.startswith("#media_type "):
            index, value = line[12:].split(":", 1)
            streams.setdefault(int(index), Stream()).kind = value.strip()
        elif line[:1].isdigit():
            fields = [f.strip() for f in line.split(",")]
            # no F= field means exactly "keyframe"
            flags = next((int(f[2:], 16) for f in fields[6:] if f.startswith("F=")), KEY)
            packet = (int(fields[1]), int(fields[2]), int(fields[3]), flags)
            streams.setdefault(int(fields[0]), Stream()).packets.append(packet)
    return streams
