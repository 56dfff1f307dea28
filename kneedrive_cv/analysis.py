"""``analyse()``: the whole pipeline, read top to bottom like a table of contents.

Each stage is one call to the module that does it; nothing here measures, scores or formats anything itself
(report.json's layout lives in :mod:`kneedrive_cv.output.report`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kneedrive_cv.errors import ConfigError
from kneedrive_cv.kinematics.distances import Distances, RepSpan, check_height, measure_distances
from kneedrive_cv.kinematics.events import Events, EventSettings, detect_events
from kneedrive_cv.kinematics.events.cadence import CadenceFrom, clip_cadence
from kneedrive_cv.kinematics.measure import Kinematics, measure_track
from kneedrive_cv.kinematics.metrics import FrameMetrics
from kneedrive_cv.pose.cache import TrackCache
from kneedrive_cv.pose.estimate import ProgressFn, estimate_track, with_athlete
from kneedrive_cv.pose.track import PoseTrack, in_real_time
from kneedrive_cv.scoring.drills import Drill, DrillBook, RepKind, load_drills
from kneedrive_cv.scoring.recognise import Recognition, recognise
from kneedrive_cv.scoring.score import ClipScore, ScoredRep, score_clip
from kneedrive_cv.scoring.unmeasured import Unmeasured, distance_limits, unmeasured
from kneedrive_cv.video import VideoInfo, check_slow_motion, probe

_USE_DEFAULT_CACHE: Any = object()


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Everything known about one clip: the track, the per-frame metrics, events, the drill and scored reps.

    ``cadence_spm`` and ``cadence_source`` are the scored drill's, or (no drill scored) counted from the foot
    contacts or knee drives; ``drill_asked`` is what the caller asked for, a drill's name or ``auto``;
    ``distances`` the figures in centimetres from the athlete's height (None when no height was given);
    ``slow_motion`` how many times slower than real life the clip plays (1: real time). ``track`` keeps the file's
    own times (the overlay is drawn on the file's frames); ``kinematics``, events, reps and rates are in real time.
    """

    clip: Path
    video: VideoInfo
    track: PoseTrack
    kinematics: Kinematics
    events: Events
    recognition: Recognition
    drill: Drill | None
    score: ClipScore | None
    cadence_spm: float | None
    cadence_source: str | None
    book: DrillBook
    from_cache: bool
    unmeasured: tuple[Unmeasured, ...]
    drill_asked: str = "auto"
    read_truncated: bool = False
    distances: Distances | None = None
    slow_motion: float = 1.0

    @property
    def reps(self) -> tuple[ScoredRep, ...]:
        """Scored reps (empty when no drill was recognised)."""
        return self.score.reps if self.score else ()

    @property
    def drill_name(self) -> str:
        """The drill scored, or ``none``."""
        return self.drill.name if self.drill else "none"

    @property
    def frames(self) -> FrameMetrics:
        """The per-frame metrics table."""
        return self.kinematics.frames

    @property
    def facing(self) -> str | None:
        """``left`` or ``right``: the side of the image the athlete faces."""
        return self.kinematics.facing.value if self.kinematics.facing else None


def analyse(clip: str | os.PathLike[str], drill: str = "auto", model: str | os.PathLike[str] | None = None,
            cache: TrackCache | None = _USE_DEFAULT_CACHE, thresholds: str | os.PathLike[str] | None = None,
            progress: ProgressFn | None = None, track: PoseTrack | None = None,
            athlete: int | None = None, height_cm: float | None = None, slow_motion: float = 1.0
            ) -> AnalysisResult:
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
        height_cm: the athlete's height, for distances in centimetres (None: none are given).
        slow_motion: the clip plays this many times slower than real life (a 240 fps slow-motion clip saved to
            play at 30 fps: 8); times, rates and contact times are then given in real time.

    Raises:
        ConfigError: an unknown drill, a bad thresholds file, a height no athlete has or a slow-motion factor
            out of range (before any work).

    """
    clip = Path(clip)
    try:
        height_cm = check_height(height_cm)
        slow_motion = check_slow_motion(slow_motion)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    book = load_drills(thresholds)
    chosen = None if drill == "auto" else book.get(drill)  # an unknown drill fails before any work
    if track is None:
        cache = TrackCache() if cache is _USE_DEFAULT_CACHE else cache
        track, estimate = estimate_track(clip, model=model, cache=cache, progress=progress, athlete=athlete)
        video, from_cache, truncated = estimate.video, estimate.from_cache, estimate.read.truncated
    else:
        track = with_athlete(track, athlete)
        video = probe(clip).turned(int(track.meta.get("turn_deg") or 0))
        from_cache, truncated = True, bool(track.meta.get("truncated"))
    timed = in_real_time(track, slow_motion)  # a slow-motion clip's frames at the times they happened
    kinematics = measure_track(timed)  # facing and view, leg swaps repaired, smoothing, per-frame metrics
    # events twice: recognition needs them before the drill is known; the drill then says whether the
    # athlete travels, which picks how foot contacts are found
    recognition = recognise(kinematics, detect_events(kinematics))
    picked = chosen or (book.get(recognition.drill) if recognition.drill != "none" else None)
    events = detect_events(kinematics, EventSettings(), travelling=picked.travelling if picked else None,
                           holds_expected=picked is not None and picked.rep is RepKind.HOLD)
    score = score_clip(picked, kinematics, events, book) if picked else None
    cadence_spm, cadence_source = (score.cadence_spm, score.cadence_source) if score else clip_cadence(
        CadenceFrom.CONTACTS if events.contacts else CadenceFrom.DRIVES, events, kinematics)
    spans = [RepSpan(r.index, r.kind, r.side, r.i_start, r.i_peak, r.i_end) for r in (score.reps if score else ())]
    distances = measure_distances(kinematics, height_cm, picked.travelling if picked else None, spans,
                                  picked.title if picked else None)
    limits = (*unmeasured(timed, kinematics, recognition, picked, score, cadence_spm, truncated, video.turn_deg,
                          events), *distance_limits(distances))
    return AnalysisResult(clip=clip, video=video, track=track, kinematics=kinematics, events=events,
                          recognition=recognition, drill=picked, score=score, cadence_spm=cadence_spm,
                          cadence_source=cadence_source, book=book, from_cache=from_cache, unmeasured=limits,
                          drill_asked=drill, read_truncated=truncated, distances=distances, slow_motion=slow_motion)


__all__ = ["AnalysisResult", "analyse"]
