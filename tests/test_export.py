"""export: every format written from real clips and read back with ffmpeg (codec, profile fourcc,
pix_fmt, frame count, fps, size, timecode, reel), image sequences counted and their bit depth
checked, the frames compared with the ones join splices, and bad options giving one clear line."""

from __future__ import annotations

import os
import re
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import decoded_frame_count, make_clip
from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.colour import Colour
from ffmpeg_scripts.editor import export_args
from ffmpeg_scripts.probe import input_url
from ffmpeg_scripts.process import run_capture
from vae_transition.cli import cli
from vae_transition.cli.export import FORMAT_NAMES, TIMELINE_NAMES, export
from vae_transition.export import formats as fmts
from vae_transition.export import write as exw
from vae_transition.join.export import export_segment
from vae_transition.morph.transition import TransitionSpec, make_transition
from vae_transition.timeline.model import EXTENSIONS

if "export" not in cli.commands:  # until cli.py registers it
    cli.add_command(export)

N, K = 3, 1  # transition frames, handles
FAST = ["--method", "crossfade", "--frames", str(N)]
MOVIES = [f for f in FORMAT_NAMES if not fmts.FORMATS[f].sequence]
SEQUENCES = [f for f in FORMAT_NAMES if fmts.FORMATS[f].sequence]
# What ffmpeg prints for each movie format: codec (profile) (fourcc), pix_fmt as decoded.
EXPECTED = {
    "prores": ("prores (HQ) (apch", "yuv422p10le"),
    "prores4444": ("prores (4444) (ap4h", "yuv444p12le"),  # the decoder reports 4444 as 12-bit
    "dnxhr": ("dnxhd (DNXHR HQ)", "yuv422p"),
    "dnxhr-hqx": ("dnxhd (DNXHR HQX)", "yuv422p10le"),
    "h264": ("h264 (High) (avc1", "yuv420p"),
}
SEQ_PIX = {"png": "rgb24", "tiff": "rgb48le", "exr": "gbrpf16le"}  # exr: half float


def invoke(*args):
    return CliRunner().invoke(cli, ["export", *[str(a) for a in args]])


def header(ff, path) -> str:
    """ffmpeg's description of a file's streams (what ffprobe would say)."""
    _, err = run_capture([*ff.base("info"), "-i", input_url(path), "-map", "0:V:0", "-c", "copy",
                          "-frames:v", "1", "-f", "null", "-"])
    return err.split("Output #0", 1)[0]


@pytest.fixture(scope="module")
def runway(tmp_path_factory):
    """Two Runway-like clips: 1280x768 at 24 fps, names with a space and unicode, A with audio."""
    d = tmp_path_factory.mktemp("runway")
    bt709 = ("-vf", "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709")
    return (make_clip(d / "shot é 1.mp4", size=(1280, 768), frames=3, audio=True, extra=bt709),
            make_clip(d / "shot 2.mp4", size=(1280, 768), frames=3, source="mandelbrot",
                      extra=bt709))


@pytest.fixture(scope="module")
def ntsc(tmp_path_factory):
    """A 24000/1001 pair, big enough for DNxHR (>= 256x120)."""
    d = tmp_path_factory.mktemp("ntsc")
    return (make_clip(d / "n a.mp4", size=(256, 144), fps="24000/1001", frames=4, audio=True),
            make_clip(d / "n b.mp4", size=(256, 144), fps="24000/1001", frames=4,
                      source="mandelbrot", audio=True))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    return (make_clip(d / "a.mp4", size=(128, 80), frames=6),
            make_clip(d / "b.mp4", size=(128, 80), frames=6, source="mandelbrot"))


def check_movie(ff, path, fmt, size, fps, start_tc="00:00:00:00", colour="(tv, bt709"):
    info = probe.probe(ff, path)
    text = header(ff, path)
    codec, pix = EXPECTED[fmt]
    assert codec in text and f"{pix}{colour}" in text, text
    assert (info.width, info.height, info.fps) == (*size, fps)
    assert info.frame_count == decoded_frame_count(path) == N + 2 * K
    assert re.search(rf"timecode\s*: {start_tc}", text), text
    if path.suffix in (".mov", ".mxf"):
        assert re.search(r"reel_name\s*: seg", text), text
    if fmt.startswith("prores"):  # the frame header's vendor, as Apple's encoder writes it
        data = path.read_bytes()
        assert data[data.find(b"icpf") + 8:][:4] == b"apl0"


@pytest.mark.parametrize("fmt", MOVIES)
def test_runway_pair_every_movie_format(ff, tmp_path, runway, fmt):
    out = tmp_path / f"seg{fmts.FORMATS[fmt].extensions[-1]}"  # dnxhr: .mxf
    r = invoke(*runway, "-o", out, "--format", fmt, "--handles", K, *FAST)
    assert r.exit_code == 0, r.output
    check_movie(ff, out, fmt, (1280, 768), Fraction(24))


@pytest.mark.parametrize("fmt", MOVIES)
def test_ntsc_pair_keeps_exact_rate_and_timecode(ff, tmp_path, ntsc, fmt):
    out = tmp_path / f"seg{fmts.FORMATS[fmt].extensions[0]}"  # dnxhr: .mov
    r = invoke(*ntsc, "-o", out, "--format", fmt, "--handles", K, "--timecode", "01:00:00:00",
               "--timeline", ",".join(EXTENSIONS), *FAST)
    assert r.exit_code == 0, r.output
    # untagged clips give an untagged segment (see export.color_tags)
    check_movie(ff, out, fmt, (256, 144), Fraction(24000, 1001), "01:00:00:00", "(")
    for ext in EXTENSIONS.values():
        assert out.with_suffix(ext).is_file()


def png_bit_depth(path: Path) -> int:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return data[24]


def tiff_bits(path: Path) -> int:
    """BitsPerSample (tag 258) of the first image, read from the TIFF's first IFD."""
    data = path.read_bytes()
    end = "<" if data[:2] == b"II" else ">"
    ifd = struct.unpack(end + "I", data[4:8])[0]
    for i in range(struct.unpack(end + "H", data[ifd:ifd + 2])[0]):
        tag, typ, count, value = struct.unpack(end + "HHII", data[ifd + 2 + 12 * i:][:12])
        if tag == 258:
            return struct.unpack(end + "H", data[value:value + 2])[0] if count > 2 else value & 0xFFFF
    raise AssertionError("no BitsPerSample")


@pytest.mark.parametrize("pair", ["runway", "ntsc"])
@pytest.mark.parametrize("fmt", SEQUENCES)
def test_image_sequences_count_names_and_depth(ff, tmp_path, request, pair, fmt):
    a, b = request.getfixturevalue(pair)
    out = tmp_path / "my morph"
    r = invoke(a, b, "-o", out, "--format", fmt, "--handles", K, "--timecode", "00:00:10:00",
               "--timeline", "otio,edl", *FAST)
    assert r.exit_code == 0, r.output
    ext = fmts.FORMATS[fmt].extensions[0]
    first = 10 * 24  # numbered from the start timecode (24 per timecode second for 23.976 too)
    names = sorted(os.listdir(out))
    assert names == [f"my morph.{first + i:06d}{ext}" for i in range(N + 2 * K)]
    assert f"{SEQ_PIX[fmt]}" in header(ff, out / names[0])
    if fmt == "png":
        assert png_bit_depth(out / names[0]) == 8
    if fmt == "tiff":
        assert tiff_bits(out / names[0]) == 16
    if fmt == "exr":
        assert (out / names[0]).read_bytes()[:4] == b"\x76\x2f\x31\x01"  # OpenEXR magic
    assert (tmp_path / "my morph.otio").is_file() and (tmp_path / "my morph.edl").is_file()


def test_frames_are_joins_frames_with_held_handles(ff, tmp_path, small):
    """PNG is lossless: the segment is A's last frame held, the crossfade, B's first held."""
    out = tmp_path / "seq"
    assert invoke(*small, "-o", out, "--format", "png", "--handles", 2, *FAST).exit_code == 0
    files = sorted(out.iterdir())
    decoded = [next(frames.iter_frames(ff, _image_info(ff, f))) for f in files]
    a, b = probe.probe(ff, small[0]), probe.probe(ff, small[1])
    a_last, b_first = frames.last_frames(ff, a)[0], frames.first_frames(ff, b)[0]
    morph = list(make_transition(a_last, b_first, TransitionSpec(frames=N, method="crossfade")))
    want = [a_last, a_last, *morph, b_first, b_first]
    assert len(decoded) == len(want) == N + 4
    assert all(np.array_equal(x, y) for x, y in zip(decoded, want))


def _image_info(ff, path):
    """A ClipInfo for one still image, enough for frames.iter_frames."""
    text = header(ff, path)
    w, h = map(int, re.search(r", (\d+)x(\d+)", text).groups())
    return probe.ClipInfo(str(path), w, h, Fraction(24), 1, "png", None, "rgb24", Fraction(1),
                          (), None)


def test_prores_segment_matches_png_frames(ff, tmp_path, small):
    """The movie formats carry the same pictures, with no colour shift."""
    png, mov = tmp_path / "seq", tmp_path / "seg.mov"
    assert invoke(*small, "-o", png, "--format", "png", *FAST).exit_code == 0
    assert invoke(*small, "-o", mov, *FAST).exit_code == 0
    movie = list(frames.iter_frames(ff, probe.probe(ff, mov)))
    stills = [next(frames.iter_frames(ff, _image_info(ff, f))) for f in sorted(png.iterdir())]
    assert len(movie) == len(stills) == N
    for m, s in zip(movie, stills):
        diff = m.astype(int) - s.astype(int)
        # 4:2:2 chroma on a busy 128x80 pattern and swscale rounding cost ~2 levels; a wrong
        # matrix (BT.601 values decoded as BT.709) costs ~8.
        assert np.abs(diff).mean() < 4
        assert np.abs(diff.mean(axis=(0, 1))).max() < 2.5


def _last(args: list[str], option: str) -> str:
    """The value of the last `option` in argv (an output's, after its inputs')."""
    return args[len(args) - args[::-1].index(option)]


def test_export_args_are_built_without_running_ffmpeg(ff):
    args = export_args(ff, "prores", 1280, 768, Fraction(24000, 1001), "/o/a b.mov",
                       colour=Colour(matrix="bt709"), timecode="01:00:00:00", reel="R1")
    assert args[args.index("-framerate") + 1] == "24000/1001"
    assert args[args.index("-profile:v") + 1] == "hq" and "apl0" in args
    assert args[args.index("-timecode") + 1] == "01:00:00:00"
    assert "reel_name=R1" in args and args[-2:] == ["file:/o/a b.mov", "-y"]
    mxf = export_args(ff, "dnxhr", 1280, 768, Fraction(24), "/o/a.mxf", reel="R1")
    assert _last(mxf, "-f") == "mxf" and "reel_name=R1" in mxf and "-an" in mxf
    seq = export_args(ff, "exr", 64, 48, Fraction(24), "/o/x/x.%06d.exr", start_number=7)
    assert seq[seq.index("-start_number") + 1] == "7" and _last(seq, "-format:v") == "half"
    assert _last(seq, "-f") == "image2" and seq[-2] == "file:/o/x/x.%06d.exr"


def test_colour_follows_clip_a(ff):
    """Untagged A: its own YUV values (BT.601) and no tags; BT.709 A: BT.709 matrix and tags."""
    untagged = " ".join(export_args(ff, "prores", 64, 48, Fraction(24), "/o/a.mov"))
    assert "out_color_matrix=bt470bg" in untagged and "setparams" not in untagged
    graph = _last(export_args(ff, "prores", 64, 48, Fraction(24), "/o/a.mov",
                              colour=Colour(matrix="bt709")), "-filter_complex")
    assert "out_color_matrix=bt709" in graph
    assert all(f"{k}=bt709" in graph for k in ("color_primaries", "color_trc", "colorspace"))


def test_format_names_match_the_library():
    assert FORMAT_NAMES == tuple(fmts.FORMATS)
    assert TIMELINE_NAMES == tuple(EXTENSIONS)


def assert_one_line_error(result, *words):
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, result.output
    for w in words:
        assert w in errors[0], errors[0]


@pytest.mark.parametrize("args, words", [
    (["-o", "{d}/x.mp4"], ["prores writes .mov", "--format h264"]),
    (["-o", "{d}/x.mov", "--format", "h264"], ["h264 writes .mp4"]),
    (["-o", "{d}/x.mov", "--format", "dnxhr"], ["at least 256x120"]),
    (["-o", "{d}/frames.png", "--format", "png"], ["folder of images"]),
    (["-o", "{d}/x.mov", "--format", "avi"], ["'avi' is not one of"]),
    (["-o", "{d}/x.mov", "--timeline", "otio,aaf"], ["unknown timeline format 'aaf'"]),
    (["-o", "{d}/x.mov", "--timecode", "1:00:00"], ["not HH:MM:SS:FF"]),
    (["-o", "{d}/x.mov", "--timecode", "00:00:00:24"], ["out of range"]),
    (["-o", "{d}/x.mov", "--handles", "-1"], ["-1 is not in the range"]),
    (["-o", "{d}/fr", "--format", "exr", "--timeline", "fcp7"], ["image sequence"]),
    (["-o", "{d}/no/x.mov"], ["does not exist"]),
])
def test_bad_options_give_one_clear_line(tmp_path, small, args, words):
    r = invoke(*small, *[a.format(d=tmp_path) for a in args], *FAST)
    assert_one_line_error(r, *words)
    assert not [p for p in tmp_path.iterdir()], "nothing may be written"


def test_missing_clip_and_existing_output(tmp_path, small):
    assert_one_line_error(invoke(tmp_path / "nope.mp4", small[1], "-o", tmp_path / "x.mov",
                                 *FAST), "no such file")
    (tmp_path / "x.mov").write_bytes(b"keep")
    assert_one_line_error(invoke(*small, "-o", tmp_path / "x.mov", *FAST), "--overwrite")
    (tmp_path / "y.otio").write_text("keep")
    assert_one_line_error(invoke(*small, "-o", tmp_path / "y.mov", "--timeline", "otio", *FAST),
                          "y.otio: already exists")
    assert sorted(os.listdir(tmp_path)) == ["x.mov", "y.otio"]
    assert (tmp_path / "x.mov").read_bytes() == b"keep"


def test_overwrite_replaces_only_our_own_sequence(tmp_path, small):
    out = tmp_path / "seq"
    assert invoke(*small, "-o", out, "--format", "png", *FAST).exit_code == 0
    assert invoke(*small, "-o", out, "--format", "png", "--overwrite", "--frames", "2",
                  "--method", "crossfade").exit_code == 0
    assert len(os.listdir(out)) == 2
    (out / "notes.txt").write_text("mine")
    assert_one_line_error(invoke(*small, "-o", out, "--format", "png", "--overwrite", *FAST),
                          "not this export's frames")
    assert (out / "notes.txt").exists()


@pytest.mark.parametrize("fmt, name", [("prores", "seg.mov"), ("tiff", "seq")])
def test_nothing_partial_is_left_when_interrupted(ff, tmp_path, small, fmt, name):
    a = probe.probe(ff, small[0])

    def frames_then_ctrl_c():
        yield np.zeros((a.height, a.width, 3), np.uint8)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        exw.export_frames(ff, frames_then_ctrl_c(), fmts.ExportSpec(fmt), str(tmp_path / name),
                         a, 3)
    assert os.listdir(tmp_path) == []


def test_default_vae_model(ff, tmp_path, small):
    from vae_transition.weights import shipped_weights_path

    if not shipped_weights_path().is_file():
        pytest.skip(f"no shipped VAE weights at {shipped_weights_path()}")
    out = tmp_path / "vae.mov"
    r = invoke(*small, "-o", out, "--frames", N, "--handles", K, "--adapt-steps", 2)
    assert r.exit_code == 0, r.output
    assert decoded_frame_count(out) == N + 2 * K


def test_vae_method_through_the_library(ff, tmp_path, small):
    """The vae path (an untrained tiny VAE: no weights needed) gives N + 2K frames too."""
    import torch

    from vae_transition.model import VAE, VAEConfig

    torch.manual_seed(0)
    model = VAE(VAEConfig(base_channels=8, latent_channels=4)).eval()
    a, b = probe.probe(ff, small[0]), probe.probe(ff, small[1])
    spec = fmts.ExportSpec("prores", handles=K, reel="R 1", timecode="00:00:01:00")
    out = fmts.check_output(str(tmp_path / "v.mov"), spec, small)
    res = export_segment(ff, a, b, TransitionSpec(frames=N, long_side=64, adapt_steps=2),
                            spec, out, model)
    assert (res.frames, res.transition_frames, res.start_frame, res.reel) == (N + 2 * K, N, 24,
                                                                              "R 1")
    assert decoded_frame_count(out) == N + 2 * K
