"""Finding an athlete the whole-frame detector misses: when the tiles are searched.

The estimators are fakes that "see" a white figure on a black frame, so the timing of the searches is exact.
A real clip then checks the end result: a small athlete is kept across the clip's spans.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import real_clip

from kneedrive_cv.landmarks import N_LANDMARKS, Side, sided
from kneedrive_cv.pose.estimate import _linked, followed_back
from kneedrive_cv.pose.search import (
    SEARCH_AFTER_S,
    SEARCH_EVERY_S,
    SEARCH_FIRST_S,
    TRUST_S,
    UPSIDE_DOWN_DEG,
    AthleteFinder,
    Pose,
    plausible,
    upside_down,
)
from kneedrive_cv.pose.track import PoseTrack

FPS = 60.0
PARTS = {"SHOULDER": 0.0, "HIP": 0.45, "KNEE": 0.7, "ANKLE": 0.95, "HEEL": 1.0, "FOOT_INDEX": 1.0, "EAR": -0.1}


def _frame(visible: bool) -> np.ndarray:
    frame = np.zeros((720, 1280, 3), np.uint8)
    if visible:
        frame[500:640, 900:950] = 255  # a figure 140 px tall: too small for the whole-frame detector
    return frame


def _sees(image: np.ndarray, t_s: float) -> list[Pose]:
    """A fake model: a pose spanning the white figure in ``image``, or nobody."""
    ys, xs = np.nonzero(image[:, :, 0] > 128)
    if len(ys) < 20:
        return []
    lm = np.zeros((N_LANDMARKS, 4), np.float32)
    lm[:, 3] = 1.0
    top, height, cx = ys.min(), ys.max() - ys.min(), xs.mean()
    for s in Side:
        for part, at in PARTS.items():
            lm[int(sided(s, part))] = (cx, top + at * height, 0.0, 1.0)
    return [(lm, np.zeros((N_LANDMARKS, 3), np.float32))]


def _never(image: np.ndarray, t_s: float) -> list[Pose]:
    return []


def _first_found(finder: AthleteFinder, appears_s: float = 0.0, seconds: float = 2.0) -> float:
    for i in range(int(seconds * FPS)):
        t = i / FPS
        if finder(_frame(t >= appears_s), t):
            return t
    return np.inf


def test_at_the_clips_start_the_whole_frame_gets_its_time_first() -> None:
    finder = AthleteFinder(_never, _sees, _sees)
    assert _first_found(finder) == pytest.approx(SEARCH_AFTER_S, abs=1 / FPS)
    assert finder.counts["searches"] == 1


def test_a_later_span_searches_for_the_athlete_soon() -> None:
    # the athlete was in view at the end of the span before: losing 0.3 s at every span's start lost a drive
    finder = AthleteFinder(_never, _sees, _sees, expect_athlete=True)
    assert _first_found(finder) == pytest.approx(SEARCH_FIRST_S, abs=1 / FPS)
    # and until they come, it searches every SEARCH_AFTER_S (not the SEARCH_EVERY_S of a lost athlete)
    late = AthleteFinder(_never, _sees, _sees, expect_athlete=True)
    found = _first_found(late, appears_s=1.0)
    assert 1.0 <= found < 1.0 + SEARCH_AFTER_S + 1 / FPS
    assert late.counts["searches"] == 4  # about 0.1, 0.4, 0.7 and 1.0 s (every 0.5 s would be 0.1, 0.6, 1.1)


def test_once_found_the_athlete_is_followed_in_a_crop_every_frame() -> None:
    finder = AthleteFinder(_never, _sees, _sees, expect_athlete=True)
    first = _first_found(finder)
    kept = [len(finder(_frame(True), first + k / FPS)) == 1 for k in range(1, 30)]
    assert all(kept) and finder.counts["crop"] == 29


def _found_from(first: int, n: int, lost: frozenset[int] = frozenset()) -> PoseTrack:
    """A track whose athlete (the white figure) the forward pass found only from frame ``first`` on, and not in
    the frames ``lost``."""
    t = np.arange(n) / FPS
    nothing = PoseTrack(np.full((n, N_LANDMARKS, 4), np.nan, np.float32), np.full((n, N_LANDMARKS, 3), np.nan,
                        np.float32), t, FPS, (1280, 720), "fake")
    return _linked(nothing, [_sees(_frame(True), float(t[i])) if i >= first and i not in lost else []
                             for i in range(n)])


def _folded(pose: Pose) -> Pose:
    """The pose with its shoulders dropped to just above the hips: the trunk folded onto the legs."""
    lm = pose[0].copy()
    for s in Side:
        lm[int(sided(s, "SHOULDER")), 1] = lm[int(sided(s, "HIP")), 1] - 5
    return lm, pose[1]


def _turned(pose: Pose) -> Pose:
    """The pose with its shoulders swung a quarter turn about the hips: the trunk read lying forward."""
    lm = pose[0].copy()
    for s in Side:
        hip, shoulder = lm[int(sided(s, "HIP")), :2], lm[int(sided(s, "SHOULDER"))]
        length = float(np.linalg.norm(shoulder[:2] - hip))
        shoulder[:2] = hip + np.array([length, 0.0])
    return lm, pose[1]


def _followed_back_missing(missed: set[int], monkeypatch: pytest.MonkeyPatch, first: int = 60,
                           odd: dict[int, Callable[[Pose], Pose]] | None = None) -> PoseTrack:
    """Followed back from ``first`` by a tracker that misses the athlete in the frames ``missed`` (and sees them
    changed by ``odd[i]`` in frame ``i``)."""
    odd = odd or {}

    def tracker(model: object) -> tuple[object, object]:
        def estimate(image: np.ndarray, t_s: float) -> list[Pose]:  # fed the time back from the first frame found
            i = first - round(t_s * FPS)
            return [] if i in missed else [odd.get(i, lambda p: p)(p) for p in _sees(image, t_s)]
        return estimate, lambda: None

    monkeypatch.setattr("kneedrive_cv.pose.estimate._tracker", tracker)
    monkeypatch.setattr("kneedrive_cv.pose.estimate.read_frames_at",
                        lambda path, indices, turn: ((i, _frame(True)) for i in sorted(indices)))
    return followed_back(Path("clip.mp4"), _found_from(first, first + 20), None, 0)


def test_following_back_goes_on_past_a_frame_or_two_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    # the tracker going back from where the athlete was first found misses the two frames before it, then finds
    # every frame to the clip's start: stopping at the first miss lost the clip's first second here (0.3-0.5 s of
    # rendered clips, with a drive in them)
    track = _followed_back_missing({58, 59}, monkeypatch)
    assert track.present[:58].all() and not track.present[58:60].any() and track.present[60:].all()
    assert track.meta["followed_back_s"] == pytest.approx(60 / FPS, abs=1e-3)
    # ... but a pose alone between misses (the tracker re-locking on the wrong shape for a frame) is not taken
    track = _followed_back_missing({59, 58, 56}, monkeypatch)
    assert track.present[:56].all() and not track.present[56:60].any()
    track = _followed_back_missing({59, 58, 54}, monkeypatch)  # three in a row are
    assert track.present[55:58].all() and not track.present[54]
    # a pose that is no step of the same body (the trunk folded onto the legs from one frame to the next) is a miss
    for change in (_folded, _turned):  # ... or the trunk turned a quarter turn from one frame to the next
        track = _followed_back_missing(set(), monkeypatch, odd={57: change})
        assert not track.present[57] and track.present[:57].all() and track.present[58:].all()
        assert track.people is not None and track.people.poses()[57] == []  # not kept as anybody
    # unseen for a third of a second, the athlete is looked for on; unseen for SEARCH_EVERY_S, let go, as going forwards
    track = _followed_back_missing(set(range(30, 50)), monkeypatch)
    assert track.present[:30].all() and track.present[50:].all()
    gone = round(SEARCH_EVERY_S * FPS) + 10
    track = _followed_back_missing(set(range(50 - gone, 50)), monkeypatch)
    assert not track.present[:50].any() and track.present[50:].all()


def test_the_athlete_is_followed_back_into_each_gap_they_were_lost_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # lost going forwards for 10 frames inside the clip (a knee driven up at the wall) and found again: a tracker
    # going back from there finds them; a single frame lost is left to the filter's interpolation
    calls: list[int] = []

    def tracker(model: object) -> tuple[object, object]:
        calls.append(1)
        return _sees, lambda: None

    monkeypatch.setattr("kneedrive_cv.pose.estimate._tracker", tracker)
    monkeypatch.setattr("kneedrive_cv.pose.estimate.read_frames_at",
                        lambda path, indices, turn: ((i, _frame(True)) for i in sorted(indices)))
    lost = frozenset(range(40, 50)) | {70}
    before = _found_from(20, 90, lost)
    assert not before.present[sorted(lost)].any()
    track = followed_back(Path("clip.mp4"), before, None, 0)
    assert track.present[:70].all() and not track.present[70] and track.present[71:].all()
    assert track.meta["followed_back_gap_frames"] == 10
    assert track.meta["followed_back_s"] == pytest.approx(20 / FPS, abs=1e-3)
    assert len(calls) == 2  # the clip's start and the one gap of two frames or more


def test_following_back_that_splits_the_athlete_is_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # linked again with the poses found going back, the athlete chosen is missing from a frame they were found in
    # going forwards (a pose added started a person of its own): following back only adds, so the forward track stays
    from kneedrive_cv.pose import estimate

    relink = estimate._linked

    def splitting(track: PoseTrack, poses: list[list[Pose]]) -> PoseTrack:
        linked = relink(track, poses)
        lm = linked.landmarks_px.copy()
        lm[80] = np.nan
        return linked.replace(landmarks_px=lm)

    monkeypatch.setattr("kneedrive_cv.pose.estimate._tracker", lambda model: (_sees, lambda: None))
    monkeypatch.setattr("kneedrive_cv.pose.estimate.read_frames_at",
                        lambda path, indices, turn: ((i, _frame(True)) for i in sorted(indices)))
    monkeypatch.setattr("kneedrive_cv.pose.estimate._linked", splitting)
    before = _found_from(0, 90, frozenset(range(40, 50)))
    track = followed_back(Path("clip.mp4"), before, None, 0)
    np.testing.assert_array_equal(track.present, before.present)
    assert track.meta["followed_back_gap_frames"] == 0


def _small_copy(src: Path, dst: Path, scale: float) -> Path:
    """``src`` shrunk by ``scale`` into the bottom right of a black frame of the same size."""
    import cv2

    from kneedrive_cv.video import VideoSink, probe, read_frames

    info = probe(src)
    w, h = info.width, info.height
    sw, sh = int(w * scale), int(h * scale)
    with VideoSink(dst, w, h, info.fps, reproducible=True) as sink:
        for t_s, rgb in read_frames(src):
            canvas = np.zeros_like(rgb)
            canvas[h - sh - 60:h - 60, w - sw - 150:w - 150] = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA)
            sink.write(canvas, t_s)
    return dst


@pytest.mark.model
@pytest.mark.real
def test_a_small_athlete_is_kept_across_the_clips_spans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.pose.estimate import span_count

    clip = _small_copy(real_clip("high_knees_side_gym_60fps.mp4"), tmp_path / "hk_small.mp4", 1 / 3)
    result = analyse(clip)
    track = result.track
    assert span_count(len(track)) == 2
    boundary = len(track) // 2
    lost = ~track.present[boundary - 30:boundary + 30]
    assert lost.sum() <= 7  # at most 0.1 s; 19 frames (0.32 s) were lost at the second span's start
    # the tiles are searched once the whole frame has had SEARCH_AFTER_S; from where they are found, the athlete is
    # followed back to the first frame (the first drive, under way by then, was lost: 17 of 18)
    assert track.meta["followed_back_s"] >= SEARCH_AFTER_S - 0.02
    assert track.present[:boundary].all()
    complete = [d for d in result.events.drives if not d.partial]
    assert len(complete) == 18
    assert result.drill_name == "high_knees"
    # analysed again, the track followed back comes from the cache: no model runs on those frames again
    monkeypatch.setattr("kneedrive_cv.pose.estimate.CropFollower", _NoFollowing)
    again = analyse(clip)
    assert again.track.meta["followed_back_s"] == track.meta["followed_back_s"]
    np.testing.assert_array_equal(again.track.landmarks_px, track.landmarks_px)


class _NoFollowing:
    """Stands in for the crop follower where none may run."""

    @classmethod
    def on(cls, *args: object, **kwargs: object) -> None:
        raise AssertionError("the athlete was followed back again")


def _stick(x: float, y: float, height: float) -> np.ndarray:
    """(33, 4) landmarks of an upright person whose shoulders are at (x, y), ``height`` pixels tall."""
    lm = np.zeros((N_LANDMARKS, 4), np.float32)
    lm[:, 3] = 1.0
    for s in Side:
        for part, at in PARTS.items():
            lm[int(sided(s, part))] = (x, y + at * height, 0.0, 1.0)
    return lm


def test_a_pose_continues_the_person_when_near_and_the_same_size() -> None:
    from kneedrive_cv.pose.follow import continues

    athlete = _stick(600, 200, 400)[:, :2]
    assert continues(athlete, _stick(612, 204, 396)[:, :2], 1 / 60)
    assert not continues(athlete, _stick(220, 180, 560)[:, :2], 1 / 60)  # a bigger person to the side
    assert not continues(athlete, _stick(600, 200, 600)[:, :2], 1 / 60)  # the size jumps
    assert continues(athlete, _stick(700, 200, 400)[:, :2], 1.0)  # far, but a second later


def _beside(src: Path, other: Path, dst: Path, phase: int = 20) -> Path:
    """``src`` with ``other`` (looped) pasted at its left, taller than the athlete: a person nearer the camera.

    ``phase``: the pasted clip's frame at the start. Whether a fresh tracker picks the athlete or the other
    person depends on the very frame it starts on; at phases 20 and 40 the second span's picked the jogger
    (0 and 10 happened to pick the athlete).
    """
    import cv2

    from kneedrive_cv.video import VideoSink, probe, read_frames

    info = probe(src)
    extra = [rgb for _, rgb in read_frames(other)]
    h = int(0.97 * info.height)
    w = int(h * extra[0].shape[1] / extra[0].shape[0])
    with VideoSink(dst, info.width, info.height, info.fps, reproducible=True) as sink:
        for i, (t_s, rgb) in enumerate(read_frames(src)):
            frame = rgb.copy()
            jogger = extra[(i // 2 + phase) % len(extra)]
            top = (info.height - h) // 2
            frame[top:top + h, 20:20 + w] = cv2.resize(jogger, (w, h), interpolation=cv2.INTER_AREA)
            sink.write(frame, t_s)
    return dst


@pytest.mark.model
@pytest.mark.real
def test_a_person_nearer_the_camera_does_not_take_the_athletes_place(tmp_path: Path) -> None:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.pose.people import describe

    clip = _beside(real_clip("high_knees_side_gym_60fps.mp4"), real_clip("jogging_front_portrait.mp4"),
                   tmp_path / "hk_with_jogger.mp4")
    result = analyse(clip, cache=None)
    # a single-person tracker starting on the jogger once dropped 200 frames of the athlete and counted 9 drives
    athlete = result.track.meta["athlete"]
    assert athlete["chosen_by"] == "auto" and athlete["others_seen"] >= 1
    assert result.track.detection_rate > 0.97
    complete = [d for d in result.events.drives if not d.partial]
    assert len(complete) == 18
    assert result.drill_name == "high_knees"
    # the athlete is the person on the right, side-on; the jogger, front-on, is on the left
    assert np.nanmedian(result.track.xy[:, 0, 0]) > 640
    assert result.track.people is not None
    persons = describe(result.track.people, result.track.t_s, result.track.frame_size)
    jogger = max((p for p in persons if p.id != athlete["id"]), key=lambda p: p.frames)
    assert jogger.frames > 0.9 * len(result.track)
    other = analyse(clip, cache=None, track=result.track, athlete=jogger.id)
    assert other.track.meta["athlete"]["chosen_by"] == "given"
    assert np.nanmedian(other.track.xy[:, 0, 0]) < 640
    assert other.drill_name == "none" and not other.reps


def _figures(*xs: int) -> np.ndarray:
    frame = np.zeros((720, 1280, 3), np.uint8)
    for x in xs:
        frame[200:600, x:x + 60] = 255
    return frame


def _sees_wide(image: np.ndarray, t_s: float) -> list[Pose]:
    """As :func:`_sees`, the body 30 pixels wide (its box has an area)."""
    poses = _sees(image, t_s)
    for lm, _ in poses:
        lm[[int(sided(Side.LEFT, p)) for p in PARTS], 0] -= 15
        lm[[int(sided(Side.RIGHT, p)) for p in PARTS], 0] += 15
    return poses


def _sees_each(image: np.ndarray, t_s: float) -> list[Pose]:
    """A fake single-picture model that finds every white figure."""
    cols = np.flatnonzero((image[:, :, 0] > 128).any(axis=0))
    if not len(cols):
        return []
    groups = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
    poses = []
    for g in groups:
        part = np.zeros_like(image)
        part[:, g] = image[:, g]
        poses += _sees_wide(part, t_s)
    return poses


def test_everyone_in_view_is_tracked_at_the_cost_of_one_tracker_and_a_look_now_and_then() -> None:
    from kneedrive_cv.pose.search import FIRST_LOOK_S, LOOK_EVERY_S, PeopleFinder

    looks: list[float] = []
    made: list[int] = []
    released: list[int] = []

    def look(image: np.ndarray, t_s: float) -> list[Pose]:
        looks.append(t_s)
        return _sees_each(image, t_s)

    def new_tracker() -> tuple[object, object]:
        made.append(1)
        return _sees_wide, lambda: released.append(1)

    def main(image: np.ndarray, t_s: float) -> list[Pose]:  # the whole-frame tracker follows the left figure
        left = image.copy()
        left[:, 640:] = 0
        return _sees_wide(left, t_s)

    finder = PeopleFinder(main, look, new_tracker)  # type: ignore[arg-type]
    counts = [len(finder(_figures(300, 900), i / FPS)) for i in range(int(3 * FPS))]
    assert all(n == 2 for n in counts)  # the right figure, found by a look, is tracked in a crop of its own
    assert len(made) == 1
    assert len(looks) == pytest.approx(FIRST_LOOK_S * FPS + (3.0 - FIRST_LOOK_S) / LOOK_EVERY_S, abs=2)
    # somebody who walks off is let go once unseen for half a second, and their tracker released
    for i in range(int(3 * FPS), int(4 * FPS)):
        finder(_figures(300), i / FPS)
    assert finder.followers == [] and released == [1]
    # a newcomer is found at the next look
    found = [len(finder(_figures(300, 1100), i / FPS)) for i in range(int(4 * FPS), int(5 * FPS))]
    assert found[-1] == 2 and found.index(2) <= LOOK_EVERY_S * FPS + 1
    finder.close()
    assert len(released) == 2


def test_a_frame_twice_as_wide_as_high_is_looked_over_in_parts() -> None:
    """Two clips side by side (2560x720): the detector, which sees a square picture, misses people under a fifth of
    the frame's width tall; looked over in overlapping 16:9 parts, both figures are found, once each, where they
    stand in the whole frame. A frame of a phone's shape is looked at whole, once."""
    from kneedrive_cv.pose.search import look_across

    calls: list[tuple[int, int]] = []

    def look(image: np.ndarray, t_s: float) -> list[Pose]:
        calls.append(image.shape[:2])
        return [p for p in _sees_each(image, t_s) if 0.2 * max(image.shape[:2]) <= 400]

    wide = np.zeros((720, 2560, 3), np.uint8)
    for x in (300, 1250, 2200):  # the middle one across the seam of two halves
        wide[200:600, x:x + 60] = 255
    poses = look_across(look, wide, 0.0)
    hips = sorted(float(lm[int(sided(Side.LEFT, "HIP")), 0]) for lm, _ in poses)
    assert hips == pytest.approx([314.5, 1264.5, 2214.5])
    assert all(h == 720 and w == 1280 for h, w in calls) and len(calls) == 3
    calls.clear()
    assert len(look_across(look, _figures(300, 900), 0.0)) == 2 and calls == [(720, 1280)]
    calls.clear()
    look_across(look, np.zeros((2560, 720, 3), np.uint8), 0.0)  # as tall as that is wide: parts down it
    assert calls == [(1280, 720)] * 3


#: Poses the model gave (pixels and visibility, (n, 33, 4)): ``ghosts``, drawn by a tracker locked on upside down to
#: a treadmill runner shrunk to 300 px (gaitlab clip scaled 0.3 into a 960x540 frame; frames 5, 40, 190 and 300,
#: each over a thigh length from the runner's true hips, knees and ankles), and ``real`` poses: that runner tracked
#: right (frames 80 and 150), the most leaning frame of the real sprint start (its set position, trunk 122 deg
#: from up), a rendered wall drill (71 deg) and real high knees.
STORED = Path(__file__).parent / "data" / "upside_down_poses.npz"


def test_a_ghost_tracked_upside_down_is_told_from_real_poses_however_they_lean() -> None:
    stored = np.load(STORED)
    assert all(plausible(lm) for lm in stored["ghosts"])  # seen well enough to pass for a person
    assert all(upside_down(lm) for lm in stored["ghosts"])
    assert not any(upside_down(lm) for lm in stored["real"])
    # turned half a turn about the hips, a real pose is upside down; a quarter turn (a clip stored sideways) is not
    for lm in stored["real"][:2]:
        hips = lm[[int(sided(s, "HIP")) for s in Side], :2].mean(axis=0)
        for turn_deg, flipped in ((180, True), (90, False), (UPSIDE_DOWN_DEG - 20, False)):
            a = np.radians(turn_deg)
            rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
            turned = lm.copy()
            turned[:, :2] = (lm[:, :2] - hips) @ rot.T + hips
            assert upside_down(turned) == flipped, turn_deg


def _sees_upside_down(image: np.ndarray, t_s: float) -> list[Pose]:
    """As :func:`_sees`, the pose drawn head down over the figure (a tracker locked on upside down)."""
    poses = _sees(image, t_s)
    for lm, _ in poses:
        top, bottom = lm[:, 1].min(), lm[:, 1].max()
        lm[:, 1] = top + bottom - lm[:, 1]
    return poses


def _big_frame(t_s: float) -> np.ndarray:
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[200:560, 600:660] = 255  # large enough for the whole-frame tracker
    return frame


def test_a_pose_tracked_upside_down_is_looked_for_afresh_and_followed_upright() -> None:
    looks: list[float] = []

    def single(image: np.ndarray, t_s: float) -> list[Pose]:
        looks.append(t_s)
        return _sees(image, t_s)

    finder = AthleteFinder(_sees_upside_down, _sees, single)
    found = [finder(_big_frame(i / FPS), i / FPS) for i in range(30)]
    assert all(len(f) == 1 and not upside_down(f[0][0]) for f in found)
    assert looks == [0.0]  # one look, at the first frame; then the crop's tracker follows them
    assert finder.counts["crop"] == 29 and finder.counts["whole"] == 0
    hips = found[-1][0][0][[int(sided(s, "HIP")) for s in Side], 1].mean()
    shoulders = found[-1][0][0][[int(sided(s, "SHOULDER")) for s in Side], 1].mean()
    assert 200 <= shoulders < hips <= 560


def test_a_person_upside_down_in_the_picture_is_believed_when_a_fresh_look_agrees() -> None:
    looks: list[float] = []

    def single(image: np.ndarray, t_s: float) -> list[Pose]:
        looks.append(t_s)
        return _sees_upside_down(image, t_s)

    finder = AthleteFinder(_sees_upside_down, _sees_upside_down, single)
    seconds = 2.0
    found = [finder(_big_frame(i / FPS), i / FPS) for i in range(int(seconds * FPS))]
    assert all(len(f) == 1 and upside_down(f[0][0]) for f in found)  # a clip stored upside down keeps its person
    assert finder.window is None and finder.counts["whole"] == len(found)
    assert len(looks) == pytest.approx(seconds / TRUST_S, abs=1)  # checked again now and then, not every frame


def _shrunk_on_grey(src: Path, dst: Path) -> Path:
    """``src`` (portrait) scaled 0.3 onto a grey 960x540 frame: a runner about 300 px tall, thigh about 45 px."""
    import cv2

    from kneedrive_cv.video import VideoSink, probe, read_frames

    info = probe(src)
    with VideoSink(dst, 960, 540, info.fps, reproducible=True) as sink:
        for t_s, rgb in read_frames(src):
            canvas = np.full((540, 960, 3), 128, np.uint8)
            canvas[100:484, 372:588] = cv2.resize(rgb, (216, 384), interpolation=cv2.INTER_AREA)
            sink.write(canvas, t_s)
    return dst


@pytest.mark.model
@pytest.mark.real
def test_a_small_runner_the_tracker_first_takes_upside_down_is_tracked_upright(tmp_path: Path) -> None:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.pose.upright import body_axis_deg

    clip = _shrunk_on_grey(real_clip("gaitlab_male_side_treadmill.mp4"), tmp_path / "treadmill_small.mp4")
    result = analyse(clip, cache=None)
    track = result.track
    # the whole-frame tracker took the runner upside down for 68 % of the clip, and 7 people were listed
    assert track.detection_rate > 0.97
    axis = body_axis_deg(track.landmarks_px)
    assert np.nanpercentile(np.abs(axis), 99) < 30  # a runner upright on a treadmill, in every frame
    assert track.people is not None and len(track.people.person_ids) <= 2
    # read as a drill (piston run, 25 reps) when the ghosts were taken; truth 168.9 steps/min, without a pose model
    assert result.drill_name == "none" and not result.reps
    assert result.cadence_spm == pytest.approx(168.9, rel=0.02)


def _leaning(lean_deg: float, length: float = 240.0) -> np.ndarray:
    """A body ``length`` px from ears to feet, straight and leaning ``lean_deg`` from upright."""
    lm = np.zeros((N_LANDMARKS, 4), np.float32)
    lm[:, 3] = 1.0
    ux, uy = np.sin(np.radians(lean_deg)), -np.cos(np.radians(lean_deg))  # feet to head
    feet = np.array([640.0, 600.0])
    for s in Side:
        for part, at in PARTS.items():
            lm[int(sided(s, part)), :2] = feet + (1.0 - at) / 1.1 * length * np.array([ux, uy])
    return lm


def test_a_leaning_body_gets_a_window_sized_by_its_length_and_an_upright_one_by_its_box() -> None:
    from kneedrive_cv.pose.search import CROP_SCALE, Window, _bbox, _length

    upright, wall = _leaning(5.0), _leaning(42.0)  # a run's forward lean; a wall drill's
    assert _length(wall) == pytest.approx(240.0, abs=1)
    # upright: the box's longer side decides, as it always did
    box = _bbox(upright)
    assert Window.around(box, (720, 1280), _length(upright)).side == int(CROP_SCALE * (box[3] - box[1]))
    # leaning 42 deg: the box's longer side is 240 cos 42 = 178 px; the window is made for the 240 px body
    box = _bbox(wall)
    assert max(box[2] - box[0], box[3] - box[1]) == pytest.approx(178, abs=2)
    window = Window.around(box, (720, 1280), _length(wall))
    assert window.side == int(CROP_SCALE * 240.0)
    assert window.holds(box, _length(wall))
    assert Window.around(box, (720, 1280)).side == pytest.approx(CROP_SCALE * 178, abs=4)  # sized by the box


@pytest.mark.model
def test_a_small_athlete_leaning_at_the_wall_is_followed_in_a_crop_sized_by_their_length(tmp_path: Path) -> None:
    """A small athlete leaning 42 deg at the wall (randomised render ``wall_drill-1001``, 24 fps, a body 240 px long
    in 1280x720) spans much less of the picture's width or height than their length. On the machine the rule was
    made on, in a crop sized by their box the model found them in 1-2 of 156 frames, and the finder kept them only
    through fresh looks (half the frames, none in a crop); sized by their length, the crop's tracker keeps them.
    How often the box-sized crop fails differs between CPUs (another machine's run kept them in it), so only the
    rule's own promise is checked here; the window's size is checked exactly above."""
    import contextlib

    from kneedrive_cv.pose import estimate
    from kneedrive_cv.synth.randomise import render_random
    from kneedrive_cv.video import read_frames

    clip = tmp_path / "wall_drill-1001.mp4"
    render_random("wall_drill", 1001, clip)
    found = []
    with contextlib.ExitStack() as stack:
        finder = estimate._finder(stack, None, None)
        for k, (t_s, rgb) in enumerate(read_frames(clip, None, None, 0)):
            if k >= 60:
                break
            found.append(bool(finder(rgb, t_s)))
    first = found.index(True)  # searched for after 0.3 s unseen
    assert np.mean(found[first:]) > 0.95 and finder.counts["crop"] >= 0.9 * (len(found) - first)
