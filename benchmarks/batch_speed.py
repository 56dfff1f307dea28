"""Batch throughput: clips per minute with 1 and 2 worker processes, the local pool and a local Dask cluster.

Every run gets a fresh, empty pose cache (``KNEEDRIVE_CACHE`` in a temporary folder) and a fresh output
folder, so the pose model really runs on every clip. The clips are the short shared real clips
(``../shared/real_videos``, copied to a temporary folder, never into the project) and ``sample_videos/*.mp4``
where present. Also reports the time of a rerun of the finished batch (which should analyse nothing).

Each worker count runs twice: on the local process pool (``kneedrive batch``) and on a ``distributed.LocalCluster``
of as many worker processes (``kneedrive batch --cluster local``, files shared), the cluster's start-up and
shut-down included, as a user waits for them. Both must give the same summary.

    python benchmarks/batch_speed.py                 # 1 and 2 workers, pool and local cluster
    python benchmarks/batch_speed.py --jobs 1 2 4    # other worker counts
    python benchmarks/batch_speed.py --modes pool    # the pool only (no Dask needed)
    python benchmarks/batch_speed.py --quiet 0.5     # wait (up to 30 min) for a load average under 0.5 first

The load average is printed before and after each run, with the CPU time the workers used: on a shared
machine other work slows the 2-worker run most, and the figures are only worth quoting from a quiet one.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"
#: Short real clips (a few seconds each), of different sizes and frame rates.
REAL_CLIPS = ("running_side_panning_field_short.mp4", "pose2sim_lab_markers_oblique_cam01.mp4",
              "jogging_front_portrait.mp4", "sprint_maxvel_side_track.mp4", "sprint_start_side_track_a1.mp4",
              "jumping_jacks_front_gym_60fps.mp4", "high_knees_side_gym_60fps.mp4", "walking_side_gym_wall.mp4")


def _clips() -> list[Path]:
    found = [REAL / name for name in REAL_CLIPS if (REAL / name).exists()]
    found += sorted((ROOT / "sample_videos").glob("*.mp4"))
    if not found:
        sys.exit(f"no clips: neither {REAL} nor {ROOT / 'sample_videos'} has any")
    return found


def _frames(path: Path) -> int:
    from kneedrive_cv.video import probe

    return probe(path).n_frames


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _wait_quiet(limit: float, max_wait_s: float = 1800) -> None:
    deadline = time.monotonic() + max_wait_s
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(10)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, once their pool has shut down
    return usage.ru_utime + usage.ru_stime


MODES = {"pool": "pool", "cluster": "local cluster"}


def _run(src: Path, work: Path, jobs: int, mode: str) -> tuple[float, float, float, int, str]:
    """One batch with ``jobs`` workers on an empty cache.

    Returns (seconds, worker CPU s, rerun seconds, failed, summary.csv's text).
    """
    from kneedrive_cv.batch import run_batch
    from kneedrive_cv.cluster import ClusterSpec

    os.environ["KNEEDRIVE_CACHE"] = str(work / f"cache-{mode}-{jobs}")  # the spawned workers inherit it
    out = work / f"out-{mode}-{jobs}"
    cluster = ClusterSpec(workers=jobs) if mode == "cluster" else None
    cpu = _children_cpu_s()
    start = time.perf_counter()
    result = run_batch(src, out, jobs=jobs, cluster=cluster, files="shared")
    elapsed = time.perf_counter() - start
    cpu = _children_cpu_s() - cpu
    if result.analysed != len(result.rows):
        sys.exit(f"expected every clip analysed, got {result.analysed} of {len(result.rows)}")
    start = time.perf_counter()
    rerun = run_batch(src, out, jobs=jobs, cluster=cluster)
    rerun_s = time.perf_counter() - start
    if rerun.analysed:
        sys.exit(f"the rerun analysed {rerun.analysed} clips; expected none")
    return elapsed, cpu, rerun_s, result.failed, result.summary_csv.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="worker counts to compare")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES),
                        help="the local process pool, a local Dask cluster, or both (the default)")
    parser.add_argument("--quiet", type=float, metavar="LOAD",
                        help="before each run, wait (30 min at most) for the 1-minute load average to fall under LOAD")
    args = parser.parse_args()
    clips = _clips()
    frames = sum(_frames(c) for c in clips)
    print(f"{len(clips)} clips, {frames} frames; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="kd-batch-bench-") as tmp:
        work = Path(tmp)
        src = work / "squad"
        src.mkdir()
        for clip in clips:
            shutil.copy(clip, src / clip.name)
        per_min: dict[tuple[str, int], float] = {}
        first = ""
        for jobs in args.jobs:
            for mode in args.modes:
                if args.quiet is not None:
                    _wait_quiet(args.quiet)
                before = _load()
                elapsed, cpu, rerun_s, failed, summary = _run(src, work, jobs, mode)
                per_min[mode, jobs] = 60 * len(clips) / elapsed
                first = first or summary
                if summary != first:
                    sys.exit(f"{MODES[mode]} with {jobs} workers gave another summary than the first run")
                print(f"{jobs} worker{'s' * (jobs > 1)}, {MODES[mode]:13s}: {elapsed:6.1f} s, "
                      f"{per_min[mode, jobs]:5.2f} clips/min, {frames / elapsed:5.1f} frames/s ({failed} failed); "
                      f"workers used {cpu:.0f} CPU s ({cpu / elapsed:.2f} cores); rerun {rerun_s:.2f} s; "
                      f"load average {before} -> {_load()}", flush=True)
    print("clips/min      " + "".join(f"{MODES[m]:>15s}" for m in args.modes))
    for jobs in args.jobs:
        print(f"{jobs} worker{'s' * (jobs > 1)}:".ljust(15) + "".join(f"{per_min[m, jobs]:15.2f}" for m in args.modes))
    base = args.jobs[0]
    for mode in args.modes:
        for jobs in args.jobs[1:]:
            print(f"speed-up {MODES[mode]}, {jobs} vs {base} worker{'s' * (base > 1)}: "
                  f"{per_min[mode, jobs] / per_min[mode, base]:.2f}x")


if __name__ == "__main__":
    main()
