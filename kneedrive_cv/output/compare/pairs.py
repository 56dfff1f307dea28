"""Which rep of A goes with which rep of B, and the numbers of each pair: both reps' metrics and B minus A.

The pairing rules (:func:`pair_reps`): reps the coach names (``--reps 3 7``); else rep by rep when both clips
are sets of the same drill (the k-th left drive of A with the k-th left drive of B, and so on); else A's best
rep against B's worst. Metric names are report.json's (``REP_METRICS``); a delta is given for the score and for
every metric both reps measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kneedrive_cv.errors import CompareError

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult
    from kneedrive_cv.scoring.score import ScoredRep

#: How the reps were paired, as compare.json says.
CHOSEN, REP_BY_REP, BEST_WORST = "chosen", "rep by rep", "best against worst"

#: The metrics the video's strip and the picture show, in this order, with their labels and formats.
SHOWN: tuple[tuple[str, str, str], ...] = (
    ("score", "score", "{:.0f}"),
    ("peak_thigh_deg", "peak thigh", "{:.0f}°"),
    ("peak_knee_height", "knee height", "{:.2f}"),
    ("top_dorsiflexion_deg", "dorsiflexion", "{:.0f}°"),
    ("trunk_lean_deg", "trunk lean", "{:.0f}°"),
    ("body_line_deg", "body line", "{:.0f}°"),
)


@dataclass(frozen=True)
class Pair:
    """One rep of A and the rep of B it is compared with."""

    a: ScoredRep
    b: ScoredRep

    def values(self) -> tuple[dict[str, float], dict[str, float]]:
        """A's and B's measured numbers (the score and every metric), NaN and missing ones left out."""
        return _numbers(self.a), _numbers(self.b)

    def delta(self) -> dict[str, float]:
        """B minus A for the score and every metric both reps measured."""
        a, b = self.values()
        return {name: round(b[name] - a[name], 3) for name in a if name in b}


def _numbers(rep: ScoredRep) -> dict[str, float]:
    out = {"score": rep.score} | dict(rep.metrics)
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(v)}


def _by_side_in_turn(a: tuple[ScoredRep, ...], b: tuple[ScoredRep, ...]) -> list[Pair]:
    """The k-th rep of each side of A with the k-th of the same side of B, in A's order."""
    pairs = []
    for side in {r.side for r in a}:
        pairs += [Pair(x, y) for x, y in zip([r for r in a if r.side == side], [r for r in b if r.side == side],
                                             strict=False)]
    return sorted(pairs, key=lambda p: p.a.index)


def _rep(result: AnalysisResult, index: int, which: str) -> ScoredRep:
    """Rep ``index`` of ``result``; ``which`` names the side in the error ("A (clip.mp4)")."""
    for rep in result.reps:
        if rep.index == index:
            return rep
    have = f"reps 1 to {len(result.reps)}" if result.reps else "no reps"
    raise CompareError(f"{which} has no rep {index}: it has {have}. "
                       "Give rep numbers from its report (reps.csv).")


def _best(result: AnalysisResult) -> ScoredRep:
    return max(result.reps, key=lambda r: -1.0 if r.score is None else r.score)


def _worst(result: AnalysisResult) -> ScoredRep:
    return min(result.reps, key=lambda r: 101.0 if r.score is None else r.score)


def pair_reps(a: AnalysisResult, b: AnalysisResult, reps: tuple[int, int] | None = None,
              names: tuple[str, str] | None = None) -> tuple[str, list[Pair]]:
    """How the reps are paired and the pairs, in A's order.

    ``reps``: (rep of A, rep of B) by their numbers in the reports; None for the default rules. ``names``: what
    the messages call the two clips (default: their file names).

    Raises:
        CompareError: either clip has no scored reps, or a rep number is not one of its reps.

    """
    na, nb = names or (a.clip.name, b.clip.name)
    if reps is not None:
        return CHOSEN, [Pair(_rep(a, reps[0], f"A ({na})"), _rep(b, reps[1], f"B ({nb})"))]
    for which, result in ((f"A ({na})", a), (f"B ({nb})", b)):
        if not result.reps:
            raise CompareError(f"{which} has no scored reps to compare "
                               f"(drill {result.drill_name}). Compare clips of a knee-drive drill, or give the "
                               "drill with `kneedrive analyse --drill`.")
    if a.drill_name == b.drill_name and len(a.reps) > 1 and len(b.reps) > 1:
        pairs = _by_side_in_turn(a.reps, b.reps)
        if pairs:
            return REP_BY_REP, pairs
    return BEST_WORST, [Pair(_best(a), _worst(b))]


def best_and_worst(result: AnalysisResult) -> Pair | None:
    """The clip's best scored rep and its worst, or None when fewer than two reps have different scores."""
    scored = [r for r in result.reps if r.score is not None]
    if len(scored) < 2:
        return None
    best, worst = _best(result), _worst(result)
    return None if best.index == worst.index else Pair(best, worst)


def rep_dict(rep: ScoredRep, clip: str) -> dict[str, Any]:
    """One rep as compare.json gives it: its number, side, peak time, score, metrics (report.json's names), faults."""
    return {"clip": clip, "index": rep.index, "side": rep.side.value, "t_peak_s": round(rep.t_peak_s, 3),
            "score": rep.score, "faults": [f.code for f in rep.faults],
            "metrics": {k: round(float(v), 3) for k, v in rep.metrics.items() if v is not None and math.isfinite(v)}}


def clip_dict(result: AnalysisResult, name: str | None = None) -> dict[str, Any]:
    """The clip-level numbers of one side: drill, cadence, how the rhythm changed over the set, mean score.

    ``name``: the clip's name as the coach knows it (default: its file name).
    """
    findings = result.score.findings if result.score else {}
    scores = [r.score for r in result.reps if r.score is not None]
    change = findings.get("cadence_change_over_set")
    return {"clip": name or result.clip.name, "drill": result.drill_name, "reps": len(result.reps),
            "facing": result.facing, "fps": round(result.video.fps, 3),
            "size": [result.video.width, result.video.height],
            "cadence_spm": None if result.cadence_spm is None else round(result.cadence_spm, 2),
            "cadence_change_over_set": change if isinstance(change, int | float) else None,
            "mean_score": round(sum(scores) / len(scores), 1) if scores else None}


def clip_delta(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """B minus A for the clip-level numbers both sides have (cadence, its change over the set, mean score)."""
    keys = ("cadence_spm", "cadence_change_over_set", "mean_score")
    return {k: round(float(b[k]) - float(a[k]), 3) for k in keys if a.get(k) is not None and b.get(k) is not None}


__all__ = ["BEST_WORST", "CHOSEN", "REP_BY_REP", "SHOWN", "Pair", "best_and_worst", "clip_delta", "clip_dict",
           "pair_reps", "rep_dict"]
