"""From a raw pose track to per-frame metrics: facing and view, leg identity, smoothing, metrics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.filtering import FilterSettings, fill_gaps, smooth_landmarks
from kneedrive_cv.kinematics.legs import LegRepair, repair_leg_swaps
from kneedrive_cv.kinematics.metrics import (
    FrameMetrics,
    View,
    facing_of,
    frame_metrics,
    thigh_length_px,
    view_of,
)
from kneedrive_cv.landmarks import LEG_PARTS, Landmark, Side, forward_sign, mid_hip
from kneedrive_cv.pose.track import PoseTrack

_LEG_LMS = [int(Landmark[f"{s}_{p}"]) for s in ("LEFT", "RIGHT") for p in LEG_PARTS]
#: Travel across the image (thigh lengths) beyond which the direction of travel says which way is forward.
TRAVEL_DECIDES_THIGHS = 3.0


def _image_travel_px(xy: np.ndarray) -> float:
    """Net horizontal movement of the mid-hip over the clip, image-right positive (pixels)."""
    hips = mid_hip(xy)[:, 0]
    ok = np.flatnonzero(~np.isnan(hips))
    if len(ok) < 2:
        return 0.0
    n = max(1, len(ok) // 10)  # median of the first and last tenth, robust to a stray frame
    return float(np.median(hips[ok[-n:]]) - np.median(hips[ok[:n]]))


@dataclass(frozen=True, eq=False)
class Kinematics:
    """Everything measured from one track.

    Attributes:
        frames: the per-frame metrics table.
        xy: (frames, 33, 2) smoothed pixel positions with legs repaired (what the overlay draws).
        visibility: (frames, 33) visibility after gap filling.
        facing: the side of the image the athlete faces, or None when it cannot be told (front-on).
        facing_agreement: 0-1 share of cues agreeing on ``facing``.
        view: side, oblique, front or unknown; ``view_ratio`` the shoulder/hip width over torso length.
        legs: the swap repair (frames exchanged, rule used).
        thigh_px: thigh length in pixels, the unit of knee height.
        travel_thighs: net horizontal travel of the hips over the clip, in thigh lengths, forward positive.
        unsmoothed_xy: (frames, 33, 2) pixel positions with legs repaired, before smoothing (NaN where nobody):
            rules that pick one of the legs frame by frame whatever its label (the lower foot) read these, as
            smoothing a label the model swaps back and forth blends the two legs.

    """

    frames: FrameMetrics
    xy: np.ndarray
    visibility: np.ndarray
    facing: Side | None
    facing_agreement: float
    view: View
    view_ratio: float
    legs: LegRepair
    thigh_px: float
    travel_thighs: float
    settings: FilterSettings
    unsmoothed_xy: np.ndarray | None = None

    @property
    def t_s(self) -> np.ndarray:
        """Frame times in seconds."""
        return self.frames.t_s

    @property
    def side_view(self) -> bool:
        """True when the camera is side-on enough for sagittal angles."""
        return self.view is View.SIDE


def measure_track(track: PoseTrack, settings: FilterSettings | None = None) -> Kinematics:
    """Facing, view, leg-swap repair, smoothing and per-frame metrics of a track (no model involved)."""
    settings = settings or FilterSettings()
    raw = np.asarray(track.landmarks_px, np.float64)
    vis_raw = raw[:, :, 3]
    facing, agreement = facing_of(raw[:, :, :2], vis_raw)
    view, ratio = view_of(raw[:, :, :2])
    thigh_px = thigh_length_px(raw[:, :, :2], vis_raw)
    if not np.isfinite(thigh_px) or thigh_px <= 0:
        thigh_px = float(np.nanmax(np.abs(raw[:, :, 1] - np.nanmean(raw[:, :, 1]))) or 1.0) / 4
    image_travel = _image_travel_px(raw[:, :, :2]) / thigh_px
    if abs(image_travel) > TRAVEL_DECIDES_THIGHS and (facing is None or agreement < 0.6):
        # face and feet are ambiguous (a crouched start, head down), but the athlete clearly travels
        facing, agreement = (Side.RIGHT if image_travel > 0 else Side.LEFT), 1.0
    repaired, legs = repair_leg_swaps(raw, thigh_px, facing, view is View.SIDE, np.asarray(track.t_s, np.float64))
    xy, filled = smooth_landmarks(track.t_s, repaired[:, :, :2], settings, thigh_px)
    vis, _ = fill_gaps(track.t_s, repaired[:, :, 3], settings.max_gap_s)
    vis = np.nan_to_num(vis, nan=0.0)
    leg_filled = np.asarray(filled[:, _LEG_LMS].any(axis=1) & np.isnan(raw[:, _LEG_LMS, 0]).any(axis=1))
    frames = frame_metrics(track.t_s, xy, vis, facing, thigh_px, leg_filled)
    f = forward_sign(facing)
    hips = mid_hip(xy)[:, 0]
    ok = np.flatnonzero(~np.isnan(hips))
    travel = float(f * (hips[ok[-1]] - hips[ok[0]]) / thigh_px) if len(ok) > 1 else 0.0
    return Kinematics(frames, xy, vis, facing, agreement, view, ratio, legs, thigh_px, travel, settings,
                      repaired[:, :, :2])
