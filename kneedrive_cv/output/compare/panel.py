"""One side of the comparison: its athlete cropped, scaled to a common body height and turned to face one way.

A :class:`Framing` maps each frame of a clip into a panel of :data:`PANEL_W` x :data:`PANEL_H` pixels: the
crop follows the athlete's hips (smoothed over time), its height is :data:`BODY_THIGHS` of the athlete's thigh
lengths, so two athletes filmed near and far, at any frame size or orientation, come out the same height; a
clip whose athlete faces the other way from A's is mirrored. Landmarks go through the same map, so the
skeleton lands on the picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from kneedrive_cv.kinematics.metrics import CONFIDENCE_FLOOR
from kneedrive_cv.landmarks import Side, mid_hip
from kneedrive_cv.output.annotators import AngleAnnotator, FrameState, SkeletonAnnotator, Style
from kneedrive_cv.output.overlay import shown_metrics

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult

#: Size of one side's picture in the comparison (3:4, upright).
PANEL_W, PANEL_H = 540, 720
#: Size of lines and text in the panels, over the overlay's (the panels are smaller than most clips).
COMPARE_SCALE = 1.35
#: Height of the crop in thigh lengths (a standing athlete is about four).
BODY_THIGHS = 6.0
#: The hips sit this far down the panel.
HIP_AT = 0.5
#: The crop's centre is the hips' position averaged over this long, so it follows a travelling athlete smoothly.
FOLLOW_S = 0.4


def _filled(x: np.ndarray) -> np.ndarray:
    """NaNs replaced by the nearest measured value (linear between them); all-NaN becomes zeros."""
    ok = np.isfinite(x)
    if not ok.any():
        return np.zeros_like(x)
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok])


def _smoothed(x: np.ndarray, t: np.ndarray, window_s: float) -> np.ndarray:
    """A moving average over ``window_s`` (by time, so a variable frame rate is fine)."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.searchsorted(t, t - window_s / 2, side="left")
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    return np.asarray((c[hi] - c[lo]) / np.maximum(hi - lo, 1))


@dataclass(frozen=True, eq=False)
class Framing:
    """How the frames of one clip go into its panel.

    Attributes:
        scale: panel pixels per source pixel.
        centre: (frames, 2) the source point at the panel's centre column and hip row, per frame.
        mirror: True when the picture is flipped left to right (the athlete faced the other way).
        xy: (frames, 33, 2) the trusted landmarks in source pixels (NaN where not trusted).

    """

    scale: float
    centre: np.ndarray
    mirror: bool
    xy: np.ndarray

    @staticmethod
    def of(result: AnalysisResult, facing: Side | None) -> Framing:
        """The framing of ``result``'s clip, mirrored when its athlete does not face ``facing``."""
        k = result.kinematics
        trusted = (k.visibility >= CONFIDENCE_FLOOR) & np.isfinite(k.xy).all(axis=2)
        xy = np.where(trusted[:, :, None], k.xy, np.nan)
        hips = mid_hip(xy)
        t = np.asarray(k.t_s, np.float64)
        centre = np.stack([_smoothed(_filled(hips[:, d]), t, FOLLOW_S) for d in (0, 1)], axis=1)
        thigh = k.thigh_px if math.isfinite(k.thigh_px) and k.thigh_px > 1 else result.video.height / BODY_THIGHS
        mirror = facing is not None and k.facing is not None and k.facing is not facing
        return Framing(PANEL_H / (BODY_THIGHS * thigh), centre, mirror, xy)

    def matrix(self, i: int) -> np.ndarray:
        """The 2x3 affine map from source pixels of frame ``i`` to panel pixels."""
        cx, cy = self.centre[min(max(i, 0), len(self.centre) - 1)]
        sx = -self.scale if self.mirror else self.scale
        return np.array([[sx, 0.0, PANEL_W / 2 - sx * cx], [0.0, self.scale, HIP_AT * PANEL_H - self.scale * cy]])

    def points(self, i: int) -> np.ndarray:
        """Frame ``i``'s trusted landmarks in panel pixels, (33, 2), NaN where not trusted."""
        if not 0 <= i < len(self.xy):
            return np.full((self.xy.shape[1], 2), np.nan)
        m = self.matrix(i)
        return np.asarray(self.xy[i] @ m[:, :2].T + m[:, 2])

    def picture(self, frame: np.ndarray, i: int, fill: tuple[int, int, int]) -> np.ndarray:
        """Frame ``i`` (RGB) cut into the panel; parts of the panel outside the frame are ``fill``."""
        return cv2.warpAffine(frame, self.matrix(i), (PANEL_W, PANEL_H), flags=cv2.INTER_AREA,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


class PanelPainter:
    """Draws one clip's frames as panels: the picture, the skeleton and the thigh, ankle and trunk angles."""

    def __init__(self, result: AnalysisResult, facing: Side | None, style: Style | None = None) -> None:
        self.result = result
        self.style = style or Style()
        self.framing = Framing.of(result, facing)
        self.metrics = shown_metrics(result)
        shown = result.kinematics.facing
        if shown is not None and self.framing.mirror:
            shown = shown.other
        self.facing = {Side.RIGHT: 1, Side.LEFT: -1, None: 0}[shown]
        self._skeleton, self._angles = SkeletonAnnotator(self.style), AngleAnnotator(self.style)

    def state(self, i: int) -> FrameState:
        """What the annotators draw for frame ``i``, in panel pixels."""
        n = len(self.framing.xy)
        metrics = {name: float(col[i]) for name, col in self.metrics.items()} if 0 <= i < n else {}
        return FrameState(self.framing.points(i), metrics, facing=self.facing)

    def paint(self, frame: np.ndarray, i: int) -> np.ndarray:
        """Frame ``i`` as a drawn panel (a new RGB array)."""
        panel = self.framing.picture(frame, i, self.style.panel)
        state = self.state(i)
        self._skeleton.annotate(panel, state)
        self._angles.annotate(panel, state)
        return panel


#: The colour of the other athlete's skeleton drawn over A's picture (``--ghost``).
GHOST_RGB = (255, 255, 255)


def ghost_points(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """B's panel landmarks moved so its hips sit on A's (both panels are already scaled to one body height)."""
    ha, hb = mid_hip(a[None])[0], mid_hip(b[None])[0]
    if not (np.isfinite(ha).all() and np.isfinite(hb).all()):
        return np.full_like(b, np.nan)
    return np.asarray(b + (ha - hb))


def ghost_style(style: Style) -> Style:
    """The ghost skeleton's style: thin, one light colour for both sides, so it reads as the other athlete."""
    return replace(style, left=GHOST_RGB, right=GHOST_RGB, torso=GHOST_RGB, outline=(60, 60, 60),
                   scale=0.6 * style.scale)


__all__ = ["BODY_THIGHS", "COMPARE_SCALE", "GHOST_RGB", "PANEL_H", "PANEL_W", "Framing", "PanelPainter", "ghost_points",
           "ghost_style"]
