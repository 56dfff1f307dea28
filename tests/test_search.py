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
