"""Read a saved analysis folder back: the pose track and what was asked, re-scored without running pose again.

A folder written by ``kneedrive analyse --out DIR`` (or by the web app) holds ``analysis.json`` (where the clip
is, the drill asked for, the thresholds file) and ``track.npz`` (the pose track). :func:`load_saved` reads
them and re-runs the pose-free part of :func:`~kneedrive_cv.analysis.analyse`, so the result is what the
analysis said, with any changed thresholds file showing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.errors import ConfigError, KneedriveError, VideoError
from kneedrive_cv.pose.track import load_track


def is_saved_analysis(path: str | os.PathLike[str]) -> bool:
    """True for a folder that holds an ``analysis.json`` (a saved analysis, not a clip)."""
    return Path(path).is_dir() and (Path(path) / "analysis.json").exists()


def read_saved(folder: Path) -> dict[str, Any]:
    """The folder's ``analysis.json`` as a dict.

    Raises:
        KneedriveError: not a folder, or no ``analysis.json`` in it.
        ConfigError: ``analysis.json`` cannot be read or says nothing of the clip.

    """
    if not folder.is_dir():
        raise KneedriveError(f"{folder} is not a folder. Give the folder that `kneedrive analyse CLIP --out DIR` "
                             "wrote.")
    path = folder / "analysis.json"
    if not path.exists():
        raise KneedriveError(f"{folder} has no analysis.json, so it is not a folder written by `kneedrive analyse` "
                             "(or one from an older version). Run `kneedrive analyse CLIP --out DIR` first.")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc}). Run `kneedrive analyse CLIP --out {folder}` again.") from exc
    if not isinstance(saved, dict) or "clip_path" not in saved:
        raise ConfigError(f"{path} does not say where the clip is (no clip_path). "
                          f"Run `kneedrive analyse CLIP --out {folder}` again.")
    return saved


def saved_clip(saved: dict[str, Any], given: Path | None, folder: Path, command: str = "overlay") -> Path:
    """The clip the analysis was made from: ``given`` (it moved) or where ``analysis.json`` says."""
    if given is not None:
        if not given.exists():
            raise VideoError(f"{given}: no such file. Give the clip this analysis was made from with --clip.")
        return given
    clip = Path(str(saved["clip_path"]))
    if not clip.exists():
        raise VideoError(f"the clip this analysis was made from is no longer at {clip}. If it has moved, point at "
                         f"it: `kneedrive {command} {folder} --clip NEW/PATH/{clip.name}`.")
    return clip


def saved_thresholds(saved: dict[str, Any], given: Path | None) -> Path | None:
    """The thresholds file to score with: ``given``, else the one the analysis used (None: the shipped drills)."""
    if given is not None:
        return given
    path = saved.get("thresholds")
    if path is None:
        return None
    if not Path(path).exists():
        raise ConfigError(f"the thresholds file used for this analysis is no longer at {path}. Give one with "
                          "--thresholds FILE (or the shipped defaults: run `kneedrive analyse` again without it).")
    return Path(path)


def load_saved(folder: str | os.PathLike[str], clip: Path | None = None, thresholds: Path | None = None,
               command: str = "overlay") -> AnalysisResult:
    """The analysis saved in ``folder``, re-scored from its pose track (the model is not run).

    ``clip``: the source clip if it has moved since; ``thresholds``: a drills file to score with instead of the
    saved one; ``command``: the command named in the error messages.

    Raises:
        KneedriveError: not a saved analysis, its track or clip missing, or the clip is not the one analysed.

    """
    folder = Path(folder)
    saved = read_saved(folder)
    track_path = folder / str(saved.get("track") or "track.npz")
    if not track_path.exists():
        raise KneedriveError(f"{folder} has no {track_path.name}; the pose track is needed to use the analysis "
                             f"without running the model. Run `kneedrive analyse CLIP --out {folder}` again.")
    source = saved_clip(saved, clip, folder, command)
    track = load_track(track_path)
    result = analyse(source, drill=str(saved.get("drill") or "auto"), track=track,
                     thresholds=saved_thresholds(saved, thresholds), height_cm=saved.get("height_cm"),
                     slow_motion=float(saved.get("slow_motion") or 1.0))
    frames = result.video.n_frames
    if frames and abs(frames - len(track)) > max(2, 0.02 * len(track)):
        raise VideoError(f"{source} has {frames} frames but the saved pose track has {len(track)}: it is not the "
                         "clip this analysis was made from. Point at the right one with --clip.")
    return result


__all__ = ["is_saved_analysis", "load_saved", "read_saved", "saved_clip", "saved_thresholds"]
