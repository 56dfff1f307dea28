"""Overlay rendering speed next to the bare decode and decode + encode speeds, at 720p and 1080p.

Usage: python benchmarks/overlay_speed.py [CLIP] [--repeats N]

Default clip: ../shared/real_videos/high_knees_side_gym_60fps.mp4 (1280x720, 400 frames). A 1080p copy is
made in a temporary folder with PyAV (upscaled, same timestamps), and its pose track is derived by scaling
the 720p track's pixels (pose estimation is not what is measured here). For each size it prints frames per
second (wall clock) and CPU milliseconds per frame (all threads) of:

  decode            reading every frame as RGB (read_frames), nothing else
  decode+encode     reading and writing every frame to H.264 (VideoSink, the overlay's own encoder settings
                    and output size: the picture plus the knee strip's rows below it), nothing drawn:
                    "bare" is the plain loop, "ahead" decodes in a second thread as the overlay does
  overlay           render_overlay: read, draw everything, write

The runs are interleaved and each figure is the best of N (the machine may be shared: the best run is the
least disturbed one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import av
import numpy as np

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.output.overlay import _prefetch, render_overlay, strip_rows_below
from kneedrive_cv.pose.track import PoseTrack
from kneedrive_cv.video import VideoSink, read_frames

DEFAULT_CLIP = Path(__file__).resolve().parents[1] / ".." / "shared" / "real_videos" / "high_knees_side_gym_60fps.mp4"


def upscale(src: Path, dst: Path, width: int, height: int) -> None:
    """Copy ``src`` to ``dst`` at ``width`` x ``height``, keeping every frame's timestamp (near-lossless)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        ins = inp.streams.video[0]
        stream = out.add_stream("libx264", rate=ins.average_rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = ins.time_base
        stream.options = {"crf": "16", "preset": "veryfast"}
        for frame in inp.decode(ins):
            big = frame.reformat(width=width, height=height, format="yuv420p")
            big.pts, big.time_base = frame.pts, frame.time_base
            out.mux(stream.encode(big))
        out.mux(stream.encode(None))


def scaled_track(track: PoseTrack, factor: float, size: tuple[int, int]) -> PoseTrack:
    """The same track in a frame ``factor`` times larger."""
    lm = track.landmarks_px.copy()
    lm[:, :, :3] *= factor
    return track.replace(landmarks_px=lm, frame_size=size)


def timed(fn: Callable[[], int]) -> tuple[float, float]:
    """(frames per second wall clock, CPU ms per frame over all threads) of ``fn``, which returns frames done."""
    wall, cpu = time.perf_counter(), time.process_time()
    n = fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return n / wall, 1000 * cpu / n


def decode(clip: Path) -> int:
    return sum(1 for _ in read_frames(clip))


def decode_encode(clip: Path, out: Path, width: int, height: int, fps: float, ahead: bool) -> int:
    rows = strip_rows_below(width, height)
    canvas = np.zeros((height + rows, width, 3), np.uint8)
    n = 0
    with VideoSink(out, width, height + rows, fps) as sink:
        frames = _prefetch(read_frames(clip)) if ahead else read_frames(clip)
        for t_s, frame in frames:
            canvas[:height] = frame
            sink.write(canvas, t_s)
            n += 1
    return n


def overlay(result: AnalysisResult, out: Path) -> int:
    render_overlay(result, out)
    return len(result.track)


WIDTHS = {"decode": 8, "bare": 13, "ahead": 14, "overlay": 8}


def measure(result: AnalysisResult, tmp: Path, repeats: int) -> dict[str, tuple[float, float]]:
    """Best (fps, CPU ms per frame) of each way of processing ``result``'s clip."""
    w, h, fps = result.video.width, result.video.height, result.video.fps
    runs: dict[str, Callable[[], int]] = {
        "decode": partial(decode, result.clip),
        "bare": partial(decode_encode, result.clip, tmp / "plain.mp4", w, h, fps, False),
        "ahead": partial(decode_encode, result.clip, tmp / "plain.mp4", w, h, fps, True),
        "overlay": partial(overlay, result, tmp / "overlay.mp4"),
    }
    best: dict[str, tuple[float, float]] = {k: (0.0, float("inf")) for k in runs}
    for _ in range(repeats):
        for key, fn in runs.items():
            f, c = timed(fn)
            best[key] = (max(f, best[key][0]), min(c, best[key][1]))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.clip.exists():
        print(f"no clip at {args.clip}; give one as the first argument", file=sys.stderr)
        return 2
    base = analyse(args.clip)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        big = tmp_dir / "clip_1080p.mp4"
        upscale(args.clip, big, 1920, 1080)
        factor = 1920 / base.video.width
        cases = [("720p", base), ("1080p", analyse(big, track=scaled_track(base.track, factor, (1920, 1080))))]
        print(f"clip: {args.clip.name}, {len(base.track)} frames; best of {args.repeats} interleaved runs")
        print(f"{'size':>6} {'':>4} {'decode':>8} {'dec+enc bare':>13} {'dec+enc ahead':>14} {'overlay':>8}")
        for name, result in cases:
            best = measure(result, tmp_dir, args.repeats)
            print(f"{name:>6} {'fps':>4} " + " ".join(f"{best[k][0]:{wd}.1f}" for k, wd in WIDTHS.items()))
            print(f"{'':>6} {'ms':>4} " + " ".join(f"{best[k][1]:{wd}.1f}" for k, wd in WIDTHS.items())
                  + "   CPU per frame, all threads")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
