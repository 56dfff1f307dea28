"""``kneedrive overlay DIR``: draw the overlay video again from a saved analysis, without running pose again.

Reads ``DIR/analysis.json`` (where the clip is, which drill and thresholds were used) and ``DIR/track.npz``
(the pose track), re-runs the pose-free part of the analysis (so a changed thresholds file shows), and
writes ``DIR/overlay.mp4`` (or ``--out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kneedrive_cv.output.overlay import render_overlay
from kneedrive_cv.output.saved import load_saved

NAME = "overlay"
HELP = "draw the overlay video again from a saved analysis folder (no pose estimation)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive overlay``."""
    parser.add_argument("folder", type=Path, metavar="DIR", help="a folder written by `kneedrive analyse --out DIR`")
    parser.add_argument("--out", type=Path, help="video file to write (default: DIR/overlay.mp4)")
    parser.add_argument("--clip", type=Path, help="the source clip, if it has moved since the analysis")
    parser.add_argument("--thresholds", type=Path,
                        help="a drills file to score with instead of the one saved with the analysis")


def run(args: argparse.Namespace) -> int:
    """Load the saved track, re-analyse without pose, draw, print where the video went."""
    folder: Path = args.folder
    result = load_saved(folder, clip=args.clip, thresholds=args.thresholds)
    out = render_overlay(result, args.out or folder / "overlay.mp4")
    print(f"{result.clip.name}: {result.drill_name}, {len(result.reps)} reps; overlay written to {out}")
    return 0
