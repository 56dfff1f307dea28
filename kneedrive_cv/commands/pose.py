"""``kneedrive pose CLIP --out TRACK.npz``: run pose estimation and save the track."""

from __future__ import annotations

import argparse
from pathlib import Path

from kneedrive_cv.pose.cache import TrackCache
from kneedrive_cv.pose.estimate import estimate_track
from kneedrive_cv.pose.track import save_track

NAME = "pose"
HELP = "estimate the athlete's pose in every frame and save the track (.npz)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive pose``."""
    parser.add_argument("clip", type=Path, help="video file")
    parser.add_argument("--out", type=Path, help="track file to write (default: CLIP name + .npz)")
    parser.add_argument("--model", help="a MediaPipe pose landmarker .task file (default: the built-in model)")
    parser.add_argument("--no-cache", action="store_true", help="run the model even if this clip was seen before")


def run(args: argparse.Namespace) -> int:
    """Estimate, save, print a summary."""
    cache = None if args.no_cache else TrackCache()
    track, info = estimate_track(args.clip, model=args.model, cache=cache)
    out = save_track(track, args.out or args.clip.with_suffix(".npz").name)
    found = int(track.present.sum())
    print(f"{args.clip.name}: {len(track)} frames read, a person in {found} ({100 * found / len(track):.0f} %), "
          f"{track.fps:.3f} fps, {track.t_s[-1]:.2f} s{' (from cache)' if info.from_cache else ''}"
          f"{', file truncated: used the frames before the damage' if info.read.truncated else ''}")
    print(f"track written to {out}")
    return 0
