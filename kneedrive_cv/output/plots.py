"""Plots of a clip's metrics over time (matplotlib's object API: no pyplot, no global state).

Sized for where they are read: a phone's column (about 350 CSS px), half a laptop's page (about 500) or a printed
page's width. Each is :data:`WIDTH_IN` inches wide at :data:`DPI` (960 px, sharp on a phone's 2-3x screen) with no
text smaller than :data:`MIN_FONT_PT`, which makes every letter at least :data:`MIN_TEXT_SHARE` of the picture's
width: 10 px and more on a 350 px phone column. Titles stay short; what the colours mean is said beside each
plot in report.html (``html.PLOT_CAPTIONS``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kneedrive_cv.analysis import AnalysisResult
from kneedrive_cv.kinematics.events.cadence import counted_events, regular_events, stride_rates
from kneedrive_cv.landmarks import Side
from kneedrive_cv.output.colours import GOOD_RGB, SIDE_RGB, hex_colour, score_rgb
from kneedrive_cv.scoring.drills import RepKind

#: The athlete's left and right, the same two colours as the overlay and the report.
SIDE_COLOURS = {side: hex_colour(rgb) for side, rgb in SIDE_RGB.items()}


def score_colour(score: float | None) -> str:
    """Green for a good rep, amber for fair, red for poor, grey when unscored (see ``colours``)."""
    return hex_colour(score_rgb(score))


#: Width of every plot, inches, and its resolution: 960 px.
WIDTH_IN = 5.0
DPI = 192
#: The smallest text on a plot (tick labels, legends, rep numbers), points; titles and axis labels are larger.
MIN_FONT_PT = 11.0
TITLE_PT = 12.5
LABEL_PT = 11.5
#: ... as a share of the picture's width (11 pt on 5 in: 3.1 %).
MIN_TEXT_SHARE = MIN_FONT_PT / 72 / WIDTH_IN
def _figure(rows: int = 1, height: float = 3.0) -> tuple[Figure, list[Axes]]:
    """A plot of ``rows`` axes, ``height`` inches each, at the module's width and resolution."""
    fig = Figure(figsize=(WIDTH_IN, height * rows), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = [fig.add_subplot(rows, 1, i + 1) for i in range(rows)]
    for ax in axes:
        ax.tick_params(labelsize=MIN_FONT_PT)
    # fixed margins, in inches: matplotlib's layout solvers cost as much as drawing the plot
    inch = 1 / (height * rows)
    fig.subplots_adjust(left=0.78 / WIDTH_IN, right=1 - 0.12 / WIDTH_IN, top=1 - 0.38 * inch, bottom=0.62 * inch,
                        hspace=0.95 / (height - 0.95))
    return fig, axes


def _dress(ax: Axes, title: str, ylabel: str, xlabel: str | None = None) -> None:
    """The axes' title and labels at the module's sizes."""
    ax.set_title(title, fontsize=TITLE_PT)
    ax.set_ylabel(ylabel, fontsize=LABEL_PT)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL_PT)


def _legend(ax: Axes, where: str = "upper right") -> None:
    """The legend ``above`` the axes, right of the title (moved left), or inside at the ``upper`` or ``lower right``."""
    if where == "above":
        ax.set_title(ax.get_title(), fontsize=TITLE_PT, loc="left")
        ax.set_title("")  # the centred title, now on the left
        ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=MIN_FONT_PT, ncol=2, frameon=False,
                  handlelength=1.2, columnspacing=0.8, borderaxespad=0.0, borderpad=0.1)
        return
    ax.legend(loc="lower right" if where == "lower right" else "upper right", fontsize=MIN_FONT_PT, ncol=2,
              framealpha=0.85, handlelength=1.5, columnspacing=1.0)


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
    ax.scatter([r.t_peak_s for r, _ in peaks], [y for _, y in peaks], s=40,
               color=[score_colour(r.score) for r, _ in peaks], edgecolor="black", zorder=5)
    for n, (r, y) in enumerate(peaks):  # every other number a line higher: close reps' numbers do not collide
        ax.annotate(f"{r.index}", (r.t_peak_s, y), textcoords="offset points", xytext=(0, 6 + 12 * (n % 2)),
                    ha="center", fontsize=MIN_FONT_PT)


def plot_knee(result: AnalysisResult, path: Path) -> Path:
    """Knee height and thigh angle per leg over time, each rep shaded and marked in its score's colour."""
    fig, (ax1, ax2) = _figure(2, 2.9)
    t = result.frames.t_s
    for side in Side:
        ax1.plot(t, result.frames.side("knee_height", side), color=SIDE_COLOURS[side], label=f"{side.value}")
        ax2.plot(t, result.frames.side("thigh_angle", side), color=SIDE_COLOURS[side], label=f"{side.value}")
    ax1.axhline(0, color="grey", lw=0.8, ls="--")
    ax2.axhline(90, color="grey", lw=0.8, ls="--")
    _mark_reps(ax1, result, "knee_height")
    _mark_reps(ax2, result, "thigh_angle")
    for ax in (ax1, ax2):
        ax.margins(y=0.25)  # room for the rep numbers over the peaks
    _dress(ax1, "Knee height (0 = hip)", "thigh lengths")
    _dress(ax2, "Thigh angle (90 = horizontal)", "degrees", "time (s)")
    _legend(ax1, "above")
    fig.savefig(path)
    return path


def plot_trunk_and_foot(result: AnalysisResult, path: Path) -> Path:
    """Trunk lean and each foot's dorsiflexion over time."""
    fig, (ax1, ax2) = _figure(2, 2.7)
    t = result.frames.t_s
    ax1.plot(t, result.frames["trunk_lean"], color="#444444")
    ax1.axhline(0, color="grey", lw=0.8, ls="--")
    _dress(ax1, "Trunk lean from vertical", "deg, + forward")
    for side in Side:
        ax2.plot(t, result.frames.side("dorsiflexion", side), color=SIDE_COLOURS[side], label=side.value)
    ax2.axhline(0, color="grey", lw=0.8, ls="--")
    _dress(ax2, "Foot angle (+ = toes up)", "deg", "time (s)")
    _legend(ax2, "above")
    for ax in (ax1, ax2):
        _rep_lines(ax, result)
    fig.savefig(path)
    return path


def cadence_events(result: AnalysisResult) -> tuple[np.ndarray, str]:
    """The times of the events the clip's cadence counts, double detections dropped, and what they are.

    Foot contacts ("steps"), heel raises ("raises": sprinter's calves, whose knee drives are no reps) or knee
    drives ("drives"), as the clip's cadence source says. Where the cadence is the body's own rhythm, the events
    it overruled (the source names them: "... (foot contacts gave 150 a minute)"), so the plot shows what they
    said beside the clip's figure; knee drives where the source names none. None for a hold ("holds"): a hold is
    timed, not counted a minute, and the drives read in it are its lifts and the model's misreadings.
    """
    if result.drill is not None and result.drill.rep is RepKind.HOLD:
        return np.zeros(0), "holds"
    source = result.cadence_source or ""
    counted = (counted_events(result.events, source) or counted_events(result.events, source.split("(")[-1])
               or counted_events(result.events, "knee drives"))
    times, what = counted if counted else ([], "drives")
    return regular_events(times), what


def plot_cadence(result: AnalysisResult, path: Path) -> Path:
    """Rhythm through the set: the rate over each stride (two successive intervals), and each interval's own."""
    fig, (ax,) = _figure(1, 3.2)
    times, what = cadence_events(result)
    if len(times) >= 2:
        ax.plot(times[1:], 60.0 / np.diff(times), "o", color="#b0b0b0", markersize=4, label="each interval")
        middle, rate = stride_rates(times)
        if len(rate):
            ax.plot(middle, rate, "o-", color="#444444", markersize=5, label="each stride")
        if result.cadence_spm:
            ax.axhline(result.cadence_spm, color=hex_colour(GOOD_RGB), ls="--",
                       label=f"clip: {result.cadence_spm:.0f} per min")
            ax.margins(y=0.3)
            _legend(ax)
    else:
        why = "a hold is timed, not counted a minute" if what == "holds" else "too few events to show a rhythm"
        ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=LABEL_PT)
    _dress(ax, "Cadence through the set", f"{what} per min", "time (s)")
    fig.savefig(path)
    return path


def plot_speed(result: AnalysisResult, path: Path) -> Path | None:
    """A travelling drill's speed through the clip: the hips' speed, each rep's, and the clip's (None: not measured)."""
    d = result.distances
    if d is None or d.speed_m_s is None or not len(d.speed_t_s):
        return None
    fig, (ax,) = _figure(1, 3.2)
    ax.plot(d.speed_t_s, d.speed_curve_m_s, color="#444444", label="hips")
    by_index = {r.index: r for r in result.reps}
    for rep in d.reps:
        scored = by_index.get(rep.index)
        if rep.speed_m_s is not None and scored is not None:
            ax.scatter([scored.t_peak_s], [rep.speed_m_s], s=36, color=score_colour(scored.score), edgecolor="black",
                       zorder=5)
    ax.axhline(d.speed_m_s, color=hex_colour(GOOD_RGB), ls="--", label=f"clip: {d.speed_m_s:.2f} m/s")
    shown = [d.speed_m_s, *d.speed_curve_m_s[np.isfinite(d.speed_curve_m_s)],
             *(r.speed_m_s for r in d.reps if r.speed_m_s is not None)]
    ax.set_ylim(0, 1.45 * max(max(shown), 0.1))
    _dress(ax, "Speed through the drill", "m/s", "time (s)")
    _legend(ax, "lower right")
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
