"""What gets installed: every package folder, and the pose model bundle, with nothing fetched at run time."""

from __future__ import annotations

import tomllib
from pathlib import Path

import kneedrive_cv
from kneedrive_cv.pose.mediapipe_backend import default_model_path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_for_installation() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    package_root = Path(kneedrive_cv.__file__).parent
    found = {"kneedrive_cv" + ".".join(["", *p.parent.relative_to(package_root).parts])
             for p in package_root.rglob("__init__.py")}
    assert found - listed == set()
    assert "kneedrive_cv.models" in listed


def test_the_model_bundle_installs_with_the_package() -> None:
    path = default_model_path()
    assert path.name == "pose_landmarker_full.task"
    assert path.stat().st_size > 9_000_000
    assert path.read_bytes()[:4] == b"PK\x03\x04"  # a .task is a zip of the detector and the landmark model
