"""Overlay rendering speed next to the bare decode and decode + encode speeds, at 720p and 1080p.

Usage: python benchmarks/overlay_speed.py [CLIP] [--repeats N]

Default clip: ../shared/real_videos/high_knees_side_gym_60fps.mp4 (1280x720, 400 frames). A 1080p copy is
made in a temporary folder with PyAV (upscaled, same timestamps), and its pose track is derived by scaling
the 720p track's pixels (pose estimation is not what is measured here). For each size it prints frames per
second of:

  decode           reading every frame as RGB (read_frames), nothing else
  decode+encode    reading and writing every frame to H.264 (VideoSink, the overlay's own encoder settings
                   and output size: the picture plus the knee strip's rows below it), nothing drawn
  overlay          render_overlay: read, draw everything, write

Each figure is the best of N runs (the machine is shared; the best run is the least disturbed one).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from kneedrive_cv.analysis import analyse
from kneedrive_cv.output.overlay import render_overlay, strip_rows_below
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


def fps_decode(clip: Path) -> float:
    t0, n = time.perf_counter(), 0
    for _ in read_frames(clip):
        n += 1
    return n / (time.perf_counter() - t0)


def fps_decode_encode(clip: Path, out: Path, width: int, height: int, fps: float) -> float:
    rows = strip_rows_below(width, height)
    canvas = np.zeros((height + rows, width, 3), np.uint8)
    t0, n = time.perf_counter(), 0
    with VideoSink(out, width, height + rows, fps) as sink:
        for t_s, frame in read_frames(clip):
            canvas[:height] = frame
            sink.write(canvas, t_s)
            n += 1
    return n / (time.perf_counter() - t0)


def fps_overlay(result: object, out: Path, n_frames: int) -> float:
    t0 = time.perf_counter()
    render_overlay(result, out)  # type: ignore[arg-type]
    return n_frames / (time.perf_counter() - t0)


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
        big = Path(tmp) / "clip_1080p.mp4"
        upscale(args.clip, big, 1920, 1080)
        factor = 1920 / base.video.width
        cases = [("720p", base), ("1080p", analyse(big, track=scaled_track(base.track, factor, (1920, 1080))))]
        print(f"clip: {args.clip.name}, {len(base.track)} frames, best of {args.repeats} runs, frames per second")
        print(f"{'size':>6} {'decode':>8} {'decode+encode':>14} {'overlay':>8} {'overlay / (decode+encode)':>26}")
        for name, result in cases:
            n = len(result.track)
            w, h = result.video.width, result.video.height
            dec = max(fps_decode(result.clip) for _ in range(args.repeats))
            both = max(fps_decode_encode(result.clip, Path(tmp) / "plain.mp4", w, h, result.video.fps)
                       for _ in range(args.repeats))
            over = max(fps_overlay(result, Path(tmp) / "overlay.mp4", n) for _ in range(args.repeats))
            print(f"{name:>6} {dec:8.1f} {both:14.1f} {over:8.1f} {over / both:26.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
