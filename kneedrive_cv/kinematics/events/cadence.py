"""Rates from event times: cadence, its change over a set, and the hips' bounce that cross-checks it.

Rates come from event times (span over the number of intervals), never from an assumed frame rate. The clip's
cadence (:func:`clip_cadence`) is counted from foot contacts, knee drives or heel raises, as the drill says.
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kneedrive_cv.kinematics.events.contacts import FootContact, foot_sweep_behind
from kneedrive_cv.kinematics.events.drives import KneeDrive, turn_share, usual_interval
from kneedrive_cv.kinematics.filtering import fill_gaps, running_mean, running_median, runs_of, scipy_signal
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side, mid_hip

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


def stride_rates(times_s: list[float] | np.ndarray, typical_s: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rate over each stride of a series (events per minute over two successive intervals), and its middle.

    One interval timed to whole frames reads far off at a fast rate (7 and 9 frames at 30 fps are 257 and 200 a
    minute for a steady 225), and a leg that lands or drives a little early every time alternates short and long
    intervals: over a stride, both legs' once, neither shows. Double detections are dropped and a missed event
    counts as a skipped interval, as in :func:`periodic_rate_per_min` (``typical_s`` as there). Empty with fewer
    than three events.
    """
    numbered = _numbered(times_s, 3, typical_s)
    if numbered is None:
        return np.zeros(0), np.zeros(0)
    times, number = numbered
    span = times[2:] - times[:-2]
    return times[1:-1], 60.0 * (number[2:] - number[:-2]) / span


def rate_change(times_s: list[float] | np.ndarray) -> float | None:
    """Relative change of the event rate from the first event to the last (-0.2: a fifth slower at the end).

    Event times are fitted against event numbers with a parabola, whose slope at each end is the interval
    there: every event weighs in, so a frame or two of jitter on single events (peaks timed at 30 fps) does
    not decide it, as comparing the first half's rate with the second's let it. Double detections are
    dropped and a missed event counts as an interval skipped, as in :func:`periodic_rate_per_min`. None
    with fewer than six events.

    The slope at an end is the one place a single event does decide it: a first or last drive timed a third
    of a step off (a far thigh's top read late, a drive labelled under the other leg at the clip's end) bends
    the parabola there, and a steady set reads 10-15 % slower at its end. So the change is also taken with the
    first event left out and with the last left out (at seven events or more, each fit's slope still read at
    the set's own first and last event), and the least of the three is the set's: a change no single end
    event decides. Over the randomised renders' drive drills (461 clips, sets 0-6000) that took the steady
    sets read as slowing by over 10 % from 7 to 1, and the sets that truly slow by 16-18 % still read so on
    23 of 25 (24 before).
    """
    numbered = _numbered(times_s, 6)
    if numbered is None:
        return None
    times, number = numbered
    first, last = number[0], number[-1]

    def change(keep: slice) -> float | None:
        c, b, _ = np.polyfit(number[keep], times[keep], 2)
        start, end = b + 2 * c * first, b + 2 * c * last
        return float(start / end - 1.0) if start > 0 and end > 0 else None

    whole = change(slice(None))
    if whole is None or len(times) < 7:
        return whole
    changes = [c for c in (whole, change(slice(1, None)), change(slice(None, -1))) if c is not None]
    return min(changes, key=abs)


#: The hips' height must vary by at least this (standard deviation, thigh lengths) to show a bounce: running
#: bounces them by a tenth of a thigh or more, and a still series' rounding noise is no rhythm.
MIN_BOUNCE_THIGHS = 0.005


def _period_s(t: np.ndarray, y: np.ndarray, lags_s: tuple[float, float], least_std: float,
              detrend_s: float | None) -> tuple[float, float] | None:
    """The period of one gap-free series (seconds, within ``lags_s``) and how periodic it is (autocorrelation, 0-1).

    The series is resampled evenly and a running mean over ``detrend_s`` is taken off (drift slower than the
    rhythm; a mean over one whole period leaves that period's swing whole), or its mean where None. None when it varies
    by less than ``least_std`` once detrended, or shows no true peak of the autocorrelation within ``lags_s``: one
    higher than its neighbours, not the edge of the lags looked at. The first such peak is the period, and its lag
    is read between samples (a parabola through the peak and its neighbours): a whole-frame lag at 30 fps reads
    168.9 steps/min as 163.6 or 180.
    """
    dt = float(np.median(np.diff(t)))
    grid = np.arange(t[0], t[-1], dt)
    y = np.interp(grid, t, y)
    if detrend_s is None:
        y = y - y.mean()
    else:
        width = max(3, round(detrend_s / dt) | 1)
        y = y - np.convolve(y, np.ones(width) / width, mode="same")
        y = y[width // 2: len(y) - width // 2]
    if len(y) < 3 or np.std(y) < least_std:
        return None
    # the autocorrelation through the FFT (zero-padded past twice the length, so not circular): a long clip's
    # series costs n log n, not n squared
    size = 1 << (2 * len(y) - 1).bit_length()
    spectrum = np.fft.rfft(y, size)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), size)[:len(y)]
    if ac[0] <= 0:
        return None
    ac = ac / ac[0]
    peaks, props = scipy_signal().find_peaks(ac, height=0.3)
    inside = (peaks * dt >= lags_s[0]) & (peaks * dt <= lags_s[1])
    if not inside.any():
        return None
    first = int(np.flatnonzero(inside)[0])
    p, height = int(peaks[first]), float(props["peak_heights"][first])
    curve = ac[p - 1] - 2 * ac[p] + ac[p + 1]
    return (p + (0.5 * (ac[p - 1] - ac[p + 1]) / curve if curve < 0 else 0.0)) * dt, height


def clearest_period(t: np.ndarray, y: np.ndarray, lags_s: tuple[float, float], least_std: float,
                    detrend_s: float | None) -> tuple[float, float] | None:
    """The clearest period (seconds, see :func:`_period_s`) over the gap-free stretches of ``y``.

    A stretch must be at least 1.5 s long, and 1.5 times ``detrend_s``: its running mean must leave some of it.
    """
    best: tuple[float, float] | None = None
    for a, b in runs_of(~np.isnan(y)):
        if b - a < 10 or t[b - 1] - t[a] < 1.5 * max(1.0, detrend_s or 0.0):
            continue
        found = _period_s(t[a:b], y[a:b], lags_s, least_std, detrend_s)
        if found is not None and (best is None or found[1] > best[1]):
            best = found
    return best


def bounce_rate_per_min(kinematics: Kinematics, lo_spm: float = 60.0, hi_spm: float = 360.0
                        ) -> tuple[float, float] | None:
    """Steps per minute from the hips' bounce, and how periodic the bounce is (autocorrelation at one step, 0-1).

    The hips rise and fall once per step whichever leg is which. The autocorrelation of the mid-hip's height
    peaks at one step (see :func:`_period_s`); None when no bounce is seen (the hips vary by less than
    MIN_BOUNCE_THIGHS).
    """
    lags = (60.0 / hi_spm, 60.0 / lo_spm)
    # the running mean taken off spans the longest step looked for (one second for 60 a minute): the hips drift
    # as the athlete travels or the phone follows, slower than any step
    found = clearest_period(kinematics.t_s, mid_hip(kinematics.xy)[:, 1], lags,
                            MIN_BOUNCE_THIGHS * kinematics.thigh_px, lags[1])
    return None if found is None else (60.0 / found[0], found[1])


#: The hips' bounce is measured as their height's departure from a running mean at least this long (seconds), and
#: at least one step: drift slower than a step (a phone tilting, the framing of a travelling athlete) is left out,
#: a step's rise and fall is kept whole.
BOUNCE_DETREND_S = 0.5
#: Hips bouncing less than this (thigh lengths, :func:`hip_bounce_thighs`) are still: a knee held up. Measured on
#: the 550 randomised renders: holds 0.003-0.018 (95 % under 0.013), high knees 0.016-0.066 (95 % over 0.024),
#: piston and pocket runs from 0.035; the real high-knees clip 0.099.
HIPS_STILL_THIGHS = 0.014


def hip_bounce_series(kinematics: Kinematics, step_s: float | None = None) -> np.ndarray | None:
    """Each frame's RMS rise and fall of the hips (thigh lengths) about their running mean, over twice its span.

    ``step_s``: the time a step takes where known (the knee drives' interval), so a slow-motion run's bounce is
    measured over its slow steps (at least BOUNCE_DETREND_S). Label-free: the mid-hip is the same point whichever
    leg the model calls which. NaN where the hips were not seen; None with under a second of them.
    """
    t = kinematics.t_s
    y = mid_hip(kinematics.xy)[:, 1] / kinematics.thigh_px
    seen = ~np.isnan(y)
    if seen.sum() < 3 or t[seen][-1] - t[seen][0] < 1.0:
        return None
    dt = float(np.median(np.diff(t)))
    y = np.interp(t, t[seen], y[seen])
    detrend_s = max(BOUNCE_DETREND_S, step_s or 0.0)
    off = y - running_mean(y, detrend_s / dt)
    return np.where(seen, np.sqrt(running_mean(off ** 2, 2 * detrend_s / dt)), np.nan)


def hip_bounce_thighs(kinematics: Kinematics, step_s: float | None = None) -> float | None:
    """How much the hips rise and fall (thigh lengths): the median over the clip of :func:`hip_bounce_series`.

    Every stepping drill lifts the body off the standing foot at each step, a knee held up keeps the hips still:
    a hold the model reads as flickering drives is told from high knees by this.
    """
    series = hip_bounce_series(kinematics, step_s)
    return None if series is None else float(np.nanmedian(series))


#: A thigh must swing by at least this much (standard deviation, degrees) to show a stride.
MIN_SWING_DEG = 5.0
#: Gaps in a thigh's angle up to this long (seconds) are bridged before its swing is read.
SWING_GAP_S = 0.1


def _thighs_bridged(kinematics: Kinematics) -> list[np.ndarray] | None:
    """Both thighs' timing angles (left, right), short gaps filled; None where either is missing.

    A frame or three of a thigh not trusted (the far one passing behind the body) does not cut its stretch.
    """
    t = kinematics.t_s
    timing = kinematics.frames.timing
    if any(f"thigh_angle_{side.value}" not in timing for side in Side):
        return None
    return [fill_gaps(t, timing[f"thigh_angle_{side.value}"], SWING_GAP_S)[0] for side in Side]


def swing_rate_per_min(kinematics: Kinematics, lo_spm: float = 10.0, hi_spm: float = 360.0, median_s: float = 0.0
                       ) -> tuple[float, float] | None:
    """Steps per minute from the legs' swing, and how clearly both thighs keep it in turn (0-1).

    Each thigh swings forward and back once per stride, two steps, whatever the speed of the footage and however
    the feet are timed: a slow-motion run whose contacts are too slow and soft to find still swings its legs.
    Each thigh's period is read as the hips' bounce is (:func:`_period_s`); the rate is given when both thighs
    swing at one period (within BOUNCE_AGREES) and in turn (one half a stride behind the other: their
    correlation negative), and its clarity is the weaker thigh's autocorrelation at one stride. None otherwise.
    ``median_s``: each thigh is first taken through a running median this long (see :data:`SLOW_SWING_MEDIAN_S`).
    """
    t = kinematics.t_s
    lags = (2 * 60.0 / hi_spm, 2 * 60.0 / lo_spm)
    thighs = _thighs_bridged(kinematics)
    if thighs is None:
        return None
    if median_s > 0 and len(t) > 1:
        window = max(1, round(median_s / float(np.median(np.diff(t)))) | 1)
        thighs = [running_median(y, window) for y in thighs]
    periods = [clearest_period(t, y, lags, MIN_SWING_DEG, None) for y in thighs]  # a thigh does not drift
    if any(p is None for p in periods):
        return None
    (left_s, left_h), (right_s, right_h) = periods  # type: ignore[misc]
    if abs(left_s / right_s - 1) > BOUNCE_AGREES:
        return None
    both = ~np.isnan(thighs[0]) & ~np.isnan(thighs[1])
    if np.count_nonzero(both) < 10 or np.corrcoef(thighs[0][both], thighs[1][both])[0, 1] >= 0:
        return None  # the thighs swing together (a jump, a squat): no steps
    return 2 * 60.0 / (0.5 * (left_s + right_s)), min(left_h, right_h)


def scissor_step_s(kinematics: Kinematics, lo_spm: float = 60.0, hi_spm: float = 360.0) -> float | None:
    """One step (seconds) from the thighs' scissor, however the model names the legs; None where it shows none.

    The angle between the thighs, |left - right|, opens and closes once a step whichever thigh is forward: it
    keeps the beat where the labels trade at the tops of the drives and each leg's own swing, and so
    :func:`swing_rate_per_min`, is scrambled. A far thigh read well short of its drives opens it once a stride
    instead, so it is only a fallback, checked against the drives by :func:`~kneedrive_cv.kinematics.events.
    drives.knee_drives`.
    """
    thighs = _thighs_bridged(kinematics)
    if thighs is None:
        return None
    left, right = thighs
    found = clearest_period(kinematics.t_s, np.abs(left - right), (60.0 / hi_spm, 60.0 / lo_spm), MIN_SWING_DEG,
                            None)
    return None if found is None else found[0]


#: The hips' bounce is trusted as a cross-check when its autocorrelation at one step is at least this.
BOUNCE_TRUSTED = 0.5
#: The hips' bounce agrees with a step rate when they differ by less than this share.
BOUNCE_AGREES = 0.15
#: No sprinter steps faster than this (elite sprinters at top speed reach about 280-310 steps per minute).
MAX_STEP_SPM = 330.0
#: Running (feet sweeping behind the hips) below this many steps per minute is no real-time running: a slow-motion
#: clip when the whole body keeps that rhythm (:func:`body_keeps_the_rhythm`), a miscount when it does not.
SLOW_MOTION_SPM = 100.0
#: Feet swept further behind the hips than this (thigh lengths) mean the athlete runs.
RUNNING_SWEEP_THIGHS = 1.0
#: Fewest events a cadence is counted from: four intervals.
MIN_EVENTS = 5
#: Fewer events than MIN_EVENTS, down to this many, give a rate only when they are all on the beat (coherence
#: at least STEADY_COHERENCE, which four or five events at random reach a few times in a hundred; measured on
#: rendered wall drills of four to eight drives: 0.95-1.0). The Rayleigh test below cannot pass five events
#: however well they keep time.
FEWEST_EVENTS = 4
STEADY_COHERENCE = 0.95
#: Events keep one rhythm when their Rayleigh statistic at its period (events times their coherence squared) is at
#: least this: scattered events line up that well by chance about once in 150 tries at one period.
RHYTHM_MIN_Z = 5.0
#: The period is looked for within this share either side of the typical interval.
RHYTHM_SEARCH = 0.15
#: Events are on one beat when their coherence at its period is at least this (1: every event on the beat).
ON_THE_BEAT = 0.8


@dataclass(frozen=True)
class Cadence:
    """A clip's cadence: the rate (None when not measured), what it was counted from, and why not measured."""

    spm: float | None
    source: str
    unmeasured_why: str | None = None
    #: The standard error of the step time the rate was counted from (seconds; a line through the events numbered
    #: by the rhythm, see :func:`_rate_over_the_steps`); None where no line was fitted.
    step_se_s: float | None = None
    #: How many events the rate was counted from (0 where none).
    events: int = 0


def rhythm(times_s: list[float] | np.ndarray, typical_s: float) -> tuple[float, float]:
    """The period that best fits every event's phase (seconds), and how well they keep it (coherence, 0-1).

    Each event is a point on a circle turning once per period; the period where their mean is longest
    (within ``RHYTHM_SEARCH`` of ``typical_s``) is the rhythm, and the mean's length its coherence (1: every
    event on the beat). A missed event, or one leg's, leaves the others on the beat, and no interval has to
    be counted as one, two or three steps: a jittery series with missed events is not thrown off by one
    interval rounded the wrong way, as the span over the intervals' count is.
    """
    t = np.asarray([x for x in times_s if np.isfinite(x)], np.float64)
    periods = np.linspace((1 - RHYTHM_SEARCH) * typical_s, (1 + RHYTHM_SEARCH) * typical_s, 1201)
    coherence = np.abs(np.exp(2j * np.pi * (t[None, :] - t[0]) / periods[:, None]).mean(axis=1))
    best = int(np.argmax(coherence))
    return float(periods[best]), float(coherence[best])


#: Contacts take turns when at least this share of them follow one of the other foot.
ALTERNATE_SHARE = 0.8


#: Of the contacts, at most this share may land off the beat (a heel read as touching down between two steps) and
#: the rest still be taken for steps in turn: one stray among ten otherwise pulls a steady walk's rhythm under
#: ON_THE_BEAT, and the hips' bounce, read once a stride, would then halve the count.
STRAY_SHARE = 0.1
#: A contact is off the beat when it lands more than this share of a step from it.
OFF_THE_BEAT = 0.25


def _off_the_beat(times: np.ndarray, keeping: np.ndarray, period_s: float) -> np.ndarray:
    """How far each of ``times`` lands from the beat the ``keeping`` events keep, in periods (-0.5 to 0.5).

    Each event is a point on a circle turning once every ``period_s``; the beat is their mean's direction.
    """
    beat = np.exp(2j * np.pi * (keeping - keeping[0]) / period_s).mean()
    return np.angle(np.exp(2j * np.pi * (times - keeping[0]) / period_s) / beat) / (2 * np.pi)


def _alternate_on_the_beat(contacts: list[FootContact] | tuple[FootContact, ...], typical_s: float) -> bool:
    """The feet land in turn (left, right, left...) on one steady beat: steps, neither doubled nor halved.

    Labels traded at every step give each foot a contact at every step, in pairs off the beat or at a rate no
    sprinter reaches; one leg's contacts missed give one foot's contacts only. A stray contact or two off the beat
    (at most STRAY_SHARE of them) is left out before the feet's turns and the beat are judged.
    """
    landed = [c for c in contacts if np.isfinite(c.t_on_s)]
    if len(landed) < MIN_EVENTS or 60.0 / typical_s > MAX_STEP_SPM:  # faster than any sprinter: doubled
        return False
    period, coherence = rhythm([c.t_on_s for c in landed], typical_s)
    off = np.zeros(len(landed), bool)
    if coherence < ON_THE_BEAT:
        t = np.asarray([c.t_on_s for c in landed])
        strays = np.abs(_off_the_beat(t, t, period)) > OFF_THE_BEAT
        if np.count_nonzero(strays) <= STRAY_SHARE * len(landed):
            off = strays
            _, coherence = rhythm([c.t_on_s for c, o in zip(landed, off, strict=True) if not o], typical_s)
    # turns between contacts next to each other, a stray and its neighbours aside
    pairs = [(a.side, b.side) for (a, oa), (b, ob) in itertools.pairwise(zip(landed, off, strict=True))
             if not (oa or ob)]
    turns = sum(a is not b for a, b in pairs) / max(len(pairs), 1)
    return turns >= ALTERNATE_SHARE and coherence >= ON_THE_BEAT


def _step_s(contacts: list[FootContact] | tuple[FootContact, ...], bounce: tuple[float, float] | None
            ) -> float | None:
    """The time of one step that the contacts are counted against.

    The hips bounce once per step whichever leg is which, so a trusted bounce decides: contacts about two
    steps apart (one leg's missed, or hidden behind the body) or two to a step (the legs' labels traded every
    step) are then counted right. Without it, each foot's own cycle takes two steps: contacts of one foot
    only are a stride apart, not a step.
    """
    pooled = typical_interval_s([c.t_on_s for c in contacts])
    if bounce is not None and bounce[1] >= BOUNCE_TRUSTED:
        if pooled is not None and _alternate_on_the_beat(contacts, pooled) and 60.0 / bounce[0] > 1.5 * pooled:
            return pooled  # the feet take turns on every beat: the bounce read a stride (a phone tilting with it)
        return 60.0 / bounce[0]
    if pooled is None:
        return None
    counts = [sum(c.side is side for c in contacts) for side in Side]
    return pooled / 2 if min(counts) <= 1 else pooled  # one foot's contacts only: a stride apart


def step_cadence(contacts: list[FootContact] | tuple[FootContact, ...], kinematics: Kinematics | None = None
                 ) -> Cadence:
    """Steps per minute from the touchdowns of both feet pooled, checked against the rhythm of the whole body.

    Steps alternate feet, so a left/right label error cannot change the count; the time of one step comes from
    the hips' bounce where it is clear (see :func:`_step_s`), so a missed leg cannot halve the count either. A
    running rate too slow to be real time is given only when the whole body keeps it (a slow-motion clip).
    """
    times = [c.t_on_s for c in contacts if np.isfinite(c.t_on_s)]
    bounce = _bounce_at_the_step(kinematics) if kinematics is not None else None
    step_s = _step_s(contacts, bounce)
    if step_s is None:
        return _slowed(kinematics) or Cadence(None, "foot contacts",
                                              f"{len(times)} foot contacts: too few to show a rhythm")
    if (bounce is not None and bounce[1] >= BOUNCE_TRUSTED and len(times) >= MIN_EVENTS
            and not (step_s is not None and _alternate_on_the_beat(contacts, step_s))):
        times_over = round(len(times) / (1 + (max(times) - min(times)) * bounce[0] / 60.0))
        if times_over >= 2:  # the legs' labels traded at every step: each foot's series lands at every step
            return Cadence(bounce[0], f"the hips' bounce (foot contacts counted {times_over} times over where the "
                                      "legs' labels swapped)")
    cadence = _checked(times, step_s, "foot contacts", "foot contacts")
    if cadence.spm is None and bounce is not None and _steps_the_bounce_times(times, bounce):
        return Cadence(bounce[0], "the hips' bounce (foot contacts found at about that rate but too irregular to "
                                  "time the steps)")
    unkept = (kinematics is not None and cadence.spm is not None and cadence.spm < SLOW_MOTION_SPM
              and (foot_sweep_behind(kinematics) or 0.0) > RUNNING_SWEEP_THIGHS
              and not body_keeps_the_rhythm(kinematics, contacts, cadence.spm))
    if cadence.spm is None or unkept:
        slowed = _slowed(kinematics)
        if slowed is not None:
            return slowed
    if unkept:
        return Cadence(None, cadence.source, f"{cadence.spm:.0f} steps per minute is too slow for running, and "
                                             "neither the hips' bounce nor both feet keep that rhythm: steps were "
                                             "missed, so no cadence is given")
    return cadence


def _bounce_at_the_step(kinematics: Kinematics) -> tuple[float, float] | None:
    """The hips' bounce (:func:`bounce_rate_per_min`), at twice its rate where it was read once a stride.

    A far leg hidden behind the body every other step can leave the hips read higher on one leg's steps than the
    other's, and the bounce then keeps the stride. The angle between the thighs opens once a step whichever leg
    is which (:func:`scissor_step_s`): where it opens twice per bounce (within BOUNCE_AGREES), the bounce read a
    stride, and its rate is doubled.
    """
    bounce = bounce_rate_per_min(kinematics)
    if bounce is None:
        return None
    scissor = scissor_step_s(kinematics)
    if scissor is not None and abs(2 * scissor * bounce[0] / 60.0 - 1) <= BOUNCE_AGREES:
        return 2 * bounce[0], bounce[1]
    return bounce


def _slowed(kinematics: Kinematics | None) -> Cadence | None:
    """The cadence of a run seen in slow motion from the whole body (:func:`_slow_motion_steps`), or None."""
    slow = _slow_motion_steps(kinematics) if kinematics is not None else None
    if slow is None:
        return None
    return Cadence(slow, f"the hips' bounce and the legs' swing (a step every {60.0 / slow:.1f} s: too slow for the "
                         "foot contacts to be timed)")


#: In slow motion the legs take many frames to pass each other, and the model trades their labels frame by frame
#: while they do (the real lab treadmill clip, slowed ten times: knees 2-30 px apart, labels flickering over 8
#: frames; whether the leg repair exchanges that stretch turns on one frame's reading, and with it one thigh's
#: period, 6.06 s at 0.39 or 6.77 s at 0.66 for a stride of 6.82). Where the thighs' swing shows no slow rhythm as
#: read, it is read again through a running median this long (s): a slow run's stride is at least 1.2 s.
SLOW_SWING_MEDIAN_S = 0.25


def _slow_motion_steps(kinematics: Kinematics) -> float | None:
    """Steps per minute of a run seen in slow motion, where its foot contacts could not be timed; None otherwise.

    The contacts are found from how fast a foot moves, and in footage slowed several times every foot looks
    planted. The whole body still keeps the steps: a runner (feet swept behind the hips) whose thighs swing in
    turn at under SLOW_MOTION_SPM, with the hips bouncing clearly at that rate, twice a stride. The hips' rate is
    given.
    """
    if (foot_sweep_behind(kinematics) or 0.0) <= RUNNING_SWEEP_THIGHS:
        return None
    # the fastest rhythm each shows is the one to judge (a run's stride recurs at two, three... strides too)
    swing = swing_rate_per_min(kinematics)
    if swing is None or swing[1] < BOUNCE_TRUSTED or swing[0] >= SLOW_MOTION_SPM:
        swing = swing_rate_per_min(kinematics, median_s=SLOW_SWING_MEDIAN_S)
    if swing is None or swing[1] < BOUNCE_TRUSTED or swing[0] >= SLOW_MOTION_SPM:
        return None
    bounce = bounce_rate_per_min(kinematics, lo_spm=(1 - BOUNCE_AGREES) * swing[0])
    if bounce is None or bounce[1] < BOUNCE_TRUSTED or abs(bounce[0] / swing[0] - 1) > BOUNCE_AGREES:
        return None
    return bounce[0]


#: Contacts found at about the hips' bounce rate: their count over the bounce's steps across their span, in
#: this range (one leg's contacts missed gives half).
BOUNCE_COUNT_RANGE = (0.5, 1.5)


def _steps_the_bounce_times(times: list[float], bounce: tuple[float, float]) -> bool:
    """The hips bounce clearly at a step rate a sprinter can keep, and the contacts found come at about that rate.

    Foot contacts from a small or blurred runner may be found at every step yet timed too loosely to keep a beat
    (a heel read a few frames early or late); the hips' bounce, the whole body's rhythm, then gives the steps.
    """
    rate, clarity = bounce
    if clarity < BOUNCE_TRUSTED or rate > MAX_STEP_SPM or len(times) < MIN_EVENTS:
        return False
    expected = 1 + (max(times) - min(times)) * rate / 60.0
    return BOUNCE_COUNT_RANGE[0] <= len(times) / expected <= BOUNCE_COUNT_RANGE[1]


#: The events are numbered by the rhythm's period only where every interval over one period is within this share of
#: a period of a whole number of them: an interval of 1.5 periods could be one step or two.
NUMBERING_SLACK = 0.3
#: An event further than this share of a period from a parabola through the others is left out of the line.
OFF_THE_LINE = 0.2
#: ... as long as this many events stay on it.
MIN_EVENTS_ON_THE_LINE = 4
#: Events off the line are looked for only among at least this many (a parabola through fewer follows each one).
MIN_EVENTS_FOR_A_CURVE = 6


def _rate_over_the_steps(times: list[float] | np.ndarray, period_s: float, robust: bool = True
                         ) -> tuple[float, float | None]:
    """Events per minute: the events numbered by the rhythm's period, the rate a straight line through them keeps.

    The period that best keeps every event on the beat is the rate of a steady set; where the rate drifts (a
    runner slowing over the clip, 0.26 s a step to 0.32 s) that one period fits the events at one end better
    than at the other and misses the average by several per cent. A least-squares line through each event's
    time against its step number has the average step for its slope, and every event, not the first and last
    alone, places it. Numbered against the period, a missed event's interval still counts as two steps. Where
    an interval is too far between whole numbers of periods to number, the period's own rate stands. With the
    rate goes the line's slope's standard error (seconds a step; None where the period's rate stands or fewer
    than three events stay on the line). Four or five events, too few to tell one off the line, are fitted by the
    line through the median of each event's slopes to the others (Siegel's repeated medians): a wall drill's four
    drives every 0.6 s, the first timed 0.08 s early by the model's first frames, gave 95.8 a minute by least
    squares for 100 (randomised render ``wall_drill-1016``), 99.4 by the repeated medians. Not where ``robust``
    is False: a leg's own rate, weighed against the other's by its least-squares standard error
    (:func:`_weighed_by_their_timing`), is that line's.
    """
    numbered = _numbered(times, 3, period_s)
    if numbered is None:
        return 60.0 / period_s, None
    ts, number = numbered
    ratio = np.diff(ts) / period_s
    # under one period an interval is one step (a double detection, under 0.6, is gone already)
    if np.any((ratio > 1) & (np.abs(ratio - np.round(ratio)) > NUMBERING_SLACK)):
        return 60.0 / period_s, None
    # an event timed off its step by more than OFF_THE_LINE of a period (a touchdown read late where the clip
    # starts, a far leg's drive read early) would tilt the line: it is left out. Off is judged against a parabola
    # through the other events (it follows a rate that drifts, as a line would not), each event's distance from
    # the curve fitted without it (least squares' leave-one-out residual, r / (1 - h), from the hat matrix).
    kept = np.ones(len(ts), bool)
    if len(ts) >= MIN_EVENTS_FOR_A_CURVE:
        x = np.vander(number.astype(float), 3)
        coef, *_ = np.linalg.lstsq(x, ts, rcond=None)
        leverage = np.einsum("ij,ji->i", x, np.linalg.pinv(x))
        kept = np.abs((ts - x @ coef) / (1 - leverage)) <= OFF_THE_LINE * period_s
    if np.count_nonzero(kept) < MIN_EVENTS_ON_THE_LINE:
        kept = np.ones(len(ts), bool)
    if robust and len(ts) < MIN_EVENTS_FOR_A_CURVE:
        # too few for that test: the repeated-median line (Siegel), which one event of four or five timed off its
        # beat does not tilt, as it tilts a least-squares line
        from scipy.stats import siegelslopes

        line = np.array(siegelslopes(ts, number.astype(float)))
    else:
        line = np.polyfit(number[kept], ts[kept], 1)
    slope = float(line[0])
    if slope <= 0:
        return 60.0 / period_s, None
    on, at = number[kept], ts[kept]
    spread = float(np.sum((on - on.mean()) ** 2))
    se = float(np.sqrt(np.sum((at - np.polyval(line, on)) ** 2) / (len(on) - 2) / spread)) if len(on) > 2 else None
    return 60.0 / slope, se


def _without_stray_ends(times: np.ndarray) -> np.ndarray:
    """The events without the first or last where it lands off the beat the others keep.

    An event at either end of a set is often one the clip's edge cut (a drive whose top or rise fell outside the
    clip, timed from what little was seen of it) or a phantom (a resting thigh read high in the first frames): on
    a steady set it lands a fraction of a period off the beat (a wall drill's right-leg drives every 0.455 s,
    randomised render seed 5003, led by one read 0.7 s before the second) and pulls a set that keeps time
    everywhere else under the rhythm test. Where the others, at least FEWEST_EVENTS, keep a beat (coherence at
    least ON_THE_BEAT) and the end event lands more than OFF_THE_BEAT of a period from it, the end event is left
    out; whether the rest then show a rhythm is judged as any events are.
    """
    kept = np.asarray(times, np.float64)
    for end in (0, -1):
        rest = np.delete(kept, end)
        if len(rest) < FEWEST_EVENTS:
            break
        period_s, coherence = rhythm(rest, float(np.median(np.diff(rest))))
        if coherence < ON_THE_BEAT:
            continue
        if abs(float(_off_the_beat(kept[[end]], rest, period_s)[0])) > OFF_THE_BEAT:
            kept = rest
    return kept


def _checked(times: list[float], step_s: float | None, source: str, what: str, robust: bool = True) -> Cadence:
    """The rate of events counted against ``step_s``, or why it is not a fact: too few, scattered, impossible.

    Where the events show no rhythm but do without an end event off the beat (:func:`_without_stray_ends`), the
    rate is theirs. ``robust``: as :func:`_rate_over_the_steps`.
    """
    kept = regular_events(times, step_s)
    if len(kept) < FEWEST_EVENTS:
        return Cadence(None, source, f"{len(kept)} {what}: too few to show a rhythm (at least {FEWEST_EVENTS}, "
                                     f"{MIN_EVENTS} unless every one is on the beat)")
    cadence = _rhythm_checked(kept, step_s, source, what, robust)
    if cadence.spm is None:
        trimmed = _without_stray_ends(kept)
        if len(trimmed) < len(kept):
            again = _rhythm_checked(trimmed, step_s, source, what, robust)
            if again.spm is not None:
                return again
    return cadence


def _rhythm_checked(kept: np.ndarray, step_s: float | None, source: str, what: str, robust: bool = True
                    ) -> Cadence:
    """The rate of at least FEWEST_EVENTS events (double detections gone), or why it is not a fact."""
    period_s, coherence = rhythm(kept, step_s or float(np.median(np.diff(kept))))
    rate, se = _rate_over_the_steps(kept, period_s, robust)
    # a short set (a wall drill's four drives) right on the beat, none missed between them: four or five events
    # with beats missed between them (a runner seen in two short stretches) line up on some period too easily
    missed = int(np.sum(np.maximum(np.round(np.diff(kept) / period_s) - 1, 0)))
    steady = coherence >= STEADY_COHERENCE and missed == 0
    if not steady and (len(kept) * coherence ** 2 < RHYTHM_MIN_Z or len(kept) < MIN_EVENTS):
        if coherence >= STEADY_COHERENCE:
            return Cadence(None, source, f"{len(kept)} {what} with {missed} beats missed between them (at "
                                         f"{rate:.0f} per minute): too few to show a rhythm")
        return Cadence(None, source, f"{len(kept)} {what} scattered across the clip, keeping no rhythm "
                                     f"(coherence {coherence:.2f} at {rate:.0f} per minute)")
    if rate > MAX_STEP_SPM:
        return Cadence(None, source, f"{rate:.0f} per minute from the {what} is beyond what any sprinter "
                                     f"reaches (about {MAX_STEP_SPM:.0f}): the events are not one athlete's steps")
    return Cadence(rate, source, step_se_s=se, events=len(kept))


def measure_cadence(cadence_from: CadenceFrom, events: Events, kinematics: Kinematics | None = None) -> Cadence:
    """The clip's cadence (docs/METRICS.md), what it was counted from, and why it is not measured where not.

    From foot contacts (``contacts``), knee drives (``drives``) or heel raises (``raises``). Step cadence from
    contacts is counted against the hips' bounce (see :func:`step_cadence`). A rate from fewer than
    ``MIN_EVENTS`` events, from events scattered across the clip, or beyond what any sprinter reaches is not
    measured, and says why.
    """
    if cadence_from == CadenceFrom.RAISES:
        raises = [r.t_peak_s for r in events.raises]
        return _checked(raises, typical_interval_s(raises), "heel raises", "heel raises")
    if cadence_from == CadenceFrom.CONTACTS and events.contacts:
        return _kept_by_the_body(step_cadence(events.contacts, kinematics), kinematics)
    source = "knee drives (no contacts found)" if cadence_from == CadenceFrom.CONTACTS else "knee drives"
    cadence = drive_cadence(events.drives, source)
    # drives of one leg again and again (a wall drill), or a hold or two, are no steps: the body's rate is not theirs
    stepping = len(events.drives) >= MIN_EVENTS and _turn_share(events.drives) >= ALTERNATE_SHARE
    return _kept_by_the_body(cadence, kinematics) if stepping else cadence


def counted_events(events: Events, source: str | None) -> tuple[list[float], str] | None:
    """The times (seconds, in order) of the events a clip's cadence was counted from, and what they are.

    ``source`` is the cadence's own (:class:`Cadence`): foot contacts ("steps", their touchdowns), heel raises
    ("raises", their tops) or knee drives ("drives", their tops as the cadence times them, partial ones at the
    clip's edges included). None where the cadence was not counted from events (the body's own rhythm: the hips'
    bounce and the thighs' swing) or there is no source.
    """
    what = source or ""
    if what.startswith("foot contacts"):
        found, name = [c.t_on_s for c in events.contacts], "steps"
    elif what.startswith("heel raises"):
        found, name = [r.t_peak_s for r in events.raises], "raises"
    elif what.startswith("knee drives"):
        found, name = [d.t_rate_s for d in events.drives], "drives"
    else:
        return None
    return sorted(t for t in found if math.isfinite(t)), name


def _turn_share(drives: tuple[KneeDrive, ...] | list[KneeDrive]) -> float:
    """The share of successive drives (by time) that change leg; 0 with fewer than two."""
    return turn_share(sorted(drives, key=lambda d: d.t_beat_s))


#: The thighs' swing and the hips' bounce agree on a step rate when they differ by at most this share.
BODY_AGREES = 0.02
#: A step rate counted from events gives way to the one the body keeps when the two differ by more than this share.
EVENTS_DISAGREE = 0.015


def body_step_rate(kinematics: Kinematics) -> float | None:
    """Steps per minute the whole body keeps, from two rhythms of its own that agree closely; None where they do not.

    The thighs swing in turn once a stride (:func:`swing_rate_per_min`) and the hips bounce once a step
    (:func:`bounce_rate_per_min`), however the feet and knees are timed and whichever leg the model calls which. A
    pose whose hips are read unevenly from one leg to the other (the far leg hidden behind the body every other
    step) bounces them once a stride instead: the bounce is taken at one step or at two, but not at two where the
    angle between the thighs (:func:`scissor_step_s`, label-free) opens once a bounce: the bounce is then a step,
    and a swing at twice its rate is each thigh's read angle dipping once a step (a blurred walker, randomised
    render seed 6009: 213 a minute given for 107, over the contacts' 112). Where the two agree within
    BODY_AGREES, their mean is the rate (on the 148 of the randomised clips of seeds 0 and up with a cadence where
    they agreed: 0.3 % from the truth at the median, 0.8 % at the 90th percentile; a wall drill's drives of one
    leg, whose rate is not steps, the one far off).
    """
    swing = swing_rate_per_min(kinematics)
    bounce = bounce_rate_per_min(kinematics)
    if swing is None or bounce is None:
        return None
    scissor = scissor_step_s(kinematics)
    for steps_a_bounce in (1, 2):
        rate = bounce[0] * steps_a_bounce
        if steps_a_bounce == 2 and scissor is not None and abs(scissor * bounce[0] / 60.0 - 1) <= BOUNCE_AGREES:
            continue  # the thighs' scissor opens once a bounce: the bounce is a step, the swing read twice a stride
        if abs(rate / swing[0] - 1) <= BODY_AGREES:
            return float(rate + swing[0]) / 2
    return None


def _kept_by_the_body(cadence: Cadence, kinematics: Kinematics | None) -> Cadence:
    """A step cadence counted from events, or the one the whole body keeps where the events miss it.

    Events are timed one by one: a few read twice (the legs' labels flickering on a far leg), a far leg's drives
    read early on every stride, or touchdowns missed on a blurred figure shift the rate they give by several per
    cent, or halve or double it, or leave it not measured. Where the body's own rhythm is clear
    (:func:`body_step_rate`) and the events' rate differs from it by more than EVENTS_DISAGREE, or is not measured,
    the body's is given and the source says so.
    """
    body = body_step_rate(kinematics) if kinematics is not None else None
    if body is None or body > MAX_STEP_SPM:
        return cadence
    if cadence.spm is not None and abs(cadence.spm / body - 1) <= EVENTS_DISAGREE:
        return cadence
    source = cadence.source.split(" (")[0]
    counted = f"{source} gave {cadence.spm:.0f} a minute" if cadence.spm is not None else f"{source} gave none"
    return Cadence(body, f"the thighs' swing and the hips' bounce ({counted})")


#: The legs' own rhythms overrule the pooled drives' when the step rates they give differ by more than this share.
LEGS_DISAGREE = 0.15


def drive_cadence(drives: tuple[KneeDrive, ...] | list[KneeDrive], source: str = "knee drives") -> Cadence:
    """Steps per minute from knee drives: the pooled drives' rhythm, or each leg's own where the legs take turns.

    A far leg half hidden behind the body is often timed a little early or late on every drive (its thigh read
    with a dip at the top), so the pooled intervals alternate short and long (0.22 and 0.37 s for steps of
    0.29) and their median, one of the two, sets a rate no leg keeps (306 a minute for 205). Each leg's own
    drives keep its rhythm whatever its bias. While the legs take turns (at least ALTERNATE_SHARE of successive
    drives change leg) and each leg keeps its own rhythm, a step is half a leg's stride. Where the two legs'
    rates agree, they are one rate, each leg weighed by how closely it keeps its rhythm
    (:func:`_weighed_by_their_timing`: a far leg timed loosely weighs less than the near one). Where they do not,
    their mean is given where the pooled rate differs from it by more than LEGS_DISAGREE or is not measured. The
    legs' labels swapping for a while break each leg's rhythm, not the pooled one, which is then kept.
    """
    ordered = sorted(drives, key=lambda d: d.t_rate_s)
    times = [d.t_rate_s for d in ordered]
    pooled = _checked(times, typical_interval_s(times), source, "knee drives")
    if len(ordered) < 2:
        return pooled
    if _turn_share(ordered) < ALTERNATE_SHARE:
        return pooled
    own = [[d.t_rate_s for d in ordered if d.side is side] for side in Side]
    # each leg's rate by least squares: they are weighed by its standard error
    each = [_checked(leg_times, typical_interval_s(leg_times), source, "knee drives", robust=False)
            for leg_times in own]
    legs = [leg.spm for leg in each]
    if pooled.spm is None and sum(x is not None for x in legs) == 1:
        return _the_one_steady_leg(each, source) or pooled
    if any(x is None for x in legs):
        return pooled
    weighed = _weighed_by_their_timing(each)
    if weighed is not None and weighed <= MAX_STEP_SPM:
        return Cadence(weighed, f"{source}, each leg's rhythm weighed by how closely it keeps it")
    rate = float(np.mean([x for x in legs if x is not None])) * 2
    if rate > MAX_STEP_SPM or (pooled.spm is not None and abs(pooled.spm / rate - 1) <= LEGS_DISAGREE):
        return pooled
    return Cadence(rate, f"{source}, each leg's own rhythm")


def _the_one_steady_leg(legs: list[Cadence], source: str) -> Cadence | None:
    """Steps per minute from the one leg that keeps a rhythm while the pooled drives keep none; or None.

    A far leg timed too loosely to keep any beat scatters the pooled drives (high knees filmed at 24 fps,
    randomised render seed 3000: the far leg's drives up to 0.1 s off their beat, the near leg's within 0.01 s):
    a step is half the near leg's stride. Only where that leg's rate rests on at least MIN_EVENTS of its drives
    on one line (numbered on its own beat, none read twice or missed between them): four on the beat are a
    short set's whole count, not enough for one leg of a longer one (five drives strewn over a clip keep such a
    beat once one of them is left out, four of them 1.2-1.4 s apart).
    """
    leg = next(x for x in legs if x.spm is not None)
    if leg.spm is None or leg.step_se_s is None or leg.events < MIN_EVENTS or 2 * leg.spm > MAX_STEP_SPM:
        return None
    return Cadence(2 * leg.spm, f"{source}, the one leg that keeps a rhythm")


#: The legs' own rates are one rate, each weighed by how closely its leg keeps it, where they differ by at most this.
#: On the randomised renders of seeds 1000-6999 whose legs take turns and each keep a rhythm (397 clips): legs
#: within 1 % of each other (341), the weighed rate within 2 % of the truth on 340 (the pooled on 341), median
#: error 0.07 % (pooled 0.10 %); legs 1-5.5 % apart (55), within 2 % on 54 (pooled 49), median 0.24 % (0.48 %);
#: the one clip further apart (12 %, labels traded) off either way.
LEGS_AGREE = 0.05


def _weighed_by_their_timing(legs: list[Cadence]) -> float | None:
    """Steps per minute from the legs' own stride rates, each weighed by how closely its drives keep it; or None.

    A far leg half hidden behind the body is timed less closely than the near one (an alternating wall drill,
    randomised render seed 4003: the near leg's drives within 0.01 s of their beat, the far leg's 0.09-0.14 s
    off it), so the pooled drives' rate, each drive weighed alike, is off by 2 % where the near leg's alone is
    right. Where both legs keep their own rhythm at rates within LEGS_AGREE of each other, each leg's stride time
    is weighed by the inverse square of its standard error (the least-variance mean of two measurements of one
    stride). Legs whose rates differ by more (labels traded for a while, a leg's events numbered wrong) give None.
    """
    if any(leg.spm is None or leg.step_se_s is None for leg in legs):
        return None
    rates = [leg.spm for leg in legs if leg.spm is not None]
    if abs(rates[0] / rates[1] - 1) > LEGS_AGREE:
        return None
    # a leg timed exactly (as only events made up for a test are) weighs as one timed to a microsecond
    weights = [1.0 / max(leg.step_se_s or 0.0, 1e-6) ** 2 for leg in legs]
    stride_s = sum(w * 60.0 / r for w, r in zip(weights, rates, strict=True)) / sum(weights)
    return 2 * 60.0 / stride_s


#: Each foot makes at least this share of the contacts when both legs are seen running.
BOTH_LEGS_SHARE = 0.25


def body_keeps_the_rhythm(kinematics: Kinematics, contacts: list[FootContact] | tuple[FootContact, ...],
                          rate_spm: float) -> bool:
    """True when the whole body shows steps at ``rate_spm``: the hips and both legs keep that rhythm.

    The hips bounce once per step (twice per stride) at that rate, clearly, and both legs make contacts, or both
    thighs swing in turn at that rate (slowed footage, whose contacts cannot be timed). A step rate from one leg's
    contacts, or from contacts with the hips still, is not the body's rhythm.
    """
    bounce = bounce_rate_per_min(kinematics, lo_spm=min(60.0, 0.8 * rate_spm))
    if bounce is None or bounce[1] < BOUNCE_TRUSTED or abs(bounce[0] / rate_spm - 1) > BOUNCE_AGREES:
        return False
    counts = [sum(c.side is side for c in contacts) for side in Side]
    if min(counts) >= 2 and min(counts) >= BOTH_LEGS_SHARE * sum(counts):
        return True
    swing = swing_rate_per_min(kinematics, lo_spm=min(10.0, 0.8 * rate_spm))
    return swing is not None and swing[1] >= BOUNCE_TRUSTED and abs(swing[0] / rate_spm - 1) <= BOUNCE_AGREES


def clip_cadence(cadence_from: CadenceFrom, events: Events, kinematics: Kinematics | None = None
                 ) -> tuple[float | None, str]:
    """The clip's cadence and what it was counted from (None when not measured; see :func:`measure_cadence`)."""
    cadence = measure_cadence(cadence_from, events, kinematics)
    return cadence.spm, cadence.source
