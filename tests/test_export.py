"""Exports (issue 6): every kind in every format, streamed; PLOVER events; the notebook API
(``undertow.open(db)``, DataFrames) and the ``undertow export`` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from typer.testing import CliRunner

import undertow
from undertow import export, query
from undertow.archive import filters as archive_filters
from undertow.cli import app
from undertow.query import Filters, QueryError
from undertow.store import Store
from undertow.store.schema import statement_labels, statements

D = dt.date.fromisoformat
ITER = {
    "statements": query.iter_statements,
    "events": query.iter_events,
    "stances": query.iter_stances,
    "documents": query.iter_documents,
    "narratives": export.iter_narratives,
}


@pytest.fixture(scope="module")
def demo(demo_db):
    with Store.open(demo_db) as s:
        yield s, demo_db


def _bytes(engine, kind: str, fmt: str, f: Filters = Filters(), **kw) -> bytes:
    return b"".join(export.stream(engine, kind, fmt, f, **kw))


def _parse(data: bytes, fmt: str) -> list[dict]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    if fmt == "jsonl":
        return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]
    return pq.read_table(io.BytesIO(data)).to_pylist()


def _count(engine, kind: str, f: Filters = Filters()) -> int:
    with engine.connect() as conn:
        return sum(1 for _ in ITER[kind](conn, f))


def _key(kind: str) -> str:
    return {"stances": "statement_id", "narratives": "statement_id"}.get(kind, "id")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("kind", export.KINDS)
def test_every_kind_round_trips(demo, kind: str, fmt: str) -> None:
    s, _ = demo
    data = _bytes(s.engine, kind, fmt)
    got = _parse(data, fmt)
    n = _count(s.engine, kind)
    assert n > 0 and len(got) == n
    names = [c for c, _ in export.COLUMNS[kind]]
    if fmt == "parquet":
        assert pq.read_schema(io.BytesIO(data)).names == names
    else:
        assert list(got[0]) == names
    with s.engine.connect() as conn:
        want = list(export.rows(conn, kind))
    assert [r[_key(kind)] for r in got] == [r[_key(kind)] for r in want]
    # nested values: lists in jsonl, JSON text in csv and parquet
    nested = [c for c, t in export.COLUMNS[kind] if t == "json"]
    for c in nested:
        for g, w in zip(got, want, strict=True):
            assert (g[c] if fmt == "jsonl" else json.loads(g[c])) == w[c]
    # days: ISO text in csv and jsonl, dates in parquet
    for c in [c for c, t in export.COLUMNS[kind] if t == "date"]:
        back = [g[c] if fmt == "parquet" else (D(g[c]) if g[c] else None) for g in got]
        assert back == [w[c] for w in want]


def test_narratives_count_label_rows(demo) -> None:
    s, _ = demo
    with s.engine.connect() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(
                statement_labels.join(statements, statements.c.id == statement_labels.c.statement_id)
            )
            .where(statements.c.canonical.is_(True))
        ).scalar_one()
    rows = _parse(_bytes(s.engine, "narratives", "jsonl"), "jsonl")
    assert len(rows) == n
    assert len({(r["statement_id"], r["taxonomy"], r["narrative"]) for r in rows}) == n
    assert all(r["name"] and r["taxonomy"] for r in rows)
    # a narrative filter keeps its own rows and those of its sub-narratives
    parent = next(r["parent"] for r in rows if r["parent"])
    sel = _parse(_bytes(s.engine, "narratives", "csv", Filters.parse(narrative=parent)), "csv")
    assert sel and all(parent in (r["narrative"], r["parent"]) for r in sel)


def test_filters_are_respected(demo) -> None:
    s, _ = demo
    f = Filters.parse(actor="sergei-lavrov", since="2026-02-01")
    for fmt in ("csv", "jsonl", "parquet"):
        got = _parse(_bytes(s.engine, "statements", fmt, f), fmt)
        assert got and len(got) == _count(s.engine, "statements", f)
        assert all(r["speaker"] == "sergei-lavrov" for r in got)
        days = [r["date"] if fmt == "parquet" else D(r["date"]) for r in got]
        assert min(days) >= D("2026-02-01") and days == sorted(days)
    ev = _parse(_bytes(s.engine, "events", "jsonl", Filters.parse(type="consult")), "jsonl")
    assert ev and {e["type"] for e in ev} == {"CONSULT"}
    sn = _parse(_bytes(s.engine, "stances", "jsonl", Filters.parse(polarity="against")), "jsonl")
    assert sn and {x["polarity"] for x in sn} == {"against"}
    all_docs = _count(s.engine, "documents", Filters.parse(include_duplicates=True))
    assert all_docs > _count(s.engine, "documents")
    dups = _parse(_bytes(s.engine, "documents", "csv", Filters.parse(include_duplicates=True)), "csv")
    assert len(dups) == all_docs and any(d["duplicate_of"] for d in dups)


def test_plover_events(demo) -> None:
    from undertow.language.events import EVENT_TYPES

    s, _ = demo
    doc = json.loads(_bytes(s.engine, "events", "plover"))
    assert doc["format"] == "plover" and doc["version"] == export.PLOVER_FORMAT_VERSION
    assert doc["count"] == len(doc["events"]) == _count(s.engine, "events")
    assert set(doc["event_types"]) == set(EVENT_TYPES)
    for e in doc["events"]:
        assert e["event"] in EVENT_TYPES
        assert e["text"] and e["document"]["id"] and e["provenance"]["extractor"].startswith("undertow")
        assert 0.0 <= e["confidence"] <= 1.0
        for side in ("source", "target"):
            assert all(set(a) == {"actorText", "code", "actor_id"} for a in e[side])
    talks = [
        e
        for e in doc["events"]
        if e["event"] == "CONSULT" and {"USA", "UKR", "RUS"} <= {a["code"] for a in e["source"]}
    ]
    assert any(e.get("eventLoc") == "Abu Dhabi" for e in talks)
    assert any(a["actorText"] == "United States" for e in talks for a in e["source"])
    assert all(e["document"]["url"] for e in doc["events"])


@pytest.mark.parametrize(
    ("kind", "fmt", "f", "msg"),
    [
        ("statements", "xml", Filters(), "unknown format"),
        ("people", "csv", Filters(), "unknown export"),
        ("statements", "plover", Filters(), "events only"),
        ("events", "csv", Filters(issue="x"), "cannot be filtered by issue"),
        ("documents", "jsonl", Filters(polarity="favor"), "cannot be filtered by polarity"),
    ],
)
def test_bad_requests_fail_before_any_output(demo, kind, fmt, f, msg) -> None:
    s, _ = demo
    with pytest.raises(QueryError, match=msg):
        export.check(kind, fmt, f)
    with pytest.raises(QueryError, match=msg):
        export.stream(s.engine, kind, fmt, f)  # raises on the call, not on the first next()
    out = io.BytesIO()
    with pytest.raises(QueryError, match=msg):
        export.write(s.engine, kind, fmt, f, out)
    assert out.getvalue() == b""


def test_bad_filter_values() -> None:
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        Filters.parse(since="yesterday")
    with pytest.raises(QueryError, match="unknown filter"):
        archive_filters(colour="red")


def test_empty_selection_gives_valid_files(demo) -> None:
    s, _ = demo
    f = Filters.parse(since="2099-01-01")
    for kind in export.KINDS:
        names = [c for c, _ in export.COLUMNS[kind]]
        head = _bytes(s.engine, kind, "csv", f).decode()
        assert head == ",".join(names) + "\r\n"
        assert _bytes(s.engine, kind, "jsonl", f) == b""
        t = pq.read_table(io.BytesIO(_bytes(s.engine, kind, "parquet", f)))
        assert t.num_rows == 0 and t.schema.names == names
    doc = json.loads(_bytes(s.engine, "events", "plover", f))
    assert doc["events"] == [] and doc["count"] == 0


def test_stream_reads_lazily_in_batches(demo) -> None:
    s, _ = demo
    queries: list[str] = []

    def count(conn, cursor, statement, *a) -> None:
        queries.append(statement)

    event.listen(s.engine, "before_cursor_execute", count)
    try:
        gen = export.stream(s.engine, "statements", "jsonl", Filters(), batch=10, chunk=1)
        assert not queries  # nothing read before the first next()
        first = next(gen)
        at_first = len(queries)
        assert first.count(b"\n") == 1 and json.loads(first)["id"]
        rest = b"".join(gen)
    finally:
        event.remove(s.engine, "before_cursor_execute", count)
    n = _count(s.engine, "statements")
    assert at_first <= 8  # one batch (its labels, stances and documents), not the whole selection
    assert len(queries) > at_first + n // 10  # one batch after another
    assert (first + rest).count(b"\n") == n
    # parquet: one row group per `row_group` rows, each yielded as it is written
    parts = list(export.stream(s.engine, "stances", "parquet", Filters(), batch=50, row_group=50))
    groups = -(-_count(s.engine, "stances") // 50)
    assert groups >= 2 and len(parts) == groups + 1  # the last part is the footer
    assert pq.ParquetFile(io.BytesIO(b"".join(parts))).num_row_groups == groups


def test_stream_can_be_consumed_on_another_thread(demo) -> None:
    s, _ = demo
    gen = export.stream(s.engine, "events", "csv", Filters(), batch=20, chunk=1)
    parts = [next(gen)]
    t = threading.Thread(target=lambda: parts.extend(gen))  # as a StreamingResponse does
    t.start()
    t.join(30)
    assert len(_parse(b"".join(parts), "csv")) == _count(s.engine, "events")


def test_filename_and_media_types() -> None:
    assert export.filename("events", "plover") == "undertow-events.plover.json"
    assert export.filename("statements", "csv") == "undertow-statements.csv"
    assert set(export.MEDIA_TYPES) == set(export.FORMATS)


text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
) | st.sampled_from(['"', '""', "a,b", "\r\n", "\r", "\n", "Лавров сказал: «нет»", "Сибіга, ґанок"])


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.tuples(text_values, text_values), max_size=5))
def test_csv_and_jsonl_round_trip_any_text(values: list[tuple[str, str]]) -> None:
    rows = [
        {"statement_id": f"s{i}", "content": a, "sentence": b, "confidence": 0.5, "date_start": None}
        for i, (a, b) in enumerate(values)
    ]
    got = _parse(b"".join(export.encode(rows, "stances", "csv", chunk=7)), "csv")
    assert [(g["content"], g["sentence"]) for g in got] == values
    assert all(g["date_start"] == "" and g["confidence"] == "0.5" for g in got)
    back = _parse(b"".join(export.encode(rows, "stances", "jsonl", chunk=7)), "jsonl")
    assert [(g["content"], g["sentence"]) for g in back] == values


# --- the notebook API ----------------------------------------------------------------------------


def test_open_statements_dataframe(demo) -> None:
    s, db = demo
    with undertow.open(db) as a:
        df = a.statements(actor="sergei-lavrov", since="2026-02-01")
        same = a.statements(actor="sergei-lavrov", since=dt.date(2026, 2, 1))
    assert isinstance(df, pd.DataFrame)
    with s.engine.connect() as conn:
        want = list(query.iter_statements(conn, Filters.parse(actor="sergei-lavrov", since="2026-02-01")))
    assert list(df["id"]) == [w["id"] for w in want] == list(same["id"])
    assert list(df.columns) == [c for c, _ in export.COLUMNS["statements"]]
    assert str(df["date"].dtype) == "datetime64[ns]" and df["date"].min() >= pd.Timestamp("2026-02-01")
    assert str(df["speaker_start"].dtype) == "Int64" and str(df["canonical"].dtype) == "boolean"
    assert str(df["speaker"].dtype) == "string" and set(df["speaker"]) == {"sergei-lavrov"}
    assert isinstance(df["narratives"].iloc[0], list)


def test_archive_lists_and_helpers(demo, tmp_path) -> None:
    s, db = demo
    with undertow.open(db) as a:
        assert "Archive(" in repr(a)
        for kind in export.KINDS:
            df = getattr(a, kind)()
            assert len(df) == _count(s.engine, kind)
            assert list(df.columns) == [c for c, _ in export.COLUMNS[kind]]
        empty = a.events(since="2099-01-01")
        assert empty.empty and str(empty["day"].dtype) == "datetime64[ns]"
        assert len(a.statements(limit=3)) == 3
        assert str(a.documents(limit=2)["fetched"].dtype) == "datetime64[ns, UTC]"
        with pytest.raises(QueryError, match="cannot be filtered by issue"):
            a.events(issue="x")
        with pytest.raises(QueryError, match="unknown filter"):
            a.statements(speaker="x")

        al = a.alerts()
        assert len(al) > 0 and str(al["date"].dtype) == "datetime64[ns]"
        assert set(a.alerts(type="burst")["type"]) <= {"burst"}
        hits = a.search("Abu Dhabi", limit=3)
        assert 0 < len(hits) <= 3 and {"title", "snippet", "score"} <= set(hits.columns)
        ser = a.series("narrative", "ukraine-false-flag", "2026-01-28", "2026-02-08")
        assert len(ser) == 12 and ser["value"].max() >= 3
        assert a.series("all")["value"].sum() > 150  # window defaults to the store's days
        with pytest.raises(QueryError, match="unknown series dimension"):
            a.series("colour", None, "2026-01-01", "2026-01-02")
        b = a.brief("2026-02-08")
        assert b.day == D("2026-02-08") and "Data cut-off" in b.to_markdown()
        n = a.export("events", "parquet", tmp_path / "ev.parquet", type="REJECT")
        assert n == pq.read_table(tmp_path / "ev.parquet").num_rows > 0
    with pytest.raises(FileNotFoundError):
        undertow.open(str(tmp_path / "missing.db"))


# --- the command ---------------------------------------------------------------------------------


def test_cli_export(demo, tmp_path) -> None:
    s, db = demo
    runner = CliRunner()
    r = runner.invoke(
        app, ["export", "statements", "--db", db, "--format", "csv", "--actor", "dmitry-peskov"]
    )
    assert r.exit_code == 0, r.output
    got = _parse(r.stdout_bytes, "csv")
    assert got and {g["speaker"] for g in got} == {"dmitry-peskov"}
    assert len(got) == _count(s.engine, "statements", Filters(actor="dmitry-peskov"))

    out = tmp_path / "ev.parquet"
    r = runner.invoke(
        app, ["export", "events", "--db", db, "-f", "parquet", "-o", str(out), "--type", "THREATEN"]
    )
    assert r.exit_code == 0, r.output
    n = pq.read_table(out).num_rows
    assert n > 0 and f"wrote {n} rows to {out}" in r.stderr and r.stdout == ""

    r = runner.invoke(app, ["export", "events", "--db", db, "--format", "plover"])
    assert r.exit_code == 0 and json.loads(r.stdout_bytes)["format"] == "plover"

    out.write_bytes(b"keep")
    for args, msg in [
        (["export", "events", "-f", "xml"], "unknown format"),
        (["export", "stances", "-f", "plover"], "events only"),
        (["export", "events", "--issue", "x"], "cannot be filtered by issue"),
        (["export", "widgets"], "unknown export"),
        (["export", "statements", "--since", "2026-02-30"], "YYYY-MM-DD"),
        (["export", "statements", "--polarity", "maybe"], "polarity"),
    ]:
        r = runner.invoke(app, [*args, "--db", db, "-o", str(out)])
        assert r.exit_code == 2 and msg in r.stderr, (args, r.output)
        assert out.read_bytes() == b"keep"
    r = runner.invoke(app, ["export", "events", "--db", str(tmp_path / "nope.db")])
    assert r.exit_code == 2 and "no undertow database" in r.stderr
    assert not (tmp_path / "nope.db").exists()
    assert not list(tmp_path.glob(".*.part"))
