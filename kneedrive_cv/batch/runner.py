"""Run a batch: decide which clips need analysing, analyse them in parallel, write the squad summary.

Clips whose finished result matches (see :mod:`kneedrive_cv.batch.store`) are reused without starting a
single worker; the rest go to a pool of processes (each imports MediaPipe and the analysis once and keeps
them for every clip it is given) or to any ``concurrent.futures`` executor the caller passes in. At most
one clip per worker is in flight at a time, so memory stays bounded by the workers, not by the squad.

A worker process that dies (a crash in native code, the out-of-memory killer) breaks a process pool. The
clips that were in flight are then run again one at a time in a fresh pool, so the clip that kills its
worker is identified, gets a ``failed`` row, and the rest of the batch carries on.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from kneedrive_cv import __version__
from kneedrive_cv.batch.cluster import FILES_MODES, run_on_cluster
from kneedrive_cv.batch.discover import AUTO, ClipJob, discover
from kneedrive_cv.batch.progress import Progress, format_duration
from kneedrive_cv.batch.store import ClipStore, fingerprint, locked
from kneedrive_cv.batch.summary import make_row, write_index_html, write_summary_csv
from kneedrive_cv.batch.worker import AnalyseFn, ClipTask, analyse_and_write, init_worker, lost_marker, run_clip
from kneedrive_cv.cluster import ClusterOpener
from kneedrive_cv.errors import ConfigError
from kneedrive_cv.pose.cache import file_sha256
from kneedrive_cv.pose.cores import pose_threads

LOG_NAME = "batch.log"
#: The logger whose records a batch writes to its ``batch.log``.
LOGGER_NAME = "kneedrive_cv.batch.log"
Marker = dict[str, Any]
OnDone = Callable[[ClipTask, Marker], None]


@dataclass
class BatchResult:
    """What a batch did.

    Attributes:
        rows: one summary row per clip (the ``summary.csv`` columns), in the order of the clips.
        markers: each clip's marker (its result or failure) by output folder key.
        analysed: clips analysed in this run (the others were reused from an earlier run).
        reused: clips whose earlier result was reused.
        elapsed_s: wall time of the run.

    """

    out_dir: Path
    rows: list[dict[str, str]] = field(default_factory=list)
    markers: dict[str, Marker] = field(default_factory=dict)
    analysed: int = 0
    reused: int = 0
    elapsed_s: float = 0.0

    @property
    def failed(self) -> int:
        """How many clips have a ``failed`` row."""
        return sum(r["status"] != "ok" for r in self.rows)

    @property
    def summary_csv(self) -> Path:
        """The squad's summary table."""
        return self.out_dir / "summary.csv"

    @property
    def index_html(self) -> Path:
        """The squad's page."""
        return self.out_dir / "index.html"


@contextlib.contextmanager
def _batch_log(path: Path) -> Iterator[logging.Logger]:
    """Send the batch's log records to ``path`` (appended, one time-stamped line each) while the batch runs.

    ``batch.log`` records when each run started and ended, each failure, and the traceback of each bug; the
    pool's workers write their warnings to the same file (see :func:`~kneedrive_cv.batch.worker.init_worker`).
    The records go there only, not on to the root logger, so nothing breaks the progress line on the terminal.
    The logger's level and propagation are restored afterwards.
    """
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(level)
        logger.propagate = propagate


def _default_model_id() -> str:
    """Return the built-in model's id, with the estimator's version as the pose cache keys it."""
    from kneedrive_cv.pose import estimate
    from kneedrive_cv.pose.mediapipe_backend import model_id

    version = getattr(estimate, "ESTIMATOR_VERSION", None)
    return model_id(None) + (f"|estimator-{version}" if version is not None else "")


def _content_sha256(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:  # the worker will report it properly; the marker just must not match a real hash
        return f"unreadable:{exc.strerror or type(exc).__name__}"


def _drain(executor: Executor, tasks: deque[ClipTask], window: int, on_done: OnDone) -> list[ClipTask]:
    """Run ``tasks`` with at most ``window`` in flight; returns the ones lost when a process pool broke."""
    running: dict[Future[Marker], ClipTask] = {}
    while tasks or running:
        while tasks and len(running) < window:
            task = tasks.popleft()
            running[executor.submit(run_clip, task)] = task
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        lost: list[ClipTask] = []
        for fut in done:
            task = running.pop(fut)
            try:
                on_done(task, fut.result())
            except BrokenProcessPool:
                lost.append(task)
            except Exception as exc:  # the executor lost the task (a cluster worker died, ...): not the clip's fault
                on_done(task, lost_marker(task, f"the worker running this clip failed: {type(exc).__name__}: {exc}"))
        if lost:  # the pool is dead: every other clip in flight is lost with it (or finished just before)
            for fut, task in running.items():
                try:
                    on_done(task, fut.result())
                except Exception:
                    lost.append(task)
            return lost
    return []


@contextlib.contextmanager
def _process_pool(workers: int, log_path: Path) -> Iterator[ProcessPoolExecutor]:
    """Yield a pool of fresh processes; on Ctrl-C its workers are stopped at once.

    Their temporary folders are removed by the next run.
    """
    # "spawn": a worker starts clean, never a copy of a parent that may hold threads or a loaded model.
    # Each worker runs its clip's pose spans on its share of the cores, so the pool never oversubscribes them.
    threads = max(1, pose_threads() // workers)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(str(log_path), threads))
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_in_pools(tasks: list[ClipTask], workers: int, log_path: Path, on_done: OnDone) -> None:
    queue = deque(tasks)
    while queue:
        with _process_pool(workers, log_path) as pool:
            lost = _drain(pool, queue, workers, on_done)
        # several clips were in flight when a worker died: run each alone to find the one that kills it
        for task in lost:
            if len(lost) > 1:
                with _process_pool(1, log_path) as pool:
                    if not _drain(pool, deque([task]), 1, on_done):
                        continue
            on_done(task, lost_marker(task, "the worker process died while analysing this clip (a crash in the "
                                      "pose model, or out of memory); see batch.log"))


def _plan(clips: list[ClipJob], store: ClipStore, overlay: bool, force: bool, analyse_fn: AnalyseFn,
          model_id: str) -> tuple[dict[str, Marker], list[ClipTask]]:
    reused: dict[str, Marker] = {}
    todo: list[ClipTask] = []
    for job in clips:
        fp = fingerprint(_content_sha256(job.source), model_id, job.drill, overlay, __version__)
        if job.person is not None:  # only then, so results of earlier versions stay valid
            fp["person"] = job.person
        if job.height_cm is not None:
            fp["height_cm"] = job.height_cm
        if job.slow_motion != 1.0:
            fp["slow_motion"] = job.slow_motion
        found = None if force else store.reusable(job.key, fp)
        if found is not None:
            reused[job.key] = found
        else:
            todo.append(ClipTask(job, str(store.root), fp, overlay, analyse_fn))
    # biggest clips first: the last clips to finish are then short ones, and no worker idles long at the end
    todo.sort(key=lambda task: -_weight(task.job.source))
    return reused, todo


def _weight(path: Path) -> int:
    """How much work a clip is, roughly: its size (at least 100 kB, what opening any file costs)."""
    try:
        return max(path.stat().st_size, 100_000)
    except OSError:
        return 100_000


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def run_batch(inputs: str | os.PathLike[str] | Sequence[ClipJob], out_dir: str | os.PathLike[str],
              jobs: int | None = None, drill: str = AUTO, overlay: bool = False, force: bool = False,
              executor: Executor | None = None, *, analyse_fn: AnalyseFn = analyse_and_write,
              progress: TextIO | None = None, model_id: str | None = None, cluster: ClusterOpener | None = None,
              files: str = "auto") -> BatchResult:
    """Score every clip of ``inputs`` into ``out_dir`` and write ``summary.csv`` and ``index.html`` there.

    Args:
        inputs: a folder of clips (searched recursively), a manifest CSV, or a list of :class:`ClipJob`.
        out_dir: the batch's folder; each clip's outputs go to ``out_dir/<athlete>/<clip>/``.
        jobs: worker processes (default: the number of cores); with ``executor``, the most clips in flight
            at once (default: all).
        drill: drill for clips whose name or manifest row names none; ``auto`` recognises it.
        overlay: also write each clip's overlay video.
        force: analyse every clip again, even those with a matching finished result.
        executor: any ``concurrent.futures.Executor`` to run the clips on instead of a local process pool
            (a Dask ``Client.get_executor()``, say); its workers must see the clips and ``out_dir`` at the
            same paths.
        cluster: a Dask cluster to run the clips on instead (:class:`~kneedrive_cv.cluster.ClusterSpec`, opened
            only when some clip needs analysing, or a :class:`~kneedrive_cv.cluster.Cluster` already open); a
            local cluster gets ``jobs`` worker processes (default: the cores).
        files: with ``cluster``, how clips reach its workers: ``auto``, ``shared`` or ``send`` (see
            :mod:`kneedrive_cv.batch.cluster`).
        analyse_fn: what analyses one clip (see :data:`~kneedrive_cv.batch.worker.AnalyseFn`); for tests.
        progress: a stream for the progress line (``sys.stderr`` in the CLI); ``None`` for none.
        model_id: the pose model's id in the clips' fingerprints (default: the built-in model's).

    Raises:
        KneedriveError: the input holds no clip, a manifest or drill name is wrong, or ``out_dir`` cannot be
            written. A bad clip never raises: it gets a ``failed`` row.

    """
    if files not in FILES_MODES:
        raise ConfigError(f"unknown way to get clips to the workers: '{files}'. "
                          f"Choose one of {', '.join(FILES_MODES)}.")
    start = time.perf_counter()
    root = Path(out_dir)
    clips = discover(inputs, drill, exclude=root)
    result = BatchResult(root)
    with locked(root), _batch_log(root / LOG_NAME) as log:
        store = ClipStore(root)
        store.clean_stale()
        markers, todo = _plan(clips, store, overlay, force, analyse_fn, model_id or _default_model_id())
        result.reused, result.analysed = len(markers), len(todo)
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
        shown = Progress(progress, len(clips), len(markers), sum(m["status"] != "ok" for m in markers.values()),
                         work=sum(_weight(t.job.source) for t in todo))
        where = (f"{workers} worker{'s' * (workers > 1)}" if executor is None and cluster is None else
                 "a Dask cluster" if cluster is not None else type(executor).__name__)
        note = f"{len(clips)} clips: {len(markers)} already done, {len(todo)} to analyse"
        log.info("batch %s started: %s (%s)", __version__, note, where)
        shown.message(f"{note}{f' ({where})' if todo else ''}")

        def on_done(task: ClipTask, marker: Marker) -> None:
            markers[task.job.key] = marker
            if marker["status"] != "ok":
                log.warning("FAILED %s: %s", task.job.clip, _one_line(marker.get("reason", "")))
                if marker.get("traceback"):
                    log.error("%s", marker["traceback"].rstrip("\n"))
                if "worker_pid" not in marker:  # lost with its worker: record it so the summary can say so
                    store.commit(store.new_temp(task.job.key), task.job.key, marker)
            shown.update(task.job.clip, marker["status"], _weight(task.job.source))

        shown.start()
        try:
            if todo and cluster is not None:
                with cluster.open(jobs or min(os.cpu_count() or 1, len(todo))) as open_cluster:
                    shown.message(f"on {open_cluster.label}; dashboard: {open_cluster.dashboard}")
                    log.info("on %s; dashboard: %s", open_cluster.label, open_cluster.dashboard)
                    run_on_cluster(open_cluster, todo, store, files, root / LOG_NAME, on_done, shown)
            elif todo and executor is not None:
                _drain(executor, deque(todo), jobs or len(todo), on_done)
            elif todo:
                _run_in_pools(todo, workers, root / LOG_NAME, on_done)
        except KeyboardInterrupt:
            log.warning("batch interrupted: %d of %d clips done; rerun to resume", len(markers), len(clips))
            raise
        finally:
            shown.close()
        result.rows = [make_row(job, markers[job.key]) for job in clips]
        result.markers = {job.key: markers[job.key] for job in clips}
        write_summary_csv(result.rows, result.summary_csv)
        write_index_html(result.rows, result.markers, result.index_html)
        result.elapsed_s = time.perf_counter() - start
        log.info("batch finished in %s: %d ok, %d failed, %d reused", format_duration(result.elapsed_s),
                 len(clips) - result.failed, result.failed, result.reused)
    return result
