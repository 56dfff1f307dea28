"""Reading video honestly: timestamps, orientation, formats, bad input. Writing H.264."""

from __future__ import annotations

import contextlib
import os
import struct
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import real_clip

from kneedrive_cv.errors import VideoError
from kneedrive_cv.output.canvas import matrix_of
from kneedrive_cv.video import (
    ReadStats,
    VideoSink,
    YuvPicture,
    filmed_on,
    probe,
    read_ahead,
    read_frames,
    read_yuv,
    upright,
)

# (file, displayed width, displayed height, frames)
REAL_CLIPS = [
    ("high_knees_side_gym_60fps.mp4", 1280, 720, 400),
    ("gaitlab_male_side_treadmill.mp4", 720, 1280, 360),
    ("sprint_start_side_track_a1.mp4", 1280, 720, 228),
    ("sprint_maxvel_side_track.mp4", 1680, 720, 185),
    ("sports2d_walk_jumpingjacks_backlit.mp4", 1768, 994, 230),
    ("jumping_jacks_front_gym_60fps.mp4", 1280, 720, 360),
    ("walking_side_gym_wall.mp4", 1280, 720, 401),
    ("treadmill_side_lab_markers_480p.mp4", 480, 360, 949),
    ("pose2sim_lab_markers_oblique_cam01.mp4", 1080, 1920, 100),
    ("multi_person_walking_elevated_vtest.avi", 768, 576, 795),
    ("jogging_front_portrait.mp4", 1080, 1920, 85),
    ("running_side_panning_field_short.mp4", 480, 352, 47),
]


@pytest.mark.real
@pytest.mark.parametrize("name, width, height, frames", REAL_CLIPS)
def test_every_real_clip_decodes_upright_with_increasing_timestamps(name: str, width: int, height: int,
                                                                    frames: int) -> None:
    path = real_clip(name)
    info = probe(path)
    assert (info.width, info.height) == (width, height)
    stats = ReadStats()
    times, shapes = [], set()
    for t, rgb in read_frames(path, stats):
        times.append(t)
        shapes.add(rgb.shape)
    assert stats.frames == frames and not stats.truncated
    assert shapes == {(height, width, 3)}
    assert times[0] == 0.0 and np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx(info.duration_s, abs=2.5 / info.fps)


@pytest.mark.real
def test_variable_frame_rate_timestamps_are_not_index_over_fps() -> None:
    path = real_clip("sprint_start_side_track_a1.mp4")
    info = probe(path)
    t = np.array([t for t, _ in read_frames(path)])
    naive = np.arange(len(t)) / info.fps  # nominal 29.967 fps, but the frames are not evenly spaced
    assert np.max(np.abs(t - naive)) > 1e-4
    steps = np.diff(t)
    assert steps.max() - steps.min() > 0.001  # at least one frame lasts over a millisecond longer
    assert len(np.unique(np.round(steps, 4))) > 1


def _rgb_of(picture: YuvPicture) -> np.ndarray:
    """The picture as RGB, by its own colour matrix (limited range), chroma upsampled by repetition."""
    h, w = picture.y.shape
    u, v = (np.repeat(np.repeat(p, 2, axis=0), 2, axis=1)[:h, :w] for p in (picture.u, picture.v))
    yuv = np.dstack([picture.y, u, v]).astype(np.float64) - np.array([16.0, 128.0, 128.0])
    rgb = yuv @ np.linalg.inv(matrix_of(picture.colorspace).coefficients).T
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


@pytest.mark.real
@pytest.mark.parametrize("name", ["high_knees_side_gym_60fps.mp4", "gaitlab_male_side_treadmill.mp4",
                                  "sprint_start_side_track_a1.mp4"])
def test_yuv_planes_are_the_same_frames_at_the_same_times(name: str) -> None:
    """What the overlay reads: the decoder's planes, the same frames, times and pictures as read_frames."""
    path = real_clip(name)
    rgb = list(read_frames(path))
    yuv = list(read_yuv(path))
    assert [t for t, _ in yuv] == [t for t, _ in rgb]
    for (_, picture), (_, reference) in list(zip(yuv, rgb, strict=True))[::25]:
        h, w = reference.shape[:2]
        assert picture.y.shape == (h, w) and picture.u.shape == picture.v.shape == ((h + 1) // 2, (w + 1) // 2)
        assert not picture.y.flags.writeable, "the decoder's own memory is read only"
        assert np.abs(_rgb_of(picture).astype(int) - reference).mean() < 2.5


def test_upright_applies_display_rotation() -> None:
    img = np.zeros((4, 6, 3), np.uint8)
    img[0, 0] = 255  # top-left marker
    assert upright(img, 0) is img
    turned = upright(img, 270)  # phone held upright: display matrix -90 (= 270) turns the picture clockwise
    assert turned.shape == (6, 4, 3)
    assert turned[0, -1, 0] == 255  # top-left moved to top-right: a clockwise quarter turn
    assert upright(img, 90)[-1, 0, 0] == 255  # counter-clockwise: top-left to bottom-left
    assert upright(img, 180)[-1, -1, 0] == 255


def _set_display_matrix(path: Path, matrix: tuple[int, ...]) -> None:
    """Patch the MP4 track header's display matrix in place (what a phone writes for portrait video)."""
    data = bytearray(path.read_bytes())
    i = data.find(b"tkhd")
    version = data[i + 4]
    off = i + 8 + (8 + 8 + 4 + 4 + 8 if version == 1 else 4 + 4 + 4 + 4 + 4) + 8 + 8
    assert struct.unpack(">9i", data[off:off + 36])[0] == 0x10000, "identity matrix expected before patching"
    data[off:off + 36] = struct.pack(">9i", *matrix)
    path.write_bytes(bytes(data))


def test_rotated_phone_clip_comes_out_portrait(tmp_path: Path) -> None:
    """A landscape-encoded clip with the display matrix an iPhone writes when held upright."""
    path = tmp_path / "phone.mp4"
    with VideoSink(path, 64, 48, 30.0) as sink:
        for i in range(10):
            frame = np.zeros((48, 64, 3), np.uint8)
            frame[:8, :8] = 255  # marker in the encoded picture's top-left corner
            sink.write(frame, i / 30)
    _set_display_matrix(path, (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000))
    info = probe(path)
    assert (info.width, info.height, info.rotation_deg) == (48, 64, 270)
    assert info.portrait
    _, rgb = next(iter(read_frames(path)))
    assert rgb.shape == (64, 48, 3)
    rows, cols = np.argwhere(rgb[:, :, 0] > 128).mean(axis=0)
    assert rows < 8 and cols > 40  # turned clockwise, as the phone showed it: marker now top-right
    _, picture = next(iter(read_yuv(path)))  # the planes are turned the same way
    assert picture.y.shape == (64, 48) and picture.u.shape == (32, 24)
    rows, cols = np.argwhere(picture.y > 128).mean(axis=0)
    assert rows < 8 and cols > 40


def _remux_with_creation_time(source: Path, path: Path, creation_time: str) -> Path:
    """Copy ``source``'s video packets into ``path`` with the recording time a phone writes in the container."""
    with av.open(str(source)) as src, av.open(str(path), "w") as out:
        out.metadata["creation_time"] = creation_time
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return path


@pytest.mark.parametrize(("creation_time", "expected_from"), [
    ("2024-05-01T12:00:00.000000Z", "container"),  # noon UTC: the same day in any time zone
    ("1970-01-01T00:00:00.000000Z", "file"),  # a muxer's zero, not a recording time
    (None, "file"),
])
def test_the_date_filmed_is_the_containers_recording_time_else_the_files(tmp_path: Path, creation_time: str | None,
                                                                         expected_from: str) -> None:
    plain = tmp_path / "plain.mp4"
    with VideoSink(plain, 64, 48, 30.0) as sink:
        for i in range(5):
            sink.write(np.zeros((48, 64, 3), np.uint8), i / 30)
    path = plain if creation_time is None else _remux_with_creation_time(plain, tmp_path / "phone.mp4", creation_time)
    os.utime(path, (1_580_000_000, 1_583_000_000))  # modified 2020-02-29 or 03-01 (by time zone)
    day, source = filmed_on(path)
    assert source == expected_from
    assert day == ("2024-05-01" if expected_from == "container" else
                   datetime.fromtimestamp(1_583_000_000).date().isoformat())


def test_written_h264_keeps_every_frame_and_time(tmp_path: Path) -> None:
    times = np.cumsum(np.r_[0, np.random.default_rng(1).uniform(0.02, 0.05, 39)])  # variable frame rate
    out = tmp_path / "vfr.mp4"
    with VideoSink(out, 65, 49, 30.0) as sink:  # odd sizes are cropped to even for yuv420p
        for t in times:
            sink.write(np.full((49, 65, 3), 128, np.uint8), float(t))
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        got = [(f.time, f.format.name, f.width, f.height) for f in c.decode(s)]
    assert len(got) == len(times)
    assert {g[1:] for g in got} == {("yuv420p", 64, 48)}
    assert np.allclose([g[0] for g in got], times, atol=1e-3)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"this is not a video\n", "not a video"),
])
def test_bad_files_raise_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoError, match=message):
        probe(path)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="no such file"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(VideoError, match="folder"):
        probe(tmp_path)


def test_an_image_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    with av.open(str(path), "w", format="image2") as c:
        s = c.add_stream("png", rate=1)
        s.width, s.height, s.pix_fmt = 16, 16, "rgb24"
        c.mux(s.encode(av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")))
        c.mux(s.encode(None))
    with pytest.raises(VideoError, match="still image"):
        probe(path)


@pytest.mark.real
def test_truncated_clip_yields_the_frames_before_the_damage(tmp_path: Path) -> None:
    src = real_clip("high_knees_side_gym_60fps.mp4")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(src.read_bytes()[:300_000])
    stats = ReadStats()
    n = sum(1 for _ in read_frames(cut, stats))
    assert 0 < n < 400
    assert stats.truncated


def test_reader_releases_the_file_when_the_caller_stops_early(tmp_path: Path) -> None:
    path = tmp_path / "short.mp4"
    with VideoSink(path, 32, 32, 30.0) as sink:
        for i in range(30):
            sink.write(np.zeros((32, 32, 3), np.uint8), i / 30)
    gen = read_frames(path)
    next(gen)
    assert _open_descriptors(path)  # else the check below proves nothing
    gen.close()  # runs the reader's finally: the container is closed
    assert not _open_descriptors(path)


def _open_descriptors(path: Path) -> list[str]:
    """This process's file descriptors open on ``path`` (unlinking an open file succeeds on Linux: no test)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("no /proc/self/fd to list open files")
    found = []
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            if Path(os.readlink(fd)) == path.resolve():
                found.append(fd.name)
    return found


@pytest.mark.parametrize("suffix, container, codec, pix_fmt", [
    (".mov", "mov", "libx264", "yuv420p"),        # an iPhone's container
    (".mp4", "mp4", "libx265", "yuv420p"),        # HEVC, as newer phones record
    (".avi", "avi", "mjpeg", "yuvj420p"),         # MJPEG AVI from cameras and old phones
    (".webm", "webm", "libvpx-vp9", "yuv420p"),   # VP9
    (".mov", "mov", "prores_ks", "yuv422p10le"),  # ProRes from an editing suite
])
def test_phone_and_camera_formats_read_with_their_times(tmp_path: Path, suffix: str, container: str, codec: str,
                                                         pix_fmt: str) -> None:
    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg build has no {codec} encoder to make the test clip")
    path = tmp_path / f"clip{suffix}"
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format=container) as c:
        s = c.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, pix_fmt
        for i in range(12):
            frame = av.VideoFrame.from_ndarray((rng.random((48, 64, 3)) * 255).astype(np.uint8), format="rgb24")
            frame.pts = i
            c.mux(s.encode(frame.reformat(format=pix_fmt)))
        c.mux(s.encode(None))
    info = probe(path)
    assert (info.width, info.height) == (64, 48) and info.fps == pytest.approx(25.0)
    times = [t for t, rgb in read_frames(path) if rgb.shape == (48, 64, 3)]
    assert len(times) == 12
    assert np.allclose(np.diff(times), 0.04, atol=1e-3)
    # as planes: full range, 4:2:2 and 10 bits come out as limited-range yuv420p, the same pictures
    for (t, picture), (t_rgb, rgb) in zip(read_yuv(path), read_frames(path), strict=True):
        assert t == t_rgb and picture.y.dtype == np.uint8 and picture.u.shape == (24, 32)
        yuv = matrix_of(picture.colorspace).yuv(rgb)
        assert np.abs(picture.y - yuv[..., 0]).mean() < 2
        for k, plane in ((1, picture.u), (2, picture.v)):  # over 4 x 4 pixels, whatever filter halved the chroma
            blocks = plane.reshape(12, 2, 16, 2).mean(axis=(1, 3))
            assert np.abs(blocks - yuv[..., k].reshape(12, 4, 16, 4).mean(axis=(1, 3))).mean() < 2


def test_an_encoder_failure_is_raised_and_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kneedrive_cv.errors import OutputError

    out = tmp_path / "broken.mp4"
    with pytest.raises(OutputError, match="cannot write"), VideoSink(out, 32, 32, 30.0) as sink:
        def explode(frame: object = None) -> list[object]:
            raise av.error.ValueError(22, "encoder broke")

        monkeypatch.setattr(sink, "_stream", type("S", (), {"encode": staticmethod(explode)})())
        for i in range(20):
            sink.write(np.zeros((32, 32, 3), np.uint8), i / 30)
    assert not out.exists()
    assert not list(tmp_path.glob(".broken*"))


def _whole_and_spans(path: Path, count: int) -> tuple[list[tuple[float, int]], list[tuple[float, int]], int]:
    """(time, pixel checksum) of every frame read whole, and read span by span (times from the first frame)."""
    from kneedrive_cv.video import plan_spans

    whole = [(t, int(rgb.sum(dtype=np.int64))) for t, rgb in read_frames(path)]
    spans = plan_spans(path, count)
    assert spans is not None and len(spans) == count
    parts = [[(t, int(rgb.sum(dtype=np.int64))) for t, rgb in read_frames(path, span=s)] for s in spans]
    joined = [f for part in parts for f in part]
    t0 = joined[0][0]
    return whole, [(t - t0, s) for t, s in joined], min(len(p) for p in parts)


@pytest.mark.real
@pytest.mark.parametrize("name", ["high_knees_side_gym_60fps.mp4", "gaitlab_male_side_treadmill.mp4",
                                  "sprint_start_side_track_a1.mp4", "treadmill_side_lab_markers_480p.mp4"])
def test_spans_read_every_frame_exactly_once(name: str) -> None:
    # the pose model runs the spans of a clip on several cores at once: together they must be the clip,
    # frame for frame (portrait rotation, variable frame rate and B-frames included)
    whole, joined, shortest = _whole_and_spans(real_clip(name), 4)
    assert len(joined) == len(whole)
    assert [s for _, s in joined] == [s for _, s in whole]
    assert np.allclose([t for t, _ in joined], [t for t, _ in whole], atol=1e-9)
    assert shortest >= len(whole) // 4 - 1


def test_spans_of_a_clip_with_b_frames_and_uneven_timing(tmp_path: Path) -> None:
    path = tmp_path / "vfr.mp4"
    times = np.cumsum(np.r_[0, np.where(np.arange(239) % 7 == 3, 0.05, 1 / 30)])  # some frames held longer
    rng = np.random.default_rng(1)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.codec_context.time_base = stream.time_base = Fraction(1, 90000)
        stream.options = {"bf": "3", "g": "25", "preset": "ultrafast"}
        for i, t in enumerate(times):
            image = (rng.random((64, 96, 3)) * 40 + i % 200).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = round(t * 90000), Fraction(1, 90000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    whole, joined, _ = _whole_and_spans(path, 3)
    assert len(whole) == 240
    assert [s for _, s in joined] == [s for _, s in whole]
    assert np.allclose([t for t, _ in joined], [t for t, _ in whole], atol=1e-9)
    assert np.allclose([t for t, _ in whole], times - times[0], atol=1e-4)


def test_consecutive_spans_read_in_one_pass_give_each_span_its_frames(tmp_path: Path) -> None:
    from kneedrive_cv.video import ReadStats, plan_spans, read_spans

    # a key frame every 100 frames, spans of 60: read one by one, each span after the first decodes from the
    # key frame before it; read together they are decoded once, each frame given to its own span
    path = tmp_path / "gop.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"g": "100", "keyint_min": "100", "sc_threshold": "0", "bf": "2", "preset": "ultrafast"}
        for i in range(240):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 250, np.uint8), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    spans = plan_spans(path, 4)
    assert spans is not None and len(spans) == 4
    alone = [[(t, int(rgb.sum(dtype=np.int64))) for t, rgb in read_frames(path, span=s)] for s in spans]
    for group in (spans, spans[1:3], spans[2:]):
        stats = [ReadStats() for _ in group]
        together: list[list[tuple[float, int]]] = [[] for _ in group]
        for k, t, rgb in read_spans(path, group, stats):
            together[k].append((t, int(rgb.sum(dtype=np.int64))))
        first = spans.index(group[0])
        assert together == alone[first:first + len(group)]
        assert [s.frames for s in stats] == [len(a) for a in alone[first:first + len(group)]] == [60] * len(group)
    with pytest.raises(ValueError, match="consecutive"):
        list(read_spans(path, [spans[0], spans[2]], [ReadStats(), ReadStats()]))
    with pytest.raises(ValueError, match="consecutive"):
        list(read_spans(path, spans[:2], [ReadStats()]))


def test_a_clip_that_cannot_be_split_is_read_whole(tmp_path: Path) -> None:
    from kneedrive_cv.video import Span, SpanError, plan_spans

    path = tmp_path / "short.mp4"
    with VideoSink(path, 64, 64, 30.0) as sink:
        for i in range(5):
            sink.write(np.full((64, 64, 3), i * 40, np.uint8), i / 30)
    assert plan_spans(path, 4) is None  # too few frames for four spans
    assert plan_spans(path, 1) is None
    # a span whose start the seek cannot reach exactly is refused, so the caller reads the clip whole
    with pytest.raises(SpanError):
        list(read_frames(path, span=Span(-1000, None)))


def test_reading_chosen_frames_gives_the_same_pictures(tmp_path: Path) -> None:
    from kneedrive_cv.video import read_frames_at

    path = tmp_path / "count.mp4"
    with VideoSink(path, 64, 48, 30.0) as sink:
        for i in range(40):
            sink.write(np.full((48, 64, 3), 5 * i, np.uint8), i / 30)
    every = [rgb for _, rgb in read_frames(path)]
    chosen = dict(read_frames_at(path, {0, 7, 8, 39, 55}))  # 55 is past the end: not there, no error
    assert sorted(chosen) == [0, 7, 8, 39]
    for i, rgb in chosen.items():
        assert np.array_equal(rgb, every[i])
    assert dict(read_frames_at(path, set())) == {}


def test_read_ahead_keeps_order_raises_and_stops_its_source() -> None:
    assert [t for t, _ in read_ahead(iter([(float(k), np.zeros(1)) for k in range(50)]))] == list(range(50))

    def failing():  # type: ignore[no-untyped-def]
        yield 0.0, np.zeros(1)
        raise ValueError("damaged")

    with pytest.raises(ValueError, match="damaged"):
        list(read_ahead(failing()))
    closed = []

    def endless():  # type: ignore[no-untyped-def]
        try:
            k = 0
            while True:
                yield float(k), np.zeros(1)
                k += 1
        finally:
            closed.append(True)

    gen = read_ahead(endless())
    assert next(gen)[0] == 0.0
    gen.close()
    assert closed == [True]
