"""Timelines: built from clips and an exported segment, written in every format, and read back with
the OpenTimelineIO adapters (otio_json, fcp_xml, fcpx_xml, cmx_3600) or, where an adapter is known
to be lossy (FCPXML at 24000/1001), with ElementTree and exact fractions."""

from __future__ import annotations

import os
import urllib.parse
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import make_clip
from ffmpeg_scripts import probe
from ffmpeg_scripts.probe import AudioInfo, ClipInfo
from vae_transition.export import formats as fmts
from vae_transition.export import write as exw
from vae_transition.join import sides
from vae_transition.join.export import export_segment
from vae_transition.morph.transition import TransitionSpec
from vae_transition.timeline.edl import edl_text
from vae_transition.timeline.fcp7 import xmeml_text
from vae_transition.timeline.fcpxml import fcpx_time, fcpxml_text
from vae_transition.timeline.model import (Segment, Timeline, TimelineError,
                                           build_timeline, edl_reels, parse_formats)
from vae_transition.timeline.write import write_timelines
from vae_transition.timing import format_timecode, parse_timecode

otio = pytest.importorskip("opentimelineio")
NTSC = Fraction(24000, 1001)
OTIO_READ = ("otio", "fcp7", "fcpxml", "edl")  # what the OTIO adapters read back (melt reads
                                               # mlt: test_editors_mlt.py)


def fake_clip(path, frames=10, fps=Fraction(24), audio=True, size=(1280, 768)) -> ClipInfo:
    return ClipInfo(str(path), *size, fps, frames, "h264", "High", "yuv420p", Fraction(1),
                    (AudioInfo("aac", 48000, 2),) if audio else (), "bt709")


def fake_segment(path, n=6, k=2, fps=Fraction(24), start=0, seq=None) -> Segment:
    return Segment(str(path), n + 2 * k, n, k, fps, 1280, 768, start, "morph reel", seq)


def sample(tmp_path, fps=Fraction(24), start=0) -> Timeline:
    a, b = fake_clip(tmp_path / "Clip é 1.mp4", 10, fps), fake_clip(tmp_path / "b.mp4", 8, fps,
                                                                    audio=False)
    return build_timeline("my edit", [a, b], [fake_segment(tmp_path / "seg 1.mov", fps=fps,
                                                           start=start)], [0, 240])


# --- the model ------------------------------------------------------------------------------

def test_timecode_round_trips_at_24_and_23976():
    assert parse_timecode("01:00:00:00", Fraction(24)) == 86400
    assert parse_timecode("01:00:00:00", NTSC) == 86400  # NDF: 24 frames per timecode second
    assert format_timecode(86400 + 30, NTSC) == "01:00:01:06"
    assert parse_timecode("00:00:01:29", Fraction(30000, 1001)) == 59
    for bad in ("1:00:00", "01:00:00;00", "00:00:00:24", "00:61:00:00"):
        with pytest.raises(ValueError):
            parse_timecode(bad, Fraction(24))


def test_items_are_back_to_back_with_handles_hidden(tmp_path):
    tl = sample(tmp_path)
    a, seg, b = tl.items
    assert [i.role for i in tl.items] == ["clip", "transition", "clip"]
    assert (a.source_in, a.source_out, a.record_in, a.record_out) == (0, 10, 0, 10)
    assert (seg.source_in, seg.source_out, seg.record_in, seg.record_out) == (2, 8, 10, 16)
    assert seg.media.frames == 10 and b.media.start_frame == 240
    assert (b.record_in, b.record_out, tl.frames, tl.start_frame) == (16, 24, 24, 86400)
    assert tl.has_audio and not seg.media.has_audio


def test_ranges_place_cut_points_and_overlap(tmp_path):
    """insert, --a-out 2s at 24 fps: A shows 0..49; overlap N=24: A 0..72, 24, B 24..96 = 168."""
    a, b = fake_clip(tmp_path / "a.mp4", 96), fake_clip(tmp_path / "b.mp4", 96)
    tl = build_timeline("x", [a, b], [fake_segment(tmp_path / "s.mov", 6, 0)],
                        ranges=[(0, 49), (0, 96)])
    assert [(i.source_in, i.source_out, i.record_in) for i in tl.items] == [
        (0, 49, 0), (0, 6, 49), (0, 96, 55)] and tl.frames == 151
    tl = build_timeline("x", [a, b], [fake_segment(tmp_path / "s.mov", 24, 0)],
                        ranges=[(0, 72), (24, 96)])
    assert [(i.source_in, i.source_out, i.record_in, i.record_out) for i in tl.items] == [
        (0, 72, 0, 72), (0, 24, 72, 96), (24, 96, 96, 168)] and tl.frames == 168
    assert {i.media.frames for i in tl.items if i.role == "clip"} == {96}  # handles kept


def test_ranges_keep_time_at_another_rate_and_are_checked(tmp_path):
    a, b = fake_clip(tmp_path / "a.mp4", 96), fake_clip(tmp_path / "b.mp4", 120, Fraction(30))
    tl = build_timeline("x", [a, b], [fake_segment(tmp_path / "s.mov", 6, 0)],
                        ranges=[(0, 48), (30, 90)])
    b_item = tl.items[2]
    assert (b_item.frames, b_item.record_frames, tl.frames) == (60, 48, 102)  # 2 s either way
    for bad in ([(0, 48)], [(0, 97), (0, 120)], [(-1, 48), (0, 120)], [(48, 48), (0, 120)]):
        with pytest.raises(ValueError, match="ranges|range"):
            build_timeline("x", [a, b], [fake_segment(tmp_path / "s.mov")], ranges=bad)


def test_edl_reels_fit_eight_characters_and_stay_unique(tmp_path):
    clips = [fake_clip(tmp_path / f"Runway clip {i}.mp4") for i in range(3)]
    segs = [fake_segment(tmp_path / f"t{i}.mov") for i in range(2)]
    reels = edl_reels(build_timeline("x", clips, segs))
    assert len(set(reels.values())) == len(reels) == 5
    assert all(len(r) <= 8 and r.replace("_", "").isalnum() and r.isupper()
               for r in reels.values())
    text = edl_text(build_timeline("x", clips, segs))
    for path, reel in reels.items():
        assert f"* REEL {reel} IS " in text and f"* FROM CLIP: {path}" in text


def test_edl_carries_source_timecode_and_record_start(tmp_path):
    lines = edl_text(sample(tmp_path, start=86400)).splitlines()
    events = [ln.split() for ln in lines if ln[:3].isdigit()]
    assert [e[4:] for e in events] == [
        ["00:00:00:00", "00:00:00:10", "01:00:00:00", "01:00:00:10"],
        ["01:00:00:02", "01:00:00:08", "01:00:00:10", "01:00:00:16"],  # handles skipped
        ["00:00:10:00", "00:00:10:08", "01:00:00:16", "01:00:01:00"]]  # B starts at 00:00:10:00


def test_xmeml_has_format_and_ntsc_flags(tmp_path):
    root = ET.fromstring(xmeml_text(sample(tmp_path, NTSC)).split("\n", 2)[2])
    seq = root.find("sequence")
    assert root.get("version") == "4"
    assert seq.findtext("rate/timebase") == "24" and seq.findtext("rate/ntsc") == "TRUE"
    fmt = seq.find("media/video/format/samplecharacteristics")
    assert (fmt.findtext("width"), fmt.findtext("height"), fmt.findtext("rate/ntsc")) == \
           ("1280", "768", "TRUE")
    assert seq.findtext("timecode/string") == "01:00:00:00"
    ntsc_24 = ET.fromstring(xmeml_text(sample(tmp_path)).split("\n", 2)[2])
    assert {e.text for e in ntsc_24.iter("ntsc")} == {"FALSE"}


def test_fcpxml_is_version_1_10_with_exact_ntsc_times(tmp_path):
    root = ET.fromstring(fcpxml_text(sample(tmp_path, NTSC)).split("\n", 2)[2])
    assert root.get("version") == "1.10"
    assert root.find("resources/format").get("frameDuration") == "1001/24000s"
    seq = root.find("library/event/project/sequence")
    assert seq.get("tcStart") == "86486400/24000s"  # 01:00:00:00 NDF at 23.976
    assert fcpx_time(3, NTSC) == "3003/24000s" and fcpx_time(48, Fraction(24)) == "2s"


def test_unknown_format_and_sequences_in_xml_are_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown timeline format 'aaf'"):
        parse_formats("otio,aaf")
    assert parse_formats(" OTIO, edl,otio") == ["otio", "edl"]
    a, b = fake_clip(tmp_path / "a.mp4"), fake_clip(tmp_path / "b.mp4")
    tl = build_timeline("x", [a, b], [fake_segment(tmp_path / "s", seq=("s.%06d.exr", 0))])
    for fmt in ("fcp7", "fcpxml"):
        with pytest.raises(TimelineError, match="image sequence"):
            write_timelines(tl, [fmt], str(tmp_path / "x"))
    written = write_timelines(tl, ["otio", "edl"], str(tmp_path / "x"))
    ref = read_video(written[0], tl.fps)[1][1].media_reference
    assert isinstance(ref, otio.schema.ImageSequenceReference)
    assert ref.target_url_for_image_number(0) == str(tmp_path / "s" / "s.000000.exr")
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no temp files left


# --- read back with the adapters ------------------------------------------------------------

def read_video(path, fps):
    """(timeline, clips of the first video track, leading gap in frames) via the OTIO adapters."""
    kw = {"rate": float(fps)} if str(path).endswith(".edl") else {}
    tl = otio.adapters.read_from_file(str(path), **kw)
    if isinstance(tl, otio.schema.SerializableCollection):  # fcpxml: library > event > project
        tl = next(iter(tl))
    video = next(t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video)
    lead = 0
    for item in video:
        if not isinstance(item, otio.schema.Gap):
            break
        lead += item.duration().value
    return tl, [c for c in video if isinstance(c, otio.schema.Clip)], lead


def url_path(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlparse(url).path) if "://" in url else url


def fcpxml_paths(path) -> list[str]:
    """The media of each spine clip, through the <asset> it refers to (1.10: <media-rep>)."""
    root = ET.parse(path).getroot()
    src = {a.get("id"): a.find("media-rep").get("src") for a in root.iter("asset")}
    return [url_path(src[c.get("ref")]) for c in root.iter("asset-clip")]


def fcpxml_frames(path, fps) -> list[tuple[str, int, int, int]]:
    """(name, offset, start, duration) in frames, exactly (every time a whole frame)."""
    out = []
    for c in ET.parse(path).getroot().iter("asset-clip"):
        times = [Fraction(c.get(k)[:-1]) * fps for k in ("offset", "start", "duration")]
        assert all(t.denominator == 1 for t in times), times
        out.append((c.get("name"), *(int(t) for t in times)))
    return out


def check_read_back(path, fmt, media: list[Path], expect: list[tuple[int, int]], fps):
    """Clip order, names, source in (absolute, timecode included) and durations, real paths."""
    tl, clips, lead = read_video(path, fps)
    assert [c.name for c in clips] == [m.name for m in media]
    exact = not (fmt == "fcpxml" and fps.denominator == 1001)  # the adapter reads 23.976 as 23
    if exact:
        got = [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips]
        assert got == expect
        if fmt == "fcpxml":
            assert lead == 86400  # the adapter shows tcStart as a gap
    else:
        assert [(s, d) for _, _, s, d in fcpxml_frames(path, fps)] == expect
        offsets = [o for _, o, _, _ in fcpxml_frames(path, fps)]
        assert offsets == [86400 + sum(d for _, d in expect[:i]) for i in range(len(expect))]
    paths = fcpxml_paths(path) if fmt == "fcpxml" else [
        url_path(c.media_reference.target_url) for c in clips]
    assert all(os.path.samefile(p, m) for p, m in zip(paths, media)) and len(paths) == len(media)
    if fmt in ("otio", "fcp7"):
        assert tl.global_start_time.value == 86400
    if fmt == "otio":
        assert not any(c.media_reference.target_url.startswith("file:") for c in clips)


@pytest.mark.parametrize("fps, size, start", [("24", (1280, 768), "00:00:00:00"),
                                              ("24000/1001", (128, 80), "01:00:00:00")])
def test_exported_segment_timelines_read_back(ff, tmp_path, fps, size, start):
    a = make_clip(tmp_path / "Shot é 1.mp4", size=size, fps=fps, frames=4, audio=True)
    b = make_clip(tmp_path / "shot 2.mp4", size=size, fps=fps, frames=3, source="mandelbrot")
    infos = [probe.probe(ff, a), probe.probe(ff, b)]
    spec = fmts.ExportSpec("prores", handles=2, timecode=start)
    out = fmts.check_output(str(tmp_path / "the morph.mov"), spec, [a, b])
    seg = export_segment(ff, *infos, TransitionSpec(frames=3, method="crossfade"), spec, out)
    tl = build_timeline("edit", infos, [exw.timeline_segment(seg)],
                        [exw.clip_timecode(ff, i) for i in infos])
    written = write_timelines(tl, list(OTIO_READ), str(tmp_path / "the morph"))
    assert [Path(p).suffix for p in written] == [".otio", ".xml", ".fcpxml", ".edl"]
    s = parse_timecode(start, infos[0].fps)
    for path, fmt in zip(written, OTIO_READ):
        check_read_back(path, fmt, [a, Path(out), b], [(0, 4), (s + 2, 3), (0, 3)],
                        infos[0].fps)
    _, audio = read_audio(written[0])
    assert [c.name for c in audio] == [a.name]


def read_audio(path):
    tl = otio.adapters.read_from_file(str(path))
    track = next(t for t in tl.tracks if t.kind == otio.schema.TrackKind.Audio)
    return track, [c for c in track if isinstance(c, otio.schema.Clip)]


def test_join_timelines_export_segments_beside_the_output(ff, tmp_path):
    """join --timeline: NAME.t01.mov (ProRes) beside the joined file, timelines referencing it."""
    from ffmpeg_scripts.encode import encode_lossless
    from ffmpeg_scripts.frames import first_frames, last_frames
    from vae_transition.join.cuts import CutResult
    from vae_transition.join.plan import JoinError, plan_join
    from vae_transition.morph.transition import make_transition

    clips = [make_clip(tmp_path / f"c{i}.mp4", size=(64, 48), frames=5, source=s)
             for i, s in enumerate(("testsrc2", "mandelbrot", "testsrc2"))]
    infos = [probe.probe(ff, c) for c in clips]
    spec = TransitionSpec(frames=4, method="crossfade")
    plan = plan_join(infos, spec)
    results = []
    for k, (i, j) in enumerate(zip(infos, infos[1:])):
        x, y = last_frames(ff, i)[0], first_frames(ff, j)[0]
        made = str(tmp_path / f"work{k}.mkv")
        encode_lossless(ff, make_transition(x, y, spec), 64, 48, Fraction(24), made)
        results.append(CutResult(k, made, made, 4, 0.0, 0.0, False, None))
    out = str(tmp_path / "joined.mp4")
    sides.check_join_exports(out, 2, ["otio", "edl"], overwrite=False)
    written = sides.join_timelines(ff, plan, results, out, ["otio", "edl"])
    assert [os.path.basename(p) for p in written] == ["joined.t01.mov", "joined.t02.mov",
                                                      "joined.otio", "joined.edl"]
    for path, fmt in zip(written[2:], ("otio", "edl")):
        check_read_back(path, fmt, [clips[0], Path(written[0]), clips[1], Path(written[1]),
                                    clips[2]], [(0, 5), (0, 4), (0, 5), (0, 4), (0, 5)],
                        Fraction(24))
    with pytest.raises(JoinError, match="joined.t01.mov: already exists"):
        sides.check_join_exports(out, 2, ["otio"], overwrite=False)


# --- in/out points and overlap, read back by the adapters (no ffmpeg) ----------------------

# (clip frames, ranges, segment frames, segment handles) -> each clip's expected source range
# (start with timecode: A at 0, the segment at 01:00:00:00, B at 00:00:10:00; duration).
LAYOUTS = {
    "cuts": ((96, 72), [(10, 49), (5, 60)], 12, 2, [(10, 39), (86402, 12), (245, 55)]),
    "overlap": ((96, 96), [(0, 72), (24, 96)], 24, 0, [(0, 72), (86400, 24), (264, 72)]),
}


def layout_timeline(tmp_path, layout: str, fps: Fraction) -> Timeline:
    (na, nb), ranges, n, k, _ = LAYOUTS[layout]
    a, b = fake_clip(tmp_path / "A é.mp4", na, fps), fake_clip(tmp_path / "b.mp4", nb, fps)
    seg = fake_segment(tmp_path / "a.t01.mov", n, k, fps, start=86400)
    return build_timeline("edit", [a, b], [seg], [0, 240], ranges=ranges)


@pytest.mark.parametrize("fps", [Fraction(24), NTSC], ids=["24", "23.976"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("fmt", OTIO_READ)
def test_ranges_read_back(tmp_path, fmt, layout, fps):
    """Names, order, source in (timecode included) and duration, record positions, total."""
    tl = layout_timeline(tmp_path, layout, fps)
    expect = LAYOUTS[layout][4]
    total = sum(d for _, d in expect)
    assert tl.frames == total
    path, = write_timelines(tl, [fmt], str(tmp_path / "edit"))
    read, clips, lead = read_video(path, fps)  # an EDL carries no rate: read at the given one
    assert [c.name for c in clips] == ["A é.mp4", "a.t01.mov", "b.mp4"]
    got = [(c.source_range.start_time.value, c.source_range.duration.value) for c in clips]
    if fmt == "fcpxml":
        check_fcpxml_ranges(path, fps, got, lead, expect, total)
        return
    assert got == expect and lead == 0
    assert [c.range_in_parent().start_time.value for c in clips] == [
        sum(d for _, d in expect[:i]) for i in range(3)]  # back to back from the start
    assert read.duration().value == total
    if fmt in ("otio", "fcp7"):  # the EDL's record start is checked on its text above
        assert read.global_start_time.value == tl.start_frame
        a_ref = clips[0].media_reference.available_range  # the whole file: handles to trim into
        assert (a_ref.start_time.value, a_ref.duration.value) == (0, LAYOUTS[layout][0][0])
        _, audio = read_audio(path)
        assert [(c.name, c.source_range) for c in audio] == [
            (c.name, c.source_range) for c in clips if c.name != "a.t01.mov"]


def check_fcpxml_ranges(path, fps, got, lead, expect, total):
    """The fcpx_xml adapter reads frameDuration 1001/24000s as rate int(23.976) = 23 and
    truncates every time to whole frames at that rate (offsets then leave 1-3 frame gaps), and
    shows tcStart as a leading gap; so at 23.976 the exact frames are read with ElementTree and
    the adapter is held to its own conversion."""
    root = ET.parse(path).getroot()
    seq = root.find("library/event/project/sequence")
    assert Fraction(seq.get("duration")[:-1]) * fps == total
    assert fcpxml_frames(path, fps) == [
        (name, 86400 + sum(d for _, d in expect[:i]), s, d)
        for i, (name, (s, d)) in enumerate(zip(["A é.mp4", "a.t01.mov", "b.mp4"], expect))]
    if fps.denominator == 1:
        assert got == expect and lead == 86400
    else:
        def adapter(frames):
            return int(float(frames * fps.denominator) / float(fps.numerator) * 23)
        assert got == [(adapter(s), adapter(d)) for s, d in expect]
