"""Colour carried whole (issue 22): every frame the tool encodes carries clip A's range, matrix,
primaries and transfer, for SDR BT.601 and BT.709, HLG and PQ, 8 and 10 bits, in pass-through
and in re-encode. Each clip is made from ffmpeg's own sources; the joined file's frames are read
back with showinfo, independently of the product's own check.
"""

from __future__ import annotations


import numpy as np
import pytest
from click.testing import CliRunner

from conftest import make_clip
from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.probe import input_url, probe
from ffmpeg_scripts.process import run_capture
from vae_transition.cli import cli

N = 6
FAST = ("--method", "crossfade", "-n", str(N), "--no-cache")

# name -> (codec, pix_fmt, (range, matrix, primaries, transfer))
CASES = {
    "bt601-8bit": ("libx264", "yuv420p", ("tv", "smpte170m", "smpte170m", "smpte170m")),
    "bt709-8bit": ("libx264", "yuv420p", ("tv", "bt709", "bt709", "bt709")),
    "bt709-full-range": ("libx264", "yuv420p", ("pc", "bt709", "bt709", "bt709")),
    "bt709-10bit": ("libx264", "yuv420p10le", ("tv", "bt709", "bt709", "bt709")),
    "hlg-10bit-h264": ("libx264", "yuv420p10le", ("tv", "bt2020nc", "bt2020", "arib-std-b67")),
    "pq-10bit-hevc": ("libx265", "yuv420p10le", ("tv", "bt2020nc", "bt2020", "smpte2084")),
    "sdr-601-primaries-709-transfer": ("libx264", "yuv420p", ("tv", "smpte170m", "smpte170m",
                                                             "bt709")),
}


def tagged_clip(path, case: str, source: str = "testsrc2", frames: int = 12, skip: int = 0):
    """A clip of `case`'s codec, pixel format and four tags; skip: start `skip` frames into
    the source (B continuing A)."""
    codec, pix_fmt, (rng, matrix, primaries, trc) = CASES[case]
    tags = (f"setparams=range={rng}:colorspace={matrix}:color_primaries={primaries}:"
            f"color_trc={trc}")
    head = f"trim=start_frame={skip},setpts=PTS-STARTPTS," if skip else ""
    extra = ("-vf", f"{head}scale=out_color_matrix={matrix}:out_range={rng},format={pix_fmt},"
                    f"{tags}")
    if codec == "libx265":
        extra += ("-x265-params", "log-level=error")
    return make_clip(path, frames=frames, codec=codec, pix_fmt=pix_fmt, source=source, gop=6,
                     extra=extra)


def frame_tags(ff, path) -> list[Colour]:
    """Every decoded frame's colour tags, as showinfo prints them."""
    _, err = run_capture([*ff.base("info"), "-i", input_url(path), "-map", "0:V:0", "-vf",
                          "showinfo=checksum=0", "-f", "null", "-"])
    return [c for c in map(Colour.from_showinfo, err.splitlines()) if c is not None]


@pytest.mark.parametrize("path", ["pass-through", "re-encode"])
@pytest.mark.parametrize("case", list(CASES))
def test_every_frame_carries_clip_as_colour(ff, tmp_path, case, path):
    a = tagged_clip(tmp_path / "a.mp4", case)
    b = tagged_clip(tmp_path / "b.mp4", case, source="mandelbrot")
    want = Colour(*CASES[case][2])
    assert probe(ff, a).colour == want  # the probe reads all four from the header
    pix_fmt = probe(ff, a).pix_fmt  # full-range H.264 reads as yuvj420p
    out = tmp_path / "out.mp4"
    extra = ("--reencode",) if path == "re-encode" else ()
    result = CliRunner().invoke(cli, ["join", *FAST, *extra, "-o", str(out), str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert path.replace("-", "") in result.output.replace("-", "")
    tags = frame_tags(ff, out)
    assert len(tags) == 12 + N + 12
    wrong = [k for k, c in enumerate(tags) if c != want]
    assert wrong == [], f"frames {wrong[:3]}... say {tags[wrong[0]].text()}, not {want.text()}"
    info = probe(ff, out)
    assert info.colour == want and info.pix_fmt == pix_fmt


def _signal(ff, path, pix_fmt: str) -> np.ndarray:
    """Every frame's luma as stored, in code values: (frames, H, W)."""
    wide = pix_fmt.endswith("10le")
    out, _ = run_capture([*ff.base(), "-i", input_url(path), "-map", "0:V:0", "-f", "rawvideo",
                          "-pix_fmt", "gray10le" if wide else "gray", "pipe:1"])
    return np.frombuffer(out, np.uint16 if wide else np.uint8).reshape(-1, 48, 64).astype(float)


@pytest.mark.parametrize("case", ["hlg-10bit-h264", "pq-10bit-hevc"])
def test_hdr_morph_does_not_jump_at_the_splices(ff, tmp_path, case):
    """The morph works on the transfer's signal values (decoded with the clip's matrix, never
    linearised or tone-mapped, encoded back with the same matrix and tags). B continues A (one
    zoom, split at frame 12), so a right splice changes the picture no more than the clips
    change from frame to frame. Measured on the stored 10-bit luma, mean |step| in code
    values: a wrong transfer, range or bit depth at a splice shows as a step far above those."""
    a = tagged_clip(tmp_path / "a.mp4", case, source="mandelbrot", frames=12)
    b = tagged_clip(tmp_path / "b.mp4", case, source="mandelbrot", frames=12, skip=12)
    out = tmp_path / "out.mp4"
    result = CliRunner().invoke(cli, ["join", "-n", str(N), "--no-cache", "-o", str(out),
                                      str(a), str(b)])
    assert result.exit_code == 0, result.output
    y = _signal(ff, out, "yuv420p10le")
    assert y.shape[0] == 12 + N + 12 and y.max() > 255  # 10-bit values, not 8-bit ones
    steps = np.abs(np.diff(y, axis=0)).mean(axis=(1, 2))  # step k: frame k -> k + 1
    clips = np.concatenate([steps[:11], steps[12 + N:]])  # inside A, inside B
    splices = steps[11], steps[11 + N]  # A's last -> the first made; the last made -> B's first
    assert max(splices) <= clips.max(), (splices, clips)


def test_an_rgb_clip_as_a_gives_yuv_frames_without_its_rgb_tags(ff, tmp_path):
    """A PNG-in-MOV A reads as "rgb24(pc, gbr/...)": those describe its RGB samples. The
    output's YUV frames must not say matrix "gbr" or full range; they are untagged, BT.601."""
    a = make_clip(tmp_path / "a.mov", frames=12, codec="png", pix_fmt="rgb24")
    b = tagged_clip(tmp_path / "b.mp4", "bt709-8bit", source="mandelbrot")
    assert probe(ff, a).colour.matrix == "gbr"
    out = tmp_path / "out.mp4"
    result = CliRunner().invoke(cli, ["join", *FAST, "-o", str(out), str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert {c.normal() for c in frame_tags(ff, out)} == {Colour("tv")}
    assert "conforming b.mp4: colour tv bt709/bt709/bt709 -> untagged" in result.output


def test_exported_segments_carry_an_hlg_pairs_colour(ff, tmp_path):
    """`export` and join's --timeline segments (ProRes) are encoded frames too."""
    a = tagged_clip(tmp_path / "a.mp4", "hlg-10bit-h264")
    b = tagged_clip(tmp_path / "b.mp4", "hlg-10bit-h264", source="mandelbrot")
    want = Colour(*CASES["hlg-10bit-h264"][2])
    out = tmp_path / "t.mov"
    result = CliRunner().invoke(cli, ["export", *FAST, "-o", str(out), str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert set(frame_tags(ff, out)) == {want}
    joined = tmp_path / "j.mp4"
    result = CliRunner().invoke(cli, ["join", *FAST, "--timeline", "otio", "-o", str(joined),
                                      str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert set(frame_tags(ff, tmp_path / "j.t01.mov")) == {want}
