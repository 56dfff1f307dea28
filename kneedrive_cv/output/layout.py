"""Where the overlay's panels go: a column the athlete never enters, or a band beside the picture.

The rep counter, the live metrics and the rep notes stack in one column. The column is tried in the
picture's four corners; each is judged by the share of the clip's frames in which it would cross the
athlete's box (every trusted landmark of that frame, with a margin for the head, hair and limbs' width). The
first corner the athlete never enters is used (the quietest, if several). When the athlete reaches every
corner (a close framing, a travelling drill crossing the picture, a portrait clip with large text), the
video is widened by a band to the picture's right for the column, or, where that would turn a portrait clip
landscape, made taller by a band below the picture. The source picture stays unscaled at the top-left.

The panels' text is at least :data:`TEXT_FLOOR` of the output height, so it stays legible on a phone
(a portrait clip's panels are larger than its shorter side alone would make them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kneedrive_cv.output.annotators import (
    PanelPlace,
    RepNote,
    Sizes,
    counter_height,
    counter_width,
    note_box,
    panel_height,
    strip_height,
    text_size,
)

#: The panels' text ("Ag") is at least this share of the output video's height.
TEXT_FLOOR = 0.019
#: A corner is used when the athlete enters it in at most this share of the frames they are seen in.
MAX_COVERED = 0.005
#: The athlete's box is grown by this share of its height on every side (the head above the nose, limbs' width).
BOX_MARGIN = 0.08


@dataclass(frozen=True)
class Layout:
    """The overlay's frame: the picture at the top-left, bands for the panels, the knee strip's rows.

    Attributes:
        width, height: the output video's size (even).
        picture_w, picture_h: the source picture's size (drawn unscaled at (0, 0)).
        right, below: columns added right of the picture and rows added below it for the panels.
        strip_top: first row of the knee strip when it has rows of its own (None: over the picture's bottom).
        panels: the panels' column and sizes.
        covered: share of the frames the athlete is seen in whose box the column crosses.

    """

    width: int
    height: int
    picture_w: int
    picture_h: int
    right: int
    below: int
    strip_top: int | None
    panels: PanelPlace
    covered: float


def athlete_boxes(xy: np.ndarray, margin: float = BOX_MARGIN, picture: tuple[int, int] | None = None
                  ) -> np.ndarray:
    """(frames, 4) x0, y0, x1, y1 around each frame's finite landmarks of ``xy`` (frames, n, 2), grown by ``margin``.

    NaN rows where no landmark is finite; clipped to a ``picture`` of (width, height) when given (a landmark
    the model places past the picture's edge covers no pixel of it).
    """
    ok = np.isfinite(xy).all(axis=2)
    seen = ok.any(axis=1)
    out = np.full((len(xy), 4), np.nan)
    if not seen.any():
        return out
    x = np.where(ok, xy[..., 0], np.nan)[seen]
    y = np.where(ok, xy[..., 1], np.nan)[seen]
    x0, x1, y0, y1 = np.nanmin(x, 1), np.nanmax(x, 1), np.nanmin(y, 1), np.nanmax(y, 1)
    m = margin * np.maximum(y1 - y0, x1 - x0)
    out[seen] = np.stack([x0 - m, y0 - m, x1 + m, y1 + m], axis=1)
    if picture is not None:
        out[:, 0::2] = np.clip(out[:, 0::2], 0, picture[0])
        out[:, 1::2] = np.clip(out[:, 1::2], 0, picture[1])
    return out


def covered_share(box: tuple[int, int, int, int], boxes: np.ndarray) -> float:
    """Share of the frames with a box (rows of ``boxes`` not NaN) in which ``box`` (x0, y0, x1, y1) crosses it."""
    seen = np.isfinite(boxes).all(axis=1)
    if not seen.any():
        return 0.0
    b = boxes[seen]
    x0, y0, x1, y1 = box
    crosses = (b[:, 0] < x1) & (b[:, 2] > x0) & (b[:, 1] < y1) & (b[:, 3] > y0)  # an empty box crosses nothing
    return float(np.mean(crosses))


def column_size(sizes: Sizes, notes: Sequence[RepNote], drill: str, reps_total: int, rep_kind: str,
                max_notes: int = 2) -> tuple[int, int]:
    """(width, height) of the panels' column: counter, metrics panel and the tallest notes that show together."""
    word = "HOLD" if rep_kind == "hold" else "REP"
    big = f"{word} {reps_total}/{reps_total}" if reps_total else "no reps"
    width = counter_width(big, drill, sizes)
    boxes = [note_box(n, sizes, width) for n in notes]
    tallest = sorted((h for *_, h in boxes), reverse=True)[:max_notes]
    height = 2 * sizes.pad + counter_height(sizes) + panel_height(sizes) + sum(h + sizes.pad // 2 for h in tallest)
    return width, height


def _even(n: int) -> int:
    return n + n % 2


def strip_rows(width: int, height: int, picture_w: int, picture_h: int) -> int:
    """Rows of the knee strip below a ``width`` x ``height`` frame (0 when they would turn it portrait)."""
    rows = strip_height(picture_w, picture_h)
    return 0 if width > height and width <= height + rows else rows


def panel_sizes(picture_w: int, picture_h: int, scale: float = 1.0) -> Sizes:
    """The panels' sizes: the picture's, with text at least :data:`TEXT_FLOOR` of the output height."""
    sizes = Sizes.of(picture_w, picture_h, scale)
    height = picture_h + strip_height(picture_w, picture_h, scale)
    return sizes.with_text_at_least(TEXT_FLOOR * height)


def plan_layout(picture_w: int, picture_h: int, athlete_xy: np.ndarray, notes: Sequence[RepNote] = (),
                drill: str = "", reps_total: int = 0, rep_kind: str = "drive", scale: float = 1.0) -> Layout:
    """Place the panels where the athlete (``athlete_xy``: (frames, n, 2) pixels, NaN unknown) never is."""
    w, h = picture_w - picture_w % 2, picture_h - picture_h % 2
    sizes = panel_sizes(w, h, scale)
    col_w, col_h = column_size(sizes, notes, drill, reps_total, rep_kind)
    boxes = athlete_boxes(athlete_xy, picture=(w, h))
    pad = sizes.pad
    corners = [(x, y) for y in (pad, h - pad - col_h) for x in (pad, w - pad - col_w)]
    fits = col_w + 2 * pad <= w and col_h + 2 * pad <= h
    if fits:
        shares = [covered_share((x, y, x + col_w, y + col_h), boxes) for x, y in corners]
        best = int(np.argmin(shares))
        if shares[best] <= MAX_COVERED:
            x, y = corners[best]
            return _layout(w, h, 0, 0, PanelPlace(x, y, col_w, col_h, sizes), shares[best])
    right = _even(col_w + 2 * pad)
    strip = strip_height(w, h, scale)
    if w > h or w + right < h + strip:  # a band on the right keeps the picture's orientation
        return _layout(w, h, right, 0, PanelPlace(w + pad, pad, col_w, max(col_h, h - 2 * pad), sizes), 0.0)
    below = _even(col_h + 2 * pad)
    return _layout(w, h, 0, below, PanelPlace(pad, h + pad, max(col_w, w - 2 * pad), col_h, sizes), 0.0)


def _layout(w: int, h: int, right: int, below: int, panels: PanelPlace, covered: float) -> Layout:
    width, height = w + right, h + below
    rows = strip_rows(width, height, w, h)
    return Layout(width, height + rows, w, h, right, below, height if rows else None, panels, covered)


def text_px(sizes: Sizes) -> int:
    """Height of "Ag" in the panels' body text, in pixels."""
    return text_size("Ag", sizes)[1]


__all__ = ["BOX_MARGIN", "MAX_COVERED", "TEXT_FLOOR", "Layout", "athlete_boxes", "column_size", "covered_share",
           "panel_sizes", "plan_layout", "strip_rows", "text_px"]
