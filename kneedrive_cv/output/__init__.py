"""What an analysis writes: report.json, frames.csv, reps.csv, report.html, plots, kinogram, overlay, track.

``write_outputs`` writes them all into one folder; each file is written under a temporary name and renamed,
so an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kneedrive_cv.errors import OutputError
from kneedrive_cv.files import write_atomic

if TYPE_CHECKING:  # importing the output package (for its summary, say) loads no video or analysis libraries
    import numpy as np

    from kneedrive_cv.analysis import AnalysisResult
    from kneedrive_cv.output.compare.pairs import Pair


@dataclass(frozen=True)
class BestWorst:
    """The clip's best rep against its worst: the pair and its picture (best above worst)."""

    pair: Pair
    picture: Path


def ready_folder(out_dir: Path) -> None:
    """Create ``out_dir`` and check it can be written, or raise :class:`OutputError` saying what to do."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".kneedrive-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write results to {out_dir} ({exc.strerror or exc}). "
                          "Choose a folder you can write to with --out.") from exc


def _pictures(result: AnalysisResult, out: Path) -> tuple[Path | None, BestWorst | None]:
    """The kinogram, and the best rep against the worst (when they differ): their pictures.

    The clip is decoded once for both: the best and worst reps' peak frames are kept while the kinogram reads
    its own.
    """
    from kneedrive_cv.output.compare.pairs import best_and_worst
    from kneedrive_cv.output.compare.picture import render_compare_picture
    from kneedrive_cv.output.kinogram import render_kinogram
    from kneedrive_cv.video import read_frames_at

    pair = best_and_worst(result)
    keep = {pair.a.i_peak, pair.b.i_peak} if pair is not None else set()
    kept: dict[int, np.ndarray] = {}

    def frames(wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
        for i, rgb in read_frames_at(result.clip, wanted | keep, turn=result.video.turn_deg):
            if i in keep:
                kept[i] = rgb
            if i in wanted:
                yield i, rgb

    kinogram = render_kinogram(result, out / "kinogram.png", frames=frames)
    if pair is None:
        return kinogram, None
    title = f"Best rep ({pair.a.index}) against worst rep ({pair.b.index}), each at its peak"
    picture = render_compare_picture(result, result, [pair], out / "best_worst.png", title, names=("best", "worst"),
                                     frames=kept if keep <= kept.keys() else None)
    return kinogram, BestWorst(pair, picture)


def write_outputs(result: AnalysisResult, out_dir: str | os.PathLike[str], overlay: bool = False,
                  thresholds: str | os.PathLike[str] | None = None,
                  model: str | os.PathLike[str] | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  heading: Mapping[str, str | None] | None = None) -> dict[str, Path]:
    """Write every output of an analysis into ``out_dir``; returns the files by name.

    ``progress`` is called with (frames drawn, frames) while the overlay video is written. ``heading`` heads
    report.json and report.html with the athlete's name, the date filmed and the clip's name; what it leaves out
    comes from the clip (its name, and the date its container or else its file gives: ``report.heading_dict``).

    Raises:
        OutputError: the folder cannot be created or written.

    """
    from kneedrive_cv.output.html import render_report_html
    from kneedrive_cv.output.plots import write_plots
    from kneedrive_cv.output.report import analysis_json, frames_csv, heading_dict, report_json, reps_csv
    from kneedrive_cv.pose.track import save_track

    out = Path(out_dir)
    ready_folder(out)
    head = heading_dict(result.clip, heading)
    files: dict[str, Path] = {
        "report.json": write_atomic(out / "report.json", report_json(result, head)),
        "frames.csv": write_atomic(out / "frames.csv", frames_csv(result)),
        "reps.csv": write_atomic(out / "reps.csv", reps_csv(result)),
        "analysis.json": write_atomic(out / "analysis.json", analysis_json(result, thresholds, model)),
        "track.npz": save_track(result.track, out / "track.npz"),
    }
    # the kinogram mostly decodes video (no GIL) while the plots are mostly Python: draw them side by side
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kinogram") as pool:
        pending = pool.submit(_pictures, result, out)
        plots = write_plots(result, out / "plots")
        kinogram, best_worst = pending.result()
    files.update({f"plots/{p.name}": p for p in plots.values()})
    if kinogram is not None:
        files["kinogram.png"] = kinogram
    if best_worst is not None:
        files["best_worst.png"] = best_worst.picture
    report = json.loads(files["report.json"].read_text(encoding="utf-8"))
    files["report.html"] = write_atomic(out / "report.html",
                                        render_report_html(report, plots, kinogram, best_worst, head))
    if overlay:
        from kneedrive_cv.output.overlay import render_overlay

        files["overlay.mp4"] = render_overlay(result, out / "overlay.mp4", progress=progress)
    return files
