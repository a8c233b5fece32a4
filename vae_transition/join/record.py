"""What a joined file says about itself: where its transitions are, in its own metadata.

`join` writes the plan's transition spans into the output (key "vae_transition", a JSON object
{"transitions": [[start, end], ...]}: output frames, half-open), so `score FILE` finds them
without being told. Pure: text in, text out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ffmpeg_scripts.probe import ClipInfo

KEY = "vae_transition"


def record(spans: Sequence[tuple[int, int]]) -> dict[str, str]:
    """The metadata a joined file carries: {key: value}."""
    return {KEY: json.dumps({"transitions": [[int(s), int(e)] for s, e in spans]})}


def transitions(info: ClipInfo) -> list[tuple[int, int]] | None:
    """The transitions' spans [start, end) a joined file records, or None when it records
    none (another program wrote it, or a re-encode dropped the record) or they do not fit it."""
    value = info.tag(KEY)
    if value is None:
        return None
    try:
        spans = [(int(s), int(e)) for s, e in json.loads(value)["transitions"]]
    except (ValueError, KeyError, TypeError):
        return None
    if not spans or any(not 0 < s < e < info.frame_count for s, e in spans):
        return None
    return spans
