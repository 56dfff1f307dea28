"""The only module that imports MediaPipe.

The model is MediaPipe's BlazePose "full" pose landmarker, run through the Tasks API
(``mediapipe.tasks.python.vision.PoseLandmarker``). Its bundle, ``models/pose_landmarker_full.task``, ships with
the package (built from the Apache-2.0 model files of the mediapipe 0.10.21 wheel: see ``models/README.md``),
so nothing is ever fetched from the network. Any other pose landmarker ``.task`` file a user has (Google's lite or
heavy bundles) can be given instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.resources
import logging
import os
import sys
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from kneedrive_cv.errors import ModelError

log = logging.getLogger(__name__)

#: Milliseconds between the frames handed to video mode: the one-euro filter smooths less the longer the time
#: between frames, and nothing at all at this gap (see :class:`PoseEstimator`).
FRAME_GAP_MS = 1_000_000
#: The weight of the newest frame in the video mode's low-pass filter on visibility (MediaPipe's pose graph:
#: ``VisibilitySmoothingCalculator``, alpha 0.1). Checked on a rendered clip: inverted with 0.1, a far elbow's
#: visibility follows the single-picture mode's (correlation 0.94) and spans 0.03-1.00; with 0.08 it runs
#: outside 0-1.
VISIBILITY_ALPHA = 0.1
#: The name of the bundled model, in cache keys and reports.
DEFAULT_MODEL = "blazepose-full"
#: The bundled model's file name inside the ``kneedrive_cv.models`` package (the repository's ``models/``).
DEFAULT_MODEL_FILE = "pose_landmarker_full.task"

Pose = tuple[np.ndarray, np.ndarray]  # (33, 4) landmarks in pixels of the image given, (33, 3) world


def _mediapipe() -> Any:
    try:
        import mediapipe as mp
    except ImportError as exc:  # pragma: no cover - the package depends on it
        raise ModelError("mediapipe is not installed; install the project with `make setup` (see README).") from exc
    return mp


_SILENCE_LOCK = threading.Lock()
_silenced = {"depth": 0, "saved": -1}


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while MediaPipe's C++ starts up (it prints glog/TFLite info lines).

    Python-level errors are unaffected: they are raised, not printed, inside this block. Safe across threads
    (several spans start their models at once): the first to enter redirects, the last to leave restores.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. under a test runner's capture)
        yield
        return
    with _SILENCE_LOCK:
        if _silenced["depth"] == 0:
            sys.stderr.flush()
            _silenced["saved"] = os.dup(fd)
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), fd)
        _silenced["depth"] += 1
    try:
        yield
    finally:
        with _SILENCE_LOCK:
            _silenced["depth"] -= 1
            if _silenced["depth"] == 0:
                os.dup2(_silenced["saved"], fd)
                os.close(_silenced["saved"])


def default_model_path() -> Path:
    """The bundled ``.task`` file (installed with the package)."""
    path = Path(str(importlib.resources.files("kneedrive_cv.models") / DEFAULT_MODEL_FILE))
    if not path.is_file():  # pragma: no cover - a broken install
        raise ModelError(f"the bundled pose model {path} is missing: reinstall kneedrive-cv (see models/README.md).")
    return path


@cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:16]


def model_id(model: str | os.PathLike[str] | None) -> str:
    """A stable name for a model, used in cache keys: the default's name or ``task:<name>:<sha256 prefix>``.

    The default's name carries MediaPipe's version (from the package's metadata: importing mediapipe costs a
    second that a cached re-score need not pay).
    """
    if model is None or str(model) == DEFAULT_MODEL:
        try:
            version = importlib.metadata.version("mediapipe")
        except importlib.metadata.PackageNotFoundError:  # pragma: no cover - the package depends on it
            version = _mediapipe().__version__
        return f"{DEFAULT_MODEL}@mediapipe-{version}"
    path = _check_task_file(Path(model))
    stat = path.stat()
    return f"task:{path.name}:{_file_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)}"


def _check_task_file(path: Path) -> Path:
    if not path.exists():
        raise ModelError(f"pose model {path}: no such file. Put a MediaPipe pose landmarker .task file there, "
                         "or leave --model out to use the built-in model (see models/README.md).")
    if path.suffix != ".task":
        raise ModelError(f"pose model {path}: expected a MediaPipe pose landmarker '.task' file, found "
                         f"'{path.suffix or 'no extension'}'. See models/README.md.")
    return path


class PoseEstimator:
    """Run MediaPipe pose on frames, in video (tracking) mode or one picture at a time.

    Use as a context manager; :meth:`process` takes an upright RGB frame and its time, and returns the poses
    found, each ``(landmarks_px (33, 4), world_m (33, 3))``, at most ``num_poses`` of them (one in video mode).

    Video mode tracks the person from frame to frame (each frame's landmarks place the next frame's crop, so the
    person detector runs only when the person is lost), but the Tasks API also smooths its output over time,
    with no option to turn that off: the landmarks with a one-euro filter, which lags a fast knee drive by
    several degrees, and the visibility with a low-pass filter, which flattens a limb swinging in and out of
    view behind the body (a far arm read as never seen: every piston run was taken for a pocket run). So the
    frames are handed over :data:`FRAME_GAP_MS` apart, which opens the one-euro filter fully (its smoothing
    falls with the time between frames), and the visibility filter, whose weight does not depend on time, is
    inverted exactly (:data:`VISIBILITY_ALPHA`). The frames' own times stay with the caller.
    """

    def __init__(self, model: str | os.PathLike[str] | None = None, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, single_image: bool = False, num_poses: int = 1) -> None:
        self.model = DEFAULT_MODEL if model is None else str(model)
        self.single_image = single_image
        self.num_poses = num_poses
        self._det, self._trk = min_detection_confidence, min_tracking_confidence
        if not single_image and num_poses != 1:
            raise ValueError("video mode follows one person (its visibility is unsmoothed per person)")
        self._impl: Any = None
        self._last_ms = -FRAME_GAP_MS
        self._calls = 0
        self._smoothed: np.ndarray | None = None

    def __enter__(self) -> PoseEstimator:
        with _native_stderr_silenced():
            self._start()
        return self

    def _start(self) -> None:
        mp = _mediapipe()
        path = default_model_path() if self.model == DEFAULT_MODEL else _check_task_file(Path(self.model))
        vision = mp.tasks.vision
        options = vision.PoseLandmarkerOptions(
            base_options=mp.tasks.BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.IMAGE if self.single_image else vision.RunningMode.VIDEO,
            num_poses=self.num_poses, min_pose_detection_confidence=self._det,
            min_pose_presence_confidence=self._det, min_tracking_confidence=self._trk)
        try:
            self._impl = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"pose model {path} could not be loaded ({str(exc).splitlines()[0]}). It should "
                             "be a MediaPipe pose landmarker .task file; see models/README.md.") from exc

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._impl is not None:
            with _native_stderr_silenced():  # closing logs a line per accelerator
                self._impl.close()
            self._impl = None

    def process(self, rgb: np.ndarray, t_s: float) -> list[Pose]:
        """The people in ``rgb``: landmarks in pixels (y down) with visibility, and world landmarks (m).

        ``t_s`` is the frame's time; video mode needs frames in order, one call each.
        """
        height, width = rgb.shape[:2]
        self._calls += 1
        mp = _mediapipe()
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        # the first frames set up the graph, which logs natively to stderr
        with _native_stderr_silenced() if self._calls <= 3 else contextlib.nullcontext():
            if self.single_image:
                result = self._impl.detect(image)
            else:
                self._last_ms += FRAME_GAP_MS
                result = self._impl.detect_for_video(image, self._last_ms)
        poses: list[Pose] = []
        for image_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True):
            lm = np.array([(p.x * width, p.y * height, p.z * width, p.visibility) for p in image_lms], np.float32)
            world = np.array([(p.x, p.y, p.z) for p in world_lms], np.float32)
            poses.append((lm, world))
        if not self.single_image:
            self._unsmooth(poses)
        return poses

    def _unsmooth(self, poses: list[Pose]) -> None:
        """Undo the video mode's low-pass filter on visibility (in place), as :data:`VISIBILITY_ALPHA` says."""
        if len(poses) != 1:  # the filter restarts when nobody is found (one tracked person: see __init__)
            self._smoothed = None
            return
        lm = poses[0][0]
        smoothed = lm[:, 3].astype(np.float64)
        if self._smoothed is not None:
            raw = (smoothed - (1 - VISIBILITY_ALPHA) * self._smoothed) / VISIBILITY_ALPHA
            lm[:, 3] = np.clip(raw, 0.0, 1.0)
        self._smoothed = smoothed


    def close(self) -> None:
        """Release the model (as leaving the ``with`` block does)."""
        self.__exit__(None, None, None)
