"""What `kneedrive analyse` writes, checked against itself: rep rows, plots, kinogram, CSVs, report.json."""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, real_clip

from kneedrive_cv.kinematics.metrics import METRIC_COLUMNS

pytestmark = pytest.mark.model

PNG = b"\x89PNG\r\n\x1a\n"


def run_analyse(clip: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "kneedrive_cv", "analyse", str(clip), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def piston(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("piston")
    return out, run_analyse(ROOT / "sample_videos" / "piston_run.mp4", out)


def test_report_json_has_the_contract_keys(piston: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = piston
    report = json.loads((out / "report.json").read_text())
    for key in ("drill", "drill_confidence", "cadence_spm", "facing", "hold_s", "reps", "summary", "unmeasured",
                "thresholds"):
        assert key in report
    assert report["drill"] == "piston_run" and report["facing"] == "right"
    truth = json.loads((ROOT / "sample_videos" / "piston_run.truth.json").read_text())
    assert report["cadence_spm"] == pytest.approx(truth["cadence_spm"], rel=0.02)
    rep = report["reps"][0]
    assert {"side", "t_peak_s", "score", "faults"} <= set(rep)
    assert all({"code", "cue"} <= set(f) for r in report["reps"] for f in r["faults"])
    assert report["thresholds"]["criteria"] and report["thresholds"]["sources"]


def test_frames_and_reps_csv_match_the_report(piston: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, _ = piston
    report = json.loads((out / "report.json").read_text())
    with open(out / "frames.csv") as fh:
        frames = list(csv.DictReader(fh))
    assert len(frames) == report["video"]["frames"]
    assert set(METRIC_COLUMNS) <= set(frames[0]) and "confidence_thigh_angle_left" in frames[0]
    times = np.array([float(r["t_s"]) for r in frames])
    assert np.all(np.diff(times) > 0)
    with open(out / "reps.csv") as fh:
        reps = list(csv.DictReader(fh))
    assert len(reps) == len(report["reps"])
    for row, rep in zip(reps, report["reps"], strict=True):
        assert row["side"] == rep["side"] and float(row["t_peak_s"]) == pytest.approx(rep["t_peak_s"], abs=1e-3)
        assert float(row["score"]) == pytest.approx(rep["score"], abs=0.05)


def test_html_report_shows_every_rep_and_the_plots(piston: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, printed = piston
    report = json.loads((out / "report.json").read_text())
    html = (out / "report.html").read_text()
    assert "turned upright" not in html  # an upright clip is not said to be turned
    rows = re.findall(r'<tr class="rep">(.*?)</tr>', html, re.S)
    assert len(rows) == len(report["reps"]) > 5
    for row, rep in zip(rows, report["reps"], strict=True):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[0].strip() == str(rep["index"]) and rep["side"] in cells[1]
        assert f"{rep['t_peak_s']:.2f}" in cells[2] and f"{rep['score']:.0f}" in cells[3]
    images = re.findall(r'src="data:image/(?:png|jpeg);base64,([^"]+)"', html)
    assert len(images) >= 4  # kinogram and three plots, embedded: the page stands alone
    assert len(html) < 2_000_000, "the page should be small enough to mail"
    assert "http://" not in html and "https://" not in html
    for name in ("knee.png", "trunk_foot.png", "cadence.png"):
        data = (out / "plots" / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000
    kinogram = (out / "kinogram.png").read_bytes()
    assert kinogram.startswith(PNG)
    # the terminal shows the same table
    assert f"{len(report['reps']):>3}  " in printed.stdout or str(len(report["reps"])) in printed.stdout
    assert "mean score" in printed.stdout


def test_a_slow_motion_cadence_says_so_where_it_is_shown(piston: tuple[Path, subprocess.CompletedProcess[str]]
                                                          ) -> None:
    """The summary's cadence card says a rate is in playback time when the analysis calls the clip slow motion."""
    from kneedrive_cv.output.html import render_report_html

    out, _ = piston
    report = json.loads((out / "report.json").read_text())
    card = re.compile(r'<div class="k">Cadence</div>.*?</div></div>', re.S)
    assert "slow motion" not in card.search(render_report_html(report, {}, None)).group(0)
    report["unmeasured"] = [*report["unmeasured"], {"kind": "slow_motion", "what": "real-time cadence",
                                                    "why": "18 steps per minute is too slow for running"}]
    assert "probably slow motion" in card.search(render_report_html(report, {}, None)).group(0)


def test_html_report_is_headed_by_the_athlete_when_given(piston: tuple[Path, subprocess.CompletedProcess[str]]
                                                          ) -> None:
    from kneedrive_cv.output.html import render_report_html

    out, _ = piston
    report = json.loads((out / "report.json").read_text())
    plain = (out / "report.html").read_text()
    headed = render_report_html(report, {}, None, heading={"athlete": "Ada Lovelace", "filmed": "2025-03-14",
                                                           "clip": "Tuesday run.mov"})
    assert "<title>Ada Lovelace - Tuesday run.mov - Piston run - 2025-03-14 - kneedrive report</title>" in headed
    assert re.search(r"<header>\s*<h1>Ada Lovelace</h1>\s*<p>Piston run &middot; filmed 2025-03-14</p>", headed)
    assert "<p>Tuesday run.mov &middot;" in headed and "piston_run.mp4" not in headed
    # the CLI's own heading: the clip's name and its file's date (the sample holds no recording date)
    filmed = report["heading"]["filmed"]
    assert report["heading"] == {"athlete": None, "clip": "piston_run.mp4", "filmed": filmed, "filmed_from": "file"}
    assert f"<title>piston_run.mp4 - Piston run - {filmed} - kneedrive report</title>" in plain
    assert "--thresholds" not in plain and "elbow_angle" not in plain.split("Not measured")[-1].split("</ul>")[0]


def test_the_cli_and_the_batch_head_the_reports_with_athlete_date_and_clip(tmp_path: Path) -> None:
    """`kneedrive analyse --name` and a batch manifest's athlete and date head report.json and report.html."""
    import os

    from kneedrive_cv.batch.discover import ClipJob
    from kneedrive_cv.batch.worker import analyse_and_write, job_heading

    clip = tmp_path / "Tuesday run.mp4"
    clip.write_bytes((ROOT / "sample_videos" / "piston_run.mp4").read_bytes())  # the same pose cache entry
    os.utime(clip, (1_700_000_000, 1_710_000_000))
    filmed = datetime.fromtimestamp(1_710_000_000).date().isoformat()
    run_analyse(clip, tmp_path / "cli", "--name", "  Ada   Lovelace ")
    cli = json.loads((tmp_path / "cli" / "report.json").read_text())
    assert cli["heading"] == {"athlete": "Ada Lovelace", "clip": "Tuesday run.mp4", "filmed": filmed,
                              "filmed_from": "file"}
    page = (tmp_path / "cli" / "report.html").read_text()
    assert re.search(rf"<header>\s*<h1>Ada Lovelace</h1>\s*<p>Piston run &middot; filmed {filmed} "
                     r'<span class="from">\(the file\'s date: the video holds no recording date\)</span></p>', page)
    assert "<p>Tuesday run.mp4 &middot;" in page

    job = ClipJob(clip, "squad/Tuesday run.mp4", "Ben", "auto", "2024-05-01")
    analyse_and_write(clip, (tmp_path / "batch"), "auto", False, heading=job_heading(job))
    batch = json.loads((tmp_path / "batch" / "report.json").read_text())
    assert batch["heading"] == {"athlete": "Ben", "clip": "Tuesday run.mp4", "filmed": "2024-05-01",
                                "filmed_from": "given"}
    page = (tmp_path / "batch" / "report.html").read_text()
    assert "<h1>Ben</h1>" in page and "filmed 2024-05-01</p>" in page and "<p>Tuesday run.mp4 &middot;" in page


def test_a_clip_with_no_drill_still_reports_what_it_saw(tmp_path: Path) -> None:
    run_analyse(ROOT / "sample_videos" / "walking.mp4", tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["drill"] == "none" and report["reps"] == []
    assert any(u["what"] == "rep scores" for u in report["unmeasured"])
    html = (tmp_path / "report.html").read_text()
    assert "No knee-drive drill recognised" in html


@pytest.mark.real
def test_high_knees_measured_about_horizontal(tmp_path: Path) -> None:
    """README truth: thighs reach about horizontal at the peaks (the figure leans back a little)."""
    run_analyse(real_clip("high_knees_side_gym_60fps.mp4"), tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    peaks = [r["metrics"]["peak_thigh_deg"] for r in report["reps"]]
    assert len(peaks) == 18
    assert 80 <= float(np.median(peaks)) <= 105
    heights = [r["metrics"]["peak_knee_height"] for r in report["reps"]]
    assert -0.2 <= float(np.median(heights)) <= 0.35
    intervals = np.diff([r["t_peak_s"] for r in report["reps"]])
    assert float(np.mean(intervals)) == pytest.approx(0.33, abs=0.02)
    assert report["cadence_spm"] == pytest.approx(181, rel=0.03)
    sides = [r["side"] for r in report["reps"]]
    assert all(a != b for a, b in itertools.pairwise(sides))


def test_the_cadence_plot_shows_the_events_the_cadence_counts(tmp_path: Path) -> None:
    """Two foot contacts found in one frame (the faults sample at 1.57 s) are one contact, not an endless rate."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from dataclasses import replace

    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.output.plots import plot_cadence

    result = analyse(ROOT / "sample_videos" / "piston_run_faults.mp4")
    found = result.events.contacts
    if not np.any(np.diff(sorted(c.t_on_s for c in found)) == 0):  # the legacy backend's tracks had one
        result = replace(result, events=replace(result.events, contacts=(*found, found[len(found) // 2])))
    contacts = sorted(c.t_on_s for c in result.events.contacts)
    assert np.any(np.diff(contacts) == 0), "the sample should have a double contact to test with"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division by a zero interval warned, and plotted an infinite rate
        plot_cadence(result, tmp_path / "cadence.png")
    assert (tmp_path / "cadence.png").read_bytes().startswith(PNG)
