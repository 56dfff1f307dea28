"""Stand-in analyses for the web app's tests, injected into its worker processes.

They live in this small module, apart from the tests, because each worker process imports the module that
defines them (they are pickled by name); this one imports next to nothing, so workers start quickly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kneedrive_cv.errors import NoPersonError

ProgressFn = Callable[[float, str], None]

def fake_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn, overlay: bool = True,
                  **options: Any) -> dict[str, Any]:
    """Write what the real analysis writes (the clip itself as the overlay, unless not asked) and return a summary."""
    progress(0.5, "pretending")
    time.sleep(0.2)
    if overlay:
        (out_dir / "overlay.mp4").write_bytes(clip_path.read_bytes())
    reps = [{"index": i + 1, "side": side, "t_start_s": 0.1 * i, "t_peak_s": 0.1 * i + 0.05, "t_end_s": 0.1 * i + 0.1,
             "score": score, "faults": faults, "unmeasured": ["peak_thigh_deg"] if i == 2 else []}
            for i, (side, score, faults) in enumerate([
                ("left", 91.0, []),
                ("right", 64.5, [{"code": "soggy_foot", "cue": "foot sprung, not soggy: pull the toes up",
                                  "detail": "toes 12 deg down"}]),
                ("left", 40.0, [{"code": "low_knee", "cue": "drive the knee to hip height", "detail": "62 deg"}])])]
    summary = {"drill": "piston_run" if drill == "auto" else drill, "drill_confidence": 0.8, "cadence_spm": 201.0,
               "hold_s": None, "n_reps": 3, "mean_score": 65.2, "reps": reps, "unmeasured": ["contact times"]}
    (out_dir / "report.json").write_text(json.dumps(summary))
    (out_dir / "reps.csv").write_text("index,side,score\n1,left,91\n2,right,64.5\n3,left,40\n")
    (out_dir / "frames.csv").write_text("t_s,thigh_angle_left\n0.0,10\n")
    return summary


def slow_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                  **options: Any) -> dict[str, Any]:
    """Take far longer than any test waits: the server is stopped while this runs."""
    progress(0.25, "taking its time")
    time.sleep(120)
    return fake_analysis(clip_path, out_dir, drill, progress)


def no_person_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                       **options: Any) -> dict[str, Any]:
    """Fail as the real analysis does on a clip without anybody in it."""
    raise NoPersonError(f"{clip_path.name}: a person was found in only 0 of 15 frames. Film the athlete whole.")


def no_drill_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                      **options: Any) -> dict[str, Any]:
    """Answer as the real analysis does for a clip with no knee-drive drill in it."""
    return {"drill": "none", "drill_title": "no knee-drive drill", "drill_confidence": 0.9, "cadence_spm": None,
            "hold_s": None, "n_reps": 0, "mean_score": None, "reps": [], "top_faults": [], "set_faults": [],
            "unmeasured": [{"what": "rep scores", "why": "no knee lifts above 45 degrees"}]}


def two_people_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                        person: int | None = None, overlay: bool = True, **options: Any) -> dict[str, Any]:
    """As the real analysis answers for a clip with two people: person 2 by default, or the one picked.

    ``asked.txt`` notes the person asked for, ``overlay_asked.txt`` whether the overlay video was.
    """
    summary = fake_analysis(clip_path, out_dir, drill, progress, overlay=overlay)
    (out_dir / "people.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    chosen = {"id": person or 2, "chosen_by": "given" if person else "auto", "why": "", "others_seen": 1,
              "joined_ids": []}
    (out_dir / "asked.txt").write_text(str(person))
    (out_dir / "overlay_asked.txt").write_text(str(overlay))
    return {**summary, "athlete": chosen, "people": [1, 2]}


def serve(data_dir: str, port: int, analysis: str) -> None:
    """Run the app on ``port`` with one of the stand-ins above (for tests that kill the server's process)."""
    import uvicorn

    from kneedrive_cv.web.app import create_app

    uvicorn.run(create_app(data_dir, analysis=globals()[analysis]), host="127.0.0.1", port=port, log_level="warning")


def truncated_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                       **options: Any) -> dict[str, Any]:
    """Answer as the real analysis does for a file damaged part-way, with a slow-motion cadence as well."""
    summary = fake_analysis(clip_path, out_dir, drill, progress)
    return {**summary, "cadence_spm": 20.0, "unmeasured": [
        {"kind": "truncated", "what": "the end of the clip", "why": "the file is truncated or damaged"},
        {"kind": "slow_motion", "what": "real-time cadence", "why": "20 steps per minute is too slow for running"}]}


def closest_drill_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                           **options: Any) -> dict[str, Any]:
    """As the real analysis answers for a piston run done with low knees: no drill, the piston run the closest."""
    if drill != "auto":
        return fake_analysis(clip_path, out_dir, drill, progress, **options)
    return {**no_drill_analysis(clip_path, out_dir, drill, progress), "drill_recognised": "none",
            "drill_closest": "piston_run"}


def rescoring_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                       thresholds: Path | None = None, **options: Any) -> dict[str, Any]:
    """Recognise high knees whatever was chosen; score 50 with a coach's thresholds file (kept in used.txt)."""
    summary = fake_analysis(clip_path, out_dir, drill, progress, overlay=options.get("overlay", True))
    (out_dir / "used.txt").write_text(f"{drill}\n{thresholds.read_text() if thresholds else 'shipped'}")
    return {**summary, "drill": "high_knees" if drill == "auto" else drill, "drill_recognised": "high_knees",
            "drill_confidence": 0.84, "mean_score": 50.0 if thresholds else 65.2}


def kinogram_analysis(clip_path: Path, out_dir: Path, drill: str, progress: ProgressFn,
                      **options: Any) -> dict[str, Any]:
    """As the real analysis writes a kinogram, with the stand-in's faults counted as the summary counts them."""
    summary = fake_analysis(clip_path, out_dir, drill, progress)
    (out_dir / "kinogram.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    counts = {"soggy_foot": 1, "low_knee": 2} if drill == "auto" else {"soggy_foot": 2, "trunk_lean": 1}
    cues = {"soggy_foot": "foot sprung, not soggy", "low_knee": "drive the knee to hip height",
            "trunk_lean": "stand tall"}
    return {**summary, "fault_counts": counts, "cues": cues}


#: How long the stand-in takes to draw an overlay video.
REDRAW_S = 1.5


def fake_redraw(clip_path: Path, out_dir: Path, progress: ProgressFn) -> None:
    """Draw the overlay as the real redraw does, slowly, noting which scoring (used.txt) it was drawn for."""
    drawn_for = (out_dir / "used.txt").read_text() if (out_dir / "used.txt").exists() else ""
    for step in range(3):
        progress(step / 3, "drawing the overlay video")
        time.sleep(REDRAW_S / 3)
    (out_dir / "overlay_for.txt").write_text(drawn_for)
    (out_dir / "overlay.mp4").write_bytes(clip_path.read_bytes())
