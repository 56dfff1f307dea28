"""Score every rep of a clip against its drill's criteria; find set-level faults (cadence, consistency...)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.kinematics.events import Events
from kneedrive_cv.kinematics.events.cadence import CadenceFrom, clip_cadence, rate_change
from kneedrive_cv.kinematics.events.contacts import start_time
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.landmarks import Side
from kneedrive_cv.scoring.drills import Criterion, Drill, DrillBook, RepKind
from kneedrive_cv.scoring.rep_metrics import clip_context, drive_metrics, hold_metrics, raise_metrics


@dataclass(frozen=True)
class Fault:
    """A fault a rep (or the set) shows: its code, the coach's cue, and what was measured."""

    code: str
    cue: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        """Plain dict for reports."""
        return {"code": self.code, "cue": self.cue, "detail": self.detail}


@dataclass(frozen=True)
class ScoredRep:
    """One rep (knee drive or hold) with its metrics, score 0-100 (None if nothing could be scored) and faults."""

    index: int
    kind: RepKind
    side: Side
    i_start: int
    i_peak: int
    i_end: int
    t_start_s: float
    t_peak_s: float
    t_end_s: float
    metrics: dict[str, float | None]
    score: float | None
    faults: tuple[Fault, ...]
    unmeasured: tuple[str, ...] = ()

    @property
    def main_fault(self) -> Fault | None:
        """The first (highest-weighted) fault, or None for a clean rep."""
        return self.faults[0] if self.faults else None


@dataclass(frozen=True)
class ClipScore:
    """Scores of all reps and the set-level findings."""

    reps: tuple[ScoredRep, ...]
    cadence_spm: float | None
    cadence_source: str
    hold_s: float | None
    set_faults: tuple[Fault, ...]
    findings: dict[str, object] = field(default_factory=dict)


def _criterion_score(c: Criterion, value: float) -> tuple[float, str | None, float, float]:
    """(score 0-1, side left 'below'/'above'/None, gap to the band, limit crossed).

    A gap within the criterion's measurement margin is noise: no fault, no penalty.
    """
    if c.min is not None and value < c.min - c.margin:
        gap = c.min - value
        return max(0.0, 1 - gap / c.tolerance), "below", gap, c.min
    if c.max is not None and value > c.max + c.margin:
        gap = value - c.max
        return max(0.0, 1 - gap / c.tolerance), "above", gap, c.max
    return 1.0, None, 0.0, float("nan")


def score_metrics(drill: Drill, metrics: dict[str, float | None],
                  book: DrillBook) -> tuple[float | None, tuple[Fault, ...], tuple[str, ...]]:
    """Score one rep's metrics: (score 0-100 or None, faults by weight, metrics that could not be measured)."""
    total = weight = 0.0
    faults: list[tuple[float, Fault]] = []
    unmeasured: list[str] = []
    for c in drill.criteria:
        value = metrics.get(c.metric)
        if value is None:
            continue
        if math.isnan(value):
            unmeasured.append(c.metric)
            continue
        s, where, gap, limit = _criterion_score(c, value)
        total += c.weight * s
        weight += c.weight
        bound = c.below if where == "below" else c.above if where == "above" else None
        if bound is not None:
            detail = bound.detail.format(value=value, gap=gap, limit=limit)
            faults.append((c.weight * (1 - s) + 1e-3 * c.weight, Fault(bound.fault, book.cue(bound.fault), detail)))
    faults.sort(key=lambda x: -x[0])
    unique: dict[str, Fault] = {}
    for _, f in faults:
        unique.setdefault(f.code, f)
    score = round(100 * total / weight, 1) if weight > 0 else None
    return score, tuple(unique.values()), tuple(unmeasured)


#: Measurement margin of a clip's cadence (a share of the band's edge): cadence from a few seconds of events
#: is off by about 1 % (the accuracy benchmark's mean error), so a run at the band's edge is not flagged
#: for reading 209.7 steps/min against 210.
CADENCE_MARGIN = 0.02


def _values(reps: list[ScoredRep], metric: str) -> np.ndarray:
    """One metric of every rep as floats, NaN where it was not measured or does not apply (0.0 stays 0.0)."""
    return np.array([np.nan if r.metrics.get(metric) is None else r.metrics[metric] for r in reps], float)


def _set_faults(drill: Drill, reps: list[ScoredRep], cadence: float | None, events: Events,
                book: DrillBook) -> tuple[list[Fault], dict[str, object]]:
    out: list[Fault] = []
    findings: dict[str, object] = {}
    if (cadence is not None and drill.cadence_min_spm is not None
            and cadence < drill.cadence_min_spm * (1 - CADENCE_MARGIN)):
        out.append(Fault("slow_cadence", book.cue("slow_cadence"),
                         f"{cadence:.0f} steps/min, under {drill.cadence_min_spm:.0f} ({cadence / 60:.1f} per s)"))
    change = rate_change([d.t_rate_s for d in events.complete_drives])
    falling = False
    if change is not None:
        findings["cadence_change_over_set"] = round(change, 3)
        falling = change < -0.10
        if falling and drill.rep is RepKind.DRIVE:
            out.append(Fault("slow_cadence", book.cue("slow_cadence"),
                             f"rhythm fell {-change:.0%} from the first drive of the set to the last"))
    peaks = _values(reps, "peak_thigh_deg")
    if len(peaks) >= 3 and np.any(~np.isnan(peaks)):
        findings["peak_thigh_sd_deg"] = round(float(np.nanstd(peaks)), 1)
    scores = [r.score for r in reps if r.score is not None]
    if len(scores) >= 3:
        findings["score_sd"] = round(float(np.std(scores)), 1)
    if drill.travelling:
        high = sum(any(f.code == "exaggerated_knee" for f in r.faults) for r in reps)
        leans = _values(reps, "trunk_lean_deg")
        back = float(np.nanmedian(leans)) if np.any(~np.isnan(leans)) else np.nan
        if high and (falling or (np.isfinite(back) and back < 3.0)):
            why = "the rhythm fell" if falling else f"the trunk leans back ({back:.0f} deg)"
            out.append(Fault("exaggerated_knee", book.cue("exaggerated_knee"),
                             f"high knees warning: knees above horizontal on {high} of {len(reps)} reps while {why}"))
    return out, findings


def score_clip(drill: Drill, kinematics: Kinematics, events: Events, book: DrillBook) -> ClipScore:
    """Score every rep of ``drill`` found in the clip, and the set as a whole."""
    ctx = clip_context(kinematics, events)
    reps: list[ScoredRep] = []
    findings_start: float | None = None
    t = kinematics.t_s
    if drill.rep is RepKind.HOLD:
        target = next((c.min for c in drill.criteria if c.metric == "peak_thigh_deg" and c.min is not None), 85.0)
        for h in events.holds:
            m = hold_metrics(kinematics, h, target)
            score, faults, unmeasured = score_metrics(drill, m, book)
            reps.append(ScoredRep(len(reps) + 1, RepKind.HOLD, h.side, h.i_start, h.i_start, h.i_end, h.t_start_s,
                                  h.t_start_s, h.t_end_s, m, score, faults, unmeasured))
    elif drill.rep is RepKind.RAISE:
        for rise in events.raises:
            m = raise_metrics(kinematics, rise, ctx)
            score, faults, unmeasured = score_metrics(drill, m, book)
            # the foot that raised; both feet together: the near side's
            side = rise.side or (Side.LEFT if kinematics.facing is Side.LEFT else Side.RIGHT)
            reps.append(ScoredRep(len(reps) + 1, RepKind.RAISE, side,
                                  rise.i_start, rise.i_peak, rise.i_end, rise.t_start_s, rise.t_peak_s,
                                  rise.t_end_s, m, score, faults, unmeasured))
    else:
        drives = list(events.complete_drives)
        if drill.first_strides:  # the first strides out of the start, not a twitch in the blocks
            go = start_time(kinematics)
            findings_start = go
            drives = [d for d in drives if go is None or d.t_peak_s >= go][: drill.first_strides]
        for d in drives:
            m = drive_metrics(kinematics, d, events, ctx)
            score, faults, unmeasured = score_metrics(drill, m, book)
            reps.append(ScoredRep(len(reps) + 1, RepKind.DRIVE, d.side, d.i_start, d.i_peak, d.i_end,
                                  float(t[d.i_start]), d.t_peak_s, float(t[d.i_end]), m, score, faults, unmeasured))
    # a hold is timed, not counted a minute: the drives read in a hold clip are the lifts into each hold and the
    # model's misreadings of a held thigh (see scoring.unmeasured)
    cadence, source = (None, "") if drill.rep is RepKind.HOLD else clip_cadence(drill.cadence_from, events,
                                                                                      kinematics)
    # the longest time at the target; a hold whose time there was not measured (NaN) gives none
    timed = [r.metrics.get("hold_s") or 0.0 for r in reps]
    hold_s = max((x for x in timed if not math.isnan(x)), default=None) if drill.rep is RepKind.HOLD else None
    set_faults, findings = _set_faults(drill, reps, cadence, events, book)
    if drill.first_strides:
        findings["start_s"] = None if findings_start is None else round(findings_start, 3)
        findings["first_strides_trunk_lean_deg"] = [round(v, 1) for v in _values(reps, "trunk_lean_deg")]
    if drill.cadence_from in (CadenceFrom.DRIVES, CadenceFrom.RAISES) and cadence is not None:
        findings[f"{drill.cadence_from}_per_s"] = round(cadence / 60.0, 2)
    findings["frozen_side"] = ctx.frozen_side.value if ctx.frozen_side else None
    return ClipScore(tuple(reps), cadence, source, hold_s, tuple(set_faults), findings)


def fault_counts(reps: tuple[ScoredRep, ...] | list[ScoredRep]) -> Counter[str]:
    """How many reps show each fault code."""
    return Counter(f.code for r in reps for f in r.faults)
