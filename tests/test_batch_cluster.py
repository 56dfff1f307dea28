"""A squad on a real Dask ``LocalCluster`` (two worker processes) with the real model, against the local pool.

Three rendered sample clips and one file that is not a video. The pose tracks come from the session's cache
(the reference pool run fills it where it is empty), so each clip costs a worker a second or two: scoring and
writing the outputs. The cluster is started once for the module; the test that kills one of its workers runs
last.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from kneedrive_cv.batch import run_batch
from kneedrive_cv.batch.store import MARKER

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")

pytestmark = pytest.mark.model

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
#: Sample clip -> its name in the squad folder (athlete ana, ben, cat).
CLIPS = {"wall_drill.mp4": "ana_wall.mp4", "hip_flexion_hold.mp4": "ben_hold.mp4", "walking.mp4": "cat_walk.mp4"}


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("squad")
    for sample, name in CLIPS.items():
        shutil.copy(SAMPLES / sample, src / name)
    (src / "dan_notes.mp4").write_text("not a clip\n")
    return src


@pytest.fixture(scope="module")
def pool(squad: Path, tmp_path_factory: pytest.TempPathFactory):
    """The local pool's run of the squad: the reference."""
    return run_batch(squad, tmp_path_factory.mktemp("pool"), jobs=2)


@pytest.fixture(scope="module")
def cluster():
    from kneedrive_cv.cluster import local_cluster

    with local_cluster(2) as open_cluster:
        yield open_cluster


@pytest.fixture(scope="module")
def shared(squad: Path, pool, cluster, tmp_path_factory: pytest.TempPathFactory):
    return run_batch(squad, tmp_path_factory.mktemp("shared"), cluster=cluster, files="shared")


def _worker_pids(folder: Path) -> set[int]:
    return {json.loads(p.read_text())["worker_pid"] for p in folder.glob(f"*/*/{MARKER}")}


def test_the_cluster_gives_the_local_pools_summary(pool, shared, cluster) -> None:
    assert [r["status"] for r in pool.rows] == ["ok", "ok", "ok", "failed"]
    assert shared.rows == pool.rows
    assert shared.summary_csv.read_text() == pool.summary_csv.read_text()
    assert shared.analysed == 4
    workers = set(cluster.client.run(os.getpid).values())
    assert len(workers) == 2 and _worker_pids(shared.out_dir) <= workers  # the clips ran on the cluster's processes
    log = (shared.out_dir / "batch.log").read_text()
    assert "on a local Dask cluster of 2 worker processes; dashboard: " in log


def test_without_a_shared_folder_the_results_are_the_same_bytes(squad: Path, shared, cluster, tmp_path: Path) -> None:
    sent = run_batch(squad, tmp_path / "sent", cluster=cluster, files="send")
    assert sent.rows == shared.rows
    for row in sent.rows:
        here, there = shared.out_dir / row["outputs"], sent.out_dir / row["outputs"]
        names = sorted(p.relative_to(here).as_posix() for p in here.rglob("*") if p.is_file())
        assert names == sorted(p.relative_to(there).as_posix() for p in there.rglob("*") if p.is_file())
        if row["status"] == "ok":
            assert (there / "report.json").read_bytes() == (here / "report.json").read_bytes()
            assert json.loads((there / "analysis.json").read_text())["clip_path"] == str(squad / row["clip"])
        for name in names:
            if name != MARKER:
                assert (there / name).read_bytes() == (here / name).read_bytes(), f"{row['clip']}: {name} differs"


def _kill_when_started(folder: Path, stem: str, killed: list[int], stop: threading.Event) -> None:
    """Kill the worker process that starts analysing ``stem`` (its temporary folder names its pid)."""
    while not stop.is_set():
        for part in folder.glob(f"*/.{stem}.part-*"):
            pid = int(part.name.rsplit(".part-", 1)[1].split("-")[0])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.01)


def test_a_worker_killed_mid_clip_loses_nothing(squad: Path, pool, cluster, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    killed: list[int] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_kill_when_started, args=(out, "ana_wall", killed, stop), daemon=True)
    watcher.start()
    try:
        result = run_batch(squad, out, cluster=cluster, files="shared")
    finally:
        stop.set()
        watcher.join()
    assert len(killed) == 1  # the worker died with the clip half done ...
    assert result.rows == pool.rows  # ... and the clip was finished by another worker; every clip is there
    marker = json.loads((out / "ana" / "ana_wall" / MARKER).read_text())
    assert marker["status"] == "ok" and marker["worker_pid"] != killed[0]
    rerun = run_batch(squad, out, cluster=cluster, files="shared")
    assert rerun.analysed == 0 and rerun.rows == pool.rows
    assert not [p for p in out.glob("*/.*") if ".part-" in p.name]  # the dead worker's half-done folder is gone
