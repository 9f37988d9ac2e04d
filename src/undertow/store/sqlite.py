"""SQLite specifics: WAL and pragmas on every connection, FTS5 full-text search."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, event, text

from undertow.store import ftsquery
from undertow.store.dialects import SearchFilters
from undertow.store.ftsquery import SearchQueryError

__all__ = ["SQLiteDialect", "SearchQueryError"]


_FTS_DDL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(
        title, text, content='documents', content_rowid='seq',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS documents_fts_ai AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, title, text) VALUES (new.seq, new.title, new.text); END""",
    """CREATE TRIGGER IF NOT EXISTS documents_fts_ad AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text); END""",
    """CREATE TRIGGER IF NOT EXISTS documents_fts_au AFTER UPDATE OF title, text ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
        INSERT INTO documents_fts(rowid, title, text) VALUES (new.seq, new.title, new.text); END""",
]


class SQLiteDialect:
    name = "sqlite"

    def configure(self, engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    def clean_text(self, value: str) -> str:
        return value

    def lock_documents(self, conn: Connection) -> None:
        """Take the database's write lock now, before the lookups (a write that changes nothing:
        SQLite otherwise takes it at the first insert, after another process may have stored
        the copy the lookups missed). Another writer waits on busy_timeout."""
        conn.execute(text("UPDATE schema_version SET version = version WHERE 0"))

    def migration_lock(self, engine: Engine) -> AbstractContextManager[None]:
        return nullcontext()  # a migration is one write transaction: SQLite serialises them

    def refresh_statistics(self, conn: Connection, tables: list[str], *, force: bool = False) -> list[str]:
        return []  # the indexes' fixed plans were tuned without sqlite_stat1 (no ANALYZE)

    def create_search_index(self, conn: Connection) -> None:
        for ddl in _FTS_DDL:
            conn.exec_driver_sql(ddl)

    def upgrade_search_index(self, conn: Connection) -> None:
        return None  # FTS5 ranks with bm25 over the whole index: nothing to add

    def search(
        self, conn: Connection, query: str, filters: SearchFilters, limit: int
    ) -> list[dict[str, Any]]:
        match = ftsquery.to_fts5(ftsquery.parse_lenient(query))  # (SearchQueryError: refused)
        return self._search(conn, match, filters, limit)

    def _search(self, conn: Connection, query: str, f: SearchFilters, limit: int) -> list[dict[str, Any]]:
        conds, params = f.sql("d", iso_dates=True)
        where = ["documents_fts MATCH :q", *conds]
        params.update(q=query, limit=limit)
        # rank the matches that pass the filters, then make snippets for the best ``limit`` only,
        # each looked up by its rowid (a common word matches tens of thousands of documents: a
        # snippet for every match, or a second walk of all matches, would cost more than ranking)
        ranked = conn.execute(
            text(
                f"""SELECT documents_fts.rowid AS seq, bm25(documents_fts, 2.0, 1.0) AS score
                FROM documents_fts JOIN documents d ON d.seq = documents_fts.rowid
                WHERE {" AND ".join(where)} ORDER BY score LIMIT :limit"""
            ),
            params,
        ).all()
        hits = []
        for seq, score in ranked:
            row = conn.execute(
                text(
                    """SELECT d.id, d.title, d.url, d.outlet_id, d.language, d.published,
                           snippet(documents_fts, 1, '[', ']', '…', 16) AS snippet
                    FROM documents_fts JOIN documents d ON d.seq = documents_fts.rowid
                    WHERE documents_fts MATCH :q AND documents_fts.rowid = :seq"""
                ),
                {"q": query, "seq": seq},
            ).one()
            hits.append({**row._mapping, "score": score})
        return hits
