"""Motion programs for the travelling drills (piston run, pocket run) and for walking and running (not drills).

Each parameter class's defaults are a clean rep of the drill; a fault is planted by moving a parameter
out of the docs/DRILLS.md band (the planted codes are worked out from the parameters and written to the truth).
Cadence is in steps per second, both feet counted (docs/DRILLS.md's 3.5-5 steps/s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import ArmAngles, Motion, Proportions
from kneedrive_cv.synth.gait import GaitResult, GaitSpec, run_gait
from kneedrive_cv.synth.program import ProgramResult, choice, constant, head_tilt, side_of, sprint_arm

#: Postures of the piston run: (trunk lean, back rounding) in degrees.
POSTURES = {"tall": (12.0, 0.0), "hunched": (25.0, 26.0), "leaning_back": (-6.0, 0.0)}


@dataclass(frozen=True)
class PistonRunParams:
    """Piston run. ``posture`` sets lean and back rounding unless ``lean_deg`` / ``hunch_deg`` are given.

    Short quick steps (0.45 m at 4 steps/s) keep the feet under the body: they land ``landing_offset_m``
    ahead of the hips and leave little behind them, unlike running, where the feet sweep far back.

    ``exaggerated_knees`` drives the knees well above horizontal (108 deg unless ``thigh_peak_deg`` is
    given) and lets the cadence sag by a fifth over the clip (unless ``cadence_end_hz`` is given), the
    coach's "high knees" warning. ``landing_offset_m`` is how far ahead of the hip the ball of the foot lands.
    """

    cadence_hz: float = 4.0
    cadence_end_hz: float | None = None
    step_length_m: float = 0.45
    posture: str = "tall"
    lean_deg: float | None = None
    hunch_deg: float | None = None
    thigh_peak_deg: float | None = None
    exaggerated_knees: bool = False
    landing_offset_m: float = 0.12
    swing_dorsiflexion_deg: float = 10.0
    contact_ratio: float = 0.45
    first_side: str = "left"


@dataclass(frozen=True)
class StyledPistonRunParams(PistonRunParams):
    """A piston run with the arm action of one athlete: how far the arms swing and where they swing about.

    Kept apart from :class:`PistonRunParams` so a render with the plain parameters writes the same truth
    as it always has; randomised renders use this one.
    """

    arm_swing_deg: float = 45.0
    arm_mean_deg: float = 5.0


@dataclass(frozen=True)
class PocketRunParams:
    """Pocket run: one arm frozen at the side (``frozen_side``), the other side running normally.

    ``frozen_arm_swing_deg`` is how much the pocket arm still swings (0 = still). ``dragged_leg`` makes the
    pocket-side knee barely lift (``frozen_leg_peak_deg``, 30 deg unless given). ``elbow_knee_lag_s`` puts
    the moving elbow out of time with its knee.
    """

    frozen_side: str = "left"
    cadence_hz: float = 3.8
    cadence_end_hz: float | None = None
    step_length_m: float = 0.72
    lean_deg: float = 10.0
    thigh_peak_deg: float = 70.0
    dragged_leg: bool = False
    frozen_leg_peak_deg: float | None = None
    frozen_arm_swing_deg: float = 0.0
    elbow_knee_lag_s: float = 0.0
    swing_dorsiflexion_deg: float = 10.0
    contact_ratio: float = 0.56
    first_side: str = "left"


@dataclass(frozen=True)
class WalkingParams:
    """Plain walking, a clip that is not a knee-drive drill."""

    cadence_hz: float = 1.8
    step_length_m: float = 0.65
    arm_swing_deg: float = 18.0
    lean_deg: float = 2.0
    first_side: str = "left"


@dataclass(frozen=True)
class RunningParams:
    """Running, jogging or sprinting: a clip that is not a knee-drive drill (the analysis should say ``none``).

    Unlike the piston run the feet land ahead of the hips (``landing_offset_m``) and sweep well behind them
    before they leave the floor (long steps x ``contact_ratio``), and the heel cycles up behind on the way
    through (``knee_recovery_deg``). A jog: knees to 30-50 deg at 150-180 steps/min; a sprint: knees to 60-80
    deg at 220-280 steps/min with strides of about 2 m.
    """

    cadence_hz: float = 2.8
    step_length_m: float = 1.0
    thigh_peak_deg: float = 40.0
    contact_ratio: float = 0.72
    landing_offset_m: float = 0.22
    knee_recovery_deg: float = 100.0
    lean_deg: float = 5.0
    arm_swing_deg: float = 35.0
    first_side: str = "left"


def _trunk(t_s: np.ndarray, lean: float, cadence_hz: float, wobble: float = 1.0) -> np.ndarray:
    return lean + wobble * np.sin(2 * np.pi * cadence_hz * t_s)


def _legs_arms(g: GaitResult, t_s: np.ndarray, lag_s: float = 0.0) -> dict[Side, ArmAngles]:
    return {s: sprint_arm(g.legs[s].thigh, t_s, lag_s) for s in Side}


def _running_faults(cadence: float, cadence_end: float, peak: float) -> list[str]:
    faults = []
    if cadence < 3.5 or cadence_end < 0.9 * cadence or cadence_end < 3.5:
        faults.append("slow_cadence")
    if peak > 95.0:
        faults.append("exaggerated_knee")
    elif peak < 55.0:
        faults.append("low_knee")
    return faults


def piston_run(p: PistonRunParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Legs like pistons under a tall, slightly leaning body."""
    posture = choice(p.posture, "posture", tuple(POSTURES))
    lean = POSTURES[posture][0] if p.lean_deg is None else p.lean_deg
    hunch = POSTURES[posture][1] if p.hunch_deg is None else p.hunch_deg
    peak = (108.0 if p.exaggerated_knees else 72.0) if p.thigh_peak_deg is None else p.thigh_peak_deg
    cad_end = p.cadence_end_hz
    if cad_end is None:
        cad_end = 0.8 * p.cadence_hz if p.exaggerated_knees else p.cadence_hz
    spec = GaitSpec(p.cadence_hz, p.step_length_m, p.contact_ratio, {s: peak for s in Side}, cad_end,
                    landing_offset_m=p.landing_offset_m, swing_dorsiflexion_deg=p.swing_dorsiflexion_deg,
                    knee_peak_deg=max(85.0, peak + 20.0), knee_recovery_deg=max(100.0, peak + 28.0),
                    first_side=side_of(p.first_side, "first_side"))
    g = run_gait(spec, t_s, body)
    n = len(t_s)
    trunk = _trunk(t_s, lean, p.cadence_hz)
    if isinstance(p, StyledPistonRunParams):
        arms = {s: sprint_arm(g.legs[s].thigh, t_s, 0.0, p.arm_swing_deg, p.arm_mean_deg) for s in Side}
    else:
        arms = _legs_arms(g, t_s)
    motion = Motion(t_s, g.pelvis, trunk, constant(n, hunch), head_tilt(trunk) + 0.4 * hunch, g.legs, arms,
                    g.contact)
    faults = _running_faults(p.cadence_hz, cad_end, peak)
    if lean < 5.0:
        faults.append("leaning_back")
    if lean > 20.0 or hunch >= 15.0:
        faults.append("hunched")
    if p.landing_offset_m > 0.30:
        faults.append("reaching")
    if p.swing_dorsiflexion_deg < -5.0:
        faults.append("soggy_foot")
    return ProgramResult(motion, g.drives, g.contacts, True, "piston_run", faults,
                         notes={"lean_deg": lean, "hunch_deg": hunch, "thigh_peak_deg": peak,
                                "cadence_end_hz": cad_end, **g.notes})


def pocket_run(p: PocketRunParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """One arm in the pocket, the other side running."""
    frozen = side_of(p.frozen_side, "frozen_side")
    frozen_peak = (30.0 if p.dragged_leg else p.thigh_peak_deg) if p.frozen_leg_peak_deg is None \
        else p.frozen_leg_peak_deg
    peaks = {frozen: frozen_peak, frozen.other: p.thigh_peak_deg}
    cad_end = p.cadence_hz if p.cadence_end_hz is None else p.cadence_end_hz
    spec = GaitSpec(p.cadence_hz, p.step_length_m, p.contact_ratio, peaks, cad_end,
                    swing_dorsiflexion_deg=p.swing_dorsiflexion_deg,
                    knee_peak_deg={s: max(60.0, v + 20.0) for s, v in peaks.items()},
                    knee_recovery_deg=max(100.0, p.thigh_peak_deg + 28.0),
                    first_side=side_of(p.first_side, "first_side"))
    g = run_gait(spec, t_s, body)
    n = len(t_s)
    trunk = _trunk(t_s, p.lean_deg, p.cadence_hz)
    arms = {frozen.other: sprint_arm(g.legs[frozen.other].thigh, t_s, p.elbow_knee_lag_s)}
    swing = p.frozen_arm_swing_deg * np.sin(2 * np.pi * p.cadence_hz / 2 * t_s)
    arms[frozen] = ArmAngles(-4.0 + swing, constant(n, 22.0) + 0.3 * np.abs(swing))
    motion = Motion(t_s, g.pelvis, trunk, constant(n, 0.0), head_tilt(trunk), g.legs, arms, g.contact)
    faults = _running_faults(p.cadence_hz, cad_end, p.thigh_peak_deg)
    side_faults: dict[str, list[Side]] = {}
    if p.frozen_arm_swing_deg >= 12.0:
        faults.append("frozen_arm_moving")
    if frozen_peak < 0.6 * p.thigh_peak_deg:
        faults.append("dragged_leg")
        side_faults["dragged_leg"] = [frozen]
    if abs(p.elbow_knee_lag_s) >= 0.06:
        faults.append("elbow_knee_timing")
        side_faults["elbow_knee_timing"] = [frozen.other]
    if p.swing_dorsiflexion_deg < -5.0:
        faults.append("soggy_foot")
    return ProgramResult(motion, g.drives, g.contacts, True, "pocket_run", faults, side_faults,
                         notes={"frozen_leg_peak_deg": frozen_peak, "cadence_end_hz": cad_end, **g.notes})


def walking(p: WalkingParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Walk easily: heel-to-toe feet, double support, a small relaxed arm swing."""
    spec = GaitSpec(p.cadence_hz, p.step_length_m, 1.24, {s: 31.0 for s in Side}, landing_offset_m=0.42,
                    touchdown_pitch_deg=0.0, toeoff_pitch_deg=40.0, peak_at=0.86, recovery_at=0.33,
                    knee_recovery_deg=68.0, knee_peak_deg=12.0, swing_dorsiflexion_deg=10.0, pelvis_bob_m=0.02,
                    pelvis_low_midstance=False, stance_knee_min_deg=4.0,
                    first_side=side_of(p.first_side, "first_side"))
    g = run_gait(spec, t_s, body)
    n = len(t_s)
    trunk = _trunk(t_s, p.lean_deg, p.cadence_hz, 0.5)
    arms = {}
    for s in Side:
        a = sprint_arm(g.legs[s].thigh, t_s, amplitude_deg=p.arm_swing_deg, mean_deg=0.0)
        arms[s] = ArmAngles(a.shoulder, 20.0 + 0.4 * (a.shoulder + p.arm_swing_deg))
    motion = Motion(t_s, g.pelvis, trunk, constant(n, 0.0), head_tilt(trunk, 0.2), g.legs, arms, g.contact)
    return ProgramResult(motion, g.drives, g.contacts, True, "none", [], notes=dict(g.notes))


def running(p: RunningParams, t_s: np.ndarray, body: Proportions) -> ProgramResult:
    """Run: feet landing ahead and sweeping far behind the hips, the heel cycling up, arms swinging."""
    peak = p.thigh_peak_deg
    spec = GaitSpec(p.cadence_hz, p.step_length_m, p.contact_ratio, {s: peak for s in Side},
                    landing_offset_m=p.landing_offset_m, touchdown_pitch_deg=6.0, toeoff_pitch_deg=40.0,
                    knee_recovery_deg=max(p.knee_recovery_deg, peak + 75.0), knee_peak_deg=peak + 70.0,
                    swing_dorsiflexion_deg=25.0, pelvis_bob_m=0.04, stance_knee_min_deg=15.0,
                    first_side=side_of(p.first_side, "first_side"))
    g = run_gait(spec, t_s, body)
    n = len(t_s)
    trunk = _trunk(t_s, p.lean_deg, p.cadence_hz)
    arms = {s: sprint_arm(g.legs[s].thigh, t_s, amplitude_deg=p.arm_swing_deg, mean_deg=0.0) for s in Side}
    motion = Motion(t_s, g.pelvis, trunk, constant(n, 0.0), head_tilt(trunk), g.legs, arms, g.contact)
    behind = p.step_length_m * p.contact_ratio - p.landing_offset_m
    return ProgramResult(motion, g.drives, g.contacts, True, "none", [],
                         notes={"toe_off_behind_m": behind, **g.notes})
