"""Drill definitions as data: loaded from ``drills.toml`` (shipped) and optionally a coach's own file.

A coach's file has the same layout as the shipped one and only needs what it changes: a drill's settings, or
criteria matched by their ``metric``. Unknown drills, keys or metrics are errors that list the valid ones.
"""

from __future__ import annotations

import copy
import enum
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kneedrive_cv.errors import ConfigError, UnknownDrillError
from kneedrive_cv.kinematics.events.cadence import CadenceFrom


class RepKind(enum.StrEnum):
    """What one rep of a drill is: a knee drive, a hold, or a heel raise."""

    DRIVE = "drive"
    HOLD = "hold"
    RAISE = "raise"


#: Per-rep metrics a criterion can score, with what they mean (shown by ``kneedrive drills``).
REP_METRICS: dict[str, str] = {
    "peak_thigh_deg": "thigh angle at the top of the drive (90 = horizontal)",
    "peak_knee_height": "knee height at the top, thigh lengths above the hip",
    "peak_thigh_speed_deg_s": "fastest the thigh swings up during the drive (deg/s): the knee's drive power",
    "heel_rise_thighs": "how high the heel rises in a heel raise, from its rest level just before it, thigh lengths",
    "raise_plantarflexion_deg": "how far the standing ankle plantarflexes in a heel raise, from its rest level (deg)",
    "top_dorsiflexion_deg": "lifted foot's dorsiflexion near the top of the drive (positive: toes up)",
    "soggy_share": "share of the swing or hold with the lifted foot's toes pointing down",
    "trunk_lean_deg": "trunk lean from vertical, forward positive (median over the rep)",
    "trunk_lean_abs_deg": "size of the trunk lean either way (median over the rep)",
    "body_angle_deg": "stance ankle to shoulder line from vertical (wall drill body angle)",
    "body_line_deg": "shoulder-hip-stance ankle angle, 180 straight",
    "hip_shift": "hip position's distance from its place over the set, thigh lengths",
    "stance_knee_deg": "standing leg's knee angle, 180 straight",
    "hold_s": "time the hold position was kept within the drill's criteria",
    "sway": "spread of knee and hip position during the hold, thigh lengths",
    "frozen_arm_swing_deg": "swing of the pocket-side upper arm against the trunk (deg, 5th to 95th percentile)",
    "peak_vs_other_side_deg": "this drive's peak thigh angle minus the other side's typical peak",
    "elbow_knee_lag_s": "time between the elbow's furthest-back point and the same-side knee's peak",
    "touchdown_ahead": "how far ahead of the hips the foot lands after the drive, thigh lengths",
}

_DRILL_KEYS = {"title", "summary", "travelling", "rep", "cadence_from", "criteria", "cadence_min_spm",
               "cadence_max_spm", "target_hold_s", "first_strides"}
_CRITERION_KEYS = {"metric", "min", "max", "tolerance", "weight", "margin", "below", "above"}
#: Default measurement margin of angle metrics: single-camera angles carry about 4-11 deg of error.
ANGLE_MARGIN_DEG = 5.0
_BOUND_KEYS = {"fault", "detail"}
_TOP_KEYS = {"format_version", "faults", "drills"}


@dataclass(frozen=True)
class Bound:
    """The fault a rep shows when a criterion's metric leaves its band on one side."""

    fault: str
    detail: str


@dataclass(frozen=True)
class Criterion:
    """One per-rep metric scored against a band."""

    metric: str
    min: float | None
    max: float | None
    tolerance: float
    weight: float
    below: Bound | None
    above: Bound | None
    margin: float = 0.0


@dataclass(frozen=True)
class Drill:
    """A drill: what a rep is, how cadence is counted, and its criteria."""

    name: str
    title: str
    summary: str
    travelling: bool
    rep: RepKind
    cadence_from: CadenceFrom
    criteria: tuple[Criterion, ...]
    cadence_min_spm: float | None = None
    cadence_max_spm: float | None = None
    target_hold_s: float | None = None
    first_strides: int | None = None


@dataclass(frozen=True)
class DrillBook:
    """All drills and the coaching cue of every fault code; ``sources`` says which files they came from."""

    drills: dict[str, Drill]
    cues: dict[str, str]
    sources: tuple[str, ...]
    raw: dict[str, Any]

    def get(self, name: str) -> Drill:
        """The drill called ``name`` (``-`` and ``_`` are the same)."""
        key = name.strip().lower().replace("-", "_")
        if key not in self.drills:
            raise UnknownDrillError(f"unknown drill '{name}'. Valid drills: {', '.join(self.drills)} (or 'auto').")
        return self.drills[key]

    def cue(self, code: str) -> str:
        """The coach's cue for a fault code."""
        return self.cues.get(code, code.replace("_", " "))


def _check_keys(where: str, given: dict[str, Any], valid: set[str]) -> None:
    unknown = sorted(set(given) - valid)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}. Valid keys: {', '.join(sorted(valid))}.")


def _merge_user(base: dict[str, Any], user: dict[str, Any], source: str) -> dict[str, Any]:
    _check_keys(source, user, _TOP_KEYS)
    out = copy.deepcopy(base)
    out["faults"].update(user.get("faults", {}))
    for name, changes in user.get("drills", {}).items():
        if name not in out["drills"]:
            raise UnknownDrillError(f"{source}: unknown drill '{name}'. Valid drills: {', '.join(out['drills'])}.")
        _check_keys(f"{source}: drills.{name}", changes, _DRILL_KEYS)
        drill = out["drills"][name]
        for key, value in changes.items():
            if key != "criteria":
                drill[key] = value
        for crit in changes.get("criteria", []):
            metric = crit.get("metric")
            match = [c for c in drill["criteria"] if c["metric"] == metric]
            if match:
                match[0].update(crit)
            else:
                drill["criteria"].append(crit)
    return out


def _bound(where: str, data: dict[str, Any] | None, cues: dict[str, str]) -> Bound | None:
    if data is None:
        return None
    _check_keys(where, data, _BOUND_KEYS)
    if data.get("fault") not in cues:
        raise ConfigError(f"{where}: fault '{data.get('fault')}' has no cue in [faults]. Known: {', '.join(cues)}.")
    return Bound(str(data["fault"]), str(data.get("detail", "{value:.1f}")))


def _criterion(where: str, data: dict[str, Any], cues: dict[str, str]) -> Criterion:
    _check_keys(where, data, _CRITERION_KEYS)
    metric = data.get("metric")
    if metric not in REP_METRICS:
        raise ConfigError(f"{where}: unknown metric '{metric}'. Valid metrics: {', '.join(REP_METRICS)}.")
    lo, hi = data.get("min"), data.get("max")
    if lo is None and hi is None:
        raise ConfigError(f"{where}: criterion on {metric} needs a min, a max or both.")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"{where}: min {lo} is above max {hi}.")
    default_margin = ANGLE_MARGIN_DEG if str(metric).endswith("_deg") else 0.0
    try:
        tolerance, weight = float(data.get("tolerance", 10.0)), float(data.get("weight", 1.0))
        margin = float(data.get("margin", default_margin))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: tolerance and weight must be numbers ({exc}).") from exc
    if tolerance <= 0 or weight < 0 or margin < 0:
        raise ConfigError(f"{where}: tolerance must be positive, weight and margin not negative.")
    return Criterion(str(metric), None if lo is None else float(lo), None if hi is None else float(hi), tolerance,
                     weight, _bound(f"{where}.below", data.get("below"), cues),
                     _bound(f"{where}.above", data.get("above"), cues), margin)


def _drill(name: str, data: dict[str, Any], cues: dict[str, str]) -> Drill:
    where = f"drills.{name}"
    _check_keys(where, data, _DRILL_KEYS)
    if data.get("rep") not in tuple(RepKind):
        raise ConfigError(f"{where}: rep must be 'drive', 'hold' or 'raise', found {data.get('rep')!r}.")
    if data.get("cadence_from") not in tuple(CadenceFrom):
        raise ConfigError(f"{where}: cadence_from must be 'drives', 'contacts' or 'raises', "
                          f"found {data.get('cadence_from')!r}.")
    criteria = tuple(_criterion(f"{where}.criteria[{i}]", c, cues) for i, c in enumerate(data.get("criteria", [])))
    optional = {k: data.get(k) for k in ("cadence_min_spm", "cadence_max_spm", "target_hold_s", "first_strides")}
    return Drill(name, str(data.get("title", name)), str(data.get("summary", "")), bool(data.get("travelling")),
                 RepKind(data["rep"]), CadenceFrom(data["cadence_from"]), criteria, **optional)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"thresholds file {path}: no such file.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"thresholds file {path} is not valid TOML ({exc}).") from exc


def load_drills(user_file: str | os.PathLike[str] | None = None) -> DrillBook:
    """The shipped drills, with a coach's file (same layout, only the changes) applied on top."""
    with resources.files("kneedrive_cv.scoring").joinpath("drills.toml").open("rb") as fh:
        data = tomllib.load(fh)
    sources = ["kneedrive_cv/scoring/drills.toml (shipped)"]
    if user_file is not None:
        data = _merge_user(data, _read_toml(Path(user_file)), str(user_file))
        sources.append(str(user_file))
    cues = {str(k): str(v) for k, v in data["faults"].items()}
    drills = {name: _drill(name, d, cues) for name, d in data["drills"].items()}
    return DrillBook(drills, cues, tuple(sources), data)
