"""The overlay video: the analysis drawn on the athlete's own footage.

:func:`plan_overlay` computes everything the drawing needs once per clip (trusted landmark positions,
per-frame metrics, the rep counter, cadence so far, which rep notes show when, the corner for the panels);
:func:`render_overlay` then streams the source frames once, lets each annotator draw in place, and writes
H.264 / yuv420p MP4 with every source frame at its own timestamp (variable frame rate kept, portrait kept
portrait, audio dropped). Only a few frames are in memory at a time (decoded ahead, and queued to encode).

The picture never goes through RGB: the decoder's YUV planes are copied into the encoder's frame and the
annotators draw in those planes (an I420 canvas), in the clip's own colour matrix, and the clip's colour tags
are kept. Decoding, drawing and encoding run in three threads at once.

The knee-height strip is added as rows below the picture (the video is that much taller, about 17 % of
the picture's shorter side), so it never hides the athlete's feet; for a nearly square landscape clip,
where extra rows would make it portrait, the strip is drawn over the bottom of the picture instead.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import av
import cv2
import numpy as np

from kneedrive_cv.kinematics.events.cadence import counted_events, periodic_rate_per_min, typical_interval_s
from kneedrive_cv.kinematics.metrics import CONFIDENCE_FLOOR
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.annotators import (
    AngleAnnotator,
    Corner,
    FrameState,
    KneeStripAnnotator,
    OthersAnnotator,
    PanelAnnotator,
    PanelPlace,
    RepCounterAnnotator,
    RepNote,
    RepNoteAnnotator,
    SkeletonAnnotator,
    StripMark,
    Style,
)
from kneedrive_cv.output.canvas import Canvas, I420Canvas, matrix_of
from kneedrive_cv.output.layout import Layout, plan_layout, strip_rows
from kneedrive_cv.video import VideoSink, YuvPicture, new_yuv_frame, read_ahead, read_yuv

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult
    from kneedrive_cv.scoring.score import ScoredRep

log = logging.getLogger(__name__)

#: HDR transfer characteristics (FFmpeg's numbers: 16 PQ / SMPTE 2084, 18 HLG / ARIB STD-B67). An overlay of an
#: HDR clip (an iPhone's default HLG) is tagged SDR: its drawing is in SDR colours, which an HDR player would
#: show far too bright, and the picture looks as the RGB path showed it (flat; it is not tone-mapped).
_HDR_TRANSFERS = (16, 18)

#: How long a rep's score and cue stay on screen after the rep ends.
NOTE_S = 1.0
#: A drive's note waits for its end, but never longer than this after its peak (a drive whose detected end
#: runs on into a pause would otherwise announce its score seconds late).
NOTE_MAX_AFTER_PEAK_S = 0.5


class Annotator(Protocol):
    """Anything that draws one frame's state in place on a canvas."""

    def draw(self, canvas: Canvas, state: FrameState) -> None:
        """Draw on ``canvas``, in place."""
        ...


@dataclass(frozen=True, eq=False)
class OverlayPlan:
    """What the overlay draws, computed once per clip.

    Attributes:
        t_s: (frames,) times of the analysed frames.
        xy: (frames, 33, 2) float32 smoothed landmark pixels, legs repaired, NaN where not trusted.
        metrics: per-frame metric columns (docs/METRICS.md names), NaN where not measured.
        reps_done: (frames,) reps whose peak has passed; ``reps_total`` in the clip; ``rep_kind`` drive/hold.
        cadence_spm: (frames,) cadence over the events so far (NaN before three events).
        note_from_s, note_to_s, notes: when each rep's note shows (sorted by ``note_from_s``).
        corner: the top corner the panels use when there is no ``layout`` (the one the athlete occupies least).
        layout: the output frame: picture, bands, and the panels' column where the athlete never is.
        facing: +1 the athlete faces image-right, -1 image-left, 0 unknown.
        others_xy, others_ids: (frames, slots, 33, 2) and (frames, slots) everyone else seen (ids -1 where none).

    """

    t_s: np.ndarray
    xy: np.ndarray
    metrics: dict[str, np.ndarray]
    reps_done: np.ndarray
    reps_total: int
    rep_kind: str
    drill: str
    cadence_spm: np.ndarray
    note_from_s: np.ndarray
    note_to_s: np.ndarray
    notes: tuple[RepNote, ...]
    marks: tuple[StripMark, ...]
    corner: Corner
    facing: int
    others_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 33, 2), np.float32))
    others_ids: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int32))
    layout: Layout | None = None

    def __len__(self) -> int:
        return len(self.t_s)

    def state(self, i: int, t_s: float, max_notes: int = 2) -> FrameState:
        """The state of frame ``i`` shown at ``t_s`` (a frame past the analysed ones shows nothing but time)."""
        k = int(np.searchsorted(self.note_from_s, t_s, side="right"))
        notes = tuple(self.notes[j] for j in range(k - 1, max(-1, k - 1 - max_notes), -1) if t_s < self.note_to_s[j])
        if not 0 <= i < len(self.t_s):
            done = int(self.reps_done[-1]) if len(self.reps_done) else 0
            return FrameState(np.full((33, 2), np.nan), {}, t_s, done,
                              self.reps_total, self.rep_kind, self.drill, None, notes, self.facing)
        cadence = float(self.cadence_spm[i])
        others = tuple((int(pid), self.others_xy[i, slot]) for slot, pid in enumerate(self.others_ids[i]) if pid >= 0
                       ) if i < len(self.others_ids) else ()
        return FrameState(self.xy[i], {name: float(col[i]) for name, col in self.metrics.items()}, t_s,
                          int(self.reps_done[i]), self.reps_total, self.rep_kind, self.drill,
                          cadence if math.isfinite(cadence) else None, notes, self.facing, others)


def _note_from(rep: ScoredRep) -> float:
    if rep.kind == "hold":
        return rep.t_end_s
    return min(rep.t_end_s, rep.t_peak_s + NOTE_MAX_AFTER_PEAK_S)


def _cadence_so_far(result: AnalysisResult) -> np.ndarray:
    """Per frame, the rate over the events up to that frame (the clip's own method: contacts, drives or raises).

    None shown (NaN throughout) where the clip's cadence is not measured: the report says why (raises keeping no
    rhythm, events scattered over the clip), and a running rate over the same events beside it would contradict it.
    Where the clip's cadence is the body's own rhythm (the hips' bounce, the thighs' swing: the events missed it),
    no rate over the events is shown either, but the clip's figure throughout.
    """
    t = result.kinematics.t_s
    if result.cadence_spm is None:
        return np.full(len(t), np.nan)
    counted = counted_events(result.events, result.cadence_source)
    if counted is None:
        return np.full(len(t), float(result.cadence_spm))
    times = counted[0]
    # the first events may be too few or too irregular to show the rhythm (doubled contacts, one leg's missed):
    # their intervals are counted against the whole clip's typical interval
    typical = typical_interval_s(times)
    rates = np.array([periodic_rate_per_min(times[: k + 1], typical) or np.nan for k in range(len(times))],
                     np.float64)
    out = np.full(len(t), np.nan)
    if len(times):
        k = np.searchsorted(np.asarray(times), t, side="right") - 1
        out[k >= 0] = rates[k[k >= 0]]
    return out


def _quiet_corner(xy: np.ndarray, width: int, height: int) -> Corner:
    """The top corner (left/right) where the athlete's landmarks fall least often over the clip."""
    x, y = xy[..., 0], xy[..., 1]
    top = np.isfinite(y) & (y < 0.5 * height)
    left = int(np.sum(top & (x < 0.35 * width)))
    right = int(np.sum(top & (x > 0.65 * width)))
    return Corner.LEFT if left <= right else Corner.RIGHT


#: Angles measured in the image plane: only meaningful when the camera is side-on (the report says so too).
SIDE_VIEW_ANGLES = ("thigh_angle_left", "thigh_angle_right", "dorsiflexion_left", "dorsiflexion_right", "trunk_lean",
                    "body_line", "body_angle")


def shown_metrics(result: AnalysisResult) -> dict[str, np.ndarray]:
    """The metric columns to show: side-view angles are blanked when the camera is not side-on."""
    kinematics = result.kinematics
    columns = dict(kinematics.frames.columns)
    if not kinematics.side_view:
        for name in SIDE_VIEW_ANGLES:
            if name in columns:
                columns[name] = np.full(len(kinematics.t_s), np.nan)
    return columns


def plan_overlay(result: AnalysisResult) -> OverlayPlan:
    """Compute once what every frame of the overlay shows.

    Landmarks under the confidence floor and metrics left empty by the analysis are NaN, so nothing is
    drawn for them; when the camera is not side-on, the side-view angles are blanked as well (the report
    lists them as not measured).
    """
    kinematics = result.kinematics
    trusted = (kinematics.visibility >= CONFIDENCE_FLOOR) & np.isfinite(kinematics.xy).all(axis=2)
    xy = np.where(trusted[:, :, None], kinematics.xy, np.nan).astype(np.float32)
    reps = result.reps
    peaks = np.array([r.t_peak_s for r in reps], np.float64)
    reps_done = (np.searchsorted(np.sort(peaks), kinematics.t_s, side="right") if len(reps)
                 else np.zeros(len(kinematics.t_s), int))
    ordered = sorted(reps, key=_note_from)
    notes = tuple(RepNote(r.index, r.side, r.score, r.main_fault.cue if r.main_fault else None, r.kind)
                  for r in ordered)
    note_from = np.array([_note_from(r) for r in ordered], np.float64)
    marks = tuple(StripMark(r.t_peak_s, r.side, r.score, r.index) for r in reps)
    kind = reps[0].kind if reps else ("hold" if result.drill is not None and result.drill.rep == "hold" else "drive")
    drill = result.drill.title if result.drill is not None else "no knee-drive drill"
    others_xy, others_ids = _others(result)
    layout = plan_layout(result.video.width, result.video.height, athlete_points(result), notes, drill, len(reps),
                         kind)
    return OverlayPlan(np.asarray(kinematics.t_s, np.float64), xy, shown_metrics(result), np.asarray(reps_done),
                       len(reps), kind, drill, _cadence_so_far(result), note_from, note_from + NOTE_S, notes,
                       marks, _quiet_corner(xy, result.video.width, result.video.height),
                       {Side.RIGHT: 1, Side.LEFT: -1, None: 0}[kinematics.facing], others_xy, others_ids, layout)


def athlete_points(result: AnalysisResult) -> np.ndarray:
    """(frames, 66, 2) where the athlete is seen: the smoothed trusted landmarks and the model's own (visible ones).

    Both, because the panels must clear the athlete as drawn (smoothed) and as the picture shows them (raw).
    """
    kinematics, lm = result.kinematics, result.track.landmarks_px
    trusted = (kinematics.visibility >= CONFIDENCE_FLOOR)[..., None]
    smooth = np.where(trusted, kinematics.xy, np.nan)
    n = min(len(smooth), len(lm))
    raw = np.where((lm[:n, :, 3] >= CONFIDENCE_FLOOR)[..., None], lm[:n, :, :2], np.nan)
    return np.concatenate([smooth[:n], raw], axis=1)


def _others(result: AnalysisResult) -> tuple[np.ndarray, np.ndarray]:
    """Everyone seen but the athlete: (frames, slots, 33, 2) pixels with visible points only, and their ids."""
    people = result.track.people
    if people is None:
        return np.zeros((len(result.track), 0, 33, 2), np.float32), np.zeros((len(result.track), 0), np.int32)
    athlete = result.track.meta.get("athlete") or {}
    mine = [athlete.get("id"), *athlete.get("joined_ids", [])]
    ids = np.where(np.isin(people.ids, [m for m in mine if m is not None]), -1, people.ids)
    seen = people.landmarks_px[:, :, :, 3] >= CONFIDENCE_FLOOR
    xy = np.where(seen[..., None], people.landmarks_px[:, :, :, :2], np.nan).astype(np.float32)
    return xy, ids.astype(np.int32)


def default_annotators(plan: OverlayPlan, style: Style | None = None,
                       picture_h: int | None = None) -> list[Annotator]:
    """The overlay's annotators, in drawing order: strip and panels first, the athlete's skeleton and angles last.

    The panels go in the plan's layout column, where the athlete never is (without a layout, in the top corner
    the athlete uses least); drawn last, the skeleton stays whole over the panels' translucent boxes wherever
    the two meet. ``picture_h``: the first row of the knee strip's own rows (None: the strip is drawn over the
    picture's bottom).
    """
    style = style or Style()
    knees = {s: plan.metrics[f"knee_height_{s.value}"] for s in Side}
    where: Corner | PanelPlace = plan.layout.panels if plan.layout is not None else plan.corner
    return [
        KneeStripAnnotator(plan.t_s, knees, plan.marks, style, picture_h),
        RepCounterAnnotator(style, where),
        PanelAnnotator(style, where),
        RepNoteAnnotator(style, where),
        OthersAnnotator(style),
        SkeletonAnnotator(style),
        AngleAnnotator(style),
    ]


def strip_rows_below(width: int, height: int) -> int:
    """Rows to add below a ``width`` x ``height`` frame for the knee strip.

    0 when adding them would turn a landscape picture portrait (nearly square clips); the strip is then drawn
    over the bottom of the picture instead.
    """
    return strip_rows(width, height, width, height)


def _fit(picture: YuvPicture, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The picture's planes at ``width`` x ``height`` (a clip that changes size mid-stream keeps its first size)."""
    if picture.y.shape == (height, width):
        return picture.y, picture.u, picture.v
    chroma = ((width + 1) // 2, (height + 1) // 2)
    return (cv2.resize(np.ascontiguousarray(picture.y), (width, height), interpolation=cv2.INTER_AREA),
            cv2.resize(np.ascontiguousarray(picture.u), chroma, interpolation=cv2.INTER_AREA),
            cv2.resize(np.ascontiguousarray(picture.v), chroma, interpolation=cv2.INTER_AREA))


def overlay_video_frames(result: AnalysisResult, new_frame: Callable[[], tuple[av.VideoFrame, tuple[
        np.ndarray, np.ndarray, np.ndarray]]], annotators: Sequence[Annotator] | None = None,
        plan: OverlayPlan | None = None) -> Iterator[tuple[float, av.VideoFrame]]:
    """Yield ``(t_s, frame)`` for every frame of the overlay: yuv420p frames from ``new_frame``, drawn.

    ``new_frame`` gives a fresh frame of the plan's layout size (:func:`overlay_size`) and its planes, such
    as :meth:`VideoSink.new_frame`. The source picture's planes are copied unscaled into the frame's top-left,
    the bands beside and below it are black, and the annotators draw in place; the frame carries the source's
    colour tags. Decoding runs a few frames ahead in a thread of its own.

    Raises:
        VideoError: the source clip cannot be read.

    """
    plan = plan or plan_overlay(result)
    w, h = result.video.width, result.video.height
    layout = plan.layout
    drawers = list(annotators) if annotators is not None else default_annotators(
        plan, picture_h=layout.strip_top if layout is not None else None)
    n = 0
    for i, (t_s, picture) in enumerate(read_ahead(read_yuv(result.clip, turn=result.video.turn_deg))):
        frame, (y, u, v) = new_frame()
        rows, cols = min(h, y.shape[0]) // 2 * 2, min(w, y.shape[1]) // 2 * 2
        src_y, src_u, src_v = _fit(picture, w, h)
        y[:rows, :cols], u[: rows // 2, : cols // 2], v[: rows // 2, : cols // 2] = (
            src_y[:rows, :cols], src_u[: rows // 2, : cols // 2], src_v[: rows // 2, : cols // 2])
        # black beside and below the picture, until the panels and the strip are drawn
        y[:rows, cols:], u[: rows // 2, cols // 2:], v[: rows // 2, cols // 2:] = 16, 128, 128
        y[rows:], u[rows // 2:], v[rows // 2:] = 16, 128, 128
        frame.colorspace, frame.color_range = picture.colorspace, 1
        if picture.color_trc in _HDR_TRANSFERS:  # shown as SDR, as before: the drawing's colours are SDR colours
            frame.color_primaries, frame.color_trc = 2, 2
        else:
            frame.color_primaries, frame.color_trc = picture.color_primaries, picture.color_trc
        canvas = I420Canvas(y, u, v, matrix_of(picture.colorspace))
        state = plan.state(i, t_s / result.slow_motion)  # the analysis' times are real time: slow motion's too
        for a in drawers:
            a.draw(canvas, state)
        yield t_s, frame
        n = i + 1
    if n != len(plan):
        log.warning("%s: the clip gave %d frames but the analysis has %d; frames past the analysis are drawn "
                    "without a skeleton", result.clip.name, n, len(plan))


def overlay_size(result: AnalysisResult, plan: OverlayPlan | None = None) -> tuple[int, int]:
    """Width and height of the overlay video, even (yuv420p needs even sizes).

    The picture (rounded down to even), plus the panels' band when the athlete leaves no corner free, plus
    the knee strip's rows when they go below it (:mod:`kneedrive_cv.output.layout`).
    """
    layout = (plan or plan_overlay(result)).layout
    assert layout is not None
    return layout.width, layout.height


def overlay_frames(result: AnalysisResult, annotators: Sequence[Annotator] | None = None
                   ) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(t_s, rgb)`` for every frame of the overlay, as pictures to look at.

    The video itself is made from :func:`overlay_video_frames`, without going through RGB.

    Raises:
        VideoError: the source clip cannot be read.

    """
    plan = plan_overlay(result)
    for t_s, frame in overlay_video_frames(result, partial(new_yuv_frame, *overlay_size(result, plan)), annotators,
                                           plan):
        yield t_s, frame.to_ndarray(format="rgb24")


def render_overlay(result: AnalysisResult, out_path: str | os.PathLike[str],
                   annotators: Sequence[Annotator] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Path:
    """Draw the analysis on the clip's frames and write ``out_path`` (H.264 / yuv420p MP4).

    The source is read again frame by frame (never whole in memory); every frame is written at its own
    timestamp, so the overlay has the source's frame count and times, variable frame rate included. Audio is
    not copied. Decoding, drawing and encoding run in three threads at once. ``progress`` is called with
    (frames written, frames in the analysis) after every frame.

    Raises:
        VideoError: the source clip cannot be read.
        OutputError: ``out_path`` cannot be written.

    """
    out_path = Path(out_path)
    plan = plan_overlay(result)
    with VideoSink(out_path, *overlay_size(result, plan), result.video.fps) as sink:
        for i, (t_s, frame) in enumerate(overlay_video_frames(result, sink.new_frame, annotators, plan)):
            sink.write_yuv(frame, t_s)
            if progress is not None:
                progress(i + 1, len(result.track))
    return out_path


__all__ = ["NOTE_S", "SIDE_VIEW_ANGLES", "Annotator", "OverlayPlan", "default_annotators", "overlay_frames",
           "overlay_size", "overlay_video_frames", "plan_overlay", "render_overlay", "shown_metrics",
           "strip_rows_below"]
