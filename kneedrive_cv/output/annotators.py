"""Annotators: small drawing objects for the overlay video and the kinogram.

Each annotator has its style set once and one ``draw(canvas, state)`` method that draws in place on a
canvas (:mod:`kneedrive_cv.output.canvas`: an RGB picture, or the YUV planes of a video frame);
``annotate(frame, state)`` draws on an RGB ``uint8`` frame. Sizes (line width, joint radius, font) come
from the frame's shorter side, so the same annotator looks the same on a 480p clip and a 4K one. ``state``
is a :class:`FrameState`: landmark positions already masked to NaN where not trusted, and metric values
already NaN where their confidence was under the floor, so nothing is drawn for what was not measured.

Colours are RGB, whatever the canvas (an I420 canvas converts them with the clip's matrix); convert to BGR
only when handing an image to ``cv2.imwrite``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import cv2
import numpy as np

from kneedrive_cv.landmarks import SKELETON_EDGES, Landmark, Side, edge_side, sided
from kneedrive_cv.output.canvas import DEG, FONT, Canvas, Picture, RgbCanvas, as_canvas, degree_w, text_sprite
from kneedrive_cv.output.colours import (
    FAIR_RGB,
    FAIR_SCORE,
    GOOD_RGB,
    GOOD_SCORE,
    POOR_RGB,
    RGB,
    SIDE_RGB,
    UNSCORED_RGB,
)
from kneedrive_cv.runs import runs_of

_DEG = DEG
_TORSO = {Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP}


@dataclass(frozen=True)
class Style:
    """Colours (RGB) and opacities shared by every annotator."""

    left: RGB = SIDE_RGB[Side.LEFT]
    right: RGB = SIDE_RGB[Side.RIGHT]
    torso: RGB = (240, 240, 240)
    text: RGB = (255, 255, 255)
    muted: RGB = (175, 175, 180)
    outline: RGB = (0, 0, 0)
    panel: RGB = (16, 18, 24)
    good: RGB = GOOD_RGB
    fair: RGB = FAIR_RGB
    poor: RGB = POOR_RGB
    unscored: RGB = UNSCORED_RGB
    panel_alpha: float = 0.62
    strip_alpha: float = 0.8
    scale: float = 1.0               # multiplies every size (lines, joints, text)

    def side(self, side: Side) -> RGB:
        """The colour of the athlete's ``side``."""
        return self.left if side is Side.LEFT else self.right

    def score(self, score: float | None) -> RGB:
        """Good / fair / poor colour of a rep score (grey when it could not be scored)."""
        if score is None or not math.isfinite(score):
            return self.unscored
        return self.good if score >= GOOD_SCORE else self.fair if score >= FAIR_SCORE else self.poor


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes for one frame size, scaled from its shorter side (720 px is the reference)."""

    unit: float
    line: int
    thin: int
    joint: int
    font: float
    font_thick: int
    pad: int
    line_h: int

    @staticmethod
    @functools.lru_cache(maxsize=32)
    def of(width: int, height: int, scale: float = 1.0) -> Sizes:
        """Sizes for a ``width`` x ``height`` frame (times ``scale``)."""
        u = scale * max(min(width, height), 1) / 720.0
        return Sizes(unit=u, line=max(1, round(3.2 * u)), thin=max(1, round(1.6 * u)), joint=max(2, round(5 * u)),
                     font=0.62 * u, font_thick=max(1, round(1.6 * u)), pad=max(2, round(10 * u)),
                     line_h=max(8, round(27 * u)))

    def with_text_at_least(self, text_px: float) -> Sizes:
        """These sizes with the text (and the rows and pads around it) grown until "Ag" is ``text_px`` tall."""
        now = text_size("Ag", self)[1]
        if now >= text_px:
            return self
        t = self.unit * text_px / max(now, 1)
        return replace(self, font=0.62 * t, font_thick=max(1, round(1.6 * t)), pad=max(2, round(10 * t)),
                       line_h=max(8, round(27 * t)))

    @staticmethod
    def of_frame(frame: np.ndarray, scale: float = 1.0) -> Sizes:
        """Sizes for an (H, W, 3) frame."""
        return Sizes.of(int(frame.shape[1]), int(frame.shape[0]), scale)

    @staticmethod
    def of_canvas(canvas: Canvas, scale: float = 1.0) -> Sizes:
        """Sizes for a canvas."""
        return Sizes.of(canvas.width, canvas.height, scale)


@dataclass(frozen=True)
class RepNote:
    """What to say about one finished rep: number, side, score, and the main fault's cue (or None)."""

    index: int
    side: Side
    score: float | None
    cue: str | None
    kind: str = "drive"


@dataclass(frozen=True)
class FrameState:
    """What the annotators need about one frame.

    Attributes:
        xy: (33, 2) float pixel positions in this frame, NaN where the landmark is not trusted.
        metrics: metric name (docs/METRICS.md columns) -> value this frame, NaN where not measured.
        t_s: time of the frame in seconds.
        reps_done: reps whose peak has passed; ``reps_total`` in the whole clip.
        rep_kind: "drive" or "hold" (what the counter counts); ``drill`` the drill's title.
        cadence_spm: cadence over the events so far, or None before there are enough.
        notes: finished reps to announce now, newest first.
        facing: +1 when the athlete faces image-right, -1 image-left, 0 unknown (puts labels behind the back).
        others: everyone else seen in this frame: (their id, (33, 2) pixel positions).

    """

    xy: np.ndarray
    metrics: Mapping[str, float] = field(default_factory=dict)
    t_s: float = 0.0
    reps_done: int = 0
    reps_total: int = 0
    rep_kind: str = "drive"
    drill: str = ""
    cadence_spm: float | None = None
    notes: tuple[RepNote, ...] = ()
    facing: int = 0
    others: tuple[tuple[int, np.ndarray], ...] = ()

    def point(self, lm: Landmark) -> tuple[int, int] | None:
        """Integer pixel position of a landmark, or None when it is not trusted."""
        x, y = self.xy[int(lm)]
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        return round(float(x)), round(float(y))

    def value(self, name: str) -> float:
        """A metric's value this frame (NaN when absent)."""
        v = self.metrics.get(name, math.nan)
        return float(v) if v is not None else math.nan


# --- text and panels ----------------------------------------------------------------------------------------

def text_size(text: str, sizes: Sizes, scale: float = 1.0) -> tuple[int, int]:
    """(width, height above the baseline) of ``text`` drawn by :func:`put_text`."""
    return _text_size(text, sizes.font * scale, max(1, round(sizes.font_thick * scale)))


@functools.lru_cache(maxsize=4096)
def _text_size(text: str, fs: float, th: int) -> tuple[int, int]:
    width = 0
    parts = text.split(_DEG)
    for k, part in enumerate(parts):
        if part:
            width += cv2.getTextSize(part, FONT, fs, th)[0][0]
        if k < len(parts) - 1:
            width += degree_w(fs)
    return width, cv2.getTextSize("Ag", FONT, fs, th)[0][1]


def _rgb(colour: Sequence[int]) -> RGB:
    return int(colour[0]), int(colour[1]), int(colour[2])


def put_text(target: np.ndarray | Canvas, text: str, org: tuple[int, int], sizes: Sizes, colour: RGB,
             scale: float = 1.0, outline: RGB | None = (0, 0, 0)) -> int:
    """Draw ``text`` with its baseline starting at ``org``, outlined for legibility; returns its width.

    ``target`` is an RGB frame or a canvas. Hershey fonts have no degree sign, so a ``°`` is drawn as a small
    ring. Each distinct text is rendered once and then composited, which is several times cheaper than
    ``cv2.putText`` with anti-aliasing.
    """
    fs, th = sizes.font * scale, max(1, round(sizes.font_thick * scale))
    outline_th = th + max(2, round(2 * sizes.unit * scale))
    sp = text_sprite(text, round(fs, 4), th, None if outline is None else outline_th)
    as_canvas(target).text(sp, int(org[0]), int(org[1]), _rgb(colour), (0, 0, 0) if outline is None else _rgb(outline))
    return sp.width


def shade(target: np.ndarray | Canvas, x0: int, y0: int, x1: int, y1: int, colour: RGB, alpha: float) -> None:
    """Blend a filled rectangle of ``colour`` over an RGB frame or a canvas with opacity ``alpha`` (clipped)."""
    as_canvas(target).shade(x0, y0, x1, y1, _rgb(colour), alpha)


def wrap(text: str, max_w: int, sizes: Sizes, scale: float = 1.0) -> list[str]:
    """Split ``text`` into lines no wider than ``max_w`` pixels (a single long word stays whole)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_size(trial, sizes, scale)[0] > max_w:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _fmt(value: float, fmt: str) -> str:
    """``value`` formatted, "--" when not measured; a value that rounds to zero shows no minus sign."""
    if not math.isfinite(value):
        return "--"
    text = format(value, fmt)
    return format(0.0, fmt) if not text.strip("+-0.") else text


class Corner(StrEnum):
    """The top corner of the frame where the panels (rep counter, metrics, rep notes) sit."""

    LEFT = "left"
    RIGHT = "right"


def _corner_x(frame_w: int, box_w: int, sizes: Sizes, corner: Corner) -> int:
    return sizes.pad if corner is Corner.LEFT else frame_w - sizes.pad - box_w


@dataclass(frozen=True)
class PanelPlace:
    """Where the panels (rep counter, metrics, rep notes) go: one column, in output pixels, and its sizes.

    The column's top-left is (``x``, ``y``); everything the panels draw stays within ``width`` x ``height``
    (:mod:`kneedrive_cv.output.layout` chooses it where the athlete is not, over the whole clip).
    """

    x: int
    y: int
    width: int
    height: int
    sizes: Sizes

    @property
    def box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the column, exclusive ends."""
        return self.x, self.y, self.x + self.width, self.y + self.height


Where = Corner | PanelPlace


def _where(where: Corner | PanelPlace | str) -> Where:
    return where if isinstance(where, PanelPlace) else Corner(where)


def _panel_sizes(canvas: Canvas, style: Style, where: Where) -> Sizes:
    return where.sizes if isinstance(where, PanelPlace) else Sizes.of_canvas(canvas, style.scale)


def _column_x(canvas: Canvas, box_w: int, sizes: Sizes, where: Where) -> int:
    """Left edge of a ``box_w`` wide box in the panels' column (a corner's, or the placed column's)."""
    return where.x if isinstance(where, PanelPlace) else _corner_x(canvas.width, box_w, sizes, where)


def _column_top(sizes: Sizes, where: Where) -> int:
    """Top of the rep counter: the placed column's top, or one pad below the frame's top."""
    return where.y if isinstance(where, PanelPlace) else sizes.pad


class CanvasAnnotator:
    """Base of the annotators: :meth:`draw` on any canvas, :meth:`annotate` on an RGB frame."""

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw ``state`` on ``canvas``, in place."""
        raise NotImplementedError

    def annotate(self, frame: np.ndarray, state: FrameState) -> np.ndarray:
        """Draw ``state`` on ``frame`` (RGB uint8, in place) and return it."""
        self.draw(RgbCanvas(frame), state)
        return frame


# --- skeleton and angles -------------------------------------------------------------------------------------

class SkeletonAnnotator(CanvasAnnotator):
    """The body's skeleton: the athlete's left and right limbs in their own colours, the torso neutral.

    The leg whose knee is higher is drawn last, so the driving leg is never hidden under the other.
    """

    def __init__(self, style: Style | None = None) -> None:
        self.style = style or Style()
        self._by_side: dict[Side | None, list[tuple[Landmark, Landmark]]] = {None: [], Side.LEFT: [], Side.RIGHT: []}
        for a, b in SKELETON_EDGES:
            side = None if (a in _TORSO and b in _TORSO) else edge_side(a, b)
            self._by_side[side].append((a, b))

    def _colour(self, side: Side | None) -> RGB:
        return self.style.torso if side is None else self.style.side(side)

    def _order(self, state: FrameState) -> list[Side | None]:
        ky = {s: state.xy[int(sided(s, "KNEE")), 1] for s in Side}
        lifted = min(Side, key=lambda s: ky[s] if math.isfinite(ky[s]) else math.inf)
        return [None, lifted.other, lifted]

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw the skeleton; edges and joints with an untrusted end are left out."""
        sizes = Sizes.of_canvas(canvas, self.style.scale)
        for side in self._order(state):
            colour = self._colour(side)
            joints: set[Landmark] = set()
            for a, b in self._by_side[side]:
                pa, pb = state.point(a), state.point(b)
                if pa is None or pb is None:
                    continue
                width = sizes.line if side is not None else sizes.thin  # the trunk line is the angle annotator's
                canvas.line(pa, pb, self.style.outline, width + 2 * sizes.thin)
                canvas.line(pa, pb, colour, width)
                joints.update((a, b))
            for lm in joints:
                p = state.point(lm)
                assert p is not None
                canvas.circle(p, sizes.joint + sizes.thin, self.style.outline, -1)
                canvas.circle(p, sizes.joint, colour if side is not None else self.style.torso, -1)


class OthersAnnotator(CanvasAnnotator):
    """Everyone but the athlete, faintly: a thin grey skeleton and their id (for ``--athlete ID``) at the head."""

    def __init__(self, style: Style | None = None, colour: RGB = (150, 150, 150)) -> None:
        self.style = style or Style()
        self.colour = colour

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw each other person's skeleton and id; points not found are left out."""
        sizes = Sizes.of_canvas(canvas, self.style.scale)
        for person_id, xy in state.others:
            ok = np.isfinite(xy).all(axis=1)
            for a, b in SKELETON_EDGES:
                if ok[a] and ok[b]:
                    canvas.line((round(xy[a, 0]), round(xy[a, 1])), (round(xy[b, 0]), round(xy[b, 1])), self.colour,
                                sizes.thin)
            if ok[Landmark.NOSE]:
                label = f"{person_id}"
                w, _ = text_size(label, sizes)
                x = min(max(round(xy[Landmark.NOSE, 0]) - w // 2, 0), max(canvas.width - w, 0))
                y = min(max(round(xy[Landmark.NOSE, 1]) - 2 * sizes.pad, sizes.line_h), canvas.height - 1)
                put_text(canvas, label, (x, y), sizes, self.colour)


def _direction_deg(frm: tuple[int, int], to: tuple[float, float]) -> float:
    """Image angle (degrees, 0 = +x, 90 = down, OpenCV's ellipse convention) of the vector frm -> to."""
    return math.degrees(math.atan2(to[1] - frm[1], to[0] - frm[0]))


def _arc(canvas: Canvas, centre: tuple[int, int], radius: int, a1: float, a2: float, colour: RGB,
         sizes: Sizes) -> float:
    """Draw the shorter arc from angle a1 to a2; return the angle of its middle (for the label)."""
    d = (a2 - a1 + 180.0) % 360.0 - 180.0
    lo, hi = min(a1, a1 + d), max(a1, a1 + d)
    canvas.arc(centre, radius, lo, hi, (0, 0, 0), sizes.line + 2)
    canvas.arc(centre, radius, lo, hi, colour, sizes.line)
    return a1 + d / 2


def _ray(centre: tuple[int, int], angle_deg: float, length: float) -> tuple[int, int]:
    a = math.radians(angle_deg)
    return round(centre[0] + length * math.cos(a)), round(centre[1] + length * math.sin(a))


def _reference(canvas: Canvas, centre: tuple[int, int], angle_deg: float, length: float, colour: RGB,
               sizes: Sizes) -> None:
    """A thin dashed reference line (vertical, or a neutral foot) from ``centre``."""
    n = 6
    for k in range(0, n, 2):
        p, q = _ray(centre, angle_deg, length * k / n), _ray(centre, angle_deg, length * (k + 1) / n)
        canvas.line(p, q, (0, 0, 0), sizes.thin + 2)
        canvas.line(p, q, colour, sizes.thin)


def _label(canvas: Canvas, centre: tuple[int, int], angle_deg: float, dist: float, text: str, colour: RGB,
           sizes: Sizes) -> None:
    """Put ``text`` centred at ``dist`` from ``centre`` along ``angle_deg``."""
    w, h = text_size(text, sizes)
    x, y = _ray(centre, angle_deg, dist)
    x = min(max(x - w // 2, 0), canvas.width - w)
    y = min(max(y + h // 2, h), canvas.height - 1)
    put_text(canvas, text, (x, y), sizes, colour)


class AngleAnnotator(CanvasAnnotator):
    """Angle arcs with their values at the hip (thigh), the ankle (dorsiflexion) and the trunk (lean).

    Thigh and dorsiflexion are drawn for the driving leg (the one with the larger thigh angle), the trunk
    line against vertical at the mid-hip. The numbers are the per-frame metrics (the same as frames.csv); the
    arcs show the same angles on the drawn landmarks. An angle whose metric or landmarks are not trusted is
    not drawn.
    """

    def __init__(self, style: Style | None = None) -> None:
        self.style = style or Style()

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw the thigh, dorsiflexion and trunk arcs that can be drawn this frame."""
        sizes = Sizes.of_canvas(canvas, self.style.scale)
        thighs = {s: state.value(f"thigh_angle_{s.value}") for s in Side}
        measured = [s for s in Side if math.isfinite(thighs[s])]
        if measured:
            side = max(measured, key=lambda s: thighs[s])
            self._thigh(canvas, state, side, thighs[side], sizes)
            self._dorsiflexion(canvas, state, side, sizes)
        self._trunk(canvas, state, sizes)

    def _thigh(self, canvas: Canvas, state: FrameState, side: Side, value: float, sizes: Sizes) -> None:
        hip, knee = state.point(sided(side, "HIP")), state.point(sided(side, "KNEE"))
        if hip is None or knee is None:
            return
        length = math.dist(hip, knee)
        if length < 2:
            return
        r = max(round(0.42 * length), 3 * sizes.joint)
        colour = self.style.side(side)
        _reference(canvas, hip, 90.0, 1.25 * r, colour, sizes)
        mid = _arc(canvas, hip, r, 90.0, _direction_deg(hip, knee), colour, sizes)
        _label(canvas, hip, mid, r + 1.7 * sizes.line_h, f"{_fmt(value, '.0f')}{_DEG}", colour, sizes)

    def _dorsiflexion(self, canvas: Canvas, state: FrameState, side: Side, sizes: Sizes) -> None:
        value = state.value(f"dorsiflexion_{side.value}")
        pts = [state.point(sided(side, p)) for p in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")]
        if not math.isfinite(value) or any(p is None for p in pts):
            return
        knee, ankle, heel, toe = pts
        assert knee is not None and ankle is not None and heel is not None and toe is not None
        foot_len = math.dist(heel, toe)
        if foot_len < 2:
            return
        shank = _direction_deg(ankle, knee)
        foot = _direction_deg(heel, toe)
        # neutral foot: square to the shank, on the side the foot points to
        neutral = min((shank + 90.0, shank - 90.0), key=lambda a: abs((foot - a + 180.0) % 360.0 - 180.0))
        r = max(round(0.9 * foot_len), round(0.3 * math.dist(ankle, knee)), 4 * sizes.joint)
        colour = self.style.side(side)
        _reference(canvas, ankle, neutral, 1.2 * r, colour, sizes)
        mid = _arc(canvas, ankle, r, neutral, foot, colour, sizes)
        _label(canvas, ankle, mid, r + 1.6 * sizes.line_h, f"{_fmt(value, '+.0f')}{_DEG}", colour, sizes)

    def _trunk(self, canvas: Canvas, state: FrameState, sizes: Sizes) -> None:
        value = state.value("trunk_lean")
        ends = [state.point(lm) for lm in (Landmark.LEFT_HIP, Landmark.RIGHT_HIP,
                                           Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)]
        if not math.isfinite(value) or any(p is None for p in ends):
            return
        lh, rh, ls, rs = ends
        assert lh is not None and rh is not None and ls is not None and rs is not None
        hip = ((lh[0] + rh[0]) // 2, (lh[1] + rh[1]) // 2)
        sh = ((ls[0] + rs[0]) / 2, (ls[1] + rs[1]) / 2)
        length = math.dist(hip, sh)
        if length < 2:
            return
        colour = self.style.torso
        canvas.line(hip, (round(sh[0]), round(sh[1])), (0, 0, 0), sizes.line + 2 * sizes.thin)
        canvas.line(hip, (round(sh[0]), round(sh[1])), colour, sizes.line)
        r = round(0.5 * length)
        _reference(canvas, hip, -90.0, 1.05 * length, colour, sizes)
        mid = _arc(canvas, hip, r, -90.0, _direction_deg(hip, sh), colour, sizes)
        text = f"{_fmt(value, '.0f')}{_DEG}"
        if state.facing:  # behind the back, level with the arc, clear of the arms and the driving knee
            w, _ = text_size(text, sizes)
            y = round(hip[1] - 0.55 * length)
            x = round(min(hip[0], sh[0]) - sizes.line_h - w if state.facing > 0 else max(hip[0], sh[0]) + sizes.line_h)
            put_text(canvas, text, (min(max(x, 0), canvas.width - w), y), sizes, colour)
        else:
            _label(canvas, hip, mid, r + 1.5 * sizes.line_h, text, colour, sizes)


# --- panels -------------------------------------------------------------------------------------------------

def counter_width(big: str, drill: str, sizes: Sizes) -> int:
    """Width of the rep counter box showing ``big`` ("REP n/N") over ``drill`` (at least the panel's width)."""
    return max(text_size(big, sizes, 1.5)[0] + 2 * sizes.pad, text_size(drill, sizes, 0.8)[0] + 2 * sizes.pad,
               panel_width(sizes))


def counter_height(sizes: Sizes) -> int:
    """Height of the rep counter box (the live panel sits below it)."""
    return round(2.3 * sizes.line_h) + sizes.pad


_PANEL_ROWS = ("thigh", "knee height", "dorsiflexion", "trunk lean", "cadence")


def panel_height(sizes: Sizes) -> int:
    """Height of the live metrics panel."""
    return len(_PANEL_ROWS) * sizes.line_h + 2 * sizes.pad


def panel_width(sizes: Sizes) -> int:
    """Width of the live metrics panel (the rep counter above it is as wide)."""
    label_w = max(text_size(r, sizes, 0.85)[0] for r in _PANEL_ROWS) + 2 * sizes.pad
    return label_w + 2 * _value_col_w(sizes) + sizes.pad


def _value_col_w(sizes: Sizes) -> int:
    return text_size("L +0.00", sizes)[0] + 2 * sizes.pad


class RepCounterAnnotator(CanvasAnnotator):
    """The rep counter in a top corner: reps done of the clip's total, and the drill."""

    def __init__(self, style: Style | None = None, corner: Corner | PanelPlace = Corner.LEFT) -> None:
        self.style, self.corner = style or Style(), _where(corner)

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw "REP n/N" (or "HOLD n/N") with the drill below it."""
        sizes = _panel_sizes(canvas, self.style, self.corner)
        word = "HOLD" if state.rep_kind == "hold" else "REP"
        big = f"{word} {state.reps_done}/{state.reps_total}" if state.reps_total else "no reps"
        w = counter_width(big, state.drill, sizes)
        if isinstance(self.corner, PanelPlace):
            w = min(w, self.corner.width)
        x0, y0 = _column_x(canvas, w, sizes, self.corner), _column_top(sizes, self.corner)
        canvas.shade(x0, y0, x0 + w, y0 + counter_height(sizes), self.style.panel, self.style.panel_alpha)
        put_text(canvas, big, (x0 + sizes.pad, y0 + sizes.pad + round(1.2 * sizes.line_h)), sizes, self.style.text, 1.5)
        if state.drill:
            put_text(canvas, state.drill, (x0 + sizes.pad, y0 + sizes.pad + round(2.0 * sizes.line_h)), sizes,
                     self.style.muted, 0.8)


class PanelAnnotator(CanvasAnnotator):
    """A compact semi-transparent panel with the live metrics.

    Thigh angle, knee height and dorsiflexion of both legs (each in its leg's colour), trunk lean and cadence
    so far. Unmeasured values show "--".
    """

    def __init__(self, style: Style | None = None, corner: Corner | PanelPlace = Corner.LEFT) -> None:
        self.style, self.corner = style or Style(), _where(corner)

    def _rows(self, state: FrameState) -> list[tuple[str, list[tuple[str, RGB]]]]:
        st = self.style

        def both(prefix: str, fmt: str, unit: str) -> list[tuple[str, RGB]]:
            out = []
            for s in Side:
                v = state.value(f"{prefix}_{s.value}")
                out.append((f"{s.name[0]} {_fmt(v, fmt)}{unit if math.isfinite(v) else ''}", st.side(s)))
            return out

        cadence = state.cadence_spm
        return [
            ("thigh", both("thigh_angle", ".0f", _DEG)),
            ("knee height", both("knee_height", "+.2f", "")),
            ("dorsiflexion", both("dorsiflexion", "+.0f", _DEG)),
            ("trunk lean", [(_fmt(state.value("trunk_lean"), ".0f") + (_DEG if math.isfinite(
                state.value("trunk_lean")) else ""), st.text)]),
            ("cadence", [(f"{cadence:.0f} /min" if cadence else "--", st.text)]),
        ]

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw the panel below the rep counter."""
        sizes = _panel_sizes(canvas, self.style, self.corner)
        col_w, w = _value_col_w(sizes), panel_width(sizes)
        label_w = w - 2 * col_w - sizes.pad
        x0 = _column_x(canvas, w, sizes, self.corner)
        y0 = _column_top(sizes, self.corner) + sizes.pad + counter_height(sizes)
        canvas.shade(x0, y0, x0 + w, y0 + panel_height(sizes), self.style.panel, self.style.panel_alpha)
        for k, (label, values) in enumerate(self._rows(state)):
            y = y0 + sizes.pad + round((k + 0.78) * sizes.line_h)
            put_text(canvas, label, (x0 + sizes.pad, y), sizes, self.style.muted, 0.85)
            for j, (text, colour) in enumerate(values):
                put_text(canvas, text, (x0 + label_w + j * col_w, y), sizes, colour)


class RepNoteAnnotator(CanvasAnnotator):
    """After each rep, for about a second: its number, side, score and the main fault's cue.

    The score is coloured good / fair / poor; a rep without faults says "clean rep". Several recent reps
    stack, newest on top, below the panel.
    """

    def __init__(self, style: Style | None = None, corner: Corner | PanelPlace = Corner.LEFT,
                 max_notes: int = 2) -> None:
        self.style, self.corner, self.max_notes = style or Style(), _where(corner), max_notes

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw the notes of ``state.notes`` (already chosen by time)."""
        sizes = _panel_sizes(canvas, self.style, self.corner)
        place = self.corner if isinstance(self.corner, PanelPlace) else None
        max_w = note_max_width(canvas.width, canvas.height, sizes, place)
        bottom = place.y + place.height if place else canvas.height - sizes.pad
        y = notes_top(sizes, self.corner)
        for note in state.notes[: self.max_notes]:
            head, cue, w, h = note_box(note, sizes, max_w)
            if y + h > bottom:
                break
            colour = self.style.score(note.score)
            x0 = _column_x(canvas, w, sizes, self.corner)
            inset = sizes.line + sizes.pad  # colour stripe, then text
            canvas.shade(x0, y, x0 + w, y + h, self.style.panel, self.style.panel_alpha)
            canvas.fill(x0, y, x0 + sizes.line - 1, y + h - 1, colour)
            put_text(canvas, head, (x0 + inset, y + round(1.0 * sizes.line_h)), sizes, colour, 1.1)
            for k, line in enumerate(cue):
                put_text(canvas, line, (x0 + inset, y + round((1.9 + 0.85 * k) * sizes.line_h)), sizes, self.style.text,
                         0.8)
            y += h + sizes.pad // 2


def notes_top(sizes: Sizes, where: Corner | PanelPlace) -> int:
    """Top of the first rep note: below the rep counter and the metrics panel."""
    return _column_top(sizes, _where(where)) + 2 * sizes.pad + counter_height(sizes) + panel_height(sizes)


def note_max_width(frame_w: int, frame_h: int, sizes: Sizes, place: PanelPlace | None = None) -> int:
    """The widest a rep note may be: the placed column's width, else a share of the frame."""
    if place is not None:
        return place.width
    return round(min(0.42 * frame_w, 22 * sizes.line_h)) if frame_w > frame_h else round(0.6 * frame_w)


def note_box(note: RepNote, sizes: Sizes, max_w: int) -> tuple[str, list[str], int, int]:
    """A rep note's head line, its cue wrapped to at most three lines, and the box's width and height."""
    inset = sizes.line + sizes.pad
    score = "--" if note.score is None else f"{note.score:.0f}"
    head = f"{note.kind.capitalize()} {note.index} {note.side.value}  {score}"
    cue = wrap(note.cue or "clean rep", max_w - inset - sizes.pad, sizes, 0.8)[:3]
    text_w = max([text_size(head, sizes, 1.1)[0], *(text_size(c, sizes, 0.8)[0] for c in cue)])
    w = min(max(panel_width(sizes), text_w + inset + sizes.pad), max_w)
    h = round((1.25 + 0.85 * len(cue)) * sizes.line_h) + sizes.pad
    return head, cue, w, h


# --- the knee-height strip ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StripMark:
    """A rep on the strip: its peak time, side, score and number."""

    t_s: float
    side: Side
    score: float | None
    index: int


def strip_height(width: int, height: int, scale: float = 1.0) -> int:
    """Rows of the knee-height strip for a picture of this size (even, so H.264 frame sizes stay even)."""
    return max(2 * round(62 * Sizes.of(width, height, scale).unit), 40)


class KneeStripAnnotator(CanvasAnnotator):
    """A strip along the bottom plotting both knees' height over the whole clip, with a moving time marker.

    Each leg is plotted in its colour, the reps are marked at their peaks (coloured by score). With
    ``picture_h`` the frames carry the strip's rows below a picture that tall, and the strip is drawn there,
    opaque, hiding nothing of the athlete; without it, the strip is blended over the bottom of the frame. Its
    picture is drawn once per frame size; each frame then costs one copy (or blend) and a line.
    """

    def __init__(self, t_s: np.ndarray, knee_height: Mapping[Side, np.ndarray], marks: Sequence[StripMark] = (),
                 style: Style | None = None, picture_h: int | None = None) -> None:
        self.style = style or Style()
        self.t_s = np.asarray(t_s, np.float64)
        self.knee = {s: np.asarray(knee_height[s], np.float64) for s in Side}
        self.marks = tuple(marks)
        self.picture_h = picture_h
        values = np.concatenate([self.knee[s] for s in Side])
        values = values[np.isfinite(values)]
        lo = float(np.percentile(values, 0.5)) if len(values) else -1.0
        hi = float(np.max(values)) if len(values) else 0.0
        lo, hi = max(lo - 0.1, -2.5), min(hi + 0.1, 2.0)
        if hi - lo < 0.6:  # a flat line is not worth the full height: keep at least 0.6 thigh lengths
            mid = (hi + lo) / 2
            lo, hi = mid - 0.3, mid + 0.3
        self.lo, self.hi = lo, hi
        self._cache: dict[tuple[int, int], Picture] = {}

    def rows(self, width: int, height: int) -> tuple[int, int]:
        """(first row, rows) of the strip in a ``width`` x ``height`` frame."""
        if self.picture_h is not None:
            return self.picture_h, height - self.picture_h
        sh = min(strip_height(width, height, self.style.scale), height // 3)
        return height - sh, sh

    def _plot_box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, x1, y top, y bottom) of the plotting area, in strip coordinates."""
        sizes = Sizes.of(width, height, self.style.scale)
        _, sh = self.rows(width, height)
        left = sizes.pad + text_size("knee", sizes, 0.7)[0] + sizes.pad
        return left, width - 2 * sizes.pad, round(1.15 * sizes.line_h), sh - sizes.pad

    def x_of(self, t: float | np.ndarray, width: int, height: int) -> np.ndarray:
        """X pixel of time ``t`` on the strip."""
        x0, x1, _, _ = self._plot_box(width, height)
        t0 = float(self.t_s[0]) if len(self.t_s) else 0.0
        t1 = float(self.t_s[-1]) if len(self.t_s) > 1 else t0 + 1.0
        return x0 + (np.asarray(t, np.float64) - t0) / max(t1 - t0, 1e-9) * (x1 - x0)

    def y_of(self, v: float | np.ndarray, width: int, height: int, in_frame: bool = True) -> np.ndarray:
        """Y pixel of knee height ``v`` (thigh lengths): in the frame, or within the strip."""
        _, _, y0, y1 = self._plot_box(width, height)
        y = y1 - (np.clip(np.asarray(v, np.float64), self.lo, self.hi) - self.lo) / (self.hi - self.lo) * (y1 - y0)
        return y + (self.rows(width, height)[0] if in_frame else 0)

    def _picture(self, width: int, height: int) -> Picture:
        key = (width, height)
        if key not in self._cache:
            self._cache[key] = Picture(self._draw_picture(width, height))
        return self._cache[key]

    def _draw_picture(self, w: int, h: int) -> np.ndarray:
        sizes, st = Sizes.of(w, h, self.style.scale), self.style
        pic = np.empty((self.rows(w, h)[1], w, 3), np.uint8)
        pic[:] = st.panel
        x0, x1, _, _ = self._plot_box(w, h)
        for level, name in ((0.0, "hip"), (-1.0, "low")):
            if self.lo <= level <= self.hi:
                y = round(float(self.y_of(level, w, h, in_frame=False)))
                cv2.line(pic, (x0, y), (x1, y), st.muted, 1, cv2.LINE_AA)
                put_text(pic, name, (sizes.pad, y + sizes.line_h // 4), sizes, st.muted, 0.7, outline=None)
        put_text(pic, "knee height", (sizes.pad, round(0.8 * sizes.line_h)), sizes, st.text, 0.75, outline=None)
        xs = self.x_of(self.t_s, w, h)
        for s in Side:
            ys = self.y_of(self.knee[s], w, h, in_frame=False)
            pts = np.stack([xs, np.nan_to_num(ys)], axis=1).round().astype(np.int32)
            for run in _runs(np.isfinite(ys)):
                cv2.polylines(pic, [pts[run]], False, st.side(s), max(1, sizes.thin + 1), cv2.LINE_AA)
        self._draw_marks(pic, w, h)
        return pic

    def _draw_marks(self, pic: np.ndarray, w: int, h: int) -> None:
        sizes, st = Sizes.of(w, h, self.style.scale), self.style
        x0, x1, _, _ = self._plot_box(w, h)
        label = (x1 - x0) / max(len(self.marks), 1) > text_size("88", sizes, 0.65)[0] * 1.4
        for m in self.marks:
            x = round(float(self.x_of(m.t_s, w, h)))
            i = int(np.clip(np.searchsorted(self.t_s, m.t_s), 0, len(self.t_s) - 1))
            v = self.knee[m.side][i]
            colour = st.score(m.score)
            y = round(float(self.y_of(v, w, h, in_frame=False))) if math.isfinite(v) else round(1.15 * sizes.line_h)
            cv2.circle(pic, (x, y), sizes.joint + 1, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(pic, (x, y), sizes.joint, colour, -1, cv2.LINE_AA)
            if label:
                tw = text_size(str(m.index), sizes, 0.65)[0]
                put_text(pic, str(m.index), (x - tw // 2, round(0.85 * sizes.line_h)), sizes, colour, 0.65,
                         outline=None)

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw the strip; mark the current time and where both knees are now."""
        h, w = canvas.height, canvas.width
        y0, sh = self.rows(w, h)
        if sh <= 0:
            return
        canvas.paste(y0, self._picture(w, h), 1.0 if self.picture_h is not None else self.style.strip_alpha)
        sizes = Sizes.of(w, h, self.style.scale)
        x = round(float(self.x_of(state.t_s, w, h)))
        strip = canvas.band(y0, sh)
        strip.line((x, 0), (x, sh - 1), self.style.text, sizes.thin)
        for s in Side:
            v = state.value(f"knee_height_{s.value}")
            if math.isfinite(v):
                y = round(float(self.y_of(v, w, h, in_frame=False)))
                strip.circle((x, y), sizes.joint + 1, (0, 0, 0), -1)
                strip.circle((x, y), sizes.joint, self.style.side(s), -1)


def _runs(mask: np.ndarray) -> list[slice]:
    """Slices of consecutive True values with at least two samples."""
    return [slice(a, b) for a, b in runs_of(mask) if b - a >= 2]


__all__ = [
    "FAIR_SCORE", "GOOD_SCORE", "AngleAnnotator", "CanvasAnnotator", "FrameState", "KneeStripAnnotator",
    "PanelAnnotator", "PanelPlace", "RepCounterAnnotator", "RepNote", "RepNoteAnnotator", "Sizes", "SkeletonAnnotator",
    "StripMark", "Style", "counter_width", "note_box", "note_max_width", "notes_top", "panel_height", "panel_width",
    "put_text", "shade", "strip_height", "text_size", "wrap",
]
