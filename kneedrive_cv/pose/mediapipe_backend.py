"""The only module that imports MediaPipe.

Default model: the BlazePose "full" landmark model shipped inside the mediapipe 0.10.21 wheel, run through the
legacy ``mp.solutions.pose`` API (model_complexity=1), which needs no download. A MediaPipe Tasks pose model
file (``.task``) the user has can be used instead; nothing is ever fetched from the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import logging
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from kneedrive_cv.errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "blazepose-full"

#: Landmarks below this presence are treated as "nobody in the frame" by the Tasks backend.
_MIN_CONFIDENCE = 0.5


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


def model_id(model: str | os.PathLike[str] | None) -> str:
    """A stable name for a model, used in cache keys: the default's name or ``task:<sha256 prefix>``."""
    if model is None or str(model) == DEFAULT_MODEL:
        # the version from the package's metadata: importing mediapipe costs a second a cached re-score need not pay
        try:
            version = importlib.metadata.version("mediapipe")
        except importlib.metadata.PackageNotFoundError:
            version = _mediapipe().__version__
        return f"{DEFAULT_MODEL}@mediapipe-{version}"
    path = _check_task_file(Path(model))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return f"task:{path.name}:{digest}"


def _check_task_file(path: Path) -> Path:
    if not path.exists():
        raise ModelError(f"pose model {path}: no such file. Put a MediaPipe pose landmarker .task file there, "
                         "or leave --model out to use the built-in model (see models/README.md).")
    if path.suffix != ".task":
        raise ModelError(f"pose model {path}: expected a MediaPipe pose landmarker '.task' file, found "
                         f"'{path.suffix or 'no extension'}'. See models/README.md.")
    return path


class PoseEstimator:
    """Run MediaPipe pose frame by frame in video (tracking) mode.

    Use as a context manager; :meth:`process` takes an upright RGB frame and its time, and returns
    ``(landmarks_px (33, 4), world_m (33, 3))`` or ``None`` when nobody is found.
    """

    def __init__(self, model: str | os.PathLike[str] | None = None, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5, single_image: bool = False) -> None:
        self.model = DEFAULT_MODEL if model is None else str(model)
        self.single_image = single_image
        self._det, self._trk = min_detection_confidence, min_tracking_confidence
        self._impl: Any = None
        self._last_ms = -1
        self._calls = 0

    def __enter__(self) -> PoseEstimator:
        with _native_stderr_silenced():
            self._start()
        return self

    def _start(self) -> None:
        mp = _mediapipe()
        if self.model == DEFAULT_MODEL:
            self._impl = mp.solutions.pose.Pose(static_image_mode=self.single_image, model_complexity=1,
                                                smooth_landmarks=False,
                                                enable_segmentation=False, min_detection_confidence=self._det,
                                                min_tracking_confidence=self._trk)
        else:
            path = _check_task_file(Path(self.model))
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(path)),
                running_mode=vision.RunningMode.IMAGE if self.single_image else vision.RunningMode.VIDEO,
                num_poses=1, min_pose_detection_confidence=self._det, min_tracking_confidence=self._trk)
            try:
                self._impl = vision.PoseLandmarker.create_from_options(options)
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"pose model {path} could not be loaded ({str(exc).splitlines()[0]}). It should "
                                 "be a MediaPipe pose landmarker .task file; see models/README.md.") from exc

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._impl is not None:
            self._impl.close()
            self._impl = None

    def process(self, rgb: np.ndarray, t_s: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Landmarks of the person in ``rgb`` (pixels, y down) and world landmarks (m), or ``None``."""
        height, width = rgb.shape[:2]
        self._calls += 1
        # the first frames set up the graph, which logs natively to stderr
        with _native_stderr_silenced() if self._calls <= 3 else contextlib.nullcontext():
            found = self._run(rgb, t_s)
        if found is None:
            return None
        image_lms, world_lms = found
        lm = np.array([(p.x * width, p.y * height, p.z * width, p.visibility) for p in image_lms], np.float32)
        world = np.array([(p.x, p.y, p.z) for p in world_lms], np.float32)
        return lm, world

    def _run(self, rgb: np.ndarray, t_s: float) -> tuple[Any, Any] | None:
        """The model's own landmark lists (image-normalised and world), or None."""
        if self.model == DEFAULT_MODEL:
            result = self._impl.process(rgb)
            if result.pose_landmarks is None:
                return None
            return result.pose_landmarks.landmark, result.pose_world_landmarks.landmark
        mp = _mediapipe()
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if self.single_image:
            result = self._impl.detect(image)
        else:
            ms = max(round(t_s * 1000), self._last_ms + 1)
            self._last_ms = ms
            result = self._impl.detect_for_video(image, ms)
        if not result.pose_landmarks:
            return None
        return result.pose_landmarks[0], result.pose_world_landmarks[0]
