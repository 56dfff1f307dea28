"""How long the web app takes to score a finished clip again: from the coach's request to the new scores.

    python benchmarks/web_rescore.py                  # piston-run sample, 3 re-scores, best and median kept
    python benchmarks/web_rescore.py --repeats 5 --clip CLIP.mp4
    PYTHONPATH=../other-tree python benchmarks/web_rescore.py --label before --out /tmp/before.txt   # another tree

Runs the app with the real analysis (a temporary data folder, the project's pose cache), uploads the clip
and waits for its first analysis, opens its page as a coach would, then re-scores it with another drill,
alternating between two, ``--repeats`` times. For each re-score it times

  new scores    from sending the re-score request to the clip's status answering ``done`` with the new drill
                (what the coach waits for before the page shows the new scores, report and plots)
  overlay       from the same request until the overlay video has been drawn for them (the app then shows it)

The status is polled every 0.1 s, so each figure is at most 0.1 s long. The machine may be shared: the load
average is printed. Results go to ``results/web_rescore.txt``. A version of the app without ``overlay_pending`` (one
that redraws the overlay before answering) is timed the same way: its two figures are then the same.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.1
DRILLS = ("high_knees", "piston_run")


def _wait(client: Any, clip_id: str, done: Any, timeout_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/api/clips/{clip_id}").json()
        if done(status):
            return status  # type: ignore[no-any-return]
        time.sleep(POLL_S)
    raise SystemExit(f"clip {clip_id} not finished after {timeout_s} s: {status}")


def measure(clip: Path, repeats: int) -> list[tuple[float, float | None]]:
    """Re-score ``clip`` ``repeats`` times in a fresh app; each time, seconds to the new scores and to the overlay."""
    from fastapi.testclient import TestClient

    from kneedrive_cv.web.app import create_app

    times: list[tuple[float, float | None]] = []
    with tempfile.TemporaryDirectory() as data, TestClient(create_app(data)) as client:
        with clip.open("rb") as fh:
            answer = client.post("/upload", files={"video": (clip.name, fh, "video/mp4")},
                                 data={"drill": "auto"}, follow_redirects=False)
        clip_id = answer.headers["location"].rstrip("/").rsplit("/", 1)[-1]
        _wait(client, clip_id, lambda s: s["state"] in ("done", "failed"))
        client.get(f"/clips/{clip_id}")  # the coach opens the clip's page
        time.sleep(5)  # ... and reads it before choosing another drill
        for i in range(repeats):
            drill = DRILLS[i % 2]
            start = time.perf_counter()
            client.post(f"/clips/{clip_id}/rescore", data={"drill": drill}, follow_redirects=False)
            status = _wait(client, clip_id, lambda s: s["state"] in ("done", "failed"))
            scores = time.perf_counter() - start
            if status["state"] != "done":
                raise SystemExit(f"re-scoring failed: {status['error']}")
            if "overlay_pending" in status:  # this version draws the overlay after the scores
                _wait(client, clip_id, lambda s: not s["overlay_pending"])
                overlay: float | None = time.perf_counter() - start
            else:
                overlay = scores
            times.append((scores, overlay))
            print(f"re-score {i + 1} ({drill}): new scores after {scores:.2f} s, overlay after {overlay:.2f} s",
                  flush=True)
            time.sleep(1)
    return times


def main() -> int:
    """Measure, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=ROOT / "sample_videos" / "piston_run.mp4")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "web_rescore.txt")
    parser.add_argument("--label", default="",
                        help="what is measured, for the first line (e.g. another tree, run with PYTHONPATH=TREE)")
    args = parser.parse_args()
    load = os.getloadavg()
    times = measure(args.clip, args.repeats)
    scores = [s for s, _ in times]
    overlays = [o for _, o in times if o is not None]
    import kneedrive_cv

    tree = Path(kneedrive_cv.__file__).resolve().parents[1]  # the tree measured (PYTHONPATH may name another)
    commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lines = [
        f"web re-score{f' ({args.label})' if args.label else ''}, {args.clip.name}, {args.repeats} re-scores; "
        f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, commit {commit}, load average before {load[0]:.2f} {load[1]:.2f}",
        f"request to new scores: best {min(scores):.2f} s, median {statistics.median(scores):.2f} s",
        f"request to the overlay drawn for them: best {min(overlays):.2f} s, "
        f"median {statistics.median(overlays):.2f} s",
    ]
    print("\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
