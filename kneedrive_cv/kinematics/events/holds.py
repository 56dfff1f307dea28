"""Holds: a knee kept up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events.settings import EventSettings, bridged
from kneedrive_cv.kinematics.filtering import close_short_breaks, runs_of
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side


@dataclass(frozen=True)
class Hold:
    """An interval where one knee stays up (thigh at or above the hold threshold, moving little)."""

    side: Side
    i_start: int
    i_end: int
    t_start_s: float
    t_end_s: float

    @property
    def duration_s(self) -> float:
        """Length of the hold in seconds."""
        return self.t_end_s - self.t_start_s


def holds(kinematics: Kinematics, settings: EventSettings | None = None) -> list[Hold]:
    """Intervals where a thigh stays at or above the hold threshold and moves slowly, at least ``hold_min_s``."""
    s = settings or EventSettings()
    t = kinematics.t_s
    out: list[Hold] = []
    for side in Side:
        theta = bridged(t, kinematics.frames.side("thigh_angle", side), s.bridge_gap_s)
        speed = np.abs(np.gradient(np.nan_to_num(theta), t)) if len(t) > 1 else np.zeros_like(t)
        up = ~np.isnan(theta) & (theta >= s.hold_min_thigh_deg) & (speed <= s.hold_max_speed_deg_s)
        found = [Hold(side, a, b - 1, float(t[a]), float(t[b - 1]))
                 for a, b in runs_of(close_short_breaks(up, t, s.hold_bridge_s)) if t[b - 1] - t[a] >= s.hold_min_s]
        out += _rejoined(found, s.hold_rejoin_s)
    out.sort(key=lambda h: h.t_start_s)
    return out


def _rejoined(found: list[Hold], max_gap_s: float) -> list[Hold]:
    """One leg's holds, two parted by no more than ``max_gap_s`` taken for one.

    The model can misread a held thigh for a few tenths of a second (read down at 10-50 deg while the other
    leg is read rising, the labels mixing), which splits one hold in two. Putting the foot down and lifting
    it into a hold again takes longer: the lowering and the lift each take about 0.3 s, the reset between
    them more, so holds of one leg that close are one.
    """
    out: list[Hold] = []
    for h in found:
        if out and h.t_start_s - out[-1].t_end_s <= max_gap_s:
            out[-1] = Hold(h.side, out[-1].i_start, h.i_end, out[-1].t_start_s, h.t_end_s)
        else:
            out.append(h)
    return out
