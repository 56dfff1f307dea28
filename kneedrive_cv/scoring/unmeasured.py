"""What a clip's report could not measure, and why: each item a kind (for code to act on) and prose (for people).

The CLI picks the notes it prints by their kind (a turned clip, a slow-motion clip), never by their words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from kneedrive_cv.kinematics.distances import Distances
from kneedrive_cv.kinematics.events import Events
from kneedrive_cv.kinematics.events.cadence import (
    RUNNING_SWEEP_THIGHS,
    SLOW_MOTION_SPM,
    CadenceFrom,
    body_keeps_the_rhythm,
    measure_cadence,
)
from kneedrive_cv.kinematics.events.contacts import CONTACT_TIMING_FPS
from kneedrive_cv.kinematics.measure import Kinematics
from kneedrive_cv.kinematics.metrics import View
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.scoring.drills import REP_METRICS, Drill, RepKind
from kneedrive_cv.scoring.recognise import Recognition
from kneedrive_cv.scoring.score import ClipScore

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
    CADENCE = "cadence"  # no figure given: too few or scattered events, or beyond any sprinter
    SLOW_MOTION = "slow_motion"  # the cadence is the file's, not the athlete's (a warning the CLI shows)
    METRIC = "metric"
    REP_METRIC = "rep_metric"
    HELD_LEG = "held_leg"  # a hold found with the legs' labels trading: which leg, and its own metrics (the CLI says)
    DISTANCES = "distances"  # centimetres: no height given, a camera not side-on, or a panning camera


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
               turn_deg: int = 0, events: Events | None = None) -> tuple[Unmeasured, ...]:
    """What the report could not measure, and why (and how the pictures were turned, when they were).

    ``events`` are the clip's (the cadence's reasons and the slow-motion check need them; without them
    neither is said).
    """
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
    if events is not None and score is not None and any(h.labels_mixed for h in events.holds):
        out.append(Unmeasured(UnmeasuredKind.HELD_LEG, "the held leg: which it was, its thigh, knee and foot, and "
                              "the time at the target",
                              "the model traded the legs' labels through the hold (as it often reads a thigh at or "
                              "above the horizontal, side-on); the hold was found by whichever thigh was higher while "
                              "the hips stayed still, or joined across labels trading too quickly for a change of leg, "
                              "and the side shown is only the leg labelled up most often"))
    if events is not None:
        out += _cadence(kinematics, events, drill, cadence_spm)
        out += _slow_motion(recognition, kinematics, events, None if drill is not None and not drill.travelling
                            else cadence_spm)
    return (*out, *_metric_limits(kinematics, score))


def _cadence(kinematics: Kinematics, events: Events, drill: Drill | None, cadence_spm: float | None
             ) -> list[Unmeasured]:
    """The cadence, when no figure could be given as a fact (too few or scattered events, or impossible)."""
    if cadence_spm is not None:
        return []
    if drill is not None and drill.rep is RepKind.HOLD:
        return [Unmeasured(UnmeasuredKind.CADENCE, "cadence",
                           "a hold is timed, not counted a minute (the knee drives read in a hold clip are the lifts "
                           "into each hold and the model's misreadings of the held thigh)")]
    why = measure_cadence(drill.cadence_from if drill else CadenceFrom.CONTACTS, events, kinematics).unmeasured_why
    return [Unmeasured(UnmeasuredKind.CADENCE, "cadence", why)] if why else []


def _slow_motion(recognition: Recognition, kinematics: Kinematics, events: Events, cadence_spm: float | None
                 ) -> list[Unmeasured]:
    """A running athlete whose cadence is implausibly slow while the whole body keeps that rhythm: slow motion.

    Running means the feet sweep behind the hips, the hips bounce once per step at the cadence and both feet
    land: one leg's contacts missed, or a slow rate from a drill or an exercise, is never taken for it (a drill on
    the spot passes no cadence here: its feet sit behind the hips at a wall lean, and its rate is its own).
    """
    sweep = recognition.features.foot_sweep_behind_thighs
    running = sweep is not None and sweep > RUNNING_SWEEP_THIGHS
    if not running or cadence_spm is None or cadence_spm >= SLOW_MOTION_SPM:
        return []
    if not body_keeps_the_rhythm(kinematics, events.contacts, cadence_spm):
        return []
    return [Unmeasured(UnmeasuredKind.SLOW_MOTION, "real-time cadence",
                       f"{cadence_spm:.0f} steps per minute is too slow for running: the clip is probably slow "
                       "motion (times are the file's playback times; `kneedrive analyse --slow-motion FACTOR`, "
                       "how many times slower than real life it plays, gives real-time figures)")]


def _metric_limits(kinematics: Kinematics, score: ClipScore | None) -> list[Unmeasured]:
    """Metrics that were untrustworthy too often, and rep metrics never measured."""
    out: list[Unmeasured] = []
    for name, conf in kinematics.frames.confidence.items():
        share = float(np.mean(conf < 0.5))
        if share > _UNTRUSTED_SHARE:
            out.append(Unmeasured(UnmeasuredKind.METRIC, metric_words(name),
                                  f"landmarks not trusted in {share:.0%} of frames (hidden or out of view)"))
    if score is not None:
        for m in sorted({m for r in score.reps for m in r.unmeasured}):
            n = sum(m in r.unmeasured for r in score.reps)
            out.append(Unmeasured(UnmeasuredKind.REP_METRIC, REP_METRICS.get(m, m.replace("_", " ")),
                                  f"not measurable on {n} of {len(score.reps)} reps"))
    return out


def not_judged(names: list[str] | tuple[str, ...]) -> str:
    """What a rep was not judged on, for its row in a table: ``""`` when it was judged on everything.

    A rep is clean only on what was measured: a drive whose top the model did not see has no knee height, and its
    row says so beside "clean" rather than letting it pass for a checked knee.
    """
    if not names:
        return ""
    return "not judged: " + ", ".join(REP_METRICS.get(n, n.replace("_", " ")).split(" (")[0] for n in names)


def metric_words(name: str) -> str:
    """A per-frame metric's column name in words for a reader: ``elbow_angle_left`` -> ``left elbow angle``."""
    *words, last = name.split("_")
    return " ".join([last, *words] if last in ("left", "right") else [*words, last])
def distance_limits(distances: Distances | None) -> list[Unmeasured]:
    """The distances in centimetres not measured, and why (all of them when no height was given)."""
    if distances is None:
        return [Unmeasured(UnmeasuredKind.DISTANCES, "distances in centimetres (step length, speed, hip and knee "
                           "height)", "no athlete height was given (kneedrive analyse --height-cm, the batch "
                           "manifest's height_cm column, or the athlete's page in the web app)")]
    return [Unmeasured(UnmeasuredKind.DISTANCES, what, why) for what, why in distances.missing]
