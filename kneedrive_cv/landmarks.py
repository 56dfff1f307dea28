"""Landmark and side names: the one place that knows MediaPipe's 33-point layout.

Everything else indexes landmarks by name (``Landmark.LEFT_KNEE``), never by number, and sides by
:class:`Side`, never by ``'L'``.
"""

from __future__ import annotations

import enum
import itertools

import numpy as np


class Landmark(enum.IntEnum):
    """MediaPipe BlazePose landmark indices (the pose landmarker's numbering)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


N_LANDMARKS = len(Landmark)


class Side(enum.StrEnum):
    """The athlete's own left or right (not the image's)."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> Side:
        """The opposite side."""
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


def forward_sign(facing: Side | None) -> int:
    """-1 when the athlete faces image-left, else 1: image x times this is x forward of the athlete."""
    return -1 if facing is Side.LEFT else 1


_SIDED = ("SHOULDER", "ELBOW", "WRIST", "PINKY", "INDEX", "THUMB", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX",
          "EYE_INNER", "EYE", "EYE_OUTER", "EAR")


def sided(side: Side, part: str) -> Landmark:
    """The landmark of ``part`` (e.g. ``"KNEE"``) on ``side``."""
    return Landmark[f"{side.name}_{part}"]


def _mirror_indices() -> list[int]:
    order = list(range(N_LANDMARKS))
    for part in _SIDED:
        left, right = Landmark[f"LEFT_{part}"], Landmark[f"RIGHT_{part}"]
        order[left], order[right] = int(right), int(left)
    order[Landmark.MOUTH_LEFT], order[Landmark.MOUTH_RIGHT] = int(Landmark.MOUTH_RIGHT), int(Landmark.MOUTH_LEFT)
    return order


#: Index permutation that exchanges every left landmark with its right partner.
LEFT_RIGHT_SWAP: list[int] = _mirror_indices()

def mid_hip(xy: np.ndarray) -> np.ndarray:
    """The point halfway between the hips: ``(frames, 33, d)`` positions to ``(frames, d)``."""
    return np.asarray((xy[:, Landmark.LEFT_HIP] + xy[:, Landmark.RIGHT_HIP]) / 2)


def thigh_angle_deg(xy: np.ndarray, side: Side, f: int) -> np.ndarray:
    """Each frame's angle (deg) of the thigh labelled ``side``, hip to knee, from straight down, forward positive.

    ``xy``: ``(frames, 33, d)`` pixel positions, y down; ``f``: :func:`forward_sign` of the facing.
    """
    v = xy[:, int(sided(side, "KNEE")), :2] - xy[:, int(sided(side, "HIP")), :2]
    return np.asarray(np.degrees(np.arctan2(f * v[:, 0], v[:, 1])))


#: Leg landmarks per side, the ones a left/right swap repair exchanges.
LEG_PARTS = ("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX")
ARM_PARTS = ("SHOULDER", "ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")


def _edges() -> tuple[tuple[Landmark, Landmark], ...]:
    edges: list[tuple[Landmark, Landmark]] = []
    for s in Side:
        n = s.name
        chain = ["SHOULDER", "ELBOW", "WRIST"], ["SHOULDER", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX", "ANKLE"]
        for parts in chain:
            edges += [(Landmark[f"{n}_{a}"], Landmark[f"{n}_{b}"]) for a, b in itertools.pairwise(parts)]
    edges += [(Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER), (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)]
    return tuple(edges)


#: Skeleton edges drawn by the overlay (body only: face and hand points are left out).
SKELETON_EDGES = _edges()


def edge_side(a: Landmark, b: Landmark) -> Side | None:
    """The side an edge belongs to, or ``None`` for the cross-body edges."""
    na, nb = a.name.split("_")[0], b.name.split("_")[0]
    if na == nb and na in ("LEFT", "RIGHT"):
        return Side(na.lower())
    return None
