"""The pose track: landmarks of one athlete over a clip, with the clip's own timestamps (and everyone else seen)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv.errors import TrackFormatError
from kneedrive_cv.files import atomic_path
from kneedrive_cv.landmarks import N_LANDMARKS
from kneedrive_cv.pose.people import People

#: Bumped whenever the .npz layout changes; older files are refused with a clear message (2: everyone seen).
TRACK_FORMAT_VERSION = 2


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """One athlete's landmarks, frame by frame.

    Attributes:
        landmarks_px: float32 array (frames, 33, 4): x and y in pixels of the upright frame (y down),
            z in pixels-scale relative depth (MediaPipe's, smaller is nearer), and visibility 0-1.
            A frame with nobody found is NaN throughout.
        world_m: float32 array (frames, 33, 3): MediaPipe's world landmarks in metres, hip-centred; NaN as above.
        t_s: float64 array (frames,): presentation time of each frame in seconds from the first, strictly increasing.
        fps: the container's average frame rate (a float; the times are the truth).
        frame_size: (width, height) in pixels of the upright frame.
        model: name of the pose model that made the track.
        meta: free-form facts about the source (file name, content hash...); ``meta["athlete"]`` says which
            person is the athlete and why (:class:`~kneedrive_cv.pose.people.AthleteChoice`).
        people: everyone seen in the clip (the athlete among them), or None for a track made without them.

    """

    landmarks_px: np.ndarray
    world_m: np.ndarray
    t_s: np.ndarray
    fps: float
    frame_size: tuple[int, int]
    model: str
    meta: dict[str, Any] = field(default_factory=dict)
    people: People | None = None

    def __post_init__(self) -> None:
        lm, world, t = self.landmarks_px, self.world_m, self.t_s
        n = t.shape[0] if t.ndim == 1 else -1
        if t.ndim != 1:
            raise ValueError(f"t_s must be 1-D, got shape {t.shape}")
        if lm.shape != (n, N_LANDMARKS, 4):
            raise ValueError(f"landmarks_px must be ({n}, {N_LANDMARKS}, 4), got {lm.shape}")
        if world.shape != (n, N_LANDMARKS, 3):
            raise ValueError(f"world_m must be ({n}, {N_LANDMARKS}, 3), got {world.shape}")
        if n > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("t_s must be strictly increasing")
        if self.fps <= 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.people is not None and len(self.people) != n:
            raise ValueError(f"people must have {n} frames, got {len(self.people)}")
        for a in (lm, world, t):
            a.setflags(write=False)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def present(self) -> np.ndarray:
        """Boolean (frames,): a person was found in the frame."""
        return ~np.isnan(self.landmarks_px[:, 0, 0])

    @property
    def detection_rate(self) -> float:
        """Share of frames with a person found."""
        return float(self.present.mean()) if len(self) else 0.0

    @property
    def xy(self) -> np.ndarray:
        """(frames, 33, 2) pixel positions."""
        return self.landmarks_px[:, :, :2]

    @property
    def visibility(self) -> np.ndarray:
        """(frames, 33) visibility 0-1 (NaN where nobody)."""
        return self.landmarks_px[:, :, 3]

    def replace(self, **changes: Any) -> PoseTrack:
        """A copy with some fields changed (arrays are validated again)."""
        fields = {k: getattr(self, k)
                  for k in ("landmarks_px", "world_m", "t_s", "fps", "frame_size", "model", "meta", "people")}
        fields.update(changes)
        return PoseTrack(**fields)

    def equals(self, other: PoseTrack) -> bool:
        """Exact equality of arrays (NaN equal to NaN) and of the scalar fields."""
        return (np.array_equal(self.landmarks_px, other.landmarks_px, equal_nan=True)
                and np.array_equal(self.world_m, other.world_m, equal_nan=True)
                and np.array_equal(self.t_s, other.t_s)
                and self.fps == other.fps and tuple(self.frame_size) == tuple(other.frame_size)
                and self.model == other.model and self.meta == other.meta
                and (self.people is None) == (other.people is None)
                and (self.people is None or other.people is None
                     or (np.array_equal(self.people.landmarks_px, other.people.landmarks_px, equal_nan=True)
                         and np.array_equal(self.people.ids, other.people.ids))))


def save_track(track: PoseTrack, path: str | os.PathLike[str]) -> Path:
    """Write a track to ``.npz`` (compressed, with a format version); written whole or not at all."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format_version": TRACK_FORMAT_VERSION, "fps": track.fps, "frame_size": list(track.frame_size),
              "model": track.model, "meta": track.meta}
    arrays = {"landmarks_px": track.landmarks_px, "world_m": track.world_m, "t_s": track.t_s,
              "header": np.array(json.dumps(header))}
    if track.people is not None:
        arrays.update(people_landmarks_px=track.people.landmarks_px, people_world_m=track.people.world_m,
                      people_ids=track.people.ids)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, allow_pickle=False, **arrays)
    return path


def in_real_time(track: PoseTrack, slow_motion: float) -> PoseTrack:
    """The track at the times its frames happened: a slow-motion clip's file times over ``slow_motion``.

    A clip that plays ``slow_motion`` times slower than real life (a 240 fps slow-motion clip saved to play at 30
    fps: 8) was filmed at that many times its file's frame rate; its rate is multiplied by as much.
    """
    if slow_motion == 1.0:
        return track
    return track.replace(t_s=track.t_s / slow_motion, fps=track.fps * slow_motion)


def load_track(path: str | os.PathLike[str]) -> PoseTrack:
    """Read a track written by :func:`save_track`.

    Raises:
        TrackFormatError: not a track file, or one from an incompatible version.

    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            arrays = {k: data[k] for k in ("landmarks_px", "world_m", "t_s")}
            people = (People(data["people_landmarks_px"], data["people_world_m"], data["people_ids"])
                      if "people_ids" in data else None)
    except (OSError, KeyError, ValueError) as exc:
        raise TrackFormatError(f"{path} is not a kneedrive pose track ({exc}). "
                               "Make one with `kneedrive pose CLIP`.") from exc
    version = header.get("format_version")
    if version != TRACK_FORMAT_VERSION:
        raise TrackFormatError(f"{path} is a pose track of format {version}; this version reads format "
                               f"{TRACK_FORMAT_VERSION}. Run `kneedrive pose` on the clip again.")
    return PoseTrack(arrays["landmarks_px"], arrays["world_m"], arrays["t_s"], float(header["fps"]),
                     (int(header["frame_size"][0]), int(header["frame_size"][1])), str(header["model"]),
                     dict(header.get("meta", {})), people)
