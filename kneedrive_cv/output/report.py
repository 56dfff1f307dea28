"""report.json, frames.csv, reps.csv and analysis.json: the analysis as files, each written whole or not at all."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv import __version__
from kneedrive_cv.analysis import AnalysisResult
from kneedrive_cv.errors import VideoError
from kneedrive_cv.files import json_ready
from kneedrive_cv.kinematics.distances import EXPECTED_ERROR_PCT
from kneedrive_cv.kinematics.metrics import METRIC_COLUMNS
from kneedrive_cv.scoring.score import ScoredRep, fault_counts
from kneedrive_cv.video import filmed_on


def summary_dict(result: AnalysisResult) -> dict[str, Any]:
    """Headline numbers and the most frequent faults, for reports and the terminal."""
    reps = result.reps
    scores = [r.score for r in reps if r.score is not None]
    top = [{"code": c, "reps": n, "cue": result.book.cue(c)} for c, n in fault_counts(reps).most_common(3)]
    return {
        "reps": len(reps),
        "mean_score": round(float(np.mean(scores)), 1) if scores else None,
        "best_rep": max(reps, key=lambda r: r.score or -1).index if scores else None,
        "worst_rep": min(reps, key=lambda r: r.score if r.score is not None else 101).index if scores else None,
        "top_faults": top,
        "set_faults": [f.as_dict() for f in (result.score.set_faults if result.score else ())],
        "findings": dict(result.score.findings) if result.score else {},
    }


def _runner_up(result: AnalysisResult) -> dict[str, Any] | None:
    second = result.recognition.runner_up
    return None if second is None else {"drill": second.drill, "confidence": second.fit, "why": second.why}


def heading_dict(clip: Path, given: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """Who and when heads the report: ``athlete`` (None when unknown), ``clip`` (its name), ``filmed`` and its source.

    ``given`` may name any of them (the web app and the batch know the athlete, the name uploaded and the day);
    the date filmed is otherwise the clip's own (see :func:`kneedrive_cv.video.filmed_on`): ``filmed_from`` is
    ``given``, ``container`` (the recording time the camera wrote) or ``file`` (the file's modification date).
    """
    given = given or {}
    filmed: str | None = given.get("filmed") or None
    source: str | None = given.get("filmed_from") or "given"
    if filmed is None:
        try:
            filmed, source = filmed_on(clip)
        except (OSError, VideoError):  # the clip moved or is unreadable now: no date rather than a wrong one
            filmed, source = None, None
    return {"athlete": given.get("athlete") or None, "clip": given.get("clip") or clip.name, "filmed": filmed,
            "filmed_from": source}


def report_dict(result: AnalysisResult, heading: Mapping[str, str | None] | None = None) -> dict[str, Any]:
    """The content of report.json (its fields are described in the README's output table).

    ``heading``: the report's heading as :func:`heading_dict` makes it (made from the clip when None).
    """
    kinematics, score, events = result.kinematics, result.score, result.events
    features = dataclasses.asdict(result.recognition.features)
    if score is None:  # the cadence of a clip no drill scored, as recognition saw it
        features["cadence_spm"] = result.cadence_spm
    return {
        "kneedrive_version": __version__,
        "clip": result.clip.name,
        "heading": dict(heading) if heading is not None else heading_dict(result.clip),
        "drill": result.drill_name,
        "drill_title": result.drill.title if result.drill else "no knee-drive drill",
        "drill_confidence": result.recognition.confidence,
        "drill_reasons": list(result.recognition.reasons),
        "drill_uncertain": result.recognition.uncertain,
        "drill_runner_up": _runner_up(result),
        "drill_closest": closest.drill if (closest := result.recognition.closest_drill) else None,
        "drill_source": "auto" if result.drill_asked == "auto" else "given",
        "drill_recognised": result.recognition.drill,
        "cadence_spm": _round(result.cadence_spm, 2),
        "cadence_source": result.cadence_source,
        "facing": result.facing,
        "vertical": "image vertical (no camera roll correction)",
        "view": kinematics.view,
        "hold_s": _round(score.hold_s, 2) if score else None,
        "reps": [_rep_dict(r) for r in result.reps],
        "summary": summary_dict(result),
        "unmeasured": [u.as_dict() for u in result.unmeasured],
        "thresholds": thresholds_dict(result),
        "events": {
            "knee_drives": [{"side": d.side.value, "t_peak_s": round(d.t_peak_s, 3),
                             "peak_thigh_deg": _round(d.peak_thigh_deg, 1),
                             "peak_knee_height": _round(d.peak_knee_height, 3), "partial": d.partial}
                            for d in events.drives],
            "foot_contacts": [{"side": c.side.value, "t_on_s": _round(c.t_on_s, 3), "t_off_s": _round(c.t_off_s, 3)}
                              for c in events.contacts],
            "contact_method": events.contact_method,
            "holds": [{"side": h.side.value, "t_start_s": round(h.t_start_s, 3), "t_end_s": round(h.t_end_s, 3)}
                      for h in events.holds],
        },
        "video": {"width": result.video.width, "height": result.video.height, "fps": round(result.video.fps, 3),
                  "frames": len(result.track), "duration_s": round(float(result.track.t_s[-1]), 3),
                  "codec": result.video.codec, "rotation_deg": result.video.rotation_deg,
                  "turned_deg": result.video.turn_deg, "truncated": result.read_truncated,
                  # how many times slower than real life the clip plays; every time and rate here is real time
                  "slow_motion": result.slow_motion},
        "athlete": result.track.meta.get("athlete"),
        "pose": {"model": result.track.model, "from_cache": result.from_cache,
                 "person_found_share": round(result.track.detection_rate, 3),
                 "people_seen": len(result.track.people.person_ids) if result.track.people is not None else None,
                 "leg_swaps_repaired_frames": kinematics.legs.frames_repaired,
                 "leg_identity_rule": kinematics.legs.rule,
                 "filled_frames": int(kinematics.frames.filled.sum()), "thigh_length_px": round(kinematics.thigh_px, 1),
                 "smoothing": {"cutoff_hz": kinematics.settings.cutoff_hz,
                               "max_gap_filled_s": kinematics.settings.max_gap_s}},
        "recognition_features": features,
        "distances": distances_dict(result),
    }


def distances_dict(result: AnalysisResult) -> dict[str, Any] | None:
    """The figures in centimetres from the athlete's height, each with its expected error (None: no height)."""
    d = result.distances
    if d is None:
        return None
    return {
        "height_cm": d.height_cm, "cm_per_px": _round(d.cm_per_px, 4), "ground_drift": _round(d.ground_drift, 3),
        "hip_height_cm": _round(d.hip_height_cm, 1), "knee_height_cm": _round(d.knee_height_cm, 1),
        "step_length_cm": _round(d.step_length_cm, 1), "steps_cm": [round(s, 1) for s in d.steps_cm],
        "speed_m_s": _round(d.speed_m_s, 3),
        "reps": [{"index": r.index, "speed_m_s": _round(r.speed_m_s, 3), "knee_height_cm": _round(r.knee_height_cm, 1)}
                 for r in d.reps],
        "expected_error_pct": dict(EXPECTED_ERROR_PCT),
        "not_measured": [{"what": what, "why": why} for what, why in d.missing],
    }


def thresholds_dict(result: AnalysisResult) -> dict[str, Any]:
    """The criteria used to score (the drill's), and where they came from."""
    drill = result.drill
    if drill is None:
        return {"sources": list(result.book.sources)}
    return {"sources": list(result.book.sources), "drill": drill.name,
            "criteria": [{"metric": c.metric, "min": c.min, "max": c.max, "margin": c.margin,
                          "tolerance": c.tolerance, "weight": c.weight} for c in drill.criteria],
            "cadence_min_spm": drill.cadence_min_spm, "cadence_max_spm": drill.cadence_max_spm,
            "target_hold_s": drill.target_hold_s}


def _round(x: float | None, nd: int) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _rep_dict(r: ScoredRep) -> dict[str, Any]:
    return {"index": r.index, "kind": r.kind, "side": r.side.value, "t_start_s": round(r.t_start_s, 3),
            "t_peak_s": round(r.t_peak_s, 3), "t_end_s": round(r.t_end_s, 3), "score": r.score,
            "faults": [f.as_dict() for f in r.faults],
            "metrics": {name: _round(v, 3) for name, v in r.metrics.items() if v is not None},
            "unmeasured": list(r.unmeasured)}


def report_json(result: AnalysisResult, heading: Mapping[str, str | None] | None = None) -> str:
    """report.json's text (``heading`` as for :func:`report_dict`)."""
    return json.dumps(json_ready(report_dict(result, heading)), indent=2)


def frames_csv(result: AnalysisResult) -> str:
    """frames.csv: one row per decoded frame, docs/METRICS.md columns then their confidences."""
    fr = result.frames
    header = ["frame", "t_s", *METRIC_COLUMNS, *(f"confidence_{c}" for c in METRIC_COLUMNS), "filled"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    cols = [fr.columns[c] for c in METRIC_COLUMNS]
    confs = [fr.confidence[c] for c in METRIC_COLUMNS]
    for i, t in enumerate(fr.t_s):
        row = [i, f"{t:.6f}"]
        row += ["" if np.isnan(c[i]) else f"{c[i]:.3f}" for c in cols]
        row += [f"{c[i]:.3f}" for c in confs]
        row.append(int(fr.filled[i]))
        w.writerow(row)
    return buf.getvalue()


def reps_csv(result: AnalysisResult) -> str:
    """reps.csv: one row per rep with its score, faults and metrics."""
    metric_names = sorted({m for r in result.reps for m, v in r.metrics.items() if v is not None})
    header = ["rep", "kind", "side", "t_start_s", "t_peak_s", "t_end_s", "score", "faults", "cues", "details",
              *metric_names]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in result.reps:
        values = [r.metrics.get(m) for m in metric_names]
        w.writerow([r.index, r.kind, r.side.value, f"{r.t_start_s:.3f}", f"{r.t_peak_s:.3f}", f"{r.t_end_s:.3f}",
                    "" if r.score is None else f"{r.score:.1f}", ";".join(f.code for f in r.faults),
                    " | ".join(f.cue for f in r.faults), " | ".join(f.detail for f in r.faults),
                    *("" if v is None or not np.isfinite(v) else f"{v:.3f}" for v in values)])
    return buf.getvalue()


def analysis_json(result: AnalysisResult, thresholds: str | os.PathLike[str] | None,
                  model: str | os.PathLike[str] | None) -> str:
    """analysis.json: what is needed to re-score or re-render this analysis without running pose again."""
    return json.dumps({"clip_path": str(result.clip.resolve()), "drill": result.drill_asked,
                       "thresholds": None if thresholds is None else str(Path(thresholds).resolve()),
                       "model": None if model is None else str(model), "track": "track.npz",
                       "height_cm": result.distances.height_cm if result.distances else None,
                       "slow_motion": result.slow_motion}, indent=2)
