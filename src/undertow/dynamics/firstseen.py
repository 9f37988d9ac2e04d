"""The first-seen registry: for every narrative, and every actor x narrative pair, the first
statement (speaker, outlet, date said, evidence), and whether the line is *new* or
*longstanding* on a given day.

A narrative is **longstanding** on day D when the store saw it before the look-back window
(D - lookback_days) or when the texts carrying it say it is old ("have consistently labeled",
"неоднократно": ``language/aspect.py``); otherwise it is **new**, dated by its first statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from undertow.store.schema import first_seen, statements

Status = Literal["new", "longstanding"]
LOOKBACK_DAYS = 30


@dataclass(slots=True)
class FirstSeen:
    label: str
    actor: str | None
    day: dt.date
    seen: int
    habitual: int
    statement: dict[str, Any]

    def status(self, on: dt.date | None = None, lookback_days: int = LOOKBACK_DAYS) -> Status:
        if self.habitual and self.habitual * 2 >= self.seen:
            return "longstanding"
        if on is not None and self.day < on - dt.timedelta(days=lookback_days):
            return "longstanding"
        return "new"

    def to_json(self, on: dt.date | None = None, lookback_days: int = LOOKBACK_DAYS) -> dict[str, Any]:
        return {
            "narrative": self.label,
            "actor": self.actor,
            "first_seen": self.day.isoformat(),
            "status": self.status(on, lookback_days),
            "statements": self.seen,
            "habitual": self.habitual,
            "first_statement": self.statement,
        }


def statement_json(r: Any) -> dict[str, Any]:
    """A stored statement as evidence: ids, speaker, outlet, dates and the quoted sentence."""
    return {
        "statement_id": r.id,
        "document_id": r.doc_id,
        "speaker": r.speaker,
        "outlet": r.outlet_id,
        "language": r.language,
        "date": r.day.isoformat() if r.day else None,
        "said": (
            {"start": r.said_start.isoformat(), "end": (r.said_end or r.said_start).isoformat()}
            if r.said_start
            else None
        ),
        "medium": r.medium,
        "text": r.text,
        "sentence": r.sentence,
    }


def registry(
    store: Any, *, narrative: str | None = None, actor: str | None = None, scope: str = "narrative"
) -> list[FirstSeen]:
    """First-seen entries, oldest first. ``scope``: "narrative" or "actor" (actor x narrative)."""
    q = select(first_seen, statements).join(statements, statements.c.id == first_seen.c.statement_id)
    q = q.where(first_seen.c.scope == scope)
    if narrative:
        q = q.where(first_seen.c.label == narrative)
    if actor:
        q = q.where(first_seen.c.actor == actor)
    q = q.order_by(first_seen.c.day, first_seen.c.label)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [FirstSeen(r.label, r.actor, r.day, r.seen, r.habitual, statement_json(_StRow(r))) for r in rows]


class _StRow:
    """The statement columns of a first_seen x statements row (``day`` is the statement's)."""

    def __init__(self, r: Any) -> None:
        m = r._mapping
        self.id = m[statements.c.id]
        self.doc_id = m[statements.c.doc_id]
        self.speaker = m[statements.c.speaker]
        self.outlet_id = m[statements.c.outlet_id]
        self.language = m[statements.c.language]
        self.day = m[statements.c.day]
        self.said_start = m[statements.c.said_start]
        self.said_end = m[statements.c.said_end]
        self.medium = m[statements.c.medium]
        self.text = m[statements.c.text]
        self.sentence = m[statements.c.sentence]
