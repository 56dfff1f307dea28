"""The set: a textured background and running-track floor, a wall for the wall drill, and soft shadows.

The backdrop is one wide panorama made once per clip (sky, trees, a fence, the track with lane lines, all
with multi-scale noise so it is never a flat colour); each frame is a window of it at the camera's x.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: The running track's colour (RGB).
TRACK_RGB = (176, 86, 62)


def _noise(rng: np.random.Generator, h: int, w: int, cell_px: float, octaves: int = 3) -> np.ndarray:
    """Smooth value noise in [-1, 1] of shape (h, w) with features about ``cell_px`` wide."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for _ in range(octaves):
        gh, gw = max(2, int(h / cell_px) + 2), max(2, int(w / cell_px) + 2)
        grid = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
        cell_px = max(2.0, cell_px / 2.5)
    return np.clip(out / total, -1, 1)


@dataclass(frozen=True)
class SceneLayout:
    """Rows of the backdrop as fractions of the frame height."""

    horizon: float = 0.30
    trees_bottom: float = 0.46
    fence_bottom: float = 0.60


def make_backdrop(width: int, height: int, floor_px: float, seed: int = 0,
                  layout: SceneLayout | None = None) -> np.ndarray:
    """Make an RGB uint8 panorama (height, width, 3): sky, trees, a fence and a running track."""
    lay = layout or SceneLayout()
    rng = np.random.default_rng(seed)
    h, w = height, width
    y = np.arange(h, dtype=np.float32)[:, None]
    img = np.zeros((h, w, 3), np.float32)
    s = h / 720.0
    # sky: a vertical gradient with faint clouds
    sky_top, sky_low = np.array([120, 160, 205], np.float32), np.array([196, 214, 228], np.float32)
    g = np.clip(y / (lay.horizon * h), 0, 1)[..., None]
    clouds = _noise(rng, h, w, 160 * s)[..., None]
    img[:] = sky_top * (1 - g) + sky_low * g + 14 * clouds
    # trees: a ragged dark-green band
    tree_noise = _noise(rng, h, w, 40 * s, 4)
    ragged = lay.horizon * h - 30 * s * (0.5 + 0.5 * _noise(rng, 1, w, 50 * s, 3)[0])
    trees = (y >= ragged[None, :]) & (y < lay.trees_bottom * h)
    base = np.array([58, 92, 60], np.float32)
    img[trees] = (base + 26 * tree_noise[..., None])[trees]
    # fence: boards with posts
    f0, f1 = int(lay.trees_bottom * h), int(lay.fence_bottom * h)
    board = np.array([70, 98, 138], np.float32) + 14 * _noise(rng, h, w, 25 * s, 3)[..., None]
    planks = (np.floor((y - lay.trees_bottom * h) / (16 * s)) % 2)[..., None] * 10
    img[f0:f1] = (board + planks)[f0:f1]
    post_every = int(180 * s)
    for x0 in range(int(rng.integers(0, post_every)), w, post_every):
        img[int(lay.trees_bottom * h) - int(6 * s): int(lay.fence_bottom * h), x0: x0 + int(10 * s)] = (92, 96, 100)
    # track: terracotta with grain, darker far away, white lane lines at perspective spacing
    top = int(lay.fence_bottom * h)
    depth = np.clip((y - top) / max(1.0, h - top), 0, 1)
    grain = _noise(rng, h, w, 6 * s, 2) * 0.6 + _noise(rng, h, w, 60 * s, 3) * 0.4
    track = np.array(TRACK_RGB, np.float32) * (0.82 + 0.22 * depth)[..., None] + 22 * grain[..., None]
    img[top:] = track[top:]
    lanes = [top + (floor_px - top) * f for f in (0.18, 0.52)] + [floor_px + 0.35 * (h - floor_px)]
    for k, yl in enumerate(lanes):
        thick = max(2, int((2 + 3 * k) * s))
        rows = slice(int(yl), int(yl) + thick)
        img[rows] = np.array([232, 228, 220], np.float32) + 8 * grain[rows, :, None]
    img[top: top + max(2, int(4 * s))] *= 0.8
    return np.clip(img, 0, 255).astype(np.uint8)


def draw_wall(img: np.ndarray, x_px: float, floor_px: float) -> None:
    """Draw a brick wall whose face is at column ``x_px``, filling the frame to its right (in place)."""
    h, w = img.shape[:2]
    x0 = round(x_px)
    if x0 >= w:
        return
    x0 = max(x0, 0)
    s = h / 720.0
    region = img[: int(floor_px) + 2, x0:]
    rh, rw = region.shape[:2]
    rng = np.random.default_rng(7)
    mortar = np.array([200, 196, 188], np.float32)
    brick_h, brick_w = 22 * s, 60 * s
    yy, xx = np.mgrid[0:rh, 0:rw].astype(np.float32)
    row = np.floor(yy / brick_h)
    xs = xx + (row % 2) * brick_w / 2
    col = np.floor(xs / brick_w)
    tone = rng.uniform(-1, 1, (int(row.max()) + 2, int(col.max()) + 2)).astype(np.float32)
    brick = np.array([168, 84, 66], np.float32) + 18 * tone[row.astype(int), col.astype(int)][..., None]
    joint = ((yy % brick_h) < 2.5 * s) | ((xs % brick_w) < 2.5 * s)
    out = np.where(joint[..., None], mortar, brick)
    shade = np.clip(xx / (40 * s), 0, 1)[..., None] * 0.25 + 0.75
    region[:] = np.clip(out * shade, 0, 255).astype(np.uint8)
    img[: int(floor_px) + 2, x0: x0 + max(2, int(5 * s))] = (110, 70, 60)


def draw_shadow(img: np.ndarray, centre_px: tuple[float, float], half_width_px: float, strength: float) -> None:
    """Darken an elliptical patch of floor under the athlete (soft-edged, in place)."""
    h, w = img.shape[:2]
    cx, cy = centre_px
    rx, ry = half_width_px, max(2.0, half_width_px * 0.12)
    x0, x1 = max(0, int(cx - rx * 1.3)), min(w, int(cx + rx * 1.3) + 1)
    y0, y1 = max(0, int(cy - ry * 1.5)), min(h, int(cy + ry * 1.5) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    r2 = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
    a = strength * np.clip(1.2 - r2, 0, 1)[..., None]
    patch = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (patch * (1 - a)).astype(np.uint8)
