"""Transition quality metrics: does T_1..T_N look like motion, or like a cut or a crossfade?

All inputs are (H, W, 3) uint8 RGB frames of one size. The four step and sharpness metrics work
on BT.709 luma Y = 0.2126 R + 0.7152 G + 0.0722 B in [0, 1] (of the gamma-encoded values, as video
stores them); novelty and coherence on RGB in [0, 1] resized (anti-aliased) to a 256 px long side
(a colour that moves is motion even where luma stays the same).
The step metrics use luma resized so the long side is 256 px, which makes them independent of
the clip resolution; mid sharpness uses full-resolution luma, where blur is visible, and again
one and two pyramid levels down (mid_sharpness_2x, _4x), so that pixel-level grain over soft
blobs (sharp at the finest scale, none at the scale of shapes) does not pass. Wholeness
(wholeness.py) asks whether what is new mid-way is A and B bent, or A and B in pieces;
coherence (coherence.py) whether change turns back, read along the motion (and, reported
beside it with no goal, in place: where moving texture turns pixels back and forth too).

S = [A_last, T_1, ..., T_N, B_first] and s_k = mean |S_(k+1) - S_k| for k = 0..N.

Degenerate cases, chosen so that no metric divides by zero:
- A ratio x / y with y ~ 0 is inf when x > 0 and 1.0 when x ~ 0 too (nothing moves, so no step
  stands out). `meets_goals` then reports inf as a miss.
- Splice ratio with N = 1 has no interior steps; the reference is then the mean of all steps
  (so it equals pacing). With N = 2 the interior is the single step s_1.
- Dissolve fit skips zero steps (a held frame has no direction), so a hard cut scores 1.0, like
  the crossfade it is an extreme of. With no non-zero step, or B_first == A_last (no dissolve
  direction), it is 0.0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Sequence

import numpy as np

from . import coherence
from .tensors import resize, shrink_antialiased, to_float, working_size
from .wholeness import wholeness

METRIC_LONG_SIDE = 256  # px; step metrics are measured at this size
EPS = 1e-9  # below this a step size, norm or variance counts as zero

# One place for the goals: metric name -> (comparison, threshold) that a good transition meets.
GOALS: dict[str, tuple[str, float]] = {
    "splice_ratio": ("<=", 1.5),  # no jump where the clips meet the transition
    "pacing": ("<=", 1.5),  # no step much bigger than the others
    "dissolve_fit": ("<=", 0.5),  # the frames do not just fade A into B (a crossfade scores 1.0)
    "mid_sharpness": (">=", 0.8),  # the middle is not blurred (a crossfade scores about 0.5)
    "novelty": (">=", 0.15),  # the middle is not a per-pixel mix of A and B (a wipe scores 0)
    "coherence": (">=", 0.8),  # change keeps its direction along the motion (frame-to-frame
                               # flicker scores 0.5, a pan 1; coherence.py)
    "mid_sharpness_2x": (">=", 0.8),  # mid sharpness one pyramid level down (half size)
    "mid_sharpness_4x": (">=", 0.8),  # two levels down: pixel grain cannot stand in for shapes
    "wholeness": (">=", 0.6),  # what is new mid-way is A and B bent, not in pieces (a mosaic of
                               # cells scores ~0.2)
}
NOVELTY_LONG_SIDE = 256  # px; novelty compares RGB frames area-resized to this long side


@dataclass(frozen=True)
class TransitionScores:
    splice_ratio: float  # max(s_0, s_N) / mean(s_1 .. s_(N-1)); >= 0, goal <= 1.5
    pacing: float  # max(s) / mean(s); >= 1, goal <= 1.5
    dissolve_fit: float  # mean cos^2(step, B_first - A_last) in [0, 1]; goal <= 0.5
    mid_sharpness: float  # Laplacian variance vs. the blend of A's and B's; goal >= 0.8
    novelty: float  # what no per-pixel mix of A and B explains, middle third; goal >= 0.15
    coherence: float  # share of change that does not turn back, along the motion; >= 0.8
    mid_sharpness_2x: float  # mid_sharpness of the frames at half size (pyramid level 1)
    mid_sharpness_4x: float  # ... at a quarter size (level 2); goals >= 0.8
    wholeness: float  # share of the middle's novel content that smooth warps explain; >= 0.6
    coherence_in_place: float  # |S_k+1 - S_k-1| / (|S_k+1 - S_k| + |S_k - S_k-1|) per pixel;
                               # reported, no goal (moving texture turns pixels back and forth)

    def as_dict(self) -> dict:
        return asdict(self)

    def meets_goals(self) -> dict[str, bool]:
        """Goal name (GOALS) -> whether it is met (nan and inf never are); only the metrics
        with a goal are listed."""
        out = {}
        for name, (op, limit) in GOALS.items():
            value = getattr(self, name)
            ok = value <= limit if op == "<=" else value >= limit
            out[name] = bool(np.isfinite(value) and ok)
        return out


# every metric score_transition reports, in table order: the goals', then those without one
METRICS: tuple[str, ...] = tuple(f.name for f in fields(TransitionScores))


def luma(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W) float32 BT.709 luma in [0, 1]."""
    _check_frame(frame)
    rgb = to_float(frame)
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def metric_luma(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (h, w) float32 luma with long side 256 px, aspect kept.

    Uses tensors.resize: INTER_AREA when shrinking; frames smaller than 256 px are enlarged
    (cubic) so that every clip is measured on the same grid.
    """
    y = luma(frame)
    return resize(y, working_size(y.shape[1], y.shape[0], METRIC_LONG_SIDE, 1))


def step_sizes(seq: Sequence[np.ndarray]) -> np.ndarray:
    """[S_0 .. S_(N+1)] (H, W, 3) uint8 frames -> (N+1,) float64 s_k = mean |S_(k+1) - S_k|."""
    ys = [metric_luma(f) for f in seq]
    return luma_steps(ys)


def score_transition(
    a_last: np.ndarray, frames: Sequence[np.ndarray], b_first: np.ndarray
) -> TransitionScores:
    """Score the transition frames T_1..T_N spliced between A's last and B's first frame."""
    frames = list(frames)
    if not frames:
        raise ValueError("score_transition needs at least one transition frame (N >= 1)")
    seq = [a_last, *frames, b_first]
    for i, f in enumerate(seq):
        _check_frame(f)
        if f.shape != a_last.shape:
            raise ValueError(f"frame {i} of [A_last, T_1.., B_first] is {f.shape}, "
                             f"expected {a_last.shape}")
    ys = [metric_luma(f) for f in seq]
    rgbs = [_rgb_small(f) for f in seq]
    s = luma_steps(ys)
    return TransitionScores(
        splice_ratio=_splice_ratio(s),
        pacing=_ratio(float(s.max()), float(s.mean())),
        dissolve_fit=_dissolve_fit(ys),
        mid_sharpness=_mid_sharpness(a_last, frames, b_first),
        novelty=novelty(rgbs),
        coherence=coherence.along_motion(rgbs),
        mid_sharpness_2x=_mid_sharpness(a_last, frames, b_first, level=1),
        mid_sharpness_4x=_mid_sharpness(a_last, frames, b_first, level=2),
        wholeness=wholeness(rgbs, middle_third(len(frames))),
        coherence_in_place=coherence.in_place(rgbs),
    )


def middle_third(n: int) -> list[int]:
    """Indices i in 1..n with 1/3 <= t_i = i/(n+1) <= 2/3 (exact, integer arithmetic).

    Never empty: for n = 1 it is [1], for n = 2 [1, 2], and if ever empty the frame nearest
    t = 1/2 is used.
    """
    idx = [i for i in range(1, n + 1) if n + 1 <= 3 * i <= 2 * (n + 1)]
    return idx or [max(1, min(n, round((n + 1) / 2)))]


def laplacian_variance(y: np.ndarray) -> float:
    """(H, W) float32 luma -> variance of its 3x3 Laplacian.

    cv2.Laplacian with ksize=1 is the 3x3 kernel [[0, 1, 0], [1, -4, 1], [0, 1, 0]]: the smallest
    one, so it sees the finest detail, which is what blur removes first.
    """
    import cv2

    return float(cv2.Laplacian(y, cv2.CV_32F, ksize=1).astype(np.float64).var())


def luma_steps(ys: Sequence[np.ndarray]) -> np.ndarray:
    """(len(ys) - 1,) mean |y_k+1 - y_k| of a run of metric lumas: the size of each step."""
    return np.array([np.abs(ys[k + 1] - ys[k]).mean(dtype=np.float64) for k in range(len(ys) - 1)])


def _ratio(num: float, den: float) -> float:
    """num / den, with den ~ 0 giving inf (num > 0) or 1.0 (num ~ 0 too)."""
    if den > EPS:
        return num / den
    return 1.0 if num <= EPS else float("inf")


def _splice_ratio(s: np.ndarray) -> float:
    interior = s[1:-1] if len(s) > 2 else s  # N = 1: no interior, compare with all steps
    return _ratio(float(max(s[0], s[-1])), float(interior.mean()))


def _dissolve_fit(ys: Sequence[np.ndarray]) -> float:
    """Mean cos^2 between each non-zero step and B_first - A_last (flattened luma vectors)."""
    d = (ys[-1] - ys[0]).ravel().astype(np.float64)
    d_norm2 = float(d @ d)
    if d_norm2 <= EPS:
        return 0.0
    fits = []
    for k in range(len(ys) - 1):
        step = (ys[k + 1] - ys[k]).ravel().astype(np.float64)
        step_norm2 = float(step @ step)
        if step_norm2 > EPS:
            fits.append(float(step @ d) ** 2 / (step_norm2 * d_norm2))
    return float(np.mean(fits)) if fits else 0.0


def pyramid_luma(frame: np.ndarray, level: int) -> np.ndarray:
    """(H, W) full-resolution luma, Gaussian-pyramid reduced `level` times (cv2.pyrDown: blur,
    then every second pixel): the same picture at 1/2^level size, where the 3x3 Laplacian sees
    detail 2^level times coarser."""
    import cv2

    y = luma(frame)
    for _ in range(level):
        y = cv2.pyrDown(y) if min(y.shape) >= 2 else y
    return y


def _mid_sharpness(a_last: np.ndarray, frames: list[np.ndarray], b_first: np.ndarray,
                   level: int = 0) -> float:
    """Laplacian variance of the middle third against the blend of the ends', at a pyramid level."""
    n = len(frames)
    var_a = laplacian_variance(pyramid_luma(a_last, level))
    var_b = laplacian_variance(pyramid_luma(b_first, level))
    ratios = []
    for i in middle_third(n):
        t = i / (n + 1)
        expected = (1 - t) * var_a + t * var_b
        ratios.append(_ratio(laplacian_variance(pyramid_luma(frames[i - 1], level)), expected))
    return float(np.mean(ratios))


def _rgb_small(frame: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (h, w, 3) float32 RGB in [0, 1], long side NOVELTY_LONG_SIDE,
    anti-aliased: these readings compare pixels across frames, where the area average's
    aliasing made fine texture that moves by sub-pixel steps shimmer (coherence read that as
    flicker, novelty as new content; tensors.shrink_antialiased)."""
    rgb = to_float(frame)
    return shrink_antialiased(rgb, working_size(rgb.shape[1], rgb.shape[0], NOVELTY_LONG_SIDE, 1))


def novelty_of(a: np.ndarray, t: np.ndarray, b: np.ndarray) -> float:
    """Share of T that no per-pixel mix of A and B explains; (h, w, 3) float RGB each.

    Per pixel the best mix alpha = clip(<T - A, B - A> / |B - A|^2, 0, 1) over the channels;
    the residual R = T - A - alpha (B - A) is measured in L1 against mean |B - A|_1. 0 for a
    crossfade, a matte wipe or any per-pixel dissolve; content that moves or reshapes scores high.
    """
    d, e = b - a, t - a
    alpha = np.clip((e * d).sum(-1) / np.maximum((d * d).sum(-1), EPS), 0.0, 1.0)
    resid = e - alpha[..., None] * d
    return _ratio(float(np.abs(resid).sum(-1).mean()), float(np.abs(d).sum(-1).mean()))


def novelty(rgbs: Sequence[np.ndarray]) -> float:
    """Mean novelty_of over the middle third of T_1..T_N (the frames mid sharpness reads);
    rgbs = [A_last, T_1..T_N, B_first] as _rgb_small gives them."""
    a, b, n = rgbs[0], rgbs[-1], len(rgbs) - 2
    return float(np.mean([novelty_of(a, rgbs[i], b) for i in middle_third(n)]))


def frames_coherence(frames: Sequence[np.ndarray]) -> tuple[float, float]:
    """(along the motion, in place) coherence of any run of uint8 frames, e.g. a clip's own
    frames beside a transition, the reference for an overlap, where the clips keep playing
    under the morph (a pan over texture is steady along its motion, not in place)."""
    rgbs = [_rgb_small(f) for f in frames]
    return coherence.along_motion(rgbs), coherence.in_place(rgbs)


def frames_wholeness(frames: Sequence[np.ndarray]) -> float:
    """wholeness() of any run of uint8 frames, its middle third against its first and last
    (the overlap rows' third reference): a clip whose picture changes other than by moving
    (animated colour, a counter, a plasma) is not whole by itself."""
    return wholeness([_rgb_small(f) for f in frames], middle_third(len(frames) - 2))


def frames_pacing(frames: Sequence[np.ndarray]) -> float:
    """pacing (largest step / mean step) of any run of uint8 frames, e.g. a clip's own frames
    beside an overlap: a clip conformed to another rate repeats or drops frames (20 fps shown
    at 24 repeats every fifth; 25 at 15 steps one frame, then two), which no overlap of it
    can pace evenly."""
    steps = luma_steps([metric_luma(f) for f in frames])
    return _ratio(float(steps.max()), float(steps.mean())) if len(steps) else 1.0


def _check_frame(frame: np.ndarray) -> None:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise TypeError(f"expected a uint8 numpy frame, got {type(frame).__name__} "
                        f"{getattr(frame, 'dtype', '')}")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB frame, got shape {frame.shape}")
