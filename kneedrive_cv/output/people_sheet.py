"""people.png: a contact sheet of everyone seen in a clip, each at the frame they are seen best, with their id.

It is how a coach picks the athlete by hand (``kneedrive analyse CLIP --athlete ID``) when the automatic choice
followed somebody else.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

from kneedrive_cv.errors import OutputError
from kneedrive_cv.files import write_atomic
from kneedrive_cv.landmarks import SKELETON_EDGES
from kneedrive_cv.output.annotators import Sizes, put_text
from kneedrive_cv.pose.people import Person
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.video import read_frames_at

#: Tile size (pixels) of each person on the sheet, and the most tiles a row holds.
TILE_W, TILE_H = 240, 320
_PER_ROW = 6
_ATHLETE = (40, 200, 90)
_OTHER = (235, 235, 235)


def _best_frame(track: PoseTrack, person_id: int) -> int:
    """The frame where the person is seen best (highest mean visibility)."""
    assert track.people is not None
    frames, slots = np.nonzero(track.people.ids == person_id)
    vis = np.nanmean(track.people.landmarks_px[frames, slots, :, 3], axis=1)
    return int(frames[int(np.argmax(vis))])


def _tile(frame: np.ndarray, lm: np.ndarray, label: str, colour: tuple[int, int, int]) -> np.ndarray:
    h, w = frame.shape[:2]
    xy = lm[:, :2]
    x0, y0 = np.nanmin(xy, axis=0)
    x1, y1 = np.nanmax(xy, axis=0)
    side = max((x1 - x0) * 1.3, (y1 - y0) * 1.2 * TILE_W / TILE_H, 32.0)
    cw, ch = side, side * TILE_H / TILE_W
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = round(cx - cw / 2), round(cy - ch / 2)
    pad = np.full((round(ch), round(cw), 3), 24, np.uint8)
    xa, ya, xb, yb = max(left, 0), max(top, 0), min(left + round(cw), w), min(top + round(ch), h)
    if xb > xa and yb > ya:
        pad[ya - top:yb - top, xa - left:xb - left] = frame[ya:yb, xa:xb]
    k = TILE_W / pad.shape[1]
    tile = cv2.resize(pad, (TILE_W, TILE_H), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    pts = (xy - (left, top)) * (TILE_W / cw, TILE_H / ch)
    for a, b in SKELETON_EDGES:
        if np.all(np.isfinite(pts[[a, b]])):
            cv2.line(tile, tuple(int(v) for v in pts[a]), tuple(int(v) for v in pts[b]), colour, 2, cv2.LINE_AA)
    sizes = Sizes.of(TILE_W, TILE_H, scale=3.0)
    put_text(tile, label, (sizes.pad, sizes.pad + sizes.line_h), sizes, colour)
    return tile


def render_people_sheet(clip: str | os.PathLike[str], track: PoseTrack, persons: list[Person],
                        athlete_id: int | None, path: str | os.PathLike[str]) -> Path:
    """Write the contact sheet of ``persons`` (as :func:`~kneedrive_cv.pose.people.describe` gives them)."""
    assert track.people is not None
    path = Path(path)
    best = {p.id: _best_frame(track, p.id) for p in persons}
    turn = int(track.meta.get("turn_deg") or 0)
    frames = dict(read_frames_at(clip, frozenset(best.values()), turn=turn))
    tiles = []
    for p in persons:
        frame = frames.get(best[p.id])
        if frame is None:
            continue
        slot = int(np.flatnonzero(track.people.ids[best[p.id]] == p.id)[0])
        colour = _ATHLETE if p.id == athlete_id else _OTHER
        label = f"{p.id}" + (" athlete" if p.id == athlete_id else "")
        tiles.append(_tile(frame, track.people.landmarks_px[best[p.id], slot], label, colour))
    cols = max(1, min(_PER_ROW, len(tiles)))
    rows = max(1, math.ceil(len(tiles) / cols))
    sheet = np.full((rows * TILE_H, cols * TILE_W, 3), 16, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet[r * TILE_H:(r + 1) * TILE_H, c * TILE_W:(c + 1) * TILE_W] = tile
    ok, data = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV always encodes PNG
        raise OutputError(f"{path}: could not encode the picture")
    return write_atomic(path, data.tobytes())
