"""What the benchmark scripts share: a report that prints and keeps a copy, and the machine they ran on."""

from __future__ import annotations

import hashlib
import io
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv.synth.truth import drives_seen_whole

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


def machine() -> dict[str, Any]:
    """CPU, cores, Python, system, the commit measured (and whether kneedrive_cv/ had changes) and the date."""
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
            "commit": commit, "date": time.strftime("%Y-%m-%d %H:%M %Z")}


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
            "count_want": drives_seen_whole(truth)}
