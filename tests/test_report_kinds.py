"""Every output renders a rep of every kind (drive, hold, heel raise) with whatever metrics it has, even none.

report.json leaves out metrics that are None, so a raise has no ``peak_thigh_deg`` and a drive no
``heel_rise_thighs``: the page, the CSVs, the overlay's panels and the kinogram's captions must not need them.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from overlay_helpers import STYLE, decoded, synthetic_clip

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.commands.analyse import print_rep_table
from kneedrive_cv.output import write_outputs
from kneedrive_cv.output.annotators import Style
from kneedrive_cv.output.kinogram import Layout
from kneedrive_cv.output.overlay import plan_overlay
from kneedrive_cv.output.summary import summarise
from kneedrive_cv.scoring.drills import REP_METRICS, RepKind
from kneedrive_cv.scoring.recognise import Candidate, Recognition
from kneedrive_cv.scoring.score import ClipScore

DRILL_OF = {RepKind.DRIVE: "high_knees", RepKind.HOLD: "hip_flexion_hold", RepKind.RAISE: "wall_calves"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    clip, track, _ = synthetic_clip(tmp_path_factory.mktemp("kinds"))
    return analyse(clip, drill="high_knees", track=track, cache=None)


def bare(result: AnalysisResult, kind: RepKind) -> AnalysisResult:
    """``result`` with three reps of ``kind``, every metric None and no score (nothing could be measured)."""
    reps = tuple(dataclasses.replace(r, kind=kind, metrics=dict.fromkeys(REP_METRICS), score=None, faults=(),
                                     unmeasured=()) for r in result.reps[:3])
    score = ClipScore(reps, None, "heel raises" if kind is RepKind.RAISE else "knee drives", None, (), {})
    return dataclasses.replace(result, drill=result.book.get(DRILL_OF[kind]), score=score)


@pytest.mark.parametrize("kind", list(RepKind))
def test_every_output_renders_a_rep_with_no_metrics(base: AnalysisResult, kind: RepKind, tmp_path: Path) -> None:
    result = bare(base, kind)
    files = write_outputs(result, tmp_path, overlay=True)
    for name in ("report.json", "reps.csv", "report.html", "kinogram.png", "overlay.mp4"):
        assert name in files and files[name].exists(), name
    report = json.loads((tmp_path / "report.json").read_text())
    assert [r["kind"] for r in report["reps"]] == [kind.value] * 3
    assert all(r["metrics"] == {} and r["score"] is None for r in report["reps"])
    html = (tmp_path / "report.html").read_text()
    rows = re.findall(r'<tr class="rep">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    for row in rows:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert "–" in cells[3] and cells[4].strip() == "–"  # no score, no height: shown as missing
    heading = "Heel rise" if kind is RepKind.RAISE else "Knee (thigh deg)"
    assert heading in html
    with open(tmp_path / "reps.csv") as fh:
        lines = list(csv.DictReader(fh))
    assert [row["kind"] for row in lines] == [kind.value] * 3 and all(row["score"] == "" for row in lines)
    # the overlay: every source frame, and the rep notes name the rep's kind
    assert len(decoded(files["overlay.mp4"])[2]) == len(result.track)
    plan = plan_overlay(result)
    assert [n.kind for n in plan.notes] == [kind.value] * 3 and all(n.score is None for n in plan.notes)
    # the kinogram: a tile per rep, each headed in the colour of "no score"
    image = cv2.cvtColor(cv2.imread(str(files["kinogram.png"])), cv2.COLOR_BGR2RGB)
    lay = Layout.of(3, Style(scale=1.35))
    assert (image.shape[1], image.shape[0]) == lay.size
    for k in range(3):
        x, y = lay.origin(k)
        band = image[y:y + lay.tile_h // 6, x:x + lay.tile_w].astype(int)
        line = np.all(np.abs(band - STYLE.score(None)) <= 3, axis=2)
        assert line.sum(axis=1).max() >= 0.9 * lay.tile_w


def test_a_rep_clean_on_what_was_measured_says_what_it_was_not_judged_on(base: AnalysisResult, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # a drive put back on the set's beat: no faults, but its knee height was not measured; its row must not pass
    # for a checked knee, on the page or in the CLI's table
    reps = list(base.reps)
    reps[1] = dataclasses.replace(reps[1], faults=(), unmeasured=("peak_thigh_deg", "top_dorsiflexion_deg"))
    result = dataclasses.replace(base, score=dataclasses.replace(base.score, reps=tuple(reps)))
    write_outputs(result, tmp_path)
    rows = re.findall(r'<tr class="rep">(.*?)</tr>', (tmp_path / "report.html").read_text(), re.S)
    judged = ["not judged" in row for row in rows]
    assert judged[1] and sum(judged) == 1
    assert "thigh angle at the top of the drive" in rows[1] and "(90 = horizontal)" not in rows[1]
    print_rep_table(result)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.lstrip().startswith(("1 ", "2 "))]
    assert "not judged: thigh angle at the top of the drive, lifted foot's dorsiflexion" in lines[1]
    assert "not judged" not in lines[0]


def test_a_clip_called_none_names_the_drill_it_came_nearest(base: AnalysisResult, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # a piston run done with low knees is no drill to recognition, but the coach is told which drill it was
    # nearest and how to have it scored as one: in the terminal, the report page and the clip's summary
    why = "knees peak at 43 deg (under 55): walking or running, not a drill"
    called = Recognition("none", 0.84, (why, "closest drill: piston_run, 16 % (travelling knee drives)"),
                         base.recognition.features, Candidate("piston_run", 0.16, "travelling knee drives"))
    result = dataclasses.replace(base, recognition=called, drill=None, score=None, drill_asked="auto")
    files = write_outputs(result, tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["drill"] == "none" and report["drill_closest"] == "piston_run"
    html = (tmp_path / "report.html").read_text()
    assert "If it is the piston run, analyse again with <code>--drill piston_run</code>" in html
    assert summarise(report, files, tmp_path).drill_closest == "piston_run"
    print_rep_table(result)
    out = capsys.readouterr().out
    assert "closest drill: piston_run, 16 %" in out
    assert "if it is the piston run, analyse again with --drill piston_run" in out
    # the drill named by the coach leaves nothing to suggest
    print_rep_table(dataclasses.replace(result, drill_asked="high_knees"))
    assert "analyse again" not in capsys.readouterr().out
