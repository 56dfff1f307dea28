"""What the benchmark scripts share: a report that prints and keeps a copy, and the machine they ran on."""

from __future__ import annotations

import io
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

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
