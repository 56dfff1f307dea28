"""From a video file to a pose track: decode (in a thread, overlapping inference), estimate, follow, cache."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np

from kneedrive_cv.errors import NoPersonError, VideoError
from kneedrive_cv.pose.cache import TrackCache, file_sha256
from kneedrive_cv.pose.cores import pose_threads
from kneedrive_cv.pose.follow import centre_and_scale, continues
from kneedrive_cv.pose.people import athlete_of, link_people
from kneedrive_cv.pose.search import (
    MAX_PEOPLE,
    AthleteFinder,
    CropFollower,
    Estimate,
    PeopleFinder,
    Pose,
    Tracker,
    trunk_deg,
)
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.pose.upright import upright_turn
from kneedrive_cv.runs import runs_of
from kneedrive_cv.video import (
    ReadStats,
    Span,
    SpanError,
    VideoInfo,
    check_complete,
    plan_spans,
    probe,
    read_ahead,
    read_frames,
    read_frames_at,
    read_spans,
)

log = logging.getLogger(__name__)

#: Frames decoded ahead of the model; bounds memory whatever the clip's length.
_QUEUE_FRAMES = 8
#: A clip needs a person in at least this many frames (and this share of them) to be analysed.
MIN_PERSON_FRAMES = 5
MIN_PERSON_SHARE = 0.10
#: Bumped when estimation changes what a track holds, so cached tracks of older versions are not reused (5 was
#: taken by an experiment never committed, whose tracks may sit in developers' caches; 13: everyone tracked,
#: the video mode's smoothing undone; 14: a person tracked upside down looked for afresh; 15: frames over twice as
#: wide as high looked over for people in parts; 16: crops sized by the body's length, not its box).
ESTIMATOR_VERSION = 16

ProgressFn = Callable[[int, int], None]


@dataclass
class EstimateInfo:
    """How a track was obtained."""

    video: VideoInfo
    from_cache: bool
    read: ReadStats = field(default_factory=ReadStats)
    content_sha256: str = ""



#: Frames per span below which a clip is not split (each span starts the tracker afresh). Shorter spans were
#: tried: halving clips of 120-299 frames swapped the legs in 43 of 98 frames of one rendered 4 s clip, as a
#: tracker starting mid-clip may label the legs the other way round and 60 frames are too few to repair it.
SPAN_MIN_FRAMES = 150
#: Most spans a clip is split into.
MAX_SPANS = 8


def span_count(n_frames: int) -> int:
    """Spans a clip of ``n_frames`` is split into: a power of two, each at least SPAN_MIN_FRAMES long.

    The count depends on the clip alone, never on the machine, so a clip gives the same track on every
    computer; a power of two keeps two or four cores evenly loaded.
    """
    count = 1
    while count * 2 <= MAX_SPANS and n_frames // (count * 2) >= SPAN_MIN_FRAMES:
        count *= 2
    return count


@dataclass
class _SpanPoses:
    """What the model found in one span of a clip."""

    times: list[float] = field(default_factory=list)
    poses: list[list[Pose]] = field(default_factory=list)
    stats: ReadStats = field(default_factory=ReadStats)
    counts: dict[str, int] = field(default_factory=dict)
    size: tuple[int, int] | None = None


def _pose_spans(path: Path, spans: list[Span | None], model: str | os.PathLike[str] | None, stop: threading.Event,
                done: list[int], turn: int = 0) -> list[_SpanPoses]:
    """Decode consecutive spans in one pass (a thread of its own) and run a fresh tracker over each.

    ``done[0]`` counts frames. Stops early, returning what it has, once ``stop`` is set (another span
    failed). ``turn``: see :func:`run_pose`.
    """
    out = [_SpanPoses() for _ in spans]
    with contextlib.ExitStack() as stack:
        reader: Iterator[tuple[int, float, np.ndarray]]
        if spans == [None]:
            reader = ((0, t_s, rgb) for t_s, rgb in read_frames(path, out[0].stats, None, turn))
        else:
            reader = read_spans(path, cast(list[Span], spans), [part.stats for part in out], turn)
        frames = stack.enter_context(contextlib.closing(read_ahead(reader, _QUEUE_FRAMES)))
        span_stack = stack.enter_context(contextlib.ExitStack())
        k = -1
        finder: AthleteFinder | None = None
        for i, t_s, rgb in frames:
            if stop.is_set():
                break
            if i != k:  # the next span: its own models and tracker, as if it had been read on its own
                if finder is not None:
                    out[k].counts = dict(finder.counts)
                span_stack.close()
                k, finder = i, _finder(span_stack, model, spans[i])
            assert finder is not None
            part = out[k]
            part.size = (rgb.shape[1], rgb.shape[0])
            part.times.append(t_s)
            part.poses.append(finder(rgb, t_s))
            done[0] += 1
        if finder is not None:
            out[k].counts = dict(finder.counts)
    return out


def _finder(stack: contextlib.ExitStack, model: str | os.PathLike[str] | None, span: Span | None) -> AthleteFinder:
    """A fresh athlete finder (its models released with ``stack``) for a span starting at ``span``."""
    people = PeopleFinder(_lazy(stack, model, False), _lazy(stack, model, True, MAX_PEOPLE),
                          lambda: _tracker(model))
    stack.callback(people.close)
    return AthleteFinder(people, _lazy(stack, model, False), _lazy(stack, model, True),
                         expect_athlete=span is not None and span.start_pts is not None)


def run_pose(path: str | os.PathLike[str], model: str | os.PathLike[str] | None = None,
             progress: ProgressFn | None = None, stats: ReadStats | None = None,
             threads: int | None = None, info: VideoInfo | None = None, turn: int = 0) -> PoseTrack:
    """Run the pose model over every frame of a clip (no cache) and return the raw track.

    Everyone in view is found and linked into people (``track.people``); the athlete is chosen among them
    (:func:`~kneedrive_cv.pose.people.athlete_of`; ``meta["athlete"]`` says whom and why).

    A clip long enough is split into spans (:func:`span_count`) that run on ``threads`` cores at once
    (default :func:`pose_threads`; MediaPipe releases the GIL). Each span starts its tracker afresh, which
    costs the model's first-frame detection once per span and nothing else. ``info``: the clip's
    :func:`probe`, when the caller has it already. ``turn``: degrees (a multiple of 90, counter-clockwise)
    to turn the pictures beyond the file's own rotation (a clip stored sideways); the track says so in its
    ``meta["turn_deg"]``.
    """
    from kneedrive_cv.pose.mediapipe_backend import model_id

    path = Path(path)
    info = info if info is not None else probe(path)
    stats = stats if stats is not None else ReadStats()
    planned = plan_spans(path, span_count(info.n_frames))
    spans: list[Span | None] = list(planned) if planned else [None]
    try:
        parts = _run_spans(path, spans, model, progress, info.n_frames, threads or pose_threads(), turn)
    except SpanError as exc:
        log.info("%s: read whole (%s)", path.name, exc)
        spans = [None]
        parts = _run_spans(path, spans, model, progress, info.n_frames, 1, turn)
    if len(spans) > 1:
        parts = _mended(path, spans, parts, model, turn)
    times, frames = _join(parts)
    for part in parts:
        stats.frames += part.stats.frames
        stats.pts_repaired += part.stats.pts_repaired
        if part.stats.truncated and not stats.truncated:
            stats.truncated, stats.error = True, part.stats.error
    if not times:
        raise VideoError(f"{path}: no frame could be decoded ({stats.error or 'empty stream'}). "
                         "Expected a video file such as the .mp4 or .mov a phone records.")
    if spans != [None]:
        check_complete(path, stats, info.n_frames)
    counts: dict[str, int] = {}
    for part in parts:
        for key, n in part.counts.items():
            counts[key] = counts.get(key, 0) + n
    if counts.get("searches"):
        log.info("%s: athlete searched for in tiles %d times (small in the frame); %d frames tracked in a crop",
                 path.name, counts["searches"], counts.get("crop", 0))
    turned = info.turned(turn)
    size = next((p.size for p in parts if p.size is not None), (turned.width, turned.height))
    t_s = np.asarray(times, np.float64)
    people = link_people(frames, t_s)
    lm, world, choice = athlete_of(people, t_s, size)
    return PoseTrack(lm, world, t_s, info.fps or 30.0, size, model_id(model),
                     {"source": path.name, "codec": info.codec, "rotation_deg": info.rotation_deg,
                      "frames_listed": info.n_frames, "truncated": stats.truncated, "spans": len(spans),
                      "finder": counts, "turn_deg": turn % 360,
                      "athlete": choice.as_dict() if choice else None}, people)


def _run_spans(path: Path, spans: list[Span | None], model: str | os.PathLike[str] | None,
               progress: ProgressFn | None, expected: int, threads: int, turn: int = 0) -> list[_SpanPoses]:
    """Every span's poses, ``threads`` at once.

    Each thread takes a run of consecutive spans and decodes it in one pass, so no frame is decoded twice.
    The spans themselves, and so the track, do not depend on the number of threads.
    """
    stop = threading.Event()
    groups = [list(g) for g in np.array_split(np.arange(len(spans)), max(1, min(threads, len(spans))))]
    done = [[0] for _ in groups]
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="pose") as pool:
        futures = [pool.submit(_pose_spans, path, [spans[i] for i in g], model, stop, d, turn)
                   for g, d in zip(groups, done, strict=True)]
        try:
            reported = -1
            while True:
                finished = not wait(futures, timeout=0.25, return_when=FIRST_EXCEPTION).not_done
                if any(f.done() and f.exception() is not None for f in futures):
                    stop.set()  # the other spans stop at their next frame; the error is raised below
                    break
                n = sum(d[0] for d in done)
                if progress is not None and n != reported:
                    progress(n, expected)
                    reported = n
                if finished:
                    break
            return [part for f in futures for part in f.result()]
        finally:
            stop.set()


#: Seconds at a span's start in which the people the span before ended with must be found again.
_SEAM_S = 0.5


def _mended(path: Path, spans: list[Span | None], parts: list[_SpanPoses], model: str | os.PathLike[str] | None,
            turn: int) -> list[_SpanPoses]:
    """The spans, each with the people its fresh tracker did not find again followed in a crop.

    Each span starts a tracker afresh, whose person detector sees the whole frame shrunk to 224 pixels and can
    miss a person for many frames (the athlete beside a larger person, say) whom the span before was following.
    Whoever the span before ended with and the span's first :data:`_SEAM_S` seconds do not continue is followed
    through the span in a crop window from where they were, in a second pass over the span's frames.
    """
    out = list(parts)
    for k in range(1, len(out)):
        before, after = out[k - 1], out[k]
        end = next(((t, p) for t, p in zip(reversed(before.times), reversed(before.poses), strict=True) if p), None)
        if end is None or before.size is None or not after.times:
            continue
        t_end, ended_with = end
        start = [(t, pose) for t, poses in zip(after.times, after.poses, strict=True)
                 if t - after.times[0] < _SEAM_S for pose in poses]
        found_again: set[int] = set()
        for t, pose in start:  # each pose found at the span's start is the nearest person it can be
            near = [(float(np.linalg.norm(centre_and_scale(pose[0][None, :, :2])[0][0]
                                          - centre_and_scale(lm[None, :, :2])[0][0])), j)
                    for j, (lm, _) in enumerate(ended_with) if continues(lm[:, :2], pose[0][:, :2], t - t_end)]
            if near:
                found_again.add(min(near)[1])
        missing = [lm for j, (lm, _) in enumerate(ended_with) if j not in found_again]
        if missing:
            log.info("%s: span %d lost %d person(s) the span before ended with; followed in a crop",
                     path.name, k + 1, len(missing))
            out[k] = _followed(path, spans[k], after, missing, model, turn, (before.size[1], before.size[0]))
    return out


def _followed(path: Path, span: Span | None, part: _SpanPoses, people: list[np.ndarray],
              model: str | os.PathLike[str] | None, turn: int, frame_hw: tuple[int, int]) -> _SpanPoses:
    """``part`` with ``people`` (landmarks where they were just before the span) followed in crops through it."""
    out = _SpanPoses(list(part.times), [list(p) for p in part.poses], part.stats, dict(part.counts), part.size)
    with contextlib.ExitStack() as stack:
        followers = []
        for lm in people:
            estimate, release = _tracker(model)
            stack.callback(release)
            followers.append(CropFollower.on(estimate, lm, frame_hw))
        frames = stack.enter_context(contextlib.closing(read_ahead(read_frames(path, ReadStats(), span, turn),
                                                                   _QUEUE_FRAMES)))
        for i, (t_s, rgb) in enumerate(frames):
            if i >= len(out.times) or all(f.window is None for f in followers):
                break
            found = [pose for f in followers if (pose := f(rgb, t_s)) is not None]
            out.poses[i] += [(lm.astype(np.float32), world) for lm, world in found]
            out.counts["crop"] = out.counts.get("crop", 0) + len(found)
    return out


#: The athlete first found this long or more after the clip starts is followed back from there to its start.
FOLLOW_BACK_MIN_S = 0.05
#: ... when found within this long of the start (the tiles are searched every SEARCH_EVERY_S while nobody is found,
#: so an athlete in view from the start is found within a second; someone found later walked in or was hidden).
FOLLOW_BACK_MAX_S = 2.0
#: An athlete lost for this many frames or more inside the clip is followed back into the gap from where they are
#: found again; a single frame lost is bridged well enough by the filter's interpolation.
FOLLOW_BACK_GAP_FRAMES = 2
#: The frames before the athlete was found (again) are held in memory to be read backwards, at most this many bytes
#: (about 40 frames of 1080p, 90 of 720p); further back the athlete is left unfollowed.
FOLLOW_BACK_BYTES = 256 * 2**20
#: Tracks followed back are cached under this version, beside the forward pass: raise it when following back
#: changes.
FOLLOW_BACK_VERSION = 7
#: Going back, after a frame the athlete was missed in, the poses found count once this many frames in a row hold one.
FOUND_AGAIN_FRAMES = 3
#: A pose found going back whose trunk points further than this from the nearest kept pose's is no step of the same
#: body: trunks in these drills turn a few degrees a step, and a tracker re-locking reads them turned a quarter or half
#: a turn.
TRUNK_TURN_DEG = 45.0


def _found_late(track: PoseTrack) -> int | None:
    """The frame the athlete is first found in, where that is late enough to follow them back from; else None."""
    present = track.present
    if track.people is None or not present.any():
        return None
    first = int(np.argmax(present))
    t = track.t_s
    return first if first > 0 and FOLLOW_BACK_MIN_S <= t[first] - t[0] <= FOLLOW_BACK_MAX_S else None


def _to_follow_back(track: PoseTrack) -> list[tuple[int, int]]:
    """Where to follow the athlete back: (the frame found in, the earliest frame to go back to), latest last.

    The clip's start where the athlete was found late (:func:`_found_late`), and every gap inside the clip of
    FOLLOW_BACK_GAP_FRAMES or more where the athlete was lost, each no further back than the memory allows.
    """
    if track.people is None:
        return []
    w, h = track.frame_size
    most = max(1, FOLLOW_BACK_BYTES // (w * h * 3))
    first = _found_late(track)
    spans = [] if first is None else [(first, first - min(first, most))]
    spans += [(b, max(a, b - most)) for a, b in runs_of(~track.present)
              if a > 0 and b < len(track) and b - a >= FOLLOW_BACK_GAP_FRAMES]
    return spans


def _same_body(landmarks: np.ndarray, i: int, track: PoseTrack, first: int, found: dict[int, Pose]) -> bool:
    """Whether a pose found going back in frame ``i`` can be the athlete of the poses kept nearest after it.

    The rule people are linked by (:func:`~kneedrive_cv.pose.follow.continues`) against the nearest pose kept, or
    the one found in frame ``first`` that the follower started on, judged by the median torso of the five nearest: a
    pose with the trunk folded onto the legs (shoulders below the hips on an athlete leaning at a wall, the torso
    half its length) is no step of the same body, however well it sits in the crop; nor is one whose trunk points
    more than TRUNK_TURN_DEG away from that pose's.
    """
    nearest = sorted(found)[:5]
    poses = [found[j][0] for j in nearest] or [track.landmarks_px[first]]
    torsos = centre_and_scale(np.stack(poses)[:, :, :2].astype(np.float64))[1]
    after = nearest[0] if nearest else first
    turn = abs((trunk_deg(landmarks) - trunk_deg(poses[0]) + 180.0) % 360.0 - 180.0)
    return turn <= TRUNK_TURN_DEG and continues(poses[0][:, :2], landmarks[:, :2],
                                                float(track.t_s[after] - track.t_s[i]), float(np.median(torsos)))


def _back_from(track: PoseTrack, first: int, frames: dict[int, np.ndarray], model: str | os.PathLike[str] | None
               ) -> dict[int, Pose]:
    """The athlete's poses found by a tracker of its own following them back from frame ``first``.

    ``frames``: the pictures by index, ``first`` and those before it to go back through (see :func:`followed_back`).
    """
    t = track.t_s
    w, h = track.frame_size
    estimate, release = _tracker(model)
    found: dict[int, Pose] = {}
    again: dict[int, Pose] | None = None  # poses since the athlete was last missed, not yet FOUND_AGAIN_FRAMES
    try:
        follower = CropFollower.on(estimate, track.landmarks_px[first], (h, w))
        follower(frames[first], 0.0)  # the tracker starts on the pose known, then goes back in time
        for i in range(first - 1, min(frames) - 1, -1):
            if i not in frames:
                break
            pose = follower(frames[i], float(t[first] - t[i]))
            if pose is not None and not _same_body(pose[0], i, track, first, found):
                pose = None  # the tracker re-locked on another shape: a miss
            if pose is None:
                if follower.window is None:
                    break  # unseen for SEARCH_EVERY_S: let go, as going forwards
                again = {}
                continue
            kept = found if again is None else again
            kept[i] = (pose[0].astype(np.float32), pose[1].astype(np.float32))
            if again is not None and len(again) >= FOUND_AGAIN_FRAMES:
                found.update(again)
                again = None
    finally:
        release()
    return found


def followed_back(path: Path, track: PoseTrack, model: str | os.PathLike[str] | None, turn: int) -> PoseTrack:
    """The track with its athlete followed back from where they were found to the clip's start, and into each gap.

    An athlete small in the frame is found by the tile search (:class:`~kneedrive_cv.pose.search.AthleteFinder`),
    which waits SEARCH_AFTER_S for the whole-frame detector first: the clip's first 0.3 s or more, with a knee
    drive in them, were then lost. From the pose where the athlete was first found, a tracker of its own follows
    them in a crop window backwards through the frames before (:class:`~kneedrive_cv.pose.search.CropFollower`,
    fed the frames last to first with its clock running forwards), until it lets them go (unseen for
    SEARCH_EVERY_S, as going forwards) or the clip's start; the poses found join the frames' people, who are linked
    and the athlete chosen again. A frame or two missed on the way is no reason to stop: the tracker going back
    often misses the very first frames before the one it started on (a small athlete, a rolled frame), then finds
    most frames before them; stopping at the first miss lost the first 0.3-0.5 s, and a drive with them. After a
    miss, though, its poses count only from FOUND_AGAIN_FRAMES found in a row: one pose alone between misses was
    a tracker re-locking on the wrong shape (both thighs read at 125 deg on an athlete standing at a wall, a drive
    that never was); and a pose that is no step of the same body (:func:`_same_body`) counts as a miss.

    The same is done from where the athlete is found again after each gap of FOLLOW_BACK_GAP_FRAMES or more inside
    the clip, back to the gap's start: a tracker going forwards loses a pose it cannot follow from the frame before
    (a knee driven up at the wall, a far leg crossing) and finds it again a few frames later, while one going back
    from there starts on the pose it found. The clip is read once; each gap's frames are held only until it is done.

    Following back only adds: where the poses added, linked again with everyone's, leave the athlete missing from
    any frame they were found in going forwards (a pose found going back starting a person of its own, and the
    athlete's frames split between two people), the forward track is kept.

    The cache keeps the track followed back beside the forward pass (:func:`_track`), so a clip analysed again
    does not run this again.
    """
    spans = _to_follow_back(track)
    if not spans or track.people is None:
        return track
    t = track.t_s
    wanted = {i for found_in, earliest in spans for i in range(earliest, found_in + 1)}
    found: dict[int, Pose] = {}
    pending = sorted(spans)
    held: dict[int, np.ndarray] = {}
    for i, rgb in read_frames_at(path, wanted, turn):
        held[i] = rgb
        while pending and pending[0][0] <= i:  # the frame found in after a gap is read: follow back through the gap
            found_in = pending.pop(0)[0]
            if found_in in held:  # (not where the file's damage cut it out)
                found.update(_back_from(track, found_in, {j: f for j, f in held.items() if j <= found_in}, model))
            held = {j: f for j, f in held.items() if j > found_in}
        if not pending:
            break
    if not found:
        return track
    first = _found_late(track)
    start_found = [i for i in found if first is not None and i < first]
    gap_found = len(found) - len(start_found)
    log.info("%s: the athlete followed back%s%s", path.name,
             f" from {t[first] - t[0]:.2f} s to {t[min(start_found)] - t[0]:.2f} s" if start_found and first else "",
             f", {gap_found} frames found in the gaps they were lost in" if gap_found else "")
    poses = track.people.poses()
    for i, pose in found.items():
        poses[i] = [*poses[i], pose]
    meta = dict(track.meta)
    if start_found and first is not None:
        meta["followed_back_s"] = round(float(t[first] - t[min(start_found)]), 3)
    meta["followed_back_gap_frames"] = gap_found
    followed = _linked(track.replace(meta=meta), poses)
    if (track.present & ~followed.present).any():
        # linked again with the poses added, the athlete's own frames came apart (one found going back started
        # a person of its own, and the athlete chosen is no longer the one followed): following back only adds
        log.info("%s: following back lost %d of the athlete's frames; the forward track is kept", path.name,
                 int((track.present & ~followed.present).sum()))
        return track.replace(meta={**track.meta, "followed_back_gap_frames": 0})
    return followed


def _join(parts: list[_SpanPoses]) -> tuple[list[float], list[list[Pose]]]:
    """The spans' frames in order, times from the first frame; a truncated span ends the clip there."""
    times: list[float] = []
    frames: list[list[Pose]] = []
    for part in parts:
        for t, poses in zip(part.times, part.poses, strict=True):
            if times and t <= times[-1]:
                continue
            times.append(t)
            frames.append([(lm.astype(np.float32), world.astype(np.float32)) for lm, world in poses])
        if part.stats.truncated:
            break
    if times:
        t0 = times[0]
        times = [t - t0 for t in times]
    return times, frames


def _lazy(stack: contextlib.ExitStack, model: str | os.PathLike[str] | None, single_image: bool,
          num_poses: int = 1) -> Estimate:
    """An estimator that loads its model on first use (most clips never need the crop or tile ones)."""
    from kneedrive_cv.pose.mediapipe_backend import PoseEstimator

    holder: list[PoseEstimator] = []

    def estimate(rgb: np.ndarray, t_s: float) -> list[Pose]:
        if not holder:
            holder.append(stack.enter_context(PoseEstimator(model, single_image=single_image,
                                                            num_poses=num_poses)))
        return holder[0].process(rgb, t_s)

    return estimate


def _tracker(model: str | os.PathLike[str] | None) -> Tracker:
    """A tracking estimator of its own (for one person's crop), and what releases it."""
    from kneedrive_cv.pose.mediapipe_backend import PoseEstimator

    estimator = PoseEstimator(model).__enter__()
    return estimator.process, estimator.close


def with_athlete(track: PoseTrack, athlete: int | None) -> PoseTrack:
    """The track with ``athlete`` (a person's id in ``track.people``) as its athlete; None keeps the chosen one.

    Raises:
        UnknownAthleteError: nobody of that id was seen.

    """
    if athlete is None or track.people is None:
        return track
    lm, world, choice = athlete_of(track.people, track.t_s, track.frame_size, athlete)
    assert choice is not None
    return track.replace(landmarks_px=lm, world_m=world, meta={**track.meta, "athlete": choice.as_dict()})


def estimate_track(path: str | os.PathLike[str], model: str | os.PathLike[str] | None = None,
                   cache: TrackCache | None = None, progress: ProgressFn | None = None,
                   require_person: bool = True, turn: int | None = None,
                   athlete: int | None = None) -> tuple[PoseTrack, EstimateInfo]:
    """The athlete's pose track for a clip, from the cache when this clip and model were seen before.

    ``athlete``: the id of the person to analyse (as ``kneedrive people`` lists them); None for the one chosen
    by :data:`~kneedrive_cv.pose.people.CHOICE_RULE`.

    ``turn``: degrees to turn the pictures beyond the file's own rotation (see :func:`run_pose`); None
    turns them only when the athlete lies on their side in the clip as stored (:func:`upright_turn`), and
    then runs the model again on the turned pictures. ``EstimateInfo.video`` is the clip as analysed, turn
    included.

    Raises:
        VideoError: the file is not a readable video.
        NoPersonError: nobody found in enough frames (when ``require_person``).
        ModelError: the model file is missing or broken.
        UnknownAthleteError: ``athlete`` is not one of the people seen.

    """
    path = Path(path)
    info = probe(path)
    sha = file_sha256(path)
    est = EstimateInfo(info, from_cache=False, content_sha256=sha)
    track = _track(path, model, cache, progress, est, turn or 0)
    if turn is None and (found := upright_turn(track.landmarks_px)):
        turned_est = EstimateInfo(info, from_cache=False, content_sha256=sha)
        turned = _track(path, model, cache, progress, turned_est, found)
        if turned.present.mean() >= TURN_KEEPS_PEOPLE * track.present.mean():
            log.info("%s: the athlete lies on their side as the clip is stored; its pictures are turned %d deg",
                     path.name, found)
            track, est = turned, turned_est
        else:
            log.info("%s: the athlete seemed to lie on their side, but turned %d deg the pictures show them in "
                     "%.0f %% of frames against %.0f %%: they lean (a wall drill), and the clip is left as it is",
                     path.name, found, 100 * turned.present.mean(), 100 * track.present.mean())
    track = with_athlete(track, athlete)
    n_person = int(track.present.sum())
    if require_person and (n_person < MIN_PERSON_FRAMES or n_person < MIN_PERSON_SHARE * len(track)):
        raise NoPersonError(f"{path.name}: a person was found in only {n_person} of {len(track)} frames. "
                            "Film the athlete whole (head to feet) and side-on, in good light.")
    return track, est


#: A turn the body's axis asks for (:func:`~kneedrive_cv.pose.upright.upright_turn`) is kept only where the turned
#: pictures show the athlete in at least this share of the frames the pictures as stored do. The model is made
#: for upright people: a clip truly stored sideways shows its athlete at least as often once turned (the real
#: high-knees clip stored sideways: in every frame both ways), while a steep wall drill in a rolled frame, whose
#: axis lies 70 deg or more from the picture's up, loses the athlete when turned (41 % of frames as stored, 24 %
#: turned, on a randomised render).
TURN_KEEPS_PEOPLE = 0.8


def _track(path: Path, model: str | os.PathLike[str] | None, cache: TrackCache | None,
           progress: ProgressFn | None, est: EstimateInfo, turn: int) -> PoseTrack:
    """The track of the clip turned ``turn`` degrees, from the cache or the model; ``est`` says which."""
    from kneedrive_cv.pose.mediapipe_backend import model_id

    mid = f"{model_id(model)}|estimator-{ESTIMATOR_VERSION}" + (f"|turn-{turn % 360}" if turn % 360 else "")
    back_mid = f"{mid}|followed-back-{FOLLOW_BACK_VERSION}"
    back = cache.get(est.content_sha256, back_mid) if cache is not None else None
    track = back or (cache.get(est.content_sha256, mid) if cache is not None else None)
    est.from_cache, est.video = track is not None, est.video.turned(turn)
    if track is None:
        track = run_pose(path, model, progress, est.read, info=est.video.turned(0), turn=turn)
        track = track.replace(meta={**track.meta, "content_sha256": est.content_sha256})
        if cache is not None:
            cache.put(est.content_sha256, mid, track)
    else:
        est.read.frames = len(track)
        est.read.truncated = bool(track.meta.get("truncated"))
        track = linked_again(track)
    if back is not None or not _to_follow_back(track):
        return track
    # following back runs the model again on the frames before: done once, its track kept beside the forward pass's
    # (also where nothing was found, so that it is not tried again)
    followed = followed_back(path, track, model, turn)
    if cache is not None:
        cache.put(est.content_sha256, back_mid, followed)
    return followed


def linked_again(track: PoseTrack) -> PoseTrack:
    """A stored track with its people linked and its athlete chosen again, by today's rules.

    The cache keeps what the model found in each frame; who is who is quick to work out again, so a change to
    how people are linked or the athlete chosen takes effect on clips seen before without running the model.
    """
    if track.people is None:
        return track
    return _linked(track, track.people.poses())


def _linked(track: PoseTrack, poses: list[list[Pose]]) -> PoseTrack:
    """The track with these per-frame poses linked into people and its athlete chosen among them."""
    people = link_people(poses, track.t_s)
    lm, world, choice = athlete_of(people, track.t_s, track.frame_size)
    return track.replace(landmarks_px=lm, world_m=world, people=people,
                         meta={**track.meta, "athlete": choice.as_dict() if choice else None})
