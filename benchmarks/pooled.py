"""Recognition and counting pooled over every randomised set the recognition benchmark has written.

Each set (`recognition.py` with its own `--seed-base`) is a few dozen clips of each drill, where one clip moves a
drill's rate by several points; pooled, the same figures rest on all of them. Reads the JSON results (by default
every committed set), prints per drill: drill right, reps exact (and with a drive at the clip's edge counted
either way), cadence within 2 %, and how the drives the clip's edges come close to deciding were called; writes the
table to `results/recognition_pooled.txt`. Nothing is analysed again.

    .venv/bin/python benchmarks/pooled.py
    .venv/bin/python benchmarks/pooled.py results/recognition.json my_set.json --out /tmp/pooled.txt
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from common import ROOT, Report, edge_call_distances, edge_distance_line

RESULTS = ROOT / "benchmarks" / "results"


def committed_sets() -> list[Path]:
    """Every set the benchmark wrote to results/: the first (seeds 0 and up), then the others by first seed."""
    later = sorted(RESULTS.glob("recognition_seeds*.json"), key=lambda p: int(p.stem.removeprefix("recognition_seeds")))
    return [RESULTS / "recognition.json", *later]


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} % ({part}/{whole})" if whole else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, help="results JSONs (default: every committed set)")
    parser.add_argument("--out", type=Path, default=RESULTS / "recognition_pooled.txt", help="table written here")
    args = parser.parse_args()
    paths = args.sets or committed_sets()
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    edges: dict[str, Counter[str]] = defaultdict(Counter)
    calls: list[list[object]] = []
    hashes, clips, runs = set(), 0, []
    for path in paths:
        result = json.loads(path.read_text())
        hashes.add(result.get("renderer_hash"))
        host = result.get("machine") or {}
        runs.append(f"{path.name} {host.get('commit', '?')}, {host.get('date', '?')}")
        for clip in result["clips"]:
            if clip["real"]:
                continue
            clips += 1
            row = tally[clip["truth_drill"]]
            row["n"] += 1
            row["right"] += bool(clip["drill_right"])
            if clip["truth_drill"] != "none":
                row["exact"] += bool(clip["count_exact"])
                row["edges"] += bool(clip["count_right_at_edges"])
                calls += clip.get("edge_calls") or []
                for edge, whole, call, *_ in clip.get("edge_calls") or []:
                    key = f"{edge}, truth {'whole' if whole else 'cut'}"
                    edges[key]["drives"] += 1
                    edges[key]["same"] += call == ("whole" if whole else "cut")
            if clip.get("cadence_right") is not None:
                row["cadence_n"] += 1
                row["cadence"] += bool(clip["cadence_right"])
    report = Report()
    report(f"recognition pooled over {len(paths)} sets ({clips} randomised clips; renderer "
           f"{', '.join(sorted(str(h) for h in hashes))}): {', '.join(p.name for p in paths)}")
    # a set run at an older commit (or on older tracks) pools its own figures: say which
    report("each set as run (commit, date): " + "; ".join(runs))
    report()
    report(f"{'truth':18s} {'clips':>5}  {'drill right':>18}  {'reps exact':>18}  {'either way at the edges':>23}  "
           f"{'cadence within 2 %':>18}")
    drills: Counter[str] = Counter()
    for drill in sorted(tally):
        row = tally[drill]
        counted = drill != "none"
        report(f"{drill:18s} {row['n']:>5}  {pct(row['right'], row['n']):>18}  "
               f"{pct(row['exact'], row['n']) if counted else '-':>18}  "
               f"{pct(row['edges'], row['n']) if counted else '-':>23}  {pct(row['cadence'], row['cadence_n']):>18}")
        if counted:
            drills.update(row)
    cadence = sum(row["cadence"] for row in tally.values()), sum(row["cadence_n"] for row in tally.values())
    none = tally.get("none", Counter())
    report()
    n = drills["n"]
    report(f"drill clips: drill right {pct(drills['right'], n).strip()}; reps exact {pct(drills['exact'], n).strip()}"
           f", {pct(drills['edges'], n).strip()} either way at the edges")
    report(f"non-drill clips given a drill: {pct(none['n'] - none['right'], none['n']).strip()}; "
           f"cadence within 2 % on {pct(*cadence).strip()} of the clips with one")
    if edges:
        report("drives whose deciding level the clip's edge falls within 2 frames of, called the truth's way: "
               + "; ".join(f"{key} {pct(t['same'], t['drives']).strip()}" for key, t in sorted(edges.items())))
        distances = edge_call_distances(calls)
        if distances["calls"]:
            report(edge_distance_line(distances) + f" (over the {distances['calls']} calls of the sets that record it)")
    args.out.write_text(report.buffer.getvalue())
    print(f"table in {args.out}")


if __name__ == "__main__":
    main()
