"""The hostile-input corpus (tests/hostile.py) through the whole pipeline, in one batch with a
good article among them: no crash, each case stored or reported with a clear reason as expected,
the good article stored as if alone, every stored span valid, the store intact.

``UNDERTOW_HOSTILE_SLOW=1`` (``make reliability``) adds the slow cases (50 MB page, a million
nested elements); ``UNDERTOW_RELIABILITY_OUT=DIR`` writes the per-case outcomes there.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from hostile import HTTP_CASES, Case, file_cases, http_routes, page
from undertow.errors import InputError
from undertow.pipeline import PipelineOptions, ingest
from undertow.store import Store
from undertow.store.schema import documents, statements

SLOW = os.environ.get("UNDERTOW_HOSTILE_SLOW") == "1"
CASES = file_cases(slow=SLOW)
SENTINEL = "000-sentinel.html"
SENTINEL_TEXT = (
    "Foreign Minister Sergei Lavrov said on Wednesday that the proposed security guarantees were "
    "practically an ultimatum to Moscow.\n“A ceasefire before a full settlement would only let Kyiv "
    "rearm,” Lavrov told reporters in Moscow on 4 February."
)


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) + len(HTTP_CASES) >= 200
    kinds = Counter(c.kind for c in CASES)
    assert len(kinds) >= 12, kinds


class Batch:
    """One ingest of the whole corpus, and what became of each source."""

    def __init__(self, folder: Path, db: str) -> None:
        self.folder = folder
        self.db = db
        self.saved: dict[str, str] = {}  # source -> doc id
        self.errors: dict[str, str] = {}  # source -> reason
        self.seconds = 0.0

    def run(self) -> None:
        def on_event(kind: str, obj: Any) -> None:
            if kind == "saved":
                doc, res = obj
                self.saved[doc.source] = res.doc_id
            elif kind == "error":
                self.errors[obj.source] = obj.reason

        t0 = time.perf_counter()
        with Store.open(self.db) as store:
            ingest([str(self.folder)], store, options=PipelineOptions(), workers=2, on_event=on_event)
        self.seconds = time.perf_counter() - t0

    def of(self, case: Case) -> tuple[list[str], list[str]]:
        """Sources stored and sources failed that came from ``case``'s file."""
        path = str(self.folder / case.filename)

        def mine(src: str) -> bool:
            return src == path or src.startswith((path + ":", path + "#"))

        return [s for s in self.saved if mine(s)], [s for s in self.errors if mine(s)]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    folder = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        (folder / case.filename).write_bytes(case.data)
    (folder / SENTINEL).write_text(page(SENTINEL_TEXT, title="Lavrov on guarantees"), encoding="utf-8")
    b = Batch(folder, str(tmp_path_factory.mktemp("hostile-db") / "h.db"))
    b.run()
    return b


def _outcome(batch: Batch, case: Case) -> str:
    stored, failed = batch.of(case)
    return (
        "stored"
        if stored and not failed
        else "error"
        if failed and not stored
        else "mixed"
        if stored
        else "none"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(batch: Batch, case: Case) -> None:
    stored, failed = batch.of(case)
    if case.expect == "empty":
        assert not stored and not failed, (stored, failed)
        return
    assert stored or failed, f"{case.name}: neither stored nor reported"
    for src in failed:
        reason = batch.errors[src]
        assert reason.strip() and len(reason) < 500, (src, reason)
        assert "Traceback" not in reason
    if case.lines > 1:  # JSONL: the good records around the hostile one are stored
        path = str(batch.folder / case.filename)
        assert f"{path}:1" in batch.saved and f"{path}:3" in batch.saved, (stored, failed)
        line2 = f"{path}:2"
        stored = [s for s in stored if s == line2 or s.startswith(line2 + " ")]
        failed = [s for s in failed if s == line2 or s.startswith(line2 + " ")]
        assert stored or failed, f"{case.name}: the hostile line was neither stored nor reported"
    if case.expect == "stored":
        assert stored and not failed, (case.name, [batch.errors[s] for s in failed])
    elif case.expect == "error":
        assert failed and not stored, (case.name, stored)
        if case.reason:
            assert any(case.reason in batch.errors[s].lower() for s in failed), [
                batch.errors[s] for s in failed
            ]
    if case.decoded or case.forbidden:
        with Store.open(batch.db, create=False) as s:
            for src in stored:
                body = s.get_document(batch.saved[src]).text
                for word in case.decoded:
                    assert word in body, (case.name, body[:200])
                for word in case.forbidden:
                    assert word not in body


def test_the_good_article_is_stored_as_if_alone(batch: Batch, tmp_path: Path) -> None:
    src = str(batch.folder / SENTINEL)
    assert src in batch.saved
    alone = tmp_path / SENTINEL
    alone.write_text(page(SENTINEL_TEXT, title="Lavrov on guarantees"), encoding="utf-8")
    with Store.open(str(tmp_path / "alone.db")) as s:
        ingest([str(alone)], s)
        want = s.get_record(s.documents()[0].id)
    with Store.open(batch.db, create=False) as s:
        got = s.get_record(batch.saved[src])
    assert [st["content"]["text"] for st in got["statements"]] == [
        st["content"]["text"] for st in want["statements"]
    ]
    assert got["statements"], "the sentinel has statements"


def test_every_stored_span_is_inside_its_text(batch: Batch) -> None:
    with Store.open(batch.db, create=False) as s, s.engine.connect() as conn:
        lengths = dict(conn.execute(select(documents.c.id, func.length(documents.c.text))).all())
        for row in conn.execute(select(statements.c.doc_id, statements.c.start, statements.c.end)):
            assert 0 <= row.start < row.end <= lengths[row.doc_id], row
        for doc_id, rec in conn.execute(select(documents.c.id, documents.c.record)).all():
            for st in json.loads(rec or "{}").get("statements", []):
                for part in ("content", "speaker", "cue"):
                    span = st.get(part) or {}
                    if span.get("start") is not None:
                        assert 0 <= span["start"] <= span["end"] <= lengths[doc_id], (doc_id, part, span)


def test_the_store_is_intact_after_the_batch(batch: Batch) -> None:
    with Store.open(batch.db, create=False) as s, s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        stats = s.stats()
    assert stats["documents"] >= len(set(batch.saved.values()))
    assert stats["ingest_errors"] >= len(batch.errors)
    _report(batch)


def _report(batch: Batch) -> None:
    out = os.environ.get("UNDERTOW_RELIABILITY_OUT")
    if not out:
        return
    rows = [
        {"case": c.name, "kind": c.kind, "expect": c.expect, "outcome": _outcome(batch, c)} for c in CASES
    ]
    Path(out).mkdir(parents=True, exist_ok=True)
    Path(out, "hostile-files.json").write_text(
        json.dumps({"seconds": round(batch.seconds, 1), "cases": rows}, indent=1), encoding="utf-8"
    )


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_batch(tmp_path_factory):
    from httpserver import LocalServer
    from undertow.ingest.fetch import Fetcher, FetchPolicy
    from undertow.ingest.sources import Sources

    results: dict[str, tuple[str, str]] = {}
    with LocalServer(http_routes()) as srv:
        policy = FetchPolicy(allow_private=True, respect_robots=False, timeout_s=3.0, min_interval_s=0.0)
        sources = Sources(fetcher=Fetcher(policy))
        urls = {srv.url(p): p for p in HTTP_CASES}
        db = str(tmp_path_factory.mktemp("hostile-http") / "h.db")
        t0 = time.perf_counter()
        with Store.open(db) as store:

            def on_event(kind: str, obj: Any) -> None:
                if kind == "saved":
                    doc, _ = obj
                    results[urls.get(doc.source, doc.source)] = ("stored", "")
                elif kind == "error" and isinstance(obj, InputError):
                    results[urls.get(obj.source, obj.source)] = ("error", obj.reason)

            ingest(list(urls), store, sources=sources, workers=1, on_event=on_event)
        seconds = time.perf_counter() - t0
    _report_http(results, seconds)
    return results, seconds


def _report_http(results: dict[str, tuple[str, str]], seconds: float) -> None:
    out = os.environ.get("UNDERTOW_RELIABILITY_OUT")
    if not out:
        return
    rows = [
        {
            "case": p,
            "expect": HTTP_CASES[p][0],
            "outcome": results.get(p, ("none", ""))[0],
            "reason": results.get(p, ("", ""))[1],
        }
        for p in HTTP_CASES
    ]
    Path(out).mkdir(parents=True, exist_ok=True)
    Path(out, "hostile-http.json").write_text(
        json.dumps({"seconds": round(seconds, 1), "cases": rows}, indent=1), encoding="utf-8"
    )


@pytest.mark.parametrize("path", list(HTTP_CASES))
def test_http_case(http_batch, path: str) -> None:
    results, _ = http_batch
    expect, reason = HTTP_CASES[path]
    assert path in results, f"{path}: neither stored nor reported"
    got, why = results[path]
    if expect != "either":
        assert got == expect, (path, got, why)
    if reason:
        assert reason in why.lower(), (path, why)
