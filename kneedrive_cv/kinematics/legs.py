"""Leg identity: keep each series on one physical leg.

In side views the pose model often trades the left and right leg labels for a few frames. Swaps are found
as the labelling that makes the legs move most smoothly: a Viterbi pass over two states per frame (labels as
given, or exchanged), scoring each frame by how far the legs land from where their positions one and two
steps earlier predict (constant velocity), with a penalty for every change of state (the model's own labels
are usually right). The step is a fixed time, not a frame: over 1/15 s a driving knee moves several times
the model's frame-to-frame jitter, while from one frame to the next at 60 fps it moves about as far as the
jitter, and the prediction (which doubles the jitter of the frame before) then blames a glitch of one
landmark on the labels. At N times 15 fps the frames form N interleaved chains, each judged on its own, and
a one-frame hole one chain leaves in a swap the others found (the legs crossing there) is filled. Which of
the two consistent legs is the athlete's left is then decided for the whole run of frames:
in a side view the near leg (smaller depth) is on the side the athlete faces (facing right, the camera sees
the right side), otherwise the labels the model gave most of the time are kept.

A knee held up is a case of its own: there the model may trade the labels many times a second, or pull both legs
towards each other, for seconds on end (a held knee near the camera at a wall, measured: a third of the frames
swapped or half merged), and no prediction from the frames before can be trusted. While one knee stays up (the
higher of the two thighs, whatever its label, at or above :data:`HELD_THIGH_DEG` and that far above the other,
for :data:`HELD_MIN_S` or more), the legs cannot cross unseen: in each frame the leg with the higher knee takes the
label it has on most frames around it (:data:`HELD_VOTE_S`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.filtering import running_median, runs_of
from kneedrive_cv.landmarks import LEG_PARTS, Landmark, Side, forward_sign, thigh_angle_deg

_LEFT = [int(Landmark[f"LEFT_{p}"]) for p in LEG_PARTS]
_RIGHT = [int(Landmark[f"RIGHT_{p}"]) for p in LEG_PARTS]
_COST_PARTS = [LEG_PARTS.index(p) for p in ("KNEE", "ANKLE")]
#: Cost of changing the labelling, in thigh lengths of misprediction.
_SWITCH_PENALTY = 0.5
#: Cost of every frame spent with the model's labels exchanged: the model is usually right, so a long swapped
#: stretch needs steady evidence, while a glitch of a few frames is cheap to repair.
_SWAPPED_FRAME_COST = 0.25
#: Time between the frames a prediction is made from (seconds): the legs move well beyond the jitter.
_PREDICTION_STEP_S = 1 / 15


@dataclass(frozen=True)
class LegRepair:
    """What the repair changed."""

    swapped: np.ndarray  # bool (frames,): leg labels exchanged in this frame
    rule: str

    @property
    def frames_repaired(self) -> int:
        """Frames whose leg labels were exchanged."""
        return int(self.swapped.sum())


def _legs(lm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return lm[:, _LEFT, :2][:, _COST_PARTS], lm[:, _RIGHT, :2][:, _COST_PARTS]


def _viterbi(left: np.ndarray, right: np.ndarray, scale: float) -> np.ndarray:
    """Most plausible labelling (0 as given, 1 exchanged) for a gap-free run of frames."""
    n = len(left)
    states = np.zeros(n, np.int8)
    if n < 3:
        return states
    pos = np.stack([np.stack([left, right], 1), np.stack([right, left], 1)], 0)  # (state, frames, leg, part, 2)
    # cost[s2, s1, s0, t]: misprediction at frame t given labels s2, s1, s0 at frames t-2, t-1, t
    cost = np.empty((2, 2, 2, n))
    for s2 in range(2):
        for s1 in range(2):
            pred = 2 * pos[s1, 1:-1] - pos[s2, :-2]
            for s0 in range(2):
                err = np.linalg.norm(pos[s0, 2:] - pred, axis=-1).sum(axis=(1, 2)) / scale
                cost[s2, s1, s0, 2:] = (np.nan_to_num(err, nan=0.0) + (_SWITCH_PENALTY if s0 != s1 else 0.0)
                                        + _SWAPPED_FRAME_COST * s0)
    # DP state: (label at t-1, label at t)
    acc = np.array([[0.0, _SWITCH_PENALTY + _SWAPPED_FRAME_COST],
                    [_SWITCH_PENALTY + _SWAPPED_FRAME_COST, 2 * _SWAPPED_FRAME_COST]])
    back = np.zeros((n, 2, 2), np.int8)
    for t in range(2, n):
        options = acc[:, :, None] + cost[:, :, :, t]  # (s2, s1, s0)
        back[t] = np.argmin(options, axis=0)
        acc = np.min(options, axis=0)
    s1, s0 = (int(v) for v in np.unravel_index(int(np.argmin(acc)), acc.shape))
    states[-1], states[-2] = s0, s1
    for t in range(n - 1, 1, -1):
        s2 = back[t, states[t - 1], states[t]]
        states[t - 2] = s2
    return states


def _joined(states: np.ndarray, step: int) -> np.ndarray:
    """The interleaved chains' labellings joined into one.

    A lone frame left as given between two exchanged neighbours is exchanged too: the model's swaps last
    several frames, and a one-frame hole in one is a chain that saw the legs cross there, where either
    labelling fits, and kept the model's labels. The chains are independent witnesses of the same legs,
    though: a chain that kept the model's labels in two or more of its own frames inside a stretch, and in
    none exchanged them, denies that swap (one frame is a crossing, several are not). A stretch denied by as
    many chains as saw it is a chain misled by a glitch of one landmark (a far knee jumping for a frame bends
    the prediction of the frames after it), and keeps the model's labels.
    """
    out = states.copy()
    hole = np.flatnonzero(~states[1:-1] & states[:-2] & states[2:]) + 1
    out[hole] = True
    phase = np.arange(len(states)) % step
    for a, b in runs_of(out):
        inside, seen = phase[a:b], states[a:b]
        saw = sum(bool(seen[inside == ph].any()) for ph in range(step))
        denied = sum((inside == ph).sum() >= 2 and not seen[inside == ph].any() for ph in range(step))
        if denied >= saw:
            out[a:b] = False
    return out


def _frames_per_step(t_s: np.ndarray) -> int:
    """Frames in one prediction step at this run's frame rate (at least one)."""
    if len(t_s) < 2:
        return 1
    frame_s = float(np.median(np.diff(t_s)))
    return max(1, round(_PREDICTION_STEP_S / frame_s)) if frame_s > 0 else 1


def _exchange(lm: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = lm.copy()
    left, right = np.array(_LEFT), np.array(_RIGHT)
    out[np.ix_(mask, left)], out[np.ix_(mask, right)] = lm[np.ix_(mask, right)], lm[np.ix_(mask, left)]
    return out


#: A knee held up: the higher thigh at or above this (deg from straight down; a held knee is at 60 or more) and
#: this much above the other (a standing thigh hangs at 0 or behind; knee drives one after the other, the legs
#: taking turns, bring the two within 20 deg as they pass) ...
HELD_THIGH_DEG = 45.0
#: ... for this long (s; a knee drive's thigh is that high for well under half a second; no break is bridged, as
#: a switch of the held knee at the wall passes the thighs as quickly as the model's worst mix-up) ...
HELD_MIN_S = 0.8
#: ... each thigh read through a running median this long (s), so half-merged frames neither end nor start one.
HELD_MEDIAN_S = 0.1
#: The held knee's label: the one the higher knee has on most frames within this time (s) centred on a frame (a
#: switch of knees at the wall, which passes the thighs as quickly as the model mixes them up, then changes it).
HELD_VOTE_S = 1.0


def _running_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of each ``window`` frames centred on a frame (NaN ignored, and NaN where all are)."""
    if window <= 1 or len(values) < window:
        return values.copy()
    padded = np.concatenate([np.full(window // 2, np.nan), values, np.full(window // 2, np.nan)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window
        return np.asarray(np.nanmean(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1))


def _held_knee_order(lm: np.ndarray, t_s: np.ndarray, facing: Side | None) -> np.ndarray:
    """Frames (bool) whose labels to exchange so that, through each knee held up, the higher knee keeps one label."""
    f = forward_sign(facing)
    left, right = thigh_angle_deg(lm, Side.LEFT, f), thigh_angle_deg(lm, Side.RIGHT, f)
    frame_s = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1 / 30
    window = max(1, round(HELD_MEDIAN_S / frame_s) | 1) if frame_s > 0 else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a leg unseen: NaN
        higher = running_median(np.fmax(left, right), window)
        lower = running_median(np.fmin(left, right), window)
    apart = np.nan_to_num(higher, nan=-np.inf) >= HELD_THIGH_DEG
    apart &= np.nan_to_num(higher - lower, nan=-np.inf) >= HELD_THIGH_DEG
    vote_window = max(1, round(HELD_VOTE_S / frame_s) | 1) if frame_s > 0 else 1
    out = np.zeros(len(lm), bool)
    for a, b in runs_of(apart):
        if t_s[b - 1] - t_s[a] < HELD_MIN_S:
            continue
        left_up = left[a:b] > right[a:b]
        seen = ~np.isnan(left[a:b]) & ~np.isnan(right[a:b])
        # the label up in most frames around each frame: one through a hold, the other after a switch of knees
        votes = _running_mean(np.where(seen, left_up.astype(float), np.nan), vote_window)
        out[a:b] = seen & (left_up != (np.nan_to_num(votes, nan=0.5) >= 0.5))
    return out


def repair_leg_swaps(landmarks: np.ndarray, scale_px: float, facing: Side | None,
                     side_view: bool, t_s: np.ndarray | None = None) -> tuple[np.ndarray, LegRepair]:
    """Landmarks with each leg series on one physical leg, and what was changed.

    Args:
        landmarks: (frames, 33, 4) x, y, z, visibility; NaN where nobody.
        scale_px: a body size in pixels (e.g. thigh length), the unit of misprediction.
        facing: the side the athlete faces in the image, if known (see ``metrics.facing_of``).
        side_view: whether the camera is side-on (the near/far rule only holds then).
        t_s: (frames,) times, for the frame rate (None: 30 fps is assumed).

    """
    present = ~np.isnan(landmarks[:, _LEFT + _RIGHT, :2]).any(axis=(1, 2))
    swapped = np.zeros(len(landmarks), bool)
    rules = set()
    for a, b in runs_of(present):
        left, right = _legs(landmarks[a:b])
        step = _frames_per_step(t_s[a:b]) if t_s is not None else max(1, round(30.0 * _PREDICTION_STEP_S))
        states = np.zeros(b - a, bool)
        for phase in range(step):
            states[phase::step] = _viterbi(left[phase::step], right[phase::step], max(scale_px, 1.0)).astype(bool)
        if step > 1:
            states = _joined(states, step)
        fixed = _exchange(landmarks[a:b], states)
        held = _held_knee_order(fixed, t_s[a:b] if t_s is not None else np.arange(b - a) / 30.0, facing)
        states ^= held
        fixed = _exchange(fixed, held)
        if held.any():
            rules.add("the higher knee held up")
        # which consistent leg is the athlete's left, for this whole run
        z_left = np.nanmean(fixed[:, _LEFT, 2])
        z_right = np.nanmean(fixed[:, _RIGHT, 2])
        depth_gap = abs(z_left - z_right) / max(scale_px, 1.0)
        if side_view and facing is not None and depth_gap > 0.3:
            near_is_left = z_left < z_right
            flip = near_is_left != (facing is Side.LEFT)
            rules.add("near leg on the facing side")
        else:
            flip = states.mean() > 0.5
            rules.add("labels the model gave most often")
        swapped[a:b] = states ^ flip
    rule = " / ".join(sorted(rules)) or "none"
    return _exchange(landmarks, swapped), LegRepair(swapped, rule)
