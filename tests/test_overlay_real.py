"""Overlay on the shared real clips: landscape 60 fps, portrait, and variable frame rate.

Decoded with PyAV (no ffmpeg CLI): H.264 / yuv420p, the source's frame count and times (within 1 ms),
orientation kept, and at knee-drive peaks the lifted leg's colour on its knee. Pose tracks come from the
cache after the first run, so this is mostly the cost of rendering ~1000 frames (the first run needs the model).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import real_clip
from overlay_helpers import STYLE, decoded, frame_at, near

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.landmarks import sided
from kneedrive_cv.output.annotators import Sizes
from kneedrive_cv.output.overlay import default_annotators, plan_overlay, render_overlay

pytestmark = [pytest.mark.real, pytest.mark.model]

CLIPS = ["high_knees_side_gym_60fps.mp4", "gaitlab_male_side_treadmill.mp4", "sprint_start_side_track_a1.mp4"]


def colour_tags(path: Path) -> tuple[str, str, str]:
    """The video stream's colour matrix, primaries and transfer, as FFmpeg names them."""
    import av

    with av.open(str(path)) as c:
        cc = c.streams.video[0].codec_context
        return str(cc.colorspace), str(cc.color_primaries), str(cc.color_trc)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[AnalysisResult, Path]]:
    out: dict[str, tuple[AnalysisResult, Path]] = {}
    folder = tmp_path_factory.mktemp("overlay_real")
    for name in CLIPS:
        path = real_clip(name)
        result = analyse(path)
        out[name] = result, render_overlay(result, folder / f"{Path(name).stem}.mp4")
    return out


@pytest.mark.parametrize("name", CLIPS)
def test_real_overlay_format_frames_and_times(rendered, name: str) -> None:  # type: ignore[no-untyped-def]
    result, out = rendered[name]
    codec, pix_fmt, times, (w, h) = decoded(out)
    _, _, source_times, (sw, sh) = decoded(result.clip)
    assert (codec, pix_fmt) == ("h264", "yuv420p")
    assert len(times) == len(source_times)
    assert np.max(np.abs(np.array(times) - np.array(source_times))) < 1e-3
    assert (w > h) == (sw > sh), f"{w}x{h} from a {sw}x{sh} source"
    assert w >= sw - sw % 2, "the picture is never scaled down (a band for the panels may widen it)"
    pw = sw - sw % 2
    assert colour_tags(out) == colour_tags(result.clip), "the overlay is shown in the source's colours"
    # the picture is the source's where nothing is drawn: no colour shift, and no more difference than
    # re-encoding gives (a plain transcode of the textured track differs by 2.6 on average)
    plan = plan_overlay(result)
    assert plan.layout is not None
    annotators = default_annotators(plan, picture_h=plan.layout.strip_top)
    for i in (10, 60, 110):
        drawn = np.zeros((h, w, 3), np.uint8)
        for a in annotators:
            a.annotate(drawn, plan.state(i, float(plan.t_s[i])))
        untouched = cv2.dilate(drawn.any(axis=2).astype(np.uint8), np.ones((9, 9), np.uint8))[:sh, :pw] == 0
        assert untouched.mean() > 0.5
        diff = frame_at(out, i)[:sh, :pw][untouched].astype(int) - frame_at(result.clip, i)[:, :pw][untouched]
        assert np.abs(diff.mean(axis=0)).max() < 1.5, f"frame {i}: colours shifted by {diff.mean(axis=0)}"
        assert np.abs(diff).mean() < 4


def test_real_vfr_clip_keeps_its_uneven_frame_times(rendered) -> None:  # type: ignore[no-untyped-def]
    result, out = rendered["sprint_start_side_track_a1.mp4"]
    source = np.round(np.diff(decoded(result.clip)[2]) * 1000, 1)
    gaps = np.round(np.diff(decoded(out)[2]) * 1000, 1)
    assert len(np.unique(source)) > 1, "the source clip should have uneven frame intervals (33.3 and 35 ms)"
    assert np.array_equal(gaps, source), "the variable frame rate was resampled away"


def test_real_lifted_leg_coloured_at_knee_drive_peaks(rendered) -> None:  # type: ignore[no-untyped-def]
    import av

    result, out = rendered["high_knees_side_gym_60fps.mp4"]
    assert len(result.reps) >= 10
    picks = {r.side: r for r in result.reps[2:]}  # one rep of each side, past the start
    wanted = {r.i_peak: r for r in picks.values()}
    radius = 4 * Sizes.of(1280, 720).joint
    seen = 0
    with av.open(str(out)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i in wanted:
                rep = wanted[i]
                frame = f.to_ndarray(format="rgb24")
                knee = result.kinematics.xy[i, sided(rep.side, "KNEE")]
                own = near(frame, knee, STYLE.side(rep.side), radius, tol=60)
                other = near(frame, knee, STYLE.side(rep.side.other), radius, tol=60)
                assert own > 20 and own > 2 * other, f"rep {rep.index} {rep.side.value}: {own} vs {other}"
                seen += 1
            if i >= max(wanted):
                break
    assert seen == 2
