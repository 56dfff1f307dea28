"""End to end in a real headless browser: Debian's Chromium, driven by Playwright, against `kneedrive serve`'s app.

Uploads a clip through the page's file input, waits for the real analysis, checks the rep table and that the
overlay video plays, then uploads a text file named .mp4 and sees the error. Screenshots of the upload, results
and athlete pages go to $KD_SHOTS (default: the test's tmp folder). `make test` installs Chromium first
(tests/setup_browser.sh); where it is missing this test skips and says why.
"""

from __future__ import annotations

import contextlib
import os
import re
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

pytestmark = [pytest.mark.browser]


def _clip() -> Path:
    """A knee-drive clip: the project's own sample if it has one, else the shared real high-knees clip."""
    for candidate in (ROOT / "sample_videos" / "piston_run.mp4", ROOT / "sample_videos" / "wall_drill.mp4",
                      REAL / "high_knees_side_gym_60fps.mp4"):
        if candidate.exists():
            return candidate
    pytest.skip(f"no knee-drive clip: neither sample_videos/ (make samples) nor the shared clips at {REAL}")


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free localhost port; yields its base URL."""
    import uvicorn

    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The web app with the real analysis, served by uvicorn on a free localhost port."""
    with _serving(create_app(tmp_path / "data", allowed_hosts=["127.0.0.1"])) as url:
        yield url


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


@pytest.mark.model
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
    """The piston-run sample above the walking sample (scaled to its width): two people in one picture.

    The walk is shorter than the run: it plays forwards, then backwards, so its walker never jumps back to where
    they started (a jump the tracker rightly takes for someone new).
    """
    import cv2

    from kneedrive_cv.video import VideoSink, read_frames

    walk = [rgb for _, rgb in read_frames(ROOT / "sample_videos" / "walking.mp4")]
    there_and_back = walk + walk[-2:0:-1]
    with VideoSink(path, 1280, 1440, 30.0) as sink:
        for i, (t_s, rgb) in enumerate(read_frames(ROOT / "sample_videos" / "piston_run.mp4")):
            below = cv2.resize(there_and_back[i % len(there_and_back)], (1280, 720), interpolation=cv2.INTER_LINEAR)
            sink.write(np.vstack([rgb, below]), t_s)
    return path


@pytest.mark.model
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


# -- with stand-in analyses (no pose model): re-scoring, managing athletes, cancelling, the phone layout --------


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("KD_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _small_clip(tmp_path: Path) -> Path:
    """A 2 s H.264 clip (a moving bar, 320x180): enough for a video element that plays and seeks."""
    from kneedrive_cv.video import VideoSink

    path = tmp_path / "bar.mp4"
    with VideoSink(path, 320, 180, 30.0) as sink:
        for i in range(60):
            rgb = np.full((180, 320, 3), 40, np.uint8)
            rgb[:, 5 * i: 5 * i + 20] = (230, 180, 30)
            sink.write(rgb, i / 30)
    return path


def _upload(url: str, clip: Path, **fields: str) -> str:
    """Upload a clip as a script would; returns its page's URL."""
    import httpx

    reply = httpx.post(url + "/upload", files={"video": (clip.name, clip.read_bytes(), "video/mp4")}, data=fields,
                       timeout=30)
    assert reply.status_code == 303, reply.text[:300]
    return str(reply.headers["location"])


def _wait_done(url: str, clip_url: str) -> None:
    import httpx

    api = url + "/api/clips/" + clip_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while httpx.get(api, timeout=5).json()["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the stand-in analysis did not finish"
        time.sleep(0.2)


def test_the_coach_scores_a_clip_again_from_the_page(browser: Any, tmp_path: Path) -> None:
    from conftest_web import fake_redraw, rescoring_analysis

    shots = _shots(tmp_path)
    clip = _small_clip(tmp_path)
    with _serving(create_app(tmp_path / "data", analysis=rescoring_analysis, redraw=fake_redraw,
                             allowed_hosts=["127.0.0.1"])) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url + "/")
        page.fill("#new-athlete", "Ada")
        page.select_option("#drill-select", "piston_run")
        page.set_input_files("#video-input", str(clip))
        page.click("#upload-button")
        page.wait_for_url("**/clips/*")
        page.wait_for_selector("#drill-hint", timeout=60_000)
        hint = " ".join(page.inner_text("#drill-hint").split())
        assert hint.startswith("You chose Piston run; this looks like High knees on the spot, 84 %."), hint
        page.locator("#drill-hint").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "10_drill_hint.png"))

        with page.expect_navigation():
            page.click("#drill-hint button")  # score it as what recognition sees
        # the new scores at once, the old overlay not beside them: the page says it is being redrawn
        page.wait_for_selector("#overlay-pending", timeout=60_000)
        summary = page.inner_text(".summary")
        assert "high knees (chosen)" in summary and page.locator("#drill-hint").count() == 0
        assert page.locator("video").count() == 0
        assert "Redrawing the overlay video for the new scores" in page.inner_text("#overlay-pending")
        page.screenshot(path=str(shots / "10b_rescored_overlay_pending.png"))
        page.wait_for_selector("video#overlay", timeout=60_000)  # the overlay follows, without a reload by hand
        assert page.locator("#overlay-pending").count() == 0 and "high knees (chosen)" in page.inner_text(".summary")
        drawn_for = (tmp_path / "data" / "clips" / page.url.rsplit("/", 1)[1] / "results" / "overlay_for.txt")
        assert drawn_for.read_text() == "high_knees\nshipped"  # drawn for the scores shown
        page.screenshot(path=str(shots / "10c_rescored_overlay_drawn.png"))

        thresholds = tmp_path / "our squad.toml"
        thresholds.write_text("[drills.high_knees]\ncadence_min_spm = 150\n")
        page.select_option("#rescore-drill", "high_knees")
        page.set_input_files("#rescore-thresholds", str(thresholds))
        with page.expect_navigation():
            page.click("#rescore-button")
        page.wait_for_selector("video#overlay", timeout=60_000)
        summary = page.inner_text(".summary")
        assert "your file our squad.toml" in summary and re.search(r"Mean score\s+50\s*/ 100", summary), summary
        page.locator("#rescore").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "11_rescored.png"))

        broken = tmp_path / "broken.toml"
        broken.write_text("[drills.high_knees\n")
        page.set_input_files("#rescore-thresholds", str(broken))
        with page.expect_navigation():
            page.click("#rescore-button")
        assert "'broken.toml' is not valid TOML" in page.inner_text("main")
        assert "Nothing was changed" in page.inner_text("main")
    assert errors == []


def test_the_coach_manages_athletes_and_cancels_a_queued_clip(browser: Any, tmp_path: Path) -> None:
    from conftest_web import slow_analysis

    shots = _shots(tmp_path)
    clip = _small_clip(tmp_path)
    with _serving(create_app(tmp_path / "data", workers=1, analysis=slow_analysis,
                             allowed_hosts=["127.0.0.1"])) as url:
        _upload(url, clip, new_athlete="Ada")  # analysed (slowly) first: the others wait
        _upload(url, clip, new_athlete="ada l.")
        queued = _upload(url, clip, new_athlete="Bo")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmations
        page.goto(queued)
        assert "Waiting for its turn" in page.inner_text("#job")
        page.screenshot(path=str(shots / "12_queued.png"))
        with page.expect_navigation():
            page.click("#cancel-form button")
        assert page.url.endswith("/athletes/3") and "No clips yet" in page.inner_text("main")
        assert page.request.get(queued).status == 404

        page.goto(url + "/athletes/2")
        page.fill("#rename-form input[name=name]", "Ada Lovelace")
        with page.expect_navigation():
            page.click("#rename-form button")
        assert page.inner_text("h1") == "Ada Lovelace"
        page.select_option("#merge-form select", label="Ada")
        page.locator("#manage").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "13_manage.png"))
        with page.expect_navigation():
            page.click("#merge-form button")
        assert page.url.endswith("/athletes/1") and page.inner_text("h1") == "Ada"
        assert page.locator("table.clips tbody tr").count() == 2

        page.goto(url + "/athletes/3")
        with page.expect_navigation():
            page.click("#delete-athlete-form button")
        squad = page.inner_text("table.squad")
        assert page.url.endswith("/athletes") and "Bo" not in squad and "Lovelace" not in squad and "Ada" in squad


PHONE = {"width": 390, "height": 844}


def test_every_page_fits_a_phone_and_the_video_stays_in_view(browser: Any, tmp_path: Path) -> None:
    from conftest_web import fake_analysis

    shots = _shots(tmp_path)
    clip = _small_clip(tmp_path)
    with _serving(create_app(tmp_path / "data", analysis=fake_analysis, allowed_hosts=["127.0.0.1"])) as url:
        clip_page = _upload(url, clip, new_athlete="Alexandra Featherstonehaugh-Smythe", drill="piston_run")
        for drill in ("wall_drill", "high_knees"):
            _upload(url, clip, new_athlete="Alexandra Featherstonehaugh-Smythe", drill=drill)
        _upload(url, clip)  # a clip without an athlete
        _wait_done(url, clip_page)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        pages = {"upload": "/", "squad": "/athletes", "athlete": "/athletes/1", "share": "/athletes/1/share",
                 "clip": clip_page, "missing": "/clips/0123456789abcdef"}
        widths = {}
        for name, path in pages.items():
            page.goto(path if path.startswith("http") else url + path)
            page.wait_for_load_state("load")
            widths[name] = page.evaluate("() => Math.max(document.documentElement.scrollWidth, ...Array.from("
                                         "document.querySelectorAll('.table-wrap'), (w) => w.scrollWidth - "
                                         "w.clientWidth + document.documentElement.scrollWidth))")
            page.screenshot(path=str(shots / f"20_phone_{name}.png"), full_page=True)
        assert widths == dict.fromkeys(pages, PHONE["width"]), widths  # no page, and no table in it, scrolls sideways

        page.goto(clip_page)
        page.wait_for_function("() => document.querySelector('video#overlay').readyState >= 1")
        row = page.locator("#reps tbody tr").last
        row.scroll_into_view_if_needed()
        before = page.evaluate("() => document.querySelector('video#overlay').getBoundingClientRect().bottom")
        assert before < 0, "the video should be scrolled out of view before the rep is clicked"
        row.click()
        page.wait_for_timeout(600)
        video = page.evaluate("() => document.querySelector('video#overlay').getBoundingClientRect().toJSON()")
        clicked = page.evaluate("() => document.querySelector('#reps tr.playing').getBoundingClientRect().toJSON()")
        assert video["top"] >= 0 and video["bottom"] <= PHONE["height"] and video["height"] > 100, video
        assert clicked["top"] >= video["bottom"] and clicked["bottom"] <= PHONE["height"], (clicked, video)
        page.screenshot(path=str(shots / "21_phone_rep_clicked.png"))

        page.goto(url + "/athletes/1/share")
        page.emulate_media(media="print")  # as it prints: no navigation, no buttons
        assert not page.locator("header.top").is_visible() and not page.locator("#print-button").is_visible()
        assert page.locator("svg.chart").count() == 6 and page.locator("ol.cues li").count() == 2
        page.screenshot(path=str(shots / "22_share_print.png"), full_page=True)
        context.close()
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
    measured = 0
    for r in range(rows.count()):
        cells = rows.nth(r).locator("td").all_inner_texts()
        assert float(cells[lean].split("\n")[-1].rstrip("°")) > 5
        delta = cells[thigh].split("\n")[-1].rstrip("°")
        if delta != "–":  # a drive whose top the model hid (a glitch at its peak) has no peak: shown as not measured
            assert float(delta) > 5
            measured += 1
    assert measured >= rows.count() - 1
    cadence = page.locator("#clip-deltas tbody tr").first.locator("td").all_inner_texts()
    assert float(cadence[3]) < -5

    # the link opens the same comparison later
    again = browser.new_page()
    again.goto(link)
    assert again.locator("#deltas tbody tr").count() == rows.count()
    assert again.evaluate("() => fetch(document.querySelector('video#compare-video').src, "
                          "{headers: {Range: 'bytes=0-15'}}).then(r => r.status)") == 206
    assert errors == []


# -- report.html's plots, read on a phone, a laptop and paper ----------------------------------------------------

#: The smallest text a reader can be asked to read on a plot, in CSS px as shown (a phone's smallest UI text is 10-11).
MIN_SHOWN_TEXT_PX = 10


def _plot_text_shares(result: Any, folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Draw the plots, catching each figure as it is saved: its smallest text's height as a share of its width."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from kneedrive_cv.output.plots import write_plots

    saved: dict[str, Figure] = {}
    original = Figure.savefig

    def catch(fig: Figure, path: Any, *args: Any, **kwargs: Any) -> Any:
        saved[Path(path).stem] = fig
        return original(fig, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", catch)
    write_plots(result, folder)
    monkeypatch.undo()
    shares = {}
    for name, fig in saved.items():
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert len(texts) > 8, f"{name}: titles, labels and tick labels expected"
        shares[name] = min(t.get_fontsize() for t in texts) * fig.dpi / 72 / (fig.get_figwidth() * fig.dpi)
    return shares


@pytest.mark.model
def test_the_reports_plots_are_legible_on_a_phone_a_laptop_and_paper(browser: Any, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.output import write_outputs

    result = analyse(ROOT / "sample_videos" / "piston_run.mp4")
    write_outputs(result, tmp_path / "out")
    shares = _plot_text_shares(result, tmp_path / "caught", monkeypatch)
    assert set(shares) == {"knee", "trunk_foot", "cadence"}
    shots = _shots(tmp_path)
    report = (tmp_path / "out" / "report.html").as_uri()

    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(report)
    boxes = page.eval_on_selector_all("#over-time img", "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                      "return [r.left, r.top, r.width, e.naturalWidth]; })")
    assert len(boxes) == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    assert len({round(left) for left, *_ in boxes}) == 1 and boxes[0][1] < boxes[1][1] < boxes[2][1]  # one a row
    for (_, _, width, natural), (name, share) in zip(boxes, shares.items(), strict=True):
        assert width >= 330, f"{name} shown {width:.0f} px wide on a 390 px phone"
        assert natural >= 2 * width * 0.9, f"{name}: {natural} px is not sharp on a 2x phone screen at {width:.0f}"
        assert share * width >= MIN_SHOWN_TEXT_PX, f"{name}: smallest text {share * width:.1f} px on the phone"
    page.locator("#over-time").screenshot(path=str(shots / "30_report_plots_phone.png"))
    page.click("#over-time a.zoom >> nth=0")  # a plot opens full size over the page
    assert page.is_visible("#lightbox img")
    assert page.eval_on_selector("#lightbox img", "e => e.getBoundingClientRect().width") >= 900
    page.screenshot(path=str(shots / "31_report_plot_full_size.png"))
    page.keyboard.press("Escape")
    assert not page.is_visible("#lightbox")

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(report)
    widths = page.eval_on_selector_all("#over-time img", "els => els.map(e => e.getBoundingClientRect().width)")
    lefts = page.eval_on_selector_all("#over-time img", "els => els.map(e => e.getBoundingClientRect().left)")
    assert len({round(x) for x in lefts}) <= 2  # at most two side by side: no tiny grid
    assert all(w >= 440 and share * w >= 13 for w, share in zip(widths, shares.values(), strict=True)), widths
    page.locator("#over-time").screenshot(path=str(shots / "32_report_plots_laptop.png"))

    page.emulate_media(media="print")
    printed = page.eval_on_selector_all("#over-time img", "els => els.map(e => e.getBoundingClientRect().width)")
    assert all(w >= 500 for w in printed), printed  # 13 cm or more on paper: its text 4 mm high or more
    assert not page.is_visible("#over-time .screen-only")
    page.pdf(path=str(shots / "33_report.pdf"), format="A4")
    assert (shots / "33_report.pdf").stat().st_size > 100_000
