"""Recognition weighs the evidence: known feature sets give known drills, the runner-up and the uncertainty."""

from __future__ import annotations

import dataclasses

import pytest

from kneedrive_cv.kinematics.metrics import View
from kneedrive_cv.landmarks import Side
from kneedrive_cv.scoring.recognise import ClipFeatures, candidates, running_fit

#: A piston run filmed by a phone that follows the athlete: the hips stay put in the picture (travel 0) while
#: they move 4 thigh lengths a second over the planted foot; short quick steps, knees to 63 deg and the foot
#: finishing a short push behind the hips (another renderer's style, which a veto on the sweep called running).
PISTON = ClipFeatures(view=View.SIDE, complete_drives=16, median_peak_thigh_deg=63.0, longest_hold_s=0.0,
                      median_body_angle_deg=8.0, median_trunk_lean_deg=8.0, early_trunk_lean_deg=8.0,
                      travel_thighs=0.1, feet_cycle_through=True, foot_sweep_behind_thighs=1.2, frozen_side=None,
                      arm_swing_deg={"left": 40.0, "right": 40.0}, both_legs_share=0.5, ground_speed_thighs_s=4.0,
                      step_thighs=1.1, drive_rate_per_min=220.0, highest_peak_thigh_deg=70.0, drive_rhythm=0.95)


def best(f: ClipFeatures, raises: int = 0) -> tuple[str, float, str]:
    ranked = sorted(candidates(f, raises), key=lambda c: -c.fit)
    total = sum(c.fit for c in ranked)
    return ranked[0].drill, ranked[0].fit / total, ranked[1].drill


def test_a_piston_run_with_a_short_push_behind_is_a_piston_run_not_running() -> None:
    drill, confidence, _ = best(PISTON)
    assert drill == "piston_run" and confidence > 0.9


def test_the_same_knees_on_long_steps_are_running() -> None:
    drill, confidence, _ = best(dataclasses.replace(PISTON, step_thighs=2.6, foot_sweep_behind_thighs=1.6))
    assert drill == "none" and confidence > 0.9


def test_knee_drives_with_the_hips_still_over_the_planted_foot_are_on_the_spot() -> None:
    on_spot = dataclasses.replace(PISTON, ground_speed_thighs_s=0.1, step_thighs=0.03, foot_sweep_behind_thighs=0.6,
                                  feet_cycle_through=False, median_peak_thigh_deg=95.0)
    assert best(on_spot)[0] == "high_knees"
    # a panning phone changes nothing: the travel in the picture is not what decides
    assert best(dataclasses.replace(on_spot, travel_thighs=12.0))[0] == "piston_run"
    assert best(dataclasses.replace(PISTON, travel_thighs=-0.2))[0] == "piston_run"


def test_lower_knees_need_quick_short_steps_or_a_pocket_arm() -> None:
    low = dataclasses.replace(PISTON, median_peak_thigh_deg=51.0)
    assert best(low)[0] == "piston_run"  # 220 short steps a minute: no one walks or jogs like that
    walking = dataclasses.replace(low, drive_rate_per_min=110.0, median_peak_thigh_deg=40.0)
    assert best(walking)[0] == "none"
    pocket = dataclasses.replace(low, frozen_side=Side.LEFT, step_thighs=2.2, drive_rate_per_min=190.0)
    assert best(pocket)[0] == "pocket_run"


def test_one_leg_driving_again_and_again_is_not_a_running_drill() -> None:
    lunge = dataclasses.replace(PISTON, both_legs_share=0.0, ground_speed_thighs_s=0.2, step_thighs=0.1,
                                feet_cycle_through=False, foot_sweep_behind_thighs=0.7, complete_drives=5)
    drill, _, _ = best(lunge)
    assert drill == "none"
    why = next(c.why for c in candidates(lunge, 0) if c.drill == "none")
    assert "one leg" in why


def test_a_wall_drill_rolled_ten_degrees_and_a_single_drive_at_the_wall() -> None:
    wall = dataclasses.replace(PISTON, median_body_angle_deg=26.0, median_trunk_lean_deg=26.0,
                               ground_speed_thighs_s=0.0, step_thighs=0.0, median_peak_thigh_deg=88.0)
    assert best(wall)[0] == "wall_drill"
    single = dataclasses.replace(wall, complete_drives=1, median_peak_thigh_deg=None, highest_peak_thigh_deg=90.0,
                                 drive_rate_per_min=None, step_thighs=None)
    assert best(single)[0] == "wall_drill"


def test_a_borderline_clip_is_a_best_guess_with_its_runner_up() -> None:
    # steps on the edge between a piston run's and a jog's: both are offered, neither is sure
    edge = dataclasses.replace(PISTON, step_thighs=1.8, median_peak_thigh_deg=70.0)
    drill, confidence, runner_up = best(edge)
    assert {drill, runner_up} == {"piston_run", "none"}
    assert 0.4 <= confidence < 0.6


@pytest.mark.parametrize(("step", "want"), [(1.2, 0.0), (2.4, 1.0)])
def test_running_is_told_by_the_step_length_over_the_ground(step: float, want: float) -> None:
    assert running_fit(63.0, 1.2, step) == pytest.approx(want, abs=0.01)


def test_a_held_knee_read_as_flickering_drives_is_a_hold_not_high_knees() -> None:
    # the model trading the legs' labels through a 2.7 s hold gives six "drives" off any beat
    flicker = dataclasses.replace(PISTON, complete_drives=6, longest_hold_s=2.7, drive_rhythm=0.3,
                                  ground_speed_thighs_s=0.0, step_thighs=0.0, foot_sweep_behind_thighs=0.3,
                                  feet_cycle_through=False, median_peak_thigh_deg=85.0)
    assert best(flicker)[0] == "hip_flexion_hold"
    assert best(dataclasses.replace(flicker, drive_rhythm=0.95, longest_hold_s=0.0))[0] == "high_knees"
