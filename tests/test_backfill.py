"""``undertow backfill`` on both engines: the same record as ``ingest``, resumable, and a run killed
mid-way (the whole process, or one Ray worker) leaves every document stored exactly once after the
rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from conftest import DEMO
from undertow.backfill import BackfillOptions, backfill
from undertow.pipeline import PipelineOptions
from undertow.store import Store
from undertow.store.schema import documents, events, feed_items, statements

ROOT = Path(__file__).resolve().parents[1]
UNDERTOW = [str(Path(sys.executable).parent / "undertow")]


def _counts(db: str) -> dict[str, int]:
    with Store.open(db, create=False) as s, s.engine.connect() as conn:
        return {
            "documents": conn.execute(select(func.count()).select_from(documents)).scalar() or 0,
            "sources": conn.execute(select(func.count(func.distinct(documents.c.source)))).scalar() or 0,
            "urls": conn.execute(select(func.count(func.distinct(documents.c.url)))).scalar() or 0,
            "with_url": conn.execute(select(func.count(documents.c.url))).scalar() or 0,
            "copies": conn.execute(
                select(func.count()).select_from(documents).where(documents.c.duplicate_of.is_not(None))
            ).scalar()
            or 0,
            "statements": conn.execute(select(func.count()).select_from(statements)).scalar() or 0,
            "events": conn.execute(select(func.count()).select_from(events)).scalar() or 0,
        }


def _feed_items(db: str) -> int:
    """Feed entries remembered as read (the feed reader skips them at the next poll)."""
    with Store.open(db, create=False) as s, s.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(feed_items)).scalar() or 0


def _integrity(db: str) -> None:
    with Store.open(db, create=False) as s, s.engine.connect() as conn:
        if s.engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM statements s "
                "LEFT JOIN documents d ON d.id = s.doc_id WHERE d.id IS NULL"
            )
        ).scalar()
        assert orphans == 0


@pytest.fixture(scope="module")
def reference(demo_db: str) -> dict[str, int]:
    """What one uninterrupted ingest of the demo corpus stores."""
    return _counts(demo_db)


@pytest.fixture(scope="module")
def reference_feed_items(demo_db: str) -> int:
    n = _feed_items(demo_db)
    assert n > 0  # the demo corpus has a feed
    return n


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "bf.db")
    return request.getfixturevalue("pg_url")


def test_local_backfill_stores_what_ingest_stores_and_resumes(
    target: str, reference, reference_feed_items: int
) -> None:
    report = backfill([str(DEMO)], target, options=BackfillOptions(engine="local", workers=2))
    assert report.failed == 0 and report.skipped == 0
    assert _counts(target) == reference
    assert _feed_items(target) == reference_feed_items
    again = backfill([str(DEMO)], target, options=BackfillOptions(engine="local", workers=2))
    # the feed's entries are not read again (the feed remembers them); every other input whose
    # document is stored is skipped; the one page whose URL another page already stored is
    # processed again and found unchanged
    assert again.skipped == reference["documents"] - reference_feed_items
    assert again.stored == again.duplicates == 0 and again.unchanged == report.unchanged
    assert _counts(target) == reference


def test_a_failing_input_is_recorded_and_the_rest_stored(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Lavrov said on Tuesday that the talks in Geneva were useful.\n", encoding="utf-8"
    )
    (folder / "empty.html").write_text("<html><body><script>app()</script></body></html>", encoding="utf-8")
    (folder / "b.jsonl").write_text('{"text": "Peskov said nothing new."}\nnot json\n', encoding="utf-8")
    db = str(tmp_path / "f.db")
    popts = PipelineOptions(annotate=False, classify=False)
    report = backfill([str(folder), str(tmp_path / "missing")], db, pipeline_options=popts)
    assert report.stored == 2
    assert sorted(Path(e.source).name for e in report.errors) == ["b.jsonl:2", "empty.html", "missing"]
    with Store.open(db) as s:
        assert s.stats()["ingest_errors"] == 3


def _wait_for_documents(db: str, n: int, proc: subprocess.Popen, timeout: float = 180) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the backfill ended before it could be killed"
        got = _counts_or_zero(db)
        if got >= n:
            return got
        time.sleep(0.2)
    raise AssertionError(f"fewer than {n} documents stored after {timeout} s")


def _backfill_cmd(db: str, engine: str) -> list[str]:
    return [
        *UNDERTOW,
        "backfill",
        str(DEMO),
        "--db",
        db,
        "--engine",
        engine,
        "--workers",
        "2",
        "-q",
        "--no-track",
    ]


def _ingest_cmd(db: str, engine: str) -> list[str]:
    return [*UNDERTOW, "ingest", str(DEMO), "--db", db, "--workers", "2", "-q", "--no-track"]


@pytest.mark.parametrize("command", ["backfill", "ingest"])
def test_kill_9_mid_run_then_rerun_stores_each_document_once(target: str, reference, command: str) -> None:
    """``kill -9`` of a backfill or an ingest (the process group: the writer and its workers)
    mid-batch; the rerun (which skips what is stored, or finds it unchanged) leaves every document
    stored once, with the statements and events of one uninterrupted run."""
    cmd = _backfill_cmd if command == "backfill" else _ingest_cmd
    proc = subprocess.Popen(
        cmd(target, "local"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_for_documents(target, 8, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the parent (the writer) and its worker processes
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL  # killed, not finished between the count and the kill
    assert _counts(target)["documents"] < reference["documents"]
    _integrity(target)
    rerun = _rerun_and_check(cmd(target, "local"), target, reference)
    assert ("already stored" if command == "backfill" else "unchanged") in rerun.stdout


def _rerun_and_check(cmd: list[str], db: str, reference: dict[str, int]) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` to completion; then the store holds every document of the corpus once, with
    the statements and events of one uninterrupted run, and passes its integrity checks."""
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    got = _counts(db)
    assert got == reference, got
    assert got["sources"] == got["documents"] and got["urls"] == got["with_url"]
    _integrity(db)
    return rerun


def _counts_or_zero(db: str) -> int:
    try:
        return _counts(db)["documents"]
    except Exception:  # not created yet
        return 0


def _ray_workers(stage: str) -> list[int]:
    """Process ids of the Ray workers running ``stage`` with their models loaded (Ray names the
    operator in the process title, with ``.__init__`` while the actor starts)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmd.startswith("ray::") and stage in cmd and "__init__" not in cmd:
            pids.append(int(entry.name))
    return pids


@pytest.mark.timeout(900)
def test_ray_backfill_survives_a_killed_worker(tmp_path: Path, reference, reference_feed_items: int) -> None:
    """Kill -9 an annotate actor mid-run: Ray restarts it and retries its batch; whatever the run
    did, the rerun ends with every document of the corpus stored exactly once."""
    pytest.importorskip("ray")
    db = str(tmp_path / "ray.db")
    proc = subprocess.Popen(
        _backfill_cmd(db, "ray"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        # an annotate actor once it works (its models loaded), then the writer once it has written
        for stage, stored in (("MapBatches(Annotate))", 0), ("MapBatches(Write))", 3)):
            deadline = time.monotonic() + 300
            while not (victims := _ray_workers(stage)) or _counts_or_zero(db) < stored:
                assert proc.poll() is None and time.monotonic() < deadline, f"no {stage} worker to kill"
                time.sleep(0.1)
            os.kill(victims[0], signal.SIGKILL)
        output, _ = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, output[-3000:]
    assert "backfill (ray)" in output
    assert _feed_items(db) == reference_feed_items  # the Ray writer remembers feed entries too
    _rerun_and_check(_backfill_cmd(db, "local"), db, reference)
