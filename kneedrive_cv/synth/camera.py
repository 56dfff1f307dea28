"""How a phone films the athlete in a randomised render: framing, a pan that follows, shake, roll and blur.

A render whose ``RenderSettings.camera`` is None is filmed the fixed way every earlier clip was (a tripod
framing of :mod:`.render`, no roll, no blur), to the byte. With a :class:`Camera`, the set and the figure are
drawn on a canvas a little larger than the frame (the margin covers the roll and the shake); each frame's
canvas is turned and shifted into the finished frame by that frame's 2x3 matrix (:func:`frame_matrices`),
then blurred. The truth's landmarks go through the same matrices, so they are where the finished frame shows
the joints, and the truth's angles are measured in the finished frame against the image vertical, as
docs/METRICS.md defines them and a perfect pose estimate of the frame would give them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kneedrive_cv.errors import KneedriveError

#: The backdrop's widest panorama (pixels); a longer pan walks over it mirrored, back and forth, without a seam.
MAX_PANORAMA_PX = 6144


@dataclass(frozen=True)
class Camera:
    """How the phone is held and what it does. Fractions are of the finished frame's width or height.

    ``stature_share``: the athlete's standing height over the frame height. ``floor_row``: the floor's row.
    ``height_m``: the lens's height above the floor, which sets the horizon of the set (None: the fixed set).
    ``pan`` (travelling clips): ``cross`` lets the athlete cross the frame from ``cross[0]`` to ``cross[1]``
    of its width while the camera pans slowly, ``follow`` keeps the hips at ``frame_col`` of the width,
    ``lag_s`` behind (a first-order follow). On the spot ``frame_col`` is where the middle of the figure sits.
    ``shake``: handheld jitter (fraction of the height, both axes, 1-4 Hz); ``tilt``: a slow drift of the
    picture up and down (fraction of the height). ``roll_deg``: the picture turned clockwise by this much,
    ``roll_wobble_deg`` more or less over time. ``motion_blur_px`` (along the pan) and ``defocus_px`` (a
    Gaussian's sigma) are in pixels of the finished frame. ``seed`` drives the shake.
    """

    stature_share: float = 0.60
    floor_row: float = 0.88
    height_m: float | None = None
    pan: str = "cross"
    cross: tuple[float, float] = (0.15, 0.78)
    frame_col: float = 0.5
    lag_s: float = 0.0
    shake: float = 0.0
    tilt: float = 0.0
    roll_deg: float = 0.0
    roll_wobble_deg: float = 0.0
    motion_blur_px: float = 0.0
    defocus_px: float = 0.0
    seed: int = 0

    def check(self) -> None:
        """Raise a clear error for a camera that cannot film."""
        if not (0.05 <= self.stature_share <= 1.0):
            raise KneedriveError(f"camera stature_share {self.stature_share}: expected 0.05 to 1.")
        if not (0.0 < self.floor_row <= 1.2):
            raise KneedriveError(f"camera floor_row {self.floor_row}: expected a row between 0 and 1.2.")
        if self.pan not in ("cross", "follow"):
            raise KneedriveError(f"camera pan {self.pan!r}: expected 'cross' or 'follow'.")
        if abs(self.roll_deg) + abs(self.roll_wobble_deg) > 45.0:
            raise KneedriveError(f"camera roll {self.roll_deg} deg: expected at most 45 deg.")
        if self.lag_s < 0 or self.shake < 0 or self.tilt < 0 or self.motion_blur_px < 0 or self.defocus_px < 0:
            raise KneedriveError("camera lag_s, shake, tilt and blur: expected zero or more.")


def _smooth_noise(rng: np.random.Generator, t_s: np.ndarray, lo_hz: float, hi_hz: float) -> np.ndarray:
    """A smooth wobble in [-1, 1]: three sines of random frequencies in [lo_hz, hi_hz] and random phases."""
    out = np.zeros_like(t_s, dtype=float)
    for k in range(3):
        f = rng.uniform(lo_hz, hi_hz)
        out += (0.6 ** k) * np.sin(2 * np.pi * f * t_s + rng.uniform(0, 2 * np.pi))
    return out / (1 + 0.6 + 0.36)


@dataclass(frozen=True)
class CameraPath:
    """Per frame: the pan (integer pixel column of world x = 0 on the canvas), and the canvas->frame matrices.

    ``pan_px`` (frames,); ``matrices`` (frames, 2, 3); ``margin_px`` (x, y) is how much larger than the
    frame the canvas is on each side.
    """

    pan_px: np.ndarray
    matrices: np.ndarray
    margin_px: tuple[int, int]

    def to_frame(self, canvas_xy: np.ndarray) -> np.ndarray:
        """Canvas pixels (frames, 2) to pixels of the finished frames (frames, 2)."""
        m = self.matrices
        return np.einsum("fij,fj->fi", m[:, :, :2], canvas_xy) + m[:, :, 2]


def pan_columns(cam: Camera, layout: str, hip_x_m: np.ndarray, middle_x_m: float, t_s: np.ndarray,
                width: int, scale: float) -> np.ndarray:
    """The camera's pan per frame (pixels), as :func:`kneedrive_cv.synth.render._camera` but as ``cam`` says."""
    if layout != "travel":
        return np.full(len(t_s), np.round(middle_x_m * scale - cam.frame_col * width))
    hip_px = hip_x_m * scale
    slope, icpt = np.polyfit(t_s, hip_px, 1) if len(t_s) > 1 else (0.0, float(hip_px[0]))
    if cam.pan == "cross":
        span = max(float(t_s[-1]), 1e-6)
        screen = width * (cam.cross[0] + (cam.cross[1] - cam.cross[0]) * t_s / span)
        return np.round(slope * t_s + icpt - screen)
    target = hip_px - cam.frame_col * width
    if cam.lag_s <= 0:
        return np.round(target)
    # a first-order follow, already settled at the start: the athlete runs lag_s ahead of where the phone points
    out = np.empty_like(target)
    state = target[0] - slope * cam.lag_s
    for i in range(len(target)):
        if i:
            state += (target[i] - state) * (1.0 - math.exp(-(t_s[i] - t_s[i - 1]) / cam.lag_s))
        out[i] = state
    return np.round(out)


def frame_matrices(cam: Camera, t_s: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """Each frame's canvas->frame matrix (frames, 2, 3) and the canvas margin (x, y) that keeps its corners filled."""
    w, h = size
    rng = np.random.default_rng(cam.seed)
    dx = cam.shake * h * _smooth_noise(rng, t_s, 1.0, 4.0)
    dy = cam.shake * h * _smooth_noise(rng, t_s, 1.0, 4.0) + cam.tilt * h * _smooth_noise(rng, t_s, 0.1, 0.4)
    roll = cam.roll_deg + cam.roll_wobble_deg * _smooth_noise(rng, t_s, 0.2, 0.8)
    worst = math.radians(float(np.max(np.abs(roll))) if len(roll) else 0.0)
    shift = float(np.max(np.abs(np.concatenate([dx, dy])))) if len(dx) else 0.0
    c, s = math.cos(worst), math.sin(worst)
    mx = math.ceil((w * c + h * s - w) / 2 + shift) + 2
    my = math.ceil((w * s + h * c - h) / 2 + shift) + 2
    a = np.radians(roll)
    cos, sin = np.cos(a), np.sin(a)
    centre_canvas = np.array([(w - 1) / 2 + mx, (h - 1) / 2 + my])
    centre_frame = np.array([(w - 1) / 2, (h - 1) / 2])
    m = np.zeros((len(t_s), 2, 3))
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = cos, -sin, sin, cos
    rot_c = np.einsum("fij,j->fi", m[:, :, :2], centre_canvas)
    m[:, :, 2] = centre_frame - rot_c + np.stack([dx, dy], axis=1)
    return m, (mx, my)


def finish(canvas: np.ndarray, matrix: np.ndarray, size: tuple[int, int], cam: Camera) -> np.ndarray:
    """Turn and shift one canvas into the finished frame, then blur it as the camera does."""
    img = cv2.warpAffine(canvas, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    length = round(cam.motion_blur_px)
    if length >= 2:
        img = cv2.blur(img, (length, 1))
    if cam.defocus_px >= 0.3:
        img = cv2.GaussianBlur(img, (0, 0), cam.defocus_px)
    return np.ascontiguousarray(img)


def mirrored_columns(start: int, count: int, period: int) -> np.ndarray:
    """Columns ``start .. start + count`` of a panorama ``period`` wide repeated mirrored (no seam)."""
    k = np.mod(np.arange(start, start + count), 2 * period)
    return np.where(k < period, k, 2 * period - 1 - k)
