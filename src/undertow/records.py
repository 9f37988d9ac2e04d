"""The record types, defined once and shared by every stage.

A :class:`Document` enters the pipeline and each stage adds to it (like a spaCy ``Doc``
through its components). ``Document.to_record()`` produces exactly the JSON object that
``undertow annotate`` prints; the field names follow ``docs/record.md`` and are fixed.

Offsets are character offsets into ``Document.text`` (Python string indices, end exclusive).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

PublishedSource = Literal["page", "feed", "jsonl", "argument"]
ActorKind = Literal["person", "organisation", "state", "collective", "outlet"]
StatementKind = Literal["direct", "indirect", "mixed"]
Polarity = Literal["favor", "against", "neutral"]


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` into ``Document.text``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def text(self, doc_text: str) -> str:
        return doc_text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class DateRange:
    """A day or a range of days; ``start == end`` for a single day."""

    start: dt.date
    end: dt.date

    @classmethod
    def day(cls, d: dt.date) -> DateRange:
        return cls(d, d)

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True, slots=True)
class Outlet:
    """A news outlet or official site, as listed in ``data/outlets.yaml``."""

    id: str
    name: str
    country: str | None = None
    language: str | None = None
    state_affiliated: bool | None = False  # None: not known (an outlet missing from the registry)
    ownership: str | None = None
    kind: str = "media"
    domains: tuple[str, ...] = ()
    group: str | None = None  # language editions share their main outlet's id here

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "state_affiliated": self.state_affiliated,
        }


@dataclass(slots=True)
class Paragraph:
    """A paragraph of the clean text with its own detected language."""

    start: int
    end: int
    language: str | None


@dataclass(slots=True)
class Document:
    """One ingested text: a web page, feed item, file or JSONL record."""

    source: str
    text: str
    id: str = ""
    url: str | None = None
    title: str | None = None
    author: str | None = None
    section: str | None = None
    outlet: Outlet | None = None
    language: str | None = None
    published: dt.date | None = None
    published_source: PublishedSource | None = None
    fetched: dt.datetime | None = None
    duplicate_of: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    # filled by later stages
    actors: list[Actor] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    narratives: list[NarrativeLabel] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.id:
            self.id = document_id(self.url, self.text)

    def to_record(self) -> dict[str, Any]:
        """The record-contract JSON object (see ``docs/record.md``)."""
        return {
            "document": {
                "id": self.id,
                "source": self.source,
                "url": self.url,
                "title": self.title,
                "author": self.author,
                "section": self.section,
                "outlet": self.outlet.to_json() if self.outlet else None,
                "language": self.language,
                "published": self.published.isoformat() if self.published else None,
                "published_source": self.published_source,
                "fetched": _iso_utc(self.fetched) if self.fetched else None,
                "text": self.text,
                "duplicate_of": self.duplicate_of,
                "paragraphs": [
                    {"start": p.start, "end": p.end, "language": p.language} for p in self.paragraphs
                ],
            },
            "actors": [a.to_json() for a in self.actors],
            "statements": [s.to_json() for s in self.statements],
            "events": [e.to_json() for e in self.events],
            "narratives": [n.to_json() for n in self.narratives],
            "stances": [s.to_json() for s in self.stances],
        }


def normalise_for_id(text: str) -> str:
    """Whitespace- and case-insensitive form of a text, used for content hashes."""
    return " ".join(text.split()).casefold()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_for_id(text).encode("utf-8")).hexdigest()


def document_id(url: str | None, text: str) -> str:
    """A stable id: from the canonical URL when there is one, else from the content."""
    key = f"url:{url}" if url else f"text:{normalise_for_id(text)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _iso_utc(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- Records filled by later stages (issue 3 onwards). Shapes follow docs/record.md. ---


@dataclass(slots=True)
class Provenance:
    """Who made an automated label: model/rule name, its version, and a confidence in [0, 1]."""

    model: str
    version: str
    confidence: float


@dataclass(slots=True)
class Actor:
    id: str
    name: str
    kind: ActorKind
    country: str | None = None
    role: str | None = None
    provisional: bool = False
    mentions: list[Span] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["mentions"] = [{"start": m.start, "end": m.end} for m in self.mentions]
        return d


@dataclass(slots=True)
class LabelRef:
    id: str
    taxonomy: str
    confidence: float


@dataclass(slots=True)
class StanceRef:
    issue: str
    polarity: Polarity
    confidence: float


@dataclass(slots=True)
class Statement:
    id: str
    speaker_actor_id: str | None
    speaker: Span | None
    cue: Span | None
    cue_text: str
    content: Span
    content_text: str
    kind: StatementKind
    medium: str | None = None
    said: DateRange | None = None
    confidence: float = 0.0
    narratives: list[LabelRef] = field(default_factory=list)
    stances: list[StanceRef] = field(default_factory=list)
    # the content's sentence vector from the classify stage; not part of the record JSON (the
    # store keeps it for unlabelled statements, which new-narrative discovery clusters)
    vector: Any = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "speaker": {
                "actor_id": self.speaker_actor_id,
                "start": self.speaker.start if self.speaker else None,
                "end": self.speaker.end if self.speaker else None,
            },
            "cue": {
                "start": self.cue.start if self.cue else None,
                "end": self.cue.end if self.cue else None,
                "text": self.cue_text,
            },
            "content": {"start": self.content.start, "end": self.content.end, "text": self.content_text},
            "kind": self.kind,
            "medium": self.medium,
            "said": self.said.to_json() if self.said else None,
            "confidence": self.confidence,
            "narratives": [asdict(n) for n in self.narratives],
            "stances": [asdict(s) for s in self.stances],
        }


@dataclass(slots=True)
class Event:
    id: str
    type: str
    evidence: Span
    mode: str | None = None
    source: list[str] = field(default_factory=list)
    target: list[str] = field(default_factory=list)
    source_actors: list[str] = field(default_factory=list)
    target_actors: list[str] = field(default_factory=list)
    location: str | None = None
    date: DateRange | None = None
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "mode": self.mode,
            "source": self.source,
            "target": self.target,
            "source_actors": self.source_actors,
            "target_actors": self.target_actors,
            "location": self.location,
            "date": self.date.to_json() if self.date else None,
            "evidence": {"start": self.evidence.start, "end": self.evidence.end},
            "confidence": self.confidence,
        }


@dataclass(slots=True)
class NarrativeLabel:
    id: str
    label: str
    taxonomy: str
    parent: str | None = None
    confidence: float = 0.0
    evidence: list[Span] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "parent": self.parent,
            "taxonomy": self.taxonomy,
            "confidence": self.confidence,
            "evidence": [{"start": s.start, "end": s.end} for s in self.evidence],
        }


@dataclass(slots=True)
class Stance:
    actor_id: str
    issue: str
    polarity: Polarity
    date: DateRange | None = None
    statement_ids: list[str] = field(default_factory=list)
    confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "actor_id": self.actor_id,
            "issue": self.issue,
            "polarity": self.polarity,
            "date": self.date.to_json() if self.date else None,
            "statement_ids": self.statement_ids,
            "confidence": self.confidence,
        }


@dataclass(slots=True)
class Alert:
    """An explainable alert raised by the dynamics stage (issue 5)."""

    id: str
    rule: str
    date: dt.date
    title: str
    evidence_statement_ids: list[str] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
