"""End to end on rendered athletes with exact truth: the drill is recognised, planted faults are found and the
clean version is not flagged; angles, cadence and rep counts match the truth.

A fault counts as found when at least half the reps show it (or the set does), and a clean clip passes when
no fault shows on more than a fifth of its reps: single reps can carry a fault from measurement noise alone
(single-camera angles carry about 4-11 deg of error, docs/DRILLS.md).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.synth import RenderSettings, render
from kneedrive_cv.synth.truth import drives_seen_whole_range, truth_series

pytestmark = pytest.mark.model

# id, drill, parameters, render settings, drill expected, fault planted (None: a clean clip)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str, str | None]] = [
    ("hold_clean", "hip_flexion_hold", {"hold_s": 4.0}, {}, "hip_flexion_hold", None),
    ("hold_soggy", "hip_flexion_hold", {"hold_s": 4.0, "foot": "soggy"}, {}, "hip_flexion_hold", "soggy_foot"),
    ("hold_short", "hip_flexion_hold", {"hold_s": 1.6}, {}, "hip_flexion_hold", "short_hold"),
    ("wall_clean", "wall_drill", {}, {}, "wall_drill", None),
    ("wall_piked", "wall_drill", {"hips": "piked"}, {}, "wall_drill", "broken_line"),
    ("wall_sagging", "wall_drill", {"hips": "sagging"}, {}, "wall_drill", "broken_line"),
    ("pocket_clean", "pocket_run", {"frozen_side": "right"}, {"seconds": 4.0}, "pocket_run", None),
    ("pocket_far_arm_clean", "pocket_run", {}, {"seconds": 4.0}, "pocket_run", None),
    ("pocket_dragged", "pocket_run", {"dragged_leg": True}, {"seconds": 4.0}, "pocket_run", "dragged_leg"),
    ("pocket_arm_moving", "pocket_run", {"frozen_side": "right", "frozen_arm_swing_deg": 12.0}, {"seconds": 4.0},
     "pocket_run", "frozen_arm_moving"),
    ("piston_clean", "piston_run", {}, {"seconds": 4.0}, "piston_run", None),
    ("piston_hunched", "piston_run", {"posture": "hunched"}, {"seconds": 4.0}, "piston_run", "hunched"),
    ("piston_leaning_back", "piston_run", {"posture": "leaning_back"}, {"seconds": 4.0}, "piston_run",
     "leaning_back"),
    ("piston_high_knees", "piston_run", {"exaggerated_knees": True}, {"seconds": 4.0}, "piston_run",
     "exaggerated_knee"),
    ("piston_left_60fps", "piston_run", {}, {"seconds": 3.0, "fps": 60.0, "facing": "left"}, "piston_run", None),
    ("walking", "walking", {}, {"seconds": 4.0}, "none", None),
]


def _renderer_version() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "kneedrive_cv" / "synth").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="module")
def clips() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Render every case once (kept in .cache/ between runs, keyed by the renderer's source)."""
    folder = ROOT / ".cache" / "test-clips" / _renderer_version()
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for case, drill, params, settings, _, _ in CASES:
        clip = folder / f"{case}.mp4"
        truth_file = clip.with_suffix(".truth.json")
        if not (clip.exists() and truth_file.exists()):
            render(drill, clip, params, RenderSettings(**settings))
        out[case] = (clip, json.loads(truth_file.read_text()))
    return out


@pytest.fixture(scope="module")
def results(clips: dict[str, tuple[Path, dict[str, Any]]]) -> dict[str, AnalysisResult]:
    # clips this short run their pose as one span on one core: two at a time keep both cores busy (the model
    # releases the GIL), as a batch's two workers would
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(clips, pool.map(analyse, [clip for clip, _ in clips.values()]), strict=True))


@pytest.mark.parametrize("case, drill, params, settings, expected, planted", CASES, ids=[c[0] for c in CASES])
def test_drill_recognised_and_faults_found(results: dict[str, AnalysisResult], case: str, drill: str,
                                           params: dict[str, Any], settings: dict[str, Any], expected: str,
                                           planted: str | None) -> None:
    r = results[case]
    assert r.drill_name == expected, r.recognition.reasons
    if expected == "none":
        assert r.reps == ()
        return
    counts = Counter(f.code for rep in r.reps for f in rep.faults)
    set_codes = {f.code for f in r.score.set_faults} if r.score else set()
    n = len(r.reps)
    assert n >= 1
    if planted is None:
        noisy = {code: c for code, c in counts.items() if c > 0.2 * n}
        assert not noisy and not set_codes, f"clean clip flagged: {dict(counts)} set {set_codes}"
    else:
        # a fault of one side (the pocket side's dragged leg) is judged on that side's reps
        pool = n if planted != "dragged_leg" else sum(rep.side.value == params.get("frozen_side", "left")
                                                       for rep in r.reps)
        assert counts[planted] >= 0.5 * pool or planted in set_codes, f"{planted} not found: {dict(counts)}"
        rep = next(rep for rep in r.reps if any(f.code == planted for f in rep.faults)) if counts[planted] else None
        if rep is not None:
            fault = next(f for f in rep.faults if f.code == planted)
            assert any(ch.isdigit() for ch in fault.detail), "a fault says what was measured"


@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_angles_within_a_few_degrees_of_truth(results: dict[str, AnalysisResult],
                                              clips: dict[str, tuple[Path, dict[str, Any]]], case: str) -> None:
    r, truth = results[case], clips[case][1]
    assert len(r.frames) == truth["n_frames"]
    errors = {}
    for name in ("thigh_angle_left", "thigh_angle_right", "trunk_lean"):
        err = np.abs(r.frames[name] - truth_series(truth, name))
        errors[name] = float(np.nanmedian(err))
    # the near leg and the trunk are seen nearly always; the far leg may rightly be left empty when hidden
    for name in (f"thigh_angle_{truth['near_side']}", "trunk_lean"):
        assert np.mean(~np.isnan(r.frames[name])) > 0.8, f"{name} measured in too few frames"
    assert errors["trunk_lean"] <= 3.0, errors
    # the near leg is seen whole; the far leg is half hidden behind the body and the model guesses more of it
    near, far = truth["near_side"], "left" if truth["near_side"] == "right" else "right"
    assert errors[f"thigh_angle_{near}"] <= 5.0, errors
    assert errors[f"thigh_angle_{far}"] <= 8.0, errors


EDGE_S = 0.4


#: Known defects, kept visible (strict: they fail the suite once fixed, so the mark comes off):
KNOWN_COUNT_DEFECTS: dict[str, str] = {}


@pytest.mark.parametrize("case", [
    pytest.param(c[0], marks=pytest.mark.xfail(strict=True, reason=KNOWN_COUNT_DEFECTS[c[0]]))
    if c[0] in KNOWN_COUNT_DEFECTS else c[0]
    for c in CASES if c[1] in ("wall_drill", "pocket_run", "piston_run") and c[4] != "none"])
def test_rep_counts_and_cadence(results: dict[str, AnalysisResult], clips: dict[str, tuple[Path, dict[str, Any]]],
                                case: str) -> None:
    r, truth = results[case], clips[case][1]
    # Each leg's drives are found, the far leg (half hidden behind the body) as well as the near one: every true
    # drive away from the clip's edges has a found drive of its leg within half a step of its peak, and no found
    # drive is left over there (a drive read a few frames early or late is still the same drive, wherever the
    # edge window falls); the whole clip's complete drives are counted too, on the truth by the analysis's own
    # rule for drives straddling the clip's edges.
    inner = (EDGE_S, truth["duration_s"] - EDGE_S)
    peaks = sorted(d["t_peak_s"] for d in truth["knee_drives"])
    half_step = 0.5 * float(np.median(np.diff(peaks)))
    for side in ("left", "right"):
        left_over = [d.t_peak_s for d in r.events.complete_drives if d.side.value == side]
        want = [d["t_peak_s"] for d in truth["knee_drives"] if d["side"] == side]
        for w in (x for x in want if inner[0] <= x <= inner[1]):
            near = min(left_over, key=lambda g, w=w: abs(g - w), default=None)
            assert near is not None and abs(near - w) <= half_step, f"{side} leg: the drive at {w:.2f} s not found"
            left_over.remove(near)
        extra = [g for g in left_over if inner[0] + half_step <= g <= inner[1] - half_step]
        assert not extra, f"{side} leg: drives at {extra} s that the truth does not have"
    fewest, most = drives_seen_whole_range(truth)  # a drive cut within 2 frames of whole counts either way
    assert fewest <= len(r.events.complete_drives) <= most
    if truth["cadence_spm"]:
        assert r.cadence_spm == pytest.approx(truth["cadence_spm"], rel=0.02)


@pytest.mark.parametrize("case", ["hold_clean", "hold_short"])
def test_hold_time(results: dict[str, AnalysisResult], clips: dict[str, tuple[Path, dict[str, Any]]],
                   case: str) -> None:
    r, truth = results[case], clips[case][1]
    assert len(r.reps) == 1
    assert r.score is not None and r.score.hold_s == pytest.approx(truth["hold_s"], abs=0.25)
    # a hold is timed, not counted a minute: no cadence, and no rhythm plotted from the lift into the hold
    from kneedrive_cv.output.plots import cadence_events

    assert r.cadence_spm is None
    assert cadence_events(r) == (pytest.approx([]), "holds")


SAMPLE_DIR = ROOT / "sample_videos"


SAMPLE_STEMS = ["piston_run", "hip_flexion_hold", "wall_drill", "pocket_run", "walking", "piston_run_faults"]


@pytest.fixture(scope="module")
def samples() -> dict[str, AnalysisResult]:
    """Every sample analysed, two at a time (each is short enough to run its pose on one core)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(SAMPLE_STEMS, pool.map(analyse, [SAMPLE_DIR / f"{s}.mp4" for s in SAMPLE_STEMS]),
                        strict=True))


@pytest.mark.parametrize("stem", SAMPLE_STEMS)
def test_every_sample_clip_is_recognised_and_counted_exactly(samples: dict[str, AnalysisResult], stem: str) -> None:
    """The clips a new user tries first: drill recognised, every drive seen whole counted, clean ones clean."""
    clip = SAMPLE_DIR / f"{stem}.mp4"
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    result = samples[stem]
    assert result.drill_name == truth["expected_drill"]
    if truth["expected_drill"] == "none":
        assert result.reps == ()
        return
    if truth["drill"] == "hip_flexion_hold":
        assert len(result.reps) == truth["rep_count"] == 1
    else:
        fewest, most = drives_seen_whole_range(truth)
        assert fewest <= len(result.events.complete_drives) <= most
    faults = {f.code for rep in result.reps for f in rep.faults}
    if stem == "piston_run_faults":  # hunched, exaggerated knees, and the rhythm falling from 4.0 to 3.3 per s
        assert {"hunched", "exaggerated_knee"} <= faults
        assert result.score is not None and "slow_cadence" in {f.code for f in result.score.set_faults}
    else:
        assert faults == set(), f"false faults on a clean sample: {faults}"


def test_the_calves_sample_counts_every_raise_measures_it_and_writes_every_output(tmp_path: Path) -> None:
    """Sprinter's calves (left knee held, eight right-heel raises a second apart, 25 deg up 35 deg of ankle).

    Every raise counted at its time and none from the knee coming up or down; the heel's rise is read low by the
    pose model on this render (0.12-0.16 against 0.17 thigh lengths: benchmarks/calves.py has the figures) but
    within the drill's noise margin, so the clean set shows no fault; the ankle's plantarflexion within 6 deg.
    """
    from kneedrive_cv.output import write_outputs

    clip = SAMPLE_DIR / "wall_calves.mp4"
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    result = analyse(clip)
    assert result.drill_name == "wall_calves"
    want = truth["heel_raises"]
    assert len(result.reps) == len(want) == 8
    for rep, w in zip(result.reps, want, strict=True):
        assert rep.kind == "raise" and rep.side.value == w["side"] == "right"
        assert rep.t_peak_s == pytest.approx(w["t_peak_s"], abs=0.1)
        assert rep.metrics["heel_rise_thighs"] == pytest.approx(w["heel_rise_thighs"], abs=0.065)
        assert rep.metrics["raise_plantarflexion_deg"] == pytest.approx(w["plantarflexion_deg"], abs=6.0)
        assert rep.faults == ()
    assert result.cadence_spm == pytest.approx(truth["cadence_spm"], rel=0.02)
    assert "slow_motion" not in {u.kind.value for u in result.unmeasured}
    files = write_outputs(result, tmp_path, overlay=True)
    assert {"report.html", "reps.csv", "kinogram.png", "overlay.mp4"} <= set(files)
    html = (tmp_path / "report.html").read_text()
    assert "Heel rise (thigh lengths)" in html and html.count('<tr class="rep">') == 8
    # the cadence plot shows the raises' rhythm (the reps), not knee drives
    from kneedrive_cv.output.plots import cadence_events

    times, what = cadence_events(result)
    assert what == "raises"
    assert list(times) == pytest.approx([r.t_peak_s for r in result.reps])
