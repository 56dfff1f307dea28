"""The numbers of a pair as a small table drawn in a picture: each metric for A and B and B minus A.

The video's strip and the picture's block under each pair use it. A metric one of the reps did not measure
shows "--" and no difference; a score that rose is drawn green, one that fell red (for the other metrics
better depends on the drill, so their differences stay neutral).
"""

from __future__ import annotations

import math

import numpy as np

from kneedrive_cv.output.annotators import Sizes, Style, put_text, text_size
from kneedrive_cv.output.colours import RGB
from kneedrive_cv.output.compare.pairs import SHOWN, Pair

Row = tuple[str, str, str, str, RGB]


def _fmt(fmt: str, value: float | None, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "--"
    text = fmt.replace("{:", "{:+") if signed else fmt
    out = text.format(value)
    return text.format(0.0) if not out.strip("+-0.°") else out  # no "-0"


def rows(pair: Pair, style: Style) -> list[Row]:
    """(label, A, B, B - A, colour of the difference) for the score, the shown metrics and the faults."""
    a, b = pair.values()
    delta = pair.delta()
    out: list[Row] = []
    for name, label, fmt in SHOWN:
        if name not in a and name not in b:
            continue
        d = delta.get(name)
        colour = style.text
        if name == "score" and d is not None and abs(d) >= 0.5:
            colour = style.good if d > 0 else style.poor
        out.append((label, _fmt(fmt, a.get(name)), _fmt(fmt, b.get(name)), _fmt(fmt, d, signed=True), colour))
    faults_a = ", ".join(f.code.replace("_", " ") for f in pair.a.faults) or "clean"
    faults_b = ", ".join(f.code.replace("_", " ") for f in pair.b.faults) or "clean"
    out.append(("faults", faults_a, faults_b, "", style.text))
    return out


def table_height(n_rows: int, sizes: Sizes) -> int:
    """Height of a table of ``n_rows`` rows and its header."""
    return (n_rows + 1) * sizes.line_h + sizes.pad


def draw_table(image: np.ndarray, x: int, y: int, width: int, table: list[Row], sizes: Sizes, style: Style,
               head: tuple[str, str, str, str] = ("", "A", "B", "B - A")) -> None:
    """Draw ``table`` in ``image`` (RGB, in place) with its top-left corner at (x, y), ``width`` pixels wide.

    The label column takes a third of the width and the three number columns share the rest; the faults row
    is written across A's and B's columns, each shortened to fit.
    """
    label_w = width // 3
    col_w = (width - label_w) // 3
    cols = [x + label_w + k * col_w for k in range(3)]
    baseline = y + sizes.line_h - sizes.pad // 2
    for k, text in enumerate(head[1:]):
        put_text(image, text, (cols[k], baseline), sizes, style.muted, 0.95, outline=None)
    for label, va, vb, d, colour in table:
        baseline += sizes.line_h
        put_text(image, label, (x, baseline), sizes, style.muted, 0.95, outline=None)
        if label == "faults":
            half = (width - label_w) // 2
            put_text(image, _fit(va, half - sizes.pad, sizes), (cols[0], baseline), sizes, style.text, 0.85,
                     outline=None)
            put_text(image, _fit(vb, half - sizes.pad, sizes), (cols[0] + half, baseline), sizes, style.text, 0.85,
                     outline=None)
            continue
        for k, (text, c) in enumerate(((va, style.text), (vb, style.text), (d, colour))):
            put_text(image, text, (cols[k], baseline), sizes, c, 1.0, outline=None)


def _fit(text: str, max_w: int, sizes: Sizes) -> str:
    """``text`` cut short with "..." so it is at most ``max_w`` pixels wide."""
    if text_size(text, sizes, 0.85)[0] <= max_w:
        return text
    while text and text_size(text + "...", sizes, 0.85)[0] > max_w:
        text = text[:-1]
    return text + "..."


__all__ = ["draw_table", "rows", "table_height"]
