"""Fold newly stored statements into the dynamics state, incrementally.

Statements are rows with an arrival number (``statements.seq``); ``track_state`` keeps the last
one folded in. :func:`update` reads only the rows after it and, in one transaction per batch:

* adds them to ``daily_counts`` (canonical statements only: syndicated copies are folded) per day,
  dimension (all, narrative, narrative-doc, actor, language, issue) and outlet;
* lowers ``first_seen`` dates per narrative and per actor x narrative;
* assigns unlabelled statements with a vector to candidate-narrative clusters (``discover``).

It returns the days touched, which is all the alert rules need to look at.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from undertow.store.schema import (
    daily_counts,
    first_seen,
    statement_labels,
    statement_stances,
    statements,
    track_state,
)

WATERMARK = "statements_seq"
BATCH = 20_000


@dataclass(slots=True)
class TrackResult:
    statements: int = 0
    days: set[dt.date] = field(default_factory=set)
    clustered: int = 0

    def merge(self, other: TrackResult) -> None:
        self.statements += other.statements
        self.days |= other.days
        self.clustered += other.clustered


def get_state(conn: Connection, key: str, default: str = "") -> str:
    v = conn.execute(select(track_state.c.value).where(track_state.c.key == key)).scalar()
    return default if v is None else str(v)


def set_state(conn: Connection, key: str, value: str) -> None:
    ins = upsert(conn, track_state).values(key=key, value=value)
    conn.execute(ins.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def upsert(conn: Connection, table: Any) -> Any:
    """An INSERT that supports ``on_conflict_do_update`` on this connection's engine."""
    name = conn.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upserts on {name!r}")


#: Tables whose planner statistics a large fold may leave stale (PostgreSQL; see the dialect).
STATISTICS_TABLES = [
    "documents",
    "statements",
    "statement_labels",
    "statement_stances",
    "events",
    "daily_counts",
    "first_seen",
    "cluster_members",
]


def update_state(store: Any, *, batch: int = BATCH, discover: bool = True) -> TrackResult:
    """Fold every statement stored since the last call into the dynamics state."""
    total = TrackResult()
    while True:
        with store.engine.begin() as conn:
            res = _fold_batch(conn, batch, discover)
        total.merge(res)
        if res.statements == 0 or res.statements < batch // 2:
            break
    if total.statements:  # alerts and briefs read these next: plan them on current statistics
        with store.engine.begin() as conn:
            mark = int(get_state(conn, WATERMARK, "0"))
            grew = total.statements >= 1000 and total.statements >= 0.1 * mark  # seq ~ rows stored
            store.dialect.refresh_statistics(conn, STATISTICS_TABLES, force=grew)
    return total


def _fold_batch(conn: Connection, batch: int, discover: bool) -> TrackResult:
    mark = int(get_state(conn, WATERMARK, "0"))
    rows = conn.execute(
        select(statements).where(statements.c.seq > mark).order_by(statements.c.seq).limit(batch)
    ).all()
    if len(rows) == batch and rows[0].doc_id != rows[-1].doc_id:
        last = rows[-1].doc_id  # a document's statements are folded in one batch (distinct-doc counts)
        while rows[-1].doc_id == last:
            rows.pop()
    res = TrackResult(statements=len(rows))
    if not rows:
        return res
    ids = [r.id for r in rows]
    labels: dict[str, list[Any]] = {}
    stances: dict[str, list[Any]] = {}
    for chunk in _chunks(ids, 900):
        for lab in conn.execute(select(statement_labels).where(statement_labels.c.statement_id.in_(chunk))):
            labels.setdefault(lab.statement_id, []).append(lab)
        for sn in conn.execute(select(statement_stances).where(statement_stances.c.statement_id.in_(chunk))):
            stances.setdefault(sn.statement_id, []).append(sn)

    counts: Counter[tuple[dt.date, str, str, str]] = Counter()
    docs_seen: set[tuple[dt.date, str, str]] = set()
    firsts: dict[tuple[str, str], dict[str, Any]] = {}
    to_cluster = []
    for r in rows:
        if r.day is None or not r.canonical:
            continue
        res.days.add(r.day)
        if r.published and r.published > r.day:
            res.days.add(r.published)  # the day it became known: windows ending then now include it
        o = r.outlet_id or ""
        counts[(r.day, "all", "*", o)] += 1
        if (r.day, r.doc_id, "") not in docs_seen:
            docs_seen.add((r.day, r.doc_id, ""))
            counts[(r.day, "docs", "*", o)] += 1
        if r.speaker:
            counts[(r.day, "actor", r.speaker, o)] += 1
        if r.language:
            counts[(r.day, "language", r.language, o)] += 1
        for sn in stances.get(r.id, []):
            counts[(r.day, "issue", sn.issue, o)] += 1
        for lab in labels.get(r.id, []):
            counts[(r.day, "narrative", lab.label, o)] += 1
            if (r.day, r.doc_id, lab.label) not in docs_seen:
                docs_seen.add((r.day, r.doc_id, lab.label))
                counts[(r.day, "narrative-doc", lab.label, o)] += 1
            _first(firsts, ("narrative", lab.label), lab.label, None, r)
            if r.speaker:
                _first(firsts, ("actor", f"{r.speaker}|{lab.label}"), lab.label, r.speaker, r)
        if not labels.get(r.id) and r.vector is not None:
            to_cluster.append(r)

    if counts:
        ins = upsert(conn, daily_counts)
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=["day", "dim", "key", "outlet_id"],
                set_={"n": daily_counts.c.n + ins.excluded.n},
            ),
            [
                {"day": d, "dim": dim, "key": k, "outlet_id": o, "n": n}
                for (d, dim, k, o), n in counts.items()
            ],
        )
    _merge_first_seen(conn, firsts)
    if discover and to_cluster:
        from undertow.dynamics.discover import assign

        res.clustered = assign(conn, to_cluster)
    set_state(conn, WATERMARK, str(rows[-1].seq))
    return res


def _first(
    acc: dict[tuple[str, str], dict[str, Any]], key: tuple[str, str], label: str, actor: str | None, r: Any
) -> None:
    cur = acc.get(key)
    habitual = int(r.aspect == "habitual")
    if cur is None:
        acc[key] = {
            "scope": key[0],
            "key": key[1],
            "label": label,
            "actor": actor,
            "day": r.day,
            "statement_id": r.id,
            "seen": 1,
            "habitual": habitual,
        }
        return
    cur["seen"] += 1
    cur["habitual"] += habitual
    if r.day < cur["day"]:
        cur["day"], cur["statement_id"] = r.day, r.id


def _merge_first_seen(conn: Connection, firsts: dict[tuple[str, str], dict[str, Any]]) -> None:
    if not firsts:
        return
    existing: dict[tuple[str, str], Any] = {}
    keys = list(firsts)
    for scope in ("narrative", "actor"):
        ks = [k for s, k in keys if s == scope]
        for chunk in _chunks(ks, 900):
            q = select(first_seen).where((first_seen.c.scope == scope) & first_seen.c.key.in_(chunk))
            for row in conn.execute(q):
                existing[(row.scope, row.key)] = row
    new_rows = []
    for k, v in firsts.items():
        old = existing.get(k)
        if old is None:
            new_rows.append(v)
            continue
        values = {"seen": old.seen + v["seen"], "habitual": old.habitual + v["habitual"]}
        if v["day"] < old.day:
            values.update(day=v["day"], statement_id=v["statement_id"])
        conn.execute(
            update(first_seen)
            .where((first_seen.c.scope == k[0]) & (first_seen.c.key == k[1]))
            .values(**values)
        )
    if new_rows:
        conn.execute(first_seen.insert(), new_rows)


def _chunks(xs: list[Any], n: int) -> list[list[Any]]:
    return [xs[i : i + n] for i in range(0, len(xs), n)]
