"""``kneedrive people CLIP --out DIR``: everyone seen in a clip, to pick the athlete by hand when needed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kneedrive_cv.errors import OutputError
from kneedrive_cv.files import write_atomic
from kneedrive_cv.output.people_sheet import render_people_sheet
from kneedrive_cv.pose.cache import TrackCache
from kneedrive_cv.pose.estimate import estimate_track
from kneedrive_cv.pose.people import CHOICE_RULE, describe

NAME = "people"
HELP = "list everyone seen in a clip (people.json, people.png) and which one is taken for the athlete"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive people``."""
    parser.add_argument("clip", type=Path, help="video file")
    parser.add_argument("--out", type=Path, help="folder for people.json and people.png (default: results/CLIP-NAME)")
    parser.add_argument("--model", help="a MediaPipe pose landmarker .task file (default: the built-in model)")
    parser.add_argument("--no-cache", action="store_true", help="run the model even if this clip was seen before")


def run(args: argparse.Namespace) -> int:
    """Estimate (or load) everyone's poses, print a table, write people.json and people.png."""
    out = args.out or Path("results") / args.clip.stem
    track, _ = estimate_track(args.clip, model=args.model, cache=None if args.no_cache else TrackCache())
    assert track.people is not None
    persons = describe(track.people, track.t_s, track.frame_size)
    athlete = (track.meta.get("athlete") or {}).get("id")
    rows = [{**p.as_dict(), "athlete": p.id == athlete} for p in persons]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write to {out}: {exc.strerror or exc}. Choose a folder you can write to.") from exc
    write_atomic(out / "people.json", json.dumps(rows, indent=2) + "\n")
    render_people_sheet(args.clip, track, persons, athlete, out / "people.png")
    print(f"{args.clip.name}: {len(persons)} {'person' if len(persons) == 1 else 'people'} seen; "
          f"the athlete is {athlete if athlete is not None else 'nobody'} ({CHOICE_RULE})")
    print(f"{'id':>4}  {'from s':>6}  {'to s':>6}  {'frames':>6}  {'height px':>9}  {'side-on':>7}  "
          f"{'knees':>5}  {'whole':>5}  {'score':>5}")
    for p in persons:
        mark = "  <- athlete" if p.id == athlete else ""
        print(f"{p.id:>4}  {p.t_start_s:6.2f}  {p.t_end_s:6.2f}  {p.frames:6d}  {p.height_px:9.0f}  {p.side_on:7.2f}  "
              f"{p.knee_range:5.2f}  {p.whole_body:5.2f}  {p.score:5.2f}{mark}")
    print(f"written: {out}/people.json, {out}/people.png; analyse another person with "
          f"`kneedrive analyse {args.clip} --athlete ID`")
    return 0
