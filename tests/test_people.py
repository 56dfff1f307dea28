"""Everyone in the frame: poses linked into people with stable ids, and the athlete chosen on purpose."""

from __future__ import annotations

import numpy as np
import pytest
from factory import Athlete, build

from kneedrive_cv.errors import UnknownAthleteError
from kneedrive_cv.landmarks import Side, sided
from kneedrive_cv.pose.people import Pose, athlete_of, describe, link_people

FPS = 30.0
DRIVES = [(0.5 + 0.35 * i, Side.LEFT if i % 2 else Side.RIGHT) for i in range(14)]


def _drilling(hip: tuple[float, float] = (400.0, 380.0), scale: float = 1.0) -> np.ndarray:
    """(frames, 33, 4): a side-on athlete driving the knees, 6 s at 30 fps."""
    track, _ = build(Athlete(duration_s=6.0, fps=FPS, drives=DRIVES, hip_px=(0.0, 0.0)))
    lm = track.landmarks_px.copy()
    lm[:, :, :2] = lm[:, :, :2] * scale + hip
    return lm


def _standing(hip: tuple[float, float], scale: float = 1.0, front_on: bool = False) -> np.ndarray:
    """(frames, 33, 4): somebody standing still (side-on, or front-on with shoulders and hips apart)."""
    lm = _drilling(hip=(0.0, 0.0))
    lm[:] = lm[0]
    if front_on:
        for part, half_width in (("SHOULDER", 60.0), ("HIP", 45.0), ("KNEE", 45.0), ("ANKLE", 45.0)):
            lm[:, int(sided(Side.LEFT, part)), 0] = -half_width
            lm[:, int(sided(Side.RIGHT, part)), 0] = half_width
    lm[:, :, :2] = lm[:, :, :2] * scale + hip
    return lm


def _frames(*people: np.ndarray, order: int = 1) -> list[list[Pose]]:
    """Each frame's poses, their order changing from frame to frame as the model's does."""
    world = np.zeros((33, 3), np.float32)
    out = []
    for i in range(len(people[0])):
        poses = [(p[i], world) for p in people if not np.isnan(p[i, 0, 0])]
        out.append(poses[::-1] if (i // order) % 2 else poses)
    return out


def _times(n: int) -> np.ndarray:
    return np.arange(n) / FPS


def test_each_person_keeps_one_id_whatever_order_the_model_gives() -> None:
    athlete, coach = _drilling(), _standing((1000.0, 380.0))
    people = link_people(_frames(athlete, coach), _times(len(athlete)))
    assert people.person_ids == [1, 2]
    lm, _ = people.of(1)
    assert np.allclose(lm, athlete)
    lm, _ = people.of(2)
    assert np.allclose(lm, coach)


def test_one_person_seen_twice_in_a_frame_is_one_person() -> None:
    athlete = _drilling()
    twice = athlete.copy()
    twice[:, :, :2] += 3.0
    people = link_people(_frames(athlete, twice), _times(len(athlete)))
    assert people.person_ids == [1]


def test_one_body_read_twice_with_its_legs_elsewhere_is_one_person() -> None:
    """The model reads the athlete twice in some frames: the same shoulders and hips, but one leg thrown out in
    front (its box twice as wide, overlapping the other's by under a half). One person, one id, every frame."""
    athlete = _drilling()
    misread = athlete.copy()
    misread[:, :, :2] += 2.0
    for part in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
        misread[:, int(sided(Side.LEFT, part)), 0] += 250.0
    seen_twice = misread.copy()
    seen_twice[60:] = np.nan  # read twice for the first two seconds only, then the athlete alone
    people = link_people(_frames(athlete, seen_twice), _times(len(athlete)))
    assert people.person_ids == [1] and np.count_nonzero(people.ids == 1) == len(athlete)
    # two people side by side, torsos a torso's length apart, stay two
    beside = athlete.copy()
    beside[:, :, 0] += 120.0
    assert link_people(_frames(athlete, beside), _times(len(athlete))).person_ids == [1, 2]


def test_a_pose_fitted_to_part_of_the_athlete_is_not_somebody_else() -> None:
    """Beside the athlete the model can fit a second, smaller body to part of them (a randomised high-knees render:
    a pose on the athlete's legs, better seen than the athlete's own, in 7 of the first 20 frames). Inside the
    athlete's outline with its hips on theirs, it is the athlete read twice: one person, the whole body kept. A small
    person standing inside the athlete's box but well away from their hips stays somebody else."""
    athlete = _drilling()
    athlete[:, :, 3] = 0.8
    hips = athlete[:, [23, 24], :2].mean(axis=1, keepdims=True)
    part = athlete.copy()
    part[:, :, :2] = hips + 0.35 * (athlete[:, :, :2] - hips) + (0.0, 8.0)
    part[:, :, 3] = 0.95
    part[20:] = np.nan
    people = link_people(_frames(athlete, part), _times(len(athlete)))
    assert people.person_ids == [1]
    lm, _ = people.of(1)
    assert np.allclose(lm, athlete)
    # somebody small at the athlete's feet, their hips more than a torso's length from the athlete's
    torso = float(np.linalg.norm(athlete[0, [11, 12], :2].mean(axis=0) - hips[0, 0]))
    small = part.copy()
    small[:20, :, 1] += 1.2 * torso
    people = link_people(_frames(athlete, small), _times(len(athlete)))
    assert people.person_ids == [1, 2]


def test_a_stored_track_is_linked_and_its_athlete_chosen_again_by_todays_rules() -> None:
    """A cached track keeps what the model found; who is who is worked out again on loading it. Stored with a
    coach standing by taken for the athlete and each person's ids mixed up from frame to frame (as an older rule
    might have left them), it comes back with two people, each under one id, and the athlete drilling chosen."""
    from kneedrive_cv.pose.estimate import linked_again
    from kneedrive_cv.pose.people import People
    from kneedrive_cv.pose.track import PoseTrack

    athlete, coach = _drilling(), _standing((1000.0, 380.0), scale=1.2)
    good = link_people(_frames(athlete, coach), _times(len(athlete)))
    mixed = np.where(np.arange(len(athlete))[:, None] % 2 == 0, good.ids, good.ids[:, ::-1] + 2)
    stale = People(good.landmarks_px, good.world_m, mixed.astype(np.int32))
    lm_coach, world = stale.of(*np.unique(mixed[good.ids == 2]).tolist())
    track = PoseTrack(lm_coach, world, _times(len(athlete)), FPS, (1280, 720), "test", {"athlete": {"id": 2}}, stale)
    again = linked_again(track)
    assert again.people is not None and again.people.person_ids == [1, 2]
    assert np.allclose(again.landmarks_px, athlete) and again.meta["athlete"]["id"] == 1


def test_a_tracker_drifting_off_the_athlete_as_a_fresh_look_finds_them_is_one_athlete() -> None:
    """The athlete's tracker drifts off them (its pose sliding a torso's length away over half a second) while a
    fresh look finds them again under a new id and follows them to the end: seen beside each other in the
    tracker's last three frames only, the two are one athlete, and there the pose that goes on is taken."""
    athlete = _drilling()
    drifted = athlete.copy()
    drifted[86:101, :, 0] -= np.linspace(10.0, 150.0, 15)[:, None]
    drifted[101:] = np.nan
    found_again = athlete.copy()
    found_again[:98] = np.nan
    people = link_people(_frames(drifted, found_again), _times(len(athlete)))
    assert people.person_ids == [1, 2]
    lm, _, choice = athlete_of(people, _times(len(athlete)), (1280, 720))
    assert choice is not None and tuple(choice.joined) == (2,)
    assert np.allclose(lm[:86], athlete[:86]) and np.allclose(lm[98:], athlete[98:])  # drifted only before the look
    # seen beside each other for longer (a second person running alongside), they stay two
    alongside = athlete.copy()
    alongside[:80] = np.nan
    alongside[80:, :, 0] -= 150.0
    people = link_people(_frames(drifted, alongside), _times(len(athlete)))
    _, _, choice = athlete_of(people, _times(len(athlete)), (1280, 720))
    assert choice is not None and tuple(choice.joined) == ()


def test_the_athlete_is_the_one_drilling_not_the_largest_or_first_seen() -> None:
    # a taller team-mate stands side-on in view the whole clip, and is found first in every frame
    mate, athlete = _standing((300.0, 330.0), scale=1.4), _drilling(hip=(950.0, 400.0), scale=0.8)
    n = len(athlete)
    people = link_people(_frames(mate, athlete, order=n), _times(n))
    persons = {p.id: p for p in describe(people, _times(n), (1280, 720))}
    assert persons[1].height_px > persons[2].height_px
    assert persons[2].knee_range > 0.4 > 0.1 > persons[1].knee_range
    lm, _, choice = athlete_of(people, _times(n), (1280, 720))
    assert choice is not None and choice.id == 2 and choice.chosen_by == "auto" and choice.others_seen == 1
    assert np.allclose(lm, athlete)


def test_a_side_on_athlete_is_preferred_to_someone_front_on() -> None:
    front = _standing((300.0, 380.0), front_on=True)
    side = _standing((950.0, 380.0))
    n = len(side)
    persons = {p.id: p for p in describe(link_people(_frames(front, side), _times(n)), _times(n), (1280, 720))}
    assert persons[1].width_ratio > 0.5 and persons[2].width_ratio < 0.1
    assert persons[2].score > persons[1].score


def test_an_athlete_lost_for_a_while_is_taken_up_again_when_they_come_back() -> None:
    athlete = _drilling()
    athlete[60:120] = np.nan  # 2 s unseen: longer than linking remembers, so a new id afterwards
    coach = _standing((1100.0, 380.0))
    n = len(athlete)
    people = link_people(_frames(athlete, coach), _times(n))
    assert len(people.person_ids) == 3
    lm, _, choice = athlete_of(people, _times(n), (1280, 720))
    assert choice is not None and choice.id == 1 and len(choice.joined) == 1 and choice.others_seen == 1
    assert np.allclose(lm, athlete, equal_nan=True)


def test_another_person_seen_beside_the_athlete_is_never_joined_to_them() -> None:
    athlete, passer = _drilling(), _standing((700.0, 380.0))
    athlete[100:] = np.nan
    passer[:90] = np.nan  # appears near the athlete while they are still in view
    n = len(athlete)
    lm, _, choice = athlete_of(link_people(_frames(athlete, passer), _times(n)), _times(n), (1280, 720))
    assert choice is not None and choice.joined == ()
    assert np.isnan(lm[100:, 0, 0]).all()


def test_a_person_given_by_id_is_analysed_and_an_unknown_id_is_refused() -> None:
    athlete, coach = _drilling(), _standing((1000.0, 380.0))
    n = len(athlete)
    people = link_people(_frames(athlete, coach), _times(n))
    lm, _, choice = athlete_of(people, _times(n), (1280, 720), athlete=2)
    assert choice is not None and choice.chosen_by == "given" and np.allclose(lm, coach)
    with pytest.raises(UnknownAthleteError, match="people seen are 1, 2"):
        athlete_of(people, _times(n), (1280, 720), athlete=7)


def test_nobody_at_all() -> None:
    people = link_people([[] for _ in range(20)], _times(20))
    lm, _, choice = athlete_of(people, _times(20), (1280, 720))
    assert choice is None and np.isnan(lm).all() and people.person_ids == []


def test_one_glitched_frame_does_not_cut_a_person_in_two() -> None:
    athlete = _drilling()
    athlete[90, :, 1] = athlete[90, :, 1] * 0.6 + 0.4 * athlete[90, 23, 1]  # torso read far too short, once
    n = len(athlete)
    people = link_people(_frames(athlete), _times(n))
    assert (people.ids[:90, 0] == 1).all() and (people.ids[91:, 0] == 1).all()  # the athlete goes on after it
    assert len(people.person_ids) <= 2  # the glitched pose alone may stand apart


def test_a_stretch_where_the_athletes_pose_jumped_is_joined_back() -> None:
    athlete = _drilling()
    n = len(athlete)
    ids = link_people(_frames(athlete), _times(n))
    # the same athlete, split by hand into 1 (frames 0-79 and 121-) and 2 (80-120), as a size jump does
    cut = ids.ids.copy()
    cut[80:121] = 2
    people = type(ids)(ids.landmarks_px, ids.world_m, cut)
    lm, _, choice = athlete_of(people, _times(n), (1280, 720))
    assert choice is not None and choice.id == 1 and choice.joined == (2,)
    assert not np.isnan(lm[:, 0, 0]).any()


@pytest.mark.parametrize(("shrunk", "over_frames"), [(True, 15), (True, 25), (False, 0)])
def test_the_athlete_found_again_after_the_tracker_shrank_onto_part_of_them_is_joined(shrunk: bool,
                                                                                     over_frames: int) -> None:
    """A tracker drifting off the athlete before it loses them can shrink onto part of the body (a steep wall
    drill, randomised render seed 6008: torso 100 px, then about 45 px over its last 0.15 s; later in the same clip
    40-77 px for 0.32 s, so that half the last half second was shrunk); the fresh look that finds them again at
    their true size 0.3 s later is them, judged by their usual size, not that last pose's. Where the last pose was
    read at its usual size, somebody twice as big after the gap stays somebody else."""
    athlete = _drilling()
    n = len(athlete)
    hips = athlete[:, [23, 24], :2].mean(axis=1, keepdims=True)
    if shrunk:
        a = 105 - over_frames
        scale = np.linspace(1.0, 0.45, over_frames)[:, None, None]  # a little each frame: the tracker stays on it
        athlete[a:105, :, :2] = hips[a:105] + scale * (athlete[a:105, :, :2] - hips[a:105])
    else:
        athlete[115:, :, :2] = hips[115:] + 2.0 * (athlete[115:, :, :2] - hips[115:])
    athlete[105:115] = np.nan
    linked = link_people(_frames(athlete), _times(n))
    cut = linked.ids.copy()
    cut[115:][cut[115:] != 0] = 7  # found again by a fresh look, under a new id
    people = type(linked)(linked.landmarks_px, linked.world_m, cut)
    lm, _, choice = athlete_of(people, _times(n), (1280, 720))
    assert choice is not None
    seen = ~np.isnan(lm[:, 0, 0])
    assert seen[:105].all() if choice.id == 1 else seen[115:].all()
    assert bool(seen[:105].all() and seen[115:].all()) == shrunk
