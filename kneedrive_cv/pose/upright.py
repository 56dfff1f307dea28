"""Which way is up: a clip stored sideways shows the athlete lying on their side.

A phone can store a clip turned a quarter (its orientation lock on, or the rotation tag lost by an app that
re-encoded it): played as the file says, the athlete stands along the picture's width. Every angle the
analysis measures is against the picture's vertical, so such a clip has to be turned upright, and the pose
model, made for upright people, is best run again on the turned pictures.

The body's axis (mid-ankle to mid-shoulder) tells: in every drill it leans at most about 55 deg from
upright (a crouched sprint start, a wall drill's 45 deg lean), while in a clip stored sideways it lies near
90 deg, and upside down near 180 deg. Only a clear answer turns a clip: an axis near 90 deg (70-110) or near
180 deg (150 or more). In between lies a clip stored sideways whose athlete also leans, a crouched start at
36 or 144 deg, where a quarter turn one way or a half turn are both plausible; such a clip, and anything
leaning less than 70 deg, is left as it is (a wrong turn would spoil a clip that was right).
"""

from __future__ import annotations

import numpy as np

from kneedrive_cv.landmarks import Landmark

#: The body's axis (degrees from the picture's up, averaged over the clip) that says the clip is stored
#: sideways: within this of 90. Upright clips measure at most 54 (a crouched sprint start, 0.5-5 s of its set
#: position), the real high-knees clip stored sideways 95.
SIDEWAYS_WITHIN_DEG = 20.0
#: ... and upside down: within this of 180.
UPSIDE_DOWN_WITHIN_DEG = 30.0
#: Frames with the shoulders and ankles seen that the decision needs, and the share of them that must lie
#: within AGREEING_DEG of the average.
MIN_FRAMES = 15
MIN_AGREEING = 0.6
AGREEING_DEG = 30.0
_VISIBLE = 0.5
_ENDS = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE)


def body_axis_deg(landmarks_px: np.ndarray) -> np.ndarray:
    """Per frame, the direction of the body's axis (mid-ankle to mid-shoulder) in degrees from the picture's up.

    0: upright, +90: the head towards the picture's right, -90: its left, +-180: upside down. NaN where a
    shoulder or an ankle is missing or seen with visibility under 0.5.
    """
    lm = np.asarray(landmarks_px, np.float64)
    ends = lm[:, list(_ENDS), :]
    seen = (ends[:, :, 3] >= _VISIBLE) & np.isfinite(ends[:, :, :2]).all(axis=2)
    shoulders = ends[:, :2, :2].mean(axis=1)
    ankles = ends[:, 2:, :2].mean(axis=1)
    axis = shoulders - ankles
    angle = np.degrees(np.arctan2(axis[:, 0], -axis[:, 1]))
    return np.where(seen.all(axis=1), angle, np.nan)


def upright_turn(landmarks_px: np.ndarray) -> int:
    """Degrees (0, 90, 180 or 270, counter-clockwise) to turn the pictures so the athlete stands upright.

    0 unless, over at least :data:`MIN_FRAMES` frames, the body's axis averages within
    :data:`SIDEWAYS_WITHIN_DEG` of lying sideways or :data:`UPSIDE_DOWN_WITHIN_DEG` of upside down, with most
    frames (:data:`MIN_AGREEING`) within :data:`AGREEING_DEG` of that average: an upright or leaning athlete,
    an unclear case, or too little to tell leaves the clip as it is.
    """
    angle = body_axis_deg(landmarks_px)
    angle = angle[np.isfinite(angle)]
    if len(angle) < MIN_FRAMES:
        return 0
    rad = np.radians(angle)
    mean = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
    off = np.abs((angle - mean + 180.0) % 360.0 - 180.0)
    if np.mean(off <= AGREEING_DEG) < MIN_AGREEING:
        return 0
    if abs(abs(mean) - 90.0) <= SIDEWAYS_WITHIN_DEG:
        # the head towards the picture's right comes up with a quarter turn counter-clockwise; left, clockwise
        return 90 if mean > 0 else 270
    if abs(mean) >= 180.0 - UPSIDE_DOWN_WITHIN_DEG:
        return 180
    return 0


__all__ = ["SIDEWAYS_WITHIN_DEG", "UPSIDE_DOWN_WITHIN_DEG", "body_axis_deg", "upright_turn"]
