"""Distances in centimetres from the athlete's height, on rendered athletes posed exactly (no model, no video).

The renderer's plan gives every frame's true landmarks and the true distances in metres; a pose track made from
those landmarks is what a perfect pose model would give, so these tests judge the measuring alone.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kneedrive_cv.analysis import analyse
from kneedrive_cv.batch.discover import read_manifest
from kneedrive_cv.cli import main
from kneedrive_cv.errors import ConfigError
from kneedrive_cv.kinematics.distances import (
    MAX_GROUND_DRIFT,
    Distances,
    RepSpan,
    check_height,
    measure_distances,
)
from kneedrive_cv.kinematics.events import detect_events
from kneedrive_cv.kinematics.measure import measure_track
from kneedrive_cv.landmarks import Landmark, Side
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.scoring.unmeasured import UnmeasuredKind, distance_limits
from kneedrive_cv.synth import RenderSettings, plan
from kneedrive_cv.synth.camera import Camera
from kneedrive_cv.synth.render import Plan

SHARE = 0.42


def filmed(drill: str, pan: str, stature_m: float = 1.78, fps: float = 30.0, facing: str = "right") -> Plan:
    """A 3 s plan of ``drill``: ``still`` (the pan held at one column, the athlete crossing) or ``follow``."""
    cam = Camera(stature_share=SHARE, pan="follow" if pan == "follow" else "cross", lag_s=0.15 * (pan == "follow"))
    settings = RenderSettings(fps=fps, size=(1280, 720), facing=facing, seconds=3.0, stature_m=stature_m, camera=cam)
    if pan == "still":
        p = plan(drill, None, settings)
        t = p.program.motion.t_s
        across = float(np.polyfit(t, p.program.motion.pelvis[:, 0], 1)[0]) * p.scale * float(t[-1]) / 1280
        settings = dataclasses.replace(settings, camera=dataclasses.replace(cam, cross=(0.5 - across / 2,
                                                                                         0.5 + across / 2)))
    return plan(drill, None, settings)


def perfect_track(p: Plan) -> PoseTrack:
    """The pose track a perfect model would give: the truth's landmarks (those it has), all fully visible."""
    truth = p.truth
    t = np.asarray(truth["frames"]["t_s"], float)
    lm = np.zeros((len(t), 33, 4), np.float32)
    nose = np.asarray(truth["landmarks_px"]["nose"], float)
    lm[:, :, :2] = nose[:, None, :]
    for name, xy in truth["landmarks_px"].items():
        lm[:, int(Landmark[name.upper()]), :2] = np.asarray(xy, float)
        lm[:, int(Landmark[name.upper()]), 3] = 0.99
    return PoseTrack(lm, np.full((len(t), 33, 3), np.nan, np.float32), t, float(truth["fps"]),
                     (int(truth["width"]), int(truth["height"])), "truth")


def measured(p: Plan, height_cm: float | None, travelling: bool | None = True) -> tuple[Distances | None, Any]:
    kinematics = measure_track(perfect_track(p))
    events = detect_events(kinematics, travelling=bool(travelling))
    spans = [RepSpan(k + 1, "drive", d.side, d.i_start, d.i_peak, d.i_end)
             for k, d in enumerate(events.complete_drives)]
    return measure_distances(kinematics, height_cm, travelling, spans, "Piston run"), spans


def true_steps_cm(p: Plan) -> float:
    t = p.program.motion.t_s
    balls = [c.ball_x_m for c in sorted(p.program.contacts, key=lambda c: c.t_on_s) if 0 <= c.t_on_s <= t[-1]]
    return float(np.median(np.abs(np.diff(balls)))) * 100


@pytest.mark.parametrize(("drill", "stature_m", "fps", "facing"), [("piston_run", 1.78, 30.0, "right"),
                                                                   ("pocket_run", 1.65, 60.0, "left")])
def test_a_still_camera_gives_step_length_speed_and_heights_near_truth(drill: str, stature_m: float, fps: float,
                                                                      facing: str) -> None:
    p = filmed(drill, "still", stature_m, fps, facing)
    d, spans = measured(p, stature_m * 100)
    assert d is not None and d.missing == ()
    assert d.ground_drift is not None and d.ground_drift < MAX_GROUND_DRIFT
    t, hip = p.program.motion.t_s, p.joints.hip
    speed = float(np.polyfit(t, hip[:, 0], 1)[0])
    assert d.speed_m_s == pytest.approx(speed, rel=0.05), "forward speed, whichever way the athlete faces"
    assert d.step_length_cm == pytest.approx(true_steps_cm(p), rel=0.05)
    down = p.program.motion.contact[Side.LEFT] | p.program.motion.contact[Side.RIGHT]
    assert d.hip_height_cm == pytest.approx(100 * float(np.median(hip[down, 1])), rel=0.05)
    knees = [100 * float(p.joints.knee[s.side][s.i_peak, 1]) for s in spans]
    got = [r.knee_height_cm for r in d.reps]
    assert len(got) >= 6 and all(g is not None for g in got)
    assert np.median(np.abs(np.array(got, float) / knees - 1)) < 0.06
    reps = [r.speed_m_s for r in d.reps]
    truth = [float(np.polyfit(t[s.i_start:s.i_end + 1], hip[s.i_start:s.i_end + 1, 0], 1)[0]) for s in spans]
    assert np.median(np.abs(np.array(reps, float) / truth - 1)) < 0.05
    assert len(d.speed_t_s) == len(d.speed_curve_m_s) > 10
    assert np.nanmedian(d.speed_curve_m_s) == pytest.approx(speed, rel=0.08)


def test_a_camera_following_the_athlete_gives_no_step_length_or_speed() -> None:
    d, _ = measured(filmed("piston_run", "follow"), 178.0)
    assert d is not None and d.ground_drift is not None and d.ground_drift > 0.5
    assert d.speed_m_s is None and d.step_length_cm is None and not len(d.speed_t_s)
    assert [w for w, _ in d.missing] == ["step length and speed"]
    assert "panning camera" in d.missing[0][1]
    assert d.hip_height_cm is not None and d.knee_height_cm is not None, "a pan moves nothing up or down"
    limits = distance_limits(d)
    assert [u.kind for u in limits] == [UnmeasuredKind.DISTANCES]


def test_on_the_spot_drills_and_no_height() -> None:
    p = filmed("piston_run", "still")
    d, _ = measured(p, 178.0, travelling=False)
    assert d is not None and d.speed_m_s is None and d.hip_height_cm is not None
    assert d.missing == (("step length and speed", "Piston run is not a travelling drill"),)
    nothing, _ = measured(p, None)
    assert nothing is None
    (limit,) = distance_limits(None)
    assert limit.kind is UnmeasuredKind.DISTANCES and "--height-cm" in limit.why


def test_a_bigger_athlete_in_the_same_picture_moves_faster_in_metres() -> None:
    """The scale comes from the height given: the same pixels at 190 cm are 190/170 of those at 170 cm."""
    p = filmed("piston_run", "still")
    tall, _ = measured(p, 190.0)
    short, _ = measured(p, 170.0)
    assert tall is not None and short is not None and tall.speed_m_s and short.speed_m_s
    assert tall.speed_m_s / short.speed_m_s == pytest.approx(190 / 170, rel=1e-6)


@pytest.mark.parametrize("bad", [50.0, 300.0, math.nan, -178.0])
def test_heights_no_athlete_has_are_refused_before_any_work(bad: float, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="centimetres"):
        check_height(bad)
    with pytest.raises(ConfigError, match="centimetres"):
        analyse(tmp_path / "missing.mp4", height_cm=bad)
    assert check_height(178.0) == 178.0 and check_height(None) is None


def test_the_cli_says_in_one_line_what_height_it_wants(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["analyse", str(tmp_path / "clip.mp4"), "--height-cm", "17.8"])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err and "100 to 230" in err and "Traceback" not in err


def test_the_manifest_gives_each_clip_its_athletes_height(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("path,athlete,drill,height_cm\na.mp4,ana,auto,168\nb.mp4,ben,auto,\n")
    jobs = read_manifest(tmp_path / "m.csv")
    assert [j.height_cm for j in jobs] == [168.0, None]
    (tmp_path / "bad.csv").write_text("path,athlete,drill,height_cm\na.mp4,ana,auto,tall\n")
    with pytest.raises(ConfigError, match="line 2: height_cm 'tall' is not a number"):
        read_manifest(tmp_path / "bad.csv")
    (tmp_path / "short.csv").write_text("path,athlete,drill,height_cm\na.mp4,ana,auto,1.68\n")
    with pytest.raises(ConfigError, match=r"line 2: athlete height 1\.68 cm"):
        read_manifest(tmp_path / "short.csv")


def test_the_report_gives_the_distances_their_errors_and_a_speed_chart(tmp_path: Path) -> None:
    from kneedrive_cv.output.html import render_report_html
    from kneedrive_cv.output.plots import plot_speed
    from kneedrive_cv.output.report import report_dict
    from kneedrive_cv.video import VideoSink

    p = filmed("piston_run", "still")
    track = perfect_track(p)
    clip = tmp_path / "grey.mp4"
    grey = np.full((720, 1280, 3), 90, np.uint8)
    with VideoSink(clip, 1280, 720, track.fps) as sink:
        for t in track.t_s:
            sink.write(grey, float(t))
    result = analyse(clip, drill="piston_run", track=track, height_cm=178.0)
    report = report_dict(result)
    d = report["distances"]
    assert d["height_cm"] == 178.0 and d["not_measured"] == []
    assert d["speed_m_s"] > 1.0 and d["step_length_cm"] > 30 and len(d["reps"]) == len(result.reps) > 5
    assert set(d["expected_error_pct"]) >= {"step_length", "speed", "hip_height", "knee_height"}
    assert not any(u["kind"] == "distances" for u in report["unmeasured"])
    chart = plot_speed(result, tmp_path / "speed.png")
    assert chart is not None and chart.stat().st_size > 5000
    page = render_report_html(report, {"speed": chart}, None)
    assert "Distances (athlete 178 cm)" in page and f"{d['speed_m_s']:.2f}" in page
    unknown = analyse(clip, drill="piston_run", track=track)
    assert report_dict(unknown)["distances"] is None and plot_speed(unknown, tmp_path / "none.png") is None
    assert [u.kind for u in unknown.unmeasured if u.kind is UnmeasuredKind.DISTANCES] == [UnmeasuredKind.DISTANCES]
