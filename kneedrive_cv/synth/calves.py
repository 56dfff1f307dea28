"""Motion program of the wall drill's sprinter's calves: one knee driven up and held, the other foot's heel raises.

Hands on the wall and the body long and tall at ``body_angle_deg``, the athlete drives one knee up and holds it;
the stance foot, already on its ball with the heel pitched ``rest_pitch_deg``, raises the heel ``raises`` times
by ``rise_deg`` more (ankle plantarflexion) and lowers it back, pivoting on the ball pinned to the floor. The
whole body rises and falls with the stance ankle, and the hands stay pinned on the wall. The truth of each raise
(its times, the heel's rise in thigh lengths and the ankle's plantarflexion) is exact by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import ArmAngles, LegAngles, Motion, Proportions, ankle_from_ball, unit, unit_up
from kneedrive_cv.synth.gait import Contact, Drive
from kneedrive_cv.synth.on_the_spot import _arm_ik, _blend, _drive_weights, _standing_leg
from kneedrive_cv.synth.program import ProgramResult, constant, keyframes, side_of

#: Pauses (s): after the knee is up before the first raise, and after the last raise before it comes down.
SETTLE_S = 0.5
#: Shares of a raise's period: heel going up, at the top, coming down (the rest is spent at the rest level).
UP_SHARE, TOP_SHARE, DOWN_SHARE = 0.35, 0.1, 0.35


@dataclass(frozen=True)
class WallCalvesParams:
    """Sprinter's calves at the wall: ``side`` is the driven (held) knee; the other foot raises its heel.

    ``raises`` heel raises at ``rate_hz`` per second, each lifting the stance foot from ``rest_pitch_deg`` (heel
    already off the floor at the wall) by ``rise_deg`` of ankle plantarflexion and back.
    """

    side: str = "left"
    raises: int = 8
    rate_hz: float = 1.0
    rest_pitch_deg: float = 25.0
    rise_deg: float = 35.0
    body_angle_deg: float = 45.0
    thigh_peak_deg: float = 90.0
    dorsiflexion_deg: float = 12.0
    lift_s: float = 0.45
    lead_s: float = 0.6
    tail_s: float = 0.6


def calves_seconds(p: WallCalvesParams) -> float:
    """The set's natural length: lift, the raises, lowering and a pause either side."""
    return p.lead_s + 2 * (p.lift_s + SETTLE_S) + max(1, p.raises) / p.rate_hz + p.tail_s


def heel_height_m(pitch_deg: np.ndarray | float, body: Proportions) -> np.ndarray:
    """Height (m) of the heel landmark above the floor with the sole's ball on the floor, heel pitched up."""
    a = np.radians(np.asarray(pitch_deg, float))
    hu, hn = body.foot_point("heel")
    bu, bn = body.foot_point("ball")
    return np.asarray((bu - hu) * np.sin(a) + (hn - bn) * np.cos(a))


def _raise_schedule(p: WallCalvesParams) -> list[tuple[float, float, float, float]]:
    """(heel leaves its rest level, top reached, top left, back at rest) for each raise."""
    period = 1.0 / p.rate_hz
    t = p.lead_s + p.lift_s + SETTLE_S
    out = []
    for _ in range(max(1, p.raises)):
        up, top, down = UP_SHARE * period, TOP_SHARE * period, DOWN_SHARE * period
        out.append((t, t + up, t + up + top, t + up + top + down))
        t += period
    return out


def wall_calves(p: WallCalvesParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Lean into the wall, drive one knee up and hold it, and raise the other heel again and again."""
    n = len(t_s)
    driven = side_of(p.side, "side")
    stance = driven.other
    schedule = _raise_schedule(p)
    times, shares = [0.0], [0.0]
    for a, b, c, d in schedule:
        times += [a, b, c, d]
        shares += [0.0, 1.0, 1.0, 0.0]
    pitch = p.rest_pitch_deg + p.rise_deg * np.clip(keyframes(t_s, times, shares), 0.0, 1.0)
    alpha = p.body_angle_deg
    ball = np.zeros((n, 2))
    ankle = ankle_from_ball(ball, pitch, body)
    a, b = body.thigh, body.shank
    reach = np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.radians(3.0)))
    pelvis = ankle + reach * unit_up(np.full(n, alpha))  # the body rises and falls with the stance ankle
    stand = _standing_leg(pelvis, ball, pitch, body)  # type: ignore[arg-type]
    # the driven foot stands as the stance foot does until it lifts (no raise starts before the knee is up)
    legs = {stance: stand, driven: LegAngles(stand.thigh.copy(), stand.knee.copy(), stand.ankle.copy())}
    t_up = p.lead_s
    t_top = t_up + p.lift_s
    t_leave = schedule[-1][3] + SETTLE_S
    t_down = t_leave + p.lift_s
    w, w_knee = _drive_weights(t_s, t_up, t_top, t_leave, t_down)
    up = LegAngles(constant(n, p.thigh_peak_deg), constant(n, p.thigh_peak_deg + 0.6 * alpha),
                   constant(n, p.dorsiflexion_deg))
    legs[driven] = _blend(legs[driven], up, w, w_knee)
    lifted = np.maximum(w, w_knee) > 1e-9
    drives = [Drive(driven, t_up, (t_top + t_leave) / 2, t_down, p.thigh_peak_deg)]
    contacts = [Contact(driven, -np.inf, t_up, 0.0), Contact(driven, t_down, np.inf, 0.0),
                Contact(stance, -np.inf, np.inf, 0.0)]
    shoulder = pelvis + body.trunk * unit_up(np.full(n, alpha))
    mid = np.mean(shoulder, axis=0)
    wrist = mid + body.upper_arm * unit(100.0) + body.forearm * unit(108.0)
    arms = {}
    for s in Side:
        target = wrist + (np.array([0.012, -0.07]) if s is Side.LEFT else 0.0)
        upper, elbow = _arm_ik(shoulder, target, body)
        arms[s] = ArmAngles(upper, elbow, 180.0 - upper - elbow)
    motion = Motion(t_s, pelvis, constant(n, alpha), constant(n, 0.0), constant(n, 0.8 * alpha), legs, arms,
                    {driven: ~lifted, stance: np.ones(n, bool)}, wall_x=float(wrist[0]) + 0.03)
    rest_h, top_h = heel_height_m(p.rest_pitch_deg, body), heel_height_m(p.rest_pitch_deg + p.rise_deg, body)
    raises = [{"side": stance.value, "t_start_s": t0, "t_peak_s": (t1 + t2) / 2, "t_end_s": t3,
               "heel_rise_thighs": float(top_h - rest_h) / body.thigh, "plantarflexion_deg": p.rise_deg}
              for t0, t1, t2, t3 in schedule]
    faults = []
    if not 40.0 <= alpha <= 60.0:
        faults.append("body_angle")
    if float(top_h - rest_h) / body.thigh < 0.12:
        faults.append("low_heel_raise")
    return ProgramResult(motion, drives, contacts, False, "wall_calves", faults,
                         holds=[(driven, t_top, t_leave)], layout="wall",
                         notes={"stance_side": stance.value, "mode": "calves"}, raises=raises)
