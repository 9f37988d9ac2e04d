"""The spread (echo) graph of one narrative: who repeated the line after whom, across outlets
and languages.

Nodes are the statements labelled with the narrative, syndicated copies included. Each statement
after the first gets one incoming edge, from the statement it most plausibly echoes:

* a statement of a syndicated copy (its document folded onto another) links to the statement of
  the original with the same text: ``syndication``, same words, no new voice;
* otherwise it links to the most recent earlier statement of the line by a *different* voice
  (speaker or outlet), and the edge is a ``restatement``; a voice repeating itself links to its
  own previous statement (``repeat``).

Edges are flagged ``cross_outlet``, ``cross_language`` and, by the outlets' kinds,
``official_to_state_media`` / ``state_media_to_official``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from undertow.records import normalise_for_id
from undertow.store.schema import documents, statement_labels, statements


@dataclass(slots=True)
class Graph:
    narrative: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        canon = [n for n in self.nodes if n["canonical"]]
        kinds: dict[str, int] = {}
        for e in self.edges:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        return {
            "narrative": self.narrative,
            "statements": len(self.nodes),
            "canonical_statements": len(canon),
            "speakers": len({n["speaker"] for n in canon if n["speaker"]}),
            "outlets": len({n["outlet"] for n in canon if n["outlet"]}),
            "languages": sorted({n["language"] for n in canon if n["language"]}),
            "first": self.nodes[0] if self.nodes else None,
            "edges": kinds,
            "cross_language": sum(
                1 for e in self.edges if e["cross_language"] and e["kind"] != "syndication"
            ),
            "official_to_state_media": sum(1 for e in self.edges if e["official_to_state_media"]),
            "state_media_to_official": sum(1 for e in self.edges if e["state_media_to_official"]),
        }

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary(), "nodes": self.nodes, "edges": self.edges}


def voice_kind(outlet_kind: str | None, state_affiliated: bool | None) -> str:
    """ "official" (a government or ministry site), "state-media" (state-affiliated media or
    agency), or "media"."""
    if outlet_kind in ("official", "government"):
        return "official"
    if state_affiliated:
        return "state-media"
    return "media"


def spread(
    store: Any,
    narrative: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    min_confidence: float = 0.0,
) -> Graph:
    q = (
        select(statements, documents.c.duplicate_of)
        .join(statement_labels, statement_labels.c.statement_id == statements.c.id)
        .join(documents, documents.c.id == statements.c.doc_id)
        .where((statement_labels.c.label == narrative) & (statement_labels.c.confidence >= min_confidence))
        .where(statements.c.day.is_not(None))
        .order_by(statements.c.day, statements.c.seq)
    )
    if since:
        q = q.where(statements.c.day >= since)
    if until:
        q = q.where(statements.c.day <= until)
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    g = Graph(narrative)
    seen: set[str] = set()
    prior: list[Any] = []
    for r in rows:
        if r.id in seen:
            continue
        seen.add(r.id)
        node = {
            "id": r.id,
            "document_id": r.doc_id,
            "day": r.day.isoformat(),
            "speaker": r.speaker,
            "outlet": r.outlet_id,
            "language": r.language,
            "voice": voice_kind(r.outlet_kind, r.state_affiliated),
            "canonical": bool(r.canonical),
            "text": r.text,
        }
        g.nodes.append(node)
        parent, kind = _parent(r, prior)
        if parent is not None:
            pv = voice_kind(parent.outlet_kind, parent.state_affiliated)
            cv = node["voice"]
            g.edges.append(
                {
                    "source": parent.id,
                    "target": r.id,
                    "kind": kind,
                    "days": (r.day - parent.day).days,
                    "cross_outlet": parent.outlet_id != r.outlet_id,
                    "cross_language": parent.language != r.language,
                    "official_to_state_media": kind == "restatement"
                    and pv == "official"
                    and cv == "state-media",
                    "state_media_to_official": kind == "restatement"
                    and pv == "state-media"
                    and cv == "official",
                }
            )
        prior.append(r)
    return g


def _parent(r: Any, prior: list[Any]) -> tuple[Any, str]:
    if not prior:
        return None, ""
    if r.duplicate_of:  # a syndicated copy: the original's statement with the same words
        text = normalise_for_id(r.text)
        same = [p for p in prior if p.doc_id == r.duplicate_of]
        for p in same:
            if normalise_for_id(p.text) == text:
                return p, "syndication"
        if same:
            return same[0], "syndication"
    voice = (r.speaker, r.outlet_id)
    for p in reversed(prior):
        if (p.speaker, p.outlet_id) != voice and p.doc_id != r.doc_id:
            return p, "restatement"
    for p in reversed(prior):
        if p.doc_id != r.doc_id or p.speaker == r.speaker:
            return p, "repeat"
    return prior[-1], "repeat"
