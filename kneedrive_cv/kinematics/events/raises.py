"""Heel raises (the wall drill's sprinter's calves), found on the standing foot whichever label the model gives it.

In sprinter's calves one knee is driven up and held (a hold) while the other foot, already on its ball at the wall,
raises its heel again and again: those raises are the reps. Each frame's standing foot is the one whose thigh is
down while the other is up (both feet when neither is up), so a frame where the model swaps the legs' labels still
reads the right foot. Where the model mixes the legs up for most of a held knee (both legs' landmarks trading
labels many times a second, or pulled together), no label can be trusted: the standing foot is then the lower
foot, picked frame by frame before any smoothing, and a raise is its pitch rising. A raise is a dip of the
standing ankle's dorsiflexion (the ankle plantarflexing) that lifts the heel; frames near a knee coming up or down
are left out, so the driven leg is never read as a raise. A set keeps its beat: where the foot's pitch shows one,
a raise too soon after another is a double reading and dropped. Each raise is measured from its own rest level:
a foot already pitched at the wall is measured from where it starts.
"""

from __future__ import annotations

import itertools
import warnings
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from kneedrive_cv.kinematics.events.cadence import (
    MIN_EVENTS,
    ON_THE_BEAT,
    RHYTHM_MIN_Z,
    clearest_period,
    regular_events,
    rhythm,
    typical_interval_s,
)
from kneedrive_cv.kinematics.events.settings import EventSettings, bridged, crossing, foot_point
from kneedrive_cv.kinematics.filtering import (
    close_short_breaks,
    running_mean,
    running_median,
    runs_of,
    scipy_signal,
    smooth_series,
)
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side, forward_sign, sided, thigh_angle_deg


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


@dataclass(frozen=True)
class LowerFoot:
    """Per frame, whatever the legs' labels: whether one knee is up, and the lower foot's pitch and heel height.

    ``knee_up`` is the higher thigh at or above ``raise_stance_max_thigh_deg``; ``label`` the lower foot's label
    (the model's, after the swap repair); ``pitch_deg`` the lower foot's heel above its toe as an angle (deg, heel
    up positive; its rise is the ankle's plantarflexion while the shank keeps its angle); ``heel_thighs`` its
    heel's height (as :func:`heel_height`). Each is picked on the unsmoothed landmarks and then smoothed.
    ``foot_lost`` marks the frames whose lowest toe is off the floor: the model drew both feet up, and those
    frames are left out.
    """

    knee_up: np.ndarray
    label: list[Side | None]
    pitch_deg: np.ndarray
    heel_thighs: np.ndarray
    foot_lost: np.ndarray


#: The lower foot's landmarks are taken through a running median this long (s) before smoothing: a model that mixes
#: the legs up puts a foot half-way between them on up to about a third of the frames, in runs of a few.
LOWER_FOOT_MEDIAN_S = 0.1
#: The standing toe stays on the floor through a raise (it is by the ball the foot pivots on): a lowest toe more
#: than TOE_OFF_FLOOR_THIGHS above its usual level (its median over TOE_FLOOR_S) is no standing foot's.
TOE_OFF_FLOOR_THIGHS = 0.1
TOE_FLOOR_S = 1.0


def knee_kept_up(kinematics: Kinematics, settings: EventSettings | None = None) -> np.ndarray | None:
    """Frames where one thigh, whichever its label, is up (:attr:`LowerFoot.knee_up`); None as for lower_foot.

    The first and cheapest part of :func:`lower_foot`: a clip with no knee kept up needs no more of it.
    """
    s = settings or EventSettings()
    xy, t = kinematics.unsmoothed_xy, kinematics.t_s
    if xy is None or len(t) < 2:
        return None
    f = forward_sign(kinematics.facing)
    thigh = {side: thigh_angle_deg(xy, side, f) for side in Side}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nobody: NaN
        higher_thigh = np.fmax(thigh[Side.LEFT], thigh[Side.RIGHT])
    fps = (len(t) - 1) / (t[-1] - t[0]) if t[-1] > t[0] else 30.0
    window = max(1, round(LOWER_FOOT_MEDIAN_S * fps) | 1)
    up = smooth_series(t, running_median(higher_thigh, window), kinematics.settings, 5.0)[0]
    return close_short_breaks(np.nan_to_num(up, nan=-np.inf) >= s.raise_stance_max_thigh_deg, t, s.hold_bridge_s)


def lower_foot(kinematics: Kinematics, settings: EventSettings | None = None,
               knee_up: np.ndarray | None = None) -> LowerFoot | None:
    """The lower foot of every frame (see :class:`LowerFoot`); None without the unsmoothed landmarks.

    ``knee_up``: :func:`knee_kept_up`'s answer, where the caller has it already.
    """
    s = settings or EventSettings()
    xy, t = kinematics.unsmoothed_xy, kinematics.t_s
    knee_up = knee_kept_up(kinematics, s) if knee_up is None else knee_up
    if xy is None or knee_up is None:
        return None
    height, heel, toe = {}, {}, {}
    for side in Side:
        heel[side], toe[side] = xy[:, int(sided(side, "HEEL"))], xy[:, int(sided(side, "FOOT_INDEX"))]
        height[side] = -(heel[side][:, 1] + toe[side][:, 1]) / 2
    seen = ~np.isnan(height[Side.LEFT]) & ~np.isnan(height[Side.RIGHT])
    left_lower = seen & (np.nan_to_num(height[Side.LEFT]) <= np.nan_to_num(height[Side.RIGHT]))
    # the heel and the toe nearest the floor, each on its own: a frame whose feet the model half merges still
    # has its lowest heel and toe where the standing foot's are (measured within 4 px, median 0.3 px for the toe)
    low = []
    for part in (heel, toe):
        nearer = part[Side.LEFT][:, 1:] >= part[Side.RIGHT][:, 1:]
        low += [np.where(nearer[:, 0], part[Side.LEFT][:, c], part[Side.RIGHT][:, c]) for c in range(2)]
    label: list[Side | None] = [None if not ok else Side.LEFT if lower else Side.RIGHT
                                for ok, lower in zip(seen, left_lower, strict=True)]
    fps = (len(t) - 1) / (t[-1] - t[0]) if t[-1] > t[0] else 30.0
    window = max(1, round(LOWER_FOOT_MEDIAN_S * fps) | 1)
    # a "lowest" toe well off the floor is the model drawing both feet where the raised one is: no standing foot
    toe_y = low[3]
    floor_y = running_median(np.where(seen, toe_y, np.nan), max(1, round(TOE_FLOOR_S * fps) | 1))
    lost = seen & (np.nan_to_num(floor_y - toe_y, nan=-np.inf) > TOE_OFF_FLOOR_THIGHS * kinematics.thigh_px)
    seen &= ~lost
    settle, floor_px = kinematics.settings, 0.05 * kinematics.thigh_px
    hx, hy, tx, ty = (smooth_series(t, running_median(np.where(seen, v, np.nan), window), settle, floor_px)[0]
                      for v in low)
    # the pitch from the heel's height over the toe along the foot's length (its median over the clip): the
    # heights are what the lower foot's picking keeps steady, its x flickers with the half-merged frames
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no foot seen: NaN
        foot_px = float(np.nanmedian(np.hypot(tx - hx, ty - hy)))
    pitch = np.degrees(np.arcsin(np.clip((ty - hy) / foot_px, -1.0, 1.0)))
    return LowerFoot(knee_up, label, pitch, -hy / kinematics.thigh_px, lost)


def _raises_in(t: np.ndarray, seg: np.ndarray, lift: np.ndarray, labels: list[Side | None], a: int,
               thigh_px: float, s: EventSettings) -> list[HeelRaise]:
    """The raises of one stretch ``[a, a + len(seg))`` where a standing foot is seen throughout.

    A raise is counted on the ankle's plantarflexion (averaged over ``raise_smooth_s`` to find it) where the heel
    rises ``raise_min_thighs`` or more with it; in a figure too small for that to show (under ``raise_min_px``), the
    heel's rise is NaN (not measured).
    """
    b = a + len(seg)
    fps = (b - a - 1) / (t[b - 1] - t[a])
    found, _ = scipy_signal().find_peaks(running_mean(seg, s.raise_smooth_s * fps), prominence=s.raise_min_deg,
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
        if rise > s.raise_max_thighs:
            continue  # further than a heel can rise on its toes: the model lost the standing foot
        if rise * thigh_px < s.raise_min_px:  # a small figure: the heel's rise is under what the picture shows
            rise = float("nan")
        out.append(HeelRaise(a + lo, a + p, a + hi, float(t[a + lo]), float(t[a + p]), float(t[a + hi]), rise,
                             labels[a + p], plantarflexion))
    return out


#: A knee held up whose standing foot the legs' labels name on less than this share of its frames has had its legs
#: mixed up by the model: its standing foot is read as the lower foot instead, unless the model loses that foot too
#: (both feet drawn up) on more than LOST_FOOT_MAX_SHARE of the frames (measured: 0-2 % where the lower foot counts
#: every raise, 15-17 % where its glitches read as raises as often as the raises do), or on up to
#: LOST_FOOT_RHYTHM_SHARE where the lower foot's pitch keeps the set's rhythm (:func:`_on_the_beat` then drops the
#: glitches).
LABELLED_MIN_SHARE = 0.5
LOST_FOOT_MAX_SHARE = 0.1
LOST_FOOT_RHYTHM_SHARE = 0.3
#: Periods a set of raises can have (s): 0.5 to 2 raises a second, with room either side.
RAISE_PERIOD_S = (0.4, 2.5)


def mixed_up_holds(kinematics: Kinematics, labelled: np.ndarray,
                   s: EventSettings) -> list[tuple[int, int, LowerFoot, float]]:
    """Stretches ``[a, b)`` of a knee kept up, clear of it coming up or down, whose standing foot is mostly unnamed.

    Each comes with the lower foot, to be read there instead, and the share of its frames where the model lost
    that foot too (:attr:`LowerFoot.foot_lost`).
    """
    return [(a, b, low, lost) for a, b, low, lost, named in unnamed_holds(kinematics, labelled, s)
            if named < LABELLED_MIN_SHARE]


def unnamed_holds(kinematics: Kinematics, labelled: np.ndarray,
                  s: EventSettings) -> list[tuple[int, int, LowerFoot, float, float]]:
    """Stretches ``[a, b)`` of a knee kept up, clear of it coming up or down, whose standing foot is ever unnamed.

    Each comes with the lower foot, the share of its frames the model lost that foot on, and the share the labels
    name the standing foot on.
    Mostly unnamed (under LABELLED_MIN_SHARE): the model mixed the legs up, and the stretch is read on the lower
    foot (:func:`mixed_up_holds`). Mostly named: the held thigh read dipping for a moment, or the labels swapped
    for a while, left the frames around it unnamed, and :func:`heel_raises` reads a raise reaching into them on
    the lower foot.
    """
    knee_up = knee_kept_up(kinematics, s)
    if knee_up is None:
        return []
    t = kinematics.t_s
    stretches = []
    for a, b in runs_of(knee_up):
        keep = (t >= t[a] + s.raise_clear_s) & (t <= t[b - 1] - s.raise_clear_s)
        inside = np.flatnonzero(keep[a:b]) + a
        if len(inside) >= 5 and not labelled[inside].all():
            stretches.append(inside)
    low = lower_foot(kinematics, s, knee_up) if stretches else None  # the feet's series cost most: only where needed
    if low is None:
        return []
    return [(int(inside[0]), int(inside[-1]) + 1, low, float(np.mean(low.foot_lost[inside])),
             float(np.mean(labelled[inside]))) for inside in stretches]


def _beat_s(t: np.ndarray, pitch: np.ndarray, s: EventSettings) -> float | None:
    """The period of a set of raises (s) as a foot's pitch shows it, None where it shows no clear one.

    It is looked for across the frames where the foot was not read, drawn straight over them, in a pitch that
    swings at least as much as raises of ``raise_min_deg`` would (a sine that swings 6 deg varies by 2.1 deg; half
    that, 3 deg, asked for before, left the beat unseen in sets whose raises the model reads at 5-8 deg).
    """
    seen = ~np.isnan(pitch)
    if seen.sum() < 2:
        return None
    least_std = s.raise_min_deg / (2 * np.sqrt(2))
    found = clearest_period(t, np.interp(t, t[seen], pitch[seen]), RAISE_PERIOD_S, least_std, None)
    return None if found is None else found[0]


def _beat_of(raises: list[HeelRaise]) -> float | None:
    """The period of a set of raises (s) as the raises themselves keep it, None where they keep none.

    The foot's pitch can hide a set's beat that its raises show: raises the model reads at 5-8 deg, each a short dip
    from a long rest, vary the pitch less than a sine of that swing, and :func:`_beat_s` finds no period. Raises
    found at a lower prominence (:data:`FILL_SHARE_OF_MIN`) that lie on one beat (coherence at least ON_THE_BEAT, and
    the Rayleigh statistic at least RHYTHM_MIN_Z, as a cadence asks of its events) tell it instead: noise keeps none.
    """
    times = sorted(r.t_peak_s for r in raises)
    typical = typical_interval_s(times) if len(times) >= MIN_EVENTS else None
    if typical is None or not RAISE_PERIOD_S[0] <= typical <= RAISE_PERIOD_S[1]:
        return None
    period, coherence = rhythm(times, typical)
    return period if coherence >= ON_THE_BEAT and len(times) * coherence ** 2 >= RHYTHM_MIN_Z else None


def _on_the_beat(found: list[HeelRaise], beat_s: float | None) -> list[HeelRaise]:
    """Raises without the double readings: a set keeps its rhythm, the model's glitches do not.

    A raise less than 60 % of the set's period after another is a glitch (a foot drawn half-way between the legs for
    a few frames, a heel flicking up), and of the two the one that leaves the more regular intervals stays
    (:func:`regular_events`). Where the foot's pitch shows no clear period, every raise stands.
    """
    if beat_s is None:
        return found
    kept = set(regular_events([r.t_peak_s for r in found], beat_s).tolist())
    return [r for r in found if r.t_peak_s in kept]


#: Where a set's beat is clear, a raise the ankle turned less for than ``raise_min_deg`` is still one when it
#: fills a gap in the beat: a peak of at least this share of ``raise_min_deg`` ...
FILL_SHARE_OF_MIN = 0.5
#: ... within this share of a beat of where the gap's beats fall (a gap of k beats, two or more, between two
#: raises holds k - 1), the gap itself within FILL_OFF_BEAT of a whole number of beats.
FILL_WITHIN_BEAT = 0.25
FILL_OFF_BEAT = 0.3


def _lower_foot_raises(t: np.ndarray, low: LowerFoot, a: int, b: int, thigh_px: float,
                       s: EventSettings) -> list[HeelRaise]:
    """The raises of the lower foot's pitch in frames ``[a, b)``, over each stretch where it is seen."""
    seen = ~np.isnan(low.pitch_deg[a:b]) & ~np.isnan(low.heel_thighs[a:b])
    found: list[HeelRaise] = []
    for c, d in runs_of(seen):
        if d - c >= 5 and t[a + d - 1] > t[a + c]:
            found += _raises_in(t, low.pitch_deg[a + c:a + d], low.heel_thighs[a + c:a + d], low.label, a + c,
                                thigh_px, s)
    return found


def _beats_off(t_s: float, raises: list[HeelRaise], beat_s: float) -> float:
    """How far (in beats) ``t_s`` lies from a whole number of beats after or before the nearest of ``raises``."""
    beats = min(abs(t_s - r.t_peak_s) for r in raises) / beat_s
    return abs(beats - round(beats))


def _filled_on_the_beat(found: list[HeelRaise], weak: list[HeelRaise], beat_s: float | None) -> list[HeelRaise]:
    """Raises with the weak ones (found at a lower prominence) that fill gaps in the set's beat put in.

    The model reads some raises short (an ankle turning 14 deg read turning 5, under the ``raise_min_deg`` a raise
    is otherwise found by) while the raises either side keep the beat. A gap between two raises of about k beats
    (k >= 2) has lost k - 1; a weak raise is put in where one of them falls. Only between raises found the usual
    way, and only where the foot's pitch shows a clear beat: noise keeps no beat, and a peak off it stays out.
    """
    if beat_s is None or len(found) < 2 or not weak:
        return found
    out = list(found)
    times = sorted(r.t_peak_s for r in found)
    for a, b in itertools.pairwise(times):
        beats = (b - a) / beat_s
        k = round(beats)
        if k < 2 or abs(beats - k) > FILL_OFF_BEAT:
            continue
        for j in range(1, k):
            due = a + j * (b - a) / k
            near = [r for r in weak if abs(r.t_peak_s - due) <= FILL_WITHIN_BEAT * beat_s]
            if near:
                out.append(min(near, key=lambda r: abs(r.t_peak_s - due)))
    return sorted(out, key=lambda r: r.t_peak_s)


def heel_raises(kinematics: Kinematics, settings: EventSettings | None = None) -> list[HeelRaise]:
    """Heel raises of the standing foot (:func:`standing_foot`), each measured from its own rest level.

    A raise's ``side`` is the foot that stood through most of the set's one-foot raises (the model may swap the
    labels for a while; the athlete does not swap feet mid-set), None for raises with both feet standing.

    Where the labels name the standing foot through most of a held knee but not all of it (the held thigh read
    dipping for a moment, so the frames either side are left out), a raise reaching into those frames is read on
    the lower foot (:func:`lower_foot`), which needs no labels: where the set keeps a beat, on it; not within 60 %
    of a beat (or ``raise_min_interval_s``) of a raise found already; not where the model lost that foot too
    (measured on the 48 randomised calves renders: 7 raises more, none false).
    """
    s = settings or EventSettings()
    t = kinematics.t_s
    foot = standing_foot(kinematics, s)
    labelled = ~np.isnan(foot.plantarflexion_deg) & ~np.isnan(foot.heel_thighs)
    out: list[HeelRaise] = []
    held = unnamed_holds(kinematics, labelled, s)
    for a, b, low, lost, named_share in held:
        if named_share >= LABELLED_MIN_SHARE:
            continue
        labelled[a:b] = False
        found = _lower_foot_raises(t, low, a, b, kinematics.thigh_px, s)
        beat = _beat_s(t[a:b], low.pitch_deg[a:b], s) if found else None
        # the lower foot lost on many frames reads its glitches as raises: only a clear beat sorts them out
        if lost <= LOST_FOOT_MAX_SHARE or (beat is not None and lost <= LOST_FOOT_RHYTHM_SHARE):
            out += _on_the_beat(found, beat)
    found, weak = [], []
    weak_settings = replace(s, raise_min_deg=FILL_SHARE_OF_MIN * s.raise_min_deg)
    for a, b in runs_of(labelled):
        if b - a >= 5 and t[b - 1] > t[a]:
            args = (t, foot.plantarflexion_deg[a:b], foot.heel_thighs[a:b], foot.label, a, kinematics.thigh_px)
            found += _raises_in(*args, s)
            weak += _raises_in(*args, weak_settings)
    # (a beat matters from three raises on: fewer have no double to drop)
    beat = _beat_s(t, np.where(labelled, foot.plantarflexion_deg, np.nan), s) if len(found) >= 3 else None
    if beat is None and len(found) >= 3:
        beat = _beat_of(weak)
    named = _filled_on_the_beat(_on_the_beat(found, beat), weak, beat)
    apart = 0.6 * beat if beat is not None else s.raise_min_interval_s
    for a, b, low, lost, named_share in held:
        if named_share < LABELLED_MIN_SHARE or lost > LOST_FOOT_MAX_SHARE:
            continue
        named += [r for r in _lower_foot_raises(t, low, a, b, kinematics.thigh_px, s)
                  if not labelled[r.i_start:r.i_end + 1].all()  # reaching into the frames the labels left out
                  and all(abs(r.t_peak_s - x.t_peak_s) >= apart for x in named)
                  and (beat is None or not named or _beats_off(r.t_peak_s, named, beat) <= FILL_OFF_BEAT)]
    out += _on_the_beat(sorted(named, key=lambda r: r.t_peak_s), beat)
    out.sort(key=lambda r: r.t_peak_s)
    sides = Counter(r.side for r in out if r.side is not None)
    if sides:
        stance = sides.most_common(1)[0][0]
        out = [r if r.side is None else replace(r, side=stance) for r in out]
    return out
