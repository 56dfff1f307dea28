"""Pose tracks built analytically: a side-view athlete whose true angles and event times are known exactly.

The figure is a 2-D sagittal stick model in pixels (y down). Each leg's thigh angle follows smooth bumps at
the requested knee-drive times; the trunk leans by a set angle; the feet stay level unless asked. Left and
right are the athlete's own; facing right puts the right leg nearer the camera (smaller z).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from kneedrive_cv.landmarks import LEFT_RIGHT_SWAP, N_LANDMARKS, Landmark, Side, sided
from kneedrive_cv.pose.track import PoseTrack

THIGH_PX = 120.0
SHANK_PX = 120.0
FOOT_PX = 55.0
TORSO_PX = 170.0


@dataclass
class Athlete:
    """Parameters of a synthetic clip."""

    fps: float = 30.0
    duration_s: float = 6.0
    facing: Side = Side.RIGHT
    drives: list[tuple[float, Side]] = field(default_factory=list)
    peak_thigh_deg: float = 90.0
    drive_width_s: float = 0.12
    trunk_lean_deg: float = 0.0
    dorsiflexion_deg: float = 0.0
    vfr_jitter: float = 0.0
    hip_px: tuple[float, float] = (640.0, 360.0)
    travel_px_s: float = 0.0
    seed: int = 0
    #: knees held up: (side, time the thigh starts up, time it is back down); up and down take ``drive_width_s``
    held: list[tuple[Side, float, float]] = field(default_factory=list)
    #: how far (thigh lengths) the body rises off the standing foot with each drive: real high knees bounce the hips
    #: about 0.1 thigh lengths RMS, renders 0.02-0.07; 0 keeps the hips still, as only a held knee does
    bounce_thighs: float = 0.0


def times(a: Athlete) -> np.ndarray:
    """Frame times: regular at ``fps``, or jittered (variable frame rate) but strictly increasing."""
    n = round(a.duration_s * a.fps)
    t = np.arange(n) / a.fps
    if a.vfr_jitter:
        rng = np.random.default_rng(a.seed)
        t = t + rng.uniform(-a.vfr_jitter, a.vfr_jitter, n) / a.fps
        t = np.maximum.accumulate(t)
        t[1:] = np.maximum(t[1:], t[:-1] + 1e-4)
        t -= t[0]
    return t


def thigh_angles(a: Athlete, t: np.ndarray) -> dict[Side, np.ndarray]:
    """True thigh angle per leg: raised-cosine bumps of width ``drive_width_s`` (half-width) at each drive."""
    out = {s: np.zeros_like(t) for s in Side}
    for t_peak, side in a.drives:
        u = (t - t_peak) / (2 * a.drive_width_s)
        bump = np.where(np.abs(u) < 1, 0.5 * (1 + np.cos(np.pi * u)), 0.0)
        out[side] = np.maximum(out[side], a.peak_thigh_deg * bump)
    for side, t_up, t_down in a.held:
        w = a.drive_width_s
        up = np.clip((t - t_up) / w, 0, 1) * np.clip((t_down - t) / w, 0, 1)
        out[side] = np.maximum(out[side], a.peak_thigh_deg * 0.5 * (1 - np.cos(np.pi * up)))
    return out


def build(a: Athlete) -> tuple[PoseTrack, dict[str, np.ndarray]]:
    """The track and the truth (per-frame true metrics by docs/METRICS.md definitions)."""
    t = times(a)
    n = len(t)
    f = 1 if a.facing is Side.RIGHT else -1
    lm = np.zeros((n, N_LANDMARKS, 4), np.float32)
    lm[:, :, 3] = 0.99
    hip = np.stack([a.hip_px[0] + f * a.travel_px_s * t, np.full(n, a.hip_px[1])], 1)
    if a.bounce_thighs:  # the hips highest at each drive's top, the whole body with them
        lift = np.zeros(n)
        for t_peak, _ in a.drives:
            u = (t - t_peak) / (2 * a.drive_width_s)
            lift = np.maximum(lift, np.where(np.abs(u) < 1, 0.5 * (1 + np.cos(np.pi * u)), 0.0))
        hip[:, 1] -= 2 * a.bounce_thighs * THIGH_PX * lift
    lean = np.radians(a.trunk_lean_deg)
    shoulder = hip + TORSO_PX * np.array([f * np.sin(lean), -np.cos(lean)])
    head = shoulder + 60 * np.array([f * np.sin(lean), -np.cos(lean)])
    thighs = thigh_angles(a, t)
    truth: dict[str, np.ndarray] = {"t_s": t}
    for s in Side:
        near = (s is Side.RIGHT) == (a.facing is Side.RIGHT)
        z = -40.0 if near else 40.0
        dx = 4.0 if near else -4.0
        th = np.radians(thighs[s])
        knee = hip + THIGH_PX * np.stack([f * np.sin(th), np.cos(th)], 1)
        # shank hangs so the knee is bent by as much as the thigh is raised (foot under the knee at the top)
        ankle = knee + SHANK_PX * np.stack([np.zeros(n), np.ones(n)], 1)
        dorsi = np.radians(a.dorsiflexion_deg)
        foot_dir = np.array([f * np.cos(dorsi), -np.sin(dorsi)])
        heel = ankle + np.array([-f * 12.0, 10.0])
        toe = heel + FOOT_PX * foot_dir
        elbow = shoulder + np.array([-f * 30.0, 70.0])
        wrist = elbow + np.array([f * 60.0, 0.0])
        pts = {"HIP": hip, "KNEE": knee, "ANKLE": ankle, "HEEL": heel, "FOOT_INDEX": toe, "SHOULDER": shoulder,
               "ELBOW": elbow, "WRIST": wrist, "PINKY": wrist, "INDEX": wrist, "THUMB": wrist, "EAR": head,
               "EYE": head + np.array([f * 15.0, 0]), "EYE_INNER": head + np.array([f * 17.0, 0]),
               "EYE_OUTER": head + np.array([f * 12.0, 0])}
        for part, p in pts.items():
            idx = int(sided(s, part))
            lm[:, idx, 0] = p[:, 0] + dx
            lm[:, idx, 1] = p[:, 1]
            lm[:, idx, 2] = z
        truth[f"thigh_angle_{s.value}"] = thighs[s]
        truth[f"knee_height_{s.value}"] = (hip[:, 1] - knee[:, 1]) / THIGH_PX
        truth[f"dorsiflexion_{s.value}"] = np.full(n, a.dorsiflexion_deg)
    for idx in (Landmark.NOSE, Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT):
        lm[:, idx, :2] = head + np.array([f * 25.0, 10.0])
    truth["trunk_lean"] = np.full(n, a.trunk_lean_deg)
    world = np.zeros((n, N_LANDMARKS, 3), np.float32)
    track = PoseTrack(lm, world, t, a.fps, (1280, 720), "synthetic", {"source": "factory"})
    return track, truth


def with_swaps(track: PoseTrack, frames: list[tuple[int, int]]) -> PoseTrack:
    """The track with the model's left/right labels exchanged over the given [start, stop) frame ranges."""
    lm = track.landmarks_px.copy()
    for a, b in frames:
        lm[a:b] = lm[a:b][:, LEFT_RIGHT_SWAP]
    return track.replace(landmarks_px=lm)


def _random_runs(track: PoseTrack, t0: float, t1: float, seed: int, shortest: int,
                 longest: int) -> Iterator[tuple[slice, float]]:
    """Consecutive runs of ``shortest`` to ``longest`` frames over ``t0`` to ``t1`` s, each with a draw in [0, 1)."""
    rng = np.random.default_rng(seed)
    inside = np.flatnonzero((track.t_s >= t0) & (track.t_s <= t1))
    if not len(inside):
        return
    i, last = int(inside[0]), int(inside[-1])
    while i <= last:
        run = int(rng.integers(shortest, longest + 1))
        yield slice(i, min(i + run, last + 1)), float(rng.random())
        i += run


def with_legs_mixed_up(track: PoseTrack, t0: float, t1: float, swapped_share: float = 0.35,
                       merged_share: float = 0.15, seed: int = 0) -> PoseTrack:
    """The track with the model losing the legs between ``t0`` and ``t1`` s, as it does with a held knee near the
    camera: the labels exchanged on ``swapped_share`` of the frames and the two knees and ankles pulled together
    (to their midpoint) on ``merged_share``, each in runs of one to three frames at random.
    """
    lm = track.landmarks_px.copy()
    for frames, u in _random_runs(track, t0, t1, seed, 1, 3):
        if u < swapped_share:
            lm[frames] = lm[frames][:, LEFT_RIGHT_SWAP]
        elif u < swapped_share + merged_share:
            for part in ("KNEE", "ANKLE"):
                left, right = int(sided(Side.LEFT, part)), int(sided(Side.RIGHT, part))
                mid = (lm[frames, left, :2] + lm[frames, right, :2]) / 2
                lm[frames, left, :2], lm[frames, right, :2] = mid, mid
    return track.replace(landmarks_px=lm)


def with_feet_lost(track: PoseTrack, t0: float, t1: float, share: float = 0.15, seed: int = 0) -> PoseTrack:
    """The track with the model drawing both feet where the higher one is, between ``t0`` and ``t1`` s, on
    ``share`` of the frames in runs of two to six (as it does when it loses a standing foot behind a held knee).
    """
    lm = track.landmarks_px.copy()
    for frames, u in _random_runs(track, t0, t1, seed, 2, 6):
        if u < share:
            for f in range(frames.start, frames.stop):
                heels = {s: lm[f, int(sided(s, "HEEL")), 1] for s in Side}
                up = min(Side, key=lambda s: heels[s])
                for part in ("ANKLE", "HEEL", "FOOT_INDEX"):
                    lm[f, int(sided(up.other, part)), :2] = lm[f, int(sided(up, part)), :2]
    return track.replace(landmarks_px=lm)


def mirrored(track: PoseTrack) -> PoseTrack:
    """The athlete seen in a mirror: x flipped and left/right exchanged (the same body, facing the other way)."""
    lm = track.landmarks_px.copy()
    w = track.frame_size[0]
    lm[:, :, 0] = w - lm[:, :, 0]
    lm = lm[:, LEFT_RIGHT_SWAP]
    return track.replace(landmarks_px=lm)


def with_gaps(track: PoseTrack, frames: list[tuple[int, int]]) -> PoseTrack:
    """The track with nobody found over the given [start, stop) frame ranges."""
    lm = track.landmarks_px.copy()
    for a, b in frames:
        lm[a:b] = np.nan
    return track.replace(landmarks_px=lm)


_FEET = [int(sided(s, p)) for s in Side for p in ("ANKLE", "HEEL", "FOOT_INDEX")]


def leaning_from_the_ankles(track: PoseTrack, deg: float, facing: Side = Side.RIGHT) -> PoseTrack:
    """The whole body above the ankles tilted forward by ``deg`` about the feet (a wall-drill lean)."""
    lm = track.landmarks_px.copy()
    f = 1 if facing is Side.RIGHT else -1
    pivot = lm[:, _FEET, :2].mean(axis=1, keepdims=True)
    a = np.radians(deg)
    body = [i for i in range(N_LANDMARKS) if i not in _FEET]
    forward = f * (lm[:, body, 0] - pivot[:, :, 0])
    up = -(lm[:, body, 1] - pivot[:, :, 1])  # image y grows downward
    # tip the body toward the way it faces: "up" turns toward "forward"
    lm[:, body, 0] = pivot[:, :, 0] + f * (forward * np.cos(a) + up * np.sin(a))
    lm[:, body, 1] = pivot[:, :, 1] - (-forward * np.sin(a) + up * np.cos(a))
    return track.replace(landmarks_px=lm)


def with_heel_raises(track: PoseTrack, times: list[float], rise_px: float, half_width_s: float = 0.3,
                     side: Side | None = None) -> PoseTrack:
    """Heels raised ``rise_px`` at each time (raised-cosine bumps), the toes staying put: both, or ``side``'s."""
    lm = track.landmarks_px.copy()
    t = track.t_s
    bump = np.zeros_like(t)
    for t0 in times:
        u = (t - t0) / half_width_s
        bump = np.maximum(bump, np.where(np.abs(u) < 1, 0.5 * (1 + np.cos(np.pi * u)), 0.0))
    for s in Side if side is None else (side,):
        lm[:, int(sided(s, "HEEL")), 1] -= rise_px * bump
        lm[:, int(sided(s, "ANKLE")), 1] -= 0.8 * rise_px * bump
    return track.replace(landmarks_px=lm)


def walking(step_s: float = 0.55, fps: float = 30.0, duration_s: float = 6.0, reach_thighs: float = 0.5,
            sweep_thighs: float = 0.7, pan: bool = False, tilt_px: float = 0.0
            ) -> tuple[PoseTrack, list[tuple[float, Side]]]:
    """A side-view walk facing right: each foot planted from touchdown (``reach_thighs`` ahead of the hips) until
    it is ``sweep_thighs`` behind them, then swung forward lifted; the feet take turns every ``step_s``.

    The hips travel over the planted foot at (reach + sweep) / stance; ``pan`` keeps them still in the picture
    (a phone following the walker), so the planted foot moves back instead, and ``tilt_px`` tilts that phone up
    and down as it follows (the whole picture moving that far, once every 1.7 s). Returns the track and the true
    touchdowns (time, foot).
    """
    t = np.arange(round(duration_s * fps)) / fps
    n = len(t)
    stride = 2 * step_s
    stance = 0.6 * stride  # walking: each foot on the ground 60 % of its stride
    speed = (reach_thighs + sweep_thighs) * THIGH_PX / stance  # px/s over the ground
    hip_x = 100.0 + (0.0 if pan else speed) * t
    hip = np.stack([hip_x, np.full(n, 300.0)], 1)
    floor_y = 300.0 + THIGH_PX + SHANK_PX - 10.0  # the legs a little bent at the floor
    lm = np.zeros((n, N_LANDMARKS, 4), np.float32)
    lm[:, :, 3] = 0.99
    touchdowns: list[tuple[float, Side]] = []
    shoulder = hip + np.array([0.0, -TORSO_PX])
    for s, offset in ((Side.LEFT, 0.0), (Side.RIGHT, step_s)):
        phase = ((t - offset) % stride) / stride  # 0 at touchdown
        on = phase < 0.6
        u_on = phase / 0.6
        u_swing = (phase - 0.6) / 0.4
        ahead = np.where(on, reach_thighs - u_on * (reach_thighs + sweep_thighs),
                         -sweep_thighs + (0.5 - 0.5 * np.cos(np.pi * u_swing)) * (reach_thighs + sweep_thighs))
        lift = np.where(on, 0.0, 0.3 * THIGH_PX * np.sin(np.pi * np.clip(u_swing, 0, 1)))
        ankle = np.stack([hip[:, 0] + ahead * THIGH_PX, floor_y - lift], 1)
        d = ankle - hip
        dist = np.linalg.norm(d, axis=1)
        mid = hip + d / 2
        bend = np.sqrt(np.maximum(THIGH_PX ** 2 - (dist / 2) ** 2, 0.0))
        normal = np.stack([d[:, 1], -d[:, 0]], 1) / dist[:, None]  # forward of the hip-ankle line (facing right)
        knee = mid + normal * bend[:, None]
        heel = ankle + np.array([-12.0, 10.0])
        toe = heel + np.array([FOOT_PX, 0.0])
        z = -40.0 if s is Side.RIGHT else 40.0
        arm = {"ELBOW": (0.0, 70.0), "WRIST": (30.0, 120.0), "EAR": (0.0, -60.0), "EYE": (15.0, -60.0)}
        pts = {"HIP": hip, "KNEE": knee, "ANKLE": ankle, "HEEL": heel, "FOOT_INDEX": toe, "SHOULDER": shoulder,
               **{part: shoulder + np.array(off) for part, off in arm.items()}}
        for part, p in pts.items():
            idx = int(sided(s, part))
            lm[:, idx, 0], lm[:, idx, 1], lm[:, idx, 2] = p[:, 0], p[:, 1], z
        touchdowns += [(float(x), s) for x in np.arange(offset, duration_s, stride)]
    for idx in (Landmark.NOSE, Landmark.MOUTH_LEFT, Landmark.MOUTH_RIGHT):
        lm[:, idx, :2] = shoulder + np.array([25.0, -50.0])
    lm[:, :, 1] += (tilt_px * np.sin(2 * np.pi * t / 1.7))[:, None]
    world = np.zeros((n, N_LANDMARKS, 3), np.float32)
    track = PoseTrack(lm, world, t, fps, (1280, 720), "synthetic", {"source": "factory.walking"})
    return track, sorted(touchdowns)
