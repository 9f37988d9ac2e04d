"""``undertow train``: adapt a taxonomy's thresholds to a team's labelled examples.

Zero-shot scores rank well, but where each label's threshold lies is specific to a team and its
material. The head is one threshold offset per node, in [-1.5, +2], found by coordinate ascent on
the samples-F1 (coarse + fine) of the full decision over the examples (narratives, margins,
sub-narratives, "Other"), after one global shift, with a shrinkage penalty so a rarely seen node
barely moves. (Adding each labelled text's best sentence as an extra example was tried and left
out: it helped English and Russian and hurt Ukrainian on the dev set.)

The head is JSON beside the taxonomy (``mine.yaml`` -> ``mine.head.json``) or ``--out``; it is
refused, with a message, when the taxonomy's node ids have changed since training.

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
from undertow.knowledge.loader import read_jsonl
from undertow.narratives.taxonomy import Taxonomy

if TYPE_CHECKING:
    from undertow.narratives.classify import NarrativeClassifier
    from undertow.records import Document

__all__ = ["Head", "fit_head", "head_path", "load_head"]

_OFFSETS = np.arange(-1.5, 2.01, 0.25)
_SHRINK = 0.05  # samples-F1 (coarse + fine) given up per unit of offset, per text


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
    offsets: dict[str, float]  # node id -> threshold offset
    examples: int = 0

    def offset_vector(self, node_ids: Sequence[str]) -> np.ndarray:
        return np.asarray([self.offsets.get(n, 0.0) for n in node_ids], dtype=np.float32)

    def to_json(self) -> dict[str, Any]:
        return {
            "taxonomy": self.taxonomy,
            "fingerprint": self.fingerprint,
            "examples": self.examples,
            "offsets": {k: round(v, 3) for k, v in self.offsets.items()},
        }


def load_head(tax: Taxonomy, path: str | Path | None = None) -> Head | None:
    p = Path(path) if path else head_path(tax)
    if p is None or not p.is_file():
        return None
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
        head = Head(
            taxonomy=str(raw["taxonomy"]),
            fingerprint=str(raw["fingerprint"]),
            offsets={str(k): float(v) for k, v in raw["offsets"].items()},
            examples=int(raw.get("examples", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataFileError(str(p), f"not a trained head: {exc}") from exc
    if head.fingerprint != _fingerprint(tax):
        raise DataFileError(
            str(p), f"trained for another version of taxonomy {tax.id!r}: run undertow train again"
        )
    return head


def fit_head(
    clf: NarrativeClassifier, tax_index: int, texts: Sequence[tuple[Document, set[str]]]
) -> tuple[Head, dict[str, float]]:
    """Fit on (document, gold node ids) pairs. ``clf`` must be built without a head for this
    taxonomy; returns the head and its fit on the examples (precision, recall)."""
    if not texts:
        raise InputError("examples", "no labelled examples")
    comp = clf.compiled[tax_index]
    tax = comp.taxonomy
    ids = [n.id for n in comp.nodes]
    if not any(g & set(ids) for _, g in texts):
        raise InputError("examples", "no example carries any label of this taxonomy")
    # threshold offsets by coordinate ascent on the samples-F1 of the full decision, shrunk to 0
    from undertow.evaluation.narratives import predicted_sets, samples_f1

    head = Head(tax.id, _fingerprint(tax), {}, len(texts))
    doc_scores = [clf.document_scores(d)[tax_index] for d, _ in texts]
    golds = [predicted_sets(_as_labels(tax, g), tax) for _, g in texts]
    saved = clf.heads.get(tax.id)

    def objective(offsets: dict[str, float]) -> float:
        head.offsets = offsets
        clf.heads[tax.id] = head
        preds = [predicted_sets(clf._decide(comp, s), tax) for s in doc_scores]
        f = samples_f1([g.coarse for g in golds], [p.coarse for p in preds])
        f += samples_f1([g.fine for g in golds], [p.fine for p in preds])
        return f - _SHRINK * sum(abs(v) for v in offsets.values()) / len(texts)

    try:
        offsets = {nid: 0.0 for nid in ids}
        best = objective(offsets)
        for o in _OFFSETS:  # one global shift first
            cand = {nid: float(o) for nid in ids}
            val = objective(cand)
            if val > best + 1e-9:
                best, offsets = val, cand
        for _ in range(2):  # then each node on its own
            for nid in ids:
                for o in _OFFSETS:
                    cand = dict(offsets)
                    cand[nid] = float(o)
                    val = objective(cand)
                    if val > best + 1e-9:
                        best, offsets = val, cand
    finally:
        if saved is None:
            clf.heads.pop(tax.id, None)
        else:
            clf.heads[tax.id] = saved
    head.offsets = {k: v for k, v in offsets.items() if v}
    clf.heads[tax.id] = head
    preds = [predicted_sets(clf._decide(comp, s), tax) for s in doc_scores]
    if saved is None:
        clf.heads.pop(tax.id, None)
    fit = {
        "coarse_f1": samples_f1([g.coarse for g in golds], [p.coarse for p in preds]),
        "fine_f1": samples_f1([g.fine for g in golds], [p.fine for p in preds]),
    }
    return head, fit


def _as_labels(tax: Taxonomy, ids: set[str]) -> list[Any]:
    from undertow.records import NarrativeLabel

    out = []
    for nid in ids:
        n = tax.get(nid)
        if n is not None:
            out.append(NarrativeLabel(n.id, n.label, tax.id, n.parent))
    return out


def read_examples(path: str | Path, tax: Taxonomy) -> list[tuple[Document, set[str]]]:
    """JSONL examples -> (document, node ids incl. the parents of labelled sub-narratives)."""
    from undertow.evaluation.narratives import _fine_key
    from undertow.language.langid import get_identifier
    from undertow.records import Document

    ident = get_identifier(("en", "ru", "uk"))
    out = []
    for where, rec in read_jsonl(path):
        if not isinstance(rec, dict):
            raise InputError(where, "expected a JSON object")
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
