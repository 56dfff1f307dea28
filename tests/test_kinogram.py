"""Kinogram: one tile per rep at its peak, laid out in rows, each headed by its score's colour."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import real_clip
from overlay_helpers import STYLE, synthetic_clip

from kneedrive_cv.analysis import AnalysisResult, analyse
from kneedrive_cv.output.annotators import Style
from kneedrive_cv.output.kinogram import MAX_COLS, Layout, render_kinogram


def read_png(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def check_sheet(result: AnalysisResult, path: Path) -> None:
    """Size as laid out, and each tile's header carries its rep's score colour and side colour."""
    image = read_png(path)
    lay = Layout.of(len(result.reps), Style(scale=1.35))
    assert (image.shape[1], image.shape[0]) == lay.size
    assert lay.cols == min(len(result.reps), MAX_COLS) and lay.rows == -(-len(result.reps) // MAX_COLS)
    for k, rep in enumerate(result.reps):
        x, y = lay.origin(k)
        band = image[y:y + lay.tile_h // 6, x:x + lay.tile_w].astype(int)
        score = np.all(np.abs(band - STYLE.score(rep.score)) <= 3, axis=2)
        assert score.sum(axis=1).max() >= 0.9 * lay.tile_w, f"rep {rep.index}: no full-width score line"
        side = np.all(np.abs(band - STYLE.side(rep.side)) <= 40, axis=2)
        assert side.sum() > 20, f"rep {rep.index}: side not written in its colour"


def test_kinogram_of_a_synthetic_clip(tmp_path: Path) -> None:
    clip, track, _ = synthetic_clip(tmp_path)
    result = analyse(clip, drill="high_knees", track=track, cache=None)
    assert len(result.reps) > MAX_COLS  # seven complete drives: wraps onto a second row
    out = render_kinogram(result, tmp_path / "kinogram.png")
    assert out == tmp_path / "kinogram.png" and out.exists()
    check_sheet(result, out)
    assert not list(tmp_path.glob(".*part*")), "temporary file left behind"


def test_no_reps_no_kinogram(tmp_path: Path) -> None:
    clip, track, _ = synthetic_clip(tmp_path)
    result = dataclasses.replace(analyse(clip, drill="high_knees", track=track, cache=None), score=None)
    assert result.reps == ()
    assert render_kinogram(result, tmp_path / "kinogram.png") is None
    assert not (tmp_path / "kinogram.png").exists()


@pytest.mark.real
@pytest.mark.model
def test_kinogram_of_real_high_knees(tmp_path: Path) -> None:
    result = analyse(real_clip("high_knees_side_gym_60fps.mp4"))
    assert len(result.reps) > MAX_COLS  # wraps onto more than one row
    out = render_kinogram(result, tmp_path / "kinogram.png")
    assert out is not None
    check_sheet(result, out)


def test_the_title_of_a_one_rep_sheet_fits_its_width() -> None:
    """A hold's sheet is one tile wide; its title ("Isometric hip-flexion hold: 1 rep, mean score 100") ran off the
    right edge at the usual size. It is drawn smaller where it would not fit, and keeps the sheet's margin."""
    from kneedrive_cv.output.kinogram import _sheet

    style = Style(scale=1.35)  # the sheet's own
    lay = Layout.of(1, style)
    tile = np.zeros((lay.tile_h, lay.tile_w, 3), np.uint8)
    sheet = _sheet([tile], "Isometric hip-flexion hold: 1 rep, mean score 100", style)
    band = sheet[:lay.head].astype(int)
    inked = np.flatnonzero((np.abs(band - np.array(style.panel)).max(axis=2) > 40).any(axis=0))
    assert len(inked) and inked[0] >= lay.gap - 1 and inked[-1] <= sheet.shape[1] - lay.gap
    assert inked[-1] >= 0.7 * sheet.shape[1]  # shrunk to fit, not to nothing
