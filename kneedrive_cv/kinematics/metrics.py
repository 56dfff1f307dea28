"""Per-frame metrics by the definitions in docs/METRICS.md, each with a confidence.

All geometry is in pixels of the upright frame (MediaPipe's normalised x and y are scaled by different sides
of the frame, so angles must not be taken on them). Image y grows downward. ``f`` is +1 when the athlete
faces image-right and -1 when facing left, so "forward" is ``f * dx`` whichever way they face, and a mirrored
clip gives the same angles. A metric whose confidence is under the floor is NaN, not guessed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.landmarks import Landmark, Side, forward_sign, mid_hip, sided

#: Confidence below which a metric is left empty.
CONFIDENCE_FLOOR = 0.5
#: Confidence down to which the thigh angle is used to time events (not reported or scored).
TIMING_FLOOR = 0.25

class Metric(enum.StrEnum):
    """The per-frame metrics, named as frames.csv's columns (docs/METRICS.md first, then extras), with units.

    A member is its column's name (``Metric.TRUNK_LEAN == "trunk_lean"``), so code and files share one spelling.
    """

    THIGH_ANGLE_LEFT = "thigh_angle_left"
    THIGH_ANGLE_RIGHT = "thigh_angle_right"
    KNEE_HEIGHT_LEFT = "knee_height_left"
    KNEE_HEIGHT_RIGHT = "knee_height_right"
    DORSIFLEXION_LEFT = "dorsiflexion_left"
    DORSIFLEXION_RIGHT = "dorsiflexion_right"
    TRUNK_LEAN = "trunk_lean"
    BODY_LINE = "body_line"
    ELBOW_ANGLE_LEFT = "elbow_angle_left"
    ELBOW_ANGLE_RIGHT = "elbow_angle_right"
    HIP_HEIGHT = "hip_height"
    KNEE_ANGLE_LEFT = "knee_angle_left"
    KNEE_ANGLE_RIGHT = "knee_angle_right"
    BODY_ANGLE = "body_angle"

    @property
    def unit(self) -> str:
        """``deg`` for the angles; ``thigh lengths`` for the heights (above the hip, or of the hip above the feet)."""
        return "thigh lengths" if "height" in self.value else "deg"


#: Per-frame columns of frames.csv, in order. Confidence columns follow.
METRIC_COLUMNS = tuple(m.value for m in Metric)


@dataclass(frozen=True, eq=False)
class FrameMetrics:
    """The per-frame table: one float64 array of length ``frames`` per column, NaN where not measured.

    Angles in degrees, heights in thigh lengths, times in seconds. ``filled`` marks frames whose leg
    landmarks were interpolated across a short gap. ``timing`` holds the thigh angles down to a lower
    confidence, used only to time knee drives.
    """

    t_s: np.ndarray
    columns: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]
    filled: np.ndarray
    timing: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.t_s)
        for name, col in {**self.columns, **self.confidence}.items():
            if col.shape != (n,):
                raise ValueError(f"column {name} has shape {col.shape}, expected ({n},)")

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.t_s)

    def side(self, prefix: str, side: Side) -> np.ndarray:
        """Column ``{prefix}_{side}``, e.g. ``side("thigh_angle", Side.LEFT)``."""
        return self.columns[f"{prefix}_{side.value}"]


def _pt(xy: np.ndarray, lm: Landmark) -> np.ndarray:
    return xy[:, int(lm)]


def _vec_angle_from_down(v: np.ndarray, f: int) -> np.ndarray:
    """Angle of vector v (pixels, y down) from straight down, positive toward forward."""
    return np.degrees(np.arctan2(f * v[:, 0], v[:, 1]))


def _vec_angle_from_up(v: np.ndarray, f: int) -> np.ndarray:
    """Angle of vector v from straight up, positive toward forward."""
    return np.degrees(np.arctan2(f * v[:, 0], -v[:, 1]))


def interior_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at b between b->a and b->c, degrees 0-180, per frame."""
    u, w = a - b, c - b
    cos = np.sum(u * w, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(w, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def facing_of(xy: np.ndarray, visibility: np.ndarray) -> tuple[Side | None, float]:
    """The side of the image the athlete faces, from nose-ahead-of-ears and toes-ahead-of-heels.

    Returns ``(Side.RIGHT or Side.LEFT or None, agreement 0-1)``; ``None`` when the cues do not agree
    (front-on camera).
    """
    ears = (_pt(xy, Landmark.LEFT_EAR) + _pt(xy, Landmark.RIGHT_EAR)) / 2
    votes = [np.sign(_pt(xy, Landmark.NOSE)[:, 0] - ears[:, 0])]
    for s in Side:
        toe, heel = _pt(xy, sided(s, "FOOT_INDEX")), _pt(xy, sided(s, "HEEL"))
        votes.append(np.sign(toe[:, 0] - heel[:, 0]))
    all_votes = np.concatenate(votes)
    all_votes = all_votes[~np.isnan(all_votes)]
    if len(all_votes) == 0:
        return None, 0.0
    score = float(all_votes.mean())
    if abs(score) < 0.3:
        return None, abs(score)
    return (Side.RIGHT if score > 0 else Side.LEFT), abs(score)


class View(enum.StrEnum):
    """Where the camera stands relative to the athlete; ``unknown`` when the torso was never seen."""

    SIDE = "side"
    OBLIQUE = "oblique"
    FRONT = "front"
    UNKNOWN = "unknown"


def view_of(xy: np.ndarray) -> tuple[View, float]:
    """``(view, width ratio)``: how wide shoulders and hips look against the torso.

    Side-on, the left and right shoulders (and hips) overlap (ratio near 0); front-on they are about a torso
    length apart (ratio near 0.7).
    """
    sh = np.abs(_pt(xy, Landmark.LEFT_SHOULDER)[:, 0] - _pt(xy, Landmark.RIGHT_SHOULDER)[:, 0])
    hp = np.abs(_pt(xy, Landmark.LEFT_HIP)[:, 0] - _pt(xy, Landmark.RIGHT_HIP)[:, 0])
    mid_sh = (_pt(xy, Landmark.LEFT_SHOULDER) + _pt(xy, Landmark.RIGHT_SHOULDER)) / 2
    mid_hp = mid_hip(xy)
    torso = np.linalg.norm(mid_sh - mid_hp, axis=1)
    ratio = float(np.nanmedian((sh + hp) / 2 / torso)) if np.any(torso > 0) else float("nan")
    if not np.isfinite(ratio):
        return View.UNKNOWN, ratio
    return (View.SIDE if ratio < 0.3 else View.FRONT if ratio > 0.5 else View.OBLIQUE), ratio


def thigh_length_px(xy: np.ndarray, visibility: np.ndarray) -> float:
    """The thigh's true length in pixels: a high percentile of its 2-D length over well-seen frames.

    Foreshortening only ever shortens a segment, so the long end of its distribution is the true length.
    """
    lengths = []
    for s in Side:
        hip, knee = _pt(xy, sided(s, "HIP")), _pt(xy, sided(s, "KNEE"))
        seen = np.minimum(visibility[:, sided(s, "HIP")], visibility[:, sided(s, "KNEE")]) >= CONFIDENCE_FLOOR
        lengths.append(np.linalg.norm(knee - hip, axis=1)[seen])
    all_lengths = np.concatenate(lengths)
    all_lengths = all_lengths[np.isfinite(all_lengths)]
    return float(np.percentile(all_lengths, 90)) if len(all_lengths) else float("nan")


def _conf(visibility: np.ndarray, *lms: Landmark) -> np.ndarray:
    return np.nan_to_num(np.min(np.stack([visibility[:, int(lm)] for lm in lms]), axis=0), nan=0.0)


def _plausible_length(a: np.ndarray, b: np.ndarray, ref: float) -> np.ndarray:
    """1 when a segment shows at least half its true length, falling to 0 as it vanishes (seen end-on)."""
    length = np.linalg.norm(a - b, axis=1)
    return np.clip(np.nan_to_num(length / (0.5 * ref)), 0.0, 1.0)


def frame_metrics(t_s: np.ndarray, xy: np.ndarray, visibility: np.ndarray, facing: Side | None,
                  thigh_px: float, filled: np.ndarray | None = None) -> FrameMetrics:
    """Every per-frame metric of docs/METRICS.md (and a few extras) with its confidence.

    Args:
        t_s: (frames,) times.
        xy: (frames, 33, 2) smoothed pixel positions, legs already on their own physical leg.
        visibility: (frames, 33) landmark visibility 0-1.
        facing: side the athlete faces in the image (None: front-on; +x is then taken as forward).
        thigh_px: the thigh's length in pixels (see :func:`thigh_length_px`).
        filled: (frames,) frames interpolated across a gap.

    """
    f = forward_sign(facing)
    cols: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}
    mid_sh = (_pt(xy, Landmark.LEFT_SHOULDER) + _pt(xy, Landmark.RIGHT_SHOULDER)) / 2
    mid_hp = mid_hip(xy)
    for s in Side:
        hip, knee, ankle = (_pt(xy, sided(s, p)) for p in ("HIP", "KNEE", "ANKLE"))
        heel, toe = _pt(xy, sided(s, "HEEL")), _pt(xy, sided(s, "FOOT_INDEX"))
        thigh_c = _conf(visibility, sided(s, "HIP"), sided(s, "KNEE")) * _plausible_length(hip, knee, thigh_px)
        cols[f"thigh_angle_{s.value}"] = _vec_angle_from_down(knee - hip, f)
        conf[f"thigh_angle_{s.value}"] = thigh_c
        cols[f"knee_height_{s.value}"] = (hip[:, 1] - knee[:, 1]) / thigh_px
        conf[f"knee_height_{s.value}"] = _conf(visibility, sided(s, "HIP"), sided(s, "KNEE"))
        foot_ref = 0.45 * thigh_px  # heel-to-toe is about 0.45 thigh lengths
        cols[f"dorsiflexion_{s.value}"] = 90.0 - interior_angle(knee, ankle, ankle + (toe - heel))
        conf[f"dorsiflexion_{s.value}"] = (_conf(visibility, sided(s, "KNEE"), sided(s, "ANKLE"), sided(s, "HEEL"),
                                                 sided(s, "FOOT_INDEX")) * _plausible_length(heel, toe, foot_ref))
        cols[f"knee_angle_{s.value}"] = interior_angle(hip, knee, ankle)
        conf[f"knee_angle_{s.value}"] = _conf(visibility, sided(s, "HIP"), sided(s, "KNEE"), sided(s, "ANKLE"))
        shoulder, elbow, wrist = (_pt(xy, sided(s, p)) for p in ("SHOULDER", "ELBOW", "WRIST"))
        cols[f"elbow_angle_{s.value}"] = interior_angle(shoulder, elbow, wrist)
        conf[f"elbow_angle_{s.value}"] = _conf(visibility, sided(s, "SHOULDER"), sided(s, "ELBOW"), sided(s, "WRIST"))
    torso_c = _conf(visibility, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    cols["trunk_lean"] = _vec_angle_from_up(mid_sh - mid_hp, f)
    conf["trunk_lean"] = torso_c
    # stance side: the foot lower in the image (larger y) carries the body
    heel_l, heel_r = _pt(xy, Landmark.LEFT_HEEL), _pt(xy, Landmark.RIGHT_HEEL)
    # with both feet down (heels within 0.1 thigh lengths) the stance point is between the ankles
    hl, hr = np.nan_to_num(heel_l[:, 1], nan=-np.inf), np.nan_to_num(heel_r[:, 1], nan=-np.inf)
    left_stance = hl >= hr
    both_down = np.abs(heel_l[:, 1] - heel_r[:, 1]) <= 0.1 * thigh_px
    ankle_l, ankle_r = _pt(xy, Landmark.LEFT_ANKLE), _pt(xy, Landmark.RIGHT_ANKLE)
    stance_ankle = np.where(left_stance[:, None], ankle_l, ankle_r)
    stance_ankle = np.where(both_down[:, None], (ankle_l + ankle_r) / 2, stance_ankle)
    stance_vis = np.where(left_stance, visibility[:, Landmark.LEFT_ANKLE], visibility[:, Landmark.RIGHT_ANKLE])
    stance_vis = np.where(both_down, np.minimum(visibility[:, Landmark.LEFT_ANKLE],
                                                visibility[:, Landmark.RIGHT_ANKLE]), stance_vis)
    cols["body_line"] = interior_angle(mid_sh, mid_hp, stance_ankle)
    conf["body_line"] = np.minimum(torso_c, np.nan_to_num(stance_vis))
    cols["body_angle"] = _vec_angle_from_up(mid_sh - stance_ankle, f)
    conf["body_angle"] = conf["body_line"]
    stance_heel_y = np.fmax(heel_l[:, 1], heel_r[:, 1])
    cols["hip_height"] = (stance_heel_y - mid_hp[:, 1]) / thigh_px
    conf["hip_height"] = np.minimum(torso_c, np.nan_to_num(stance_vis))
    timing = {f"thigh_angle_{s.value}": np.where(conf[f"thigh_angle_{s.value}"] >= TIMING_FLOOR,
                                                 cols[f"thigh_angle_{s.value}"], np.nan) for s in Side}
    for name in METRIC_COLUMNS:
        cols[name] = np.where(conf[name] >= CONFIDENCE_FLOOR, cols[name], np.nan).astype(np.float64)
        conf[name] = np.round(conf[name], 3)
    filled_mask = np.zeros(len(t_s), bool) if filled is None else np.asarray(filled, bool)
    return FrameMetrics(np.asarray(t_s, np.float64), {n: cols[n] for n in METRIC_COLUMNS},
                        {n: conf[n] for n in METRIC_COLUMNS}, filled_mask, timing)
