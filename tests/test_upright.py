"""A clip stored sideways (or upside down) is turned upright before it is analysed.

The turn comes from the body's axis; the readers turn the pictures by it; the pose model runs again on the
turned pictures; the analysis, its saved folder and the overlay then come out as for the clip stored
upright, and the report says what was done. Upright clips, leaning ones included, are never turned.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import ROOT, real_clip
from factory import Athlete, build, leaning_from_the_ankles

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.kinematics.events.cadence import periodic_rate_per_min
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.report import report_dict
from kneedrive_cv.pose import estimate
from kneedrive_cv.pose.track import PoseTrack, load_track
from kneedrive_cv.pose.upright import body_axis_deg, upright_turn
from kneedrive_cv.scoring.unmeasured import UnmeasuredKind
from kneedrive_cv.synth.truth import drives_seen_whole_range
from kneedrive_cv.video import VideoSink, probe, read_frames, read_frames_at, read_yuv


def _alternating(n: int, period: float, start: float = 0.5) -> list[tuple[float, Side]]:
    return [(start + k * period, Side.LEFT if k % 2 else Side.RIGHT) for k in range(n)]


def _stored_turned(lm: np.ndarray, size: tuple[int, int], quarters: int) -> np.ndarray:
    """Landmarks of an upright picture as a clip stored ``quarters`` quarter turns counter-clockwise shows them."""
    out = lm.copy()
    w, h = size
    for _ in range(quarters % 4):  # np.rot90: the pixel at (x, y) goes to (y, w - 1 - x)
        x, y = out[..., 0].copy(), out[..., 1].copy()
        out[..., 0], out[..., 1] = y, w - 1 - x
        w, h = h, w
    return out


@pytest.mark.parametrize("quarters, turn", [(0, 0), (1, 270), (2, 180), (3, 90)])
def test_the_turn_stands_the_athlete_upright(quarters: int, turn: int) -> None:
    track, _ = build(Athlete(drives=_alternating(10, 0.5), duration_s=6.0))
    stored = _stored_turned(track.landmarks_px, track.frame_size, quarters)
    assert upright_turn(stored) == turn
    # turning the stored pictures by the answer gives back the upright athlete
    w, h = track.frame_size if quarters % 2 == 0 else track.frame_size[::-1]
    back = _stored_turned(stored, (w, h), turn // 90)
    assert np.allclose(back, track.landmarks_px, atol=1e-3)


@pytest.mark.parametrize("lean", [45.0, 60.0, 65.0])
def test_a_leaning_athlete_is_not_turned(lean: float) -> None:
    # a wall drill leans about 45 deg, the real crouched sprint start 54 deg in its set position; a block
    # start's set position may lean further
    for facing in Side:
        track, _ = build(Athlete(drives=_alternating(10, 0.5), duration_s=6.0, facing=facing))
        leaning = leaning_from_the_ankles(track, lean, facing)
        assert np.nanmedian(np.abs(body_axis_deg(leaning.landmarks_px))) > lean - 5.0  # it does lean that far
        assert upright_turn(leaning.landmarks_px) == 0


@pytest.mark.parametrize("quarters", [1, 3])
def test_a_leaning_athlete_stored_sideways_is_left_alone(quarters: int) -> None:
    # a crouched start stored sideways lies at 36 or 144 deg: a quarter turn one way, or a half turn, would both
    # stand it at a plausible lean, so no turn is guessed
    for facing in Side:
        track, _ = build(Athlete(drives=_alternating(10, 0.5), duration_s=6.0, facing=facing))
        leaning = leaning_from_the_ankles(track, 54.0, facing)
        stored = _stored_turned(leaning.landmarks_px, track.frame_size, quarters)
        assert upright_turn(stored) == 0


@pytest.mark.parametrize("turned_share, kept", [(1.0, 90), (0.85, 90), (0.5, 0)])
def test_a_turn_is_kept_only_where_the_turned_pictures_show_the_athlete_as_often(
        monkeypatch: pytest.MonkeyPatch, turned_share: float, kept: int) -> None:
    # a steep wall drill (70 deg) filmed with the phone rolled lies 80 deg from the picture's up, as a clip stored
    # sideways would; turned, the model made for upright people loses a leaning athlete in half the frames, while
    # an athlete truly lying on their side is found at least as often
    track, _ = build(Athlete(drives=_alternating(10, 0.5), duration_s=6.0))
    steep = leaning_from_the_ankles(track, 80.0)
    assert upright_turn(steep.landmarks_px) == 90
    lost = track.landmarks_px.copy()
    lost[int(turned_share * len(lost)):] = np.nan
    tracks = {0: steep, 90: track.replace(landmarks_px=lost)}

    def tracked(path: Path, model: object, cache: object, progress: object, est: estimate.EstimateInfo,
                turn: int) -> PoseTrack:
        est.video = est.video.turned(turn)
        return tracks[turn]

    monkeypatch.setattr(estimate, "_track", tracked)
    monkeypatch.setattr(estimate, "file_sha256", lambda path: "0" * 64)
    got, est = estimate.estimate_track(ROOT / "sample_videos" / "wall_drill.mp4")
    assert est.video.turn_deg == kept
    assert np.array_equal(got.landmarks_px, tracks[kept].landmarks_px, equal_nan=True)


def test_too_little_or_too_mixed_to_tell_is_not_turned() -> None:
    track, _ = build(Athlete(drives=_alternating(10, 0.5), duration_s=6.0))
    sideways = _stored_turned(track.landmarks_px, track.frame_size, 1)
    few = sideways.copy()
    few[10:, :, :] = np.nan  # ten frames with anyone in them
    assert upright_turn(few) == 0
    hidden = sideways.copy()
    hidden[:, :, 3] = 0.2  # nothing seen with confidence
    assert upright_turn(hidden) == 0
    mixed = track.landmarks_px.copy()  # half the frames upright, half sideways: no clear way up
    half = len(mixed) // 2
    mixed[half:] = sideways[half:]
    assert upright_turn(mixed) == 0


def _write(path: Path, pictures: list[np.ndarray], fps: float) -> Path:
    h, w = pictures[0].shape[:2]
    with VideoSink(path, w, h, fps, reproducible=True) as sink:
        for i, rgb in enumerate(pictures):
            sink.write(rgb, i / fps)
    return path


def test_readers_turn_the_pictures(tmp_path: Path) -> None:
    pictures = []
    for i in range(6):
        rgb = np.full((48, 64, 3), 20 * i, np.uint8)
        rgb[:8, :8] = 255  # a marker in the top-left corner
        pictures.append(rgb)
    path = _write(tmp_path / "marked.mp4", pictures, 30.0)
    info = probe(path)
    upright = [rgb for _, rgb in read_frames(path)]
    for turn in (90, 180, 270):
        k = turn // 90
        turned = [rgb for _, rgb in read_frames(path, turn=turn)]
        assert all(np.array_equal(a, np.rot90(b, k)) for a, b in zip(turned, upright, strict=True))
        assert np.array_equal(dict(read_frames_at(path, {3}, turn=turn))[3], turned[3])
        _, picture = next(iter(read_yuv(path, turn=turn)))
        _, plain = next(iter(read_yuv(path)))
        assert np.array_equal(picture.y, np.rot90(plain.y, k)) and np.array_equal(picture.u, np.rot90(plain.u, k))
        shown = info.turned(turn)
        assert (shown.width, shown.height) == turned[0].shape[1::-1]
        assert shown.turn_deg == turn and shown.rotation_deg == info.rotation_deg
        assert shown.turned(0) == info  # turning back


def _sideways_copy(src: Path, dst: Path, quarters: int, frames: int | None = None) -> Path:
    """``src`` re-encoded with every picture turned ``quarters`` quarter turns counter-clockwise (no rotation tag)."""
    pictures = []
    for _, rgb in read_frames(src):
        pictures.append(np.ascontiguousarray(np.rot90(rgb, quarters)))
        if frames is not None and len(pictures) == frames:
            break
    return _write(dst, pictures, probe(src).fps)


def _check_like_upright(turned: AnalysisResult, upright: AnalysisResult, turn: int) -> None:
    assert turned.video.turn_deg == turn
    assert (turned.video.width, turned.video.height) == (upright.video.width, upright.video.height)
    assert turned.track.frame_size == upright.track.frame_size
    assert turned.drill_name == upright.drill_name
    assert turned.facing == upright.facing
    limits = {u.kind: u.why for u in turned.unmeasured}
    assert "sideways" in limits[UnmeasuredKind.TURNED]
    assert UnmeasuredKind.TURNED not in {u.kind for u in upright.unmeasured}
    assert report_dict(turned)["video"]["turned_deg"] == turn


@pytest.mark.model
def test_a_rendered_drill_stored_sideways_is_analysed_upright(tmp_path: Path) -> None:
    sample = ROOT / "sample_videos" / "piston_run.mp4"
    upright = analyse(sample)
    assert upright.video.turn_deg == 0 and upright.drill_name == "piston_run"
    clip = _sideways_copy(sample, tmp_path / "piston_sideways.mp4", 1)  # head to the picture's left
    assert probe(clip).portrait
    turned = analyse(clip)
    _check_like_upright(turned, upright, 270)
    # counted and timed against the sample's exact truth, as the upright sample is (test_drills_rendered)
    truth = json.loads(sample.with_suffix(".truth.json").read_text())
    fewest, most = drives_seen_whole_range(truth)  # a drive cut within 2 frames of whole counts either way
    assert fewest <= len(turned.events.complete_drives) <= most
    assert turned.cadence_spm == pytest.approx(truth["cadence_spm"], rel=0.02)
    # re-scoring from the saved track (the overlay command's way) keeps the turn
    again = analyse(clip, track=load_track(_saved_track(turned, tmp_path)))
    assert again.video.turn_deg == 270
    assert (again.video.width, again.video.height) == (upright.video.width, upright.video.height)


def _saved_track(result: AnalysisResult, tmp_path: Path) -> Path:
    from kneedrive_cv.pose.track import save_track

    return save_track(result.track, tmp_path / "track.npz")


@pytest.mark.model
def test_the_cli_overlay_of_a_sideways_clip_is_upright(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.cli import main

    clip = _sideways_copy(ROOT / "sample_videos" / "pocket_run.mp4", tmp_path / "pocket_sideways.mp4", 3)
    out = tmp_path / "out"
    assert main(["analyse", str(clip), "--out", str(out), "--overlay"]) == 0
    printed = capsys.readouterr().out
    assert "note: the clip is stored sideways" in printed and "a quarter turn anticlockwise" in printed
    assert "turned upright (stored sideways)" in (out / "report.html").read_text()
    shown = probe(clip)
    with av.open(str(out / "overlay.mp4")) as c:
        stream = c.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
        pictures = [f.to_ndarray(format="rgb24") for f in c.decode(stream)]
    # upright: the picture's width (plus the panels' band where the athlete leaves no corner free), plus the strip
    assert size[0] >= shown.height and size[1] > shown.width and size[0] > size[1]
    assert len(pictures) == sum(1 for _ in read_frames(clip))
    # the footage under the drawing is the upright picture itself (not the sideways one squeezed to fit)
    _, first = next(iter(read_frames(clip, turn=90)))
    under = np.abs(pictures[0][: first.shape[0], : first.shape[1]].astype(int) - first.astype(int))
    assert np.median(under) < 4
    # the kinogram's tiles are cut from the pictures turned the same way (the readers' turn is tested above)
    from kneedrive_cv.output import kinogram

    asked: list[int] = []
    reader = kinogram.read_frames_at

    def spy(path: Path, indices: set[int], turn: int = 0) -> object:
        asked.append(turn)
        return reader(path, indices, turn=turn)

    monkeypatch.setattr(kinogram, "read_frames_at", spy)
    assert kinogram.render_kinogram(analyse(clip), tmp_path / "kinogram.png") is not None
    assert asked == [90]
    assert main(["overlay", str(out)]) == 0  # re-rendered from the saved folder: still upright
    with av.open(str(out / "overlay.mp4")) as c:
        assert (c.streams.video[0].codec_context.width, c.streams.video[0].codec_context.height) == size


@pytest.mark.model
@pytest.mark.real
def test_real_high_knees_stored_sideways_counts_every_drive(tmp_path: Path) -> None:
    clip = _sideways_copy(real_clip("high_knees_side_gym_60fps.mp4"), tmp_path / "hk_sideways.mp4", 3)
    result = analyse(clip)
    assert result.video.turn_deg == 90
    assert result.drill_name == "high_knees"
    complete = [d for d in result.events.drives if not d.partial]
    assert len(complete) == 18  # the clip's truth (../shared/real_videos/README.md)
    rate = periodic_rate_per_min([d.t_peak_s for d in complete])
    assert rate == pytest.approx(181.0, rel=0.02)
