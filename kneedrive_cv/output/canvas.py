"""Canvases: where annotators draw, either an RGB picture or the YUV planes of a video frame.

An annotator draws through a canvas: lines, circles, arcs, filled and shaded boxes, text, and whole rows of a
ready-made picture. :class:`RgbCanvas` draws on an (H, W, 3) RGB array (the kinogram, tests, anything shown
as a picture). :class:`I420Canvas` draws straight into the Y, U and V planes of a yuv420p frame, the form
the decoder gives and the encoder takes, so the overlay never converts the whole picture to RGB and back
(that round trip costs more than all the drawing, and blurs nothing it leaves untouched).

On an I420 canvas each primitive is drawn on the luma plane at full resolution and on the two chroma planes
at half resolution, at sub-pixel positions (OpenCV's fixed-point ``shift``), in the colour converted once
with the clip's own matrix (BT.601, BT.709 or BT.2020, limited range). RGB to YCbCr is affine and
anti-aliasing blends linearly, so this gives what drawing in RGB and converting would give, except that
chroma edges are anti-aliased at chroma resolution, which is all that 4:2:0 keeps anyway.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from kneedrive_cv.output.colours import RGB

FONT = cv2.FONT_HERSHEY_SIMPLEX
#: Hershey fonts have no degree sign: text containing it gets a small ring drawn instead.
DEG = "°"

Point = tuple[int, int]


# --- colour matrices ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Matrix:
    """An RGB -> limited-range YCbCr matrix, by its luma weights ``kr`` and ``kb``."""

    name: str
    kr: float
    kb: float

    @functools.cached_property
    def coefficients(self) -> np.ndarray:
        """(3, 3) float64: rows Y, Cb, Cr, applied to RGB in 0..255 (add :data:`YUV_OFFSET`)."""
        kr, kb = self.kr, self.kb
        kg = 1.0 - kr - kb
        luma = np.array([kr, kg, kb])
        cb = (np.array([0.0, 0.0, 1.0]) - luma) / (2 * (1 - kb))
        cr = (np.array([1.0, 0.0, 0.0]) - luma) / (2 * (1 - kr))
        return np.stack([219 / 255 * luma, 224 / 255 * cb, 224 / 255 * cr])

    def yuv(self, rgb: np.ndarray) -> np.ndarray:
        """(..., 3) float YCbCr of (..., 3) RGB values."""
        return np.asarray(rgb, np.float64) @ self.coefficients.T + YUV_OFFSET


YUV_OFFSET = np.array([16.0, 128.0, 128.0])
BT601 = Matrix("bt601", 0.299, 0.114)
BT709 = Matrix("bt709", 0.2126, 0.0722)
BT2020 = Matrix("bt2020", 0.2627, 0.0593)


def matrix_of(colorspace: int | None) -> Matrix:
    """The matrix of an FFmpeg ``AVColorSpace`` tag; untagged video is BT.601, as FFmpeg's converter assumes."""
    return {1: BT709, 9: BT2020, 10: BT2020}.get(int(colorspace or 2), BT601)


@functools.lru_cache(maxsize=256)
def _yuv_of(colour: RGB, matrix: Matrix) -> tuple[int, int, int]:
    y, u, v = np.clip(np.rint(matrix.yuv(np.array(colour, np.float64))), 0, 255)
    return int(y), int(u), int(v)


# --- text sprites ---------------------------------------------------------------------------------------------

def degree_w(scale: float) -> int:
    """Width the degree ring takes in text of font scale ``scale``."""
    return max(3, round(11 * scale))


@dataclass(eq=False)
class Sprite:
    """A rendered piece of text: colour premultiplied by coverage, 255 - coverage, and where its origin is.

    The YCbCr forms for I420 canvases are made on first use, for one matrix at a time and per parity of the
    position (chroma samples cover two pixels each way).
    """

    premult: np.ndarray   # (h, w, 3) uint8
    inverse: np.ndarray   # (h, w, 3) uint8
    ox: int
    oy: int
    width: int
    _planes: dict[tuple[object, ...], tuple[np.ndarray, ...]] = field(default_factory=dict, repr=False)

    @property
    def nbytes(self) -> int:
        """The most bytes the sprite holds: its RGB form, and its YCbCr forms for one matrix at all 4 parities."""
        h, w = self.premult.shape[:2]
        return self.premult.nbytes + self.inverse.nbytes + 2 * h * w + 4 * 3 * ((h + 2) // 2) * ((w + 2) // 2)

    def _for(self, matrix: Matrix) -> None:
        """Forget the YCbCr forms of another matrix (a clip uses one)."""
        if self._planes and next(iter(self._planes))[0] != matrix:
            self._planes.clear()

    def luma(self, matrix: Matrix) -> tuple[np.ndarray, ...]:
        """(premultiplied Y, 255 - coverage), each (h, w) uint8."""
        key: tuple[object, ...] = (matrix, "y")
        if key not in self._planes:
            self._for(matrix)
            cover = 255.0 - self.inverse[..., 0].astype(np.float64)
            y = self.premult.astype(np.float64) @ matrix.coefficients[0] + cover / 255 * YUV_OFFSET[0]
            self._planes[key] = (_u8(y), np.ascontiguousarray(self.inverse[..., 0]))
        return self._planes[key]

    def chroma(self, matrix: Matrix, px: int, py: int) -> tuple[np.ndarray, ...]:
        """(premultiplied Cb, premultiplied Cr, 255 - coverage), each (h', w') uint8.

        For a sprite whose top-left pixel has parity (px, py): the sprite is shifted by that much, then
        averaged over 2 x 2 pixels.
        """
        key: tuple[object, ...] = (matrix, px, py)
        if key not in self._planes:
            self._for(matrix)
            h, w = self.premult.shape[:2]
            hh, ww = (h + py + 1) // 2 * 2, (w + px + 1) // 2 * 2
            pm = np.zeros((hh, ww, 3), np.float64)
            cover = np.zeros((hh, ww), np.float64)
            pm[py:py + h, px:px + w] = self.premult
            cover[py:py + h, px:px + w] = 255.0 - self.inverse[..., 0]
            uv = pm @ matrix.coefficients[1:].T + (cover / 255)[..., None] * YUV_OFFSET[1:]
            uv = uv.reshape(hh // 2, 2, ww // 2, 2, 2).mean(axis=(1, 3))
            inv = 255.0 - cover.reshape(hh // 2, 2, ww // 2, 2).mean(axis=(1, 3))
            self._planes[key] = (_u8(uv[..., 0]), _u8(uv[..., 1]), _u8(inv))
        return self._planes[key]


def _u8(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.clip(np.rint(a), 0, 255).astype(np.uint8))


class _SpriteCache:
    """Least-recently-used text sprites, bounded by their total size in bytes.

    Bounded by bytes, not by number: a sprite at 4K is nine times one at 720p.
    """

    def __init__(self, max_bytes: int = 48 * 2**20) -> None:
        self.max_bytes, self.bytes = max_bytes, 0
        self._items: OrderedDict[tuple[object, ...], Sprite] = OrderedDict()

    def get(self, text: str, fs: float, th: int, outline_th: int, colour: RGB, outline: RGB | None) -> Sprite:
        key = (text, fs, th, outline_th, colour, outline)
        sp = self._items.get(key)
        if sp is not None:
            self._items.move_to_end(key)
            return sp
        sp = _render_sprite(text, fs, th, outline_th, colour, outline)
        self._items[key] = sp
        self.bytes += sp.nbytes
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self.bytes -= old.nbytes
        return sp


def _render_sprite(text: str, fs: float, th: int, outline_th: int, colour: RGB, outline: RGB | None) -> Sprite:
    """Render ``text`` once on black (which is its colour premultiplied by coverage) and keep its coverage."""
    parts = text.split(DEG)
    width = sum(cv2.getTextSize(p, FONT, fs, th)[0][0] for p in parts if p) + (len(parts) - 1) * degree_w(fs)
    (_, ascent), base = cv2.getTextSize("Ag", FONT, fs, th)
    m = outline_th + 2
    rgb = np.zeros((ascent + base + 2 * m, width + 2 * m, 3), np.uint8)
    cover = np.zeros(rgb.shape[:2], np.uint8)
    x, y = m, m + ascent
    for k, part in enumerate(parts):
        if part:
            if outline is not None:
                cv2.putText(rgb, part, (x, y), FONT, fs, outline, outline_th, cv2.LINE_AA)
                cv2.putText(cover, part, (x, y), FONT, fs, (255,), outline_th, cv2.LINE_AA)
            cv2.putText(rgb, part, (x, y), FONT, fs, colour, th, cv2.LINE_AA)
            cv2.putText(cover, part, (x, y), FONT, fs, (255,), th, cv2.LINE_AA)
            x += cv2.getTextSize(part, FONT, fs, th)[0][0]
        if k < len(parts) - 1:
            r = max(2, round(3.2 * fs))
            centre = (x + r + 1, y - round(20 * fs))
            if outline is not None:
                cv2.circle(rgb, centre, r, outline, th + 2, cv2.LINE_AA)
                cv2.circle(cover, centre, r, (255,), th + 2, cv2.LINE_AA)
            cv2.circle(rgb, centre, r, colour, th, cv2.LINE_AA)
            cv2.circle(cover, centre, r, (255,), th, cv2.LINE_AA)
            x += degree_w(fs)
    inverse = cv2.cvtColor(255 - cover, cv2.COLOR_GRAY2RGB)
    return Sprite(rgb, inverse, m, m + ascent, width)


_SPRITES = _SpriteCache()


def text_sprite(text: str, fs: float, th: int, outline_th: int, colour: RGB, outline: RGB | None) -> Sprite:
    """The sprite of ``text`` in this font scale, thickness, colour and outline (rendered once, then cached)."""
    return _SPRITES.get(text, fs, th, outline_th, colour, outline)


def _blit(plane: np.ndarray, premult: np.ndarray, inverse: np.ndarray, x0: int, y0: int) -> None:
    """Composite premultiplied pixels with their top-left at (x0, y0), clipped to the plane."""
    h, w = plane.shape[:2]
    sh, sw = premult.shape[:2]
    a0, b0 = max(0, -y0), max(0, -x0)
    a1, b1 = min(sh, h - y0), min(sw, w - x0)
    if a1 <= a0 or b1 <= b0:
        return
    roi = plane[y0 + a0:y0 + a1, x0 + b0:x0 + b1]
    under = cv2.multiply(roi, inverse[a0:a1, b0:b1], scale=1 / 255)
    cv2.add(under, premult[a0:a1, b0:b1], dst=roi)


# --- pictures pasted whole ------------------------------------------------------------------------------------

class Picture:
    """An RGB image pasted or blended whole onto canvases, converted to a matrix's planes once."""

    def __init__(self, rgb: np.ndarray) -> None:
        self.rgb = rgb
        self._planes: dict[Matrix, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def planes(self, matrix: Matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Y (h, w) and the chroma planes (h/2, w/2) of the picture (h and w rounded down to even)."""
        if matrix not in self._planes:
            h, w = self.rgb.shape[0] // 2 * 2, self.rgb.shape[1] // 2 * 2
            yuv = matrix.yuv(self.rgb[:h, :w])
            uv = yuv[..., 1:].reshape(h // 2, 2, w // 2, 2, 2).mean(axis=(1, 3))
            self._planes[matrix] = (_u8(yuv[..., 0]), _u8(uv[..., 0]), _u8(uv[..., 1]))
        return self._planes[matrix]


# --- canvases -------------------------------------------------------------------------------------------------

class Canvas(Protocol):
    """What annotators draw on. Coordinates are pixels of the picture; thickness -1 fills."""

    width: int
    height: int

    def line(self, p: Point, q: Point, colour: RGB, thickness: int) -> None:
        """An anti-aliased line from ``p`` to ``q``."""
        ...

    def circle(self, centre: Point, radius: int, colour: RGB, thickness: int) -> None:
        """An anti-aliased circle (filled when ``thickness`` is -1)."""
        ...

    def arc(self, centre: Point, radius: int, start_deg: float, end_deg: float, colour: RGB,
            thickness: int) -> None:
        """An anti-aliased circular arc, angles in OpenCV's convention (0 = +x, 90 = down)."""
        ...

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: RGB) -> None:
        """Fill the box from (x0, y0) to (x1, y1), both corners included."""
        ...

    def shade(self, x0: int, y0: int, x1: int, y1: int, colour: RGB, alpha: float) -> None:
        """Blend ``colour`` over the box [x0, x1) x [y0, y1) with opacity ``alpha``, clipped."""
        ...

    def text(self, sprite: Sprite, x: int, y: int) -> None:
        """Composite a text sprite with its origin (baseline start) at (x, y), clipped."""
        ...

    def paste(self, y0: int, picture: Picture, alpha: float = 1.0) -> None:
        """Put ``picture`` over the rows from ``y0``, opaque or blended with ``alpha``."""
        ...

    def band(self, y0: int, rows: int) -> Canvas:
        """A canvas of ``rows`` rows from ``y0`` (even), sharing their pixels: drawing on it stays within them."""
        ...


def _clip_box(x0: int, y0: int, x1: int, y1: int, w: int, h: int) -> tuple[int, int, int, int] | None:
    x0, x1, y0, y1 = max(0, x0), min(w, x1), max(0, y0), min(h, y1)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


@functools.lru_cache(maxsize=64)
def _solid(h: int, w: int, colour: RGB) -> np.ndarray:
    block = np.empty((h, w, 3), np.uint8)
    block[:] = colour
    block.setflags(write=False)
    return block


class RgbCanvas:
    """Draws on an (H, W, 3) RGB ``uint8`` array, in place."""

    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame
        self.height, self.width = frame.shape[:2]

    def line(self, p: Point, q: Point, colour: RGB, thickness: int) -> None:
        """See :class:`Canvas`."""
        cv2.line(self.frame, p, q, colour, thickness, cv2.LINE_AA)

    def circle(self, centre: Point, radius: int, colour: RGB, thickness: int) -> None:
        """See :class:`Canvas`."""
        cv2.circle(self.frame, centre, radius, colour, thickness, cv2.LINE_AA)

    def arc(self, centre: Point, radius: int, start_deg: float, end_deg: float, colour: RGB,
            thickness: int) -> None:
        """See :class:`Canvas`."""
        cv2.ellipse(self.frame, centre, (radius, radius), 0.0, start_deg, end_deg, colour, thickness, cv2.LINE_AA)

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: RGB) -> None:
        """Fill the box from (x0, y0) to (x1, y1), both corners included."""
        cv2.rectangle(self.frame, (x0, y0), (x1, y1), colour, -1)

    def shade(self, x0: int, y0: int, x1: int, y1: int, colour: RGB, alpha: float) -> None:
        """Blend ``colour`` over the box [x0, x1) x [y0, y1) with opacity ``alpha``."""
        box = _clip_box(x0, y0, x1, y1, self.width, self.height)
        if box is None:
            return
        x0, y0, x1, y1 = box
        roi = self.frame[y0:y1, x0:x1]
        cv2.addWeighted(roi, 1.0 - alpha, _solid(y1 - y0, x1 - x0, colour), alpha, 0.0, dst=roi)

    def text(self, sprite: Sprite, x: int, y: int) -> None:
        """Composite ``sprite`` with its origin (baseline start) at (x, y)."""
        _blit(self.frame, sprite.premult, sprite.inverse, x - sprite.ox, y - sprite.oy)

    def paste(self, y0: int, picture: Picture, alpha: float = 1.0) -> None:
        """Put ``picture`` over the rows from ``y0`` (as wide as the canvas), opaque or blended with ``alpha``."""
        rows = min(picture.rgb.shape[0], self.height - y0)
        if rows <= 0:
            return
        roi, src = self.frame[y0:y0 + rows], picture.rgb[:rows, : self.width]
        if alpha >= 1.0:
            roi[:] = src
        else:
            cv2.addWeighted(roi, 1.0 - alpha, src, alpha, 0.0, dst=roi)

    def band(self, y0: int, rows: int) -> RgbCanvas:
        """See :class:`Canvas`."""
        return RgbCanvas(self.frame[y0:y0 + rows])


def _c(p: Point) -> Point:
    """A luma pixel position in chroma samples, in quarters (``shift=2``): chroma sample j is centred on 2j + 0.5."""
    return 2 * p[0] - 1, 2 * p[1] - 1


class I420Canvas:
    """Draws in the planes of a yuv420p frame, in place: Y (H, W) and U, V (H/2, W/2), W and H even."""

    def __init__(self, y: np.ndarray, u: np.ndarray, v: np.ndarray, matrix: Matrix = BT601) -> None:
        self.y, self.u, self.v, self.matrix = y, u, v, matrix
        self.height, self.width = y.shape

    def _colour(self, colour: RGB) -> tuple[int, int, int]:
        return _yuv_of(tuple(int(c) for c in colour), self.matrix)  # type: ignore[arg-type]

    def line(self, p: Point, q: Point, colour: RGB, thickness: int) -> None:
        """See :class:`Canvas`."""
        cy, cu, cv = self._colour(colour)
        cv2.line(self.y, p, q, (cy,), thickness, cv2.LINE_AA)
        pc, qc, tc = _c(p), _c(q), max(1, round(thickness / 2))
        cv2.line(self.u, pc, qc, (cu,), tc, cv2.LINE_AA, 2)
        cv2.line(self.v, pc, qc, (cv,), tc, cv2.LINE_AA, 2)

    def circle(self, centre: Point, radius: int, colour: RGB, thickness: int) -> None:
        """See :class:`Canvas`."""
        cy, cu, cv = self._colour(colour)
        cv2.circle(self.y, centre, radius, (cy,), thickness, cv2.LINE_AA)
        cc, tc = _c(centre), thickness if thickness < 0 else max(1, round(thickness / 2))
        cv2.circle(self.u, cc, 2 * radius, (cu,), tc, cv2.LINE_AA, 2)
        cv2.circle(self.v, cc, 2 * radius, (cv,), tc, cv2.LINE_AA, 2)

    def arc(self, centre: Point, radius: int, start_deg: float, end_deg: float, colour: RGB,
            thickness: int) -> None:
        """See :class:`Canvas`."""
        cy, cu, cv = self._colour(colour)
        cv2.ellipse(self.y, centre, (radius, radius), 0.0, start_deg, end_deg, (cy,), thickness, cv2.LINE_AA)
        cc, tc = _c(centre), thickness if thickness < 0 else max(1, round(thickness / 2))
        for plane, value in ((self.u, cu), (self.v, cv)):
            cv2.ellipse(plane, cc, (2 * radius, 2 * radius), 0.0, start_deg, end_deg, (value,), tc, cv2.LINE_AA, 2)

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: RGB) -> None:
        """Fill the box from (x0, y0) to (x1, y1), both corners included (chroma samples it touches too)."""
        cy, cu, cv = self._colour(colour)
        cv2.rectangle(self.y, (x0, y0), (x1, y1), (cy,), -1)
        cv2.rectangle(self.u, (x0 // 2, y0 // 2), (x1 // 2, y1 // 2), (cu,), -1)
        cv2.rectangle(self.v, (x0 // 2, y0 // 2), (x1 // 2, y1 // 2), (cv,), -1)

    def shade(self, x0: int, y0: int, x1: int, y1: int, colour: RGB, alpha: float) -> None:
        """Blend ``colour`` over the box [x0, x1) x [y0, y1) with opacity ``alpha``."""
        box = _clip_box(x0, y0, x1, y1, self.width, self.height)
        if box is None:
            return
        x0, y0, x1, y1 = box
        cy, cu, cv = self._colour(colour)
        for plane, value, (a0, b0, a1, b1) in ((self.y, cy, (x0, y0, x1, y1)),
                                              (self.u, cu, (x0 // 2, y0 // 2, (x1 + 1) // 2, (y1 + 1) // 2)),
                                              (self.v, cv, (x0 // 2, y0 // 2, (x1 + 1) // 2, (y1 + 1) // 2))):
            roi = plane[b0:b1, a0:a1]
            cv2.addWeighted(roi, 1.0 - alpha, roi, 0.0, alpha * value, dst=roi)

    def text(self, sprite: Sprite, x: int, y: int) -> None:
        """Composite ``sprite`` with its origin (baseline start) at (x, y)."""
        x0, y0 = x - sprite.ox, y - sprite.oy
        premult, inverse = sprite.luma(self.matrix)
        _blit(self.y, premult, inverse, x0, y0)
        px, py = x0 % 2, y0 % 2
        premult_u, premult_v, inverse_uv = sprite.chroma(self.matrix, px, py)
        cx, cy = (x0 - px) // 2, (y0 - py) // 2
        _blit(self.u, premult_u, inverse_uv, cx, cy)
        _blit(self.v, premult_v, inverse_uv, cx, cy)

    def paste(self, y0: int, picture: Picture, alpha: float = 1.0) -> None:
        """Put ``picture`` over the rows from ``y0`` (even), opaque or blended with ``alpha``."""
        y0 -= y0 % 2
        for plane, src, top in zip((self.y, self.u, self.v), picture.planes(self.matrix), (y0, y0 // 2, y0 // 2),
                                   strict=True):
            rows = min(src.shape[0], plane.shape[0] - top)
            if rows <= 0:
                continue
            roi, part = plane[top:top + rows], src[:rows, : plane.shape[1]]
            if alpha >= 1.0:
                roi[:, : part.shape[1]] = part
            else:
                cv2.addWeighted(roi[:, : part.shape[1]], 1.0 - alpha, part, alpha, 0.0, dst=roi[:, : part.shape[1]])

    def band(self, y0: int, rows: int) -> I420Canvas:
        """See :class:`Canvas`."""
        y0 -= y0 % 2
        return I420Canvas(self.y[y0:y0 + rows], self.u[y0 // 2:(y0 + rows) // 2], self.v[y0 // 2:(y0 + rows) // 2],
                          self.matrix)


def as_canvas(target: np.ndarray | Canvas) -> Canvas:
    """A canvas for ``target``: an RGB array is wrapped, a canvas is returned as it is."""
    return RgbCanvas(target) if isinstance(target, np.ndarray) else target


__all__ = ["BT601", "BT709", "BT2020", "DEG", "FONT", "Canvas", "I420Canvas", "Matrix", "Picture", "RgbCanvas",
           "Sprite", "as_canvas", "degree_w", "matrix_of", "text_sprite"]
