"""End to end in a real headless browser: Debian's Chromium, driven by Playwright, against `kneedrive serve`'s app.

Uploads a clip through the page's file input, waits for the real analysis, checks the rep table and that the
overlay video plays, then uploads a text file named .mp4 and sees the error. Screenshots of the upload, results
and athlete pages go to $KD_SHOTS (default: the test's tmp folder). `make test` installs Chromium first
(tests/setup_browser.sh); where it is missing this test skips and says why.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kneedrive_cv.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"
CHROMIUM = os.environ.get("KNEEDRIVE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANALYSIS_TIMEOUT_MS = 300_000

pytestmark = [pytest.mark.browser, pytest.mark.model]


def _clip() -> Path:
    """A knee-drive clip: the project's own sample if it has one, else the shared real high-knees clip."""
    for candidate in (ROOT / "sample_videos" / "piston_run.mp4", ROOT / "sample_videos" / "wall_drill.mp4",
                      REAL / "high_knees_side_gym_60fps.mp4"):
        if candidate.exists():
            return candidate
    pytest.skip(f"no knee-drive clip: neither sample_videos/ (make samples) nor the shared clips at {REAL}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The web app with the real analysis, served by uvicorn on a free localhost port."""
    import uvicorn

    app = create_app(tmp_path / "data", allowed_hosts=["127.0.0.1"])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (Playwright's own browser downloads are not used)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: run tests/setup_browser.sh (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_upload_analyse_review_and_refuse_a_fake_video(server: str, browser: Any, tmp_path: Path) -> None:
    clip = _clip()
    shots = Path(os.environ.get("KD_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # upload through the page's own form
    page.goto(server + "/")
    page.fill("#new-athlete", "Sam Okafor")
    page.set_input_files("#video-input", str(clip))
    assert clip.name in page.inner_text("#drop-name")
    page.screenshot(path=str(shots / "1_upload.png"), full_page=True)
    page.click("#upload-button")
    page.wait_for_url("**/clips/*")
    page.wait_for_selector("#job-progress, #reps", timeout=10_000)
    page.screenshot(path=str(shots / "2_progress.png"), full_page=True)

    # the page follows the analysis by itself and shows the results
    page.wait_for_selector("video#overlay", timeout=ANALYSIS_TIMEOUT_MS)
    rows = page.locator("#reps tbody tr")
    assert rows.count() >= 3, page.inner_text("main")
    first = rows.first.locator("td").all_inner_texts()
    assert first[0] == "1" and first[1] in ("left", "right") and first[2].endswith(" s")
    scores = [float(t) for t in page.locator("#reps tbody td:nth-child(4)").all_inner_texts() if t != "–"]
    assert scores and all(0 <= s <= 100 for s in scores)
    summary = page.inner_text(".summary")
    assert "Mean score" in summary and "steps/min" in summary and "report.json" in summary

    played = page.evaluate("""async () => {
        const v = document.querySelector('video#overlay');
        await v.play();
        await new Promise(r => setTimeout(r, 1200));
        return {readyState: v.readyState, time: v.currentTime, error: v.error && v.error.message,
                width: v.videoWidth, duration: v.duration};
    }""")
    assert played["error"] is None and played["readyState"] >= 2 and played["time"] > 0.3, played
    assert played["width"] > 0 and played["duration"] > 1
    page.evaluate("() => { const v = document.querySelector('video#overlay'); v.pause(); v.currentTime = 1.0; }")
    page.wait_for_function("() => document.querySelector('video#overlay').readyState >= 2")
    page.screenshot(path=str(shots / "3_results.png"), full_page=True)

    # the athlete's page lists the clip and charts it
    page.click("text=Sam Okafor")
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart circle").count() >= 1 and clip.name in page.inner_text("table.clips")
    page.screenshot(path=str(shots / "4_athlete.png"), full_page=True)
    page.goto(server + "/athletes")
    assert "Sam Okafor" in page.inner_text("table.squad")
    page.screenshot(path=str(shots / "5_squad.png"), full_page=True)

    # a text file named .mp4 is refused on the page, and the page stays put
    fake = tmp_path / "not_a_video.mp4"
    fake.write_text("this is not a video\n" * 50)
    page.goto(server + "/")
    page.set_input_files("#video-input", str(fake))
    page.click("#upload-button")
    page.wait_for_selector("#upload-error:not([hidden])")
    message = page.inner_text("#upload-error")
    assert "not_a_video.mp4" in message and "is not a video that can be read" in message
    assert page.url == server + "/"
    page.screenshot(path=str(shots / "6_refused.png"), full_page=True)
    assert errors == []


def _two_people(path: Path) -> Path:
    """The piston-run sample above the walking sample (scaled to its width): two people in one picture."""
    import cv2

    from kneedrive_cv.video import VideoSink, read_frames

    walk = [rgb for _, rgb in read_frames(ROOT / "sample_videos" / "walking.mp4")]
    with VideoSink(path, 1280, 1440, 30.0) as sink:
        for i, (t_s, rgb) in enumerate(read_frames(ROOT / "sample_videos" / "piston_run.mp4")):
            below = cv2.resize(walk[i % len(walk)], (1280, 720), interpolation=cv2.INTER_LINEAR)
            sink.write(np.vstack([rgb, below]), t_s)
    return path


def test_the_coach_clicks_the_other_athlete_in_the_picture_of_everyone(server: str, browser: Any,
                                                                         tmp_path: Path) -> None:
    if not (ROOT / "sample_videos" / "walking.mp4").exists():
        pytest.skip("the walking sample is not in sample_videos/ (make samples)")
    clip = _two_people(tmp_path / "two_athletes.mp4")
    shots = Path(os.environ.get("KD_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.set_input_files("#video-input", str(clip))
    page.click("#upload-button")
    page.wait_for_url("**/clips/*")
    page.wait_for_selector("#people", timeout=ANALYSIS_TIMEOUT_MS)
    buttons = page.locator("#people button[name=person]")
    assert buttons.count() == 2, page.inner_text("#people")
    first = page.inner_text("#people h2")
    assert "2 people seen" in first and "chosen automatically" in first
    chosen = page.locator("#people button[aria-current=true]").get_attribute("value")
    other = next(b for b in buttons.all() if b.get_attribute("value") != chosen)
    other_id = other.get_attribute("value")
    page.locator("#people").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "7_people.png"), full_page=False)
    drill_before = page.inner_text(".summary")
    other.click()
    page.wait_for_selector(f"#people button[aria-current=true][value='{other_id}']", timeout=ANALYSIS_TIMEOUT_MS)
    after = page.inner_text("#people h2")
    assert f"person {other_id} (your choice)" in after
    assert page.inner_text(".summary") != drill_before  # the other athlete's drill and scores
    page.locator("#people").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "8_people_picked.png"), full_page=False)
    assert errors == []
