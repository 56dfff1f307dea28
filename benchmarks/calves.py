"""Sprinter's calves on randomised renders: every heel raise counted, none from the driven knee, the rise measured.

    python benchmarks/calves.py               # 48 randomised calves clips (seeds 0..47)
    python benchmarks/calves.py --clips 96    # more

Each clip is ``kneedrive synth wall_calves --random --seed N`` (``kneedrive_cv.synth.randomise``): either knee driven
and held (near or far from the camera), 5-9 heel raises of the other foot at 0.5-2 per second, each from a rest
pitch of 10-40 deg up 10-40 deg of ankle, a body of any build at 35-60 deg, filmed at any size, frame rate,
roll and compression, a tripod or a phone held still. Clips are kept in ``.cache/calves-clips/<hash of the
renderer's source>/`` and pose tracks in ``$KNEEDRIVE_CACHE`` or else ``.cache/bench-tracks/``.

Each clip is analysed as ``kneedrive analyse`` does (drill ``auto``). A raise found is matched to the true raise
whose peak is nearest, within half the true period; unmatched raises found are false, unmatched true ones missed.
For the matched raises: the heel's rise (thigh lengths) and the ankle's plantarflexion (deg) against the truth.
The truth's rise is the heel's height over the floor; the analysis measures it against the picture's vertical, so
a camera rolled a few degrees (the renders roll up to 9) leaks the heel's backward travel (about 1.3 times its
rise) into it. The rise the drawn heel shows in the picture (``picture rise``, what a perfect pose estimate would
give, as the per-frame truths are) is reported beside it, to tell the roll from the pose model and the measuring.
Figures go to ``benchmarks/results/calves.json`` and the printed tables to the ``.txt`` beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from common import Report, cached_render, machine, renderer_hash  # benchmarks/common.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
#: The target: every raise counted, none false, each rise within this many thigh lengths of the truth.
RISE_TOLERANCE_THIGHS = 0.03


def run_clip(seed: int, folder: Path, tracks: Path) -> dict[str, Any]:
    """Render (unless cached) and analyse one clip; its raises matched against the truth."""
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.errors import KneedriveError
    from kneedrive_cv.pose.cache import TrackCache
    from kneedrive_cv.synth.randomise import render_random

    clip = folder / f"wall_calves-{seed}.mp4"
    truth = cached_render(clip, lambda path: render_random("wall_calves", seed, path)[:2])
    want = truth["heel_raises"]
    style = truth["random"]["style"]
    setup = {"style": style, "driven_near": style["side"] == truth["facing"],
             "size": truth["random"]["filming"]["size"], "fps": truth["fps"],
             "roll_deg": truth["random"]["camera"]["roll_deg"], "shake": truth["random"]["camera"]["shake"],
             "thigh_px_truth": truth["thigh_length_px"],
             "rise_truth": want[0]["heel_rise_thighs"] if want else None}
    try:
        result = analyse(clip, cache=TrackCache(tracks))
    except KneedriveError as exc:  # nobody found: every raise missed
        return {"seed": seed, "drill": "none", "error": str(exc), "raises_want": len(want), "raises_got": 0,
                "side_right": 0,
                "matched": 0, "false": 0, "missed": len(want), "reps_scored": 0, "rise_errors": [],
                "rise_errors_picture": [], "rise_not_measured": 0, "plantarflexion_errors": [], "thigh_px": None,
                **setup}
    half_period = 0.5 / float(style["rate_hz"])
    in_picture = picture_rises(truth)
    got = list(result.events.raises)
    matched: dict[int, int] = {}
    for k, r in enumerate(got):
        j = int(np.argmin([abs(r.t_peak_s - w["t_peak_s"]) for w in want])) if want else -1
        if j >= 0 and abs(got[k].t_peak_s - want[j]["t_peak_s"]) <= half_period and j not in matched.values():
            matched[k] = j
    pairs = [(got[k], want[j]) for k, j in matched.items()]
    stance = truth["derived"]["stance_side"]
    return {"seed": seed, "drill": result.drill_name, "raises_want": len(want), "raises_got": len(got),
            "side_right": sum(r.side is not None and r.side.value == stance for r, _ in pairs),
            "matched": len(pairs), "false": len(got) - len(pairs), "missed": len(want) - len(pairs),
            "reps_scored": len(result.reps),
            "rise_errors": [round(r.rise_thighs - w["heel_rise_thighs"], 4) for r, w in pairs
                            if np.isfinite(r.rise_thighs)],
            "rise_errors_picture": [round(got[k].rise_thighs - in_picture[j], 4) for k, j in matched.items()
                                    if np.isfinite(got[k].rise_thighs)],
            "rise_not_measured": sum(not np.isfinite(r.rise_thighs) for r, _ in pairs),
            "thigh_px": round(result.kinematics.thigh_px, 1),
            "plantarflexion_errors": [round(r.plantarflexion_deg - w["plantarflexion_deg"], 2) for r, w in pairs],
            **setup}


def picture_rises(truth: dict[str, Any]) -> list[float]:
    """Each true raise's rise as the drawn heel shows it in the picture (thigh lengths): its rest level (the median
    over the 0.1 s before it leaves) to its highest point, against the picture's vertical."""
    t = np.asarray(truth["frames"]["t_s"])
    y = np.asarray(truth["landmarks_px"][f"{truth['derived']['stance_side']}_heel"])[:, 1]
    out = []
    for w in truth["heel_raises"]:
        a, b = np.searchsorted(t, [w["t_start_s"], w["t_end_s"]])
        rest = float(np.median(y[np.searchsorted(t, w["t_start_s"] - 0.1):a + 1]))
        out.append((rest - float(np.min(y[a:b + 1]))) / float(truth["thigh_length_px"]))
    return out


#: The calves rules' thresholds were chosen looking at seeds 0-23 only; the seeds after them are held out.
TUNED_SEEDS = 24
#: A figure this small (pixels a thigh) shows a heel's 0.03 thigh-length error as about a pixel.
SMALL_THIGH_PX = 60.0


def _f(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def group_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and rise errors over some clips."""
    rise = np.array([e for r in rows for e in r["rise_errors"]])
    picture = np.array([e for r in rows for e in r["rise_errors_picture"]])
    ankle = np.array([e for r in rows for e in r["plantarflexion_errors"]])
    some = len(rise) > 0
    return {
        "clips": len(rows), "recognised_wall_calves": sum(r["drill"] == "wall_calves" for r in rows),
        "raises_true": sum(r["raises_want"] for r in rows), "raises_counted": sum(r["matched"] for r in rows),
        "false_raises": sum(r["false"] for r in rows), "missed_raises": sum(r["missed"] for r in rows),
        "raises_counted_on_the_right_foot": sum(r["side_right"] for r in rows),
        "clips_counted_exactly": sum(r["false"] == 0 and r["missed"] == 0 for r in rows),
        "rise_not_measured": sum(r["rise_not_measured"] for r in rows),
        "rise_error_median_thighs": round(float(np.median(rise)), 4) if some else None,
        "rise_abs_error_median_thighs": round(float(np.median(np.abs(rise))), 4) if some else None,
        "rise_abs_error_p90_thighs": round(float(np.percentile(np.abs(rise), 90)), 4) if some else None,
        "rise_within_tolerance_share": (round(float(np.mean(np.abs(rise) <= RISE_TOLERANCE_THIGHS)), 3) if some
                                        else None),
        "rise_error_median_vs_picture_thighs": round(float(np.median(picture)), 4) if len(picture) else None,
        "rise_within_tolerance_share_vs_picture": (round(float(np.mean(np.abs(picture) <= RISE_TOLERANCE_THIGHS)), 3)
                                                   if len(picture) else None),
        "plantarflexion_error_median_deg": round(float(np.median(ankle)), 2) if len(ankle) else None,
        "plantarflexion_abs_error_median_deg": round(float(np.median(np.abs(ankle))), 2) if len(ankle) else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=48)
    ap.add_argument("--seed-base", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "calves.json")
    args = ap.parse_args(argv)
    folder = ROOT / ".cache" / "calves-clips" / renderer_hash()
    tracks = Path(os.environ.get("KNEEDRIVE_CACHE") or ROOT / ".cache" / "bench-tracks")
    say = Report()
    say(f"sprinter's calves: {args.clips} randomised clips (seeds {args.seed_base}..), renderer {renderer_hash()}")
    rows = []
    for seed in range(args.seed_base, args.seed_base + args.clips):
        row = run_clip(seed, folder, tracks)
        rows.append(row)
        st = row["style"]
        errs = row["rise_errors"]
        say(f"seed {seed:3d}: {row['drill']:<17} raises {row['raises_got']}/{row['raises_want']} "
            f"(false {row['false']}, missed {row['missed']}); rest {st['rest_pitch_deg']:4.1f} deg + "
            f"{st['rise_deg']:4.1f} deg at {st['rate_hz']:.2f}/s, driven {st['side']} "
            f"({'near' if row['driven_near'] else 'far'}); rise truth {row['rise_truth']:.3f}, error "
            f"median {np.median(errs) if errs else float('nan'):+.3f} worst "
            f"{max(errs, key=abs) if errs else float('nan'):+.3f} thigh lengths (against the picture's "
            f"{np.median(row['rise_errors_picture']) if errs else float('nan'):+.3f}, "
            f"roll {row['roll_deg']:+.1f} deg); "
            f"ankle error median "
            f"{np.median(row['plantarflexion_errors']) if errs else float('nan'):+.1f} deg")
    small = SMALL_THIGH_PX
    groups = {"all clips": rows,
              f"seeds under {TUNED_SEEDS} (rules chosen on these)": [r for r in rows if r["seed"] < TUNED_SEEDS],
              f"seeds {TUNED_SEEDS} and over (held out)": [r for r in rows if r["seed"] >= TUNED_SEEDS],
              f"figure {small:.0f} px a thigh or more": [r for r in rows if r["thigh_px_truth"] >= small],
              f"figure under {small:.0f} px a thigh": [r for r in rows if r["thigh_px_truth"] < small],
              "raising foot near the camera": [r for r in rows if not r["driven_near"]],
              "raising foot far (behind the held leg)": [r for r in rows if r["driven_near"]]}
    summary = {name: group_summary(group) for name, group in groups.items()}
    say()
    say(f"{'clips':<40} {'n':>3} {'calves':>6} {'raises':>9} {'false':>5} {'missed':>6} {'foot':>4} {'exact':>5} "
        f"{'rise err med':>12} {'|err| med':>9} {'|err| p90':>9} {'<=0.03':>6} {'n/m':>4} {'ankle |err|':>11} "
        f"{'picture: err med':>16} {'<=0.03':>6}")
    for name, g in summary.items():
        say(f"{name:<40} {g['clips']:>3} {g['recognised_wall_calves']:>6} "
            f"{g['raises_counted']:>4}/{g['raises_true']:<4} {g['false_raises']:>5} {g['missed_raises']:>6} "
            f"{g['raises_counted_on_the_right_foot']:>4} "
            f"{g['clips_counted_exactly']:>5} {_f(g['rise_error_median_thighs'], '+.3f'):>12} "
            f"{_f(g['rise_abs_error_median_thighs'], '.3f'):>9} {_f(g['rise_abs_error_p90_thighs'], '.3f'):>9} "
            f"{_f(g['rise_within_tolerance_share'], '.0%'):>6} {g['rise_not_measured']:>4} "
            f"{_f(g['plantarflexion_abs_error_median_deg'], '.1f'):>8} deg "
            f"{_f(g['rise_error_median_vs_picture_thighs'], '+.3f'):>16} "
            f"{_f(g['rise_within_tolerance_share_vs_picture'], '.0%'):>6}")
    say(f"(calves: clips recognised as wall_calves; foot: raises counted on the foot that truly raised (the "
        f"side the report names); exact: clips with every raise counted and none false; rise err: "
        f"found - truth in thigh lengths; <=0.03: share of raises within {RISE_TOLERANCE_THIGHS} thigh lengths; "
        f"n/m: raises counted whose rise is 'not measured', the heel moving under 2 px; picture: the same against the "
        f"rise the drawn heel shows in the (rolled) picture)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine(), "renderer": renderer_hash(), "summary": summary,
                                    "clips": rows}, indent=1))
    args.out.with_suffix(".txt").write_text(say.buffer.getvalue())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
