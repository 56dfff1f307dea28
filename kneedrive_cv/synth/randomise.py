"""Randomised renders: each drill done the many ways athletes do it, filmed the many ways phones film it.

    from kneedrive_cv.synth.randomise import random_setup, render_random
    setup = random_setup("piston_run", seed=7)          # params, settings, description: nothing drawn yet
    clip, truth_path, truth = render_random("piston_run", 7, "p.mp4")

The same drill and seed give the same clip and truth on every run; ``truth["random"]`` records the seed and
every value sampled. Values given by the caller (``params``, ``settings``: e.g. the command line's ``--fps``)
replace the sampled ones, and the framing is then fitted to them. The truth stays exact: ``expected_drill``,
``rep_count`` (as for every render: the drill's knee drives peaking inside the clip, or its holds),
``cadence_spm``; ``random.reps_seen_whole`` is the count an analysis should report (the knee drives the clip
shows whole, :func:`kneedrive_cv.synth.truth.drives_seen_whole`; the holds; 0 for a clip that is not a drill).
Angles in ``frames`` are measured in the finished, rolled frame against the image vertical
(docs/METRICS.md); ``parameters`` and ``knee_drives[].thigh_peak_deg`` are the body's own angles.

What is sampled, per drill (uniform over the range unless said):

==================  =========================================================================================
piston_run          cadence 150-300 steps/min (rising up to 8 % in 40 % of clips), thigh peak 50-95 deg,
                    ball of the foot landing -0.03-0.15 m ahead of the hips, steps 0.35-0.65 m (toe-off a short
                    push behind), contact 40-55 % of a step, trunk lean 0-25 deg, back rounding 0 (70 %) or
                    0-20 deg, foot in swing -10-18 deg dorsiflexion, arm swing 25-60 deg about -5-15 deg;
                    15 % of clips: exaggerated knees (thigh 100-118 deg, cadence sagging), the high-knees warning
pocket_run          frozen side left/right, frozen arm drifting 0-15 deg, cadence 180-270/min, steps 0.5-0.95 m
                    (travel speed 1.5-4.3 m/s), thigh peak 55-85 deg, lean 3-18 deg, contact 48-62 %
wall_drill          body angle 35-60 deg, repeated (same side) 45 %, alternating 45 %, single 10 %; 4-8 drives
                    at 0.8-2.2 per second; thigh peak from max(78, 2 x body angle - 12) deg up 15 deg (a steeper
                    body needs a higher knee for the foot to clear the floor), dorsiflexion -5-18 deg, heel
                    raised 28-40 deg
wall_calves         driven (held) knee left/right, 5-9 heel raises of the other foot at 0.5-2 per second, each
                    from a rest pitch of 10-40 deg up 10-40 deg of ankle plantarflexion; body angle 35-60 deg,
                    thigh held at 80-100 deg, its foot -5-18 deg dorsiflexion
hip_flexion_hold    1 or 2 holds of 1.5-5 s (clip under 10 s), thigh 70-110 deg, foot sprung (70 %) or soggy,
                    trunk -3-8 deg, sway 0.2-3 deg
high_knees          2.5-4 drives per second on the spot, thighs 85-115 deg, lean -3-8 deg, arms 30-60 deg
walking             cadence 90-126/min, steps 0.45-0.6 m, arm swing 8-30 deg, lean 0-5 deg (drill ``none``)
running             jog 40 % (150-180/min, knees 35-50 deg, steps 0.85-1.1 m), run 35 % (165-200/min, knees
                    45-60 deg, steps 1.1-1.5 m), sprint 25 % (220-276/min, knees 60-80 deg, strides 1.7-2.1 m);
                    the feet land 0.15-0.3 m ahead, the hips travel 0.45-0.62 m over them (drill ``none``)
==================  =========================================================================================

Every drill: facing left/right; first leg left/right; stature 1.50-1.95 m, legs and arms x0.94-1.06,
trunk x0.95-1.05, build (girth) x0.8-1.3; skin, hair, shirt, shorts and shoes colours; frame size 640x360,
854x480, 960x540, 1280x720, 1920x1080 or portrait 360x640, 540x960, 720x1280, 1080x1920; 24, 25, 29.97, 30,
50, 59.94, 60 or 120 fps; H.264 crf 18-35; travelling clips and high knees 4-8 s (4-5.5 s at 100 fps or
more), the hold, the wall drill and the calves their natural length; athlete 25-80 % of the frame height (less where the
figure would not fit), floor row fitted to the frame, camera 0.5-1.8 m high (sets the horizon); roll -10-10
deg; travelling clips: the athlete crossing the frame (40 %) or a phone following the hips (60 %, 0.05-0.4 s
behind, shake up to 0.8 % of the height, tilt drift up to 1 %, roll wobbling up to 1.5 deg); on the spot a
tripod (50 %) or a held phone (shake up to 0.25 %); motion blur 1-6 px (40 %) and defocus sigma 0.4-1.6 px
(40 %) at 720 rows, scaled to the frame.
"""

from __future__ import annotations

import colorsys
import dataclasses
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.synth.body import Physique, Proportions, solve
from kneedrive_cv.synth.camera import Camera
from kneedrive_cv.synth.draw import Palette
from kneedrive_cv.synth.registry import get_synth_drill, make_params, natural_seconds
from kneedrive_cv.synth.render import Plan, RenderSettings, plan, render_plan
from kneedrive_cv.synth.travelling import StyledPistonRunParams
from kneedrive_cv.synth.truth import drives_seen_whole

#: Frame sizes (width, height) and how often each is drawn.
SIZES: dict[tuple[int, int], float] = {
    (640, 360): 0.15, (854, 480): 0.12, (960, 540): 0.13, (1280, 720): 0.2, (1920, 1080): 0.08,
    (360, 640): 0.07, (540, 960): 0.08, (720, 1280): 0.12, (1080, 1920): 0.05,
}
#: Frame rates and how often each is drawn.
FRAME_RATES: dict[float, float] = {24.0: 0.08, 25.0: 0.05, 29.97: 0.15, 30.0: 0.22, 50.0: 0.05, 59.94: 0.1,
                                   60.0: 0.2, 120.0: 0.15}
#: The athlete's height as a share of the frame's height, before fitting it into the frame.
STATURE_SHARE_RANGE = (0.25, 0.80)
ROLL_RANGE_DEG = (-10.0, 10.0)
CRF_RANGE = (18, 35)
#: Clear space kept between the figure's landmarks and the frame's edges (metres of athlete; more over the head).
EDGE_M, HEAD_ROOM_M = 0.07, 0.16
SKIN = ((241, 194, 167), (224, 172, 136), (198, 140, 104), (160, 110, 78), (122, 82, 58), (86, 58, 42))
HAIR = ((24, 18, 14), (48, 32, 24), (96, 64, 36), (180, 140, 80), (140, 136, 132))


class RandomSetup(NamedTuple):
    """One randomised clip before anything is drawn: the drill's parameters, how it is filmed, what was sampled."""

    params: Any
    settings: RenderSettings
    description: dict[str, Any]


def _u(rng: np.random.Generator, lo: float, hi: float, nd: int = 3) -> float:
    return round(float(rng.uniform(lo, hi)), nd)


def _pick(rng: np.random.Generator, options: Mapping[Any, float]) -> Any:
    keys = list(options)
    weights = np.array(list(options.values()), float)
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def _side(rng: np.random.Generator) -> str:
    return "left" if rng.random() < 0.5 else "right"


def _piston(rng: np.random.Generator) -> dict[str, Any]:
    cadence = _u(rng, 2.5, 5.0)
    rising = rng.random() < 0.4
    style = {"cadence_hz": cadence,
             "cadence_end_hz": min(5.0, round(cadence * float(rng.uniform(1.0, 1.08)), 3)) if rising else cadence,
             "thigh_peak_deg": _u(rng, 50, 95, 1), "landing_offset_m": _u(rng, -0.03, 0.15),
             "step_length_m": _u(rng, 0.35, 0.65), "contact_ratio": _u(rng, 0.40, 0.55),
             "lean_deg": _u(rng, 0, 25, 1), "hunch_deg": 0.0 if rng.random() < 0.7 else _u(rng, 0, 20, 1),
             "swing_dorsiflexion_deg": _u(rng, -10, 18, 1), "arm_swing_deg": _u(rng, 25, 60, 1),
             "arm_mean_deg": _u(rng, -5, 15, 1), "first_side": _side(rng)}
    if rng.random() < 0.15:
        style.update(exaggerated_knees=True, thigh_peak_deg=_u(rng, 100, 118, 1), cadence_end_hz=None)
    return style


def _pocket(rng: np.random.Generator) -> dict[str, Any]:
    return {"frozen_side": _side(rng), "frozen_arm_swing_deg": _u(rng, 0, 15, 1), "cadence_hz": _u(rng, 3.0, 4.5),
            "step_length_m": _u(rng, 0.5, 0.95), "thigh_peak_deg": _u(rng, 55, 85, 1), "lean_deg": _u(rng, 3, 18, 1),
            "contact_ratio": _u(rng, 0.48, 0.62), "first_side": _side(rng)}


def _wall(rng: np.random.Generator) -> dict[str, Any]:
    angle = _u(rng, 35, 60, 1)
    # the steeper the body, the higher the knee must drive for the foot to clear the floor on its way up
    low = max(78.0, 2 * angle - 12.0)
    return {"mode": _pick(rng, {"repeated": 0.45, "alternating": 0.45, "single": 0.1}),
            "drives": int(rng.integers(4, 9)), "rate_hz": _u(rng, 0.8, 2.2), "side": _side(rng),
            "body_angle_deg": angle, "thigh_peak_deg": _u(rng, low, low + 15, 1),
            "dorsiflexion_deg": _u(rng, -5, 18, 1), "heel_pitch_deg": _u(rng, 28, 40, 1)}


def _calves(rng: np.random.Generator) -> dict[str, Any]:
    return {"side": _side(rng), "raises": int(rng.integers(5, 10)), "rate_hz": _u(rng, 0.5, 2.0),
            "rest_pitch_deg": _u(rng, 10, 40, 1), "rise_deg": _u(rng, 10, 40, 1),
            "body_angle_deg": _u(rng, 35, 60, 1), "thigh_peak_deg": _u(rng, 80, 100, 1),
            "dorsiflexion_deg": _u(rng, -5, 18, 1)}


def _hold(rng: np.random.Generator) -> dict[str, Any]:
    hold_s = _u(rng, 1.5, 5.0, 2)
    holds = 2 if rng.random() < 0.4 and 2 * hold_s + 4.6 < 10.0 else 1
    return {"side": _side(rng), "holds": holds, "hold_s": hold_s, "thigh_deg": _u(rng, 70, 110, 1),
            "foot": "soggy" if rng.random() < 0.3 else "sprung", "trunk_lean_deg": _u(rng, -3, 8, 1),
            "sway_deg": _u(rng, 0.2, 3.0, 2)}


def _high_knees(rng: np.random.Generator) -> dict[str, Any]:
    return {"rate_hz": _u(rng, 2.5, 4.0), "thigh_peak_deg": _u(rng, 85, 115, 1), "lean_deg": _u(rng, -3, 8, 1),
            "arm_swing_deg": _u(rng, 30, 60, 1), "contact_ratio": _u(rng, 0.45, 0.65), "first_side": _side(rng)}


def _walking(rng: np.random.Generator) -> dict[str, Any]:
    return {"cadence_hz": _u(rng, 1.5, 2.1), "step_length_m": _u(rng, 0.45, 0.6), "arm_swing_deg": _u(rng, 8, 30, 1),
            "lean_deg": _u(rng, 0, 5, 1), "first_side": _side(rng)}


#: Running paces: cadence (Hz), knee peak (deg), step (m), and for all of them where the foot lands (m ahead).
PACES = {"jog": ((2.5, 3.0), (35, 50), (0.85, 1.1)), "run": ((2.75, 3.33), (45, 60), (1.1, 1.5)),
         "sprint": ((3.67, 4.6), (60, 80), (1.7, 2.1))}


def _running(rng: np.random.Generator) -> dict[str, Any]:
    pace = _pick(rng, {"jog": 0.4, "run": 0.35, "sprint": 0.25})
    cad, peak, step = PACES[pace]
    step_m = _u(rng, *step)
    stance_m = float(rng.uniform(0.45, 0.62))  # how far the hips travel over the planted foot
    return {"pace": pace, "cadence_hz": _u(rng, *cad), "thigh_peak_deg": _u(rng, *peak, 1), "step_length_m": step_m,
            "contact_ratio": round(min(0.8, stance_m / step_m), 3), "landing_offset_m": _u(rng, 0.15, 0.3),
            "knee_recovery_deg": _u(rng, 120, 135, 1) if pace == "sprint" else _u(rng, 95, 115, 1),
            "lean_deg": _u(rng, 2, 10, 1), "arm_swing_deg": _u(rng, 25, 50, 1), "first_side": _side(rng)}


STYLES = {"piston_run": _piston, "pocket_run": _pocket, "wall_drill": _wall, "wall_calves": _calves,
          "hip_flexion_hold": _hold,
          "high_knees": _high_knees, "walking": _walking, "running": _running}
#: The drills a randomised render can do (every renderable drill), and those that travel (the phone pans).
RANDOM_DRILLS = tuple(STYLES)
TRAVELLING = frozenset({"piston_run", "pocket_run", "walking", "running"})


def _colour(rng: np.random.Generator, sat: tuple[float, float], val: tuple[float, float]) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(*sat), rng.uniform(*val))
    return round(255 * r), round(255 * g), round(255 * b)


def _palette(rng: np.random.Generator) -> Palette:
    r, g, b = (int(np.clip(c + rng.integers(-10, 11), 0, 255)) for c in SKIN[int(rng.integers(len(SKIN)))])
    return Palette(skin=(r, g, b), hair=HAIR[int(rng.integers(len(HAIR)))],
                   shirt=_colour(rng, (0.2, 0.9), (0.35, 0.95)), shorts=_colour(rng, (0.0, 0.7), (0.1, 0.6)),
                   shoe=_colour(rng, (0.3, 1.0), (0.5, 1.0)))


@dataclass(frozen=True)
class _Draws:
    """Unit draws for the framing, kept apart so fitting can shrink the athlete without drawing again."""

    share: float
    floor: float
    col: float
    cross_from: float
    cross_to: float


def _extent(drill: str, params: Any, settings: RenderSettings, travel: bool) -> tuple[float, float, float]:
    """The figure's span in metres over the clip: (hind-most x, fore-most x, top y); x from the hips if travelling."""
    spec = get_synth_drill(drill)
    seconds = settings.seconds if settings.seconds is not None else natural_seconds(spec, params)
    t_s = np.arange(max(2, round(seconds * 20))) / 20.0
    body = Proportions(settings.stature_m, settings.physique)
    j = solve(spec.program(params, t_s, body).motion, body)
    pts = np.concatenate([p for p in (j.hip, j.shoulder, j.head_centre, *j.knee.values(), *j.heel.values(),
                                      *j.toe.values(), *j.knuckles.values(), *j.elbow.values())])
    hip = np.tile(j.hip[:, 0], len(pts) // len(j.hip))
    xs = pts[:, 0] - (hip if travel else 0.0)
    top = float(np.max(j.head_centre[:, 1])) + 0.6 * body.head
    return float(np.min(xs)) - EDGE_M, float(np.max(xs)) + EDGE_M, max(top, float(np.max(pts[:, 1]))) + EDGE_M


def _fit(cam: Camera, d: _Draws, share: float, extent: tuple[float, float, float], settings: RenderSettings,
         speed_mps: float, travel: bool) -> Camera:
    """Place an athlete of ``share`` in the frame: the floor row, and the columns of the pan or the figure."""
    w, h = settings.size
    lo, hi, top = extent
    scale = share * h / settings.stature_m
    sin = abs(np.sin(np.radians(abs(cam.roll_deg) + cam.roll_wobble_deg)))
    pad_x = (0.5 * h * sin + 2 * cam.shake * h) / w + 0.01
    pad_y = (0.5 * w * sin + 2 * (cam.shake + cam.tilt) * h) / h + 0.01
    floor_lo, floor_hi = pad_y + top * scale / h, 1.0 - pad_y - 0.015
    floor = floor_lo + d.floor * max(0.0, floor_hi - floor_lo) if floor_hi > floor_lo else (floor_lo + floor_hi) / 2
    x_lo, x_hi = pad_x - lo * scale / w, 1.0 - pad_x - hi * scale / w
    if not travel:
        half = (hi - lo) * scale / (2 * w)  # frame_col places the middle of the figure's span
        c_lo, c_hi = pad_x + half, 1.0 - pad_x - half
        col = c_lo + d.col * (c_hi - c_lo) if c_hi > c_lo else 0.5
        return dataclasses.replace(cam, stature_share=share, floor_row=round(float(floor), 4),
                                   frame_col=round(float(col), 4))
    if cam.pan == "follow":
        lead = speed_mps * cam.lag_s * scale / w  # a lagging phone sees the hips this far ahead of frame_col
        c_lo, c_hi = x_lo - lead, x_hi - lead
        col = c_lo + d.col * (c_hi - c_lo) if c_hi > c_lo else 0.5
        return dataclasses.replace(cam, stature_share=share, floor_row=round(float(floor), 4),
                                   frame_col=round(float(col), 4))
    room = max(0.0, x_hi - x_lo)
    a = x_lo + 0.3 * room * d.cross_from
    b = x_hi - 0.3 * room * d.cross_to
    return dataclasses.replace(cam, stature_share=share, floor_row=round(float(floor), 4),
                               cross=(round(float(a), 4), round(float(max(a, b)), 4)))


def _inside(pl: Plan) -> bool:
    """Every truth landmark of every frame lies in the frame with room for the drawn body around it."""
    w, h = pl.settings.size
    edge, head = EDGE_M * pl.scale, HEAD_ROOM_M * pl.scale
    for name, xy in pl.truth["landmarks_px"].items():
        a = np.asarray(xy, float)
        top = head if name in ("nose", "left_eye", "right_eye", "left_ear", "right_ear") else edge
        if a[:, 0].min() < edge or a[:, 0].max() > w - 1 - edge or a[:, 1].min() < top or a[:, 1].max() > h - 1:
            return False
    return True


def _sample(drill: str, seed: int, draw: int) -> tuple[dict[str, Any], dict[str, Any], Camera, _Draws]:
    """Draw everything for one clip, always in the same order (so a seed means the same clip).

    ``draw`` counts the tries of one seed: a try whose motion is not physical is drawn again with the next.
    """
    rng = np.random.default_rng([seed, zlib.crc32(drill.encode()), draw])
    style = STYLES[drill](rng)
    person = {"facing": _side(rng), "stature_m": _u(rng, 1.50, 1.95),
              "physique": Physique(_u(rng, 0.94, 1.06), _u(rng, 0.94, 1.06), _u(rng, 0.95, 1.05), _u(rng, 0.8, 1.3)),
              "palette": _palette(rng), "seed": int(rng.integers(0, 2**31))}
    size = _pick(rng, SIZES)
    fps = _pick(rng, FRAME_RATES)
    seconds = _u(rng, 4.0, 5.5 if fps >= 100 else 8.0, 2)
    filming = {"size": size, "fps": fps, "crf": int(rng.integers(CRF_RANGE[0], CRF_RANGE[1] + 1)),
               "seconds": seconds if drill not in ("hip_flexion_hold", "wall_drill", "wall_calves") else None}
    follow = rng.random() < 0.6
    held = rng.random() < 0.5
    draws = _Draws(*(float(x) for x in rng.random(5)))
    cam = Camera(height_m=_u(rng, 0.5, 1.8), roll_deg=_u(rng, *ROLL_RANGE_DEG, 2), seed=int(rng.integers(0, 2**31)),
                 pan="follow" if follow else "cross", lag_s=_u(rng, 0.05, 0.4),
                 shake=_u(rng, 0.0, 0.008, 4), tilt=_u(rng, 0.0, 0.01, 4), roll_wobble_deg=_u(rng, 0.0, 1.5, 2),
                 motion_blur_px=_u(rng, 1.0, 6.0, 2) if rng.random() < 0.4 else 0.0,
                 defocus_px=_u(rng, 0.4, 1.6, 2) if rng.random() < 0.4 else 0.0)
    share = _u(rng, *STATURE_SHARE_RANGE)
    draws = dataclasses.replace(draws, share=share)
    return style, {**person, **filming, "follow": follow, "held": held}, cam, draws


def random_setup(drill: str, seed: int, params: Mapping[str, Any] | None = None,
                 settings: Mapping[str, Any] | None = None) -> RandomSetup:
    """Sample one randomised clip of ``drill`` (see :func:`_setup_and_plan`)."""
    return _setup_and_plan(drill, seed, params, settings)[0]


def _setup_and_plan(drill: str, seed: int, params: Mapping[str, Any] | None = None,
                    settings: Mapping[str, Any] | None = None) -> tuple[RandomSetup, Plan]:
    """Sample one randomised clip of ``drill`` (see the module's table) and fit the athlete into the frame.

    ``params`` (drill parameters, text or typed) and ``settings`` (:class:`RenderSettings` fields: ``fps``,
    ``size``, ``facing``, ``seconds``, ``crf``) replace the sampled values; everything else comes from the seed.
    A style whose motion is not physical (a foot through the floor, a leg out of reach: the motion programs
    hold only over most of the ranges) is drawn again, and the truth says how many draws it took.

    Raises:
        UnknownDrillError: no such drill.
        KneedriveError: bad parameters or settings, or a figure that cannot be fitted into the frame.

    """
    spec = get_synth_drill(drill)
    unknown = sorted(set(settings or {}) - {"fps", "size", "facing", "seconds", "crf"})
    if unknown:
        raise KneedriveError(f"random renders take fps, size, facing, seconds and crf, not {', '.join(unknown)}.")
    for draw in range(MAX_DRAWS):
        found = _try(spec.name, seed, draw, params, settings)
        if found is not None:
            return found
    raise KneedriveError(f"{spec.name} seed {seed}: no physical motion in {MAX_DRAWS} draws with the parameters "
                         "given; give other --param values or another seed.")


#: How many times one seed may draw again; how far (metres) a foot may graze below the floor.
MAX_DRAWS = 8
FLOOR_TOLERANCE_M = 0.01


def _grounded(pl: Plan) -> bool:
    j = pl.joints
    return all(float(pts[side][:, 1].min()) >= -FLOOR_TOLERANCE_M
               for pts in (j.sole, j.ball, j.heel, j.toe) for side in pts)


def _try(drill: str, seed: int, draw: int, params: Mapping[str, Any] | None,
         settings: Mapping[str, Any] | None) -> tuple[RandomSetup, Plan] | None:
    """One draw of :func:`_setup_and_plan`, or None when its motion is not physical."""
    spec = get_synth_drill(drill)
    style, shot, cam, draws = _sample(spec.name, seed, draw)
    cls = StyledPistonRunParams if spec.name == "piston_run" else spec.params
    values = {k: v for k, v in style.items() if k != "pace"}
    values.update(params or {})
    p = make_params(spec, values, cls)
    chosen = {"fps": shot["fps"], "size": shot["size"], "facing": shot["facing"], "seconds": shot["seconds"],
              "crf": shot["crf"], **{k: v for k, v in (settings or {}).items() if v is not None}}
    travel = spec.name in TRAVELLING
    if not travel:  # a still camera, on a tripod or held
        cam = dataclasses.replace(cam, pan="cross", lag_s=0.0, tilt=0.0, roll_wobble_deg=0.0,
                                  shake=cam.shake / 3.2 if shot["held"] else 0.0)
    base = RenderSettings(fps=float(chosen["fps"]), size=tuple(chosen["size"]), facing=chosen["facing"],
                          seconds=chosen["seconds"], crf=int(chosen["crf"]), seed=shot["seed"],
                          stature_m=shot["stature_m"], physique=shot["physique"], palette=shot["palette"])
    base.check()
    try:
        extent = _extent(spec.name, p, base, travel)
    except ValueError:  # a leg out of reach: the motion program cannot pose this body in this style
        return None
    speed = float(getattr(p, "step_length_m", 0.0) * getattr(p, "cadence_hz", 0.0))
    w, h = base.size
    width_m = extent[1] - extent[0]
    share = min(draws.share, 0.9 * base.stature_m / extent[2], 0.8 * w * base.stature_m / (width_m * h))
    description = {
        "seed": seed, "draw": draw, "drill": spec.name, "style": style,
        "athlete": {"stature_m": base.stature_m, "physique": dataclasses.asdict(base.physique),
                    "palette": dataclasses.asdict(base.palette), "facing": base.facing},
        "filming": {"size": list(base.size), "orientation": "portrait" if h > w else "landscape", "fps": base.fps,
                    "seconds": base.seconds, "crf": base.crf, "backdrop_seed": base.seed},
        "stature_share_drawn": draws.share,
        "overrides": sorted({**(params or {}), **(settings or {})}),
    }
    for _ in range(12):
        fitted = _fit(cam, draws, round(share, 4), extent, base, speed, travel)
        setup = RandomSetup(p, dataclasses.replace(base, camera=fitted), description)
        try:
            pl = plan(spec.name, p, setup.settings)
        except ValueError:
            return None
        if not _grounded(pl):
            return None
        if _inside(pl):
            description["camera"] = dataclasses.asdict(fitted)
            return setup, pl
        share *= 0.9
    raise KneedriveError(f"{spec.name} seed {seed}: the athlete does not fit a {w}x{h} frame; try another --size.")


def render_random(drill: str, seed: int, out: str | Path, params: Mapping[str, Any] | None = None,
                  settings: Mapping[str, Any] | None = None) -> tuple[Path, Path, dict[str, Any]]:
    """Render the clip :func:`random_setup` samples, with its truth (``random`` holds the description)."""
    return render_plan(plan_random(drill, seed, params, settings), out)


def plan_random(drill: str, seed: int, params: Mapping[str, Any] | None = None,
                settings: Mapping[str, Any] | None = None) -> Plan:
    """Plan the randomised clip (motion, framing and truth, nothing drawn): fast, for tests."""
    setup, pl = _setup_and_plan(drill, seed, params, settings)
    truth = pl.truth
    if truth["expected_drill"] == "none":
        whole = 0
    elif truth["heel_raises"]:
        whole = len(truth["heel_raises"])
    elif truth["holds"]:
        whole = len(truth["holds"])
    else:
        whole = drives_seen_whole(truth)
    truth["random"] = {**setup.description, "reps_seen_whole": whole,
                       "angles": "frames: measured in the finished (rolled) frame against the image vertical; "
                                 "parameters and knee_drives: the body's own angles"}
    return pl
