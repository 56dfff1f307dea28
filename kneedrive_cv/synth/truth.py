"""The truth beside a rendered clip: docs/METRICS.md quantities measured on the drawn skeleton, and the events.

Angles are measured in pixels of the finished (possibly mirrored) frame by the docs/METRICS.md definitions, so
they are what a perfect pose estimate would give. Left and right are the athlete's own. The camera sees
the athlete's right side when they face image-right and their left side when they face image-left (as a
camera in the stand sees a runner on the home straight), so ``near_side`` equals ``facing``.

Schema (``format`` ``kneedrive-synth-truth``, ``version`` 1): see :data:`TRUTH_KEYS` and the module
``kneedrive_cv.synth`` docstring.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv.files import write_atomic
from kneedrive_cv.landmarks import Side
from kneedrive_cv.synth.body import Joints
from kneedrive_cv.synth.gait import Contact
from kneedrive_cv.synth.program import ProgramResult, contact_cadence_spm, drive_cadence_spm

TRUTH_FORMAT = "kneedrive-synth-truth"
TRUTH_VERSION = 1

#: Top-level keys of a truth file.
TRUTH_KEYS = ("format", "version", "drill", "expected_drill", "facing", "near_side", "fps", "width", "height",
              "n_frames", "duration_s", "px_per_m", "thigh_length_px", "stature_m", "travelling", "parameters",
              "derived", "faults", "knee_drives", "rep_count", "cadence_spm", "cadence_basis", "hold_s", "holds",
              "heel_raises", "contacts", "frames", "landmarks_px")

#: Per-frame columns under ``frames`` (lists of one value per frame).
FRAME_KEYS = ("t_s", "thigh_angle_left", "thigh_angle_right", "knee_height_left", "knee_height_right",
              "dorsiflexion_left", "dorsiflexion_right", "trunk_lean", "body_line", "body_angle",
              "elbow_angle_left", "elbow_angle_right", "contact_left", "contact_right", "stance_side")


def truth_path_for(clip: str | os.PathLike[str]) -> Path:
    """``CLIP.truth.json`` beside ``CLIP.mp4``."""
    clip = Path(clip)
    return clip.with_name(f"{clip.stem}.truth.json")


def landmarks_px(j: Joints, to_px: Any) -> dict[str, np.ndarray]:
    """Named points (MediaPipe's names, lower case) in pixels of the finished frame, each (frames, 2).

    ``to_px`` maps world points (frames, 2) to finished-frame pixels. Points the camera cannot tell apart
    in a side view (the two hips, shoulders, ears) share a position.
    """
    out = {"nose": to_px(j.face["nose"])}
    for s in Side:
        n = s.value
        out[f"{n}_eye"] = to_px(j.face["eye"])
        out[f"{n}_ear"] = to_px(j.face["ear"])
        out[f"{n}_shoulder"] = to_px(j.shoulder)
        out[f"{n}_elbow"] = to_px(j.elbow[s])
        out[f"{n}_wrist"] = to_px(j.wrist[s])
        out[f"{n}_index"] = to_px(j.knuckles[s])
        out[f"{n}_hip"] = to_px(j.hip)
        out[f"{n}_knee"] = to_px(j.knee[s])
        out[f"{n}_ankle"] = to_px(j.ankle[s])
        out[f"{n}_heel"] = to_px(j.heel[s])
        out[f"{n}_foot_index"] = to_px(j.toe[s])
    return out


def _interior(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    u, w = a - b, c - b
    cos = np.sum(u * w, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(w, axis=1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def frame_metrics(lm: dict[str, np.ndarray], facing: Side, contact: dict[Side, np.ndarray]) -> dict[str, np.ndarray]:
    """docs/METRICS.md per-frame quantities from pixel points (y down); ``facing`` is the image side faced."""
    f = 1.0 if facing is Side.RIGHT else -1.0
    out: dict[str, np.ndarray] = {}
    hip = lm["left_hip"]
    thigh_len = float(np.median(np.linalg.norm(lm["left_knee"] - hip, axis=1)))
    for s in Side:
        n = s.value
        knee, ankle = lm[f"{n}_knee"], lm[f"{n}_ankle"]
        v = knee - hip
        out[f"thigh_angle_{n}"] = np.degrees(np.arctan2(f * v[:, 0], v[:, 1]))
        out[f"knee_height_{n}"] = (hip[:, 1] - knee[:, 1]) / thigh_len
        out[f"dorsiflexion_{n}"] = 90.0 - _interior(knee, ankle, ankle + lm[f"{n}_foot_index"] - lm[f"{n}_heel"])
        out[f"elbow_angle_{n}"] = _interior(lm[f"{n}_shoulder"], lm[f"{n}_elbow"], lm[f"{n}_wrist"])
    sh = lm["left_shoulder"]
    out["trunk_lean"] = np.degrees(np.arctan2(f * (sh[:, 0] - hip[:, 0]), hip[:, 1] - sh[:, 1]))
    # the stance side: the foot on the floor; with both or neither down, the leg whose knee is lower
    left_lower = lm["left_knee"][:, 1] >= lm["right_knee"][:, 1]
    cl, cr = contact[Side.LEFT], contact[Side.RIGHT]
    stance_left = np.where(cl & ~cr, True, np.where(cr & ~cl, False, left_lower))
    ankle = np.where(stance_left[:, None], lm["left_ankle"], lm["right_ankle"])
    out["body_line"] = _interior(sh, hip, ankle)
    out["body_angle"] = np.degrees(np.arctan2(f * (sh[:, 0] - ankle[:, 0]), ankle[:, 1] - sh[:, 1]))
    out["stance_left"] = stance_left
    out["thigh_length_px"] = np.array(thigh_len)
    return out


def _contact_row(c: Contact, prog: ProgramResult, lm: dict[str, np.ndarray], m: dict[str, np.ndarray],
                 facing: Side, duration: float) -> dict[str, Any]:
    """One foot contact; for a touchdown inside the clip, where the foot landed relative to the hips.

    ``ball_ahead_m``: the ball of the foot ahead of the hip joint at touchdown (metres, exact);
    ``heel_ahead_thighs``: the heel landmark ahead of the hips, in thigh lengths, in the first frame of the
    contact (what a pose-based "feet land under the hips" check sees).
    """
    row: dict[str, Any] = {"side": c.side.value, "t_on_s": _num(c.t_on_s) if c.t_on_s >= 0 else None,
                           "t_off_s": _num(c.t_off_s) if c.t_off_s <= duration else None,
                           "ball_ahead_m": None, "heel_ahead_thighs": None}
    t = prog.motion.t_s
    if 0.0 <= c.t_on_s <= duration:
        hip_x = float(np.interp(c.t_on_s, t, prog.motion.pelvis[:, 0]))
        row["ball_ahead_m"] = _num(c.ball_x_m - hip_x)
        i = min(int(np.searchsorted(t, c.t_on_s - 1e-9)), len(t) - 1)
        f = 1.0 if facing is Side.RIGHT else -1.0
        heel, hip = lm[f"{c.side.value}_heel"][i, 0], lm["left_hip"][i, 0]
        row["heel_ahead_thighs"] = _num(f * (heel - hip) / float(m["thigh_length_px"]))
    return row


def _num(x: float | None, nd: int = 4) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


def build_truth(prog: ProgramResult, lm: dict[str, np.ndarray], *, drill: str, facing: Side, fps: float,
                size: tuple[int, int], px_per_m: float, thigh_length_m: float, stature_m: float,
                params: Any) -> dict[str, Any]:
    """Build the truth document (a JSON-ready dict) for one clip."""
    t = prog.motion.t_s
    n = len(t)
    duration = float(t[-1]) if n else 0.0
    contact = prog.motion.contact
    m = frame_metrics(lm, facing, contact)
    frames: dict[str, list[Any]] = {"t_s": [round(float(x), 6) for x in t]}
    for key in FRAME_KEYS[1:-3]:
        frames[key] = [round(float(x), 3) for x in m[key]]
    frames["contact_left"] = [bool(x) for x in contact[Side.LEFT]]
    frames["contact_right"] = [bool(x) for x in contact[Side.RIGHT]]
    frames["stance_side"] = ["left" if x else "right" for x in m["stance_left"]]
    is_drill = prog.expected_drill != "none"
    with_drives = is_drill if prog.drives_in_truth is None else prog.drives_in_truth
    drives = [d for d in prog.drives if 0.0 <= d.t_peak_s <= duration] if with_drives else []
    drive_rows = []
    for d in drives:
        codes = [c for c in prog.faults if c not in prog.side_faults or d.side in prog.side_faults[c]]
        drive_rows.append({"side": d.side.value, "t_start_s": _num(d.t_start_s), "t_peak_s": _num(d.t_peak_s),
                           "t_end_s": _num(d.t_end_s), "thigh_peak_deg": _num(d.thigh_peak_deg, 3),
                           "complete": bool(d.t_start_s >= 0.0 and d.t_end_s <= duration), "faults": codes})
    contacts = [_contact_row(c, prog, lm, m, facing, duration) for c in prog.contacts
                if c.t_off_s >= 0 and c.t_on_s <= duration]
    if prog.travelling:
        cadence, basis = contact_cadence_spm(prog.contacts, duration), "foot_contacts"
    else:
        cadence, basis = drive_cadence_spm(drives), "knee_drives"
    near = facing
    # holds as seen in the clip (a clip cut short shows less of a hold); hold_s is the longest one
    seen = [(s, a, min(b, duration)) for s, a, b in prog.holds if a < duration]
    holds = [{"side": s.value, "t_start_s": _num(a), "t_end_s": _num(b), "hold_s": _num(b - a)} for s, a, b in seen]
    hold_s = max((b - a for _, a, b in seen), default=None)
    raises = [{k: _num(v) if isinstance(v, float) else v for k, v in r.items()} for r in prog.raises
              if r["t_end_s"] <= duration]
    if raises:  # sprinter's calves: the heel raises are the reps, and their rate the cadence
        peaks = [float(r["t_peak_s"]) for r in prog.raises if r["t_end_s"] <= duration]
        cadence = 60.0 * (len(peaks) - 1) / (peaks[-1] - peaks[0]) if len(peaks) > 1 else None
        basis = "heel_raises"
    return {
        "format": TRUTH_FORMAT, "version": TRUTH_VERSION, "drill": drill, "expected_drill": prog.expected_drill,
        "facing": facing.value, "near_side": near.value, "fps": float(fps), "width": int(size[0]),
        "height": int(size[1]), "n_frames": n, "duration_s": _num(duration, 6), "px_per_m": _num(px_per_m),
        "thigh_length_px": _num(thigh_length_m * px_per_m), "stature_m": stature_m,
        "travelling": prog.travelling, "parameters": dataclasses.asdict(params),
        "derived": {k: (_num(v) if isinstance(v, float) else v) for k, v in prog.notes.items()},
        "faults": list(prog.faults), "knee_drives": drive_rows,
        "rep_count": len(raises) if prog.raises else len(holds) if prog.holds else len(drive_rows),
        "cadence_spm": _num(cadence, 3), "cadence_basis": basis,
        "hold_s": _num(hold_s), "holds": holds, "heel_raises": raises,
        "contacts": contacts, "frames": frames,
        "landmarks_px": {k: np.round(v, 2).tolist() for k, v in lm.items()},
    }


def write_truth(truth: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the truth JSON (compact, one file, replaced whole)."""
    return write_atomic(path, json.dumps(truth, separators=(",", ":")))


def load_truth(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a truth file written by :func:`write_truth`."""
    return dict(json.loads(Path(path).read_text()))


def truth_series(truth: dict[str, Any], name: str) -> np.ndarray:
    """One per-frame column of a truth file (docs/METRICS.md name) as floats, NaN where undefined."""
    return np.asarray(truth["frames"][name], float)


#: A drive the clip cuts off counts as seen whole when the thigh at the cut is within this share of the drive's
#: swing above its low point (the analysis calls such a drive complete too).
EDGE_SWING_SHARE = 0.15


def drives_seen_whole(truth: dict[str, Any]) -> int:
    """How many of the truth's knee drives a clip shows whole, by the analysis's own rule for the clip's edges.

    A drive is whole when, between its peak and each edge of the clip, the thigh comes within EDGE_SWING_SHARE
    of its swing above the leg's low point (:func:`_edge_gaps`). The rule decides every drive, including one the
    renderer began or ended a sliver inside the clip: the renderer's own start and end of a drive are not where
    the thigh crosses that level, and a drive it ends a frame before the last can still be high there.
    """
    return sum(all(gap <= 0 for gap in _edge_gaps(truth, d)) for d in truth["knee_drives"])


def _edge_gaps(truth: dict[str, Any], drive: dict[str, Any]) -> tuple[float, float]:
    """Signed gaps (s) between the clip's start and end and where the drive crosses its deciding level.

    The level is EDGE_SWING_SHARE of the drive's swing above the leg's low point. Negative when the thigh crosses
    the level between the edge and the peak (the drive is whole on that side: minus the time from the edge to
    that crossing), positive when it is above the level all the way to the edge (cut: the time by which the
    crossing lies outside the clip, extrapolated from the edge frames).
    """
    thigh = truth_series(truth, f"thigh_angle_{drive['side']}")
    t = truth_series(truth, "t_s")
    low = float(np.nanpercentile(thigh, 5))
    level = low + EDGE_SWING_SHARE * (float(drive["thigh_peak_deg"]) - low)
    p = int(np.argmin(np.abs(t - float(drive["t_peak_s"]))))
    gaps = []
    for at_start in (True, False):
        side = thigh[p::-1] if at_start else thigh[p:]
        below = np.flatnonzero(side <= level)
        if len(below) == 0:
            gaps.append(_edge_gap_s(thigh, float(truth["fps"]), level, at_start))
            continue
        j = int(below[0])  # frames from the peak to the first at or under the level; the crossing is just before
        frac = (side[j - 1] - level) / (side[j - 1] - side[j]) if j > 0 and side[j - 1] != side[j] else 1.0
        crossing = p - (j - 1 + frac) if at_start else p + (j - 1 + frac)
        from_edge = crossing if at_start else len(thigh) - 1 - crossing
        gaps.append(-float(from_edge) / float(truth["fps"]))
    return gaps[0], gaps[1]


def _edge_gap_s(thigh: np.ndarray, fps: float, level: float, at_start: bool) -> float:
    """Seconds between the clip's edge and where the thigh crosses ``level`` next to it, signed.

    Positive when the thigh is above ``level`` at the edge (the drive is cut), negative when it is below; the
    crossing is read between frames, or extrapolated from the first (last) two frames when it lies outside
    the clip.
    """
    series = thigh if at_start else thigh[::-1]
    if not np.isfinite(series[:2]).all():
        return float("nan")
    if series[0] <= level:
        above = np.flatnonzero(series > level)
        if not len(above):
            return float("-inf")
        j = int(above[0])
        return -float((j - 1 + (level - series[j - 1]) / (series[j] - series[j - 1])) / fps)
    slope = (series[1] - series[0]) * fps  # rising into the clip means the level was crossed before it
    return float((series[0] - level) / slope) if slope > 0 else float("inf")


#: A drive the clip's edge cuts within this many frames of the level that decides whether it is whole can be
#: called either way (``drives_seen_whole_range``): its peak is timed to about a frame, and the rise time the
#: analysis learns from the leg's other drives varies by about another.
EDGE_TOLERANCE_FRAMES = 2
#: ... and never less than this: at 100-120 fps the landmarks' own noise moves a crossing by several frames.
EDGE_TOLERANCE_MIN_S = 0.04


def edge_tolerance_s(truth: dict[str, Any]) -> float:
    """How close to a clip's edge a drive's cut may fall and still be counted either way."""
    return max(EDGE_TOLERANCE_FRAMES / float(truth["fps"]), EDGE_TOLERANCE_MIN_S)


def drives_seen_whole_range(truth: dict[str, Any], tolerance_s: float | None = None) -> tuple[int, int]:
    """The fewest and most drives a clip shows whole, a drive cut at an edge within ``tolerance_s`` counted either way.

    :func:`drives_seen_whole` decides a drive near the clip's edge by where the thigh crosses the level that
    decides it (EDGE_SWING_SHARE of its swing). When that crossing lies within ``tolerance_s`` (default
    :func:`edge_tolerance_s`) of the edge, inside the clip or outside it, a measurement whose timing is good to
    that much can call it either way: both answers are right. Where no drive is that close to an edge, both
    figures are drives_seen_whole's.
    """
    tolerance_s = edge_tolerance_s(truth) if tolerance_s is None else tolerance_s
    fewest = most = 0
    for d in truth["knee_drives"]:
        gaps = _edge_gaps(truth, d)
        whole = all(gap <= 0 for gap in gaps)
        either = any(abs(gap) <= tolerance_s for gap in gaps)
        fewest += int(whole and not either)
        most += int(whole or either)
    return fewest, most
