"""Score document-level narrative labels as SemEval-2025 Task 10 (subtask 2) does.

Gold file: one line per document, ``doc_id<TAB>narr1;narr2<TAB>narr1: sub1;narr2: sub2``; ``Other``
where a document has no narrative. Label strings are resolved against the taxonomy by id or label
(case and punctuation ignored, an optional "URW: "-style domain prefix allowed); a fine label
``narr: Other`` means "narrative present, no listed sub-narrative fits". A prediction with no
narrative is ``Other`` at both levels; a predicted narrative without a sub-narrative is
``narr: Other``. The score is samples-averaged F1 (per-document F1 of the label sets, averaged),
as sklearn's ``f1_score(average="samples")`` computes it on the binarised labels.

Documents are read from ``--docs DIR`` (recursively; the id is the file name without extension),
run through extract -> language -> classify (no statement extraction unless asked) and scored
overall and per language.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from undertow.errors import InputError
from undertow.narratives.taxonomy import Taxonomy, _norm, _strip_domain, short_label
from undertow.records import Document, NarrativeLabel

if TYPE_CHECKING:
    from undertow.pipeline import Pipeline

__all__ = ["Gold", "load_gold", "predicted_sets", "samples_f1"]

OTHER = "Other"


@dataclass(frozen=True)
class Gold:
    coarse: frozenset[str]  # node ids, or {"Other"}
    fine: frozenset[str]  # sub-narrative ids or "<narrative id>:Other", or {"Other"}


def _fine_key(tax: Taxonomy, label: str, source: str) -> str:
    """``narr: sub`` -> the sub-narrative id, or ``narr-id:Other``."""
    best = None
    for key in {_norm(label), _norm(_strip_domain(label))}:
        for n in tax.narratives:
            for form in {_norm(n.label), _norm(_strip_domain(n.label)), _norm(n.id)}:
                if form and key.startswith(form + " ") and (best is None or len(form) > len(best[1])):
                    best = (n, form, key)
    if best is None:
        node = tax.resolve(label)
        if node is not None and node.parent is not None:
            return node.id
        raise InputError(source, f"fine label {label!r} names no narrative of taxonomy {tax.id!r}")
    narr, form, key = best
    rest = key[len(form) :].strip()
    if rest == "other":
        return f"{narr.id}:Other"
    for c in tax.children(narr.id):
        if rest in (_norm(c.label), _norm(c.id), _norm(short_label(c, tax))):
            return f"{narr.id}:Other" if c.is_other else c.id
    raise InputError(source, f"fine label {label!r}: {rest!r} is not a sub-narrative of {narr.label!r}")


def load_gold(path: str | Path, tax: Taxonomy) -> dict[str, Gold]:
    out: dict[str, Gold] = {}
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        where = f"{path}:{i}"
        if len(parts) != 3:
            raise InputError(where, f"expected 3 tab-separated columns, got {len(parts)}")
        doc_id, coarse_s, fine_s = (p.strip() for p in parts)
        coarse: set[str] = set()
        for lab in filter(None, (x.strip() for x in coarse_s.split(";"))):
            if lab == OTHER:
                continue
            node = tax.resolve(lab)
            if node is None or node.parent is not None:
                raise InputError(where, f"{lab!r} is not a narrative of taxonomy {tax.id!r}")
            coarse.add(node.id)
        fine = {
            _fine_key(tax, lab, where)
            for lab in filter(None, (x.strip() for x in fine_s.split(";")))
            if lab != OTHER
        }
        out[doc_id] = Gold(frozenset(coarse or {OTHER}), frozenset(fine or {OTHER}))
    return out


def predicted_sets(labels: Iterable[NarrativeLabel], tax: Taxonomy) -> Gold:
    coarse = {n.id for n in labels if n.taxonomy == tax.id and n.parent is None}
    fine: set[str] = set()
    for n in labels:
        if n.taxonomy != tax.id or n.parent is None:
            continue
        node = tax.get(n.id)
        fine.add(f"{n.parent}:Other" if node is not None and node.is_other else n.id)
    for c in coarse:
        has_sub = any(tax.get(f) is not None and tax[f].parent == c for f in fine if ":" not in f)
        if not has_sub and f"{c}:Other" not in fine:
            fine.add(f"{c}:Other")
    return Gold(frozenset(coarse or {OTHER}), frozenset(fine or {OTHER}))


def samples_f1(gold: Sequence[frozenset[str]], pred: Sequence[frozenset[str]]) -> float:
    if not gold:
        return 0.0
    total = 0.0
    for g, p in zip(gold, pred, strict=True):
        inter = len(g & p)
        total += 2 * inter / (len(g) + len(p)) if (g or p) else 1.0
    return total / len(gold)


@dataclass
class Result:
    doc_id: str
    language: str
    gold: Gold
    pred: Gold


def find_docs(root: Path) -> dict[str, Path]:
    exts = {".txt", ".html", ".htm", ".gz", ".md"}
    out: dict[str, Path] = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix.lower() in exts and p.name.lower() != "readme.md":
            stem = p.name.split(".")[0]
            out[stem] = p
    return out


def read_document(path: Path, pipeline: Pipeline) -> Document:
    """One document file through ``pipeline`` (extract, language, and whatever stages it runs)."""
    from undertow.ingest.sources import Sources

    items = list(Sources().items([str(path)]))
    if not items:
        raise InputError(str(path), "no document")
    if isinstance(items[0], InputError):
        raise items[0]
    return pipeline.document(items[0])


def evaluate(
    tax: Taxonomy,
    docs_dir: str | Path,
    gold_path: str | Path,
    classifier: object | None = None,
    limit: int | None = None,
) -> tuple[list[Result], float]:
    from undertow.narratives.classify import NarrativeClassifier
    from undertow.pipeline import Pipeline, PipelineOptions

    gold = load_gold(gold_path, tax)
    files = find_docs(Path(docs_dir))
    missing = [d for d in gold if d not in files]
    if missing:
        raise InputError(str(docs_dir), f"no document file for gold id(s) {', '.join(missing[:5])}")
    clf = classifier if classifier is not None else NarrativeClassifier([tax])
    assert isinstance(clf, NarrativeClassifier)
    pipe = Pipeline(PipelineOptions(annotate=False, classify=False))
    results: list[Result] = []
    ids = list(gold)[:limit] if limit else list(gold)
    t0 = time.perf_counter()
    for doc_id in ids:
        doc = read_document(files[doc_id], pipe)
        clf.classify_document(doc)
        results.append(Result(doc_id, doc.language or "?", gold[doc_id], predicted_sets(doc.narratives, tax)))
    return results, time.perf_counter() - t0


def report(results: list[Result]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups["all"].append(r)
        groups[r.language].append(r)
    out = {}
    for name, rs in groups.items():
        out[name] = {
            "docs": float(len(rs)),
            "coarse_f1": samples_f1([r.gold.coarse for r in rs], [r.pred.coarse for r in rs]),
            "fine_f1": samples_f1([r.gold.fine for r in rs], [r.pred.fine for r in rs]),
        }
    return out


def format_report(rep: dict[str, dict[str, float]], seconds: float, n: int) -> str:
    lines = [f"{'set':<6} {'docs':>5} {'coarse F1':>10} {'fine F1':>8}"]
    for name in ["all", *sorted(k for k in rep if k != "all")]:
        r = rep[name]
        lines.append(f"{name:<6} {int(r['docs']):>5} {r['coarse_f1']:>10.3f} {r['fine_f1']:>8.3f}")
    lines.append(f"{n} documents in {seconds:.1f} s ({n / max(seconds, 1e-9):.1f} docs/s)")
    return "\n".join(lines)


def label_counts(results: list[Result]) -> dict[str, tuple[int, int, int]]:
    """Per coarse label: (true positives, false positives, false negatives)."""
    c: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in results:
        for lab in r.gold.coarse | r.pred.coarse:
            if lab in r.gold.coarse and lab in r.pred.coarse:
                c[lab][0] += 1
            elif lab in r.pred.coarse:
                c[lab][1] += 1
            else:
                c[lab][2] += 1
    return {k: (v[0], v[1], v[2]) for k, v in c.items()}
