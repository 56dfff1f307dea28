"""The compare page: two analysed clips (or two reps of one) side by side, synced at the knee-drive peak.

``GET /compare?a=CLIP&b=CLIP[&ra=REP&rb=REP][&slow=FACTOR]`` is a stable link: the first visit makes
compare.mp4, compare.png and compare.json from the two clips' saved analyses (their pose tracks: the model is
not run) into ``DATA/compare/<key>/``, later visits show them at once. The key covers the request and when each
analysis finished, so a clip analysed again is compared afresh. An athlete's page has the form that leads here.

The router uses the app's shared context (``request.app.state.kd``: the store and the templates).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from kneedrive_cv.errors import KneedriveError
from kneedrive_cv.web.store import Clip, Store

router = APIRouter()

_KEY = re.compile(r"^[0-9a-f]{20}$")
_CLIP_ID = re.compile(r"^[0-9a-f]{16}$")
_FILES = {"compare.mp4": "video/mp4", "compare.png": "image/png", "compare.json": "application/json"}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def compare_dir(store: Store) -> Path:
    """Where comparisons are kept, one folder per key."""
    return store.root / "compare"


def _done_clip(store: Store, clip_id: str, which: str) -> Clip:
    clip = store.clip(clip_id) if _CLIP_ID.match(clip_id or "") else None
    if clip is None:
        raise HTTPException(404, f"No such clip for {which}: it may have been deleted.")
    if clip.state != "done":
        raise HTTPException(409, f"{clip.original_name} ({which}) has not been analysed yet; compare it once it has.")
    return clip


def _key(a: Clip, b: Clip, reps: tuple[int, int] | None, slow: float) -> str:
    text = f"{a.id}|{a.finished_at}|{b.id}|{b.finished_at}|{reps}|{slow:g}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _make(store: Store, a: Clip, b: Clip, reps: tuple[int, int] | None, slow: float, folder: Path) -> None:
    """Load both saved analyses (no pose model) and write the comparison into ``folder``, whole or not at all."""
    from kneedrive_cv.output.compare import write_compare
    from kneedrive_cv.output.saved import load_saved

    with _locks_guard:
        lock = _locks.setdefault(folder.name, threading.Lock())
    with lock:
        if (folder / "compare.json").exists():
            return
        result_a = load_saved(store.results_dir(a.id), clip=store.clip_path(a))
        result_b = result_a if b.id == a.id else load_saved(store.results_dir(b.id), clip=store.clip_path(b))
        part = folder.with_name(f".{folder.name}.part")
        shutil.rmtree(part, ignore_errors=True)
        try:
            write_compare(result_a, result_b, part, reps=reps, slow=slow, names=(a.original_name, b.original_name))
            part.replace(folder)
        finally:
            shutil.rmtree(part, ignore_errors=True)


def _reps(ra: str, rb: str) -> tuple[int, int] | None:
    if not ra.strip() and not rb.strip():
        return None
    if not (ra.strip().isdigit() and rb.strip().isdigit()):
        raise HTTPException(400, "Give both rep numbers (as in each clip's rep table), or neither.")
    return int(ra), int(rb)


def _slow(text: str) -> float:
    try:
        slow = float(text or 1)
    except ValueError:
        raise HTTPException(400, f"Slow motion must be a number from 1 to 10, not {text!r}.") from None
    if not 1 <= slow <= 10:
        raise HTTPException(400, f"Slow motion must be from 1 (normal speed) to 10, not {slow:g}.")
    return slow


@router.get("/compare", response_class=HTMLResponse, name="compare_page")
async def compare_page(request: Request, a: str = "", b: str = "", ra: str = "", rb: str = "",
                       slow: str = "1") -> HTMLResponse:
    """Show two clips side by side with their pairs' numbers, making the comparison on the first visit."""
    kd = request.app.state.kd
    store: Store = kd.store
    clip_a, clip_b = _done_clip(store, a, "A"), _done_clip(store, b, "B")
    reps, factor = _reps(ra, rb), _slow(slow)
    key = _key(clip_a, clip_b, reps, factor)
    folder = compare_dir(store) / key
    if not (folder / "compare.json").exists():
        try:
            await run_in_threadpool(_make, store, clip_a, clip_b, reps, factor, folder)
        except KneedriveError as exc:
            raise HTTPException(422, str(exc)) from exc
    doc = json.loads((folder / "compare.json").read_text(encoding="utf-8"))
    return kd.templates.TemplateResponse(request, "compare.html", {
        "a": clip_a, "b": clip_b, "doc": doc, "key": key, "rows": _rows(doc), "clip_rows": _clip_rows(doc)})


@router.get("/compare/{key}/{name}", name="compare_file")
def compare_file(request: Request, key: str, name: str) -> FileResponse:
    """Serve a comparison's video (with HTTP range requests, so it can seek), picture or numbers."""
    store: Store = request.app.state.kd.store
    path = compare_dir(store) / key / name
    if not _KEY.match(key) or name not in _FILES or not path.is_file():
        raise HTTPException(404, "No such file.")
    return FileResponse(path, media_type=_FILES[name])


#: The numbers the page's table shows per pair, with their labels and units.
_SHOWN = (("score", "score", ""), ("peak_thigh_deg", "peak thigh", "°"), ("peak_knee_height", "knee height", ""),
          ("top_dorsiflexion_deg", "dorsiflexion", "°"), ("trunk_lean_deg", "trunk lean", "°"),
          ("body_line_deg", "body line", "°"))


def _num(value: Any, unit: str, signed: bool = False) -> str:
    if not isinstance(value, int | float):
        return "–"
    digits = 2 if abs(value) < 2 and unit == "" and not float(value).is_integer() else 0
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return (text.replace("+", "").replace("-", "") if float(text) == 0 else text) + unit


def _rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Per pair: its reps, its peak time in the video, and (label, A, B, B - A) for each number."""
    out = []
    for p in doc["pairs"]:
        va, vb = {"score": p["a"]["score"]} | p["a"]["metrics"], {"score": p["b"]["score"]} | p["b"]["metrics"]
        cells = [(label, _num(va.get(k), unit), _num(vb.get(k), unit), _num(p["delta"].get(k), unit, True))
                 for k, label, unit in _SHOWN if k in va or k in vb]
        out.append({"a": p["a"], "b": p["b"], "peak_s": p.get("video_peak_s"), "cells": cells})
    return out


def _clip_rows(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The clips' own numbers: cadence, its change over the set, mean score (A, B, B - A)."""
    a, b, d = doc["a"], doc["b"], doc["clip_delta"]
    rows = [("cadence (steps/min)", "cadence_spm", ""), ("rhythm change over the set", "cadence_change_over_set", "%"),
            ("mean score", "mean_score", "")]
    out = []
    for label, key, unit in rows:
        scale = 100 if unit == "%" else 1
        va, vb, dv = (None if x is None else x * scale for x in (a.get(key), b.get(key), d.get(key)))
        out.append((label, _num(va, unit), _num(vb, unit), _num(dv, unit, True)))
    return out


__all__ = ["compare_dir", "router"]
