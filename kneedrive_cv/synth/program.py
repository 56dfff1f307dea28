"""What a motion program returns, and the pieces programs share (keyframes, sprint arms, choices).

A motion program turns a drill's parameters and the frame times into a posed skeleton (:class:`Motion`)
plus the events that are true by construction: knee drives, foot contacts, the hold, the faults planted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import ArmAngles, Motion
from kneedrive_cv.synth.gait import Contact, Drive, pchip


@dataclass
class ProgramResult:
    """A drill's motion and its truth by construction.

    ``faults`` are the docs/DRILLS.md fault codes planted; ``side_faults`` names those that only some drives
    show (e.g. ``dragged_leg`` on the pocket side), with the sides that show them. ``expected_drill`` is
    what an analysis should call the clip (``none`` for walking). ``layout`` tells the renderer how to frame
    the clip: ``travel`` (camera follows), ``spot`` (still camera) or ``wall``. ``drives_in_truth`` lists
    the knee drives in the truth even when the clip is not a drill (None: only for drills); an exercise that is
    not one of the drills, such as the lunge to knee drive, still has drives the analysis must count and side.
    ``raises`` are the heel raises of sprinter's calves (side, start, peak and end times, the heel's rise in thigh
    lengths, the ankle's plantarflexion in degrees): the reps of that drill.
    """

    motion: Motion
    drives: list[Drive]
    contacts: list[Contact]
    travelling: bool
    expected_drill: str
    faults: list[str]
    side_faults: dict[str, list[Side]] = field(default_factory=dict)
    hold_s: float | None = None
    holds: list[tuple[Side, float, float]] = field(default_factory=list)
    layout: str = "travel"
    notes: dict[str, Any] = field(default_factory=dict)
    drives_in_truth: bool | None = None
    raises: list[dict[str, Any]] = field(default_factory=list)


def keyframes(t: np.ndarray, times: Sequence[float], values: Sequence[float]) -> np.ndarray:
    """Shape-preserving spline through ``(times, values)``, held flat before the first and after the last."""
    times_a, values_a = np.asarray(times, float), np.asarray(values, float)
    keep = np.concatenate([[True], np.diff(times_a) > 1e-9])
    times_a, values_a = times_a[keep], values_a[keep]
    if len(times_a) == 1:
        return np.full_like(t, values_a[0], dtype=float)
    return pchip(times_a, values_a)(np.clip(t, times_a[0], times_a[-1]))


def side_of(value: str, name: str) -> Side:
    """Read a parameter that names a side."""
    try:
        return Side(value)
    except ValueError:
        raise KneedriveError(f"parameter {name}={value!r}: expected 'left' or 'right'.") from None


def choice(value: str, name: str, allowed: Sequence[str]) -> str:
    """Check a parameter that must be one of ``allowed``."""
    if value not in allowed:
        raise KneedriveError(f"parameter {name}={value!r}: expected one of {', '.join(allowed)}.")
    return value


def sprint_arm(thigh: np.ndarray, t_s: np.ndarray, lag_s: float = 0.0, amplitude_deg: float = 45.0,
               mean_deg: float = 5.0) -> ArmAngles:
    """Sprint arm action coupled to the same-side leg: the elbow drives back as that knee drives up.

    ``lag_s`` delays the arm against the knee (0 = in time); the elbow opens at the back of the swing
    (about 105 deg interior) and closes in front (about 75 deg).
    """
    lo, hi = float(np.nanmin(thigh)), float(np.nanmax(thigh))
    mid, half = (lo + hi) / 2, max((hi - lo) / 2, 1.0)
    lagged = np.interp(t_s - lag_s, t_s, thigh)
    norm = np.clip((lagged - mid) / half, -1.0, 1.0)
    shoulder = mean_deg - amplitude_deg * norm
    interior = 90.0 + 15.0 * norm
    return ArmAngles(shoulder, 180.0 - interior)


def head_tilt(trunk_lean: np.ndarray, follow: float = 0.35) -> np.ndarray:
    """Tilt the head by a share of the trunk's lean, the eyes staying on the way ahead."""
    return follow * trunk_lean


def constant(n: int, value: float) -> np.ndarray:
    """Return an array of ``n`` copies of ``value`` (float64)."""
    return np.full(n, float(value))


def drive_cadence_spm(drives: Sequence[Drive]) -> float | None:
    """Knee drives per minute from the peak times (for drills on the spot), or None for fewer than two."""
    peaks = sorted(d.t_peak_s for d in drives)
    if len(peaks) < 2 or peaks[-1] <= peaks[0]:
        return None
    return 60.0 * (len(peaks) - 1) / (peaks[-1] - peaks[0])


def contact_cadence_spm(contacts: Sequence[Contact], duration_s: float) -> float | None:
    """Foot contacts per minute from the touchdowns inside the clip (for travelling drills)."""
    on = sorted(c.t_on_s for c in contacts if 0.0 <= c.t_on_s <= duration_s)
    if len(on) < 2:
        return None
    return 60.0 * (len(on) - 1) / (on[-1] - on[0])
