"""Side by side: pairs, deltas, and compare.mp4 read back frame by frame (peaks on one frame, halves alike).

The clips are drawn from analytic pose tracks (tests/factory.py): a white stick figure with green knees, so
the picture itself shows where each knee is, and the analysis runs on the track (no pose model).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from conftest import stored_clip
from factory import Athlete, build, mirrored

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.errors import CompareError
from kneedrive_cv.files import json_ready
from kneedrive_cv.landmarks import SKELETON_EDGES, Landmark, Side
from kneedrive_cv.output import write_outputs
from kneedrive_cv.output.annotators import Sizes
from kneedrive_cv.output.compare import compare_dict, write_compare
from kneedrive_cv.output.compare.pairs import BEST_WORST, CHOSEN, REP_BY_REP, best_and_worst, pair_reps
from kneedrive_cv.output.compare.panel import COMPARE_SCALE, GHOST_RGB, PANEL_H, PANEL_W
from kneedrive_cv.output.compare.picture import render_compare_picture
from kneedrive_cv.output.compare.video import PEAK_RGB, peak_badge
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.video import VideoSink

DRIVES = [(0.4 + 0.33 * k, Side.LEFT if k % 2 == 0 else Side.RIGHT) for k in range(8)]
FIGURE = (200, 200, 200)
KNEE = (0, 255, 0)
SIZES = Sizes.of(PANEL_W, PANEL_H, COMPARE_SCALE)
TOP = SIZES.line_h + SIZES.pad  # the title band over each panel
BOTTOM = PANEL_H - 2 * SIZES.line_h  # the time from the peak under it


def drawn_clip(path: Path, track: PoseTrack, fps: float) -> Path:
    """The track drawn as a figure on a dark ground, each frame at its own time: what a camera would have seen."""
    w, h = track.frame_size
    with VideoSink(path, w, h, fps) as sink:
        for k, t in enumerate(track.t_s):
            img = np.full((h, w, 3), 30, np.uint8)
            xy = track.landmarks_px[k, :, :2]
            for a, b in SKELETON_EDGES:
                cv2.line(img, tuple(int(v) for v in xy[a]), tuple(int(v) for v in xy[b]), FIGURE, 9)
            for knee in (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE):
                cv2.circle(img, tuple(int(v) for v in xy[knee]), 22, KNEE, -1)
            sink.write(img, float(t))
    return path


@pytest.fixture(scope="session")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    """High knees at 30 fps, 1280x720, facing right."""
    track, _ = build(Athlete(fps=30.0, duration_s=3.2, drives=DRIVES))
    clip = drawn_clip(tmp_path_factory.mktemp("landscape") / "landscape.mp4", track, 30.0)
    return analyse(clip, drill="high_knees", track=track, cache=None)


@pytest.fixture(scope="session")
def portrait(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    """The same drill filmed in portrait at 60 fps, further away, facing left, starting 0.37 s later."""
    later = [(t + 0.37, s) for t, s in DRIVES]
    track, _ = build(Athlete(fps=60.0, duration_s=3.6, drives=later, hip_px=(360.0, 640.0)))
    lm = track.landmarks_px.copy()
    centre = np.array([360.0, 640.0])
    lm[:, :, :2] = centre + 0.7 * (lm[:, :, :2] - centre)  # smaller in the picture: further from the phone
    track = mirrored(dataclasses.replace(track, landmarks_px=lm, frame_size=(720, 1280)))
    clip = drawn_clip(tmp_path_factory.mktemp("portrait") / "portrait.mp4", track, 60.0)
    return analyse(clip, drill="high_knees", track=track, cache=None)


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def halves(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two pictures (title band and time text left out)."""
    return frame[TOP:BOTTOM, :PANEL_W].astype(int), frame[TOP:BOTTOM, PANEL_W:2 * PANEL_W].astype(int)


def badge_on(half: np.ndarray) -> bool:
    x0, y0, x1, y1 = peak_badge(SIZES)
    patch = half[y0:y1, x0:x1].astype(int)
    return float(np.mean(np.all(np.abs(patch - PEAK_RGB) < 40, axis=2))) > 0.5


def knee_top(picture: np.ndarray) -> float:
    """The highest row of green-knee pixels (NaN where none)."""
    green = (picture[:, :, 1] > 180) & (picture[:, :, 0] < 90) & (picture[:, :, 2] < 90)
    rows = np.flatnonzero(green.any(axis=1))
    return float(rows[0]) if len(rows) else np.nan


def test_a_clip_against_itself_gives_zero_deltas_and_identical_halves(landscape: AnalysisResult,
                                                                     tmp_path: Path) -> None:
    files = write_compare(landscape, landscape, tmp_path)
    doc = json.loads(files["compare.json"].read_text())
    assert doc["pairing"] == REP_BY_REP and len(doc["pairs"]) == len(landscape.reps) >= 6
    for p in doc["pairs"]:
        assert p["a"]["index"] == p["b"]["index"]
        assert {"score", "peak_thigh_deg"} <= set(p["delta"]) and all(v == 0 for v in p["delta"].values())
    assert doc["video"]["fps"] == 30 and not doc["video"]["b_mirrored"]
    frames = frames_of(files["compare.mp4"])
    assert len(frames) == doc["video"]["frames"]
    for frame in frames[::3]:
        left, right = halves(frame)
        assert np.mean(np.abs(left - right)) < 1.5
    for p in doc["pairs"]:
        k = p["video_peak_frame"]
        assert badge_on(frames[k][:, :PANEL_W]) and badge_on(frames[k][:, PANEL_W:])
    assert files["compare.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _runs(flags: list[bool]) -> list[float]:
    """Centre of each run of True."""
    out, start = [], None
    for k, f in enumerate([*flags, False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            out.append((start + k - 1) / 2)
            start = None
    return out


def test_peaks_coincide_across_frame_rates_sizes_and_orientations(landscape: AnalysisResult, portrait: AnalysisResult,
                                                                  tmp_path: Path) -> None:
    files = write_compare(landscape, portrait, tmp_path)
    doc = json.loads(files["compare.json"].read_text())
    assert doc["video"]["fps"] == 60 and doc["video"]["b_mirrored"]
    assert doc["a"]["size"] == [1280, 720] and doc["b"]["size"] == [720, 1280]
    pairs = doc["pairs"]
    assert len(pairs) >= 6
    for p in pairs:  # the same drive, filmed differently: the same numbers
        assert p["a"]["side"] == p["b"]["side"]
        assert abs(p["delta"]["peak_thigh_deg"]) < 3 and abs(p["delta"]["peak_knee_height"]) < 0.05
    frames = frames_of(files["compare.mp4"])
    # the badges: each side's peak frame is on screen at the pair's peak frame
    badges_a = _runs([badge_on(f[:, :PANEL_W]) for f in frames])
    badges_b = _runs([badge_on(f[:, PANEL_W:]) for f in frames])
    assert len(badges_a) == len(badges_b) == len(pairs)
    for p, ka, kb in zip(pairs, badges_a, badges_b, strict=True):
        assert abs(ka - p["video_peak_frame"]) <= 1 and abs(kb - p["video_peak_frame"]) <= 1
    # the pictures themselves: within each pair, both halves' knees are highest on the same frame (within one)
    starts = [0, *(p["video_peak_frame"] for p in pairs[1:])]
    tops = np.array([[knee_top(h) for h in halves(f)] for f in frames])
    for p, lo, hi in zip(pairs, starts, [*starts[1:], len(frames)], strict=True):
        k = p["video_peak_frame"]
        window = slice(max(lo, k - 6), min(hi, k + 7))
        ka = window.start + int(np.nanargmin(tops[window, 0]))
        kb = window.start + int(np.nanargmin(tops[window, 1]))
        assert abs(ka - kb) <= 1 and abs(ka - k) <= 1, (p["a"]["index"], ka, kb, k)
    # one body height and facing one way: the knees at the peak are level and on the same side of the hips
    k = pairs[2]["video_peak_frame"]
    left, right = halves(frames[k])
    assert abs(knee_top(left) - knee_top(right)) < 0.04 * PANEL_H
    centre = [np.mean(np.flatnonzero((h[:, :, 1] > 180) & (h[:, :, 0] < 90)) % PANEL_W) for h in (left, right)]
    assert abs(centre[0] - centre[1]) < 0.06 * PANEL_W


def test_slow_motion_stretches_time_and_keeps_peaks_together(landscape: AnalysisResult, portrait: AnalysisResult,
                                                             tmp_path: Path) -> None:
    normal = write_compare(landscape, portrait, tmp_path / "x1", reps=(3, 3))
    slow = write_compare(landscape, portrait, tmp_path / "x2", reps=(3, 3), slow=2.0)
    n, s = (json.loads(f["compare.json"].read_text())["video"] for f in (normal, slow))
    assert s["slow_motion"] == 2 and s["fps"] == n["fps"] == 60
    assert abs(s["frames"] - 2 * n["frames"]) <= 3  # the peak frame once, and each end rounded up
    frames = frames_of(slow["compare.mp4"])
    k = json.loads(slow["compare.json"].read_text())["pairs"][0]["video_peak_frame"]
    assert badge_on(frames[k][:, :PANEL_W]) and badge_on(frames[k][:, PANEL_W:])


def test_the_ghost_is_the_other_athlete_on_a_s_picture(landscape: AnalysisResult, portrait: AnalysisResult,
                                                        tmp_path: Path) -> None:
    files = write_compare(landscape, portrait, tmp_path, reps=(2, 2), ghost=True)
    frame = frames_of(files["compare.mp4"])[json.loads(files["compare.json"].read_text())["pairs"][0][
        "video_peak_frame"]]
    left, right = halves(frame)
    white = [int(np.sum(np.all(np.abs(h - GHOST_RGB) < 12, axis=2))) for h in (left, right)]
    assert white[0] > 1000 and white[0] > 10 * white[1], white  # B's side has only the odd white text pixel


def test_pairing_rules(landscape: AnalysisResult, portrait: AnalysisResult) -> None:
    how, pairs = pair_reps(landscape, landscape, (3, 7))
    assert how == CHOSEN and [(p.a.index, p.b.index) for p in pairs] == [(3, 7)]
    assert pair_reps(landscape, portrait)[0] == REP_BY_REP
    with pytest.raises(CompareError, match="has no rep 99"):
        pair_reps(landscape, portrait, (1, 99))
    none = dataclasses.replace(portrait, score=None, drill=None)
    with pytest.raises(CompareError, match="no scored reps"):
        pair_reps(landscape, none)
    worse = dataclasses.replace(landscape, drill=dataclasses.replace(landscape.book.get("piston_run")))
    how, pairs = pair_reps(worse, portrait)  # two drills: A's best against B's worst
    assert how == BEST_WORST and len(pairs) == 1
    assert pairs[0].a.score == max(r.score or 0 for r in landscape.reps)
    assert pairs[0].b.score == min(r.score or 0 for r in portrait.reps)
    with pytest.raises(CompareError, match="slow motion"):
        write_compare(landscape, portrait, Path("unused"), slow=0.5)


def kd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kneedrive_cv", *args], capture_output=True, text=True, timeout=600)


def test_the_command_compares_saved_analyses_and_the_report_shows_best_against_worst(
        landscape: AnalysisResult, tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    files = write_outputs(landscape, saved)
    pair = best_and_worst(landscape)
    html = files["report.html"].read_text()
    if pair is None:
        assert "Best rep against worst rep" not in html
    else:
        assert "Best rep against worst rep" in html and "best_worst.png" in files
        assert f"rep {pair.a.index}" in html and f"rep {pair.b.index}" in html
    out = kd("compare", str(saved), str(saved), "--reps", "3", "7", "--out", str(tmp_path / "cmp"))
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert [(p["a"]["index"], p["b"]["index"]) for p in doc["pairs"]] == [(3, 7)]
    assert "A rep  3" in out.stdout and "30 fps" in out.stdout
    bad = kd("compare", str(saved), str(tmp_path / "nothing.mp4"), "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0 and "no such file" in bad.stderr
    bad = kd("compare", str(saved), str(saved), "--reps", "3", "99", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "has no rep 99" in bad.stderr


def test_the_web_app_compares_two_sessions_of_an_athlete(landscape: AnalysisResult, portrait: AnalysisResult,
                                                          tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from kneedrive_cv.web.app import create_app
    from kneedrive_cv.web.store import Store

    store = Store(tmp_path)
    athlete = store.athlete_by_name("Ada Obi", create=True)
    assert athlete is not None
    first = stored_clip(store, landscape, athlete.id, "2026-01-10")
    second = stored_clip(store, portrait, athlete.id, "2026-02-10")
    with TestClient(create_app(tmp_path)) as client:
        page = client.get(f"/athletes/{athlete.id}")
        assert page.status_code == 200 and 'id="compare-form"' in page.text
        assert first in page.text and second in page.text
        link = f"/compare?a={first}&b={second}"
        shown = client.get(link)
        assert shown.status_code == 200, shown.text
        assert 'id="deltas"' in shown.text and "rep by rep" in shown.text and "B is mirrored" in shown.text
        assert shown.text.count('<tr data-peak-s=') == len(pair_reps(landscape, portrait)[1])
        video = re.search(r'src="([^"]+compare\.mp4)"', shown.text)
        assert video is not None
        head = client.get(video.group(1), headers={"Range": "bytes=0-99"})
        assert head.status_code == 206 and len(head.content) == 100 and head.headers["content-type"] == "video/mp4"
        # the link works later: the comparison is kept, and the page comes back the same
        made = sorted((tmp_path / "compare").iterdir())
        assert len(made) == 1 and (made[0] / "compare.json").exists()
        assert client.get(link).text == shown.text and sorted((tmp_path / "compare").iterdir()) == made
        # two reps of one session
        reps = client.get(f"/compare?a={first}&b={first}&ra=2&rb=4")
        assert reps.status_code == 200 and "1 pair, chosen" in reps.text
        bad = client.get(f"/compare?a={first}&b={first}&ra=2&rb=99")
        assert bad.status_code == 422 and "has no rep 99" in bad.text
        assert client.get(f"/compare?a={first}&b=0123456789abcdef").status_code == 404
        assert client.get("/compare/0123/compare.mp4").status_code == 404


@pytest.mark.model
def test_the_planted_faults_show_as_deltas_of_the_right_sign_and_size() -> None:
    """The clean piston-run sample against the faults sample: B leans more, drives higher and slows down."""
    import statistics

    root = Path(__file__).resolve().parents[1] / "sample_videos"
    truth = {n: json.loads((root / f"{n}.truth.json").read_text()) for n in ("piston_run", "piston_run_faults")}
    a, b = analyse(root / "piston_run.mp4"), analyse(root / "piston_run_faults.mp4")
    doc = json_ready(compare_dict(a, b, *pair_reps(a, b), video=None))  # the numbers (the video is tested above)
    assert doc["pairing"] == REP_BY_REP and len(doc["pairs"]) >= 12

    def median(name: str) -> float:
        return statistics.median(p["delta"][name] for p in doc["pairs"] if name in p["delta"])

    ta, tb = truth["piston_run"]["derived"], truth["piston_run_faults"]["derived"]
    lean, thigh = tb["lean_deg"] - ta["lean_deg"], tb["thigh_peak_deg"] - ta["thigh_peak_deg"]  # +13 and +36 deg
    # the trunk line of a rounded back leans more than the lean from the ankles: up to 9 deg more is allowed
    assert 0.7 * lean <= median("trunk_lean_deg") <= lean + 9
    assert abs(median("peak_thigh_deg") - thigh) <= 10
    assert median("peak_knee_height") > 0.25  # knees above the hips instead of below
    assert median("score") < -15
    # the rhythm: B's cadence falls from 4.0 to 3.2 steps per second over the set, A's keeps to 4.0
    assert doc["clip_delta"]["cadence_spm"] < -10
    assert doc["clip_delta"]["cadence_change_over_set"] < -0.05


def test_the_kinogram_and_best_against_worst_decode_the_clip_once(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import kneedrive_cv.video
    from kneedrive_cv.output import kinogram
    from kneedrive_cv.output.compare import picture

    faults = analyse(Path(__file__).resolve().parents[1] / "sample_videos" / "piston_run_faults.mp4")
    pair = best_and_worst(faults)
    assert pair is not None
    title = f"Best rep ({pair.a.index}) against worst rep ({pair.b.index}), each at its peak"
    alone = render_compare_picture(faults, faults, [pair], tmp_path / "alone.png", title, names=("best", "worst"))
    reads: list[set[int]] = []
    real = kneedrive_cv.video.read_frames_at

    def counted(path: Path, indices: set[int], turn: int = 0) -> Iterator[tuple[int, np.ndarray]]:
        reads.append(set(indices))
        return real(path, indices, turn=turn)

    for module in (kneedrive_cv.video, picture, kinogram):
        monkeypatch.setattr(module, "read_frames_at", counted)
    files = write_outputs(faults, tmp_path / "out")
    assert len(reads) == 1 and {pair.a.i_peak, pair.b.i_peak} <= reads[0]
    assert {r.i_peak for r in faults.reps} <= reads[0]
    assert "best_worst.png" in files and "kinogram.png" in files
    # the same picture as when it decodes its own frames
    assert np.array_equal(cv2.imread(str(alone)), cv2.imread(str(files["best_worst.png"])))
