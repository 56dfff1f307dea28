"""Holds (a knee kept up) and heel raises (the wall drill's sprinter's calves)."""

from __future__ import annotations

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
    """One heel raise ("sprinter's calves"): a stance heel lifting higher onto the ball of the foot and back.

    ``side`` is the foot that raised (None: both feet together); ``rise_thighs`` is the heel's rise from its rest
    level just before this raise to the top, in thigh lengths; ``plantarflexion_deg`` the ankle's over the same.
    """

    i_start: int
    i_peak: int
    i_end: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    rise_thighs: float
    side: Side | None = None
    plantarflexion_deg: float = float("nan")


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


def heel_height(kinematics: Kinematics, side: Side) -> np.ndarray:
    """Height of one heel in the picture (thigh lengths, up positive, from the top of the frame).

    The picture's own vertical, so the camera must stay still over a raise (a tripod, or a phone held at the wall);
    each raise is measured from its own rest level, so only the change over the raise counts.
    """
    return np.asarray(-foot_point(kinematics, side, "HEEL")[:, 1] / kinematics.thigh_px)


def _lifted(kinematics: Kinematics, side: Side, s: EventSettings) -> np.ndarray:
    thigh = bridged(kinematics.t_s, kinematics.frames.side("thigh_angle", side), s.bridge_gap_s)
    return np.asarray(~(np.nan_to_num(thigh, nan=np.inf) < s.raise_stance_max_thigh_deg))


def _near(t: np.ndarray, frames: np.ndarray, within_s: float) -> np.ndarray:
    """Frames within ``within_s`` of any of ``frames`` (indices)."""
    out = np.zeros(len(t), bool)
    for i in frames:
        out[(t >= t[i] - within_s) & (t <= t[i] + within_s)] = True
    return out


def _standing(kinematics: Kinematics, side: Side, s: EventSettings) -> np.ndarray:
    """Frames where ``side``'s foot is a standing foot: its thigh down, and not within ``raise_clear_s`` of lifting.

    A knee driven up (and held) takes its foot off the floor, and the foot turns as it leaves and lands; the other
    leg swinging past the standing foot hides it from the model for a moment. Those frames are kept out, so the
    driven knee coming up and down is never read as a heel raise.
    """
    t = kinematics.t_s
    lifted, other = _lifted(kinematics, side, s), _lifted(kinematics, side.other, s)
    swinging = np.flatnonzero(np.diff(other.astype(np.int8))) if len(other) > 1 else np.zeros(0, int)
    return np.asarray(~_near(t, np.flatnonzero(lifted), s.raise_clear_s) & ~_near(t, swinging, s.raise_clear_s))


def _side_raises(kinematics: Kinematics, side: Side, s: EventSettings) -> list[HeelRaise]:
    """Heel raises of one standing foot: dips of its dorsiflexion (the ankle plantarflexing) lifting the heel."""
    t = kinematics.t_s
    standing = _standing(kinematics, side, s)
    plantar = -bridged(t, kinematics.frames.side("dorsiflexion", side), s.bridge_gap_s)
    heel = bridged(t, heel_height(kinematics, side), s.bridge_gap_s)
    plantar[~standing] = np.nan
    out: list[HeelRaise] = []
    for a, b in runs_of(~np.isnan(plantar) & ~np.isnan(heel)):
        if b - a < 5 or t[b - 1] - t[a] <= 0:
            continue
        seg, lift = plantar[a:b], heel[a:b]
        fps = (b - a - 1) / (t[b - 1] - t[a])
        found, props = scipy_signal().find_peaks(seg, prominence=s.raise_min_deg,
                                                 distance=max(1, int(s.raise_min_interval_s * fps)),
                                                 width=s.raise_min_width_s * fps)
        rest_n = max(1, round(s.raise_rest_s * fps))
        for p, lb, rb in zip(found, props["left_bases"], props["right_bases"], strict=True):
            lo, hi = crossing(seg, int(lb), int(p), 0.2), crossing(seg, int(rb), int(p), 0.2)
            # the rest level is this raise's own: the frames just before the heel leaves it
            base = slice(max(int(lb), lo - rest_n), max(lo, int(lb) + 1))
            rise = float(np.max(lift[lo:hi + 1]) - np.median(lift[base]))
            plantarflexion = float(np.max(seg[lo:hi + 1]) - np.median(seg[base]))
            if rise < s.raise_min_thighs:
                continue
            out.append(HeelRaise(a + lo, a + int(p), a + hi, float(t[a + lo]), float(t[a + int(p)]),
                                 float(t[a + hi]), rise, side, plantarflexion))
    return out


def heel_raises(kinematics: Kinematics, settings: EventSettings | None = None) -> list[HeelRaise]:
    """Heel raises of the standing feet, each measured from its own rest level.

    Found on each foot while it stands (:func:`_standing`): a leg driven up and held is the hold, and only the
    other foot's raises count. Raises of both feet at once (both heels rising together) are one raise.
    """
    s = settings or EventSettings()
    found = sorted((r for side in Side for r in _side_raises(kinematics, side, s)), key=lambda r: r.t_peak_s)
    out: list[HeelRaise] = []
    for r in found:
        last = out[-1] if out else None
        if last is not None and last.side is not r.side and abs(r.t_peak_s - last.t_peak_s) <= s.raise_min_interval_s:
            out[-1] = HeelRaise(min(last.i_start, r.i_start), last.i_peak, max(last.i_end, r.i_end),
                                min(last.t_start_s, r.t_start_s), last.t_peak_s, max(last.t_end_s, r.t_end_s),
                                (last.rise_thighs + r.rise_thighs) / 2, None,
                                (last.plantarflexion_deg + r.plantarflexion_deg) / 2)
        else:
            out.append(r)
    return out
