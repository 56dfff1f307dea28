"""What the benchmark scripts share: a report that prints and keeps a copy, and the machine they ran on."""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv.synth.truth import _edge_gaps, drives_seen_whole, drives_seen_whole_range, edge_tolerance_s

ROOT = Path(__file__).resolve().parents[1]


class Report:
    """Prints to the terminal and keeps a copy for the .txt beside the JSON."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.buffer.write(line + "\n")


def _git(*args: str) -> str:
    if not shutil.which("git"):
        return ""
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False).stdout.strip()


#: The packages a pose track depends on, whose versions a fresh install takes as the newest releases allow. Tracks
#: made again on 2026-12-08 in a fresh install differed from the day before's on the same CPU model (20 of 617
#: clips changed a verdict, same code), while a track made twice in one install was identical to the bit; the
#: versions were not recorded then, so which change it was cannot be told. They are recorded with every run now.
TRACK_PACKAGES = ("mediapipe", "numpy", "opencv-contrib-python", "av", "scipy")


def package_versions() -> dict[str, str | None]:
    """The installed version of each of TRACK_PACKAGES (None where not installed)."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in TRACK_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def machine() -> dict[str, Any]:
    """CPU, cores, Python, system, the packages tracks depend on, the commit measured (and whether kneedrive_cv/ had
    changes) and the date."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor())
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--", "kneedrive_cv"):
        commit += " with uncommitted changes in kneedrive_cv/"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
            "packages": package_versions(), "commit": commit, "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def renderer_hash() -> str:
    """Hash of the renderer's source: rendered clips are reused until it changes."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "kneedrive_cv" / "synth").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def num(x: float | None) -> float | None:
    """A finite float, or None."""
    return None if x is None or not np.isfinite(x) else float(x)


def rep_counts(result: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """Reps counted against truth: complete drives for drills with drives, reps scored for holds and walking."""
    if truth["drill"] == "hip_flexion_hold":
        return {"count_basis": "holds scored", "count_got": len(result.reps), "count_want": truth["rep_count"]}
    if truth["expected_drill"] == "none":
        return {"count_basis": "reps scored", "count_got": len(result.reps), "count_want": 0}
    return {"count_basis": "complete drives", "count_got": len(result.events.complete_drives),
            "count_want": drives_seen_whole(truth), "count_want_range": drives_seen_whole_range(truth),
            **inner_drive_counts(result, truth), "edge_calls": edge_calls(result, truth)}


def edge_calls(result: Any, truth: dict[str, Any]) -> list[list[Any]]:
    """Each true drive the clip's edge comes close to deciding, called whole or cut by the truth and by the analysis.

    A drive is close when the level that decides it (:func:`~kneedrive_cv.synth.truth.drives_seen_whole`) is
    crossed within :func:`~kneedrive_cv.synth.truth.edge_tolerance_s` of the clip's start or end, inside or out:
    a coin toss for any measurement timed to a frame or two. Each is matched to the analysis's drive nearest its
    peak, within half the truth's usual interval. One row each: [edge ("start", "end"), truth whole (bool), the
    analysis' call ("whole", "cut", or "missing"), the crossing's signed distance from the edge in frames
    (positive: outside the clip, the drive cut)], so a call against the truth shows how close to a coin toss it was.
    """
    peaks = sorted(d["t_peak_s"] for d in truth["knee_drives"])
    half = 0.5 * float(np.median(np.diff(peaks))) if len(peaks) >= 2 else 0.25
    tolerance = edge_tolerance_s(truth)
    out: list[list[Any]] = []
    for drive in truth["knee_drives"]:
        gaps = _edge_gaps(truth, drive)
        for edge, gap in zip(("start", "end"), gaps, strict=True):
            if not abs(gap) <= tolerance:
                continue
            near = [d for d in result.events.drives if abs(d.t_peak_s - drive["t_peak_s"]) <= half]
            ours = min(near, key=lambda d: abs(d.t_peak_s - drive["t_peak_s"])) if near else None
            call = "missing" if ours is None else "cut" if ours.partial else "whole"
            out.append([edge, bool(all(g <= 0 for g in gaps)), call, round(float(gap) * float(truth["fps"]), 2)])
    return out




def edge_call_distances(calls: list[list[Any]]) -> dict[str, Any]:
    """How far from the edge the deciding level lay for the drives near an edge (:func:`edge_calls` rows) counted
    against the truth and with it: a call timed to the frame can only go either way where that is under a frame.

    A drive is counted when the analysis calls it whole; one it missed near the edge is not counted, as a cut one
    is not. Rows from sets written before the distance was recorded (three columns) are left out.
    """
    rows = [r for r in calls if len(r) >= 4]
    against = [abs(float(r[3])) for r in rows if (r[2] == "whole") != bool(r[1])]
    right = [abs(float(r[3])) for r in rows if (r[2] == "whole") == bool(r[1])]
    return {"calls": len(rows), "against": len(against),
            "against_within_half_frame": sum(g <= 0.5 for g in against),
            "against_median_frames": round(float(np.median(against)), 2) if against else None,
            "right_median_frames": round(float(np.median(right)), 2) if right else None}


def edge_distance_line(d: dict[str, Any]) -> str:
    """One printed line for :func:`edge_call_distances`."""
    if not d["against"]:
        return f"drives near an edge counted against the truth: none of {d['calls']}"
    return (f"drives near an edge counted against the truth: {d['against']} of {d['calls']}, their deciding level "
            f"a median {d['against_median_frames']} frames from the edge "
            f"({d['against_within_half_frame']} within half a frame); those counted with it a median "
            f"{d['right_median_frames']} frames")


#: Drives this close to the clip's edges are left out of the inner count.
EDGE_WINDOW_S = 0.3


def inner_drive_counts(result: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """Drives found and true away from the clip's edges, where whether a drive is whole is never in question.

    The window runs from the midpoint of the two true peaks either side of EDGE_WINDOW_S to the midpoint of those
    either side of the end less EDGE_WINDOW_S, so a peak found a little early or late stays on its own side.
    """
    peaks = sorted(d["t_peak_s"] for d in truth["knee_drives"])
    if len(peaks) < 4:
        return {"inner_got": None, "inner_want": None}

    def cut(at: float) -> float:
        i = int(np.searchsorted(peaks, at))
        i = min(max(i, 1), len(peaks) - 1)
        return (peaks[i - 1] + peaks[i]) / 2

    lo, hi = cut(EDGE_WINDOW_S), cut(truth["duration_s"] - EDGE_WINDOW_S)
    return {"inner_got": sum(lo <= d.t_peak_s < hi for d in result.events.drives),
            "inner_want": sum(lo <= t < hi for t in peaks)}


def cached_render(clip: Path, render: Callable[[Path], tuple[Path, Path]]) -> dict[str, Any]:
    """The clip's truth, calling ``render(path)`` first unless a whole clip and its truth are in the cache.

    ``render`` writes the clip to ``path`` and returns (clip, truth file). It renders in a folder of this
    process's own, moved into place truth first, clip last, so two runs sharing the cache never see each
    other's half-written files.
    """
    from kneedrive_cv.errors import VideoError
    from kneedrive_cv.video import probe

    truth_file = clip.with_name(f"{clip.stem}.truth.json")
    if clip.exists() and truth_file.exists():
        truth = json.loads(truth_file.read_text())
        try:
            if probe(clip).n_frames == truth["n_frames"]:
                return dict(truth)
        except VideoError:
            pass
    clip.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=clip.parent, prefix=".render-") as tmp:
        made_clip, made_truth = render(Path(tmp) / clip.name)
        os.replace(made_truth, truth_file)
        os.replace(made_clip, clip)
    return dict(json.loads(truth_file.read_text()))
