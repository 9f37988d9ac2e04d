"""Versioned schema migrations.

Each migration is ``(version, description, function)``; ``migrate`` applies those newer than the
stored ``schema_version`` in order, each in its own transaction. A migration may only create or
alter what existed at its version: new columns get a new migration, never an edit of an old one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from sqlalchemy import Connection, Engine, Table, inspect, select, text

from undertow.store import dialects
from undertow.store.schema import TABLES_V1, TABLES_V2, metadata, schema_version

Migration = tuple[int, str, Callable[[Connection], None]]


def _add_columns(conn: Connection, table: Table, names: Iterable[str]) -> None:
    """Columns added to a table that migration 2 made: a new database already has them (migration
    2 creates the table as it is defined now), an older one gets them here."""
    have = {c["name"] for c in inspect(conn).get_columns(table.name)}
    for col in names:
        if col not in have:
            kind = table.c[col].type.compile(conn.dialect)
            conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {col} {kind}"))


def _create_indexes(conn: Connection, indexes: dict[str, tuple[str, str]]) -> None:
    # plain DDL, for the reason given in _v3
    for name, (table, cols) in indexes.items():
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})"))


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=TABLES_V1)
    dialects.for_connection(conn).create_search_index(conn)


def _v2(conn: Connection) -> None:
    from undertow.store.store import index_statements  # the same indexing as a new ingest

    metadata.create_all(conn, tables=TABLES_V2)
    index_statements(conn)


def _v3(conn: Connection) -> None:
    # discovery reads the active clusters and the brief the recent first-seen entries every day:
    # without these a day's cost would grow with the number of clusters and lines ever seen.
    # Plain DDL (SQLite and PostgreSQL both take it): an Index() object would attach itself to the
    # shared tables and be created again by _v2's create_all in the same process.
    conn.execute(
        text("CREATE INDEX IF NOT EXISTS ix_clusters_status_last_day ON clusters (status, last_day)")
    )
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_first_seen_scope_day ON first_seen (scope, day)"))


def _v4(conn: Connection) -> None:
    from undertow.store.schema import INDEXES_V4, TABLES_V4, statements
    from undertow.store.store import index_events_and_spans

    _add_columns(conn, statements, ("speaker_start", "speaker_end", "cue_start", "cue_end", "cue_text"))
    metadata.create_all(conn, tables=TABLES_V4)
    _create_indexes(conn, INDEXES_V4)
    index_events_and_spans(conn)


def _v5(conn: Connection) -> None:
    from undertow.store.schema import INDEXES_V5

    _create_indexes(conn, INDEXES_V5)


def _v6(conn: Connection) -> None:
    from undertow.store.schema import INDEXES_V6

    _create_indexes(conn, INDEXES_V6)


def _v7(conn: Connection) -> None:
    from undertow.store.schema import CLUSTER_MEMBER_VOICES, cluster_members

    _add_columns(conn, cluster_members, CLUSTER_MEMBER_VOICES)
    sets = ", ".join(
        f"{c} = (SELECT s.{c} FROM statements s WHERE s.id = cluster_members.statement_id)"
        for c in CLUSTER_MEMBER_VOICES
    )
    conn.execute(text(f"UPDATE cluster_members SET {sets} WHERE doc_id IS NULL"))


def _v8(conn: Connection) -> None:
    from undertow.store.schema import INDEXES_V8

    _create_indexes(conn, INDEXES_V8)


def _v9(conn: Connection) -> None:
    dialects.for_connection(conn).upgrade_search_index(conn)


def _v10(conn: Connection) -> None:
    from undertow.store.schema import INDEXES_V10

    _create_indexes(conn, INDEXES_V10)


MIGRATIONS: list[Migration] = [
    (1, "documents, near-duplicate index, feeds, ingest errors, full-text search", _v1),
    (2, "statements, labels and stances as rows; dynamics state: counts, first-seen, clusters, alerts", _v2),
    (3, "indexes for the daily reads of discovery and briefs", _v3),
    (4, "events as rows; speaker and cue spans of statements; indexes for the API's lists", _v4),
    (5, "indexes for the web app's document lists and narrative pages on a large archive", _v5),
    (6, "a covering index of the daily counts for window top keys and per-key totals", _v6),
    (7, "cluster members carry their statement's document, speaker, outlet and language", _v7),
    (8, "an index of documents by source, for resumable backfills", _v8),
    (9, "full-text ranking by title and lead on PostgreSQL (nothing on SQLite)", _v9),
    (10, "an index of stances by day, for the brief's window", _v10),
]

LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(
        conn.execute(select(schema_version.c.version).order_by(schema_version.c.version.desc())).scalar() or 0
    )


def migrate(engine: Engine) -> list[int]:
    """Bring the database to the latest schema; returns the versions applied."""
    with dialects.for_name(engine.dialect.name).migration_lock(engine):
        return _migrate(engine)


def _migrate(engine: Engine) -> list[int]:
    applied = []
    with engine.connect() as conn:
        have = current_version(conn)
    for version, description, fn in MIGRATIONS:
        if version <= have:
            continue
        with engine.begin() as conn:
            fn(conn)
            conn.execute(
                schema_version.insert().values(
                    version=version, description=description, applied_at=dt.datetime.now(dt.UTC)
                )
            )
        applied.append(version)
    return applied
