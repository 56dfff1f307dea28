"""Analysis in the background: a pool of worker processes runs :func:`run_analysis` on each uploaded clip.

The web process never analyses: it queues a clip, a worker marks it ``running`` in the store, calls the
analysis function and hands back a JSON-ready summary, which the runner stores as ``done`` (or the error
as ``failed``). The analysis function is injectable (any picklable ``fn(clip_path, out_dir, drill) -> dict``),
so the HTTP layer can be tested with a fast stand-in; the default is the real analysis.

Jobs that were queued or running when the server stopped are put back in the queue when it starts again.
Three things make that safe however the server stops (even ``kill -9``):

- a worker dies with its server: it watches its parent and exits when the parent is gone;
- a clip is analysed by one worker at a time: the worker holds the clip's lock file (``DATA/clips/<id>/.lock``,
  released by the system when its process ends) while it runs, and a clip deleted meanwhile is skipped;
- results appear whole: the analysis writes into ``results.part-<pid>``, which replaces ``results`` only once
  it has finished, so an interrupted run never deletes or half-overwrites what an earlier one left.

Re-scoring a finished clip (another drill, other thresholds) is quick, because its pose is cached: a worker of
its own (so it never waits behind another clip's pose) scores the clip and writes its reports without the
overlay video, and the clip is done with its new scores at once, marked ``overlay_pending``. Redrawing the overlay
video then goes into the ordinary queue as a job of its own, under the same clip lock; it draws into the results
folder only while that folder is still the one it was asked for (the clip done, its run count unchanged), so a
second re-score meanwhile never gets an overlay drawn for the first one's scores.

On a Dask cluster (``kneedrive serve --scheduler ADDR``), clips go to its workers instead of the local pool:
the clip's bytes travel with the task and the results come back (see :mod:`kneedrive_cv.cluster`), so the
workers need not see the data folder. The page then shows the clip as running on the cluster, without the
fraction done.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from kneedrive_cv.cluster import Cluster, Sent, receive, run_sent
from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.pose.cores import share_cores
from kneedrive_cv.web.store import Clip, Store, now_iso

log = logging.getLogger(__name__)

#: ``progress(fraction 0-1, what is being done)``, called by an analysis function as it goes.
ProgressFn = Callable[[float, str], None]
#: ``fn(clip_path, out_dir, drill, progress, **options) -> summary``: what a worker runs on a clip. The options
#: are ``heading`` (athlete, date filmed and clip name, for report.html) always, ``person`` (the id of the
#: person the coach picked), ``thresholds`` (the coach's thresholds file), ``height_cm`` (the athlete's page
#: gives one), ``slow_motion`` (the upload said how many times slower the clip plays) and ``overlay`` (False when
#: re-scoring: the overlay video is drawn afterwards) only when set.
AnalysisFn = Callable[..., dict[str, Any]]

#: A worker process is replaced after this many clips, which bounds any memory the pose model holds on to.
TASKS_PER_WORKER = 20
#: Share of the work the pose model takes; scoring and writing the outputs (the overlay video) take the rest.
POSE_SHARE = 0.7
#: Progress is written to the store at most this often.
PROGRESS_INTERVAL_S = 0.5
#: How often a worker checks that its server is still there.
PARENT_CHECK_S = 0.5
#: The lock file a worker holds in a clip's folder while it analyses the clip.
LOCK_NAME = ".lock"
#: ``redraw(clip_path, out_dir, progress)``: draw ``out_dir/overlay.mp4`` again from the analysis saved there.
RedrawFn = Callable[[Path, Path, ProgressFn], None]


def run_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn, person: int | None = None,
                 thresholds: Path | None = None, height_cm: float | None = None,
                 heading: dict[str, str | None] | None = None, overlay: bool = True,
                 slow_motion: float = 1.0) -> dict[str, Any]:
    """Analyse one clip, write its outputs with the overlay video, and return its summary as a JSON-ready dict.

    The summary is a :class:`~kneedrive_cv.output.summary.ClipSummary`, as the batch keeps it, with ``people``
    (everyone's id) added when several people are seen.

    ``person``: the id of the person to analyse in a clip with several; None to choose automatically. When
    several people are seen, ``people.png`` (everyone, with their ids) is written too, to pick another.
    ``thresholds``: a coach's thresholds file to score with. The pose is cached, so scoring a clip again (another
    drill, other thresholds) costs the scoring and the overlay video only.
    ``height_cm``: the athlete's height (their page in the app), for distances in centimetres.
    ``slow_motion``: how many times slower than real life the clip plays (the upload form), for real-time figures.
    ``heading``: who and when, to head report.html (the athlete's name, the date filmed, the clip's name as
    uploaded). ``overlay``: False to leave the overlay video out (re-scoring: :func:`redraw_overlay` draws it
    afterwards).
    """
    from kneedrive_cv.analysis import analyse  # the pose model and its libraries load in the worker only
    from kneedrive_cv.output import write_outputs
    from kneedrive_cv.output.report import report_dict
    from kneedrive_cv.output.summary import summarise

    def pose_progress(done: int, expected: int) -> None:
        progress(POSE_SHARE * min(1.0, done / max(expected, 1)), "finding the pose in every frame")

    def overlay_progress(done: int, expected: int) -> None:
        progress(POSE_SHARE + (1 - POSE_SHARE) * min(1.0, done / max(expected, 1)), "drawing the overlay video")

    result = analyse(clip_path, drill=drill, progress=pose_progress, athlete=person, thresholds=thresholds,
                     height_cm=height_cm, slow_motion=slow_motion)
    progress(POSE_SHARE, "scoring the reps and drawing the overlay video" if overlay else "scoring the reps")
    files = write_outputs(result, out_dir, overlay=overlay, progress=overlay_progress, thresholds=thresholds,
                          heading=heading)
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


def redraw_overlay(clip_path: Path, out_dir: Path, progress: ProgressFn) -> None:
    """Draw ``out_dir/overlay.mp4`` from the analysis saved in ``out_dir`` (its track and choices; no pose model)."""
    from kneedrive_cv.output.overlay import render_overlay
    from kneedrive_cv.output.saved import load_saved

    result = load_saved(out_dir, clip=clip_path)

    def drawn(done: int, expected: int) -> None:
        progress(min(1.0, done / max(expected, 1)), "drawing the overlay video")

    render_overlay(result, out_dir / "overlay.mp4", progress=drawn)


def warm_up() -> None:
    """Load what scoring needs, in a fresh worker, before the coach asks for it (a re-score then takes a second)."""
    import kneedrive_cv.output.html
    import kneedrive_cv.output.kinogram
    import kneedrive_cv.output.plots
    import kneedrive_cv.output.saved  # noqa: F401 - each imports the analysis and its libraries


def start_worker(workers: int, parent_pid: int) -> None:
    """Set up a worker process: its share of the cores, and a watch that ends it when its server is gone."""
    share_cores(workers)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="watch-server", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """End this process as soon as its parent is gone (killed, crashed): an orphan worker must not go on."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    log.warning("the server (process %d) is gone: this analysis worker stops too", parent_pid)
    os._exit(1)


@contextlib.contextmanager
def clip_lock(clip_dir: Path, wait: bool = True) -> Iterator[bool]:
    """Hold a clip's lock; yields False when the clip's folder is gone, or (``wait=False``) when it is held."""
    try:
        handle = open(clip_dir / LOCK_NAME, "a")  # noqa: SIM115 - held open for the lock's lifetime
    except FileNotFoundError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True


def _work(fn: AnalysisFn, data_dir: Path, clip_id: str, clip_path: Path, out_dir: Path, drill: str,
          person: int | None = None, thresholds: Path | None = None, height_cm: float | None = None,
          heading: dict[str, str | None] | None = None, overlay: bool | None = None,
          slow_motion: float | None = None) -> dict[str, Any] | None:
    """Run in a worker process: take the clip's lock, mark it running, analyse, then publish the results whole.

    Returns None (nothing analysed) when the clip was deleted or is no longer queued.
    """
    store = Store(data_dir)
    with clip_lock(out_dir.parent) as locked:
        if not locked or not out_dir.parent.is_dir():  # the clip was deleted while this waited
            return None
        _tidy(out_dir)
        staging = out_dir.with_name(f"{out_dir.name}.part-{os.getpid()}")
        staging.mkdir()
        if not store.mark_running(clip_id, now_iso()):  # marked last: the analysis starts right after
            shutil.rmtree(staging, ignore_errors=True)
            return None
        progress = _throttled(lambda fraction, stage: store.set_progress(clip_id, fraction, stage))
        try:
            summary = fn(clip_path, staging, drill, progress, **_given(person=person, thresholds=thresholds,
                                                                       height_cm=height_cm, heading=heading,
                                                                       overlay=overlay, slow_motion=slow_motion))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(staging, out_dir)
        return summary


def _redraw_work(fn: RedrawFn, data_dir: Path, clip_id: str, clip_path: Path, out_dir: Path, run: int) -> bool:
    """Run in a worker process: draw the clip's overlay video for its run ``run``; False if that run is gone.

    The clip's lock is held throughout, so no analysis or re-score replaces the results folder meanwhile; a
    clip queued again, deleted or scored again since (its run count moved on) is left alone.
    """
    store = Store(data_dir)
    with clip_lock(out_dir.parent) as locked:
        clip = store.clip(clip_id) if locked else None
        if clip is None or clip.state != "done" or clip.runs != run or not clip.overlay_pending or not out_dir.is_dir():
            return False
        fn(clip_path, out_dir, _throttled(lambda fraction, _: store.set_overlay_progress(clip_id, run, fraction)))
        return True


def _throttled(report: ProgressFn) -> ProgressFn:
    """``report``, called at most once every PROGRESS_INTERVAL_S (each call writes the clip's row in the store)."""
    last = [0.0]

    def progress(fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = now
            report(fraction, stage)

    return progress


def _tidy(out_dir: Path) -> None:
    """Clear what an interrupted run left beside ``out_dir``: its staging folder, or a swap cut half-way."""
    old = out_dir.with_name(f"{out_dir.name}.old")
    if old.is_dir() and not out_dir.exists():
        old.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    for staging in out_dir.parent.glob(f"{out_dir.name}.part-*"):
        shutil.rmtree(staging, ignore_errors=True)


def _publish(staging: Path, out_dir: Path) -> None:
    """Put a finished run's folder in place of ``out_dir`` (two renames; :func:`_tidy` repairs a cut between)."""
    old = out_dir.with_name(f"{out_dir.name}.old")
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _sent_analysis(analysis: AnalysisFn, clip: Path, out_dir: Path, drill: str, progress: Any,
                   thresholds_text: str | None = None, **options: Any) -> dict[str, Any]:
    """On a cluster worker: the analysis, with the coach's thresholds file (sent as text) beside the clip's copy."""
    if thresholds_text is not None:
        path = clip.with_name("thresholds.toml")
        path.write_text(thresholds_text, encoding="utf-8")
        options["thresholds"] = path
    return analysis(clip, out_dir, drill, progress, **options)


def _heading(clip: Clip) -> dict[str, str | None]:
    """Who and when, to head the clip's report.html: the athlete, the date filmed, the name it was uploaded as."""
    return {"athlete": clip.athlete_name or "", "filmed": clip.recorded_on, "filmed_from": "given",
            "clip": clip.original_name}


def _given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given (an analysis function need not know of the others)."""
    return {k: v for k, v in values.items() if v is not None}


def _no_progress(fraction: float, stage: str) -> None:
    """What a clip on a cluster reports as it goes: nothing (its worker cannot reach the store)."""


class JobRunner:
    """Queues clips on a process pool (or a Dask cluster) and records each outcome in the store."""

    def __init__(self, store: Store, workers: int = 1, analysis: AnalysisFn = run_analysis,
                 cluster: Cluster | None = None, redraw: RedrawFn = redraw_overlay) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.store, self.workers, self.analysis, self.cluster = store, workers, analysis, cluster
        self.redraw = redraw
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._quick: ProcessPoolExecutor | None = None  # re-scoring: one worker of its own (see the module)
        self._futures: dict[str, Any] = {}  # concurrent.futures or, on a cluster, Dask futures
        self._redraws: dict[str, Future[Any]] = {}
        self._closing = False

    def start(self) -> int:
        """Re-queue the clips a stopped server left queued or running, and overlays left undrawn; returns how many."""
        interrupted = self.store.clips(states=("queued", "running"), oldest_first=True)
        for clip in sorted(interrupted, key=lambda c: c.created_at):
            if clip.state == "running":
                log.info("clip %s was being analysed when the server stopped: analysing it again", clip.id)
            self.store.mark_queued(clip.id)
            self.submit(clip.id)
        undrawn = [c for c in self.store.clips(states=("done",), oldest_first=True) if c.overlay_pending]
        for clip in undrawn:
            self._submit_redraw(clip.id)
        return len(interrupted) + len(undrawn)

    def rescore(self, clip_id: str) -> None:
        """Score a clip queued again with its cached pose: new scores and reports at once, the overlay video after.

        On a cluster the clip is analysed again whole (its workers hold the pose cache, not this machine).
        """
        clip = self.store.clip(clip_id)
        if clip is None:
            raise KeyError(clip_id)
        if self.cluster is not None:
            self.submit(clip_id)
            return
        with self._lock:
            if self._closing:
                return
            future = self._pool(quick=True).submit(
                _work, self.analysis, self.store.root, clip_id, self.store.clip_path(clip),
                self.store.results_dir(clip_id), clip.drill_requested, clip.person, self.store.thresholds_path(clip),
                self.store.athlete_height_cm(clip.athlete_id), _heading(clip), False, clip.slow_motion)
            self._futures[clip_id] = future
        future.add_done_callback(lambda f: self._finished(clip_id, f, quick=True))

    def warm(self) -> None:
        """Start the re-scoring worker ahead of need, with the real analysis loaded (a stand-in needs no warming)."""
        with self._lock:
            if self._quick is None and not self._closing and self.cluster is None and self.analysis is run_analysis:
                self._pool(quick=True).submit(warm_up)

    def _submit_redraw(self, clip_id: str) -> None:
        """Queue the drawing of a re-scored clip's overlay video, in the ordinary queue."""
        clip = self.store.clip(clip_id)
        if clip is None:
            return
        with self._lock:
            if self._closing:
                return
            future = self._pool().submit(_redraw_work, self.redraw, self.store.root, clip_id,
                                         self.store.clip_path(clip), self.store.results_dir(clip_id), clip.runs)
            self._redraws[clip_id] = future
        future.add_done_callback(lambda f: self._redrawn(clip_id, clip.runs, f))

    def _redrawn(self, clip_id: str, run: int, future: Future[Any]) -> None:
        with self._lock:
            if self._redraws.get(clip_id) is future:
                del self._redraws[clip_id]
            closing = self._closing
        try:
            future.result()
        except CancelledError:
            return  # shutting down: still marked, so drawn on the next start
        except BrokenProcessPool as exc:
            if closing:
                return
            self._recover(clip_id)  # a new pool for the rest; this overlay is given up (no endless retries)
            log.error("the worker drawing clip %s's overlay video stopped", clip_id, exc_info=exc)
        except Exception as exc:
            if closing:
                return
            log.error("drawing the overlay video of clip %s failed", clip_id, exc_info=exc)
        self.store.overlay_drawn(clip_id, run)  # drawn, given up, or no longer wanted: no longer pending

    def submit(self, clip_id: str) -> None:
        """Queue the analysis of a clip already recorded in the store."""
        clip = self.store.clip(clip_id)
        if clip is None:
            raise KeyError(clip_id)
        with self._lock:
            if self._closing:
                return
            if self.cluster is not None:  # a Dask cluster: the clip's bytes go with the task (see the module)
                future = self._send(clip)
            else:
                future = self._pool().submit(_work, self.analysis, self.store.root, clip_id,
                                             self.store.clip_path(clip), self.store.results_dir(clip_id),
                                             clip.drill_requested, clip.person, self.store.thresholds_path(clip),
                                             self.store.athlete_height_cm(clip.athlete_id), _heading(clip),
                                             None, clip.slow_motion)
            self._futures[clip_id] = future
        future.add_done_callback(lambda f: self._finished(clip_id, f))

    def cancel(self, clip_id: str) -> bool:
        """Take a queued clip out of the queue; False if a worker has already started on it.

        A clip sent to a cluster is running there from the moment it is sent, so it cannot be cancelled.
        """
        with self._lock:
            future = self._futures.get(clip_id)
        if future is None:
            return True
        return self.cluster is None and bool(future.cancel())

    def _pool(self, quick: bool = False) -> ProcessPoolExecutor:
        """The local pool (or, ``quick``, the re-scoring worker), started on first use (the lock is held)."""
        if quick:
            if self._quick is None:
                self._quick = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                  max_tasks_per_child=TASKS_PER_WORKER * 5,
                                                  initializer=start_worker, initargs=(self.workers, os.getpid()))
            return self._quick
        if self._executor is None:
            # each worker runs its clip's pose spans on its share of the cores, never all of them at once
            self._executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 max_tasks_per_child=TASKS_PER_WORKER,
                                                 initializer=start_worker, initargs=(self.workers, os.getpid()))
        return self._executor

    def _send(self, clip: Clip) -> Any:
        """Send a clip to the cluster (the lock is held); it shows as running there from now on."""
        assert self.cluster is not None
        data = self.store.clip_path(clip).read_bytes()
        self.store.mark_running(clip.id, now_iso())
        self.store.set_progress(clip.id, 0.0, f"analysing on {self.cluster.label}")
        options = _given(person=clip.person, height_cm=self.store.athlete_height_cm(clip.athlete_id),
                         heading=_heading(clip), slow_motion=clip.slow_motion)
        thresholds = self.store.thresholds_path(clip)
        if thresholds is not None:  # the file travels too: the workers may not see the data folder
            options["thresholds_text"] = thresholds.read_text(encoding="utf-8")
        return self.cluster.client.submit(run_sent, functools.partial(_sent_analysis, self.analysis),
                                          clip.stored_name, data, clip.drill_requested, _no_progress, **options,
                                          key=f"web-{clip.id}-{now_iso()}", pure=False)

    def pending(self) -> int:
        """How many clips are queued or running in this process."""
        with self._lock:
            return len(self._futures)

    def _finished(self, clip_id: str, future: Future[Any], quick: bool = False) -> None:
        with self._lock:
            if self._futures.get(clip_id) is future:
                del self._futures[clip_id]
            closing = self._closing
        try:
            summary = future.result()
        except CancelledError:
            return  # shutting down: the clip stays queued and is re-run on the next start
        except BrokenProcessPool:
            if not closing:
                self._recover(clip_id, quick)
            return
        except KneedriveError as exc:
            self.store.mark_failed(clip_id, self._for_coach(clip_id, str(exc)))
            return
        except Exception as exc:  # a bug in the analysis: keep the traceback in the log, tell the coach
            if closing:
                return
            if type(exc).__name__ == "KilledWorker":  # every cluster worker given this clip died on it
                self.store.mark_failed(clip_id, "The analysis process stopped unexpectedly (perhaps out of "
                                                "memory). Try again, or try a shorter clip.")
                return
            log.error("analysis of clip %s failed", clip_id, exc_info=exc)
            self.store.mark_failed(clip_id, f"The analysis failed unexpectedly ({type(exc).__name__}: {exc}). "
                                            "This is a bug in kneedrive; the server log has the details.")
            return
        if isinstance(summary, Sent):  # from a cluster: its files are written here
            self._receive(clip_id, summary)
            summary = summary.value
        if summary is not None:  # None: the clip was deleted or taken by another run, nothing to record
            self.store.mark_done(clip_id, summary, overlay_pending=quick)
            if quick:
                self._submit_redraw(clip_id)

    def _receive(self, clip_id: str, sent: Sent) -> None:
        clip = self.store.clip(clip_id)
        if clip is None:  # deleted meanwhile
            return
        out = self.store.results_dir(clip_id)
        _tidy(out)
        staging = out.with_name(f"{out.name}.part-{os.getpid()}")
        staging.mkdir()
        try:
            receive(sent.files, staging, sent.clip, self.store.clip_path(clip))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _publish(staging, out)

    def _for_coach(self, clip_id: str, message: str) -> str:
        """Name the clip in an error message as the coach knows it, not by its stored name."""
        clip = self.store.clip(clip_id)
        return message.replace(clip.stored_name, clip.original_name) if clip else message

    def _recover(self, clip_id: str, quick: bool = False) -> None:
        """Handle a dead worker (killed, out of memory): fail the clip it was on, re-queue the rest on a new pool."""
        with self._lock:
            if quick:
                broken, self._quick = self._quick, None
            else:
                broken, self._executor = self._executor, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        clip = self.store.clip(clip_id)
        if clip is not None and clip.state == "running":
            self.store.mark_failed(clip_id, "The analysis process stopped unexpectedly (perhaps out of memory). "
                                            "Try again, or try a shorter clip.")
        elif clip is not None and clip.state == "queued" and quick:
            self.rescore(clip_id)
        elif clip is not None and clip.state == "queued":
            self.submit(clip_id)

    def close(self) -> None:
        """Stop: cancel what is queued and end the workers; unfinished clips stay queued for the next start."""
        with self._lock:
            self._closing = True
            executors = [e for e in (self._executor, self._quick) if e is not None]
            self._executor = self._quick = None
            sent = list(self._futures.values()) if self.cluster is not None else []
        if sent and self.cluster is not None:
            self.cluster.client.cancel(sent)
        processes = [p for e in executors for p in (getattr(e, "_processes", None) or {}).values()]
        for executor in executors:
            executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
