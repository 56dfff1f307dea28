"""What a coach hands on: an athlete's page to share or print, and the squad's clips as a CSV file."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from kneedrive_cv.web.pages import clip_files, context_of, drill_charts, page
from kneedrive_cv.web.store import Clip

router = APIRouter()
#: The cues on the shared page come from the athlete's latest this many whole, analysed clips.
RECENT_CLIPS = 5
#: How many cues the shared page gives.
TOP_CUES = 3
#: Columns of the squad CSV, one row per clip.
CSV_COLUMNS = ("athlete", "filmed", "clip", "drill", "reps", "mean_score", "cadence_spm", "state", "truncated")


@dataclass(frozen=True)
class Cue:
    """One coaching cue and how many of the reps looked at need it."""

    code: str
    cue: str
    reps: int


def top_cues(clips: list[Clip], n: int = TOP_CUES) -> tuple[list[Cue], int]:
    """The ``n`` faults seen on most reps over these clips, with their cues; and the number of reps looked at."""
    counts: Counter[str] = Counter()
    cues: dict[str, str] = {}
    reps = 0
    for clip in clips:
        faults = [f for rep in clip.summary.get("reps") or () for f in rep.get("faults") or ()]
        for fault in faults:  # a summary from before fault counts were kept: count the reps' faults
            cues.setdefault(fault["code"], fault["cue"])
        counts.update(clip.summary.get("fault_counts") or Counter(f["code"] for f in faults))
        cues.update(clip.summary.get("cues") or {})
        reps += clip.n_reps or 0
    return [Cue(code, cues.get(code, code.replace("_", " ")), k) for code, k in counts.most_common(n)], reps


@router.get("/athletes/{athlete_id}/share", response_class=HTMLResponse, name="athlete_share")
def athlete_share(request: Request, athlete_id: int) -> HTMLResponse:
    """One page to hand the athlete: their name, today's date, the three cues to work on, a kinogram, progress."""
    kd = context_of(request)
    athlete = kd.store.athlete(athlete_id)
    if athlete is None:
        raise HTTPException(404, "No such athlete.")
    clips = kd.store.clips(athlete_id=athlete_id)
    whole = [c for c in clips if c.state == "done" and not c.truncated and c.drill not in (None, "none")]
    recent = whole[:RECENT_CLIPS]
    cues, reps = top_cues(recent)
    latest = next((c for c in whole if clip_files(kd.store, c)["kinogram"]), None)
    kinogram = clip_files(kd.store, latest)["kinogram"] if latest else None
    return page(request, "share.html", athlete=athlete, today=date.today().isoformat(), cues=cues, reps=reps,
                recent=recent, latest=latest, kinogram=kinogram, charts=drill_charts(clips, kd.drills),
                drills=kd.drills)


@router.get("/squad.csv", name="squad_csv")
def squad_csv(request: Request) -> Response:
    """Every clip of the squad as CSV, newest first (text that a spreadsheet would run as a formula is quoted)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in context_of(request).store.clips():
        writer.writerow([_cell(c.athlete_name or ""), c.recorded_on, _cell(c.original_name), c.drill or "",
                         "" if c.n_reps is None else c.n_reps, "" if c.mean_score is None else c.mean_score,
                         "" if c.cadence_spm is None else round(c.cadence_spm, 1), c.state, int(c.truncated)])
    name = f"kneedrive_squad_{date.today().isoformat()}.csv"
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it: a leading ``= + - @`` would start a formula, so it is quoted."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
