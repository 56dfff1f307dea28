"""Shared fixtures: where the shared real clips are, and a pose cache kept for the whole test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"
sys.path.insert(0, str(Path(__file__).parent))  # tests/factory.py


def real_clip(name: str) -> Path:
    """Path of a shared real clip; skips the test where ../shared/real_videos is absent."""
    path = REAL / name
    if not path.exists():
        pytest.skip(f"shared real clip {name} not found at {REAL} (the clips live beside the project, not in it)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pose tracks go to a cache that lives as long as the user's (CI: a folder kept between test files).

    KNEEDRIVE_CACHE may be set by the caller to share one cache across runs; otherwise one cache is used for
    the whole session so each real clip is run through the model once.
    """
    if "KNEEDRIVE_CACHE" not in os.environ:
        os.environ["KNEEDRIVE_CACHE"] = str(ROOT / ".cache" / "test-tracks")


def stored_clip(store: Any, result: Any, athlete_id: int | None, recorded_on: str) -> str:
    """Put an analysis into a web app's data folder as an analysed clip (as its worker would); returns its id.

    ``store`` is a :class:`kneedrive_cv.web.store.Store`, ``result`` an
    :class:`~kneedrive_cv.analysis.AnalysisResult`; its outputs are written into the clip's results folder.
    """
    import shutil

    from kneedrive_cv.output import write_outputs
    from kneedrive_cv.output.report import report_dict
    from kneedrive_cv.output.summary import summarise

    clip_id = store.new_clip_id()
    store.clip_dir(clip_id).mkdir(parents=True)
    stored = f"clip{result.clip.suffix}"
    shutil.copy(result.clip, store.clip_dir(clip_id) / stored)
    v = result.video
    store.add_clip(clip_id, athlete_id=athlete_id, original_name=result.clip.name, stored_name=stored,
                   drill_requested=result.drill_asked, recorded_on=recorded_on,
                   video={"n_frames": v.n_frames, "duration_s": v.duration_s, "width": v.width, "height": v.height,
                          "fps": v.fps})
    out = store.results_dir(clip_id)
    files = write_outputs(result, out)
    store.mark_done(clip_id, summarise(report_dict(result), files, out).as_dict())
    return str(clip_id)
