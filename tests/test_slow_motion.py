"""A slow-motion clip with its factor given (``--slow-motion``): every time, rate and contact time in real time.

A phone films slow motion at 120-960 fps and saves it to play at 24-60 fps. Given how many times slower than real
life it plays, the analysis must give what the same frames filmed and played in real time give. The pose-free
tests feed a rendered piston run's true landmarks (what a perfect model gives) once at their real times and once
at four times those times, as the file of a 120 fps clip saved to play at 30 would hold them; the model tests run
the whole product on such a file and on the real lab treadmill clip, which plays about ten times slower than
real life.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import real_clip
from test_distances import perfect_track

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.batch.discover import read_manifest
from kneedrive_cv.cli import main
from kneedrive_cv.commands.analyse import print_rep_table
from kneedrive_cv.errors import ConfigError
from kneedrive_cv.output import write_outputs
from kneedrive_cv.output.overlay import overlay_frames
from kneedrive_cv.output.saved import load_saved
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.scoring.unmeasured import UnmeasuredKind
from kneedrive_cv.synth import RenderSettings, plan, render
from kneedrive_cv.video import VideoSink, check_slow_motion, read_frames

FACTOR = 4.0
FPS = 120.0


def _grey_clip(path: Path, t_s: np.ndarray, fps: float) -> Path:
    """A plain clip with frames at these times (the analysis needs a file; its pictures do not matter here)."""
    grey = np.full((360, 640, 3), 90, np.uint8)
    with VideoSink(path, 640, 360, fps) as sink:
        for t in t_s:
            sink.write(grey, float(t))
    return path


@pytest.fixture(scope="module")
def real_and_slowed(tmp_path_factory: pytest.TempPathFactory) -> tuple[AnalysisResult, AnalysisResult, dict]:
    """A 120 fps piston run analysed in real time, and the same frames as a file playing four times slower."""
    folder = tmp_path_factory.mktemp("slow")
    p = plan("piston_run", None, RenderSettings(fps=FPS, size=(640, 360), seconds=3.0))
    track = perfect_track(p)
    slowed = PoseTrack(track.landmarks_px, track.world_m, track.t_s * FACTOR, track.fps / FACTOR, track.frame_size,
                       track.model)
    real = analyse(_grey_clip(folder / "real.mp4", track.t_s, FPS), drill="piston_run", track=track)
    slow = analyse(_grey_clip(folder / "slow.mp4", slowed.t_s, FPS / FACTOR), drill="piston_run", track=slowed,
                   slow_motion=FACTOR)
    return real, slow, p.truth


def test_a_slowed_file_with_its_factor_gives_what_real_time_gives(real_and_slowed: tuple) -> None:
    real, slow, truth = real_and_slowed
    assert real.cadence_spm == pytest.approx(truth["cadence_spm"], rel=0.02)
    assert slow.cadence_spm == pytest.approx(real.cadence_spm, rel=1e-6)
    assert [(r.index, r.side, r.i_peak) for r in slow.reps] == [(r.index, r.side, r.i_peak) for r in real.reps]
    assert [r.t_peak_s for r in slow.reps] == pytest.approx([r.t_peak_s for r in real.reps])
    assert [r.score for r in slow.reps] == pytest.approx([r.score for r in real.reps])
    # 30 fps in the file is 120 fps of real time: contact times are measured, and are the real-time clip's
    assert slow.kinematics.t_s[-1] == pytest.approx(real.kinematics.t_s[-1])
    assert UnmeasuredKind.CONTACT_TIMES not in {u.kind for u in slow.unmeasured}
    on = [c.t_on_s for c in slow.events.contacts]
    assert len(on) >= 4 and on == pytest.approx([c.t_on_s for c in real.events.contacts])
    # the file's own times stay with the track: the overlay is drawn on the file's frames
    assert slow.track.t_s[-1] == pytest.approx(FACTOR * real.track.t_s[-1])


def test_without_its_factor_the_slowed_file_is_read_as_it_plays(real_and_slowed: tuple, tmp_path: Path) -> None:
    real, slow, _ = real_and_slowed
    as_played = analyse(slow.clip, drill="piston_run", track=slow.track)
    assert as_played.cadence_spm == pytest.approx(real.cadence_spm / FACTOR, rel=0.01)
    assert UnmeasuredKind.CONTACT_TIMES in {u.kind for u in as_played.unmeasured}  # 30 fps: not good enough


def test_the_factor_is_written_kept_for_re_scoring_and_the_overlay_keeps_real_time(real_and_slowed: tuple,
                                                                                    tmp_path: Path) -> None:
    real, slow, _ = real_and_slowed
    write_outputs(slow, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["video"]["slow_motion"] == FACTOR
    assert json.loads((tmp_path / "out" / "analysis.json").read_text())["slow_motion"] == FACTOR
    assert "4&times; slower than real life" in (tmp_path / "out" / "report.html").read_text()
    again = load_saved(tmp_path / "out")
    assert again.slow_motion == FACTOR and again.cadence_spm == pytest.approx(slow.cadence_spm)
    # the overlay of the slowed file, frame by frame, is the real-time clip's: the same skeleton, panels, strip
    # and time, though its frames play four times longer
    for k, ((_, a), (_, b)) in enumerate(zip(overlay_frames(real), overlay_frames(slow), strict=True)):
        if k % 40 == 0:
            assert np.array_equal(a, b), f"overlay frame {k} differs"


def test_a_factor_given_to_a_real_time_clip_prints_no_figure_and_says_what_to_do(
        real_and_slowed: tuple, capsys: pytest.CaptureFixture[str]) -> None:
    # the real-time 120 fps clip taken for slow motion 8 times over: its drives come 8 times too fast for anyone
    real, _, _ = real_and_slowed
    wrong = analyse(real.clip, track=real.track, slow_motion=8.0)
    print_rep_table(wrong)
    out = capsys.readouterr().out
    assert wrong.cadence_spm is None or wrong.cadence_spm <= 330
    assert not wrong.reps and "the right --slow-motion factor" in out


@pytest.mark.parametrize("bad", [0.5, 0.0, -8.0, 100.0, math.nan])
def test_a_factor_no_phone_makes_is_refused_before_any_work(bad: float, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="slower than real life"):
        check_slow_motion(bad)
    with pytest.raises(ConfigError, match="slower than real life"):
        analyse(tmp_path / "missing.mp4", slow_motion=bad)
    code = main(["analyse", str(tmp_path / "clip.mp4"), "--slow-motion", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err and "slower than real life" in err and "Traceback" not in err
    assert check_slow_motion(1.0) == 1.0 and check_slow_motion(8) == 8.0


def test_the_manifest_gives_each_clip_its_slow_motion(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("path,athlete,drill,slow_motion\na.mp4,ana,auto,8\nb.mp4,ben,auto,\n")
    assert [j.slow_motion for j in read_manifest(tmp_path / "m.csv")] == [8.0, 1.0]
    (tmp_path / "bad.csv").write_text("path,athlete,drill,slow_motion\na.mp4,ana,auto,fast\n")
    with pytest.raises(ConfigError, match="line 2: slow_motion 'fast' is not a number"):
        read_manifest(tmp_path / "bad.csv")


@pytest.mark.model
def test_a_rendered_slow_motion_file_analysed_whole_gives_the_real_time_cadence(tmp_path: Path,
                                                                                 capsys: pytest.CaptureFixture[str]
                                                                                 ) -> None:
    """The whole product, pose model included, on a 120 fps piston run saved to play at 30 fps (its frames'
    times four times their real ones): real-time cadence and rep count, contact times measured."""
    clip, truth_path, _ = render("piston_run", tmp_path / "p120.mp4", {}, RenderSettings(fps=FPS, size=(640, 360),
                                                                                         seconds=3.0))
    truth = json.loads(Path(truth_path).read_text())
    with VideoSink(tmp_path / "slow.mp4", 640, 360, FPS / FACTOR) as sink:
        for t, rgb in read_frames(clip):
            sink.write(rgb, FACTOR * t)
    code = main(["analyse", str(tmp_path / "slow.mp4"), "--slow-motion", "4", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0 and "4 times slower than real life" in out
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["drill"] == "piston_run"
    assert report["cadence_spm"] == pytest.approx(truth["cadence_spm"], rel=0.02)
    assert "contact_times" not in {u["kind"] for u in report["unmeasured"]}
    assert "slow_motion" not in {u["kind"] for u in report["unmeasured"]}


@pytest.mark.real
@pytest.mark.model
def test_the_lab_treadmill_clip_with_its_factor_gives_a_runners_cadence() -> None:
    """The lab treadmill clip plays about ten times slower than real life (a step every 3.41 s of playback, see
    test_cli): given 10, its cadence is a runner's, 1.8 m/s-ish treadmill running at 170-180 steps a minute, and it
    is no longer called slow motion."""
    result = analyse(real_clip("treadmill_side_lab_markers_480p.mp4"), slow_motion=10.0)
    assert result.cadence_spm == pytest.approx(10 * 60 / 3.41, rel=0.02)
    kinds = {u.kind for u in result.unmeasured}
    assert UnmeasuredKind.SLOW_MOTION not in kinds and UnmeasuredKind.CONTACT_TIMES not in kinds
