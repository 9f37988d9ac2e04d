"""Zero-shot narrative classification of sentences, statements and whole documents.

How a label is decided (``docs/taxonomy.md`` explains it for users):

1. **Prototypes.** Each node of a taxonomy is embedded (``embed.py``) from its label, its
   description and its example sentences; a narrative also owns its sub-narratives' prototypes.
2. **Sentence score.** A sentence's affinity to a node is the mean of its two best cosines to the
   node's examples, minus its closeness to plain news (its nearest background sentences).
3. **Calibration per language.** Raw cosines are not comparable across labels (a vague description
   attracts everything) nor across languages (a Russian sentence scores lower against English
   examples). So every raw score becomes a z-score against the distribution of that node's scores
   over neutral background news sentences *of the same language* (``data/background.yaml``).
4. **Lexical cues** (optional per node and language) add a fixed bonus to the z-score of a sentence
   that contains them.
5. **Decisions** are rank- and margin-based: a document gets a narrative when its best sentences
   stand far enough above the background, keeping at most a few narratives close to the best one;
   a sub-narrative is chosen among the chosen narrative's children the same way, else the
   narrative's "Other". A statement gets the labels its content scores highest on.
6. **Trained heads** (``train.py``), when present for a taxonomy, shift each node's threshold by
   the offset learned from the team's labelled examples.

Every label keeps its evidence (character spans of the sentences that carried it) and a confidence
that is a logistic function of its decision score (fitted on the team's dev set).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from undertow.knowledge.loader import data_path, load_yaml_model
from undertow.language.sentences import sentence_spans
from undertow.narratives import embed
from undertow.narratives.taxonomy import Node, Taxonomy
from undertow.records import Document, LabelRef, NarrativeLabel, Span

__all__ = ["DocScores", "NarrativeClassifier", "Params", "load_background"]

VERSION = "1"


@dataclass(frozen=True)
class Params:
    """Decision constants, tuned on ``bench/data/narratives-dev`` (see ``bench/narratives.py``)."""

    example_k: int = 2  # a node's example score: the mean of its k best example cosines
    centroid_weight: float = 0.0  # share of the label/description centroid cosine beside it
    negative_penalty: float = 0.0  # per unit a negative example is closer than the best positive
    neutral_k: int = 5  # closeness to plain news: mean cosine of the k nearest background sentences
    neutral_scale: float = 1.0
    cue_bonus: float = 2.5  # added to a sentence's z-score when one of the node's cues occurs
    child_share: float = 1.0  # a narrative's sentence z is at least its best child's z minus 0
    top_weights: tuple[float, ...] = (0.5, 0.3, 0.2)  # document score: weighted best sentence z
    doc_threshold: float = 4.0
    short_text: int = 3  # texts of at most this many sentences are scored by their best one
    doc_margin: float = 1.0  # keep narratives whose score is within this of the best one
    max_narratives: int = 3
    domain_margin: float = 0.05  # multi-domain taxonomies: domains within this cosine of the best
    sub_threshold: float = 3.5
    sub_margin: float = 0.5
    max_subs: int = 2
    statement_threshold: float = 3.0
    statement_max: int = 2
    statement_margin: float = 0.5  # a second label must score within this of the first
    statement_weight: float = 0.0  # document score >= this x the best statement's z
    evidence_threshold: float = 2.0
    max_evidence: int = 3
    confidence_slope: float = 1.2
    borrow: bool = True  # nodes without examples borrow those of a matching shipped node
    borrow_cosine: float = 0.85


class Background(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    sentences: dict[str, list[str]]


@lru_cache(maxsize=2)
def load_background(path: str | None = None) -> Background:
    return load_yaml_model(Path(path) if path else data_path("background.yaml"), Background)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class _Compiled:
    """One taxonomy's prototypes and per-language calibration, ready to score vectors."""

    taxonomy: Taxonomy
    nodes: list[Node]  # the scored nodes ("Other" nodes are not scored)
    index: dict[str, int]
    centroid: np.ndarray  # nodes x d: label + description
    examples: np.ndarray  # P x d
    example_owner: list[np.ndarray]  # per node: row indices into ``examples`` it owns
    negatives: np.ndarray
    negative_owner: list[np.ndarray]
    cues: Cues
    parent_of: np.ndarray  # per node: index of its parent, or -1
    domain_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # per node
    domain_centroids: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    mu: dict[str, np.ndarray] = field(default_factory=dict)
    sd: dict[str, np.ndarray] = field(default_factory=dict)

    def affinity(self, x: np.ndarray, params: Params) -> np.ndarray:
        """Sentences x nodes: the mean of each node's ``example_k`` best example cosines (the
        label/description centroid for a node without examples), mixed with the centroid cosine."""
        cent = x @ self.centroid.T
        out = cent.copy()
        if len(self.examples):
            c = x @ self.examples.T
            neg = x @ self.negatives.T if len(self.negatives) and params.negative_penalty else None
            for j, own in enumerate(self.example_owner):
                if len(own) == 0:
                    continue
                cj = c[:, own]
                top = np.sort(cj, axis=1)[:, -min(params.example_k, cj.shape[1]) :]
                out[:, j] = (1 - params.centroid_weight) * top.mean(axis=1) + params.centroid_weight * cent[
                    :, j
                ]
                if neg is not None and len(self.negative_owner[j]):
                    gap = neg[:, self.negative_owner[j]].max(axis=1) - top[:, -1]
                    out[:, j] -= params.negative_penalty * np.maximum(gap, 0.0)
        return out

    def z(self, x: np.ndarray, near: np.ndarray, lang: str, params: Params) -> np.ndarray:
        """Calibrated scores: affinity minus closeness to neutral news (``near``), as z-scores
        against the same quantity over the background sentences of the language."""
        key = lang if lang in self.mu else "*"
        raw = self.affinity(x, params) - params.neutral_scale * near[:, None]
        return (raw - self.mu[key]) / self.sd[key]


Cues = list[list[tuple[str, re.Pattern[str]]]]  # per label: (language or "*", pattern)


def cue_hits(cues: Cues, texts: Sequence[str], lang: str) -> np.ndarray:
    """texts x labels: whether one of the label's cues for ``lang`` (or for any language) occurs."""
    hits = np.zeros((len(texts), len(cues)), dtype=bool)
    for i, t in enumerate(texts):
        for j, pats in enumerate(cues):
            hits[i, j] = any(cl in ("*", lang) and p.search(t) for cl, p in pats)
    return hits


def borrow_examples(tax: Taxonomy, params: Params) -> tuple[Taxonomy, dict[str, str]]:
    """A copy of ``tax`` in which nodes that have no examples take the examples, negative examples
    and cues of the matching node of a shipped taxonomy (the "example bank"): same label (ignoring
    case, punctuation and a "URW: " prefix), or else label+description embeddings at least
    ``borrow_cosine`` apart and each other's best match. Returns the copy and node id -> bank node."""
    from dataclasses import replace

    from undertow.narratives.taxonomy import SHIPPED, _norm, shipped_taxonomy, short_label

    bank = [n for name in SHIPPED for n in shipped_taxonomy(name).nodes if n.examples and not n.is_other]
    needy = [n for n in tax.nodes if not n.examples and not n.is_other]
    if not bank or not needy:
        return tax, {}

    owner = {id(n): t for name in SHIPPED for t in [shipped_taxonomy(name)] for n in t.nodes}

    def key(n: Node, t: Taxonomy) -> str:
        return _norm(short_label(n, t))

    def text(n: Node, t: Taxonomy) -> str:
        return f"{short_label(n, t)}. {n.description}" if n.description else short_label(n, t)

    by_label = {(key(b, owner[id(b)]), b.parent is None): b for b in bank}
    matched: dict[str, Node] = {}
    rest = []
    for n in needy:
        b = by_label.get((key(n, tax), n.parent is None))
        if b is not None:
            matched[n.id] = b
        else:
            rest.append(n)
    if rest:
        u = embed.encode_cached([text(n, tax) for n in rest])
        v = embed.encode_cached([text(b, owner[id(b)]) for b in bank])
        sim = u @ v.T
        for i, n in enumerate(rest):
            j = int(np.argmax(sim[i]))
            same_level = (bank[j].parent is None) == (n.parent is None)
            if same_level and sim[i, j] >= params.borrow_cosine and int(np.argmax(sim[:, j])) == i:
                matched[n.id] = bank[j]
    if not matched:
        return tax, {}
    nodes = []
    for n in tax.nodes:
        b = matched.get(n.id)
        if b is None:
            nodes.append(n)
        else:
            nodes.append(
                replace(
                    n,
                    examples=list(b.examples),
                    negative_examples=list(b.negative_examples),
                    cues=n.cues or dict(b.cues),
                    description=n.description or b.description,
                )
            )
    copy = Taxonomy(tax.id, tax.name, nodes, tax.description, tax.version, tax.source)
    return copy, {k: b.id for k, b in matched.items()}


def _pseudo_examples(n: Node) -> list[str]:
    """For a node with no examples: its label and the clauses of its description, each a
    stand-in example ("Ukraine is controlled by Washington; its leaders follow orders" gives two)."""
    from undertow.narratives.taxonomy import _strip_domain

    label = _strip_domain(n.label)
    out = [label]
    if n.description:
        out.append(f"{label}. {n.description}")
        parts = re.split(r"(?<=[.;:!?])\s+|\s+[—–-]\s+", n.description)
        out.extend(p.strip() for p in parts if len(p.split()) >= 4)
    return list(dict.fromkeys(out))


class Neutral:
    """The background sentences, embedded per language: how close a sentence is to plain news."""

    def __init__(self, background: Background) -> None:
        self.vectors = {lang: embed.encode_cached(s) for lang, s in background.sentences.items() if s}
        self.vectors["*"] = np.concatenate(list(self.vectors.values()))
        self.languages = list(self.vectors)

    def closeness(self, x: np.ndarray, lang: str, k: int, self_included: bool = False) -> np.ndarray:
        """Per sentence, the mean cosine of its ``k`` nearest background sentences of its
        language (all languages for another one). ``self_included``: ``x`` is the background
        itself, so each sentence's own row is left out."""
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        b = self.vectors.get(lang, self.vectors["*"])
        sims = x @ b.T
        if self_included:
            sims = np.where(sims > 0.9999, -1.0, sims)
        k = min(k, sims.shape[1])
        return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def compile_taxonomy(tax: Taxonomy, neutral: Neutral, params: Params) -> _Compiled:
    if params.borrow:
        tax, _ = borrow_examples(tax, params)
    nodes = [n for n in tax.nodes if not n.is_other]
    index = {n.id: i for i, n in enumerate(nodes)}
    own_text: list[list[str]] = []
    for n in nodes:
        texts = [n.label]
        if n.description:
            texts.append(f"{n.label}. {n.description}")
            texts.append(n.description)
        own_text.append(texts)
    centroid = np.stack([embed.encode_cached(t).mean(axis=0) for t in own_text])
    centroid /= np.linalg.norm(centroid, axis=1, keepdims=True)

    # examples: a node's own, plus (for a narrative) its children's examples and descriptions
    ex_texts: list[str] = []
    ex_owner: list[list[int]] = [[] for _ in nodes]
    neg_texts: list[str] = []
    neg_owner: list[list[int]] = [[] for _ in nodes]
    parent_of = np.full(len(nodes), -1)
    for j, n in enumerate(nodes):
        if n.parent is not None and n.parent in index:
            parent_of[j] = index[n.parent]
    for j, n in enumerate(nodes):
        owners = [j] + ([int(parent_of[j])] if parent_of[j] >= 0 else [])
        for s in n.examples or _pseudo_examples(n):
            for o in owners:
                ex_owner[o].append(len(ex_texts))
            ex_texts.append(s)
        if parent_of[j] >= 0 and n.description:
            ex_owner[int(parent_of[j])].append(len(ex_texts))
            ex_texts.append(f"{n.label}. {n.description}")
        for s in n.negative_examples:
            neg_owner[j].append(len(neg_texts))
            neg_texts.append(s)
    comp = _Compiled(
        taxonomy=tax,
        nodes=nodes,
        index=index,
        centroid=centroid.astype(np.float32),
        examples=embed.encode_cached(ex_texts),
        example_owner=[np.asarray(o, dtype=int) for o in ex_owner],
        negatives=embed.encode_cached(neg_texts),
        negative_owner=[np.asarray(o, dtype=int) for o in neg_owner],
        cues=[n.cue_patterns() for n in nodes],
        parent_of=parent_of,
    )
    _domains(comp)
    for lang in neutral.languages:
        x = neutral.vectors[lang]
        raw = (
            comp.affinity(x, params)
            - params.neutral_scale * neutral.closeness(x, lang, params.neutral_k, self_included=True)[:, None]
        )
        comp.mu[lang], comp.sd[lang] = _moments(raw)
    return comp


def _domains(comp: _Compiled) -> None:
    """Taxonomies with several domains ("URW: ...", "CC: ..." labels): each domain's topic centroid,
    so a document is only labelled from the domain(s) it is about."""
    names: list[str] = []
    of = np.zeros(len(comp.nodes), dtype=int)
    for j, n in enumerate(comp.nodes):
        top = n if comp.parent_of[j] < 0 else comp.nodes[int(comp.parent_of[j])]
        m = re.match(r"^\s*([A-Z]{2,5})\s*:", top.label)
        name = m.group(1) if m else ""
        if name not in names:
            names.append(name)
        of[j] = names.index(name)
    comp.domain_of = of
    if len(names) < 2:
        return
    cents = []
    for d in range(len(names)):
        rows = [comp.centroid[j] for j in range(len(comp.nodes)) if of[j] == d]
        rows += [
            comp.examples[i] for j in range(len(comp.nodes)) if of[j] == d for i in comp.example_owner[j]
        ]
        c = np.mean(rows, axis=0)
        cents.append(c / max(float(np.linalg.norm(c)), 1e-8))
    comp.domain_centroids = np.stack(cents).astype(np.float32)


def _moments(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return raw.mean(axis=0), np.maximum(raw.std(axis=0), 0.02)


@dataclass
class DocScores:
    """Per taxonomy, the sentence-level z-scores of one document (kept for evidence and training)."""

    spans: list[tuple[int, int]]
    z: np.ndarray  # sentences x nodes, cue bonus included
    title_z: np.ndarray | None
    mean_vector: np.ndarray | None = None  # normalised mean of the sentence vectors (the topic)
    statement_z: np.ndarray | None = None  # statements x nodes, when the document has statements


class NarrativeClassifier:
    """Classifies documents and their statements against one or more taxonomies."""

    name = "undertow.narratives"

    def __init__(
        self,
        taxonomies: Sequence[Taxonomy],
        params: Params | None = None,
        background: Background | None = None,
        use_heads: bool = True,
        neutral: Neutral | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        from undertow.narratives.train import load_head

        self.params = params or Params()
        self.neutral = neutral or Neutral(background or load_background())
        self.heads: dict[str, Any] = dict(extra or {})
        for t in taxonomies if use_heads else ():
            head = load_head(t)  # a trained head beside the taxonomy file (``undertow train``)
            if head is not None:
                self.heads[t.id] = head
        self.compiled = [compile_taxonomy(t, self.neutral, self.params) for t in taxonomies]

    @property
    def taxonomies(self) -> list[Taxonomy]:
        return [c.taxonomy for c in self.compiled]

    # --- scoring ----------------------------------------------------------------------------

    def sentence_z(
        self, comp: _Compiled, texts: Sequence[str], lang: str, x: np.ndarray | None = None
    ) -> np.ndarray:
        """texts x nodes: calibrated scores, cue bonus added, narratives lifted to their best child.
        ``x``: the texts' vectors when the caller already has them."""
        if not texts:
            return np.zeros((0, len(comp.nodes)), dtype=np.float32)
        x = embed.encode(texts) if x is None else x
        return self._scored(comp, x, self.neutral.closeness(x, lang, self.params.neutral_k), texts, lang)

    def _scored(
        self, comp: _Compiled, x: np.ndarray, near: np.ndarray, texts: Sequence[str], lang: str
    ) -> np.ndarray:
        z = comp.z(x, near, lang, self.params) + self.params.cue_bonus * cue_hits(comp.cues, texts, lang)
        return self._lift_parents(comp, z)

    def _lift_parents(self, comp: _Compiled, z: np.ndarray) -> np.ndarray:
        """A narrative scores at least what its best sub-narrative scores."""
        for j in np.nonzero(comp.parent_of >= 0)[0]:
            p = comp.parent_of[j]
            z[:, p] = np.maximum(z[:, p], z[:, j] - (1.0 - self.params.child_share))
        return z

    def document_scores(self, doc: Document) -> list[DocScores]:
        lang = doc.language or "en"
        spans = sentence_spans(doc.text)
        texts = [doc.text[a:b] for a, b in spans]
        vectors = embed.encode(texts + ([doc.title] if doc.title else []))
        mean = vectors.mean(axis=0) if len(vectors) else None
        if mean is not None:
            mean /= max(float(np.linalg.norm(mean)), 1e-8)
        near = self.neutral.closeness(vectors, lang, self.params.neutral_k)
        units = [*texts, doc.title] if doc.title else texts
        out = []
        for comp in self.compiled:
            z = self._scored(comp, vectors, near, units, lang)
            title_z = z[-1] if doc.title else None
            out.append(DocScores(spans, z[: len(texts)], title_z, mean))
        return out

    def doc_features(self, s: DocScores) -> np.ndarray:
        """Per node, the weighted mean of its best sentence z-scores (the document score)."""
        w = np.asarray(self.params.top_weights, dtype=np.float32)
        z = s.z
        if s.title_z is not None:
            z = np.vstack([z, s.title_z[None, :]])
        if len(z) == 0:
            return np.full(s.z.shape[1], -10.0, dtype=np.float32)
        k = min(len(w), len(z))
        top = -np.sort(-z, axis=0)[:k]
        score = (w[:k, None] * top).sum(axis=0) / w[:k].sum()
        if len(s.z) <= self.params.short_text:  # a statement-sized text: its best sentence decides
            score = top[0]
        if s.statement_z is not None and len(s.statement_z) and self.params.statement_weight:
            # a narrative someone is quoted pushing: its best statement counts on its own
            score = np.maximum(score, self.params.statement_weight * s.statement_z.max(axis=0))
        return score

    # --- decisions --------------------------------------------------------------------------

    def classify_document(self, doc: Document, statement_vectors: np.ndarray | None = None) -> None:
        """Fill ``doc.narratives`` and each statement's ``narratives``. ``statement_vectors``: the
        statements' content vectors, when the caller has encoded them already (stances use them too)."""
        if not doc.text.strip():
            return
        labels: list[NarrativeLabel] = []
        lang = doc.language or "en"
        texts = [st.content_text for st in doc.statements]
        if texts and statement_vectors is None:
            statement_vectors = embed.encode(texts)
        for comp, s in zip(self.compiled, self.document_scores(doc), strict=True):
            s.statement_z = self.sentence_z(comp, texts, lang, statement_vectors) if texts else None
            labels.extend(self._decide(comp, s))
            if s.statement_z is not None:
                allowed = self._allowed(comp, s)
                for st, row in zip(doc.statements, s.statement_z, strict=True):
                    st.narratives.extend(self._statement_labels(comp, np.where(allowed, row, -np.inf)))
        doc.narratives = labels

    def _decide(self, comp: _Compiled, s: DocScores) -> list[NarrativeLabel]:
        p = self.params
        score = self.doc_features(s)
        head = self.heads.get(comp.taxonomy.id)
        decision = score
        if head is not None and head.offsets:  # trained per-node threshold offsets
            decision = score - head.offset_vector([n.id for n in comp.nodes])
        decision = np.where(self._allowed(comp, s), decision, -np.inf)
        thr_doc, thr_sub = p.doc_threshold, p.sub_threshold
        tops = [j for j in range(len(comp.nodes)) if comp.parent_of[j] < 0]
        tops.sort(key=lambda j: -decision[j])
        chosen = [j for j in tops if decision[j] >= thr_doc]
        if chosen:
            best = decision[chosen[0]]
            chosen = [j for j in chosen if decision[j] >= best - p.doc_margin][: p.max_narratives]
        out: list[NarrativeLabel] = []
        for j in chosen:
            node = comp.nodes[j]
            out.append(self._label(comp, node, decision[j] - thr_doc, s, j))
            kids = [k for k in range(len(comp.nodes)) if comp.parent_of[k] == j]
            kids.sort(key=lambda k: -decision[k])
            picked = [k for k in kids if decision[k] >= thr_sub]
            if picked:
                best = decision[picked[0]]
                picked = [k for k in picked if decision[k] >= best - p.sub_margin][: p.max_subs]
            for k in picked:
                out.append(self._label(comp, comp.nodes[k], decision[k] - thr_sub, s, k))
            if not picked:
                other = comp.taxonomy.other_child(node.id)
                if other is not None:
                    lab = self._label(comp, node, decision[j] - thr_doc, s, j)
                    out.append(
                        NarrativeLabel(
                            other.id, other.label, comp.taxonomy.id, node.id, lab.confidence, lab.evidence
                        )
                    )
        return out

    def _allowed(self, comp: _Compiled, s: DocScores) -> np.ndarray:
        """Per node, whether its domain is one the document is about. A taxonomy with several
        domains ("URW: ...", "CC: ...") labels a document only from the domains whose prototypes are
        closest to its mean sentence vector (within ``domain_margin``)."""
        if len(comp.domain_centroids) < 2 or s.mean_vector is None:
            return np.ones(len(comp.nodes), dtype=bool)
        sims = comp.domain_centroids @ s.mean_vector
        ok = np.nonzero(sims >= sims.max() - self.params.domain_margin)[0]
        return np.isin(comp.domain_of, ok)

    def _label(self, comp: _Compiled, node: Node, margin: float, s: DocScores, j: int) -> NarrativeLabel:
        p = self.params
        col = s.z[:, j] if len(s.z) else np.zeros(0)
        order = np.argsort(-col)[: p.max_evidence]
        ev = [Span(*s.spans[i]) for i in order if col[i] >= p.evidence_threshold] or (
            [Span(*s.spans[int(order[0])])] if len(order) else []
        )
        ev.sort(key=lambda sp: sp.start)
        conf = round(_sigmoid(p.confidence_slope * float(margin)), 3)
        return NarrativeLabel(node.id, node.label, comp.taxonomy.id, node.parent, conf, ev)

    def _statement_labels(self, comp: _Compiled, row: np.ndarray) -> list[LabelRef]:
        """The best narrative(s) over the statement threshold (a second one only within
        ``statement_margin`` of the first), each preceded by its best sub-narrative over it."""
        p = self.params
        tops = [j for j in np.argsort(-row) if comp.parent_of[j] < 0 and row[j] >= p.statement_threshold]
        tops = [int(j) for j in tops if row[j] >= row[tops[0]] - p.statement_margin][: p.statement_max]
        out: list[LabelRef] = []
        for j in tops:
            kids = [k for k in range(len(comp.nodes)) if comp.parent_of[k] == j]
            best = max(kids, key=lambda k: row[k], default=None)
            if best is not None and row[best] >= p.statement_threshold:
                conf = round(_sigmoid(p.confidence_slope * float(row[best] - p.statement_threshold)), 3)
                out.append(LabelRef(comp.nodes[best].id, comp.taxonomy.id, conf))
            conf = round(_sigmoid(p.confidence_slope * float(row[j] - p.statement_threshold)), 3)
            out.append(LabelRef(comp.nodes[j].id, comp.taxonomy.id, conf))
        return out

    def classify_text(self, text: str, lang: str) -> dict[str, list[LabelRef]]:
        """Labels of one short text (a statement or a sentence), per taxonomy id."""
        return {
            comp.taxonomy.id: self._statement_labels(comp, self.sentence_z(comp, [text], lang)[0])
            for comp in self.compiled
        }
