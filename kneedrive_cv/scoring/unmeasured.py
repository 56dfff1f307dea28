"""What a clip's report could not measure, and why: each item a kind (for code to act on) and prose (for people).

The CLI picks the notes it prints by their kind (a turned clip, a slow-motion clip), never by their words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.events.contacts import CONTACT_TIMING_FPS
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.kinematics.metrics import View
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.scoring.drills import Drill
from kneedrive_cv.scoring.recognise import Recognition
from kneedrive_cv.scoring.score import ClipScore

#: Running (feet sweeping behind the hips) below this many steps per minute is a slow-motion clip.
SLOW_MOTION_SPM = 100.0
#: Feet swept further behind the hips than this (thigh lengths) mean the athlete runs.
_RUNNING_SWEEP_THIGHS = 1.0
#: A metric whose landmarks are not trusted in more than this share of frames is reported as unmeasured.
_UNTRUSTED_SHARE = 0.25
_TURNS = {90: "a quarter turn anticlockwise", 180: "upside down", 270: "a quarter turn clockwise"}
_STORED = {90: "sideways (the athlete lies on their side as it plays)", 180: "upside down",
           270: "sideways (the athlete lies on their side as it plays)"}


class UnmeasuredKind(enum.StrEnum):
    """What kind of thing could not be measured (report.json's ``unmeasured[].kind``)."""

    TURNED = "turned"  # not a loss: the pictures were turned upright (a note the CLI shows)
    CONTACT_TIMES = "contact_times"
    ATHLETE_MISSING = "athlete_missing"
    SIDE_VIEW = "side_view"
    FACING = "facing"
    TRUNCATED = "truncated"
    REP_SCORES = "rep_scores"
    SLOW_MOTION = "slow_motion"  # the cadence is the file's, not the athlete's (a warning the CLI shows)
    METRIC = "metric"
    REP_METRIC = "rep_metric"


@dataclass(frozen=True)
class Unmeasured:
    """One thing the report could not measure: its kind, what it is and why, in words for the coach."""

    kind: UnmeasuredKind
    what: str
    why: str

    def as_dict(self) -> dict[str, str]:
        """Plain dict for reports."""
        return {"what": self.what, "why": self.why, "kind": self.kind.value}


def unmeasured(track: PoseTrack, kinematics: Kinematics, recognition: Recognition, drill: Drill | None,
               score: ClipScore | None, cadence_spm: float | None, truncated: bool,
               turn_deg: int = 0) -> tuple[Unmeasured, ...]:
    """What the report could not measure, and why (and how the pictures were turned, when they were)."""
    out: list[Unmeasured] = []
    if turn_deg:
        out.append(Unmeasured(UnmeasuredKind.TURNED, "picture orientation",
                              f"the clip is stored {_STORED[turn_deg]}, so its pictures were turned "
                              f"{_TURNS[turn_deg]} to analyse them; the overlay is upright too"))
    if track.fps < CONTACT_TIMING_FPS:
        out.append(Unmeasured(UnmeasuredKind.CONTACT_TIMES, "ground contact times",
                              f"{track.fps:.0f} fps: contact times are only good to one frame "
                              f"(+-{1000 / track.fps:.0f} ms); {CONTACT_TIMING_FPS:.0f} fps or more is needed"))
    if track.detection_rate < 0.95:
        out.append(Unmeasured(UnmeasuredKind.ATHLETE_MISSING, "frames without the athlete",
                              f"nobody found in {100 * (1 - track.detection_rate):.0f} % of frames "
                              "(out of frame, hidden or too small)"))
    if kinematics.view is not View.SIDE:
        out.append(Unmeasured(UnmeasuredKind.SIDE_VIEW, "side-view angles (thigh, dorsiflexion, trunk lean, body line)",
                              f"the camera is {kinematics.view}-on, not side-on: these angles are unreliable"))
    if kinematics.facing is None:
        out.append(Unmeasured(UnmeasuredKind.FACING, "forward direction",
                              "which way the athlete faces could not be told"))
    if truncated:
        out.append(Unmeasured(UnmeasuredKind.TRUNCATED, "the end of the clip",
                              "the file is truncated or damaged; the frames before the damage were analysed"))
    if drill is None:
        out.append(Unmeasured(UnmeasuredKind.REP_SCORES, "rep scores", "; ".join(recognition.reasons)))
    return (*out, *_slow_motion(recognition, cadence_spm), *_metric_limits(kinematics, score))


def _slow_motion(recognition: Recognition, cadence_spm: float | None) -> list[Unmeasured]:
    """A running athlete whose cadence is implausibly slow: the clip is slow motion."""
    sweep = recognition.features.foot_sweep_behind_thighs
    running = sweep is not None and sweep > _RUNNING_SWEEP_THIGHS
    if not running or cadence_spm is None or cadence_spm >= SLOW_MOTION_SPM:
        return []
    return [Unmeasured(UnmeasuredKind.SLOW_MOTION, "real-time cadence",
                       f"{cadence_spm:.0f} steps per minute is too slow for running: the clip is probably slow "
                       "motion (times are the file's playback times)")]


def _metric_limits(kinematics: Kinematics, score: ClipScore | None) -> list[Unmeasured]:
    """Metrics that were untrustworthy too often, and rep metrics never measured."""
    out: list[Unmeasured] = []
    for name, conf in kinematics.frames.confidence.items():
        share = float(np.mean(conf < 0.5))
        if share > _UNTRUSTED_SHARE:
            out.append(Unmeasured(UnmeasuredKind.METRIC, name,
                                  f"landmarks not trusted in {share:.0%} of frames (hidden or out of view)"))
    if score is not None:
        for m in sorted({m for r in score.reps for m in r.unmeasured}):
            n = sum(m in r.unmeasured for r in score.reps)
            out.append(Unmeasured(UnmeasuredKind.REP_METRIC, f"rep metric {m}",
                                  f"not measurable on {n} of {len(score.reps)} reps"))
    return out
