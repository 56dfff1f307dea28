"""Which way is up: a clip stored sideways shows the athlete lying on their side.

A phone can store a clip turned a quarter (its orientation lock on, or the rotation tag lost by an app that
re-encoded it): played as the file says, the athlete stands along the picture's width. Every angle the
analysis measures is against the picture's vertical, so such a clip has to be turned upright, and the pose
model, made for upright people, is best run again on the turned pictures.

The body's axis (mid-ankle to mid-shoulder) tells: in every drill it leans at most about 55 deg from
upright (a crouched sprint start's first strides, a wall drill's 45 deg lean), while in a clip stored
sideways it lies near 90 deg, and upside down near 180 deg.
"""

from __future__ import annotations

import numpy as np

from kneedrive_cv.landmarks import Landmark

#: Beyond this lean of the body's axis from the picture's vertical (degrees, typical over the clip), the
#: picture itself is turned. Upright clips measure at most 54 (a sprint start), sideways ones 95.
SIDEWAYS_DEG = 70.0
#: Frames with the shoulders and ankles seen that the decision needs, and the share of them that must agree.
MIN_FRAMES = 15
MIN_AGREEING = 0.6
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

    0 unless the body's axis, averaged over the clip, leans more than :data:`SIDEWAYS_DEG` from the picture's
    vertical in at least :data:`MIN_FRAMES` frames, with most of them (:data:`MIN_AGREEING`) within 45 deg
    of that average: a clip of an upright athlete, or too little of one to tell, is left as it is.
    """
    angle = body_axis_deg(landmarks_px)
    angle = angle[np.isfinite(angle)]
    if len(angle) < MIN_FRAMES:
        return 0
    rad = np.radians(angle)
    mean = float(np.degrees(np.arctan2(np.sin(rad).mean(), np.cos(rad).mean())))
    off = np.abs((angle - mean + 180.0) % 360.0 - 180.0)
    if abs(mean) <= SIDEWAYS_DEG or np.mean(off <= 45.0) < MIN_AGREEING:
        return 0
    # the head towards the picture's right comes up with a quarter turn counter-clockwise, and so on
    return round(mean / 90.0) * 90 % 360


__all__ = ["SIDEWAYS_DEG", "body_axis_deg", "upright_turn"]
