"""A one-line progress display for a batch: clips done of the total, failures, time left.

On a terminal the line is redrawn in place; otherwise (a log file, a pipe) each finished clip adds a plain line.

Why not ``tqdm`` or ``rich``: the line counts clips while its time left is weighted by each clip's size (a
ten-minute clip is not a ten-second one), and off a terminal it writes one plain line per finished clip,
which a cluster job's log or a coach's pipe can read. ``tqdm`` counts and estimates in one unit and redraws
with carriage returns into a file; ``rich`` draws nothing until the end off a terminal. Either would need
as much code around it as this class is, and a dependency.
"""

from __future__ import annotations

import shutil
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """``45 s``, ``3 min 20 s``, ``2 h 05 min``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Progress:
    """Counts finished clips and shows them on ``stream`` (nothing when ``stream`` is ``None``).

    Time left is the wall time so far over the work done, times the work left; a clip's work is its
    ``weight`` (the runner gives file sizes, as big clips take longer), and the rate seen already accounts
    for the number of workers. Clips reused from an earlier run count as done at once.
    """

    def __init__(self, stream: TextIO | None, total: int, reused: int = 0, reused_failed: int = 0,
                 work: float | None = None) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
        self.total, self.done, self.failed = total, reused, reused_failed
        self.to_run = total - reused
        self.ran = 0
        self.work = float(work) if work else float(self.to_run)
        self.work_done = 0.0
        self._start = time.perf_counter()
        self._width = 0
        self._in_flight: dict[str, list[str]] = {}

    def eta_s(self) -> float | None:
        """Estimated seconds until the last clip is done, or ``None`` before the first clip is."""
        if self.ran == 0 or self.work_done <= 0:
            return None
        return (time.perf_counter() - self._start) / self.work_done * max(0.0, self.work - self.work_done)

    def line(self, last: str = "") -> str:
        """Return the progress line."""
        eta = self.eta_s()
        left = ("estimating time left" if eta is None else
                "finishing" if self.ran >= self.to_run else f"about {format_duration(eta)} left")
        text = f"batch: {self.done}/{self.total} clips done, {self.failed} failed, {left}"
        text = f"{text} (last: {last})" if last else text
        if self._in_flight:
            text += "; in flight: " + " | ".join(f"{w} {', '.join(c)}" for w, c in self._in_flight.items())
        return text

    def message(self, text: str) -> None:
        """Show a line of its own (the start of the batch, say)."""
        if self.stream is not None:
            self._clear()
            print(text, file=self.stream, flush=True)

    def update(self, clip: str, status: str, weight: float = 1.0) -> None:
        """Count one more clip finished, ``ok`` or ``failed``, of ``weight`` (see the class docstring)."""
        self.done += 1
        self.ran += 1
        self.work_done += weight
        self.failed += status != "ok"
        self._in_flight = {w: [c for c in clips if c != clip] for w, clips in self._in_flight.items()}
        self._in_flight = {w: clips for w, clips in self._in_flight.items() if clips}
        self._show(self.line(f"{clip} {status}"))

    def in_flight(self, by_worker: dict[str, list[str]]) -> None:
        """Set the clips each worker is on (a cluster's batch: by worker address); on a terminal, redraw."""
        if by_worker != self._in_flight:
            self._in_flight = by_worker
            if self.tty and self.ran < self.to_run:
                self._show(self.line())

    def start(self) -> None:
        """Show the line before the first clip finishes (terminals only)."""
        if self.tty and self.to_run:
            self._show(self.line())

    def close(self) -> None:
        """End the in-place line so that what follows starts on a line of its own."""
        if self.stream is not None and self.tty and self._width:
            print(file=self.stream, flush=True)
            self._width = 0

    def _clear(self) -> None:
        if self.tty and self._width:
            print("\r" + " " * self._width + "\r", end="", file=self.stream, flush=True)
            self._width = 0

    def _show(self, text: str) -> None:
        if self.stream is None:
            return
        if self.tty:
            text = text[:max(20, shutil.get_terminal_size().columns - 1)]  # a wrapped line is not redrawn in place
            pad = max(0, self._width - len(text))
            print("\r" + text + " " * pad, end="", file=self.stream, flush=True)
            self._width = len(text)
        else:
            print(text, file=self.stream, flush=True)
