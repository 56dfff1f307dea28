"""Real clips beyond the acceptance set: a sprinter small in the frame, out of the blocks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import real_clip

from kneedrive_cv.analysis import analyse

pytestmark = [pytest.mark.model, pytest.mark.real]


def test_sprint_start_first_strides() -> None:
    """The athlete is about 150 px tall in 1280x720: found by searching tiles (the whole-frame detector
    missed them), facing left, and the first strides out of the blocks show the trunk rising from a big
    forward lean toward upright (docs/DRILLS.md: about 45 deg at the first step, upright by 30 m)."""
    r = analyse(real_clip("sprint_start_side_track_a1.mp4"))
    assert r.track.detection_rate >= 0.85
    assert r.drill_name == "sprint_start" and r.facing == "left"
    assert r.score is not None
    start = r.score.findings["start_s"]
    assert isinstance(start, float) and 5.0 < start < 6.0  # the athlete sits in the blocks for five seconds
    assert len(r.reps) == 4 and all(rep.t_peak_s >= start for rep in r.reps)
    leans = np.array([rep.metrics["trunk_lean_deg"] for rep in r.reps], float)
    assert leans[0] > 40 and leans[-1] < leans[0] - 15
    sides = [rep.side for rep in r.reps]
    assert all(a is not b for a, b in itertools.pairwise(sides))
    assert all((rep.metrics.get("peak_thigh_speed_deg_s") or 0) > 300 for rep in r.reps)
