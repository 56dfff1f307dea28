"""Which clips a batch scores, and whose they are: a folder walked recursively, or a manifest CSV.

A folder
    Every file with a video extension (``.mp4 .mov .m4v .avi .mkv .webm``, any case) below it, sorted by
    path; hidden files and folders (names starting with ``.``, such as macOS ``._clip.mp4`` copies) and the
    batch's own output folder are left out.

The filename rule (folders, and manifest rows that leave athlete or drill empty)
    ``athlete_drill_anything.mp4``: the athlete is the part of the name before the first underscore; the
    drill is the first drill name of the registry (``hip_flexion_hold``, ``wall_drill``, ``pocket_run``,
    ``piston_run``, ...: ``kneedrive drills`` lists them) found anywhere after that underscore (any case;
    ``-`` and spaces count as ``_``), else the ``--drill`` value (default ``auto``: recognise the drill
    from the movement). A name with no underscore (or starting with one) takes
    the athlete from its parent folder's name. A date written in the name as ``2024-05-01`` or ``20240501``
    fills the ``date`` column. Examples::

        ana_wall_drill_take2.mp4          athlete ana, drill wall_drill
        ben_2024-05-01_piston-run.MOV     athlete ben, drill piston_run, date 2024-05-01
        squad/cat/IMG_0042.mp4            athlete IMG (no drill in the name: --drill)
        squad/cat/clip1.mp4               athlete cat (no underscore: the folder), drill --drill

A manifest CSV
    Columns ``path,athlete,drill`` and optionally ``date``, ``person``, ``height_cm`` and ``slow_motion``, with a
    header row. Relative paths are taken from the CSV's folder. An empty athlete or drill cell falls back to the
    filename rule above. ``height_cm``, the athlete's height, gives distances in centimetres (empty: none).
    ``slow_motion``: how many times slower than real life a slow-motion clip plays (8 for 240 fps saved to play at
    30; empty: real time), for real-time cadence and contact times.
    ``person`` picks whom to analyse in a clip with several people: an id that ``kneedrive people CLIP`` lists
    (empty: the person doing the drill, chosen automatically).

Each clip's outputs go to ``<out>/<athlete>/<clip name without extension>/``; two clips that would share
a folder get the extension, then a number, added to the later one's folder name.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from pathlib import Path

from kneedrive_cv.errors import ConfigError, UnknownDrillError, VideoError
from kneedrive_cv.scoring.drills import load_drills

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"})
AUTO = "auto"
MANIFEST_COLUMNS = ("path", "athlete", "drill")
#: The athlete of a clip whose file name and folder name name nobody.
UNKNOWN_ATHLETE = "unknown"

_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class ClipJob:
    """One clip to score.

    Attributes:
        source: the video file (absolute).
        clip: how the summary names it: its path relative to the input folder or manifest, with ``/``.
        athlete: whose clip it is.
        drill: the drill asked for, or ``auto``.
        date: ``YYYY-MM-DD`` or empty.
        key: the clip's output folder relative to the batch's output folder, ``<athlete>/<clip>``.
        person: the id (``kneedrive people``) of the person to analyse; None to choose automatically.
        height_cm: the athlete's height, for distances in centimetres; None when not given.
        slow_motion: how many times slower than real life the clip plays; 1 for real time.

    """

    source: Path
    clip: str
    athlete: str
    drill: str
    date: str = ""
    key: str = ""
    person: int | None = None
    height_cm: float | None = None
    slow_motion: float = 1.0


@functools.cache
def drill_names() -> tuple[str, ...]:
    """Return the names of the drills in the registry (the shipped ``drills.toml``)."""
    return tuple(load_drills().drills)


def check_drill(name: str, where: str = "--drill") -> str:
    """Return ``name`` (``-`` read as ``_``) if it is ``auto`` or a known drill; else raise, listing the valid ones."""
    key = name.strip().lower().replace("-", "_")
    if key == AUTO or key in drill_names():
        return key
    raise UnknownDrillError(f"{where}: unknown drill '{name}'. Valid drills: {AUTO}, {', '.join(drill_names())}.")


def parse_name(path: str | os.PathLike[str], default_drill: str = AUTO) -> tuple[str, str, str]:
    """Read ``(athlete, drill, date)`` from a clip's file name by the rule in this module's docstring."""
    path = Path(path)
    stem = path.stem
    head, sep, rest = stem.partition("_")
    athlete = head if sep and head else path.parent.name
    words = re.sub(r"[-\s]+", "_", rest.lower()) if sep else ""
    found = [d for d in drill_names() if d in words]
    drill = min(found, key=words.index) if found else default_drill
    return athlete or UNKNOWN_ATHLETE, drill, _date_in(stem)


def _date_in(text: str) -> str:
    for m in _DATE.finditer(text):
        try:
            return Date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            continue
    return ""


def find_videos(folder: Path, exclude: Path | None = None) -> list[Path]:
    """Video files below ``folder``, sorted, without hidden ones or anything inside ``exclude``."""
    skip = exclude.resolve() if exclude is not None else None
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (skip is None or (here / d).resolve() != skip))
        found += [here / f for f in files if not f.startswith(".") and Path(f).suffix.lower() in VIDEO_EXTENSIONS]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _from_folder(folder: Path, drill: str, exclude: Path | None) -> list[ClipJob]:
    jobs = []
    for path in find_videos(folder, exclude):
        athlete, clip_drill, day = parse_name(path, drill)
        jobs.append(ClipJob(path.resolve(), path.relative_to(folder).as_posix(), athlete, clip_drill, day))
    return jobs


def read_manifest(path: str | os.PathLike[str], drill: str = AUTO) -> list[ClipJob]:
    """Read the clips a manifest CSV lists, in its order (see the module docstring).

    Raises:
        ConfigError: unreadable file, missing columns or an empty path cell.
        UnknownDrillError: a drill cell that names no drill.

    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = [(c or "").strip().lower() for c in reader.fieldnames or []]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"manifest {path} could not be read ({exc}). Expected a CSV with columns "
                          f"{','.join(MANIFEST_COLUMNS)}[,date].") from exc
    missing = [c for c in MANIFEST_COLUMNS if c not in header]
    if missing:
        raise ConfigError(f"manifest {path}: missing column(s) {', '.join(missing)}; found "
                          f"{', '.join(header) or 'none'}. Expected a header row: {','.join(MANIFEST_COLUMNS)}[,date].")
    jobs = []
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        if not row["path"]:
            if any(row.values()):
                raise ConfigError(f"manifest {path}, line {line}: empty path. Give the clip's file, "
                                  "absolute or relative to the manifest's folder.")
            continue
        source = Path(row["path"]).expanduser()
        source = source if source.is_absolute() else path.parent / source
        athlete, name_drill, day = parse_name(source, drill)
        clip_drill = check_drill(row["drill"], f"manifest {path}, line {line}") if row["drill"] else name_drill
        person = row.get("person") or ""
        if person and not person.isdigit():
            raise ConfigError(f"manifest {path}, line {line}: person '{person}' is not an id. Give the number "
                              "`kneedrive people CLIP` lists for the athlete, or leave it empty.")
        jobs.append(ClipJob(Path(os.path.abspath(source)), Path(row["path"]).as_posix(), row["athlete"] or athlete,
                            clip_drill, row.get("date") or day, person=int(person) if person else None,
                            height_cm=_height(row.get("height_cm") or "", f"manifest {path}, line {line}"),
                            slow_motion=_slow_motion(row.get("slow_motion") or "", f"manifest {path}, line {line}")))
    return jobs


def _slow_motion(cell: str, where: str) -> float:
    """A manifest's ``slow_motion`` cell as a factor (1 when empty); raise a ConfigError naming the line."""
    from kneedrive_cv.video import check_slow_motion

    factor = _number(cell, where, "slow_motion", "how many times slower than real life the clip plays, e.g. 8",
                     check_slow_motion)
    return 1.0 if factor is None else factor


def _height(cell: str, where: str) -> float | None:
    """A manifest's ``height_cm`` cell as a height (None when empty); raise a ConfigError naming the line."""
    from kneedrive_cv.kinematics.distances import check_height

    return _number(cell, where, "height_cm", "centimetres, e.g. 178", check_height)


def _number(cell: str, where: str, column: str, expected: str, check: Callable[[float], float | None]
            ) -> float | None:
    """A manifest's number cell (None when empty), passed through ``check``; a ConfigError naming the line."""
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise ConfigError(f"{where}: {column} '{cell}' is not a number; expected {expected}.") from None
    try:
        return check(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}.") from exc


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned or "unknown"


def assign_keys(jobs: Iterable[ClipJob]) -> list[ClipJob]:
    """Set the jobs' output folders, ``<athlete>/<clip stem>``, unique within the batch."""
    taken: set[str] = set()
    out = []
    for job in jobs:
        athlete = _safe(job.athlete)
        stem = _safe(job.source.stem)
        candidates = [stem, _safe(f"{stem}_{job.source.suffix.lstrip('.')}")]
        candidates += [f"{candidates[1]}-{n}" for n in range(2, len(taken) + 3)]
        key = next(f"{athlete}/{c}" for c in candidates if f"{athlete}/{c}".lower() not in taken)
        taken.add(key.lower())
        out.append(replace(job, key=key))
    return out


def discover(inputs: str | os.PathLike[str] | Sequence[ClipJob], drill: str = AUTO,
             exclude: str | os.PathLike[str] | None = None) -> list[ClipJob]:
    """List the batch's clips, each with its athlete, drill, date and output folder.

    Args:
        inputs: a folder, a manifest ``.csv``, or clips already listed as :class:`ClipJob`.
        drill: the drill for clips whose name or manifest row names none (``auto`` to recognise it).
        exclude: a folder to leave out of the walk (the batch's own output folder).

    Raises:
        VideoError: the input does not exist, or holds no video.
        ConfigError, UnknownDrillError: a bad manifest or drill name.

    """
    drill = check_drill(drill)
    if not isinstance(inputs, str | os.PathLike):
        return assign_keys(inputs)
    path = Path(inputs)
    if not path.exists():
        raise VideoError(f"{path}: no such folder or file. Give a folder of clips or a manifest CSV "
                         f"({','.join(MANIFEST_COLUMNS)}[,date]).")
    if path.is_dir():
        jobs = _from_folder(path, drill, Path(exclude) if exclude is not None else None)
    elif path.suffix.lower() == ".csv":
        jobs = read_manifest(path, drill)
    else:
        raise VideoError(f"{path} is neither a folder nor a manifest .csv. For one clip use `kneedrive analyse`; "
                         "for a squad give the folder holding the clips.")
    if not jobs:
        raise VideoError(f"{path}: no video found (looked for {', '.join(sorted(VIDEO_EXTENSIONS))} files). "
                         "Give the folder that holds the squad's clips.")
    return assign_keys(jobs)
