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
import time
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


def _vector_column(name: str, chars: int) -> str:
    """A stored generated tsvector of the title (weight A) and the first ``chars`` of the text (B),
    with the configuration of the document's language."""
    return f"""ALTER TABLE documents ADD COLUMN IF NOT EXISTS {name} tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(undertow_ts_config(language), coalesce(title, '')), 'A') ||
        setweight(to_tsvector(undertow_ts_config(language), left(text, {chars})), 'B')
    ) STORED"""


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
    _vector_column("fts", FTS_CHARS),
    "CREATE INDEX IF NOT EXISTS ix_documents_fts ON documents USING gin (fts)",
]

#: Characters of the body in the ranking vector (with the title): the lead of a news story.
LEAD_CHARS = 600

# migration 9: the small vector that ranks matches (title and lead), kept inline in the row
_LEAD_DDL = [
    _vector_column("fts_lead", LEAD_CHARS),
    "ALTER TABLE documents ALTER COLUMN fts_lead SET STORAGE MAIN",
]

#: Seconds the set of stored languages (hence of configurations a query needs) is cached.
LANGUAGES_TTL = 300.0

#: Every configuration a query is normalised with (OR-ed).
_QUERY_CONFIGS = sorted({*CONFIGS.values(), "simple"})


class PostgresDialect:
    name = "postgresql"

    def __init__(self) -> None:
        self._configs: tuple[float, list[str]] | None = None

    def configure(self, engine: Engine) -> None:
        # nothing per connection: the server's defaults (READ COMMITTED, UTF8) are what we need
        return None

    def clean_text(self, value: str) -> str:
        """PostgreSQL text cannot hold NUL: one replacement character each keeps every offset."""
        return value.replace("\x00", "\ufffd") if "\x00" in value else value

    def lock_documents(self, conn: Connection) -> None:
        """Serialise document writes (deduplication reads what the last writer stored): a
        transaction-scoped advisory lock, released at commit."""
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

    def refresh_statistics(self, conn: Connection, tables: list[str], *, force: bool = False) -> list[str]:
        """ANALYZE ``tables`` (``force``: the caller knows it added a tenth or more to them), else
        those the statistics collector counts as changed by more than a tenth since their last
        analysis: autovacuum's own rule, applied now rather than up to a minute later, so that a
        brief right after a backfill is not planned on an empty table's statistics. (The counts
        reach the collector when a writer goes idle: a fold right after a write may not see them
        yet, hence ``force``.) Returns the tables analysed."""
        stale = list(tables)
        if not force:
            stale = list(
                conn.execute(
                    text(
                        """SELECT relname FROM pg_stat_user_tables
                        WHERE relname = ANY(:tables) AND n_mod_since_analyze > 1000
                          AND n_mod_since_analyze > 0.1 * greatest(n_live_tup, 1)"""
                    ),
                    {"tables": tables},
                ).scalars()
            )
        for table in stale:
            conn.execute(text(f'ANALYZE "{table}"'))
        return stale

    def create_search_index(self, conn: Connection) -> None:
        for ddl in _FTS_DDL:
            conn.execute(text(ddl))

    def upgrade_search_index(self, conn: Connection) -> None:
        for ddl in _LEAD_DDL:
            conn.execute(text(ddl))

    def _query_configs(self, conn: Connection) -> list[str]:
        """The configurations of the languages stored (``simple`` always), cached for a while."""
        now = time.monotonic()
        if self._configs is None or now - self._configs[0] > LANGUAGES_TTL:
            langs = conn.execute(
                text(
                    """WITH RECURSIVE l(lang) AS (
                        (SELECT language FROM documents WHERE language IS NOT NULL ORDER BY language LIMIT 1)
                        UNION ALL
                        SELECT (SELECT language FROM documents WHERE language > l.lang
                                ORDER BY language LIMIT 1) FROM l WHERE l.lang IS NOT NULL)
                    SELECT lang FROM l WHERE lang IS NOT NULL"""
                )
            ).scalars()
            self._configs = (now, sorted({CONFIGS.get(x, "simple") for x in langs} | {"simple"}))
        return self._configs[1]

    def search(
        self, conn: Connection, query: str, filters: SearchFilters, limit: int
    ) -> list[dict[str, Any]]:
        tree = ftsquery.parse_lenient(query)
        tsq = ftsquery.to_tsquery(tree)
        lang = filters.language
        configs = [CONFIGS.get(lang, "simple")] if lang else self._query_configs(conn)
        q_sql = " || ".join(f"to_tsquery('{cfg}', :tsq)" for cfg in configs)
        conds, params = filters.sql("m")
        where = ["TRUE", *conds]
        params.update(tsq=tsq, limit=limit)
        # Matches come from the GIN index alone (``m``: a bitmap scan; for a common word the
        # planner would rather scan the table and evaluate every row's detoasted vector), each
        # ranked by its title and lead (``fts_lead``: small and stored inline; ranking the full
        # vectors of tens of thousands of matches costs seconds), the newest first among equals;
        # the filters apply to the matches, and headlines are made for the best ``limit`` only.
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        rows = conn.execute(
            text(
                f"""WITH q AS (SELECT ({q_sql}) AS q),
                m AS MATERIALIZED (
                    SELECT d.seq, ts_rank(d.fts_lead, q.q, 1) AS rank, d.published, d.language,
                        d.outlet_id, d.duplicate_of
                    FROM documents d, q WHERE d.fts @@ q.q),
                best AS (
                    SELECT m.seq, m.rank FROM m WHERE {" AND ".join(where)}
                    ORDER BY m.rank DESC, m.published DESC NULLS LAST, m.seq DESC LIMIT :limit)
                SELECT d.id, d.title, d.url, d.outlet_id, d.language, d.published, best.rank,
                    ts_headline(undertow_ts_config(d.language), left(d.text, {FTS_CHARS}), q.q,
                        'StartSel=[, StopSel=], MaxWords=16, MinWords=6, ShortWord=2, '
                        'MaxFragments=1, FragmentDelimiter=" … "') AS snippet
                FROM best JOIN documents d ON d.seq = best.seq, q
                ORDER BY best.rank DESC, d.published DESC NULLS LAST, d.seq DESC"""
            ),
            params,
        ).all()
        conn.rollback()  # ends the transaction, and SET LOCAL with it
        # lower is better, as with SQLite's bm25, so that scores sort the same way on both engines
        hits = []
        for r in rows:
            hit = {k: v for k, v in r._mapping.items() if k != "rank"}
            hits.append({**hit, "score": -float(r.rank)})
        return hits
