"""``kneedrive batch INPUT --out DIR``: score a squad's clips in parallel and write the squad summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kneedrive_cv.batch.cluster import FILES_MODES
from kneedrive_cv.batch.discover import AUTO, drill_names
from kneedrive_cv.batch.progress import format_duration
from kneedrive_cv.batch.runner import run_batch
from kneedrive_cv.cluster import ClusterSpec

NAME = "batch"
HELP = "score every clip of a folder (or a manifest CSV) and write a squad summary"

EPILOG = """\
INPUT is a folder (searched recursively for .mp4 .mov .m4v .avi .mkv .webm files, any case; hidden files
left out) or a manifest CSV with a header row path,athlete,drill[,date] (relative paths are taken from the
CSV's folder; an empty athlete or drill cell falls back to the filename rule).

Filename rule: athlete_drill_anything.mp4. The athlete is the part before the first underscore (the parent
folder's name when the filename has no underscore); the drill is the first drill name found anywhere after
that underscore (any case, "-" or " " for "_"), else --drill. The drill names:
  {drills}
A date in the name (2024-05-01 or 20240501) fills the date column.
  ana_wall_drill_take2.mp4   -> athlete ana, drill wall_drill
  squad/ben/clip1.mov        -> athlete ben, drill from --drill

Outputs: DIR/summary.csv (one row per clip), DIR/index.html (the squad page), DIR/batch.log, and each clip's
own outputs in DIR/<athlete>/<clip>/. Running the same command again skips finished clips (same content,
model, drill and settings) and re-tries clips that failed for a reason other than the clip itself; --force
analyses everything again. Ctrl-C stops at once; run the command again to resume.

On a Dask cluster (pip install "kneedrive-cv[cluster]"): --scheduler tcp://HOST:8786 sends the clips to a
running Dask scheduler's workers; --cluster local starts worker processes on this machine instead of the pool.
--files says how clips reach the workers: auto (the default: each worker checks that it sees the clip and DIR
at the same paths; the clips it cannot see are sent to it as bytes), shared (they do) or send (always send
the clip's bytes; the results come back and are written here). The progress shows the clips each worker is on
and the cluster's dashboard address.

Exit code: 0 when every clip was scored, 1 when some failed (the last line says how many), 2 for a usage error.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive batch``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG.format(drills=", ".join(drill_names()))
    parser.add_argument("input", type=Path, metavar="INPUT", help="folder of clips, or a manifest .csv")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the results")
    parser.add_argument("--jobs", type=_positive, metavar="N",
                        help="clips analysed at once (default: the number of cores); with --cluster local, its "
                             "worker processes; with --scheduler, the cluster's workers decide")
    parser.add_argument("--drill", default=AUTO, metavar="auto|NAME",
                        help=f"drill of clips whose name or manifest row gives none: {AUTO} (recognise it, the "
                             f"default) or one of {', '.join(drill_names())}")
    parser.add_argument("--overlay", action="store_true", help="also write each clip's overlay video")
    parser.add_argument("--force", action="store_true", help="analyse every clip again, even finished ones")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the clips on a Dask cluster: its scheduler's address, such as tcp://HOST:8786")
    where.add_argument("--cluster", choices=["local"],
                       help="local: run the clips on a Dask cluster of worker processes on this machine "
                            "(--jobs of them, default one per core)")
    parser.add_argument("--files", choices=FILES_MODES, default="auto",
                        help="with a cluster: how clips reach the workers (default auto; see below)")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, 1 or more; got '{text}'")
    return value


def run(args: argparse.Namespace) -> int:
    """Run the batch, print what happened; exit 1 when some clips failed."""
    try:
        cluster = (ClusterSpec(scheduler=args.scheduler) if args.scheduler else
                   ClusterSpec(workers=args.jobs) if args.cluster == "local" else None)
        result = run_batch(args.input, args.out, jobs=args.jobs, drill=args.drill, overlay=args.overlay,
                           force=args.force, progress=sys.stderr, cluster=cluster, files=args.files)
    except KeyboardInterrupt:
        print("kneedrive: batch interrupted; finished clips are kept, run the same command again to resume",
              file=sys.stderr)
        return 130
    sys.stderr.flush()
    total, failed = len(result.rows), result.failed
    print(f"{total} clips in {format_duration(result.elapsed_s)}: {total - failed} ok, {failed} failed "
          f"({result.analysed} analysed, {result.reused} reused from an earlier run)")
    print(f"squad page: {result.index_html}")
    if failed:
        print(f"{failed} of {total} clips failed: see {result.summary_csv}")
        return 1
    print(f"all {total} clips scored: see {result.summary_csv}")
    return 0
