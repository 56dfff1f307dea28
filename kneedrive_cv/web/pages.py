"""What the web app's routers share: the app's context, its pages, a clip by id, its files and charts."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kneedrive_cv.output.charts import Point, line_chart
from kneedrive_cv.web.jobs import JobRunner, clip_lock
from kneedrive_cv.web.store import Clip, Store

_CLIP_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class Context:
    """What the request handlers share: the store, the job runner, the templates and the upload limit."""

    store: Store
    runner: JobRunner
    templates: Jinja2Templates
    max_bytes: int
    drills: dict[str, str]


def context_of(request: Request) -> Context:
    """The app's shared context (see :class:`Context`)."""
    return request.app.state.kd  # type: ignore[no-any-return]


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render one of the app's templates."""
    return context_of(request).templates.TemplateResponse(request, name, context, status_code=status_code)


def clip_or_404(store: Store, clip_id: str) -> Clip:
    """The clip with this id, or a 404."""
    clip = store.clip(clip_id) if _CLIP_ID.match(clip_id) else None
    if clip is None:
        raise HTTPException(404, "No such clip: it may have been deleted.")
    return clip


def remove_clip(store: Store, clip_id: str) -> bool:
    """Delete a clip and its files unless a worker is analysing it (its lock is held); True if deleted."""
    clip_dir = store.clip_dir(clip_id)
    with clip_lock(clip_dir, wait=False) as locked:
        if not locked and clip_dir.exists():
            return False
        store.delete_clip(clip_id)
        shutil.rmtree(clip_dir, ignore_errors=True)
    return True


def clip_files(store: Store, clip: Clip) -> dict[str, Any]:
    """List the results to show: the overlay video, the kinogram, the plots and the downloads."""
    folder = store.results_dir(clip.id)
    if clip.state != "done" or not folder.is_dir():
        return {"video": None, "kinogram": None, "plots": [], "downloads": [], "people": None}
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    videos = [n for n in names if n.endswith(".mp4")]
    images = [n for n in names if n.endswith((".png", ".svg"))]
    kinogram = next((n for n in images if "kinogram" in n), None)
    people = "people.png" if "people.png" in images else None
    order = ["report.json", "reps.csv", "frames.csv", "report.html", "analysis.json", "track.npz"]
    downloads = sorted((n for n in names if n.endswith((".json", ".csv", ".html", ".npz"))),
                       key=lambda n: (order.index(n) if n in order else len(order), n))
    video = "overlay.mp4" if "overlay.mp4" in videos else (videos[0] if videos else None)
    if clip.overlay_pending:  # never an overlay beside scores it was not drawn for
        video = None
    return {"video": video, "kinogram": kinogram, "plots": [n for n in images if n not in (kinogram, people)],
            "downloads": downloads, "people": people}


def drill_charts(clips: list[Clip], titles: dict[str, str]) -> list[dict[str, str]]:
    """Chart score and cadence by date, one pair per drill (a drill's cadence means nothing beside another's).

    Each is inline SVG; clips without a drill get a cadence chart of their own. Truncated clips are left out.
    """
    done = [c for c in clips if c.state == "done" and not c.truncated]
    drills = sorted({c.drill or "none" for c in done}, key=lambda d: (d == "none", titles.get(d, d)))
    bands = ((0, 60, "#fef2f2"), (60, 80, "#fffbeb"), (80, 100, "#f0fdf4"))  # the score colours of the tables
    out = []
    for drill in drills:
        mine = [c for c in done if (c.drill or "none") == drill]

        def points(attr: str, mine: list[Clip] = mine) -> list[Point]:
            return [Point(date.fromisoformat(c.recorded_on), float(getattr(c, attr)), c.original_name)
                    for c in mine if getattr(c, attr) is not None]

        title = titles.get(drill, "No knee-drive drill" if drill == "none" else drill.replace("_", " "))
        score = line_chart(points("mean_score"), title="Mean score", y_fixed=(0, 100), colour="#0f766e", bands=bands)
        cadence = line_chart(points("cadence_spm"), title="Cadence", unit="steps/min", colour="#7c3aed")
        if "<svg" in score or "<svg" in cadence:
            out.append({"drill": drill, "title": title, "score": score if drill != "none" else "",
                        "cadence": cadence})
    return out
