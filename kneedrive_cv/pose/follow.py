"""Follow one athlete: drop frames where the pose jumped to somebody else.

The single-person model re-detects when it loses track and may then lock on to a bystander. The track is
cut into runs wherever the body jumps further than a person can move in that time; the athlete is the
run that is largest and longest (the main person at the start, by default), and later runs are kept only
when they continue from where the athlete was, at the athlete's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.landmarks import Landmark

_BODY = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]
#: Body-size units per second that an athlete can plausibly move across the image (a sprinter at 10 m/s with
#: a 0.5 m torso moves 20 torsos/s); jumps beyond this between frames mean another person.
_MAX_SPEED_TORSOS_S = 25.0
_MAX_SCALE_CHANGE = 0.35


@dataclass(frozen=True)
class Followed:
    """Which person was followed and what was dropped."""

    bbox_start_px: tuple[float, float, float, float]
    frames_kept: int
    frames_dropped: int
    runs_dropped: int

    def as_dict(self) -> dict[str, object]:
        """Plain dict for reports."""
        return {"rule": "largest, longest-tracked person at the start", "bbox_start_px": list(self.bbox_start_px),
                "frames_kept": self.frames_kept, "frames_dropped_other_person": self.frames_dropped,
                "runs_dropped": self.runs_dropped}


def _centre_and_scale(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    body = xy[:, _BODY]
    centre = np.nanmean(body, axis=1) if len(body) else np.zeros((0, 2))
    shoulders = body[:, :2].mean(axis=1)
    hips = body[:, 2:].mean(axis=1)
    scale = np.linalg.norm(shoulders - hips, axis=1)
    return centre, scale


def _runs(present: np.ndarray, centre: np.ndarray, scale: np.ndarray, t_s: np.ndarray) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = None
    prev = None
    for i in range(len(present)):
        if not present[i]:
            continue
        if prev is not None:
            dt = t_s[i] - t_s[prev]
            ref = max(scale[prev], 1.0)
            jump = np.linalg.norm(centre[i] - centre[prev]) / ref
            size_change = abs(scale[i] - scale[prev]) / ref
            if i - prev > 1 or jump > 1.0 + _MAX_SPEED_TORSOS_S * dt or size_change > _MAX_SCALE_CHANGE + 2 * dt:
                runs.append((start, prev + 1))  # type: ignore[arg-type]
                start = i
        else:
            start = i
        prev = i
    if start is not None and prev is not None:
        runs.append((start, prev + 1))
    return runs


def continues(before: np.ndarray, after: np.ndarray, dt_s: float) -> bool:
    """Whether the pose ``after`` (33, 2 pixels) can be the person of ``before``, ``dt_s`` seconds later.

    The tests :func:`follow_athlete` joins runs with: near enough for the time between them, and about the
    same size.
    """
    c0, s0 = _centre_and_scale(np.asarray(before, np.float64)[None])
    c1, s1 = _centre_and_scale(np.asarray(after, np.float64)[None])
    ref = max(float(s0[0]), 1.0)
    close = float(np.linalg.norm(c1[0] - c0[0])) / ref <= 1.5 + _MAX_SPEED_TORSOS_S * dt_s
    same_size = abs(float(s1[0]) - float(s0[0])) / ref <= _MAX_SCALE_CHANGE + dt_s
    return bool(close and same_size)


def follow_athlete(xy: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, Followed]:
    """Boolean (frames,) of the frames that belong to the followed athlete, and what was decided.

    Args:
        xy: (frames, 33, 2) pixel positions, NaN where nobody was found.
        t_s: (frames,) times in seconds.

    """
    present = ~np.isnan(xy[:, 0, 0])
    keep = np.zeros(len(xy), bool)
    if not present.any():
        return keep, Followed((np.nan,) * 4, 0, 0, 0)
    centre, scale = _centre_and_scale(np.where(present[:, None, None], xy, 0.0))
    runs = _runs(present, centre, scale, t_s)
    sizes = [float(np.median(scale[a:b])) for a, b in runs]
    lengths = [b - a for a, b in runs]
    # the athlete: the largest person among the runs that are long, weighted toward the start of the clip
    weights = [s * min(n, 30) / (1.0 + 0.5 * i) for i, (s, n) in enumerate(zip(sizes, lengths, strict=False))]
    ref = int(np.argmax(weights))
    keep[runs[ref][0]:runs[ref][1]] = True
    dropped = 0
    for direction in (range(ref + 1, len(runs)), range(ref - 1, -1, -1)):
        anchor = ref
        for j in direction:
            a_end = runs[anchor][1] - 1 if j > anchor else runs[anchor][0]
            j_near = runs[j][0] if j > anchor else runs[j][1] - 1
            dt = abs(t_s[j_near] - t_s[a_end])
            ref_scale = max(sizes[anchor], 1.0)
            close = np.linalg.norm(centre[j_near] - centre[a_end]) / ref_scale <= 1.5 + _MAX_SPEED_TORSOS_S * dt
            same_size = abs(sizes[j] - sizes[anchor]) / ref_scale <= _MAX_SCALE_CHANGE + dt
            if close and same_size:
                keep[runs[j][0]:runs[j][1]] = True
                anchor = j
            else:
                dropped += 1
    first = int(np.flatnonzero(keep)[0])
    pts = xy[first][~np.isnan(xy[first, :, 0])]
    bbox = (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))
    return keep, Followed(bbox, int(keep.sum()), int((present & ~keep).sum()), dropped)
