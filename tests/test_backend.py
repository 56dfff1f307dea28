"""The MediaPipe backend's handling of video mode's smoothing, without the model (a stand-in landmarker)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kneedrive_cv.pose.mediapipe_backend import FRAME_GAP_MS, VISIBILITY_ALPHA, PoseEstimator


class _Smoothing:
    """A stand-in for video mode: its visibility low-passed as MediaPipe's pose graph does; records timestamps."""

    def __init__(self, raw: np.ndarray) -> None:
        self.raw, self.smoothed, self.stamps, self.history = raw, None, [], []

    def detect_for_video(self, image: object, ms: int) -> SimpleNamespace:
        self.stamps.append(ms)
        v = self.raw[len(self.stamps) - 1]
        self.smoothed = v if self.smoothed is None else VISIBILITY_ALPHA * v + (1 - VISIBILITY_ALPHA) * self.smoothed
        self.history.append(self.smoothed)
        points = [SimpleNamespace(x=0.5, y=0.5, z=0.0, visibility=float(s)) for s in self.smoothed]
        return SimpleNamespace(pose_landmarks=[points], pose_world_landmarks=[[SimpleNamespace(x=0, y=0, z=0)] * 33])


def test_video_mode_visibility_is_unsmoothed_and_frames_are_far_apart() -> None:
    rng = np.random.default_rng(1)
    raw = rng.uniform(0, 1, (40, 33))  # a far arm seen and hidden from frame to frame
    estimator = PoseEstimator()
    estimator._impl = _Smoothing(raw)
    rgb = np.zeros((8, 8, 3), np.uint8)
    got = np.array([estimator.process(rgb, i / 30)[0][0][:, 3] for i in range(40)])
    assert np.allclose(got, raw, atol=1e-5)
    # smoothed, the visibility would hardly move: what the far arm looked like without the inversion
    assert np.std(np.array(estimator._impl.history)[5:, 13]) < 0.4 * np.std(raw[5:, 13])
    assert np.all(np.diff(estimator._impl.stamps) == FRAME_GAP_MS)


def test_video_mode_follows_one_person() -> None:
    with pytest.raises(ValueError, match="one person"):
        PoseEstimator(num_poses=2)
