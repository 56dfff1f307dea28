"""A travelling gait (running or walking) for the skeleton, with feet that stay put on the floor.

How it stays physical: the steps are laid out in time first (cadence, contact time); the pelvis travels at
step length x cadence; each foot lands with the ball of its sole ``landing_offset_m`` ahead of the hip and
from then on that point is pinned to the floor while the heel rolls (pitch) about it. The stance leg's hip and
knee come from inverse kinematics to that pinned foot, and the pelvis height is the highest that every
stance leg can reach with a little knee bend. The swing leg follows keyframes (toe-off, heel recovery,
knee-drive peak, touchdown) through a shape-preserving spline, so the peak thigh angle is exactly the
one asked for and falls exactly at the drive's peak time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import LegAngles, Proportions, ankle_from_ball, leg_ik, max_hip_height

_DENSE_DT = 0.002


def pchip(knots: Any, values: Any) -> Any:
    """Scipy's shape-preserving interpolator, imported on first use.

    scipy.interpolate takes 0.4 s to import, which every `kneedrive` command would otherwise pay.
    """
    from scipy.interpolate import PchipInterpolator

    return PchipInterpolator(knots, values)


@dataclass(frozen=True)
class GaitSpec:
    """How the legs move. Cadence in steps per second (both feet counted), lengths in metres, angles in degrees.

    ``contact_ratio`` is contact time over step time: under 1 is running (with a flight), over 1 walking
    (with double support). ``peak_at`` is where in the swing the thigh peaks (0 toe-off, 1 touchdown).
    ``pelvis_low_midstance`` is True for running (the body sinks over the foot) and False for walking
    (it vaults over it).
    """

    cadence_hz: float
    step_length_m: float
    contact_ratio: float
    thigh_peak_deg: dict[Side, float]
    cadence_end_hz: float | None = None
    landing_offset_m: float = 0.05
    touchdown_pitch_deg: float = 12.0
    toeoff_pitch_deg: float = 35.0
    peak_at: float = 0.62
    recovery_at: float = 0.30
    knee_recovery_deg: float = 105.0
    knee_peak_deg: float | dict[Side, float] = 95.0
    swing_dorsiflexion_deg: float = 10.0
    pelvis_bob_m: float = 0.03
    pelvis_low_midstance: bool = True
    stance_knee_min_deg: float = 12.0
    first_side: Side = Side.LEFT


@dataclass(frozen=True)
class Drive:
    """One knee drive: a swing of one leg, from toe-off to its next touchdown, peaking at ``t_peak_s``."""

    side: Side
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    thigh_peak_deg: float


@dataclass(frozen=True)
class Contact:
    """One foot contact: touchdown and toe-off times and where the ball of the sole was pinned (metres)."""

    side: Side
    t_on_s: float
    t_off_s: float
    ball_x_m: float


@dataclass
class GaitResult:
    """What :func:`run_gait` makes: pelvis path, leg angles, contacts and drives over the frame times."""

    pelvis: np.ndarray
    legs: dict[Side, LegAngles]
    contact: dict[Side, np.ndarray]
    contacts: list[Contact]
    drives: list[Drive]
    speed_mps: np.ndarray
    notes: dict[str, float] = field(default_factory=dict)


def _cadence(spec: GaitSpec, t: np.ndarray, duration_s: float) -> np.ndarray:
    end = spec.cadence_hz if spec.cadence_end_hz is None else spec.cadence_end_hz
    frac = np.clip(t / max(duration_s, 1e-9), 0.0, 1.0)
    return spec.cadence_hz + (end - spec.cadence_hz) * frac


def _schedule(spec: GaitSpec, duration_s: float) -> tuple[np.ndarray, np.ndarray, list[Side]]:
    """Touchdown times, contact durations and sides, from before the clip starts to after it ends."""
    # a touchdown falls at t = 0.1 s: the clip opens just after a landing, already in stride
    t = 0.1 - 3.0 / spec.cadence_hz
    on, dur, sides = [], [], []
    side = spec.first_side.other  # three steps (an odd count) before the one at 0.1 s
    while t < duration_s + 3.0 / spec.cadence_hz:
        f = float(_cadence(spec, np.array([t]), duration_s)[0])
        on.append(t)
        dur.append(spec.contact_ratio / f)
        sides.append(side)
        side = side.other
        t += 1.0 / f
    return np.array(on), np.array(dur), sides


def _stance_pitch(spec: GaitSpec, s: np.ndarray) -> np.ndarray:
    """Sole pitch (heel up, degrees) through a stance, s from 0 (touchdown) to 1 (toe-off)."""
    knots = [0.0, 0.3, 0.55, 1.0]
    values = [spec.touchdown_pitch_deg, 2.0, 2.0, spec.toeoff_pitch_deg]
    return pchip(knots, values)(np.clip(s, 0, 1))


def run_gait(spec: GaitSpec, t_s: np.ndarray, body: Proportions) -> GaitResult:
    """Pose the legs and pelvis for every time in ``t_s`` (seconds)."""
    duration = float(t_s[-1]) if len(t_s) else 0.0
    on, dur, sides = _schedule(spec, duration)
    dense = np.arange(on[0] - 0.5, on[-1] + 1.0, _DENSE_DT)
    speed_dense = spec.step_length_m * _cadence(spec, dense, duration)
    x_dense = np.concatenate([[0.0], np.cumsum(0.5 * (speed_dense[1:] + speed_dense[:-1]) * _DENSE_DT)])
    x_dense -= np.interp(0.0, dense, x_dense)

    def pelvis_x(t: np.ndarray) -> np.ndarray:
        return np.interp(t, dense, x_dense)

    # pin each touchdown's ball of the foot, landing_offset_m ahead of the hip
    ball_x_arr = pelvis_x(on) + spec.landing_offset_m

    def stance_ankle(k: int, t: np.ndarray) -> np.ndarray:
        s = (t - on[k]) / dur[k]
        ball = np.stack([np.full_like(t, ball_x_arr[k]), np.zeros_like(t)], axis=-1)
        return ankle_from_ball(ball, _stance_pitch(spec, s), body)

    # pelvis height: a bob locked to mid-stance, lifted as high as every stance leg allows
    mids = on + dur / 2
    phase = np.interp(dense, mids, np.arange(len(mids)))
    bob = (-1.0 if spec.pelvis_low_midstance else 1.0) * np.cos(2 * np.pi * phase) * spec.pelvis_bob_m
    limit = np.full_like(dense, np.inf)
    for k in range(len(on)):
        sel = (dense >= on[k]) & (dense <= on[k] + dur[k])
        if sel.any():
            ymax = max_hip_height(stance_ankle(k, dense[sel]), pelvis_x(dense[sel]), body, spec.stance_knee_min_deg)
            limit[sel] = np.minimum(limit[sel], ymax)
    inside = (dense >= mids[0]) & (dense <= mids[-1])  # the bob's phase is only defined between mid-stances
    h0 = float(np.min((limit - bob)[inside]))
    y_dense = h0 + bob

    def pelvis(t: np.ndarray) -> np.ndarray:
        return np.stack([pelvis_x(t), np.interp(t, dense, y_dense)], axis=-1)

    def stance_angles(k: int, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ankle = stance_ankle(k, t)
        thigh, knee = leg_ik(pelvis(t), ankle, body, min_knee_deg=0.0)
        pitch = _stance_pitch(spec, (t - on[k]) / dur[k])
        # sole direction is 90 - pitch from down; dorsiflexion = sole angle - shank angle - 90
        return thigh, knee, (90.0 - pitch) - (thigh - knee) - 90.0

    n = len(t_s)
    legs = {s: LegAngles(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)) for s in Side}
    contact = {s: np.zeros(n, bool) for s in Side}
    contacts: list[Contact] = []
    drives: list[Drive] = []
    for k in range(len(on)):
        side = sides[k]
        t_off = on[k] + dur[k]
        sel = (t_s >= on[k]) & (t_s <= t_off)
        if sel.any():
            th, kn, an = stance_angles(k, t_s[sel])
            legs[side].thigh[sel], legs[side].knee[sel], legs[side].ankle[sel] = th, kn, an
            contact[side][sel] = True
        contacts.append(Contact(side, float(on[k]), float(t_off), float(ball_x_arr[k])))
        if k + 2 >= len(on):
            continue
        t_td = on[k + 2]
        a = stance_angles(k, np.array([t_off]))
        b = stance_angles(k + 2, np.array([t_td]))
        peak = spec.thigh_peak_deg[side]
        knee_peak = spec.knee_peak_deg[side] if isinstance(spec.knee_peak_deg, dict) else spec.knee_peak_deg
        th0, kn0, an0 = (float(v[0]) for v in a)
        th1, kn1, an1 = (float(v[0]) for v in b)
        knots = [0.0, spec.recovery_at, spec.peak_at, 1.0]
        thigh_f = pchip(knots, [th0, th0 + 0.55 * (peak - th0), peak, th1])
        knee_peak = max(knee_peak, kn1 + 6.0)  # the leg reaches for the floor, it does not overshoot into it
        knee_f = pchip(knots, [kn0, max(spec.knee_recovery_deg, knee_peak), knee_peak, kn1])
        ankle_f = pchip(knots, [an0, spec.swing_dorsiflexion_deg, spec.swing_dorsiflexion_deg, an1])
        sel = (t_s > t_off) & (t_s < t_td)
        if sel.any():
            s = (t_s[sel] - t_off) / (t_td - t_off)
            legs[side].thigh[sel], legs[side].knee[sel], legs[side].ankle[sel] = thigh_f(s), knee_f(s), ankle_f(s)
        drives.append(Drive(side, float(t_off), float(t_off + spec.peak_at * (t_td - t_off)), float(t_td), peak))
    speed = spec.step_length_m * _cadence(spec, t_s, duration)
    return GaitResult(pelvis(t_s), legs, contact, contacts, drives, speed, {"pelvis_base_m": h0})
