"""A real batch end to end: a real clip, three bad files and two truncated clips, then a rerun that runs nothing.

Truncated clips: ``high_knees_side_gym_60fps.mp4`` keeps its index (``moov``) at the start of the file, so its
first 300 KB still decode (30 frames with the athlete in them): that clip is scored, with the report saying
the file was truncated. ``gaitlab_male_side_treadmill.mp4`` keeps its index at the end, so its first 300 KB
cannot be opened at all: that clip fails as not readable.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

import kneedrive_cv.batch.runner as runner
from kneedrive_cv.batch import run_batch
from kneedrive_cv.batch.store import MARKER

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real_videos"
SHORT = REAL / "running_side_panning_field_short.mp4"

pytestmark = [pytest.mark.model, pytest.mark.real,
              pytest.mark.skipif(not SHORT.exists(), reason=f"shared real clips not found at {REAL}")]


def _truncated(src: Path, dst: Path, size: int = 300_000) -> None:
    dst.write_bytes(src.read_bytes()[:size])


def test_real_batch_then_rerun_runs_no_inference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KNEEDRIVE_CACHE", str(cache))
    src = tmp_path / "squad"
    (src / "ben").mkdir(parents=True)
    shutil.copy(SHORT, src / "ana_sprint.mp4")
    (src / "ben" / "empty.mp4").write_bytes(b"")
    (src / "ben" / "notes.mp4").write_text("not a clip\n")
    _truncated(REAL / "high_knees_side_gym_60fps.mp4", src / "cat_cut.mp4")
    _truncated(REAL / "gaitlab_male_side_treadmill.mp4", src / "dan_cut.mp4")
    out = tmp_path / "out"

    result = run_batch(src, out, jobs=2)

    rows = {r["clip"]: r for r in result.rows}
    assert {c: r["status"] for c, r in rows.items()} == {
        "ana_sprint.mp4": "ok", "ben/empty.mp4": "failed", "ben/notes.mp4": "failed", "cat_cut.mp4": "ok",
        "dan_cut.mp4": "failed"}
    assert rows["ben/empty.mp4"]["reason"].startswith("ben/empty.mp4 is empty (0 bytes).")
    assert rows["ben/notes.mp4"]["reason"].startswith("ben/notes.mp4 is not a video that can be read")
    assert rows["dan_cut.mp4"]["reason"].startswith("dan_cut.mp4 is not a video that can be read")
    for clip, athlete in (("ana_sprint.mp4", "ana"), ("cat_cut.mp4", "cat")):
        folder = out / rows[clip]["outputs"]
        report = json.loads((folder / "report.json").read_text())
        assert rows[clip]["athlete"] == athlete and rows[clip]["drill"] == report["drill"]
        assert rows[clip]["reps"] == str(len(report["reps"]))
        assert (folder / "report.html").exists() and (folder / MARKER).exists()
        assert f'href="{rows[clip]["outputs"]}/report.html"' in (out / "index.html").read_text()
    cut = json.loads((out / "cat" / "cat_cut" / "report.json").read_text())
    assert cut["video"]["truncated"] is True and 0 < cut["video"]["frames"] < 400
    assert f"file truncated: the {cut['video']['frames']} frames before the damage" in (out / "index.html").read_text()
    assert result.failed == 3 and len(list(cache.rglob("*.npz"))) == 2

    # the rerun: no worker pool, no pose model, no cache write, no clip folder touched
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("the rerun started worker processes")

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the rerun loaded the pose model")

    monkeypatch.setattr(runner, "_process_pool", no_pool)
    monkeypatch.setattr("kneedrive_cv.pose.mediapipe_backend.PoseEstimator", no_model)
    markers = {p: p.stat().st_mtime_ns for p in out.glob(f"*/*/{MARKER}")}
    cached = sorted((p.name, p.stat().st_mtime_ns) for p in cache.rglob("*"))
    summary = (out / "summary.csv").read_text()

    again = run_batch(src, out, jobs=2)

    assert (again.analysed, again.reused, again.failed) == (0, 5, 3)
    assert {p: p.stat().st_mtime_ns for p in out.glob(f"*/*/{MARKER}")} == markers
    assert sorted((p.name, p.stat().st_mtime_ns) for p in cache.rglob("*")) == cached
    assert (out / "summary.csv").read_text() == summary
    assert len(list(csv.DictReader(summary.splitlines()))) == 5
