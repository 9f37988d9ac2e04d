"""The record store: one class, the same methods on every database engine."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Engine, bindparam, create_engine, delete, func, insert, select, update

from undertow.config import db_url
from undertow.ingest.dedupe import Fingerprint, is_duplicate
from undertow.records import Document, Outlet, Paragraph, content_hash
from undertow.store import dialects
from undertow.store.dialects import SearchFilters
from undertow.store.migrations import migrate
from undertow.store.rows import DocMeta, event_rows, statement_rows
from undertow.store.schema import (
    doc_lsh,
    doc_minhash,
    documents,
    events,
    feed_items,
    feeds,
    ingest_errors,
    statement_labels,
    statement_stances,
)
from undertow.store.schema import statements as statements_table

Outcome = Literal["stored", "duplicate", "unchanged"]
_INSERT_DOCUMENT = insert(documents)
_INSERT_MINHASH = insert(doc_minhash)
_BY_ID_OR_URL = select(documents.c.id, documents.c.duplicate_of).where(
    (documents.c.id == bindparam("id")) | (documents.c.url == bindparam("url"))
)
_BY_HASH = (
    select(documents.c.id, documents.c.duplicate_of)
    .where(documents.c.content_hash == bindparam("hash"))
    .limit(1)
)
_INSERT_LSH = insert(doc_lsh)
_NEAR_DUPLICATES = (  # stored documents sharing an LSH band with the new one
    select(doc_minhash.c.doc_id, doc_minhash.c.signature, documents.c.duplicate_of)
    .join(documents, documents.c.id == doc_minhash.c.doc_id)
    .where(
        doc_minhash.c.doc_id.in_(
            select(doc_lsh.c.doc_id)
            .where(doc_lsh.c.bucket.in_(bindparam("bands", expanding=True)))
            .distinct()
        )
    )
)
_PUBLISHED_KIND = select(documents.c.published, documents.c.outlet_kind).where(
    documents.c.id == bindparam("id")
)


@dataclass(frozen=True, slots=True)
class SaveResult:
    outcome: Outcome
    doc_id: str
    duplicate_of: str | None = None


class Store:
    """Documents and their annotations in SQLite (default) or another SQLAlchemy database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = dialects.for_name(engine.dialect.name)

    @classmethod
    def open(cls, db: str | None = None, *, create: bool = True) -> Store:
        """Open (and migrate) the database named by ``db``, ``UNDERTOW_DB`` or the default file."""
        url = db_url(db)
        kwargs: dict[str, Any] = {"pool_pre_ping": True} if url.startswith("postgresql") else {}
        engine = create_engine(url, future=True, **kwargs)
        store = cls(engine)
        store.dialect.configure(engine)
        if create:
            migrate(engine)
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- documents -----------------------------------------------------------------------------

    def save_document(self, doc: Document, fp: Fingerprint) -> SaveResult:
        """Store ``doc`` in one transaction, folding it onto a near-duplicate already stored.

        Re-saving a document that is already there (same id, same URL, or the same text without
        a new URL) changes nothing. A near-duplicate is stored too, for provenance, with
        ``duplicate_of`` naming its cluster's canonical document: the earliest published one.
        """
        chash = content_hash(doc.text)
        with self.engine.begin() as conn:
            self.dialect.lock_documents(conn)
            existing = conn.execute(
                _BY_ID_OR_URL, {"id": doc.id, "url": doc.url}
            ).first()  # (NULL = NULL: no)
            same_text = conn.execute(_BY_HASH, {"hash": chash}).first() if existing is None else None
            if existing is None and not doc.url:
                existing = same_text  # the same text without a URL: already stored
            if existing is not None:
                doc.id = existing.id
                doc.duplicate_of = existing.duplicate_of
                return SaveResult("unchanged", existing.id, existing.duplicate_of)

            canonical = self._find_canonical(conn, fp, same_text)
            members_to_repoint: str | None = None
            if canonical is not None:
                if _is_original(doc, canonical):
                    members_to_repoint = canonical.id  # the new copy is the original: it becomes canonical
                    doc.duplicate_of = None
                else:
                    doc.duplicate_of = canonical.id
            # (parameters beside the statement, not in it: SQLAlchemy then reuses the compiled insert)
            conn.execute(_INSERT_DOCUMENT, self._clean(_row(doc, chash, fp.words)))
            conn.execute(_INSERT_MINHASH, {"doc_id": doc.id, "signature": fp.signature})
            if fp.bands:
                conn.execute(
                    _INSERT_LSH, [{"band": i, "bucket": b, "doc_id": doc.id} for i, b in enumerate(fp.bands)]
                )
            _insert_statements(conn, doc, self._clean)
            if members_to_repoint:
                conn.execute(
                    update(documents)
                    .where(
                        (documents.c.duplicate_of == members_to_repoint)
                        | (documents.c.id == members_to_repoint)
                    )
                    .values(duplicate_of=doc.id)
                )
                # the old canonical and its copies now count as copies: their statements and
                # events drop out of counts and lists
                copies = select(documents.c.id).where(documents.c.duplicate_of == doc.id)
                for table in (statements_table, events):
                    conn.execute(update(table).where(table.c.doc_id.in_(copies)).values(canonical=False))
        if doc.duplicate_of:
            return SaveResult("duplicate", doc.id, doc.duplicate_of)
        return SaveResult("stored", doc.id)

    def _clean(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row's strings as the engine can store them (no NUL on PostgreSQL)."""
        return {k: self.dialect.clean_text(v) if isinstance(v, str) else v for k, v in row.items()}

    def _find_canonical(self, conn: Any, fp: Fingerprint, hit: Any) -> _Canonical | None:
        """The canonical document of the cluster ``fp`` belongs to, if any (``hit``: a stored
        document with the same text, if any)."""
        cand_id: str | None = None
        if hit is not None:
            cand_id = hit.duplicate_of or hit.id
        elif fp.bands:
            rows = conn.execute(_NEAR_DUPLICATES, {"bands": list(fp.bands)}).all()
            best = 0.0
            for r in rows:
                other = Fingerprint(r.signature, (), 0)
                sim = fp.jaccard(other)
                if is_duplicate(fp, other) and sim > best:
                    best, cand_id = sim, r.duplicate_of or r.doc_id
        if cand_id is None:
            return None
        row = conn.execute(_PUBLISHED_KIND, {"id": cand_id}).one()
        return _Canonical(cand_id, row.published, row.outlet_kind)

    def get_document(self, doc_id: str) -> Document | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.id == doc_id)).first()
        return _document(row._mapping) if row else None

    def get_record(self, doc_id: str) -> dict[str, Any] | None:
        """The full record of a stored document (docs/record.md): the document and its annotations."""
        with self.engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.id == doc_id)).first()
        if row is None:
            return None
        rec = {"document": _document(row._mapping).to_record()["document"]}
        rec.update(json.loads(row.record) if row.record else {})
        for key in ("actors", "statements", "events", "narratives", "stances"):
            rec.setdefault(key, [])
        return rec

    def statements(
        self,
        *,
        actor: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        include_duplicates: bool = False,
        limit: int | None = None,
        narrative: str | None = None,
        issue: str | None = None,
    ) -> list[dict[str, Any]]:
        """Statements of stored documents, optionally only those labelled with a ``narrative`` id
        or carrying a stance on an ``issue`` (record-contract dicts plus ``document_id``, ``outlet``,
        ``published`` and ``date``: the day said, else the day published), oldest first.
        Syndicated copies are left out unless asked for."""
        q = select(
            documents.c.id, documents.c.outlet_id, documents.c.published, documents.c.url, documents.c.record
        ).where(documents.c.record.is_not(None))
        if not include_duplicates:
            q = q.where(documents.c.duplicate_of.is_(None))
        out: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for row in conn.execute(q):
                for st in json.loads(row.record).get("statements", []):
                    if actor and st["speaker"]["actor_id"] != actor:
                        continue
                    if narrative and narrative not in {n["id"] for n in st.get("narratives", [])}:
                        continue
                    if issue and issue not in {x["issue"] for x in st.get("stances", [])}:
                        continue
                    day = (st.get("said") or {}).get("start") or (
                        row.published.isoformat() if row.published else None
                    )
                    if since and (day is None or day < since.isoformat()):
                        continue
                    if until and (day is None or day > until.isoformat()):
                        continue
                    out.append(
                        {**st, "document_id": row.id, "outlet": row.outlet_id, "url": row.url, "date": day}
                    )
        out.sort(key=lambda s: (s["date"] or "9999", s["document_id"], s["content"]["start"]))
        return out[:limit] if limit else out

    def documents(
        self,
        *,
        language: str | None = None,
        outlet: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        include_duplicates: bool = True,
        limit: int | None = None,
    ) -> list[Document]:
        q = select(documents).order_by(
            documents.c.published.is_(None), documents.c.published, documents.c.seq
        )
        if language:
            q = q.where(documents.c.language == language)
        if outlet:
            q = q.where(documents.c.outlet_id == outlet)
        if since:
            q = q.where(documents.c.published >= since)
        if until:
            q = q.where(documents.c.published <= until)
        if not include_duplicates:
            q = q.where(documents.c.duplicate_of.is_(None))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_document(r._mapping) for r in conn.execute(q)]

    def count_documents(self, *, include_duplicates: bool = True) -> int:
        q = select(func.count()).select_from(documents)
        if not include_duplicates:
            q = q.where(documents.c.duplicate_of.is_(None))
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def stats(self) -> dict[str, Any]:
        """Counts for a summary: documents, canonical, by language, by outlet, date range."""
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(documents)).scalar() or 0
            dups = (
                conn.execute(
                    select(func.count()).select_from(documents).where(documents.c.duplicate_of.is_not(None))
                ).scalar()
                or 0
            )
            by_lang = dict(
                conn.execute(select(documents.c.language, func.count()).group_by(documents.c.language)).all()
            )
            by_outlet = dict(
                conn.execute(
                    select(documents.c.outlet_id, func.count())
                    .group_by(documents.c.outlet_id)
                    .order_by(func.count().desc())
                ).all()
            )
            first, last = conn.execute(
                select(func.min(documents.c.published), func.max(documents.c.published))
            ).one()
            undated = (
                conn.execute(
                    select(func.count()).select_from(documents).where(documents.c.published.is_(None))
                ).scalar()
                or 0
            )
            errors = conn.execute(select(func.count()).select_from(ingest_errors)).scalar() or 0
        return {
            "documents": total,
            "canonical": total - dups,
            "duplicates": dups,
            "undated": undated,
            "by_language": by_lang,
            "by_outlet": by_outlet,
            "first_published": first,
            "last_published": last,
            "ingest_errors": errors,
        }

    def search(self, query: str, *, limit: int = 20, **filters: Any) -> list[dict[str, Any]]:
        """Full-text search over titles and bodies (engine-specific syntax, see ``undertow search``)."""
        with self.engine.connect() as conn:
            return self.dialect.search(conn, query, SearchFilters(**filters), limit)

    # --- ingest bookkeeping --------------------------------------------------------------------

    def stored_sources(self, sources: list[str]) -> set[str]:
        """Which of these source keys (``RawItem.source``) name a stored document."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(sources), 500):
                chunk = sources[i : i + 500]
                found.update(
                    conn.execute(select(documents.c.source).where(documents.c.source.in_(chunk))).scalars()
                )
        return found

    def record_error(self, source: str, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(ingest_errors).values(source=source, reason=reason, at=_now()))

    def feed_state(self, url: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(feeds).where(feeds.c.url == url)).first()
        return dict(row._mapping) if row else None

    def save_feed_state(self, url: str, **values: Any) -> None:
        values["last_polled"] = _now()
        with self.engine.begin() as conn:
            exists = conn.execute(select(feeds.c.url).where(feeds.c.url == url)).first()
            if exists:
                conn.execute(update(feeds).where(feeds.c.url == url).values(**values))
            else:
                conn.execute(insert(feeds).values(url=url, **values))

    def seen_feed_items(self, feed_url: str, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(feed_items.c.item_key).where(
                    (feed_items.c.feed_url == feed_url) & feed_items.c.item_key.in_(keys)
                )
            ).all()
        return {r.item_key for r in rows}

    def mark_feed_item(self, feed_url: str, key: str, doc_id: str | None) -> None:
        with self.engine.begin() as conn:
            seen = conn.execute(
                select(feed_items.c.item_key).where(
                    (feed_items.c.feed_url == feed_url) & (feed_items.c.item_key == key)
                )
            ).first()
            if not seen:
                conn.execute(
                    insert(feed_items).values(feed_url=feed_url, item_key=key, doc_id=doc_id, seen_at=_now())
                )


def _insert_statements(
    conn: Connection, doc: Document, clean: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> None:
    """Index ``doc``'s statements, labels, stances and events as rows (see ``store/rows.py``)."""
    if not doc.statements and not doc.events:
        return
    o = doc.outlet
    meta = DocMeta(
        id=doc.id,
        text=doc.text,
        language=doc.language,
        published=doc.published,
        canonical=doc.duplicate_of is None,
        outlet_id=o.id if o else None,
        outlet_kind=o.kind if o else None,
        state_affiliated=o.state_affiliated if o else None,
    )
    vectors = {s.id: s.vector for s in doc.statements if s.vector is not None}
    _write_rows(conn, meta, [s.to_json() for s in doc.statements], vectors, clean)
    if doc.events:
        rows = event_rows(meta, [e.to_json() for e in doc.events])
        conn.execute(insert(events), [clean(r) for r in rows] if clean else rows)


def _write_rows(
    conn: Connection,
    meta: DocMeta,
    sts: list[dict[str, Any]],
    vectors: Any = None,
    clean: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    rows = statement_rows(meta, sts, vectors)
    for table, batch in (
        (statements_table, rows.statements),
        (statement_labels, rows.labels),
        (statement_stances, rows.stances),
    ):
        if batch:
            conn.execute(insert(table), [clean(r) for r in batch] if clean else batch)


def index_statements(conn: Connection) -> int:
    """(Re)build the statement rows of every stored document from its record JSON (used by the
    migration that introduced them; vectors are not in the JSON, so none are kept). Returns the
    number of statements indexed."""
    conn.execute(delete(statement_labels))
    conn.execute(delete(statement_stances))
    conn.execute(delete(statements_table))
    n = 0
    q = select(*_RECORD_COLUMNS).where(documents.c.record.is_not(None))
    for r in conn.execute(q).all():
        sts = json.loads(r.record).get("statements", [])
        if not sts:
            continue
        meta = _doc_meta(r)
        _write_rows(conn, meta, sts)
        n += len(sts)
    return n


def _doc_meta(r: Any) -> DocMeta:
    return DocMeta(
        id=r.id,
        text=r.text,
        language=r.language,
        published=r.published,
        canonical=r.duplicate_of is None,
        outlet_id=r.outlet_id,
        outlet_kind=r.outlet_kind,
        state_affiliated=r.outlet_state_affiliated,
    )


_RECORD_COLUMNS = (
    documents.c.id,
    documents.c.text,
    documents.c.language,
    documents.c.published,
    documents.c.duplicate_of,
    documents.c.outlet_id,
    documents.c.outlet_kind,
    documents.c.outlet_state_affiliated,
    documents.c.record,
)


def index_events_and_spans(conn: Connection) -> int:
    """Fill what migration 4 added for an older database, from each record's JSON: the events
    table, and the speaker and cue spans of statement rows already there (their vectors are
    kept). Returns the number of events indexed."""
    conn.execute(delete(events))
    n = 0
    for r in conn.execute(select(*_RECORD_COLUMNS).where(documents.c.record.is_not(None))).all():
        rec = json.loads(r.record)
        evs = rec.get("events", [])
        if evs:
            conn.execute(insert(events), event_rows(_doc_meta(r), evs))
            n += len(evs)
        for st in rec.get("statements", []):
            sp, cue = st.get("speaker") or {}, st.get("cue") or {}
            conn.execute(
                update(statements_table)
                .where(statements_table.c.id == st["id"])
                .values(
                    speaker_start=sp.get("start"),
                    speaker_end=sp.get("end"),
                    cue_start=cue.get("start"),
                    cue_end=cue.get("end"),
                    cue_text=cue.get("text"),
                )
            )
    return n


@dataclass(frozen=True, slots=True)
class _Canonical:
    id: str
    published: dt.date | None
    outlet_kind: str | None


def _is_original(doc: Document, canonical: _Canonical) -> bool:
    """Whether a newly arrived copy should replace its cluster's canonical document: it was
    published earlier, or the same day by a news agency (wire copy) when the canonical was not."""
    if not doc.published or not canonical.published:
        return False
    if doc.published != canonical.published:
        return doc.published < canonical.published
    return bool(doc.outlet and doc.outlet.kind == "agency" and canonical.outlet_kind != "agency")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _row(doc: Document, chash: str, words: int) -> dict[str, Any]:
    o = doc.outlet
    return {
        "id": doc.id,
        "source": doc.source,
        "url": doc.url,
        "title": doc.title,
        "author": doc.author,
        "section": doc.section,
        "outlet_id": o.id if o else None,
        "outlet_name": o.name if o else None,
        "outlet_country": o.country if o else None,
        "outlet_state_affiliated": o.state_affiliated if o else None,
        "outlet_kind": o.kind if o else None,
        "language": doc.language,
        "published": doc.published,
        "published_source": doc.published_source,
        "fetched": doc.fetched,
        "text": doc.text,
        "content_hash": chash,
        "word_count": words,
        "duplicate_of": doc.duplicate_of,
        "paragraphs": json.dumps([[p.start, p.end, p.language] for p in doc.paragraphs]),
        "record": json.dumps(
            {k: v for k, v in doc.to_record().items() if k != "document"}, ensure_ascii=False
        ),
    }


def _document(r: Any) -> Document:
    outlet = None
    if r["outlet_id"]:
        outlet = Outlet(
            id=r["outlet_id"],
            name=r["outlet_name"] or r["outlet_id"],
            country=r["outlet_country"],
            state_affiliated=r["outlet_state_affiliated"],
            kind=r["outlet_kind"] or "media",
        )
    fetched = r["fetched"]
    if fetched is not None and fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=dt.UTC)
    return Document(
        id=r["id"],
        source=r["source"],
        url=r["url"],
        title=r["title"],
        author=r["author"],
        section=r["section"],
        outlet=outlet,
        language=r["language"],
        published=r["published"],
        published_source=r["published_source"],
        fetched=fetched,
        text=r["text"],
        duplicate_of=r["duplicate_of"],
        paragraphs=[Paragraph(s, e, lang) for s, e, lang in json.loads(r["paragraphs"])],
    )
