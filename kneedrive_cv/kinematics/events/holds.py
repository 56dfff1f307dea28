"""Holds: a knee kept up."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events.cadence import HIPS_STILL_THIGHS, hip_bounce_series
from kneedrive_cv.kinematics.events.settings import EventSettings, bridged
from kneedrive_cv.kinematics.filtering import close_short_breaks, runs_of
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side, sided


@dataclass(frozen=True)
class Hold:
    """An interval where one knee stays up (thigh at or above the hold threshold, moving little).

    ``labels_mixed``: the hold was seen only by whichever thigh was higher (:func:`holds`' last resort): the
    model traded the legs' labels through it, so ``side`` is only the leg labelled up most often, and that leg's
    own series (its thigh, knee and foot) cannot be read as one leg's.
    """

    side: Side
    i_start: int
    i_end: int
    t_start_s: float
    t_end_s: float
    labels_mixed: bool = False

    @property
    def duration_s(self) -> float:
        """Length of the hold in seconds."""
        return self.t_end_s - self.t_start_s


def holds(kinematics: Kinematics, settings: EventSettings | None = None, expected: bool = False) -> list[Hold]:
    """Intervals where a thigh stays at or above the hold threshold and moves slowly, at least ``hold_min_s``.

    Where the model misreads a held thigh for a while, the foot kept up says the hold went on
    (:func:`_foot_kept_up`). ``expected``: the clip is known to show holds (the drill is a hold); where neither
    leg's thigh nor foot saw one, whichever thigh is higher is read (:func:`_held_by_either_thigh`), over the
    whole clip or beside the holds found the usual way (the model can scramble one hold of a set and not another),
    and holds of the two legs that follow too closely to be a change of leg are one (:func:`_traded_in_a_hold`).
    """
    s = settings or EventSettings()
    t = kinematics.t_s
    out: list[Hold] = []
    for side in Side:
        theta = bridged(t, kinematics.frames.side("thigh_angle", side), s.bridge_gap_s)
        speed = np.abs(np.gradient(np.nan_to_num(theta), t)) if len(t) > 1 else np.zeros_like(t)
        up = ~np.isnan(theta) & (theta >= s.hold_min_thigh_deg) & (speed <= s.hold_max_speed_deg_s)
        found = [Hold(side, a, b - 1, float(t[a]), float(t[b - 1]))
                 for a, b in runs_of(close_short_breaks(up, t, s.hold_bridge_s)) if t[b - 1] - t[a] >= s.hold_min_s]
        out += _joined_by_the_foot(found, _foot_kept_up(kinematics, side, s), s.hold_rejoin_s)
    if expected:
        out = _traded_in_a_hold(out, s.hold_bridge_s)
        out += [h for h in _held_by_either_thigh(kinematics, s) if not any(_overlap(h, o) for o in out)]
    out.sort(key=lambda h: h.t_start_s)
    return out


def _traded_in_a_hold(found: list[Hold], max_gap_s: float) -> list[Hold]:
    """Holds of the two legs that overlap or follow within ``max_gap_s`` joined: one hold, its labels traded.

    Only where the clip is known to show the standing hold (``expected``). Changing legs there takes the held
    thigh down and the other up, each about 0.3 s, with the foot set down between: nobody standing holds the other
    knee up within a glitch's length (``hold_bridge_s``) of the first one's end, nor both at once. (A wall drill's
    exchange switches the held knee in a fraction of a second: not joined there.) The model can trade the legs'
    labels part way through a hold (a randomised hold, seed 6009: the right knee held 1.2-3.9 s read as the right's
    up to 2.84 s and the left's from 3.2 s), which read as two holds. The joined hold keeps the longer part's side
    and is marked ``labels_mixed`` (which leg was held is then not known for sure).
    """
    out: list[Hold] = []
    for h in sorted(found, key=lambda h: h.t_start_s):
        prev = out[-1] if out else None
        if prev is None or prev.side is h.side or h.t_start_s - prev.t_end_s > max_gap_s:
            out.append(h)
            continue
        longer = max(prev, h, key=lambda x: x.duration_s)
        end = max((prev, h), key=lambda x: x.t_end_s)
        out[-1] = Hold(longer.side, prev.i_start, end.i_end, prev.t_start_s, end.t_end_s, labels_mixed=True)
    return out


def _overlap(a: Hold, b: Hold) -> bool:
    """The two holds share some time."""
    return a.t_start_s <= b.t_end_s and b.t_start_s <= a.t_end_s


def _joined_by_the_foot(by_thigh: list[Hold], by_foot: list[Hold], max_gap_s: float) -> list[Hold]:
    """One leg's holds seen by the thigh, joined where the foot stayed up between them, and where the thigh saw none.

    Holds of both kinds that overlap or are parted by no more than ``max_gap_s`` are one. The model can misread a
    held thigh for a few tenths of a second (read down at 10-50 deg while the other leg is read rising, the labels
    mixing), which splits one hold in two; putting the foot down and lifting it into a hold again takes longer
    (the lowering and the lift each take about 0.3 s, the reset between them more), so holds of one leg that close
    are one. Where the thigh saw some of it, its start and end are the thigh's (the thigh's angle times a hold; the
    foot only says it went on); a hold the foot alone saw keeps the foot's.
    """
    found = sorted([(h, True) for h in by_thigh] + [(h, False) for h in by_foot], key=lambda x: x[0].t_start_s)
    groups: list[list[tuple[Hold, bool]]] = []
    for h, thigh in found:
        if groups and h.t_start_s - max(g.t_end_s for g, _ in groups[-1]) <= max_gap_s:
            groups[-1].append((h, thigh))
        else:
            groups.append([(h, thigh)])
    out = []
    for group in groups:
        edges = [h for h, thigh in group if thigh] or [h for h, _ in group]
        first, last = min(edges, key=lambda h: h.t_start_s), max(edges, key=lambda h: h.t_end_s)
        out.append(Hold(first.side, first.i_start, last.i_end, first.t_start_s, last.t_end_s))
    return out


#: A foot kept up: its ankle at least this far (thigh lengths) above the other ankle, rising or falling against it
#: no faster than FOOT_UP_MAX_SPEED (thigh lengths a second: a knee lifted into a hold or lowered out of it moves
#: the foot about three), its thigh read at least FOOT_UP_THIGH_DEG, for hold_min_s, breaks up to
#: FOOT_UP_BRIDGE_S not ending it.
FOOT_UP_THIGHS = 0.4
FOOT_UP_MAX_SPEED = 0.5
FOOT_UP_THIGH_DEG = 30.0
FOOT_UP_BRIDGE_S = 0.15


def _foot_kept_up(kinematics: Kinematics, side: Side, settings: EventSettings) -> list[Hold]:
    """Holds seen as a foot kept off the floor beside the standing one, where the thigh's angle is misread.

    The model can read a held thigh (at 80-100 deg) swinging between 35 and 80 deg for seconds while the knee and
    foot it draws stay up: the hold's thigh then never stays over hold_min_thigh_deg. The foot says it is held:
    one ankle well above the other, the whole time, as no drive, run or walk keeps a foot up for hold_min_s.
    """
    t = kinematics.t_s
    own, other = (kinematics.xy[:, int(sided(x, "ANKLE")), 1] for x in (side, side.other))
    with np.errstate(invalid="ignore"):
        lift = (other - own) / kinematics.thigh_px
        speed = np.abs(np.gradient(lift, t)) if len(t) > 1 else np.zeros_like(t)
        up = ((lift >= FOOT_UP_THIGHS) & (speed <= FOOT_UP_MAX_SPEED)
              & (kinematics.frames.timing[f"thigh_angle_{side.value}"] >= FOOT_UP_THIGH_DEG))
    return [Hold(side, a, b - 1, float(t[a]), float(t[b - 1]))
            for a, b in runs_of(close_short_breaks(up, t, FOOT_UP_BRIDGE_S)) if t[b - 1] - t[a] >= settings.hold_min_s]


#: A knee kept up by either leg: whichever thigh is higher at least this far up (deg) for hold_min_s, breaks up to
#: hold_bridge_s not ending it, timed from the first to the last frame it reached the hold threshold. Standing,
#: both thighs read -10 to 10 deg; a held thigh the model scrambles reads 30-95 frame by frame.
EITHER_THIGH_UP_DEG = 30.0


def _held_by_either_thigh(kinematics: Kinematics, settings: EventSettings) -> list[Hold]:
    """Holds seen by whichever thigh is higher while the hips stay still, the legs' labels set aside.

    A thigh at or above the horizontal, side-on, is read swinging 40-90 deg frame by frame with its label trading
    between the legs for the whole hold: neither leg's thigh stays up, and the feet's labels trade too. Whichever
    thigh is higher stays up, but so it does through knee drives taken in turn: those bounce the hips at every
    step (:data:`~kneedrive_cv.kinematics.events.cadence.HIPS_STILL_THIGHS`), a held knee keeps them still. Only
    used where the drill is a hold, and only where no other hold was found (measured on the 98 randomised holds
    of five sets: with it beside the holds found the usual way, 96 give the true number of holds, 93 without).
    """
    bounce = hip_bounce_series(kinematics)
    if bounce is None:
        return []
    t = kinematics.t_s
    thighs = np.stack([kinematics.frames.side("thigh_angle", side) for side in Side])
    higher = np.max(np.nan_to_num(thighs, nan=-np.inf), axis=0)
    out = []
    for a, b in runs_of(close_short_breaks(higher >= EITHER_THIGH_UP_DEG, t, settings.hold_bridge_s)):
        top = a + np.flatnonzero(higher[a:b] >= settings.hold_min_thigh_deg)
        if len(top):  # timed by the hold threshold where the thigh reached it, as the other holds are
            a, b = int(top[0]), int(top[-1]) + 1
        if t[b - 1] - t[a] < settings.hold_min_s or not np.nanmedian(bounce[a:b]) < HIPS_STILL_THIGHS:
            continue
        counts = [int(np.sum(thighs[i, a:b] >= EITHER_THIGH_UP_DEG)) for i in range(2)]
        side = list(Side)[int(np.argmax(counts))]
        out.append(Hold(side, a, b - 1, float(t[a]), float(t[b - 1]), labels_mixed=True))
    return out
