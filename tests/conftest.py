"""Shared fixtures: where the shared real clips are, and a pose cache kept for the whole test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real_videos"
sys.path.insert(0, str(Path(__file__).parent))  # tests/factory.py


def real_clip(name: str) -> Path:
    """Path of a shared real clip; skips the test where ../shared/real_videos is absent."""
    path = REAL / name
    if not path.exists():
        pytest.skip(f"shared real clip {name} not found at {REAL} (the clips live beside the project, not in it)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Pose tracks go to a cache that lives as long as the user's (CI: a folder kept between test files).

    KNEEDRIVE_CACHE may be set by the caller to share one cache across runs; otherwise one cache is used for
    the whole session so each real clip is run through the model once.
    """
    if "KNEEDRIVE_CACHE" not in os.environ:
        os.environ["KNEEDRIVE_CACHE"] = str(ROOT / ".cache" / "test-tracks")
