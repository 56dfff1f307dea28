"""Motion program for the reverse lunge to knee drive: one leg does every drive, with a lunge between them.

Standing, the driving leg steps back into a reverse lunge (its knee towards the floor, the front knee bent),
then drives forward and up into a knee drive that is held briefly, and goes back into the lunge; so on for
``reps`` drives of the same leg, then the foot comes down beside the other. Not one of the analysed drills
(the expected drill is ``none``), but every drive is that leg's, which the analysis must see whatever the
athlete's place in the frame: ``drift_m`` moves the athlete between reps (the foot comes down, the front foot
shuffles ``drift_m`` forward, or back when negative, and the next lunge starts from there).

Each leg is a list of poses over time: planted (the ball of the foot pinned, the leg reaching it by inverse
kinematics, so the foot never slides) or free (angles); between two poses the angles blend, the knee bending
as the foot comes down; a foot stepping from one place on the floor to another travels in an arc.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import (
    LegAngles,
    Motion,
    Proportions,
    ankle_from_ball,
    leg_ik,
    max_hip_height,
    unit,
    unit_up,
)
from kneedrive_cv.synth.gait import Contact, Drive
from kneedrive_cv.synth.on_the_spot import _hold_arms
from kneedrive_cv.synth.program import ProgramResult, constant, head_tilt, side_of

#: Knee flexion (deg) of a standing leg, and the stance leg at the top of a drive.
_STAND_KNEE_DEG = 4.0


@dataclass(frozen=True)
class LungeDriveParams:
    """Reverse lunge to knee drive: ``reps`` drives of ``side``, each held ``hold_s`` with the thigh at ``thigh_deg``.

    ``front_thigh_deg`` is the front (stance) thigh at the bottom of the lunge, ``back_thigh_deg`` the driving
    thigh there (negative: behind the hip), on the ball of the foot with the heel raised ``back_pitch_deg``.
    ``drift_m`` is how far the athlete moves between reps (forward, or back when negative; 0 stays put).
    """

    side: str = "left"
    reps: int = 5
    hold_s: float = 0.5
    thigh_deg: float = 90.0
    dorsiflexion_deg: float = 10.0
    front_thigh_deg: float = 72.0
    back_thigh_deg: float = -8.0
    back_pitch_deg: float = 45.0
    drift_m: float = 0.1
    lunge_s: float = 0.7
    bottom_s: float = 0.3
    drive_s: float = 0.45
    lower_s: float = 0.5
    shuffle_s: float = 0.45
    lead_s: float = 0.6
    rest_s: float = 0.8


def lunge_drive_seconds(p: LungeDriveParams) -> float:
    """The clip's natural length: every rep and the standing either side."""
    reps = max(1, p.reps)
    per_rep = p.lunge_s + p.bottom_s + p.drive_s + p.hold_s
    shuffles = (reps - 1) * (p.lower_s + p.shuffle_s) if p.drift_m != 0 else 0.0
    return p.lead_s + reps * per_rep + shuffles + p.lower_s + p.rest_s


@dataclass(frozen=True)
class _Pose:
    """A leg's pose from ``t0_s`` to ``t1_s``: planted (``ball_x``, ``pitch``) or free (``angles``)."""

    t0_s: float
    t1_s: float
    ball_x: float | None = None
    pitch_deg: float = 0.0
    angles: tuple[float, float, float] | None = None
    ball_y: float = 0.0


class _Geometry:
    """Where the hips are standing and in the lunge, and where the back foot lands, for a front foot at ``base``."""

    def __init__(self, p: LungeDriveParams, body: Proportions) -> None:
        self.p, self.body = p, body
        self.ankle0 = ankle_from_ball(np.zeros((1, 2)), np.zeros(1), body)[0]
        a, b = body.thigh, body.shank
        self.reach = float(np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.radians(_STAND_KNEE_DEG))))

    def standing(self, base: float) -> np.ndarray:
        dx = 0.03
        return np.array([base + self.ankle0[0] + dx, self.ankle0[1] + np.sqrt(self.reach**2 - dx * dx)])

    def lunge(self, base: float) -> np.ndarray:
        ankle = np.array([base + self.ankle0[0], self.ankle0[1]])
        knee = ankle + self.body.shank * unit_up(8.0)  # the front shin leaning a little forward
        return knee - self.body.thigh * unit(self.p.front_thigh_deg)

    def back_ball_x(self, base: float) -> float:
        """Where the back foot's ball lands so the back thigh is at ``back_thigh_deg`` at the lunge's bottom."""
        hip = self.lunge(base)
        knee = hip + self.body.thigh * unit(self.p.back_thigh_deg)
        offset = ankle_from_ball(np.zeros((1, 2)), np.full(1, self.p.back_pitch_deg), self.body)[0]
        drop = knee[1] - offset[1]
        ankle_x = knee[0] - np.sqrt(max(self.body.shank**2 - drop * drop, 0.0)) * 0.995
        return float(ankle_x - offset[0])

    def shuffle(self, base0: float, base1: float) -> np.ndarray:
        """Hips between the feet while the front foot shuffles from ``base0`` to ``base1``."""
        x = (base0 + base1) / 2 + self.ankle0[0] + 0.03
        ankles = np.array([[base0 + self.ankle0[0], self.ankle0[1]], [base1 + self.ankle0[0], self.ankle0[1]]])
        y = float(np.min(max_hip_height(ankles, np.full(2, x), self.body, 10.0)))
        return np.array([x, min(y, float(self.standing(base0)[1]))])


def _pelvis_path(keys: list[tuple[float, np.ndarray]], t_s: np.ndarray) -> np.ndarray:
    """Hips moving in straight lines between keys (smoothly in time), so a planted foot stays within reach."""
    out = np.repeat(keys[0][1][None, :], len(t_s), axis=0)
    for (ta, pa), (tb, pb) in pairwise(keys):
        inside = t_s >= ta
        u = np.clip((t_s[inside] - ta) / max(tb - ta, 1e-9), 0.0, 1.0)
        s = u * u * (3 - 2 * u)
        out[inside] = pa + (pb - pa) * s[:, None]
    return out


def _pose_angles(pose: _Pose, pelvis: np.ndarray, body: Proportions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A pose's leg angles for the hips given (one row per frame)."""
    n = len(pelvis)
    if pose.angles is not None:
        return tuple(constant(n, v) for v in pose.angles)  # type: ignore[return-value]
    assert pose.ball_x is not None
    ball = np.tile([pose.ball_x, pose.ball_y], (n, 1))
    ankle = ankle_from_ball(ball, np.full(n, pose.pitch_deg), body)
    thigh, knee = leg_ik(pelvis, ankle, body, min_knee_deg=0.0)
    return thigh, knee, -pose.pitch_deg - (thigh - knee)


def _leg(poses: list[_Pose], pelvis: np.ndarray, t_s: np.ndarray, body: Proportions,
         bump_m: float, knee_lift_deg: float = 30.0) -> tuple[LegAngles, np.ndarray]:
    """One leg's angles over the clip from its poses, and whether its foot is on the floor."""
    n = len(t_s)
    angles = np.zeros((3, n))
    contact = np.zeros(n, bool)
    for i, pose in enumerate(poses):
        held = (t_s >= pose.t0_s) & (t_s < pose.t1_s)
        if held.any():
            angles[:, held] = np.array(_pose_angles(pose, pelvis[held], body))
            contact[held] = pose.ball_x is not None and pose.ball_y == 0.0
        if i + 1 == len(poses):
            continue
        nxt = poses[i + 1]
        moving = (t_s >= pose.t1_s) & (t_s < nxt.t0_s)
        if not moving.any():
            continue
        u = (t_s[moving] - pose.t1_s) / max(nxt.t0_s - pose.t1_s, 1e-9)
        w = u * u * (3 - 2 * u)
        lift = np.sin(np.pi * u)
        if pose.ball_x is not None and nxt.ball_x is not None:
            # a step: the ball of the foot travels in an arc to where it lands, the leg reaching it
            ball = np.stack([pose.ball_x + (nxt.ball_x - pose.ball_x) * w,
                             pose.ball_y + (nxt.ball_y - pose.ball_y) * w + bump_m * lift], axis=-1)
            pitch = pose.pitch_deg + (nxt.pitch_deg - pose.pitch_deg) * w
            ankle = ankle_from_ball(ball, pitch, body)
            thigh, knee = leg_ik(pelvis[moving], ankle, body, min_knee_deg=0.0)
            angles[:, moving] = np.array([thigh, knee, -pitch - (thigh - knee)])
            continue
        # to or from a free pose: the leg leaves with the angles it had and arrives with those of the next pose
        i0, i1 = int(np.clip(np.searchsorted(t_s, pose.t1_s) - 1, 0, n - 1)), int(np.clip(
            np.searchsorted(t_s, nxt.t0_s), 0, n - 1))
        a = np.array(_pose_angles(pose, pelvis[i0:i0 + 1], body))[:, 0]
        b = np.array(_pose_angles(nxt, pelvis[i1:i1 + 1], body))[:, 0]
        # coming down, the thigh leads and the knee opens last, so the foot reaches for the floor at the end;
        # leaving the floor, the knee bends first, so the toes do not drag as the thigh swings through
        w_knee = w**3 if nxt.ball_x is not None else w
        out = np.stack([a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w_knee, a[2] + (b[2] - a[2]) * w_knee])
        if pose.ball_x is not None:
            out[1] += knee_lift_deg * lift
        angles[:, moving] = out
    return LegAngles(angles[0], angles[1], angles[2]), contact


def _with_hovers(poses: list[_Pose], height_m: float, share: float = 0.75) -> list[_Pose]:
    """Poses with a moment of the foot hovering over where it lands, after a free pose and before a planted one.

    Blending angles brings the leg down but not the foot along a path; the last part of the way is a step.
    """
    out: list[_Pose] = []
    for pose in poses:
        prev = out[-1] if out else None
        if prev is not None and prev.angles is not None and pose.ball_x is not None:
            t = prev.t1_s + share * (pose.t0_s - prev.t1_s)
            out.append(_Pose(t, t, ball_x=pose.ball_x, pitch_deg=pose.pitch_deg, ball_y=height_m))
        out.append(pose)
    return out


def _contacts(side: Side, poses: list[_Pose]) -> list[Contact]:
    out = []
    for i, pose in enumerate(poses):
        if pose.ball_x is not None and pose.ball_y == 0.0:
            t_on = -np.inf if i == 0 else pose.t0_s
            t_off = np.inf if i + 1 == len(poses) else pose.t1_s
            out.append(Contact(side, float(t_on), float(t_off), pose.ball_x))
    return out


def lunge_drive(p: LungeDriveParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Step back into a lunge, drive the same knee up and hold it, back into the lunge; ``reps`` times."""
    n = len(t_s)
    drv = side_of(p.side, "side")
    geo = _Geometry(p, body)
    top = (p.thigh_deg, p.thigh_deg + 6.0, p.dorsiflexion_deg)
    base = 0.0
    keys: list[tuple[float, np.ndarray]] = [(0.0, geo.standing(base))]
    legs: dict[Side, list[_Pose]] = {drv: [], drv.other: []}
    stance_from = -np.inf
    planted: tuple[float, float] | None = (-np.inf, base)  # the driving foot on the floor beside the front one
    drives: list[Drive] = []
    t = p.lead_s
    keys.append((t, geo.standing(base)))
    reps = max(1, p.reps)
    for k in range(reps):
        if planted is not None:  # the foot leaves the floor beside the front foot
            legs[drv].append(_Pose(planted[0], t, ball_x=planted[1]))
        t_land = t + p.lunge_s
        t_off = t_land + p.bottom_s
        t_top = t_off + p.drive_s
        t_down = t_top + p.hold_s
        keys += [(t_land, geo.lunge(base)), (t_off, geo.lunge(base)), (t_top, geo.standing(base)),
                 (t_down, geo.standing(base))]
        legs[drv].append(_Pose(t_land, t_off, ball_x=geo.back_ball_x(base), pitch_deg=p.back_pitch_deg))
        legs[drv].append(_Pose(t_top, t_down, angles=top))
        last = k + 1 == reps
        if not (last or p.drift_m != 0):  # straight back into the lunge
            drives.append(Drive(drv, t_off, (t_top + t_down) / 2, t_down + p.lunge_s, p.thigh_deg))
            planted, t = None, t_down
            continue
        t_stand = t_down + p.lower_s
        keys.append((t_stand, geo.standing(base)))
        drives.append(Drive(drv, t_off, (t_top + t_down) / 2, t_stand, p.thigh_deg))
        planted, t = (t_stand, base), t_stand
        if not last:  # the front foot shuffles to the next rep's place; the driving foot waits for the lunge
            legs[drv.other].append(_Pose(stance_from, t_stand, ball_x=base))
            nxt = base + p.drift_m
            t = t_stand + p.shuffle_s
            keys.append((t, geo.shuffle(base, nxt)))
            stance_from, base = t, nxt
    legs[drv.other].append(_Pose(stance_from, np.inf, ball_x=base))
    assert planted is not None
    legs[drv].append(_Pose(planted[0], np.inf, ball_x=planted[1]))
    pelvis = _pelvis_path(keys, t_s)
    leg_angles, contact = {}, {}
    for s in Side:
        bump_m = 0.12 if s is drv else 0.06
        leg_angles[s], contact[s] = _leg(_with_hovers(legs[s], 0.05), pelvis, t_s, body, bump_m)
    # how far into the lunge the hips are (0 standing, 1 at the bottom): the trunk leans a little into it
    drop = float(geo.standing(0.0)[1] - geo.lunge(0.0)[1])
    lunge_w = np.clip((geo.standing(0.0)[1] - pelvis[:, 1]) / drop, 0.0, 1.0)
    trunk = 3.0 + 9.0 * lunge_w
    lifted = np.clip((leg_angles[drv].thigh - 20.0) / (p.thigh_deg - 20.0), 0.0, 1.0)
    arms = _hold_arms({drv: lifted, drv.other: np.zeros(n)}, n)
    motion = Motion(t_s, pelvis, trunk, constant(n, 0.0), head_tilt(trunk), leg_angles, arms, contact)
    contacts = [c for s in Side for c in _contacts(s, legs[s]) if c.t_off_s > 0]
    return ProgramResult(motion, drives, contacts, False, "none", [], layout="spot", drives_in_truth=True,
                         notes={"driving_side": drv.value, "drift_m": p.drift_m})
