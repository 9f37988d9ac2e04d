"""Reading the record: filtered, paginated and streamed rows of the store.

One layer under every reader: the REST API and the dashboard (``undertow.web``), the exports
(``undertow export``) and the notebook API (``undertow.open(db)``, DataFrames) all call these
functions, so a filter means the same thing everywhere.

* ``Filters`` names what a caller may filter on; each list applies the filters that make sense
  for it and ignores none silently (an unknown filter is a ``QueryError``).
* Lists are newest first and paginated by **cursor** (keyset pagination on the list's sort key:
  a page costs the same at the start of the archive as at its end); ``iter_*`` streams a whole
  selection oldest first in batches, in constant memory, for exports.
* Rows come out as JSON-ready dicts shaped after the record contract (``docs/record.md``) with
  the context a reader needs (document, outlet, dates, the quoted sentence).

Queries are SQLAlchemy Core with bound parameters only; nothing here builds SQL from strings.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, func, or_, select, true, tuple_

from undertow.store.schema import (
    alerts,
    daily_counts,
    documents,
    events,
    first_seen,
    statement_labels,
    statement_stances,
    statements,
)

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


class QueryError(ValueError):
    """A bad filter, cursor or limit: the caller's mistake, reported as such (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What lists can be filtered on. Dates are inclusive; ``None`` means no filter."""

    actor: str | None = None
    narrative: str | None = None
    issue: str | None = None
    outlet: str | None = None
    language: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    type: str | None = None  # event type (PLOVER) or alert type
    polarity: str | None = None  # stance polarity
    include_duplicates: bool = False  # syndicated copies (left out unless asked for)

    @classmethod
    def parse(cls, **raw: Any) -> Filters:
        """Filters from strings (query parameters, CLI options): dates are ISO days."""
        names = {f.name for f in fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise QueryError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        vals: dict[str, Any] = {}
        for k, v in raw.items():
            if v is None or v == "":
                continue
            if k in ("since", "until"):
                vals[k] = parse_day(v, k)
            elif k == "include_duplicates":
                vals[k] = v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes")
            else:
                vals[k] = str(v)
        f = cls(**vals)
        if f.since and f.until and f.since > f.until:
            raise QueryError(f"since ({f.since}) is after until ({f.until})")
        if f.polarity and f.polarity not in ("favor", "against", "neutral"):
            raise QueryError(f"polarity must be favor, against or neutral, not {f.polarity!r}")
        return f

    def used(self) -> set[str]:
        return {f.name for f in fields(self) if getattr(self, f.name) not in (None, False)}


def parse_day(v: Any, name: str = "date") -> dt.date:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise QueryError(f"{name} must be a day as YYYY-MM-DD, not {str(v)[:40]!r}") from None


def _limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return int(limit)


def _check(f: Filters, allowed: set[str], what: str) -> None:
    bad = f.used() - allowed
    if bad:
        raise QueryError(f"{what} cannot be filtered by {', '.join(sorted(bad))}")


# --- cursors -----------------------------------------------------------------------------------


def encode_cursor(key: Sequence[Any]) -> str:
    vals = [v.isoformat() if isinstance(v, dt.date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(vals, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    """The sort key a cursor encodes, checked against the list's key ``types``."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(types):
            raise ValueError
        out: list[Any] = []
        for v, t in zip(raw, types, strict=True):
            if t is dt.date:
                out.append(dt.date.fromisoformat(v) if v is not None else None)
            elif v is None or isinstance(v, t):
                out.append(v)
            else:
                raise ValueError
        return out
    except (ValueError, TypeError, UnicodeDecodeError):
        raise QueryError("invalid cursor (use the next_cursor of a previous page)") from None


@dataclass(slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        return {"items": self.items, "next_cursor": self.next_cursor, "count": len(self.items)}


# Lists are sorted on (day, seq, ...) with seq the arrival order (SQLite's rowid: every index ends
# with it, so an index on (x, day) serves "x = ? ORDER BY day, seq" without a sort). Rows without a
# day come after the dated ones in either direction: the dated part is read with a row-value range
# on the index, then the undated part by seq. A cursor is the key of the last row returned.


def _keyset_rows(
    conn: Connection,
    q: Any,
    key_cols: Sequence[Any],
    types: Sequence[type],
    limit: int,
    cursor: str | None,
    desc: bool = True,
) -> list[Any]:
    """Up to ``limit`` rows of ``q`` after ``cursor`` in key order; key_cols[0] is the nullable day."""
    day, rest = key_cols[0], list(key_cols[1:])

    def order(cols: Sequence[Any]) -> list[Any]:
        return [c.desc() if desc else c.asc() for c in cols]

    def after(cols: Sequence[Any], vals: Sequence[Any]) -> Any:
        lhs, rhs = (tuple_(*cols), tuple_(*vals)) if len(cols) > 1 else (cols[0], vals[0])
        return lhs < rhs if desc else lhs > rhs

    key = decode_cursor(cursor, types) if cursor else None
    rows: list[Any] = []
    if key is None or key[0] is not None:
        qa = q.where(day.is_not(None))
        if key is not None:
            qa = qa.where(after(key_cols, key))
        rows = list(conn.execute(qa.order_by(*order(key_cols)).limit(limit)).all())
        if len(rows) >= limit:
            return rows
        key = None
    qb = q.where(day.is_(None))
    if key is not None:
        qb = qb.where(after(rest, key[1:]))
    rows += conn.execute(qb.order_by(*order(rest)).limit(limit - len(rows))).all()
    return rows


def _paged(
    conn: Connection,
    q: Any,
    key_cols: Sequence[Any],
    types: Sequence[type],
    limit: int,
    cursor: str | None,
    build: Callable[[Connection, list[Any]], list[dict[str, Any]]],
) -> Page:
    rows = _keyset_rows(conn, q, key_cols, types, limit + 1, cursor)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor([getattr(rows[-1], c.name) for c in key_cols]) if more and rows else None
    return Page(build(conn, rows), nxt)


def _iterate(
    conn: Connection,
    q: Any,
    key_cols: Sequence[Any],
    types: Sequence[type],
    build: Callable[[Connection, list[Any]], list[dict[str, Any]]],
    batch: int,
) -> Iterator[dict[str, Any]]:
    """Every row of ``q`` in ascending key order, ``batch`` rows per query (constant memory)."""
    cursor: str | None = None
    while True:
        rows = _keyset_rows(conn, q, key_cols, types, batch, cursor, desc=False)
        if not rows:
            return
        yield from build(conn, rows)
        if len(rows) < batch:
            return
        cursor = encode_cursor([getattr(rows[-1], c.name) for c in key_cols])


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


# --- statements --------------------------------------------------------------------------------

STATEMENT_FILTERS = {
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


# A filter on a statement's narrative or stance (or a document's speaker or narrative) is a
# subquery. For a narrow one (a rare line, a minor speaker) SQLite reads its rows first and looks
# the list rows up; for a broad one (the archive's main line: hundreds of thousands of rows) that
# list costs more than walking the list newest first and checking each row with an indexed EXISTS
# until the page is full. ``_broad`` tells them apart by counting the subquery up to BROAD rows.
BROAD = 5_000


def _broad(conn: Connection | None, sub: Any) -> bool:
    if conn is None:  # streaming a whole selection: reading the subquery once is the cheap way
        return False
    n = conn.execute(select(func.count()).select_from(sub.limit(BROAD).subquery())).scalar()
    return int(n or 0) >= BROAD


def _statement_conds(f: Filters, conn: Connection | None = None) -> list[Any]:
    _check(f, STATEMENT_FILTERS, "statements")
    c: list[Any] = []
    if not f.include_duplicates:
        c.append(statements.c.canonical.is_(True))
    if f.actor:
        c.append(statements.c.speaker == f.actor)
    if f.outlet:
        c.append(statements.c.outlet_id == f.outlet)
    if f.language:
        c.append(statements.c.language == f.language)
    if f.since:
        c.append(statements.c.day >= f.since)
    if f.until:
        c.append(statements.c.day <= f.until)
    if f.narrative:
        lab = select(statement_labels.c.statement_id).where(
            or_(statement_labels.c.label == f.narrative, statement_labels.c.parent == f.narrative)
        )
        if f.since:
            lab = lab.where(statement_labels.c.day >= f.since)
        if f.until:
            lab = lab.where(statement_labels.c.day <= f.until)
        if _broad(conn, lab):  # by statement id only (a label row's day is its statement's)
            on = or_(statement_labels.c.label == f.narrative, statement_labels.c.parent == f.narrative)
            c.append(
                select(statement_labels.c.statement_id)
                .where(on, statement_labels.c.statement_id == statements.c.id)
                .exists()
            )
        else:
            c.append(statements.c.id.in_(lab))
    if f.issue or f.polarity:
        sn = select(statement_stances.c.statement_id)
        if f.issue:
            sn = sn.where(statement_stances.c.issue == f.issue)
        if f.polarity:
            sn = sn.where(statement_stances.c.polarity == f.polarity)
        if _broad(conn, sn):
            c.append(sn.where(statement_stances.c.statement_id == statements.c.id).exists())
        else:
            c.append(statements.c.id.in_(sn))
    return c


_ST_COLS = [c for c in statements.c if c.name != "vector"]
_ST_KEY = (statements.c.day, statements.c.seq)
_DAY_SEQ = (dt.date, int)


def statement_dicts(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Statement rows as record-contract statements with their context, labels and stances."""
    ids = [r.id for r in rows]
    labs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    sns: dict[str, list[dict[str, Any]]] = defaultdict(list)
    titles: dict[str, tuple[str | None, str | None]] = {}
    if ids:
        for lab in conn.execute(select(statement_labels).where(statement_labels.c.statement_id.in_(ids))):
            labs[lab.statement_id].append(
                {
                    "id": lab.label,
                    "taxonomy": lab.taxonomy,
                    "parent": lab.parent,
                    "confidence": round(lab.confidence, 4),
                }
            )
        for sn in conn.execute(select(statement_stances).where(statement_stances.c.statement_id.in_(ids))):
            sns[sn.statement_id].append(
                {"issue": sn.issue, "polarity": sn.polarity, "confidence": round(sn.confidence, 4)}
            )
        doc_ids = list({r.doc_id for r in rows})
        for d in conn.execute(
            select(documents.c.id, documents.c.title, documents.c.url).where(documents.c.id.in_(doc_ids))
        ):
            titles[d.id] = (d.title, d.url)
    out = []
    for r in rows:
        title, url = titles.get(r.doc_id, (None, None))
        out.append(
            {
                "id": r.id,
                "speaker": {"actor_id": r.speaker, "start": r.speaker_start, "end": r.speaker_end},
                "cue": {"start": r.cue_start, "end": r.cue_end, "text": r.cue_text},
                "content": {"start": r.start, "end": r.end, "text": r.text},
                "kind": r.kind,
                "medium": r.medium,
                "said": (
                    {"start": r.said_start.isoformat(), "end": (r.said_end or r.said_start).isoformat()}
                    if r.said_start
                    else None
                ),
                "confidence": round(r.confidence, 4),
                "narratives": labs.get(r.id, []),
                "stances": sns.get(r.id, []),
                "document_id": r.doc_id,
                "date": _iso(r.day),
                "published": _iso(r.published),
                "outlet": r.outlet_id,
                "language": r.language,
                "canonical": bool(r.canonical),
                "sentence": r.sentence,
                "title": title,
                "url": url,
            }
        )
    return out


def statements_page(
    conn: Connection, f: Filters = Filters(), *, limit: int | None = None, cursor: str | None = None
) -> Page:
    """Statements, newest first (by day said, else published)."""
    q = select(*_ST_COLS).where(and_(true(), *_statement_conds(f, conn)))
    return _paged(conn, q, _ST_KEY, _DAY_SEQ, _limit(limit), cursor, statement_dicts)


def iter_statements(
    conn: Connection, f: Filters = Filters(), *, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """Every statement of the selection, oldest first, ``batch`` rows per query."""
    q = select(*_ST_COLS).where(and_(true(), *_statement_conds(f)))
    yield from _iterate(conn, q, _ST_KEY, _DAY_SEQ, statement_dicts, batch)


def get_statement(conn: Connection, statement_id: str) -> dict[str, Any] | None:
    rows = conn.execute(select(*_ST_COLS).where(statements.c.id == statement_id)).all()
    return statement_dicts(conn, rows)[0] if rows else None


# --- documents ---------------------------------------------------------------------------------

DOCUMENT_FILTERS = {"outlet", "language", "since", "until", "include_duplicates", "actor", "narrative"}
_DOC_LIST_COLS = [
    documents.c.seq,
    documents.c.id,
    documents.c.source,
    documents.c.url,
    documents.c.title,
    documents.c.author,
    documents.c.outlet_id,
    documents.c.outlet_name,
    documents.c.outlet_country,
    documents.c.outlet_state_affiliated,
    documents.c.language,
    documents.c.published,
    documents.c.published_source,
    documents.c.fetched,
    documents.c.word_count,
    documents.c.duplicate_of,
]
_DOC_KEY = (documents.c.published, documents.c.seq)


def _document_conds(f: Filters, conn: Connection | None = None) -> list[Any]:
    _check(f, DOCUMENT_FILTERS, "documents")
    c: list[Any] = []
    if not f.include_duplicates:
        c.append(documents.c.duplicate_of.is_(None))
    if f.outlet:
        c.append(documents.c.outlet_id == f.outlet)
    if f.language:
        c.append(documents.c.language == f.language)
    if f.since:
        c.append(documents.c.published >= f.since)
    if f.until:
        c.append(documents.c.published <= f.until)
    if f.actor or f.narrative:
        st = select(statements.c.doc_id)
        if f.actor:
            st = st.where(statements.c.speaker == f.actor)
        if f.narrative:
            lab = select(statement_labels.c.statement_id).where(
                or_(statement_labels.c.label == f.narrative, statement_labels.c.parent == f.narrative)
            )
            st = st.where(statements.c.id.in_(lab))
            broad = _broad(conn, lab) and (not f.actor or _broad(conn, st))
            if broad:  # each document's statements, then their labels, by index
                st = select(statements.c.doc_id).where(
                    lab.where(statement_labels.c.statement_id == statements.c.id).exists()
                )
                if f.actor:
                    st = st.where(statements.c.speaker == f.actor)
        else:
            broad = _broad(conn, st)
        if broad:
            c.append(st.where(statements.c.doc_id == documents.c.id).exists())
        else:
            c.append(documents.c.id.in_(st))
    return c


def _fetched(v: Any) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.UTC)
    return v.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def document_dicts(conn: Connection, rows: Sequence[Any], *, text: bool = False) -> list[dict[str, Any]]:
    """Document rows as record-contract documents (``text`` only when asked: lists leave it out)."""
    out = []
    for r in rows:
        d = {
            "id": r.id,
            "source": r.source,
            "url": r.url,
            "title": r.title,
            "author": r.author,
            "outlet": (
                {
                    "id": r.outlet_id,
                    "name": r.outlet_name or r.outlet_id,
                    "country": r.outlet_country,
                    "state_affiliated": r.outlet_state_affiliated,
                }
                if r.outlet_id
                else None
            ),
            "language": r.language,
            "published": _iso(r.published),
            "published_source": r.published_source,
            "fetched": _fetched(r.fetched),
            "duplicate_of": r.duplicate_of,
            "word_count": r.word_count,
        }
        if text:
            d["text"] = r.text
        out.append(d)
    return out


def documents_page(
    conn: Connection, f: Filters = Filters(), *, limit: int | None = None, cursor: str | None = None
) -> Page:
    """Documents, newest published first (undated last)."""
    q = select(*_DOC_LIST_COLS).where(and_(true(), *_document_conds(f, conn)))
    return _paged(conn, q, _DOC_KEY, _DAY_SEQ, _limit(limit), cursor, document_dicts)


def iter_documents(
    conn: Connection, f: Filters = Filters(), *, batch: int = 500, text: bool = True
) -> Iterator[dict[str, Any]]:
    cols = [*_DOC_LIST_COLS, documents.c.text] if text else _DOC_LIST_COLS
    q = select(*cols).where(and_(true(), *_document_conds(f)))
    yield from _iterate(
        conn, q, _DOC_KEY, _DAY_SEQ, lambda c, rows: document_dicts(c, rows, text=text), batch
    )


def document_detail(conn: Connection, doc_id: str) -> dict[str, Any] | None:
    """A document with its text, its full record (statements, events, narratives, stances) and
    its syndication cluster (the canonical document and its copies)."""
    row = conn.execute(select(documents).where(documents.c.id == doc_id)).first()
    if row is None:
        return None
    doc = document_dicts(conn, [row], text=True)[0]
    rec = json.loads(row.record) if row.record else {}
    canonical = row.duplicate_of or row.id
    copies = conn.execute(
        select(
            documents.c.id, documents.c.title, documents.c.outlet_id, documents.c.published, documents.c.url
        )
        .where(or_(documents.c.id == canonical, documents.c.duplicate_of == canonical))
        .order_by(documents.c.published, documents.c.seq)
    ).all()
    cluster = [
        {
            "id": c.id,
            "title": c.title,
            "outlet": c.outlet_id,
            "published": _iso(c.published),
            "url": c.url,
            "canonical": c.id == canonical,
        }
        for c in copies
    ]
    paragraphs = [{"start": s, "end": e, "language": lang} for s, e, lang in json.loads(row.paragraphs)]
    return {
        "document": doc,
        "paragraphs": paragraphs,
        "actors": rec.get("actors", []),
        "statements": rec.get("statements", []),
        "events": rec.get("events", []),
        "narratives": rec.get("narratives", []),
        "stances": rec.get("stances", []),
        "syndication": {"canonical": canonical, "documents": cluster if len(cluster) > 1 else []},
    }


# --- events ------------------------------------------------------------------------------------

EVENT_FILTERS = {"type", "actor", "outlet", "language", "since", "until", "include_duplicates"}
_EV_COLS = list(events.c)
_EV_KEY = (events.c.day, events.c.seq)


def _event_conds(f: Filters) -> list[Any]:
    _check(f, EVENT_FILTERS, "events")
    c: list[Any] = []
    if not f.include_duplicates:
        c.append(events.c.canonical.is_(True))
    if f.type:
        c.append(events.c.type == f.type.upper())
    if f.outlet:
        c.append(events.c.outlet_id == f.outlet)
    if f.language:
        c.append(events.c.language == f.language)
    if f.since:
        c.append(events.c.day >= f.since)
    if f.until:
        c.append(events.c.day <= f.until)
    if f.actor:  # actor ids are stored as a JSON list: match the quoted id
        pat = f"%{json.dumps(f.actor)}%"
        c.append(or_(events.c.source_actors.like(pat), events.c.target_actors.like(pat)))
    return c


def event_dicts(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "type": r.type,
            "mode": r.mode,
            "source": json.loads(r.source),
            "target": json.loads(r.target),
            "source_actors": json.loads(r.source_actors),
            "target_actors": json.loads(r.target_actors),
            "location": r.location,
            "date": (
                {"start": r.date_start.isoformat(), "end": (r.date_end or r.date_start).isoformat()}
                if r.date_start
                else None
            ),
            "evidence": {"start": r.start, "end": r.end},
            "confidence": round(r.confidence, 4),
            "document_id": r.doc_id,
            "day": _iso(r.day),
            "published": _iso(r.published),
            "outlet": r.outlet_id,
            "language": r.language,
            "sentence": r.sentence,
        }
        for r in rows
    ]


def events_page(
    conn: Connection, f: Filters = Filters(), *, limit: int | None = None, cursor: str | None = None
) -> Page:
    q = select(*_EV_COLS).where(and_(true(), *_event_conds(f)))
    return _paged(conn, q, _EV_KEY, _DAY_SEQ, _limit(limit), cursor, event_dicts)


def iter_events(conn: Connection, f: Filters = Filters(), *, batch: int = 1000) -> Iterator[dict[str, Any]]:
    q = select(*_EV_COLS).where(and_(true(), *_event_conds(f)))
    yield from _iterate(conn, q, _EV_KEY, _DAY_SEQ, event_dicts, batch)


# --- stances -----------------------------------------------------------------------------------

STANCE_FILTERS = {"actor", "issue", "polarity", "outlet", "language", "since", "until", "include_duplicates"}


_SN_KEY = (statements.c.day, statements.c.seq, statement_stances.c.issue)


def _stance_query(f: Filters) -> tuple[Any, list[Any]]:
    _check(f, STANCE_FILTERS, "stances")
    cols = [
        statement_stances.c.issue,
        statement_stances.c.polarity,
        statement_stances.c.confidence.label("stance_confidence"),
        *_ST_COLS,
    ]
    j = statement_stances.join(statements, statements.c.id == statement_stances.c.statement_id)
    c: list[Any] = []
    if not f.include_duplicates:
        c.append(statements.c.canonical.is_(True))
    if f.actor:
        c.append(statement_stances.c.speaker == f.actor)
    if f.issue:
        c.append(statement_stances.c.issue == f.issue)
    if f.polarity:
        c.append(statement_stances.c.polarity == f.polarity)
    if f.outlet:
        c.append(statements.c.outlet_id == f.outlet)
    if f.language:
        c.append(statements.c.language == f.language)
    if f.since:
        c.append(statements.c.day >= f.since)
    if f.until:
        c.append(statements.c.day <= f.until)
    return select(*cols).select_from(j), c


def stance_dicts(conn: Connection, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """One stance of one statement: actor, issue, polarity, its day and its evidence sentence."""
    return [
        {
            "actor_id": r.speaker,
            "issue": r.issue,
            "polarity": r.polarity,
            "confidence": round(r.stance_confidence, 4),
            "date": (
                {"start": r.said_start.isoformat(), "end": (r.said_end or r.said_start).isoformat()}
                if r.said_start
                else ({"start": r.day.isoformat(), "end": r.day.isoformat()} if r.day else None)
            ),
            "statement_id": r.id,
            "document_id": r.doc_id,
            "outlet": r.outlet_id,
            "language": r.language,
            "text": r.text,
            "sentence": r.sentence,
        }
        for r in rows
    ]


def stances_page(
    conn: Connection, f: Filters = Filters(), *, limit: int | None = None, cursor: str | None = None
) -> Page:
    """Stances of statements (one row per statement and issue), newest first.

    The statements come first, newest first by index, each kept if it has a matching stance
    (SQLite would otherwise read every stance of an issue and sort them); then the stances of
    those statements. A statement has at least one row, so ``limit + 2`` statements from the
    cursor's own (whose rows may be used up) fill a page and tell whether there is another."""
    _check(f, STANCE_FILTERS, "stances")
    lim = _limit(limit)
    types = (dt.date, int, str)
    sn = select(statement_stances.c.statement_id).where(statement_stances.c.statement_id == statements.c.id)
    if f.issue:
        sn = sn.where(statement_stances.c.issue == f.issue)
    if f.polarity:
        sn = sn.where(statement_stances.c.polarity == f.polarity)
    # the statement-side filters (a stance's speaker and day are its statement's)
    st_conds = _statement_conds(
        Filters(
            actor=f.actor,
            outlet=f.outlet,
            language=f.language,
            since=f.since,
            until=f.until,
            include_duplicates=f.include_duplicates,
        )
    )
    sq = select(statements.c.day, statements.c.seq).where(and_(true(), *st_conds, sn.exists()))
    start = None
    if cursor:
        day, seq, _ = decode_cursor(cursor, types)
        start = encode_cursor([day, seq + 1])  # from the cursor's statement on, itself included
    seqs = [r.seq for r in _keyset_rows(conn, sq, _ST_KEY, _DAY_SEQ, lim + 2, start)]
    # their stances: the statement-side filters hold for them already (left out, so that SQLite
    # reads the stances of these statements, not those of the speaker or the issue)
    q, conds = _stance_query(Filters(issue=f.issue, polarity=f.polarity, include_duplicates=True))
    q = q.where(statements.c.seq.in_(seqs), *conds)
    return _paged(conn, q, _SN_KEY, types, lim, cursor, stance_dicts)


def iter_stances(conn: Connection, f: Filters = Filters(), *, batch: int = 1000) -> Iterator[dict[str, Any]]:
    q, conds = _stance_query(f)
    q = q.where(and_(true(), *conds))
    yield from _iterate(conn, q, _SN_KEY, (dt.date, int, str), stance_dicts, batch)


def stance_timeline(
    conn: Connection, actor: str, since: dt.date | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per issue, an actor's stances by day: favor +1, against -1 (weighted mean of the day)."""
    q = select(
        statement_stances.c.issue,
        statement_stances.c.day,
        statement_stances.c.polarity,
        statement_stances.c.confidence,
    ).where(statement_stances.c.speaker == actor)
    if since:
        q = q.where(statement_stances.c.day >= since)
    acc: dict[str, dict[dt.date, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0, 0]))
    for r in conn.execute(q):
        if r.day is None:
            continue
        a = acc[r.issue][r.day]
        sign = {"favor": 1.0, "against": -1.0}.get(r.polarity, 0.0)
        a[0] += sign * r.confidence
        a[1] += r.confidence
        a[2] += 1
    return {
        issue: [
            {"day": d.isoformat(), "score": round(v[0] / v[1], 3) if v[1] else 0.0, "statements": v[2]}
            for d, v in sorted(days.items())
        ]
        for issue, days in sorted(acc.items())
    }


# --- alerts ------------------------------------------------------------------------------------

ALERT_FILTERS = {"type", "since", "until", "narrative", "actor", "issue"}


def _alert_conds(f: Filters) -> list[Any]:
    _check(f, ALERT_FILTERS, "alerts")
    c: list[Any] = []
    if f.type:
        c.append(alerts.c.type == f.type)
    if f.since:
        c.append(alerts.c.day >= f.since)
    if f.until:
        c.append(alerts.c.day <= f.until)
    # subjects are "<label>", "<actor>|<label>" or "<actor>|<issue>"
    for key in (f.narrative, f.issue):
        if key:
            c.append(
                or_(alerts.c.subject == key, alerts.c.subject.like(f"%|{_like_escape(key)}", escape="\\"))
            )
    if f.actor:
        c.append(alerts.c.subject.like(f"{_like_escape(f.actor)}|%", escape="\\"))
    return c


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def alerts_page(
    conn: Connection, f: Filters = Filters(), *, limit: int | None = None, cursor: str | None = None
) -> Page:
    """Stored alerts, newest first, each the whole alert with its evidence bundle."""
    q = select(alerts.c.day, alerts.c.id, alerts.c.payload).where(and_(true(), *_alert_conds(f)))
    return _paged(
        conn,
        q,
        (alerts.c.day, alerts.c.id),
        (dt.date, str),
        _limit(limit),
        cursor,
        lambda c, rows: [json.loads(r.payload) for r in rows],
    )


def alert_counts(conn: Connection, since: dt.date, until: dt.date) -> dict[str, int]:
    q = (
        select(alerts.c.type, func.count())
        .where((alerts.c.day >= since) & (alerts.c.day <= until))
        .group_by(alerts.c.type)
    )
    return {t: int(n) for t, n in conn.execute(q)}


def get_alert(conn: Connection, alert_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(alerts.c.payload).where(alerts.c.id == alert_id)).first()
    return json.loads(row.payload) if row else None


# --- narratives and actors: aggregates -------------------------------------------------------


def label_counts(
    conn: Connection, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, int]:
    """Canonical statements per narrative label (sub-narratives counted under their own id)."""
    q = (
        select(statement_labels.c.label, func.count())
        .select_from(statement_labels)
        .group_by(statement_labels.c.label)
    )
    if since:
        q = q.where(statement_labels.c.day >= since)
    if until:
        q = q.where(statement_labels.c.day <= until)
    return {k: int(n) for k, n in conn.execute(q)}


def first_seen_of(conn: Connection, label: str) -> dict[str, Any] | None:
    from undertow.dynamics.firstseen import statement_json

    r = conn.execute(
        select(first_seen.c.day, first_seen.c.seen, first_seen.c.habitual, *_ST_COLS)
        .join(statements, statements.c.id == first_seen.c.statement_id)
        .where((first_seen.c.scope == "narrative") & (first_seen.c.key == label))
    ).first()
    if r is None:
        return None
    return {
        "first_seen": r.day.isoformat(),
        "statements_seen": r.seen,
        "habitual": r.habitual,
        "first_statement": statement_json(r),
    }


def narrative_timeline(
    conn: Connection, label: str, since: dt.date, until: dt.date, by: str = "outlet"
) -> dict[str, Any]:
    """Canonical statements carrying ``label`` (or one of its sub-narratives) per day, split by
    ``outlet`` or ``language``: ``{"days": [...], "series": {key: [n per day]}}``.

    Per outlet it reads the tracker's daily counts (a statement of a sub-narrative carries its
    narrative's label as well, so the narrative's own count is the number of statements): a few
    rows per day whatever the archive's size. Per language it counts the statements."""
    if by not in ("outlet", "language"):
        raise QueryError("by must be outlet or language")
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {}
    if by == "outlet":
        q = (
            select(daily_counts.c.day, daily_counts.c.outlet_id, func.sum(daily_counts.c.n))
            .where(
                (daily_counts.c.dim == "narrative")
                & (daily_counts.c.key == label)
                & (daily_counts.c.day >= since)
                & (daily_counts.c.day <= until)
            )
            .group_by(daily_counts.c.day, daily_counts.c.outlet_id)
        )
    else:
        q = (
            select(statements.c.day, statements.c.language, func.count(func.distinct(statements.c.id)))
            .select_from(
                statement_labels.join(statements, statements.c.id == statement_labels.c.statement_id)
            )
            .where(
                or_(statement_labels.c.label == label, statement_labels.c.parent == label)
                & (statement_labels.c.day >= since)
                & (statement_labels.c.day <= until)
                & statements.c.canonical.is_(True)
            )
            .group_by(statements.c.day, statements.c.language)
        )
    for d, k, n in conn.execute(q):
        if d in index:
            series.setdefault(k or "unknown", [0] * len(days))[index[d]] += int(n)
    return {"days": [d.isoformat() for d in days], "by": by, "series": series}


def top_speakers(conn: Connection, label: str, limit: int = 10) -> list[dict[str, Any]]:
    """Who voiced ``label`` most (canonical statements) and when first: from the tracker's
    first-seen registry per actor and narrative, so a few hundred rows, not the line's history."""
    q = (
        select(first_seen.c.actor, first_seen.c.seen, first_seen.c.day)
        .where(
            (first_seen.c.scope == "actor") & (first_seen.c.label == label) & first_seen.c.actor.is_not(None)
        )
        .order_by(first_seen.c.seen.desc(), first_seen.c.actor)
        .limit(limit)
    )
    return [{"actor_id": s, "statements": int(n), "first": _iso(f)} for s, n, f in conn.execute(q)]


def speaker_counts(conn: Connection) -> dict[str, tuple[int, dt.date | None, dt.date | None]]:
    """Per speaker: canonical statements, first and last day (from the tracker's daily counts)."""
    q = (
        select(
            daily_counts.c.key,
            func.sum(daily_counts.c.n),
            func.min(daily_counts.c.day),
            func.max(daily_counts.c.day),
        )
        # the day bound (every row has a day) lets SQLite read the covering (dim, day, key, n)
        # index instead of each row of the (dim, key, day) one
        .where((daily_counts.c.dim == "actor") & (daily_counts.c.day >= dt.date.min))
        .group_by(daily_counts.c.key)
    )
    return {s: (int(n), a, b) for s, n, a, b in conn.execute(q)}


def actor_series(conn: Connection, actor: str, since: dt.date, until: dt.date) -> dict[str, Any]:
    from undertow.dynamics.series import counts

    c = counts(conn, "actor", actor, since, until)
    days = [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]
    return {"days": [d.isoformat() for d in days], "series": {actor: [c.get(d, 0) for d in days]}}


def actor_narratives(conn: Connection, actor: str) -> list[dict[str, Any]]:
    """The lines an actor has voiced: first day, statements (from the first-seen registry)."""
    q = (
        select(first_seen.c.label, first_seen.c.day, first_seen.c.seen, first_seen.c.statement_id)
        .where((first_seen.c.scope == "actor") & (first_seen.c.actor == actor))
        .order_by(first_seen.c.day, first_seen.c.label)
    )
    return [
        {
            "narrative": r.label,
            "first_seen": r.day.isoformat(),
            "statements": r.seen,
            "statement_id": r.statement_id,
        }
        for r in conn.execute(q)
    ]


def date_bounds(conn: Connection) -> tuple[dt.date | None, dt.date | None]:
    return conn.execute(select(func.min(documents.c.published), func.max(documents.c.published))).one()


# --- semantic search ---------------------------------------------------------------------------

#: Up to this many statements (by arrival number) a semantic query scans every vector: exact.
EXACT_MAX = 50_000
#: Above it, candidates come from an in-memory projection of the vectors (``_VectorIndex``) and
#: this many of them are scored exactly with their stored vectors.
SHORTLIST = 1_000
#: A query filtered by speaker or outlet draws its shortlist from their statements when there are
#: at most this many (else from all statements, then filters it).
SELECTION_MAX = 50_000
PROJECTION_DIMS = 64


def semantic_statements(
    conn: Connection,
    query_vector: np.ndarray,
    f: Filters = Filters(),
    *,
    limit: int = 20,
    batch: int = 20000,
    min_score: float = 0.25,
) -> list[dict[str, Any]]:
    """Statements whose sentence vector is closest to ``query_vector`` (cosine; the encoder aligns
    languages, so an English query finds Russian and Ukrainian statements).

    On a store of up to ``EXACT_MAX`` statements it scans the vectors of the filtered selection in
    batches: exact, and linear in the selection. On a larger one it scores every vector in a
    ``PROJECTION_DIMS``-dimensional projection kept in memory (the principal directions of a
    sample: a fraction of the cost of the full vectors), then scores the best ``SHORTLIST`` that
    pass the filters exactly with their stored vectors. When fewer than ``limit`` of the shortlist
    pass the filters (a narrow selection), the selection is scanned exactly instead."""
    q = np.asarray(query_vector, dtype=np.float32)
    q = q / (np.linalg.norm(q) or 1.0)
    conds = [*_statement_conds(f, conn), statements.c.vector.is_not(None)]
    best: list[tuple[float, int]] | None = None
    max_seq = conn.execute(select(func.max(statements.c.seq))).scalar() or 0
    if max_seq > EXACT_MAX:
        selection = _selection(conn, f)
        if selection is not None and len(selection) <= SHORTLIST:
            sel = [statements.c.seq.in_(selection), *conds]
            best = _exact_best(conn, q, sel, limit, min_score, batch)
        else:
            best = _shortlist_best(conn, q, conds, limit, min_score, max_seq, selection)
    if best is None:
        best = _exact_best(conn, q, conds, limit, min_score, batch)
    if not best:
        return []
    score = {seq: sc for sc, seq in best}
    rows = conn.execute(select(*_ST_COLS).where(statements.c.seq.in_(list(score)))).all()
    rows.sort(key=lambda r: -score[r.seq])
    out = statement_dicts(conn, rows)
    for d, r in zip(out, rows, strict=True):
        d["score"] = round(score[r.seq], 4)
    return out


def _scores(rows: Sequence[Any], q: np.ndarray) -> np.ndarray:
    return _unit_rows(rows) @ q


def _exact_best(
    conn: Connection, q: np.ndarray, conds: list[Any], limit: int, min_score: float, batch: int
) -> list[tuple[float, int]]:
    """The ``limit`` best ``(score, seq)`` of the selection, every vector scored."""
    best: list[tuple[float, int]] = []
    # one pass over the selection in whatever order its filters' indexes give, ``batch`` rows of
    # vectors in memory at a time
    result = conn.execute(select(statements.c.seq, statements.c.vector).where(and_(*conds)))
    while rows := result.fetchmany(batch):
        s = _scores(rows, q)
        top = np.argsort(-s)[:limit]
        best += [(float(s[i]), rows[i].seq) for i in top if s[i] >= min_score]
        best = sorted(best, reverse=True)[:limit]
    return best


def _selection(conn: Connection, f: Filters) -> list[int] | None:
    """For a query filtered by speaker or outlet: the arrival numbers of the statements of that
    speaker (else outlet) in the days asked for, read from their (x, day) index alone, when there
    are at most SELECTION_MAX; else ``None``. The other filters are checked on the shortlist."""
    if not (f.actor or f.outlet):
        return None
    part = Filters(  # what the (speaker, day) or (outlet, day) index holds
        actor=f.actor,
        outlet=None if f.actor else f.outlet,
        since=f.since,
        until=f.until,
        include_duplicates=True,
    )
    q = select(statements.c.seq).where(*_statement_conds(part)).limit(SELECTION_MAX + 1)
    seqs = list(conn.execute(q).scalars())
    return seqs if len(seqs) <= SELECTION_MAX else None


def _shortlist_best(
    conn: Connection,
    q: np.ndarray,
    conds: list[Any],
    limit: int,
    min_score: float,
    max_seq: int,
    selection: list[int] | None = None,
) -> list[tuple[float, int]] | None:
    """The ``limit`` best ``(score, seq)`` among the shortlist of the projection, scored exactly;
    ``None`` when too few of the shortlist pass the filters. ``selection``: arrival numbers to
    draw the shortlist from (a speaker's or outlet's statements), ``None`` for all."""
    index = _vector_index(conn.engine)
    index.refresh(conn, max_seq)
    if index.basis is None or not len(index.seqs):
        return None
    if selection is None:
        rows_at = None
        approx = index.low @ (index.basis @ q)
    else:  # index.seqs ascend: find the selection's rows by bisection, score only those
        sel = np.asarray(selection, dtype=np.int64)
        pos = np.minimum(np.searchsorted(index.seqs, sel), len(index.seqs) - 1)
        rows_at = pos[index.seqs[pos] == sel]
        approx = index.low[rows_at] @ (index.basis @ q)
    k = min(SHORTLIST, len(approx))
    cand = np.argpartition(approx, len(approx) - k)[-k:] if k < len(approx) else np.arange(len(approx))
    if rows_at is not None:
        cand = rows_at[cand]
    rows = conn.execute(
        select(statements.c.seq, statements.c.vector).where(
            statements.c.seq.in_(index.seqs[cand].tolist()), *conds
        )
    ).all()
    if len(rows) < limit and k < len(approx):
        return None
    if not rows:
        return []
    s = _scores(rows, q)
    top = np.argsort(-s)[:limit]
    return [(float(s[i]), rows[i].seq) for i in top if s[i] >= min_score]


class _VectorIndex:
    """Every stored sentence vector projected on the principal directions of a sample (unit
    vectors, float32, ``PROJECTION_DIMS`` wide: 256 bytes a statement), with the statements'
    arrival numbers. Kept per engine in memory and extended with the statements stored since
    (they only ever get higher arrival numbers); rebuilt when the store shrinks below it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.basis: np.ndarray | None = None  # PROJECTION_DIMS x dim
        self.seqs = np.zeros(0, dtype=np.int64)
        self.low = np.zeros((0, PROJECTION_DIMS), dtype=np.float32)
        self.max_seq = 0

    def refresh(self, conn: Connection, max_seq: int, batch: int = 50_000) -> None:
        with self.lock:
            if max_seq < self.max_seq:
                self.__init__()  # type: ignore[misc]  # the store was replaced or emptied
            if max_seq == self.max_seq:
                return
            if self.basis is None:
                self.basis = self._fit(conn, max_seq)
                if self.basis is None:
                    return
            seqs, lows = [self.seqs], [self.low]
            last = self.max_seq
            while True:
                rows = conn.execute(
                    select(statements.c.seq, statements.c.vector)
                    .where((statements.c.seq > last) & statements.c.vector.is_not(None))
                    .order_by(statements.c.seq)
                    .limit(batch)
                ).all()
                if not rows:
                    break
                m = _unit_rows(rows)
                lows.append((m @ self.basis.T).astype(np.float32))
                seqs.append(np.fromiter((r.seq for r in rows), dtype=np.int64, count=len(rows)))
                last = rows[-1].seq
            self.seqs = np.concatenate(seqs)
            self.low = np.ascontiguousarray(np.concatenate(lows))
            self.max_seq = max_seq

    @staticmethod
    def _fit(conn: Connection, max_seq: int, n: int = 20_000) -> np.ndarray | None:
        """The leading right singular vectors of a random sample of the stored vectors."""
        rng = np.random.default_rng(0)
        picks = np.unique(rng.integers(1, max_seq + 1, size=n)).tolist()
        rows: list[Any] = []
        for i in range(0, len(picks), 5000):
            rows += conn.execute(
                select(statements.c.seq, statements.c.vector).where(
                    statements.c.seq.in_(picks[i : i + 5000]) & statements.c.vector.is_not(None)
                )
            ).all()
        if len(rows) < PROJECTION_DIMS * 4:
            return None
        m = _unit_rows(rows)
        _, _, vt = np.linalg.svd(m, full_matrices=False)
        return np.ascontiguousarray(vt[:PROJECTION_DIMS], dtype=np.float32)


def _unit_rows(rows: Sequence[Any]) -> np.ndarray:
    m = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float16).reshape(len(rows), -1)
    m = m.astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-9
    return m


def warm_semantic_index(engine: Any) -> None:
    """Build the in-memory projection semantic search uses on a large store (reading every
    stored vector: tens of seconds for a million statements), so that the first query does not
    wait for it. Meant for a background thread at server start; a no-op on a small store."""
    with engine.connect() as conn:
        max_seq = conn.execute(select(func.max(statements.c.seq))).scalar() or 0
        if max_seq > EXACT_MAX:
            _vector_index(engine).refresh(conn, max_seq)


_INDEXES: weakref.WeakKeyDictionary[Any, _VectorIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def _vector_index(engine: Any) -> _VectorIndex:
    with _INDEXES_LOCK:
        index = _INDEXES.get(engine)
        if index is None:
            index = _INDEXES[engine] = _VectorIndex()
        return index
