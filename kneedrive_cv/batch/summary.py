"""The squad's outputs: ``summary.csv`` (one row per clip) and ``index.html`` (one page for the coach).

The page is self-contained (styles, the small script that sorts the squad table, and the charts as inline
SVG); its only links are relative ones to each clip's ``report.html`` and ``overlay.mp4``, so the whole
output folder can be copied or zipped and still work.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from kneedrive_cv.batch.discover import ClipJob
from kneedrive_cv.batch.worker import top_faults
from kneedrive_cv.files import write_atomic

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

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;
 padding:1rem 1.2rem;color:#1d232a}
h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:2px solid #e3e7ec}h3{margin:1.4rem 0 .3rem}
.meta{color:#56606b}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.charts figure{margin:0;flex:1 1 420px}
figcaption{font-weight:600;margin-bottom:.3rem}table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e3e7ec;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}th[data-type]{cursor:pointer;user-select:none}
th[data-type]:after{content:" \\2195";color:#aab}
tr.failed td{color:#8a1f11}.reason{font-size:.85em;color:#56606b}tr.failed .reason{color:#8a1f11}
.faults li{margin:.15rem 0}
code{background:#f1f3f5;padding:0 .25rem;border-radius:3px}svg text{font:12px system-ui,sans-serif;fill:#1d232a}
"""

_JS = """
document.querySelectorAll("table.sortable").forEach(function(table){
  table.querySelectorAll("th[data-type]").forEach(function(th, col){
    th.addEventListener("click", function(){
      var num = th.dataset.type === "num", asc = th.dataset.order !== "asc";
      table.querySelectorAll("th").forEach(function(h){ delete h.dataset.order; });
      th.dataset.order = asc ? "asc" : "desc";
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function(a, b){
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        if (x === "" || y === "") return (x === "") - (y === "");
        var d = num ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return asc ? d : -d;
      });
      rows.forEach(function(r){ body.appendChild(r); });
    });
  });
});
"""


def _bars(items: list[tuple[str, float, str]], x_max: float, colour: str) -> str:
    """Draw a horizontal bar chart as inline SVG: one ``(label, value, value text)`` per bar."""
    if not items:
        return '<p class="meta">nothing to show yet</p>'
    label_w, bar_w, row_h = 150, 300, 24
    height = row_h * len(items) + 6
    parts = [f'<svg role="img" viewBox="0 0 {label_w + bar_w + 60} {height}" width="100%" '
             f'style="max-width:{label_w + bar_w + 60}px" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, text) in enumerate(items):
        y = 3 + i * row_h
        w = 0 if x_max <= 0 else bar_w * max(0.0, min(value, x_max)) / x_max
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(label[:22])}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}" rx="2"/>'
                     f'<text x="{label_w + w + 5:.1f}" y="{y + 16}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _clip_links(root: Path, key: str) -> str:
    links = [f'<a href="{escape(f"{key}/{name}", quote=True)}">{label}</a>'
             for label, name in LINKED_FILES if (root / key / name).exists()]
    return " · ".join(links)


def _class(name: str) -> str:
    return f' class="{name}"' if name else ""


def _status(row: dict[str, str], marker: dict[str, Any]) -> str:
    notes = [row["reason"]] if row["reason"] else list((marker.get("result") or {}).get("notes") or [])
    return escape(row["status"]) + "".join(f'<div class="reason">{escape(n)}</div>' for n in notes)


def _squad_table(rows: list[dict[str, str]], markers: dict[str, dict[str, Any]], root: Path,
                 anchors: dict[str, str]) -> str:
    head = ('<table id="squad" class="sortable"><thead><tr><th data-type="text">Athlete</th>'
            '<th data-type="text">Clip</th><th data-type="text">Drill</th><th data-type="num" class="n">Score</th>'
            '<th data-type="num" class="n">Reps</th><th data-type="num" class="n">Cadence (spm)</th>'
            '<th data-type="text">Top faults</th><th data-type="text">Status</th><th>Outputs</th></tr></thead><tbody>')
    order = sorted(rows, key=lambda r: (r["score"] == "", -float(r["score"] or 0), r["athlete"], r["clip"]))
    body = []
    for r in order:
        status = _status(r, markers.get(r["outputs"], {}))
        who = f'<a href="#{anchors[r["athlete"]]}">{escape(r["athlete"])}</a>'
        cells = [(r["athlete"], who, ""), (r["clip"], escape(r["clip"]), ""),
                 (r["drill"], escape(r["drill"]), ""), (r["score"], r["score"], "n"), (r["reps"], r["reps"], "n"),
                 (r["cadence_spm"], r["cadence_spm"], "n"),
                 (r["top_faults"], " ".join(f"<code>{escape(c)}</code>" for c in r["top_faults"].split(";") if c), ""),
                 (r["status"], status, "")]
        tds = "".join(f'<td data-sort="{escape(s, quote=True)}"{_class(c)}>{v}</td>' for s, v, c in cells)
        body.append(f'<tr class="{escape(r["status"])}">{tds}<td>{_clip_links(root, r["outputs"])}</td></tr>')
    return head + "".join(body) + "</tbody></table>"


def _athlete_section(athlete: str, anchor: str, rows: list[dict[str, str]], markers: dict[str, dict[str, Any]],
                     root: Path) -> str:
    counts: Counter[str] = Counter()
    cues: dict[str, str] = {}
    for r in rows:
        res = markers.get(r["outputs"], {}).get("result") or {}
        counts.update(res.get("fault_counts") or {})
        for code, cue in (res.get("cues") or {}).items():
            cues.setdefault(code, cue)
    scores = [float(r["score"]) for r in rows if r["score"]]
    mean = _mean(scores)
    drills = sorted({r["drill"] for r in rows})
    parts = [f'<section id="{anchor}"><h3>{escape(athlete)}</h3>'
             f'<p class="meta">{len(rows)} clip{"s" * (len(rows) != 1)} ({", ".join(map(escape, drills))})'
             f'{f", mean score {mean:.0f}" if mean is not None else ""}</p>'
             '<table><thead><tr><th>Clip</th><th>Date</th><th>Drill</th><th class="n">Score</th><th class="n">Reps</th>'
             '<th class="n">Cadence (spm)</th><th>Status</th><th>Outputs</th></tr></thead><tbody>']
    for r in rows:
        status = _status(r, markers.get(r["outputs"], {}))
        parts.append(f'<tr class="{escape(r["status"])}"><td>{escape(r["clip"])}</td><td>{escape(r["date"])}</td>'
                     f'<td>{escape(r["drill"])}</td><td class="n">{r["score"]}</td><td class="n">{r["reps"]}</td>'
                     f'<td class="n">{r["cadence_spm"]}</td><td>{status}</td>'
                     f'<td>{_clip_links(root, r["outputs"])}</td></tr>')
    parts.append("</tbody></table>")
    if counts:
        parts.append('<h4>Most frequent faults</h4><ul class="faults">')
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
            cue = escape(cues.get(code, ""))
            parts.append(f'<li><code>{escape(code)}</code> in {n} rep{"s" * (n != 1)}: {cue}</li>')
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _charts(by_athlete: dict[str, list[dict[str, str]]], markers: dict[str, dict[str, Any]]) -> str:
    means = [(a, m) for a, rows in by_athlete.items() if (m := _mean([float(r["score"]) for r in rows if r["score"]]))
             is not None]
    faults: Counter[str] = Counter()
    for marker in markers.values():
        faults.update((marker.get("result") or {}).get("fault_counts") or {})
    top = sorted(faults.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    score_svg = _bars([(a, m, f"{m:.0f}") for a, m in sorted(means, key=lambda am: -am[1])], 100, "#2f7d5b")
    fault_svg = _bars([(c, n, str(n)) for c, n in top], max((n for _, n in top), default=0), "#c0623b")
    return (f'<section class="charts"><figure><figcaption>Mean rep score per athlete (0-100)</figcaption>{score_svg}'
            f'</figure><figure><figcaption>Most common faults across the squad (reps)</figcaption>{fault_svg}</figure>'
            "</section>")


def render_index(rows: list[dict[str, str]], markers: dict[str, dict[str, Any]], root: Path) -> str:
    """Render the squad page's HTML."""
    by_athlete: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_athlete[r["athlete"]].append(r)
    failed = sum(r["status"] != "ok" for r in rows)
    meta = (f"{len(rows)} clip{'s' * (len(rows) != 1)} of {len(by_athlete)} athlete{'s' * (len(by_athlete) != 1)}: "
            f"{len(rows) - failed} scored, {failed} failed. "
            'The table as a spreadsheet: <a href="summary.csv">summary.csv</a>.')
    names = sorted(by_athlete, key=lambda a: (a.lower(), a))
    anchors = {a: f"athlete-{i}" for i, a in enumerate(names, start=1)}
    athletes = "".join(_athlete_section(a, anchors[a], by_athlete[a], markers, root) for a in names)
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Squad summary</title>'
            f"<style>{_CSS}</style></head><body><h1>Squad summary</h1><p class=\"meta\">{meta}</p>"
            f"{_charts(by_athlete, markers)}<h2>Squad</h2><p class=\"meta\">Click a column's title to sort by it.</p>"
            f"{_squad_table(rows, markers, root, anchors)}<h2>Athletes</h2>{athletes}"
            f"<script>{_JS}</script></body></html>\n")


def write_index_html(rows: list[dict[str, str]], markers: dict[str, dict[str, Any]], path: Path) -> Path:
    """Write the squad page to ``path`` (atomically); links are relative to its folder."""
    return write_atomic(path, render_index(rows, markers, path.parent))
