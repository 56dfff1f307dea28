"""Regenerate the project's sample clips: ``python -m kneedrive_cv.synth.samples sample_videos``.

One clip per drill plus one with planted faults, each with its ``.truth.json``; small enough to commit
(H.264 at a modest quality). The frames are drawn identically every run (the encoder's threads may change
a few bits of the files, not what they show).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kneedrive_cv.synth.render import RenderSettings, render


@dataclass(frozen=True)
class Sample:
    """One sample clip: file stem, drill, parameters and how it is filmed."""

    stem: str
    drill: str
    params: dict[str, Any] = field(default_factory=dict)
    size: tuple[int, int] = (960, 540)
    seconds: float | None = None
    facing: str = "right"


SAMPLES = (
    Sample("piston_run", "piston_run", size=(1280, 720), seconds=6.0),
    Sample("hip_flexion_hold", "hip_flexion_hold"),
    Sample("wall_drill", "wall_drill", {"mode": "alternating", "drives": 6}),
    Sample("pocket_run", "pocket_run", {"frozen_side": "left"}, seconds=5.0, facing="left"),
    Sample("walking", "walking", seconds=4.0),
    Sample("piston_run_faults", "piston_run", {"posture": "hunched", "exaggerated_knees": True}, seconds=5.0),
    Sample("wall_calves", "wall_calves"),
)

#: H.264 quality of the samples: plenty for pose estimation, small enough for git.
SAMPLE_CRF = 28


def make_samples(out_dir: str | Path, fps: float = 30.0) -> list[Path]:
    """Render every sample into ``out_dir``; returns the clip paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clips = []
    for s in SAMPLES:
        settings = RenderSettings(fps=fps, size=s.size, facing=s.facing, seconds=s.seconds, crf=SAMPLE_CRF)
        clip, _, _ = render(s.drill, out / f"{s.stem}.mp4", s.params, settings)
        clips.append(clip)
    return clips


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: render the samples into the folder given."""
    parser = argparse.ArgumentParser(prog="python -m kneedrive_cv.synth.samples", description=__doc__)
    parser.add_argument("out_dir", nargs="?", default="sample_videos", help="folder to write (default sample_videos)")
    args = parser.parse_args(argv)
    for clip in make_samples(args.out_dir):
        size = clip.stat().st_size + clip.with_name(f"{clip.stem}.truth.json").stat().st_size
        print(f"{clip}  ({size / 1e6:.2f} MB with truth)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
