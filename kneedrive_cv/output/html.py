"""report.html: one self-contained page a coach can open (images embedded, no network)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from PIL import Image

from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.annotators import Style
from kneedrive_cv.output.colours import (
    FAIR_RGB,
    FAIR_SCORE,
    GOOD_RGB,
    GOOD_SCORE,
    POOR_RGB,
    SIDE_RGB,
    hex_colour,
    score_grade,
)
from kneedrive_cv.output.compare.table import rows
from kneedrive_cv.scoring.unmeasured import not_judged

if TYPE_CHECKING:
    from kneedrive_cv.output import BestWorst

_ENV = jinja2.Environment(loader=jinja2.PackageLoader("kneedrive_cv.output", "templates"),
                          autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)


_ENV.filters["grade"] = score_grade
_ENV.filters["not_judged"] = not_judged
_ENV.globals["colours"] = {"left": hex_colour(SIDE_RGB[Side.LEFT]), "right": hex_colour(SIDE_RGB[Side.RIGHT]),
                           "good": hex_colour(GOOD_RGB), "fair": hex_colour(FAIR_RGB), "poor": hex_colour(POOR_RGB)}


#: What each plot (named as by ``plots.write_plots``) shows, said under it: the plots' titles stay short.
PLOT_CAPTIONS = {
    "knee": "Knee height and thigh angle of each leg (left blue, right magenta). Each rep's peak is numbered as in "
            f"the rep table and coloured by its score: green {GOOD_SCORE:.0f} or more, amber {FAIR_SCORE:.0f} or "
            "more, red below.",
    "trunk_foot": "Trunk lean from vertical (forward is positive) and each foot's angle: above 0 the toes are pulled "
                  "up (a sprung foot), below 0 they point down (soggy). Faint lines mark the reps' peaks.",
    "cadence": "The rate over each stride (two successive steps or drives, one of each leg; dark) and over each "
               "interval alone (grey: timed to whole frames, so a steady rate zigzags), against the clip's cadence.",
    "speed": "The hips' speed over half a second, each rep's speed (dots coloured by score) and the clip's.",
}


def _b64(path: Path | None) -> str | None:
    return base64.b64encode(path.read_bytes()).decode("ascii") if path and path.exists() else None


def _jpeg_b64(path: Path | None, quality: int = 85) -> str | None:
    """A photographic PNG (the kinogram) as base64 JPEG: a tenth of the size, so the page can be mailed."""
    if not path or not path.exists():
        return None
    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=quality, optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_report_html(report: dict[str, Any], plots: dict[str, Path], kinogram: Path | None,
                       best_worst: BestWorst | None = None, heading: Mapping[str, str | None] | None = None) -> str:
    """The HTML page for a report.json dict, its plot PNGs, its kinogram PNG and its best rep against its worst.

    ``heading``: who and when, for a page handed to the athlete: ``athlete``, ``filmed`` (a date), ``filmed_from``
    (``container``, ``file`` or ``given``: said beside the date) and ``clip`` (the name the coach knows the clip by);
    any may be missing. Without it, report.json's own ``heading``; without that, the page is headed by the drill.
    """
    template = _ENV.get_template("report.html")
    pair = None
    if best_worst is not None:
        table = [row[:4] for row in rows(best_worst.pair, Style())]
        pair = {"best": best_worst.pair.a.index, "worst": best_worst.pair.b.index, "rows": table,
                "image": _jpeg_b64(best_worst.picture)}
    return template.render(r=report, s=report["summary"], kinogram=_jpeg_b64(kinogram),
                           plots=[(name, _b64(p), PLOT_CAPTIONS.get(name, ""), p.parent.name + "/" + p.name)
                                  for name, p in plots.items()], best_worst=pair,
                           heading={k: v for k, v in dict(heading or report.get("heading") or {}).items() if v})
