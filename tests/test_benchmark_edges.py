"""The recognition benchmark's account of drives near a clip's edge: how far from a coin toss each call was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from common import edge_call_distances, edge_distance_line  # benchmarks/common.py


def test_edge_call_distances_count_a_missed_cut_drive_with_the_truth() -> None:
    calls = [
        ["start", False, "whole", 0.2],   # cut by the truth, counted: against, a fifth of a frame out
        ["start", False, "cut", 1.5],     # with
        ["end", False, "missing", -0.9],  # cut and not found: not counted, so with the truth
        ["end", True, "cut", -0.8],       # whole by the truth, not counted: against
        ["start", True, "whole", -1.0],   # with
        ["start", False, "whole"],        # a set written before the distance was recorded: left out
    ]
    d = edge_call_distances(calls)
    assert d["calls"] == 5
    assert d["against"] == 2
    assert d["against_within_half_frame"] == 1
    assert d["against_median_frames"] == pytest.approx(0.5)
    assert d["right_median_frames"] == pytest.approx(1.0)
    line = edge_distance_line(d)
    assert "2 of 5" in line and "0.5 frames" in line and "(1 within half a frame)" in line


def test_edge_call_distances_with_every_call_right() -> None:
    d = edge_call_distances([["start", True, "whole", -0.3]])
    assert d["against"] == 0 and d["against_median_frames"] is None
    assert edge_distance_line(d) == "drives near an edge counted against the truth: none of 1"
