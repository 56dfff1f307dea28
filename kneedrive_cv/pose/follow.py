"""Whether a pose can be the same person as another, some time later: the rule people are linked by.

A person moves at most so far across the picture in a given time (a sprinter at 10 m/s with a 0.5 m torso moves
20 torso lengths a second) and keeps about the same size; a pose beyond either is somebody else.
"""

from __future__ import annotations

import numpy as np

from kneedrive_cv.landmarks import Landmark

_BODY = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
#: Torso lengths per second that an athlete can plausibly move across the image.
_MAX_SPEED_TORSOS_S = 25.0
#: Relative change of torso length allowed between two poses of one person (plus one per second between them).
_MAX_SCALE_CHANGE = 0.35


def centre_and_scale(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre of shoulders and hips (frames, 2) and torso length (frames,) of poses (frames, 33, 2) in pixels."""
    body = xy[:, _BODY]
    centre = np.nanmean(body, axis=1) if len(body) else np.zeros((0, 2))
    shoulders = body[:, :2].mean(axis=1)
    hips = body[:, 2:].mean(axis=1)
    scale = np.linalg.norm(shoulders - hips, axis=1)
    return centre, scale


def continues(before: np.ndarray, after: np.ndarray, dt_s: float, torso_px: float | None = None) -> bool:
    """Whether the pose ``after`` (33, 2 pixels) can be the person of ``before``, ``dt_s`` seconds later.

    Near enough for the time between them, and about the same size. ``torso_px``: the person's torso length to
    judge by (say, the median of their latest poses, so one pose read too short does not decide); by default
    the torso of ``before``.
    """
    c0, s0 = centre_and_scale(np.asarray(before, np.float64)[None])
    c1, s1 = centre_and_scale(np.asarray(after, np.float64)[None])
    return moves_on(c0[0], c1[0], float(s1[0]), dt_s, float(s0[0]) if torso_px is None else torso_px)


def moves_on(centre_before: np.ndarray, centre_after: np.ndarray, torso_after_px: float, dt_s: float,
             torso_px: float) -> bool:
    """:func:`continues` from poses' centres and torso lengths already measured (``torso_px``: the person's)."""
    ref = max(torso_px, 1.0)
    close = float(np.linalg.norm(centre_after - centre_before)) / ref <= 1.5 + _MAX_SPEED_TORSOS_S * dt_s
    same_size = abs(torso_after_px - ref) / ref <= _MAX_SCALE_CHANGE + dt_s
    return bool(close and same_size)
