"""What a worker does with one clip: analyse it into a temporary folder, mark it, move it into place.

:func:`analyse_and_write` is the only place the batch touches the analysis: ``analyse`` then
``write_outputs``, as ``kneedrive analyse`` does. :func:`run_clip` wraps any function of that shape (the
real one, or a test's fake) so that one bad clip becomes a ``failed`` marker instead of stopping the batch.
Everything here runs in the worker (a process of the pool, or a machine of a cluster), so it must be
importable there and its arguments picklable.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kneedrive_cv.batch.discover import UNKNOWN_ATHLETE, ClipJob
from kneedrive_cv.batch.store import ClipStore
from kneedrive_cv.errors import KneedriveError, OutputError
from kneedrive_cv.output.summary import ClipSummary, summarise

log = logging.getLogger(__name__)

#: How many of a clip's most frequent fault codes the summary lists.
TOP_FAULTS = 3


#: ``fn(clip, out_dir, drill, overlay, heading=dict[, person=id][, height_cm=cm][, slow_motion=factor]) ->
#: ClipSummary``: analyse one clip and write its outputs into ``out_dir``; ``heading`` (athlete, date filmed, clip
#: name: see :func:`job_heading`) is always passed, ``person``, ``height_cm`` and ``slow_motion`` only when the job
#: names them.
AnalyseFn = Callable[..., ClipSummary]


def analyse_and_write(clip: Path, out_dir: Path, drill: str, overlay: bool, person: int | None = None,
                      height_cm: float | None = None, heading: dict[str, str | None] | None = None,
                      slow_motion: float = 1.0) -> ClipSummary:
    """Analyse one clip and write its outputs, as ``kneedrive analyse CLIP --out DIR`` with its options.

    ``person``, ``height_cm`` and ``slow_motion`` are ``--athlete``, ``--height-cm`` and ``--slow-motion``.

    ``heading``: the athlete's name, the date filmed and the clip's name, to head the reports (see
    :func:`job_heading`).
    """
    from kneedrive_cv.analysis import analyse
    from kneedrive_cv.output import write_outputs
    from kneedrive_cv.output.report import report_dict

    result = analyse(clip, drill=drill, athlete=person, height_cm=height_cm, slow_motion=slow_motion)
    files = write_outputs(result, out_dir, overlay=overlay, heading=heading)
    return summarise(report_dict(result), files, out_dir)


@dataclass(frozen=True)
class ClipTask:
    """Everything a worker needs for one clip (picklable)."""

    job: ClipJob
    root: str
    fingerprint: dict[str, Any]
    overlay: bool
    analyse_fn: AnalyseFn = analyse_and_write


def job_heading(job: ClipJob) -> dict[str, str | None]:
    """What heads a batch clip's reports: its athlete, the date the manifest or its name gives, its file name.

    Without a date, the clip's own is used when the report is written (its recording time, else its file's date).
    """
    athlete = job.athlete if job.athlete and job.athlete != UNKNOWN_ATHLETE else None
    return {"athlete": athlete, "filmed": job.date or None, "clip": Path(job.clip).name}


def top_faults(counts: dict[str, int], n: int = TOP_FAULTS) -> list[str]:
    """Return the ``n`` most frequent fault codes, most frequent first (ties by code)."""
    return [code for code, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _failure(exc: Exception, job: ClipJob) -> dict[str, Any]:
    reason = str(exc).replace(str(job.source), job.clip)  # the summary names clips as the coach gave them
    if isinstance(exc, KneedriveError):
        # the clip's own fault is final for this content and settings; a write failure may not be
        return {"reason": reason, "retry": isinstance(exc, OutputError)}
    return {"reason": f"unexpected error {type(exc).__name__}: {reason}", "retry": True,
            "traceback": "".join(traceback.format_exception(exc))}


def analyse_into(task: ClipTask, folder: Path) -> dict[str, Any]:
    """Analyse the task's clip into ``folder`` (emptied on failure) and return its marker; never raises for a bad clip.

    The marker is returned, not written: :func:`run_clip` commits it to the store here, a cluster's sent clip
    has it committed by the machine that asked.
    """
    job = task.job
    start = time.perf_counter()
    marker: dict[str, Any] = {"fingerprint": task.fingerprint, "clip": job.clip, "worker_pid": os.getpid()}
    try:
        chosen: dict[str, Any] = {"heading": job_heading(job)}
        if job.person is not None:
            chosen["person"] = job.person
        if job.height_cm is not None:
            chosen["height_cm"] = job.height_cm
        if job.slow_motion != 1.0:
            chosen["slow_motion"] = job.slow_motion
        res = task.analyse_fn(job.source, folder, job.drill, task.overlay, **chosen)
        marker.update(status="ok", reason="", retry=False, result=res.as_dict())
    except Exception as exc:  # a bad clip (or a bug) must not stop the batch: it becomes a failed row,
        # and the runner logs it (with the traceback of a bug) to the batch's log
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        marker.update(status="failed", **_failure(exc, job))
    marker["elapsed_s"] = round(time.perf_counter() - start, 3)
    return marker


def run_clip(task: ClipTask) -> dict[str, Any]:
    """Analyse one clip into its folder and return its marker; never raises for a bad clip."""
    store = ClipStore(task.root)
    tmp = store.new_temp(task.job.key)
    try:
        marker = analyse_into(task, tmp)
        store.commit(tmp, task.job.key, marker)
    finally:
        if tmp.exists():  # not committed: interrupted, or the commit itself failed
            shutil.rmtree(tmp, ignore_errors=True)
    return marker


def lost_marker(task: ClipTask, reason: str) -> dict[str, Any]:
    """The marker of a clip lost with its worker (not the clip's fault: tried again on a rerun)."""
    return {"fingerprint": task.fingerprint, "clip": task.job.clip, "status": "failed", "reason": reason,
            "retry": True}


def log_into(log_path: str, logger: logging.Logger) -> logging.Handler:
    """Send this process's stderr and ``logger``'s records to the batch's log; returns the handler added."""
    with contextlib.suppress(OSError, ValueError):  # no stderr to redirect: leave it as it is
        sys.stderr.flush()
        fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(fd, sys.stderr.fileno())
        os.close(fd)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s worker %(process)d %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return handler


def init_worker(log_path: str, pose_threads: int | None = None) -> None:
    """Set up a pool process: its warnings and stderr go to the batch's log, Ctrl-C to the main process.

    ``pose_threads``: the cores this worker's pose model may use at once (its share of the machine).

    Warnings (a truncated clip, say) and the native libraries' chatter on stderr would break the progress
    line on the terminal. Ctrl-C is left to the main process, which stops the workers itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if pose_threads is not None:
        os.environ["KNEEDRIVE_POSE_THREADS"] = str(pose_threads)
    log_into(log_path, logging.getLogger())
    logging.getLogger().setLevel(logging.WARNING)
