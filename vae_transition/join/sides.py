"""The files a join adds beside OUT (--preview, --timeline) and putting the set in place:
OUT and all of them, or (on any error, Ctrl-C included) none of them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.encode import to_coded
from ffmpeg_scripts.locate import FFmpegBinary
from ffmpeg_scripts.probe import ClipInfo
from vae_transition import outputs
from vae_transition.export import write as export
from vae_transition.export.formats import ExportError, ExportSpec
from vae_transition.join import previews as preview
from vae_transition.timeline.model import EXTENSIONS, build_timeline, parse_formats
from vae_transition.timeline.write import write_timelines


def preview_paths(out_abs: str, cuts: int) -> list[str]:
    """OUT.cutNN.png and OUT.cutNN.gif for every cut (join --preview)."""
    stem = os.path.splitext(out_abs)[0]
    return [f"{stem}.cut{k:02d}.{ext}" for k in range(1, cuts + 1) for ext in ("png", "gif")]


def side_paths(req, out_abs: str) -> list[str]:
    """Every file req's --preview and --timeline add beside OUT (req: pipeline.JoinRequest)."""
    paths = preview_paths(out_abs, len(req.clips) - 1) if req.preview else []
    if req.timelines:
        paths += join_export_paths(out_abs, len(req.clips) - 1, req.timelines)
    return paths


def check_free(req, out_abs: str, error: type[Exception]) -> None:
    """Before any work: the files --preview / --timeline add must be free (or --overwrite)."""
    for path in side_paths(req, out_abs):
        if os.path.lexists(path) and not req.overwrite:
            raise error(f"{path}: already exists (use --overwrite to replace it)")


def publish_all(ff: FFmpegBinary, req, infos, results, cuts, out_tmp: str, out_abs: str,
                turn: int = 0, ranges=None):
    """Put OUT in place (never clobbering without --overwrite), then write its previews and
    timelines; on any error remove what this join made or replaced. (previews, timelines).
    turn: the display rotation the transition segments are stored with; ranges: each clip's
    frames shown outside transitions, in its own frames (for the timelines)."""
    mine = outputs.identities([out_tmp])[out_tmp]
    before = outputs.identities(side_paths(req, out_abs))
    published = False
    try:
        outputs.publish(out_tmp, out_abs, req.overwrite)
        published = True
        previews = write_previews(ff, out_abs, cuts) if req.preview else ()
        written = _timelines(ff, req, infos, results, out_abs, turn, ranges) if req.timelines else []
    except BaseException:
        outputs.remove_if_same(out_abs, mine)  # ours, even if a signal split the publish
        if published:  # a join that lost the race made no side file: the winner's stay
            outputs.remove_changed(before)
        raise
    return previews, written


def _timelines(ff, req, infos, results, out_abs: str, turn: int, ranges) -> list[str]:
    """Export each transition segment as ProRes beside OUT and write the editor timelines."""
    segments = [r.segment for r in results]
    return join_timelines(ff, infos, segments, out_abs, req.timelines, turn, ranges,
                          req.spec.overlap)


def write_previews(ff: FFmpegBinary, out_abs: str, cuts) -> tuple[str, ...]:
    """OUT.cutNN.png (contact sheet) and OUT.cutNN.gif for every transition, read from OUT."""
    joined = probe.probe(ff, out_abs)
    paths = preview_paths(out_abs, len(cuts))
    for k, (first, last) in enumerate(cuts):
        seq = list(frames.iter_frames(ff, joined, start=first - 1, count=last - first + 3))
        preview.write_png(paths[2 * k], preview.transition_sheet(seq))
        preview.write_gif(ff, out_abs, first - 1, last + 1, paths[2 * k + 1])
    return tuple(paths)


def join_segment_paths(out_abs: str, cuts: int) -> list[str]:
    """joined.mp4 -> [joined.t01.mov, joined.t02.mov, ...] (ProRes 422 HQ)."""
    stem = os.path.splitext(out_abs)[0]
    return [f"{stem}.t{k:02d}.mov" for k in range(1, cuts + 1)]


def join_export_paths(out_abs: str, cuts: int, formats: Iterable[str]) -> list[str]:
    """Every file a join with --timeline adds: the segments and the timelines."""
    stem = os.path.splitext(out_abs)[0]
    return join_segment_paths(out_abs, cuts) + [stem + EXTENSIONS[f]
                                                for f in parse_formats(list(formats))]


def check_join_exports(out_abs: str, cuts: int, formats: Iterable[str], overwrite: bool) -> None:
    """Before a join with --timeline: every file it will add must be free (or --overwrite)."""
    for path in join_export_paths(out_abs, cuts, formats):
        if os.path.exists(path) and not overwrite:
            raise ExportError(f"{path}: already exists (use --overwrite to replace it)")


def join_timelines(ff: FFmpegBinary, infos: list[ClipInfo], segments: list[str], out_abs: str,
                   formats: Iterable[str], turn: int = 0,
                   ranges: Sequence[tuple[int, int]] | None = None,
                   overlap: bool = False) -> list[str]:
    """Re-encode join's transition segments (any file ffmpeg reads) as NAME.tNN.mov beside the
    joined file, and write NAME.otio/.xml/... placing clip, segment, clip, ... in order.
    turn: the display rotation the segments are stored with (pass-through of phone clips).
    ranges: each clip's (source_in, source_out) in its own frames, as the joined file shows it
    outside transitions (timeline.build_timeline); None: every clip whole. overlap: the
    segments replace the clips' frames beside them."""
    spec = ExportSpec("prores", overwrite=True)
    results = []
    for seg, path in zip(segments, join_segment_paths(out_abs, len(segments))):
        seg_info = probe.probe(ff, seg)  # each cut may have its own length (join --from)
        upright = (to_coded(f, turn, upright=True) for f in frames.iter_frames(ff, seg_info))
        results.append(export.export_frames(ff, upright, spec, path, infos[0],
                                           seg_info.frame_count))
    stem = os.path.splitext(out_abs)[0]
    tl = build_timeline(os.path.basename(stem), infos,
                        [export.timeline_segment(r) for r in results],
                        [export.clip_timecode(ff, i) for i in infos], ranges=ranges,
                        overlap=overlap)
    return [r.path for r in results] + write_timelines(tl, list(formats), stem)
