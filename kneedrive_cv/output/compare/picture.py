"""compare.png: each pair at its peak, A's rep above B's (a kinogram pair), with their numbers below.

The pictures are the video's panels at the two peak frames, scaled down; pairs go side by side and wrap
onto rows after :data:`MAX_COLS`. The report's "best rep against worst rep" is the same picture of one pair.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from kneedrive_cv.output.annotators import Sizes, Style, put_text, wrap
from kneedrive_cv.output.compare.pairs import Pair
from kneedrive_cv.output.compare.panel import COMPARE_SCALE, PANEL_H, PANEL_W, PanelPainter
from kneedrive_cv.output.compare.table import draw_table, rows, table_height
from kneedrive_cv.output.kinogram import write_png
from kneedrive_cv.video import read_frames_at

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult

#: Size of a rep's picture in the sheet (the panel scaled by two thirds).
TILE_W, TILE_H = 360, 480
#: Pairs per row before wrapping.
MAX_COLS = 6


def _peak_tiles(painter: PanelPainter, reps: list[int],
                frames: Mapping[int, np.ndarray] | None = None) -> dict[int, np.ndarray]:
    """The drawn panel at each of these frames, scaled to a tile.

    The frames come from ``frames`` when given (a frame missing there gives no tile), else the clip is decoded
    up to the last one.
    """
    result = painter.result
    out = {}
    source = ((i, frames[i]) for i in sorted(set(reps)) if i in frames) if frames is not None else \
        read_frames_at(result.clip, set(reps), turn=result.video.turn_deg)
    for i, frame in source:
        out[i] = cv2.resize(painter.paint(frame, i), (TILE_W, TILE_H), interpolation=cv2.INTER_AREA)
    return out


def _label(tile: np.ndarray, text: str, sizes: Sizes, style: Style, score: float | None) -> None:
    band = sizes.line_h + sizes.pad
    tile[:band] = (0.25 * tile[:band] + 0.75 * np.array(style.panel)).astype(np.uint8)
    put_text(tile, text, (sizes.pad, sizes.line_h), sizes, style.text, 1.0, outline=None)  # on a dark band
    label = "--" if score is None else f"{score:.0f}"
    put_text(tile, label, (TILE_W - sizes.pad - 3 * sizes.line_h // 2, sizes.line_h), sizes, style.score(score), 1.0,
             outline=None)


def render_compare_picture(a: AnalysisResult, b: AnalysisResult, pairs: list[Pair],
                           out_path: str | os.PathLike[str], title: str, style: Style | None = None,
                           names: tuple[str, str] = ("A", "B"), frames: Mapping[int, np.ndarray] | None = None
                           ) -> Path:
    """Write the PNG: per pair a column with A's rep at its peak above B's, and the numbers under them.

    ``frames``: for two reps of one clip (``b is a``), its peak frames by index when the caller has read them
    already, so the clip is not decoded again.

    Raises:
        VideoError: a clip cannot be read.
        OutputError: ``out_path`` cannot be written.

    """
    style = style or Style(scale=COMPARE_SCALE)
    facing = a.kinematics.facing or b.kinematics.facing
    pa, pb = PanelPainter(a, facing, style), PanelPainter(b, facing, style)
    if b is a:  # two reps of one clip: decode it once
        tiles_a = tiles_b = _peak_tiles(pa, [p.a.i_peak for p in pairs] + [p.b.i_peak for p in pairs], frames)
    else:
        tiles_a, tiles_b = _peak_tiles(pa, [p.a.i_peak for p in pairs]), _peak_tiles(pb, [p.b.i_peak for p in pairs])
    sizes = Sizes.of(TILE_W, TILE_H, 1.5)
    n_rows = max(len(rows(p, style)) for p in pairs)
    table_h = table_height(n_rows, sizes) + sizes.pad
    gap = sizes.pad
    col_h = 2 * TILE_H + gap + table_h
    cols = max(1, min(len(pairs), MAX_COLS))
    n_lines = math.ceil(len(pairs) / cols)
    width = cols * (TILE_W + gap) + gap
    lines = wrap(title, width - 2 * gap, sizes, 1.2)
    head = round((len(lines) + 0.8) * 1.2 * sizes.line_h)
    sheet = np.empty((head + n_lines * (col_h + gap) + gap, width, 3), np.uint8)
    sheet[:] = style.panel
    for k, line in enumerate(lines):
        put_text(sheet, line, (gap, round((k + 1.1) * 1.2 * sizes.line_h)), sizes, style.text, 1.2, outline=None)
    blank = np.empty((TILE_H, TILE_W, 3), np.uint8)
    blank[:] = style.panel
    for k, pair in enumerate(pairs):
        r, c = divmod(k, cols)
        x, y = gap + c * (TILE_W + gap), head + r * (col_h + gap)
        ta = tiles_a.get(pair.a.i_peak, blank).copy()
        tb = tiles_b.get(pair.b.i_peak, blank).copy()
        _label(ta, f"{names[0]} rep {pair.a.index} {pair.a.side.value}", sizes, style, pair.a.score)
        _label(tb, f"{names[1]} rep {pair.b.index} {pair.b.side.value}", sizes, style, pair.b.score)
        sheet[y:y + TILE_H, x:x + TILE_W] = ta
        sheet[y + TILE_H + gap:y + 2 * TILE_H + gap, x:x + TILE_W] = tb
        draw_table(sheet, x, y + 2 * TILE_H + gap, TILE_W, rows(pair, style), sizes, style,
                   head=("", names[0], names[1], f"{names[1]} - {names[0]}"))
    return write_png(sheet, Path(out_path))


__all__ = ["MAX_COLS", "PANEL_H", "PANEL_W", "TILE_H", "TILE_W", "render_compare_picture"]
