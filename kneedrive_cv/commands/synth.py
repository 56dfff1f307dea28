"""``kneedrive synth DRILL --out CLIP.mp4``: render a synthetic athlete doing a drill, with its truth beside it.

``--random --seed N`` renders the drill done and filmed one of many ways (:mod:`kneedrive_cv.synth.randomise`);
options given on the command line replace what the seed would choose.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.synth import SYNTH_DRILLS, RenderSettings, get_synth_drill, parse_assignments, render
from kneedrive_cv.synth.randomise import render_random

NAME = "synth"
HELP = "render a synthetic athlete doing a drill (MP4) with the true angles and events (.truth.json)"


def _size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    try:
        if not sep:
            raise ValueError(text)
        return int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x720, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``kneedrive synth``."""
    parser.add_argument("drill", help=f"one of: {', '.join(SYNTH_DRILLS)} (dashes work too: piston-run)")
    parser.add_argument("--out", type=Path, required=True, help="clip to write (.mp4); the truth goes beside it")
    parser.add_argument("--fps", type=float, help="frame rate, e.g. 30, 60, 120 or 29.97 (default 30)")
    parser.add_argument("--size", type=_size, help="WIDTHxHEIGHT (default 1280x720)")
    parser.add_argument("--facing", choices=("left", "right"),
                        help="the way the athlete faces in the picture (default right)")
    parser.add_argument("--seconds", type=float, help="clip length (default: the drill's natural length)")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE",
                        help="a drill parameter, repeatable (e.g. --param cadence_hz=4.5); "
                             "`--param help=1` lists them")
    parser.add_argument("--crf", type=int, help="H.264 quality, lower is better (default 23)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the background's texture; with --random, of the whole clip")
    parser.add_argument("--random", action="store_true",
                        help="sample the athlete, the drill's style and the filming from --seed (fps, size, "
                             "facing, seconds, crf and --param given here are kept)")


def run(args: argparse.Namespace) -> int:
    """Render, write the truth, print a summary."""
    drill = get_synth_drill(args.drill)
    params = parse_assignments(args.param)
    if "help" in params:
        fields = dataclasses.fields(drill.params)
        print(f"{drill.name} parameters (defaults are a clean rep):")
        for f in fields:
            print(f"  {f.name} = {f.default!r}")
        return 0
    if args.out.suffix.lower() != ".mp4":
        raise KneedriveError(f"--out {args.out}: expected a .mp4 file name, e.g. --out {args.out.stem}.mp4")
    given = {"fps": args.fps, "size": args.size, "facing": args.facing, "seconds": args.seconds, "crf": args.crf}
    if args.random:
        clip, truth_path, truth = render_random(drill.name, args.seed, args.out, params,
                                                {k: v for k, v in given.items() if v is not None})
    else:
        defaults = RenderSettings()
        settings = RenderSettings(fps=defaults.fps if args.fps is None else args.fps,
                                  size=defaults.size if args.size is None else args.size,
                                  facing=args.facing or defaults.facing, seconds=args.seconds,
                                  crf=defaults.crf if args.crf is None else args.crf, seed=args.seed)
        clip, truth_path, truth = render(drill.name, args.out, params, settings)
    cadence = f", cadence {truth['cadence_spm']:.0f} /min" if truth["cadence_spm"] else ""
    faults = ", ".join(truth["faults"]) or "none"
    print(f"{clip}: {drill.name}, {truth['n_frames']} frames at {truth['fps']:g} fps, {truth['width']}x"
          f"{truth['height']}, facing {truth['facing']}; {truth['rep_count']} reps{cadence}; faults planted: {faults}")
    if args.random:
        shot = truth["random"]
        cam = shot["camera"]
        how = ("still" if not truth["travelling"] else
               "following the athlete" if cam["pan"] == "follow" else "panning as the athlete crosses")
        print(f"random seed {args.seed}: athlete {100 * cam['stature_share']:.0f} % of the frame, "
              f"roll {cam['roll_deg']:+.1f} deg, camera {how}; {shot['reps_seen_whole']} reps seen whole")
    print(f"truth written to {truth_path}")
    return 0
