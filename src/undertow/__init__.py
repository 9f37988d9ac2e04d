"""undertow: who said what, when, about which issue, with which framing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from undertow.archive import Archive

__version__ = "0.1.0"
__all__ = ["__version__", "open"]


def open(db: str | None = None) -> Archive:
    """Open the archive at ``db`` (a path or SQLAlchemy URL; default ``$UNDERTOW_DB`` or
    ``undertow.db``) for reading as pandas DataFrames. See docs/python-api.md."""
    from undertow.archive import Archive

    return Archive.open(db)
