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


def test_the_coach_compares_two_sessions_side_by_side(server: str, browser: Any, tmp_path: Path) -> None:
    from conftest import stored_clip

    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.web.store import Store

    clean, faults = ROOT / "sample_videos" / "piston_run.mp4", ROOT / "sample_videos" / "piston_run_faults.mp4"
    if not (clean.exists() and faults.exists()):
        pytest.skip("the piston-run samples are not in sample_videos/ (make samples)")
    store = Store(tmp_path / "data")
    athlete = store.athlete_by_name("Noor Haddad", create=True)
    assert athlete is not None
    stored_clip(store, analyse(clean), athlete.id, "2026-01-05")
    stored_clip(store, analyse(faults), athlete.id, "2026-02-05")
    shots = Path(os.environ.get("KD_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # the athlete's page: A the clean session, B the one with faults
    page.goto(f"{server}/athletes/{athlete.id}")
    page.select_option("#compare-a", label=f"2026-01-05 · {clean.name}")
    page.select_option("#compare-b", label=f"2026-02-05 · {faults.name}")
    with page.expect_navigation(url="**/compare?*", timeout=ANALYSIS_TIMEOUT_MS):  # made on the first visit
        page.click("#compare-button", no_wait_after=True)
    page.wait_for_selector("video#compare-video")
    link = page.url

    played = page.evaluate("""async () => {
        const v = document.querySelector('video#compare-video');
        await v.play();
        await new Promise(r => setTimeout(r, 1200));
        return {readyState: v.readyState, time: v.currentTime, error: v.error && v.error.message,
                width: v.videoWidth, height: v.videoHeight, duration: v.duration};
    }""")
    assert played["error"] is None and played["readyState"] >= 2 and played["time"] > 0.3, played
    assert played["width"] == 1080 and played["duration"] > 2

    # a pair's row seeks the video to its peak
    rows = page.locator("#deltas tbody tr")
    assert rows.count() >= 8
    target = float(rows.nth(3).get_attribute("data-peak-s") or "nan")
    rows.nth(3).click()
    page.wait_for_function("t => { const v = document.querySelector('video#compare-video');"
                           " return !v.seeking && Math.abs(v.currentTime - t) < 0.05 && v.readyState >= 2; }",
                           arg=target)
    page.screenshot(path=str(shots / "9_compare.png"), full_page=True)

    # the deltas show the planted faults: B leans more and drives its knees higher, scores lower, slows down
    header = [h.lower() for h in page.locator("#deltas thead th").all_inner_texts()]  # shown in capitals
    lean, thigh = header.index("trunk lean"), header.index("peak thigh")
    for r in range(rows.count()):
        cells = rows.nth(r).locator("td").all_inner_texts()
        assert float(cells[lean].split("\n")[-1].rstrip("°")) > 5
        assert float(cells[thigh].split("\n")[-1].rstrip("°")) > 5
    cadence = page.locator("#clip-deltas tbody tr").first.locator("td").all_inner_texts()
    assert float(cadence[3]) < -5

    # the link opens the same comparison later
    again = browser.new_page()
    again.goto(link)
    assert again.locator("#deltas tbody tr").count() == rows.count()
    assert again.evaluate("() => fetch(document.querySelector('video#compare-video').src, "
                          "{headers: {Range: 'bytes=0-15'}}).then(r => r.status)") == 206
    assert errors == []
