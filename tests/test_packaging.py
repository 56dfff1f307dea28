"""What gets installed: every package folder, and the pose model bundle, with nothing fetched at run time."""

from __future__ import annotations

import tomllib
from pathlib import Path

import kneedrive_cv
from kneedrive_cv.pose.mediapipe_backend import default_model_path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_for_installation() -> None:
    """Every folder of the package, code or data (templates, static files): setuptools treats any folder under a
    package as one and leaves an unlisted one's files out of the wheel in later releases (it warns so now)."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    package_root = Path(kneedrive_cv.__file__).parent
    folders = [package_root, *(p for p in package_root.rglob("*") if p.is_dir() and p.name != "__pycache__")]
    found = {"kneedrive_cv" + ".".join(["", *p.relative_to(package_root).parts]) for p in folders}
    assert {"kneedrive_cv.web.templates", "kneedrive_cv.web.static", "kneedrive_cv.output.templates"} <= found
    assert found - listed == set()
    assert "kneedrive_cv.models" in listed


def test_the_model_bundle_installs_with_the_package() -> None:
    path = default_model_path()
    assert path.name == "pose_landmarker_full.task"
    assert path.stat().st_size > 9_000_000
    assert path.read_bytes()[:4] == b"PK\x03\x04"  # a .task is a zip of the detector and the landmark model
