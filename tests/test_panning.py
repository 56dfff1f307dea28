"""A phone panning to follow a travelling athlete: the drill, every drive and the cadence still come out right.

The clip is a randomised render (``kneedrive synth piston_run --random --seed 3``): 640x360 at 30 fps, rolled
2.7 deg, the phone following the hips 0.18 s late with a little shake, so the hips barely move in the picture
while the athlete travels 4 m. Recognition must find the travel over the planted foot, not in the picture.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kneedrive_cv.analysis import analyse
from kneedrive_cv.synth.randomise import render_random
from kneedrive_cv.synth.truth import drives_seen_whole_range

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def panning_clip() -> tuple[Path, dict]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((ROOT / "kneedrive_cv" / "synth").glob("*.py"))))
    folder = ROOT / ".cache" / "test-clips" / digest.hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    clip = folder / "piston_random_3.mp4"
    truth_file = clip.with_name(f"{clip.stem}.truth.json")
    if not (clip.exists() and truth_file.exists()):
        render_random("piston_run", 3, clip)
    return clip, json.loads(truth_file.read_text())


def test_the_render_pans_to_follow(panning_clip: tuple[Path, dict]) -> None:
    _, truth = panning_clip
    assert truth["random"]["camera"]["pan"] == "follow"
    assert truth["travelling"]


def test_a_panning_piston_run_is_recognised_counted_and_timed(panning_clip: tuple[Path, dict]) -> None:
    clip, truth = panning_clip
    result = analyse(clip)
    assert result.drill_name == "piston_run", result.recognition.reasons
    assert abs(result.recognition.features.travel_thighs) < 3.0  # the picture alone says "on the spot"
    assert result.recognition.features.ground_speed_thighs_s > 2.0
    fewest, most = drives_seen_whole_range(truth)  # a drive cut within 2 frames of whole counts either way
    assert fewest <= len(result.events.complete_drives) <= most
    assert result.cadence_spm == pytest.approx(truth["cadence_spm"], rel=0.02)
