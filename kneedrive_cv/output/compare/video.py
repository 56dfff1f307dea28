"""compare.mp4: the two athletes side by side, each pair of reps lined up at its knee-drive peak.

:func:`plan_timeline` lays the pairs one after another: each pair is shown from a little before the earlier of
its two starts to a little after the later of its two ends, and the output frame at the pair's peak shows both
reps' peak frames (each side shows its frame nearest the time, so a peak lands on the same output frame
whatever the two clips' frame rates). :func:`render_compare_video` decodes each clip once, in a thread of its
own, cuts every frame it needs into its panel (:mod:`kneedrive_cv.output.compare.panel`) once, and writes
H.264 / yuv420p with the pair's numbers in a strip below the pictures.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kneedrive_cv.output.annotators import FrameState, Sizes, SkeletonAnnotator, Style, put_text, shade, text_size
from kneedrive_cv.output.compare.pairs import Pair
from kneedrive_cv.output.compare.panel import COMPARE_SCALE, PANEL_H, PANEL_W, PanelPainter, ghost_points, ghost_style
from kneedrive_cv.output.compare.table import draw_table, rows, table_height
from kneedrive_cv.video import VideoSink, read_ahead, read_frames

if TYPE_CHECKING:
    from kneedrive_cv.analysis import AnalysisResult
    from kneedrive_cv.scoring.score import ScoredRep

#: Shown before the earlier start and after the later end of a pair's two reps.
LEAD_S = 0.25
#: At most this long before and after a peak (a hold's "peak" is its start; it is shown for up to MAX_AFTER_S).
MAX_BEFORE_S, MAX_AFTER_S = 1.5, 4.0
#: The output's frame rate is the faster clip's, up to this.
MAX_FPS = 60.0
#: The badge each side shows while its rep's peak frame is on screen.
PEAK_RGB = (255, 215, 0)


@dataclass(frozen=True)
class Segment:
    """One pair's stretch of the video: output frames ``first`` to ``first + before + after``, peak at ``peak``."""

    pair: Pair
    first: int
    before: int
    after: int

    @property
    def peak(self) -> int:
        """The output frame showing both reps at their peak."""
        return self.first + self.before

    @property
    def frames(self) -> int:
        """How many output frames the pair takes."""
        return self.before + self.after + 1


@dataclass(frozen=True)
class Timeline:
    """The whole video: its frame rate, slow-motion factor and one segment per pair."""

    fps: float
    slow: float
    segments: tuple[Segment, ...]

    def __len__(self) -> int:
        return sum(s.frames for s in self.segments)

    def frames(self) -> Iterator[tuple[int, Segment, float, float]]:
        """(output frame, its segment, A's source time, B's source time) for every output frame."""
        for seg in self.segments:
            for j in range(-seg.before, seg.after + 1):
                dt = j / (self.fps * self.slow)
                yield seg.peak + j, seg, seg.pair.a.t_peak_s + dt, seg.pair.b.t_peak_s + dt


def output_fps(a: AnalysisResult, b: AnalysisResult) -> float:
    """The video's frame rate: the faster clip's (so neither loses a frame at normal speed), at most MAX_FPS."""
    rates = [r.video.fps for r in (a, b) if r.video.fps > 0]
    return min(MAX_FPS, max(rates)) if rates else 30.0


def plan_timeline(pairs: list[Pair], fps: float, slow: float = 1.0) -> Timeline:
    """Lay the pairs end to end, each aligned at its peaks; ``slow`` stretches time (2: half speed)."""
    segments = []
    first = 0
    for p in pairs:
        before = min(MAX_BEFORE_S, max(p.a.t_peak_s - p.a.t_start_s, p.b.t_peak_s - p.b.t_start_s) + LEAD_S)
        after = min(MAX_AFTER_S, max(p.a.t_end_s - p.a.t_peak_s, p.b.t_end_s - p.b.t_peak_s) + LEAD_S)
        seg = Segment(p, first, math.ceil(before * fps * slow), math.ceil(after * fps * slow))
        segments.append(seg)
        first += seg.frames
    return Timeline(fps, slow, tuple(segments))


def _nearest(t_s: np.ndarray, t: float) -> int:
    """Index of the frame whose time is nearest ``t`` (the first or last frame outside the clip)."""
    k = int(np.searchsorted(t_s, t))
    if k <= 0:
        return 0
    if k >= len(t_s):
        return len(t_s) - 1
    return k if t_s[k] - t < t - t_s[k - 1] else k - 1


def _panels(painter: PanelPainter, needed: list[int]) -> Iterator[np.ndarray]:
    """The drawn panel of each needed source frame, in order; the clip is decoded once, start to last needed.

    A frame needed again later (pairs overlap in time) is kept until its last use, and only then.
    """
    result = painter.result
    last_use = {i: k for k, i in enumerate(needed)}
    cache: dict[int, np.ndarray] = {}
    blank = np.empty((PANEL_H, PANEL_W, 3), np.uint8)
    blank[:] = painter.style.panel
    frames = read_ahead(read_frames(result.clip, turn=result.video.turn_deg))
    decoded = -1
    try:
        for k, i in enumerate(needed):
            while i not in cache and decoded < i:
                item = next(frames, None)
                if item is None:  # the clip ended before the analysis did
                    break
                decoded += 1
                if last_use.get(decoded, -1) >= k:
                    cache[decoded] = painter.paint(item[1], decoded)
            yield cache.get(i, blank)
            if last_use[i] == k:
                cache.pop(i, None)
    finally:
        frames.close()


@dataclass(frozen=True)
class CompareVideo:
    """What the video was made of, for compare.json."""

    path: Path
    fps: float
    slow: float
    width: int
    height: int
    frames: int
    peaks: tuple[int, ...]


class _Painter:
    """Draws the parts of an output frame around the two panels: titles, peak badges, ghost, the strip."""

    def __init__(self, timeline: Timeline, style: Style) -> None:
        self.timeline, self.style = timeline, style
        self.sizes = Sizes.of(PANEL_W, PANEL_H, style.scale)
        self.strip_sizes = Sizes.of(2 * PANEL_W, PANEL_H, 1.0)
        most = max((len(rows(s.pair, style)) for s in timeline.segments), default=1)
        h = table_height(most, self.strip_sizes) + self.strip_sizes.line_h + self.strip_sizes.pad
        self.strip_h = h + h % 2
        self._strips: dict[int, np.ndarray] = {}
        self._ghost = SkeletonAnnotator(ghost_style(style))

    def strip(self, seg: Segment) -> np.ndarray:
        """The numbers of the segment's pair (drawn once per pair)."""
        if seg.first not in self._strips:
            self._strips.clear()
            img = np.empty((self.strip_h, 2 * PANEL_W, 3), np.uint8)
            img[:] = self.style.panel
            s, pad = self.strip_sizes, self.strip_sizes.pad
            n = len(self.timeline.segments)
            k_seg = next(j for j, x in enumerate(self.timeline.segments) if x.first == seg.first)
            speed = "" if self.timeline.slow == 1 else f" · {1 / self.timeline.slow:.2g}x speed"
            title = (f"pair {k_seg + 1} of {n}: A rep {seg.pair.a.index} ({seg.pair.a.side.value}) against B rep "
                     f"{seg.pair.b.index} ({seg.pair.b.side.value}), synced at the knee-drive peak{speed}")
            put_text(img, title, (pad, s.line_h - pad // 2), s, self.style.text, 0.95, outline=None)
            draw_table(img, pad, s.line_h, 2 * PANEL_W - 2 * pad, rows(seg.pair, self.style), s, self.style)
            self._strips[seg.first] = img
        return self._strips[seg.first]

    def header(self, panel: np.ndarray, which: str, name: str, rep: ScoredRep, i: int, dt: float) -> None:
        """The side's title band, its time from the peak, and the peak badge while its peak frame (``i``) shows."""
        s = self.sizes
        score = "--" if rep.score is None else f"{rep.score:.0f}"
        shade(panel, 0, 0, PANEL_W, s.line_h + s.pad, self.style.panel, 0.8)
        # on a dark band: no outline (an outline runs a little past the text's end at these sizes)
        x = s.pad + put_text(panel, f"{which} ", (s.pad, s.line_h), s, self.style.text, 1.1, outline=None)
        name = name if len(name) <= 22 else name[:20] + "..."
        x += put_text(panel, f"{name} rep {rep.index} ", (x, s.line_h), s, self.style.muted, 0.9, outline=None)
        put_text(panel, rep.side.value, (x, s.line_h), s, self.style.side(rep.side), 0.9, outline=None)
        w = text_size(score, s, 1.1)[0]
        put_text(panel, score, (PANEL_W - s.pad - w, s.line_h), s, self.style.score(rep.score), 1.1, outline=None)
        put_text(panel, f"{dt:+.2f} s", (s.pad, PANEL_H - s.pad), s, self.style.text, 0.9)
        if i == rep.i_peak:
            x0, y0, x1, y1 = peak_badge(s)
            panel[y0:y1, x0:x1] = PEAK_RGB
            put_text(panel, "PEAK", (x0 + s.pad // 2, y1 - s.pad // 2), s, (0, 0, 0), 0.9, outline=None)

    def ghost_on(self, panel: np.ndarray, pts_a: np.ndarray, pts_b: np.ndarray) -> None:
        """B's skeleton over A's picture, hips on hips."""
        self._ghost.annotate(panel, FrameState(ghost_points(pts_a, pts_b)))


def peak_badge(sizes: Sizes) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the peak badge in a panel: top right, under the title band."""
    y0 = sizes.line_h + 2 * sizes.pad
    return PANEL_W - 5 * sizes.line_h, y0, PANEL_W - sizes.pad, y0 + sizes.line_h + sizes.pad


def render_compare_video(a: AnalysisResult, b: AnalysisResult, pairs: list[Pair], out_path: str | os.PathLike[str],
                         slow: float = 1.0, ghost: bool = False, style: Style | None = None,
                         names: tuple[str, str] | None = None) -> CompareVideo:
    """Write compare.mp4: A left, B right (mirrored to face A's way), each pair in turn aligned at its peaks.

    ``names``: the clips' names in the titles (default: their file names).

    Raises:
        VideoError: a clip cannot be read.
        OutputError: ``out_path`` cannot be written.

    """
    style = style or Style(scale=COMPARE_SCALE)
    fps = output_fps(a, b)
    timeline = plan_timeline(pairs, fps, slow)
    facing = a.kinematics.facing or b.kinematics.facing
    pa, pb = PanelPainter(a, facing, style), PanelPainter(b, facing, style)
    plan = [(seg, _nearest(a.kinematics.t_s, ta), _nearest(b.kinematics.t_s, tb), ta - seg.pair.a.t_peak_s)
            for _, seg, ta, tb in timeline.frames()]
    painter = _Painter(timeline, style)
    na, nb = names or (a.clip.name, b.clip.name)
    width, height = 2 * PANEL_W, PANEL_H + painter.strip_h
    out = Path(out_path)
    with VideoSink(out, width, height, fps) as sink:
        panels = zip(_panels(pa, [p[1] for p in plan]), _panels(pb, [p[2] for p in plan]), strict=True)
        for k, ((seg, ia, ib, dt), (left, right)) in enumerate(zip(plan, panels, strict=True)):
            left, right = left.copy(), right.copy()
            if ghost:
                painter.ghost_on(left, pa.framing.points(ia), pb.framing.points(ib))
            painter.header(left, "A", na, seg.pair.a, ia, dt)
            painter.header(right, "B", nb, seg.pair.b, ib, dt)
            frame = np.vstack([np.hstack([left, right]), painter.strip(seg)])
            sink.write(frame, k / fps)
    return CompareVideo(out, fps, slow, width, height, len(timeline), tuple(s.peak for s in timeline.segments))


__all__ = ["PEAK_RGB", "CompareVideo", "Segment", "Timeline", "output_fps", "peak_badge", "plan_timeline",
           "render_compare_video"]
