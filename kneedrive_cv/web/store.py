"""Athletes, clips and analysis jobs in one SQLite file (``DATA/kneedrive.sqlite``); the files live on disk.

Layout of the data folder::

    DATA/kneedrive.sqlite
    DATA/incoming/<random>.part        an upload being received (deleted if refused)
    DATA/clips/<clip id>/clip.<ext>    the uploaded video, under a generated name
    DATA/clips/<clip id>/results/      what the analysis wrote (report.json, reps.csv, overlay.mp4, ...)

A clip's ``state`` is ``queued``, ``running``, ``done`` or ``failed``; a clip scored again is ``done`` with
``overlay_pending`` set until its overlay video has been drawn for the new scores. Each operation opens its own short
connection, so the store can be used from request threads and from the job runner's callback thread alike.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DB_NAME = "kneedrive.sqlite"
#: A coach's thresholds file for one clip, in the clip's folder.
THRESHOLDS_NAME = "thresholds.toml"
STATES = ("queued", "running", "done", "failed")
#: Kinds of report.json's ``unmeasured`` (``UnmeasuredKind`` values) that say a clip's cadence is not the
#: athlete's real-time cadence, and that its file was truncated (kept as text: workers import this module and
#: need not load the analysis to do so; tests/test_web.py checks they match the enum).
NOT_REAL_TIME = frozenset({"slow_motion", "cadence"})
TRUNCATED_KIND = "truncated"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS athletes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clips (
    id TEXT PRIMARY KEY,
    athlete_id INTEGER REFERENCES athletes(id),
    original_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    drill_requested TEXT NOT NULL,
    recorded_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    started_at TEXT,
    finished_at TEXT,
    runs INTEGER NOT NULL DEFAULT 0,
    progress REAL,
    stage TEXT,
    n_frames INTEGER,
    duration_s REAL,
    width INTEGER,
    height INTEGER,
    fps REAL,
    drill TEXT,
    drill_confidence REAL,
    cadence_spm REAL,
    n_reps INTEGER,
    mean_score REAL,
    summary_json TEXT,
    person INTEGER,
    truncated INTEGER NOT NULL DEFAULT 0,
    thresholds TEXT,
    overlay_pending INTEGER NOT NULL DEFAULT 0,
    slow_motion REAL
);
CREATE INDEX IF NOT EXISTS clips_by_athlete ON clips(athlete_id, recorded_on);
"""


def now_iso() -> str:
    """Return the current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Athlete:
    """One athlete, with counts over their analysed clips."""

    id: int
    name: str
    n_clips: int = 0
    mean_score: float | None = None
    last_recorded_on: str | None = None
    last_score: float | None = None
    last_cadence_spm: float | None = None


@dataclass(frozen=True)
class Clip:
    """One uploaded clip and the state of its analysis; ``summary`` is what the analysis returned."""

    id: str
    athlete_id: int | None
    athlete_name: str | None
    original_name: str
    stored_name: str
    drill_requested: str
    recorded_on: str
    created_at: str
    state: str
    error: str | None
    started_at: str | None
    finished_at: str | None
    runs: int
    progress: float | None
    stage: str | None
    n_frames: int | None
    duration_s: float | None
    width: int | None
    height: int | None
    fps: float | None
    drill: str | None
    drill_confidence: float | None
    cadence_spm: float | None
    n_reps: int | None
    mean_score: float | None
    summary: dict[str, Any] = field(default_factory=dict)
    person: int | None = None  # whom the coach picked to analyse (an id of `kneedrive people`); None: automatic
    truncated: bool = False  # the file was damaged or cut short: only its start was analysed; in no average
    thresholds: str | None = None  # the coach's thresholds file scored with (its original name), or the shipped
    overlay_pending: bool = False  # scored again: its overlay video is being drawn for the new scores
    slow_motion: float | None = None  # how many times slower than real life the clip plays; None: real time

    @property
    def finished(self) -> bool:
        """True once the analysis has ended, well or not."""
        return self.state in ("done", "failed")


def _add_height_column(db: sqlite3.Connection) -> None:
    """Give the athletes table its ``height_cm`` column (a data folder from before heights were kept)."""
    if "height_cm" not in {row[1] for row in db.execute("PRAGMA table_info(athletes)")}:
        db.execute("ALTER TABLE athletes ADD COLUMN height_cm REAL")


class Store:
    """The data folder: the SQLite database and the paths of each clip's files."""

    def __init__(self, data_dir: str | Path) -> None:
        self.root = Path(data_dir).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.incoming_dir.mkdir(exist_ok=True)
        self.clips_dir.mkdir(exist_ok=True)
        self.db_path = self.root / DB_NAME
        with self._connect() as db:
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(clips)")}
            if "person" not in columns:  # a data folder from before people were told apart
                db.execute("ALTER TABLE clips ADD COLUMN person INTEGER")
            if "truncated" not in columns:  # from before truncated files were set apart
                db.execute("ALTER TABLE clips ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0")
            if "thresholds" not in columns:  # from before clips could be re-scored with a coach's thresholds
                db.execute("ALTER TABLE clips ADD COLUMN thresholds TEXT")
            if "overlay_pending" not in columns:  # from before re-scoring drew the overlay video afterwards
                db.execute("ALTER TABLE clips ADD COLUMN overlay_pending INTEGER NOT NULL DEFAULT 0")
            if "slow_motion" not in columns:  # from before a clip's slow-motion factor could be given
                db.execute("ALTER TABLE clips ADD COLUMN slow_motion REAL")
            _add_height_column(db)

    # -- paths -------------------------------------------------------------------------------------------
    @property
    def incoming_dir(self) -> Path:
        """Where uploads are received before they are checked."""
        return self.root / "incoming"

    @property
    def clips_dir(self) -> Path:
        """One folder per accepted clip."""
        return self.root / "clips"

    def clip_dir(self, clip_id: str) -> Path:
        """Return the folder of one clip (its id is generated here, never taken from the client)."""
        return self.clips_dir / clip_id

    def clip_path(self, clip: Clip) -> Path:
        """Return the path of a clip's stored video."""
        return self.clip_dir(clip.id) / clip.stored_name

    def thresholds_path(self, clip: Clip) -> Path | None:
        """The coach's thresholds file a clip is scored with (kept in its folder), or None for the shipped ones."""
        return self.clip_dir(clip.id) / THRESHOLDS_NAME if clip.thresholds else None

    def results_dir(self, clip_id: str) -> Path:
        """Where the analysis of a clip writes its files."""
        return self.clip_dir(clip_id) / "results"

    def clear_incoming(self) -> int:
        """Delete uploads left half-received by a server that stopped; returns how many."""
        stale = list(self.incoming_dir.glob("*.part"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    @staticmethod
    def new_clip_id() -> str:
        """Make a random, URL-safe clip id."""
        return secrets.token_hex(8)

    # -- database ----------------------------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.db_path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            with db:
                yield db
        finally:
            db.close()

    def athlete_by_name(self, name: str, create: bool = False) -> Athlete | None:
        """Find the athlete of this name (case-insensitive), creating them if asked and missing."""
        name = " ".join(name.split())
        with self._connect() as db:
            if create and name:
                db.execute("INSERT INTO athletes (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                           (name, now_iso()))
            row = db.execute("SELECT id, name FROM athletes WHERE name = ?", (name,)).fetchone()
        return Athlete(row["id"], row["name"]) if row else None

    def rename_athlete(self, athlete_id: int, name: str) -> None:
        """Give an athlete another name (the caller checks no other athlete has it)."""
        with self._connect() as db:
            db.execute("UPDATE athletes SET name = ? WHERE id = ?", (" ".join(name.split()), athlete_id))

    def merge_athletes(self, athlete_id: int, into_id: int) -> None:
        """Move every clip of one athlete to another, then forget the first."""
        with self._connect() as db:
            db.execute("UPDATE clips SET athlete_id = ? WHERE athlete_id = ?", (into_id, athlete_id))
            db.execute("DELETE FROM athletes WHERE id = ?", (athlete_id,))

    def delete_athlete(self, athlete_id: int) -> None:
        """Forget an athlete; clips still theirs are kept without an athlete."""
        with self._connect() as db:
            db.execute("UPDATE clips SET athlete_id = NULL WHERE athlete_id = ?", (athlete_id,))
            db.execute("DELETE FROM athletes WHERE id = ?", (athlete_id,))

    def athlete_height_cm(self, athlete_id: int | None) -> float | None:
        """The athlete's height in centimetres, or None (none given, or no athlete)."""
        if athlete_id is None:
            return None
        with self._connect() as db:
            row = db.execute("SELECT height_cm FROM athletes WHERE id = ?", (athlete_id,)).fetchone()
        return float(row["height_cm"]) if row and row["height_cm"] is not None else None

    def set_athlete_height_cm(self, athlete_id: int, height_cm: float | None) -> None:
        """Set (or, with None, clear) the athlete's height; clips analysed from now on use it."""
        with self._connect() as db:
            db.execute("UPDATE athletes SET height_cm = ? WHERE id = ?", (height_cm, athlete_id))

    def athlete(self, athlete_id: int) -> Athlete | None:
        """Return one athlete with their counts, or ``None``."""
        return next((a for a in self.athletes() if a.id == athlete_id), None)

    def athletes(self) -> list[Athlete]:
        """Every athlete, by name, with their clip count, mean score, and the latest analysed clip's numbers.

        The mean and the latest figures come from whole clips only (never a truncated one), the latest score
        from the latest clip with a scored drill and the latest cadence from the latest clip that measured one.
        """
        latest = ("(SELECT {0} FROM clips l WHERE l.athlete_id = a.id AND l.state = 'done' AND NOT l.truncated "
                  "AND l.{0} IS NOT NULL ORDER BY l.recorded_on DESC, l.created_at DESC, l.rowid DESC LIMIT 1)")
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.id, a.name, COUNT(c.id) AS n, AVG(CASE WHEN c.truncated THEN NULL ELSE c.mean_score END) "
                "AS mean, MAX(c.recorded_on) AS last, "
                f"{latest.format('mean_score')} AS last_score, {latest.format('cadence_spm')} AS last_cadence "
                "FROM athletes a LEFT JOIN clips c ON c.athlete_id = a.id "
                "GROUP BY a.id ORDER BY a.name COLLATE NOCASE").fetchall()
        return [Athlete(r["id"], r["name"], r["n"], r["mean"], r["last"], r["last_score"], r["last_cadence"])
                for r in rows]

    def add_clip(self, clip_id: str, *, athlete_id: int | None, original_name: str, stored_name: str,
                 drill_requested: str, recorded_on: str, video: dict[str, Any],
                 slow_motion: float | None = None) -> Clip:
        """Record an accepted upload as a queued job (``slow_motion``: how many times slower it plays, if so)."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO clips (id, athlete_id, original_name, stored_name, drill_requested, recorded_on, "
                "created_at, state, n_frames, duration_s, width, height, fps, slow_motion) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)",
                (clip_id, athlete_id, original_name, stored_name, drill_requested, recorded_on, now_iso(),
                 video.get("n_frames"), video.get("duration_s"), video.get("width"), video.get("height"),
                 video.get("fps"), slow_motion))
        clip = self.clip(clip_id)
        assert clip is not None
        return clip

    def clip(self, clip_id: str) -> Clip | None:
        """Return one clip, or ``None``."""
        rows = self._clips("WHERE c.id = ?", (clip_id,))
        return rows[0] if rows else None

    def clips(self, *, athlete_id: int | None = None, states: tuple[str, ...] = (), limit: int = 0,
              oldest_first: bool = False) -> list[Clip]:
        """Clips, newest first (or oldest first), filtered by athlete and state."""
        where: list[str] = []
        params: list[Any] = []
        if athlete_id is not None:
            where.append("c.athlete_id = ?")
            params.append(athlete_id)
        if states:
            where.append(f"c.state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        order = "ASC" if oldest_first else "DESC"
        sql = (f"{'WHERE ' + ' AND '.join(where) if where else ''} "
               f"ORDER BY c.recorded_on {order}, c.created_at {order}, c.rowid {order}"  # rowid: uploads in one second
               f"{f' LIMIT {int(limit)}' if limit else ''}")
        return self._clips(sql, tuple(params))

    def _clips(self, tail: str, params: tuple[Any, ...]) -> list[Clip]:
        with self._connect() as db:
            rows = db.execute(f"SELECT c.*, a.name AS athlete_name FROM clips c "
                              f"LEFT JOIN athletes a ON a.id = c.athlete_id {tail}", params).fetchall()
        out = []
        for r in rows:
            values = {k: r[k] for k in r.keys() if k != "summary_json"}  # noqa: SIM118 (sqlite3.Row)
            values["summary"] = json.loads(r["summary_json"]) if r["summary_json"] else {}
            values["truncated"] = bool(r["truncated"])
            values["overlay_pending"] = bool(r["overlay_pending"])
            out.append(Clip(**values))
        return out

    def queue_position(self, clip_id: str) -> int:
        """1 for the next queued clip to start, 0 if this clip is not waiting."""
        queued = [c.id for c in self.clips(states=("queued",), oldest_first=True)]
        return queued.index(clip_id) + 1 if clip_id in queued else 0

    def mark_queued(self, clip_id: str, person: int | None = None) -> None:
        """Put a clip (back) in the queue, clearing any earlier result; ``person``: analyse that person now."""
        with self._connect() as db:
            if person is not None:
                db.execute("UPDATE clips SET person = ? WHERE id = ?", (person, clip_id))
            db.execute("UPDATE clips SET state='queued', error=NULL, started_at=NULL, finished_at=NULL, "
                       "progress=NULL, stage=NULL, truncated=0, overlay_pending=0, "
                       "drill=NULL, drill_confidence=NULL, cadence_spm=NULL, n_reps=NULL, mean_score=NULL, "
                       "summary_json=NULL WHERE id = ?", (clip_id,))

    def set_scoring(self, clip_id: str, drill: str, thresholds: str | None) -> None:
        """Choose the drill (or ``auto``) and the thresholds file (its name; None: the shipped) to score with."""
        with self._connect() as db:
            db.execute("UPDATE clips SET drill_requested = ?, thresholds = ? WHERE id = ?",
                       (drill, thresholds, clip_id))

    def mark_running(self, clip_id: str, started_at: str) -> bool:
        """Record that a worker has started on this queued clip; False if it is not queued (deleted, or taken)."""
        with self._connect() as db:
            changed = db.execute("UPDATE clips SET state='running', started_at=?, runs=runs+1 "
                                 "WHERE id = ? AND state = 'queued'", (started_at, clip_id)).rowcount
        return changed == 1

    def set_progress(self, clip_id: str, fraction: float, stage: str) -> None:
        """Record how far the analysis of a running clip has got (0 to 1) and what it is doing."""
        with self._connect() as db:
            db.execute("UPDATE clips SET progress=?, stage=? WHERE id = ? AND state = 'running'",
                       (min(max(float(fraction), 0.0), 1.0), stage[:200], clip_id))

    def mark_done(self, clip_id: str, summary: dict[str, Any], overlay_pending: bool = False) -> None:
        """Store the analysis summary and its headline numbers (``overlay_pending``: its overlay is to be drawn).

        The cadence column holds only a real-time cadence: one the report calls slow motion is left out (the
        summary keeps it, with the report's why). A truncated clip is marked so, to count in no average.
        """
        kinds = {u.get("kind") for u in summary.get("unmeasured") or () if isinstance(u, dict)}
        cadence = None if kinds & NOT_REAL_TIME else summary.get("cadence_spm")
        with self._connect() as db:
            db.execute(
                "UPDATE clips SET state='done', error=NULL, finished_at=?, drill=?, drill_confidence=?, "
                "cadence_spm=?, n_reps=?, mean_score=?, summary_json=?, started_at=COALESCE(started_at, ?), "
                "truncated=?, overlay_pending=?, progress=CASE WHEN ? THEN NULL ELSE progress END WHERE id = ?",
                (now_iso(), summary.get("drill"), summary.get("drill_confidence"), cadence,
                 summary.get("n_reps"), summary.get("mean_score"), json.dumps(summary), now_iso(),
                 int(TRUNCATED_KIND in kinds), int(overlay_pending), int(overlay_pending), clip_id))

    def set_overlay_progress(self, clip_id: str, run: int, fraction: float) -> None:
        """Record how far the drawing of a re-scored clip's overlay video (for its run ``run``) has got."""
        with self._connect() as db:
            db.execute("UPDATE clips SET progress=? WHERE id = ? AND runs = ? AND state = 'done' AND overlay_pending",
                       (min(max(float(fraction), 0.0), 1.0), clip_id, run))

    def overlay_drawn(self, clip_id: str, run: int) -> None:
        """The overlay video of run ``run`` is drawn (or given up): no longer pending, unless a later run waits."""
        with self._connect() as db:
            db.execute("UPDATE clips SET overlay_pending=0, progress=NULL WHERE id = ? AND runs = ?", (clip_id, run))

    def mark_failed(self, clip_id: str, message: str) -> None:
        """Record that the analysis ended with an error a coach can read."""
        with self._connect() as db:
            db.execute("UPDATE clips SET state='failed', error=?, finished_at=? WHERE id = ?",
                       (message, now_iso(), clip_id))

    def delete_clip(self, clip_id: str) -> None:
        """Forget a clip (its files are removed by the caller)."""
        with self._connect() as db:
            db.execute("DELETE FROM clips WHERE id = ?", (clip_id,))

    def seconds_per_frame(self) -> float | None:
        """Median analysis time per video frame over recent finished clips, to estimate progress."""
        with self._connect() as db:
            rows = db.execute("SELECT started_at, finished_at, n_frames FROM clips WHERE state='done' AND "
                              "n_frames > 0 AND started_at IS NOT NULL ORDER BY finished_at DESC LIMIT 9").fetchall()
        rates = sorted((datetime.fromisoformat(r["finished_at"]) - datetime.fromisoformat(r["started_at"]))
                       .total_seconds() / r["n_frames"] for r in rows)
        return rates[len(rates) // 2] if rates else None
