"""How many cores the pose model may use: light to import, so the batch and web parents can share cores out."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

#: Environment variable that caps the cores one analysis runs its pose spans on.
POSE_THREADS_ENV = "KNEEDRIVE_POSE_THREADS"


def pose_threads() -> int:
    """How many spans of a clip run the pose model at once: ``KNEEDRIVE_POSE_THREADS``, else the usable cores."""
    env = os.environ.get(POSE_THREADS_ENV, "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            log.warning("%s=%r is not a whole number; using the number of cores", POSE_THREADS_ENV, env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def share_cores(workers: int) -> None:
    """In a worker process, one of ``workers`` side by side: let its pose model use only its share of the cores."""
    os.environ[POSE_THREADS_ENV] = str(max(1, pose_threads() // max(1, workers)))
