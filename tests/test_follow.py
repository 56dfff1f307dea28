"""Following one athlete: frames where the single-person model jumped to somebody else are dropped."""

from __future__ import annotations

import numpy as np
from factory import Athlete, build

from kneedrive_cv.pose.follow import follow_athlete


def test_a_jump_to_a_bystander_is_dropped_and_the_athlete_kept() -> None:
    track, _ = build(Athlete(duration_s=3.0, fps=30.0))
    xy = track.xy.astype(float).copy()
    bystander = slice(40, 55)
    xy[bystander] = xy[bystander] * 0.5 + [900.0, 100.0]  # someone smaller, far to the side
    keep, followed = follow_athlete(xy, track.t_s)
    assert not keep[bystander].any()
    assert keep[:40].all() and keep[55:].all()
    assert followed.frames_dropped == 15 and followed.runs_dropped == 1
    assert followed.bbox_start_px[0] < 700  # the athlete at the start, not the bystander


def test_the_largest_person_at_the_start_is_the_athlete() -> None:
    track, _ = build(Athlete(duration_s=2.0, fps=30.0))
    xy = track.xy.astype(float).copy()
    # for the first 10 frames the model saw a small far-off person, then locked on to the athlete
    xy[:10] = xy[:10] * 0.3 + [50.0, 50.0]
    keep, _followed = follow_athlete(xy, track.t_s)
    assert not keep[:10].any() and keep[10:].all()


def test_nobody_at_all() -> None:
    xy = np.full((20, 33, 2), np.nan)
    keep, followed = follow_athlete(xy, np.arange(20) / 30)
    assert not keep.any() and followed.frames_kept == 0
