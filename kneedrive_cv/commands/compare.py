"""``kneedrive compare A B``: two clips (or two reps of one) side by side, synced at the knee drive's peak.

A and B are clips or folders written by ``kneedrive analyse --out DIR``. A folder's saved pose track is used;
a clip's pose comes from the cache when it was analysed before (the model runs only for a clip never seen).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.commands.analyse import _progress
from kneedrive_cv.output.compare import MAX_SLOW, write_compare
from kneedrive_cv.output.saved import is_saved_analysis, load_saved
from kneedrive_cv.pose.cache import TrackCache

NAME = "compare"
HELP = "compare two clips or saved analyses (or two reps of one) side by side, synced at the knee-drive peak"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive compare``."""
    parser.add_argument("a", type=Path, metavar="A", help="a clip, or a folder written by `kneedrive analyse --out`")
    parser.add_argument("b", type=Path, metavar="B", help="the other clip or folder (the same one again to compare "
                                                          "two of its reps)")
    parser.add_argument("--out", type=Path, help="folder for compare.mp4, compare.png and compare.json "
                                                 "(default: results/compare-A-B)")
    parser.add_argument("--reps", type=int, nargs=2, metavar=("REP_A", "REP_B"),
                        help="compare these two reps (numbers as in the reports); default: rep by rep when both "
                             "are sets of the same drill, else A's best rep against B's worst")
    parser.add_argument("--slow", type=float, default=1.0, metavar="FACTOR",
                        help=f"slow motion: 2 plays at half speed (1 to {MAX_SLOW:g}; default 1)")
    parser.add_argument("--ghost", action="store_true",
                        help="also draw B's skeleton over A's picture, hips on hips and scaled to A (onion skin)")
    parser.add_argument("--drill", default="auto", help="drill of a clip given as a file (default: recognise it)")


def _load(path: Path, drill: str, seen: dict[Path, AnalysisResult]) -> AnalysisResult:
    key = path.resolve()
    if key not in seen:
        if is_saved_analysis(path):
            seen[key] = load_saved(path, command="compare")
        else:
            seen[key] = analyse(path, drill=drill, cache=TrackCache(), progress=_progress)
    return seen[key]


def run(args: argparse.Namespace) -> int:
    """Load or analyse both sides, compare, print the pairs and where the files went."""
    seen: dict[Path, AnalysisResult] = {}
    a, b = _load(args.a, args.drill, seen), _load(args.b, args.drill, seen)
    out = args.out or Path("results") / f"compare-{args.a.stem or 'a'}-{args.b.stem or 'b'}"
    files = write_compare(a, b, out, reps=tuple(args.reps) if args.reps else None, slow=args.slow, ghost=args.ghost)
    import json

    doc = json.loads(files["compare.json"].read_text(encoding="utf-8"))
    video = doc["video"]
    print(f"A {a.clip.name} ({a.drill_name}, {len(a.reps)} reps) against B {b.clip.name} ({b.drill_name}, "
          f"{len(b.reps)} reps): {len(doc['pairs'])} pairs, {doc['pairing']}")
    for p in doc["pairs"][:12]:
        d = p["delta"]
        shown = ", ".join(f"{k} {d[k]:+.1f}" for k in ("score", "peak_thigh_deg", "trunk_lean_deg") if k in d)
        print(f"  A rep {p['a']['index']:>2} {p['a']['side']:<5} vs B rep {p['b']['index']:>2} {p['b']['side']:<5} "
              f"{shown or 'nothing measured on both'}")
    if len(doc["pairs"]) > 12:
        print(f"  ... {len(doc['pairs']) - 12} more in compare.json")
    cd = doc["clip_delta"]
    if "cadence_spm" in cd:
        print(f"cadence B - A {cd['cadence_spm']:+.1f} per min")
    print(f"video {video['width']}x{video['height']} at {video['fps']:g} fps"
          + (f", {video['slow_motion']:g}x slow motion" if video["slow_motion"] != 1 else "")
          + (", B mirrored to face A's way" if video["b_mirrored"] else ""))
    print(f"results in {out}/: " + ", ".join(files))
    return 0
