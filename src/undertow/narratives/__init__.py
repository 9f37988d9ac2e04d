"""Classify: narratives (taxonomy.py, classify.py, train.py) and stances (stance.py) over one
shared sentence encoder (embed.py). Modules load their models lazily; import what you use."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from undertow.narratives.classify import NarrativeClassifier
    from undertow.narratives.stance import StanceClassifier
    from undertow.records import Document

__all__ = ["Classifier", "default_classifier"]


class Classifier:
    """The classify stage: narrative labels first (stances can follow from them), then stances."""

    def __init__(self, narratives: NarrativeClassifier, stances: StanceClassifier | None) -> None:
        self.narratives = narratives
        self.stances = stances

    def classify(self, doc: Document) -> None:
        from undertow.narratives import embed

        # statement contents are encoded once, for both classifiers
        texts = [st.content_text for st in doc.statements]
        x = embed.encode(texts) if texts else None
        if x is not None:
            for st, v in zip(doc.statements, x, strict=True):
                st.vector = v
        self.narratives.classify_document(doc, statement_vectors=x)
        if self.stances is not None:
            self.stances.classify(doc, statement_vectors=x)


@lru_cache(maxsize=4)
def _cached(taxonomies: tuple[str, ...]) -> Classifier:
    from undertow.narratives.classify import NarrativeClassifier
    from undertow.narratives.stance import StanceClassifier
    from undertow.narratives.taxonomy import load_taxonomies

    taxes = load_taxonomies(taxonomies)
    narratives = NarrativeClassifier(taxes)
    # one embedded background for both classifiers
    return Classifier(narratives, StanceClassifier(taxonomies=taxes, neutral=narratives.neutral))


def default_classifier(taxonomies: Sequence[str] = ()) -> Classifier:
    """One classifier per process and taxonomy set (the shipped ``war-rhetoric`` when none given)."""
    return _cached(tuple(str(t) for t in taxonomies))
