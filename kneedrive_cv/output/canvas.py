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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from kneedrive_cv.output.colours import RGB

FONT = cv2.FONT_HERSHEY_SIMPLEX
#: Hershey fonts have no degree sign: text containing it gets a small ring drawn instead.
DEG = "°"

Point = tuple[int, int]


# --- colour matrices ------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Matrix:
    """An RGB -> limited-range YCbCr matrix, by its luma weights ``kr`` and ``kb`` (compared by identity)."""

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


class Sprite:
    """A piece of text rendered once as coverage: of the text itself, and of its outline around it.

    Both are colour-free, so one rendering serves every colour and every canvas: the pixels to composite
    (colour premultiplied by coverage, and 255 - coverage) are made from them on first use, per colour, per
    matrix for I420 canvases, and per parity of the position for the chroma planes (a chroma sample covers
    two pixels each way), and kept.

    Attributes:
        text_w: (h, w) uint8 coverage of the text.
        outline_w: (h, w) uint8 coverage of the outline where the text does not cover it (0 without outline).
        ox, oy: where the text's origin (baseline start) is in the sprite.
        width: the text's advance width.

    """

    def __init__(self, text_w: np.ndarray, outline_w: np.ndarray, ox: int, oy: int, width: int,
                 on_grow: Callable[[int], None] | None = None) -> None:
        self.text_w, self.outline_w, self.ox, self.oy, self.width = text_w, outline_w, ox, oy, width
        self._forms: dict[tuple[object, ...], tuple[np.ndarray, ...]] = {}
        self.nbytes = text_w.nbytes + outline_w.nbytes
        self._on_grow = on_grow

    def _keep(self, key: tuple[object, ...], form: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        self._forms[key] = form
        grown = sum(a.nbytes for a in form)
        self.nbytes += grown
        if self._on_grow is not None:
            self._on_grow(grown)
        return form

    def _premult(self, t: float, o: float, text_w: np.ndarray, outline_w: np.ndarray) -> np.ndarray:
        """One channel of (text value x text coverage + outline value x outline coverage), uint8."""
        return cv2.addWeighted(text_w, t / 255, outline_w, o / 255, 0.0, dtype=cv2.CV_8U)

    def rgb(self, colour: RGB, outline: RGB) -> tuple[np.ndarray, ...]:
        """(premultiplied RGB (h, w, 3), 255 - coverage (h, w, 3)), uint8."""
        key: tuple[object, ...] = ("rgb", colour, outline)
        form = self._forms.get(key)
        if form is None:
            premult = cv2.merge([self._premult(t, o, self.text_w, self.outline_w)
                                 for t, o in zip(colour, outline, strict=True)])
            inverse = cv2.cvtColor(255 - cv2.add(self.text_w, self.outline_w), cv2.COLOR_GRAY2RGB)
            form = self._keep(key, (premult, inverse))
        return form

    def luma(self, colour: RGB, outline: RGB, matrix: Matrix) -> tuple[np.ndarray, ...]:
        """(premultiplied Y, 255 - coverage), each (h, w) uint8."""
        key: tuple[object, ...] = ("y", colour, outline, matrix)
        form = self._forms.get(key)
        if form is None:
            t, o = _yuv_of(colour, matrix)[0], _yuv_of(outline, matrix)[0]
            inverse = 255 - cv2.add(self.text_w, self.outline_w)
            form = self._keep(key, (self._premult(t, o, self.text_w, self.outline_w), inverse))
        return form

    def _half(self, px: int, py: int) -> tuple[np.ndarray, ...]:
        """Text and outline coverage shifted by (px, py), averaged over 2 x 2 pixels (float32), and 255 - both."""
        key: tuple[object, ...] = ("half", px, py)
        form = self._forms.get(key)
        if form is None:
            h, w = self.text_w.shape
            bottom, right = (h + py) % 2, (w + px) % 2
            halves = [cv2.resize(cv2.copyMakeBorder(m.astype(np.float32), py, bottom, px, right, cv2.BORDER_CONSTANT,
                                                    value=(0.0,)),
                                 ((w + px + right) // 2, (h + py + bottom) // 2), interpolation=cv2.INTER_AREA)
                      for m in (self.text_w, self.outline_w)]
            inverse = np.clip(np.rint(255.0 - halves[0] - halves[1]), 0, 255).astype(np.uint8)
            form = self._keep(key, (halves[0], halves[1], inverse))
        return form

    def chroma(self, colour: RGB, outline: RGB, matrix: Matrix, px: int, py: int) -> tuple[np.ndarray, ...]:
        """(premultiplied Cb, premultiplied Cr, 255 - coverage), each (h', w') uint8.

        For a sprite whose top-left pixel has parity (px, py).
        """
        key: tuple[object, ...] = ("uv", colour, outline, matrix, px, py)
        form = self._forms.get(key)
        if form is None:
            text_w, outline_w, inverse = self._half(px, py)
            (_, tu, tv), (_, ou, ov) = _yuv_of(colour, matrix), _yuv_of(outline, matrix)
            form = self._keep(key, (self._premult(tu, ou, text_w, outline_w),
                                    self._premult(tv, ov, text_w, outline_w), inverse))
        return form


def _u8(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.clip(np.rint(a), 0, 255).astype(np.uint8))


class _SpriteCache:
    """Least-recently-used text sprites, bounded by their total size in bytes (their coloured forms included).

    Bounded by bytes, not by number: a sprite at 4K is nine times one at 720p.
    """

    def __init__(self, max_bytes: int = 48 * 2**20) -> None:
        self.max_bytes, self.bytes = max_bytes, 0
        self._items: OrderedDict[tuple[object, ...], Sprite] = OrderedDict()

    def _grown(self, n: int) -> None:
        self.bytes += n
        self._trim()

    def _trim(self) -> None:
        """Drop the least recently used sprites until within the bound (the one in use always stays)."""
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            old._on_grow = None  # no longer counted here
            self.bytes -= old.nbytes

    def get(self, text: str, fs: float, th: int, outline_th: int | None) -> Sprite:
        """The sprite of this text, rendered now if it is not held."""
        key = (text, fs, th, outline_th)
        sp = self._items.get(key)
        if sp is not None:
            self._items.move_to_end(key)
            return sp
        sp = _render_sprite(text, fs, th, outline_th, self._grown)
        self._items[key] = sp
        self.bytes += sp.nbytes
        self._trim()
        return sp


def _render_sprite(text: str, fs: float, th: int, outline_th: int | None,
                   on_grow: Callable[[int], None] | None = None) -> Sprite:
    """Render the coverage of ``text`` and of its outline (``outline_th`` thick, or none)."""
    parts = text.split(DEG)
    width = sum(cv2.getTextSize(p, FONT, fs, th)[0][0] for p in parts if p) + (len(parts) - 1) * degree_w(fs)
    (_, ascent), base = cv2.getTextSize("Ag", FONT, fs, th)
    m = (outline_th or th) + 2
    text_w = np.zeros((ascent + base + 2 * m, width + 2 * m), np.uint8)
    outline_w = np.zeros_like(text_w)
    x, y = m, m + ascent
    for k, part in enumerate(parts):
        if part:
            if outline_th is not None:
                cv2.putText(outline_w, part, (x, y), FONT, fs, (255,), outline_th, cv2.LINE_AA)
            cv2.putText(text_w, part, (x, y), FONT, fs, (255,), th, cv2.LINE_AA)
            x += cv2.getTextSize(part, FONT, fs, th)[0][0]
        if k < len(parts) - 1:
            r = max(2, round(3.2 * fs))
            centre = (x + r + 1, y - round(20 * fs))
            if outline_th is not None:
                cv2.circle(outline_w, centre, r, (255,), th + 2, cv2.LINE_AA)
            cv2.circle(text_w, centre, r, (255,), th, cv2.LINE_AA)
            x += degree_w(fs)
    # the text is drawn over its outline: the outline shows where the text does not cover it
    outline_w = np.asarray(cv2.multiply(outline_w, 255 - text_w, scale=1 / 255), np.uint8)
    return Sprite(text_w, outline_w, m, m + ascent, width, on_grow)


_SPRITES = _SpriteCache()


def text_sprite(text: str, fs: float, th: int, outline_th: int | None) -> Sprite:
    """The sprite of ``text`` in this font scale and thickness, outlined ``outline_th`` thick (or not)."""
    return _SPRITES.get(text, fs, th, outline_th)


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

    def text(self, sprite: Sprite, x: int, y: int, colour: RGB, outline: RGB = (0, 0, 0)) -> None:
        """Composite a text sprite in ``colour`` with its origin (baseline start) at (x, y), clipped."""
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

    def text(self, sprite: Sprite, x: int, y: int, colour: RGB, outline: RGB = (0, 0, 0)) -> None:
        """See :class:`Canvas`."""
        premult, inverse = sprite.rgb(colour, outline)
        _blit(self.frame, premult, inverse, x - sprite.ox, y - sprite.oy)

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
        return _yuv_of(colour, self.matrix)

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

    def text(self, sprite: Sprite, x: int, y: int, colour: RGB, outline: RGB = (0, 0, 0)) -> None:
        """See :class:`Canvas`."""
        x0, y0 = x - sprite.ox, y - sprite.oy
        premult, inverse = sprite.luma(colour, outline, self.matrix)
        _blit(self.y, premult, inverse, x0, y0)
        px, py = x0 % 2, y0 % 2
        premult_u, premult_v, inverse_uv = sprite.chroma(colour, outline, self.matrix, px, py)
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
