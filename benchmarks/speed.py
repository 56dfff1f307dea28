"""Speed of each stage and of the whole analysis, against a bare decode + MediaPipe loop on the same clip.

    python benchmarks/speed.py                # every clip, each measurement twice (the best is reported)
    python benchmarks/speed.py --repeats 3
    python benchmarks/speed.py --out my.json  # another place for the figures (a .txt copy goes beside it)

Clips: two real clips from ``../shared/real_videos`` (skipped where absent) and two rendered piston runs,
1280x720 and 1920x1080 at 30 fps, 10 s each (rendered into a temporary folder). For each clip:

  decode        frames per second of ``kneedrive_cv.video.read_frames`` (PyAV, RGB, upright), nothing else
  pose          frames per second of ``kneedrive_cv.pose.estimate.run_pose`` (the clip's spans on all cores,
                each decoding in a thread + MediaPipe + the athlete finder), in this process, no cache
  analyse       ``kneedrive analyse CLIP --out DIR`` as a whole process (start-up, imports, pose, analysis,
                every report file; no overlay) with an empty temporary ``KNEEDRIVE_CACHE``: frames per
                second, wall time, peak memory (maximum resident set of that process), CPU cores used
  bare loop     ``../shared/acceptance/bare_loop.py CLIP`` as a whole process: OpenCV decode + MediaPipe
                pose on every frame (the Tasks API with models/*.task), nothing else; the overhead is
                analyse wall time / bare wall time, each pair run back to back (target <= 1.10)
  re-score      the same ``kneedrive analyse`` again with the cache warm (whole process), and in this process
                ``analyse()`` alone (cache warm, imports done) and ``write_outputs()`` alone (target < 1 s)

Real-time factor: clip duration / analyse wall time (>= 1 is at least as fast as real time; the target is
the 1080p 30 fps clip). The re-score process time splits into ``analyse()``, ``write_outputs()`` and the
rest (interpreter start-up and imports). The machine may be shared: every figure is the best of
``--repeats`` runs (the least disturbed), and the load average is printed with each clip. Peak memory of
the child processes comes from ``os.wait4`` (the stdlib's per-child ``getrusage``), run from a small
launcher process so that this process's own size does not leak into the figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import Report, machine  # benchmarks/common.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REAL = SHARED / "real_videos"
BARE_LOOP = SHARED / "acceptance" / "bare_loop.py"
RESULTS = ROOT / "benchmarks" / "results"
REAL_CLIPS = ("treadmill_side_lab_markers_480p.mp4", "high_knees_side_gym_60fps.mp4")
#: Rendered clips: (name, size).
RENDERED = (("piston_run_720p30.mp4", (1280, 720)), ("piston_run_1080p30.mp4", (1920, 1080)))
RENDERED_SECONDS = 10.0
RESCORE_TARGET_S = 1.0
OVERHEAD_TARGET = 1.10


@dataclass
class Child:
    """A finished child process: wall time, peak memory, CPU time and its standard output."""

    wall_s: float
    max_rss_mb: float
    cpu_s: float
    output: str


#: Runs each command it is sent and reports the command's own rusage (``os.wait4``). It is started before
#: this process loads anything large: Linux carries a process's peak memory across fork and exec, so a
#: child started from this process after the pose model is loaded would report this process's peak.
_LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    job = json.loads(line)
    with open(job["stdout"], "w") as out, open(job["stderr"], "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(job["cmd"], stdout=out, stderr=err, env=job["env"], cwd=job["cwd"])
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({"wall_s": wall, "code": proc.returncode, "max_rss_kb": usage.ru_maxrss,
                      "cpu_s": usage.ru_utime + usage.ru_stime}), flush=True)
"""


class Launcher:
    """A small process that runs the measured commands (see ``_LAUNCHER``)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, cmd: list[str], env: dict[str, str] | None = None) -> Child:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with tempfile.TemporaryDirectory(prefix="kd-speed-run-") as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            job = {"cmd": cmd, "env": env or dict(os.environ), "cwd": str(ROOT), "stdout": str(out),
                   "stderr": str(err)}
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
            done = json.loads(self.proc.stdout.readline())
            output, errors = out.read_text(), err.read_text()
        if done["code"] != 0:
            sys.exit(f"{' '.join(cmd)} failed ({done['code']}):\n{(output + errors)[-2000:]}")
        return Child(done["wall_s"], done["max_rss_kb"] / 1024, done["cpu_s"], output)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def kneedrive_cmd() -> list[str]:
    """The ``kneedrive`` command beside this Python, else ``python -m kneedrive_cv``."""
    script = Path(sys.executable).with_name("kneedrive")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kneedrive_cv"]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def wait_quiet(limit: float, max_wait_s: float = 600) -> None:
    deadline = time.monotonic() + max_wait_s
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(10)


def decode_fps(clip: Path, repeats: int) -> tuple[float, int]:
    """Best frames per second of a plain read, and the frame count."""
    from kneedrive_cv.video import read_frames

    best, frames = 0.0, 0
    for _ in range(repeats):
        start = time.perf_counter()
        frames = sum(1 for _ in read_frames(clip))
        best = max(best, frames / (time.perf_counter() - start))
    return best, frames


def pose_fps(clip: Path, repeats: int) -> float:
    from kneedrive_cv.pose.estimate import run_pose

    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        track = run_pose(clip)
        best = max(best, len(track) / (time.perf_counter() - start))
    return best


def full_and_bare(run: Launcher, clip: Path, work: Path, repeats: int) -> dict[str, Any]:
    """Bare loop then full analysis, back to back, ``repeats`` times; each analysis on an empty cache."""
    pairs = []
    for i in range(repeats):
        bare = run.run([sys.executable, str(BARE_LOOP), str(clip)]) if BARE_LOOP.exists() else None
        env = {**os.environ, "KNEEDRIVE_CACHE": str(work / f"cache-{i}")}
        full = run.run([*kneedrive_cmd(), "analyse", str(clip), "--out", str(work / f"out-{i}")], env)
        if _from_cache(work / f"out-{i}"):
            sys.exit(f"{clip.name}: the analysis with an empty cache did not run the pose model")
        pairs.append((bare, full))
    fulls = [f for _, f in pairs]
    best = min(fulls, key=lambda c: c.wall_s)
    out: dict[str, Any] = {"analyse_wall_s": best.wall_s, "analyse_runs_s": [c.wall_s for c in fulls],
                           "analyse_max_rss_mb": max(c.max_rss_mb for c in fulls),
                           "analyse_cores_used": best.cpu_s / best.wall_s,
                           "cache_dir": str(work / f"cache-{fulls.index(best)}")}
    bares = [b for b, _ in pairs if b is not None]
    if bares:
        loop_s = [float(b.output.split()[-1]) for b in bares]  # the bare loop prints "frames seconds"
        out.update(bare_wall_s=min(b.wall_s for b in bares), bare_runs_s=[b.wall_s for b in bares],
                   bare_loop_only_s=min(loop_s), bare_max_rss_mb=max(b.max_rss_mb for b in bares),
                   overhead_best_pair=min(f.wall_s / b.wall_s for b, f in pairs if b is not None),
                   overhead_of_bests=best.wall_s / min(b.wall_s for b in bares))
    return out


def _from_cache(out_dir: Path) -> bool:
    return bool(json.loads((out_dir / "report.json").read_text())["pose"]["from_cache"])


def rescore(run: Launcher, clip: Path, cache_dir: Path, work: Path, repeats: int) -> dict[str, Any]:
    """Times of a second analysis with the pose cache warm: whole process, and analyse()/write_outputs() alone."""
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.output import write_outputs
    from kneedrive_cv.pose.cache import TrackCache

    env = {**os.environ, "KNEEDRIVE_CACHE": str(cache_dir)}
    procs = [run.run([*kneedrive_cmd(), "analyse", str(clip), "--out", str(work / f"rescore-{i}")], env)
             for i in range(repeats)]
    if not _from_cache(work / "rescore-0"):
        sys.exit(f"re-score of {clip.name}: `kneedrive analyse` ran the pose model; the cache was not used")
    cache = TrackCache(cache_dir)
    result = analyse(clip, cache=cache)  # warm-up: imports, drills file
    if not result.from_cache:
        sys.exit(f"re-score of {clip.name}: the pose cache in {cache_dir} was not used")
    analyse_s, write_s = [], []
    for i in range(repeats):
        start = time.perf_counter()
        result = analyse(clip, cache=cache)
        analyse_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        write_outputs(result, work / f"inproc-{i}")
        write_s.append(time.perf_counter() - start)
    return {"rescore_process_s": min(p.wall_s for p in procs), "rescore_process_runs_s": [p.wall_s for p in procs],
            "rescore_analyse_s": min(analyse_s), "rescore_write_outputs_s": min(write_s)}


def measure(run: Launcher, clip: Path, repeats: int) -> dict[str, Any]:
    from kneedrive_cv.video import probe

    info = probe(clip)
    out: dict[str, Any] = {"clip": clip.name, "size": f"{info.width}x{info.height}", "fps": round(info.fps, 3),
                           "duration_s": round(info.duration_s, 2), "load_before": load()}
    out["decode_fps"], out["frames"] = decode_fps(clip, repeats)
    out["pose_fps"] = pose_fps(clip, repeats)
    with tempfile.TemporaryDirectory(prefix="kd-speed-") as tmp:
        work = Path(tmp)
        out.update(full_and_bare(run, clip, work, repeats))
        out.update(rescore(run, clip, Path(out.pop("cache_dir")), work, repeats))
    out["rescore_startup_imports_s"] = (out["rescore_process_s"] - out["rescore_analyse_s"]
                                        - out["rescore_write_outputs_s"])
    out["analyse_fps"] = out["frames"] / out["analyse_wall_s"]
    out["realtime_factor"] = out["duration_s"] / out["analyse_wall_s"]
    out["load_after"] = load()
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def render_clips(folder: Path, only: list[str] | None) -> list[Path]:
    from kneedrive_cv.synth import RenderSettings, render

    clips = []
    for name, size in RENDERED:
        if only and not any(text in name for text in only):
            continue
        clip, _, _ = render("piston_run", folder / name, {}, RenderSettings(fps=30.0, size=size,
                                                                             seconds=RENDERED_SECONDS))
        clips.append(clip)
    return clips


def _f(x: float | None, fmt: str = ".1f") -> str:
    return "-" if x is None else format(x, fmt)


def print_table(say: Report, rows: list[dict[str, Any]]) -> None:
    say(f"{'clip':<38}{'size':>10}{'frames':>7}{'decode':>8}{'pose':>7}{'analyse':>8}{'wall s':>8}{'bare s':>8}"
        f"{'overhead':>9}{'x real':>7}{'peak MB':>8}{'rescore s':>10}{'analyse()':>10}{'write':>7}")
    for r in rows:
        say(f"{r['clip']:<38}{r['size']:>10}{r['frames']:>7}{r['decode_fps']:>8.0f}{r['pose_fps']:>7.1f}"
            f"{r['analyse_fps']:>8.1f}{r['analyse_wall_s']:>8.1f}{_f(r.get('bare_wall_s')):>8}"
            f"{_f(r.get('overhead_best_pair'), '.3f'):>9}{r['realtime_factor']:>7.2f}{r['analyse_max_rss_mb']:>8.0f}"
            f"{r['rescore_process_s']:>10.2f}{r['rescore_analyse_s']:>10.3f}{r['rescore_write_outputs_s']:>7.2f}")
    say("(decode, pose, analyse: frames per second; overhead: analyse wall / bare loop wall, best back-to-back pair;")
    say(" x real: clip duration / analyse wall; peak MB: analyse process; rescore s: whole process, cache warm;")
    say(" analyse(), write: the same in-process, seconds)")


def verdicts(say: Report, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The three targets of the issue, met or not, with the figures."""
    out: dict[str, Any] = {}
    over = [r["overhead_best_pair"] for r in rows if "overhead_best_pair" in r]
    if over:
        out["overhead_max"] = max(over)
        say(f"overhead over the bare loop: {', '.join(f'{x:.3f}' for x in over)} "
            f"(target <= {OVERHEAD_TARGET}: {'met' if max(over) <= OVERHEAD_TARGET else 'NOT met'})")
    hd = next((r for r in rows if r["size"] == "1920x1080"), None)
    if hd:
        out["realtime_factor_1080p30"] = hd["realtime_factor"]
        say(f"1080p 30 fps: {hd['analyse_fps']:.1f} frames/s analysed, {hd['realtime_factor']:.2f}x real time "
            f"(target >= 1: {'met' if hd['realtime_factor'] >= 1 else 'NOT met'})")
    worst = max(rows, key=lambda r: r["rescore_analyse_s"])
    out["rescore_analyse_max_s"] = worst["rescore_analyse_s"]
    out["rescore_process_max_s"] = max(r["rescore_process_s"] for r in rows)
    say(f"re-score with the cache warm: analyse() {worst['rescore_analyse_s']:.3f} s at most (target < "
        f"{RESCORE_TARGET_S:.0f} s: {'met' if worst['rescore_analyse_s'] < RESCORE_TARGET_S else 'NOT met'}); the "
        f"whole `kneedrive analyse` process {out['rescore_process_max_s']:.2f} s at most (of which writing the "
        f"reports {max(r['rescore_write_outputs_s'] for r in rows):.2f} s, start-up and imports "
        f"{max(r['rescore_startup_imports_s'] for r in rows):.2f} s at most)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs of each measurement; the best is kept")
    parser.add_argument("--out", type=Path, default=RESULTS / "speed.json", help="JSON of all figures")
    parser.add_argument("--quiet", type=float, metavar="LOAD",
                        help="before each clip, wait (10 min at most) for the 1-minute load average to fall under LOAD")
    parser.add_argument("--only", nargs="+", metavar="TEXT", help="only the clips whose names contain TEXT "
                        "(e.g. --only 1080p treadmill)")
    args = parser.parse_args()
    launcher = Launcher()  # first, while this process is small
    host = machine()  # before the run: the commit measured is the one checked out when it started
    say = Report()
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="kd-speed-clips-") as tmp:
        clips = [REAL / name for name in REAL_CLIPS if (REAL / name).exists()]
        if len(clips) < len(REAL_CLIPS):
            say(f"real clips not found in {REAL}: measured on rendered clips only")
        if not BARE_LOOP.exists():
            say(f"{BARE_LOOP} not found: no overhead ratio")
        print("rendering the 720p and 1080p piston runs...", file=sys.stderr, flush=True)
        clips += render_clips(Path(tmp), args.only)
        for clip in clips:
            if args.only and not any(text in clip.name for text in args.only):
                continue
            if args.quiet is not None:
                wait_quiet(args.quiet)
            print(f"measuring {clip.name} (load average {' '.join(map(str, load()))})...", file=sys.stderr,
                  flush=True)
            rows.append(measure(launcher, clip, args.repeats))
            print(f"  {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    launcher.close()
    if not rows:
        sys.exit("no clip to measure")
    say(f"speed, best of {args.repeats} runs; {os.cpu_count()} cores; load average (1, 5, 15 min) per clip: "
        + "; ".join(f"{r['clip']} {' '.join(map(str, r['load_before']))}" for r in rows))
    say()
    print_table(say, rows)
    say()
    figures = {"benchmark": "speed", "machine": host, "repeats": args.repeats,
               "elapsed_s": round(time.perf_counter() - start, 1), "clips": rows, "targets": verdicts(say, rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    args.out.with_suffix(".txt").write_text(say.buffer.getvalue())
    print(f"\nfigures in {args.out} and {args.out.with_suffix('.txt')}", file=sys.stderr)


if __name__ == "__main__":
    main()
