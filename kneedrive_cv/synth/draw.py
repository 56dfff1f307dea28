"""Drawing the athlete: shaded, tapered limbs, a torso in a shirt and shorts, a head with a face, shoes.

Everything is drawn into an RGB frame in pixels for an athlete facing image-right (the renderer mirrors
the finished frame for one facing left). The far-side limbs are drawn first and darker, then the torso and
head, then the near-side limbs on top. Sizes come from the skeleton in metres times ``scale`` (pixels per
metre), so the figure looks the same at every resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import Joints, Proportions

_SHIFT = 4
SOCK = 0.0
SLEEVE = (-0.06, 0.42)
DELTOID = 0.0
COLLAR = 0.105
_ONE = 1 << _SHIFT
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """The athlete's colours (RGB)."""

    skin: Color = (214, 160, 122)
    hair: Color = (48, 32, 24)
    shirt: Color = (36, 92, 178)
    shorts: Color = (34, 36, 44)
    sock: Color = (236, 236, 232)
    shoe: Color = (222, 70, 48)
    sole: Color = (245, 245, 240)
    lips: Color = (172, 98, 88)
    far_shade: float = 0.72


@dataclass(frozen=True)
class View:
    """Where the world goes in the picture: pixels per metre, the camera's x (metres) and the floor's row."""

    scale: float
    camera_x: float
    origin_px: float
    floor_px: float

    def px(self, p: np.ndarray) -> np.ndarray:
        """World metres (x forward, y up) to pixel coordinates (x right, y down)."""
        return np.stack([self.origin_px + (p[..., 0] - self.camera_x) * self.scale,
                         self.floor_px - p[..., 1] * self.scale], axis=-1)


def _dim(c: Color, k: float) -> Color:
    return (int(min(255, c[0] * k)), int(min(255, c[1] * k)), int(min(255, c[2] * k)))


def _fill(img: np.ndarray, pts: np.ndarray, color: Color) -> None:
    cv2.fillPoly(img, [np.round(pts * _ONE).astype(np.int32)], color, cv2.LINE_AA, _SHIFT)


def _capsule_outline(p: np.ndarray, q: np.ndarray, rp: float, rq: float, n: int = 9) -> np.ndarray:
    d = q - p
    length = float(np.hypot(*d))
    if length < 1e-6:
        a = np.linspace(0, 2 * np.pi, 2 * n, endpoint=False)
        return p + max(rp, rq) * np.stack([np.cos(a), np.sin(a)], axis=1)
    ang = np.arctan2(d[1], d[0])
    phi = np.arccos(np.clip((rp - rq) / length, -0.95, 0.95))
    a_p = np.linspace(ang + phi, ang + 2 * np.pi - phi, n)
    a_q = np.linspace(ang - phi, ang + phi, n)
    return np.concatenate([p + rp * np.stack([np.cos(a_p), np.sin(a_p)], 1),
                           q + rq * np.stack([np.cos(a_q), np.sin(a_q)], 1)])


#: Light falls from above and slightly in front (image up-right for an athlete facing right).
_LIGHT = np.array([0.35, -1.0]) / np.hypot(0.35, 1.0)


def shaded_capsule(img: np.ndarray, p: np.ndarray, q: np.ndarray, rp: float, rq: float, color: Color) -> None:
    """Draw a tapered limb: dark rim, body colour, and a soft highlight toward the light."""
    d = q - p
    length = float(np.hypot(*d)) or 1.0
    normal = np.array([-d[1], d[0]]) / length
    side = normal if float(normal @ _LIGHT) > 0 else -normal
    _fill(img, _capsule_outline(p, q, rp, rq), _dim(color, 0.62))
    off = side * 0.12
    _fill(img, _capsule_outline(p + off * rp, q + off * rq, rp * 0.86, rq * 0.86), color)
    off = side * 0.38
    _fill(img, _capsule_outline(p + off * rp, q + off * rq, rp * 0.38, rq * 0.38), _dim(color, 1.18))


def _ellipse(img: np.ndarray, centre: np.ndarray, axes: tuple[float, float], angle_deg: float, color: Color,
             arc: tuple[int, int] = (0, 360)) -> None:
    pts = np.asarray(cv2.ellipse2Poly((0, 0), (1000, 1000), 0, arc[0], arc[1], 6), float) / 1000.0
    rot = np.radians(angle_deg)
    c, s = np.cos(rot), np.sin(rot)
    xy = pts * np.array(axes)
    xy = np.stack([xy[:, 0] * c - xy[:, 1] * s, xy[:, 0] * s + xy[:, 1] * c], 1)
    _fill(img, centre + xy, color)


class FigureDrawer:
    """Draws the athlete of one clip; ``draw(img, joints, i)`` adds frame ``i``'s figure to ``img``."""

    def __init__(self, body: Proportions, view: View, near: Side, palette: Palette | None = None) -> None:
        self.body, self.view, self.near = body, view, near
        self.pal = palette or Palette()
        k = view.scale * body.stature_m / 1.78  # pixels per metre of a 1.78 m athlete's shapes
        self.k = k
        self.kw = k * body.physique.girth  # the same for the widths of limbs and torso (the athlete's build)

    # -- the pieces -------------------------------------------------------------------------------------
    def _leg(self, img: np.ndarray, j: Joints, side: Side, i: int, shade: float) -> None:
        v, k, pal = self.view, self.kw, self.pal
        hip, knee = v.px(j.hip[i]), v.px(j.knee[side][i])
        ankle = v.px(j.ankle[side][i])
        skin = _dim(pal.skin, shade)
        shank = ankle - knee
        shank_len = float(np.hypot(*shank)) or 1.0
        back = np.array([shank[1], -shank[0]]) / shank_len  # posterior side of the shank, facing right
        if back[0] > 0:
            back = -back
        shaded_capsule(img, knee, ankle, 0.056 * k, 0.033 * k, skin)
        calf_a, calf_b = knee + 0.18 * shank + back * 0.014 * k, knee + 0.62 * shank + back * 0.004 * k
        shaded_capsule(img, calf_a, calf_b, 0.060 * k, 0.038 * k, skin)
        shaded_capsule(img, hip, knee, 0.092 * k, 0.060 * k, skin)
        if SOCK > 0:
            sock_top = ankle - SOCK * shank
            shaded_capsule(img, sock_top, ankle + 0.03 * shank, 0.036 * k, 0.036 * k, _dim(pal.sock, shade))
        self._shoe(img, v.px(j.sole[side][i]), j.sole_dir[side][i], shade)
        thigh = knee - hip
        shaded_capsule(img, hip - 0.05 * thigh, hip + 0.42 * thigh, 0.102 * k, 0.086 * k, _dim(pal.shorts, shade))

    def _shoe(self, img: np.ndarray, heel: np.ndarray, sole_dir: np.ndarray, shade: float) -> None:
        k, pal = self.k, self.pal
        u = np.array([sole_dir[0], -sole_dir[1]])  # along the sole, in pixels (y down)
        n = np.array([u[1], -u[0]])  # the shoe's up, in pixels
        length = self.body.shoe * self.view.scale
        f = length
        c = COLLAR
        upper = [(-0.01 * f, 0.010), (0.0, 0.0), (0.86 * f, 0.0), (0.97 * f, 0.008), (1.0 * f, 0.024),
                 (0.96 * f, 0.042), (0.78 * f, 0.058), (0.52 * f, 0.070 * c / 0.1 + 0.01), (0.36 * f, c),
                 (0.24 * f, c - 0.01), (0.10 * f, c), (0.0, c * 0.8), (-0.025 * f, 0.035)]
        sole = [(-0.01 * f, 0.010), (0.0, 0.0), (0.86 * f, 0.0), (0.975 * f, 0.010), (0.985 * f, 0.022),
                (0.5 * f, 0.020), (-0.02 * f, 0.024)]

        def place(pts: list[tuple[float, float]]) -> np.ndarray:
            a = np.array(pts)
            return heel + a[:, :1] * u + (a[:, 1:] * k) * n

        _fill(img, place(upper), _dim(pal.shoe, shade * 0.8))
        inner = [(0.02 * f, 0.02), (0.85 * f, 0.02), (0.95 * f, 0.03), (0.93 * f, 0.04), (0.77 * f, 0.051),
                 (0.52 * f, 0.062 * c / 0.1 + 0.008), (0.36 * f, c - 0.009), (0.24 * f, c - 0.017),
                 (0.10 * f, c - 0.009), (0.03 * f, c * 0.75)]
        _fill(img, place(inner), _dim(pal.shoe, shade))
        _fill(img, place(sole), _dim(pal.sole, shade))
        for a in (0.42, 0.52, 0.62):
            p0 = place([(a * f, (0.06 + (0.62 - a) * 0.09) * c / 0.1)])[0]
            p1 = place([(a * f + 0.05 * f, (0.058 + (0.62 - a) * 0.09) * c / 0.1)])[0]
            cv2.line(img, tuple(np.round(p0 * _ONE).astype(int)), tuple(np.round(p1 * _ONE).astype(int)),
                     _dim(pal.sole, shade * 0.9), max(1, round(0.006 * k)), cv2.LINE_AA, _SHIFT)

    def _arm(self, img: np.ndarray, j: Joints, side: Side, i: int, shade: float) -> None:
        v, k, pal = self.view, self.kw, self.pal
        sh, el = v.px(j.shoulder[i]), v.px(j.elbow[side][i])
        wr, kn = v.px(j.wrist[side][i]), v.px(j.knuckles[side][i])
        skin = _dim(pal.skin, shade)
        shaded_capsule(img, sh, el, 0.050 * k, 0.040 * k, skin)
        shaded_capsule(img, el, wr, 0.041 * k, 0.029 * k, skin)
        hand = kn - wr
        hl = float(np.hypot(*hand)) or 1.0
        ang = float(np.degrees(np.arctan2(hand[1], hand[0])))
        _ellipse(img, wr + 0.55 * hand, (0.62 * hl, 0.036 * k), ang, _dim(skin, 0.8))
        _ellipse(img, wr + 0.52 * hand, (0.55 * hl, 0.030 * k), ang, skin)
        thumb = wr + 0.75 * hand + np.array([-hand[1], hand[0]]) / hl * 0.02 * k
        _ellipse(img, thumb, (0.016 * k, 0.011 * k), ang, _dim(skin, 0.9))
        upper = el - sh
        if DELTOID > 0:
            shaded_capsule(img, sh, sh, DELTOID * k, DELTOID * k, _dim(pal.shirt, shade))
        shaded_capsule(img, sh + SLEEVE[0] * upper, sh + SLEEVE[1] * upper, 0.062 * k, 0.054 * k,
                       _dim(pal.shirt, shade))

    def _trunk_outline(self, j: Joints, i: int, u_lo: float, u_hi: float) -> np.ndarray:
        # Side profile of the trunk (metres for a 1.78 m athlete) at fractions u of the hip->shoulder length.
        u = np.array([-0.22, -0.10, 0.0, 0.15, 0.32, 0.48, 0.62, 0.78, 0.92, 1.02, 1.12])
        front = np.array([0.05, 0.100, 0.110, 0.105, 0.092, 0.098, 0.120, 0.128, 0.100, 0.060, 0.015])
        back = np.array([-0.07, -0.128, -0.130, -0.118, -0.084, -0.080, -0.094, -0.108, -0.100, -0.080, -0.035])
        uu = np.linspace(u_lo, u_hi, 14)
        fr, bk = np.interp(uu, u, front), np.interp(uu, u, back)
        hip, mid, sh = j.hip[i], j.mid_trunk[i], j.shoulder[i]
        pts_f, pts_b = [], []
        for a, f_off, b_off in zip(uu, fr, bk, strict=True):
            if a <= 0.5:
                centre, axis = hip + (mid - hip) * (a / 0.5), mid - hip
            else:
                centre, axis = mid + (sh - mid) * ((a - 0.5) / 0.5), sh - mid
            axis = axis / (np.hypot(*axis) or 1.0)
            fwd = np.array([axis[1], -axis[0]])
            scale = self.kw / self.view.scale
            pts_f.append(centre + fwd * f_off * scale)
            pts_b.append(centre + fwd * b_off * scale)
        return self.view.px(np.array(pts_f + pts_b[::-1]))

    def _torso(self, img: np.ndarray, j: Joints, i: int) -> None:
        pal = self.pal
        _fill(img, self._trunk_outline(j, i, -0.22, 0.36), _dim(pal.shorts, 0.8))
        _fill(img, self._trunk_outline(j, i, -0.20, 0.34) * 1.0, pal.shorts)
        _fill(img, self._trunk_outline(j, i, 0.26, 1.12), _dim(pal.shirt, 0.75))
        shirt = self._trunk_outline(j, i, 0.28, 1.09)
        centre = shirt.mean(axis=0)
        _fill(img, centre + (shirt - centre) * 0.94 + _LIGHT * 0.01 * self.k, pal.shirt)
        # a seam and the sleeve cap make the trunk read as clothing, not a blob
        hip, sh = self.view.px(j.hip[i]), self.view.px(j.shoulder[i])
        cv2.line(img, tuple(np.round((hip + 0.3 * (sh - hip)) * _ONE).astype(int)),
                 tuple(np.round((hip + 0.9 * (sh - hip)) * _ONE).astype(int)), _dim(pal.shirt, 0.8),
                 max(1, round(0.008 * self.k)), cv2.LINE_AA, _SHIFT)

    def _head(self, img: np.ndarray, j: Joints, i: int) -> None:
        v, k, pal = self.view, self.k, self.pal
        neck_base, neck_top = v.px(j.shoulder[i]), v.px(j.neck_top[i])
        shaded_capsule(img, neck_base + (neck_top - neck_base) * 0.1, neck_top, 0.064 * k, 0.058 * k,
                       _dim(pal.skin, 0.92))
        c = v.px(j.head_centre[i])
        up = j.head_up[i] * np.array([1.0, -1.0])
        fwd = np.array([-up[1], up[0]])
        if fwd[0] < 0:
            fwd = -fwd
        ang = float(np.degrees(np.arctan2(fwd[1], fwd[0])))

        def at(pts: list[tuple[float, float]]) -> np.ndarray:
            a = np.array(pts) * k
            return c + a[:, :1] * fwd + a[:, 1:] * up

        _ellipse(img, at([(-0.012, 0.028)])[0], (0.103 * k, 0.108 * k), ang, pal.hair)
        face = [(0.070, 0.090), (0.090, 0.066), (0.099, 0.034), (0.094, 0.018), (0.104, 0.000), (0.118, -0.022),
                (0.114, -0.031), (0.098, -0.036), (0.101, -0.050), (0.095, -0.058), (0.099, -0.066),
                (0.090, -0.082), (0.093, -0.100), (0.078, -0.116), (0.040, -0.118), (0.005, -0.098),
                (-0.030, -0.060), (-0.042, -0.010), (-0.020, 0.030), (0.010, 0.055), (0.040, 0.078)]
        _fill(img, at(face), pal.skin)
        _fill(img, at([(0.060, -0.02), (0.085, -0.05), (0.088, -0.09), (0.07, -0.108), (0.04, -0.11),
                       (0.01, -0.09), (0.03, -0.05)]), _dim(pal.skin, 0.93))
        _ellipse(img, at([(-0.006, -0.004)])[0], (0.021 * k, 0.031 * k), ang, _dim(pal.skin, 0.78))
        _ellipse(img, at([(-0.003, -0.004)])[0], (0.012 * k, 0.020 * k), ang, _dim(pal.skin, 0.95))
        _ellipse(img, at([(0.074, 0.024)])[0], (0.013 * k, 0.0065 * k), ang, (240, 236, 230))
        _ellipse(img, at([(0.080, 0.024)])[0], (0.0055 * k, 0.0058 * k), ang, (40, 28, 20))
        brow = at([(0.060, 0.042), (0.075, 0.047), (0.092, 0.041), (0.092, 0.036), (0.075, 0.041),
                   (0.060, 0.037)])
        _fill(img, brow, pal.hair)
        _fill(img, at([(0.084, 0.031), (0.074, 0.034), (0.063, 0.030), (0.064, 0.027), (0.074, 0.030),
                       (0.085, 0.027)]), _dim(pal.skin, 0.6))
        _ellipse(img, at([(0.104, -0.031)])[0], (0.006 * k, 0.003 * k), ang, _dim(pal.skin, 0.5))
        _fill(img, at([(0.099, -0.057), (0.080, -0.059), (0.080, -0.062), (0.099, -0.062)]), pal.lips)
        _fill(img, at([(0.070, 0.092), (0.088, 0.070), (0.060, 0.095), (0.020, 0.060), (-0.030, 0.040),
                       (-0.060, 0.000), (-0.075, -0.040), (-0.095, 0.02), (-0.08, 0.09), (-0.02, 0.13),
                       (0.04, 0.125)]), pal.hair)

    # -- the whole figure ---------------------------------------------------------------------------------
    def draw(self, img: np.ndarray, j: Joints, i: int) -> None:
        """Draw frame ``i`` of the figure whose joints are ``j`` onto ``img`` (RGB, modified in place)."""
        far, near = self.near.other, self.near
        shade = self.pal.far_shade
        self._arm(img, j, far, i, shade)
        self._leg(img, j, far, i, shade)
        self._torso(img, j, i)
        self._head(img, j, i)
        self._leg(img, j, near, i, 1.0)
        self._arm(img, j, near, i, 1.0)
