"""Plots of a clip's metrics over time (matplotlib's object API: no pyplot, no global state)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kneedrive_cv.analysis import AnalysisResult
from kneedrive_cv.kinematics.events.cadence import regular_events
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.colours import FAIR_SCORE, GOOD_RGB, GOOD_SCORE, SIDE_RGB, hex_colour, score_rgb

#: The athlete's left and right, the same two colours as the overlay and the report.
SIDE_COLOURS = {side: hex_colour(rgb) for side, rgb in SIDE_RGB.items()}


def score_colour(score: float | None) -> str:
    """Green for a good rep, amber for fair, red for poor, grey when unscored (see ``colours``)."""
    return hex_colour(score_rgb(score))


def _figure(rows: int = 1, height: float = 3.0) -> tuple[Figure, list[Axes]]:
    # fixed margins: matplotlib's layout solvers cost as much as drawing the plot
    fig = Figure(figsize=(10, height * rows), dpi=100)
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    inch = 1 / (height * rows)
    fig.subplots_adjust(left=0.085, right=0.985, top=1 - 0.35 * inch, bottom=0.5 * inch, hspace=0.55)
    return fig, axes


def _rep_lines(ax: Axes, result: AnalysisResult) -> None:
    """A faint line at each rep's peak in its score's colour (one collection: a line each is slow to draw)."""
    if result.reps:
        ax.vlines([r.t_peak_s for r in result.reps], 0, 1, transform=ax.get_xaxis_transform(),
                  colors=[score_colour(r.score) for r in result.reps], alpha=0.5, lw=1)


def _mark_reps(ax: Axes, result: AnalysisResult, column: str) -> None:
    fr = result.frames
    _rep_lines(ax, result)
    peaks = [(r, fr.side(column, r.side)[r.i_peak]) for r in result.reps]
    peaks = [(r, y) for r, y in peaks if np.isfinite(y)]
    if not peaks:
        return
    ax.scatter([r.t_peak_s for r, _ in peaks], [y for _, y in peaks], s=60,
               color=[score_colour(r.score) for r, _ in peaks], edgecolor="black", zorder=5)
    for r, y in peaks:
        ax.annotate(f"{r.index}", (r.t_peak_s, y), textcoords="offset points", xytext=(0, 7), ha="center",
                    fontsize=8)


def plot_knee(result: AnalysisResult, path: Path) -> Path:
    """Knee height and thigh angle per leg over time, each rep shaded and marked in its score's colour."""
    fig, (ax1, ax2) = _figure(2, 2.6)
    t = result.frames.t_s
    for side in Side:
        ax1.plot(t, result.frames.side("knee_height", side), color=SIDE_COLOURS[side], label=f"{side.value}")
        ax2.plot(t, result.frames.side("thigh_angle", side), color=SIDE_COLOURS[side], label=f"{side.value}")
    ax1.axhline(0, color="grey", lw=0.8, ls="--")
    ax2.axhline(90, color="grey", lw=0.8, ls="--")
    _mark_reps(ax1, result, "knee_height")
    _mark_reps(ax2, result, "thigh_angle")
    for ax in (ax1, ax2):
        ax.margins(y=0.18)  # room for the rep numbers over the peaks
    ax1.set_ylabel("knee height (thigh lengths)")
    ax1.set_title("Knee height (0 = level with hip); rep peaks by score: "
                  f"green >= {GOOD_SCORE:.0f}, amber >= {FAIR_SCORE:.0f}, red below",
                  fontsize=10)
    ax2.set_ylabel("thigh angle (deg)")
    ax2.set_xlabel("time (s)")
    ax1.legend(loc="upper right", fontsize=8)
    fig.savefig(path)
    return path


def plot_trunk_and_foot(result: AnalysisResult, path: Path) -> Path:
    """Trunk lean and each foot's dorsiflexion over time."""
    fig, (ax1, ax2) = _figure(2, 2.4)
    t = result.frames.t_s
    ax1.plot(t, result.frames["trunk_lean"], color="#444444")
    ax1.axhline(0, color="grey", lw=0.8, ls="--")
    ax1.set_ylabel("trunk lean (deg, +forward)")
    ax1.set_title("Trunk lean from vertical")
    for side in Side:
        ax2.plot(t, result.frames.side("dorsiflexion", side), color=SIDE_COLOURS[side], label=side.value)
    ax2.axhline(0, color="grey", lw=0.8, ls="--")
    ax2.set_ylabel("dorsiflexion (deg, +toes up)")
    ax2.set_title("Foot: sprung (above 0) or soggy (below)")
    ax2.set_xlabel("time (s)")
    ax2.legend(loc="upper right", fontsize=8)
    for ax in (ax1, ax2):
        _rep_lines(ax, result)
    fig.savefig(path)
    return path


def plot_cadence(result: AnalysisResult, path: Path) -> Path:
    """Rhythm through the set: the rate implied by each interval between successive events."""
    fig, (ax,) = _figure(1, 2.6)
    use_contacts = bool(result.score and result.score.cadence_source == "foot contacts")
    # the events the cadence counts: double detections (two contacts in one frame) dropped
    times = regular_events(sorted(c.t_on_s for c in result.events.contacts) if use_contacts
                           else [d.t_peak_s for d in result.events.complete_drives])
    if len(times) >= 2:
        rate = 60.0 / np.diff(times)
        ax.plot(times[1:], rate, "o-", color="#444444")
        if result.cadence_spm:
            ax.axhline(result.cadence_spm, color=hex_colour(GOOD_RGB), ls="--",
                       label=f"clip: {result.cadence_spm:.0f} per min")
            ax.legend(loc="upper right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "too few events to show a rhythm", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("steps per min" if use_contacts else "drives per min")
    ax.set_xlabel("time (s)")
    ax.set_title("Cadence through the set (each interval)")
    fig.savefig(path)
    return path


def plot_speed(result: AnalysisResult, path: Path) -> Path | None:
    """A travelling drill's speed through the clip: the hips' speed, each rep's, and the clip's (None: not measured)."""
    d = result.distances
    if d is None or d.speed_m_s is None or not len(d.speed_t_s):
        return None
    fig = Figure(figsize=(10, 2.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.085, right=0.985, top=0.86, bottom=0.22)
    ax.plot(d.speed_t_s, d.speed_curve_m_s, color="#444444", lw=1.5, label="hips, over half a second")
    by_index = {r.index: r for r in result.reps}
    for rep in d.reps:
        scored = by_index.get(rep.index)
        if rep.speed_m_s is not None and scored is not None:
            ax.scatter([scored.t_peak_s], [rep.speed_m_s], s=36, color=score_colour(scored.score), edgecolor="black",
                       zorder=5)
    ax.axhline(d.speed_m_s, color=hex_colour(GOOD_RGB), ls="--", label=f"clip: {d.speed_m_s:.2f} m/s")
    shown = [d.speed_m_s, *d.speed_curve_m_s[np.isfinite(d.speed_curve_m_s)],
             *(r.speed_m_s for r in d.reps if r.speed_m_s is not None)]
    ax.set_ylim(0, 1.3 * max(max(shown), 0.1))
    ax.set_ylabel("speed (m/s)")
    ax.set_xlabel("time (s)")
    ax.set_title("Speed through the drill (dots: each rep, coloured by score)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path)
    return path


def write_plots(result: AnalysisResult, folder: Path) -> dict[str, Path]:
    """All plots of a clip as PNG files in ``folder`` (the speed chart only when the speed was measured)."""
    folder.mkdir(parents=True, exist_ok=True)
    plots = {"knee": plot_knee(result, folder / "knee.png"),
             "trunk_foot": plot_trunk_and_foot(result, folder / "trunk_foot.png"),
             "cadence": plot_cadence(result, folder / "cadence.png")}
    speed = plot_speed(result, folder / "speed.png")
    if speed is not None:
        plots["speed"] = speed
    return plots
