"""Motion programs for the drills on the spot: the isometric hip-flexion hold, the wall drill and high knees.

The stance foot's ball is pinned to the floor and the stance leg reaches it by inverse kinematics, so the
foot never slides. Defaults are a clean rep; faults are planted through the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import (
    ArmAngles,
    LegAngles,
    Motion,
    Proportions,
    angle_from_down,
    ankle_from_ball,
    leg_ik,
    unit,
    unit_up,
)
from kneedrive_cv.synth.gait import Contact, Drive, GaitSpec, run_gait
from kneedrive_cv.synth.program import ProgramResult, choice, constant, head_tilt, keyframes, side_of, sprint_arm

#: Dorsiflexion (deg) of the lifted foot for the named foot positions.
FEET = {"sprung": 12.0, "soggy": -28.0}
#: Hip bend (deg) for the named hip positions of the wall drill (signed: + piked, - sagging).
HIPS = {"straight": 0.0, "piked": 24.0, "sagging": -20.0}
#: The drill's shortest clean hold (s): shorter holds are planted as ``short_hold``.
SHORT_HOLD_S = 2.0


@dataclass(frozen=True)
class HipFlexionHoldParams:
    """Isometric hip-flexion hold: ``holds`` holds of ``hold_s`` seconds, alternating legs from ``side``.

    ``foot`` sets the lifted foot's dorsiflexion (``sprung`` or ``soggy``) unless ``dorsiflexion_deg`` is
    given. ``sway_deg`` is the amplitude of the knee's and trunk's sway during the hold (unsteady at 4+).
    """

    side: str = "left"
    holds: int = 1
    hold_s: float = 3.0
    thigh_deg: float = 92.0
    foot: str = "sprung"
    dorsiflexion_deg: float | None = None
    trunk_lean_deg: float = 2.0
    sway_deg: float = 0.6
    sway_hz: float = 0.7
    stance_knee_deg: float = 4.0
    lift_s: float = 0.6
    lead_s: float = 0.6
    rest_s: float = 0.8


@dataclass(frozen=True)
class WallDrillParams:
    """Wall drill: hands on a wall, body at ``body_angle_deg`` from vertical, knee drives.

    ``mode``: ``single`` (one drive held ``hold_top_s``), ``repeated`` (``drives`` on ``side``) or
    ``alternating`` (legs take turns); ``rate_hz`` is drives per second. ``hips`` bends the body line
    (``piked`` or ``sagging``; ``hip_bend_deg`` overrides), ``hip_wobble_deg`` lets the hips move while the
    legs pump.
    """

    mode: str = "alternating"
    drives: int = 6
    rate_hz: float = 1.2
    side: str = "left"
    body_angle_deg: float = 45.0
    hips: str = "straight"
    hip_bend_deg: float | None = None
    hip_wobble_deg: float = 0.0
    thigh_peak_deg: float = 88.0
    dorsiflexion_deg: float = 12.0
    heel_pitch_deg: float = 30.0
    hold_top_s: float = 0.8
    lead_s: float = 0.6


@dataclass(frozen=True)
class HighKneesParams:
    """High knees on the spot: alternating knee drives, ``rate_hz`` drives per second, thighs to ``thigh_peak_deg``.

    Each drive lands the foot back under the hip on the ball of the foot (no travel). Not one of the four
    drills, but the analysis knows it (``high_knees``) and counts and scores its drives.
    """

    rate_hz: float = 3.0
    thigh_peak_deg: float = 95.0
    contact_ratio: float = 0.55
    lean_deg: float = 2.0
    arm_swing_deg: float = 45.0
    dorsiflexion_deg: float = 8.0
    first_side: str = "left"


def _standing_leg(hip: np.ndarray, ball: np.ndarray, pitch: float, body: Proportions) -> LegAngles:
    ankle = ankle_from_ball(ball, np.full(len(hip), pitch), body)
    thigh, knee = leg_ik(hip, ankle, body, min_knee_deg=0.0)
    return LegAngles(thigh, knee, (90.0 - pitch) - (thigh - knee) - 90.0)


def _arm_ik(shoulder: np.ndarray, wrist: np.ndarray, body: Proportions) -> tuple[np.ndarray, np.ndarray]:
    """Shoulder angle and elbow flexion that put the wrist at ``wrist`` (the elbow bending the usual way)."""
    a, b = body.upper_arm, body.forearm
    d_vec = wrist - shoulder
    d = np.minimum(np.linalg.norm(d_vec, axis=-1), a + b - 1e-6)
    elbow = np.degrees(np.arccos(np.clip((d * d - a * a - b * b) / (2 * a * b), -1.0, 1.0)))
    beta = np.degrees(np.arccos(np.clip((a * a + d * d - b * b) / (2 * a * d), -1.0, 1.0)))
    return angle_from_down(d_vec) - beta, elbow


def _drive_weights(t: np.ndarray, t0: float, t1: float, t2: float, t3: float, lead: float = 0.03
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Blend weights (0 standing, 1 at the top) of a knee drive lifting over t0..t1 and lowering over t2..t3.

    The knee leads on the way up (the foot leaves the floor before the thigh swings through) and lags on
    the way down (the thigh comes down before the leg reaches for the floor), so the foot clears the floor.
    """
    up, down = t1 - t0, t3 - t2
    thigh = keyframes(t, [t0, t0 + 0.2 * up, t1, t2, t3 - 0.1 * down, t3], [0.0, lead, 1.0, 1.0, 0.02, 0.0])
    knee = keyframes(t, [t0, t0 + 0.55 * up, t1, t2, t2 + 0.35 * down, t3], [0.0, 0.85, 1.0, 1.0, 0.9, 0.0])
    inside = (t >= t0) & (t <= t3)
    return np.where(inside, thigh, 0.0), np.where(inside, knee, 0.0)


def _blend(a: LegAngles, b: LegAngles, w_thigh: np.ndarray, w_knee: np.ndarray) -> LegAngles:
    return LegAngles(a.thigh * (1 - w_thigh) + b.thigh * w_thigh, a.knee * (1 - w_knee) + b.knee * w_knee,
                     a.ankle * (1 - w_knee) + b.ankle * w_knee)


def hip_flexion_hold(p: HipFlexionHoldParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Stand tall, drive one knee up, hold it with the foot sprung, lower it; repeat on the other leg."""
    n = len(t_s)
    first = side_of(p.side, "side")
    df = FEET[choice(p.foot, "foot", tuple(FEET))] if p.dorsiflexion_deg is None else p.dorsiflexion_deg
    sway = p.sway_deg * np.sin(2 * np.pi * p.sway_hz * t_s)
    sway2 = p.sway_deg * np.sin(2 * np.pi * p.sway_hz * 1.3 * t_s + 1.0)
    # stance: ball of the foot pinned, ankle under the hip, knee almost straight
    ball = np.zeros((n, 2))
    ankle0 = ankle_from_ball(ball[:1], np.zeros(1), body)[0]
    a, b = body.thigh, body.shank
    reach = np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.radians(p.stance_knee_deg)))
    hip_x = ankle0[0] + 0.03 + 0.004 * sway2
    pelvis = np.stack([hip_x, ankle0[1] + np.sqrt(reach**2 - (hip_x - ankle0[0]) ** 2)], axis=-1)
    stand = _standing_leg(pelvis, ball, 0.0, body)
    legs = {s: LegAngles(stand.thigh.copy(), stand.knee.copy(), stand.ankle.copy()) for s in Side}
    lifted_w = {s: np.zeros(n) for s in Side}
    drives, contacts, holds = [], [], []
    t = p.lead_s
    side = first
    for _ in range(max(1, p.holds)):
        t_up, t_hold, t_down = t, t + p.lift_s, t + p.lift_s + p.hold_s
        t_end = t_down + p.lift_s
        w, w_knee = _drive_weights(t_s, t_up, t_hold, t_down, t_end, lead=0.2)
        held = (t_s >= t_hold) & (t_s <= t_down)
        thigh = p.thigh_deg + np.where(held, sway, 0.0)
        up = LegAngles(thigh, thigh + 6.0, constant(n, df))
        leg = _blend(legs[side], up, w, w_knee)
        # near the floor the foot is kept level (toes not dragging) whatever it does at the top
        near_floor = np.clip((0.35 - w) / 0.2, 0.0, 1.0) * np.clip(w_knee / 0.05, 0.0, 1.0)
        leg.ankle += near_floor * np.maximum(0.0, leg.knee - leg.thigh + 1.0 - leg.ankle)
        legs[side] = leg
        lifted_w[side] = np.maximum(lifted_w[side], np.maximum(w, w_knee))
        drives.append(Drive(side, t_up, t_hold, t_end, p.thigh_deg))
        holds.append((side, t_hold, t_down))
        t = t_end + p.rest_s
        side = side.other
    contact = {s: lifted_w[s] <= 1e-9 for s in Side}
    for s in Side:
        off = [(d.t_start_s, d.t_end_s) for d in drives if d.side is s]
        t_prev = -np.inf
        for t0, t1 in off:
            contacts.append(Contact(s, float(t_prev), t0, 0.0))
            t_prev = t1
        contacts.append(Contact(s, float(t_prev), np.inf, 0.0))
    trunk = p.trunk_lean_deg + np.where(lifted_w[first] + lifted_w[first.other] > 0.9, 0.6 * sway2, 0.0)
    arms = _hold_arms(lifted_w, n)
    motion = Motion(t_s, pelvis, trunk, constant(n, 0.0), 0.3 * trunk, legs, arms, contact)
    faults = []
    if p.thigh_deg < 80.0:
        faults.append("low_knee")
    if df < -5.0:
        faults.append("soggy_foot")
    if abs(p.trunk_lean_deg) > 8.0:
        faults.append("trunk_not_upright")
    if p.hold_s < SHORT_HOLD_S:
        faults.append("short_hold")
    if p.sway_deg >= 4.0:
        faults.append("unsteady_hold")
    return ProgramResult(motion, drives, [c for c in contacts if c.t_off_s > 0], False, "hip_flexion_hold",
                         faults, hold_s=p.hold_s, holds=holds, layout="spot", notes={"dorsiflexion_deg": df})


def _hold_arms(lifted_w: dict[Side, np.ndarray], n: int) -> dict[Side, ArmAngles]:
    """Arms in sprint position while a knee is up: the opposite arm forward, the same-side arm back."""
    arms = {}
    for s in Side:
        fwd, back = lifted_w[s.other], lifted_w[s]
        shoulder = 4.0 + 42.0 * fwd - 40.0 * back
        elbow = 25.0 + 70.0 * fwd + 55.0 * back
        arms[s] = ArmAngles(shoulder, elbow)
    return arms


def _wall_schedule(p: WallDrillParams) -> list[tuple[Side, float, float, float, float]]:
    """Return (side, lift start, top reached, top left, landed) for each drive."""
    mode = choice(p.mode, "mode", ("single", "repeated", "alternating"))
    period = 1.0 / p.rate_hz
    count = 1 if mode == "single" else max(1, p.drives)
    side = side_of(p.side, "side")
    out = []
    t = p.lead_s
    for _ in range(count):
        if mode == "single":
            lift = min(0.45, period * 0.4)
            out.append((side, t, t + lift, t + lift + p.hold_top_s, t + 2 * lift + p.hold_top_s))
        else:
            up = 0.42 * period if mode == "alternating" else 0.35 * period
            top = 0.12 * period
            out.append((side, t, t + up, t + up + top, t + 2 * up + top))
        t += period  # drives start one period apart: the drive rate is exactly rate_hz
        if mode == "alternating":
            side = side.other
    return out


def wall_drill(p: WallDrillParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Lean into a wall, long and tall, and drive the knees."""
    n = len(t_s)
    bend0 = HIPS[choice(p.hips, "hips", tuple(HIPS))] if p.hip_bend_deg is None else p.hip_bend_deg
    schedule = _wall_schedule(p)
    period = 1.0 / p.rate_hz
    bend = bend0 + p.hip_wobble_deg * np.sin(np.pi * (t_s - p.lead_s) / period)
    alpha = p.body_angle_deg
    ball = np.zeros((n, 2))
    ankle = ankle_from_ball(ball, np.full(n, p.heel_pitch_deg), body)
    a, b = body.thigh, body.shank
    reach = np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.radians(3.0)))
    pelvis = ankle + reach * unit_up(alpha - bend / 2)
    trunk = alpha + bend / 2
    stand = _standing_leg(pelvis, ball, p.heel_pitch_deg, body)
    legs = {s: LegAngles(stand.thigh.copy(), stand.knee.copy(), stand.ankle.copy()) for s in Side}
    lifted = {s: np.zeros(n, bool) for s in Side}
    drives, contacts = [], []
    for side, t0, t1, t2, t3 in schedule:
        w, w_knee = _drive_weights(t_s, t0, t1, t2, t3)
        up = LegAngles(constant(n, p.thigh_peak_deg), constant(n, p.thigh_peak_deg + 0.6 * alpha),
                       constant(n, p.dorsiflexion_deg))
        legs[side] = _blend(legs[side], up, w, w_knee)
        lifted[side] |= np.maximum(w, w_knee) > 1e-9
        drives.append(Drive(side, t0, (t1 + t2) / 2, t3, p.thigh_peak_deg))
    for s in Side:
        t_prev = -np.inf
        for d in (d for d in drives if d.side is s):
            contacts.append(Contact(s, float(t_prev), d.t_start_s, 0.0))
            t_prev = d.t_end_s
        contacts.append(Contact(s, float(t_prev), np.inf, 0.0))
    # arms nearly straight to the wall, hands pinned flat on it at about shoulder height
    shoulder = pelvis + body.trunk * unit_up(trunk)
    rest = shoulder[0] if p.hip_wobble_deg == 0 else np.mean(shoulder, axis=0)
    wrist = rest + body.upper_arm * unit(100.0) + body.forearm * unit(108.0)
    arms = {}
    for s in Side:
        # the left hand sits a little lower on the wall, so the far arm is never hidden behind the near one
        target = wrist + (np.array([0.012, -0.07]) if s is Side.LEFT else 0.0)
        upper, elbow = _arm_ik(shoulder, target, body)
        arms[s] = ArmAngles(upper, elbow, 180.0 - upper - elbow)
    wall_x = float(wrist[0]) + 0.03
    motion = Motion(t_s, pelvis, trunk, constant(n, 0.0), 0.8 * trunk, legs, arms,
                    {s: ~lifted[s] for s in Side}, wall_x=wall_x)
    faults = []
    if not 40.0 <= alpha <= 60.0:
        faults.append("body_angle")
    if abs(bend0) >= 12.0:
        faults.append("broken_line")
    if p.hip_wobble_deg >= 6.0:
        faults.append("hips_moving")
    if p.thigh_peak_deg < 75.0:
        faults.append("low_knee")
    if p.dorsiflexion_deg < -5.0:
        faults.append("soggy_foot")
    return ProgramResult(motion, drives, [c for c in contacts if c.t_off_s > 0], False, "wall_drill", faults,
                         layout="wall", notes={"hip_bend_deg": bend0, "mode": p.mode})


def high_knees(p: HighKneesParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Drive the knees in turn on the spot, landing under the hips on the balls of the feet."""
    n = len(t_s)
    peak = p.thigh_peak_deg
    spec = GaitSpec(p.rate_hz, 0.0, p.contact_ratio, {s: peak for s in Side}, landing_offset_m=0.04,
                    touchdown_pitch_deg=22.0, toeoff_pitch_deg=30.0, peak_at=0.55, recovery_at=0.25,
                    knee_recovery_deg=peak + 25.0, knee_peak_deg=peak + 12.0,
                    swing_dorsiflexion_deg=p.dorsiflexion_deg, pelvis_bob_m=0.02, stance_knee_min_deg=8.0,
                    first_side=side_of(p.first_side, "first_side"))
    g = run_gait(spec, t_s, body)
    trunk = p.lean_deg + 0.8 * np.sin(2 * np.pi * p.rate_hz * t_s)
    arms = {s: sprint_arm(g.legs[s].thigh, t_s, amplitude_deg=p.arm_swing_deg) for s in Side}
    motion = Motion(t_s, g.pelvis, trunk, constant(n, 0.0), head_tilt(trunk), g.legs, arms, g.contact)
    faults = []
    if peak < 80.0:
        faults.append("low_knee")
    if abs(p.lean_deg) > 10.0:
        faults.append("trunk_not_upright")
    if p.dorsiflexion_deg < -5.0:
        faults.append("soggy_foot")
    return ProgramResult(motion, g.drives, g.contacts, False, "high_knees", faults, layout="spot",
                         notes=dict(g.notes))
