"""Video in and out: probe, read frames with their container timestamps and rotation, write H.264 MP4.

Reading uses PyAV (FFmpeg's libraries from its wheel), so no system ``ffmpeg`` is needed. Frames come out
as RGB ``uint8`` arrays (:func:`read_frames`) or as the decoder's own YUV planes (:func:`read_yuv`, for
drawing straight into video), upright (rotation metadata applied), each with its presentation time in seconds
from the first frame. Phones record variable frame rate, so time is never index / fps.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TypeVar, cast

import av
import cv2
import numpy as np

from kneedrive_cv.errors import OutputError, VideoError
from kneedrive_cv.files import temp_beside

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Container formats FFmpeg uses for still images: a photo is not a clip.
_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif", "gif_pipe",
                  "ppm_pipe", "pgm_pipe", "svg_pipe", "jpegxl_pipe", "qoi_pipe", "j2k_pipe", "dpx_pipe"}
_HINT = "Expected a video file such as the .mp4 or .mov a phone records."


@dataclass(frozen=True)
class VideoInfo:
    """What a clip's container says, with the size as displayed (after rotation).

    ``fps`` is the container's average frame rate as a float (29.97, not 30); the true times of the
    frames come from :func:`read_frames`. ``n_frames`` is the container's count, or an estimate from
    duration x fps when the container has none. ``rotation_deg`` is the file's own display rotation;
    ``turn_deg`` a further turn the analysis gave the picture (see :meth:`turned`), included in the size.
    """

    path: Path
    width: int
    height: int
    fps: float
    n_frames: int
    duration_s: float
    codec: str
    rotation_deg: int
    container: str
    turn_deg: int = 0

    @property
    def portrait(self) -> bool:
        """True when the clip is shown taller than wide."""
        return self.height > self.width

    def turned(self, turn_deg: int) -> VideoInfo:
        """The clip shown turned ``turn_deg`` (a multiple of 90, counter-clockwise) beyond the file's rotation.

        For a clip stored sideways (the athlete lying on their side as the file is displayed): the readers
        take the same ``turn`` and give the turned pictures.
        """
        turn = turn_deg % 360
        extra = (turn - self.turn_deg) % 360
        w, h = (self.height, self.width) if extra in (90, 270) else (self.width, self.height)
        return replace(self, width=w, height=h, turn_deg=turn)


@dataclass
class ReadStats:
    """Filled in while frames are read: how many, and what went wrong on the way."""

    frames: int = 0
    truncated: bool = False
    error: str = ""
    pts_repaired: int = 0


def _check_file(path: Path) -> None:
    if not path.exists():
        raise VideoError(f"{path}: no such file. Check the path (expected a video file).")
    if path.is_dir():
        raise VideoError(f"{path} is a folder, not a video file. Give one clip, or use `kneedrive batch` for a folder.")
    if path.stat().st_size == 0:
        raise VideoError(f"{path} is empty (0 bytes). {_HINT} Copy the clip again from the phone.")


def _open(path: Path) -> av.container.InputContainer:
    _check_file(path)
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoError(f"{path} is not a video that can be read ({_short(exc)}). {_HINT}") from exc
    if container.format.name in _IMAGE_FORMATS or not container.streams.video:
        what = "a still image" if container.format.name in _IMAGE_FORMATS else "a file with no video stream"
        container.close()
        raise VideoError(f"{path} is {what}, not a video. {_HINT}")
    return container


def _short(exc: BaseException) -> str:
    text = exc.strerror if isinstance(exc, av.error.FFmpegError) and exc.strerror else str(exc)
    return (text or exc.__class__.__name__).strip().rstrip(".").lower()


def _rotation_of(stream: av.video.stream.VideoStream, container: av.container.InputContainer) -> int:
    """Display rotation in degrees (counter-clockwise, FFmpeg's display-matrix convention), from the first frame."""
    try:
        for frame in container.decode(stream):
            return round(frame.rotation or 0) % 360
    except av.error.FFmpegError:
        return 0
    return 0


#: Slow-motion factors a coach may give (``kneedrive analyse --slow-motion``): phones film slow motion at 120-960
#: fps and save it to play at 24-60, so 2-40 times slower than real life; 1 is real time.
SLOW_MOTION_RANGE = (1.0, 40.0)


def check_slow_motion(factor: float) -> float:
    """The slow-motion factor if it is one a phone makes; raises ValueError (with what to give) otherwise."""
    lo, hi = SLOW_MOTION_RANGE
    if not math.isfinite(factor) or not lo <= factor <= hi:
        raise ValueError(f"slow motion {factor:g}: expected how many times slower than real life the clip plays, "
                         f"from {lo:g} (real time) to {hi:g}, e.g. 8 for a 240 fps clip that plays at 30 fps")
    return float(factor)


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Read a clip's size, float fps, frame count, duration, codec and rotation.

    Raises:
        VideoError: missing, empty, not a video, a still image, or no decodable frame.

    """
    path = Path(path)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = 0.0
        n_frames = int(stream.frames) or (round(duration * fps) if fps else 0)
        width, height = stream.codec_context.width, stream.codec_context.height
        rotation = _rotation_of(stream, container)
        if not width or not height:
            raise VideoError(f"{path} has a video stream with no picture size; it cannot be decoded. {_HINT}")
        if rotation in (90, 270):
            width, height = height, width
        if fps <= 0 and duration > 0 and n_frames:
            fps = n_frames / duration
        return VideoInfo(path, width, height, fps, n_frames, duration, codec, rotation, container.format.name)
    finally:
        container.close()


def stream_end_s(path: str | os.PathLike[str]) -> float | None:
    """How far into the clip its video packets reach, in seconds from the first, or None if it has none.

    Only the container is read (no decoding), so this is quick even for a long clip. A file cut short (an
    upload or a copy that did not finish) keeps the full duration in its header but its packets stop early.
    """
    container = _open(Path(path))
    try:
        stream = container.streams.video[0]
        if stream.time_base is None:
            return None
        first = last = None
        try:
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                end = packet.pts + (packet.duration or 0)
                first = packet.pts if first is None else min(first, packet.pts)
                last = end if last is None else max(last, end)
        except (av.error.FFmpegError, EOFError):
            pass  # the packets read before the damage are what the file holds
        return None if first is None or last is None else float((last - first) * stream.time_base)
    finally:
        container.close()


#: Where :func:`filmed_on` found a clip's date: the container's recording time, or the file's modification date.
FILMED_FROM_CONTAINER = "container"
FILMED_FROM_FILE = "file"
#: Container dates before this year are a camera's unset clock or a muxer's zero (1904, 1970), not a recording.
_FIRST_PLAUSIBLE_YEAR = 1990


def filmed_on(path: str | os.PathLike[str]) -> tuple[str, str]:
    """The date a clip was filmed, ``YYYY-MM-DD`` in local time, and where it came from.

    Phones write the recording time in the container (``creation_time``, in UTC): :data:`FILMED_FROM_CONTAINER`.
    Without one (or with an implausible one), the file's modification date: :data:`FILMED_FROM_FILE`, which a copy
    may have changed.
    """
    path = Path(path)
    container = _open(path)
    try:
        tags = [container.metadata, *(s.metadata for s in container.streams.video)]
    finally:
        container.close()
    for text in (t.get("creation_time") for t in tags):
        try:
            when = datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
        except ValueError:
            continue
        if when is not None and when.year >= _FIRST_PLAUSIBLE_YEAR:
            local = when.astimezone() if when.tzinfo else when
            return local.date().isoformat(), FILMED_FROM_CONTAINER
    return datetime.fromtimestamp(path.stat().st_mtime).date().isoformat(), FILMED_FROM_FILE


def upright(image: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply a display rotation (degrees counter-clockwise) so the picture shows the way the phone was held."""
    k = (rotation_deg // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k)) if k else image


def _quarter_turns(frame: av.VideoFrame, turn: int) -> int:
    """Counter-clockwise quarter turns that show ``frame`` upright: its display rotation, then ``turn`` degrees."""
    return ((round(frame.rotation or 0) + turn) % 360 // 90) % 4


def read_frames(path: str | os.PathLike[str], stats: ReadStats | None = None,
                span: Span | None = None, turn: int = 0) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(t_s, rgb)`` for every decodable frame: time from the container, picture upright.

    ``t_s`` is the presentation time in seconds from the first frame, strictly increasing. A truncated or
    damaged file yields the frames before the damage, logs a warning and sets ``stats.truncated``.
    The reader is always released, even if the caller stops early.

    With ``span`` (one of :func:`plan_spans`), only that span's frames are read, after a seek to the key
    frame before it; their ``t_s`` is then the container's time, *not* time from the first frame.
    ``turn``: degrees (a multiple of 90, counter-clockwise) to turn the pictures beyond the file's own
    rotation, for a clip stored sideways (see :meth:`VideoInfo.turned`).
    """
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    if span is not None:
        yield from _read_span(path, stats, span, turn)
        return
    for t_s, frame in _timed_frames(path, stats):
        yield t_s, _rgb(frame, turn)


@dataclass(frozen=True)
class YuvPicture:
    """A decoded picture as yuv420p planes (limited range), upright, with the clip's colour tags.

    ``y`` is (H, W), ``u`` and ``v`` are (ceil(H/2), ceil(W/2)): read-only views of the decoder's frame
    (rotated views when the clip carries a rotation), valid as long as the picture is kept. The tags are
    FFmpeg's ``AVColorSpace``, ``AVColorPrimaries`` and ``AVColorTransferCharacteristic`` numbers.
    """

    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    colorspace: int
    color_primaries: int
    color_trc: int


def read_yuv(path: str | os.PathLike[str], stats: ReadStats | None = None,
             turn: int = 0) -> Iterator[tuple[float, YuvPicture]]:
    """Yield ``(t_s, picture)`` for every decodable frame, as :func:`read_frames` does, but as YUV planes.

    Nothing is converted for the usual yuv420p video; other pixel formats (full-range yuvj420p, 10-bit,
    4:2:2) are converted to limited-range yuv420p. ``turn`` as for :func:`read_frames`.
    """
    for t_s, frame in _timed_frames(Path(path), stats if stats is not None else ReadStats()):
        yield t_s, _yuv(frame, turn)


def _feed(items: Iterator[T], q: queue.Queue[object], stop: threading.Event) -> None:
    """Worker of :func:`read_ahead`: put items on ``q`` until done or stopped, then a final ``None``."""
    try:
        for item in items:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                break
    except BaseException as exc:  # handed to the consumer, which raises it in its own thread
        q.put(exc)
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
        q.put(None)


def read_ahead(items: Iterator[T], depth: int = 4) -> Generator[T, None, None]:
    """The same items, read up to ``depth`` ahead in a thread of its own (FFmpeg decodes without the GIL).

    Decoding then overlaps whatever the consumer does with each frame. An exception in the reader is raised
    here, in the consumer's thread; when the consumer stops early (or this generator is closed), the reader
    stops too and its source is closed, so the clip is released.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    thread = threading.Thread(target=_feed, args=(items, q, stop), name="decode-ahead", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


def new_yuv_frame(width: int, height: int) -> tuple[av.VideoFrame, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """A yuv420p frame to draw in (pixels undefined: write every one) and its Y, U and V planes."""
    frame = av.VideoFrame(width, height, "yuv420p")
    return frame, plane_views(frame)


def plane_views(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Y, U and V planes of a yuv420p frame as (rows, columns) arrays sharing its memory."""
    out = []
    for plane in frame.planes:
        flat = np.frombuffer(memoryview(plane), np.uint8, count=plane.line_size * plane.height)
        out.append(flat.reshape(plane.height, plane.line_size)[:, : plane.width])
    return out[0], out[1], out[2]


def _yuv(frame: av.VideoFrame, turn: int = 0) -> YuvPicture:
    if frame.format.name != "yuv420p" or frame.color_range == 2:  # 2: full ("JPEG") range
        full = frame.color_range == 2 or frame.format.name.startswith("yuvj")
        tags = frame.colorspace, frame.color_primaries, frame.color_trc
        frame = frame.reformat(format="yuv420p", src_color_range="JPEG" if full else "MPEG", dst_color_range="MPEG")
        frame.colorspace, frame.color_primaries, frame.color_trc = tags
    k = _quarter_turns(frame, turn)
    planes = []
    for view in plane_views(frame):
        view.flags.writeable = False
        planes.append(np.rot90(view, k) if k else view)
    return YuvPicture(planes[0], planes[1], planes[2], int(frame.colorspace), int(frame.color_primaries),
                      int(frame.color_trc))


def _timed_frames(path: Path, stats: ReadStats) -> Iterator[tuple[float, av.VideoFrame]]:
    """Every decodable frame with its time in seconds from the first (repaired when missing or not increasing)."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate
        step = 1.0 / float(rate) if rate else 1 / 30
        t0: float | None = None
        last = -np.inf
        for frame in _decoded(container, path, stats):
            t = frame.time
            if t is None or (t0 is not None and t - t0 <= last):
                t = (last + (t0 or 0.0)) + step if np.isfinite(last) else 0.0
                stats.pts_repaired += 1
            if t0 is None:
                t0 = t
            t_s = t - t0
            last = t_s
            stats.frames += 1
            yield t_s, frame
        if stats.frames == 0:
            raise VideoError(f"{path}: no frame could be decoded ({stats.error or 'empty stream'}). {_HINT}")
        check_complete(path, stats, stream.frames or 0)
    finally:
        container.close()


def read_frames_at(path: str | os.PathLike[str], indices: set[int] | frozenset[int], turn: int = 0
                   ) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(index, rgb)`` for the frames at these indices (as :func:`read_frames` counts them), in order.

    Every frame up to the last wanted one is decoded, but only the wanted ones are converted to RGB, which
    is most of the cost of reading a frame. A truncated file yields the wanted frames before the damage.
    ``turn`` as for :func:`read_frames`.
    """
    path = Path(path)
    if not indices:
        return
    last = max(indices)
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stats = ReadStats()
        for i, frame in enumerate(_decoded(container, path, stats)):
            stats.frames = i + 1
            if i in indices:
                yield i, _rgb(frame, turn)
            if i >= last:
                break
    finally:
        container.close()


def _decoded(container: av.container.InputContainer, path: Path,
             stats: ReadStats | Callable[[], ReadStats]) -> Iterator[av.VideoFrame]:
    """The video stream's frames as decoded; a decoding error ends them (truncated or damaged file, logged).

    ``stats`` records the error: a :class:`ReadStats`, or what gives the one current when it happens.
    """
    frames = container.decode(container.streams.video[0])
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except (av.error.FFmpegError, EOFError) as exc:
            _stopped(path, stats if isinstance(stats, ReadStats) else stats(), exc)
            return
        yield frame


def _rgb(frame: av.VideoFrame, turn: int = 0) -> np.ndarray:
    return upright(frame.to_ndarray(format="rgb24"), 90 * _quarter_turns(frame, turn))


def _stopped(path: Path, stats: ReadStats, exc: BaseException) -> None:
    stats.truncated, stats.error = True, _short(exc)
    log.warning("%s: decoding stopped after %d frames (%s); the file looks truncated or damaged, "
                "the frames read so far are used", path.name, stats.frames, stats.error)


def check_complete(path: Path, stats: ReadStats, listed: int) -> None:
    """Mark ``stats`` truncated (with a warning) when far fewer frames were read than the container lists."""
    if stats.frames and stats.frames < 0.9 * listed and not stats.truncated:
        stats.truncated = True
        log.warning("%s: read %d of the %d frames the container lists; the file looks truncated",
                    path.name, stats.frames, listed)


@dataclass(frozen=True)
class Span:
    """A run of consecutive frames, by presentation timestamp: ``start_pts <= pts < end_pts``.

    ``None`` bounds mean the clip's first or last frame. Timestamps are in the video stream's time base.
    """

    start_pts: int | None
    end_pts: int | None


class SpanError(VideoError):
    """A span could not be read on its own (its timestamps do not match the plan); read the clip whole."""


def plan_spans(path: str | os.PathLike[str], count: int) -> list[Span] | None:
    """Split a clip into ``count`` spans of about equal frame counts, or None if it cannot be split safely.

    Only the container is read (no decoding), so this costs a small fraction of a decode. A clip is split
    only when every packet carries a distinct presentation timestamp, so each frame belongs to exactly one
    span whatever the decoder does; anything else (raw streams, broken timestamps) is read whole.
    """
    if count < 2:
        return None
    try:
        container = _open(Path(path))
    except VideoError:
        return None
    try:
        stream = container.streams.video[0]
        pts: list[int] = []
        for packet in container.demux(stream):
            if packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            if packet.pts is None:
                return None
            pts.append(int(packet.pts))
    except (av.error.FFmpegError, EOFError):
        return None  # damaged: read whole, so the frames before the damage are the ones used
    finally:
        container.close()
    pts.sort()
    if len(pts) < 2 * count or len(set(pts)) != len(pts):
        return None
    cuts = [pts[i * len(pts) // count] for i in range(1, count)]
    return [Span(a, b) for a, b in zip([None, *cuts], [*cuts, None], strict=True)]


def _read_span(path: Path, stats: ReadStats, span: Span, turn: int = 0) -> Iterator[tuple[float, np.ndarray]]:
    for _, t_s, rgb in read_spans(path, [span], [stats], turn):
        yield t_s, rgb


def read_spans(path: str | os.PathLike[str], spans: Sequence[Span], stats: Sequence[ReadStats], turn: int = 0
               ) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield ``(k, t_s, rgb)`` for the frames of consecutive spans (``k`` indexes ``spans``), in one pass.

    One seek, to the key frame before the first span; each frame is then decoded once, where reading the
    spans one by one would decode again everything between each span's start and the key frame before it
    (a quarter of a clip with x264's default of a key frame every 250 frames). Each span's frames are
    counted in its own ``stats``; decoding that stops (a damaged file) is recorded in the span it stopped in.
    ``t_s`` is the container's time, as :func:`read_frames` gives it for a span.

    Raises:
        SpanError: a frame without a timestamp, or the seek landed after the first span's first frame.
        ValueError: the spans do not follow one another.

    """
    if len(spans) != len(stats) or any(a.end_pts is None or a.end_pts != b.start_pts
                                      for a, b in itertools.pairwise(spans)):
        raise ValueError("read_spans takes consecutive spans, each with its own ReadStats")
    path = Path(path)
    container = _open(path)
    current = [0]  # the span being read, where a decoding error is recorded
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start, end = spans[0].start_pts, spans[-1].end_pts
        if start is not None:
            container.seek(start, stream=stream, backward=True, any_frame=False)
        first = True
        for frame in _decoded(container, path, lambda: stats[current[0]]):
            if frame.pts is None or frame.time is None:
                raise SpanError(f"{path}: a frame without a timestamp")
            if first and start is not None and frame.pts > start:
                raise SpanError(f"{path}: seeking landed after the span's first frame")
            first = False
            if start is not None and frame.pts < start:
                continue  # decoded from the key frame before the span only to reach it
            if end is not None and frame.pts >= end:
                break
            while current[0] + 1 < len(spans) and frame.pts >= cast(int, spans[current[0] + 1].start_pts):
                current[0] += 1
            stats[current[0]].frames += 1
            yield current[0], float(frame.time), _rgb(frame, turn)
    finally:
        container.close()


class VideoSink:
    """Write RGB frames to an H.264 / yuv420p MP4 that browsers and phones play, keeping each frame's time.

    Use as a context manager::

        with VideoSink(path, width, height, fps) as sink:
            sink.write(rgb, t_s)

    or, to draw straight into the frames the encoder takes, :meth:`new_frame` and :meth:`write_yuv`.

    Times are kept as given (variable frame rate is preserved). Odd sizes are cropped by one pixel, as
    yuv420p needs even dimensions. ``reproducible`` trades some speed for the same bytes on every machine.
    The file is written under a temporary name and renamed on success.
    """

    def __init__(self, path: str | os.PathLike[str], width: int, height: int, fps: float, crf: int = 23,
                 preset: str = "veryfast", reproducible: bool = False) -> None:
        self.path = Path(path)
        self.reproducible = reproducible
        self.width, self.height = width - width % 2, height - height % 2
        self.fps, self.crf, self.preset = fps, crf, preset
        # a name of this process's own, so two writers of the same file never trip over each other
        self._tmp = temp_beside(self.path)
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._last_pts = -1
        self.frames = 0
        # x264 runs in a thread of its own (it releases the GIL), so drawing the next frame overlaps encoding
        self._queue: queue.Queue[tuple[np.ndarray | av.VideoFrame, int] | None] = queue.Queue(maxsize=8)
        self._encoder: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> VideoSink:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container = av.open(str(self._tmp), mode="w", format="mp4")
        except (OSError, av.error.FFmpegError) as exc:
            raise OutputError(f"cannot write {self.path}: {_short(exc)}. Choose a folder you can write to.") from exc
        rate = Fraction(self.fps).limit_denominator(1001) if self.fps > 0 else Fraction(30)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
        stream.time_base = Fraction(1, 90000)
        stream.codec_context.time_base = Fraction(1, 90000)
        stream.options = {"crf": str(self.crf), "preset": self.preset, "movflags": "+faststart"}
        if self.reproducible:
            # x264's output depends on how many threads it runs: a fixed two slices give the same bytes on any
            # machine (rendered clips with exact truth must be the same everywhere)
            stream.codec_context.thread_count = 2
            stream.codec_context.thread_type = "SLICE"
        else:
            # x264's frame threads (all cores) use the cores better than the slice threads PyAV asks for by
            # default; their extra latency of a few frames does not matter when writing a file
            stream.codec_context.thread_count = 0
            stream.codec_context.thread_type = "FRAME"
        self._stream = stream
        self._encoder = threading.Thread(target=self._encode_loop, name="h264-encoder", daemon=True)
        self._encoder.start()
        return self

    def _encode_loop(self) -> None:
        assert self._container is not None and self._stream is not None
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining so the writer never blocks on a full queue
            picture, pts = item
            try:
                frame = picture if isinstance(picture, av.VideoFrame) else av.VideoFrame.from_ndarray(
                    picture, format="yuv420p")
                frame.pts, frame.time_base = pts, Fraction(1, 90000)
                self._container.mux(self._stream.encode(frame))
            except BaseException as exc:  # handed to the writer, which raises it in its own thread
                self._error = exc

    def write(self, rgb: np.ndarray, t_s: float) -> None:
        """Encode one RGB frame shown at ``t_s`` seconds."""
        if rgb.shape[0] != self.height or rgb.shape[1] != self.width:
            rgb = np.ascontiguousarray(rgb[: self.height, : self.width])
        # OpenCV's RGB to I420 is BT.601 limited range, what players assume of untagged video, and about 8x
        # faster than swscale; it also makes the copy the encoder thread owns, so the caller may reuse its buffer
        self._put(np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), dtype=np.uint8), t_s)

    def new_frame(self) -> tuple[av.VideoFrame, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """A fresh yuv420p frame of the sink's size, and its Y, U and V planes to draw in (see :meth:`write_yuv`)."""
        return new_yuv_frame(self.width, self.height)

    def write_yuv(self, frame: av.VideoFrame, t_s: float) -> None:
        """Encode a yuv420p frame of the sink's size (from :meth:`new_frame`) shown at ``t_s`` seconds.

        The frame is handed to the encoder thread as it is: do not change it afterwards. The colour tags of
        the first frame (matrix, primaries, transfer) are written into the video, so players show it as its
        source was meant to be shown.
        """
        if (frame.width, frame.height, frame.format.name) != (self.width, self.height, "yuv420p"):
            raise ValueError(f"write_yuv takes yuv420p frames of {self.width}x{self.height}, "
                             f"not {frame.format.name} {frame.width}x{frame.height}")
        if self.frames == 0 and self._stream is not None:  # the encoder opens on its first frame, after this
            context = self._stream.codec_context
            context.colorspace, context.color_primaries = frame.colorspace, frame.color_primaries
            context.color_trc, context.color_range = frame.color_trc, 1  # 1: limited ("MPEG") range
        self._put(frame, t_s)

    def _put(self, picture: np.ndarray | av.VideoFrame, t_s: float) -> None:
        assert self._container is not None and self._stream is not None, "use VideoSink as a context manager"
        if self._error is not None:
            raise OutputError(f"cannot write {self.path}: {_short(self._error)}") from self._error
        pts = max(round(t_s * 90000), self._last_pts + 1)
        self._last_pts = pts
        self._queue.put((picture, pts))
        self.frames += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._container is not None and self._stream is not None
        self._queue.put(None)
        if self._encoder is not None:
            self._encoder.join()
        failed = exc_type is not None or self._error is not None
        try:
            if not failed:
                self._container.mux(self._stream.encode(None))
        finally:
            self._container.close()
        if self._error is not None and exc_type is None:
            self._tmp.unlink(missing_ok=True)
            raise OutputError(f"cannot write {self.path}: {_short(self._error)}") from self._error
        if not failed:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
