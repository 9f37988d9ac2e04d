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
import re
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
from undertow.narratives.classify import Background, Neutral, cue_hits, load_background
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


def issue_labels() -> dict[str, str]:
    """Issue id → its label in the shipped issues file (for prose: briefs, alerts, pages)."""
    return {i.id: i.label for i in load_issues().issues}


@dataclass(frozen=True)
class StanceParams:
    topic_threshold: float = 3.0
    cue_bonus: float = 2.0
    max_issues: int = 2
    second_margin: float = 1.0  # a second issue must score within this of the first
    neutral_k: int = 5  # closeness to plain news: mean cosine of the k nearest background sentences
    neutral_margin: float = 0.02  # neutral examples must beat favor/against by this much
    lexicon_weight: float = 1.0  # weight of tanh(lexicon score) beside the example vote
    implied_weight: float = 0.0  # weight of a narrative label's implied polarity (0: measured best)


class PolarityLexicon(BaseModel):
    """``data/lexicons/stance.yaml``: support and rejection cues per language, and negations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    favor: dict[str, list[str]]
    against: dict[str, list[str]]
    negation: dict[str, list[str]]

    def compiled(self) -> dict[str, dict[str, list[re.Pattern[str]]]]:
        return {
            side: {lang: [compile_cue(c) for c in cs] for lang, cs in getattr(self, side).items()}
            for side in ("favor", "against")
        }


_WORD = re.compile(r"\w+(?:'t)?")


@lru_cache(maxsize=2)
def load_polarity_lexicon(path: str | None = None) -> PolarityLexicon:
    return load_yaml_model(Path(path) if path else data_path("lexicons/stance.yaml"), PolarityLexicon)


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
        neutral: Neutral | None = None,
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
        self.neutral = neutral or Neutral(background or load_background())
        lex = load_polarity_lexicon()
        self.polarity_cues = lex.compiled()
        self.negations = {lang: set(ws) for lang, ws in lex.negation.items()}
        self.mu: dict[str, np.ndarray] = {}
        self.sd: dict[str, np.ndarray] = {}
        for lang in self.neutral.languages:
            x = self.neutral.vectors[lang]
            raw = self._topic_raw(x) - self.neutral.closeness(x, lang, self.params.neutral_k, True)[:, None]
            self.mu[lang], self.sd[lang] = raw.mean(axis=0), np.maximum(raw.std(axis=0), 0.01)

    def _topic_raw(self, x: np.ndarray) -> np.ndarray:
        """Per issue: the mean of the two best cosines to its examples (its centroid without)."""
        out = x @ self.centroid.T
        for k, ex in enumerate(self.topic_examples):
            if len(ex):
                out[:, k] = np.sort(x @ ex.T, axis=1)[:, -2:].mean(axis=1)
        return out

    def topic_z(self, texts: Sequence[str], lang: str, x: np.ndarray | None = None) -> np.ndarray:
        """Issue affinity minus closeness to neutral news, as z-scores over the background."""
        x = embed.encode(texts) if x is None else x
        key = lang if lang in self.mu else "*"
        near = self.neutral.closeness(x, lang, self.params.neutral_k)
        z = (self._topic_raw(x) - near[:, None] - self.mu[key]) / self.sd[key]
        return z + self.params.cue_bonus * cue_hits(self.cues, texts, lang)

    def lexicon_score(self, text: str, lang: str) -> int:
        """Support cues minus rejection cues; a negation up to three words before a cue flips it."""
        negs = self.negations.get(lang, set())
        score = 0
        for side, sign in (("favor", 1), ("against", -1)):
            for pat in self.polarity_cues[side].get(lang, []):
                for m in pat.finditer(text):
                    before = _WORD.findall(text[max(0, m.start() - 40) : m.start()])[-3:]
                    negated = any(w.lower() in negs or w.lower().endswith("n't") for w in before)
                    score += -sign if negated else sign
        return score

    def polarity(
        self, x: np.ndarray, k: int, text: str = "", lang: str = "en", implied: str | None = None
    ) -> tuple[str, float]:
        """Polarity on issue ``k``: the favor-vs-against example vote (mean of the two best cosines
        each) plus the support/rejection lexicon; "neutral" when the neutral examples are clearly
        closest and no cue takes a side. A narrative label that implies a polarity (``implied``)
        adds one vote of ``implied_weight``. Returns (polarity, confidence)."""
        s = {}
        for p in POLARITIES:
            ex = self.examples[p][k]
            s[p] = float(np.sort(ex @ x)[-2:].mean()) if len(ex) else -1.0
        lex = self.lexicon_score(text, lang) if text else 0
        vote = {"favor": 1.0, "against": -1.0}.get(implied or "", 0.0) * self.params.implied_weight
        if (
            lex == 0
            and not vote
            and s["neutral"] > max(s["favor"], s["against"]) + self.params.neutral_margin
        ):
            return "neutral", round(_sigmoid(20 * (s["neutral"] - max(s["favor"], s["against"]))), 3)
        d = (s["favor"] - s["against"]) + self.params.lexicon_weight * math.tanh(lex) + vote
        return ("favor" if d >= 0 else "against"), round(_sigmoid(4 * abs(d)), 3)

    def statement_stances(
        self,
        texts: Sequence[str],
        lang: str,
        labels: Sequence[Sequence[tuple[str, str]]] = (),
        x: np.ndarray | None = None,
    ) -> list[list[StanceRef]]:
        """Per text, its stances. ``labels`` are (taxonomy, node id) narrative labels per text;
        ``x`` the texts' vectors when the caller already has them."""
        if not texts:
            return []
        x = embed.encode(texts) if x is None else x
        z = self.topic_z(texts, lang, x)
        out: list[list[StanceRef]] = []
        for i in range(len(texts)):
            refs: dict[str, StanceRef] = {}
            for tax_node in labels[i] if i < len(labels) else ():
                for issue, implied in self.implied.get(tax_node, {}).items():
                    k = self.index.get(issue)
                    corroborated = k is not None and z[i, k] >= self.params.topic_threshold - 1.0
                    if corroborated and implied and issue not in refs:
                        pol, conf = self.polarity(x[i], k, texts[i], lang, implied)
                        refs[issue] = StanceRef(issue, pol, conf)  # type: ignore[arg-type]
            order = [int(k) for k in np.argsort(-z[i]) if z[i, k] >= self.params.topic_threshold]
            order = [k for k in order if z[i, k] >= z[i, order[0]] - self.params.second_margin]
            for k in order:
                if len(refs) >= self.params.max_issues:
                    break
                issue = self.issues[k].id
                if issue in refs:
                    continue
                pol, conf = self.polarity(x[i], k, texts[i], lang)
                topic_conf = _sigmoid(float(z[i, k]) - self.params.topic_threshold)
                refs[issue] = StanceRef(issue, pol, round(conf * topic_conf, 3))  # type: ignore[arg-type]
            out.append(list(refs.values()))
        return out

    def classify(self, doc: Document, statement_vectors: np.ndarray | None = None) -> None:
        """Fill each statement's ``stances`` and the document's aggregated ``stances``."""
        if not doc.statements:
            doc.stances = []
            return
        lang = doc.language or "en"
        texts = [st.content_text for st in doc.statements]
        labels = [[(n.taxonomy, n.id) for n in st.narratives] for st in doc.statements]
        refs_per = self.statement_stances(texts, lang, labels, statement_vectors)
        for st, refs in zip(doc.statements, refs_per, strict=True):
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
