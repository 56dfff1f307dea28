"""Pose tracks from real video: detection, landmark placement, save/load, cache, model errors, nobody found."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import real_clip

from kneedrive_cv.errors import ModelError, NoPersonError, TrackFormatError
from kneedrive_cv.landmarks import Landmark
from kneedrive_cv.pose.cache import TrackCache
from kneedrive_cv.pose.estimate import estimate_track
from kneedrive_cv.pose.track import PoseTrack, load_track, save_track
from kneedrive_cv.video import VideoSink

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def high_knees(tmp_path_factory: pytest.TempPathFactory) -> tuple[PoseTrack, TrackCache]:
    cache = TrackCache()
    track, _ = estimate_track(real_clip("high_knees_side_gym_60fps.mp4"), cache=cache)
    return track, cache


@pytest.mark.real
def test_person_found_in_nearly_every_frame(high_knees: tuple[PoseTrack, TrackCache]) -> None:
    track, _ = high_knees
    assert len(track) == 400
    assert track.present.sum() >= 380  # 95 %
    assert track.frame_size == (1280, 720)
    assert track.fps == pytest.approx(60.015, abs=0.01)


@pytest.mark.real
def test_knee_landmarks_land_on_the_knees(high_knees: tuple[PoseTrack, TrackCache]) -> None:
    """Frame 23, checked by eye once: right knee raised with the kneecap near (705, 378), left (stance) knee
    near (560, 505), in pixels of the 1280x720 frame."""
    track, _ = high_knees
    right = track.xy[23, Landmark.RIGHT_KNEE]
    left = track.xy[23, Landmark.LEFT_KNEE]
    assert np.linalg.norm(right - (705, 378)) < 25
    assert np.linalg.norm(left - (560, 505)) < 30


@pytest.mark.real
def test_saved_track_loads_identical(high_knees: tuple[PoseTrack, TrackCache], tmp_path: Path) -> None:
    track, _ = high_knees
    back = load_track(save_track(track, tmp_path / "t.npz"))
    assert back.equals(track)
    assert back.meta["athlete"]["chosen_by"] == "auto" and back.people is not None
    assert np.array_equal(back.people.ids, track.people.ids)  # type: ignore[union-attr]


@pytest.mark.real
def test_second_run_uses_the_cache(high_knees: tuple[PoseTrack, TrackCache], monkeypatch: pytest.MonkeyPatch) -> None:
    track, cache = high_knees
    import kneedrive_cv.pose.estimate as est

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model ran although the track was cached")

    monkeypatch.setattr(est, "run_pose", no_model)
    again, info = estimate_track(real_clip("high_knees_side_gym_60fps.mp4"), cache=cache)
    assert info.from_cache
    assert again.equals(track)


def test_a_pose_track_is_made_with_no_network_at_all(tmp_path: Path) -> None:
    """The model ships with the package: a process in a network namespace of its own (no interface but a
    loopback that is down) runs the model on a sample clip."""
    import shutil
    import subprocess
    import sys

    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("no network namespace can be made here (needs unshare and root)")
    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "piston_run.mp4"
    out = tmp_path / "track.npz"
    run = subprocess.run([unshare, "-n", sys.executable, "-m", "kneedrive_cv", "pose", str(clip), "--out", str(out),
                          "--no-cache"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    track = load_track(out)
    assert track.detection_rate > 0.95 and len(track) == 180
    assert track.meta["athlete"]["chosen_by"] == "auto"


def test_a_clip_with_nobody_in_it(tmp_path: Path) -> None:
    path = tmp_path / "empty_gym.mp4"
    rng = np.random.default_rng(0)
    background = (rng.random((360, 640, 3)) * 255).astype(np.uint8)
    with VideoSink(path, 640, 360, 30.0) as sink:
        for i in range(20):
            sink.write(np.roll(background, i * 3, axis=1), i / 30)
    with pytest.raises(NoPersonError, match="person was found in only"):
        estimate_track(path, cache=None)


def test_missing_and_broken_model_files(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    with VideoSink(clip, 64, 64, 30.0) as sink:
        sink.write(np.zeros((64, 64, 3), np.uint8), 0.0)
    with pytest.raises(ModelError, match="no such file"):
        estimate_track(clip, model=tmp_path / "nope.task", cache=None)
    broken = tmp_path / "broken.task"
    broken.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="could not be loaded"):
        estimate_track(clip, model=broken, cache=None)
    wrong = tmp_path / "pose.tflite"
    wrong.write_bytes(b"x")
    with pytest.raises(ModelError, match=r"\.task"):
        estimate_track(clip, model=wrong, cache=None)


def test_track_validation_and_format_version(tmp_path: Path) -> None:
    n = 3
    lm, world, t = np.zeros((n, 33, 4), np.float32), np.zeros((n, 33, 3), np.float32), np.array([0, 0.1, 0.2])
    with pytest.raises(ValueError, match="strictly increasing"):
        PoseTrack(lm, world, np.array([0, 0.2, 0.1]), 10.0, (10, 10), "m")
    with pytest.raises(ValueError, match="landmarks_px"):
        PoseTrack(lm[:, :10], world, t, 10.0, (10, 10), "m")
    bad = tmp_path / "old.npz"
    np.savez(bad, landmarks_px=lm, world_m=world, t_s=t, header=np.array('{"format_version": 0}'))
    with pytest.raises(TrackFormatError, match="format 0"):
        load_track(bad)


SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "wall_drill.mp4"


def test_spans_give_the_same_track_on_any_number_of_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.pose import estimate as est

    monkeypatch.setattr(est, "SPAN_MIN_FRAMES", 40)  # split this 189-frame clip into four spans
    seen: list[tuple[int, int]] = []
    one = est.run_pose(SAMPLE, threads=1)
    two = est.run_pose(SAMPLE, threads=2, progress=lambda done, total: seen.append((done, total)))
    assert one.meta["spans"] == two.meta["spans"] == 4
    assert len(one) == len(two) == 189
    assert np.array_equal(one.t_s, two.t_s)
    assert np.array_equal(one.landmarks_px, two.landmarks_px, equal_nan=True)
    assert one.present.mean() > 0.95
    assert seen and seen[-1][1] == 189 and all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    # read whole, the track differs only where a span's tracker starts afresh: a few pixels at most
    monkeypatch.setattr(est, "plan_spans", lambda path, count: None)
    whole = est.run_pose(SAMPLE, threads=2)
    assert whole.meta["spans"] == 1 and np.array_equal(whole.t_s, one.t_s)
    both = whole.present & one.present
    gap = np.abs(whole.landmarks_px[both, :, :2] - one.landmarks_px[both, :, :2])
    assert both.mean() > 0.95 and float(np.median(gap)) < 1.0 and float(np.percentile(gap, 99)) < 15


def test_a_span_that_cannot_be_read_alone_falls_back_to_the_whole_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.pose import estimate as est
    from kneedrive_cv.video import Span

    # a plan whose second span starts before the clip: the seek cannot land on it, so the clip is read whole
    monkeypatch.setattr(est, "plan_spans", lambda path, count: [Span(None, 3000), Span(-1000, None)])
    track = est.run_pose(SAMPLE, threads=2)
    assert track.meta["spans"] == 1 and len(track) == 189
    assert track.t_s[0] == 0.0 and np.all(np.diff(track.t_s) > 0)


def test_span_count_depends_on_the_clip_alone_and_pose_threads_on_the_machine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.pose.estimate import pose_threads, span_count

    lengths = (0, 119, 120, 299, 300, 599, 600, 1199, 1200, 10**6)
    assert [span_count(n) for n in lengths] == [1, 1, 1, 1, 2, 2, 4, 4, 8, 8]
    monkeypatch.setenv("KNEEDRIVE_POSE_THREADS", "3")
    assert pose_threads() == 3
    monkeypatch.setenv("KNEEDRIVE_POSE_THREADS", "0")
    assert pose_threads() == 1
    monkeypatch.setenv("KNEEDRIVE_POSE_THREADS", "many")
    cores = pose_threads()
    monkeypatch.delenv("KNEEDRIVE_POSE_THREADS")
    assert cores == pose_threads() >= 1


def test_an_error_in_one_span_stops_the_others_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.pose import estimate as est
    from kneedrive_cv.video import Span

    # a healthy span over the whole clip (189 frames) beside one whose model fails at once
    monkeypatch.setattr(est, "plan_spans", lambda path, count: [Span(None, None), Span(3000, None)])
    real = est._pose_spans
    healthy: list[list[int]] = []

    def failing(path: Path, spans: list[Span | None], model: object, stop: object, done: list[int],
                turn: int = 0) -> object:
        if any(span is not None and span.start_pts == 3000 for span in spans):
            raise ModelError("broken model")
        healthy.append(done)
        return real(path, spans, model, stop, done, turn)  # type: ignore[arg-type]

    monkeypatch.setattr(est, "_pose_spans", failing)
    with pytest.raises(ModelError, match="broken model"):
        est.run_pose(SAMPLE, threads=2)
    # the healthy span stopped at its next frame instead of running the model over the whole clip
    assert healthy and healthy[0][0] < 120


def test_workers_side_by_side_share_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from kneedrive_cv.pose.cores import share_cores

    monkeypatch.setenv("KNEEDRIVE_POSE_THREADS", "4")
    share_cores(2)
    assert os.environ["KNEEDRIVE_POSE_THREADS"] == "2"
    share_cores(8)  # more workers than cores: each still gets one
    assert os.environ["KNEEDRIVE_POSE_THREADS"] == "1"
