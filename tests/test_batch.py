"""Squad batch scoring, with a fake analysis (no model): discovery, failures, resume, force, executors, CLI.

The fake reads a "clip" that is a small JSON file naming its score and faults, and appends the clip's name to
the file in $KD_FAKE_CALLS each time it is called, which works whatever process runs it.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kneedrive_cv.batch import ClipSummary, discover, parse_name, read_manifest, run_batch
from kneedrive_cv.batch.store import MARKER, ClipStore, locked, pid_alive
from kneedrive_cv.cli import main
from kneedrive_cv.errors import ConfigError, NoPersonError, OutputError, UnknownDrillError, VideoError
from kneedrive_cv.output.summary import summarise

MODEL = "test-model"


def fake_analyse(clip: Path, out_dir: Path, drill: str, overlay: bool, **options: Any) -> ClipSummary:
    """Stands in for analyse + write_outputs: JSON "clips" give results, anything else fails like a bad video."""
    if os.environ.get("KD_FAKE_CALLS"):
        with open(os.environ["KD_FAKE_CALLS"], "a") as fh:
            fh.write(clip.name + "\n")
    data = clip.read_bytes()
    if not data:
        raise VideoError(f"{clip.name} is empty (0 bytes)")
    if not data.startswith(b"{"):
        raise VideoError(f"{clip.name} is not a video that can be read")
    spec = json.loads(data)
    if spec.get("nobody"):
        raise NoPersonError(f"{clip.name}: a person was found in only 0 of 40 frames")
    if spec.get("bug"):
        raise ZeroDivisionError("a bug in the analysis")
    if spec.get("crash"):
        os._exit(3)  # a worker dying in native code
    (out_dir / "report.html").write_text(f"<p>{clip.name}</p>")
    time.sleep(spec.get("sleep", 0) / 2)
    (out_dir / "report.json").write_text(json.dumps(spec))
    time.sleep(spec.get("sleep", 0) / 2)
    if overlay:
        (out_dir / "overlay.mp4").write_bytes(b"not really a video")
    faults = spec.get("faults", {})
    return ClipSummary(spec.get("drill", "piston_run" if drill == "auto" else drill), spec.get("score"), 180.0,
                       spec.get("reps", 4), fault_counts=faults, cues={c: f"cue for {c}" for c in faults},
                       files={"report": "report.html", "json": "report.json"})


def _clip(path: Path, **spec: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec))
    return path


def _squad(folder: Path) -> Path:
    """Two good clips, an empty one, a text file named .mp4 and one that trips a bug."""
    _clip(folder / "ana_wall_drill_take1.mp4", score=71.25, faults={"low_knee": 3, "soggy_foot": 1, "body_angle": 3})
    _clip(folder / "ben" / "clip2.MOV", score=55.0, drill="pocket_run", faults={"dragged_leg": 2})
    (folder / "cat.mp4").write_bytes(b"")
    (folder / "dan.mp4").write_text("hello\n")
    _clip(folder / "eve_piston_run.mkv", bug=True)
    return folder


def _calls(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="") as fh:
        return {r["clip"]: r for r in csv.DictReader(fh)}


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "calls.txt"
    monkeypatch.setenv("KD_FAKE_CALLS", str(path))
    return path


def _run(inputs: Path | str, out: Path, **kw: object):
    """A batch on two threads with the fake analysis."""
    kw.setdefault("model_id", MODEL)
    with ThreadPoolExecutor(2) as pool:
        return run_batch(inputs, out, executor=pool, analyse_fn=fake_analyse, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- discovery

@pytest.mark.parametrize(("name", "default", "athlete", "drill", "day"), [
    ("squad/ana_wall_drill_take2.mp4", "auto", "ana", "wall_drill", ""),
    ("squad/ben_2024-05-01_piston-run.MOV", "auto", "ben", "piston_run", "2024-05-01"),
    ("squad/Cat_Pocket Run_20240502.mp4", "auto", "Cat", "pocket_run", "2024-05-02"),
    ("squad/dan_HIP_FLEXION_HOLD.mp4", "auto", "dan", "hip_flexion_hold", ""),
    ("squad/kim_high-knees.mp4", "auto", "kim", "high_knees", ""),          # any drill of the registry
    ("squad/eve_sprint.mp4", "wall_drill", "eve", "wall_drill", ""),          # no drill in the name: --drill
    ("squad/fay/clip1.mp4", "auto", "fay", "auto", ""),                      # no underscore: the folder
    ("squad/gus/_wall_drill.mp4", "auto", "gus", "wall_drill", ""),          # empty athlete part: the folder
    ("squad/wall_drill_hal.mp4", "auto", "wall", "auto", ""),                # before the first _: the athlete
    ("squad/ivy_piston_run_then_wall_drill.mp4", "auto", "ivy", "piston_run", ""),  # the first drill named wins
    ("squad/jo_20241340.mp4", "auto", "jo", "auto", ""),                     # not a real date
])
def test_filename_rule(name: str, default: str, athlete: str, drill: str, day: str) -> None:
    assert parse_name(Path(name), default) == (athlete, drill, day)


def test_folder_discovery_finds_videos_only_and_gives_unique_folders(tmp_path: Path) -> None:
    src = tmp_path / "in"
    for rel in ("b/ana.mp4", "ana.mp4", "ana.MOV", "x.M4V", "y.avi", "z.webm", "w.mkv", "notes.txt", "._ana.mp4",
                ".hidden/v.mp4", "out/ana/old/overlay.mp4"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("{}")
    jobs = discover(src, exclude=src / "out")
    assert [j.clip for j in jobs] == ["ana.MOV", "ana.mp4", "b/ana.mp4", "w.mkv", "x.M4V", "y.avi", "z.webm"]
    assert [j.key for j in jobs][:3] == ["in/ana", "in/ana_mp4", "b/ana"]
    assert all(j.source.is_absolute() and j.drill == "auto" for j in jobs)


def test_manifest(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    manifest = tmp_path / "lists" / "squad.csv"
    manifest.parent.mkdir()
    manifest.write_text("path,athlete,drill,date\n"
                        "../clips/one.mp4,Ana Lee,wall_drill,2024-05-01\n"
                        f"{clips / 'ben_pocket_run.mp4'},,,\n"
                        ",,,\n"
                        "../clips/two.mov,Ana Lee,,\n")
    jobs = read_manifest(manifest, drill="piston_run")
    assert [(j.clip, j.athlete, j.drill, j.date) for j in jobs] == [
        ("../clips/one.mp4", "Ana Lee", "wall_drill", "2024-05-01"),
        ((clips / "ben_pocket_run.mp4").as_posix(), "ben", "pocket_run", ""),
        ("../clips/two.mov", "Ana Lee", "piston_run", ""),
    ]
    assert jobs[0].source == (clips / "one.mp4").resolve()
    assert all(j.person is None for j in jobs)


def test_a_manifest_names_the_person_to_analyse_in_a_clip_with_several(tmp_path: Path) -> None:
    (tmp_path / "one.mp4").write_text('{"reps": 3}')
    (tmp_path / "two.mp4").write_text('{"reps": 3}')
    manifest = tmp_path / "squad.csv"
    manifest.write_text("path,athlete,drill,person\none.mp4,ana,wall_drill,3\ntwo.mp4,ben,wall_drill,\n")
    assert [j.person for j in read_manifest(manifest)] == [3, None]
    asked: list[int | None] = []

    def analyse(clip: Path, out_dir: Path, drill: str, overlay: bool, person: int | None = None,
                **options: Any) -> ClipSummary:
        asked.append(person)
        return fake_analyse(clip, out_dir, drill, overlay)

    with ThreadPoolExecutor(1) as pool:
        run_batch(manifest, tmp_path / "out", executor=pool, analyse_fn=analyse, model_id=MODEL)
    assert sorted(asked, key=str) == [3, None]
    manifest.write_text("path,athlete,drill,person\none.mp4,ana,wall_drill,the tall one\n")
    with pytest.raises(ConfigError, match="line 2: person 'the tall one' is not an id"):
        read_manifest(manifest)


def test_the_manifest_heads_each_clips_reports_with_athlete_date_and_name(tmp_path: Path) -> None:
    (tmp_path / "squad").mkdir()
    (tmp_path / "squad" / "one.mp4").write_text('{"reps": 3}')
    (tmp_path / "two.mp4").write_text('{"reps": 3}')
    manifest = tmp_path / "squad.csv"
    manifest.write_text("path,athlete,drill,date\nsquad/one.mp4,Ana Silva,wall_drill,2024-05-01\n"
                        "two.mp4,ben,wall_drill,\n")
    headings: dict[str, Any] = {}

    def analyse(clip: Path, out_dir: Path, drill: str, overlay: bool, **options: Any) -> ClipSummary:
        headings[clip.name] = options["heading"]
        return fake_analyse(clip, out_dir, drill, overlay)

    with ThreadPoolExecutor(1) as pool:
        run_batch(manifest, tmp_path / "out", executor=pool, analyse_fn=analyse, model_id=MODEL)
    assert headings == {"one.mp4": {"athlete": "Ana Silva", "filmed": "2024-05-01", "clip": "one.mp4"},
                        "two.mp4": {"athlete": "ben", "filmed": None, "clip": "two.mp4"}}


@pytest.mark.parametrize(("text", "error", "says"), [
    ("file,who\nx.mp4,ana\n", ConfigError, "missing column(s) path, athlete, drill"),
    ("path,athlete,drill\nx.mp4,ana,skipping\n", UnknownDrillError, "line 2: unknown drill 'skipping'"),
    ("path,athlete,drill\n,ana,wall_drill\n", ConfigError, "line 2: empty path"),
])
def test_bad_manifest_says_what_is_wrong(tmp_path: Path, text: str, error: type, says: str) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(error, match=None) as info:
        discover(manifest)
    assert says in str(info.value)


def test_input_without_videos_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(VideoError, match="no video found"):
        discover(tmp_path)
    with pytest.raises(UnknownDrillError, match="Valid drills: auto, hip_flexion_hold, wall_drill"):
        discover(tmp_path, drill="skipping")


# --------------------------------------------------------------------------------------------- one batch

def test_bad_clips_get_failed_rows_and_the_rest_is_scored(tmp_path: Path, calls: Path) -> None:
    out = tmp_path / "out"
    result = _run(_squad(tmp_path / "in"), out)
    rows = _rows(out / "summary.csv")
    assert list(rows) == ["ana_wall_drill_take1.mp4", "ben/clip2.MOV", "cat.mp4", "dan.mp4", "eve_piston_run.mkv"]
    assert rows["ana_wall_drill_take1.mp4"] == {
        "clip": "ana_wall_drill_take1.mp4", "athlete": "ana", "drill": "wall_drill", "status": "ok", "reason": "",
        "score": "71.2", "cadence_spm": "180.0", "reps": "4", "top_faults": "body_angle;low_knee;soggy_foot",
        "date": "", "outputs": "ana/ana_wall_drill_take1"}
    assert (rows["ben/clip2.MOV"]["athlete"], rows["ben/clip2.MOV"]["drill"]) == ("ben", "pocket_run")
    assert {c: (r["status"], r["reason"]) for c, r in rows.items() if r["status"] != "ok"} == {
        "cat.mp4": ("failed", "cat.mp4 is empty (0 bytes)"),
        "dan.mp4": ("failed", "dan.mp4 is not a video that can be read"),
        "eve_piston_run.mkv": ("failed", "unexpected error ZeroDivisionError: a bug in the analysis")}
    assert (result.failed, result.analysed, result.reused) == (3, 5, 0)
    assert sorted(_calls(calls)) == sorted(p.name for p in (tmp_path / "in").rglob("*.*"))
    log = (out / "batch.log").read_text()
    assert "FAILED cat.mp4: cat.mp4 is empty" in log
    assert log.count("Traceback") == 1 and "ZeroDivisionError: a bug in the analysis" in log
    marker = json.loads((out / "in" / "cat" / MARKER).read_text())
    assert (marker["status"], marker["retry"], marker["fingerprint"]["model"]) == ("failed", False, MODEL)
    assert sorted(p.name for p in (out / "ana" / "ana_wall_drill_take1").iterdir()) == [
        MARKER, "report.html", "report.json"]


def test_squad_page(tmp_path: Path, calls: Path) -> None:
    out = tmp_path / "out"
    _run(_squad(tmp_path / "in"), out, overlay=True)
    page = (out / "index.html").read_text()
    assert page.startswith("<!doctype html>") and "<script>" in page and 'class="sortable"' in page
    assert "5 clips of 4 athletes: 2 scored, 3 failed" in page
    assert 'href="ana/ana_wall_drill_take1/report.html"' in page
    assert 'href="ana/ana_wall_drill_take1/overlay.mp4"' in page
    assert "href=\"in/cat/report.html\"" not in page  # a failed clip has no report to link to
    assert "<code>low_knee</code> in 3 reps: cue for low_knee" in page
    assert page.count("<svg") == 2 and ">71<" in page  # the score chart shows ana's mean
    assert "cat.mp4 is empty (0 bytes)" in page
    assert "src=\"http" not in page and "href=\"http" not in page  # self-contained
    squad = page[page.index('id="squad"'):page.index("</table>", page.index('id="squad"'))]
    assert squad.index("ana_wall_drill_take1.mp4") < squad.index("ben/clip2.MOV") < squad.index("cat.mp4")


def test_summarise_a_report(tmp_path: Path) -> None:
    def rep(score: float | None, *faults: tuple[str, str]) -> dict[str, object]:
        return {"index": 1, "side": "left", "score": score,
                "faults": [{"code": code, "cue": cue, "detail": ""} for code, cue in faults]}

    low_knee, soggy_foot = ("low_knee", "drive the knee"), ("soggy_foot", "toes up")
    report = {"drill": "wall_drill", "cadence_spm": float("nan"), "video": {"frames": 90, "truncated": False},
              "reps": [rep(80.0, low_knee), {**rep(None), "unmeasured": ["peak_thigh_deg"]},
                       rep(60.0, low_knee, soggy_foot)]}
    got = summarise(report, {"report": tmp_path / "report.html", "kinogram": tmp_path / "plots" / "k.png"}, tmp_path)
    # what a rep was not judged on goes with it to the web app's and the squad page's rows
    assert [r["unmeasured"] for r in got.reps] == [None, ["peak_thigh_deg"], None]
    assert (got.drill, got.mean_score, got.cadence_spm, got.n_reps) == ("wall_drill", 70.0, None, 3)
    assert (got.fault_counts, got.cues, got.files, got.notes) == (
        {"low_knee": 2, "soggy_foot": 1}, {"low_knee": "drive the knee", "soggy_foot": "toes up"},
        {"report": "report.html", "kinogram": "plots/k.png"}, [])
    nothing = {"drill": "none", "cadence_spm": 112.9, "reps": [], "video": {"frames": 30, "truncated": True},
               "drill_reasons": ["knees peak at 31 deg (under 55)"]}
    assert summarise(nothing, {}, tmp_path).notes == [
        "no knee-drive drill seen: knees peak at 31 deg (under 55)",
        "file truncated: the 30 frames before the damage were analysed"]


# --------------------------------------------------------------------------------------------- resume

def test_rerun_recomputes_nothing(tmp_path: Path, calls: Path) -> None:
    src = _squad(tmp_path / "in")
    (src / "eve_piston_run.mkv").unlink()  # the bug is retried on a rerun (see below); leave it out here
    out = tmp_path / "out"
    _run(src, out)
    first = (out / "summary.csv").read_text()
    calls.unlink()
    result = _run(src, out)
    assert _calls(calls) == []  # the analysis was never called
    assert (result.analysed, result.reused, result.failed) == (0, 4, 2)
    assert (out / "summary.csv").read_text() == first


def test_rerun_retries_only_failures_that_may_not_recur(tmp_path: Path, calls: Path) -> None:
    src = _squad(tmp_path / "in")
    out = tmp_path / "out"
    _run(src, out)
    calls.unlink()
    _run(src, out)
    assert _calls(calls) == ["eve_piston_run.mkv"]  # a bug may be fixed; an empty file stays empty


def test_what_a_result_depends_on(tmp_path: Path, calls: Path) -> None:
    src = _squad(tmp_path / "in")
    (src / "eve_piston_run.mkv").unlink()
    out = tmp_path / "out"
    _run(src, out)
    calls.unlink()
    _clip(src / "ana_wall_drill_take1.mp4", score=90.0)  # new content
    _run(src, out)
    assert _calls(calls) == ["ana_wall_drill_take1.mp4"]
    assert _rows(out / "summary.csv")["ana_wall_drill_take1.mp4"]["score"] == "90.0"
    for changed in ({"overlay": True}, {"force": True}, {"model_id": "another-model"}):
        calls.unlink()
        _run(src, out, **changed)
        assert len(_calls(calls)) == 4, changed


def test_killed_batch_resumes_to_the_same_summary(tmp_path: Path, calls: Path) -> None:
    src = tmp_path / "in"
    for i, name in enumerate(("ana_wall_drill.mp4", "ben_wall_drill.mp4", "cat_pocket_run.mp4", "dan_piston_run.mp4")):
        _clip(src / name, score=50.0 + i, faults={"low_knee": i + 1}, sleep=0.6)
    (src / "eve.mp4").write_text("hello")
    reference = tmp_path / "reference"
    _run(src, reference)

    out = tmp_path / "out"
    script = tmp_path / "batch_job.py"
    script.write_text("import sys\n"
                      f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                      "from test_batch import MODEL, fake_analyse\n"
                      "from kneedrive_cv.batch import run_batch\n"
                      "if __name__ == '__main__':\n"
                      "    run_batch(sys.argv[1], sys.argv[2], jobs=1, analyse_fn=fake_analyse, model_id=MODEL)\n")
    job = subprocess.Popen([sys.executable, str(script), str(src), str(out)], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob(f"*/*/{MARKER}")) and time.monotonic() < deadline and job.poll() is None:
            time.sleep(0.02)
        time.sleep(0.3)  # into the second clip: it is half written when the kill comes
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    for part in out.glob("*/.*.part-*"):  # the killed worker takes a moment to die
        pid = int(part.name.split(".part-")[1].split("-")[0])
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.02)
    finished = {p.parent.relative_to(out).as_posix() for p in out.glob(f"*/*/{MARKER}")}
    assert 1 <= len(finished) < 5
    assert not (out / "summary.csv").exists()
    assert all((d / MARKER).exists() for d in out.glob("*/*") if not d.name.startswith("."))  # nothing half written
    calls.unlink()
    result = _run(src, out)
    assert result.reused == len(finished) and result.analysed == 5 - len(finished)
    assert len(_calls(calls)) == 5 - len(finished)
    assert (out / "summary.csv").read_text() == (reference / "summary.csv").read_text()
    assert not [p for p in out.glob("*/.*") if ".part-" in p.name]  # the killed run's temporary folder is gone


def test_one_batch_per_output_folder(tmp_path: Path) -> None:
    with locked(tmp_path), pytest.raises(OutputError, match="another batch is writing"):
        _run(_squad(tmp_path / "in"), tmp_path)


def test_stale_temporary_folders_are_removed(tmp_path: Path) -> None:
    store = ClipStore(tmp_path)
    tmp = store.new_temp("ana/clip")
    dead = tmp.with_name(".clip.part-999999999-abcd")
    tmp.rename(dead)
    alive = store.new_temp("ana/other")  # this process is alive: its folder is kept
    assert store.clean_stale() == 1
    assert not dead.exists() and alive.exists()


# --------------------------------------------------------------------------------------------- executors

def test_process_pool_gives_the_same_rows_as_threads(tmp_path: Path, calls: Path) -> None:
    src = _squad(tmp_path / "in")
    _run(src, tmp_path / "threads")
    result = run_batch(src, tmp_path / "procs", jobs=2, analyse_fn=fake_analyse, model_id=MODEL)
    assert result.rows == list(_rows(tmp_path / "threads" / "summary.csv").values())
    pids = {json.loads(p.read_text())["worker_pid"] for p in (tmp_path / "procs").glob(f"*/*/{MARKER}")}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_a_crashing_worker_fails_only_its_clip(tmp_path: Path, calls: Path) -> None:
    src = _squad(tmp_path / "in")
    _clip(src / "fay_wall_drill.mp4", crash=True)
    result = run_batch(src, tmp_path / "out", jobs=2, analyse_fn=fake_analyse, model_id=MODEL)
    rows = {r["clip"]: r for r in result.rows}
    assert rows["fay_wall_drill.mp4"]["status"] == "failed"
    assert "worker process died" in rows["fay_wall_drill.mp4"]["reason"]
    assert [c for c, r in rows.items() if r["status"] == "ok"] == ["ana_wall_drill_take1.mp4", "ben/clip2.MOV"]


def test_dask_distributed_executor(tmp_path: Path, calls: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    src = _squad(tmp_path / "in")
    _run(src, tmp_path / "threads")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0")
    with cluster, distributed.Client(cluster) as client:
        result = run_batch(src, tmp_path / "dask", executor=client.get_executor(), analyse_fn=fake_analyse,
                           model_id=MODEL)
    assert result.rows == list(_rows(tmp_path / "threads" / "summary.csv").values())


@pytest.fixture(scope="module")
def thread_cluster():
    """A Dask cluster of one in-process worker with two threads (the fake analysis needs no processes)."""
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    from kneedrive_cv.cluster import Cluster

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0") as lc, \
            distributed.Client(lc, set_as_default=False) as client:
        yield Cluster(client, "a test cluster", "none")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in (MARKER, "batch.log")}


@pytest.mark.parametrize(("files", "unseen"), [("shared", False), ("send", False), ("auto", False), ("auto", True)])
def test_cluster_gives_the_same_results_with_shared_or_sent_files(tmp_path: Path, calls: Path, thread_cluster,
                                                                   monkeypatch: pytest.MonkeyPatch, files: str,
                                                                   unseen: bool) -> None:
    import kneedrive_cv.batch.cluster as on_cluster

    src = _squad(tmp_path / "in")
    _run(src, tmp_path / "threads")
    if unseen:  # workers that see neither the clips nor the output folder: every clip is sent again, with its bytes
        monkeypatch.setattr(on_cluster, "_sees", lambda seen, clip: False)
    sent: list[bool] = []
    submit = on_cluster._Run.submit
    monkeypatch.setattr(on_cluster._Run, "submit", lambda run, task, send: (sent.append(send), submit(run, task, send)))
    out = tmp_path / "cluster"
    result = run_batch(src, out, cluster=thread_cluster, files=files, analyse_fn=fake_analyse, model_id=MODEL)
    assert result.rows == list(_rows(tmp_path / "threads" / "summary.csv").values())
    assert _files(out) == _files(tmp_path / "threads")
    assert sent.count(True) == {"shared": 0, "send": 5, "auto": 5 if unseen else 0}[files]
    assert len(sent) == 5 + sent.count(True) * (files == "auto")
    pids = {json.loads(p.read_text()).get("worker_pid") for p in out.glob(f"*/*/{MARKER}")}
    assert pids == {os.getpid()}  # every marker is the worker's, none a "lost" one
    assert not list(out.glob(".cluster-*")) and not [p for p in out.glob("*/.*") if ".part-" in p.name]
    again = run_batch(src, out, cluster=thread_cluster, files=files, analyse_fn=fake_analyse, model_id=MODEL)
    assert again.analysed == 1 and again.rows == result.rows  # only the bug is tried again


def test_sent_results_name_the_original_clip(tmp_path: Path) -> None:
    from kneedrive_cv.cluster import receive, run_sent

    def work(clip: Path, out: Path, word: str) -> str:
        (out / "plots").mkdir()
        (out / "plots" / "a.txt").write_text(word + clip.read_text())
        (out / "analysis.json").write_text(json.dumps({"clip_path": str(clip.resolve()), "drill": "auto"}, indent=2))
        return clip.name

    sent = run_sent(work, "ana_wall_drill.mp4", b"!", "hi")
    assert sent.value == "ana_wall_drill.mp4" and not Path(sent.clip).exists()  # the worker's copy is gone
    clip = tmp_path / "squad" / "ana_wall_drill.mp4"
    receive(sent.files, tmp_path / "out", sent.clip, clip)
    assert (tmp_path / "out" / "plots" / "a.txt").read_text() == "hi!"
    assert (tmp_path / "out" / "analysis.json").read_text() == json.dumps(
        {"clip_path": str(clip.resolve()), "drill": "auto"}, indent=2)
    with pytest.raises(ValueError, match="outside its folder"):
        receive({"../evil.txt": b""}, tmp_path / "out", sent.clip, clip)


def test_progress_shows_clips_in_flight_per_worker() -> None:
    import io

    from kneedrive_cv.batch.progress import Progress

    stream = io.StringIO()
    shown = Progress(stream, total=3)
    shown.in_flight({"10.0.0.5:4001": ["ana.mp4"], "10.0.0.6:4001": ["ben.mp4", "cat.mp4"]})
    assert shown.line().endswith("; in flight: 10.0.0.5:4001 ana.mp4 | 10.0.0.6:4001 ben.mp4, cat.mp4")
    shown.update("ana.mp4", "ok")
    assert stream.getvalue().splitlines()[-1] == ("batch: 1/3 clips done, 0 failed, about 0 s left (last: ana.mp4 ok); "
                                                  "in flight: 10.0.0.6:4001 ben.mp4, cat.mp4")


def test_command_on_a_local_cluster(tmp_path: Path, calls: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import kneedrive_cv.cluster as cluster
    import kneedrive_cv.commands.batch as command

    monkeypatch.setattr(command, "run_batch", functools.partial(run_batch, analyse_fn=fake_analyse, model_id=MODEL))
    monkeypatch.setattr(cluster, "has_bokeh", lambda: False)
    src = _squad(tmp_path / "in")
    _run(src, tmp_path / "threads")
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out), "--cluster", "local", "--jobs", "2", "--files", "send"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"3 of 5 clips failed: see {out / 'summary.csv'}"
    assert ("on a local Dask cluster of 2 worker processes; dashboard: none (the dashboard needs bokeh: "
            "`pip install bokeh`)") in captured.err
    assert "batch: 5/5 clips done, 3 failed" in captured.err
    assert (out / "summary.csv").read_text() == (tmp_path / "threads" / "summary.csv").read_text()
    pids = {json.loads(p.read_text())["worker_pid"] for p in out.glob(f"*/*/{MARKER}")}
    assert len(pids) == 2 and os.getpid() not in pids  # both worker processes took clips
    (src / "eve_piston_run.mkv").unlink()  # the one failure to be tried again
    assert main(["batch", str(src), "--out", str(out), "--cluster", "local"]) == 1
    assert "local Dask cluster" not in capsys.readouterr().err  # nothing to analyse: no cluster started


def test_without_dask_the_cluster_options_say_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed: importing it fails
    src = _squad(tmp_path / "in")
    assert main(["batch", str(src), "--out", str(tmp_path / "out"), "--cluster", "local"]) == 2
    assert capsys.readouterr().err.strip() == ("kneedrive: error: running on a Dask cluster needs dask's distributed "
                                               "scheduler, which is not installed. Install it with: "
                                               'pip install "kneedrive-cv[cluster]"')


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    import kneedrive_cv.cluster as cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    src = _squad(tmp_path / "in")
    assert main(["batch", str(src), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("kneedrive: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert "Traceback" not in "".join(err)


# --------------------------------------------------------------------------------------------- the command

def test_command_exit_code_and_last_line(tmp_path: Path, calls: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import kneedrive_cv.commands.batch as command

    monkeypatch.setattr(command, "run_batch", functools.partial(run_batch, analyse_fn=fake_analyse, model_id=MODEL))
    src = _squad(tmp_path / "in")
    out = tmp_path / "out"
    assert main(["batch", str(src), "--out", str(out), "--jobs", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"3 of 5 clips failed: see {out / 'summary.csv'}"
    assert "batch: 5/5 clips done, 3 failed" in captured.err
    for bad in ("cat.mp4", "dan.mp4", "eve_piston_run.mkv"):
        (src / bad).unlink()
    assert main(["batch", str(src), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"all 2 clips scored: see {out / 'summary.csv'}"
    assert main(["batch", str(src), "--out", str(out), "--drill", "skipping"]) == 2
    assert "unknown drill 'skipping'" in capsys.readouterr().err


def test_help_documents_the_filename_rule(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    text = capsys.readouterr().out
    assert "athlete_drill_anything.mp4" in text and "path,athlete,drill[,date]" in text and "--force" in text


@pytest.mark.browser
def test_squad_table_sorts_by_score_in_a_browser(tmp_path: Path, calls: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = os.environ.get("KNEEDRIVE_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium} (tests/setup_browser.sh installs it)")
    src = _squad(tmp_path / "in")
    _clip(src / "fay_wall_drill.mp4", score=88.0)
    _run(src, tmp_path / "out")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto((tmp_path / "out" / "index.html").as_uri())

        def scores() -> list[str]:
            return page.eval_on_selector_all("#squad tbody tr", "rows => rows.map(r => r.cells[3].textContent)")

        first = scores()
        page.click("#squad th:nth-child(4)")
        ascending = scores()
        page.click("#squad th:nth-child(4)")
        descending = scores()
        browser.close()
    assert first == ["88.0", "71.2", "55.0", "", "", ""]  # best first when the page opens
    assert ascending == ["55.0", "71.2", "88.0", "", "", ""]  # clips without a score stay at the bottom
    assert descending == first
