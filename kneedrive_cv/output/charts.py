"""Small inline SVG charts for HTML pages, drawn in Python with no plotting library: the one chart helper.

:func:`line_chart` draws a value by date (the web app's athlete page); :func:`bar_chart` draws labelled
horizontal bars (the batch's squad page). Both return markup to put straight into a page, or a short note
when there is nothing to draw, and style their text with the page's CSS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from html import escape


@dataclass(frozen=True)
class Point:
    """One clip's value on its date; ``label`` shows on hover."""

    day: date
    value: float
    label: str = ""


def _nice_step(span: float) -> float:
    raw = span / 4 if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _y_range(values: list[float], fixed: tuple[float, float] | None) -> tuple[float, float, float]:
    if fixed is not None:
        lo, hi = fixed
        return lo, hi, _nice_step(hi - lo)
    lo, hi = min(values), max(values)
    pad = max((hi - lo) * 0.15, abs(hi) * 0.05, 1.0)
    step = _nice_step(hi - lo + 2 * pad)
    return math.floor((lo - pad) / step) * step, math.ceil((hi + pad) / step) * step, step


def line_chart(points: list[Point], *, title: str, unit: str = "", y_fixed: tuple[float, float] | None = None,
               colour: str = "#2563eb", bands: tuple[tuple[float, float, str], ...] = (), width: int = 520,
               height: int = 230) -> str:
    """Draw ``points`` by date as SVG markup to embed in a page (or a note when there are none).

    ``bands`` are ``(low, high, fill colour)`` stripes behind the line, such as the score colours.
    """
    points = sorted((p for p in points if math.isfinite(p.value)), key=lambda p: p.day)
    if not points:
        return f'<p class="muted">No {escape(title.lower())} yet.</p>'
    left, right, top, bottom = 44, 34, 34, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi, step = _y_range([p.value for p in points], y_fixed)
    d0, d1 = points[0].day.toordinal(), points[-1].day.toordinal()

    def x(day: date) -> float:
        return left + (plot_w / 2 if d1 == d0 else (day.toordinal() - d0) / (d1 - d0) * plot_w)

    def y(value: float) -> float:
        return top + (1 - (value - lo) / (hi - lo)) * plot_h

    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)} by date" '
           f'xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{left}" y="18" class="chart-title">{escape(title)}{f" ({escape(unit)})" if unit else ""}</text>']
    for b_lo, b_hi, fill in bands:
        y0, y1 = y(min(max(b_hi, lo), hi)), y(min(max(b_lo, lo), hi))
        out.append(f'<rect x="{left}" y="{y0:.1f}" width="{plot_w}" height="{y1 - y0:.1f}" fill="{fill}"/>')
    tick = lo
    while tick <= hi + step / 1000:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
                   f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" class="tick" text-anchor="end">{tick:g}</text>')
        tick += step
    days = sorted({p.day for p in points})
    shown = days if len(days) <= 6 else [days[round(i * (len(days) - 1) / 5)] for i in range(6)]
    for day in shown:
        out.append(f'<text x="{x(day):.1f}" y="{height - 8}" class="tick" text-anchor="middle">'
                   f'{day.strftime("%d %b %y")}</text>')
    if len(points) > 1:
        path = " ".join(f"{x(p.day):.1f},{y(p.value):.1f}" for p in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for p in points:
        value = f"{p.value:.0f}{' ' + unit if unit else ''}"
        tip = escape(f"{p.day.isoformat()}: {value}{' · ' + p.label if p.label else ''}")
        out.append(f'<circle cx="{x(p.day):.1f}" cy="{y(p.value):.1f}" r="4.5" fill="{colour}"><title>{tip}</title>'
                   "</circle>")
    out.append("</svg>")
    return "".join(out)


def bar_chart(bars: list[tuple[str, float, str]], *, x_max: float, colour: str, label_width: int = 150,
              bar_width: int = 300, row_height: int = 24) -> str:
    """Draw horizontal bars as SVG markup, one ``(label, value, value text)`` each, ``x_max`` at full length.

    Labels are cut to 22 characters; values are clipped to ``0..x_max``.
    """
    if not bars:
        return '<p class="meta">nothing to show yet</p>'
    width, height = label_width + bar_width + 60, row_height * len(bars) + 6
    out = [f'<svg role="img" viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
           'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value, text) in enumerate(bars):
        y = 3 + i * row_height
        w = 0 if x_max <= 0 else bar_width * max(0.0, min(value, x_max)) / x_max
        out.append(f'<text x="{label_width - 6}" y="{y + 16}" text-anchor="end">{escape(label[:22])}</text>'
                   f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row_height - 8}" fill="{colour}" '
                   'rx="2"/>'
                   f'<text x="{label_width + w + 5:.1f}" y="{y + 16}">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)
