"""Receiving an uploaded clip safely: streamed to disk under a generated name, size-limited, checked by decoding.

The request body is parsed as it arrives (never held in memory whole); the file part goes to
``DATA/incoming/<random>.part`` and the upload is refused with :class:`UploadTooLarge` as soon as it passes
the limit. The client's filename is kept only as text to show, never used as a path. A file that is kept
must open as a video and give a first frame; anything refused is deleted before the error is raised.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, cast

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from kneedrive_cv.errors import VideoError
from kneedrive_cv.video import VideoInfo, probe, read_frames, stream_end_s

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

#: Text fields of the form are small; anything longer is refused.
MAX_FIELD_BYTES = 16 * 1024
#: The form has a handful of text fields: more of them, or more text in all, is refused as soon as it arrives.
MAX_FIELDS = 16
MAX_FIELDS_TOTAL_BYTES = 64 * 1024
#: A part's headers (its name, filename and type) fit in this; longer ones are refused.
MAX_HEADER_BYTES = 8 * 1024
#: Room for the multipart headers and text fields beside the file when the body length is checked early.
FORM_OVERHEAD_BYTES = 64 * 1024
#: A clip whose pictures stop before this share of the duration its header states is refused as cut short
#: (when the missing part is also longer than ``MISSING_S``).
COMPLETE_SHARE = 0.9
MISSING_S = 0.5
#: The stored extension, from the container FFmpeg recognised (never from the client's filename).
_EXTENSIONS = {"mov,mp4,m4a,3gp,3g2,mj2": ".mp4", "avi": ".avi", "matroska,webm": ".mkv", "mpegts": ".ts",
               "flv": ".flv", "asf": ".wmv", "mpeg": ".mpg", "ogg": ".ogv"}


class UploadError(Exception):
    """An upload refused, with a message for the page and an HTTP status."""

    status = 400


class UploadTooLarge(UploadError):
    """The upload is over the size limit."""

    status = 413


@dataclass
class Received:
    """An upload on disk (not yet checked) and the form's text fields."""

    path: Path | None = None
    filename: str = ""
    size: int = 0
    complete: bool = False
    fields: dict[str, str] = field(default_factory=dict)


def display_name(filename: str) -> str:
    """Reduce the client's filename to a short base name, for display only."""
    base = PureWindowsPath(PurePosixPath(filename.replace("\x00", "")).name).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[-120:] if base.strip(".") else "clip"


class _Parts:
    """Callbacks of the streaming multipart parser: files to disk, text fields to memory."""

    def __init__(self, incoming_dir: Path, max_bytes: int, file_field: str) -> None:
        self.incoming_dir, self.max_bytes, self.file_field = incoming_dir, max_bytes, file_field
        self.received = Received()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._buffer = bytearray()
        self._file: Any = None
        self._n_fields = 0
        self._field_bytes = 0
        self._header_bytes = 0

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self._part_begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value_cb, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end}

    def _part_begin(self) -> None:
        self._headers, self._header_name, self._header_value = {}, b"", b""
        self._buffer = bytearray()
        self._file = None
        self._header_bytes = 0

    def _count_header(self, n: int) -> None:
        self._header_bytes += n
        if self._header_bytes > MAX_HEADER_BYTES:
            raise UploadError("A part of the form has headers too long to be a browser's upload.")

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            self._n_fields += 1
            if self._n_fields > MAX_FIELDS:
                raise UploadError(f"The form has too many form fields (more than {MAX_FIELDS}).")
            return
        if self._name != self.file_field or self.received.path is not None:
            raise UploadError(f"Unexpected file field {self._name!r}: send one video in the {self.file_field!r} field.")
        self.received.filename = display_name(options[b"filename"].decode("utf-8", "replace"))
        self.received.path = self.incoming_dir / f"{secrets.token_hex(12)}.part"
        self._file = self.received.path.open("xb")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self.received.size += end - start
            if self.received.size > self.max_bytes:
                raise UploadTooLarge(too_large_message(self.max_bytes))
            self._file.write(data[start:end])
        else:
            self._buffer += data[start:end]
            self._field_bytes += end - start
            if len(self._buffer) > MAX_FIELD_BYTES:
                raise UploadError(f"The form field {self._name[:40]!r} is too long.")
            if self._field_bytes > MAX_FIELDS_TOTAL_BYTES:
                raise UploadError(f"The form fields are too long ({MAX_FIELDS_TOTAL_BYTES // 1024} kB in all at most).")

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self.received.complete = True
        elif self._name:
            self.received.fields[self._name] = self._buffer.decode("utf-8", "replace")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def too_large_message(max_bytes: int) -> str:
    """Say what a coach reads when a clip is over the limit."""
    return (f"The clip is larger than this server accepts ({max_bytes / 1e6:.0f} MB). Trim it to the drill, "
            "or start the server with a larger --max-upload-mb.")


async def receive(chunks: AsyncIterator[bytes], content_type: str, content_length: str | None, *,
                  incoming_dir: Path, max_bytes: int, file_field: str = "video") -> Received:
    """Stream a multipart/form-data body: the file part to ``incoming_dir``, the text fields to a dict.

    Raises:
        UploadTooLarge: the declared or received size is over ``max_bytes`` (the partial file is deleted).
        UploadError: not a multipart form, a malformed body, or no file in it.

    """
    ctype, options = parse_options_header(content_type)
    if ctype != b"multipart/form-data" or b"boundary" not in options:
        raise UploadError("Expected a form upload (multipart/form-data) with a video file.")
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + FORM_OVERHEAD_BYTES:
        raise UploadTooLarge(too_large_message(max_bytes))
    parts = _Parts(incoming_dir, max_bytes, file_field)
    parser = MultipartParser(options[b"boundary"], parts.callbacks())
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        discard(parts.received, parts)
        raise UploadError(f"The upload was cut short or malformed ({exc}). Try again.") from exc
    except BaseException:
        discard(parts.received, parts)
        raise
    parts.close()
    if parts.received.path is not None and not parts.received.complete:
        discard(parts.received, parts)
        raise UploadError("The upload was cut short before the end of the file. Try again.")
    if parts.received.path is None or parts.received.size == 0:
        discard(parts.received, parts)
        raise UploadError("No video was chosen: pick a clip (an .mp4 or .mov from the phone) and upload again.")
    return parts.received


def discard(received: Received, parts: _Parts | None = None) -> None:
    """Delete what was received of an upload."""
    if parts is not None:
        parts.close()
    if received.path is not None:
        received.path.unlink(missing_ok=True)


def check_video(path: Path, filename: str) -> tuple[VideoInfo, str]:
    """Probe the file and decode its first frame; return its info and the extension to store it under.

    Raises:
        UploadError: the file is not a video that can be decoded (the message names the client's filename).

    """
    try:
        info = probe(path)
        frames = cast(Generator[tuple[float, Any], None, None], read_frames(path))
        try:
            next(frames)
        finally:
            frames.close()
    except (VideoError, StopIteration) as exc:
        raise UploadError(f"{filename!r} is not a video that can be read: expected a clip such as the .mp4 or "
                          ".mov a phone records. Nothing was kept; choose another file.") from exc
    if info.duration_s <= 0 and info.n_frames <= 1:
        raise UploadError(f"{filename!r} holds a single picture, not a clip. Nothing was kept; choose a video.")
    end_s = stream_end_s(path)
    if end_s is not None and end_s < COMPLETE_SHARE * info.duration_s and info.duration_s - end_s > MISSING_S:
        raise UploadError(f"{filename!r} is cut short: its pictures stop at {end_s:.1f} s of the "
                          f"{info.duration_s:.1f} s the file says it lasts (a copy or upload that did not finish). "
                          "Nothing was kept; copy the whole clip from the phone and upload it again.")
    return info, _EXTENSIONS.get(info.container, ".video")
