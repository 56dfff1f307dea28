"""Dask clusters: reach one (a scheduler or local workers), and send a clip's work to a worker without our folders.

Dask is optional (``pip install "kneedrive-cv[cluster]"``) and imported only when a cluster is asked for. The
batch (:mod:`kneedrive_cv.batch.cluster`) and the web app's job queue use what is here; neither analyses
anything itself.

Sending a clip (no shared folder): :func:`run_sent` runs on the worker. It writes the clip's bytes under the
clip's own file name in a temporary folder, calls the work function with that file and an empty results
folder, and returns the function's value with every file the function wrote there (relative name -> bytes).
:func:`receive` writes those files into a folder on the machine that asked, and points the one file that names
the clip's path (``analysis.json``, which ``kneedrive overlay`` re-renders from) back at the original clip, so
the results are the same bytes a run on this machine writes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kneedrive_cv.errors import ConfigError
from kneedrive_cv.pose.cores import POSE_THREADS_ENV, pose_threads

log = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "kneedrive-cv[cluster]"'
#: How long to try to reach a scheduler before giving up.
CONNECT_TIMEOUT_S = 20
#: The results file that names the clip's path (see the module docstring).
ANALYSIS_JSON = "analysis.json"


def _distributed() -> Any:
    """The ``distributed`` module, or a clear error saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(f"running on a Dask cluster needs dask's distributed scheduler, which is not installed. "
                          f"Install it with: {INSTALL_HINT}") from exc
    return distributed


def has_bokeh() -> bool:
    """Whether this Python can serve Dask's dashboard (it needs bokeh)."""
    return importlib.util.find_spec("bokeh") is not None


@dataclass
class Cluster:
    """A Dask client with what the faces show about it.

    Attributes:
        client: the ``distributed.Client``.
        label: what it is, for the progress lines ("a local cluster of 2 worker processes").
        dashboard: the dashboard's address, or a sentence saying why there is none.
        local: its workers run on this machine (they see its folders, and may log into the batch's log).

    """

    client: Any
    label: str
    dashboard: str
    local: bool = False

    def open(self, workers: int | None = None) -> contextlib.AbstractContextManager[Cluster]:
        """Itself, already open (a caller that keeps one cluster for several batches passes it as it is)."""
        return contextlib.nullcontext(self)

    def slots(self) -> int:
        """How many tasks the workers run at once now (their threads, added up); at least 1."""
        return max(1, sum(self.client.nthreads().values()))

    def processing(self) -> dict[str, list[str]]:
        """Task keys each worker is running (or has been given), by the worker's address."""
        return {addr: [str(k) for k in keys] for addr, keys in self.client.processing().items()}


class ClusterOpener(Protocol):
    """Something that opens a cluster for a run: a :class:`ClusterSpec`, or a :class:`Cluster` already open."""

    def open(self, workers: int | None = None) -> contextlib.AbstractContextManager[Cluster]:
        """A context manager yielding the open cluster; ``workers``: the local cluster's size if it sets none."""
        ...


@dataclass(frozen=True)
class ClusterSpec:
    """Which cluster to open: a scheduler's address, or (``scheduler=None``) a local cluster.

    ``workers``: the local cluster's worker processes (default: as many as the run asks for, else the cores).

    Raises:
        ConfigError: Dask is not installed (said at once, before any work).

    """

    scheduler: str | None = None
    workers: int | None = None

    def __post_init__(self) -> None:
        _distributed()

    def open(self, workers: int | None = None) -> contextlib.AbstractContextManager[Cluster]:
        """Connect to the scheduler, or start the local cluster; closed (local workers stopped) on leaving."""
        if self.scheduler is not None:
            return connect(self.scheduler)
        return local_cluster(self.workers or workers or os.cpu_count() or 1)


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Keep Dask's own info lines (workers starting, clients connecting) off the terminal while a cluster is used.

    Its warnings and errors still show; the loggers' levels are restored afterwards.
    """
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def connect(address: str) -> Iterator[Cluster]:
    """A client of the Dask scheduler at ``address`` (``tcp://HOST:8786``); the cluster itself stays up after.

    Raises:
        ConfigError: dask is not installed, or the scheduler cannot be reached.

    """
    distributed = _distributed()
    with _quiet_dask():
        yield from _connected(distributed, address)


def _connected(distributed: Any, address: str) -> Iterator[Cluster]:
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}). "
                          "Is `dask scheduler` running there, and is its port (8786 by default) open to this "
                          "machine?") from exc
    try:
        yield Cluster(client, f"the Dask scheduler at {address}", _remote_dashboard(client))
    finally:
        client.close()


def _remote_dashboard(client: Any) -> str:
    """The scheduler's dashboard address, or why it has none (its web server serves the pages only with bokeh)."""
    if "dashboard" not in client.scheduler_info().get("services", {}):
        return "none (the scheduler was started without one)"
    try:  # a lambda travels by value: the scheduler's machine need not have this package
        bokeh = client.run_on_scheduler(lambda: importlib.util.find_spec("bokeh") is not None)
    except Exception:  # the scheduler refuses to run code: say what can be known
        return f"{client.dashboard_link} (if bokeh is installed beside the scheduler)"
    return client.dashboard_link if bokeh else "none (the scheduler needs bokeh for it: `pip install bokeh` there)"


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[Cluster]:
    """A ``distributed.LocalCluster`` of ``workers`` processes, one analysis each, as the local pool runs them.

    Each worker runs its clip's pose model on its share of the cores (as a pool process does). The dashboard
    listens on a free port when bokeh is installed.
    """
    distributed = _distributed()
    with _quiet_dask():
        yield from _local(distributed, max(1, workers))


def _local(distributed: Any, workers: int) -> Iterator[Cluster]:
    import dask  # installed with distributed, whose defaults are loaded by now
    share = max(1, pose_threads() // workers)
    # a free port: without bokeh the scheduler still serves its health pages there (on 8787 unless told otherwise)
    dashboard = has_bokeh()
    # no statistical profiler sampling every worker's stack 100 times a second: a tenth more CPU for a batch
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=logging.ERROR,
                                           env={POSE_THREADS_ENV: str(share)})
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            link = client.dashboard_link if dashboard else "none (the dashboard needs bokeh: `pip install bokeh`)"
            yield Cluster(client, f"a local Dask cluster of {workers} worker process{'es' * (workers > 1)}", link,
                          local=True)
    finally:
        cluster.close()


# ------------------------------------------------------------------------------------------ sending clips

@dataclass(frozen=True)
class Sent:
    """What :func:`run_sent` hands back: the work's value, the files it wrote, and where the clip was."""

    value: Any
    files: dict[str, bytes]
    clip: str


def pack(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, by its path relative to it (with ``/``)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_sent(fn: Callable[..., Any], name: str, data: bytes, *args: Any, **kwargs: Any) -> Sent:
    """On a worker: ``fn(clip, out_dir, *args, **kwargs)`` on a copy of the clip; returns its value and files.

    The copy keeps the clip's file name (``name``), which the reports show. The temporary folder is removed
    whatever happens; an exception from ``fn`` travels back as it is.
    """
    with tempfile.TemporaryDirectory(prefix="kneedrive-sent-") as tmp:
        clip = Path(tmp, "clip", Path(name).name)
        clip.parent.mkdir()
        clip.write_bytes(data)
        out = Path(tmp, "out")
        out.mkdir()
        value = fn(clip, out, *args, **kwargs)
        return Sent(value, pack(out), str(clip.resolve()))


def receive(files: dict[str, bytes], folder: Path, sent_clip: str, clip: Path) -> None:
    """Write files :func:`pack` made into ``folder``; ``analysis.json`` then names ``clip``, not the worker's copy."""
    for name, data in files.items():
        path = folder / name
        if folder.resolve() not in path.resolve().parents:
            raise ValueError(f"a result file outside its folder: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == ANALYSIS_JSON:
            data = _relocated(data, sent_clip, clip)
        path.write_bytes(data)


def _relocated(data: bytes, sent_clip: str, clip: Path) -> bytes:
    """``analysis.json`` (written with ``indent=2``) with its ``clip_path`` changed from the copy to ``clip``."""
    try:
        saved = json.loads(data)
    except ValueError:
        return data
    if not isinstance(saved, dict) or saved.get("clip_path") != sent_clip:
        return data
    saved["clip_path"] = str(clip.resolve())
    return json.dumps(saved, indent=2).encode()
