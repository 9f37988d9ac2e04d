"""Settings resolved from flags, environment and defaults (flags win).

Only what the current stages need lives here; each setting names its environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "undertow.db"

#: Languages the language identifier may answer. The analysis languages (en, ru, uk) come
#: first; the others are there so that a German or Polish page is not forced into one of them.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "ru", "uk", "be", "de", "fr", "es", "it", "pt", "pl", "cs", "sk", "ro", "bg", "sr",
    "hr", "nl", "sv", "fi", "da", "no", "lt", "lv", "et", "hu", "el", "tr", "ar", "he", "fa",
    "zh", "ja", "ko", "ka", "hy", "az", "kk",
)  # fmt: skip

# Nothing in undertow fetches models from a hub; make sure no library waits on one either.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def db_url(db: str | None = None) -> str:
    """The database URL from ``--db``, else ``UNDERTOW_DB``, else ``undertow.db``.

    A plain path means an SQLite file; ``postgresql://user@host/db`` a PostgreSQL database (with
    the psycopg driver); any other URL is passed to SQLAlchemy as is.
    """
    value = db or os.environ.get("UNDERTOW_DB") or DEFAULT_DB
    if "://" in value:
        scheme, rest = value.split("://", 1)
        if scheme in {"postgres", "postgresql"}:  # the driver undertow installs: psycopg 3
            return f"postgresql+psycopg://{rest}"
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def display_url(db: str | None = None) -> str:
    """The database URL to print: its password, if any, masked."""
    from sqlalchemy.engine import make_url

    return make_url(db_url(db)).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Settings:
    languages: tuple[str, ...] = DEFAULT_LANGUAGES

    @classmethod
    def from_env(cls) -> Settings:
        langs = os.environ.get("UNDERTOW_LANGUAGES")
        if langs:
            return cls(languages=tuple(x.strip() for x in langs.split(",") if x.strip()))
        return cls()
