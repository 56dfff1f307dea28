"""The athlete's height in the web app: set on their page, kept in the store, handed to the clip's analysis."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from conftest_web import fake_analysis
from fastapi.testclient import TestClient

from kneedrive_cv.web.app import create_app
from kneedrive_cv.web.jobs import _work
from kneedrive_cv.web.store import DB_NAME, Store


def test_the_athlete_page_sets_and_clears_the_height(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        ada = Store(tmp_path).athlete_by_name("Ada", create=True)
        assert ada is not None
        page = client.get(f"/athletes/{ada.id}").text
        saved = client.post(f"/athletes/{ada.id}/height", data={"height_cm": "171.5"}, follow_redirects=False)
        shown = client.get(f"/athletes/{ada.id}").text
        refused = client.post(f"/athletes/{ada.id}/height", data={"height_cm": "1.72"}, follow_redirects=False)
        kept = Store(tmp_path).athlete_height_cm(ada.id)
        cleared = client.post(f"/athletes/{ada.id}/height", data={"height_cm": ""}, follow_redirects=False)
        nobody = client.post("/athletes/999/height", data={"height_cm": "170"}, follow_redirects=False)
    assert 'name="height_cm"' in page and 'value=""' in page
    assert saved.status_code == 303 and 'value="171.5"' in shown
    assert refused.status_code == 400 and "centimetres" in refused.text and kept == 171.5
    assert cleared.status_code == 303 and Store(tmp_path).athlete_height_cm(ada.id) is None
    assert nobody.status_code == 404


def test_an_old_data_folder_gets_the_height_column(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("CREATE TABLE athletes (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, "
               "created_at TEXT NOT NULL)")
    db.execute("INSERT INTO athletes (name, created_at) VALUES ('Bo', '2025-01-01')")
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert store.athlete_height_cm(1) is None
    store.set_athlete_height_cm(1, 180.0)
    assert store.athlete_height_cm(1) == 180.0 and store.athlete_height_cm(None) is None


def options_given(data: Path, queued: list[dict[str, Any]], **run: Any) -> list[dict[str, Any]]:
    """The options an analysis receives for each clip queued with ``add_clip`` keywords ``queued[k]``.

    ``run`` maps an option name to how it is read off the stored clip (e.g. ``slow_motion=lambda c: c.slow_motion``)
    or is given as a list, one value a clip; every clip is run through the worker (:func:`_work`) as the app does.
    """
    calls: list[dict[str, Any]] = []

    def record(clip: Path, out: Path, drill: str, progress: Any, **given: Any) -> dict[str, Any]:
        calls.append(given)
        return {}

    store = Store(data)
    for k, extra in enumerate(queued):
        clip_id = f"c{k}"
        store.clip_dir(clip_id).mkdir(parents=True)  # a queued clip of the store, as an upload leaves it
        store.add_clip(clip_id, athlete_id=None, original_name="c.mp4", stored_name="clip.mp4", drill_requested="auto",
                       recorded_on="2026-12-06", video={"n_frames": 1, "duration_s": 1.0, "width": 2, "height": 2,
                                                        "fps": 1.0}, **extra)
        clip = store.clip(clip_id)
        assert clip is not None
        options = {name: how[k] if isinstance(how, list) else how(clip) for name, how in run.items()}
        _work(record, data, clip_id, data / "c.mp4", store.results_dir(clip_id), "auto", **options)
    return calls


def test_the_analysis_is_given_the_height_only_when_there_is_one(tmp_path: Path) -> None:
    assert options_given(tmp_path, [{}, {}], height_cm=[178.0, None]) == [{"height_cm": 178.0}, {}]
