"""PostgreSQL specifics: full-text search with a text-search configuration per language, one
document writer at a time, and pgvector where the server has it.

Full text: ``documents.fts`` is a stored generated ``tsvector`` (title weighted above body) built
with the configuration of the document's language (``undertow_ts_config``: ``english``,
``russian``, ``undertow_uk`` (a copy of ``simple``: PostgreSQL has no Ukrainian stemmer), the
other Snowball languages, else ``simple``), under a GIN index. A query is parsed once
(``ftsquery``) and normalised with every configuration, OR-ed, so that one query finds documents
in any language with that language's stemming.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text

from undertow.store import ftsquery
from undertow.store.dialects import SearchFilters

log = logging.getLogger(__name__)

#: ISO 639-1 code -> PostgreSQL text-search configuration (the rest use ``simple``).
CONFIGS: dict[str, str] = {
    "en": "english",
    "ru": "russian",
    "uk": "undertow_uk",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "sv": "swedish",
    "fi": "finnish",
    "da": "danish",
    "no": "norwegian",
    "hu": "hungarian",
    "ro": "romanian",
    "tr": "turkish",
    "el": "greek",
    "ar": "arabic",
    "lt": "lithuanian",
    "sr": "serbian",
    "hy": "armenian",
}

#: Characters of a document's text indexed for full-text search (a tsvector holds at most 1 MB;
#: a page longer than this is still stored whole, and found by its first quarter-million chars).
FTS_CHARS = 250_000

_CASES = "\n".join(f"        WHEN '{lang}' THEN '{cfg}'::regconfig" for lang, cfg in CONFIGS.items())

_FTS_DDL = [
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'undertow_uk') THEN
            CREATE TEXT SEARCH CONFIGURATION undertow_uk (COPY = simple);
        END IF;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION undertow_ts_config(lang text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lang
{_CASES}
        ELSE 'simple'::regconfig END
    $$""",
    f"""ALTER TABLE documents ADD COLUMN IF NOT EXISTS fts tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(undertow_ts_config(language), coalesce(title, '')), 'A') ||
        setweight(to_tsvector(undertow_ts_config(language), left(text, {FTS_CHARS})), 'B')
    ) STORED""",
    "CREATE INDEX IF NOT EXISTS ix_documents_fts ON documents USING gin (fts)",
]

#: Every configuration a query is normalised with (OR-ed).
_QUERY_CONFIGS = sorted({*CONFIGS.values(), "simple"})


class PostgresDialect:
    name = "postgresql"

    def configure(self, engine: Engine) -> None:
        # nothing per connection: the server's defaults (READ COMMITTED, UTF8) are what we need
        return None

    def clean_text(self, value: str) -> str:
        """PostgreSQL text cannot hold NUL: one replacement character each keeps every offset."""
        return value.replace("\x00", "\ufffd") if "\x00" in value else value

    def lock_documents(self, conn: Connection) -> None:
        """Serialise document writes (deduplication reads what the last writer stored), as
        SQLite does by itself: a transaction-scoped advisory lock, released at commit."""
        conn.execute(text("SELECT pg_advisory_xact_lock(7301)"))

    @contextmanager
    def migration_lock(self, engine: Engine) -> Iterator[None]:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7300)"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7300)"))
                conn.commit()

    def create_search_index(self, conn: Connection) -> None:
        for ddl in _FTS_DDL:
            conn.execute(text(ddl))

    def search(
        self, conn: Connection, query: str, filters: SearchFilters, limit: int
    ) -> list[dict[str, Any]]:
        tree = ftsquery.parse_lenient(query)
        tsq = ftsquery.to_tsquery(tree)
        configs = [CONFIGS.get(filters.language, "simple")] if filters.language else _QUERY_CONFIGS
        q_sql = " || ".join(f"to_tsquery('{cfg}', :tsq)" for cfg in configs)
        where = ["d.fts @@ q.q"]
        params: dict[str, Any] = {"tsq": tsq, "limit": limit}
        if filters.language:
            where.append("d.language = :language")
            params["language"] = filters.language
        if filters.since:
            where.append("d.published >= :since")
            params["since"] = filters.since
        if filters.until:
            where.append("d.published <= :until")
            params["until"] = filters.until
        if filters.outlet:
            where.append("d.outlet_id = :outlet")
            params["outlet"] = filters.outlet
        if not filters.include_duplicates:
            where.append("d.duplicate_of IS NULL")
        # rank the matches, then make headlines for the best ``limit`` only (ts_headline re-parses
        # the text: cheap for twenty documents, not for every match of a common word)
        rows = conn.execute(
            text(
                f"""WITH q AS (SELECT ({q_sql}) AS q),
                best AS (
                    SELECT d.seq, ts_rank_cd(d.fts, q.q, 1) AS rank
                    FROM documents d, q WHERE {" AND ".join(where)}
                    ORDER BY rank DESC, d.seq LIMIT :limit)
                SELECT d.id, d.title, d.url, d.outlet_id, d.language, d.published, best.rank,
                    ts_headline(undertow_ts_config(d.language), left(d.text, {FTS_CHARS}), q.q,
                        'StartSel=[, StopSel=], MaxWords=16, MinWords=6, ShortWord=2, '
                        'MaxFragments=1, FragmentDelimiter=" … "') AS snippet
                FROM best JOIN documents d ON d.seq = best.seq, q
                ORDER BY best.rank DESC, d.seq"""
            ),
            params,
        ).all()
        # lower is better, as with SQLite's bm25, so that scores sort the same way on both engines
        hits = []
        for r in rows:
            hit = {k: v for k, v in r._mapping.items() if k != "rank"}
            hits.append({**hit, "score": -float(r.rank)})
        return hits

    # --- vectors ---------------------------------------------------------------------------------

    def has_pgvector(self, conn: Connection) -> bool:
        """Whether the server offers the ``vector`` extension (Debian: ``postgresql-15-pgvector``)."""
        return bool(conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first())
