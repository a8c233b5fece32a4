"""A picture's colour description as ffmpeg names it: range, matrix, primaries and transfer.

ffmpeg prints a stream's in its header, inside the pixel format's brackets, as
"yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67, progressive)": the range (tv = limited, pc =
full), then matrix/primaries/transfer, or one name when all three agree ("yuv420p(tv, bt709)").
showinfo prints a decoded frame's as "color_range:tv color_space:bt2020nc
color_primaries:bt2020 color_trc:arib-std-b67". Unset values read "unknown" in both; here they
are None.

Everything the tool encodes carries clip A's four values whole (`frame_params()` on the frames,
`output_options()` on the encoder), so a player never switches transfer at a splice. Only the
matrix and the range change pixel values (swscale converts them); primaries and transfer are
labels of the signal, which the morph works on as it is (HLG and PQ signal values, never
linearised), so they are carried, never converted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNSET = {"unknown", "unspecified", "reserved", ""}
# Matrices swscale converts with (and the name it takes for each); others decode as BT.601.
MATRICES = {"bt709", "bt470bg", "smpte170m", "bt2020nc", "fcc", "smpte240m"}
HDR_TRANSFERS = {"arib-std-b67": "HLG", "smpte2084": "PQ"}
_SHOWINFO = re.compile(r"color_range:(\S+) color_space:(\S+) color_primaries:(\S+) "
                       r"color_trc:(\S+)")


def _value(name: str | None) -> str | None:
    return None if name is None or name.strip() in _UNSET else name.strip()


@dataclass(frozen=True)
class Colour:
    """How a picture's YUV values are meant: None where the file does not say."""

    range: str | None = None      # "tv" (limited, 16-235 at 8 bits) or "pc" (full)
    matrix: str | None = None     # YUV <-> RGB: "bt709", "smpte170m", "bt2020nc", ...
    primaries: str | None = None  # "bt709", "smpte170m", "bt2020", ...
    trc: str | None = None        # transfer: "bt709", "arib-std-b67" (HLG), "smpte2084" (PQ)

    @classmethod
    def from_header(cls, details: str) -> Colour:
        """From the bracket after a pixel format: "tv, bt709/bt709/unknown, top first"."""
        range_, names = None, None
        for item in (d.strip() for d in details.split(",")):
            if item in ("tv", "pc"):
                range_ = item
            elif names is None and item and "first" not in item and item not in (
                    "progressive", "unknown"):
                names = item.split("/")
        if names is None:
            return cls(range_)
        matrix, primaries, trc = (names * 3)[:3] if len(names) == 1 else (names + [""] * 3)[:3]
        return cls(range_, _value(matrix), _value(primaries), _value(trc))

    @classmethod
    def from_showinfo(cls, line: str) -> Colour | None:
        """From showinfo's colour line of a frame, or None when `line` is not one."""
        m = _SHOWINFO.search(line)
        return cls(*(_value(v) for v in m.groups())) if m else None

    def means(self, other: Colour) -> bool:
        """Whether two descriptions mean the same picture: equal, where an unset range is
        limited ("tv"), as every decoder takes YUV without one (a container may add the tag)."""
        return self.normal() == other.normal()

    def normal(self) -> Colour:
        return Colour(self.range or "tv", self.matrix, self.primaries, self.trc)

    @property
    def tagged(self) -> bool:
        return any((self.range, self.matrix, self.primaries, self.trc))

    @property
    def hdr(self) -> str | None:
        """"HLG" or "PQ" for an HDR transfer, else None."""
        return HDR_TRANSFERS.get(self.trc or "")

    @property
    def full_range(self) -> bool:
        return self.range == "pc"

    def conversion_matrix(self) -> str:
        """The matrix that RGB <-> YUV uses for these frames: the tag, or BT.601 when untagged
        (what swscale decodes untagged YUV with)."""
        return self.matrix if self.matrix in MATRICES else "bt470bg"

    def frame_params(self) -> dict[str, str]:
        """setparams options that tag frames with exactly these four values (unset ones
        "unknown", so an untagged clip's segment is untagged too)."""
        return {"range": self.range or "unspecified", "colorspace": self.matrix or "unknown",
                "color_primaries": self.primaries or "unknown",
                "color_trc": self.trc or "unknown"}

    def output_options(self) -> dict[str, str]:
        """Encoder options for the set values (the stream header and the codec's VUI)."""
        named = {"color_range": self.range, "colorspace": self.matrix,
                 "color_primaries": self.primaries, "color_trc": self.trc}
        return {k: v for k, v in named.items() if v}

    def text(self) -> str:
        """"tv bt2020nc/bt2020/arib-std-b67" or "untagged", for messages."""
        if not self.tagged:
            return "untagged"
        names = "/".join(v or "unknown" for v in (self.matrix, self.primaries, self.trc))
        return f"{self.range or 'unknown range'} {names}"
