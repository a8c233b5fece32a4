"""The files a join adds beside OUT (--preview, --timeline) and putting the set in place:
OUT and all of them, or (on any error, Ctrl-C included) none of them."""

from __future__ import annotations

import os

from ffmpeg_scripts import frames, probe
from ffmpeg_scripts.locate import FFmpegBinary
from vae_transition import outputs


def preview_paths(out_abs: str, cuts: int) -> list[str]:
    """OUT.cutNN.png and OUT.cutNN.gif for every cut (join --preview)."""
    stem = os.path.splitext(out_abs)[0]
    return [f"{stem}.cut{k:02d}.{ext}" for k in range(1, cuts + 1) for ext in ("png", "gif")]


def side_paths(req, out_abs: str) -> list[str]:
    """Every file req's --preview and --timeline add beside OUT (req: pipeline.JoinRequest)."""
    paths = preview_paths(out_abs, len(req.clips) - 1) if req.preview else []
    if req.timelines:
        from vae_transition import export

        paths += export.join_export_paths(out_abs, len(req.clips) - 1, req.timelines)
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
    from vae_transition import export

    segments = [r.segment for r in results]
    return export.join_timelines(ff, infos, segments, out_abs, req.timelines, turn, ranges)


def write_previews(ff: FFmpegBinary, out_abs: str, cuts) -> tuple[str, ...]:
    """OUT.cutNN.png (contact sheet) and OUT.cutNN.gif for every transition, read from OUT."""
    from vae_transition import preview

    joined = probe.probe(ff, out_abs)
    paths = preview_paths(out_abs, len(cuts))
    for k, (first, last) in enumerate(cuts):
        seq = list(frames.iter_frames(ff, joined, start=first - 1, count=last - first + 3))
        preview.write_png(paths[2 * k], preview.transition_sheet(seq))
        preview.write_gif(ff, out_abs, first - 1, last + 1, paths[2 * k + 1])
    return tuple(paths)
