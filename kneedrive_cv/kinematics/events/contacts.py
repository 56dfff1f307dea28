"""Foot contacts (touchdown and toe-off) and where the feet and hips are against the direction of travel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events.settings import EventSettings, bridged, foot_point
from kneedrive_cv.kinematics.filtering import runs_of, scipy_signal
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side, forward_sign, mid_hip

#: Feet swept further behind the hips than this (thigh lengths) mean a running or walking gait.
FEET_CYCLE_THIGHS = 0.8

#: A touchdown puts the heel at least this share of its usual reach (90th percentile) ahead of the hips.
TOUCHDOWN_REACH_SHARE = 0.5

#: Below this frame rate contact times are only good to about a frame (±8 ms at 120 fps, ±33 ms at 30).
CONTACT_TIMING_FPS = 120.0



@dataclass(frozen=True)
class FootContact:
    """A foot on the ground: touchdown and toe-off times (NaN where not seen)."""

    side: Side
    i_on: int
    i_off: int
    t_on_s: float
    t_off_s: float

    @property
    def contact_s(self) -> float:
        """Ground contact time in seconds."""
        return self.t_off_s - self.t_on_s


def contacts_from_pelvis(kinematics: Kinematics, settings: EventSettings | None = None) -> list[FootContact]:
    """Touchdown and toe-off from foot motion relative to the pelvis (Zeni et al. 2008), for running.

    Touchdown is where the heel is furthest forward of the pelvis, toe-off where the toe is furthest behind
    it; works on treadmills and over ground, moving camera or not.
    """
    s = settings or EventSettings()
    f = forward_sign(kinematics.facing)
    t = kinematics.t_s
    pelvis = mid_hip(kinematics.xy)[:, 0]
    out: list[FootContact] = []
    for side in Side:
        thigh_px = kinematics.thigh_px
        heel = bridged(t, f * (foot_point(kinematics, side, "HEEL")[:, 0] - pelvis) / thigh_px, s.bridge_gap_s)
        toe = bridged(t, f * (foot_point(kinematics, side, "FOOT_INDEX")[:, 0] - pelvis) / thigh_px, s.bridge_gap_s)
        for a, b in runs_of(~np.isnan(heel) & ~np.isnan(toe)):
            if b - a < 5:
                continue
            ts = t[a:b]
            fps = (len(ts) - 1) / (ts[-1] - ts[0])
            dist = max(1, int(0.25 * fps))
            on, _ = scipy_signal().find_peaks(heel[a:b], prominence=0.3, distance=dist)
            # a touchdown is the heel at its furthest forward: a hump under the hips (the feet passing, their
            # labels flickering) is none
            reach = float(np.percentile(heel[a:b], 90))
            on = on[heel[a:b][on] >= TOUCHDOWN_REACH_SHARE * reach] if reach > 0 else on
            off, _ = scipy_signal().find_peaks(-toe[a:b], prominence=0.3, distance=dist)
            for i_on in on:
                later = off[off > i_on]
                i_off = int(later[0]) if len(later) and (ts[later[0]] - ts[i_on]) < 0.6 else -1
                out.append(FootContact(side, a + int(i_on), a + i_off if i_off >= 0 else -1, float(ts[i_on]),
                                       float(ts[i_off]) if i_off >= 0 else float("nan")))
    out.sort(key=lambda c: c.t_on_s)
    return out


def contacts_from_ground(kinematics: Kinematics, settings: EventSettings | None = None) -> list[FootContact]:
    """Touchdown and toe-off from the foot's height above its own ground level, for drills on the spot."""
    s = settings or EventSettings()
    t = kinematics.t_s
    out: list[FootContact] = []
    for side in Side:
        low = np.fmax(foot_point(kinematics, side, "HEEL")[:, 1], foot_point(kinematics, side, "FOOT_INDEX")[:, 1])
        ok = ~np.isnan(low)
        if ok.sum() < 5:
            continue
        ground = np.nanpercentile(low, 90)
        height = (ground - low) / kinematics.thigh_px
        speed = np.abs(np.gradient(np.nan_to_num(low), t)) / kinematics.thigh_px
        on_ground = ok & (height < s.contact_ground_tol) & (speed < s.contact_max_speed)
        for a, b in runs_of(on_ground):
            if t[b - 1] - t[a] < 0.04:
                continue
            out.append(FootContact(side, a, b - 1, float(t[a]) if a > 0 else float("nan"),
                                   float(t[b - 1]) if b < len(t) else float("nan")))
    out.sort(key=lambda c: (np.nan_to_num(c.t_on_s, nan=-1.0)))
    return out


def foot_sweep_behind(kinematics: Kinematics) -> float | None:
    """How far behind the hips the heels sweep (5th percentile, median of both feet), in thigh lengths.

    Running and walking push the feet well behind the hips (measured 0.9-1.7); drills on the spot and a
    piston run keep them under the body.
    """
    f = forward_sign(kinematics.facing)
    pelvis = mid_hip(kinematics.xy)[:, 0]
    behind = []
    for side in Side:
        rel = f * (foot_point(kinematics, side, "HEEL")[:, 0] - pelvis) / kinematics.thigh_px
        rel = rel[~np.isnan(rel)]
        if len(rel) > 10:
            behind.append(-float(np.percentile(rel, 5)))
    return float(np.median(behind)) if behind else None


#: A foot is planted while it is the lower one by this much (thigh lengths) and moves up or down against the
#: hips slower than PLANTED_SPEED thighs/s (the hips' own bounce stays under 2).
PLANTED_BELOW_THIGHS = 0.15
PLANTED_SPEED = 3.0
#: ... and while it is down at the ground line: within this (thigh lengths) of the lowest the lower foot
#: reaches in the GROUND_WINDOW_S around it. In running's flight phase both feet are in the air and the
#: lower one is the leg reaching forward to land, moving ahead with the hips rather than back under them;
#: left in, those frames read a run's speed 25-75 % low (measured on the randomised renders), most of all
#: a sprint's, whose contacts take a quarter of each step. The window spans at least one step at 100 a minute.
GROUND_TOL_THIGHS = 0.1
GROUND_WINDOW_S = 0.6


def ground_speed(kinematics: Kinematics) -> float | None:
    """How fast the hips travel over the foot on the ground, thigh lengths per second, forward positive.

    Measured against the planted foot, not the picture, so it holds when the phone pans to follow the athlete
    (the hips then stand still in the picture) and on a treadmill (the belt carries the planted foot back):
    the median, over the frames where the lower foot is planted at the ground line, of how fast the hips move
    ahead of it. "Down" is the median direction from the hips to the middle of the feet, so a phone held
    rolled does not make the swinging foot the lower one. Drills on the spot give under 1, walking and
    running 1.5 and more. Where under ten frames show the foot at the ground line, every frame with a
    planted foot counts; None where even those are under ten.
    """
    f, t, th = forward_sign(kinematics.facing), kinematics.t_s, kinematics.thigh_px
    if len(t) < 10:
        return None
    hip = mid_hip(kinematics.xy)
    feet = [(foot_point(kinematics, s, "HEEL") + foot_point(kinematics, s, "FOOT_INDEX")) / 2 for s in Side]
    down = (feet[0] + feet[1]) / 2 - hip
    ok = np.isfinite(down).all(axis=1)
    if ok.sum() < 10:
        return None
    roll = float(np.median(np.arctan2(down[ok, 0], down[ok, 1])))  # 0 when the feet are straight below
    c, s_ = np.cos(roll), np.sin(roll)

    def upright(p: np.ndarray) -> np.ndarray:  # (frames, 2) relative to the hips, turned so down is +y
        d = p - hip
        return np.stack([c * d[:, 0] - s_ * d[:, 1], s_ * d[:, 0] + c * d[:, 1]], axis=1) / th

    left, right = upright(feet[0]), upright(feet[1])
    left_low = left[:, 1] >= right[:, 1]
    foot = np.where(left_low[:, None], left, right)
    other = np.where(left_low[:, None], right, left)
    fps = (len(t) - 1) / max(float(t[-1] - t[0]), 1e-6)
    depth = np.nan_to_num(foot[:, 1], nan=-np.inf)
    half = max(1, int(GROUND_WINDOW_S * fps / 2))
    ground = np.max(np.lib.stride_tricks.sliding_window_view(np.pad(depth, half, constant_values=-np.inf),
                                                              2 * half + 1), axis=1)
    with np.errstate(invalid="ignore"):
        up_down = np.gradient(foot[:, 1], t)
        ahead = np.gradient(-f * foot[:, 0], t)  # the hips moving ahead of the foot = the foot moving back
        steady = np.r_[True, left_low[1:] == left_low[:-1]] & np.r_[left_low[1:] == left_low[:-1], True]
        planted = (steady & (np.abs(up_down) < PLANTED_SPEED) & (foot[:, 1] - other[:, 1] > PLANTED_BELOW_THIGHS)
                   & np.isfinite(ahead))
        grounded = planted & (depth >= ground - GROUND_TOL_THIGHS)
    if grounded.sum() >= 10:  # a sprint's quarter-step contacts at 30 fps can leave too few: then all planted
        planted = grounded
    if planted.sum() < 10:
        return None
    return float(np.median(ahead[planted]))


def feet_cycle_through(kinematics: Kinematics) -> bool:
    """True for a running or walking gait: the feet sweep well behind the hips."""
    sweep = foot_sweep_behind(kinematics)
    return sweep is not None and sweep > FEET_CYCLE_THIGHS


#: Hips travelling over the planted foot faster than this (thigh lengths per second) travel: drills on the spot
#: stay under 1, walking and running give 1.5 and more.
TRAVEL_SPEED_THIGHS_S = 1.2


def travels_over_the_ground(kinematics: Kinematics) -> bool:
    """True when the hips travel over the planted foot (:func:`ground_speed`), as walking and running do.

    Walking sweeps the feet only 0.6-0.8 thigh lengths behind the hips, under what :func:`feet_cycle_through`
    takes for a gait, yet its feet land ahead of the hips and push off behind them like a runner's: their
    contacts are found against the pelvis, which holds when the phone pans or tilts to follow (a foot's height
    in the picture does not).
    """
    speed = ground_speed(kinematics)
    return speed is not None and speed > TRAVEL_SPEED_THIGHS_S


def start_time(kinematics: Kinematics, moved_thighs: float = 0.5) -> float | None:
    """When a start happens: the first time the hips are half a thigh length forward of where they sat.

    Where they sat is the median hip position over the first second with the athlete in view.
    """
    f = forward_sign(kinematics.facing)
    hips = mid_hip(kinematics.xy)[:, 0]
    seen = np.flatnonzero(~np.isnan(hips))
    if len(seen) < 5:
        return None
    first = seen[kinematics.t_s[seen] <= kinematics.t_s[seen[0]] + 1.0]
    forward = f * (hips - np.median(hips[first])) / kinematics.thigh_px
    moved = np.flatnonzero(np.nan_to_num(forward, nan=-np.inf) > moved_thighs)
    return float(kinematics.t_s[moved[0]]) if len(moved) else None

