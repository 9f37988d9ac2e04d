"""Stances of speakers on issues: which issue a statement is about, and favor / against / neutral.

Issues are data (``data/issues.yaml``, or a user file): an id, a label stating the proposition
("Western security guarantees for Ukraine"), a description, optional lexical cues per language, and
example statements in favor, against and neutral.

Per statement (its content, read together with the sentence around it):

1. **Topic.** The statement's cosine to each issue's prototypes (label + description centroid, and its
   best example matches) becomes a z-score against neutral background sentences of the same
   language, as for narratives; a cue adds a bonus. The issue is kept when the score clears a
   threshold (at most two issues per statement).
2. **Polarity.** A narrative label that implies a polarity on the issue (``issues:`` in the taxonomy,
   e.g. ``security-guarantees-are-an-ultimatum`` -> against ``western-security-guarantees``)
   decides it. Otherwise the nearest examples vote: the mean of the two best cosines to the favor,
   against and neutral examples; the winner's margin over the runner-up sets the confidence.

Statement stances are then aggregated per speaker x issue x day (the date said, else the
publication date) into document-level :class:`~undertow.records.Stance` records.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from undertow.knowledge.loader import Slug, data_path, load_yaml_model
from undertow.narratives import embed
from undertow.narratives.classify import Background, load_background
from undertow.narratives.taxonomy import Taxonomy, compile_cue
from undertow.records import DateRange, Document, Stance, StanceRef, Statement

__all__ = ["IssueSpec", "IssuesFile", "StanceClassifier", "load_issues"]

POLARITIES: tuple[Literal["favor", "against", "neutral"], ...] = ("favor", "against", "neutral")


class IssueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    label: str
    description: str = ""
    cues: dict[str, list[str]] = Field(default_factory=dict)
    favor: list[str] = Field(default_factory=list)
    against: list[str] = Field(default_factory=list)
    neutral: list[str] = Field(default_factory=list)

    @field_validator("cues")
    @classmethod
    def _cues(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for phrases in v.values():
            for p in phrases:
                compile_cue(p)
        return v


class IssuesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    issues: list[IssueSpec]

    @field_validator("issues")
    @classmethod
    def _unique(cls, v: list[IssueSpec]) -> list[IssueSpec]:
        ids = [i.id for i in v]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate issue id(s): {', '.join(sorted(dup))}")
        return v


@lru_cache(maxsize=4)
def load_issues(path: str | None = None) -> IssuesFile:
    return load_yaml_model(Path(path) if path else data_path("issues.yaml"), IssuesFile)


@dataclass(frozen=True)
class StanceParams:
    topic_threshold: float = 3.0
    cue_bonus: float = 2.0
    max_issues: int = 2
    neutral_margin: float = 0.02  # favor/against must beat neutral by this much


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class StanceClassifier:
    name = "undertow.stance"

    def __init__(
        self,
        issues: IssuesFile | None = None,
        taxonomies: Sequence[Taxonomy] = (),
        params: StanceParams | None = None,
        background: Background | None = None,
    ) -> None:
        self.issues = list((issues or load_issues()).issues)
        self.params = params or StanceParams()
        self.index = {i.id: k for k, i in enumerate(self.issues)}
        # narrative (taxonomy, node id) -> {issue: polarity}
        self.implied: dict[tuple[str, str], dict[str, str | None]] = {
            (t.id, n.id): dict(n.issues) for t in taxonomies for n in t.nodes if n.issues
        }
        cent = []
        self.examples: dict[str, list[np.ndarray]] = {p: [] for p in POLARITIES}
        self.topic_examples: list[np.ndarray] = []
        for spec in self.issues:
            head = [spec.label] + (
                [f"{spec.label}. {spec.description}", spec.description] if spec.description else []
            )
            c = embed.encode_cached(head).mean(axis=0)
            cent.append(c / np.linalg.norm(c))
            for p in POLARITIES:
                self.examples[p].append(embed.encode_cached(getattr(spec, p)))
            self.topic_examples.append(embed.encode_cached(spec.favor + spec.against + spec.neutral))
        self.centroid = np.stack(cent).astype(np.float32)
        self.cues = [[(lang, compile_cue(c)) for lang, cs in s.cues.items() for c in cs] for s in self.issues]
        bg = background or load_background()
        self.mu: dict[str, np.ndarray] = {}
        self.sd: dict[str, np.ndarray] = {}
        all_raw = []
        for lang, sents in bg.sentences.items():
            raw = self._topic_raw(embed.encode_cached(sents))
            all_raw.append(raw)
            self.mu[lang], self.sd[lang] = raw.mean(axis=0), np.maximum(raw.std(axis=0), 0.02)
        allr = np.concatenate(all_raw)
        self.mu["*"], self.sd["*"] = allr.mean(axis=0), np.maximum(allr.std(axis=0), 0.02)

    def _topic_raw(self, x: np.ndarray) -> np.ndarray:
        out = x @ self.centroid.T
        for k, ex in enumerate(self.topic_examples):
            if len(ex):
                c = np.sort(x @ ex.T, axis=1)[:, -2:].mean(axis=1)
                out[:, k] = 0.4 * out[:, k] + 0.6 * c
        return out

    def topic_z(self, texts: Sequence[str], lang: str, x: np.ndarray | None = None) -> np.ndarray:
        x = embed.encode(texts) if x is None else x
        key = lang if lang in self.mu else "*"
        z = (self._topic_raw(x) - self.mu[key]) / self.sd[key]
        for i, t in enumerate(texts):
            for k, pats in enumerate(self.cues):
                if any(cl in ("*", lang) and p.search(t) for cl, p in pats):
                    z[i, k] += self.params.cue_bonus
        return z

    def polarity(self, x: np.ndarray, k: int) -> tuple[str, float]:
        """Nearest-example vote for issue ``k``: (polarity, confidence)."""
        s = {}
        for p in POLARITIES:
            ex = self.examples[p][k]
            s[p] = float(np.sort(ex @ x)[-2:].mean()) if len(ex) else -1.0
        best_side = "favor" if s["favor"] >= s["against"] else "against"
        side_margin = abs(s["favor"] - s["against"])
        if s["neutral"] > s[best_side] + self.params.neutral_margin:
            return "neutral", round(_sigmoid(20 * (s["neutral"] - s[best_side])), 3)
        return best_side, round(_sigmoid(25 * side_margin), 3)

    def statement_stances(
        self, texts: Sequence[str], lang: str, labels: Sequence[Sequence[tuple[str, str]]] = ()
    ) -> list[list[StanceRef]]:
        """Per text, its stances. ``labels`` are (taxonomy, node id) narrative labels per text."""
        if not texts:
            return []
        x = embed.encode(texts)
        z = self.topic_z(texts, lang, x)
        out: list[list[StanceRef]] = []
        for i in range(len(texts)):
            refs: dict[str, StanceRef] = {}
            for tax_node in labels[i] if i < len(labels) else ():
                for issue, pol in self.implied.get(tax_node, {}).items():
                    if issue in self.index and pol and issue not in refs:
                        refs[issue] = StanceRef(issue, pol, 0.8)  # type: ignore[arg-type]
            order = [int(k) for k in np.argsort(-z[i]) if z[i, k] >= self.params.topic_threshold]
            for k in order:
                if len(refs) >= self.params.max_issues:
                    break
                issue = self.issues[k].id
                if issue in refs:
                    continue
                pol, conf = self.polarity(x[i], k)
                topic_conf = _sigmoid(float(z[i, k]) - self.params.topic_threshold)
                refs[issue] = StanceRef(issue, pol, round(conf * topic_conf, 3))  # type: ignore[arg-type]
            out.append(list(refs.values()))
        return out

    def classify(self, doc: Document) -> None:
        """Fill each statement's ``stances`` and the document's aggregated ``stances``."""
        if not doc.statements:
            doc.stances = []
            return
        lang = doc.language or "en"
        texts = [st.content_text for st in doc.statements]
        labels = [[(n.taxonomy, n.id) for n in st.narratives] for st in doc.statements]
        for st, refs in zip(doc.statements, self.statement_stances(texts, lang, labels), strict=True):
            st.stances = refs
        doc.stances = aggregate(doc.statements, doc.published)


def aggregate(statements: Sequence[Statement], published: object = None) -> list[Stance]:
    """Per speaker x issue x day: the confidence-weighted majority polarity of its statements."""
    groups: dict[tuple[str, str, DateRange | None], list[tuple[Statement, StanceRef]]] = defaultdict(list)
    for st in statements:
        if not st.speaker_actor_id:
            continue
        day = st.said
        if day is None and published is not None:
            day = DateRange(published, published)  # type: ignore[arg-type]
        for ref in st.stances:
            groups[(st.speaker_actor_id, ref.issue, day)].append((st, ref))
    out = []
    for (actor, issue, day), items in groups.items():
        weight: dict[str, float] = defaultdict(float)
        for _, ref in items:
            weight[ref.polarity] += ref.confidence
        pol = max(weight, key=lambda p: weight[p])
        total = sum(weight.values())
        conf = round(max(ref.confidence for _, ref in items if ref.polarity == pol) * weight[pol] / total, 3)
        out.append(
            Stance(
                actor_id=actor,
                issue=issue,
                polarity=pol,  # type: ignore[arg-type]
                date=day,
                statement_ids=[st.id for st, ref in items if ref.polarity == pol],
                confidence=conf,
            )
        )
    return out
