"""report.html: one self-contained page a coach can open (images embedded, no network)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jinja2

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("kneedrive_cv.output", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)


def _grade(score: float | None) -> str:
    if score is None:
        return "na"
    return "good" if score >= 80 else "ok" if score >= 60 else "poor"


_ENV.filters["grade"] = _grade


def _b64(path: Path | None) -> str | None:
    return base64.b64encode(path.read_bytes()).decode("ascii") if path and path.exists() else None


def render_report_html(report: dict[str, Any], plots: dict[str, Path], kinogram: Path | None) -> str:
    """The HTML page for a report.json dict, its plot PNGs and its kinogram PNG."""
    template = _ENV.get_template("report.html")
    return template.render(r=report, s=report["summary"], kinogram=_b64(kinogram),
                           plots=[(name, _b64(p)) for name, p in plots.items()])
