"""Which drill a clip shows (``--drill auto``), with a confidence and the reasons, or ``none``.

Rules on a few clip-level features, in the order a coach would reason: is the camera side-on; is a knee
held up; are there real knee drives (thigh well above what walking or running give); is the body leaning into
a wall; does the athlete travel; is one arm kept still.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events import Events
from kneedrive_cv.kinematics.events.contacts import feet_cycle_through, foot_sweep_behind
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.kinematics.metrics import View
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
class ClipFeatures:
    """The clip-level features recognition reasons on (report.json's ``recognition_features``).

    Attributes:
        view: where the camera stands.
        complete_drives: knee drives seen from start to finish.
        median_peak_thigh_deg: the better side's median peak thigh angle (None with under two drives a side).
        longest_hold_s: the longest knee hold, 0 when none.
        median_body_angle_deg: stance ankle to shoulder line from vertical, median over the clip.
        median_trunk_lean_deg: trunk lean from vertical, forward positive, median over the clip.
        early_trunk_lean_deg: the same over the clip's first second (a start's set position).
        travel_thighs: net travel of the hips, thigh lengths, forward positive.
        feet_cycle_through: the feet sweep well behind the hips (a running or walking gait).
        foot_sweep_behind_thighs: how far behind the hips the heels sweep, thigh lengths.
        frozen_side: the side whose arm is kept still (a pocket run), or None.
        arm_swing_deg: each arm's swing against the trunk (None where never seen).

    """

    view: View
    complete_drives: int
    median_peak_thigh_deg: float | None
    longest_hold_s: float
    median_body_angle_deg: float | None
    median_trunk_lean_deg: float | None
    early_trunk_lean_deg: float | None
    travel_thighs: float
    feet_cycle_through: bool
    foot_sweep_behind_thighs: float | None
    frozen_side: Side | None
    arm_swing_deg: dict[str, float | None]


@dataclass(frozen=True)
class Recognition:
    """The drill recognised (or ``none``), a confidence 0-1 and the features and reasons behind it."""

    drill: str
    confidence: float
    reasons: tuple[str, ...]
    features: ClipFeatures


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def clip_features(kinematics: Kinematics, events: Events) -> ClipFeatures:
    """The features recognition looks at."""
    drives = events.complete_drives
    by_side = [[d.peak_thigh_deg for d in drives if d.side is s and np.isfinite(d.peak_thigh_deg)] for s in Side]
    # the better side's typical peak: a dragged pocket-run leg must not hide the drill
    medians = [float(np.median(p)) for p in by_side if len(p) >= 2]
    t = kinematics.t_s
    early = t <= t[0] + 1.0 if len(t) else np.zeros(0, bool)
    lean = kinematics.frames["trunk_lean"]
    frozen, motion = frozen_side_of(kinematics)
    with np.errstate(all="ignore"):
        return ClipFeatures(
            view=kinematics.view,
            complete_drives=len(drives),
            median_peak_thigh_deg=max(medians) if medians else None,
            longest_hold_s=max((h.duration_s for h in events.holds), default=0.0),
            median_body_angle_deg=_nanmedian(kinematics.frames["body_angle"]),
            median_trunk_lean_deg=_nanmedian(lean),
            early_trunk_lean_deg=_nanmedian(lean[early]) if early.any() else None,
            travel_thighs=round(kinematics.travel_thighs, 2),
            feet_cycle_through=feet_cycle_through(kinematics),
            foot_sweep_behind_thighs=foot_sweep_behind(kinematics),
            frozen_side=frozen,
            arm_swing_deg=motion,
        )


def _nanmedian(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    return float(np.median(x)) if len(x) else None


def recognise(kinematics: Kinematics, events: Events) -> Recognition:
    """The drill the clip shows, or ``none`` when no knee-drive drill is seen."""
    f = clip_features(kinematics, events)
    drives, peak, hold, body = f.complete_drives, f.median_peak_thigh_deg, f.longest_hold_s, f.median_body_angle_deg
    if kinematics.view is View.FRONT:
        return Recognition("none", round(_sigmoid((kinematics.view_ratio - 0.4) * 20), 2),
                           ("camera is front-on: knee-drive drills are judged from the side",), f)
    raises = len(events.raises)
    moves = abs(f.travel_thighs) > TRAVEL_THIGHS
    leaning = body is not None and body >= WALL_BODY_ANGLE_DEG
    if not moves and body is not None and leaning and drives < MIN_DRIVES and raises >= MIN_DRIVES:
        why = f"body leaning {body:.0f} deg on the spot with {raises} heel raises: sprinter's calves"
        return Recognition("wall_calves", round(_sigmoid((body - WALL_BODY_ANGLE_DEG) / 5) * 0.85, 2), (why,), f)
    if hold >= HOLD_MIN_S and drives <= 4:
        return Recognition("hip_flexion_hold", round(_sigmoid(hold - 1.0) * 0.95, 2),
                           (f"a knee held up for {hold:.1f} s",), f)
    lean = f.median_trunk_lean_deg
    upright = lean is not None and abs(lean) < WALL_BODY_ANGLE_DEG
    # feet sweeping behind the hips mean running only when upright: leaning into a wall puts them there too
    travelling = moves or (f.feet_cycle_through and upright)
    early_lean = f.early_trunk_lean_deg
    driving = drives >= MIN_DRIVES and peak is not None and peak >= DRIVE_PEAK_DEG
    if not moves and body is not None and leaning and driving and peak is not None:
        conf = _sigmoid((peak - DRIVE_PEAK_DEG) / 10) * _sigmoid((body - WALL_BODY_ANGLE_DEG) / 5)
        return Recognition("wall_drill", round(conf, 2), (f"body leaning {body:.0f} deg on the spot: wall drill",), f)
    if travelling and early_lean is not None and early_lean >= START_LEAN_DEG and drives >= 1:
        return Recognition("sprint_start", round(_sigmoid((early_lean - START_LEAN_DEG) / 5) * 0.9, 2),
                           (f"trunk {early_lean:.0f} deg forward in the first second, travelling: a start",), f)
    if drives < MIN_DRIVES or peak is None or peak < DRIVE_PEAK_DEG:
        why = (f"{drives} knee drives" if drives < MIN_DRIVES or peak is None else
               f"knees peak at {peak:.0f} deg (under {DRIVE_PEAK_DEG:.0f}): walking or running, not a drill")
        margin = (DRIVE_PEAK_DEG - peak) / 10 if peak is not None else 2.0
        return Recognition("none", round(_sigmoid(margin), 2), (why,), f)
    conf_drive = _sigmoid((peak - DRIVE_PEAK_DEG) / 10)
    if travelling:
        if f.frozen_side:
            hidden = f.arm_swing_deg.get(f.frozen_side.value) is None
            how = "never seen swinging (hidden behind the body)" if hidden else "still"
            return Recognition("pocket_run", round(conf_drive * 0.85, 2),
                               (f"travelling with the {f.frozen_side.value} arm {how}: pocket run",), f)
        sweep = f.foot_sweep_behind_thighs
        if sweep is not None and sweep > RUNNING_SWEEP_THIGHS:
            return Recognition("none", round(_sigmoid((sweep - RUNNING_SWEEP_THIGHS) * 8), 2),
                               (f"feet sweep {sweep:.1f} thigh lengths behind the hips: running or sprinting, "
                                "not a piston run (legs under the body)",), f)
        return Recognition("piston_run", round(conf_drive * 0.8, 2),
                           ("travelling knee drives with the feet kept under the body: piston run",), f)
    return Recognition("high_knees", round(conf_drive * 0.85, 2),
                       (f"alternating knee drives on the spot, knees to {peak:.0f} deg",), f)
