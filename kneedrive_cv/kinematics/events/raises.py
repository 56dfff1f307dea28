"""Heel raises (the wall drill's sprinter's calves), found on the standing foot whichever label the model gives it.

In sprinter's calves one knee is driven up and held (a hold) while the other foot, already on its ball at the wall,
raises its heel again and again: those raises are the reps. Each frame's standing foot is the one whose thigh is
down while the other is up (both feet when neither is up), so a frame where the model swaps the legs' labels still
reads the right foot. A raise is a dip of the standing ankle's dorsiflexion (the ankle plantarflexing) that lifts
the heel; frames near a knee coming up or down are left out, so the driven leg is never read as a raise. Each
raise is measured from its own rest level: a foot already pitched at the wall is measured from where it starts.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from kneedrive_cv.kinematics.events.settings import EventSettings, bridged, crossing, foot_point
from kneedrive_cv.kinematics.filtering import runs_of, scipy_signal
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side


@dataclass(frozen=True)
class HeelRaise:
    """One heel raise: a standing heel lifting higher onto the ball of the foot and back.

    ``side`` is the foot that raised (None: both feet together); ``rise_thighs`` is the heel's rise from its rest
    level just before this raise to the top, in thigh lengths; ``plantarflexion_deg`` the ankle's over the same.
    """

    i_start: int
    i_peak: int
    i_end: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    rise_thighs: float
    side: Side | None = None
    plantarflexion_deg: float = float("nan")


def heel_height(kinematics: Kinematics, side: Side) -> np.ndarray:
    """Height of one heel in the picture (thigh lengths, up positive, from the top of the frame).

    The picture's own vertical, so the camera must stay still over a raise (a tripod, or a phone held at the wall);
    each raise is measured from its own rest level, so only the change over the raise counts.
    """
    return np.asarray(-foot_point(kinematics, side, "HEEL")[:, 1] / kinematics.thigh_px)


def _lifted(kinematics: Kinematics, side: Side, s: EventSettings) -> np.ndarray:
    """Frames where ``side``'s thigh is up (or not seen): its foot is not a standing foot."""
    thigh = bridged(kinematics.t_s, kinematics.frames.side("thigh_angle", side), s.bridge_gap_s)
    return np.asarray(~(np.nan_to_num(thigh, nan=np.inf) < s.raise_stance_max_thigh_deg))


def _near(t: np.ndarray, frames: np.ndarray, within_s: float) -> np.ndarray:
    """Frames within ``within_s`` of any of ``frames`` (indices)."""
    out = np.zeros(len(t), bool)
    for i in frames:
        out[(t >= t[i] - within_s) & (t <= t[i] + within_s)] = True
    return out


#: Dorsiflexion a standing foot can take (deg): from the heel flat at a deep wall lean to far up on the toes. Outside
#: it, the model has lost the foot (measured: -77 to -87 on frames where the legs' labels mix).
STANDING_DORSIFLEXION_DEG = (-70.0, 60.0)


def _foot_angle(kinematics: Kinematics, side: Side) -> np.ndarray:
    """The foot's dorsiflexion, NaN where no standing foot could take it."""
    d = np.array(kinematics.frames.side("dorsiflexion", side), float)
    lo, hi = STANDING_DORSIFLEXION_DEG
    d[(d < lo) | (d > hi)] = np.nan
    return d


@dataclass(frozen=True)
class StandingFoot:
    """Per frame: the standing foot's label (None: both feet stand), its plantarflexion (deg) and heel height.

    NaN where no foot stands, or near a knee coming up or down, or near the model swapping the feet's labels.
    """

    label: list[Side | None]
    plantarflexion_deg: np.ndarray
    heel_thighs: np.ndarray


def standing_foot(kinematics: Kinematics, settings: EventSettings | None = None) -> StandingFoot:
    """The standing foot of every frame (see :class:`StandingFoot`)."""
    s = settings or EventSettings()
    t = kinematics.t_s
    lifted = {side: _lifted(kinematics, side, s) for side in Side}
    plantar = {side: -bridged(t, _foot_angle(kinematics, side), s.bridge_gap_s) for side in Side}
    heel = {side: bridged(t, heel_height(kinematics, side), s.bridge_gap_s) for side in Side}
    up_l, up_r = lifted[Side.LEFT], lifted[Side.RIGHT]
    label: list[Side | None] = [Side.RIGHT if a and not b else Side.LEFT if b and not a else None
                                for a, b in zip(up_l, up_r, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # both feet unseen: NaN
        both_p = np.nanmean(np.stack([plantar[Side.LEFT], plantar[Side.RIGHT]]), axis=0)
        both_h = np.nanmean(np.stack([heel[Side.LEFT], heel[Side.RIGHT]]), axis=0)
    one = up_l ^ up_r
    none = ~up_l & ~up_r
    p_out, h_out = np.full(len(t), np.nan), np.full(len(t), np.nan)
    p_out[none], h_out[none] = both_p[none], both_h[none]
    for side in Side:
        mine = one & ~lifted[side]
        p_out[mine], h_out[mine] = plantar[side][mine], heel[side][mine]
    # a knee coming up or down: the count of feet up changes; the model swapping the labels: the foot up changes
    # side, at once or through a few frames where both labels read up or down as they cross
    count = up_l.astype(np.int8) + up_r.astype(np.int8)
    steady, crossing_frames = count.copy(), np.zeros(len(t), bool)
    for a, b in runs_of(~one):
        swapped = a > 0 and b < len(t) and up_l[a - 1] != up_l[b]  # the other label is up after it
        if swapped and t[b] - t[a - 1] <= s.raise_swap_gap_s:
            steady[a:b], crossing_frames[a:b] = 1, True
    changes = np.flatnonzero(np.diff(steady)) if len(t) > 1 else np.zeros(0, int)
    flips = np.flatnonzero(one[1:] & one[:-1] & (up_l[1:] != up_l[:-1])) if len(t) > 1 else np.zeros(0, int)
    swaps = np.concatenate([flips, np.flatnonzero(crossing_frames)])
    unsure = _near(t, changes, s.raise_clear_s) | _near(t, swaps, s.raise_swap_clear_s) | (steady == 2)
    p_out[unsure], h_out[unsure] = np.nan, np.nan
    return StandingFoot(label, p_out, h_out)


def _raises_in(t: np.ndarray, seg: np.ndarray, lift: np.ndarray, labels: list[Side | None], a: int,
               thigh_px: float, s: EventSettings) -> list[HeelRaise]:
    """The raises of one stretch ``[a, a + len(seg))`` where a standing foot is seen throughout.

    A raise is counted on the ankle's plantarflexion where the heel rises ``raise_min_thighs`` or more with it; in
    a figure too small for that to show (under ``raise_min_px``), the heel's rise is NaN (not measured).
    """
    b = a + len(seg)
    fps = (b - a - 1) / (t[b - 1] - t[a])
    found, _ = scipy_signal().find_peaks(seg, prominence=s.raise_min_deg,
                                         distance=max(1, int(s.raise_min_interval_s * fps)),
                                         width=s.raise_min_width_s * fps)
    rest_n = max(1, round(s.raise_rest_s * fps))
    out: list[HeelRaise] = []
    # each raise between its own valleys (find_peaks' bases reach back past lower peaks when the rest drifts)
    edges = [0, *(int(x) for x in found), len(seg) - 1]
    for k, p in enumerate(int(x) for x in found):
        back = max(edges[k], p - max(1, round(s.raise_max_up_s * fps)))
        lb = back + int(np.argmin(seg[back:p + 1]))
        rb = p + int(np.argmin(seg[p:edges[k + 2] + 1]))
        lo, hi = crossing(seg, lb, p, 0.2), crossing(seg, rb, p, 0.2)
        # the rest level is this raise's own: the frames just before the ankle starts to turn (5 % of the way up)
        start = crossing(seg, lb, p, 0.05)
        base = slice(max(lb, start - rest_n), start + 1)
        rise = float(np.max(lift[lo:hi + 1]) - np.median(lift[base]))
        plantarflexion = float(np.max(seg[lo:hi + 1]) - np.median(seg[base]))
        if rise < s.raise_min_thighs and s.raise_min_thighs * thigh_px >= s.raise_min_px:
            continue  # the ankle seemed to turn but the heel, big enough in the picture to show it, did not rise
        if rise * thigh_px < s.raise_min_px:  # a small figure: the heel's rise is under what the picture shows
            rise = float("nan")
        out.append(HeelRaise(a + lo, a + p, a + hi, float(t[a + lo]), float(t[a + p]), float(t[a + hi]), rise,
                             labels[a + p], plantarflexion))
    return out


def heel_raises(kinematics: Kinematics, settings: EventSettings | None = None) -> list[HeelRaise]:
    """Heel raises of the standing foot (:func:`standing_foot`), each measured from its own rest level.

    A raise's ``side`` is the foot that stood through most of the set's one-foot raises (the model may swap the
    labels for a while; the athlete does not swap feet mid-set), None for raises with both feet standing.
    """
    s = settings or EventSettings()
    t = kinematics.t_s
    foot = standing_foot(kinematics, s)
    out: list[HeelRaise] = []
    for a, b in runs_of(~np.isnan(foot.plantarflexion_deg) & ~np.isnan(foot.heel_thighs)):
        if b - a >= 5 and t[b - 1] > t[a]:
            out += _raises_in(t, foot.plantarflexion_deg[a:b], foot.heel_thighs[a:b], foot.label, a,
                              kinematics.thigh_px, s)
    sides = Counter(r.side for r in out if r.side is not None)
    if sides:
        stance = sides.most_common(1)[0][0]
        out = [r if r.side is None else replace(r, side=stance) for r in out]
    return out
