"""The record store: SQLite by default, the same interface on other SQLAlchemy engines."""

from undertow.store.store import SaveResult, Store

__all__ = ["SaveResult", "Store"]
