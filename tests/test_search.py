"""Finding an athlete the whole-frame detector misses: when the tiles are searched.

The estimators are fakes that "see" a white figure on a black frame, so the timing of the searches is exact.
A real clip then checks the end result: a small athlete is kept across the clip's spans.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import real_clip

from kneedrive_cv.landmarks import N_LANDMARKS, Side, sided
from kneedrive_cv.pose.search import SEARCH_AFTER_S, SEARCH_FIRST_S, AthleteFinder, Pose

FPS = 60.0
PARTS = {"SHOULDER": 0.0, "HIP": 0.45, "KNEE": 0.7, "ANKLE": 0.95, "HEEL": 1.0, "FOOT_INDEX": 1.0, "EAR": -0.1}


def _frame(visible: bool) -> np.ndarray:
    frame = np.zeros((720, 1280, 3), np.uint8)
    if visible:
        frame[500:640, 900:950] = 255  # a figure 140 px tall: too small for the whole-frame detector
    return frame


def _sees(image: np.ndarray, t_s: float) -> Pose | None:
    """A fake model: a pose spanning the white figure in ``image``, or None."""
    ys, xs = np.nonzero(image[:, :, 0] > 128)
    if len(ys) < 20:
        return None
    lm = np.zeros((N_LANDMARKS, 4), np.float32)
    lm[:, 3] = 1.0
    top, height, cx = ys.min(), ys.max() - ys.min(), xs.mean()
    for s in Side:
        for part, at in PARTS.items():
            lm[int(sided(s, part))] = (cx, top + at * height, 0.0, 1.0)
    return lm, np.zeros((N_LANDMARKS, 3), np.float32)


def _never(image: np.ndarray, t_s: float) -> Pose | None:
    return None


def _first_found(finder: AthleteFinder, appears_s: float = 0.0, seconds: float = 2.0) -> float:
    for i in range(int(seconds * FPS)):
        t = i / FPS
        if finder(_frame(t >= appears_s), t) is not None:
            return t
    return np.inf


def test_at_the_clips_start_the_whole_frame_gets_its_time_first() -> None:
    finder = AthleteFinder(_never, _sees, _sees)
    assert _first_found(finder) == pytest.approx(SEARCH_AFTER_S, abs=1 / FPS)
    assert finder.counts["searches"] == 1


def test_a_later_span_searches_for_the_athlete_soon() -> None:
    # the athlete was in view at the end of the span before: losing 0.3 s at every span's start lost a drive
    finder = AthleteFinder(_never, _sees, _sees, expect_athlete=True)
    assert _first_found(finder) == pytest.approx(SEARCH_FIRST_S, abs=1 / FPS)
    # and until they come, it searches every SEARCH_AFTER_S (not the SEARCH_EVERY_S of a lost athlete)
    late = AthleteFinder(_never, _sees, _sees, expect_athlete=True)
    found = _first_found(late, appears_s=1.0)
    assert 1.0 <= found < 1.0 + SEARCH_AFTER_S + 1 / FPS
    assert late.counts["searches"] == 4  # about 0.1, 0.4, 0.7 and 1.0 s (every 0.5 s would be 0.1, 0.6, 1.1)


def test_once_found_the_athlete_is_followed_in_a_crop_every_frame() -> None:
    finder = AthleteFinder(_never, _sees, _sees, expect_athlete=True)
    first = _first_found(finder)
    kept = [finder(_frame(True), first + k / FPS) is not None for k in range(1, 30)]
    assert all(kept) and finder.counts["crop"] == 29


def _small_copy(src: Path, dst: Path, scale: float) -> Path:
    """``src`` shrunk by ``scale`` into the bottom right of a black frame of the same size."""
    import cv2

    from kneedrive_cv.video import VideoSink, probe, read_frames

    info = probe(src)
    w, h = info.width, info.height
    sw, sh = int(w * scale), int(h * scale)
    with VideoSink(dst, w, h, info.fps, reproducible=True) as sink:
        for t_s, rgb in read_frames(src):
            canvas = np.zeros_like(rgb)
            canvas[h - sh - 60:h - 60, w - sw - 150:w - 150] = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
            sink.write(canvas, t_s)
    return dst


@pytest.mark.model
@pytest.mark.real
def test_a_small_athlete_is_kept_across_the_clips_spans(tmp_path: Path) -> None:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.pose.estimate import span_count

    clip = _small_copy(real_clip("high_knees_side_gym_60fps.mp4"), tmp_path / "hk_small.mp4", 1 / 3)
    result = analyse(clip)
    track = result.track
    assert span_count(len(track)) == 2
    boundary = len(track) // 2
    lost = ~track.present[boundary - 30:boundary + 30]
    assert lost.sum() <= 7  # at most 0.1 s; 19 frames (0.32 s) were lost at the second span's start
    complete = [d for d in result.events.drives if not d.partial]
    # 18 complete drives in the clip; the first starts before the first search finds the athlete (0.3 s)
    assert len(complete) >= 17
    assert result.drill_name == "high_knees"


def _stick(x: float, y: float, height: float) -> np.ndarray:
    """(33, 4) landmarks of an upright person whose shoulders are at (x, y), ``height`` pixels tall."""
    lm = np.zeros((N_LANDMARKS, 4), np.float32)
    lm[:, 3] = 1.0
    for s in Side:
        for part, at in PARTS.items():
            lm[int(sided(s, part))] = (x, y + at * height, 0.0, 1.0)
    return lm


def test_a_pose_continues_the_person_when_near_and_the_same_size() -> None:
    from kneedrive_cv.pose.follow import continues

    athlete = _stick(600, 200, 400)[:, :2]
    assert continues(athlete, _stick(612, 204, 396)[:, :2], 1 / 60)
    assert not continues(athlete, _stick(220, 180, 560)[:, :2], 1 / 60)  # a bigger person to the side
    assert not continues(athlete, _stick(600, 200, 600)[:, :2], 1 / 60)  # the size jumps
    assert continues(athlete, _stick(700, 200, 400)[:, :2], 1.0)  # far, but a second later


def test_a_crop_can_show_only_the_athlete() -> None:
    from kneedrive_cv.pose.search import Window

    frame = np.full((720, 1280, 3), 200, np.uint8)
    window = Window(400, 100, 400)
    whole, only = window.crop(frame), window.crop(frame, (500.0, 150.0, 700.0, 450.0))
    assert whole.min() == 200
    # the box is a quarter of the window each way from (100, 50): the rest is black
    inside = only[int(0.3 * only.shape[0]):int(0.8 * only.shape[0]), int(0.3 * only.shape[1]):int(0.7 * only.shape[1])]
    assert inside.min() == 200
    assert only[:, : int(0.2 * only.shape[1])].max() == 0 and only[int(0.9 * only.shape[0]):].max() == 0


def test_a_span_that_starts_on_somebody_else_is_tracked_again_from_the_athlete(monkeypatch: pytest.MonkeyPatch) -> None:
    import kneedrive_cv.pose.estimate as est
    from kneedrive_cv.video import Span

    athlete, bystander = _stick(600, 200, 400), _stick(220, 100, 560)

    def span_of(lms: list[np.ndarray], t0: float) -> est._SpanPoses:
        part = est._SpanPoses(size=(1280, 720))
        for k, lm in enumerate(lms):
            part.times.append(t0 + k / FPS)
            part.landmarks.append(lm)
            part.world.append(np.zeros((N_LANDMARKS, 3), np.float32))
        return part

    runs: list[object] = []

    def rerun(path: Path, span: Span | None, model: object, stop: object, done: list[int], turn: int = 0,
              seed: object = None) -> est._SpanPoses:
        runs.append(seed)
        return span_of([_stick(604, 202, 398)] * 5, 1.0)  # seeded on the athlete: found where they were

    monkeypatch.setattr(est, "_pose_span", rerun)
    spans: list[Span | None] = [Span(None, 60), Span(60, 120), Span(120, None)]
    parts = [span_of([athlete] * 5, 0.9), span_of([bystander] * 5, 1.0), span_of([_stick(606, 203, 398)] * 5, 2.0)]
    mended = est._mended(Path("clip.mp4"), spans, parts, None, 0)
    assert len(runs) == 1  # only the span that started on the bystander, not the one that continues
    seed = runs[0]
    assert isinstance(seed, tuple)
    window, box = seed
    assert box[0] < 600 < box[2] and box[0] > 220 + 100  # the athlete's box, not reaching the bystander
    assert window.x0 < box[0] and window.x0 + window.side > box[2]
    assert mended[0] is parts[0] and mended[2] is parts[2]
    assert np.allclose(mended[1].landmarks[0], _stick(604, 202, 398))
    # a re-run that still does not find the athlete changes nothing
    monkeypatch.setattr(est, "_pose_span", lambda *a, **k: span_of([bystander] * 5, 1.0))
    kept = est._mended(Path("clip.mp4"), spans, parts, None, 0)
    assert kept[1] is parts[1]


def _beside(src: Path, other: Path, dst: Path, phase: int = 20) -> Path:
    """``src`` with ``other`` (looped) pasted at its left, taller than the athlete: a person nearer the camera.

    ``phase``: the pasted clip's frame at the start. Whether a fresh tracker picks the athlete or the other
    person depends on the very frame it starts on; at phases 20 and 40 the second span's picked the jogger
    (0 and 10 happened to pick the athlete).
    """
    import cv2

    from kneedrive_cv.video import VideoSink, probe, read_frames

    info = probe(src)
    extra = [rgb for _, rgb in read_frames(other)]
    h = int(0.97 * info.height)
    w = int(h * extra[0].shape[1] / extra[0].shape[0])
    with VideoSink(dst, info.width, info.height, info.fps, reproducible=True) as sink:
        for i, (t_s, rgb) in enumerate(read_frames(src)):
            frame = rgb.copy()
            jogger = extra[(i // 2 + phase) % len(extra)]
            top = (info.height - h) // 2
            frame[top:top + h, 20:20 + w] = cv2.resize(jogger, (w, h), interpolation=cv2.INTER_AREA)
            sink.write(frame, t_s)
    return dst


@pytest.mark.model
@pytest.mark.real
def test_a_person_nearer_the_camera_does_not_take_the_athletes_place(tmp_path: Path) -> None:
    from kneedrive_cv.analysis import analyse

    clip = _beside(real_clip("high_knees_side_gym_60fps.mp4"), real_clip("jogging_front_portrait.mp4"),
                   tmp_path / "hk_with_jogger.mp4")
    result = analyse(clip)
    followed = result.track.meta["followed"]
    # the second span's fresh tracker locked on to the jogger: its 200 frames were dropped and 9 drives counted
    assert followed["frames_dropped_other_person"] == 0
    assert result.track.detection_rate > 0.97
    complete = [d for d in result.events.drives if not d.partial]
    assert len(complete) == 18
    assert result.drill_name == "high_knees"
