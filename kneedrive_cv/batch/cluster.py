"""A batch's clips on a Dask cluster instead of the local process pool: shared folders or clips sent, lost workers.

Which clips to run, the store and the summary stay the runner's (:mod:`kneedrive_cv.batch.runner`); this module
only takes the pool's place. At most one clip per worker thread is given out at a time, as with the pool, so
memory stays bounded by the workers, and the scheduler can give a dead worker's clip to another.

Shared folders or not (``files``):

``shared``
    A worker reads the clip at its path and writes the results into the output folder itself, as a pool
    process does. Every worker must see the clips and the output folder at the same paths.
``send``
    The clip's bytes go to the worker with its task; the worker analyses a copy in a temporary folder and sends
    every file it wrote back; this machine writes them where a local run writes them (see
    :mod:`kneedrive_cv.cluster`).
``auto`` (the default)
    Each clip goes as a path first, with what the worker must see to use it: the clip at the same path with the
    same size and modification time, and a token file this batch wrote into the output folder. A worker that
    does not see both writes nothing and says so, and the clip goes again with its bytes. A local cluster's
    workers always see them.

A worker that dies mid-clip (killed, out of memory): the scheduler gives that clip to another worker, and
nothing else is lost, because a clip counts as finished only once its folder is in place (shared: the worker
put it there; sent: this machine wrote it). A clip that kills every worker it is tried on
(``distributed.scheduler.allowed-failures`` + 1 times, 4 by default) gets a ``failed`` row to be tried again
on a rerun.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kneedrive_cv.batch.progress import Progress
from kneedrive_cv.batch.store import ClipStore
from kneedrive_cv.batch.worker import ClipTask, analyse_into, log_into, lost_marker, run_clip
from kneedrive_cv.cluster import Cluster, Sent, receive, run_sent

Marker = dict[str, Any]
OnDone = Callable[[ClipTask, Marker], None]

#: The ways of getting clips to the workers (see the module docstring).
FILES_MODES = ("auto", "shared", "send")
#: How often the progress line's clips in flight are asked of the scheduler.
POLL_S = 0.5
#: What a worker answers, in ``auto``, when it cannot see the clip or the output folder.
UNSEEN = "unseen"

#: The batch log this worker process writes to now, and its handler (a local cluster may serve several batches).
_worker_log: dict[str, Any] = {}


@dataclass(frozen=True)
class Seen:
    """What a worker must see to use the shared folders: the token file's content, the clip's size and time."""

    token_path: str
    token: str
    size: int
    mtime_ns: int


def _sees(seen: Seen, clip: Path) -> bool:
    try:
        stat = clip.stat()
        token = Path(seen.token_path).read_text(encoding="utf-8")
    except OSError:
        return False
    return token == seen.token and stat.st_size == seen.size and stat.st_mtime_ns == seen.mtime_ns


def _setup_worker(log_path: str | None) -> None:
    """Once per worker process of a local cluster: warnings and native stderr go to the batch's log."""
    if log_path is None or _worker_log.get("path") == log_path:
        return
    logger = logging.getLogger("kneedrive_cv")
    if "handler" in _worker_log:
        logger.removeHandler(_worker_log["handler"])
        _worker_log["handler"].close()
    _worker_log.update(path=log_path, handler=log_into(log_path, logger))


def clip_on_worker(task: ClipTask, data: bytes | None, seen: Seen | None, log_path: str | None) -> Any:
    """On a worker: analyse one clip, from its bytes (``data``) or, if it sees them, in the shared folders.

    Returns the marker (shared), a :class:`~kneedrive_cv.cluster.Sent` with the marker and the files (sent), or
    :data:`UNSEEN`.
    """
    _setup_worker(log_path)
    if data is not None:
        return run_sent(_analyse_sent, task.job.source.name, data, task)
    if seen is not None and not _sees(seen, task.job.source):
        return UNSEEN
    return run_clip(task)


def _analyse_sent(clip: Path, out: Path, task: ClipTask) -> Marker:
    return analyse_into(replace(task, job=replace(task.job, source=clip)), out)


def _write_back(store: ClipStore, task: ClipTask, sent: Sent) -> Marker:
    """Put a sent clip's results where a local run puts them; returns its marker."""
    marker: Marker = sent.value
    tmp = store.new_temp(task.job.key)
    try:
        receive(sent.files, tmp, sent.clip, task.job.source)
        store.commit(tmp, task.job.key, marker)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return marker


def _seen(task: ClipTask, token_path: Path, token: str) -> Seen | None:
    try:
        stat = task.job.source.stat()
    except OSError:
        return None  # the clip is unreadable here too: let the worker report it as a local run would
    return Seen(str(token_path), token, stat.st_size, stat.st_mtime_ns)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""  # the worker reports an empty file as a local run reports an unreadable one


class _Run:
    """One batch's clips on a cluster: submitting, collecting, writing sent results back, progress."""

    def __init__(self, cluster: Cluster, store: ClipStore, files: str, log_path: Path | None, on_done: OnDone,
                 progress: Progress) -> None:
        if files not in FILES_MODES:
            raise ValueError(f"files must be one of {', '.join(FILES_MODES)}, got {files!r}")
        self.cluster, self.store, self.files, self.on_done, self.progress = cluster, store, files, on_done, progress
        self.log_path = str(log_path) if log_path is not None and cluster.local else None
        self.running: dict[Any, ClipTask] = {}  # Dask future -> its clip
        self.token_path = store.root / f".cluster-{secrets.token_hex(6)}"
        self.token = secrets.token_hex(16)
        self.finished = threading.Event()

    def submit(self, task: ClipTask, send: bool) -> None:
        seen = _seen(task, self.token_path, self.token) if self.files == "auto" and not send else None
        data = _read(task.job.source) if send else None
        key = f"{task.job.key}-{secrets.token_hex(4)}"
        with warnings.catch_warnings():  # a big clip's bytes in the task are meant: no "large graph" warning
            warnings.simplefilter("ignore", UserWarning)
            future = self.cluster.client.submit(clip_on_worker, task, data, seen, self.log_path, key=key, pure=False)
        self.running[future] = task
        future.add_done_callback(lambda _: self.finished.set())

    def collect(self, future: Any) -> ClipTask | None:
        """Record a finished future's clip; returns the task again when it must be sent with its bytes."""
        task = self.running.pop(future)
        try:
            reply = future.result()
        except Exception as exc:  # the cluster lost it (its workers kept dying, ...): not the clip's fault
            self.on_done(task, lost_marker(task, f"the cluster could not finish this clip ({type(exc).__name__}: "
                                                 f"{exc}); see the workers' logs"))
            return None
        if isinstance(reply, str) and reply == UNSEEN:
            return task
        self.on_done(task, _write_back(self.store, task, reply) if isinstance(reply, Sent) else reply)
        return None

    def show_in_flight(self) -> None:
        clips = {str(f.key): task.job.clip for f, task in self.running.items()}
        by_worker = {_short(addr): [clips[k] for k in keys if k in clips]
                     for addr, keys in self.cluster.processing().items()}
        self.progress.in_flight({w: c for w, c in sorted(by_worker.items()) if c})

    def run(self, tasks: list[ClipTask]) -> None:
        for stale in self.store.root.glob(".cluster-*"):  # a killed batch's (this one holds the folder's lock)
            stale.unlink(missing_ok=True)
        if self.files == "auto":
            self.token_path.write_text(self.token, encoding="utf-8")
        queue = deque((task, self.files == "send") for task in tasks)
        try:
            while queue or self.running:
                slots = self.cluster.slots()
                while queue and len(self.running) < slots:
                    self.submit(*queue.popleft())
                self.finished.wait(POLL_S)
                self.finished.clear()  # before looking: a clip finishing from now on sets it again
                for future in [f for f in self.running if f.done()]:
                    unseen = self.collect(future)
                    if unseen is not None:
                        queue.appendleft((unseen, True))
                self.show_in_flight()
        finally:
            if self.running:  # interrupted: the cluster drops what it was doing for this batch
                self.cluster.client.cancel(list(self.running))
            self.token_path.unlink(missing_ok=True)


def _short(address: str) -> str:
    """A worker's address without its protocol: ``127.0.0.1:40123``."""
    return address.split("://", 1)[-1]


def run_on_cluster(cluster: Cluster, tasks: list[ClipTask], store: ClipStore, files: str, log_path: Path | None,
                   on_done: OnDone, progress: Progress) -> None:
    """Run ``tasks`` on ``cluster``, calling ``on_done(task, marker)`` as each clip finishes (see the module)."""
    _Run(cluster, store, files, log_path, on_done, progress).run(tasks)
