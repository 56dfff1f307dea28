"""``kneedrive overlay DIR``: draw the overlay video again from a saved analysis, without running pose again.

Reads ``DIR/analysis.json`` (where the clip is, which drill and thresholds were used) and ``DIR/track.npz``
(the pose track), re-runs the pose-free part of the analysis (so a changed thresholds file shows), and
writes ``DIR/overlay.mp4`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from kneedrive_cv.analysis import analyse
from kneedrive_cv.errors import ConfigError, KneedriveError, VideoError
from kneedrive_cv.output.overlay import render_overlay
from kneedrive_cv.pose.track import load_track

NAME = "overlay"
HELP = "draw the overlay video again from a saved analysis folder (no pose estimation)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive overlay``."""
    parser.add_argument("folder", type=Path, metavar="DIR", help="a folder written by `kneedrive analyse --out DIR`")
    parser.add_argument("--out", type=Path, help="video file to write (default: DIR/overlay.mp4)")
    parser.add_argument("--clip", type=Path, help="the source clip, if it has moved since the analysis")
    parser.add_argument("--thresholds", type=Path,
                        help="a drills file to score with instead of the one saved with the analysis")


def _saved(folder: Path) -> dict[str, Any]:
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


def _clip(saved: dict[str, Any], given: Path | None, folder: Path) -> Path:
    if given is not None:
        if not given.exists():
            raise VideoError(f"{given}: no such file. Give the clip this analysis was made from with --clip.")
        return given
    clip = Path(str(saved["clip_path"]))
    if not clip.exists():
        raise VideoError(f"the clip this analysis was made from is no longer at {clip}. If it has moved, point at "
                         f"it: `kneedrive overlay {folder} --clip NEW/PATH/{clip.name}`.")
    return clip


def _thresholds(saved: dict[str, Any], given: Path | None) -> Path | None:
    if given is not None:
        return given
    path = saved.get("thresholds")
    if path is None:
        return None
    if not Path(path).exists():
        raise ConfigError(f"the thresholds file used for this analysis is no longer at {path}. Give one with "
                          "--thresholds FILE (or the shipped defaults: run `kneedrive analyse` again without it).")
    return Path(path)


def run(args: argparse.Namespace) -> int:
    """Load the saved track, re-analyse without pose, draw, print where the video went."""
    folder: Path = args.folder
    saved = _saved(folder)
    track_path = folder / str(saved.get("track") or "track.npz")
    if not track_path.exists():
        raise KneedriveError(f"{folder} has no {track_path.name}; the pose track is needed to draw without running "
                             f"the model. Run `kneedrive analyse CLIP --out {folder}` again.")
    clip = _clip(saved, args.clip, folder)
    track = load_track(track_path)
    result = analyse(clip, drill=str(saved.get("drill") or "auto"), track=track,
                     thresholds=_thresholds(saved, args.thresholds))
    frames = result.video.n_frames
    if frames and abs(frames - len(track)) > max(2, 0.02 * len(track)):
        raise VideoError(f"{clip} has {frames} frames but the saved pose track has {len(track)}: it is not the clip "
                         "this analysis was made from. Point at the right one with --clip.")
    out = render_overlay(result, args.out or folder / "overlay.mp4")
    print(f"{clip.name}: {result.drill_name}, {len(result.reps)} reps; overlay written to {out}")
    return 0
