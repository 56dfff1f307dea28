"""report.json, frames.csv, reps.csv and analysis.json: the analysis as files, each written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv.analysis import AnalysisResult
from kneedrive_cv.kinematics.metrics import METRIC_COLUMNS


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write a file under a temporary name, then rename it into place."""
    tmp = path.with_name(f".{path.name}.part")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8")
    else:
        tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _clean(obj: Any) -> Any:
    """NaN and infinities become null (JSON has no NaN)."""
    if isinstance(obj, float | np.floating):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def report_json(result: AnalysisResult) -> str:
    """report.json's text."""
    return json.dumps(_clean(result.report_dict()), indent=2, default=_json_default)


def frames_csv(result: AnalysisResult) -> str:
    """frames.csv: one row per decoded frame, METRICS.md columns then their confidences."""
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
    return json.dumps({"clip_path": str(result.clip.resolve()), "drill": result.meta.get("drill_arg", "auto"),
                       "thresholds": None if thresholds is None else str(Path(thresholds).resolve()),
                       "model": None if model is None else str(model), "track": "track.npz"}, indent=2)
