"""One clip's result in brief, made from report.json's content: what the batch's squad page and the web app show.

Both faces pick the same things from the same report, so a clip reads the same in ``summary.csv``, on the
squad page and in the web app. :meth:`ClipSummary.as_dict` is JSON-ready: the batch keeps it in each clip's
``done.json`` marker, the web app in its store.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kneedrive_cv.files import json_ready

#: What a rep's entry in the summary keeps from the report's rep.
REP_KEYS = ("index", "side", "t_start_s", "t_peak_s", "t_end_s", "score", "faults", "unmeasured")


@dataclass(frozen=True)
class ClipSummary:
    """One analysed clip in brief (values as in report.json: JSON-ready, missing is ``None``).

    Attributes:
        drill: the drill scored (recognised when ``auto`` was asked; ``none`` when no knee-drive drill is seen).
        mean_score: mean of the reps' scores 0-100 to 0.1, ``None`` when no rep was scored.
        cadence_spm: steps per minute, ``None`` when not measured.
        n_reps: number of reps found.
        drill_title, drill_confidence, drill_source, drill_recognised, drill_closest, hold_s, facing, view,
            top_faults, set_faults, unmeasured, athlete: as in report.json.
        reps: each rep's index, side, times in seconds, score, faults (code, cue, detail) and the metrics it was not
            judged on (``unmeasured``).
        fault_counts: fault code -> how many reps show it.
        cues: fault code -> the coach's cue for it.
        notes: what the coach should know about a result (no drill seen, a truncated file...).
        files: output name -> file path relative to the clip's folder.

    """

    drill: str | None
    mean_score: float | None
    cadence_spm: float | None
    n_reps: int
    drill_title: str | None = None
    drill_confidence: float | None = None
    drill_source: str | None = None
    drill_recognised: str | None = None
    drill_closest: str | None = None
    hold_s: float | None = None
    facing: str | None = None
    view: str | None = None
    reps: list[dict[str, Any]] = field(default_factory=list)
    top_faults: list[dict[str, Any]] = field(default_factory=list)
    set_faults: list[dict[str, Any]] = field(default_factory=list)
    unmeasured: list[dict[str, Any]] = field(default_factory=list)
    athlete: dict[str, Any] | None = None
    fault_counts: dict[str, int] = field(default_factory=dict)
    cues: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict (its keys are the attributes)."""
        return json_ready(dataclasses.asdict(self))


def summarise(report: Mapping[str, Any], files: Mapping[str, Path], out_dir: Path) -> ClipSummary:
    """Summarise a report (report.json's content) and the output files inside ``out_dir``, by name."""
    report = json_ready(dict(report))
    summary = report.get("summary") or {}
    reps = [{key: rep.get(key) for key in REP_KEYS} for rep in report.get("reps", [])]
    scores = [r["score"] for r in reps if r["score"] is not None]
    faults = [fault for rep in reps for fault in rep["faults"] or ()]
    cues: dict[str, str] = {}
    for fault in faults:
        cues.setdefault(fault["code"], fault["cue"])
    root = out_dir.resolve()
    return ClipSummary(
        drill=report.get("drill"), mean_score=round(sum(scores) / len(scores), 1) if scores else None,
        cadence_spm=report.get("cadence_spm"), n_reps=len(reps), drill_title=report.get("drill_title"),
        drill_confidence=report.get("drill_confidence"), drill_source=report.get("drill_source"),
        drill_recognised=report.get("drill_recognised"), drill_closest=report.get("drill_closest"),
        hold_s=report.get("hold_s"), facing=report.get("facing"), view=report.get("view"), reps=reps,
        top_faults=summary.get("top_faults", []), set_faults=summary.get("set_faults", []),
        unmeasured=report.get("unmeasured", []), athlete=report.get("athlete"),
        fault_counts=dict(Counter(fault["code"] for fault in faults)), cues=cues, notes=_notes(report),
        files={key: Path(p).resolve().relative_to(root).as_posix() for key, p in files.items()
               if Path(p).resolve().is_relative_to(root)},
    )


def _notes(report: Mapping[str, Any]) -> list[str]:
    notes = []
    if report.get("drill") == "none":
        notes.append("no knee-drive drill seen: " + "; ".join(report.get("drill_reasons") or ()))
    video = report.get("video") or {}
    if video.get("truncated"):
        notes.append(f"file truncated: the {video.get('frames')} frames before the damage were analysed")
    return notes
