"""Drawing in YUV planes gives what drawing in RGB and converting gives."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kneedrive_cv.landmarks import Landmark, Side
from kneedrive_cv.output.annotators import (
    AngleAnnotator,
    FrameState,
    KneeStripAnnotator,
    PanelAnnotator,
    RepCounterAnnotator,
    RepNote,
    RepNoteAnnotator,
    SkeletonAnnotator,
    StripMark,
    put_text,
)
from kneedrive_cv.output.canvas import BT601, BT709, BT2020, I420Canvas, Matrix, RgbCanvas, matrix_of
from kneedrive_cv.output.colours import SIDE_RGB

W, H, PICTURE_H = 640, 424, 360


def _to_rgb(yuv: np.ndarray, matrix: Matrix) -> np.ndarray:
    """(H, W, 3) YCbCr (chroma already at full size) back to RGB with ``matrix``."""
    inverse = np.linalg.inv(matrix.coefficients)
    rgb = (yuv.astype(np.float64) - np.array([16.0, 128.0, 128.0])) @ inverse.T
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def _planes(rgb: np.ndarray, matrix: Matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yuv = matrix.yuv(rgb)
    uv = yuv[..., 1:].reshape(rgb.shape[0] // 2, 2, rgb.shape[1] // 2, 2, 2).mean(axis=(1, 3))
    return tuple(np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in (yuv[..., 0], uv[..., 0], uv[..., 1]))  # type: ignore[return-value]


def _joined(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    up = [cv2.resize(p, (y.shape[1], y.shape[0]), interpolation=cv2.INTER_LINEAR) for p in (u, v)]
    return np.dstack([y, *up])


def _scene() -> np.ndarray:
    """A picture with texture and colour everywhere (smooth gradients, a little noise)."""
    yy, xx = np.mgrid[0:H, 0:W]
    rgb = np.dstack([(xx * 255 / W), (yy * 255 / H), 128 + 60 * np.sin(xx / 23.0)])
    rgb += np.random.default_rng(3).normal(0, 6, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _state() -> FrameState:
    xy = np.full((33, 2), np.nan)
    points = {Landmark.LEFT_SHOULDER: (300, 90), Landmark.RIGHT_SHOULDER: (306, 92), Landmark.LEFT_HIP: (296, 200),
              Landmark.RIGHT_HIP: (302, 202), Landmark.LEFT_KNEE: (371, 171), Landmark.RIGHT_KNEE: (306, 282),
              Landmark.LEFT_ANKLE: (365, 262), Landmark.RIGHT_ANKLE: (303, 350), Landmark.LEFT_HEEL: (352, 270),
              Landmark.RIGHT_HEEL: (290, 356), Landmark.LEFT_FOOT_INDEX: (393, 268),
              Landmark.RIGHT_FOOT_INDEX: (333, 357), Landmark.LEFT_ELBOW: (340, 150),
              Landmark.RIGHT_ELBOW: (270, 150), Landmark.LEFT_WRIST: (365, 120), Landmark.RIGHT_WRIST: (250, 190)}
    for lm, p in points.items():
        xy[int(lm)] = p
    metrics = {"thigh_angle_left": 111.0, "thigh_angle_right": 4.0, "dorsiflexion_left": 9.0,
               "dorsiflexion_right": 14.0, "trunk_lean": -3.0, "knee_height_left": 0.31, "knee_height_right": -0.95}
    note = RepNote(3, Side.LEFT, 72.0, "drive the knee to hip height", "drive")
    return FrameState(xy, metrics, 1.7, 3, 12, "drive", "Piston run", 201.0, (note,), 1)


def _annotators() -> list:  # type: ignore[type-arg]
    t = np.linspace(0, 4, 120)
    knees = {Side.LEFT: np.sin(3 * t) * 0.5 - 0.4, Side.RIGHT: np.cos(3 * t) * 0.5 - 0.4}
    marks = [StripMark(0.5, Side.LEFT, 85.0, 1), StripMark(1.5, Side.RIGHT, 55.0, 2)]
    return [KneeStripAnnotator(t, knees, marks, picture_h=PICTURE_H), SkeletonAnnotator(), AngleAnnotator(),
            RepCounterAnnotator(), PanelAnnotator(), RepNoteAnnotator()]


@pytest.mark.parametrize("matrix", [BT601, BT709])
def test_drawing_in_yuv_planes_matches_drawing_in_rgb(matrix: Matrix) -> None:
    scene = np.zeros((H, W, 3), np.uint8)
    scene[:PICTURE_H] = _scene()[:PICTURE_H]
    state = _state()
    # the reference: draw in RGB, then convert to 4:2:0 as an encoder would
    rgb = scene.copy()
    canvas = RgbCanvas(rgb)
    for a in _annotators():
        a.draw(canvas, state)
    reference = _to_rgb(_joined(*_planes(rgb, matrix)), matrix)
    # drawn straight into the planes of the converted scene
    y, u, v = _planes(scene, matrix)
    planes = I420Canvas(y, u, v, matrix)
    for a in _annotators():
        a.draw(planes, state)
    drawn = _to_rgb(_joined(y, u, v), matrix)
    assert not np.array_equal(drawn, _to_rgb(_joined(*_planes(scene, matrix)), matrix)), "something was drawn"
    diff = np.abs(drawn.astype(int) - reference.astype(int))
    changed = np.abs(reference.astype(int) - _to_rgb(_joined(*_planes(scene, matrix)), matrix).astype(int)).max(2) > 8
    assert changed.mean() > 0.05, "the annotators cover a good part of the frame"
    # the same picture: differences are rounding, and chroma anti-aliased at chroma resolution on edges
    assert diff.mean() < 1.0
    assert np.percentile(diff.max(axis=2), 99) < 24
    assert np.mean(diff.max(axis=2)[changed] > 40) < 0.01


@pytest.mark.parametrize("matrix", [BT601, BT709, BT2020])
def test_drawn_colours_come_back_exact_in_the_clips_matrix(matrix: Matrix) -> None:
    y = np.full((64, 64), 60, np.uint8)
    u, v = np.full((32, 32), 128, np.uint8), np.full((32, 32), 128, np.uint8)
    canvas = I420Canvas(y, u, v, matrix)
    for k, colour in enumerate(SIDE_RGB.values()):
        canvas.circle((16 + 32 * k, 32), 12, colour, -1)
        back = _to_rgb(np.array([[[y[32, 16 + 32 * k], u[16, 8 + 16 * k], v[16, 8 + 16 * k]]]]), matrix)[0, 0]
        assert np.abs(back.astype(int) - np.array(colour)).max() <= 3, (matrix.name, colour, back)


def test_bt601_is_what_opencv_and_ffmpeg_use_for_untagged_video() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (2, 2, 3)).astype(np.uint8)
    rgb[:] = rgb[0, 0]  # one colour, so chroma subsampling changes nothing
    i420 = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).ravel()
    ours = np.rint(BT601.yuv(rgb[0, 0]))
    assert np.abs(ours - i420[[0, 4, 5]]).max() <= 1
    assert matrix_of(1) is BT709 and matrix_of(2) is BT601 and matrix_of(None) is BT601 and matrix_of(9) is BT2020


@pytest.mark.parametrize("dx, dy", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_text_lands_where_asked_at_every_pixel_parity(dx: int, dy: int) -> None:
    from kneedrive_cv.output.annotators import Sizes

    z = Sizes.of(640, 360)
    y = np.full((120, 200), 16, np.uint8)
    u, v = np.full((60, 100), 128, np.uint8), np.full((60, 100), 128, np.uint8)
    put_text(I420Canvas(y, u, v, BT601), "L +0.28", (20 + dx, 60 + dy), z, SIDE_RGB[Side.LEFT])
    reference = np.zeros((120, 200, 3), np.uint8)
    put_text(reference, "L +0.28", (20 + dx, 60 + dy), z, SIDE_RGB[Side.LEFT])
    ref_y, ref_u, ref_v = _planes(reference, BT601)
    assert np.abs(y.astype(int) - ref_y).max() <= 2  # luma: the same pixels
    for mine, ref in ((u, ref_u), (v, ref_v)):  # chroma: the same samples, the sprite shifted by its parity
        assert np.abs(mine.astype(int) - ref).max() <= 4


def test_strip_band_never_draws_outside_its_rows() -> None:
    y = np.full((H, W), 16, np.uint8)
    u, v = np.full((H // 2, W // 2), 128, np.uint8), np.full((H // 2, W // 2), 128, np.uint8)
    strip = _annotators()[0]
    strip.draw(I420Canvas(y, u, v, BT709), FrameState(np.full((33, 2), np.nan), {"knee_height_left": 0.5}, 0.0))
    assert (y[:PICTURE_H] == 16).all() and (u[: PICTURE_H // 2] == 128).all() and (v[: PICTURE_H // 2] == 128).all()
    assert (y[PICTURE_H:] != 16).mean() > 0.9
