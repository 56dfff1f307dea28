"""Accuracy of the whole analysis against truth: rendered athletes with exact truth, and real clips with truth.

    python benchmarks/accuracy.py                # every setting twice (both facings, 30 and 60 fps)
    python benchmarks/accuracy.py --quick        # every setting once
    python benchmarks/accuracy.py --out my.json  # another place for the figures (a .txt copy goes beside it)

Rendered clips (``kneedrive_cv.synth``) are kept in ``.cache/bench-clips/<hash of the renderer's source>/``,
so a rerun renders nothing until the renderer changes; pose tracks go to ``$KNEEDRIVE_CACHE`` or else
``.cache/bench-tracks/``, so a rerun runs no pose model either. Each clip is analysed exactly as
``kneedrive analyse`` does (``analyse(clip)``, drill ``auto``) and compared with its truth:

- per-frame metrics (docs/METRICS.md definitions): absolute error pooled over every frame where both the truth and
  the analysis have a value; the near leg (the side facing the camera) and the far leg separately; the
  share of truth frames the analysis measured ("seen");
- cadence error (%) of the drills (walking's, reported without a drill, is shown in its own row),
  rep-count error (complete knee drives, counted on the truth by ``kneedrive_cv.synth.truth.drives_seen_whole``
  as the tests count them; holds: reps scored; walking: reps scored, truth 0), drill recognised, hold time;
- leg identity: the share of frames whose left and right thighs fit the truth better swapped (frames where
  the true thighs are over 15 deg apart);
- faults: a planted fault (``truth["faults"]``) is found when the set shows it or at least half the reps
  show it (of the reps on the side(s) the truth plants it on: a dragged leg is one side's fault); a false
  fault is a code shown on more than a fifth of the reps, or by the set, that was not planted (``low_knee``
  beside a planted ``dragged_leg`` is listed as implied, not false). A missed fault is marked where the
  analysis said a rep metric could not be measured in that clip (e.g. a pocket arm hidden behind the body).

The real clips with truth in ``../shared/real_videos/README.md`` are analysed too where that folder exists.
Figures go to ``benchmarks/results/accuracy.json`` (``accuracy-quick.json`` with ``--quick``), the printed
tables to the ``.txt`` beside it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from common import (  # benchmarks/common.py, beside this script
    EDGE_WINDOW_S,
    Report,
    cached_render,
    machine,
    num,
    renderer_hash,
    rep_counts,
)

from kneedrive_cv.synth.truth import truth_series

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"
RESULTS = ROOT / "benchmarks" / "results"


@dataclass(frozen=True)
class Setting:
    """One parameter setting of a drill, rendered once or twice (``seconds`` None: the drill's own length)."""

    name: str
    drill: str
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = 4.0


SETTINGS = (
    Setting("hold_clean", "hip_flexion_hold", {"hold_s": 4.0}, None),
    Setting("hold_soggy", "hip_flexion_hold", {"hold_s": 4.0, "foot": "soggy"}, None),
    Setting("hold_short", "hip_flexion_hold", {"hold_s": 1.6}, None),
    Setting("wall_clean", "wall_drill", {"drives": 5}, None),
    Setting("wall_piked", "wall_drill", {"drives": 5, "hips": "piked"}, None),
    Setting("wall_sagging", "wall_drill", {"drives": 5, "hips": "sagging"}, None),
    Setting("wall_slow_0.8hz", "wall_drill", {"drives": 4, "rate_hz": 0.8}, None),
    Setting("wall_fast_2hz", "wall_drill", {"drives": 8, "rate_hz": 2.0}, None),
    Setting("pocket_clean_right", "pocket_run", {"frozen_side": "right"}),
    Setting("pocket_clean_left", "pocket_run", {"frozen_side": "left"}),
    Setting("pocket_dragged_leg", "pocket_run", {"dragged_leg": True}),
    Setting("pocket_arm_drifting", "pocket_run", {"frozen_side": "right", "frozen_arm_swing_deg": 12.0}),
    Setting("piston_clean", "piston_run"),
    Setting("piston_hunched", "piston_run", {"posture": "hunched"}),
    Setting("piston_leaning_back", "piston_run", {"posture": "leaning_back"}),
    Setting("piston_exaggerated_knees", "piston_run", {"exaggerated_knees": True}),
    Setting("piston_3.5hz", "piston_run", {"cadence_hz": 3.5}),
    Setting("piston_4.5hz", "piston_run", {"cadence_hz": 4.5}),
    Setting("walking", "walking"),
)

#: Facing and frame rate of each rendering: settings alternate between the two pairs, so every setting is
#: seen facing both ways and at both frame rates, and the quick run (first of each pair) still has all four.
COMBOS = ((("right", 30.0), ("left", 60.0)), (("left", 30.0), ("right", 60.0)))

#: (label, truth/analysis column, which leg, unit) of the per-frame metrics compared.
FRAME_METRICS = (
    ("thigh angle, near leg", "thigh_angle", "near", "deg"),
    ("thigh angle, far leg", "thigh_angle", "far", "deg"),
    ("knee height, near leg", "knee_height", "near", "thighs"),
    ("knee height, far leg", "knee_height", "far", "thighs"),
    ("dorsiflexion, near foot", "dorsiflexion", "near", "deg"),
    ("dorsiflexion, far foot", "dorsiflexion", "far", "deg"),
    ("trunk lean", "trunk_lean", None, "deg"),
    ("body line", "body_line", None, "deg"),
)

#: The real clips with truth (../shared/real_videos/README.md).
HIGH_KNEES = "high_knees_side_gym_60fps.mp4"
GAITLAB = "gaitlab_male_side_treadmill.mp4"
NO_DRILL = ("jumping_jacks_front_gym_60fps.mp4", "walking_side_gym_wall.mp4")
TRUTH_GAITLAB_SPM = 168.9
TRUTH_HK_DRIVES, TRUTH_HK_INTERVAL_S, TRUTH_HK_RATE, TRUTH_HK_PEAK_DEG = 18, 0.33, 181.0, 90.0


#: Codes a planted fault makes true as well (not counted false): a dragged leg's knee is low.
IMPLIED = {"dragged_leg": ("low_knee",)}


@dataclass(frozen=True)
class Job:
    """A clip to analyse: a rendering of a setting (``truth`` known exactly) or a real clip."""

    name: str
    clip: Path
    tracks: Path
    setting: Setting | None = None
    facing: str = "right"
    fps: float = 30.0


def make_jobs(quick: bool, tracks: Path) -> list[Job]:
    folder = ROOT / ".cache" / "bench-clips" / renderer_hash()
    jobs = []
    for i, s in enumerate(SETTINGS):
        combos = COMBOS[i % 2][:1] if quick else COMBOS[i % 2]
        for facing, fps in combos:
            name = f"{s.name}-{facing}-{fps:.0f}fps"
            jobs.append(Job(name, folder / f"{name}.mp4", tracks, s, facing, fps))
    jobs += [Job(name, REAL / name, tracks) for name in (GAITLAB, HIGH_KNEES, *NO_DRILL) if (REAL / name).exists()]
    # longest first, so the two workers finish together
    return sorted(jobs, key=lambda j: -(j.fps * ((j.setting.seconds or 6.0) if j.setting else 12.0)))


# ---------------------------------------------------------------- work done in the worker processes


def run_job(job: Job) -> dict[str, Any]:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.pose.cache import TrackCache

    truth = render_if_missing(job) if job.setting else None
    start = time.perf_counter()
    result = analyse(job.clip, cache=TrackCache(job.tracks))
    out = {"name": job.name, "analyse_s": time.perf_counter() - start, "from_cache": result.from_cache,
           "drill": result.drill_name, "drill_confidence": result.recognition.confidence,
           "cadence_spm": num(result.cadence_spm), "reps": len(result.reps),
           "complete_drives": [(d.side.value, d.t_peak_s, num(d.peak_thigh_deg))
                               for d in result.events.complete_drives]}
    if truth is not None and job.setting is not None:
        out.update(compare(result, truth, job))
    return out


def render_if_missing(job: Job) -> dict[str, Any]:
    """The clip's truth, rendering the clip first unless a whole one is in the cache."""
    from kneedrive_cv.synth import RenderSettings, render

    setting = job.setting
    assert setting is not None
    return cached_render(job.clip, lambda path: render(setting.drill, path, setting.params, RenderSettings(
        fps=job.fps, facing=job.facing, seconds=setting.seconds))[:2])


def compare(result: Any, truth: dict[str, Any], job: Job) -> dict[str, Any]:
    """Everything this clip says about accuracy (per-frame errors kept raw, for pooling)."""
    near = truth["near_side"]
    legs = {"near": near, "far": "left" if near == "right" else "right"}
    if len(result.frames) != truth["n_frames"]:
        raise RuntimeError(f"{job.name}: {len(result.frames)} frames analysed, truth has {truth['n_frames']}")
    errors, seen = {}, {}
    for label, column, leg, _ in FRAME_METRICS:
        name = f"{column}_{legs[leg]}" if leg else column
        want, got = truth_series(truth, name), np.asarray(result.frames[name], float)
        both = np.isfinite(want) & np.isfinite(got)
        errors[label] = got[both] - want[both]
        seen[label] = (int(both.sum()), int(np.isfinite(want).sum()))
    assert job.setting is not None
    want_cad, got_cad = truth["cadence_spm"], num(result.cadence_spm)
    unmeasured = sorted({m for r in result.reps for m in r.unmeasured})
    return {"setting": job.setting.name, "drill_rendered": truth["drill"], "expected_drill": truth["expected_drill"],
            "facing": job.facing, "fps": job.fps, "frames": truth["n_frames"], "signed_errors": errors,
            "seen": seen, "legs_swapped": legs_swapped(result, truth), "unmeasured": unmeasured,
            "truth_cadence_spm": want_cad,
            "cadence_error_pct": 100 * (got_cad - want_cad) / want_cad if want_cad and got_cad else None,
            **rep_counts(result, truth), **judge_faults(result, truth),
            "hold_s": num(result.score.hold_s) if result.score else None, "truth_hold_s": truth["hold_s"]}


def legs_swapped(result: Any, truth: dict[str, Any]) -> tuple[int, int]:
    """(frames where the analysis's left and right thighs fit the truth better swapped, frames judged).

    Judged: frames where the truth's thighs are more than 15 deg apart and both are measured.
    """
    left, right = truth_series(truth, "thigh_angle_left"), truth_series(truth, "thigh_angle_right")
    got_l, got_r = (np.asarray(result.frames[f"thigh_angle_{s}"], float) for s in ("left", "right"))
    kept = np.abs(got_l - left) + np.abs(got_r - right)
    swapped = np.abs(got_l - right) + np.abs(got_r - left)
    judged = np.isfinite(kept) & np.isfinite(swapped) & (np.abs(left - right) > 15.0)
    return int(np.sum(swapped[judged] < kept[judged])), int(judged.sum())


def judge_faults(result: Any, truth: dict[str, Any]) -> dict[str, Any]:
    reps = result.reps
    counts = Counter(f.code for r in reps for f in r.faults)
    set_codes = {f.code for f in result.score.set_faults} if result.score else set()
    planted = sorted(set(truth["faults"]))
    found: list[str] = []
    missed: list[str] = []
    for code in planted:
        sides = {d["side"] for d in truth["knee_drives"] if code in d["faults"]} or {"left", "right"}
        pool = [r for r in reps if r.side.value in sides] or list(reps)
        shown = sum(any(f.code == code for f in r.faults) for r in pool)
        hit = code in set_codes or (bool(pool) and shown >= 0.5 * len(pool))
        (found if hit else missed).append(code)
    shown_often = {c for c, n in counts.items() if n > 0.2 * len(reps)} | set_codes
    implied = {c for p in planted for c in IMPLIED.get(p, ())}
    unmeasured = {m for r in reps for m in r.unmeasured}
    hidden = {code: sorted(_metrics_of(result, code) & unmeasured) for code in missed}
    return {"planted": planted, "found": found, "missed": missed,
            "missed_unmeasurable": {code: ms for code, ms in hidden.items() if ms},
            "false": sorted(shown_often - set(planted) - implied), "implied": sorted(shown_often & implied),
            "fault_counts": dict(counts), "set_faults": sorted(set_codes)}


def _metrics_of(result: Any, code: str) -> set[str]:
    """The rep metrics whose criteria raise fault ``code`` in the drill scored."""
    criteria = result.drill.criteria if result.drill else ()
    return {c.metric for c in criteria if any(b is not None and b.fault == code for b in (c.below, c.above))}


# ---------------------------------------------------------------- summaries, in the main process


def pooled(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per metric: mean, median and 90th percentile of the absolute error, the bias, and how much was seen."""
    out = {}
    for label, _, _, unit in FRAME_METRICS:
        signed = np.concatenate([r["signed_errors"][label] for r in rows]) if rows else np.zeros(0)
        got = sum(r["seen"][label][0] for r in rows)
        want = sum(r["seen"][label][1] for r in rows)
        err = np.abs(signed)
        out[label] = {"unit": unit, "frames": len(err), "seen_share": got / want if want else None,
                      "mean_abs": _r(np.mean(err)) if len(err) else None,
                      "median_abs": _r(np.median(err)) if len(err) else None,
                      "p90_abs": _r(np.percentile(err, 90)) if len(err) else None,
                      "bias": _r(np.mean(signed)) if len(err) else None}
    return out


def _plain(x: Any) -> Any:
    """numpy scalars and arrays as plain JSON values."""
    return x.tolist() if isinstance(x, np.ndarray | np.generic) else str(x)


def _r(x: Any, nd: int = 3) -> float:
    return round(float(x), nd)


def headline(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Cadence, reps, drill and fault figures over a group of rendered clips."""
    drills = [r for r in rows if r["expected_drill"] != "none"] or rows  # walking's cadence: in its own row
    cad = [abs(r["cadence_error_pct"]) for r in drills if r["cadence_error_pct"] is not None]
    cad_missing = [r["name"] for r in drills if r["truth_cadence_spm"] and r["cadence_error_pct"] is None]
    count_err = [abs(r["count_got"] - r["count_want"]) for r in rows]
    inner = [r for r in rows if r.get("inner_want") is not None]
    holds = [abs(r["hold_s"] - r["truth_hold_s"]) for r in rows if r["hold_s"] is not None and r["truth_hold_s"]]
    return {
        "clips": len(rows),
        "drill_recognised": sum(r["drill"] == r["expected_drill"] for r in rows),
        "cadence_clips": len(cad), "cadence_missing": cad_missing,
        "cadence_mean_abs_error_pct": _r(np.mean(cad), 2) if cad else None,
        "cadence_median_abs_error_pct": _r(np.median(cad), 2) if cad else None,
        "cadence_max_abs_error_pct": _r(max(cad), 2) if cad else None,
        "cadence_within_2pct": sum(c <= 2.0 for c in cad),
        "rep_count_exact": sum(e == 0 for e in count_err),
        "rep_count_mean_abs_error": _r(np.mean(count_err), 2) if count_err else None,
        "inner_count_clips": len(inner), "inner_count_exact": sum(r["inner_got"] == r["inner_want"] for r in inner),
        "inner_count_wrong": [f"{r['name']}:{r['inner_got']}/{r['inner_want']}" for r in inner
                              if r["inner_got"] != r["inner_want"]],
        "hold_mean_abs_error_s": _r(np.mean(holds), 2) if holds else None,
        "legs_swapped_share": _r(sum(r["legs_swapped"][0] for r in rows)
                                 / max(1, sum(r["legs_swapped"][1] for r in rows))),
        "clips_legs_swapped_over_10pct": [r["name"] for r in rows if r["legs_swapped"][0] > 0.1 * r["legs_swapped"][1]],
        "faults_planted": sum(len(r["planted"]) for r in rows),
        "faults_found": sum(len(r["found"]) for r in rows),
        "faults_missed": [f"{r['name']}:{c}" for r in rows for c in r["missed"]],
        "faults_missed_unmeasurable": [f"{r['name']}:{c}" for r in rows for c in r["missed_unmeasurable"]],
        "faults_false": [f"{r['name']}:{c}" for r in rows for c in r["false"]],
    }


def real_figures(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The real clips against the truth in ../shared/real_videos/README.md."""
    out: dict[str, Any] = {}
    if GAITLAB in rows:
        r = rows[GAITLAB]
        cad = r["cadence_spm"]
        err = _r(100 * (cad - TRUTH_GAITLAB_SPM) / TRUTH_GAITLAB_SPM, 2) if cad else None
        out[GAITLAB] = {"drill": r["drill"], "cadence_spm": _r(cad, 1) if cad else None,
                        "truth_cadence_spm": TRUTH_GAITLAB_SPM, "cadence_error_pct": err}
    if HIGH_KNEES in rows:
        r = rows[HIGH_KNEES]
        peaks_t = [t for _, t, _ in r["complete_drives"]]
        thigh = [a for _, _, a in r["complete_drives"] if a is not None]
        interval = float(np.mean(np.diff(peaks_t))) if len(peaks_t) > 1 else None
        out[HIGH_KNEES] = {"drill": r["drill"], "complete_drives": len(peaks_t),
                           "truth_complete_drives": TRUTH_HK_DRIVES,
                           "mean_drive_interval_s": _r(interval) if interval else None,
                           "truth_mean_drive_interval_s": TRUTH_HK_INTERVAL_S,
                           "cadence_spm": _r(r["cadence_spm"], 1) if r["cadence_spm"] else None,
                           "truth_cadence_spm": TRUTH_HK_RATE,
                           "median_peak_thigh_deg": _r(np.median(thigh), 1) if thigh else None,
                           "truth_peak_thigh_deg": f"about {TRUTH_HK_PEAK_DEG:.0f} (horizontal)",
                           "reps_scored": r["reps"]}
    for name in NO_DRILL:
        if name in rows:
            out[name] = {"drill": rows[name]["drill"], "truth_drill": "none", "reps_scored": rows[name]["reps"]}
    return out


# ---------------------------------------------------------------- printing


def _f(x: float | None, fmt: str = ".1f", none: str = "-") -> str:
    return none if x is None else format(x, fmt)


def print_metrics(say: Report, metrics: dict[str, dict[str, Any]]) -> None:
    say(f"{'per-frame metric':<26}{'unit':>7}{'mean':>8}{'median':>8}{'p90':>8}{'bias':>8}{'seen':>7}{'frames':>8}")
    for label, m in metrics.items():
        nd = ".3f" if m["unit"] == "thighs" else ".1f"
        say(f"{label:<26}{m['unit']:>7}{_f(m['mean_abs'], nd):>8}{_f(m['median_abs'], nd):>8}"
            f"{_f(m['p90_abs'], nd):>8}{_f(m['bias'], '+' + nd):>8}"
            f"{_f(100 * m['seen_share'] if m['seen_share'] is not None else None, '.0f'):>6}%{m['frames']:>8}")


def print_headline(say: Report, h: dict[str, Any]) -> None:
    n = h["clips"]
    say(f"drill recognised          {h['drill_recognised']}/{n} clips")
    say(f"cadence error (drills)    mean {_f(h['cadence_mean_abs_error_pct'], '.2f')} %, "
        f"median {_f(h['cadence_median_abs_error_pct'], '.2f')} %, "
        f"max {_f(h['cadence_max_abs_error_pct'], '.2f')} %, within 2 %: {h['cadence_within_2pct']}/"
        f"{h['cadence_clips']} clips" + (f"; not measured: {', '.join(h['cadence_missing'])}" if h["cadence_missing"]
                                        else ""))
    say(f"rep count                 exact on {h['rep_count_exact']}/{n} clips, "
        f"mean abs error {_f(h['rep_count_mean_abs_error'], '.2f')}")
    if h["inner_count_clips"]:
        say(f"drives away from the edges exact on {h['inner_count_exact']}/{h['inner_count_clips']} clips (all drives "
            f"found more than {EDGE_WINDOW_S} s from the clip's start and end)"
            + (f"; wrong: {', '.join(h['inner_count_wrong'])}" if h["inner_count_wrong"] else ""))
    if h["hold_mean_abs_error_s"] is not None:
        say(f"hold time                 mean abs error {h['hold_mean_abs_error_s']:.2f} s")
    say(f"leg identity              {100 * h['legs_swapped_share']:.1f} % of frames with left and right swapped; "
        f"over 10 % in: {', '.join(h['clips_legs_swapped_over_10pct']) or 'none'}")
    say(f"faults                    found {h['faults_found']}/{h['faults_planted']} planted; "
        f"missed: {', '.join(h['faults_missed']) or 'none'}; false: {', '.join(h['faults_false']) or 'none'}")


def print_by_drill(say: Report, by_drill: dict[str, dict[str, Any]]) -> None:
    say(f"{'drill rendered':<18}{'clips':>6}{'drill ok':>9}{'thigh near':>11}{'thigh far':>10}{'trunk':>7}"
        f"{'body line':>10}{'dorsi near':>11}{'cadence %':>10}{'reps exact':>11}{'faults':>8}{'false':>6}")
    for drill, d in by_drill.items():
        m, h = d["metrics"], d["headline"]
        say(f"{drill:<18}{h['clips']:>6}{h['drill_recognised']:>7}/{h['clips']:<1}"
            f"{_f(m['thigh angle, near leg']['median_abs']):>11}{_f(m['thigh angle, far leg']['median_abs']):>10}"
            f"{_f(m['trunk lean']['median_abs']):>7}{_f(m['body line']['median_abs']):>10}"
            f"{_f(m['dorsiflexion, near foot']['median_abs']):>11}{_f(h['cadence_mean_abs_error_pct'], '.2f'):>10}"
            f"{h['rep_count_exact']:>9}/{h['clips']:<1}{h['faults_found']:>6}/{h['faults_planted']:<1}"
            f"{len(h['faults_false']):>6}")


def print_clips(say: Report, rows: list[dict[str, Any]]) -> None:
    say(f"{'clip':<40}{'drill':>18}{'thigh near':>11}{'trunk':>7}{'cadence %':>10}{'reps':>8}{'swap %':>7}  faults")
    for r in rows:
        near = np.abs(r["signed_errors"]["thigh angle, near leg"])
        trunk = np.abs(r["signed_errors"]["trunk lean"])
        ok = "" if r["drill"] == r["expected_drill"] else "!"
        hidden = {c: f" (unmeasurable here: {', '.join(ms)})" for c, ms in r["missed_unmeasurable"].items()}
        swap = 100 * r["legs_swapped"][0] / max(1, r["legs_swapped"][1])
        faults = " ".join([f"+{c}" for c in r["found"]] + [f"MISSED:{c}{hidden.get(c, '')}" for c in r["missed"]]
                          + [f"FALSE:{c}" for c in r["false"]] + [f"(also {c}, implied)" for c in r["implied"]])
        say(f"{r['name']:<40}{ok + r['drill']:>18}{_f(np.median(near) if len(near) else None):>11}"
            f"{_f(np.median(trunk) if len(trunk) else None):>7}{_f(r['cadence_error_pct'], '+.2f'):>10}"
            f"{r['count_got']:>4}/{r['count_want']:<3}{swap:>6.0f}  {faults}")


def print_real(say: Report, real: dict[str, Any], absent: bool) -> None:
    if absent:
        say(f"real clips: skipped, {REAL} not found (the shared clips live beside the project)")
        return
    for name, r in real.items():
        if name == GAITLAB:
            say(f"{name}: drill {r['drill']}; cadence {_f(r['cadence_spm'])} spm vs truth {TRUTH_GAITLAB_SPM} "
                f"({_f(r['cadence_error_pct'], '+.2f')} %)")
        elif name == HIGH_KNEES:
            say(f"{name}: drill {r['drill']}; complete drives {r['complete_drives']} vs {TRUTH_HK_DRIVES}; "
                f"mean drive interval {_f(r['mean_drive_interval_s'], '.3f')} s vs {TRUTH_HK_INTERVAL_S}; "
                f"rate {_f(r['cadence_spm'])}/min vs {TRUTH_HK_RATE:.0f}; median peak thigh "
                f"{_f(r['median_peak_thigh_deg'])} deg vs about {TRUTH_HK_PEAK_DEG:.0f}")
        else:
            say(f"{name}: drill {r['drill']} (truth none), {r['reps_scored']} reps scored")


# ---------------------------------------------------------------- main


def run_all(jobs: list[Job], workers: int) -> list[dict[str, Any]]:
    out = []
    ctx = multiprocessing.get_context("spawn")  # no model state copied between processes
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        for i, row in enumerate(pool.map(run_job, jobs), 1):
            cached = "pose cached" if row["from_cache"] else "pose run"
            print(f"  [{i}/{len(jobs)}] {row['name']}: {row['drill']} ({cached}, {row['analyse_s']:.1f} s)",
                  file=sys.stderr, flush=True)
            out.append(row)
    return out


def strip(row: dict[str, Any]) -> dict[str, Any]:
    """A clip's row for the JSON: per-frame errors summarised, not listed."""
    out = {k: v for k, v in row.items() if k not in ("signed_errors", "complete_drives")}
    if "signed_errors" in row:
        out["median_abs_error"] = {k: _r(np.median(np.abs(v))) if len(v) else None
                                   for k, v in row["signed_errors"].items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every setting once instead of twice")
    parser.add_argument("--out", type=Path, help="JSON of all figures (default benchmarks/results/accuracy.json)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    out = args.out or RESULTS / ("accuracy-quick.json" if args.quick else "accuracy.json")
    tracks = Path(os.environ.get("KNEEDRIVE_CACHE") or ROOT / ".cache" / "bench-tracks")
    jobs = make_jobs(args.quick, tracks)
    host = machine()  # before the run: the commit measured is the one checked out when it started
    load_before = os.getloadavg()
    start = time.perf_counter()
    print(f"{len(jobs)} clips ({sum(j.setting is None for j in jobs)} real), {args.jobs} workers; "
          f"pose cache {tracks}", file=sys.stderr, flush=True)
    rows = run_all(jobs, args.jobs)
    elapsed = time.perf_counter() - start
    rendered = sorted((r for r in rows if "setting" in r), key=lambda r: r["name"])
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rendered:
        groups[r["drill_rendered"]].append(r)
    figures = {
        "benchmark": "accuracy", "quick": args.quick, "machine": host, "elapsed_s": round(elapsed, 1),
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
        "renderer_hash": renderer_hash(),
        "settings": [{"name": s.name, "drill": s.drill, "params": s.params, "seconds": s.seconds} for s in SETTINGS],
        "rendered": {"metrics": pooled(rendered), "headline": headline(rendered),
                     "by_drill": {d: {"metrics": pooled(g), "headline": headline(g)} for d, g in groups.items()},
                     "by_fps": {f"{fps:.0f}": headline([r for r in rendered if r["fps"] == fps])
                                for fps in (30.0, 60.0)},
                     "clips": [strip(r) for r in rendered]},
        "real": real_figures({r["name"]: r for r in rows if "setting" not in r}),
        "real_clips_absent": not REAL.exists(),
    }
    say = Report()
    say(f"accuracy on {len(rendered)} rendered clips ({len(SETTINGS)} settings, facing left and right, 30 and "
        f"60 fps, 1280x720) and {len(figures['real'])} real clips; {elapsed:.0f} s; load average "
        f"{' '.join(f'{x:.2f}' for x in load_before)}")
    say()
    print_metrics(say, figures["rendered"]["metrics"])
    say()
    print_headline(say, figures["rendered"]["headline"])
    say()
    print_by_drill(say, figures["rendered"]["by_drill"])
    say("(by drill: median absolute errors in degrees; cadence: mean absolute error)")
    say()
    print_clips(say, rendered)
    say()
    print_real(say, figures["real"], figures["real_clips_absent"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, default=_plain) + "\n")
    out.with_suffix(".txt").write_text(say.buffer.getvalue())
    print(f"\nfigures in {out} and {out.with_suffix('.txt')}", file=sys.stderr)


if __name__ == "__main__":
    main()
