"""``analyse()``: the whole pipeline, read top to bottom like a table of contents.

probe -> estimate (or load from cache) -> measure (facing, view, leg swaps, smoothing, metrics) -> events
-> recognise the drill -> score reps -> one :class:`AnalysisResult`.
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kneedrive_cv import __version__
from kneedrive_cv.kinematics.events import CONTACT_TIMING_FPS, Events, EventSettings, detect_events
from kneedrive_cv.kinematics.measure import Kinematics, measure_track
from kneedrive_cv.pose.cache import TrackCache
from kneedrive_cv.pose.estimate import ProgressFn, estimate_track, with_athlete
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.scoring.drills import Drill, DrillBook, load_drills
from kneedrive_cv.scoring.recognise import Recognition, recognise
from kneedrive_cv.scoring.score import ClipScore, Fault, ScoredRep, clip_cadence, fault_counts, score_clip
from kneedrive_cv.video import VideoInfo

_USE_DEFAULT_CACHE: Any = object()
#: Running (feet sweeping behind the hips) below this many steps per minute is a slow-motion clip.
SLOW_MOTION_SPM = 100.0
#: What the limit says is unmeasured when the clip is probably slow motion (its cadence is not the athlete's).
SLOW_MOTION_LIMIT = "real-time cadence"
#: The name of the note that the clip's pictures were turned upright (the CLI shows it under the summary).
TURNED_LIMIT = "picture orientation"
_TURNS = {90: "a quarter turn anticlockwise", 180: "upside down", 270: "a quarter turn clockwise"}
_STORED = {90: "sideways (the athlete lies on their side as it plays)", 180: "upside down",
           270: "sideways (the athlete lies on their side as it plays)"}


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Everything known about one clip: the track, the per-frame metrics, events, the drill and scored reps."""

    clip: Path
    video: VideoInfo
    track: PoseTrack
    kinematics: Kinematics
    events: Events
    recognition: Recognition
    drill: Drill | None
    score: ClipScore | None
    book: DrillBook
    from_cache: bool
    unmeasured: tuple[dict[str, str], ...]
    read_truncated: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def reps(self) -> tuple[ScoredRep, ...]:
        """Scored reps (empty when no drill was recognised)."""
        return self.score.reps if self.score else ()

    @property
    def drill_name(self) -> str:
        """The drill scored, or ``none``."""
        return self.drill.name if self.drill else "none"

    @property
    def frames(self) -> Any:
        """The per-frame metrics table."""
        return self.kinematics.frames

    @property
    def cadence_spm(self) -> float | None:
        """Steps (travelling drills) or knee drives (on the spot) per minute."""
        if self.score is not None:
            return self.score.cadence_spm
        return self.meta.get("cadence_spm")

    @property
    def facing(self) -> str | None:
        """``left`` or ``right``: the side of the image the athlete faces."""
        return self.kinematics.facing.value if self.kinematics.facing else None

    def summary(self) -> dict[str, Any]:
        """Headline numbers and the most frequent faults, for reports and the terminal."""
        scores = [r.score for r in self.reps if r.score is not None]
        counts = fault_counts(self.reps)
        top = [{"code": c, "reps": n, "cue": self.book.cue(c)} for c, n in counts.most_common(3)]
        return {
            "reps": len(self.reps),
            "mean_score": round(float(np.mean(scores)), 1) if scores else None,
            "best_rep": max(self.reps, key=lambda r: r.score or -1).index if scores else None,
            "worst_rep": (min(self.reps, key=lambda r: r.score if r.score is not None else 101).index
                          if scores else None),
            "top_faults": top,
            "set_faults": [f.as_dict() for f in (self.score.set_faults if self.score else ())],
            "findings": dict(self.score.findings) if self.score else {},
        }

    def report_dict(self) -> dict[str, Any]:
        """The content of report.json (see METRICS.md)."""
        k = self.kinematics
        return {
            "kneedrive_version": __version__,
            "clip": self.clip.name,
            "drill": self.drill_name,
            "drill_title": self.drill.title if self.drill else "no knee-drive drill",
            "drill_confidence": self.recognition.confidence,
            "drill_reasons": list(self.recognition.reasons),
            "drill_source": self.meta.get("drill_source", "auto"),
            "cadence_spm": _round(self.cadence_spm, 2),
            "cadence_source": self.score.cadence_source if self.score else self.meta.get("cadence_source"),
            "facing": self.facing,
            "vertical": "image vertical (no camera roll correction)",
            "view": k.view,
            "hold_s": _round(self.score.hold_s, 2) if self.score else None,
            "reps": [_rep_dict(r) for r in self.reps],
            "summary": self.summary(),
            "unmeasured": list(self.unmeasured),
            "thresholds": self.thresholds(),
            "events": {
                "knee_drives": [{"side": d.side.value, "t_peak_s": round(d.t_peak_s, 3),
                                 "peak_thigh_deg": _round(d.peak_thigh_deg, 1),
                                 "peak_knee_height": _round(d.peak_knee_height, 3), "partial": d.partial}
                                for d in self.events.drives],
                "foot_contacts": [{"side": c.side.value, "t_on_s": _round(c.t_on_s, 3), "t_off_s": _round(c.t_off_s, 3)}
                                  for c in self.events.contacts],
                "contact_method": self.events.contact_method,
                "holds": [{"side": h.side.value, "t_start_s": round(h.t_start_s, 3), "t_end_s": round(h.t_end_s, 3)}
                          for h in self.events.holds],
            },
            "video": {"width": self.video.width, "height": self.video.height, "fps": round(self.video.fps, 3),
                      "frames": len(self.track), "duration_s": round(float(self.track.t_s[-1]), 3),
                      "codec": self.video.codec, "rotation_deg": self.video.rotation_deg,
                      "turned_deg": self.video.turn_deg,
                      "truncated": self.read_truncated},
            "athlete": self.track.meta.get("athlete"),
            "pose": {"model": self.track.model, "from_cache": self.from_cache,
                     "person_found_share": round(self.track.detection_rate, 3),
                     "people_seen": len(self.track.people.person_ids) if self.track.people is not None else None,
                     "leg_swaps_repaired_frames": k.legs.frames_repaired, "leg_identity_rule": k.legs.rule,
                     "filled_frames": int(k.frames.filled.sum()), "thigh_length_px": round(k.thigh_px, 1),
                     "smoothing": {"cutoff_hz": k.settings.cutoff_hz, "max_gap_filled_s": k.settings.max_gap_s}},
            "recognition_features": self.recognition.features,
        }

    def thresholds(self) -> dict[str, Any]:
        """The criteria used to score (the drill's), and where they came from."""
        d = self.drill
        if d is None:
            return {"sources": list(self.book.sources)}
        return {"sources": list(self.book.sources), "drill": d.name,
                "criteria": [{"metric": c.metric, "min": c.min, "max": c.max, "margin": c.margin,
                              "tolerance": c.tolerance, "weight": c.weight} for c in d.criteria],
                "cadence_min_spm": d.cadence_min_spm, "cadence_max_spm": d.cadence_max_spm,
                "target_hold_s": d.target_hold_s}


def _round(x: float | None, nd: int) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _rep_dict(r: ScoredRep) -> dict[str, Any]:
    return {"index": r.index, "kind": r.kind, "side": r.side.value, "t_start_s": round(r.t_start_s, 3),
            "t_peak_s": round(r.t_peak_s, 3), "t_end_s": round(r.t_end_s, 3), "score": r.score,
            "faults": [f.as_dict() for f in r.faults],
            "metrics": {k: _round(v, 3) for k, v in r.metrics.items() if v is not None},
            "unmeasured": list(r.unmeasured)}


def _limits(track: PoseTrack, k: Kinematics, recognition: Recognition, drill: Drill | None,
            score: ClipScore | None, truncated: bool, turn_deg: int = 0) -> tuple[dict[str, str], ...]:
    """What the report could not measure, and why (and how the pictures were turned, when they were)."""
    out: list[dict[str, str]] = []
    if turn_deg:
        out.append({"what": TURNED_LIMIT,
                    "why": f"the clip is stored {_STORED[turn_deg]}, so its pictures were turned "
                           f"{_TURNS[turn_deg]} to analyse them; the overlay is upright too"})
    if track.fps < CONTACT_TIMING_FPS:
        out.append({"what": "ground contact times",
                    "why": f"{track.fps:.0f} fps: contact times are only good to one frame "
                           f"(+-{1000 / track.fps:.0f} ms); {CONTACT_TIMING_FPS:.0f} fps or more is needed"})
    if track.detection_rate < 0.95:
        out.append({"what": "frames without the athlete",
                    "why": f"nobody found in {100 * (1 - track.detection_rate):.0f} % of frames "
                           "(out of frame, hidden or too small)"})
    if k.view != "side":
        out.append({"what": "side-view angles (thigh, dorsiflexion, trunk lean, body line)",
                    "why": f"the camera is {k.view}-on, not side-on: these angles are unreliable"})
    if k.facing is None:
        out.append({"what": "forward direction", "why": "which way the athlete faces could not be told"})
    if truncated:
        out.append({"what": "the end of the clip", "why": "the file is truncated or damaged; the frames before "
                                                          "the damage were analysed"})
    if drill is None:
        out.append({"what": "rep scores", "why": "; ".join(recognition.reasons)})
    out += _metric_limits(k, recognition, score)
    return tuple(out)


def _metric_limits(k: Kinematics, recognition: Recognition, score: ClipScore | None) -> list[dict[str, str]]:
    """Metrics that were untrustworthy too often, rep metrics never measured, an implausible cadence."""
    out: list[dict[str, str]] = []
    cadence = score.cadence_spm if score else None
    sweep = recognition.features.get("foot_sweep_behind_thighs")
    running = isinstance(sweep, float) and sweep > 1.0
    if running and cadence is None:
        cadence = recognition.features.get("cadence_spm")  # type: ignore[assignment]
    if running and isinstance(cadence, float) and cadence < SLOW_MOTION_SPM:
        out.append({"what": SLOW_MOTION_LIMIT,
                    "why": f"{cadence:.0f} steps per minute is too slow for running: the clip is probably slow "
                           "motion (times are the file's playback times)"})
    for name, conf in k.frames.confidence.items():
        share = float(np.mean(conf < 0.5))
        if share > 0.25:
            out.append({"what": name, "why": f"landmarks not trusted in {share:.0%} of frames (hidden or out of view)"})
    if score is not None:
        missing = sorted({m for r in score.reps for m in r.unmeasured})
        for m in missing:
            n = sum(m in r.unmeasured for r in score.reps)
            out.append({"what": f"rep metric {m}", "why": f"not measurable on {n} of {len(score.reps)} reps"})
    return out


def analyse(clip: str | os.PathLike[str], drill: str = "auto", model: str | os.PathLike[str] | None = None,
            cache: TrackCache | None = _USE_DEFAULT_CACHE, thresholds: str | os.PathLike[str] | None = None,
            progress: ProgressFn | None = None, track: PoseTrack | None = None,
            athlete: int | None = None) -> AnalysisResult:
    """Analyse one clip: pose, kinematics, events, drill and rep scores.

    Args:
        clip: the video file.
        drill: a drill name, or ``auto`` to recognise it.
        model: a MediaPipe ``.task`` file, or None for the built-in model.
        cache: where pose tracks are cached (default: the user cache folder); None to always run the model.
        thresholds: a coach's drills file (same layout as the shipped ``drills.toml``, only the changes).
        progress: called with (frames done, frames expected) while the model runs.
        track: a pose track already made for this clip (skips estimation; re-scoring).
        athlete: the id of the person to analyse (``kneedrive people`` lists them); None to choose automatically.

    """
    clip = Path(clip)
    if track is None:  # import what comes after the model while it runs (it releases the GIL)
        threading.Thread(target=importlib.import_module, args=("scipy.signal",), daemon=True).start()
    book = load_drills(thresholds)
    chosen = None if drill == "auto" else book.get(drill)  # fail fast on an unknown drill, before any work
    cache = TrackCache() if cache is _USE_DEFAULT_CACHE else cache
    if track is None:
        track, est = estimate_track(clip, model=model, cache=cache, progress=progress, athlete=athlete)
        video, from_cache, truncated = est.video, est.from_cache, est.read.truncated
    else:
        from kneedrive_cv.video import probe

        track = with_athlete(track, athlete)
        video, from_cache, truncated = probe(clip), True, bool(track.meta.get("truncated"))
        video = video.turned(int(track.meta.get("turn_deg") or 0))
    kin = measure_track(track)
    recognition = recognise(kin, detect_events(kin))
    picked = chosen or (book.get(recognition.drill) if recognition.drill != "none" else None)
    events = detect_events(kin, EventSettings(), travelling=picked.travelling if picked else None)
    score = score_clip(picked, kin, events, book) if picked else None
    meta: dict[str, Any] = {"drill_source": "given" if chosen else "auto", "drill_arg": drill}
    if score is None:
        rate, source = clip_cadence("contacts" if events.contacts else "drives", events, kin)
        meta.update(cadence_spm=rate, cadence_source=source)
        recognition.features["cadence_spm"] = rate
    unmeasured = _limits(track, kin, recognition, picked, score, truncated, video.turn_deg)
    return AnalysisResult(clip, video, track, kin, events, recognition, picked, score, book, from_cache,
                          unmeasured, truncated, meta)


__all__ = ["AnalysisResult", "Fault", "ScoredRep", "analyse"]
