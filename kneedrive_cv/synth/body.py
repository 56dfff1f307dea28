"""The synthetic athlete's skeleton: segment lengths, the per-frame joint angles, and forward kinematics.

The model is 2-D and sagittal, in metres, in the athlete's own frame: ``x`` forward (the way the athlete
faces), ``y`` up, the floor at ``y = 0``. Angles are degrees measured from straight *down*, positive
forward (so a thigh angle is exactly docs/METRICS.md's ``thigh_angle``), except the trunk and head, which are
measured from straight *up*, positive forward (docs/METRICS.md's ``trunk_lean``). Left and right hips share one
point and so do the shoulders, as they do in a true side view.

Per leg: ``thigh`` (hip→knee from down), ``knee`` flexion (0 straight; the shank's angle is
``thigh - knee``), ``ankle`` dorsiflexion (exactly docs/METRICS.md's ``dorsiflexion``: 90 minus the angle
between ankle→knee and heel→toe). Per arm: ``shoulder`` (shoulder→elbow from down, positive forward) and
``elbow`` flexion (0 straight; the interior angle is ``180 - elbow``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.landmarks import Side


@dataclass(frozen=True)
class Physique:
    """How one athlete departs from Winter's average body: multipliers of the legs, arms and trunk, and build.

    ``legs`` scales thigh and shank, ``arms`` upper arm, forearm and hand, ``trunk`` the hip-to-shoulder
    length; ``girth`` widens (over 1) or slims (under 1) the drawn limbs and torso without moving a joint.
    All 1.0 is the average athlete every non-random render uses.
    """

    legs: float = 1.0
    arms: float = 1.0
    trunk: float = 1.0
    girth: float = 1.0


@dataclass(frozen=True)
class Proportions:
    """Segment lengths in metres from stature, after Winter's anthropometric ratios (Biomechanics, 4th ed.).

    The foot is a rigid shoe hinged at the ankle; its points are given by :meth:`foot_point`. ``physique``
    stretches the segments of one athlete (the stature names the average athlete they are built from).
    """

    stature_m: float = 1.78
    physique: Physique = Physique()

    @property
    def thigh(self) -> float:
        """Hip joint to knee joint (0.245 H)."""
        return 0.245 * self.stature_m * self.physique.legs

    @property
    def shank(self) -> float:
        """Knee joint to ankle joint (0.246 H)."""
        return 0.246 * self.stature_m * self.physique.legs

    @property
    def trunk(self) -> float:
        """Hip joint to shoulder joint (0.288 H minus the hip joint sitting above the trochanter)."""
        return 0.270 * self.stature_m * self.physique.trunk

    @property
    def neck(self) -> float:
        """Shoulder joint to the base of the skull."""
        return 0.058 * self.stature_m

    @property
    def head(self) -> float:
        """Height of the head, chin to crown (0.13 H)."""
        return 0.130 * self.stature_m

    @property
    def upper_arm(self) -> float:
        """Shoulder to elbow (0.186 H)."""
        return 0.186 * self.stature_m * self.physique.arms

    @property
    def forearm(self) -> float:
        """Elbow to wrist (0.146 H)."""
        return 0.146 * self.stature_m * self.physique.arms

    @property
    def hand(self) -> float:
        """Wrist to the knuckles of a loose fist (about half of Winter's 0.108 H open hand)."""
        return 0.060 * self.stature_m * self.physique.arms

    @property
    def shoe(self) -> float:
        """Length of the shoe's sole, heel to toe tip (a 0.152 H foot plus the shoe)."""
        return 0.163 * self.stature_m

    def foot_point(self, name: str) -> tuple[float, float]:
        """Return a point of the foot in the shoe's frame (metres): along the sole from its heel end, and up.

        ``ankle`` is the ankle joint; ``heel`` and ``toe`` are the landmarks (the back of the heel bone and
        the tip of the big toe, inside the shoe, at equal height so heel->toe runs parallel to the sole);
        ``ball`` is where the sole pivots on the floor when the heel rises.
        """
        k = self.stature_m / 1.78
        u, n = {"ankle": (0.090, 0.115), "heel": (0.048, 0.055), "toe": (0.255, 0.055),
                "ball": (0.270, 0.0)}[name]
        return u * k, n * k


#: Points of the head in its own frame (metres for a 1.78 m athlete; x toward the face, y up from the head's
#: centre): the renderer draws the face around them and the truth reports them.
HEAD_POINTS = {"nose": (0.118, -0.022), "eye": (0.080, 0.024), "ear": (-0.006, -0.004)}


def unit(angle_deg: np.ndarray | float) -> np.ndarray:
    """Return unit vector(s) at ``angle_deg`` from straight down, positive forward: ``(sin, -cos)``."""
    a = np.radians(angle_deg)
    return np.stack([np.sin(a), -np.cos(a)], axis=-1)


def unit_up(angle_deg: np.ndarray | float) -> np.ndarray:
    """Return unit vector(s) at ``angle_deg`` from straight up, positive forward: ``(sin, cos)``."""
    a = np.radians(angle_deg)
    return np.stack([np.sin(a), np.cos(a)], axis=-1)


def angle_from_down(v: np.ndarray) -> np.ndarray:
    """Angle in degrees of vector(s) ``v`` (x forward, y up) from straight down, positive forward."""
    return np.degrees(np.arctan2(v[..., 0], -v[..., 1]))


@dataclass
class LegAngles:
    """One leg's angles over the clip, degrees, arrays of shape (frames,)."""

    thigh: np.ndarray
    knee: np.ndarray
    ankle: np.ndarray


@dataclass
class ArmAngles:
    """One arm's angles over the clip, degrees, arrays of shape (frames,).

    ``wrist`` bends the hand forward of the forearm's line (a loose fist: about 10).
    """

    shoulder: np.ndarray
    elbow: np.ndarray
    wrist: np.ndarray | float = 10.0


@dataclass
class Motion:
    """A posed skeleton over time: what a motion program produces and the renderer draws.

    Arrays have shape (frames,). ``pelvis`` is (frames, 2), the hip joint in metres. ``trunk_curl`` rounds
    the back: the lower and upper halves of the trunk lean ``trunk_lean -/+ curl/2``, keeping the hip→shoulder
    chord at exactly ``trunk_lean``. ``head`` is the head's tilt from up, positive forward (chin down).
    ``contact`` says which feet are on the floor. ``wall_x`` is the wall's face (metres) in the wall drill.
    """

    t_s: np.ndarray
    pelvis: np.ndarray
    trunk_lean: np.ndarray
    trunk_curl: np.ndarray
    head: np.ndarray
    legs: dict[Side, LegAngles]
    arms: dict[Side, ArmAngles]
    contact: dict[Side, np.ndarray]
    wall_x: float | None = None
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


@dataclass
class Joints:
    """Joint positions in metres (x forward, y up), each (frames, 2); per side for limbs.

    ``heel`` and ``toe`` are the foot landmarks; ``sole`` is the heel end of the shoe's sole and ``sole_dir``
    its direction (unit); ``ball`` the sole's pivot point on the floor.
    """

    hip: np.ndarray
    mid_trunk: np.ndarray
    shoulder: np.ndarray
    neck_top: np.ndarray
    head_centre: np.ndarray
    head_up: np.ndarray
    knee: dict[Side, np.ndarray]
    ankle: dict[Side, np.ndarray]
    heel: dict[Side, np.ndarray]
    toe: dict[Side, np.ndarray]
    elbow: dict[Side, np.ndarray]
    wrist: dict[Side, np.ndarray]
    knuckles: dict[Side, np.ndarray]
    face: dict[str, np.ndarray]
    sole: dict[Side, np.ndarray]
    sole_dir: dict[Side, np.ndarray]
    ball: dict[Side, np.ndarray]


def shoe_frame(ankle: np.ndarray, shank_deg: np.ndarray, dorsiflexion_deg: np.ndarray,
               body: Proportions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the shoe's frame: origin (heel end of the sole), ``u`` along the sole to the toe, ``n`` up.

    The sole runs parallel to heel->toe, whose angle to the shank sets the dorsiflexion.
    """
    u = unit(shank_deg + 90.0 + dorsiflexion_deg)
    n = np.stack([-u[..., 1], u[..., 0]], axis=-1)
    au, an = body.foot_point("ankle")
    return ankle - au * u - an * n, u, n


def ankle_from_ball(ball: np.ndarray, pitch_deg: np.ndarray, body: Proportions) -> np.ndarray:
    """Where the ankle is when the sole's ball rests at ``ball`` with the heel raised by ``pitch_deg``."""
    u = unit(90.0 - np.asarray(pitch_deg))
    n = np.stack([-u[..., 1], u[..., 0]], axis=-1)
    bu, bn = body.foot_point("ball")
    au, an = body.foot_point("ankle")
    return ball + (au - bu) * u + (an - bn) * n


def leg_ik(hip: np.ndarray, ankle: np.ndarray, body: Proportions, min_knee_deg: float = 2.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Thigh angle and knee flexion that put the ankle at ``ankle`` (knee bending forward).

    Raises:
        ValueError: the ankle is out of reach of the leg (a motion program's bug, not a user's error).

    """
    a, b = body.thigh, body.shank
    d_vec = ankle - hip
    d = np.linalg.norm(d_vec, axis=-1)
    reach = np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.radians(min_knee_deg)))
    if np.any(d > reach + 1e-9):
        raise ValueError(f"ankle out of reach by {float(np.max(d - reach)) * 1000:.1f} mm")
    cos_k = np.clip((d * d - a * a - b * b) / (2 * a * b), -1.0, 1.0)
    knee = np.degrees(np.arccos(cos_k))
    cos_h = np.clip((a * a + d * d - b * b) / (2 * a * d), -1.0, 1.0)
    thigh = angle_from_down(d_vec) + np.degrees(np.arccos(cos_h))
    return thigh, knee


def max_hip_height(ankle: np.ndarray, hip_x: np.ndarray, body: Proportions, knee_deg: float) -> np.ndarray:
    """Highest hip (y) over a fixed ankle that keeps at least ``knee_deg`` of knee flexion."""
    a, b = body.thigh, body.shank
    reach = np.sqrt(a * a + b * b + 2 * a * b * np.cos(np.radians(knee_deg)))
    dx = hip_x - ankle[..., 0]
    return ankle[..., 1] + np.sqrt(np.maximum(reach * reach - dx * dx, 0.0))


def solve(motion: Motion, body: Proportions) -> Joints:
    """Forward kinematics: every joint's position for every frame."""
    hip = motion.pelvis
    half = body.trunk / 2
    curl = motion.trunk_curl
    mid = hip + half * unit_up(motion.trunk_lean - curl / 2)
    shoulder = mid + half * unit_up(motion.trunk_lean + curl / 2)
    # The hip->shoulder chord must lean exactly trunk_lean: the two halves are symmetric about it.
    neck_top = shoulder + body.neck * unit_up(motion.trunk_lean + curl * 0.8 + 8.0)
    head_up = unit_up(motion.head)
    head_centre = neck_top + 0.42 * body.head * head_up + 0.012 * body.stature_m * unit_up(motion.head + 90)
    head_fwd = unit_up(motion.head + 90)
    k = body.stature_m / 1.78
    face = {name: head_centre + k * (fx * head_fwd + fy * head_up) for name, (fx, fy) in HEAD_POINTS.items()}
    knee: dict[Side, np.ndarray] = {}
    ankle: dict[Side, np.ndarray] = {}
    heel: dict[Side, np.ndarray] = {}
    toe: dict[Side, np.ndarray] = {}
    elbow: dict[Side, np.ndarray] = {}
    wrist: dict[Side, np.ndarray] = {}
    knuckles: dict[Side, np.ndarray] = {}
    sole: dict[Side, np.ndarray] = {}
    sole_dir: dict[Side, np.ndarray] = {}
    ball: dict[Side, np.ndarray] = {}
    for side in Side:
        leg, arm = motion.legs[side], motion.arms[side]
        knee[side] = hip + body.thigh * unit(leg.thigh)
        shank = leg.thigh - leg.knee
        ankle[side] = knee[side] + body.shank * unit(shank)
        origin, u, nrm = shoe_frame(ankle[side], shank, leg.ankle, body)
        sole[side], sole_dir[side] = origin, u
        for name, store in (("heel", heel), ("toe", toe), ("ball", ball)):
            pu, pn = body.foot_point(name)
            store[side] = origin + pu * u + pn * nrm
        elbow[side] = shoulder + body.upper_arm * unit(arm.shoulder)
        fore = arm.shoulder + arm.elbow
        wrist[side] = elbow[side] + body.forearm * unit(fore)
        knuckles[side] = wrist[side] + body.hand * unit(fore + np.asarray(arm.wrist))
    return Joints(hip, mid, shoulder, neck_top, head_centre, head_up, knee, ankle, heel, toe, elbow, wrist,
                  knuckles, face, sole, sole_dir, ball)
