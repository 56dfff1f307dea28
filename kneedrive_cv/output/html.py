"""report.html: one self-contained page a coach can open (images embedded, no network)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import jinja2

from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.colours import FAIR_RGB, GOOD_RGB, POOR_RGB, SIDE_RGB, hex_colour, score_grade

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("kneedrive_cv.output", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)


_ENV.filters["grade"] = score_grade
_ENV.globals["colours"] = {"left": hex_colour(SIDE_RGB[Side.LEFT]), "right": hex_colour(SIDE_RGB[Side.RIGHT]),
                           "good": hex_colour(GOOD_RGB), "fair": hex_colour(FAIR_RGB), "poor": hex_colour(POOR_RGB)}


def _b64(path: Path | None) -> str | None:
    return base64.b64encode(path.read_bytes()).decode("ascii") if path and path.exists() else None


def render_report_html(report: dict[str, Any], plots: dict[str, Path], kinogram: Path | None) -> str:
    """The HTML page for a report.json dict, its plot PNGs and its kinogram PNG."""
    template = _ENV.get_template("report.html")
    return template.render(r=report, s=report["summary"], kinogram=_b64(kinogram),
                           plots=[(name, _b64(p)) for name, p in plots.items()])
