"""Recognition and counting on footage the project never tuned on: randomised renders and the shared real clips.

    python benchmarks/recognition.py                 # 300 randomised clips and the real clips
    python benchmarks/recognition.py --clips 60      # a smaller mix, same proportions (seeds 0..)
    python benchmarks/recognition.py --seed-base 1000 --out other.json   # another 300 clips

Each randomised clip is ``kneedrive synth DRILL --random --seed N`` (``kneedrive_cv.synth.randomise``): the drill
done in one of the styles a coach sees, by a body, in clothes, filmed from a height, distance, roll, frame rate,
orientation, panning and compression all drawn from the seed, with exact truth. Clips are kept in
``.cache/recognition-clips/<hash of the renderer's source>/`` and pose tracks in ``$KNEEDRIVE_CACHE`` or else
``.cache/bench-tracks/``, so a rerun after a change to the analysis runs no renderer and no pose model.

Each clip is analysed as ``kneedrive analyse`` does (drill ``auto``) and compared with its truth:

- the drill recognised against the drill performed (``none`` for walking and running), as a confusion matrix;
- the rep count: complete knee drives for the drills with drives (counted on the truth by
  ``drives_seen_whole``), holds scored for holds, reps scored (truth 0) for clips that are not a drill;
- cadence: error in % of the truth, for the clips whose drill has a cadence (holds, judged on their length,
  have none); "not measured" counts as a miss.

The real clips of ``../shared/real_videos/`` are analysed too where that folder exists: walking, running,
jumping jacks and front views are the negatives (truth ``none``), high knees has 18 complete drives, the
treadmill clip a cadence of 168.9 steps/min. Figures go to ``benchmarks/results/recognition.json`` and the
printed tables to the ``.txt`` beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from common import (  # benchmarks/common.py, beside this script
    EDGE_WINDOW_S,
    Report,
    cached_render,
    edge_call_distances,
    edge_distance_line,
    machine,
    num,
    renderer_hash,
    rep_counts,
)

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"
RESULTS = ROOT / "benchmarks" / "results"

#: The randomised mix: (drill rendered, share of the clips). Walking and running are the negatives.
MIX = (("hip_flexion_hold", 0.13), ("wall_drill", 0.13), ("pocket_run", 0.13), ("piston_run", 0.17),
       ("high_knees", 0.13), ("walking", 0.12), ("running", 0.19))

#: The real clips: (truth drill, complete drives, cadence steps/min); None where the truth does not say.
REAL_TRUTH: dict[str, tuple[str, int | None, float | None]] = {
    "high_knees_side_gym_60fps.mp4": ("high_knees", 18, None),
    "gaitlab_male_side_treadmill.mp4": ("none", None, 168.9),
    "treadmill_side_lab_markers_480p.mp4": ("none", None, None),
    "sprint_start_side_track_a1.mp4": ("sprint_start", None, None),
    "sprint_maxvel_side_track.mp4": ("none", None, None),
    "running_side_panning_field_short.mp4": ("none", None, None),
    "jogging_front_portrait.mp4": ("none", None, None),
    "walking_side_gym_wall.mp4": ("none", None, None),
    "sports2d_walk_jumpingjacks_backlit.mp4": ("none", None, None),
    "jumping_jacks_front_gym_60fps.mp4": ("none", None, None),
    "multi_person_walking_elevated_vtest.avi": ("none", None, None),
    "pose2sim_lab_markers_oblique_cam01.mp4": ("none", None, None),
}

#: Cadence within this share of the truth counts as right (the issue's 2 %).
CADENCE_TOLERANCE_PCT = 2.0


@dataclass(frozen=True)
class Job:
    """A clip to analyse: a randomised rendering (``seed``) or a real clip (``seed`` None)."""

    name: str
    clip: Path
    tracks: Path
    drill: str
    seed: int | None = None


def make_jobs(n_clips: int, seed_base: int, tracks: Path, real: bool, renderer: str | None = None) -> list[Job]:
    folder = ROOT / ".cache" / "recognition-clips" / (renderer or renderer_hash())
    jobs = []
    counts = [round(share * n_clips) for _, share in MIX]
    counts[-1] += n_clips - sum(counts)
    for (drill, _), count in zip(MIX, counts, strict=True):
        for seed in range(seed_base, seed_base + count):
            name = f"{drill}-{seed}"
            jobs.append(Job(name, folder / f"{name}.mp4", tracks, drill, seed))
    if real:
        jobs += [Job(name, REAL / name, tracks, REAL_TRUTH[name][0]) for name in REAL_TRUTH if (REAL / name).exists()]
    return jobs


# ---------------------------------------------------------------- work done in the worker processes


def render_job(job: Job) -> dict[str, Any]:
    """Render the clip if it is not in the cache yet (``--render-only``)."""
    start = time.perf_counter()
    truth = render_if_missing(job)
    return {"name": job.name, "drill": truth["expected_drill"], "truth_drill": truth["expected_drill"],
            "from_cache": False, "analyse_s": time.perf_counter() - start}


def run_job(job: Job) -> dict[str, Any]:
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.errors import KneedriveError
    from kneedrive_cv.pose.cache import TrackCache

    truth = render_if_missing(job) if job.seed is not None else None
    start = time.perf_counter()
    row: dict[str, Any] = {"name": job.name, "real": job.seed is None, "truth_drill": job.drill, "seed": job.seed}
    try:
        result = analyse(job.clip, cache=TrackCache(job.tracks))
    except KneedriveError as exc:  # e.g. nobody found: the clip is then judged as recognised "none"
        row.update({"error": str(exc), "drill": "none", "analyse_s": time.perf_counter() - start,
                    "from_cache": False, "count_got": 0, "cadence_spm": None})
        row.update(_truth_columns(job, truth))
        return row
    rec = result.recognition
    row.update({"analyse_s": round(time.perf_counter() - start, 2), "from_cache": result.from_cache,
                "drill": result.drill_name, "confidence": rec.confidence,
                "runner_up": getattr(rec, "runner_up", None),
                "cadence_spm": num(result.cadence_spm),
                "unmeasured": sorted({u.kind.value for u in result.unmeasured}),
                "features": dataclasses.asdict(rec.features),
                "drive_sides": "".join(d.side.value[0].upper() for d in result.events.complete_drives)})
    row.update(_truth_columns(job, truth))
    if truth is not None:
        row.update(rep_counts(result, truth))
    else:
        row["count_got"] = len(result.events.complete_drives) if job.drill != "none" else len(result.reps)
    return row


def _truth_columns(job: Job, truth: dict[str, Any] | None) -> dict[str, Any]:
    if truth is None:
        _, drives, cadence = REAL_TRUTH[job.clip.name]
        return {"truth_drill": job.drill, "count_want": 0 if job.drill == "none" else drives,
                "truth_cadence_spm": cadence, "setup": {}}
    # a hold is judged on its length: the rate of one or two holds a clip is no cadence a coach reads
    cadence = None if truth["drill"] == "hip_flexion_hold" else truth["cadence_spm"]
    return {"truth_drill": truth["expected_drill"], "truth_cadence_spm": cadence,
            "count_want": truth["rep_count"], "setup": truth.get("random", {})}


def render_if_missing(job: Job) -> dict[str, Any]:
    """The clip's truth, rendering the clip first unless a whole one is in the cache."""
    from kneedrive_cv.synth.randomise import render_random

    seed = job.seed
    assert seed is not None
    return cached_render(job.clip, lambda path: render_random(job.drill, seed, path)[:2])


# ---------------------------------------------------------------- judging, in the main process


def judged(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its verdicts: drill right, count exact, cadence within the tolerance."""
    want, got = row.get("truth_cadence_spm"), row.get("cadence_spm")
    err = 100 * (got - want) / want if want and got else None
    want_count = row.get("count_want")
    return {**row, "drill_right": row["drill"] == row["truth_drill"],
            "count_exact": None if want_count is None else row.get("count_got") == want_count,
            "count_right_at_edges": None if want_count is None else (
                row["count_want_range"][0] <= row.get("count_got", -1) <= row["count_want_range"][1]
                if row.get("count_want_range") else row.get("count_got") == want_count),
            "cadence_error_pct": None if err is None else round(err, 2),
            "cadence_right": None if not want else err is not None and abs(err) <= CADENCE_TOLERANCE_PCT}


def _share(flags: list[bool | None]) -> dict[str, Any]:
    known = [f for f in flags if f is not None]
    return {"n": len(known), "right": sum(known), "share": round(sum(known) / len(known), 3) if known else None}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    labels = sorted({r["truth_drill"] for r in rows} | {r["drill"] for r in rows}, key=lambda s: (s == "none", s))
    matrix = {t: dict(Counter(r["drill"] for r in rows if r["truth_drill"] == t)) for t in labels}
    by_drill = {}
    for t in labels:
        group = [r for r in rows if r["truth_drill"] == t]
        if not group:
            continue
        errs = [abs(r["cadence_error_pct"]) for r in group if r["cadence_error_pct"] is not None]
        by_drill[t] = {"clips": len(group), "drill_right": _share([r["drill_right"] for r in group]),
                       "count_exact": _share([r["count_exact"] for r in group]),
                       "cadence_within_2pct": _share([r["cadence_right"] for r in group]),
                       "cadence_not_measured": sum(r["truth_cadence_spm"] is not None and r["cadence_spm"] is None
                                                   for r in group),
                       "cadence_median_abs_error_pct": round(float(np.median(errs)), 2) if errs else None}
    drills = [r for r in rows if r["truth_drill"] != "none"]
    negatives = [r for r in rows if r["truth_drill"] == "none"]
    panning = [r for r in rows if r.get("setup", {}).get("camera", {}).get("pan") == "follow"]
    # recognition's rules and thresholds are chosen on the even seeds; the odd ones are the hold-out
    halves = {half: [r for r in rows if r.get("seed") is not None and r["seed"] % 2 == rest]
              for half, rest in (("even_seeds", 0), ("odd_seeds", 1))}
    return {"clips": len(rows), "labels": labels, "confusion": matrix, "by_drill": by_drill,
            **{half: {"drill_right": _share([r["drill_right"] for r in group if r["truth_drill"] != "none"]),
                      "negatives_given_a_drill": _share([not r["drill_right"] for r in group
                                                         if r["truth_drill"] == "none"])}
               for half, group in halves.items() if group},
            "drill_right": _share([r["drill_right"] for r in drills]),
            "negatives_given_a_drill": _share([not r["drill_right"] for r in negatives]),
            "count_exact": _share([r["count_exact"] for r in drills]),
            "count_right_at_edges": _share([r["count_right_at_edges"] for r in drills]),
            "inner_count_exact": _share([None if r.get("inner_want") is None else r["inner_got"] == r["inner_want"]
                                         for r in drills]),
            "cadence_within_2pct": _share([r["cadence_right"] for r in rows]),
            "edge_calls": edge_call_tally(drills),
            "edge_call_distances": edge_call_distances([c for r in drills for c in r.get("edge_calls") or []]),
            "panning": {"clips": len(panning), "cadence_within_2pct": _share([r["cadence_right"] for r in panning]),
                        "count_exact": _share([r["count_exact"] for r in panning if r["truth_drill"] != "none"])}}


def edge_call_tally(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """The drives the clip's edge comes close to deciding (:func:`common.edge_calls`), by edge and truth: how many,
    and how many the analysis called the same way."""
    tally: dict[str, dict[str, int]] = {}
    for r in rows:
        for edge, whole, call, *_ in r.get("edge_calls") or []:
            key = f"{edge}, truth {'whole' if whole else 'cut'}"
            t = tally.setdefault(key, {"drives": 0, "called_the_same": 0, "missing": 0})
            t["drives"] += 1
            t["called_the_same"] += call == ("whole" if whole else "cut")
            t["missing"] += call == "missing"
    return dict(sorted(tally.items()))


# ---------------------------------------------------------------- printing


def _pct(s: dict[str, Any]) -> str:
    return "-" if not s["n"] else f"{100 * s['share']:.1f} % ({s['right']}/{s['n']})"


def print_summary(say: Report, title: str, s: dict[str, Any]) -> None:
    say(f"{title}: {s['clips']} clips")
    labels = s["labels"]
    width = max(len(x) for x in labels) + 2
    say("confusion (rows: truth, columns: recognised)")
    say(" " * width + "".join(f"{x[:10]:>11}" for x in labels))
    for t in labels:
        if t in s["confusion"] and s["confusion"][t]:
            say(f"{t:<{width}}" + "".join(f"{s['confusion'][t].get(x, 0) or '.':>11}" for x in labels))
    say()
    say(f"{'truth':<{width}}{'clips':>6}  {'drill right':>18}  {'reps exact':>18}  {'cadence within 2 %':>20}  "
        f"{'not measured':>12}  {'median cadence err':>18}")
    for t, d in s["by_drill"].items():
        med = d["cadence_median_abs_error_pct"]
        say(f"{t:<{width}}{d['clips']:>6}  {_pct(d['drill_right']):>18}  {_pct(d['count_exact']):>18}  "
            f"{_pct(d['cadence_within_2pct']):>20}  {d['cadence_not_measured']:>12}  "
            f"{'-' if med is None else f'{med:.2f} %':>18}")
    say()
    say(f"drill right on drill clips: {_pct(s['drill_right'])}; non-drill clips given a drill: "
        f"{_pct(s['negatives_given_a_drill'])}; reps exact: {_pct(s['count_exact'])}; cadence within 2 %: "
        f"{_pct(s['cadence_within_2pct'])}")
    for half, title in (("even_seeds", "even seeds (rules chosen on these)"), ("odd_seeds", "odd seeds (hold-out)")):
        if half in s:
            say(f"{title}: drill right on drill clips {_pct(s[half]['drill_right'])}; non-drill clips given a "
                f"drill {_pct(s[half]['negatives_given_a_drill'])}")
    if s["count_right_at_edges"]["n"]:
        say("reps exact, a drive whose 15 % level the clip's edge falls within 2 frames (0.04 s or more) of, "
            f"inside or out, counted either way: {_pct(s['count_right_at_edges'])}")
    if s.get("edge_calls"):
        calls = "; ".join(f"{key} {t['called_the_same']}/{t['drives']}" for key, t in s["edge_calls"].items())
        say("drives whose deciding level the clip's edge falls within 2 frames of, called the truth's way: " + calls)
        say(edge_distance_line(s["edge_call_distances"]))
    if s["inner_count_exact"]["n"]:
        say(f"drives more than {EDGE_WINDOW_S} s from the clip's edges counted exactly: {_pct(s['inner_count_exact'])}")
    p = s["panning"]
    if p["clips"]:
        say(f"panning clips ({p['clips']}): cadence within 2 %: {_pct(p['cadence_within_2pct'])}; reps exact: "
            f"{_pct(p['count_exact'])}")


def print_misses(say: Report, rows: list[dict[str, Any]]) -> None:
    misses = [r for r in rows if not r["drill_right"] or r["count_exact"] is False or r["cadence_right"] is False]
    say(f"clips with a miss ({len(misses)}):")
    for r in misses:
        parts = []
        if not r["drill_right"]:
            parts.append(f"drill {r['drill']} (truth {r['truth_drill']}, conf {r.get('confidence')})")
        if r["count_exact"] is False:
            parts.append(f"count {r.get('count_got')} (truth {r['count_want']})")
        if r["cadence_right"] is False:
            parts.append(f"cadence {r['cadence_spm']} (truth {r['truth_cadence_spm']})")
        if r.get("error"):
            parts.append(f"error: {r['error']}")
        say(f"  {r['name']}: " + "; ".join(parts))


# ---------------------------------------------------------------- main


def run_all(jobs: list[Job], workers: int, render_only: bool = False) -> list[dict[str, Any]]:
    out = []
    ctx = multiprocessing.get_context("spawn")  # no model state copied between processes
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        for i, row in enumerate(pool.map(render_job if render_only else run_job, jobs), 1):
            cached = "pose cached" if row["from_cache"] else "pose run"
            print(f"  [{i}/{len(jobs)}] {row['name']}: {row['drill']} (truth {row['truth_drill']}; {cached}, "
                  f"{row['analyse_s']:.1f} s)", file=sys.stderr, flush=True)
            out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=300, help="randomised clips (default 300)")
    parser.add_argument("--seed-base", type=int, default=0, help="first seed of each drill (default 0)")
    parser.add_argument("--no-real", action="store_true", help="leave out the shared real clips")
    parser.add_argument("--out", type=Path, help="JSON of all figures (default benchmarks/results/recognition.json)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--render-only", action="store_true", help="only render the clips missing from the cache")
    parser.add_argument("--clips-from", metavar="HASH",
                        help="reuse the clips an earlier renderer made (.cache/recognition-clips/HASH/; their truth "
                             "is in the files) when the renderer changed in ways these drills do not show")
    args = parser.parse_args()
    out = args.out or RESULTS / "recognition.json"
    tracks = Path(os.environ.get("KNEEDRIVE_CACHE") or ROOT / ".cache" / "bench-tracks")
    jobs = make_jobs(args.clips, args.seed_base, tracks, not args.no_real, args.clips_from)
    if args.render_only:
        run_all([j for j in jobs if j.seed is not None], args.jobs, render_only=True)
        return
    host = machine()
    start = time.perf_counter()
    print(f"{len(jobs)} clips, {args.jobs} workers; pose cache {tracks}", file=sys.stderr, flush=True)
    rows = [judged(r) for r in run_all(jobs, args.jobs)]
    elapsed = time.perf_counter() - start
    rendered = [r for r in rows if not r["real"]]
    real = [r for r in rows if r["real"]]
    figures = {"benchmark": "recognition", "machine": host, "elapsed_s": round(elapsed, 1),
               "renderer_hash": args.clips_from or renderer_hash(), "seed_base": args.seed_base,
               "mix": dict(Counter(r["name"].rsplit("-", 1)[0] for r in rendered)),
               "randomised": summary(rendered) if rendered else None,
               "real": summary(real) if real else None, "real_clips_absent": not REAL.exists(),
               "clips": rows}
    say = Report()
    say(f"recognition and counting: {len(rendered)} randomised clips (seeds from {args.seed_base}) and "
        f"{len(real)} real clips; {elapsed:.0f} s")
    say()
    if rendered:
        print_summary(say, "randomised renders", figures["randomised"])
        say()
    if real:
        print_summary(say, "real clips", figures["real"])
        say()
    print_misses(say, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, default=str) + "\n")
    out.with_suffix(".txt").write_text(say.buffer.getvalue())
    print(f"\nfigures in {out} and {out.with_suffix('.txt')}", file=sys.stderr)


if __name__ == "__main__":
    main()
