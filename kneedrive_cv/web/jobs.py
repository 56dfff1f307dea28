"""Analysis in the background: a pool of worker processes runs :func:`run_analysis` on each uploaded clip.

The web process never analyses: it queues a clip, a worker marks it ``running`` in the store, calls the
analysis function and hands back a JSON-ready summary, which the runner stores as ``done`` (or the error
as ``failed``). The analysis function is injectable (any picklable ``fn(clip_path, out_dir, drill) -> dict``),
so the HTTP layer can be tested with a fast stand-in; the default is the real analysis.

Jobs that were queued or running when the server stopped are put back in the queue when it starts again.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.pose.cores import share_cores
from kneedrive_cv.web.store import Store, now_iso

log = logging.getLogger(__name__)

#: ``progress(fraction 0-1, what is being done)``, called by an analysis function as it goes.
ProgressFn = Callable[[float, str], None]
#: ``fn(clip_path, out_dir, drill, progress) -> summary``: what a worker runs on a clip.
#: (clip, results folder, drill, progress[, person=id][, height_cm=cm]) -> summary; ``person`` only when the coach
#: picked one, ``height_cm`` only when the athlete's page gives one.
AnalysisFn = Callable[..., dict[str, Any]]

#: A worker process is replaced after this many clips, which bounds any memory the pose model holds on to.
TASKS_PER_WORKER = 20
#: Share of the work the pose model takes; scoring and writing the outputs (the overlay video) take the rest.
POSE_SHARE = 0.7
#: Progress is written to the store at most this often.
PROGRESS_INTERVAL_S = 0.5


def run_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn, person: int | None = None,
                 height_cm: float | None = None) -> dict[str, Any]:
    """Analyse one clip, write its outputs with the overlay video, and return its summary as a JSON-ready dict.

    The summary is a :class:`~kneedrive_cv.output.summary.ClipSummary`, as the batch keeps it, with ``people``
    (everyone's id) added when several people are seen.

    ``person``: the id of the person to analyse in a clip with several; None to choose automatically. When
    several people are seen, ``people.png`` (everyone, with their ids) is written too, to pick another.
    ``height_cm``: the athlete's height (their page in the app), for distances in centimetres.
    """
    from kneedrive_cv.analysis import analyse  # the pose model and its libraries load in the worker only
    from kneedrive_cv.output import write_outputs
    from kneedrive_cv.output.report import report_dict
    from kneedrive_cv.output.summary import summarise

    def pose_progress(done: int, expected: int) -> None:
        progress(POSE_SHARE * min(1.0, done / max(expected, 1)), "finding the pose in every frame")

    def overlay_progress(done: int, expected: int) -> None:
        progress(POSE_SHARE + (1 - POSE_SHARE) * min(1.0, done / max(expected, 1)), "drawing the overlay video")

    result = analyse(clip_path, drill=drill, progress=pose_progress, athlete=person, height_cm=height_cm)
    progress(POSE_SHARE, "scoring the reps and drawing the overlay video")
    files = write_outputs(result, out_dir, overlay=True, progress=overlay_progress)
    people = result.track.people
    if people is not None and len(people.person_ids) > 1:
        from kneedrive_cv.output.people_sheet import render_people_sheet
        from kneedrive_cv.pose.people import describe

        persons = describe(people, result.track.t_s, result.track.frame_size)
        athlete = (result.track.meta.get("athlete") or {}).get("id")
        files = {**files, "people": render_people_sheet(clip_path, result.track, persons, athlete,
                                                        out_dir / "people.png")}
        return {**summarise(report_dict(result), files, out_dir).as_dict(), "people": [p.id for p in persons]}
    return summarise(report_dict(result), files, out_dir).as_dict()


def _work(fn: AnalysisFn, data_dir: Path, clip_id: str, clip_path: Path, out_dir: Path, drill: str,
          person: int | None = None, height_cm: float | None = None) -> dict[str, Any]:
    """Run in a worker process: mark the clip running, start from an empty results folder, analyse."""
    store = Store(data_dir)
    store.mark_running(clip_id, now_iso())
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    last = [0.0]

    def progress(fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = now
            store.set_progress(clip_id, fraction, stage)

    return fn(clip_path, out_dir, drill, progress, **_given(person=person, height_cm=height_cm))


def _given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given (an analysis function need not know of the others)."""
    return {k: v for k, v in values.items() if v is not None}


class JobRunner:
    """Queues clips on a process pool and records each outcome in the store."""

    def __init__(self, store: Store, workers: int = 1, analysis: AnalysisFn = run_analysis) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.store, self.workers, self.analysis = store, workers, analysis
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future[dict[str, Any]]] = {}
        self._closing = False

    def start(self) -> int:
        """Re-queue the clips a stopped server left queued or running; returns how many."""
        interrupted = self.store.clips(states=("queued", "running"), oldest_first=True)
        for clip in sorted(interrupted, key=lambda c: c.created_at):
            if clip.state == "running":
                log.info("clip %s was being analysed when the server stopped: analysing it again", clip.id)
            self.store.mark_queued(clip.id)
            self.submit(clip.id)
        return len(interrupted)

    def submit(self, clip_id: str) -> None:
        """Queue the analysis of a clip already recorded in the store."""
        clip = self.store.clip(clip_id)
        if clip is None:
            raise KeyError(clip_id)
        with self._lock:
            if self._closing:
                return
            if self._executor is None:
                # each worker runs its clip's pose spans on its share of the cores, never all of them at once
                self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                     max_tasks_per_child=TASKS_PER_WORKER,
                                                     initializer=share_cores, initargs=(self.workers,))
            future = self._executor.submit(_work, self.analysis, self.store.root, clip_id,
                                           self.store.clip_path(clip), self.store.results_dir(clip_id),
                                           clip.drill_requested, clip.person,
                                           self.store.athlete_height_cm(clip.athlete_id))
            self._futures[clip_id] = future
        future.add_done_callback(lambda f: self._finished(clip_id, f))

    def pending(self) -> int:
        """How many clips are queued or running in this process."""
        with self._lock:
            return len(self._futures)

    def _finished(self, clip_id: str, future: Future[dict[str, Any]]) -> None:
        with self._lock:
            self._futures.pop(clip_id, None)
            closing = self._closing
        try:
            summary = future.result()
        except CancelledError:
            return  # shutting down: the clip stays queued and is re-run on the next start
        except BrokenProcessPool:
            if not closing:
                self._recover(clip_id)
            return
        except KneedriveError as exc:
            self.store.mark_failed(clip_id, self._for_coach(clip_id, str(exc)))
            return
        except Exception as exc:  # a bug in the analysis: keep the traceback in the log, tell the coach
            if closing:
                return
            log.error("analysis of clip %s failed", clip_id, exc_info=exc)
            self.store.mark_failed(clip_id, f"The analysis failed unexpectedly ({type(exc).__name__}: {exc}). "
                                            "This is a bug in kneedrive; the server log has the details.")
            return
        self.store.mark_done(clip_id, summary)

    def _for_coach(self, clip_id: str, message: str) -> str:
        """Name the clip in an error message as the coach knows it, not by its stored name."""
        clip = self.store.clip(clip_id)
        return message.replace(clip.stored_name, clip.original_name) if clip else message

    def _recover(self, clip_id: str) -> None:
        """Handle a dead worker (killed, out of memory): fail the clip it was on, re-queue the rest on a new pool."""
        with self._lock:
            broken, self._executor = self._executor, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        clip = self.store.clip(clip_id)
        if clip is not None and clip.state == "running":
            self.store.mark_failed(clip_id, "The analysis process stopped unexpectedly (perhaps out of memory). "
                                            "Try again, or try a shorter clip.")
        elif clip is not None and clip.state == "queued":
            self.submit(clip_id)

    def close(self) -> None:
        """Stop: cancel what is queued and end the workers; unfinished clips stay queued for the next start."""
        with self._lock:
            self._closing = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
