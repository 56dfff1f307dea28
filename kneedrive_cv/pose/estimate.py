"""From a video file to a pose track: decode (in a thread, overlapping inference), estimate, follow, cache."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kneedrive_cv.errors import NoPersonError
from kneedrive_cv.landmarks import N_LANDMARKS
from kneedrive_cv.pose.cache import TrackCache, file_sha256
from kneedrive_cv.pose.follow import follow_athlete
from kneedrive_cv.pose.search import AthleteFinder, Estimate, Pose
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.video import ReadStats, VideoInfo, probe, read_frames

log = logging.getLogger(__name__)

#: Frames decoded ahead of the model; bounds memory whatever the clip's length.
_QUEUE_FRAMES = 8
#: A clip needs a person in at least this many frames (and this share of them) to be analysed.
MIN_PERSON_FRAMES = 5
MIN_PERSON_SHARE = 0.10
#: Bumped when estimation changes what a track holds, so cached tracks of older versions are not reused.
ESTIMATOR_VERSION = 3

ProgressFn = Callable[[int, int], None]


@dataclass
class EstimateInfo:
    """How a track was obtained."""

    video: VideoInfo
    from_cache: bool
    read: ReadStats = field(default_factory=ReadStats)
    content_sha256: str = ""


_Item = tuple[float, np.ndarray] | BaseException | None


def _decode_ahead(path: Path, stats: ReadStats, out: queue.Queue[_Item], stop: threading.Event) -> None:
    try:
        for item in read_frames(path, stats):
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
    except BaseException as exc:  # handed to the consumer, which re-raises it in its own thread
        out.put(exc)
        return
    out.put(None)


def run_pose(path: str | os.PathLike[str], model: str | os.PathLike[str] | None = None,
             progress: ProgressFn | None = None, stats: ReadStats | None = None) -> PoseTrack:
    """Run the pose model over every frame of a clip (no cache) and return the raw track."""
    from kneedrive_cv.pose.mediapipe_backend import model_id

    path = Path(path)
    info = probe(path)
    stats = stats if stats is not None else ReadStats()
    frames: queue.Queue[_Item] = queue.Queue(maxsize=_QUEUE_FRAMES)
    stop = threading.Event()
    reader = threading.Thread(target=_decode_ahead, args=(path, stats, frames, stop), daemon=True)
    times: list[float] = []
    lms: list[np.ndarray] = []
    worlds: list[np.ndarray] = []
    empty_lm = np.full((N_LANDMARKS, 4), np.nan, np.float32)
    empty_world = np.full((N_LANDMARKS, 3), np.nan, np.float32)
    size = (info.width, info.height)
    with contextlib.ExitStack() as stack:
        finder = AthleteFinder(_lazy(stack, model, False), _lazy(stack, model, False), _lazy(stack, model, True))
        reader.start()
        try:
            while (item := frames.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                t_s, rgb = item
                size = (rgb.shape[1], rgb.shape[0])
                found = finder(rgb, t_s)
                times.append(t_s)
                lms.append(found[0].astype(np.float32) if found else empty_lm)
                worlds.append(found[1] if found else empty_world)
                if progress is not None:
                    progress(len(times), info.n_frames)
        finally:
            stop.set()
            reader.join(timeout=5)
    if finder.counts["searches"]:
        log.info("%s: athlete searched for in tiles %d times (small in the frame); %d frames tracked in a crop",
                 path.name, finder.counts["searches"], finder.counts["crop"])
    return PoseTrack(np.stack(lms), np.stack(worlds), np.asarray(times, np.float64), info.fps or 30.0, size,
                     model_id(model), {"source": path.name, "codec": info.codec, "rotation_deg": info.rotation_deg,
                                       "frames_listed": info.n_frames, "truncated": stats.truncated,
                                       "finder": dict(finder.counts)})


def _lazy(stack: contextlib.ExitStack, model: str | os.PathLike[str] | None, single_image: bool) -> Estimate:
    """An estimator that loads its model on first use (most clips never need the crop or tile ones)."""
    from kneedrive_cv.pose.mediapipe_backend import PoseEstimator

    holder: list[PoseEstimator] = []

    def estimate(rgb: np.ndarray, t_s: float) -> Pose | None:
        if not holder:
            holder.append(stack.enter_context(PoseEstimator(model, single_image=single_image)))
        return holder[0].process(rgb, t_s)

    return estimate


def _follow(track: PoseTrack) -> PoseTrack:
    keep, followed = follow_athlete(track.xy, track.t_s)
    if followed.frames_dropped:
        log.info("dropped %d frames where the pose jumped to another person", followed.frames_dropped)
    lm = np.where(keep[:, None, None], track.landmarks_px, np.nan).astype(np.float32)
    world = np.where(keep[:, None, None], track.world_m, np.nan).astype(np.float32)
    return track.replace(landmarks_px=lm, world_m=world, meta={**track.meta, "followed": followed.as_dict()})


def estimate_track(path: str | os.PathLike[str], model: str | os.PathLike[str] | None = None,
                   cache: TrackCache | None = None, progress: ProgressFn | None = None,
                   require_person: bool = True) -> tuple[PoseTrack, EstimateInfo]:
    """The athlete's pose track for a clip, from the cache when this clip and model were seen before.

    Raises:
        VideoError: the file is not a readable video.
        NoPersonError: nobody found in enough frames (when ``require_person``).
        ModelError: the model file is missing or broken.

    """
    from kneedrive_cv.pose.mediapipe_backend import model_id

    path = Path(path)
    info = probe(path)
    sha = file_sha256(path)
    mid = f"{model_id(model)}|estimator-{ESTIMATOR_VERSION}"
    track = cache.get(sha, mid) if cache is not None else None
    est = EstimateInfo(info, from_cache=track is not None, content_sha256=sha)
    if track is None:
        track = _follow(run_pose(path, model, progress, est.read))
        track = track.replace(meta={**track.meta, "content_sha256": sha})
        if cache is not None:
            cache.put(sha, mid, track)
    else:
        est.read.frames = len(track)
        est.read.truncated = bool(track.meta.get("truncated"))
    n_person = int(track.present.sum())
    if require_person and (n_person < MIN_PERSON_FRAMES or n_person < MIN_PERSON_SHARE * len(track)):
        raise NoPersonError(f"{path.name}: a person was found in only {n_person} of {len(track)} frames. "
                            "Film the athlete whole (head to feet) and side-on, in good light.")
    return track, est
