"""The notebook API: an archive opened with ``undertow.open(db)``, read as pandas DataFrames.

>>> import undertow
>>> with undertow.open("undertow.db") as a:
...     df = a.statements(actor="sergei-lavrov", since="2026-02-01")

Each list method takes the filters of ``undertow export`` (and the API) as keyword arguments, as
strings or ``datetime.date``: ``actor``, ``narrative``, ``issue``, ``outlet``, ``language``,
``since``, ``until``, ``type``, ``polarity``, ``include_duplicates``. Rows come oldest first with
the columns of the export (``undertow.export.COLUMNS``, listed in docs/export.md) and fixed dtypes:
days are ``datetime64[ns]`` (midnight, no time zone), ``fetched`` is ``datetime64[ns, UTC]``,
text is ``string``, counts and offsets are nullable ``Int64``, flags nullable ``boolean``, nested
values (narratives, stances, actor lists) Python lists. See docs/python-api.md.
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from undertow import export
from undertow.query import Filters, QueryError

if TYPE_CHECKING:
    import pandas as pd

    from undertow.report.brief import Brief
    from undertow.store import Store

PANDAS_DTYPES = {
    "str": "string",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
    "datetime": "datetime64[ns, UTC]",
    "json": "object",
}


def _plain(v: Any) -> Any:
    """Dates and timestamps as ISO days for ``Filters.parse`` (a datetime counts as its day)."""
    return v.date() if isinstance(v, dt.datetime) else v  # pandas.Timestamp is a datetime


def filters(**raw: Any) -> Filters:
    """Filters from keyword arguments (strings, dates, booleans); unknown names raise QueryError."""
    return Filters.parse(**{k: _plain(v) for k, v in raw.items()})


def frame(kind: str, rows: Any, limit: int | None = None) -> pd.DataFrame:
    """A DataFrame of export rows of ``kind`` with the export's columns and fixed dtypes."""
    import pandas as pd

    cols = export.COLUMNS[kind]
    data: dict[str, list[Any]] = {name: [] for name, _ in cols}
    for r in islice(rows, limit) if limit is not None else rows:
        for name, _ in cols:
            data[name].append(r.get(name))
    out: dict[str, Any] = {}
    for name, typ in cols:
        vals = data[name]
        if typ == "date":
            out[name] = pd.to_datetime(pd.Series(vals, dtype="object"), errors="raise").astype(
                "datetime64[ns]"
            )
        elif typ == "datetime":
            out[name] = pd.to_datetime(pd.Series(vals, dtype="object"), utc=True).astype(
                "datetime64[ns, UTC]"
            )
        elif typ == "json":
            out[name] = pd.Series(vals, dtype="object")
        else:
            out[name] = pd.Series(vals, dtype=PANDAS_DTYPES[typ])
    return pd.DataFrame(out, columns=[name for name, _ in cols])


def _db_path(db: str | None) -> Path | None:
    from undertow.config import db_url

    url = db_url(db)
    if not url.startswith("sqlite:///"):
        return None
    p = url[len("sqlite:///") :]
    return Path(p) if p and p != ":memory:" else None


class Archive:
    """A read view of a record store, for notebooks (the CLI exports and the web app read the
    same rows, through ``undertow.export`` and ``undertow.query``)."""

    def __init__(self, store: Store, *, owned: bool = False) -> None:
        self.store = store
        self._owned = owned

    @classmethod
    def open(cls, db: str | None = None, *, must_exist: bool = True) -> Archive:
        """Open ``db`` (a path or SQLAlchemy URL; default ``$UNDERTOW_DB`` or ``undertow.db``).
        A missing SQLite file is a ``FileNotFoundError`` unless ``must_exist=False``."""
        from undertow.store import Store

        path = _db_path(db)
        if must_exist and path is not None and not path.exists():
            raise FileNotFoundError(f"no undertow database at {path}")
        return cls(Store.open(db), owned=True)

    @property
    def engine(self) -> Any:
        return self.store.engine

    def close(self) -> None:
        if self._owned:
            self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Archive({self.engine.url.render_as_string(hide_password=True)!r})"

    # --- lists ---------------------------------------------------------------------------------

    def _frame(self, kind: str, limit: int | None, raw: dict[str, Any]) -> pd.DataFrame:
        f = filters(**raw)
        export.check(kind, "jsonl", f)
        with self.engine.connect() as conn:
            return frame(kind, export.rows(conn, kind, f), limit)

    def statements(self, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """Statements (one row each): speaker, cue, content, date, narratives, stances, source."""
        return self._frame("statements", limit, filters)

    def documents(self, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """Documents with their text, oldest published first (undated last)."""
        return self._frame("documents", limit, filters)

    def events(self, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """Events (PLOVER types): source, target, date, location, evidence sentence."""
        return self._frame("events", limit, filters)

    def stances(self, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """Stances: one row per statement and issue (actor, issue, polarity, confidence)."""
        return self._frame("stances", limit, filters)

    def narratives(self, *, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """Narrative labels: one row per statement and label, with the statement's context."""
        return self._frame("narratives", limit, filters)

    def alerts(
        self,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        type: str | None = None,
    ) -> pd.DataFrame:
        """Stored alerts, oldest first: id, rule, type, date, title, summary, subject_key,
        confidence, created, and the evidence bundle (a list) in ``evidence``."""
        import pandas as pd

        from undertow.dynamics.alerts import stored

        f = filters(since=since, until=until, type=type)
        items = stored(self.store, since=f.since, until=f.until, type=f.type)
        cols = ["id", "rule", "type", "date", "title", "summary", "subject_key", "confidence", "created"]
        df = pd.DataFrame(
            {
                **{c: pd.Series([a.get(c) for a in items], dtype="object") for c in cols},
                "subject": pd.Series([a.get("subject") for a in items], dtype="object"),
                "numbers": pd.Series([a.get("numbers") for a in items], dtype="object"),
                "evidence": pd.Series([a.get("evidence") for a in items], dtype="object"),
            }
        )
        for c in ("id", "rule", "type", "title", "summary", "subject_key"):
            df[c] = df[c].astype("string")
        df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")
        df["created"] = pd.to_datetime(df["created"], utc=True).astype("datetime64[ns, UTC]")
        df["confidence"] = df["confidence"].astype("float64")
        return df

    def search(self, query: str, limit: int = 20, **filters: Any) -> pd.DataFrame:
        """Full-text search of documents, best first: id, title, url, outlet_id, language,
        published, snippet ([matched] terms), score (lower is better). Filters: language,
        since, until, outlet, include_duplicates."""
        import pandas as pd

        raw = {k: _plain(v) for k, v in filters.items()}
        unknown = set(raw) - {"language", "since", "until", "outlet", "include_duplicates"}
        if unknown:
            raise QueryError(f"search cannot be filtered by {', '.join(sorted(unknown))}")
        f = Filters.parse(**raw)
        hits = self.store.search(
            query,
            limit=limit,
            language=f.language,
            since=f.since,
            until=f.until,
            outlet=f.outlet,
            include_duplicates=f.include_duplicates,
        )
        cols = ["id", "title", "url", "outlet_id", "language", "published", "snippet", "score"]
        df = pd.DataFrame({c: pd.Series([h.get(c) for h in hits], dtype="object") for c in cols})
        for c in ("id", "title", "url", "outlet_id", "language", "snippet"):
            df[c] = df[c].astype("string")
        df["published"] = pd.to_datetime(df["published"]).astype("datetime64[ns]")
        df["score"] = df["score"].astype("float64")
        return df

    def series(
        self,
        dimension: str,
        key: str | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        *,
        normalise: bool = False,
        outlet: str | None = None,
    ) -> pd.DataFrame:
        """A daily series (canonical statements; zeros included) of ``dimension`` (narrative,
        actor, outlet, language, issue, all, docs, ...) and ``key``: columns ``day``, ``value``.
        The window defaults to the store's first and last publication day."""
        import pandas as pd

        from undertow.dynamics.series import series
        from undertow.query import date_bounds

        f = filters(since=since, until=until)
        lo, hi = f.since, f.until
        if lo is None or hi is None:
            with self.engine.connect() as conn:
                first, last = date_bounds(conn)
            lo, hi = lo or first, hi or last
        if lo is None or hi is None:
            return pd.DataFrame({"day": pd.Series([], dtype="datetime64[ns]"), "value": []})
        if lo > hi:
            raise QueryError(f"since ({lo}) is after until ({hi})")
        try:
            pts = series(self.store, dimension, key, lo, hi, normalise=normalise, outlet=outlet)
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        return pd.DataFrame(
            {
                "day": pd.to_datetime(pd.Series([d for d, _ in pts], dtype="object")).astype(
                    "datetime64[ns]"
                ),
                "value": pd.Series([v for _, v in pts], dtype="float64"),
            }
        )

    def brief(self, day: str | dt.date, since: str | dt.date | None = None) -> Brief:
        """The daily brief for ``day`` (``.to_markdown()``, ``.to_html()``, ``.citations``)."""
        from undertow.report.brief import build

        f = filters(since=since, until=day)
        if f.until is None:
            raise QueryError("brief needs a day (YYYY-MM-DD)")
        return build(self.store, f.until, f.since)

    # --- files ---------------------------------------------------------------------------------

    def export(self, kind: str, fmt: str, out: str | Path | BinaryIO, **filters_: Any) -> int:
        """Write an export (as ``undertow export``) to a path or binary file; returns the rows."""
        f = filters(**filters_)
        export.check(kind, fmt, f)
        if isinstance(out, str | Path):
            with Path(out).open("wb") as fh:
                return export.write(self.engine, kind, fmt, f, fh)
        return export.write(self.engine, kind, fmt, f, out)
