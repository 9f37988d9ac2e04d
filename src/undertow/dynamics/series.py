"""Daily time series from ``daily_counts``: per narrative (or sub-narrative), actor, outlet,
language and issue, over any window, counting canonical statements (syndicated copies folded).

``normalise=True`` turns a count into the mean, over the outlets publishing that day, of each
outlet's share of its own statements that day: a wire that files 200 items a day weighs no more
than a weekly that files two.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Literal

from sqlalchemy import func, select

from undertow.store.schema import daily_counts

Dim = Literal["all", "docs", "narrative", "narrative-doc", "actor", "outlet", "language", "issue"]
DIMS: tuple[str, ...] = ("all", "docs", "narrative", "narrative-doc", "actor", "outlet", "language", "issue")


def days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=i) for i in range((until - since).days + 1)]


def _where(dim: str, key: str | None) -> Any:
    if dim == "outlet":  # an outlet's volume: all its statements
        return (daily_counts.c.dim == "all") & (daily_counts.c.outlet_id == (key or ""))
    cond = daily_counts.c.dim == dim
    return cond & (daily_counts.c.key == key) if key is not None else cond


def counts(
    conn: Any, dim: str, key: str | None, since: dt.date, until: dt.date, *, outlet: str | None = None
) -> dict[dt.date, int]:
    """Count per day in ``[since, until]`` (days without statements are absent)."""
    q = (
        select(daily_counts.c.day, func.sum(daily_counts.c.n))
        .where(_where(dim, key) & (daily_counts.c.day >= since) & (daily_counts.c.day <= until))
        .group_by(daily_counts.c.day)
    )
    if outlet is not None:
        q = q.where(daily_counts.c.outlet_id == outlet)
    return {d: int(n) for d, n in conn.execute(q)}


def series(
    store: Any,
    dim: str,
    key: str | None,
    since: dt.date,
    until: dt.date,
    *,
    normalise: bool = False,
    outlet: str | None = None,
) -> list[tuple[dt.date, float]]:
    """``(day, value)`` for every day of ``[since, until]``, zeros included."""
    if dim not in DIMS:
        raise ValueError(f"unknown series dimension {dim!r} (one of {', '.join(DIMS)})")
    with store.engine.connect() as conn:
        if not normalise:
            c = counts(conn, dim, key, since, until, outlet=outlet)
            return [(d, float(c.get(d, 0))) for d in days(since, until)]
        rng = (daily_counts.c.day >= since) & (daily_counts.c.day <= until)
        vol: dict[tuple[dt.date, str], int] = {}
        for d, o, n in conn.execute(
            select(daily_counts.c.day, daily_counts.c.outlet_id, daily_counts.c.n).where(
                (daily_counts.c.dim == "all") & rng
            )
        ):
            vol[(d, o)] = n
        share: dict[dt.date, float] = defaultdict(float)
        for d, o, n in conn.execute(
            select(daily_counts.c.day, daily_counts.c.outlet_id, daily_counts.c.n).where(
                _where(dim, key) & rng
            )
        ):
            if vol.get((d, o)):
                share[d] += n / vol[(d, o)]
        active: dict[dt.date, int] = defaultdict(int)
        for d, o in vol:
            if outlet is None or o == outlet:
                active[d] += 1
    return [
        (d, round(share.get(d, 0.0) / active[d], 6) if active.get(d) else 0.0) for d in days(since, until)
    ]


def top_keys(store: Any, dim: str, since: dt.date, until: dt.date, limit: int = 10) -> list[tuple[str, int]]:
    """The keys of a dimension with the most statements in the window."""
    with store.engine.connect() as conn:
        q = (
            select(daily_counts.c.key, func.sum(daily_counts.c.n).label("n"))
            .where(
                (daily_counts.c.dim == dim) & (daily_counts.c.day >= since) & (daily_counts.c.day <= until)
            )
            .group_by(daily_counts.c.key)
            .order_by(func.sum(daily_counts.c.n).desc())
            .limit(limit)
        )
        return [(k, int(n)) for k, n in conn.execute(q)]
