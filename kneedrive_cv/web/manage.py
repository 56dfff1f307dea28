"""What a coach changes after an upload: score a clip again, and rename, merge or delete an athlete.

Re-scoring (another drill, the coach's own thresholds) queues the clip again with the new choice; its pose
is cached, so only the scoring is done again, at once, and the overlay video is redrawn afterwards (see
:mod:`kneedrive_cv.web.jobs`). A coach's thresholds file (the layout
of ``kneedrive drills``, only the changes) is checked before anything changes and kept in the clip's folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from kneedrive_cv.errors import ConfigError
from kneedrive_cv.files import write_atomic
from kneedrive_cv.scoring.drills import load_drills
from kneedrive_cv.web import safety
from kneedrive_cv.web.pages import clip_or_404, context_of, remove_clip
from kneedrive_cv.web.store import THRESHOLDS_NAME, Store

router = APIRouter()
#: A thresholds file is a short TOML text.
MAX_THRESHOLDS_BYTES = 32 * 1024
#: Longest athlete name.
MAX_NAME_CHARS = 80


@router.post("/clips/{clip_id}/rescore", name="rescore")
async def rescore(request: Request, clip_id: str) -> RedirectResponse:
    """Score a finished clip again with another drill and/or thresholds file (or the shipped thresholds)."""
    kd = context_of(request)
    clip = clip_or_404(kd.store, clip_id)
    form = await safety.small_form(request, max_bytes=MAX_THRESHOLDS_BYTES + safety.SMALL_FORM_BYTES, max_files=1)
    if not clip.finished:
        raise HTTPException(409, "This clip is still being analysed; score it again once it has finished.")
    drill = str(form.get("drill") or clip.drill_requested)
    if drill not in kd.drills:
        raise HTTPException(400, f"Unknown drill {drill!r}: choose one of {', '.join(kd.drills)}.")
    upload = form.get("thresholds")
    thresholds = clip.thresholds
    if isinstance(upload, UploadFile) and upload.filename:
        text = await upload.read(MAX_THRESHOLDS_BYTES + 1)
        thresholds = _keep_thresholds(kd.store.clip_dir(clip.id), text, upload.filename)
    elif form.get("shipped"):
        thresholds = None
    kd.store.set_scoring(clip.id, drill, thresholds)
    kd.store.mark_queued(clip.id)
    kd.runner.rescore(clip.id)  # new scores in a second or two; the overlay video is redrawn after them
    return RedirectResponse(str(request.url_for("clip_page", clip_id=clip.id)), status_code=303)


def _keep_thresholds(clip_dir: Path, text: bytes, filename: str) -> str:
    """Check a coach's thresholds file and keep it in the clip's folder; returns the name to show."""
    name = Path(filename.replace("\\", "/")).name[:80] or "thresholds.toml"
    if len(text) > MAX_THRESHOLDS_BYTES:
        raise HTTPException(413, f"{name!r} is over {MAX_THRESHOLDS_BYTES // 1024} kB: a thresholds file is a "
                                 "short TOML text (see `kneedrive drills`).")
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / THRESHOLDS_NAME
        candidate.write_bytes(text)
        try:
            load_drills(candidate)
        except (ConfigError, UnicodeDecodeError) as exc:
            message = str(exc).replace(str(candidate), repr(name))
            raise HTTPException(400, f"{message} Nothing was changed.") from None
    write_atomic(clip_dir / THRESHOLDS_NAME, text.decode())
    return name


@router.post("/athletes/{athlete_id}/rename", name="rename_athlete")
async def rename_athlete(request: Request, athlete_id: int) -> RedirectResponse:
    """Give an athlete another name (a name another athlete has: merge them instead)."""
    store = context_of(request).store
    _athlete_or_404(store, athlete_id)
    name = " ".join(str((await safety.small_form(request)).get("name") or "").split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise HTTPException(400, f"Give a name of 1 to {MAX_NAME_CHARS} characters.")
    other = store.athlete_by_name(name)
    if other is not None and other.id != athlete_id:
        raise HTTPException(409, f"{other.name} is another athlete: to make them one, merge them instead.")
    store.rename_athlete(athlete_id, name)
    return RedirectResponse(str(request.url_for("athlete_page", athlete_id=athlete_id)), status_code=303)


@router.post("/athletes/{athlete_id}/merge", name="merge_athlete")
async def merge_athlete(request: Request, athlete_id: int) -> RedirectResponse:
    """Move all of an athlete's clips to another athlete and forget the first (two names for one person)."""
    store = context_of(request).store
    _athlete_or_404(store, athlete_id)
    into = str((await safety.small_form(request)).get("into") or "")
    if not into.isdigit() or int(into) == athlete_id or store.athlete(int(into)) is None:
        raise HTTPException(400, "Choose another athlete to merge into.")
    store.merge_athletes(athlete_id, int(into))
    return RedirectResponse(str(request.url_for("athlete_page", athlete_id=int(into))), status_code=303)


@router.post("/athletes/{athlete_id}/delete", name="delete_athlete")
async def delete_athlete(request: Request, athlete_id: int) -> RedirectResponse:
    """Forget an athlete; their clips are kept without an athlete, or deleted too when asked."""
    kd = context_of(request)
    _athlete_or_404(kd.store, athlete_id)
    with_clips = bool((await safety.small_form(request)).get("with_clips"))
    clips = kd.store.clips(athlete_id=athlete_id)
    if with_clips:
        if any(c.state == "running" for c in clips):
            raise HTTPException(409, "One of these clips is being analysed; delete them once it has finished.")
        for clip in clips:
            if clip.state == "queued":
                kd.runner.cancel(clip.id)
            remove_clip(kd.store, clip.id)
    kd.store.delete_athlete(athlete_id)
    return RedirectResponse(str(request.url_for("squad_page")), status_code=303)


def _athlete_or_404(store: Store, athlete_id: int) -> None:
    if store.athlete(athlete_id) is None:
        raise HTTPException(404, "No such athlete.")
