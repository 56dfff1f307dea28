"""The squad's outputs: ``summary.csv`` (one row per clip) and ``index.html`` (one page for the coach).

The page (``templates/squad.html``) is self-contained (styles, the small script that sorts the squad table,
and the charts as inline SVG); its only links are relative ones to each clip's ``report.html`` and
``overlay.mp4``, so the whole output folder can be copied or zipped and still work.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from kneedrive_cv.batch.discover import ClipJob
from kneedrive_cv.batch.worker import top_faults
from kneedrive_cv.files import write_atomic
from kneedrive_cv.output.charts import bar_chart

SUMMARY_COLUMNS = ("clip", "athlete", "drill", "status", "reason", "score", "cadence_spm", "reps", "top_faults",
                   "date", "outputs")
#: Clip files the page links to, if the clip's folder has them.
LINKED_FILES = (("report", "report.html"), ("overlay", "overlay.mp4"))


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.1f}"


def make_row(job: ClipJob, marker: dict[str, Any]) -> dict[str, str]:
    """Make a clip's ``summary.csv`` row from its job (who, what) and its marker (the result or failure)."""
    res = marker.get("result") or {}
    ok = marker.get("status") == "ok"
    return {"clip": job.clip, "athlete": job.athlete, "drill": str(res.get("drill", job.drill)) if ok else job.drill,
            "status": "ok" if ok else "failed", "reason": " ".join(str(marker.get("reason", "")).split()),
            "score": _fmt(res.get("mean_score")) if ok else "",
            "cadence_spm": _fmt(res.get("cadence_spm")) if ok else "", "reps": str(res.get("n_reps", "")) if ok else "",
            "top_faults": ";".join(top_faults(res.get("fault_counts") or {})), "date": job.date, "outputs": job.key}


def write_summary_csv(rows: Iterable[dict[str, str]], path: Path) -> Path:
    """Write the rows to ``path`` (atomically)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_atomic(path, buf.getvalue())


# ---------------------------------------------------------------------------------------------- the page

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("kneedrive_cv.batch", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _most_frequent(counts: Counter[str], n: int) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _page_row(row: dict[str, str], marker: dict[str, Any], root: Path) -> dict[str, Any]:
    """A summary row with what the page adds: its notes, its fault codes and the links to the clip's files."""
    notes = [row["reason"]] if row["reason"] else list((marker.get("result") or {}).get("notes") or [])
    links = [(label, f"{row['outputs']}/{name}") for label, name in LINKED_FILES
             if (root / row["outputs"] / name).exists()]
    return {**row, "notes": notes, "links": links, "fault_codes": [c for c in row["top_faults"].split(";") if c]}


def _athlete(name: str, anchor: str, rows: list[dict[str, Any]], markers: dict[str, dict[str, Any]]
             ) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    cues: dict[str, str] = {}
    for r in rows:
        res = markers.get(r["outputs"], {}).get("result") or {}
        counts.update(res.get("fault_counts") or {})
        for code, cue in (res.get("cues") or {}).items():
            cues.setdefault(code, cue)
    return {"name": name, "anchor": anchor, "rows": rows, "drills": sorted({r["drill"] for r in rows}),
            "mean_score": _mean([float(r["score"]) for r in rows if r["score"]]),
            "faults": [(code, n, cues.get(code, "")) for code, n in _most_frequent(counts, 5)]}


def _charts(by_athlete: dict[str, list[dict[str, Any]]], markers: dict[str, dict[str, Any]]) -> dict[str, Markup]:
    means = [(a, m) for a, rows in by_athlete.items() if (m := _mean([float(r["score"]) for r in rows if r["score"]]))
             is not None]
    faults: Counter[str] = Counter()
    for marker in markers.values():
        faults.update((marker.get("result") or {}).get("fault_counts") or {})
    top = _most_frequent(faults, 8)
    scores = [(a, m, f"{m:.0f}") for a, m in sorted(means, key=lambda am: -am[1])]
    return {"score_chart": Markup(bar_chart(scores, x_max=100, colour="#2f7d5b")),
            "fault_chart": Markup(bar_chart([(c, n, str(n)) for c, n in top],
                                            x_max=max((n for _, n in top), default=0), colour="#c0623b"))}


def render_index(rows: list[dict[str, str]], markers: dict[str, dict[str, Any]], root: Path) -> str:
    """Render the squad page's HTML (``templates/squad.html``): charts, the squad table, one section per athlete."""
    page_rows = [_page_row(r, markers.get(r["outputs"], {}), root) for r in rows]
    by_athlete: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in page_rows:
        by_athlete[r["athlete"]].append(r)
    names = sorted(by_athlete, key=lambda a: (a.lower(), a))
    anchors = {a: f"athlete-{i}" for i, a in enumerate(names, start=1)}
    squad = sorted(page_rows, key=lambda r: (r["score"] == "", -float(r["score"] or 0), r["athlete"], r["clip"]))
    return _ENV.get_template("squad.html").render(
        rows=page_rows, failed=sum(r["status"] != "ok" for r in rows), squad=squad, anchors=anchors,
        athletes=[_athlete(a, anchors[a], by_athlete[a], markers) for a in names], **_charts(by_athlete, markers),
    ) + "\n"


def write_index_html(rows: list[dict[str, str]], markers: dict[str, dict[str, Any]], path: Path) -> Path:
    """Write the squad page to ``path`` (atomically); links are relative to its folder."""
    return write_atomic(path, render_index(rows, markers, path.parent))
