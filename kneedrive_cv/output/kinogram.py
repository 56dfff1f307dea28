"""The kinogram: one key frame per rep, side by side, to compare reps at a glance.

Each rep's key frame is its peak knee (for a hold, the start of the hold), cropped around the athlete with
the same crop size for every rep so they compare like for like, with the skeleton, the thigh / ankle / trunk
angles, the rep's number and side and its score coloured good / fair / poor. Many reps wrap onto rows.

A clip with no reps has no kinogram: :func:`render_kinogram` writes nothing and returns None (an image
saying "no reps" would only repeat what the report already says, and a missing file is easy to test for).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from kneedrive_cv.errors import OutputError
from kneedrive_cv.files import atomic_path
from kneedrive_cv.kinematics.metrics import CONFIDENCE_FLOOR
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.annotators import (
    AngleAnnotator,
    FrameState,
    Sizes,
    SkeletonAnnotator,
    Style,
    put_text,
    shade,
    text_size,
)
from kneedrive_cv.output.canvas import DEG
from kneedrive_cv.output.overlay import shown_metrics
from kneedrive_cv.video import read_frames_at

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult
    from kneedrive_cv.scoring.score import ScoredRep

#: Height of one rep's picture in the kinogram, pixels; width follows the crop's 3:4 aspect.
TILE_H = 440
#: Reps per row before wrapping.
MAX_COLS = 6
_ASPECT = 0.75  # crop width / height
_MARGIN = 1.3   # crop size over the athlete's bounding box


@dataclass(frozen=True)
class _Crop:
    x0: float
    y0: float
    w: float
    h: float


def _trusted_xy(result: AnalysisResult) -> np.ndarray:
    k = result.kinematics
    ok = (k.visibility >= CONFIDENCE_FLOOR) & np.isfinite(k.xy).all(axis=2)
    return np.where(ok[:, :, None], k.xy, np.nan)


def _crops(xy: np.ndarray, reps: tuple[ScoredRep, ...], frame_w: int, frame_h: int) -> list[_Crop]:
    """One crop per rep, all the same size (the largest the athlete needs), each centred on the athlete."""
    boxes = []
    fallback = xy[np.isfinite(xy[:, :, 0]).any(axis=1)]
    for rep in reps:
        pts = xy[rep.i_peak]
        pts = pts[np.isfinite(pts[:, 0])]
        if len(pts) < 4:  # athlete not seen at the key frame: use where they are over the whole clip
            pts = fallback.reshape(-1, 2)
            pts = pts[np.isfinite(pts[:, 0])]
        if len(pts) == 0:
            boxes.append((0.0, 0.0, float(frame_w), float(frame_h)))
            continue
        boxes.append((float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())))
    need_h = max(max((y1 - y0) * _MARGIN, (x1 - x0) * _MARGIN / _ASPECT) for x0, y0, x1, y1 in boxes)
    h = max(need_h, 32.0)
    w = h * _ASPECT
    return [_Crop((x0 + x1) / 2 - w / 2, (y0 + y1) / 2 - h / 2, w, h) for x0, y0, x1, y1 in boxes]


def _cut(frame: np.ndarray, crop: _Crop, tile_w: int, tile_h: int, fill: tuple[int, int, int]) -> np.ndarray:
    """The crop of ``frame`` scaled to tile size; parts of the crop outside the frame are filled."""
    scale = tile_h / crop.h
    m = np.array([[scale, 0.0, -crop.x0 * scale], [0.0, scale, -crop.y0 * scale]], np.float64)
    return cv2.warpAffine(frame, m, (tile_w, tile_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=fill)


def _tile(frame: np.ndarray, result: AnalysisResult, xy: np.ndarray, rep: ScoredRep, crop: _Crop,
          style: Style) -> np.ndarray:
    tile_h, tile_w = TILE_H, round(TILE_H * _ASPECT)
    tile = _cut(frame, crop, tile_w, tile_h, style.panel)
    scale = tile_h / crop.h
    pts = (xy[rep.i_peak] - np.array([crop.x0, crop.y0])) * scale
    metrics = {n: float(c[rep.i_peak]) for n, c in shown_metrics(result).items()}
    facing = {Side.RIGHT: 1, Side.LEFT: -1, None: 0}[result.kinematics.facing]
    state = FrameState(pts, metrics, facing=facing)
    SkeletonAnnotator(style).annotate(tile, state)
    AngleAnnotator(style).annotate(tile, state)
    sizes = Sizes.of_frame(tile, style.scale)
    band = round(2.0 * sizes.line_h)
    shade(tile, 0, 0, tile_w, band, style.panel, 0.75)
    colour = style.score(rep.score)
    y = round(1.45 * sizes.line_h)
    # on the shaded band the header needs no outline (one drawn there showed as a dark ghost of the last letter)
    x = sizes.pad + put_text(tile, f"{rep.index}", (sizes.pad, y), sizes, style.text, 1.6, outline=None)
    put_text(tile, f" {rep.side.value}", (x, y), sizes, style.side(rep.side), 1.3, outline=None)
    score = "--" if rep.score is None else f"{rep.score:.0f}"
    put_text(tile, score, (tile_w - sizes.pad - text_size(score, sizes, 1.6)[0], y), sizes, colour, 1.6, outline=None)
    cv2.rectangle(tile, (0, band - max(2, sizes.line // 2)), (tile_w - 1, band), colour, -1)
    label = rep.main_fault.code.replace("_", " ") if rep.main_fault is not None else _measure(rep)
    if label:
        shade(tile, 0, tile_h - round(1.4 * sizes.line_h), tile_w, tile_h, style.panel, 0.75)
        put_text(tile, label, (sizes.pad, tile_h - round(0.45 * sizes.line_h)), sizes,
                 colour if rep.main_fault is not None else style.text, 1.1)
    return tile


def _measure(rep: ScoredRep) -> str:
    """A clean heel raise's caption: the heel's rise and the ankle's turn, as far as they were measured."""
    if rep.kind != "raise":
        return ""
    rise, ankle = rep.metrics.get("heel_rise_thighs"), rep.metrics.get("raise_plantarflexion_deg")
    parts = [f"heel +{rise:.2f}" if rise is not None and math.isfinite(rise) else "",
             f"ankle {ankle:.0f}{DEG}" if ankle is not None and math.isfinite(ankle) else ""]
    return "  ".join(p for p in parts if p)


@dataclass(frozen=True)
class Layout:
    """Where each rep's picture goes on the sheet: ``cols`` x ``rows`` tiles under a title band."""

    n: int
    cols: int
    rows: int
    tile_w: int
    tile_h: int
    gap: int
    head: int

    @staticmethod
    def of(n: int, style: Style) -> Layout:
        """The layout of ``n`` tiles (wrapping after :data:`MAX_COLS`)."""
        tile_h, tile_w = TILE_H, round(TILE_H * _ASPECT)
        sizes = Sizes.of(tile_w, tile_h, style.scale)
        cols = max(1, min(n, MAX_COLS))
        return Layout(n, cols, max(1, math.ceil(n / cols)), tile_w, tile_h, sizes.pad, round(2.2 * sizes.line_h))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the sheet in pixels."""
        return (self.cols * self.tile_w + (self.cols + 1) * self.gap,
                self.head + self.rows * self.tile_h + (self.rows + 1) * self.gap)

    def origin(self, k: int) -> tuple[int, int]:
        """(x, y) of tile ``k``'s top-left corner."""
        r, c = divmod(k, self.cols)
        return self.gap + c * (self.tile_w + self.gap), self.head + self.gap + r * (self.tile_h + self.gap)


#: The sheet's title, as a multiple of the captions' text size.
TITLE_SCALE = 1.4


def _sheet(tiles: list[np.ndarray], title: str, style: Style) -> np.ndarray:
    lay = Layout.of(len(tiles), style)
    w, h = lay.size
    sheet = np.empty((h, w, 3), np.uint8)
    sheet[:] = style.panel
    sizes = Sizes.of(lay.tile_w, lay.tile_h, style.scale)
    # shrunk to the sheet's width where it is wider (a sheet of one or two reps is narrow)
    scale = TITLE_SCALE * min(1.0, (w - 2 * lay.gap) / max(text_size(title, sizes, TITLE_SCALE)[0], 1))
    put_text(sheet, title, (lay.gap, round(1.5 * sizes.line_h)), sizes, style.text, scale, outline=None)
    for k, tile in enumerate(tiles):
        x, y = lay.origin(k)
        sheet[y:y + lay.tile_h, x:x + lay.tile_w] = tile
    return sheet


#: Where a picture's frames come from: given the frame indices wanted, ``(index, rgb)`` for each, in order.
FrameSource = Callable[[set[int]], Iterable[tuple[int, np.ndarray]]]


def render_kinogram(result: AnalysisResult, out_path: str | os.PathLike[str],
                    style: Style | None = None, frames: FrameSource | None = None) -> Path | None:
    """Write the kinogram PNG of ``result``'s reps to ``out_path``; None (and no file) when there are no reps.

    The source clip is decoded once, up to the last rep's peak; only the peak frames are converted and cropped.
    ``frames``: where the peak frames come from, when the caller reads the clip for other pictures too
    (default: :func:`~kneedrive_cv.video.read_frames_at` on the clip).

    Raises:
        VideoError: the source clip cannot be read.
        OutputError: ``out_path`` cannot be written.

    """
    reps = result.reps
    if not reps:
        return None
    style = style or Style(scale=1.35)
    xy = _trusted_xy(result)
    crops = _crops(xy, reps, result.video.width, result.video.height)
    wanted: dict[int, list[int]] = {}
    for k, rep in enumerate(reps):
        wanted.setdefault(rep.i_peak, []).append(k)
    tiles: dict[int, np.ndarray] = {}
    if frames is None:
        frames = partial(read_frames_at, result.clip, turn=result.video.turn_deg)
    for i, frame in frames(set(wanted)):
        for k in wanted[i]:
            tiles[k] = _tile(frame, result, xy, reps[k], crops[k], style)
    if not tiles:
        return None
    blank = np.empty_like(next(iter(tiles.values())))
    blank[:] = style.panel
    scores = [r.score for r in reps if r.score is not None]
    mean = f", mean score {np.mean(scores):.0f}" if scores else ""
    count = f"{len(reps)} rep{'s' if len(reps) != 1 else ''}"
    title = f"{result.drill.title if result.drill else result.drill_name}: {count}{mean}"
    sheet = _sheet([tiles.get(k, blank) for k in range(len(reps))], title, style)
    return write_png(sheet, Path(out_path))


def write_png(rgb: np.ndarray, path: Path) -> Path:
    """Write an RGB picture as a PNG, whole or not at all; raises :class:`OutputError` when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            if not cv2.imwrite(str(tmp), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
                raise OutputError(f"cannot write {path}. Choose a folder you can write to.")
    except (OSError, cv2.error) as exc:
        raise OutputError(f"cannot write {path}: {exc}. Choose a folder you can write to.") from exc
    return path


__all__ = ["MAX_COLS", "TILE_H", "FrameSource", "Layout", "render_kinogram", "write_png"]
