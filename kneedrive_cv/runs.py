"""Runs of True in a boolean series: the frames a person was seen in, a foot was planted, a value was measured.

Below every other module (it needs only NumPy), so the pose tracking and the kinematics above it find their runs one
way.
"""

from __future__ import annotations

import numpy as np


def runs_of(valid: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges ``[start, stop)`` of consecutive True values."""
    v = np.concatenate([[False], np.asarray(valid, bool), [False]])
    edges = np.flatnonzero(np.diff(v.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=False)]


__all__ = ["runs_of"]
