"""The command line as a user meets it: help, version, one clear line for every bad input, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import real_clip

from kneedrive_cv import __version__


def kd(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kneedrive_cv", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_help_and_version() -> None:
    out = kd("--help")
    assert out.returncode == 0
    for command in ("analyse", "pose", "drills", "overlay", "synth", "batch", "serve"):
        assert command in out.stdout
    assert kd("--version").stdout.strip() == f"kneedrive {__version__}"


@pytest.mark.parametrize("content, expected", [
    (b"", "is empty (0 bytes)"),
    (b"not a video\n", "is not a video that can be read"),
    (None, "no such file"),
])
@pytest.mark.parametrize("command", ["pose", "analyse"])
def test_bad_inputs_give_one_clear_line(tmp_path: Path, content: bytes | None, expected: str, command: str) -> None:
    clip = tmp_path / "clip.mp4"
    if content is not None:
        clip.write_bytes(content)
    out = kd(command, str(clip), "--out", str(tmp_path / "o"))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kneedrive: error:") and expected in lines[0]


def test_unknown_drill_names_the_valid_ones(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"x")
    out = kd("analyse", str(clip), "--drill", "high_knee_skips")
    assert out.returncode == 2
    assert "unknown drill 'high_knee_skips'" in out.stderr and "piston_run" in out.stderr


@pytest.mark.model
@pytest.mark.real
def test_truncated_clip_is_analysed_with_a_warning(tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(real_clip("high_knees_side_gym_60fps.mp4").read_bytes()[:300_000])
    out = kd("pose", str(cut), "--out", str(tmp_path / "t.npz"), "--no-cache")
    assert "Traceback" not in out.stderr
    assert out.returncode == 0
    assert "truncated" in out.stdout and "30 frames read" in out.stdout
    assert (tmp_path / "t.npz").stat().st_size > 0


def test_unwritable_output_folder(tmp_path: Path) -> None:
    from kneedrive_cv.errors import OutputError
    from kneedrive_cv.output import ready_folder

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write results"):
        ready_folder(blocker / "sub")


@pytest.mark.real
@pytest.mark.model
def test_a_real_run_slowed_ten_times_is_called_slow_motion(capsys: pytest.CaptureFixture[str]) -> None:
    """The lab treadmill clip is a run in slow motion: its leg band's grey levels repeat every 3.41 s (measured
    without the pose model: the first three principal components of rows 170-240, columns 180-300 peak in
    autocorrelation at 3.40-3.41 s and its multiples): a step every 3.4 s of playback, about ten times a
    runner's step (0.3-0.4 s). Its foot contacts cannot be timed, but the hips bounce and the thighs swing in
    turn at that rate: the cadence is that rate, and the clip is called slow motion."""
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.commands.analyse import print_rep_table
    from kneedrive_cv.scoring.unmeasured import UnmeasuredKind

    result = analyse(real_clip("treadmill_side_lab_markers_480p.mp4"))
    print_rep_table(result)
    out = capsys.readouterr().out
    assert result.cadence_spm == pytest.approx(60 / 3.41, rel=0.02)
    kinds = {u.kind for u in result.unmeasured}
    assert UnmeasuredKind.SLOW_MOTION in kinds and UnmeasuredKind.CADENCE not in kinds and "slow motion" in out
