"""Which drill a clip shows (``--drill auto``), with a confidence and the reasons, or ``none``.

Rules on a few clip-level features, in the order a coach would reason: is the camera side-on; is a knee
held up; are there real knee drives (thigh well above what walking or running give); is the body leaning into
a wall; does the athlete travel; is one arm kept still.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.kinematics.events import Events, feet_cycle_through, foot_sweep_behind
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side
from kneedrive_cv.scoring.rep_metrics import frozen_side_of

#: Median peak thigh angle that separates knee-drive drills (60-110 deg) from walking and running (25-45 deg).
DRIVE_PEAK_DEG = 55.0
MIN_DRIVES = 3
HOLD_MIN_S = 1.5
WALL_BODY_ANGLE_DEG = 30.0
TRAVEL_THIGHS = 3.0
START_LEAN_DEG = 30.0
#: Feet swept further than this behind the hips (thigh lengths) mean running or sprinting: a piston run keeps
#: them under the body. Measured: treadmill and track running 1.15-1.7, drills on the spot under 0.55.
RUNNING_SWEEP_THIGHS = 1.0


@dataclass(frozen=True)
class Recognition:
    """The drill recognised (or ``none``), a confidence 0-1 and the features and reasons behind it."""

    drill: str
    confidence: float
    reasons: tuple[str, ...]
    features: dict[str, object] = field(default_factory=dict)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def clip_features(k: Kinematics, events: Events) -> dict[str, object]:
    """The features recognition looks at."""
    drives = events.complete_drives
    by_side = [[d.peak_thigh_deg for d in drives if d.side is s and np.isfinite(d.peak_thigh_deg)] for s in Side]
    # the better side's typical peak: a dragged pocket-run leg must not hide the drill
    medians = [float(np.median(p)) for p in by_side if len(p) >= 2]
    t = k.t_s
    early = t <= t[0] + 1.0 if len(t) else np.zeros(0, bool)
    lean = k.frames["trunk_lean"]
    frozen, motion = frozen_side_of(k)
    with np.errstate(all="ignore"):
        return {
            "view": k.view,
            "complete_drives": len(drives),
            "median_peak_thigh_deg": max(medians) if medians else None,
            "longest_hold_s": max((h.duration_s for h in events.holds), default=0.0),
            "median_body_angle_deg": _nanmedian(k.frames["body_angle"]),
            "median_trunk_lean_deg": _nanmedian(lean),
            "early_trunk_lean_deg": _nanmedian(lean[early]) if early.any() else None,
            "travel_thighs": round(k.travel_thighs, 2),
            "feet_cycle_through": feet_cycle_through(k),
            "foot_sweep_behind_thighs": foot_sweep_behind(k),
            "frozen_side": frozen.value if frozen else None,
            "arm_swing_deg": motion,
        }


def _nanmedian(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    return float(np.median(x)) if len(x) else None


def recognise(k: Kinematics, events: Events) -> Recognition:
    """The drill the clip shows, or ``none`` when no knee-drive drill is seen."""
    f = clip_features(k, events)
    drives = int(f["complete_drives"])  # type: ignore[call-overload]
    peak = f["median_peak_thigh_deg"]
    hold = float(f["longest_hold_s"])  # type: ignore[arg-type]
    if k.view == "front":
        return Recognition("none", round(_sigmoid((k.view_ratio - 0.4) * 20), 2),
                           ("camera is front-on: knee-drive drills are judged from the side",), f)
    body = f["median_body_angle_deg"]
    raises = len(events.raises)
    if (not abs(float(f["travel_thighs"])) > TRAVEL_THIGHS and isinstance(body, float)  # type: ignore[arg-type]
            and body >= WALL_BODY_ANGLE_DEG and drives < MIN_DRIVES and raises >= MIN_DRIVES):
        why = f"body leaning {body:.0f} deg on the spot with {raises} heel raises: sprinter's calves"
        return Recognition("wall_calves", round(_sigmoid((body - WALL_BODY_ANGLE_DEG) / 5) * 0.85, 2), (why,), f)
    if hold >= HOLD_MIN_S and drives <= 4:
        return Recognition("hip_flexion_hold", round(_sigmoid(hold - 1.0) * 0.95, 2),
                           (f"a knee held up for {hold:.1f} s",), f)
    lean = f["median_trunk_lean_deg"]
    upright = isinstance(lean, float) and abs(lean) < WALL_BODY_ANGLE_DEG
    moves = abs(float(f["travel_thighs"])) > TRAVEL_THIGHS  # type: ignore[arg-type]
    # feet sweeping behind the hips mean running only when upright: leaning into a wall puts them there too
    travelling = moves or (bool(f["feet_cycle_through"]) and upright)
    early_lean = f["early_trunk_lean_deg"]
    if (not moves and isinstance(body, float) and body >= WALL_BODY_ANGLE_DEG and drives >= MIN_DRIVES
            and peak is not None and float(peak) >= DRIVE_PEAK_DEG):  # type: ignore[arg-type]
        conf = _sigmoid((float(peak) - DRIVE_PEAK_DEG) / 10) * _sigmoid((body - WALL_BODY_ANGLE_DEG) / 5)  # type: ignore[arg-type]
        return Recognition("wall_drill", round(conf, 2), (f"body leaning {body:.0f} deg on the spot: wall drill",), f)
    if travelling and isinstance(early_lean, float) and early_lean >= START_LEAN_DEG and drives >= 1:
        return Recognition("sprint_start", round(_sigmoid((early_lean - START_LEAN_DEG) / 5) * 0.9, 2),
                           (f"trunk {early_lean:.0f} deg forward in the first second, travelling: a start",), f)
    if drives < MIN_DRIVES or peak is None or float(peak) < DRIVE_PEAK_DEG:  # type: ignore[arg-type]
        why = (f"{drives} knee drives" if drives < MIN_DRIVES else
               f"knees peak at {float(peak):.0f} deg (under {DRIVE_PEAK_DEG:.0f}): walking or running, not a drill")  # type: ignore[arg-type]
        margin = (DRIVE_PEAK_DEG - float(peak)) / 10 if peak is not None else 2.0  # type: ignore[arg-type]
        return Recognition("none", round(_sigmoid(margin), 2), (why,), f)
    conf_drive = _sigmoid((float(peak) - DRIVE_PEAK_DEG) / 10)  # type: ignore[arg-type]
    if travelling:
        if f["frozen_side"]:
            swing = f["arm_swing_deg"]
            hidden = isinstance(swing, dict) and swing.get(str(f["frozen_side"])) is None
            how = "never seen swinging (hidden behind the body)" if hidden else "still"
            return Recognition("pocket_run", round(conf_drive * 0.85, 2),
                               (f"travelling with the {f['frozen_side']} arm {how}: pocket run",), f)
        sweep = f["foot_sweep_behind_thighs"]
        if isinstance(sweep, float) and sweep > RUNNING_SWEEP_THIGHS:
            return Recognition("none", round(_sigmoid((sweep - RUNNING_SWEEP_THIGHS) * 8), 2),
                               (f"feet sweep {sweep:.1f} thigh lengths behind the hips: running or sprinting, "
                                "not a piston run (legs under the body)",), f)
        return Recognition("piston_run", round(conf_drive * 0.8, 2),
                           ("travelling knee drives with the feet kept under the body: piston run",), f)
    return Recognition("high_knees", round(conf_drive * 0.85, 2),
                       (f"alternating knee drives on the spot, knees to {float(peak):.0f} deg",), f)  # type: ignore[arg-type]
