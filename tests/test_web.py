"""HTTP layer of the web app: uploads (size limit, fake videos, hostile filenames), the job queue, restarts,
result pages and file serving. Most tests inject a fast stand-in analysis; one runs the real analysis."""

from __future__ import annotations

import asyncio
import html
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from conftest_web import (
    closest_drill_analysis,
    fake_analysis,
    fake_redraw,
    kinogram_analysis,
    no_drill_analysis,
    no_person_analysis,
    rescoring_analysis,
    slow_analysis,
    truncated_analysis,
    two_people_analysis,
)
from fastapi.testclient import TestClient

from kneedrive_cv.output.charts import Point, line_chart
from kneedrive_cv.scoring.drills import load_drills
from kneedrive_cv.video import VideoSink, probe
from kneedrive_cv.web.app import create_app, score_class
from kneedrive_cv.web.store import DB_NAME, Store
from kneedrive_cv.web.upload import UploadError, UploadTooLarge, display_name, receive

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"

# -- helpers ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short real H.264 clip (a moving bar), 0.5 s at 30 fps."""
    path = tmp_path_factory.mktemp("clip") / "bar.mp4"
    with VideoSink(path, 96, 64, 30.0) as sink:
        for i in range(15):
            rgb = np.full((64, 96, 3), 40, np.uint8)
            rgb[:, 5 * i: 5 * i + 10] = (230, 180, 30)
            sink.write(rgb, i / 30)
    return path


def post_clip(client: TestClient, data: bytes, filename: str = "clip.mp4", **fields: str) -> Any:
    return client.post("/upload", files={"video": (filename, data, "video/mp4")}, data=fields, follow_redirects=False)


def clip_id_of(response: Any) -> str:
    assert response.status_code == 303, response.text[:500]
    match = re.fullmatch(r".*/clips/([0-9a-f]{16})", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def wait_finished(client: TestClient, clip_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/api/clips/{clip_id}").json()
        if status["state"] in ("done", "failed"):
            return status  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"clip {clip_id} still {status['state']} after {timeout_s} s")


def files_under(folder: Path) -> list[str]:
    """Every file under a data folder except the database's own files."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
                  and not p.name.startswith(DB_NAME))


def db_rows(data: Path, table: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(data / DB_NAME)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        db.close()


# -- upload page and a full round trip --------------------------------------------------------------------------


def test_upload_page_offers_a_file_field_athletes_and_the_drills(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        Store(tmp_path).athlete_by_name("Ada Lovelace", create=True)
        page = client.get("/").text
    form = re.search(r"<form[^>]*id=\"upload-form\".*?</form>", page, re.S).group(0)  # type: ignore[union-attr]
    assert 'action="http://testserver/upload"' in form and 'enctype="multipart/form-data"' in form
    assert re.search(r'<input type="file" name="video"', form)
    drills = re.findall(r'<option value="([a-z_]+)"', form)
    assert drills[: 1 + len(load_drills().drills)] == ["auto", *load_drills().drills]  # the registry, in its order
    assert {"hip_flexion_hold", "wall_drill", "pocket_run", "piston_run"} <= set(drills)
    assert ">Ada Lovelace</option>" in form and 'name="new_athlete"' in form


def test_upload_analyses_in_background_and_shows_results(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        response = post_clip(client, clip.read_bytes(), "Session 1.mp4", new_athlete="  Ada   Lovelace ",
                             drill="wall_drill", recorded_on="2025-03-14")
        clip_id = clip_id_of(response)
        queued = client.get(f"/clips/{clip_id}").text
        status = wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        video = client.get(f"/clips/{clip_id}/files/overlay.mp4")
        part = client.get(f"/clips/{clip_id}/files/overlay.mp4", headers={"Range": "bytes=100-199"})
        report = client.get(f"/clips/{clip_id}/files/report.json?download=1")
    assert "<video" not in queued and 'id="job"' in queued  # the progress view until the analysis is done
    assert status == {"id": clip_id, "state": "done", "error": None, "position": 0, "elapsed_s": None,
                      "progress": 1.0, "stage": None, "overlay_pending": False, "overlay_progress": None}
    assert "<video" in page and f'src="http://testserver/clips/{clip_id}/files/overlay.mp4"' in page
    rows = re.findall(r"<tr data-t=.*?</tr>", page, re.S)
    assert len(rows) == 3
    assert 'score score-good">91<' in rows[0] and 'score score-fair">64<' in rows[1] and "score-poor" in rows[2]
    assert "foot sprung, not soggy: pull the toes up" in rows[1] and "no faults" in rows[0]
    # a rep says what it could not be judged on (its knee's top not seen), the others nothing of the kind
    assert "not judged: thigh angle at the top of the drive" in rows[2]
    assert not any("not judged" in row for row in rows[:2])
    assert re.search(r"<dd>wall drill\s*<span class=\"muted\">\(chosen\)</span>", page)
    assert ">Ada Lovelace</a>" in page and "filmed 2025-03-14" in page
    for name in ("report.json", "reps.csv", "frames.csv"):
        assert f"/files/{name}?download=1" in page
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content == clip.read_bytes() and video.headers["accept-ranges"] == "bytes"
    assert part.status_code == 206 and part.content == clip.read_bytes()[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{clip.stat().st_size}"
    assert report.headers["content-type"] == "application/json"
    assert report.headers["content-disposition"] == "attachment; filename*=utf-8''Session%201_report.json"
    assert report.json()["n_reps"] == 3


def test_analyses_run_on_a_dask_cluster_and_their_files_come_back(tmp_path: Path, clip: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    from kneedrive_cv.cluster import Cluster

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as lc, \
            distributed.Client(lc, set_as_default=False) as dask:
        cluster = Cluster(dask, "a test cluster", "none")
        with TestClient(create_app(tmp_path, analysis=fake_analysis, cluster=cluster)) as client:
            good = clip_id_of(post_clip(client, clip.read_bytes(), "Session 1.mp4", new_athlete="Ada", drill="auto"))
            status = wait_finished(client, good)
            video = client.get(f"/clips/{good}/files/overlay.mp4")
            page = client.get(f"/clips/{good}").text
        with TestClient(create_app(tmp_path, analysis=no_person_analysis, cluster=cluster)) as client:
            bad = clip_id_of(post_clip(client, clip.read_bytes(), "Empty gym.mp4", new_athlete="Ada"))
            failed = wait_finished(client, bad)
    assert status["state"] == "done" and video.content == clip.read_bytes()  # written on the worker, sent back
    assert len(re.findall(r"<tr data-t=.*?</tr>", page, re.S)) == 3
    assert sorted(p.name for p in (tmp_path / "clips" / good / "results").iterdir()) == [
        "frames.csv", "overlay.mp4", "report.json", "reps.csv"]
    assert failed["state"] == "failed" and failed["error"].startswith("Empty gym.mp4: a person was found in only 0")


# -- safety: fake videos, hostile filenames, size limit, file serving -------------------------------------------


@pytest.mark.parametrize("data", [b"this is not a video", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000, b""],
                         ids=["text", "mp4-header-only", "empty"])
def test_a_fake_video_is_refused_and_leaves_nothing_behind(tmp_path: Path, data: bytes) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        response = post_clip(client, data, "evil.mp4", new_athlete="Mallory")
        as_json = client.post("/upload", files={"video": ("x.mp4", data or b"x", "video/mp4")},
                              headers={"X-Requested-With": "kneedrive"})
    assert response.status_code == 400
    message = "No video was chosen" if not data else "&#39;evil.mp4&#39; is not a video that can be read"
    assert message in response.text and 'class="alert"' in response.text
    assert as_json.status_code == 400 and as_json.json()["ok"] is False
    assert "not a video" in as_json.json()["error"] or "No video" in as_json.json()["error"]
    assert files_under(tmp_path) == []
    assert db_rows(tmp_path, "clips") == [] and db_rows(tmp_path, "athletes") == []


@pytest.mark.parametrize(("filename", "shown"), [
    ("../../etc/evil.mp4", "evil.mp4"), ("..\\..\\Windows\\evil.mp4", "evil.mp4"), ("/etc/passwd", "passwd"),
    ("..", "clip"), ("a\x00b.mp4", "a%00b.mp4"),
    ("<img src=x onerror=alert(1)>.mp4", "<img src=x onerror=alert(1)>.mp4"),
])
def test_a_hostile_filename_is_only_shown_never_used_as_a_path(tmp_path: Path, clip: Path, filename: str,
                                                                shown: str) -> None:
    data = tmp_path / "data"
    with TestClient(create_app(data, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), filename))
        wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written beside the data folder
    assert files_under(data) == [f"clips/{clip_id}/.lock", f"clips/{clip_id}/clip.mp4",
                                 f"clips/{clip_id}/results/frames.csv",
                                 f"clips/{clip_id}/results/overlay.mp4", f"clips/{clip_id}/results/report.json",
                                 f"clips/{clip_id}/results/reps.csv"]
    assert db_rows(data, "clips")[0]["original_name"] == shown
    assert html.escape(shown, quote=False) in page and "<img src=x" not in page


def test_display_name_keeps_only_a_base_name() -> None:
    assert display_name("../../etc/evil.mp4") == "evil.mp4"
    assert display_name("C:\\Users\\coach\\Run 3.MOV") == "Run 3.MOV"
    assert display_name("..") == display_name("") == display_name(" ") == "clip"
    assert display_name("a\x00b\x1b.mp4") == "ab.mp4"


def multipart_body(boundary: str, data: bytes) -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"big.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()


def test_an_oversized_upload_is_refused(tmp_path: Path, clip: Path) -> None:
    big = clip.read_bytes() * 20  # about 40 kB against a 10 kB limit
    body = multipart_body("kdtest", big)

    def chunks() -> Any:  # sent without a Content-Length: the limit must hold on what actually arrives
        for i in range(0, len(body), 1024):
            yield body[i:i + 1024]

    with TestClient(create_app(tmp_path, max_upload_mb=0.01, analysis=fake_analysis)) as client:
        declared = post_clip(client, big, "big.mp4")
        streamed = client.post("/upload", content=chunks(),
                               headers={"Content-Type": "multipart/form-data; boundary=kdtest"})
        small = post_clip(client, clip.read_bytes())
    assert declared.status_code == 413 and streamed.status_code == 413
    assert "larger than this server accepts (0 MB)" in declared.text and "larger" in streamed.text
    assert small.status_code == 303  # a clip under the limit still goes through
    assert not any(p.suffix == ".part" for p in tmp_path.rglob("*"))
    assert len(db_rows(tmp_path, "clips")) == 1


def test_the_size_limit_stops_reading_part_way(tmp_path: Path, clip: Path) -> None:
    body = multipart_body("kdtest", clip.read_bytes() * 20)
    consumed: list[int] = []

    async def chunks() -> Any:
        for i in range(0, len(body), 1024):
            consumed.append(i)
            yield body[i:i + 1024]

    with pytest.raises(UploadTooLarge, match="larger than this server accepts"):
        asyncio.run(receive(chunks(), "multipart/form-data; boundary=kdtest", None, incoming_dir=tmp_path,
                            max_bytes=10_000))
    assert len(consumed) == 10  # 10 kB, headers and file, of the part's headers, not the 44 kB sent
    assert list(tmp_path.iterdir()) == []  # the partial file is gone


def test_an_upload_cut_short_is_refused(tmp_path: Path, clip: Path) -> None:
    body = multipart_body("kdtest", clip.read_bytes())
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        cut = client.post("/upload", content=body[: len(body) // 2],
                          headers={"Content-Type": "multipart/form-data; boundary=kdtest"})
        garbled = client.post("/upload", content=b"--other\r\n\r\nnothing",
                              headers={"Content-Type": "multipart/form-data; boundary=kdtest"})
        not_a_form = client.post("/upload", content=clip.read_bytes(), headers={"Content-Type": "video/mp4"})
    assert cut.status_code == 400 and "cut short" in cut.text
    assert garbled.status_code == 400 and not_a_form.status_code == 400
    assert "Expected a form upload" in not_a_form.text
    assert files_under(tmp_path) == [] and db_rows(tmp_path, "clips") == []


def test_files_are_served_only_from_the_clip_results(tmp_path: Path, clip: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    data = tmp_path / "data"
    with TestClient(create_app(data, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
        (data / "clips" / clip_id / "results" / "link.txt").symlink_to(secret)
        attempts = [f"/clips/{clip_id}/files/../clip.mp4", f"/clips/{clip_id}/files/%2e%2e/clip.mp4",
                    f"/clips/{clip_id}/files/..%2f..%2f..%2f{DB_NAME}", f"/clips/{clip_id}/files/link.txt",
                    f"/clips/{clip_id}/files/%2Fetc%2Fpasswd", f"/clips/{clip_id}/files/nothing.csv",
                    "/clips/..%2f..%2fetc/files/passwd", "/clips/0123456789abcdef/files/report.json"]
        answers = {url: client.get(url) for url in attempts}
        ok = client.get(f"/clips/{clip_id}/files/reps.csv")
    for url, response in answers.items():
        assert response.status_code == 404, url
        assert b"secret" not in response.content and b"SQLite" not in response.content, url
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/csv")


def test_cross_site_posts_and_foreign_hosts_are_refused(tmp_path: Path, clip: Path) -> None:
    app = create_app(tmp_path, analysis=fake_analysis, allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        cross = client.post("/upload", files={"video": ("c.mp4", clip.read_bytes())},
                            headers={"Origin": "http://evil.example"})
        rebound = client.get("/", headers={"Host": "evil.example"})
        fine = client.get("/")
    assert cross.status_code == 403 and rebound.status_code == 400 and fine.status_code == 200
    assert db_rows(tmp_path, "clips") == []


@pytest.mark.parametrize("headers", [
    {"Origin": "null"},  # a form or fetch in a sandboxed iframe on another site
    {"Sec-Fetch-Site": "cross-site"},  # a browser that sends no Origin but says where the request comes from
    {"Sec-Fetch-Site": "same-site"},  # another port or subdomain of the same site is another app
    {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "cross-site"},
], ids=["origin-null", "no-origin-cross-site", "no-origin-same-site", "spoofed-origin"])
def test_every_cross_site_post_is_refused(tmp_path: Path, clip: Path, headers: dict[str, str]) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis), base_url="http://127.0.0.1:8000") as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), new_athlete="Ada"))
        wait_finished(client, clip_id)
        upload = client.post("/upload", files={"video": ("c.mp4", clip.read_bytes())},
                             data={"new_athlete": "Mallory"}, headers=headers)
        delete = client.post(f"/clips/{clip_id}/delete", headers=headers, follow_redirects=False)
        same = client.post(f"/clips/{clip_id}/rerun", follow_redirects=False,
                           headers={"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"})
    assert upload.status_code == 403 and delete.status_code == 403, (upload.text, delete.text)
    assert "<title>Refused" in delete.text  # the app's own page, saying why
    assert [r["name"] for r in db_rows(tmp_path, "athletes")] == ["Ada"] and len(db_rows(tmp_path, "clips")) == 1
    assert same.status_code == 303  # the app's own pages still work


def test_pages_cannot_be_framed(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        answers = [client.get(url) for url in ("/", "/athletes", "/nowhere", "/static/style.css")]
    for response in answers:
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_flood_of_form_fields_is_refused_early(tmp_path: Path) -> None:
    field = b"x" * 16_000
    body = b"".join(f"--kd\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\n".encode() + field + b"\r\n"
                    for i in range(2000)) + b"--kd--\r\n"
    consumed: list[int] = []

    async def chunks() -> Any:
        for i in range(0, len(body), 65536):
            consumed.append(i)
            yield body[i:i + 65536]

    with pytest.raises(UploadError, match=r"too many form fields|form fields are too long"):
        asyncio.run(receive(chunks(), "multipart/form-data; boundary=kd", None, incoming_dir=tmp_path,
                            max_bytes=10**9))
    assert len(consumed) <= 4  # stopped within the first 256 kB of the 32 MB sent
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        many = client.post("/upload", content=body[:2_000_000] + b"--kd--\r\n",
                           headers={"Content-Type": "multipart/form-data; boundary=kd"})
        few_long = client.post("/upload", files={"video": ("c.mp4", b"x")},
                               data={f"f{i}": "y" * 15_000 for i in range(8)})
    assert many.status_code == 400 and "form fields" in many.text
    assert few_long.status_code == 400 and "form fields" in few_long.text


def test_small_forms_are_capped_too(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=two_people_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
        flood = client.post(f"/clips/{clip_id}/athlete", content=b"&".join(b"a%d=1" % i for i in range(5000)),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        big = client.post(f"/clips/{clip_id}/athlete", content=b"person=1&junk=" + b"x" * 3_000_000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert flood.status_code == 400 and big.status_code == 413
    assert db_rows(tmp_path, "clips")[0]["person"] is None


@pytest.mark.parametrize(("method", "url", "status", "title", "text"), [
    ("GET", "/clips/{id}/files/report.json%00.png", 404, "Not found", "No such file."),
    ("GET", "/clips/{id}/files/%00", 404, "Not found", "No such file."),
    ("GET", "/nowhere", 404, "Not found", "No such page."),
    ("GET", "/athletes/abc", 404, "Not found", "No such athlete."),
    ("GET", "/athletes/99999999999999999999999", 404, "Not found", "No such athlete."),
    ("GET", "/clips/zzz", 404, "Not found", "No such clip"),
    ("PUT", "/", 405, "Not allowed", "cannot be done"),
    ("POST", "/clips/{id}/athlete", 400, "Bad request", "Pick a person"),
])
def test_errors_are_the_apps_own_pages(tmp_path: Path, clip: Path, method: str, url: str, status: int, title: str,
                                       text: str) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
        response = client.request(method, url.format(id=clip_id))
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{title} · kneedrive</title>" in response.text and text in response.text
    assert "Traceback" not in response.text and "detail" not in response.text


def test_a_bug_in_a_route_shows_the_apps_own_500_page_and_logs_the_traceback(
        tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import kneedrive_cv.web.app as web_app

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("planted bug 7f3a")

    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
        monkeypatch.setattr(web_app, "_status", broken)
        with caplog.at_level("ERROR", logger="kneedrive_cv.web.app"):
            page = client.get(f"/clips/{clip_id}")
            api = client.get(f"/api/clips/{clip_id}")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "<title>Server error · kneedrive</title>" in page.text and "Something went wrong" in page.text
    assert "Traceback" not in page.text and "planted bug" not in page.text and "ZeroDivisionError" not in page.text
    assert page.headers["x-frame-options"] == "DENY"  # the app's headers, as on every other page
    assert api.status_code == 500 and api.headers["content-type"] == "application/json"
    assert set(api.json()) == {"error"} and "planted bug" not in api.text
    logged = [r for r in caplog.records if r.exc_info and "planted bug 7f3a" in str(r.exc_info[1])]
    assert len(logged) == 2 and f"/clips/{clip_id}" in logged[0].getMessage()


def test_head_on_a_file_answers_its_headers(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
        head = client.head(f"/clips/{clip_id}/files/overlay.mp4")
        missing = client.head(f"/clips/{clip_id}/files/nothing.mp4")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(clip.stat().st_size) and head.headers["content-type"] == "video/mp4"
    assert missing.status_code == 404


# -- the queue, failures and restarts ---------------------------------------------------------------------------


def test_concurrent_uploads_all_finish(tmp_path: Path, clip: Path) -> None:
    data = clip.read_bytes()
    with TestClient(create_app(tmp_path, workers=2, analysis=fake_analysis)) as client:
        with ThreadPoolExecutor(5) as pool:
            ids = list(pool.map(lambda i: clip_id_of(post_clip(client, data, f"run{i}.mp4", new_athlete="Squad")),
                                range(5)))
        statuses = [wait_finished(client, i) for i in ids]
        squad = client.get("/athletes").text
    assert len(set(ids)) == 5 and [s["state"] for s in statuses] == ["done"] * 5
    rows = db_rows(tmp_path, "clips")
    assert sorted(r["original_name"] for r in rows) == [f"run{i}.mp4" for i in range(5)]
    assert all(r["runs"] == 1 and r["n_reps"] == 3 for r in rows)
    assert len(db_rows(tmp_path, "athletes")) == 1  # five uploads naming one new athlete make one athlete
    assert re.search(r">Squad</a></td>\s*<td class=\"num opt\">5</td>", squad)


def test_queued_clips_report_their_place(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, workers=1, analysis=slow_analysis)) as client:
        ids = [clip_id_of(post_clip(client, clip.read_bytes())) for _ in range(3)]
        deadline = time.monotonic() + 30
        while client.get(f"/api/clips/{ids[0]}").json()["state"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        statuses = [client.get(f"/api/clips/{i}").json() for i in ids]
    assert [s["state"] for s in statuses] == ["running", "queued", "queued"]
    assert [s["position"] for s in statuses] == [0, 1, 2]
    assert statuses[0]["progress"] == 0.25 and statuses[0]["stage"] == "taking its time"
    assert statuses[0]["elapsed_s"] >= 0 and statuses[1]["progress"] is None


def test_a_failed_analysis_shows_why_and_can_run_again(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=no_person_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), "Lane 4.mp4"))
        status = wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        again = client.post(f"/clips/{clip_id}/rerun", follow_redirects=False)
        wait_finished(client, clip_id)
    assert status["state"] == "failed"
    assert status["error"] == "Lane 4.mp4: a person was found in only 0 of 15 frames. Film the athlete whole."
    assert "Lane 4.mp4: a person was found in only 0 of 15 frames" in page
    assert "<video" not in page and "Analyse again" in page
    assert again.status_code == 303 and db_rows(tmp_path, "clips")[0]["runs"] == 2


def test_the_coach_clicks_another_person_to_analyse_them(tmp_path: Path, clip: Path) -> None:
    results = tmp_path / "clips" / "{}" / "results"
    with TestClient(create_app(tmp_path, analysis=two_people_analysis, redraw=fake_redraw)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), "race.mp4"))
        wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        asked_first = (tmp_path / "clips" / clip_id / "results" / "asked.txt").read_text()
        picked = client.post(f"/clips/{clip_id}/athlete", data={"person": "1"}, follow_redirects=False)
        wait_finished(client, clip_id)
        # everyone's pose is cached: the person's scores come first, as a re-score's, and the overlay after them
        overlay_first = (Path(str(results).format(clip_id)) / "overlay_asked.txt").read_text()
        deadline = time.monotonic() + 30
        while client.get(f"/api/clips/{clip_id}").json().get("overlay_pending") and time.monotonic() < deadline:
            time.sleep(0.1)
        drawn = (Path(str(results).format(clip_id)) / "overlay.mp4").exists()
        after = client.get(f"/clips/{clip_id}").text
        refused = client.post(f"/clips/{clip_id}/athlete", data={"person": "the tall one"}, follow_redirects=False)
    assert asked_first == "None"  # chosen automatically at first
    assert "2 people seen; person 2 (chosen automatically)" in page
    assert page.count('name="person"') == 2 and 'value="2" title="analyse person 2"' in page
    assert picked.status_code == 303 and db_rows(tmp_path, "clips")[0]["person"] == 1
    assert (tmp_path / "clips" / clip_id / "results" / "asked.txt").read_text() == "1"
    assert "person 1 (your choice)" in after
    assert overlay_first == "False" and drawn
    assert refused.status_code == 400


def test_a_clip_without_a_drill_says_so(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=no_drill_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), "walk.mp4", new_athlete="Ada"))
        wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        athlete = client.get("/athletes/1").text
    assert "No reps were found: no knee-drive drill was seen in this clip." in page
    assert "<b>rep scores</b>: no knee lifts above 45 degrees" in page and "no knee-drive drill" in page
    assert 'class="score big score-none">–<' in page
    assert "No mean score yet." in athlete and "No cadence yet." in athlete


def test_a_clip_without_a_drill_offers_the_drill_it_came_nearest(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=closest_drill_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), "low knees.mp4", new_athlete="Ada"))
        wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        scored = client.post(f"/clips/{clip_id}/rescore", data={"drill": "piston_run"}, follow_redirects=False)
        wait_finished(client, clip_id)
        after = client.get(f"/clips/{clip_id}").text
    hint = re.search(r'id="closest-hint">(.*?)</dd>', page, re.S).group(1)  # type: ignore[union-attr]
    assert re.sub(r"\s+", " ", hint).startswith("No drill recognised; the closest is Piston run.")
    assert 'value="piston_run"><button type="submit" class="secondary small">Score as Piston run' in hint
    assert scored.status_code == 303 and 'id="closest-hint"' not in after and "(chosen)" in after


def test_a_restart_keeps_results_and_reruns_interrupted_jobs(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        finished = clip_id_of(post_clip(client, clip.read_bytes(), "done.mp4", new_athlete="Ada"))
        wait_finished(client, finished)
        before = client.get(f"/clips/{finished}").text
    with TestClient(create_app(tmp_path, analysis=slow_analysis)) as client:  # the server stops mid-analysis
        interrupted = clip_id_of(post_clip(client, clip.read_bytes(), "cut.mp4"))
        waiting = clip_id_of(post_clip(client, clip.read_bytes(), "queued.mp4"))
        deadline = time.monotonic() + 30
        while client.get(f"/api/clips/{interrupted}").json()["state"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
    states = {r["id"]: r["state"] for r in db_rows(tmp_path, "clips")}
    assert states == {finished: "done", interrupted: "running", waiting: "queued"}
    (tmp_path / "incoming" / "0123abcd.part").write_bytes(b"half an upload")  # as if it stopped mid-upload
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        after = client.get(f"/clips/{finished}").text
        reruns = [wait_finished(client, i)["state"] for i in (interrupted, waiting)]
        video = client.get(f"/clips/{finished}/files/overlay.mp4")
    assert after == before and video.status_code == 200  # the finished result is untouched
    assert reruns == ["done", "done"]
    runs = {r["id"]: r["runs"] for r in db_rows(tmp_path, "clips")}
    assert runs == {finished: 1, interrupted: 2, waiting: 1}
    assert list((tmp_path / "incoming").iterdir()) == []


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped has stopped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)")
def test_kill_9_of_the_server_leaves_no_worker_and_a_restart_finishes_the_clip_once(tmp_path: Path,
                                                                                     clip: Path) -> None:
    data = tmp_path / "data"
    with TestClient(create_app(data, analysis=fake_analysis)) as client:
        finished = clip_id_of(post_clip(client, clip.read_bytes(), "done.mp4"))
        wait_finished(client, finished)
    kept = {name: (data / name).read_bytes() for name in files_under(data)}
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", f"import conftest_web as c; c.serve({str(data)!r}, {port}, "
                               "'slow_analysis')"], cwd=ROOT / "tests", stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.2)
        upload = httpx.post(base + "/upload", files={"video": ("cut.mp4", clip.read_bytes(), "video/mp4")},
                            timeout=30)
        interrupted = clip_id_of(upload)
        while httpx.get(f"{base}/api/clips/{interrupted}", timeout=5).json()["state"] != "running":
            assert time.monotonic() < deadline, "the analysis did not start"
            time.sleep(0.2)
        workers = _descendants(server.pid)
    finally:
        server.kill()  # SIGKILL: no shutdown code runs in the server
        server.wait(timeout=30)
    assert workers  # at least the analysis worker
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in workers if _alive(pid)] == []  # every worker died with its server
    with TestClient(create_app(data, analysis=fake_analysis)) as client:
        status = wait_finished(client, interrupted)
        page = client.get(f"/clips/{interrupted}").text
    assert status["state"] == "done" and "<video" in page
    runs = {r["id"]: r["runs"] for r in db_rows(data, "clips")}
    assert runs == {finished: 1, interrupted: 2}  # the killed run, then one run after the restart
    assert all((data / name).read_bytes() == content for name, content in kept.items())  # nothing finished lost
    assert sorted(p.name for p in (data / "clips" / interrupted).iterdir()) == [".lock", "clip.mp4", "results"]


def test_a_clip_is_never_analysed_twice_at_once(tmp_path: Path, clip: Path) -> None:
    from kneedrive_cv.web.jobs import clip_lock

    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
    store = Store(tmp_path)
    store.mark_queued(clip_id)  # as a restart finds it while another process still analyses it
    (tmp_path / "clips" / clip_id / "results.part-12345").mkdir()  # what a run killed part-way leaves
    with clip_lock(tmp_path / "clips" / clip_id) as held:
        assert held
        with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
            time.sleep(1.5)  # the worker is waiting for the lock meanwhile
            waiting = client.get(f"/api/clips/{clip_id}").json()["state"]
            with clip_lock(tmp_path / "clips" / clip_id, wait=False) as again:
                assert not again  # a second holder is refused while the first holds it
            held_page = client.get(f"/clips/{clip_id}/files/report.json")
    assert waiting == "queued" and held_page.status_code == 200  # the earlier results stay until the new are whole
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        assert wait_finished(client, clip_id)["state"] == "done"
    assert db_rows(tmp_path, "clips")[0]["runs"] == 2
    assert sorted(p.name for p in (tmp_path / "clips" / clip_id).iterdir()) == [".lock", "clip.mp4", "results"]


def test_deleting_a_clip_removes_its_files(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), new_athlete="Ada"))
        wait_finished(client, clip_id)
        response = client.post(f"/clips/{clip_id}/delete", follow_redirects=False)
        gone = client.get(f"/clips/{clip_id}")
    assert response.status_code == 303 and response.headers["location"].endswith("/athletes/1")
    assert gone.status_code == 404 and "No such clip" in gone.text
    assert files_under(tmp_path) == [] and db_rows(tmp_path, "clips") == []


# -- re-scoring in place, cancelling, managing athletes --------------------------------------------------------


def test_a_clip_is_scored_again_with_another_drill_and_with_a_thresholds_file(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=rescoring_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), drill="piston_run"))
        wait_finished(client, clip_id)
        chosen = client.get(f"/clips/{clip_id}").text
        used = tmp_path / "clips" / clip_id / "results" / "used.txt"
        first = used.read_text()
        again = client.post(f"/clips/{clip_id}/rescore", data={"drill": "high_knees"}, follow_redirects=False)
        wait_finished(client, clip_id)
        agreed = client.get(f"/clips/{clip_id}").text
        toml = b'[drills.high_knees]\ncadence_min_spm = 150\n'
        own = client.post(f"/clips/{clip_id}/rescore", data={"drill": "high_knees"},
                          files={"thresholds": ("my squad.toml", toml, "text/plain")}, follow_redirects=False)
        wait_finished(client, clip_id)
        with_file = client.get(f"/clips/{clip_id}").text
        with_file_used = used.read_text()
        bad = client.post(f"/clips/{clip_id}/rescore", data={"drill": "wall_drill"},
                          files={"thresholds": ("broken.toml", b"[drills.high_knees\nx=", "text/plain")})
        unknown = client.post(f"/clips/{clip_id}/rescore", data={"drill": "moonwalk"})
        shipped = client.post(f"/clips/{clip_id}/rescore", data={"shipped": "1"}, follow_redirects=False)
        wait_finished(client, clip_id)
        back = used.read_text()
    assert first == "piston_run\nshipped"
    hint = re.search(r'id="drill-hint">(.*?)</dd>', chosen, re.S).group(1)  # type: ignore[union-attr]
    assert re.sub(r"\s+", " ", hint).startswith("You chose Piston run; this looks like High knees on the spot, 84 %.")
    assert 'value="high_knees"><button type="submit" class="secondary small">Score as High knees' in hint
    assert again.status_code == 303 and 'id="drill-hint"' not in agreed
    assert own.status_code == 303 and with_file_used == "high_knees\n" + toml.decode()
    assert "your file <b>my squad.toml</b>" in with_file
    assert 'class="score big score-poor">50<' in with_file  # the score with the thresholds file
    assert bad.status_code == 400 and "&#39;broken.toml&#39; is not valid TOML" in bad.text
    assert "Nothing was changed" in bad.text and unknown.status_code == 400
    assert shipped.status_code == 303 and back == "high_knees\nshipped"
    row = db_rows(tmp_path, "clips")[0]
    assert (row["runs"], row["drill_requested"], row["thresholds"]) == (4, "high_knees", None)


def wait_overlay(client: TestClient, clip_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/api/clips/{clip_id}").json()
        if status["state"] == "done" and not status["overlay_pending"]:
            return status  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"clip {clip_id}'s overlay still pending after {timeout_s} s")


def test_rescoring_answers_at_once_and_the_overlay_follows_for_the_latest_scores(tmp_path: Path, clip: Path) -> None:
    results = tmp_path / "data" / "clips"
    with TestClient(create_app(tmp_path / "data", analysis=rescoring_analysis, redraw=fake_redraw)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), drill="piston_run"))
        assert wait_finished(client, clip_id)["overlay_pending"] is False
        out = results / clip_id / "results"
        assert (out / "overlay.mp4").exists() and '<video id="overlay"' in client.get(f"/clips/{clip_id}").text
        client.post(f"/clips/{clip_id}/rescore", data={"drill": "high_knees"})
        rescored = wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        on_disk = sorted(p.name for p in out.iterdir())
        # a second re-score while the first one's overlay is still being drawn
        toml = b"[drills.high_knees]\ncadence_min_spm = 150\n"
        client.post(f"/clips/{clip_id}/rescore", data={"drill": "high_knees"},
                    files={"thresholds": ("mine.toml", toml, "text/plain")})
        second = wait_finished(client, clip_id)
        second_page = client.get(f"/clips/{clip_id}").text
        drawn = wait_overlay(client, clip_id)
        final_page = client.get(f"/clips/{clip_id}").text
    # the new scores at once, the old overlay gone with the old results, the page saying it is being redrawn
    assert rescored["state"] == "done" and rescored["overlay_pending"] is True
    assert "overlay.mp4" not in on_disk and "report.json" in on_disk
    assert 'id="overlay-pending"' in page and '<video id="overlay"' not in page
    assert "Redrawing the overlay video for the new scores" in page and "High knees" in page
    assert second["overlay_pending"] is True and 'class="score big score-poor">50<' in second_page
    assert '<video id="overlay"' not in second_page
    # the overlay finally shown is the one drawn for the latest scores, never the first re-score's
    assert drawn["overlay_pending"] is False and (out / "overlay.mp4").exists()
    assert (out / "overlay_for.txt").read_text() == (out / "used.txt").read_text() == "high_knees\n" + toml.decode()
    assert '<video id="overlay"' in final_page and 'id="overlay-pending"' not in final_page
    row = db_rows(tmp_path / "data", "clips")[0]
    assert (row["runs"], row["overlay_pending"], row["drill_requested"]) == (3, 0, "high_knees")
    assert not list((results / clip_id).glob("results.*"))  # no staging folder or swap left behind


def test_an_overlay_left_undrawn_by_a_stopped_server_is_drawn_on_the_next_start(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=rescoring_analysis, redraw=fake_redraw)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes()))
        wait_finished(client, clip_id)
        client.post(f"/clips/{clip_id}/rescore", data={"drill": "high_knees"})
        assert wait_finished(client, clip_id)["overlay_pending"] is True
    # stopped while the overlay was drawn (the stand-in takes 1.5 s): still pending, the scores kept
    row = db_rows(tmp_path, "clips")[0]
    assert (row["state"], row["overlay_pending"], row["drill"]) == ("done", 1, "high_knees")
    with TestClient(create_app(tmp_path, analysis=rescoring_analysis, redraw=fake_redraw)) as client:
        wait_overlay(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
    assert '<video id="overlay"' in page and (tmp_path / "clips" / clip_id / "results" / "overlay_for.txt").exists()
    assert db_rows(tmp_path, "clips")[0]["runs"] == 2  # the scores were not worked out again


def test_a_queued_clip_can_be_cancelled_and_a_running_one_cannot(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, workers=1, analysis=slow_analysis)) as client:
        ids = [clip_id_of(post_clip(client, clip.read_bytes(), f"{i}.mp4")) for i in range(3)]
        deadline = time.monotonic() + 120
        while client.get(f"/api/clips/{ids[0]}").json()["state"] != "running":
            assert time.monotonic() < deadline, "the first clip never started"
            time.sleep(0.1)
        queued_page = client.get(f"/clips/{ids[2]}").text
        running = client.post(f"/clips/{ids[0]}/delete", follow_redirects=False)
        cancelled = [client.post(f"/clips/{i}/delete", follow_redirects=False) for i in ids[1:]]
        states = {r["id"]: r["state"] for r in db_rows(tmp_path, "clips")}
    assert 'id="cancel-form"' in queued_page and "Cancel and delete" in queued_page
    assert running.status_code == 409 and "being analysed" in running.text
    assert [r.status_code for r in cancelled] == [303, 303]
    assert states == {ids[0]: "running"}
    assert sorted(p.name for p in (tmp_path / "clips").iterdir()) == [ids[0]]


def test_athletes_are_renamed_merged_and_removed(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        ids = {name: clip_id_of(post_clip(client, clip.read_bytes(), f"{name}.mp4", new_athlete=name))
               for name in ("Ada", "ada l.", "Bo", "Cy")}
        for i in ids.values():
            wait_finished(client, i)
        page = client.get("/athletes/1").text
        renamed = client.post("/athletes/2/rename", data={"name": "  Ada  Lovelace "}, follow_redirects=False)
        taken = client.post("/athletes/3/rename", data={"name": "ADA"})
        merged = client.post("/athletes/2/merge", data={"into": "1"}, follow_redirects=False)
        self_merge = client.post("/athletes/1/merge", data={"into": "1"})
        kept = client.post("/athletes/3/delete", follow_redirects=False)
        gone = client.post("/athletes/4/delete", data={"with_clips": "1"}, follow_redirects=False)
        ada = client.get("/athletes/1").text
        squad = client.get("/athletes").text
    merge = re.search(r'<form[^>]*id="merge-form".*?</form>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "<title>Ada · kneedrive</title>" in page
    assert 'id="rename-form"' in page and re.findall(r">([^<]+)</option>", merge) == ["ada l.", "Bo", "Cy"]
    assert renamed.status_code == 303 and taken.status_code == 409 and "merge them instead" in taken.text
    assert merged.status_code == 303 and merged.headers["location"].endswith("/athletes/1")
    assert self_merge.status_code == 400
    assert kept.status_code == 303 and gone.status_code == 303
    assert [(r["id"], r["name"]) for r in db_rows(tmp_path, "athletes")] == [(1, "Ada")]
    clips = {r["original_name"]: r["athlete_id"] for r in db_rows(tmp_path, "clips")}
    assert clips == {"Ada.mp4": 1, "ada l..mp4": 1, "Bo.mp4": None}  # Cy's clip deleted with Cy, Bo's kept
    assert not (tmp_path / "clips" / ids["Cy"]).exists() and (tmp_path / "clips" / ids["Bo"]).exists()
    assert "2 clips" in ada and "Ada L" not in squad and "Clips without an athlete" in squad


# -- athletes, history and charts -------------------------------------------------------------------------------


def test_athlete_page_charts_score_and_cadence_by_date(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        ids = [clip_id_of(post_clip(client, clip.read_bytes(), f"{day}.mp4", new_athlete="Ada", recorded_on=day))
               for day in ("2025-01-10", "2025-02-10")]
        other = clip_id_of(post_clip(client, clip.read_bytes(), "b.mp4", new_athlete="Bo"))
        for i in [*ids, other]:
            wait_finished(client, i)
        athlete = client.get("/athletes/1").text
        squad = client.get("/athletes").text
        missing = client.get("/athletes/99")
        future = post_clip(client, clip.read_bytes(), recorded_on="2999-01-01")
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", athlete, re.S)
    assert len(charts) == 2 and "Mean score" in charts[0] and "Cadence" in charts[1]
    assert [len(re.findall("<circle", c)) for c in charts] == [2, 2]
    assert "2025-01-10: 65" in charts[0] and "2025-02-10: 201 steps/min" in charts[1]
    table = athlete[athlete.index("<h2>Clips</h2>"):]
    assert table.index("2025-02-10.mp4") < table.index("2025-01-10.mp4")  # newest first
    assert re.search(r">Ada</a></td>\s*<td class=\"num opt\">2</td>\s*<td class=\"num\"><span class=\"score "
                     r"score-fair\">65</span>", squad)
    assert ">Bo</a>" in squad and missing.status_code == 404
    assert squad.count('201 <span class="muted small unit">steps/min</span>') == 2  # latest cadence of Ada and Bo
    assert future.status_code == 400 and "in the future" in future.text


def test_squad_figures_leave_out_truncated_clips_slow_motion_and_clips_without_a_drill(tmp_path: Path) -> None:
    store = Store(tmp_path)
    ada = store.athlete_by_name("Ada", create=True)
    assert ada is not None

    def done(day: str, summary: dict[str, Any]) -> None:
        clip_id = store.new_clip_id()
        store.add_clip(clip_id, athlete_id=ada.id, original_name=f"{day}.mp4", stored_name="clip.mp4",
                       drill_requested="auto", recorded_on=day, video={})
        store.mark_done(clip_id, {"n_reps": 6, "reps": [], **summary})

    done("2025-01-01", {"drill": "high_knees", "mean_score": 50.0, "cadence_spm": 180.0})
    done("2025-01-02", {"drill": "high_knees", "mean_score": 60.0, "cadence_spm": 170.0})
    done("2025-01-03", {"drill": "high_knees", "mean_score": 92.0, "cadence_spm": 175.0,  # the first MB of a clip
                        "unmeasured": [{"kind": "truncated", "what": "the end of the clip", "why": "truncated"}]})
    done("2025-01-04", {"drill": "piston_run", "mean_score": 70.0, "cadence_spm": 20.0,
                        "unmeasured": [{"kind": "slow_motion", "what": "real-time cadence", "why": "slow motion"}]})
    done("2025-01-05", {"drill": "none", "mean_score": None, "cadence_spm": None})
    athlete = store.athlete(ada.id)
    assert athlete is not None
    assert athlete.mean_score == pytest.approx(60.0)  # 50, 60 and 70: the truncated clip's 92 is left out
    assert athlete.last_score == 70.0  # the latest clip with a drill, not the walk after it
    assert athlete.last_cadence_spm == 170.0  # not the slow-motion 20, not the truncated clip's
    assert athlete.n_clips == 5 and athlete.last_recorded_on == "2025-01-05"
    assert [c.truncated for c in store.clips(athlete_id=ada.id)] == [False, False, True, False, False]


def test_a_damaged_clip_says_so_and_its_slow_motion_cadence_is_not_taken(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=truncated_analysis)) as client:
        clip_id = clip_id_of(post_clip(client, clip.read_bytes(), new_athlete="Ada"))
        wait_finished(client, clip_id)
        page = client.get(f"/clips/{clip_id}").text
        squad = client.get("/athletes").text
    assert 'id="truncated"' in page and "counts in none of the athlete's averages" in page
    assert 'id="not-real-time"' in page
    row = re.search(r">Ada</a></td>.*?</tr>", squad, re.S).group(0)  # type: ignore[union-attr]
    assert "steps/min" not in row and row.count(">–<") == 3  # mean, latest score and latest cadence


def test_the_store_names_the_analysis_kinds_it_reacts_to() -> None:
    from kneedrive_cv.scoring.unmeasured import UnmeasuredKind
    from kneedrive_cv.web.store import NOT_REAL_TIME, TRUNCATED_KIND

    assert {UnmeasuredKind.SLOW_MOTION.value, UnmeasuredKind.CADENCE.value} == NOT_REAL_TIME
    assert UnmeasuredKind.TRUNCATED.value == TRUNCATED_KIND


def _faststart_clip(path: Path, seconds: float = 3.0) -> Path:
    """A clip with its index at the front, as phones and web tools write them (then a cut keeps the header)."""
    import av

    rng = np.random.default_rng(1)
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for _ in range(int(30 * seconds)):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_a_clip_cut_short_is_refused_on_upload(tmp_path: Path) -> None:
    whole = _faststart_clip(tmp_path / "whole.mp4").read_bytes()
    with TestClient(create_app(tmp_path / "data", analysis=fake_analysis)) as client:
        cut = post_clip(client, whole[: len(whole) * 4 // 10], "first_mb.mp4", new_athlete="Ada")
        fine = post_clip(client, whole, "whole.mp4")
    assert cut.status_code == 400
    message = html.unescape(re.search(r'id="upload-error"[^>]*>(.*?)</div>', cut.text, re.S).group(1))  # type: ignore[union-attr]
    assert re.fullmatch(r"'first_mb.mp4' is cut short: its pictures stop at 1\.\d s of the 3\.0 s the file says "
                        r"it lasts .*", message), message
    assert fine.status_code == 303 and len(db_rows(tmp_path / "data", "clips")) == 1


def test_athlete_charts_are_drawn_per_drill(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        for drill, day in (("wall_drill", "2025-01-10"), ("piston_run", "2025-01-10"), ("wall_drill", "2025-02-01")):
            wait_finished(client, clip_id_of(post_clip(client, clip.read_bytes(), new_athlete="Ada", drill=drill,
                                                       recorded_on=day)))
        page = client.get("/athletes/1").text
    sections = re.findall(r'<section class="drill-charts" id="charts-([a-z_]+)">\s*<h2>(.*?)</h2>(.*?)</section>', page,
                          re.S)
    assert [(d, t) for d, t, _ in sections] == [("piston_run", "Piston run"), ("wall_drill", "Wall drill")]
    assert [len(re.findall("<circle", body)) for _, _, body in sections] == [2, 4]  # score and cadence points


def test_the_page_to_share_gives_the_top_cues_the_kinogram_and_progress(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(tmp_path, analysis=kinogram_analysis)) as client:
        first = clip_id_of(post_clip(client, clip.read_bytes(), new_athlete="Ada", recorded_on="2025-01-10"))
        wait_finished(client, first)
        latest = clip_id_of(post_clip(client, clip.read_bytes(), new_athlete="Ada", drill="wall_drill",
                                      recorded_on="2025-02-10"))
        wait_finished(client, latest)
        page = client.get("/athletes/1/share").text
        athlete = client.get("/athletes/1").text
        missing = client.get("/athletes/7/share")
    assert "/athletes/1/share" in athlete
    assert f"<title>Ada, {date.today().isoformat()} · kneedrive</title>" in page
    cues = re.findall(r"<li><b>(.*?)</b> <span class=\"muted small\">\((\d+) of (\d+) reps\)", page)
    assert cues == [("foot sprung, not soggy", "3", "6"), ("drive the knee to hip height", "2", "6"),
                    ("stand tall", "1", "6")]
    assert f'src="http://testserver/clips/{latest}/files/kinogram.png"' in page  # the latest clip's kinogram
    assert len(re.findall(r'<svg class="chart"', page)) == 4  # score and cadence for each of the two drills
    assert "@media print" in (ROOT / "kneedrive_cv" / "web" / "static" / "style.css").read_text()
    assert missing.status_code == 404


def test_the_squad_exports_every_clip_as_csv(tmp_path: Path, clip: Path) -> None:
    import csv
    import io

    with TestClient(create_app(tmp_path, analysis=fake_analysis)) as client:
        for name, athlete in (("a.mp4", "Ada"), ("=HYPERLINK(1).mp4", "@Mallory")):
            wait_finished(client, clip_id_of(post_clip(client, clip.read_bytes(), name, new_athlete=athlete,
                                                       recorded_on="2025-03-01")))
        reply = client.get("/squad.csv")
        squad = client.get("/athletes").text
    assert 'href="http://testserver/squad.csv"' in squad
    assert reply.headers["content-type"].startswith("text/csv")
    assert reply.headers["content-disposition"].startswith('attachment; filename="kneedrive_squad_')
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert [(r["athlete"], r["clip"]) for r in rows] == [("'@Mallory", "'=HYPERLINK(1).mp4"), ("Ada", "a.mp4")]
    assert rows[1] == {"athlete": "Ada", "filmed": "2025-03-01", "clip": "a.mp4", "drill": "piston_run", "reps": "3",
                       "mean_score": "65.2", "cadence_spm": "201.0", "state": "done", "truncated": "0"}


def test_line_chart_places_points_by_date() -> None:
    svg = line_chart([Point(date(2025, 1, 1), 50), Point(date(2025, 1, 31), 100), Point(date(2025, 1, 11), 0)],
                     title="Mean score", y_fixed=(0, 100), width=378, height=164)
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    ys = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    assert xs == pytest.approx([44.0, 144.0, 344.0], abs=0.06)  # 300 px for 30 days, 44 px margin
    assert ys == pytest.approx([34.0 + 50, 34.0 + 100, 34.0], abs=0.06)  # 100 px for 0-100, 34 px margin
    assert line_chart([], title="Cadence").startswith('<p class="muted">No cadence')


@pytest.mark.parametrize(("score", "css"), [(None, "score-none"), (95, "score-good"), (80, "score-good"),
                                            (79.9, "score-fair"), (60, "score-fair"), (10, "score-poor")])
def test_score_colours(score: float | None, css: str) -> None:
    assert score_class(score) == css


# -- the real analysis ------------------------------------------------------------------------------------------


def _short_real_clip() -> Path:
    samples = sorted((ROOT / "sample_videos").glob("*.mp4"), key=lambda p: p.stat().st_size)
    if samples:
        return samples[0]
    clip = REAL / "running_side_panning_field_short.mp4"
    if not clip.exists():
        pytest.skip(f"no sample clip in sample_videos/ and no shared real clips at {REAL}")
    return clip


@pytest.mark.model
def test_the_real_analysis_runs_in_a_worker_and_its_results_are_shown(tmp_path: Path) -> None:
    source = _short_real_clip()
    with TestClient(create_app(tmp_path)) as client:
        clip_id = clip_id_of(post_clip(client, source.read_bytes(), source.name, drill="auto"))
        status = wait_finished(client, clip_id, timeout_s=300)
        page = client.get(f"/clips/{clip_id}").text
        report = client.get(f"/clips/{clip_id}/files/report.json").json()
    assert status["state"] == "done", status["error"]
    results = tmp_path / "clips" / clip_id / "results"
    overlay = probe(results / "overlay.mp4")
    source_info = probe(source)
    assert overlay.codec == "h264" and overlay.width // 2 == source_info.width // 2  # browsers play H.264
    assert overlay.height >= source_info.height - 1  # the footage, and any strip the overlay adds below it
    assert abs(overlay.duration_s - source_info.duration_s) < 0.2
    assert "<video" in page and (report["drill"] in page.replace(" ", "_") or report["drill"] == "none")
    row = db_rows(tmp_path, "clips")[0]
    assert row["n_reps"] == len(report["reps"]) == len(re.findall(r"<tr data-t=", page))
    report_html = (results / "report.html").read_text()
    assert f"<p>{source.name} &middot;" in report_html and "<p>clip.mp4" not in report_html  # as the coach named it
    assert f"filmed {row['recorded_on']}" in report_html


@pytest.mark.model
def test_the_real_rescoring_gives_new_scores_first_and_the_overlay_drawn_for_them_after(tmp_path: Path) -> None:
    source = _short_real_clip()
    with TestClient(create_app(tmp_path)) as client:
        clip_id = clip_id_of(post_clip(client, source.read_bytes(), source.name, drill="auto"))
        assert wait_finished(client, clip_id, timeout_s=300)["state"] == "done"
        client.get(f"/clips/{clip_id}")  # the coach opens the page (the re-scoring worker starts)
        other = "wall_drill" if client.get(f"/clips/{clip_id}/files/report.json").json()["drill"] != "wall_drill" \
            else "high_knees"
        client.post(f"/clips/{clip_id}/rescore", data={"drill": other})
        scored = wait_finished(client, clip_id, timeout_s=120)
        results = tmp_path / "clips" / clip_id / "results"
        without = sorted(p.name for p in results.iterdir())
        report = client.get(f"/clips/{clip_id}/files/report.json").json()
        wait_overlay(client, clip_id, timeout_s=300)
    assert scored["state"] == "done" and scored["overlay_pending"] is True, scored
    assert report["drill"] == other and "overlay.mp4" not in without and "report.html" in without
    overlay, source_info = probe(results / "overlay.mp4"), probe(source)
    assert overlay.codec == "h264" and abs(overlay.duration_s - source_info.duration_s) < 0.2
    assert db_rows(tmp_path, "clips")[0]["drill"] == other


# -- the command ------------------------------------------------------------------------------------------------


def test_kneedrive_serve_listens_on_localhost_and_stops_cleanly(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "kneedrive_cv", "serve", "--port", str(port), "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, page = time.monotonic() + 60, None
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        foreign = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "attacker.example"}, timeout=5)
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert page is not None and page.status_code == 200 and 'type="file" name="video"' in page.text
    assert foreign.status_code == 400  # a localhost server answers only to localhost names (DNS rebinding)
    assert f"serving {data.resolve()} at http://127.0.0.1:{port}/" in output and proc.returncode == 0
    assert (data / DB_NAME).is_file()


@pytest.mark.parametrize(("args", "message"), [(["--max-upload-mb", "0"], "--max-upload-mb must be positive"),
                                               (["--workers", "0"], "--workers must be at least 1"),
                                               (["--port", "70000"], "--port must be between 1 and 65535")])
def test_kneedrive_serve_refuses_bad_settings(tmp_path: Path, args: list[str], message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kneedrive_cv.cli import main

    assert main(["serve", "--data", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err


def test_kneedrive_serve_says_when_its_scheduler_cannot_be_reached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import kneedrive_cv.cluster as cluster
    from kneedrive_cv.cli import main

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    assert main(["serve", "--data", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kneedrive: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "Traceback" not in err


@pytest.mark.parametrize(("host", "local"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                             ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.4", False),
                                             ("example.org", False)])
def test_is_loopback(host: str, local: bool) -> None:
    from kneedrive_cv.commands.serve import is_loopback

    assert is_loopback(host) is local


def test_an_upload_without_a_date_takes_the_day_the_phone_recorded_it(tmp_path: Path, clip: Path) -> None:
    phone = tmp_path / "phone.mp4"
    with av.open(str(clip)) as src, av.open(str(phone), "w") as out:
        out.metadata["creation_time"] = "2024-05-01T12:00:00.000000Z"  # noon UTC: that day in any time zone
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    with TestClient(create_app(tmp_path / "data", analysis=fake_analysis)) as client:
        recorded = clip_id_of(post_clip(client, phone.read_bytes(), "phone.mp4"))
        given = clip_id_of(post_clip(client, phone.read_bytes(), "phone.mp4", recorded_on="2024-06-02"))
        plain = clip_id_of(post_clip(client, clip.read_bytes(), "plain.mp4"))  # no recording time: today
        for i in (recorded, given, plain):
            wait_finished(client, i)
    store = Store(tmp_path / "data")
    days = {i: store.clip(i).recorded_on for i in (recorded, given, plain)}  # type: ignore[union-attr]
    assert days == {recorded: "2024-05-01", given: "2024-06-02", plain: date.today().isoformat()}
