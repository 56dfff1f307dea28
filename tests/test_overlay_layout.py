"""The overlay's layout: the panels go where the athlete never is, or in a band beside the unscaled picture.

Geometry on made-up athletes first (no model), then the share of frames in which the panels' column crosses
the athlete's box on the demo clip and on every shared real clip, from their analyses (cached pose tracks).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REAL, ROOT, real_clip
from overlay_helpers import STYLE, panels_over_athlete

from kneedrive_cv.analysis import analyse
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.annotators import (
    FrameState,
    PanelAnnotator,
    RepCounterAnnotator,
    RepNote,
    RepNoteAnnotator,
)
from kneedrive_cv.output.canvas import RgbCanvas
from kneedrive_cv.output.layout import TEXT_FLOOR, plan_layout, strip_rows, text_px

LONG_CUE = "not high knees: drive the knee forward to about hip height and keep the rhythm going all the way"
NOTES = tuple(RepNote(k, Side.LEFT if k % 2 else Side.RIGHT, 55.0, LONG_CUE) for k in range(1, 19))


def athlete(width: int, height: int, x0: float, x1: float, y0: float = 0.15, y1: float = 0.95,
            frames: int = 40) -> np.ndarray:
    """(frames, 2, 2): an athlete whose box spans these shares of the picture in every frame."""
    box = np.array([[x0 * width, y0 * height], [x1 * width, y1 * height]])
    return np.repeat(box[None], frames, axis=0)


def test_panels_take_the_corner_the_athlete_never_enters() -> None:
    on_the_left = plan_layout(1280, 720, athlete(1280, 720, 0.1, 0.4), NOTES, "High knees", 18)
    assert (on_the_left.right, on_the_left.below) == (0, 0) and on_the_left.covered == 0
    x0, _, x1, _ = on_the_left.panels.box
    assert x0 > 0.4 * 1280 and x1 <= 1280
    on_the_right = plan_layout(1280, 720, athlete(1280, 720, 0.6, 0.9), NOTES, "High knees", 18)
    assert on_the_right.panels.box[2] < 0.6 * 1280


@pytest.mark.parametrize(("size", "band"), [((1280, 720), "right"), ((960, 540), "right"), ((1080, 1920), "right"),
                                            ((1080, 1350), "below")])
def test_an_athlete_filling_the_frame_gets_a_band_and_keeps_the_orientation(size: tuple[int, int],
                                                                            band: str) -> None:
    w, h = size
    layout = plan_layout(w, h, athlete(w, h, 0.05, 0.95, 0.02, 0.98), NOTES, "Piston run", 16)
    assert (layout.picture_w, layout.picture_h) == (w, h), "the picture is never scaled"
    assert (layout.width > layout.height) == (w > h), f"{layout.width}x{layout.height} from {w}x{h}"
    assert layout.width % 2 == 0 and layout.height % 2 == 0
    x0, y0, x1, y1 = layout.panels.box
    if band == "right":
        assert layout.right > 0 and layout.below == 0 and x0 >= w and x1 <= layout.width and y1 <= h
    else:
        assert layout.below > 0 and layout.right == 0 and y0 >= h and y1 <= h + layout.below
    assert layout.height == h + layout.below + strip_rows(layout.width, h + layout.below, w, h)


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (1920, 1080), (720, 1280), (1080, 1920), (2160, 3840),
                                  (480, 352)])
def test_panel_text_is_a_share_of_the_output_height(size: tuple[int, int]) -> None:
    w, h = size
    for where in (athlete(w, h, 0.3, 0.6), athlete(w, h, 0.0, 1.0, 0.0, 1.0)):
        layout = plan_layout(w, h, where, NOTES, "High knees", 18)
        assert text_px(layout.panels.sizes) >= TEXT_FLOOR * layout.height - 1.0, layout


def test_the_panels_draw_only_inside_their_column() -> None:
    w, h = 1280, 720
    layout = plan_layout(w, h, athlete(w, h, 0.05, 0.95, 0.02, 0.98), NOTES, "High knees", 18)
    frame = np.zeros((layout.height, layout.width, 3), np.uint8)
    frame[:] = 255
    state = FrameState(np.full((33, 2), np.nan), {"thigh_angle_left": 93.0}, reps_done=18, reps_total=18,
                       drill="High knees", cadence_spm=181.0, notes=NOTES[:2])
    for a in (RepCounterAnnotator(STYLE, layout.panels), PanelAnnotator(STYLE, layout.panels),
              RepNoteAnnotator(STYLE, layout.panels)):
        a.draw(RgbCanvas(frame), state)
    changed = np.argwhere((frame != 255).any(axis=2))
    x0, y0, x1, y1 = layout.panels.box
    assert len(changed) > 1000, "the panels were drawn"
    assert np.all((changed[:, 1] >= x0) & (changed[:, 1] < x1) & (changed[:, 0] >= y0) & (changed[:, 0] < y1))
    # both notes were shown whole: their text reached the column's lower part
    assert np.max(changed[:, 0]) > y0 + 0.5 * (y1 - y0)


# --- the demo and every shared real clip ----------------------------------------------------------------------

REAL_CLIPS = sorted(p.name for p in REAL.glob("*") if p.suffix in {".mp4", ".avi", ".mov"}) if REAL.exists() else [
    "high_knees_side_gym_60fps.mp4"]


@pytest.mark.model
def test_the_demo_panels_never_cover_the_athlete() -> None:
    share, seen = panels_over_athlete(analyse(ROOT / "sample_videos" / "piston_run_faults.mp4"))
    assert seen > 100 and share < 0.02, f"panels over the athlete in {share:.1%} of {seen} frames"


@pytest.mark.model
@pytest.mark.real
@pytest.mark.parametrize("name", REAL_CLIPS)
def test_real_clip_panels_never_cover_the_athlete(name: str) -> None:
    share, seen = panels_over_athlete(analyse(real_clip(name)))
    assert seen > 10 and share < 0.02, f"panels over the athlete in {share:.1%} of {seen} frames"
