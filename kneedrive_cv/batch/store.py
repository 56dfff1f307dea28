"""The batch's output folder as a resumable store: every clip's folder appears whole or not at all.

A clip is analysed into a hidden temporary folder beside its final place, ``<athlete>/.<clip>.part-<pid>-<tag>``;
its marker ``done.json`` is written last, and the folder is then renamed into place. A batch killed at any
moment therefore leaves finished clip folders (each with its marker) and perhaps a temporary folder, which
the next run removes. The marker records what the result was made from (its *fingerprint*: the clip's
content hash, the pose model, the drill asked for, the settings and the package version) and the clip's
summary row, so a rerun can skip the clip and still write the squad summary without reading any report.

Files the batch writes at the top of the folder (``summary.csv``, ``index.html``) are written under a
temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kneedrive_cv.errors import OutputError

MARKER = "done.json"
LOCK = ".batch.lock"
#: 2: the result is a ClipSummary (``mean_score``, ``n_reps``, the reps...), as the web app keeps it.
MARKER_VERSION = 2


def fingerprint(content_sha256: str, model_id: str, drill: str, overlay: bool, version: str) -> dict[str, Any]:
    """Return what a clip's result depends on; a rerun reuses a result only when all of it matches."""
    return {"content_sha256": content_sha256, "model": model_id, "drill": drill,
            "settings": {"overlay": bool(overlay)}, "version": version, "marker_version": MARKER_VERSION}


def pid_alive(pid: int) -> bool:
    """Whether a process still runs (a killed one waiting to be reaped, a zombie, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): the signal test is all there is
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


class ClipStore:
    """Clip folders ``<root>/<athlete>/<clip>/`` with their ``done.json`` markers."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def final_dir(self, key: str) -> Path:
        """Where a clip's outputs live once finished."""
        return self.root / key

    def marker(self, key: str) -> dict[str, Any] | None:
        """Return the clip's marker, or ``None`` when it has none (or an unreadable one)."""
        try:
            data = json.loads((self.final_dir(key) / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def reusable(self, key: str, fp: dict[str, Any]) -> dict[str, Any] | None:
        """Return the marker if the clip's result can be reused: same fingerprint, not a failure to retry.

        A failure caused by the clip itself (not a video, nobody in it, too short: a :class:`KneedriveError`)
        is as final as a success for the same content and settings. A failure that may not happen again
        (a bug, a crash, a full disk) is marked ``retry`` and tried again.
        """
        found = self.marker(key)
        if found is None or found.get("fingerprint") != fp:
            return None
        if found.get("status") != "ok" and found.get("retry", True):
            return None
        return found

    def new_temp(self, key: str) -> Path:
        """Make a fresh temporary folder beside the clip's final one."""
        final = self.final_dir(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.part-{os.getpid()}-{secrets.token_hex(4)}")
        tmp.mkdir()
        return tmp

    def commit(self, tmp: Path, key: str, marker: dict[str, Any]) -> Path:
        """Write the marker into ``tmp``, then put ``tmp`` in the clip's place (replacing an older result)."""
        (tmp / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True), encoding="utf-8")
        final = self.final_dir(key)
        for _ in range(5):
            try:
                os.rename(tmp, final)
                return final
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                    raise
            old = final.with_name(f".{final.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
            with contextlib.suppress(FileNotFoundError):  # another process may have moved it first
                os.rename(final, old)
                shutil.rmtree(old, ignore_errors=True)
        raise OutputError(f"cannot put the results of {key} in place at {final}: it keeps being replaced. "
                          "Is another batch writing to the same folder?")

    def clean_stale(self) -> int:
        """Remove temporary folders left by runs that were killed; returns how many."""
        removed = 0
        for athlete in (p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for tmp in athlete.glob(".*.part-*"):
                pid = tmp.name.rsplit(".part-", 1)[-1].split("-")[0]
                if tmp.is_dir() and (not pid.isdigit() or not pid_alive(int(pid))):
                    shutil.rmtree(tmp, ignore_errors=True)
                    removed += 1
            for old in athlete.glob(".*.old-*"):
                shutil.rmtree(old, ignore_errors=True)
        return removed


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the output folder's lock for the batch's duration: two batches never write one folder at once."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        fh = open(root / LOCK, "w")  # noqa: SIM115 - held open for the lock's lifetime
    except OSError as exc:
        raise OutputError(f"cannot write to {root}: {exc.strerror or exc}. "
                          "Choose an output folder you can write to.") from exc
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputError(f"another batch is writing to {root}. "
                              "Wait for it to finish, or choose another --out.") from exc
        yield
    finally:
        fh.close()
