"""Render a drill to an MP4 with its truth: plan the motion, frame it, draw every frame, write both files."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import Joints, Physique, Proportions, solve
from kneedrive_cv.synth.camera import (
    MAX_PANORAMA_PX,
    Camera,
    CameraPath,
    finish,
    frame_matrices,
    mirrored_columns,
    pan_columns,
)
from kneedrive_cv.synth.draw import FigureDrawer, Palette, View
from kneedrive_cv.synth.program import ProgramResult
from kneedrive_cv.synth.registry import get_synth_drill, make_params, natural_seconds
from kneedrive_cv.synth.scene import SceneLayout, draw_shadow, draw_wall, make_backdrop
from kneedrive_cv.synth.truth import build_truth, landmarks_px, truth_path_for, write_truth
from kneedrive_cv.video import VideoSink

log = logging.getLogger(__name__)

#: Rows of the frame (fractions of its height): where the floor is and how tall the athlete stands.
FLOOR_ROW = 0.88
STATURE_SHARE = 0.60


@dataclass(frozen=True)
class RenderSettings:
    """How to film the drill: frame rate (float; 29.97 works), size (width, height), facing, length.

    ``seed`` is the backdrop's texture. ``physique`` and ``palette`` make the athlete another body in other
    clothes; ``camera`` films with another framing, a following pan, shake, roll and blur (None: the fixed
    framing of every non-random clip). Their defaults draw today's athlete to the byte.
    """

    fps: float = 30.0
    size: tuple[int, int] = (1280, 720)
    facing: str = "right"
    seconds: float | None = None
    crf: int = 23
    seed: int = 0
    stature_m: float = 1.78
    physique: Physique = field(default_factory=Physique)
    palette: Palette = field(default_factory=Palette)
    camera: Camera | None = None

    def check(self) -> None:
        """Raise a clear error for settings that cannot be filmed."""
        w, h = self.size
        if not (0 < self.fps <= 480):
            raise KneedriveError(f"fps {self.fps}: expected a frame rate between 1 and 480, e.g. 30, 60 or 120.")
        if w < 160 or h < 120 or w > 7680 or h > 4320 or w % 2 or h % 2:
            raise KneedriveError(f"size {w}x{h}: expected an even WIDTHxHEIGHT between 160x120 and "
                                 "7680x4320, e.g. 1280x720.")
        if self.facing not in ("left", "right"):
            raise KneedriveError(f"facing {self.facing!r}: expected 'left' or 'right'.")
        if self.seconds is not None and not (0 < self.seconds <= 600):
            raise KneedriveError(f"seconds {self.seconds}: expected a clip length between 0 and 600 s.")
        if self.camera is not None:
            self.camera.check()


@dataclass
class Plan:
    """Everything needed to draw a clip and write its truth, before any pixel is drawn."""

    drill: str
    params: Any
    settings: RenderSettings
    program: ProgramResult
    joints: Joints
    body: Proportions
    scale: float
    floor_px: float
    camera_px: np.ndarray  # (frames,) integer pixel column of world x = 0 ... as a camera pan
    truth: dict[str, Any]
    path: CameraPath | None = None  # a randomised camera's turn and shake (None: the frame is the canvas)

    @property
    def margin_px(self) -> tuple[int, int]:
        """How much wider and taller than the frame the canvas is, on each side."""
        return (0, 0) if self.path is None else self.path.margin_px

    @property
    def facing(self) -> Side:
        """The image side the athlete faces."""
        return Side(self.settings.facing)

    def view(self, i: int) -> View:
        """Return the camera of frame ``i`` on the canvas (drawing as if facing right)."""
        mx, my = self.margin_px
        return View(self.scale, float(self.camera_px[i]) / self.scale, float(mx), self.floor_px + my)


def _camera(prog: ProgramResult, width: int, scale: float, t_s: np.ndarray) -> np.ndarray:
    """Camera pan per frame (pixels).

    A travelling athlete crosses most of the frame (hips from 15 % to 78 % of the width, so travel shows in
    the pose alone) while the camera pans to keep up; drills on the spot are filmed from a still camera.
    """
    hip_x = prog.motion.pelvis[:, 0]
    if prog.layout == "travel":
        span = max(float(t_s[-1]), 1e-6)
        screen = width * (0.15 + 0.63 * t_s / span)
        trend = np.polyval(np.polyfit(t_s, hip_x, 1), t_s) if len(t_s) > 1 else hip_x
        return np.round(trend * scale - screen)
    if prog.layout == "wall" and prog.motion.wall_x is not None:
        # the feet are pinned at x = 0: frame the span from heels to wall, wall on the right
        return np.full(len(t_s), np.round(prog.motion.wall_x / 2 * scale - 0.47 * width))
    return np.full(len(t_s), np.round(float(np.mean(hip_x)) * scale - 0.46 * width))


def plan(drill: str, params: Mapping[str, Any] | Any = None, settings: RenderSettings | None = None) -> Plan:
    """Pose the skeleton for every frame and compute the truth (no drawing): fast, for tests."""
    settings = settings or RenderSettings()
    settings.check()
    spec = get_synth_drill(drill)
    p = params if isinstance(params, spec.params) else make_params(spec, params)
    seconds = settings.seconds if settings.seconds is not None else natural_seconds(spec, p)
    n = max(2, round(seconds * settings.fps))
    t_s = np.arange(n) / settings.fps
    body = Proportions(settings.stature_m, settings.physique)
    prog = spec.program(p, t_s, body)
    joints = solve(prog.motion, body)
    w, h = settings.size
    cam = settings.camera
    scale = (STATURE_SHARE if cam is None else cam.stature_share) * h / settings.stature_m
    floor_px = (FLOOR_ROW if cam is None else cam.floor_row) * h
    path = None
    if cam is None:
        camera = _camera(prog, w, scale, t_s)
    else:
        camera = pan_columns(cam, prog.layout, prog.motion.pelvis[:, 0], _middle_x(joints), t_s, w, scale)
        matrices, margin = frame_matrices(cam, t_s, (w, h))
        path = CameraPath(camera, matrices, margin)
    facing = Side(settings.facing)

    def to_px(p_world: np.ndarray) -> np.ndarray:
        x = p_world[..., 0] * scale - camera
        y = floor_px - p_world[..., 1] * scale
        if facing is Side.LEFT:
            x = (w - 1) - x
        xy = np.stack([x, y], axis=-1)
        return xy if path is None else path.to_frame(xy + np.asarray(path.margin_px, float))

    lm = landmarks_px(joints, to_px)
    truth = build_truth(prog, lm, drill=spec.name, facing=facing, fps=settings.fps, size=(w, h),
                        px_per_m=scale, thigh_length_m=body.thigh, stature_m=settings.stature_m, params=p)
    return Plan(spec.name, p, settings, prog, joints, body, scale, floor_px, camera, truth, path)


def _middle_x(j: Joints) -> float:
    """The middle (metres) of the span the figure covers over the clip, from its hind-most to its fore-most point."""
    pts = [j.hip, j.shoulder, j.head_centre, *j.knee.values(), *j.heel.values(), *j.toe.values(),
           *j.knuckles.values(), *j.elbow.values()]
    xs = np.concatenate([p[:, 0] for p in pts])
    return float(np.min(xs) + np.max(xs)) / 2


def _scene(pl: Plan, canvas_h: int) -> SceneLayout | None:
    """The set's rows on the canvas: the fixed set, or a horizon at the camera's height above the floor."""
    cam, h = pl.settings.camera, pl.settings.size[1]
    if cam is None:
        return None
    my = pl.margin_px[1]
    if cam.height_m is None:
        base = SceneLayout()
        rows = [base.horizon * h + my, base.trees_bottom * h + my, base.fence_bottom * h + my]
    else:
        floor = pl.floor_px + my
        horizon = floor - cam.height_m * pl.scale
        rows = [horizon, floor - 0.72 * (floor - horizon), floor - 0.48 * (floor - horizon)]
    lo = 0.02 * canvas_h
    r0 = max(rows[0], lo)
    r1 = max(rows[1], r0 + lo)
    r2 = min(max(rows[2], r1 + lo), pl.floor_px + my - lo)
    return SceneLayout(r0 / canvas_h, r1 / canvas_h, r2 / canvas_h)


def frames(pl: Plan) -> Iterator[tuple[float, np.ndarray]]:
    """Draw the clip frame by frame: ``(t_s, rgb uint8)``."""
    w, h = pl.settings.size
    mx, my = pl.margin_px
    cw, ch = w + 2 * mx, h + 2 * my  # the canvas: the frame itself unless a camera turns or shakes it
    floor_c = pl.floor_px + my
    cam = pl.camera_px.astype(int)
    x_lo = int(cam.min())
    pano_w = int(cam.max() - x_lo) + cw + 2
    wrap = pl.path is not None and pano_w > max(MAX_PANORAMA_PX, 2 * cw)
    if wrap:
        pano_w = max(MAX_PANORAMA_PX, 2 * cw)
    pano = make_backdrop(pano_w, ch, floor_c, seed=pl.settings.seed, layout=_scene(pl, ch))
    motion = pl.program.motion
    if motion.wall_x is not None:
        draw_wall(pano, motion.wall_x * pl.scale - x_lo + mx, floor_c)
    drawer = FigureDrawer(pl.body, pl.view(0), pl.facing, pl.settings.palette)
    j = pl.joints
    for i, t in enumerate(motion.t_s):
        c0 = int(cam[i]) - x_lo
        img = np.ascontiguousarray(pano[:, mirrored_columns(c0, cw, pano_w)]) if wrap else pano[:, c0: c0 + cw].copy()
        view = pl.view(i)
        drawer.view = view
        feet = np.array([j.ankle[s][i] for s in Side])
        foot_x = float(np.mean(feet[:, 0]))
        lift = float(np.min(feet[:, 1]))
        draw_shadow(img, (float(view.px(np.array([foot_x, 0.0]))[0]), floor_c), 0.32 * pl.scale,
                    0.38 * float(np.clip(1.0 - 2.0 * lift, 0.3, 1.0)))
        drawer.draw(img, j, i)
        if pl.facing is Side.LEFT:
            img = np.ascontiguousarray(img[:, ::-1])
        if pl.path is not None and pl.settings.camera is not None:
            img = finish(img, pl.path.matrices[i], (w, h), pl.settings.camera)
        yield float(t), img


def render(drill: str, out: str | os.PathLike[str], params: Mapping[str, Any] | Any = None,
           settings: RenderSettings | None = None) -> tuple[Path, Path, dict[str, Any]]:
    """Render ``drill`` to ``out`` (MP4, H.264) and write ``out``'s ``.truth.json`` beside it.

    Returns ``(clip path, truth path, truth)``.

    Raises:
        UnknownDrillError: no such drill.
        KneedriveError: bad parameters or settings.
        OutputError: the clip cannot be written.

    """
    return render_plan(plan(drill, params, settings), out)


def render_plan(pl: Plan, out: str | os.PathLike[str]) -> tuple[Path, Path, dict[str, Any]]:
    """Draw and encode a clip already planned, and write its truth beside it (see :func:`render`)."""
    out = Path(out)
    w, h = pl.settings.size
    with VideoSink(out, w, h, pl.settings.fps, crf=pl.settings.crf, reproducible=True) as sink:
        for t, img in frames(pl):
            sink.write(img, t)
    truth_path = write_truth(pl.truth, truth_path_for(out))
    log.info("rendered %s: %d frames, truth in %s", out, len(pl.program.motion.t_s), truth_path)
    return out, truth_path, pl.truth
