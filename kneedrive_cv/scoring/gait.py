"""Gait evidence recognition weighs: how fast the hips travel over the foot on the ground.

Read from the per-frame landmarks directly (recognition's own measure; the event detectors are not changed
for it). Speeds are in thigh lengths per second, so they hold whatever the athlete's size in the picture.
"""

from __future__ import annotations

import numpy as np

from kneedrive_cv.kinematics.events.settings import foot_point
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side, forward_sign, mid_hip

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


def stance_speed(kinematics: Kinematics) -> float | None:
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
