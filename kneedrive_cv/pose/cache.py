"""A cache of pose tracks keyed by the clip's content and the model, so re-scoring never re-runs inference."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kneedrive_cv.errors import TrackFormatError
from kneedrive_cv.pose.track import TRACK_FORMAT_VERSION, PoseTrack, load_track, save_track

_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """``$KNEEDRIVE_CACHE``, else ``$XDG_CACHE_HOME/kneedrive_cv``, else ``~/.cache/kneedrive_cv``."""
    if os.environ.get("KNEEDRIVE_CACHE"):
        return Path(os.environ["KNEEDRIVE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kneedrive_cv"


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class TrackCache:
    """Tracks stored as ``<dir>/tracks/<content hash>-<model hash>.npz``."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def path_for(self, content_sha256: str, model_id: str) -> Path:
        """Where the track of this content and model lives."""
        model_key = hashlib.sha256(f"{model_id}|v{TRACK_FORMAT_VERSION}".encode()).hexdigest()[:12]
        return self.directory / "tracks" / f"{content_sha256[:32]}-{model_key}.npz"

    def get(self, content_sha256: str, model_id: str) -> PoseTrack | None:
        """The cached track, or ``None`` (a damaged entry counts as missing)."""
        path = self.path_for(content_sha256, model_id)
        if not path.exists():
            return None
        try:
            return load_track(path)
        except TrackFormatError:
            return None

    def put(self, content_sha256: str, model_id: str, track: PoseTrack) -> Path | None:
        """Store a track; a cache that cannot be written is skipped, never fatal."""
        try:
            return save_track(track, self.path_for(content_sha256, model_id))
        except OSError:
            return None
