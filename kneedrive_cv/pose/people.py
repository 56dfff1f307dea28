"""Everyone in the frame: poses linked over time into people with stable ids, and the athlete chosen among them.

The pose model finds up to a few people in each frame, in no particular order. Each frame's poses are linked to
the people of the frames before by an optimal assignment (:func:`scipy.optimize.linear_sum_assignment`) on box
overlap and centre distance, gated by how far a person can move in the time between (:func:`continues`). A person
unseen for longer than :data:`MEMORY_S` ends; whoever appears later is a new person. Ids count from 1 in order of
first appearance, so the same clip always gives the same ids.

The athlete is the person doing the drill (:func:`choose_athlete`): seen whole for much of the clip, side-on, with
knees that rise and fall, not whoever is largest or first in view.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from kneedrive_cv.errors import UnknownAthleteError
from kneedrive_cv.landmarks import N_LANDMARKS, Landmark, Side, sided
from kneedrive_cv.pose.follow import centre_and_scale, continues, moves_on

Pose = tuple[np.ndarray, np.ndarray]  # (33, 4) landmarks in whole-frame pixels, (33, 3) world

#: Seconds a person may go unseen and still be linked to the poses that follow.
MEMORY_S = 1.0
#: A person seen beside the athlete in at most this many frames (and this share of their own) may still continue
#: the athlete: the frames where a tracker drifting off the athlete and a fresh look on them overlap.
BRIEF_OVERLAP = 3
BRIEF_OVERLAP_SHARE = 0.1
#: Two poses of one frame whose boxes overlap this much (intersection over union) are one person seen twice.
SAME_PERSON_IOU = 0.5
#: ... as are two whose shoulders and hips lie this close (mean distance over the torso's length): one body read
#: twice with its limbs placed differently (a leg thrown forward widens one box, so the boxes overlap less).
SAME_TORSO_SHARE = 0.25
#: ... as is a pose lying (this share of its box or more) inside another's box, under NESTED_AREA of its size, with
#: its hips within one of the other's torso lengths of the other's hips: the model fitting a second, smaller body
#: to part of one (a randomised high-knees render: a pose on the athlete's legs beside the athlete in 7 of the first
#: 20 frames, which kept the athlete's two halves of the clip from being joined and lost half its drives). Somebody
#: else whose hips lie that close inside the athlete's outline is hidden behind them.
NESTED_INSIDE = 0.9
NESTED_AREA = 0.5
_TORSO = [int(sided(s, p)) for p in ("SHOULDER", "HIP") for s in Side]  # shoulders, then hips
_KEY_PARTS = ("SHOULDER", "HIP", "KNEE", "ANKLE")
_KEY = [int(sided(s, p)) for s in Side for p in _KEY_PARTS]
_BOX = [int(sided(s, p)) for s in Side for p in (*_KEY_PARTS, "HEEL", "FOOT_INDEX", "EAR")]
#: A landmark counts as seen at or above this visibility.
_SEEN = 0.5


@dataclass(frozen=True, eq=False)
class People:
    """Everyone found in a clip, frame by frame.

    Attributes:
        landmarks_px: float32 (frames, slots, 33, 4), as :attr:`PoseTrack.landmarks_px`; NaN in empty slots.
        world_m: float32 (frames, slots, 33, 3), MediaPipe's world landmarks (m); NaN in empty slots.
        ids: int32 (frames, slots): the person in each slot, counting from 1; -1 in empty slots.

    """

    landmarks_px: np.ndarray
    world_m: np.ndarray
    ids: np.ndarray

    def __post_init__(self) -> None:
        n, slots = self.ids.shape
        if self.landmarks_px.shape != (n, slots, N_LANDMARKS, 4):
            raise ValueError(f"landmarks_px must be ({n}, {slots}, {N_LANDMARKS}, 4), got {self.landmarks_px.shape}")
        if self.world_m.shape != (n, slots, N_LANDMARKS, 3):
            raise ValueError(f"world_m must be ({n}, {slots}, {N_LANDMARKS}, 3), got {self.world_m.shape}")
        for a in (self.landmarks_px, self.world_m, self.ids):
            a.setflags(write=False)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def person_ids(self) -> list[int]:
        """Every person's id, in order of first appearance."""
        return sorted(int(i) for i in np.unique(self.ids) if i >= 0)

    def poses(self) -> list[list[Pose]]:
        """Each frame's poses, as the model found them (the people's ids left out): what :func:`link_people` takes."""
        return [[(self.landmarks_px[i, s], self.world_m[i, s]) for s in np.flatnonzero(self.ids[i] >= 0)]
                for i in range(len(self))]

    def of(self, *person_ids: int) -> tuple[np.ndarray, np.ndarray]:
        """(landmarks (frames, 33, 4), world (frames, 33, 3)) of these people; NaN elsewhere (one of two in a frame)."""
        lm = np.full((len(self), N_LANDMARKS, 4), np.nan, np.float32)
        world = np.full((len(self), N_LANDMARKS, 3), np.nan, np.float32)
        frames, slots = np.nonzero(np.isin(self.ids, person_ids))
        lm[frames] = self.landmarks_px[frames, slots]
        world[frames] = self.world_m[frames, slots]
        return lm, world


def _box(lm: np.ndarray) -> np.ndarray:
    xy = lm[_BOX, :2]
    return np.array([xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()], np.float64)


def _area(box: np.ndarray) -> float:
    return float(max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0))


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Area two boxes share (pixels squared)."""
    return _area(np.array([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])]))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = _overlap(a, b)
    if inter <= 0:
        return 0.0
    union = _area(a) + _area(b) - inter
    return float(inter / union) if union > 0 else 0.0


def _one_body(a: np.ndarray, b: np.ndarray) -> bool:
    """Two poses of one frame are one person: their boxes overlap, or their torsos lie on one another."""
    if _iou(_box(a), _box(b)) >= SAME_PERSON_IOU:
        return True
    ta, tb = a[_TORSO, :2], b[_TORSO, :2]
    length = 0.5 * sum(float(np.linalg.norm(t[:2].mean(axis=0) - t[2:].mean(axis=0))) for t in (ta, tb))
    return length > 0 and float(np.mean(np.linalg.norm(ta - tb, axis=1))) < SAME_TORSO_SHARE * length


def _part_of(small: np.ndarray, big: np.ndarray) -> bool:
    """Whether the pose ``small`` is the model's fit to part of the body of ``big`` (see :data:`NESTED_INSIDE`)."""
    bs, bb = _box(small), _box(big)
    if not 0 < _area(bs) <= NESTED_AREA * _area(bb):
        return False
    if _overlap(bs, bb) < NESTED_INSIDE * _area(bs):
        return False
    hips_small, hips_big = (xy[_TORSO[2:]].mean(axis=0) for xy in (small[:, :2], big[:, :2]))
    torso = float(centre_and_scale(big[None, :, :2].astype(np.float64))[1][0])
    return bool(np.linalg.norm(hips_small - hips_big) <= torso)


def _distinct(poses: list[Pose]) -> list[Pose]:
    """The poses of one frame with duplicates of one person dropped (the better-seen one kept).

    A pose fitted to part of another's body (:func:`_part_of`) goes first, however well seen: the whole body is
    the person.
    """
    poses = [p for p in poses if not any(q is not p and _part_of(p[0], q[0]) for q in poses)]
    order = sorted(poses, key=lambda p: -float(np.mean(p[0][:, 3])))
    kept: list[Pose] = []
    for pose in order:
        if not any(_one_body(pose[0], k[0]) for k in kept):
            kept.append(pose)
    return kept


#: A person's size is judged by the median torso of this many of their latest poses, so one glitched frame (a
#: torso read far too short, say) does not cut them in two.
_RECENT = 3


@dataclass(frozen=True)
class _Seen:
    """One pose of a person being linked: when, its box, and its centre and torso length (pixels)."""

    t_s: float
    box: np.ndarray
    centre: np.ndarray
    torso_px: float


@dataclass
class _Open:
    """A person still being linked: their id and latest poses, newest last."""

    person_id: int
    recent: list[_Seen]

    @property
    def t_s(self) -> float:
        """When the person was last seen."""
        return self.recent[-1].t_s

    def seen(self, pose: _Seen) -> None:
        """The person was found again."""
        self.recent = [*self.recent[-(_RECENT - 1):], pose]


def _cost(person: _Open, pose: _Seen) -> float:
    """How unlike ``person`` a pose is (inf where it cannot be them).

    Judged from where they were last, at their usual size: the median torso of their latest poses, so that
    one pose read with the torso far too short (or too long) does not cut them in two.
    """
    last = person.recent[-1]
    torso = float(np.median([p.torso_px for p in person.recent]))
    if not moves_on(last.centre, pose.centre, pose.torso_px, pose.t_s - last.t_s, torso):
        return np.inf
    return (1.0 - _iou(last.box, pose.box)) + float(np.linalg.norm(pose.centre - last.centre)) / max(torso, 1.0)


def link_people(frames: list[list[Pose]], t_s: np.ndarray) -> People:
    """Link each frame's poses into people over time.

    Args:
        frames: per frame, the poses found (whole-frame pixels), in any order.
        t_s: (frames,) times in seconds.

    """
    slots = max([len(_distinct(p)) for p in frames] + [1])
    n = len(frames)
    lm = np.full((n, slots, N_LANDMARKS, 4), np.nan, np.float32)
    world = np.full((n, slots, N_LANDMARKS, 3), np.nan, np.float32)
    ids = np.full((n, slots), -1, np.int32)
    open_: list[_Open] = []
    next_id = 1
    for i, poses in enumerate(frames):
        t = float(t_s[i])
        open_ = [p for p in open_ if t - p.t_s <= MEMORY_S]
        found = _distinct(poses)
        centres, torsos = (centre_and_scale(np.stack([f[0][:, :2] for f in found]).astype(np.float64)) if found
                           else (np.zeros((0, 2)), np.zeros(0)))
        seen = [_Seen(t, _box(f[0]), c, float(s)) for f, c, s in zip(found, centres, torsos, strict=True)]
        cost = np.array([[_cost(p, s) for s in seen] for p in open_])
        taken: dict[int, int] = {}
        if cost.size:
            rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, 1e9))
            taken = {int(c): int(r) for r, c in zip(rows, cols, strict=True) if np.isfinite(cost[r, c])}
        # slots in order of the people's ids, so a person keeps to one slot while others come and go
        placed = []
        for j, (pose, this) in enumerate(zip(found, seen, strict=True)):
            if j in taken:
                person = open_[taken[j]]
                person.seen(this)
            else:
                person = _Open(next_id, [this])
                open_.append(person)
                next_id += 1
            placed.append((person.person_id, pose))
        for slot, (pid, pose) in enumerate(sorted(placed, key=lambda p: p[0])):
            lm[i, slot], world[i, slot], ids[i, slot] = pose[0], pose[1], pid
    return People(lm, world, ids)


@dataclass(frozen=True)
class Person:
    """What is seen of one person over a clip, for listing people and choosing the athlete.

    Attributes:
        id: the person's id (see :class:`People`).
        t_start_s, t_end_s: first and last time they were seen.
        frames: frames they were seen in; ``share`` of the clip's frames.
        height_px: median height of their box (ears to feet) in pixels.
        whole_body: median share of shoulders, hips, knees and ankles seen and inside the picture (0-1).
        width_ratio: median shoulder and hip width over torso length (near 0 side-on, about 0.7 front-on).
        side_on: 1 side-on, 0 front-on (from ``width_ratio``).
        knee_range: how far the knees rise and fall against the hips, in torso lengths (10th to 90th percentile
            of both knees' height above the hips): about 0.1 standing or in jumping jacks, 0.2 walking, 0.5
            running, 0.9 or more in knee drives and holds.
        score: the athlete score of :func:`choose_athlete`.

    """

    id: int
    t_start_s: float
    t_end_s: float
    frames: int
    share: float
    height_px: float
    whole_body: float
    width_ratio: float
    side_on: float
    knee_range: float
    score: float

    def as_dict(self) -> dict[str, float | int]:
        """Plain dict for people.json, rounded."""
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


#: A front-on person (width ratio at or past this) counts as not side-on at all.
_FRONT_RATIO = 0.6
#: The knees' part of the athlete score is this plus their range, so a still athlete (a hold seen only held)
#: still counts for their presence and view.
_KNEE_FLOOR = 0.2


def _pt(xy: np.ndarray, lm: Landmark) -> np.ndarray:
    return xy[:, int(lm)]


def describe(people: People, t_s: np.ndarray, frame_size: tuple[int, int]) -> list[Person]:
    """Every person's :class:`Person`, by id."""
    width, height = frame_size
    out = []
    for pid in people.person_ids:
        lm, _ = people.of(pid)
        seen = ~np.isnan(lm[:, 0, 0])
        lm = lm[seen]
        xy, vis = lm[:, :, :2].astype(np.float64), lm[:, :, 3]
        inside = (xy[:, :, 0] >= 0) & (xy[:, :, 0] < width) & (xy[:, :, 1] >= 0) & (xy[:, :, 1] < height)
        whole = float(np.median(np.mean((vis[:, _KEY] >= _SEEN) & inside[:, _KEY], axis=1)))
        mid_sh = (_pt(xy, Landmark.LEFT_SHOULDER) + _pt(xy, Landmark.RIGHT_SHOULDER)) / 2
        mid_hip = (_pt(xy, Landmark.LEFT_HIP) + _pt(xy, Landmark.RIGHT_HIP)) / 2
        torso = np.maximum(np.linalg.norm(mid_sh - mid_hip, axis=1), 1.0)
        widths = (np.abs(_pt(xy, Landmark.LEFT_SHOULDER)[:, 0] - _pt(xy, Landmark.RIGHT_SHOULDER)[:, 0])
                  + np.abs(_pt(xy, Landmark.LEFT_HIP)[:, 0] - _pt(xy, Landmark.RIGHT_HIP)[:, 0])) / 2
        ratio = float(np.median(widths / torso))
        lifts = np.concatenate([(mid_hip[:, 1] - _pt(xy, sided(s, "KNEE"))[:, 1]) / torso for s in Side])
        knee_range = float(np.percentile(lifts, 90) - np.percentile(lifts, 10))
        boxes = np.array([_box(p) for p in lm])
        side_on = float(np.clip(1.0 - ratio / _FRONT_RATIO, 0.0, 1.0))
        share = float(seen.sum() / max(len(people), 1))
        times = t_s[seen]
        out.append(Person(pid, float(times[0]), float(times[-1]), int(seen.sum()), share,
                          float(np.median(boxes[:, 3] - boxes[:, 1])), whole, ratio, side_on, knee_range,
                          share * whole * (0.1 + side_on) * (_KNEE_FLOOR + min(knee_range, 1.5))))
    return out


#: How the athlete is chosen, in words (reports and the README say the same).
CHOICE_RULE = ("the person seen whole for the largest share of the clip, side-on, with the knees most active "
               "(score = share of frames x whole-body share x (0.1 + side-on) x (0.2 + knee range))")


@dataclass(frozen=True)
class AthleteChoice:
    """Whom the analysis follows, and why (report.json's ``athlete``)."""

    id: int
    chosen_by: str  # "auto" or "given"
    why: str
    others_seen: int
    joined: tuple[int, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        """Plain dict for report.json."""
        return {"id": self.id, "chosen_by": self.chosen_by, "why": self.why, "others_seen": self.others_seen,
                "joined_ids": list(self.joined)}


def _xy_at(people: People, frame: int, person_ids: list[int]) -> np.ndarray:
    """(33, 2) pixels of whichever of these people is seen in ``frame``."""
    slot = int(np.flatnonzero(np.isin(people.ids[frame], person_ids))[0])
    return people.landmarks_px[frame, slot, :, :2]


#: A tracker drifting off the athlete before it loses them can shrink onto part of the body (a steep wall drill,
#: randomised render seed 6008: the torso read 100 px, then 41-46 px over its last 0.15 s; later in the same clip
#: 40-77 px for 0.32 s, which a median over 0.5 s did not see past), and the fresh look that finds them again at
#: their true size, judged against that last pose, was someone else. Where the last pose's torso is under
#: SHRUNK_SHARE of the median over the JOIN_TORSO_S before it, that median is the size judged by.
JOIN_TORSO_S = 1.0
SHRUNK_SHARE = 0.65


def _shrunk_from(people: People, t_s: np.ndarray, frames: np.ndarray, person_ids: list[int]) -> float | None:
    """The usual torso (pixels) of a person whose last pose in ``frames`` is shrunk well below it; else None."""
    last = frames[t_s[frames] >= t_s[frames[-1]] - JOIN_TORSO_S]
    torsos = np.array([centre_and_scale(_xy_at(people, int(f), person_ids)[None])[1][0] for f in last], float)
    usual = float(np.nanmedian(torsos)) if np.isfinite(torsos).any() else float("nan")
    return usual if np.isfinite(usual) and torsos[-1] < SHRUNK_SHARE * usual else None


def continuing(people: People, t_s: np.ndarray, person_id: int) -> tuple[int, ...]:
    """``person_id`` and the people who continue them, before, after or in a gap, hardly ever seen beside them.

    A person lost for longer than :data:`MEMORY_S` (hidden, turned away, missed by the model), or whose pose
    jumped for a while, comes back under a new id. Another person who is seen in the same frame as them at most
    :data:`BRIEF_OVERLAP` times (a tracker drifting off the athlete while a fresh look finds them again), and who
    continues from where they were just before (or leads to where they are just after: near enough for the time
    between, about the same size), is taken for them; the nearest in time first. The size is the last pose's
    before the gap, or the usual one where that pose had shrunk well below it (:data:`SHRUNK_SHARE`).
    """
    frames_of = {pid: np.flatnonzero((people.ids == pid).any(axis=1)) for pid in people.person_ids}
    chain = [person_id]
    used = np.zeros(len(people), bool)
    used[frames_of[person_id]] = True
    while True:
        best: tuple[float, int] | None = None
        for pid, fr in frames_of.items():
            if pid in chain or np.count_nonzero(used[fr]) > min(BRIEF_OVERLAP, BRIEF_OVERLAP_SHARE * len(fr)):
                continue
            first, last = int(fr[0]), int(fr[-1])
            gaps = []
            before = np.flatnonzero(used[:first])
            if len(before) and continues(_xy_at(people, int(before[-1]), chain), _xy_at(people, first, [pid]),
                                         float(t_s[first] - t_s[before[-1]]), _shrunk_from(people, t_s, before, chain)):
                gaps.append(float(t_s[first] - t_s[before[-1]]))
            after = np.flatnonzero(used[last + 1:]) + last + 1
            if len(after) and continues(_xy_at(people, last, [pid]), _xy_at(people, int(after[0]), chain),
                                        float(t_s[after[0]] - t_s[last]), _shrunk_from(people, t_s, fr, [pid])):
                gaps.append(float(t_s[after[0]] - t_s[last]))
            if gaps and (best is None or min(gaps) < best[0]):
                best = (min(gaps), pid)
        if best is None:
            return tuple(chain)
        chain.append(best[1])
        used[frames_of[best[1]]] = True


def athlete_of(people: People, t_s: np.ndarray, frame_size: tuple[int, int], athlete: int | None = None
               ) -> tuple[np.ndarray, np.ndarray, AthleteChoice | None]:
    """The athlete's landmarks (frames, 33, 4), world landmarks and who they are.

    Args:
        people: everyone seen.
        t_s: (frames,) times.
        frame_size: (width, height) of the pictures.
        athlete: a person's id to take as the athlete; None to choose by :data:`CHOICE_RULE`.

    Raises:
        UnknownAthleteError: ``athlete`` is not one of the people seen.

    """
    persons = describe(people, t_s, frame_size)
    if athlete is None:
        ranked = sorted(persons, key=lambda p: (-p.score, p.id))
        if not ranked:
            lm, world = people.of()
            return lm, world, None
        pid, chosen_by = ranked[0].id, "auto"
        why = f"{CHOICE_RULE}: person {pid} scored {ranked[0].score:.2f}"
        if len(ranked) > 1:
            why += f", the next (person {ranked[1].id}) {ranked[1].score:.2f}"
    else:
        if athlete not in {p.id for p in persons}:
            seen = ", ".join(str(p.id) for p in persons) or "nobody"
            raise UnknownAthleteError(f"there is no person {athlete} in this clip; the people seen are {seen} "
                                      "(`kneedrive people CLIP --out DIR` lists them with a picture of each)")
        pid, chosen_by, why = athlete, "given", "chosen by the user"
    chain = continuing(people, t_s, pid)
    lm, world = _chained(people, chain)
    return lm, world, AthleteChoice(pid, chosen_by, why, len(persons) - len(chain), chain[1:])


def _chained(people: People, chain: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The landmarks of a chain of people (see :func:`continuing`), one pose a frame.

    Where two of them are seen in the same frames (a brief overlap), the one seen just after those frames is taken
    throughout them, as the one the chain goes on with (else the one seen just before; else the first in the chain).
    """
    lm, world = people.of(*chain)
    seen = np.isin(people.ids, chain)
    edges = np.diff(np.concatenate([[0], (seen.sum(axis=1) > 1).astype(np.int64), [0]]))
    for a, b in zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True):
        ids = [int(people.ids[a, s]) for s in np.flatnonzero(seen[a]).tolist()]
        pid = min(ids, key=lambda x: (not (b < len(people) and x in people.ids[b]),
                                      not (a > 0 and x in people.ids[a - 1]), chain.index(x)))
        for i in range(a, b):
            slot = np.flatnonzero(people.ids[i] == pid)
            if len(slot):
                lm[i], world[i] = people.landmarks_px[i, slot[0]], people.world_m[i, slot[0]]
    return lm, world
