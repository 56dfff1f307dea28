"""Holds (a knee kept up) and heel raises (the wall drill's sprinter's calves)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events.settings import EventSettings, bridged, crossing, foot_point
from kneedrive_cv.kinematics.filtering import runs_of, scipy_signal
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


@dataclass(frozen=True)
class HeelRaise:
    """One heel raise ("sprinter's calves"): both heels lifting off the floor onto the balls of the feet."""

    i_start: int
    i_peak: int
    i_end: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    rise_thighs: float


def holds(kinematics: Kinematics, settings: EventSettings | None = None) -> list[Hold]:
    """Intervals where a thigh stays at or above the hold threshold and moves slowly, at least ``hold_min_s``."""
    s = settings or EventSettings()
    t = kinematics.t_s
    out: list[Hold] = []
    for side in Side:
        theta = bridged(t, kinematics.frames.side("thigh_angle", side), s.bridge_gap_s)
        speed = np.abs(np.gradient(np.nan_to_num(theta), t)) if len(t) > 1 else np.zeros_like(t)
        up = ~np.isnan(theta) & (theta >= s.hold_min_thigh_deg) & (speed <= s.hold_max_speed_deg_s)
        for a, b in runs_of(_close_short_breaks(up, t, s.hold_bridge_s)):
            if t[b - 1] - t[a] >= s.hold_min_s:
                out.append(Hold(side, a, b - 1, float(t[a]), float(t[b - 1])))
    out.sort(key=lambda h: h.t_start_s)
    return out


def _close_short_breaks(mask: np.ndarray, t: np.ndarray, max_s: float) -> np.ndarray:
    out = mask.copy()
    for a, b in runs_of(~mask):
        if a > 0 and b < len(mask) and t[b] - t[a - 1] <= max_s:
            out[a:b] = True
    return out


def heel_height(kinematics: Kinematics) -> np.ndarray:
    """How far the heels are raised above the toes, both feet averaged, in thigh lengths above standing flat.

    Measured against the toes, not the image, so a camera that drifts or a floor that slopes does not count.
    """
    rises = []
    for side in Side:
        toe, heel = foot_point(kinematics, side, "FOOT_INDEX"), foot_point(kinematics, side, "HEEL")
        rise = (toe[:, 1] - heel[:, 1]) / kinematics.thigh_px
        if np.any(~np.isnan(rise)):
            rises.append(rise - np.nanpercentile(rise, 10))
    if not rises:
        return np.full(len(kinematics.t_s), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(np.stack(rises), axis=0))


def heel_raises(kinematics: Kinematics, settings: EventSettings | None = None) -> list[HeelRaise]:
    """Heel raises: peaks of the heels' height above the toes, at least ``raise_min_thighs`` high."""
    s = settings or EventSettings()
    t = kinematics.t_s
    height = bridged(t, heel_height(kinematics), s.bridge_gap_s)
    out: list[HeelRaise] = []
    for a, b in runs_of(~np.isnan(height)):
        if b - a < 5:
            continue
        seg = height[a:b]
        fps = (b - a - 1) / (t[b - 1] - t[a])
        peaks, props = scipy_signal().find_peaks(seg, prominence=s.raise_min_thighs, distance=max(1, int(0.3 * fps)))
        for p, lb, rb in zip(peaks, props["left_bases"], props["right_bases"], strict=True):
            lo, hi = crossing(seg, int(lb), int(p), 0.2), crossing(seg, int(rb), int(p), 0.2)
            out.append(HeelRaise(a + lo, a + int(p), a + hi, float(t[a + lo]), float(t[a + int(p)]),
                                 float(t[a + hi]), float(seg[p])))
    return out

