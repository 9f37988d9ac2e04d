"""``undertow train``: fit a light head on user-labelled examples for one taxonomy.

Zero-shot scores are good at ranking but their best threshold differs from label to label (and
from one team's notion of a label to another's). The head learns that from labelled texts:

- **Features** per (text, node): the zero-shot document score, the best sentence z-score, the share
  of sentences over z = 2, and the cosine between the text's mean sentence vector and the node's
  centroid (the "dominant topic" of the text), plus a bias.
- **Model**: one logistic regression per node, shrunk towards a global one fitted on all nodes'
  pooled rows (so a node with three positives still gets a sensible threshold), with L2 on the
  difference. Full-batch gradient descent in numpy; deterministic.
- **Output**: JSON beside the taxonomy (``mine.yaml`` -> ``mine.head.json``) or ``--out``. The
  classifier loads it when it loads the taxonomy and uses its logits in place of the fixed
  zero-shot thresholds (a label is kept when its probability is at least 0.5).

Examples are JSONL ``{"text": "...", "labels": ["id", "label", "narr: sub", ...], "lang": "en"}``
(no labels, or ``["Other"]``, for a text that carries none) or a documents folder with a
``labels.tsv`` in the ``undertow eval narratives`` format.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from undertow.errors import DataFileError, InputError
from undertow.narratives.taxonomy import Taxonomy

if TYPE_CHECKING:
    from undertow.narratives.classify import DocScores, NarrativeClassifier, _Compiled
    from undertow.records import Document

__all__ = ["Head", "fit_head", "head_path", "load_head"]

N_FEATURES = 5
_STEPS = 600
_LR = 0.5
_L2_GLOBAL = 1e-3
_L2_LOCAL = 0.5


def head_path(tax: Taxonomy) -> Path | None:
    """Where a taxonomy's head lives: beside its file, ``<stem>.head.json``."""
    if not tax.source:
        return None
    p = Path(tax.source)
    return p.with_name(p.name.split(".")[0] + ".head.json")


def _fingerprint(tax: Taxonomy) -> str:
    return hashlib.sha1("\n".join(n.id for n in tax.nodes if not n.is_other).encode()).hexdigest()[:16]


@dataclass
class Head:
    taxonomy: str
    fingerprint: str
    node_ids: list[str]
    weights: np.ndarray  # nodes x N_FEATURES
    examples: int

    def decision(self, score: np.ndarray, s: DocScores, comp: _Compiled | None = None) -> np.ndarray:
        return (features(score, s, comp) * self.weights).sum(axis=1)

    def to_json(self) -> dict[str, Any]:
        return {
            "taxonomy": self.taxonomy,
            "fingerprint": self.fingerprint,
            "node_ids": self.node_ids,
            "weights": self.weights.round(5).tolist(),
            "features": ["doc_score", "best_z", "share_over_2", "topic_cosine", "bias"],
            "examples": self.examples,
        }


def features(score: np.ndarray, s: DocScores, comp: _Compiled | None = None) -> np.ndarray:
    """nodes x N_FEATURES for one text."""
    n = len(score)
    z = s.z if len(s.z) else np.zeros((1, n), dtype=np.float32)
    topic = np.zeros(n, dtype=np.float32)
    if comp is not None and s.mean_vector is not None:
        topic = comp.centroid @ s.mean_vector
    return np.stack(
        [
            score / 4.0,
            z.max(axis=0) / 4.0,
            (z >= 2.0).mean(axis=0),
            topic * 4.0,
            np.ones(n, dtype=np.float32),
        ],
        axis=1,
    ).astype(np.float32)


def load_head(tax: Taxonomy, path: str | Path | None = None) -> Head | None:
    p = Path(path) if path else head_path(tax)
    if p is None or not p.is_file():
        return None
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
        head = Head(
            taxonomy=raw["taxonomy"],
            fingerprint=raw["fingerprint"],
            node_ids=list(raw["node_ids"]),
            weights=np.asarray(raw["weights"], dtype=np.float32),
            examples=int(raw.get("examples", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(str(p), f"not a trained head: {exc}") from exc
    if head.fingerprint != _fingerprint(tax) or head.weights.shape != (len(head.node_ids), N_FEATURES):
        raise DataFileError(
            str(p), f"trained for another version of taxonomy {tax.id!r}: run undertow train again"
        )
    return head


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _fit(x: np.ndarray, y: np.ndarray, prior: np.ndarray, l2: float, weight: np.ndarray) -> np.ndarray:
    w = prior.copy()
    for _ in range(_STEPS):
        p = _sigmoid(x @ w)
        g = x.T @ ((p - y) * weight) / weight.sum() + l2 * (w - prior)
        w -= _LR * g
    return w


def fit_head(
    clf: NarrativeClassifier, tax_index: int, texts: Sequence[tuple[Document, set[str]]]
) -> tuple[Head, dict[str, float]]:
    """Fit on (document, gold node ids) pairs; returns the head and its fit on those examples."""
    comp = clf.compiled[tax_index]
    nodes = comp.nodes
    rows: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for doc, gold in texts:
        s = clf.document_scores(doc)[tax_index]
        score = clf.doc_features(s)
        rows.append(features(score, s, comp))
        labels.append(np.asarray([n.id in gold for n in nodes], dtype=np.float32))
    if not rows:
        raise InputError("examples", "no labelled examples")
    x = np.stack(rows)  # texts x nodes x F
    y = np.stack(labels)  # texts x nodes
    pos = y.sum()
    if pos == 0:
        raise InputError("examples", "no example carries any label of this taxonomy")
    flat_x, flat_y = x.reshape(-1, N_FEATURES), y.reshape(-1)
    balance = np.where(flat_y > 0, (flat_y.size - pos) / pos, 1.0).astype(np.float32) ** 0.5
    start = np.zeros(N_FEATURES, dtype=np.float32)
    start[0], start[-1] = 2.0, -3.0  # the zero-shot rule: score over ~6 z
    global_w = _fit(flat_x, flat_y, start, _L2_GLOBAL, balance)
    weights = np.zeros((len(nodes), N_FEATURES), dtype=np.float32)
    for j in range(len(nodes)):
        yj = y[:, j]
        npos = yj.sum()
        bal = np.where(yj > 0, (len(yj) - npos) / max(npos, 1.0), 1.0).astype(np.float32) ** 0.5
        weights[j] = _fit(x[:, j], yj, global_w, _L2_LOCAL, bal) if npos else global_w
    pred = (np.einsum("tnf,nf->tn", x, weights) >= 0).astype(np.float32)
    tp = float((pred * y).sum())
    fit = {
        "examples": float(len(texts)),
        "precision": tp / max(float(pred.sum()), 1.0),
        "recall": tp / max(float(y.sum()), 1.0),
    }
    head = Head(comp.taxonomy.id, _fingerprint(comp.taxonomy), [n.id for n in nodes], weights, len(texts))
    return head, fit


def read_examples(path: str | Path, tax: Taxonomy) -> list[tuple[Document, set[str]]]:
    """JSONL examples -> (document, node ids incl. the parents of labelled sub-narratives)."""
    from undertow.evaluation.narratives import _fine_key
    from undertow.language.langid import get_identifier
    from undertow.records import Document

    ident = get_identifier(("en", "ru", "uk"))
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{i}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(where, f"not JSON: {exc.msg}") from exc
        text = rec.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(where, "needs a non-empty 'text'")
        ids: set[str] = set()
        for lab in rec.get("labels") or []:
            if lab == "Other":
                continue
            node = tax.resolve(lab)
            if node is None:
                key = _fine_key(tax, lab, where)
                node = tax.get(key.split(":")[0]) if key.endswith(":Other") else tax.get(key)
            if node is None:
                raise InputError(where, f"label {lab!r} is not in taxonomy {tax.id!r}")
            ids.add(node.id)
            if node.parent:
                ids.add(node.parent)
        lang = rec.get("lang") or rec.get("language") or ident.classify(text)[0] or "en"
        out.append((Document(source=where, text=text, language=lang), ids))
    return out


def examples_from_gold(
    docs_dir: str | Path, gold_path: str | Path, tax: Taxonomy
) -> list[tuple[Document, set[str]]]:
    """A documents folder and a labels.tsv (eval format) as training examples."""
    from undertow.evaluation.narratives import find_docs, load_gold, read_document
    from undertow.pipeline import Pipeline, PipelineOptions

    gold = load_gold(gold_path, tax)
    files = find_docs(Path(docs_dir))
    pipe = Pipeline(PipelineOptions(annotate=False, classify=False))
    out = []
    for doc_id, g in gold.items():
        if doc_id not in files:
            raise InputError(str(docs_dir), f"no document file for {doc_id!r}")
        doc = read_document(files[doc_id], pipe)
        ids = {x for x in g.coarse | g.fine if x != "Other" and not x.endswith(":Other")}
        out.append((doc, ids))
    return out


def save_head(head: Head, path: str | Path) -> Path:
    p = Path(path)
    p.write_text(json.dumps(head.to_json(), indent=1) + "\n", encoding="utf-8")
    return p
