"""A join's result as the plain dict that `join --json` prints and the batch report lists per
job: output, frames, picture, path taken, where each transition landed, timings, metrics."""

from __future__ import annotations


def summary(result, spec) -> dict:
    """result: pipeline.JoinResult; spec: the TransitionSpec it was made with. Every frame range
    in it is half-open, [start, end): output frames for cuts[].frames, each clip's own frames
    for clip_ranges."""
    cuts = [{"frames": [start, end], "seconds": round(r.seconds, 3),
             "adapt_seconds": round(r.adapt_seconds, 3), "cached": r.cached, "metrics": r.scores,
             "meets_goals": r.goals}
            for (start, end), r in zip(result.cuts, result.cut_results)]
    return {
        "output": result.out, "frames": result.total_frames, "width": result.width,
        "height": result.height, "fps": str(result.fps), "audio": result.has_audio,
        "passthrough": result.passthrough, "method": spec.method, "path": spec.path,
        "overlap": spec.overlap, "motion_blur": spec.motion_blur,
        "reencoded_clip_frames": result.reencoded, "copied_clip_frames": result.copied,
        "clip_ranges": [list(r) for r in result.ranges],
        "timings": {k: round(v, 3) for k, v in result.timings.items()}, "cuts": cuts,
        "previews": list(result.previews), "timelines": list(result.timeline_files)}
