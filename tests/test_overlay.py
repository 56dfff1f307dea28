"""Overlay: each annotator on a blank frame, then the whole render on a synthetic clip (no pose model, no
shared clips needed): format, frame count, timestamps (variable frame rate), leg colours after swap repair,
and the `kneedrive overlay DIR` command."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from factory import THIGH_PX, Athlete, build
from overlay_helpers import DRIVES, STYLE, SWAPPED, decoded, frame_at, near, synthetic_clip

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.cli import main
from kneedrive_cv.kinematics.metrics import View
from kneedrive_cv.landmarks import Landmark, Side, sided
from kneedrive_cv.output.annotators import (
    AngleAnnotator,
    Corner,
    FrameState,
    KneeStripAnnotator,
    PanelAnnotator,
    RepCounterAnnotator,
    RepNote,
    RepNoteAnnotator,
    Sizes,
    SkeletonAnnotator,
    StripMark,
    put_text,
    strip_height,
    text_size,
)
from kneedrive_cv.output.canvas import RgbCanvas
from kneedrive_cv.output.overlay import (
    SIDE_VIEW_ANGLES,
    default_annotators,
    overlay_frames,
    plan_overlay,
    render_overlay,
    strip_rows_below,
)
from kneedrive_cv.output.plots import cadence_events
from kneedrive_cv.pose.track import save_track
from kneedrive_cv.video import VideoSink


def figure(width: int = 1280, height: int = 720, lifted: Side = Side.LEFT) -> FrameState:
    """A side-view stick figure facing right, centred, the ``lifted`` knee up to hip height."""
    u = min(width, height) / 720
    xy = np.full((33, 2), np.nan)
    hip = np.array([0.5 * width, 0.48 * height])
    thigh = 120 * u

    def at(base: np.ndarray, dx: float, dy: float) -> np.ndarray:
        return base + np.array([dx, dy])

    xy[Landmark.LEFT_SHOULDER] = xy[Landmark.RIGHT_SHOULDER] = at(hip, 0, -170 * u)
    for s in Side:
        up = s is lifted
        knee = at(hip, thigh, 0) if up else at(hip, 0, thigh)
        ankle = at(knee, 0, thigh)
        pts = {"HIP": hip, "KNEE": knee, "ANKLE": ankle, "HEEL": at(ankle, -12 * u, 10 * u),
               "FOOT_INDEX": at(ankle, 40 * u, 10 * u), "ELBOW": at(hip, (-30 if up else 30) * u, -100 * u),
               "WRIST": at(hip, (30 if up else 90) * u, -100 * u)}
        for part, p in pts.items():
            xy[sided(s, part)] = p
    metrics = {"thigh_angle_left": 90.0 if lifted is Side.LEFT else 0.0,
               "thigh_angle_right": 90.0 if lifted is Side.RIGHT else 0.0, "trunk_lean": 0.0,
               "dorsiflexion_left": 0.0, "dorsiflexion_right": 0.0,
               "knee_height_left": 0.0 if lifted is Side.LEFT else -1.0,
               "knee_height_right": 0.0 if lifted is Side.RIGHT else -1.0}
    return FrameState(xy, metrics, facing=1)


def blank(width: int = 1280, height: int = 720) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)


# --- annotators on blank frames ------------------------------------------------------------------------------

@pytest.mark.parametrize("lifted", list(Side))
def test_skeleton_draws_each_leg_in_its_own_colour(lifted: Side) -> None:
    state = figure(lifted=lifted)
    frame = SkeletonAnnotator(STYLE).annotate(blank(), state)
    r = 3 * Sizes.of(1280, 720).joint
    for s in Side:
        knee = state.xy[sided(s, "KNEE")]
        own, other = near(frame, knee, STYLE.side(s), r), near(frame, knee, STYLE.side(s.other), r)
        assert own > 40, f"{s.value} knee: {own} pixels of its colour"
        assert own > 3 * other, f"{s.value} knee: {own} own-colour pixels against {other} of the other leg's"
    # the torso is neutral: between the shoulders and the hips the colour is the torso's, not a leg's
    mid = (state.xy[Landmark.LEFT_HIP] + state.xy[Landmark.LEFT_SHOULDER]) / 2
    assert near(frame, mid, STYLE.torso, 4) > 0
    assert near(frame, mid, STYLE.left, 4) == 0 and near(frame, mid, STYLE.right, 4) == 0


def test_nothing_drawn_where_landmarks_are_not_trusted() -> None:
    state = figure()
    nothing = FrameState(np.full((33, 2), np.nan), state.metrics, facing=1)
    for annotator in (SkeletonAnnotator(STYLE), AngleAnnotator(STYLE)):
        assert not annotator.annotate(blank(), nothing).any(), type(annotator).__name__
    # landmarks there but the metrics not trusted: no angle is drawn
    no_metrics = FrameState(state.xy, {k: math.nan for k in state.metrics}, facing=1)
    assert not AngleAnnotator(STYLE).annotate(blank(), no_metrics).any()
    # one knee missing: neither of its edges is drawn, the other leg is
    xy = state.xy.copy()
    xy[Landmark.LEFT_KNEE] = np.nan
    frame = SkeletonAnnotator(STYLE).annotate(blank(), FrameState(xy))
    thigh_mid = (state.xy[Landmark.LEFT_HIP] + state.xy[Landmark.LEFT_KNEE]) / 2
    shank_mid = (state.xy[Landmark.LEFT_KNEE] + state.xy[Landmark.LEFT_ANKLE]) / 2
    assert near(frame, thigh_mid, STYLE.left, 8) == 0 and near(frame, shank_mid, STYLE.left, 8) == 0
    assert near(frame, state.xy[Landmark.RIGHT_KNEE], STYLE.right, 10) > 20


def _line_width(frame: np.ndarray, row: int, colour: tuple[int, int, int]) -> int:
    return int(np.sum(np.all(np.abs(frame[row].astype(int) - colour) <= 40, axis=1)))


def test_sizes_scale_with_the_frame() -> None:
    measured = {}
    for width, height in [(640, 360), (1280, 720), (1920, 1080), (720, 1280), (2160, 3840)]:
        state = figure(width, height, lifted=Side.LEFT)
        frame = SkeletonAnnotator(STYLE).annotate(blank(width, height), state)
        hip, knee = state.xy[Landmark.RIGHT_HIP], state.xy[Landmark.RIGHT_KNEE]  # the standing thigh, vertical
        line = Sizes.of(width, height).line
        unit = min(width, height) / 720
        assert line == max(1, round(3.2 * unit))
        measured[min(width, height)] = _line_width(frame, int((hip[1] + knee[1]) / 2), STYLE.right)
        assert line <= measured[min(width, height)] <= line + 3  # plus anti-aliased edges
        assert text_size("REP 1/18", Sizes.of(width, height))[0] == pytest.approx(
            text_size("REP 1/18", Sizes.of(1280, 720))[0] * unit, rel=0.2)
    assert measured[360] < measured[720] < measured[1080] < measured[2160]
    assert measured[720] == measured[720]  # portrait 720x1280 scales by its shorter side, like landscape 720p


def test_thigh_arc_sits_between_straight_down_and_the_thigh() -> None:
    state = figure(lifted=Side.LEFT)
    frame = AngleAnnotator(STYLE).annotate(blank(), state)
    hip = state.xy[Landmark.LEFT_HIP]
    r = 0.42 * THIGH_PX
    on_arc = hip + r * np.array([math.cos(math.radians(45)), math.sin(math.radians(45))])
    assert near(frame, on_arc, STYLE.left, 5) > 3
    behind = hip + r * np.array([-math.cos(math.radians(45)), math.sin(math.radians(45))])  # not between
    assert near(frame, behind, STYLE.left, 5) == 0
    # the standing leg (thigh angle 0) gets no arc: nothing in its colour anywhere
    assert near(frame, hip, STYLE.right, 400) == 0


@pytest.mark.parametrize(("score", "colour"), [(95.0, STYLE.good), (80.0, STYLE.good), (79.9, STYLE.fair),
                                               (60.0, STYLE.fair), (42.0, STYLE.poor), (None, STYLE.unscored),
                                               (math.nan, STYLE.unscored)])
def test_rep_note_is_coloured_by_score(score: float | None, colour: tuple[int, int, int]) -> None:
    assert STYLE.score(score) == colour
    note = RepNote(3, Side.RIGHT, score, "foot sprung, not soggy: pull the toes up")
    frame = RepNoteAnnotator(STYLE).annotate(blank(), FrameState(np.full((33, 2), np.nan), notes=(note,)))
    exact = np.all(frame == np.array(colour, np.uint8), axis=2)
    assert exact.sum() > 100  # the solid stripe beside the note
    assert not RepNoteAnnotator(STYLE).annotate(blank(), FrameState(np.full((33, 2), np.nan))).any()


def test_panel_and_counter_sit_in_the_chosen_corner() -> None:
    state = figure()
    for corner in Corner:
        frame = np.full((720, 1280, 3), 255, np.uint8)
        RepCounterAnnotator(STYLE, corner).annotate(frame, state)
        PanelAnnotator(STYLE, corner).annotate(frame, state)
        darkened = frame[:, :, 0] < 200
        left_half, right_half = darkened[:, :640].sum(), darkened[:, 640:].sum()
        assert (left_half > 10 * right_half) if corner == "left" else (right_half > 10 * left_half)
        # left values in the left leg's colour, right values in the right's
        half = frame[:, :640] if corner == "left" else frame[:, 640:]
        for colour in (STYLE.left, STYLE.right):
            assert np.all(np.abs(half.astype(int) - colour) <= 30, axis=2).sum() > 50


def test_degree_sign_and_width() -> None:
    z = Sizes.of(1280, 720)
    frame = blank()
    width = put_text(frame, "87°", (100, 100), z, (255, 255, 255))
    assert width == text_size("87°", z)[0]
    cols = np.flatnonzero(frame.any(axis=(0, 2)))
    assert cols.min() >= 100 - 6 and cols.max() <= 100 + width + 6


def test_text_sprites_are_reused_and_their_memory_bounded() -> None:
    from kneedrive_cv.output.canvas import BT709, _SpriteCache

    cache = _SpriteCache(max_bytes=200_000)
    first = cache.get("REP 1/18", 0.62, 2, 4)
    assert cache.get("REP 1/18", 0.62, 2, 4) is first
    for k in range(300):
        sprite = cache.get(f"{k}°", 0.62, 2, 4)
        sprite.rgb((255, 255, 255), (0, 0, 0))  # the coloured forms count too
        sprite.luma((255, 255, 255), (0, 0, 0), BT709)
        sprite.chroma((255, 255, 255), (0, 0, 0), BT709, k % 2, 0)
        assert cache.bytes <= 200_000
    assert cache.bytes == sum(sp.nbytes for sp in cache._items.values())
    assert cache.bytes > 150_000, "the cache keeps what fits"


def _strip(picture_h: int | None) -> tuple[KneeStripAnnotator, np.ndarray]:
    t = np.linspace(0, 4, 121)
    left = np.where(np.abs(t - 1) < 0.2, 0.0, -1.0)
    right = np.where(np.abs(t - 3) < 0.2, 0.1, -1.0)
    right[60:70] = np.nan  # not trusted: a gap in the curve
    marks = [StripMark(1.0, Side.LEFT, 90.0, 1), StripMark(3.0, Side.RIGHT, 50.0, 2)]
    return KneeStripAnnotator(t, {Side.LEFT: left, Side.RIGHT: right}, marks, STYLE, picture_h), t


def test_knee_strip_below_the_picture_marks_time_and_reps() -> None:
    rows = strip_height(1280, 720)
    strip, _ = _strip(picture_h=720)
    frame = blank(1280, 720 + rows)
    state = FrameState(np.full((33, 2), np.nan), {"knee_height_left": -1.0}, t_s=2.0)
    strip.annotate(frame, state)
    assert not frame[:720].any(), "the strip below the picture must not touch the picture"
    x = float(strip.x_of(2.0, 1280, 720 + rows))
    assert near(frame, (x, 720 + rows * 0.6), STYLE.text, 2) > 0  # time marker
    for m in strip.marks:
        v = 0.0 if m.side is Side.LEFT else 0.1
        xy = (float(strip.x_of(m.t_s, 1280, 720 + rows)), float(strip.y_of(v, 1280, 720 + rows)))
        assert near(frame, xy, STYLE.score(m.score), 3, tol=10) > 3
    # a later time moves the marker right
    later = blank(1280, 720 + rows)
    strip.annotate(later, FrameState(np.full((33, 2), np.nan), t_s=3.5))
    assert strip.x_of(3.5, 1280, 720 + rows) > x
    assert near(later, (float(strip.x_of(3.5, 1280, 720 + rows)), 720 + rows * 0.6), STYLE.text, 2) > 0


def test_knee_strip_over_the_picture_when_no_rows_are_added() -> None:
    strip, _ = _strip(picture_h=None)
    frame = np.full((720, 1280, 3), 200, np.uint8)
    strip.annotate(frame, FrameState(np.full((33, 2), np.nan), t_s=0.0))
    first, rows = strip.rows(1280, 720)
    assert first + rows == 720 and (frame[:first] == 200).all() and (frame[first:, :, 0] < 200).mean() > 0.8


@pytest.mark.parametrize(("size", "rows_added"), [((1280, 720), True), ((720, 1280), True), ((640, 600), False),
                                                  ((600, 600), True)])
def test_strip_rows_never_turn_landscape_into_portrait(size: tuple[int, int], rows_added: bool) -> None:
    w, h = size
    rows = strip_rows_below(w, h)
    assert (rows > 0) == rows_added
    assert (w > h + rows) == (w > h)


# --- the whole render on a synthetic clip --------------------------------------------------------------------

@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[AnalysisResult, Path, dict[str, np.ndarray]]:
    folder = tmp_path_factory.mktemp("overlay")
    clip, track, truth = synthetic_clip(folder)
    result = analyse(clip, drill="high_knees", track=track, cache=None)
    out = render_overlay(result, folder / "overlay.mp4")
    return result, out, truth


def test_overlay_is_browser_h264_with_every_source_frame_at_its_time(synthetic) -> None:  # type: ignore[no-untyped-def]
    result, out, _ = synthetic
    codec, pix_fmt, times, (w, h) = decoded(out)
    _, _, source_times, (sw, sh) = decoded(result.clip)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert len(times) == len(source_times) == len(result.track)
    assert np.max(np.abs(np.array(times) - source_times)) < 1e-3
    assert np.std(np.diff(source_times)) > 1e-3, "the synthetic clip should have a variable frame rate"
    assert (w, h) == (sw, sh + strip_rows_below(sw, sh)) and w > h


def test_overlay_frames_are_the_pictures_written(synthetic) -> None:  # type: ignore[no-untyped-def]
    result, out, _ = synthetic
    pictures = [rgb for _, rgb in overlay_frames(result)]
    assert len(pictures) == len(result.track)
    for i in (0, len(pictures) // 2, len(pictures) - 1):  # the video differs by compression only
        assert pictures[i].shape == frame_at(out, i).shape
        assert np.abs(pictures[i].astype(int) - frame_at(out, i)).mean() < 2.0


def test_overlay_reports_its_progress_frame_by_frame(synthetic, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = synthetic
    seen: list[tuple[int, int]] = []
    render_overlay(result, tmp_path / "again.mp4", progress=lambda done, total: seen.append((done, total)))
    n = len(result.track)
    assert seen == [(i, n) for i in range(1, n + 1)]


@pytest.mark.parametrize("which", [0, 1, 2, 3])
def test_lifted_leg_is_drawn_in_its_colour_at_each_peak(synthetic, which: int) -> None:  # type: ignore[no-untyped-def]
    result, out, truth = synthetic
    rep = result.reps[which]
    peak_t, side = DRIVES[rep.index - 1]
    assert rep.side is side and abs(rep.t_peak_s - peak_t) < 0.05
    i = rep.i_peak
    frame = frame_at(out, i)
    hip = np.array([640.0, 360.0])
    th = math.radians(truth[f"thigh_angle_{side.value}"][i])
    knee = hip + THIGH_PX * np.array([math.sin(th), math.cos(th)]) + [4.0 if side is Side.RIGHT else -4.0, 0]
    own, other = near(frame, knee, STYLE.side(side), 12, tol=60), near(frame, knee, STYLE.side(side.other), 12, tol=60)
    assert own > 30 and own > 3 * other, f"rep {rep.index} ({side.value}): {own} vs {other}"


def test_colours_stay_on_their_legs_where_the_model_swapped_them(synthetic) -> None:  # type: ignore[no-untyped-def]
    result, out, _ = synthetic
    inside = [r for r in result.reps if SWAPPED[0] <= r.i_peak < SWAPPED[1]]
    assert inside, "a drive peak should fall inside the swapped frames"
    rep = inside[0]
    frame = frame_at(out, rep.i_peak)
    knee = result.kinematics.xy[rep.i_peak, sided(rep.side, "KNEE")]
    assert knee[1] < 400, "the repaired track should have the lifted knee up"
    assert near(frame, knee, STYLE.side(rep.side), 12, tol=60) > 30


def test_overlay_command_redraws_from_the_saved_folder(synthetic, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = synthetic
    clip = tmp_path / "clip.mp4"
    shutil.copy(result.clip, clip)
    folder = tmp_path / "results"
    folder.mkdir()
    save_track(result.track, folder / "track.npz")
    (folder / "analysis.json").write_text(json.dumps({"clip_path": str(clip), "drill": "high_knees",
                                                      "thresholds": None, "model": None, "track": "track.npz"}))
    assert main(["overlay", str(folder)]) == 0
    _, _, times, _ = decoded(folder / "overlay.mp4")
    assert len(times) == len(result.track)
    assert f"{len(result.reps)} reps; overlay written to" in capsys.readouterr().out

    moved = tmp_path / "elsewhere" / "clip.mp4"
    moved.parent.mkdir()
    clip.rename(moved)
    assert main(["overlay", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "no longer at" in err and "--clip" in err and "Traceback" not in err
    assert main(["overlay", str(folder), "--clip", str(moved), "--out", str(tmp_path / "again.mp4")]) == 0
    assert len(decoded(tmp_path / "again.mp4")[2]) == len(result.track)


def test_overlay_command_refuses_a_folder_that_is_not_an_analysis(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["overlay", str(tmp_path)]) == 2
    assert "analysis.json" in capsys.readouterr().err


def test_side_view_angles_are_not_shown_when_the_camera_is_not_side_on(synthetic) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = synthetic
    side = plan_overlay(result)
    assert np.isfinite(side.metrics["thigh_angle_left"]).any()
    front = dataclasses.replace(result, kinematics=dataclasses.replace(result.kinematics, view=View.FRONT))
    plan = plan_overlay(front)
    for name in SIDE_VIEW_ANGLES:
        assert np.isnan(plan.metrics[name]).all(), name
    assert np.array_equal(plan.metrics["knee_height_left"], side.metrics["knee_height_left"], equal_nan=True)


def test_no_running_cadence_is_shown_where_the_clips_cadence_is_not_measured(synthetic) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = synthetic
    assert result.cadence_spm is not None and np.isfinite(plan_overlay(result).cadence_spm).any()
    unmeasured = dataclasses.replace(result, cadence_spm=None)
    assert np.isnan(plan_overlay(unmeasured).cadence_spm).all()
    # the body's own rhythm where the events missed it: no rate over the events, the clip's figure throughout
    body = dataclasses.replace(result, cadence_spm=181.0,
                               cadence_source="the thighs' swing and the hips' bounce (knee drives gave 150 a minute)")
    assert np.all(plan_overlay(body).cadence_spm == 181.0)
    # the cadence plot shows the drives the body's rhythm overruled, beside the clip's figure
    times, what = cadence_events(body)
    assert what == "drives" and len(times) == len(result.events.drives) >= 8
    np.testing.assert_allclose(times, sorted(d.t_rate_s for d in result.events.drives))  # as the rate times them


def test_an_hdr_clip_gets_an_sdr_overlay(tmp_path: Path) -> None:
    """An iPhone records HLG by default: the drawing's colours are SDR, so the overlay is tagged SDR."""
    track, _ = build(Athlete(fps=30.0, duration_s=1.0, drives=DRIVES[:2]))
    clip = tmp_path / "hlg.mp4"
    with av.open(str(clip), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 1280, 720, "yuv420p"
        cc = s.codec_context
        cc.colorspace, cc.color_primaries, cc.color_trc = 9, 9, 18  # BT.2020, HLG
        for i in range(len(track)):
            frame = av.VideoFrame.from_ndarray(np.full((720, 1280, 3), 90, np.uint8), format="rgb24")
            frame.pts = i
            c.mux(s.encode(frame.reformat(format="yuv420p")))
        c.mux(s.encode(None))
    result = analyse(clip, drill="high_knees", track=track, cache=None)
    out = render_overlay(result, tmp_path / "overlay.mp4")
    with av.open(str(out)) as c:
        cc = c.streams.video[0].codec_context
        tags = int(cc.colorspace), int(cc.color_primaries), int(cc.color_trc)
    assert tags == (9, 2, 2), "BT.2020 matrix kept (it is how the pixels are coded), HLG and its primaries dropped"


def test_an_athlete_under_the_panels_keeps_a_whole_skeleton(synthetic) -> None:  # type: ignore[no-untyped-def]
    """A travelling athlete passes under the corner panels: the skeleton is drawn over them, never dimmed."""
    result, _, _ = synthetic
    plan = plan_overlay(result)
    state = figure(lifted=Side.LEFT)
    shift = np.array([170.0, 160.0]) - state.xy[int(Landmark.LEFT_KNEE)]  # the lifted knee inside the panel
    note = RepNote(3, Side.LEFT, 55.0, "drive the knee forward to about hip height", "drive")
    state = dataclasses.replace(state, xy=state.xy + shift, notes=(note,), reps_done=3, reps_total=8)
    frame = np.full((720, 1280, 3), 90, np.uint8)
    for a in default_annotators(dataclasses.replace(plan, corner="left")):
        a.draw(RgbCanvas(frame), state)
    knee = state.xy[int(Landmark.LEFT_KNEE)]
    assert tuple(frame[round(knee[1]), round(knee[0])]) == STYLE.side(Side.LEFT), "the joint in its own colour"


def test_a_phone_clip_held_upright_gets_an_upright_overlay(tmp_path: Path) -> None:
    """Landscape-encoded with the display matrix a phone writes when held upright: the overlay is portrait."""
    from test_video import _set_display_matrix

    track, _ = build(Athlete(fps=30.0, duration_s=1.5, drives=DRIVES[:3]))
    clip = tmp_path / "upright.mp4"
    with VideoSink(clip, 1280, 720, 30.0) as sink:
        for t in track.t_s:
            frame = np.full((720, 1280, 3), 90, np.uint8)
            frame[:180, :320] = 255  # a white block in the encoded picture's top-left corner
            sink.write(frame, float(t))
    _set_display_matrix(clip, (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000))
    lm = track.landmarks_px.copy()  # the athlete in the upright picture's pixels (squashed, as drawn here)
    lm[:, :, 0] *= 720 / 1280
    lm[:, :, 1] *= 1280 / 720
    upright = track.replace(landmarks_px=lm, frame_size=(720, 1280))
    result = analyse(clip, drill="high_knees", track=upright, cache=None)
    out = render_overlay(result, tmp_path / "overlay.mp4")
    _, _, times, (w, h) = decoded(out)
    # portrait, the picture unscaled at the top-left (a band beside it holds the panels if the athlete leaves
    # no corner free)
    assert h == 1280 + strip_rows_below(720, 1280) and 720 <= w < h and len(times) == len(track)
    first = frame_at(out, 0).astype(float)
    # turned clockwise, as the phone showed it: the block is now top-right (under a panel or not, it is
    # far brighter than the grey picture)
    assert first[:320, 560:720].mean() > first[:320, :160].mean() + 40
