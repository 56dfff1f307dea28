"""The per-rep metrics criteria score (names in ``drills.REP_METRICS``), from kinematics and events.

A metric is ``None`` when it does not apply to this rep (the elbow timing of the pocket side), and NaN when it
applies but could not be measured (landmarks not trusted in those frames); reports list the latter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events import Events, FootContact, HeelRaise, Hold, KneeDrive
from kneedrive_cv.kinematics.events.settings import EventSettings, bridged
from kneedrive_cv.kinematics.filtering import close_short_breaks
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Landmark, Side, forward_sign, mid_hip, sided

#: Thigh within this many degrees of its peak counts as "the top of the drive".
_TOP_BAND_DEG = 15.0
#: A hold frame counts toward hold_s when the thigh is within this many degrees of the drill's knee target.
HOLD_NOISE_DEG = 5.0


@dataclass(frozen=True)
class ClipContext:
    """Facts about the whole clip that rep metrics compare against."""

    frozen_side: Side | None
    median_peak: dict[Side, float]
    set_hip_px: np.ndarray  # (2,) median mid-hip position over the reps


def _median(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else float("nan")


def _mid_shoulder(kinematics: Kinematics) -> np.ndarray:
    return (kinematics.xy[:, Landmark.LEFT_SHOULDER] + kinematics.xy[:, Landmark.RIGHT_SHOULDER]) / 2


#: An arm counts as seen in a frame when its elbow and wrist are both at least this visible.
_ARM_SEEN = 0.5
#: A running arm swings at least this much (deg, 5th to 95th percentile); a pocket arm less than half of it.
ARM_SWING_DEG = 40.0
#: A far arm never seen still has the model's guess of where it is. Arms swing in opposition in a running
#: gait (one forward as the other goes back), so a guess moving against the near arm (their angles correlate
#: below this) is a swinging arm kept hidden by a short swing, not a still one; a still far arm's guess
#: follows the near arm or nothing (measured on the randomised renders: pocket runs' hidden frozen arms
#: +0.37 to +0.98, piston runs' and runs' hidden swinging arms -0.36 to -0.91).
COUNTER_SWING_CORR = 0.0


def arm_angle(kinematics: Kinematics, side: Side) -> tuple[np.ndarray, np.ndarray]:
    """Upper-arm angle from the trunk line (deg, forward positive) and whether the arm was seen, per frame."""
    f = forward_sign(kinematics.facing)
    shoulder, elbow = kinematics.xy[:, int(sided(side, "SHOULDER"))], kinematics.xy[:, int(sided(side, "ELBOW"))]
    trunk = _mid_shoulder(kinematics) - mid_hip(kinematics.xy)
    trunk_deg = np.degrees(np.arctan2(f * trunk[:, 0], -trunk[:, 1]))
    arm = elbow - shoulder
    angle = np.degrees(np.arctan2(f * arm[:, 0], arm[:, 1])) + trunk_deg
    vis = kinematics.visibility
    seen = (vis[:, int(sided(side, "ELBOW"))] >= _ARM_SEEN) & (vis[:, int(sided(side, "WRIST"))] >= _ARM_SEEN)
    return angle, seen & ~np.isnan(angle)


def arm_swing_deg(kinematics: Kinematics, side: Side, a: int = 0, b: int | None = None) -> float:
    """Range (5th to 95th percentile) of the upper arm's swing over the frames it was seen; NaN if barely seen."""
    angle, seen = arm_angle(kinematics, side)
    b = len(angle) if b is None else b
    values = angle[a:b][seen[a:b]]
    if len(values) < max(3, 0.1 * (b - a)):
        return float("nan")
    return float(np.percentile(values, 95) - np.percentile(values, 5))


def frozen_side_of(kinematics: Kinematics) -> tuple[Side | None, dict[str, float | None]]:
    """The pocket-run side whose arm is kept still, and each arm's swing (deg, None where never seen).

    In a side view the far arm hides behind the body, so what counts is how often each arm is seen:
    an arm seen throughout whose swing is under half the other's is frozen; a near arm swinging less than a
    running arm while the far arm keeps showing is frozen; a far arm never seen at all while the near arm
    swings like a running arm is frozen (a swinging far arm keeps showing in front of the body) unless the
    model's guess of it swings against the near arm; a far arm seen only part of the time is moving.
    """
    seen_share = {s: float(arm_angle(kinematics, s)[1].mean()) for s in Side}
    swing = {s: arm_swing_deg(kinematics, s) for s in Side}
    shown: dict[str, float | None] = {s.value: (round(v, 1) if np.isfinite(v) else None) for s, v in swing.items()}
    throughout = [s for s in Side if seen_share[s] >= 0.9 and np.isfinite(swing[s])]
    if len(throughout) == 2:
        lo, hi = sorted(Side, key=lambda s: swing[s])
        return (lo if swing[hi] >= ARM_SWING_DEG and swing[lo] < 0.5 * swing[hi] else None), shown
    if len(throughout) == 1:
        near = throughout[0]
        if swing[near] < ARM_SWING_DEG and seen_share[near.other] >= 0.05:
            return near, shown  # the near arm swings less than a running arm while the far one comes and goes
        if swing[near] >= ARM_SWING_DEG and seen_share[near.other] < 0.05 and not _counter_swing(kinematics, near):
            return near.other, shown
    return None, shown


#: A guess that moves less than this (deg, 5th to 95th percentile) is held still: its correlation with the near
#: arm is that of noise (an arm held at one angle reads within a fraction of a degree of it), not a swing.
GUESS_MOVES_DEG = 5.0


def _counter_swing(kinematics: Kinematics, near: Side) -> bool:
    """The far arm's guessed angle swings, and against the near arm's (see :data:`COUNTER_SWING_CORR`)."""
    far_deg, near_deg = arm_angle(kinematics, near.other)[0], arm_angle(kinematics, near)[0]
    ok = np.isfinite(far_deg) & np.isfinite(near_deg)
    if ok.sum() < 10 or min(float(np.percentile(x[ok], 95) - np.percentile(x[ok], 5))
                            for x in (far_deg, near_deg)) < GUESS_MOVES_DEG:
        return False
    return bool(np.corrcoef(far_deg[ok], near_deg[ok])[0, 1] < COUNTER_SWING_CORR)


def clip_context(kinematics: Kinematics, events: Events) -> ClipContext:
    """Clip-level facts: which arm is frozen, each side's typical peak, where the hips sit."""
    drives = events.complete_drives
    peaks = {s: _median(np.array([d.peak_thigh_deg for d in drives if d.side is s])) for s in Side}
    hips = mid_hip(kinematics.xy)
    idx = np.array([d.i_peak for d in drives], int)
    set_hip = np.nanmedian(hips[idx], axis=0) if len(idx) else np.nanmedian(hips, axis=0)
    return ClipContext(frozen_side_of(kinematics)[0], peaks, set_hip)


def _swing_metrics(kinematics: Kinematics, side: Side, a: int, b: int, thigh: np.ndarray) -> dict[str, float]:
    dorsi = kinematics.frames.side("dorsiflexion", side)[a:b]
    lean = kinematics.frames["trunk_lean"][a:b]
    valid = dorsi[~np.isnan(dorsi)]
    peak = np.nanmax(thigh[a:b]) if np.any(~np.isnan(thigh[a:b])) else np.nan
    top = (thigh[a:b] >= peak - _TOP_BAND_DEG) if np.isfinite(peak) else np.zeros(b - a, bool)
    other = kinematics.frames.side("knee_angle", side.other)[a:b]
    return {
        "top_dorsiflexion_deg": _median(dorsi[top]),
        "soggy_share": float(np.mean(valid < 0)) if len(valid) >= 3 else float("nan"),
        "trunk_lean_deg": _median(lean),
        "trunk_lean_abs_deg": _median(np.abs(lean)),
        "body_angle_deg": _median(kinematics.frames["body_angle"][a:b]),
        "body_line_deg": _median(kinematics.frames["body_line"][a:b]),
        "stance_knee_deg": _median(other),
    }


def _touchdown_ahead(kinematics: Kinematics, drive: KneeDrive, contacts: tuple[FootContact, ...]) -> float | None:
    """Where the foot lands after the drive: heel ahead of the hips, thigh lengths.

    The contact event marks the heel's furthest-forward point; a piston-run foot then paws back down, so the
    landing is taken where the heel reaches its lowest point within the next 0.25 s.
    """
    after = [c for c in contacts if c.side is drive.side and 0 < c.t_on_s - drive.t_peak_s < 0.6]
    if not contacts:
        return None
    if not after:
        return float("nan")
    f = forward_sign(kinematics.facing)
    t = kinematics.t_s
    heel = kinematics.xy[:, int(sided(drive.side, "HEEL"))]
    window = np.flatnonzero((t >= after[0].t_on_s) & (t <= after[0].t_on_s + 0.25))
    ys = heel[window, 1]
    if len(window) == 0 or np.all(np.isnan(ys)):
        return float("nan")
    lowest = np.nanmax(ys)
    i = int(window[np.flatnonzero(ys >= lowest - 0.02 * kinematics.thigh_px)[0]])  # first frame at ground level
    return float(f * (heel[i, 0] - mid_hip(kinematics.xy)[i, 0]) / kinematics.thigh_px)


def _elbow_knee_lag(kinematics: Kinematics, drive: KneeDrive) -> float:
    """Seconds between the elbow's furthest-back point and the knee peak, on the drive's side."""
    f = forward_sign(kinematics.facing)
    t = kinematics.t_s
    window = np.flatnonzero(np.abs(t - drive.t_peak_s) <= 0.3)
    xy = kinematics.xy[window]
    rel = f * (xy[:, int(sided(drive.side, "ELBOW")), 0] - xy[:, int(sided(drive.side, "SHOULDER")), 0])
    if np.all(np.isnan(rel)):
        return float("nan")
    return float(abs(t[window[int(np.nanargmin(rel))]] - drive.t_peak_s))


def drive_metrics(kinematics: Kinematics, drive: KneeDrive, events: Events, ctx: ClipContext
                  ) -> dict[str, float | None]:
    """Every per-rep metric of one knee drive."""
    a, b = drive.i_start, drive.i_end + 1
    thigh = kinematics.frames.side("thigh_angle", drive.side)
    m: dict[str, float | None] = {"peak_thigh_deg": drive.peak_thigh_deg, "peak_knee_height": drive.peak_knee_height}
    rise = slice(drive.i_start, drive.i_peak + 1)
    if drive.i_peak - drive.i_start >= 2:
        speed = np.gradient(thigh[rise], kinematics.t_s[rise])
        m["peak_thigh_speed_deg_s"] = float(np.nanmax(speed)) if np.any(~np.isnan(speed)) else float("nan")
    else:
        m["peak_thigh_speed_deg_s"] = float("nan")
    m.update(_swing_metrics(kinematics, drive.side, a, b, thigh))
    if not np.isfinite(drive.peak_thigh_deg):
        # the drive's top was not seen (a glitch at its peak, or its thigh read short: see knee_drives), so neither
        # how fast the thigh rose to it nor the foot at it is known
        m["peak_thigh_speed_deg_s"] = m["top_dorsiflexion_deg"] = float("nan")
    hip = np.nanmedian(mid_hip(kinematics.xy)[a:b], axis=0)
    m["hip_shift"] = float(np.linalg.norm(hip - ctx.set_hip_px) / kinematics.thigh_px)
    m["touchdown_ahead"] = _touchdown_ahead(kinematics, drive, events.contacts)
    if ctx.frozen_side is not None:
        m["frozen_arm_swing_deg"] = arm_swing_deg(kinematics, ctx.frozen_side, a, b)
        moving = drive.side is not ctx.frozen_side
        m["elbow_knee_lag_s"] = _elbow_knee_lag(kinematics, drive) if moving else None
        m["peak_vs_other_side_deg"] = None if moving else drive.peak_thigh_deg - ctx.median_peak[drive.side.other]
    else:
        m["frozen_arm_swing_deg"] = m["elbow_knee_lag_s"] = m["peak_vs_other_side_deg"] = float("nan")
    m["hold_s"] = m["sway"] = m["heel_rise_thighs"] = m["raise_plantarflexion_deg"] = None
    return m


def raise_metrics(kinematics: Kinematics, rise: HeelRaise, ctx: ClipContext) -> dict[str, float | None]:
    """Every per-rep metric of one heel raise: its height and the body position held through it."""
    a, b = rise.i_start, rise.i_end + 1
    m: dict[str, float | None] = {name: None for name in ("peak_thigh_deg", "peak_knee_height", "hold_s", "sway",
                                                          "touchdown_ahead", "frozen_arm_swing_deg",
                                                          "elbow_knee_lag_s", "peak_vs_other_side_deg",
                                                          "peak_thigh_speed_deg_s", "soggy_share",
                                                          "top_dorsiflexion_deg", "stance_knee_deg")}
    m["heel_rise_thighs"] = rise.rise_thighs
    m["raise_plantarflexion_deg"] = rise.plantarflexion_deg
    lean = kinematics.frames["trunk_lean"][a:b]
    m["trunk_lean_deg"], m["trunk_lean_abs_deg"] = _median(lean), _median(np.abs(lean))
    m["body_angle_deg"] = _median(kinematics.frames["body_angle"][a:b])
    m["body_line_deg"] = _median(kinematics.frames["body_line"][a:b])
    hip = np.nanmedian(mid_hip(kinematics.xy)[a:b], axis=0)
    m["hip_shift"] = float(np.linalg.norm(hip - ctx.set_hip_px) / kinematics.thigh_px)
    return m


def hold_metrics(kinematics: Kinematics, hold: Hold, knee_target_deg: float) -> dict[str, float | None]:
    """Every per-rep metric of one hold; ``hold_s`` counts the frames with the knee at its target.

    Gaps in the thigh angle up to the events' ``bridge_gap_s`` are bridged first, as the hold detection does.
    """
    a, b = hold.i_start, hold.i_end + 1
    thigh = kinematics.frames.side("thigh_angle", hold.side)
    m: dict[str, float | None] = {"peak_thigh_deg": _median(thigh[a:b]),
                                  "peak_knee_height": _median(kinematics.frames.side("knee_height", hold.side)[a:b])}
    m.update(_swing_metrics(kinematics, hold.side, a, b, np.full(len(thigh), np.nan)))
    m["top_dorsiflexion_deg"] = _median(kinematics.frames.side("dorsiflexion", hold.side)[a:b])
    t = kinematics.t_s
    dt = np.diff(t[a:b + 1]) if b < len(t) else np.append(np.diff(t[a:b]), np.median(np.diff(t[a:b])))
    # short stretches where the thigh was not measured are bridged, as the hold's detection bridges them
    held = bridged(t, thigh, EventSettings().bridge_gap_s)[a:b]
    at_target = np.nan_to_num(held, nan=-np.inf) >= knee_target_deg - HOLD_NOISE_DEG
    # a thigh read down for a moment inside the hold is the model's misreading, not the knee dropping: a break
    # shorter than the events' hold_rejoin_s (the time it takes to put the foot down and lift it again) counts
    at_target = close_short_breaks(at_target, t[a:b], EventSettings().hold_rejoin_s)
    m["hold_s"] = float(np.sum(dt[: len(at_target)][at_target]))
    knee = kinematics.xy[a:b, int(sided(hold.side, "KNEE"))]
    hip = mid_hip(kinematics.xy)[a:b]
    m["sway"] = float(np.nanmean([np.nanstd(knee, axis=0).mean(), np.nanstd(hip, axis=0).mean()]) / kinematics.thigh_px)
    m.update({"peak_thigh_speed_deg_s": None, "hip_shift": None, "touchdown_ahead": None, "frozen_arm_swing_deg": None,
              "elbow_knee_lag_s": None,
              "peak_vs_other_side_deg": None, "heel_rise_thighs": None, "raise_plantarflexion_deg": None})
    if hold.labels_mixed:
        # no series is one leg's through it: the held thigh, its knee and foot, the standing knee and the time at
        # the target are not measured; the trunk, the body line and the hips' sway do not depend on the labels
        m.update(dict.fromkeys(LEG_HOLD_METRICS, float("nan")))
        m["sway"] = float(np.mean(np.nanstd(hip, axis=0)) / kinematics.thigh_px)
    return m


#: A hold's metrics read from one leg's series, not measured where the legs' labels traded through it.
LEG_HOLD_METRICS = ("peak_thigh_deg", "peak_knee_height", "top_dorsiflexion_deg", "soggy_share", "stance_knee_deg",
                    "hold_s")
