"""The web app: upload a clip, follow its analysis, review the results, and see each athlete's progress.

Pages are rendered on the server (Jinja2 templates) with a little JavaScript for drag-and-drop, the upload
progress bar and polling of a job's state. Build the app with :func:`create_app`; ``kneedrive serve`` runs it.
"""

from __future__ import annotations

import logging
import mimetypes
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from kneedrive_cv import __version__
from kneedrive_cv.cluster import Cluster
from kneedrive_cv.errors import VideoError
from kneedrive_cv.output.colours import score_grade
from kneedrive_cv.scoring.drills import load_drills
from kneedrive_cv.scoring.unmeasured import not_judged
from kneedrive_cv.video import FILMED_FROM_CONTAINER, SLOW_MOTION_RANGE, check_slow_motion, filmed_on
from kneedrive_cv.web import compare, manage, safety, share, upload
from kneedrive_cv.web.jobs import AnalysisFn, JobRunner, RedrawFn, redraw_overlay, run_analysis
from kneedrive_cv.web.pages import Context, clip_files, clip_or_404, context_of, drill_charts, page, remove_clip
from kneedrive_cv.web.store import Clip, Store

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
#: The form field that carries the clip.
FILE_FIELD = "video"
#: Analysis time per frame assumed before any clip has been analysed on this server (for the progress estimate).
PRIOR_SECONDS_PER_FRAME = 0.12
router = APIRouter()
_MIME = {".mp4": "video/mp4", ".csv": "text/csv", ".json": "application/json", ".npz": "application/octet-stream",
         ".png": "image/png", ".html": "text/html", ".svg": "image/svg+xml"}


def create_app(data_dir: str | Path, *, max_upload_mb: float = 500, workers: int = 1,
               analysis: AnalysisFn = run_analysis, allowed_hosts: list[str] | None = None,
               cluster: Cluster | None = None, redraw: RedrawFn = redraw_overlay) -> FastAPI:
    """Build the app serving the data folder ``data_dir``.

    Args:
        data_dir: folder for the SQLite database and the clips' files (created if missing).
        max_upload_mb: uploads larger than this are refused (HTTP 413) while they stream in.
        workers: number of analysis processes.
        analysis: ``fn(clip_path, out_dir, drill) -> summary dict`` run in a worker process (picklable);
            the real analysis by default, a fast stand-in in tests.
        allowed_hosts: accepted ``Host`` headers (guards a localhost server against DNS rebinding); any if None.
        cluster: a Dask cluster to run the analyses on instead of local processes (see :mod:`kneedrive_cv.web.jobs`).
        redraw: ``fn(clip_path, out_dir, progress)`` drawing a re-scored clip's overlay video (picklable); a
            stand-in in tests.

    """
    store = Store(data_dir)
    runner = JobRunner(store, workers=workers, analysis=analysis, cluster=cluster, redraw=redraw)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        store.clear_incoming()
        requeued = runner.start()
        if requeued:
            log.info("%d interrupted analyses queued again", requeued)
        try:
            yield
        finally:
            runner.close()

    app = FastAPI(title="kneedrive", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    drills = {"auto": "Recognise automatically"} | {name: d.title for name, d in load_drills().drills.items()}
    app.state.kd = Context(store, runner, _templates(), int(max_upload_mb * 1e6), drills)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)
    app.middleware("http")(_server_errors)  # inside the guard, so the error page gets its headers too
    app.middleware("http")(safety.guard(error_page))
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _bad_path)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.include_router(manage.router)
    app.include_router(share.router)
    app.include_router(compare.router)
    return app



#: The title of the error page for each status (others: "Something went wrong").
ERROR_TITLES = {400: "Bad request", 403: "Refused", 404: "Not found", 405: "Not allowed", 409: "Not now",
                413: "Too large", 500: "Server error"}
#: What the error page says when the framework gives only its status.
_DEFAULT_MESSAGES = {404: "No such page.", 405: "That cannot be done on this page."}


def error_page(request: Request, status_code: int, message: str) -> Response:
    """The app's own error page (JSON under ``/api/``), titled by its status."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status_code)
    title = ERROR_TITLES.get(status_code, "Something went wrong")
    return page(request, "error.html", status_code, title=title, message=message)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail if isinstance(exc, HTTPException) else _DEFAULT_MESSAGES.get(exc.status_code, exc.detail)
    response = error_page(request, exc.status_code, str(detail))
    response.headers.update(exc.headers or {})
    return response


async def _server_errors(request: Request, call_next: Any) -> Response:
    """A bug in a route: log it with its traceback here, show the app's own error page (no traceback) there."""
    try:
        return await call_next(request)  # type: ignore[no-any-return]
    except Exception:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_page(request, 500, "Something went wrong on the server. It has been logged; try again, "
                                        "and if it happens again, tell whoever runs this server.")


async def _bad_path(request: Request, exc: RequestValidationError) -> Response:
    """A path that names nothing (``/athletes/abc``): the page of what it tried to name is not found."""
    what = "athlete" if request.url.path.startswith("/athletes/") else "page"
    return error_page(request, 404, f"No such {what}.")


def _upload_page(request: Request, error: str = "", status_code: int = 200,
                 form: dict[str, str] | None = None) -> HTMLResponse:
    kd = context_of(request)
    return page(request, "upload.html", status_code, error=error, form=form or {}, athletes=kd.store.athletes(),
                drills=kd.drills, recent=kd.store.clips(limit=12), max_bytes=kd.max_bytes,
                file_field=FILE_FIELD, today=date.today().isoformat())


@router.get("/", response_class=HTMLResponse, name="index")
def index(request: Request) -> HTMLResponse:
    """Show the upload page with the recent clips."""
    return _upload_page(request)


@router.post("/upload", name="receive_upload")
async def receive_upload(request: Request) -> Response:
    """Receive a clip: stream it to disk, check it, queue its analysis, and send the browser to its page."""
    kd = context_of(request)
    wants_json = request.headers.get("x-requested-with") == "kneedrive"
    fields: dict[str, str] = {}
    try:
        received = await upload.receive(request.stream(), request.headers.get("content-type", ""),
                                        request.headers.get("content-length"), incoming_dir=kd.store.incoming_dir,
                                        max_bytes=kd.max_bytes, file_field=FILE_FIELD)
        fields = received.fields
        clip = await run_in_threadpool(_accept, kd.store, received, kd.drills)
    except upload.UploadError as exc:
        if wants_json:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=exc.status)
        return _upload_page(request, str(exc), exc.status, fields)
    kd.runner.submit(clip.id)
    url = str(request.url_for("clip_page", clip_id=clip.id))
    if wants_json:
        return JSONResponse({"ok": True, "url": url, "id": clip.id})
    return RedirectResponse(url, status_code=303)


@router.get("/clips/{clip_id}", response_class=HTMLResponse, name="clip_page")
def clip_page(request: Request, clip_id: str) -> HTMLResponse:
    """Show a clip: its progress while queued or running, its results once done."""
    kd = context_of(request)
    clip = clip_or_404(kd.store, clip_id)
    if clip.finished:
        kd.runner.warm()  # the coach may score it again: have the re-scoring worker ready
    return page(request, "clip.html", clip=clip, status=_status(kd.store, clip), files=clip_files(kd.store, clip),
                drills=kd.drills)


@router.get("/api/clips/{clip_id}", name="clip_status")
def clip_status(request: Request, clip_id: str) -> dict[str, Any]:
    """Report a clip's state as JSON, for the progress indicator."""
    store = context_of(request).store
    return _status(store, clip_or_404(store, clip_id))


@router.post("/clips/{clip_id}/rerun", name="rerun")
def rerun(request: Request, clip_id: str) -> RedirectResponse:
    """Queue a finished clip's analysis again."""
    kd = context_of(request)
    clip = clip_or_404(kd.store, clip_id)
    if clip.finished:
        kd.store.mark_queued(clip.id)
        kd.runner.submit(clip.id)
    return RedirectResponse(str(request.url_for("clip_page", clip_id=clip.id)), status_code=303)


@router.post("/clips/{clip_id}/athlete", name="pick_athlete")
async def pick_athlete(request: Request, clip_id: str) -> RedirectResponse:
    """Analyse another person of a finished clip (an id from its people picture); the pose is cached."""
    kd = context_of(request)
    clip = clip_or_404(kd.store, clip_id)
    person = str((await safety.small_form(request)).get("person") or "")
    if not person.isdigit():
        raise HTTPException(400, "Pick a person by their number in the picture of everyone seen.")
    if clip.finished:
        kd.store.mark_queued(clip.id, person=int(person))
        kd.runner.rescore(clip.id)  # everyone's pose is cached: that person's scores at once, the overlay after
    return RedirectResponse(str(request.url_for("clip_page", clip_id=clip.id)), status_code=303)


@router.post("/clips/{clip_id}/delete", name="delete")
def delete(request: Request, clip_id: str) -> RedirectResponse:
    """Delete a clip, its video and its results; a queued clip leaves the queue (one being analysed cannot)."""
    kd = context_of(request)
    clip = clip_or_404(kd.store, clip_id)
    busy = "This clip is being analysed; delete it once it has finished (a minute or two)."
    if clip.state == "running":
        raise HTTPException(409, busy)
    if clip.state == "queued":
        kd.runner.cancel(clip.id)  # a worker that takes it anyway finds it gone and skips it
    if not remove_clip(kd.store, clip.id):
        raise HTTPException(409, busy)
    target = (request.url_for("athlete_page", athlete_id=clip.athlete_id) if clip.athlete_id
              else request.url_for("index"))
    return RedirectResponse(str(target), status_code=303)


@router.api_route("/clips/{clip_id}/files/{name:path}", methods=["GET", "HEAD"], name="clip_file")
def clip_file(request: Request, clip_id: str, name: str, download: bool = False) -> FileResponse:
    """Serve one result file (with HTTP range requests, so the video can seek), only from the clip's folder."""
    store = context_of(request).store
    clip = clip_or_404(store, clip_id)
    path = _contained(store, store.results_dir(clip.id), name)
    stem = Path(clip.original_name).stem[:60] or "clip"
    return FileResponse(path, media_type=_MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0],
                        filename=f"{stem}_{path.name}" if download else None)


@router.get("/athletes", response_class=HTMLResponse, name="squad_page")
def squad(request: Request) -> HTMLResponse:
    """List the athletes with their clip counts and mean scores."""
    store = context_of(request).store
    unassigned = [c for c in store.clips() if c.athlete_id is None]
    return page(request, "squad.html", athletes=store.athletes(), unassigned=unassigned)


@router.get("/athletes/{athlete_id}", response_class=HTMLResponse, name="athlete_page")
def athlete_page(request: Request, athlete_id: int) -> HTMLResponse:
    """Show an athlete's clips over time, with their score and cadence by date."""
    store = context_of(request).store
    athlete = store.athlete(athlete_id)
    if athlete is None:
        raise HTTPException(404, "No such athlete.")
    clips = store.clips(athlete_id=athlete_id)
    others = [a for a in store.athletes() if a.id != athlete_id]
    charts = drill_charts(clips, context_of(request).drills)
    return page(request, "athlete.html", athlete=athlete, clips=clips, charts=charts, others=others,
                height_cm=store.athlete_height_cm(athlete_id))


@router.post("/athletes/{athlete_id}/height", name="athlete_height")
async def athlete_height(request: Request, athlete_id: int) -> RedirectResponse:
    """Set the athlete's height (empty clears it): clips analysed from now on give distances in centimetres."""
    store = context_of(request).store
    if store.athlete(athlete_id) is None:
        raise HTTPException(404, "No such athlete.")
    store.set_athlete_height_cm(athlete_id, _height_field(str((await request.form()).get("height_cm") or "")))
    return RedirectResponse(str(request.url_for("athlete_page", athlete_id=athlete_id)), status_code=303)


def _height_field(text: str) -> float | None:
    """The height form's value in centimetres (None when empty); a 400 error for anything no athlete measures."""
    from kneedrive_cv.kinematics.distances import check_height

    if not text.strip():
        return None
    try:
        return check_height(float(text))
    except ValueError:
        raise HTTPException(400, "Give the athlete's height in centimetres, e.g. 178 (100 to 230).") from None


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    env = templates.env
    env.filters["score_class"] = score_class
    env.filters["not_judged"] = not_judged
    env.filters["drill_name"] = lambda d: (d or "not recognised").replace("_", " ")
    env.filters["num"] = lambda v, fmt="{:.0f}": "–" if v is None else fmt.format(v)
    env.filters["seconds"] = lambda v: "–" if v is None else f"{v:.2f} s"
    env.globals["version"] = __version__
    return templates


def score_class(score: float | None) -> str:
    """Name the CSS class of a score: ``score-good``, ``-fair``, ``-poor`` (the overlay's grades), or ``-none``."""
    grade = score_grade(score)
    return "score-none" if grade == "na" else f"score-{grade}"


def _accept(store: Store, received: upload.Received, drills: dict[str, str]) -> Clip:
    """Check an upload is a video, move it under a generated name and record it; delete it if refused."""
    assert received.path is not None
    fields = received.fields
    clip_dir: Path | None = None
    try:
        drill = fields.get("drill", "auto") or "auto"
        if drill not in drills:
            raise upload.UploadError(f"Unknown drill {drill!r}: choose one of {', '.join(drills)}.")
        recorded_on = _recorded_on(fields.get("recorded_on", ""))
        slow_motion = _slow_motion(fields.get("slow_motion", ""))
        info, extension = upload.check_video(received.path, received.filename)
        if not fields.get("recorded_on", "").strip():
            recorded_on = _filmed_on(received.path) or recorded_on
        athlete_id = _athlete_id(store, fields)
        clip_id = store.new_clip_id()
        clip_dir = store.clip_dir(clip_id)
        clip_dir.mkdir(parents=True)
        stored_name = f"clip{extension}"
        received.path.replace(clip_dir / stored_name)
        video = {"n_frames": info.n_frames, "duration_s": info.duration_s, "width": info.width,
                 "height": info.height, "fps": info.fps}
        return store.add_clip(clip_id, athlete_id=athlete_id, original_name=received.filename,
                              stored_name=stored_name, drill_requested=drill, recorded_on=recorded_on, video=video,
                              slow_motion=slow_motion)
    except BaseException:
        upload.discard(received)
        if clip_dir is not None:
            shutil.rmtree(clip_dir, ignore_errors=True)
        raise


def _recorded_on(text: str) -> str:
    if not text.strip():
        return date.today().isoformat()
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise upload.UploadError(f"The date {text!r} is not a date like 2025-03-14.") from exc
    if day > date.today():
        raise upload.UploadError(f"The date {day.isoformat()} is in the future: give the day the clip was filmed.")
    return day.isoformat()


def _slow_motion(text: str) -> float | None:
    """The upload form's slow-motion factor: None for real time (empty or 1)."""
    if not text.strip():
        return None
    try:
        factor = check_slow_motion(float(text.strip()))
    except ValueError as exc:
        lo, hi = SLOW_MOTION_RANGE
        raise upload.UploadError(f"Slow motion {text.strip()!r}: give how many times slower than real life the "
                                 f"clip plays, from {lo:g} to {hi:g} (8 for 240 fps played at 30), or leave it "
                                 "empty.") from exc
    return None if factor == 1.0 else factor


def _filmed_on(path: Path) -> str | None:
    """The day the phone recorded the clip (its container's recording time), if it says and it is not ahead.

    An uploaded file's own date is the upload's, so only the container's recording time is taken.
    """
    try:
        day, source = filmed_on(path)
    except VideoError:
        return None
    return day if source == FILMED_FROM_CONTAINER and day <= date.today().isoformat() else None


def _athlete_id(store: Store, fields: dict[str, str]) -> int | None:
    new_name = " ".join(fields.get("new_athlete", "").split())
    if new_name:
        if len(new_name) > 80:
            raise upload.UploadError("The athlete's name is too long (80 characters at most).")
        athlete = store.athlete_by_name(new_name, create=True)
        return athlete.id if athlete else None
    chosen = fields.get("athlete_id", "")
    if chosen.isdigit() and store.athlete(int(chosen)) is not None:
        return int(chosen)
    return None


def _contained(store: Store, folder: Path, name: str) -> Path:
    """``folder/name`` if it is a file inside both ``folder`` and the data folder, else a 404."""
    try:
        path = (folder / name).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # ValueError: a null byte in the name
        raise HTTPException(404, "No such file.") from None
    if not (path.is_relative_to(folder.resolve()) and path.is_relative_to(store.root)) or not path.is_file():
        raise HTTPException(404, "No such file.")
    return path


def _status(store: Store, clip: Clip) -> dict[str, Any]:
    """Describe a job's state for the progress indicator.

    ``progress`` is what the analysis reported, or else an estimate from the time past clips took per frame;
    ``overlay_pending`` says a re-scored clip's overlay video is still being drawn (``overlay_progress``: how far).
    """
    status: dict[str, Any] = {"id": clip.id, "state": clip.state, "error": clip.error, "position": 0,
                              "elapsed_s": None, "progress": None, "stage": None}
    if clip.state == "queued":
        status["position"] = store.queue_position(clip.id)
    elif clip.state == "running" and clip.started_at:
        started = datetime.fromisoformat(clip.started_at)
        elapsed = (datetime.now(started.tzinfo) - started).total_seconds()
        expected = (store.seconds_per_frame() or PRIOR_SECONDS_PER_FRAME) * max(clip.n_frames or 0, 1)
        status["elapsed_s"] = round(elapsed, 1)
        status["progress"] = round(clip.progress if clip.progress is not None else
                                   min(0.95, max(0.02, elapsed / expected)), 3)
        status["stage"] = clip.stage
    elif clip.finished:
        status["progress"] = 1.0
    status["overlay_pending"] = clip.overlay_pending  # scored again: the overlay video is being redrawn
    status["overlay_progress"] = clip.progress if clip.overlay_pending else None
    return status
