"""How far a pose track's landmarks are from a rendered clip's true joints, per joint type.

Pose models often label the legs (or arms) the wrong way round in a side view; that is a separate problem
(repaired downstream), so each frame's limbs are matched to the truth the way round that fits best before
the distances are taken. Near and far are the truth's (``near_side``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kneedrive_cv.landmarks import Landmark, Side

LEG = ("hip", "knee", "ankle", "heel", "foot_index")
ARM = ("shoulder", "elbow", "wrist")


@dataclass(frozen=True)
class LandmarkErrors:
    """Detection rate and mean pixel distance per joint type (``"knee"``...) for the near and far side.

    ``per_frame`` maps ``"near_knee"`` etc. to (frames,) distances in pixels, NaN where nobody was found.
    """

    detection_rate: float
    mean_px: dict[str, float]
    per_frame: dict[str, np.ndarray]
    thigh_length_px: float

    def summary(self) -> str:
        """One line per joint type: near / far mean error in pixels."""
        rows = [f"detection {100 * self.detection_rate:.1f} %"]
        for part in (*ARM, *LEG, "nose"):
            near, far = self.mean_px.get(f"near_{part}"), self.mean_px.get(f"far_{part}")
            rows.append(f"{part:>10}: near {near:6.1f} px  far {far:6.1f} px" if far is not None
                        else f"{part:>10}: {near:6.1f} px")
        return "\n".join(rows)


def landmark_errors(xy: np.ndarray, truth: dict[str, Any]) -> LandmarkErrors:
    """Compare pose landmarks ``xy`` (frames, 33, 2; NaN where nobody) with a truth document.

    Raises:
        ValueError: the track and the truth have different frame counts.

    """
    lm = {k: np.asarray(v, float) for k, v in truth["landmarks_px"].items()}
    n = len(truth["frames"]["t_s"])
    if xy.shape[0] != n:
        raise ValueError(f"track has {xy.shape[0]} frames, truth {n}")
    near = Side(truth["near_side"])
    found = ~np.isnan(xy[:, Landmark.NOSE, 0])
    per: dict[str, np.ndarray] = {}
    for parts in (LEG, ARM):
        def dist(pose_side: Side, truth_side: Side, parts: tuple[str, ...] = parts) -> np.ndarray:
            return np.stack([np.linalg.norm(xy[:, Landmark[f"{pose_side.name}_{p.upper()}"]]
                                            - lm[f"{truth_side.value}_{p}"], axis=1) for p in parts], axis=1)
        straight = {s: dist(s, s) for s in Side}
        crossed = {s: dist(s.other, s) for s in Side}
        swap = (crossed[Side.LEFT].sum(1) + crossed[Side.RIGHT].sum(1)
                < straight[Side.LEFT].sum(1) + straight[Side.RIGHT].sum(1))
        for s in Side:
            d = np.where(swap[:, None], crossed[s], straight[s])
            tag = "near" if s is near else "far"
            for k, p in enumerate(parts):
                per[f"{tag}_{p}"] = d[:, k]
    per["near_nose"] = np.linalg.norm(xy[:, Landmark.NOSE] - lm["nose"], axis=1)
    mean = {k: float(np.nanmean(v)) if np.any(found) else float("nan") for k, v in per.items()}
    return LandmarkErrors(float(found.mean()) if n else 0.0, mean, per, float(truth["thigh_length_px"]))
