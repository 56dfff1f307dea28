"""``kneedrive analyse CLIP``: the main job. Analyse a clip, print the rep table, write the reports."""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from pathlib import Path

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.kinematics.distances import EXPECTED_ERROR_PCT
from kneedrive_cv.output import write_outputs
from kneedrive_cv.output.report import summary_dict
from kneedrive_cv.pose.cache import TrackCache
from kneedrive_cv.scoring.drills import load_drills
from kneedrive_cv.scoring.unmeasured import UnmeasuredKind, not_judged

NAME = "analyse"
HELP = "analyse a clip: recognise the drill, score every rep, write reports (and an overlay video)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive analyse``."""
    parser.add_argument("clip", type=Path, help="video file (mp4, mov, avi...)")
    parser.add_argument("--drill", default="auto",
                        help=f"drill to score: auto (recognise it), {', '.join(load_drills().drills)} "
                             "(see `kneedrive drills`)")
    parser.add_argument("--out", type=Path, help="folder for the results (default: results/CLIP-NAME)")
    parser.add_argument("--overlay", action="store_true",
                        help="also write overlay.mp4: the analysis drawn on the video")
    parser.add_argument("--thresholds", type=Path, help="your own drills/thresholds file (see `kneedrive drills`)")
    parser.add_argument("--model", help="a MediaPipe pose landmarker .task file (default: the built-in model)")
    parser.add_argument("--no-cache", action="store_true", help="run the pose model even if this clip was seen before")
    parser.add_argument("--athlete", type=int, metavar="ID",
                        help="analyse this person (an id from `kneedrive people CLIP`) instead of the one chosen "
                             "automatically")
    parser.add_argument("--name", metavar="NAME",
                        help="the athlete's name, to head report.html and report.json (the reports are also headed "
                             "by the clip's name and the date it was filmed)")
    parser.add_argument("--slow-motion", type=float, default=1.0, metavar="FACTOR",
                        help="the clip plays FACTOR times slower than real life (a 240 fps slow-motion clip saved "
                             "to play at 30 fps: 8); times, cadence and contact times are then given in real time")
    parser.add_argument("--height-cm", type=float, metavar="CM",
                        help="the athlete's height in centimetres: gives step length, speed, hip and knee height "
                             "in centimetres (a still camera is needed for step length and speed)")


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() and (done % 10 == 0 or done == total):
        pct = f"{100 * done / total:3.0f} %" if total else ""
        print(f"\rpose: {done}/{total} frames {pct}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _sure(result: AnalysisResult) -> str:
    rec = result.recognition
    sure = f"{100 * rec.confidence:.0f} % sure"
    if rec.uncertain and rec.runner_up is not None and result.drill_asked == "auto":
        sure += f", a best guess: next {rec.runner_up.drill} at {100 * rec.runner_up.fit:.0f} %"
    return sure


def _print_notes(result: AnalysisResult) -> None:
    """The notes under the headline: slow motion given, a turned clip, why the cadence is not measured..."""
    if result.slow_motion != 1.0:
        print(f"note: slow motion, {result.slow_motion:g} times slower than real life: times, cadence and contact "
              "times are real time")
    for limit in result.unmeasured:
        if limit.kind is UnmeasuredKind.TURNED:
            print(f"note: {limit.why}")
        if limit.kind is UnmeasuredKind.SLOW_MOTION:  # the cadence above is then not the athlete's
            print(f"warning: {limit.why}")
        if limit.kind is UnmeasuredKind.CADENCE:  # why no cadence is printed above
            print(f"note: cadence not measured: {limit.why}")
        if limit.kind is UnmeasuredKind.HELD_LEG:  # the side in the rep table below is then a guess
            print(f"note: {limit.what} not measured: {limit.why}")
    athlete = result.track.meta.get("athlete")
    if athlete and athlete["others_seen"]:
        how = "chosen by you" if athlete["chosen_by"] == "given" else "chosen automatically"
        others = athlete["others_seen"]
        print(f"note: {others} other {'person' if others == 1 else 'people'} seen; analysing person "
              f"{athlete['id']} ({how}; `kneedrive people CLIP` lists everyone)")


def print_rep_table(result: AnalysisResult) -> None:
    """The terminal summary: drill, cadence, one row per rep."""
    cadence = f"{result.cadence_spm:.1f} per min" if result.cadence_spm else "not measured"
    print(f"{result.clip.name}: {result.drill.title if result.drill else 'no knee-drive drill'} "
          f"(drill {result.drill_name}, {_sure(result)}); cadence {cadence}; "
          f"athlete faces {result.facing or '?'}, camera {result.kinematics.view}-on")
    _print_notes(result)
    distances = distances_line(result)
    if distances:
        print(distances)
    if not result.reps:
        print("no reps scored: " + "; ".join(result.recognition.reasons))
        closest = result.recognition.closest_drill
        if closest is not None and result.drill_asked == "auto":
            print(f"if it is the {closest.drill.replace('_', ' ')}, analyse again with --drill {closest.drill}")
        if result.slow_motion != 1.0:  # a factor too large makes every movement look impossibly quick
            print(f"if the clip plays less than {result.slow_motion:g} times slower than real life, analyse again "
                  "with the right --slow-motion factor (or none for real time)")
        return
    print(f"{'rep':>3}  {'side':<5} {'time s':>6}  {'score':>5}  faults")
    for r in result.reps:
        parts = [f"{f.code} ({f.detail})" for f in r.faults] or ["clean"]
        faults = "; ".join(parts + ([not_judged(r.unmeasured)] if r.unmeasured else []))
        score = f"{r.score:5.0f}" if r.score is not None else "    -"
        print(f"{r.index:>3}  {r.side.value:<5} {r.t_peak_s:6.2f}  {score}  {faults}")
    summary = summary_dict(result)
    print(f"mean score {summary['mean_score']}; "
          + ("; ".join(f"{f['cue']} ({f['reps']} reps)" for f in summary["top_faults"]) or "no faults"))
    for f in summary["set_faults"]:
        print(f"set: {f['cue']} - {f['detail']}")


def distances_line(result: AnalysisResult) -> str | None:
    """One line of the figures in centimetres, or None when no height was given."""
    d = result.distances
    if d is None:
        return None
    err = EXPECTED_ERROR_PCT
    parts = [f"{name} {round(value, 1):.0f} cm (+-{err[key]:.0f} %)" for name, key, value in (  # as report.html
        ("step length", "step_length", d.step_length_cm), ("hip height", "hip_height", d.hip_height_cm),
        ("knee height at the peaks", "knee_height", d.knee_height_cm)) if value is not None]
    if d.speed_m_s is not None:
        parts.insert(1, f"speed {d.speed_m_s:.2f} m/s (+-{err['speed']:.0f} %)")
    missing = "; ".join(f"{what} not measured: {why}" for what, why in d.missing)
    return f"athlete {d.height_cm:.0f} cm: {', '.join(parts) or 'no distances'}" + (f"; {missing}" if missing else "")


def _import_later_stages() -> None:
    for name in ("scipy.signal", "kneedrive_cv.output.plots", "kneedrive_cv.output.html",
                 "kneedrive_cv.output.kinogram", "kneedrive_cv.output.report"):
        importlib.import_module(name)


def run(args: argparse.Namespace) -> int:
    """Analyse, print, write."""
    # scipy.signal (0.5 s), matplotlib and the report's other libraries load while the pose model runs (it
    # releases the GIL), not after it
    threading.Thread(target=_import_later_stages, daemon=True).start()
    cache = None if args.no_cache else TrackCache()
    out = args.out or Path("results") / args.clip.stem
    result = analyse(args.clip, drill=args.drill, model=args.model, cache=cache, thresholds=args.thresholds,
                     progress=_progress, athlete=args.athlete, height_cm=args.height_cm,
                     slow_motion=args.slow_motion)
    heading = {"athlete": " ".join(args.name.split()) or None} if args.name else None
    files = write_outputs(result, out, overlay=args.overlay, thresholds=args.thresholds, model=args.model,
                          heading=heading)
    print_rep_table(result)
    print(f"results in {out}/: " + ", ".join(n for n in files if "/" not in n))
    return 0
