"""Events from the per-frame metrics: knee drives, foot contacts, holds, and cadence from their times.

Every threshold is in degrees, thigh lengths or seconds, never frames, so a 29.97 fps phone clip and a
120 fps one give the same answer; times come from the container, never index / fps.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from kneedrive_cv.kinematics.filtering import fill_gaps, runs_of, scipy_signal
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Landmark, Side, sided

#: Feet swept further behind the hips than this (thigh lengths) mean a running or walking gait.
FEET_CYCLE_THIGHS = 0.8
#: Data starting (ending) this close to the clip's start (end) is cut by the clip, not by a gap.
_CLIP_EDGE_S = 0.15
#: Below this frame rate contact times are only good to about a frame (±8 ms at 120 fps, ±33 ms at 30).
CONTACT_TIMING_FPS = 120.0



@dataclass(frozen=True)
class EventSettings:
    """Event detection thresholds."""

    drive_prominence_deg: float = 20.0
    # a dragged leg drives to about 30 deg, and the far leg, half hidden, reads up to 10 deg low (DRILLS.md):
    # the floor sits that error below it, or a dragged drive comes and goes with encoding noise
    drive_min_peak_deg: float = 20.0
    drive_min_interval_s: float = 0.15
    hold_min_thigh_deg: float = 60.0
    hold_min_s: float = 0.8
    hold_max_speed_deg_s: float = 60.0
    hold_bridge_s: float = 0.4  # a tracking glitch this short inside a hold does not end it
    raise_min_thighs: float = 0.06  # about 3 cm: a heel raise, not foot jitter
    contact_ground_tol: float = 0.12
    contact_max_speed: float = 1.5
    bridge_gap_s: float = 0.3


@dataclass(frozen=True)
class KneeDrive:
    """One knee drive: the thigh swinging up from its low point to a peak and back.

    ``partial`` drives were already under way when the clip started, or not finished when it ended.
    """

    side: Side
    i_start: int
    i_peak: int
    i_end: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    peak_thigh_deg: float
    peak_knee_height: float
    partial: bool


@dataclass(frozen=True)
class FootContact:
    """A foot on the ground: touchdown and toe-off times (NaN where not seen)."""

    side: Side
    i_on: int
    i_off: int
    t_on_s: float
    t_off_s: float

    @property
    def contact_s(self) -> float:
        """Ground contact time in seconds."""
        return self.t_off_s - self.t_on_s


@dataclass(frozen=True)
class Hold:
    """An interval where one knee stays up (thigh at or above the hold threshold, moving little)."""

    side: Side
    i_start: int
    i_end: int
    t_start_s: float
    t_end_s: float

    @property
    def duration_s(self) -> float:
        """Length of the hold in seconds."""
        return self.t_end_s - self.t_start_s


@dataclass(frozen=True)
class HeelRaise:
    """One heel raise ("sprinter's calves"): both heels lifting off the floor onto the balls of the feet."""

    i_start: int
    i_peak: int
    i_end: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    rise_thighs: float


@dataclass(frozen=True)
class Events:
    """All events of a clip, sorted by time."""

    drives: tuple[KneeDrive, ...]
    contacts: tuple[FootContact, ...]
    holds: tuple[Hold, ...]
    contact_method: str
    raises: tuple[HeelRaise, ...] = ()

    @property
    def complete_drives(self) -> tuple[KneeDrive, ...]:
        """Drives seen from start to finish."""
        return tuple(d for d in self.drives if not d.partial)


def _bridged(t_s: np.ndarray, values: np.ndarray, gap_s: float) -> np.ndarray:
    out, _ = fill_gaps(t_s, values, gap_s)
    return out


def knee_drives(k: Kinematics, settings: EventSettings | None = None) -> list[KneeDrive]:
    """Peaks of each thigh's angle, with the troughs either side as the drive's start and end."""
    s = settings or EventSettings()
    t = k.t_s
    per_side: dict[Side, list[tuple[float, KneeDrive]]] = {}
    for side in Side:
        found: list[tuple[float, KneeDrive]] = per_side.setdefault(side, [])
        # peaks are timed on the thigh angle down to a lower confidence than its values are reported at:
        # a far leg half hidden still shows when it drives, though its angle is not trusted for scoring
        theta = _bridged(t, k.frames.timing[f"thigh_angle_{side.value}"], s.bridge_gap_s)
        height = k.frames.side("knee_height", side)
        for a, b in runs_of(~np.isnan(theta)):
            if b - a < 3:
                continue
            seg, ts = theta[a:b], t[a:b]
            fps = (len(ts) - 1) / (ts[-1] - ts[0])
            dist = max(1, int(s.drive_min_interval_s * fps))
            peaks, props = scipy_signal().find_peaks(seg, prominence=s.drive_prominence_deg, distance=dist,
                                             height=s.drive_min_peak_deg)
            for j, (p, lb, rb) in enumerate(zip(peaks, props["left_bases"], props["right_bases"], strict=True)):
                # the low points are looked for between this leg's neighbouring peaks, never across them
                lb = max(lb, peaks[j - 1] if j > 0 else 0)
                rb = min(rb, peaks[j + 1] if j + 1 < len(peaks) else len(seg) - 1)
                lo = seg[lb:p + 1].argmin() + lb if p > lb else lb
                hi = seg[p:rb + 1].argmin() + p if rb > p else rb
                # start/end: where the thigh passes 20 % of the way up from each side's low point
                lo = _crossing(seg, lo, p, 0.2)
                hi = _crossing(seg, hi, p, 0.2)
                # partial when the clip's start or end cuts off the low point on one side: the thigh is still on
                # its way (rising as the clip starts, falling as it ends) and more than 15 % of the swing above
                # the other side's low. A thigh standing still before the first drive is not under way; a drive
                # whose rise was hidden behind the body mid-clip did happen and counts.
                before, after = seg[: p + 1], seg[p:]
                drop_before, drop_after = seg[p] - before.min(), seg[p] - after.min()
                edge = max(1, round(0.1 * fps))
                rising = len(before) > edge and before[edge] - before[0] > 0.1 * drop_after
                falling = len(after) > edge and after[-1 - edge] - after[-1] > 0.1 * drop_before
                at_start, at_end = t[a] - t[0] <= _CLIP_EDGE_S, t[-1] - t[b - 1] <= _CLIP_EDGE_S
                cut_start = at_start and rising and int(before.argmin()) == 0 and drop_before < 0.85 * drop_after
                cut_end = (at_end and falling and int(after.argmin()) == len(after) - 1
                           and drop_after < 0.85 * drop_before)
                partial = cut_start or cut_end
                ip = a + int(p)
                trusted = k.frames.side("thigh_angle", side)[ip]
                found.append((float(seg[p]), KneeDrive(side, a + int(lo), ip, a + int(hi), float(t[a + lo]),
                                                       float(t[ip]), float(t[a + hi]), float(trusted),
                                                       float(height[ip]), bool(partial))))
    kept = {side: _one_per_swing(found) for side, found in per_side.items()}
    drives = [d for side in Side for _, d in _without_glitch_doubles(kept[side], kept[side.other])]
    return _without_crossing_flicker(drives)


def _one_per_swing(found: list[tuple[float, KneeDrive]]) -> list[tuple[float, KneeDrive]]:
    """One leg's drives with double detections merged.

    Two peaks closer than 60 % of the leg's typical interval, one of them under 70 % of the other's height,
    are one drive seen twice (the thighs swapped for a few frames as they crossed): the higher is kept. Two
    full-height peaks that close are two drives, one of them labelled with the wrong leg, and both stay.
    (Splitting a half-hidden leg's peak by how deep the thigh dips between the two was tried and merged real,
    mislabelled drives, so it is not done.)
    """
    found = sorted(found, key=lambda x: x[1].t_peak_s)

    def one_drive(i: int) -> bool:
        return min(found[i][0], found[i + 1][0]) < 0.7 * max(found[i][0], found[i + 1][0])

    while len(found) >= 3:
        times = np.array([d.t_peak_s for _, d in found])
        gaps = np.diff(times)
        short = [i for i in np.flatnonzero(gaps < 0.6 * np.median(gaps)) if one_drive(int(i))]
        if not short:
            break
        i = int(min(short, key=lambda j: gaps[j]))
        found.pop(i if found[i][0] < found[i + 1][0] else i + 1)
    return found


def _usual_interval(times: list[float]) -> float | None:
    return float(np.median(np.diff(times))) if len(times) >= 3 else None


def _without_glitch_doubles(found: list[tuple[float, KneeDrive]], other: list[tuple[float, KneeDrive]]
                            ) -> list[tuple[float, KneeDrive]]:
    """One leg's drives (with their peak heights) without a drive seen twice through a glitch at its peak.

    The model can lose the leg for a few frames at the top of a drive: the thigh angle dips and comes back,
    and the one drive shows two peaks. Two full-height peaks closer than 30 % of the leg's usual interval
    are such a split drive when the other leg has its own drive where it should, about half its interval
    away: they become one drive, timed at the higher peak, its peak angle and height not measured. A drive
    of the other leg labelled with this leg's name leaves that leg a drive short there (its nearest drive
    about 0.75 of its interval away or more), and both peaks stay.
    """
    found = sorted(found, key=lambda x: x[1].t_peak_s)
    usual = _usual_interval([d.t_peak_s for _, d in found])
    usual_other = _usual_interval([d.t_peak_s for _, d in other])
    if usual is None or usual_other is None:
        return found
    other_times = np.array([d.t_peak_s for _, d in other])
    i = 0
    while i + 1 < len(found):
        (h0, d0), (h1, d1) = found[i], found[i + 1]
        mid = (d0.t_peak_s + d1.t_peak_s) / 2
        if (d1.t_peak_s - d0.t_peak_s < 0.3 * usual
                and float(np.min(np.abs(other_times - mid))) < 0.65 * usual_other):
            # one drive from the first's start to the second's end; its top was hidden by the glitch, so its
            # peak angle and height are not measured (the higher of the two peaks is only a lower bound)
            top = d0 if h0 >= h1 else d1
            found[i:i + 2] = [(max(h0, h1), replace(top, i_start=d0.i_start, t_start_s=d0.t_start_s, i_end=d1.i_end,
                                                    t_end_s=d1.t_end_s, peak_thigh_deg=float("nan"),
                                                    peak_knee_height=float("nan")))]
            continue
        i += 1
    return found


def _without_crossing_flicker(drives: list[KneeDrive]) -> list[KneeDrive]:
    """Both legs' drives (by time) without the pairs a leg-label flicker adds as the thighs cross.

    When the model swaps the legs for a few frames as one thigh falls and the other rises, each leg shows a
    short extra peak: drives come left, right, left, right within half of each leg's usual interval, which no
    athlete can do. The outer two are the real drives (they alternate at the usual spacing); the middle two
    are dropped. Each leg's usual interval is the median between its own drives, so a leg needs three.
    """
    drives = sorted(drives, key=lambda d: d.t_peak_s)
    usual = {side: _usual_interval([d.t_peak_s for d in drives if d.side is side]) for side in Side}
    i = 0
    while i + 3 < len(drives):
        a0, b0, a1, b1 = drives[i:i + 4]
        ua, ub = usual[a0.side], usual[b0.side]
        if (a0.side is a1.side and b0.side is b1.side and a0.side is not b0.side and ua is not None
                and ub is not None and a1.t_peak_s - a0.t_peak_s < 0.5 * ua and b1.t_peak_s - b0.t_peak_s < 0.5 * ub):
            del drives[i + 1:i + 3]
            continue
        i += 1
    return drives


def _crossing(seg: np.ndarray, base: int, peak: int, share: float) -> int:
    """Index between ``base`` and ``peak`` where the series first passes ``share`` of the way up to the peak."""
    level = seg[base] + share * (seg[peak] - seg[base])
    step = 1 if peak > base else -1
    i = base
    while i != peak and seg[i] < level:
        i += step
    return i


def _foot_point(k: Kinematics, side: Side, part: str) -> np.ndarray:
    return k.xy[:, int(sided(side, part))]


def contacts_from_pelvis(k: Kinematics, settings: EventSettings | None = None) -> list[FootContact]:
    """Touchdown and toe-off from foot motion relative to the pelvis (Zeni et al. 2008), for running.

    Touchdown is where the heel is furthest forward of the pelvis, toe-off where the toe is furthest behind
    it; works on treadmills and over ground, moving camera or not.
    """
    s = settings or EventSettings()
    f = -1 if k.facing is Side.LEFT else 1
    t = k.t_s
    pelvis = (k.xy[:, Landmark.LEFT_HIP, 0] + k.xy[:, Landmark.RIGHT_HIP, 0]) / 2
    out: list[FootContact] = []
    for side in Side:
        heel = _bridged(t, f * (_foot_point(k, side, "HEEL")[:, 0] - pelvis) / k.thigh_px, s.bridge_gap_s)
        toe = _bridged(t, f * (_foot_point(k, side, "FOOT_INDEX")[:, 0] - pelvis) / k.thigh_px, s.bridge_gap_s)
        for a, b in runs_of(~np.isnan(heel) & ~np.isnan(toe)):
            if b - a < 5:
                continue
            ts = t[a:b]
            fps = (len(ts) - 1) / (ts[-1] - ts[0])
            dist = max(1, int(0.25 * fps))
            on, _ = scipy_signal().find_peaks(heel[a:b], prominence=0.3, distance=dist)
            off, _ = scipy_signal().find_peaks(-toe[a:b], prominence=0.3, distance=dist)
            for i_on in on:
                later = off[off > i_on]
                i_off = int(later[0]) if len(later) and (ts[later[0]] - ts[i_on]) < 0.6 else -1
                out.append(FootContact(side, a + int(i_on), a + i_off if i_off >= 0 else -1, float(ts[i_on]),
                                       float(ts[i_off]) if i_off >= 0 else float("nan")))
    out.sort(key=lambda c: c.t_on_s)
    return out


def contacts_from_ground(k: Kinematics, settings: EventSettings | None = None) -> list[FootContact]:
    """Touchdown and toe-off from the foot's height above its own ground level, for drills on the spot."""
    s = settings or EventSettings()
    t = k.t_s
    out: list[FootContact] = []
    for side in Side:
        low = np.fmax(_foot_point(k, side, "HEEL")[:, 1], _foot_point(k, side, "FOOT_INDEX")[:, 1])
        ok = ~np.isnan(low)
        if ok.sum() < 5:
            continue
        ground = np.nanpercentile(low, 90)
        height = (ground - low) / k.thigh_px
        speed = np.abs(np.gradient(np.nan_to_num(low), t)) / k.thigh_px
        on_ground = ok & (height < s.contact_ground_tol) & (speed < s.contact_max_speed)
        for a, b in runs_of(on_ground):
            if t[b - 1] - t[a] < 0.04:
                continue
            out.append(FootContact(side, a, b - 1, float(t[a]) if a > 0 else float("nan"),
                                   float(t[b - 1]) if b < len(t) else float("nan")))
    out.sort(key=lambda c: (np.nan_to_num(c.t_on_s, nan=-1.0)))
    return out


def holds(k: Kinematics, settings: EventSettings | None = None) -> list[Hold]:
    """Intervals where a thigh stays at or above the hold threshold and moves slowly, at least ``hold_min_s``."""
    s = settings or EventSettings()
    t = k.t_s
    out: list[Hold] = []
    for side in Side:
        theta = _bridged(t, k.frames.side("thigh_angle", side), s.bridge_gap_s)
        speed = np.abs(np.gradient(np.nan_to_num(theta), t)) if len(t) > 1 else np.zeros_like(t)
        up = ~np.isnan(theta) & (theta >= s.hold_min_thigh_deg) & (speed <= s.hold_max_speed_deg_s)
        for a, b in runs_of(_close_short_breaks(up, t, s.hold_bridge_s)):
            if t[b - 1] - t[a] >= s.hold_min_s:
                out.append(Hold(side, a, b - 1, float(t[a]), float(t[b - 1])))
    out.sort(key=lambda h: h.t_start_s)
    return out


def _close_short_breaks(mask: np.ndarray, t: np.ndarray, max_s: float) -> np.ndarray:
    out = mask.copy()
    for a, b in runs_of(~mask):
        if a > 0 and b < len(mask) and t[b] - t[a - 1] <= max_s:
            out[a:b] = True
    return out


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
    return _usual_interval(list(regular_events(times_s)))


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


def start_time(k: Kinematics, moved_thighs: float = 0.5) -> float | None:
    """When a start happens: the first time the hips are half a thigh length forward of where they sat.

    Where they sat is the median hip position over the first second with the athlete in view.
    """
    f = -1 if k.facing is Side.LEFT else 1
    hips = (k.xy[:, Landmark.LEFT_HIP, 0] + k.xy[:, Landmark.RIGHT_HIP, 0]) / 2
    seen = np.flatnonzero(~np.isnan(hips))
    if len(seen) < 5:
        return None
    first = seen[k.t_s[seen] <= k.t_s[seen[0]] + 1.0]
    forward = f * (hips - np.median(hips[first])) / k.thigh_px
    moved = np.flatnonzero(np.nan_to_num(forward, nan=-np.inf) > moved_thighs)
    return float(k.t_s[moved[0]]) if len(moved) else None


def bounce_rate_per_min(k: Kinematics, lo_spm: float = 60.0, hi_spm: float = 360.0) -> tuple[float, float] | None:
    """Steps per minute from the hips' bounce, and how periodic the bounce is (autocorrelation at one step, 0-1).

    The hips rise and fall once per step whichever leg is which. The autocorrelation of the mid-hip's height
    (gap-free stretches of at least 1.5 s, resampled evenly) peaks at one step; None when no bounce is seen.
    """
    hips = (k.xy[:, Landmark.LEFT_HIP, 1] + k.xy[:, Landmark.RIGHT_HIP, 1]) / 2
    best: tuple[float, float] | None = None
    for a, b in runs_of(~np.isnan(hips)):
        t = k.t_s[a:b]
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


def heel_height(k: Kinematics) -> np.ndarray:
    """How far the heels are raised above the toes, both feet averaged, in thigh lengths above standing flat.

    Measured against the toes, not the image, so a camera that drifts or a floor that slopes does not count.
    """
    rises = []
    for side in Side:
        rise = (_foot_point(k, side, "FOOT_INDEX")[:, 1] - _foot_point(k, side, "HEEL")[:, 1]) / k.thigh_px
        if np.any(~np.isnan(rise)):
            rises.append(rise - np.nanpercentile(rise, 10))
    if not rises:
        return np.full(len(k.t_s), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(np.stack(rises), axis=0))


def heel_raises(k: Kinematics, settings: EventSettings | None = None) -> list[HeelRaise]:
    """Heel raises: peaks of the heels' height above the toes, at least ``raise_min_thighs`` high."""
    s = settings or EventSettings()
    t = k.t_s
    height = _bridged(t, heel_height(k), s.bridge_gap_s)
    out: list[HeelRaise] = []
    for a, b in runs_of(~np.isnan(height)):
        if b - a < 5:
            continue
        seg = height[a:b]
        fps = (b - a - 1) / (t[b - 1] - t[a])
        peaks, props = scipy_signal().find_peaks(seg, prominence=s.raise_min_thighs, distance=max(1, int(0.3 * fps)))
        for p, lb, rb in zip(peaks, props["left_bases"], props["right_bases"], strict=True):
            lo, hi = _crossing(seg, int(lb), int(p), 0.2), _crossing(seg, int(rb), int(p), 0.2)
            out.append(HeelRaise(a + lo, a + int(p), a + hi, float(t[a + lo]), float(t[a + int(p)]),
                                 float(t[a + hi]), float(seg[p])))
    return out


def detect_events(k: Kinematics, settings: EventSettings | None = None, travelling: bool | None = None) -> Events:
    """Knee drives, holds, heel raises and foot contacts.

    ``travelling`` picks the contact method (None: decide from motion).
    """
    s = settings or EventSettings()
    if travelling is None:
        travelling = feet_cycle_through(k)
    contacts = contacts_from_pelvis(k, s) if travelling else contacts_from_ground(k, s)
    return Events(tuple(knee_drives(k, s)), tuple(contacts), tuple(holds(k, s)),
                  "foot relative to pelvis (Zeni 2008)" if travelling else "foot height above its ground level",
                  tuple(heel_raises(k, s)))


def foot_sweep_behind(k: Kinematics) -> float | None:
    """How far behind the hips the heels sweep (5th percentile, median of both feet), in thigh lengths.

    Running and walking push the feet well behind the hips (measured 0.9-1.7); drills on the spot and a
    piston run keep them under the body.
    """
    f = -1 if k.facing is Side.LEFT else 1
    pelvis = (k.xy[:, Landmark.LEFT_HIP, 0] + k.xy[:, Landmark.RIGHT_HIP, 0]) / 2
    behind = []
    for side in Side:
        rel = f * (_foot_point(k, side, "HEEL")[:, 0] - pelvis) / k.thigh_px
        rel = rel[~np.isnan(rel)]
        if len(rel) > 10:
            behind.append(-float(np.percentile(rel, 5)))
    return float(np.median(behind)) if behind else None


def feet_cycle_through(k: Kinematics) -> bool:
    """True for a running or walking gait: the feet sweep well behind the hips."""
    sweep = foot_sweep_behind(k)
    return sweep is not None and sweep > FEET_CYCLE_THIGHS
