"""Distances in centimetres from the athlete's height: step length, speed, hip height and knee height.

The scale: the athlete's thigh, shank and trunk (hip to shoulder) in pixels, their medians over the clip's
trusted frames, make up 0.761 of the stature by Winter's anthropometric ratios (0.245 + 0.246 + 0.270, as
the renderer builds its athletes), so ``cm_per_px = height_cm * 0.761 / (thigh + shank + trunk)``. Three
segments, not one, so a long-legged or long-bodied athlete is off by less than any one segment would make it.

Heights are measured up from the floor: the lowest foot point (heel or toes) near the frame, plus the foot
points' own height off the floor (:data:`FOOT_POINTS_UP`). The hip height is the median over the frames with
a foot planted, a knee height the driving knee's at its drive's peak. They need a side-on camera, which may
pan.

Step length and speed need the ground to stay still in the picture. A foot is planted while its lowest
point is on the floor; its footprint is the toes' median position then, and a step is the distance between
successive footprints. The camera counts as still when planted toes slide backward across the picture at
less than :data:`MAX_GROUND_DRIFT` of the athlete's own speed; otherwise (a phone panning after the athlete,
or a treadmill) step length and speed are not measured. A slow pan, under about a tenth of the athlete's
speed, cannot be told from a foot rolling over its toes: it passes as still and biases both figures by its
share. Speed over the clip is the slope of the hips' travel against time; a rep's speed is the same over the
rep's own frames.

Expected errors (:data:`EXPECTED_ERROR_PCT`) come from the rendered benchmark (``benchmarks/distances.py``,
results in ``benchmarks/results/distances.txt``): rendered athletes of known height and true distances,
filmed by a still camera; a real athlete whose proportions differ from the average adds that difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.kinematics.metrics import CONFIDENCE_FLOOR, View
from kneedrive_cv.landmarks import Landmark, Side, sided
from kneedrive_cv.runs import runs_of

#: Thigh + shank + trunk (hip joint to shoulder joint) as a share of stature (Winter's ratios).
SEGMENTS_OF_STATURE = 0.245 + 0.246 + 0.270
#: Heights an athlete may give, in centimetres.
HEIGHT_RANGE_CM = (100.0, 230.0)
#: The camera is still when planted feet slide across the picture at less than this share of the athlete's speed.
MAX_GROUND_DRIFT = 0.15
#: Expected error of each figure, per cent of the true value: the 90th percentile of the absolute error on
#: rendered athletes filmed by a still camera, rounded up (benchmarks/results/distances.txt, 2026-12-07).
EXPECTED_ERROR_PCT = {"step_length": 6.0, "speed": 6.0, "rep_speed": 11.0, "hip_height": 4.0, "knee_height": 8.0}
#: Speed curve: the hips' travel fitted over windows this long (about two steps of a drill), in seconds.
SPEED_WINDOW_S = 0.5
#: The floor near a frame is the lowest foot point within this many seconds of it.
FLOOR_WINDOW_S = 0.6
#: A foot is planted while its lowest point is within this share of the stature of the floor.
PLANTED_TOL = 0.025
#: The heel and toe landmarks of a planted foot sit this share of the stature above the floor (the sole, and
#: the toes' point on the shoe's upper): measured on the renderer's shoes, whose foot follows Winter's ratios.
FOOT_POINTS_UP = 0.03

_WHAT_HEIGHTS = "hip and knee height in centimetres"
_WHAT_TRAVEL = "step length and speed"


@dataclass(frozen=True)
class RepDistance:
    """One rep's figures: its speed (m/s, forward positive) and the driving knee's height above the floor."""

    index: int
    speed_m_s: float | None
    knee_height_cm: float | None


@dataclass(frozen=True)
class Distances:
    """What the athlete's height turns into centimetres; None where not measured (``missing`` says why).

    Attributes:
        height_cm: the athlete's height as given; ``cm_per_px`` the scale it gives.
        ground_drift: how fast planted feet slide across the picture, as a share of the athlete's speed
            across it (0 for a still camera, about 1 for a phone following the hips); None when not judged.
        hip_height_cm: the hip joints' height above the floor with a foot down (median).
        knee_height_cm: the mean of the drives' peak knee heights above the floor.
        step_length_cm: the median distance between successive foot contacts; ``steps_cm`` each one.
        speed_m_s: the hips' speed over the clip, forward positive.
        reps: each rep's speed and knee height.
        speed_t_s, speed_curve_m_s: the hips' speed over time (fitted over :data:`SPEED_WINDOW_S`), for a chart.
        missing: (what, why) of each figure not measured.

    """

    height_cm: float
    cm_per_px: float | None
    ground_drift: float | None = None
    hip_height_cm: float | None = None
    knee_height_cm: float | None = None
    step_length_cm: float | None = None
    steps_cm: tuple[float, ...] = ()
    speed_m_s: float | None = None
    reps: tuple[RepDistance, ...] = ()
    speed_t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    speed_curve_m_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    missing: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RepSpan:
    """What a rep contributes: its number, kind (drive or hold), side and frames (start, peak, end)."""

    index: int
    kind: str
    side: Side
    i_start: int
    i_peak: int
    i_end: int


def check_height(height_cm: float | None) -> float | None:
    """The height if it is one an athlete can have; raises ValueError (with what to give) otherwise."""
    if height_cm is None:
        return None
    lo, hi = HEIGHT_RANGE_CM
    if not math.isfinite(height_cm) or not lo <= height_cm <= hi:
        raise ValueError(f"athlete height {height_cm:g} cm: expected a height in centimetres from {lo:.0f} to "
                         f"{hi:.0f}, e.g. 178")
    return float(height_cm)


def _trusted(kinematics: Kinematics, lm: Landmark) -> np.ndarray:
    """(frames, 2) smoothed pixels of a landmark, NaN where not trusted."""
    ok = kinematics.visibility[:, int(lm)] >= CONFIDENCE_FLOOR
    return np.where(ok[:, None], kinematics.xy[:, int(lm)], np.nan)


def _mid(kinematics: Kinematics, part: str) -> np.ndarray:
    both = np.stack([_trusted(kinematics, sided(s, part)) for s in Side])
    seen = np.isfinite(both)
    count = seen.sum(axis=0)
    return np.where(count > 0, np.where(seen, both, 0.0).sum(axis=0) / np.maximum(count, 1), np.nan)


def _length_px(a: np.ndarray, b: np.ndarray) -> float:
    d = np.linalg.norm(a - b, axis=1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if len(d) >= 5 else math.nan


def stature_px(kinematics: Kinematics) -> float:
    """The athlete's stature in pixels from thigh, shank and trunk (NaN when they are not seen in 5 frames)."""
    legs = []
    for s in Side:
        hip, knee, ankle = (_trusted(kinematics, sided(s, p)) for p in ("HIP", "KNEE", "ANKLE"))
        legs.append((_length_px(hip, knee), _length_px(knee, ankle)))
    # the longer of the two legs' segments: the far leg is partly hidden and guessed, and a segment seen from
    # off the side only looks shorter
    thigh = float(np.nanmax([t for t, _ in legs])) if any(math.isfinite(t) for t, _ in legs) else math.nan
    shank = float(np.nanmax([k for _, k in legs])) if any(math.isfinite(k) for _, k in legs) else math.nan
    trunk = _length_px(_mid(kinematics, "HIP"), _mid(kinematics, "SHOULDER"))
    return (thigh + shank + trunk) / SEGMENTS_OF_STATURE


def _lowest(kinematics: Kinematics, side: Side) -> np.ndarray:
    """(frames,) the row of a foot's lowest point, heel or toes (y grows down), NaN where neither is trusted."""
    ys = np.stack([_trusted(kinematics, sided(side, p))[:, 1] for p in ("HEEL", "FOOT_INDEX")])
    out = np.full(ys.shape[1], np.nan)
    seen = np.isfinite(ys).any(axis=0)
    out[seen] = np.nanmax(ys[:, seen], axis=0)
    return out


def _floor_y(kinematics: Kinematics, stature: float) -> tuple[np.ndarray, dict[Side, np.ndarray]]:
    """The floor's row near each frame, and each foot's planted frames.

    The floor is the lowest foot point within :data:`FLOOR_WINDOW_S` either side (a tilted or rolled picture
    moves it slowly), plus the foot points' own height off the floor; a foot is planted where its lowest
    point is within :data:`PLANTED_TOL` of the stature of the floor.
    """
    t = kinematics.t_s
    low = {s: _lowest(kinematics, s) for s in Side}
    both = np.fmax(low[Side.LEFT], low[Side.RIGHT])
    floor = np.full(len(t), np.nan)
    lo = np.searchsorted(t, t - FLOOR_WINDOW_S)
    hi = np.searchsorted(t, t + FLOOR_WINDOW_S, side="right")
    for i in range(len(t)):
        window = both[lo[i]:hi[i]]
        if np.isfinite(window).any():
            floor[i] = np.nanmax(window)
    planted = {s: np.nan_to_num(low[s], nan=-np.inf) >= floor - PLANTED_TOL * stature for s in Side}
    return floor + FOOT_POINTS_UP * stature, planted


def _hip_height_px(kinematics: Kinematics, floor: np.ndarray, planted: dict[Side, np.ndarray]) -> float:
    height = floor - _mid(kinematics, "HIP")[:, 1]
    down = planted[Side.LEFT] | planted[Side.RIGHT]
    use = height[down] if np.sum(np.isfinite(height[down])) >= 10 else height
    use = use[np.isfinite(use)]
    return float(np.median(use)) if len(use) else math.nan


def _knee_heights_px(kinematics: Kinematics, reps: Sequence[RepSpan], floor: np.ndarray) -> dict[int, float]:
    out = {}
    for r in reps:
        if r.kind != "drive":
            continue
        knee = _trusted(kinematics, sided(r.side, "KNEE"))[r.i_peak, 1]
        out[r.index] = float(floor[r.i_peak] - knee)
    return out


def _footprints(kinematics: Kinematics, planted: dict[Side, np.ndarray]) -> tuple[list[tuple[float, float]], float]:
    """(time, toes' x in pixels) of each planted foot in time order, and how fast planted toes slide (px/s).

    The toes, not the heel: a sprinter's stance is on the ball of the foot, whose heel rises as it is loaded.
    The slide is the median of the toes' signed speed across the picture over the middle half of every planted
    run (not a foot landing or leaving): jitter cancels out in it, a panning camera does not.
    """
    t = kinematics.t_s
    prints, speeds = [], []
    for s in Side:
        toe = _trusted(kinematics, sided(s, "FOOT_INDEX"))[:, 0]
        velocity = np.gradient(toe, t) if len(t) > 1 else np.zeros(len(t))
        for a, b in ((a, b - 1) for a, b in runs_of(planted[s])):  # first and last frame
            x = toe[a:b + 1]
            ok = np.isfinite(x)
            if ok.sum() < 2:
                continue
            prints.append((float(t[a]), float(np.median(x[ok]))))
            trim = (b - a + 1) // 4
            inner = velocity[a + trim:b + 1 - trim]
            speeds.extend(inner[np.isfinite(inner)].tolist())
    slide = float(np.median(speeds)) if len(speeds) >= 4 else math.nan
    return sorted(prints), slide


def _hip_speed_px(t: np.ndarray, hip_x: np.ndarray, lo: float = -math.inf, hi: float = math.inf) -> float:
    """Slope (px/s) of the hips' x against time over [lo, hi]; NaN with fewer than 3 frames."""
    ok = np.isfinite(hip_x) & (t >= lo) & (t <= hi)
    if ok.sum() < 3:
        return math.nan
    return float(np.polyfit(t[ok], hip_x[ok], 1)[0])


def _speed_curve(t: np.ndarray, hip_x: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The hips' speed (m/s with ``scale`` m per px, forward positive) fitted over a window around each frame."""
    step = max(1, len(t) // 120)
    times = t[::step]
    half = SPEED_WINDOW_S / 2
    speeds = np.array([_hip_speed_px(t, hip_x, c - half, c + half) for c in times]) * scale
    inside = (times >= t[0] + half) & (times <= t[-1] - half)
    return times[inside], speeds[inside]


def _steps_px(prints: list[tuple[float, float]]) -> list[float]:
    """Distances between successive footprints, leaving out gaps of more than 1.6 typical steps (missed contacts)."""
    if len(prints) < 2:
        return []
    gaps = np.diff([p[0] for p in prints])
    typical = float(np.median(gaps))
    return [abs(b[1] - a[1]) for a, b, g in zip(prints, prints[1:], gaps, strict=False) if g <= 1.6 * typical]


def measure_distances(kinematics: Kinematics, height_cm: float | None, travelling: bool | None,
                      reps: Sequence[RepSpan] = (), drill_title: str | None = None) -> Distances | None:
    """The athlete's distances in centimetres (None without a height; a side-on view is needed for any figure).

    ``travelling``: the drill scored travels (step length and speed are its figures); None when no drill was
    recognised.
    """
    if height_cm is None:
        return None
    if kinematics.view is not View.SIDE:
        why = (f"the camera is {kinematics.view}-on, not side-on: lengths along and across the run are "
               "foreshortened")
        return Distances(height_cm, None, missing=((_WHAT_HEIGHTS, why), (_WHAT_TRAVEL, why)))
    size = stature_px(kinematics)
    if not math.isfinite(size) or size <= 0:
        why = "the athlete's legs and trunk were not seen well enough to size them in the picture"
        return Distances(height_cm, None, missing=((_WHAT_HEIGHTS, why), (_WHAT_TRAVEL, why)))
    cm = height_cm / size
    floor, planted = _floor_y(kinematics, size)
    hip = _hip_height_px(kinematics, floor, planted)
    knees = _knee_heights_px(kinematics, reps, floor)
    knee_values = [v for v in knees.values() if math.isfinite(v)]
    heights = {"hip_height_cm": hip * cm if math.isfinite(hip) else None,
               "knee_height_cm": float(np.mean(knee_values)) * cm if knee_values else None}
    travel = _travel(kinematics, planted, cm, travelling, reps, drill_title)
    rep_rows = tuple(RepDistance(r.index, travel.rep_speeds.get(r.index),
                                 knees[r.index] * cm if math.isfinite(knees.get(r.index, math.nan)) else None)
                     for r in reps)
    return Distances(height_cm, cm, travel.drift, **heights, step_length_cm=travel.step_cm, steps_cm=travel.steps_cm,
                     speed_m_s=travel.speed, reps=rep_rows, speed_t_s=travel.curve[0],
                     speed_curve_m_s=travel.curve[1], missing=travel.missing)


@dataclass(frozen=True)
class _Travel:
    drift: float | None = None
    step_cm: float | None = None
    steps_cm: tuple[float, ...] = ()
    speed: float | None = None
    rep_speeds: dict[int, float | None] = field(default_factory=dict)
    curve: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
    missing: tuple[tuple[str, str], ...] = ()


def ground_drift(slide_px_s: float, hip_speed_px: float, forward: float) -> float | None:
    """How fast the ground moves back in the picture, as a share of the athlete's speed over it (None: not judged).

    ``slide_px_s``: planted toes' speed across the picture; ``hip_speed_px`` the hips'; ``forward`` +1 when the
    athlete faces image-right, -1 left. A camera panning after the athlete moves the ground backward: 0 for
    a still camera, about 1 when the phone follows the hips (they stay put, the ground slides). A planted
    foot rolling onto its toes moves its toe point forward, which is no pan.
    """
    if not (math.isfinite(slide_px_s) and math.isfinite(hip_speed_px)):
        return None
    back = max(0.0, -forward * slide_px_s)
    return back / max(back + abs(hip_speed_px), 1e-9)


def _travel(kinematics: Kinematics, planted: dict[Side, np.ndarray], cm: float, travelling: bool | None,
            reps: Sequence[RepSpan], drill_title: str | None) -> _Travel:
    """Step length and speeds, or why they are not measured."""
    if not travelling:
        why = (f"{drill_title or 'this drill'} is not a travelling drill" if travelling is not None
               else "no travelling drill was recognised")
        return _Travel(missing=((_WHAT_TRAVEL, why),))
    t = kinematics.t_s
    hip_x = _mid(kinematics, "HIP")[:, 0]
    image_speed = _hip_speed_px(t, hip_x)
    forward = -1.0 if kinematics.facing is Side.LEFT else 1.0
    prints, slide = _footprints(kinematics, planted)
    drift = ground_drift(slide, image_speed, forward)
    if drift is None:
        return _Travel(missing=((_WHAT_TRAVEL, "too few foot contacts were found to tell whether the camera is "
                                               "still"),))
    if drift > MAX_GROUND_DRIFT:
        return _Travel(drift, missing=((_WHAT_TRAVEL, f"the ground moves in the picture (planted feet slide at "
                                                      f"{100 * drift:.0f} % of the athlete's speed across it): a "
                                                      "panning camera or a treadmill; distances along the run need "
                                                      "a still camera"),))
    m = cm / 100 * forward
    steps = tuple(s * cm for s in _steps_px(prints))
    rep_speeds = {}
    for r in reps:
        v = _hip_speed_px(t, hip_x, float(t[r.i_start]), float(t[r.i_end]))
        rep_speeds[r.index] = v * m if math.isfinite(v) else None
    return _Travel(drift, float(np.median(steps)) if steps else None, steps, image_speed * m, rep_speeds,
                   _speed_curve(t, hip_x, m))


__all__ = ["EXPECTED_ERROR_PCT", "HEIGHT_RANGE_CM", "MAX_GROUND_DRIFT", "SEGMENTS_OF_STATURE", "Distances",
           "RepDistance", "RepSpan", "check_height", "ground_drift", "measure_distances", "stature_px"]
