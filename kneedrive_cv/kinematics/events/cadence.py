"""Rates from event times: cadence, its change over a set, and the hips' bounce that cross-checks it.

Rates come from event times (span over the number of intervals), never from an assumed frame rate. The clip's
cadence (:func:`clip_cadence`) is counted from foot contacts, knee drives or heel raises, as the drill says.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import numpy as np

from kneedrive_cv.kinematics.events.contacts import FootContact
from kneedrive_cv.kinematics.events.drives import usual_interval
from kneedrive_cv.kinematics.filtering import runs_of, scipy_signal
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import mid_hip

if TYPE_CHECKING:
    from kneedrive_cv.kinematics.events import Events


class CadenceFrom(enum.StrEnum):
    """What a drill's cadence is counted from."""

    CONTACTS = "contacts"
    DRIVES = "drives"
    RAISES = "raises"


def regular_events(times_s: list[float] | np.ndarray, typical_s: float | None = None) -> np.ndarray:
    """Event times with double detections removed.

    An event that comes less than 60 % of the typical interval after the one before is a double detection, not
    a step, and is dropped. The typical interval is the median of these events' own, or ``typical_s`` when
    given (the whole clip's, for a few events from its start).
    """
    times = np.sort(np.asarray([x for x in times_s if np.isfinite(x)], np.float64))
    while len(times) >= 3:
        gaps = np.diff(times)
        median = typical_s if typical_s else float(np.median(gaps))
        short = np.flatnonzero(gaps < 0.6 * median)
        if len(short) == 0 or median <= 0:
            break
        i = int(short[np.argmin(gaps[short])])
        # drop whichever of the pair leaves the more regular neighbour gaps
        keep_left = np.delete(times, i + 1)
        keep_right = np.delete(times, i)
        times = keep_left if np.std(np.diff(keep_left)) <= np.std(np.diff(keep_right)) else keep_right
    return times


def _numbered(times_s: list[float] | np.ndarray, least: int, typical_s: float | None = None
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """Event times without double detections, and each one's number counting the intervals from the first.

    An interval about twice (three times...) the typical one (the median, or ``typical_s``) counts as two
    (three...): a missed event skips a number. None with fewer than ``least`` events.
    """
    times = regular_events(times_s, typical_s)
    if len(times) < least:
        return None
    gaps = np.diff(times)
    median = typical_s if typical_s else float(np.median(gaps))
    if median <= 0:
        return None
    return times, np.concatenate([[0.0], np.cumsum(np.maximum(1, np.round(gaps / median)))])


def typical_interval_s(times_s: list[float] | np.ndarray) -> float | None:
    """The median interval between events, double detections dropped; None with fewer than three events."""
    return usual_interval(list(regular_events(times_s)))


def periodic_rate_per_min(times_s: list[float] | np.ndarray, typical_s: float | None = None) -> float | None:
    """Events per minute from event times: span over the number of intervals.

    Double detections are dropped first (see :func:`regular_events`); an interval about twice (three
    times...) the median counts as two (three...), so a missed event does not lower the rate either.
    ``typical_s`` replaces the median (the whole clip's typical interval, for a rate over its first events
    only, which may be too few or too irregular to show it). None with fewer than three events.
    """
    numbered = _numbered(times_s, 3, typical_s)
    if numbered is None:
        return None
    times, number = numbered
    return 60.0 * float(number[-1]) / float(times[-1] - times[0])


def rate_change(times_s: list[float] | np.ndarray) -> float | None:
    """Relative change of the event rate from the first event to the last (-0.2: a fifth slower at the end).

    Event times are fitted against event numbers with a parabola, whose slope at each end is the interval
    there: every event weighs in, so a frame or two of jitter on single events (peaks timed at 30 fps) does
    not decide it, as comparing the first half's rate with the second's let it. Double detections are
    dropped and a missed event counts as an interval skipped, as in :func:`periodic_rate_per_min`. None
    with fewer than six events.
    """
    numbered = _numbered(times_s, 6)
    if numbered is None:
        return None
    times, number = numbered
    c, b, _ = np.polyfit(number, times, 2)
    start, end = b, b + 2 * c * number[-1]
    if start <= 0 or end <= 0:
        return None
    return float(start / end - 1.0)


def step_cadence_spm(contacts: list[FootContact] | tuple[FootContact, ...]) -> float | None:
    """Steps per minute from the touchdowns of both feet pooled.

    Steps alternate feet, so a left/right label error cannot change the count.
    """
    return periodic_rate_per_min([c.t_on_s for c in contacts])


def bounce_rate_per_min(kinematics: Kinematics, lo_spm: float = 60.0, hi_spm: float = 360.0
                        ) -> tuple[float, float] | None:
    """Steps per minute from the hips' bounce, and how periodic the bounce is (autocorrelation at one step, 0-1).

    The hips rise and fall once per step whichever leg is which. The autocorrelation of the mid-hip's height
    (gap-free stretches of at least 1.5 s, resampled evenly) peaks at one step; None when no bounce is seen.
    """
    hips = mid_hip(kinematics.xy)[:, 1]
    best: tuple[float, float] | None = None
    for a, b in runs_of(~np.isnan(hips)):
        t = kinematics.t_s[a:b]
        if len(t) < 10 or t[-1] - t[0] < 1.5:
            continue
        dt = float(np.median(np.diff(t)))
        grid = np.arange(t[0], t[-1], dt)
        y = np.interp(grid, t, hips[a:b])
        width = max(3, round(1.0 / dt) | 1)  # a one-second running mean: drift slower than any step
        y = y - np.convolve(y, np.ones(width) / width, mode="same")
        y = y[width // 2: len(y) - width // 2]
        ac = np.correlate(y, y, mode="full")[len(y) - 1:]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        lags = np.arange(len(ac)) * dt
        window = (lags >= 60.0 / hi_spm) & (lags <= 60.0 / lo_spm)
        if not window.any():
            continue
        peaks, props = scipy_signal().find_peaks(np.where(window, ac, -1.0), height=0.3)
        if len(peaks) == 0:
            continue
        first = int(peaks[0])
        if best is None or props["peak_heights"][0] > best[1]:
            best = (60.0 / lags[first], float(props["peak_heights"][0]))
    return best


#: The hips' bounce is trusted as a cross-check when its autocorrelation at one step is at least this.
BOUNCE_TRUSTED = 0.5


def clip_cadence(cadence_from: CadenceFrom, events: Events, kinematics: Kinematics | None = None
                 ) -> tuple[float | None, str]:
    """The clip's cadence (docs/METRICS.md), and what it was counted from.

    From foot contacts (``contacts``), knee drives (``drives``) or heel raises (``raises``). Step cadence from
    contacts is checked against the hips' bounce (once per step whichever leg is which): where the pose model
    traded the legs' labels step after step, each touchdown is counted twice or three times, and the bounce's
    rate is reported instead, saying so.
    """
    if cadence_from == CadenceFrom.RAISES:
        return periodic_rate_per_min([r.t_peak_s for r in events.raises]), "heel raises"
    if cadence_from == CadenceFrom.CONTACTS:
        rate = step_cadence_spm(events.contacts)
        if rate is not None:
            bounce = bounce_rate_per_min(kinematics) if kinematics is not None else None
            if bounce is not None and bounce[1] >= BOUNCE_TRUSTED:
                times = round(rate / bounce[0])
                if times >= 2 and abs(rate / bounce[0] / times - 1) < 0.1:
                    return bounce[0], (f"the hips' bounce (foot contacts counted {times} times over where the "
                                       "legs' labels swapped)")
            return rate, "foot contacts"
        return periodic_rate_per_min([d.t_peak_s for d in events.drives]), "knee drives (no contacts found)"
    return periodic_rate_per_min([d.t_peak_s for d in events.drives]), "knee drives"
