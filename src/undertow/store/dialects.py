"""The one place where SQL differs between database engines.

Everything else in the store is portable SQLAlchemy Core; a dialect supplies connection set-up,
the full-text index and the full-text query (``sqlite.py``, ``postgres.py``).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Engine


@dataclass(frozen=True, slots=True)
class SearchFilters:
    language: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    outlet: str | None = None
    include_duplicates: bool = False

    def sql(self, alias: str, *, iso_dates: bool = False) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions on the documents table under ``alias``, with their bound parameters
        (``iso_dates``: dates as ISO text, as SQLite stores them)."""
        where: list[str] = []
        params: dict[str, Any] = {}
        day = (lambda d: d.isoformat()) if iso_dates else (lambda d: d)
        for cond, key, value in (
            (f"{alias}.language = :language", "language", self.language),
            (f"{alias}.published >= :since", "since", day(self.since) if self.since else None),
            (f"{alias}.published <= :until", "until", day(self.until) if self.until else None),
            (f"{alias}.outlet_id = :outlet", "outlet", self.outlet),
        ):
            if value:
                where.append(cond)
                params[key] = value
        if not self.include_duplicates:
            where.append(f"{alias}.duplicate_of IS NULL")
        return where, params


class Dialect(Protocol):
    name: str

    def configure(self, engine: Engine) -> None: ...

    def clean_text(self, value: str) -> str:
        """``value`` as this engine can store it, every character offset kept."""
        ...

    def lock_documents(self, conn: Connection) -> None:
        """Make this transaction the only document writer until it ends."""
        ...

    def migration_lock(self, engine: Engine) -> AbstractContextManager[None]:
        """Held while migrating, so that workers opening a new database at once migrate it once."""
        ...

    def refresh_statistics(self, conn: Connection, tables: list[str], *, force: bool = False) -> list[str]:
        """Refresh the planner's statistics of the tables that changed a lot; returns them."""
        ...

    def create_search_index(self, conn: Connection) -> None: ...

    def upgrade_search_index(self, conn: Connection) -> None:
        """What migration 9 adds to the full-text index (PostgreSQL: the ranking vector)."""
        ...

    def search(
        self, conn: Connection, query: str, filters: SearchFilters, limit: int
    ) -> list[dict[str, Any]]: ...


def for_name(name: str) -> Dialect:
    if name == "sqlite":
        from undertow.store.sqlite import SQLiteDialect

        return SQLiteDialect()
    if name == "postgresql":
        from undertow.store.postgres import PostgresDialect

        return PostgresDialect()
    raise NotImplementedError(f"database engine {name!r} is not supported (use SQLite or PostgreSQL)")


def for_connection(conn: Connection) -> Dialect:
    return for_name(conn.dialect.name)
