"""Squad batch scoring: a folder of clips (or a manifest CSV) in, every clip scored, one squad summary out.

The batch composes the same ``analyse`` + ``write_outputs`` that ``kneedrive analyse`` runs, once per clip,
in parallel; it does no analysis of its own. Its modules, in the order the data flows:

- :mod:`~kneedrive_cv.batch.discover`: which clips, whose, which drill (the filename rule and the manifest).
- :mod:`~kneedrive_cv.batch.store`: each clip's folder written whole or not at all, with a ``done.json``
  marker that lets a rerun skip finished clips.
- :mod:`~kneedrive_cv.batch.worker`: one clip in a worker; a bad clip becomes a ``failed`` row.
- :mod:`~kneedrive_cv.batch.runner`: :func:`run_batch`, the process pool (or any executor), progress.
- :mod:`~kneedrive_cv.batch.summary`: ``summary.csv`` and the squad page ``index.html``.

Output folder::

    OUT/summary.csv  OUT/index.html  OUT/batch.log
    OUT/<athlete>/<clip>/   report.json, report.html, frames.csv, reps.csv, ... , done.json

Rerunning the same command skips every clip whose ``done.json`` matches its content hash, pose model,
drill, settings and package version; failures caused by the clip itself (not a video, nobody in it, too
short) are kept as they are, while failures that may not recur (a bug, a crashed worker, a full disk) are
tried again. ``force=True`` analyses everything again.

Running on a cluster
--------------------
With Dask (``pip install "kneedrive-cv[cluster]"``), :func:`run_batch` runs the clips on a cluster's workers
instead of the local pool (:mod:`~kneedrive_cv.batch.cluster`; the CLI's ``--scheduler`` and ``--cluster
local``)::

    from kneedrive_cv.batch import run_batch
    from kneedrive_cv.cluster import ClusterSpec

    result = run_batch("squad", "results", cluster=ClusterSpec(scheduler="tcp://scheduler:8786"))
    print(result.failed, "failed; see", result.index_html)

The workers need not see the clips or the output folder: ``files="auto"`` sends a clip's bytes to a worker that
cannot see it, and writes the results it sends back here. ``executor=`` still takes any
:class:`concurrent.futures.Executor` whose workers see the clips and ``out_dir`` at the same paths (a
``ThreadPoolExecutor`` in tests, say); ``jobs`` then caps the clips in flight at once (default: all of them).
"""

from kneedrive_cv.batch.discover import ClipJob, discover, parse_name, read_manifest
from kneedrive_cv.batch.runner import BatchResult, run_batch
from kneedrive_cv.output.summary import ClipSummary

__all__ = ["BatchResult", "ClipJob", "ClipSummary", "discover", "parse_name", "read_manifest", "run_batch"]
