"""Slow motion in the web app: the factor given on the upload form, kept with the clip, given to its analysis."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
from conftest_web import fake_analysis
from fastapi.testclient import TestClient
from test_web_height import options_given

from kneedrive_cv.video import VideoSink
from kneedrive_cv.web.app import create_app
from kneedrive_cv.web.store import DB_NAME, Store


def _clip(path: Path) -> bytes:
    with VideoSink(path, 96, 64, 30.0) as sink:
        for i in range(15):
            rgb = np.full((64, 96, 3), 40, np.uint8)
            rgb[:, 5 * i:5 * i + 8] = 220
            sink.write(rgb, i / 30)
    return path.read_bytes()


def test_the_upload_form_takes_the_slow_motion_factor_and_refuses_one_no_phone_makes(tmp_path: Path) -> None:
    data = _clip(tmp_path / "bar.mp4")
    with TestClient(create_app(tmp_path / "data", analysis=fake_analysis)) as client:
        form = client.get("/").text
        files = {"video": ("slomo.mp4", data, "video/mp4")}
        slowed = client.post("/upload", files=files, data={"slow_motion": "8"}, follow_redirects=False)
        plain = client.post("/upload", files=files, data={"slow_motion": ""}, follow_redirects=False)
        one = client.post("/upload", files=files, data={"slow_motion": "1"}, follow_redirects=False)
        bad = [client.post("/upload", files=files, data={"slow_motion": v}, follow_redirects=False)
               for v in ("0.5", "fast", "100")]
        page = client.get(slowed.headers["location"]).text
        plain_page = client.get(plain.headers["location"]).text
    assert 'name="slow_motion"' in form and "240 fps" in form
    assert "slow motion, 8× slower than real life" in page and "slower than real life" not in plain_page
    assert slowed.status_code == plain.status_code == one.status_code == 303
    store = Store(tmp_path / "data")
    assert [c.slow_motion for c in store.clips(oldest_first=True)] == [8.0, None, None]  # 1 is real time
    assert all(r.status_code == 400 and "slower than real life" in r.text for r in bad)
    assert len(store.clips()) == 3  # a refused upload leaves nothing behind


def test_the_analysis_is_given_the_factor_only_when_there_is_one(tmp_path: Path) -> None:
    given = options_given(tmp_path, [{"slow_motion": 8.0}, {"slow_motion": None}],
                          slow_motion=lambda clip: clip.slow_motion)
    assert given == [{"slow_motion": 8.0}, {}]


def test_an_old_data_folder_gets_the_slow_motion_column(tmp_path: Path) -> None:
    Store(tmp_path)
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("ALTER TABLE clips DROP COLUMN slow_motion")
    db.commit()
    db.close()
    store = Store(tmp_path)
    store.clip_dir("c0").mkdir(parents=True)
    store.add_clip("c0", athlete_id=None, original_name="c.mp4", stored_name="clip.mp4", drill_requested="auto",
                   recorded_on="2026-12-06", video={}, slow_motion=4.0)
    clip = store.clip("c0")
    assert clip is not None and clip.slow_motion == 4.0
