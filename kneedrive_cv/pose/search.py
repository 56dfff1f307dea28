"""Find and follow an athlete the whole-frame detector misses: small in the frame, far across a track.

The pose model's person detector sees the whole frame shrunk to 224 pixels, so an athlete 150 pixels tall in a
1280x720 frame shrinks to about 25 and is missed, or a "ghost" is found in the trees. When the whole frame gives
no plausible athlete for a while, overlapping tiles are searched with a single-image estimator; once found, the
athlete is tracked inside a crop window that follows them (moved only when they drift off-centre, so the
tracker's own region of interest stays valid). Clips where the athlete is found in the whole frame pay nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.landmarks import Side, sided

Pose = tuple[np.ndarray, np.ndarray]  # (33, 4) landmarks in pixels of the image given, (33, 3) world
#: An estimator: the poses found in a picture (RGB) at a time (seconds).
Estimate = Callable[[np.ndarray, float], list[Pose]]

_PARTS = ("SHOULDER", "HIP", "KNEE", "ANKLE")
#: Each of shoulder, hip, knee and ankle must be seen (on at least one side) at this visibility.
PLAUSIBLE_VISIBILITY = 0.5
#: Seconds without a plausible athlete before the tiles are searched, and between searches.
SEARCH_AFTER_S = 0.3
SEARCH_EVERY_S = 0.5
#: A finder starting a later span of the clip (each span starts one afresh) expects the athlete, who was in
#: view at the end of the span before: until it finds them it searches after this long, then every
#: SEARCH_AFTER_S. Waiting 0.3 s there lost a drive at each span's start where the whole frame misses a small
#: athlete. It still gives the whole frame a few frames: its tracker may need a second frame to lock on to an
#: athlete large enough for it, and tracking in the whole frame keeps them better than a crop does. At the
#: clip's own start, where the athlete may be walking in, the usual wait stays (searching early there changed
#: which frames a small sprinter was first found in, and so every landmark the tracker gave after them).
SEARCH_FIRST_S = 0.1
#: A pose whose trunk (mid-hip to mid-shoulder) points further than this from the picture's up is upside down.
#: The tracker can lock on to a person upside down (its crop turned half a turn, each frame's landmarks placing the
#: next frame's crop the same way) and draw a pose with high visibility across their body or the objects around:
#: on a treadmill runner shrunk to 300 px, 97 % of such ghosts' trunks pointed 135-180 deg from up. Real trunks in
#: every shared and rendered clip point at most 122 deg from up (a crouched sprint start's set position).
UPSIDE_DOWN_DEG = 135.0
#: An upside-down pose that a fresh single-picture look at the same place also finds upside down is believed (a
#: clip stored upside down, a handstand) for this long before it is checked again; and a look that found nobody
#: is not repeated sooner than this.
TRUST_S = 0.5
RECHECK_S = 0.1
#: Crop side as a multiple of the athlete's height, and the size crops are scaled to for the model.
CROP_SCALE = 1.8
CROP_PX = 384


def plausible(landmarks: np.ndarray) -> bool:
    """A pose whose trunk and legs were actually seen (not a ghost in the background)."""
    vis = landmarks[:, 3]
    return all(max(vis[int(sided(s, p))] for s in Side) >= PLAUSIBLE_VISIBILITY for p in _PARTS)


def trunk_deg(landmarks: np.ndarray) -> float:
    """Where the pose's trunk (mid-hip to mid-shoulder) points, degrees clockwise from the picture's up (-180-180)."""
    xy = landmarks[:, :2].astype(np.float64)
    shoulders = (xy[int(sided(Side.LEFT, "SHOULDER"))] + xy[int(sided(Side.RIGHT, "SHOULDER"))]) / 2
    hips = (xy[int(sided(Side.LEFT, "HIP"))] + xy[int(sided(Side.RIGHT, "HIP"))]) / 2
    dx, dy = shoulders - hips
    return float(np.degrees(np.arctan2(dx, -dy)))


def upside_down(landmarks: np.ndarray) -> bool:
    """Whether the pose's trunk points down the picture (see :data:`UPSIDE_DOWN_DEG`)."""
    return abs(trunk_deg(landmarks)) > UPSIDE_DOWN_DEG


def _best(poses: list[Pose]) -> Pose | None:
    """The plausible pose seen best (upright before upside down, then highest mean visibility), or None."""
    good = [p for p in poses if plausible(p[0])]
    return max(good, key=lambda p: (not upside_down(p[0]), float(np.mean(p[0][:, 3])))) if good else None


def _hw(frame: np.ndarray) -> tuple[int, int]:
    return int(frame.shape[0]), int(frame.shape[1])


_BODY = [int(sided(s, p)) for s in Side for p in (*_PARTS, "HEEL", "FOOT_INDEX", "EAR")]


def _bbox(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    xy = landmarks[_BODY, :2]
    return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _length(landmarks: np.ndarray) -> float:
    """The body's length whichever way it lies: the longest distance between two of its parts (ears to feet).

    A leaning body (a wall drill's 45-60 deg) spans less of the picture's width or height than its length, and a
    crop sized by its box leaves the model too little room to find it (:meth:`Window.around`).
    """
    xy = landmarks[_BODY, :2].astype(np.float64)
    return float(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)).max())


#: A body whose length is over this many times its box's longer side leans (1.25: about 37 deg from upright, or
#: from lying flat) and is sized by its length; an upright athlete keeps the crop they always had. On the randomised
#: renders' true poses the ratio is at most 1.15 (99th percentile) for runs, walks, high knees, holds and piston
#: and pocket runs (a stride's back foot), and 1.22 at the median, 1.36 at the 95th percentile for wall drills.
LEANING_LENGTH_SHARE = 1.25


def _size(bbox: tuple[float, float, float, float], length: float) -> float:
    """A person's size for their crop: their box's longer side, or their ``length`` where they lean."""
    x0, y0, x1, y1 = bbox
    side = max(x1 - x0, y1 - y0)
    return length if length > LEANING_LENGTH_SHARE * side else side


def _resize(image: np.ndarray, size: int) -> np.ndarray:
    """Nearest-neighbour resize (the pose model resamples its input again; this module stays free of cv2)."""
    h, w = image.shape[:2]
    ys = (np.arange(size) * h / size).astype(int)
    xs = (np.arange(size) * w / size).astype(int)
    return np.ascontiguousarray(image[ys][:, xs])


@dataclass
class Window:
    """A square crop of the frame: left, top, side (pixels)."""

    x0: int
    y0: int
    side: int

    def crop(self, frame: np.ndarray, only: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """The crop scaled to the model's working size; with ``only`` (a box in frame pixels), black outside it."""
        h, w = _hw(frame)
        pad = np.zeros((self.side, self.side, 3), frame.dtype)
        xa, ya = max(self.x0, 0), max(self.y0, 0)
        xb, yb = min(self.x0 + self.side, w), min(self.y0 + self.side, h)
        if only is not None:
            xa, ya = max(xa, int(only[0])), max(ya, int(only[1]))
            xb, yb = min(xb, int(np.ceil(only[2]))), min(yb, int(np.ceil(only[3])))
        if xb > xa and yb > ya:
            pad[ya - self.y0:yb - self.y0, xa - self.x0:xb - self.x0] = frame[ya:yb, xa:xb]
        return _resize(pad, CROP_PX)

    def to_frame(self, landmarks: np.ndarray) -> np.ndarray:
        """Landmarks found in the scaled crop, in pixels of the whole frame."""
        out = landmarks.copy()
        k = self.side / CROP_PX
        out[:, 0] = self.x0 + landmarks[:, 0] * k
        out[:, 1] = self.y0 + landmarks[:, 1] * k
        out[:, 2] = landmarks[:, 2] * k
        return out

    @classmethod
    def around(cls, bbox: tuple[float, float, float, float], frame_hw: tuple[int, int],
               length: float = 0.0) -> Window:
        """A window centred on a person's box, CROP_SCALE times their size.

        The size is the box's longer side, or the body's ``length`` (:func:`_length`) where they lean
        (:func:`_size`): a body leaning 45-60 deg spans much less of either than its length, and in a window sized
        by its box the model found a small wall-drill athlete in 1-2 of 156 frames where sized by its length it
        tracked them in every one (randomised render ``wall_drill-1001``).
        """
        x0, y0, x1, y1 = bbox
        side = int(max(CROP_SCALE * _size(bbox, length), 160))
        side = min(side, max(frame_hw))
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return cls(int(cx - side / 2), int(cy - side / 2), side)

    def wider(self) -> Window:
        """The window twice as large, about the same centre."""
        return Window(self.x0 - self.side // 2, self.y0 - self.side // 2, 2 * self.side)

    def holds(self, bbox: tuple[float, float, float, float], length: float = 0.0) -> bool:
        """The person is still well inside the window and about the size it was made for (see :meth:`around`)."""
        x0, y0, x1, y1 = bbox
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        size = _size(bbox, length) * CROP_SCALE
        inner = self.side * 0.25
        centred = (self.x0 + inner <= cx <= self.x0 + self.side - inner
                   and self.y0 + inner <= cy <= self.y0 + self.side - inner)
        return centred and 0.75 * self.side <= size <= 1.3 * self.side


def tiles(frame_hw: tuple[int, int]) -> list[Window]:
    """Overlapping square tiles, half the frame's shorter side, at half-tile steps."""
    h, w = frame_hw
    side = max(min(h, w) // 2, 160)
    step = side // 2
    xs = list(range(0, max(w - side, 0) + 1, step)) or [0]
    ys = list(range(0, max(h - side, 0) + 1, step)) or [0]
    if xs[-1] + side < w:
        xs.append(w - side)
    if ys[-1] + side < h:
        ys.append(h - side)
    return [Window(x, y, side) for y in ys for x in xs]


@dataclass
class AthleteFinder:
    """Per-frame poses of the people in view, in whole-frame pixels, searching tiles when the whole frame fails.

    Everyone plausible the whole-frame estimator finds is returned. When it finds nobody for a while, the tiles
    are searched for one small athlete, who is then followed alone in a crop window until lost.

    A tracked pose upside down (:func:`upside_down`) is checked by a fresh single-picture look around it: a
    tracker locked on to a person upside down draws a ghost across them, which the look finds standing the
    right way up; that pose is taken instead and the athlete followed in a crop window from there. Where the
    look finds them upside down too, the pose is believed for :data:`TRUST_S`.

    Args:
        whole: tracking estimator fed whole frames (it looks for several people).
        cropped: tracking estimator fed crop windows (a separate instance: its tracking state is in crop
            coordinates).
        single: single-image estimator used to search tiles.
        expect_athlete: the athlete was in view just before the first frame (a later span of a clip).

    """

    whole: Estimate
    cropped: Estimate
    single: Estimate
    expect_athlete: bool = False
    window: Window | None = None
    lost_since: float | None = None
    last_search: float = -np.inf
    found_once: bool = False
    trusted_until: float = -np.inf
    checked_at: float = -np.inf
    counts: dict[str, int] = field(default_factory=lambda: {"whole": 0, "crop": 0, "searches": 0, "ghosts": 0})

    def __call__(self, frame: np.ndarray, t_s: float) -> list[Pose]:
        """The people's landmarks in this frame (whole-frame pixels); empty when nobody was found."""
        found = self._find(frame, t_s)
        self.found_once = self.found_once or bool(found)
        return found

    def _find(self, frame: np.ndarray, t_s: float) -> list[Pose]:
        hw = _hw(frame)
        if self.window is not None:
            found = _best(self.cropped(self.window.crop(frame), t_s))
            if found is not None and self._doubted(found[0], t_s):
                found = None  # the crop's tracker is on them upside down: look afresh
            if found is not None:
                lm = self.window.to_frame(found[0])
                self.counts["crop"] += 1
                box, length = _bbox(lm), _length(lm)
                if not self.window.holds(box, length):
                    self.window = Window.around(box, hw, length)
                self.lost_since = None
                return [(lm, found[1])]
            nearby = self._look_in(self.window.wider(), frame, t_s)
            if nearby is not None:
                return [nearby]
            self.lost_since = t_s if self.lost_since is None else self.lost_since
            if t_s - self.lost_since < SEARCH_EVERY_S:
                return []
            self.window = None  # lost for a while: back to the whole frame, then search again
        poses = self.whole(frame, t_s)
        people = self._believed([p for p in poses if plausible(p[0])], frame, t_s)
        if self.window is not None:  # a fresh look found the athlete the right way up: followed in a crop now
            return people
        if people:
            self.counts["whole"] += 1
            self.lost_since = None
            return people
        if poses:
            self.counts["ghosts"] += 1
        self.lost_since = t_s if self.lost_since is None else self.lost_since
        if self.expect_athlete and not self.found_once:
            due = t_s - self.lost_since >= SEARCH_FIRST_S and t_s - self.last_search >= SEARCH_AFTER_S
        else:
            due = t_s - self.lost_since >= SEARCH_AFTER_S and t_s - self.last_search >= SEARCH_EVERY_S
        if due:
            self.last_search = t_s
            found = self._search(frame, t_s)
            return [found] if found is not None else []
        return []

    def _doubted(self, landmarks: np.ndarray, t_s: float) -> bool:
        """An upside-down pose not lately confirmed by a fresh look."""
        return t_s >= self.trusted_until and upside_down(landmarks)

    def _believed(self, people: list[Pose], frame: np.ndarray, t_s: float) -> list[Pose]:
        """The whole frame's people, without those tracked upside down unless a fresh look agrees.

        When only doubted poses are left, the first is looked at afresh (at most every :data:`RECHECK_S`): found
        the right way up, that pose is returned and ``window`` is set to follow it.
        """
        doubted = [p for p in people if self._doubted(p[0], t_s)]
        if not doubted:
            return people
        self.counts["upside_down"] = self.counts.get("upside_down", 0) + len(doubted)
        kept = [p for p in people if all(p is not d for d in doubted)]
        if kept or t_s - self.checked_at < RECHECK_S:
            return kept
        self.checked_at = t_s
        pose = doubted[0][0]
        fresh = self._look_in(Window.around(_bbox(pose), _hw(frame), _length(pose)).wider(), frame, t_s)
        if fresh is None:
            return []
        return [fresh] if self.window is not None else doubted  # upside down there too: believed

    def _look_in(self, wider: Window, frame: np.ndarray, t_s: float) -> Pose | None:
        """Re-detect in ``wider``, around where the athlete was, and follow them in a crop window from there.

        They moved fast, changed shape, or were tracked upside down. A pose found upside down there too is
        believed for :data:`TRUST_S`; it is followed in a crop window only if one was in use already.
        """
        found = _best(self.single(wider.crop(frame), t_s))
        if found is None:
            return None
        lm = wider.to_frame(found[0])
        self.counts["nearby"] = self.counts.get("nearby", 0) + 1
        if upside_down(lm):
            self.trusted_until = t_s + TRUST_S
            if self.window is None:
                return lm, found[1]
        self.window = Window.around(_bbox(lm), _hw(frame), _length(lm))
        self.lost_since = None
        return lm, found[1]

    def _search(self, frame: np.ndarray, t_s: float) -> Pose | None:
        self.counts["searches"] += 1
        best: tuple[float, Window, Pose] | None = None
        for tile in tiles(_hw(frame)):
            found = _best(self.single(tile.crop(frame), t_s))
            if found is None:
                continue
            score = float(np.mean(found[0][:, 3]))
            if best is None or score > best[0]:
                best = (score, tile, found)
        if best is None:
            return None
        _, tile, (lm, world) = best
        lm = tile.to_frame(lm)
        self.window = Window.around(_bbox(lm), _hw(frame), _length(lm))
        self.lost_since = None
        return lm, world


#: Most people looked for in a frame.
MAX_PEOPLE = 4
#: A person's box widened by this share of its size each way is where they are looked for in the next frame.
_REACH = 0.35
#: A pose whose box overlaps a person's last box this much (intersection over union) is that person.
_SAME_IOU = 0.3


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union if union > 0 else 0.0


def _widened(box: tuple[float, float, float, float], share: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    mx, my = share * (x1 - x0) + 4, share * (y1 - y0) + 4
    return x0 - mx, y0 - my, x1 + mx, y1 + my


@dataclass
class CropFollower:
    """One person looked for, frame by frame, in a crop around where they were last seen, until lost.

    The crop shows nothing beyond the person's last box widened by :data:`_REACH`, so the model cannot take
    somebody beside them for them. A person unseen for SEARCH_EVERY_S is let go (``window`` becomes None).
    """

    cropped: Estimate
    window: Window | None
    box: tuple[float, float, float, float]
    lost_since: float | None = None

    def __call__(self, frame: np.ndarray, t_s: float) -> Pose | None:
        """The person's landmarks in this frame (whole-frame pixels), or None."""
        if self.window is None:
            return None
        found = _best(self.cropped(self.window.crop(frame, _widened(self.box, _REACH)), t_s))
        if found is not None:
            lm = self.window.to_frame(found[0])
            self.seen(lm, _hw(frame))
            return lm, found[1]
        self.lost_since = t_s if self.lost_since is None else self.lost_since
        if t_s - self.lost_since >= SEARCH_EVERY_S:
            self.window = None  # gone
        return None

    def seen(self, landmarks: np.ndarray, frame_hw: tuple[int, int]) -> None:
        """The person was found (by this follower or in the whole frame) with these landmarks."""
        self.box, length = _bbox(landmarks), _length(landmarks)
        if self.window is None or not self.window.holds(self.box, length):
            self.window = Window.around(self.box, frame_hw, length)
        self.lost_since = None

    @classmethod
    def on(cls, cropped: Estimate, landmarks: np.ndarray, frame_hw: tuple[int, int]) -> CropFollower:
        """A follower starting on the person of these landmarks (whole-frame pixels)."""
        box = _bbox(landmarks)
        return cls(cropped, Window.around(box, frame_hw, _length(landmarks)), box)


#: The whole frame is searched for people in every frame for this long at the start, then every LOOK_EVERY_S.
FIRST_LOOK_S = 0.1
LOOK_EVERY_S = 0.5

#: A tracking estimator for one person's crop, and what releases it.
Tracker = tuple[Estimate, Callable[[], None]]

#: A frame more than this many times as wide as it is high (or high as wide) is looked over in overlapping parts of
#: a phone's landscape shape, PART_ASPECT: the person detector sees a square picture, so two clips side by side
#: (or a panorama) would shrink everyone in them to a strip a quarter of their size, and lose the smaller ones.
WIDE_ASPECT = 2.0
PART_ASPECT = 16 / 9
#: Neighbouring parts overlap by at least this share of a part, so a person across a seam is whole in one.
PART_OVERLAP = 0.25
#: A pose within this share of a part of its edge inside the frame is taken as cut by that edge.
SEAM_SHARE = 0.01


def look_across(look: Estimate, frame: np.ndarray, t_s: float) -> list[Pose]:
    """Everyone ``look`` finds in the frame, looked for in overlapping parts where the frame is very wide or tall.

    Poses come back in whole-frame pixels. A pose reaching a part's edge inside the frame is a person cut by it,
    whole in the neighbouring part (the parts overlap by more than a person's width), and is left to that part; a
    person found whole in two parts is kept once (the first part's pose).
    """
    h, w = _hw(frame)
    across = w >= h
    long, short = (w, h) if across else (h, w)
    if long <= WIDE_ASPECT * short:
        return list(look(frame, t_s))
    part = round(PART_ASPECT * short)
    n = int(np.ceil((long - part) / (part * (1 - PART_OVERLAP)))) + 1
    poses: list[Pose] = []
    axis, seam = (0 if across else 1), SEAM_SHARE * part
    for start in np.linspace(0, long - part, n).round().astype(int):
        piece = frame[:, start:start + part] if across else frame[start:start + part]
        for lm, world in look(np.ascontiguousarray(piece), t_s):
            box = _bbox(lm)
            lo, hi = box[axis], box[axis + 2]
            if (start > 0 and lo < seam) or (start + part < long and hi > part - seam):
                continue  # cut by the part's edge
            lm = lm.copy()
            lm[:, axis] += start
            if all(_iou(_bbox(lm), _bbox(p[0])) <= _SAME_IOU for p in poses):
                poses.append((lm, world))
    return poses


@dataclass
class PeopleFinder:
    """Everyone in view, frame by frame, at about the cost of tracking one person.

    One whole-frame tracker (``main``) follows one person. A single-picture pass over the whole frame (in parts
    where it is very wide: :func:`look_across`) that finds up to :data:`MAX_PEOPLE` (``look``) runs in every frame
    for the first :data:`FIRST_LOOK_S` seconds and then every :data:`LOOK_EVERY_S`; each other person it finds is
    tracked in a crop of their own (a :class:`CropFollower` with a tracker from ``new_tracker``) until lost, or
    until the main tracker is on them.
    (Asking MediaPipe's video mode for several people instead runs its person detector on every frame while
    fewer are in view, about two thirds more a frame.)
    """

    main: Estimate
    look: Estimate
    new_tracker: Callable[[], Tracker]
    followers: list[tuple[CropFollower, Callable[[], None]]] = field(default_factory=list)
    started_at: float | None = None
    looked_at: float = -np.inf

    def __call__(self, frame: np.ndarray, t_s: float) -> list[Pose]:
        """Everyone found in this frame (whole-frame pixels; plausible or not)."""
        hw = _hw(frame)
        self.started_at = t_s if self.started_at is None else self.started_at
        poses = list(self.main(frame, t_s))
        for follower, release in list(self.followers):
            taken = any(_iou(follower.box, _bbox(p[0])) > _SAME_IOU for p in poses)
            found = None if taken else follower(frame, t_s)
            if found is not None:
                poses.append(found)
            elif taken or follower.window is None:
                self.followers.remove((follower, release))
                release()
        if t_s - self.started_at < FIRST_LOOK_S or t_s - self.looked_at >= LOOK_EVERY_S:
            self.looked_at = t_s
            for lm, world in look_across(self.look, frame, t_s):
                if len(self.followers) + 1 >= MAX_PEOPLE or not plausible(lm):
                    continue
                if all(_iou(_bbox(lm), _bbox(p[0])) <= _SAME_IOU for p in poses):
                    estimate, release = self.new_tracker()
                    self.followers.append((CropFollower.on(estimate, lm, hw), release))
                    poses.append((lm, world))
        return poses

    def close(self) -> None:
        """Release the followers' trackers."""
        for _, release in self.followers:
            release()
        self.followers.clear()
