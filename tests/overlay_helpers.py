"""Helpers the overlay and kinogram tests share: a synthetic clip with its track, and reading pictures back."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from factory import Athlete, build, with_swaps

from kneedrive_cv.analysis import AnalysisResult
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.annotators import Style
from kneedrive_cv.output.layout import athlete_boxes, covered_share
from kneedrive_cv.output.overlay import plan_overlay
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.video import VideoSink

STYLE = Style()


def near(frame: np.ndarray, xy: tuple[float, float], colour: tuple[int, int, int], radius: float,
         tol: int = 40) -> int:
    """Pixels within ``radius`` of ``xy`` whose colour is within ``tol`` (per channel) of ``colour``."""
    h, w = frame.shape[:2]
    x, y = xy
    x0, x1 = max(0, int(x - radius)), min(w, int(x + radius) + 1)
    y0, y1 = max(0, int(y - radius)), min(h, int(y + radius) + 1)
    patch = frame[y0:y1, x0:x1].astype(int)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (xx - x) ** 2 + (yy - y) ** 2 <= radius**2
    close = np.all(np.abs(patch - np.array(colour)) <= tol, axis=2)
    return int(np.sum(inside & close))


DRIVES = [(0.4 + 0.33 * k, Side.LEFT if k % 2 == 0 else Side.RIGHT) for k in range(8)]
SWAPPED = (28, 36)  # frames where the "model" labels the legs the wrong way round, across a peak


def synthetic_clip(folder: Path) -> tuple[Path, PoseTrack, dict[str, np.ndarray]]:
    """A grey 1280x720 clip with a variable frame rate, and its pose track (legs swapped over SWAPPED)."""
    track, truth = build(Athlete(fps=30.0, duration_s=3.0, drives=DRIVES, vfr_jitter=0.3))
    clip = folder / "synthetic.mp4"
    grey = np.full((720, 1280, 3), 90, np.uint8)
    with VideoSink(clip, 1280, 720, 30.0) as sink:
        for t in track.t_s:
            sink.write(grey, float(t))
    return clip, with_swaps(track, [SWAPPED]), truth


def decoded(path: Path) -> tuple[str, str, list[float], tuple[int, int]]:
    """(codec, pix_fmt, frame times from the first, (width, height)) by decoding with PyAV."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        times = [float(f.time) for f in c.decode(s)]
        return s.codec_context.name, s.codec_context.pix_fmt, [t - times[0] for t in times], (s.width, s.height)


def frame_at(path: Path, index: int) -> np.ndarray:
    """The RGB picture of frame ``index``, decoded with PyAV."""
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == index:
                return f.to_ndarray(format="rgb24")
    raise IndexError(index)


def panels_over_athlete(result: AnalysisResult) -> tuple[float, int]:
    """(share of frames, frames) in which the overlay's panel column crosses the athlete's box.

    The box is the saved track's own landmarks (visibility over 0.5, as the pose model placed them, no margin),
    clipped to the picture; frames where the athlete is not seen are not counted. The column holds every
    pixel the counter, metrics and notes draw, so this bounds the frames their pixels touch the athlete.
    """
    plan = plan_overlay(result)
    assert plan.layout is not None
    lm = result.track.landmarks_px
    xy = np.where((lm[:, :, 3] > 0.5)[..., None], lm[:, :, :2], np.nan)
    boxes = athlete_boxes(xy, margin=0.0, picture=(plan.layout.picture_w, plan.layout.picture_h))
    seen = int(np.sum(np.isfinite(boxes).all(axis=1)))
    return covered_share(plan.layout.panels.box, boxes), seen
