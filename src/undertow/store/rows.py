"""Statement rows for the ``statements``, ``statement_labels`` and ``statement_stances`` tables,
built from a document's record (the record-contract dicts) so that new ingests and the migration
of an older database index statements the same way."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from undertow.language.aspect import aspect_of
from undertow.language.sentences import sentence_spans
from undertow.narratives.taxonomy import known_node

MAX_SENTENCE = 600  # characters of context kept for a citation


@dataclass(slots=True)
class StatementRows:
    statements: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    stances: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DocMeta:
    """What a statement row copies from its document."""

    id: str
    text: str
    language: str | None
    published: dt.date | None
    canonical: bool
    outlet_id: str | None
    outlet_kind: str | None
    state_affiliated: bool | None


def _date(v: str | None) -> dt.date | None:
    return dt.date.fromisoformat(v) if v else None


def citation_sentence(text: str, start: int, end: int) -> str:
    """The sentence(s) of ``text`` overlapping ``[start, end)``, trimmed to ``MAX_SENTENCE``."""
    lo = max(0, text.rfind("\n", 0, start) + 1)
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    spans = [(a, b) for a, b in sentence_spans(text, lo, hi) if a < end and b > start]
    if not spans:
        return text[start:end].strip()[:MAX_SENTENCE]
    s = text[spans[0][0] : spans[-1][1]].strip()
    if len(s) > MAX_SENTENCE:  # a very long paragraph without sentence breaks: centre on the content
        a = max(spans[0][0], start - 150)
        s = text[a : a + MAX_SENTENCE].strip()
    return s


def statement_rows(
    meta: DocMeta,
    statements: list[Mapping[str, Any]],
    vectors: Mapping[str, np.ndarray] | None = None,
) -> StatementRows:
    """Rows for ``statements`` (record-contract dicts) of one document. ``vectors``: statement id
    to its sentence vector, kept as float16 (semantic search reads them all; new-narrative
    discovery clusters those of statements without a narrative label)."""
    out = StatementRows()
    for st in statements:
        said = st.get("said") or {}
        said_start, said_end = _date(said.get("start")), _date(said.get("end"))
        day = said_start or meta.published
        c = st["content"]
        starts = [c["start"]] + [
            x["start"] for x in (st.get("speaker") or {}, st.get("cue") or {}) if x.get("start") is not None
        ]
        sentence = citation_sentence(meta.text, min(starts), c["end"])
        labels = st.get("narratives", [])
        vec = (vectors or {}).get(st["id"])
        sp = st.get("speaker") or {}
        cue = st.get("cue") or {}
        speaker = sp.get("actor_id")
        out.statements.append(
            {
                "id": st["id"],
                "doc_id": meta.id,
                "day": day,
                "said_start": said_start,
                "said_end": said_end,
                "published": meta.published,
                "canonical": meta.canonical,
                "outlet_id": meta.outlet_id,
                "outlet_kind": meta.outlet_kind,
                "state_affiliated": meta.state_affiliated,
                "language": meta.language,
                "speaker": speaker,
                "kind": st.get("kind") or "indirect",
                "medium": st.get("medium"),
                "text": c.get("text") or meta.text[c["start"] : c["end"]],
                "sentence": sentence,
                "start": c["start"],
                "end": c["end"],
                "aspect": aspect_of(sentence, meta.language),
                "confidence": float(st.get("confidence") or 0.0),
                "vector": np.asarray(vec, dtype=np.float16).tobytes() if vec is not None else None,
                "speaker_start": sp.get("start"),
                "speaker_end": sp.get("end"),
                "cue_start": cue.get("start"),
                "cue_end": cue.get("end"),
                "cue_text": cue.get("text"),
            }
        )
        for lab in labels:
            parent = lab.get("parent")
            if parent is None:
                node = known_node(lab.get("taxonomy") or "", lab["id"])
                parent = node.parent if node else None
            out.labels.append(
                {
                    "statement_id": st["id"],
                    "label": lab["id"],
                    "taxonomy": lab.get("taxonomy") or "",
                    "parent": parent,
                    "confidence": float(lab.get("confidence") or 0.0),
                    "day": day,
                }
            )
        for sn in st.get("stances", []):
            out.stances.append(
                {
                    "statement_id": st["id"],
                    "issue": sn["issue"],
                    "polarity": sn["polarity"],
                    "confidence": float(sn.get("confidence") or 0.0),
                    "speaker": speaker,
                    "day": day,
                }
            )
    return out


def event_rows(meta: DocMeta, events: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the ``events`` table from a document's record-contract event dicts."""
    out = []
    for ev in events:
        date = ev.get("date") or {}
        start, end = _date(date.get("start")), _date(date.get("end"))
        span = ev.get("evidence") or {}
        a, b = int(span.get("start") or 0), int(span.get("end") or 0)
        out.append(
            {
                "id": ev["id"],
                "doc_id": meta.id,
                "type": ev["type"],
                "mode": ev.get("mode"),
                "source": json.dumps(ev.get("source") or []),
                "target": json.dumps(ev.get("target") or []),
                "source_actors": json.dumps(ev.get("source_actors") or []),
                "target_actors": json.dumps(ev.get("target_actors") or []),
                "location": ev.get("location"),
                "date_start": start,
                "date_end": end,
                "day": start or meta.published,
                "published": meta.published,
                "canonical": meta.canonical,
                "outlet_id": meta.outlet_id,
                "language": meta.language,
                "start": a,
                "end": b,
                "sentence": citation_sentence(meta.text, a, b) if b > a else "",
                "confidence": float(ev.get("confidence") or 0.0),
            }
        )
    return out
