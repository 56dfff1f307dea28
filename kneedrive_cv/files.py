"""Files written whole or not at all, and values made ready for JSON.

Every writer of the package (reports, summaries, pictures, video, truth files) goes through
:func:`atomic_path`: a temporary name beside the file's place, then a rename, so an interrupted run never
leaves a half-written file where a finished one belongs. :func:`json_ready` is the one JSON cleaner.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
from collections.abc import Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from kneedrive_cv.errors import OutputError


def temp_beside(path: Path) -> Path:
    """A hidden temporary name beside ``path``, of this process's own, keeping its suffix (encoders go by it)."""
    return path.with_name(f".{path.stem}.part-{os.getpid()}-{secrets.token_hex(3)}{path.suffix}")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces ``path`` when the block succeeds and is removed otherwise."""
    tmp = temp_beside(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write text (UTF-8) or bytes to ``path`` whole or not at all.

    Raises:
        OutputError: the file cannot be written.

    """
    path = Path(path)
    try:
        with atomic_path(path) as tmp:
            if isinstance(data, str):
                tmp.write_text(data, encoding="utf-8")
            else:
                tmp.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}. "
                          "Choose an output folder you can write to.") from exc
    return path


def json_ready(value: Any) -> Any:
    """A value as plain JSON: enums by value, numpy scalars as Python numbers, NaN and infinities as ``None``.

    Mappings and sequences are converted item by item (keys become text); anything else (a path) becomes text.
    """
    if isinstance(value, Enum):
        return json_ready(value.value)
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
