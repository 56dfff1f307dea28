"""The renderable drills by name, their parameter classes, and parameters from ``key=value`` text."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kneedrive_cv.errors import KneedriveError, UnknownDrillError
from kneedrive_cv.synth.body import Proportions
from kneedrive_cv.synth.calves import WallCalvesParams, calves_seconds, wall_calves
from kneedrive_cv.synth.lunge import LungeDriveParams, lunge_drive, lunge_drive_seconds
from kneedrive_cv.synth.on_the_spot import (
    HighKneesParams,
    HipFlexionHoldParams,
    WallDrillParams,
    high_knees,
    hip_flexion_hold,
    wall_drill,
)
from kneedrive_cv.synth.program import ProgramResult
from kneedrive_cv.synth.travelling import (
    PistonRunParams,
    PocketRunParams,
    RunningParams,
    WalkingParams,
    piston_run,
    pocket_run,
    running,
    walking,
)

Program = Callable[[Any, np.ndarray, Proportions], ProgramResult]


@dataclass(frozen=True)
class SynthDrill:
    """A drill the renderer can perform: its parameter class, motion program and natural clip length."""

    name: str
    params: type
    program: Program
    seconds: float | Callable[[Any], float]
    summary: str


def _hold_seconds(p: HipFlexionHoldParams) -> float:
    return p.lead_s + max(1, p.holds) * (2 * p.lift_s + p.hold_s + p.rest_s)


def _wall_seconds(p: WallDrillParams) -> float:
    per = 1.0 / p.rate_hz
    if p.mode == "single":
        return p.lead_s + 2 * min(0.45, 0.4 * per) + p.hold_top_s + 0.8
    return p.lead_s + max(1, p.drives) * per + 0.7


SYNTH_DRILLS: dict[str, SynthDrill] = {d.name: d for d in (
    SynthDrill("hip_flexion_hold", HipFlexionHoldParams, hip_flexion_hold, _hold_seconds,
               "isometric hip-flexion hold on the spot"),
    SynthDrill("wall_drill", WallDrillParams, wall_drill, _wall_seconds, "hands on a wall, knee drives"),
    SynthDrill("pocket_run", PocketRunParams, pocket_run, 6.0, "travelling run with one arm in the pocket"),
    SynthDrill("piston_run", PistonRunParams, piston_run, 6.0, "travelling run, legs like pistons"),
    SynthDrill("walking", WalkingParams, walking, 5.0, "plain walking (not a drill)"),
    SynthDrill("high_knees", HighKneesParams, high_knees, 5.0, "alternating high knees on the spot"),
    SynthDrill("running", RunningParams, running, 5.0, "running, jogging or sprinting (not a drill)"),
    SynthDrill("lunge_drive", LungeDriveParams, lunge_drive, lunge_drive_seconds,
               "reverse lunge to a held knee drive, the same leg every rep (not a drill)"),
    SynthDrill("wall_calves", WallCalvesParams, wall_calves, calves_seconds,
               "wall drill's sprinter's calves: one knee held up, the other heel raised again and again"),
)}


def get_synth_drill(name: str) -> SynthDrill:
    """Look up the drill called ``name`` (``piston-run`` is accepted for ``piston_run``).

    Raises:
        UnknownDrillError: no such drill; the message lists the valid names.

    """
    key = name.strip().lower().replace("-", "_")
    if key not in SYNTH_DRILLS:
        raise UnknownDrillError(f"cannot render drill {name!r}: the renderer knows {', '.join(SYNTH_DRILLS)}.")
    return SYNTH_DRILLS[key]


def _convert(text: str, annotation: Any, key: str) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    optional = isinstance(annotation, types.UnionType) and type(None) in typing.get_args(annotation)
    kind = args[0] if optional and args else annotation
    if optional and text.strip().lower() in ("none", ""):
        return None
    try:
        if kind is bool:
            low = text.strip().lower()
            if low not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
                raise ValueError(text)
            return low in ("true", "yes", "1", "on")
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise KneedriveError(f"parameter {key}={text!r}: expected a {kind.__name__}.") from None
    return text.strip()


def make_params(drill: SynthDrill, values: Mapping[str, Any] | None = None, cls: type | None = None) -> Any:
    """Build the drill's parameters: defaults overridden by ``values`` (text from the command line, or typed).

    ``cls`` builds a subclass of the drill's parameters instead (one with style knobs, for randomised renders).

    Raises:
        KneedriveError: an unknown key (the message lists the valid ones) or a value of the wrong type.

    """
    values = dict(values or {})
    cls = cls or drill.params
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise KneedriveError(f"{drill.name} has no parameter {', '.join(unknown)}; its parameters are: "
                             f"{', '.join(names)}.")
    typed = {k: _convert(v, hints[k], k) if isinstance(v, str) else v for k, v in values.items()}
    return cls(**typed)


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """Turn ``["key=value", ...]`` into a dict.

    Raises:
        KneedriveError: an item without ``=``.

    """
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise KneedriveError(f"--param {item!r}: expected key=value, e.g. --param cadence_hz=4.2.")
        out[key.strip()] = value
    return out


def natural_seconds(drill: SynthDrill, params: Any) -> float:
    """How long the drill's clip is when no length is asked for."""
    return drill.seconds(params) if callable(drill.seconds) else float(drill.seconds)
