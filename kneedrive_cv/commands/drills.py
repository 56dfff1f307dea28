"""``kneedrive drills``: every drill with its criteria, bands and cues."""

from __future__ import annotations

import argparse
from pathlib import Path

from kneedrive_cv.scoring.drills import REP_METRICS, load_drills

NAME = "drills"
HELP = "list the drills with their criteria, thresholds and coaching cues"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive drills``."""
    parser.add_argument("--thresholds", type=Path, help="show the drills with your own thresholds file applied")


def _band(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:g} to {hi:g}"
    return f">= {lo:g}" if lo is not None else f"<= {hi:g}"


def run(args: argparse.Namespace) -> int:
    """Print every drill."""
    book = load_drills(args.thresholds)
    print(f"thresholds from: {' + '.join(book.sources)}\n")
    for d in book.drills.values():
        extra = []
        if d.cadence_min_spm or d.cadence_max_spm:
            extra.append(f"cadence {_band(d.cadence_min_spm, d.cadence_max_spm)} per min")
        if d.target_hold_s:
            extra.append(f"hold {d.target_hold_s:g} s")
        print(f"{d.name}: {d.title}{' (' + ', '.join(extra) + ')' if extra else ''}")
        print(f"  {d.summary}")
        for c in d.criteria:
            codes = dict.fromkeys(b.fault for b in (c.below, c.above) if b)
            faults = ", ".join(f"{code}: {book.cue(code)}" for code in codes)
            print(f"  - {c.metric} {_band(c.min, c.max)} (+-{c.margin:g} noise, weight {c.weight:g}) -> {faults}")
        print()
    print("rep metrics: " + "; ".join(f"{k} = {v}" for k, v in REP_METRICS.items()))
    return 0
