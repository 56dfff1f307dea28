"""A reverse lunge and a knee drive, again and again with the same leg: drives of that leg, and no running drill.

Real exercise footage of this shape was taken for a pocket run: the lunge's front thigh rises to about 70 deg
with its foot on the floor, was counted as a drive of the other leg, and the drives seemed to alternate.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from kneedrive_cv.analysis import analyse
from kneedrive_cv.scoring.recognise import ONE_LEG_SHARE
from kneedrive_cv.synth import RenderSettings, render

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=[("left", "right", 30.0), ("right", "left", 60.0)],
                ids=["far-30fps", "near-60fps"])
def lunge(request: pytest.FixtureRequest) -> tuple[Path, dict]:
    side, facing, fps = request.param
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((ROOT / "kneedrive_cv" / "synth").glob("*.py"))))
    folder = ROOT / ".cache" / "test-clips" / digest.hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    clip = folder / f"lunge_{side}_{fps:.0f}.mp4"
    truth_file = clip.with_name(f"{clip.stem}.truth.json")
    if not (clip.exists() and truth_file.exists()):
        render("lunge_drive", clip, {"side": side}, RenderSettings(fps=fps, facing=facing))
    return clip, json.loads(truth_file.read_text())


def test_a_lunge_and_drive_is_no_running_drill_and_its_drives_are_that_legs(lunge: tuple[Path, dict]) -> None:
    clip, truth = lunge
    result = analyse(clip)
    assert result.drill_name == "none", result.recognition.reasons
    assert "one leg" in result.recognition.reasons[0]
    assert not any(u.kind.value == "slow_motion" for u in result.unmeasured)
    sides = Counter(d.side.value for d in result.events.complete_drives)
    driving = truth["knee_drives"][0]["side"]
    assert sides[driving] >= truth["rep_count"]
    # the other leg's label on under ONE_LEG_SHARE of the drives: one leg does the driving
    assert sum(sides.values()) - sides[driving] < ONE_LEG_SHARE * sum(sides.values())


@pytest.mark.xfail(strict=True, reason="the lunge's own steps still read as 2-4 extra drives, some on the other "
                                       "leg's label: see the README's known limits")
def test_a_lunge_and_drive_gives_exactly_its_drives_on_its_leg(lunge: tuple[Path, dict]) -> None:
    clip, truth = lunge
    result = analyse(clip)
    assert [d.side.value for d in result.events.complete_drives] == [d["side"] for d in truth["knee_drives"]]
