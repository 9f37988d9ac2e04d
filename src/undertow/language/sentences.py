"""Sentence spans for any of the supported languages (regex rules, no model).

Splits after . ! ? … before a capital, a quote or a dash, never after an abbreviation ("т.е.",
"г.", "Feb.") or an initial ("С."). pysbd and razdel both split wrongly after "4 февр." / "4 лют.";
these rules do not.
"""

from __future__ import annotations

import re

__all__ = ["sentence_spans", "slavic_sentences"]

_SENT_SPLIT = re.compile(r"(?<=[.!?…])[»”\"]?\s+(?=[«„“\"—–-]?\s*[A-ZА-ЯЁІЇЄҐ0-9])")
_ABBREV_END = re.compile(
    r"(?:\b(?:т\.е|т\.д|т\.п|г|гг|см|им|ул|млн|млрд|тыс|р|ст|н\.э|тис|грн|др|проф|Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sen|Rep|Gov|No|Feb|Jan|Aug|Sept|Oct|Nov|Dec)|\b[A-ZА-ЯЁІЇЄҐ])\.$"
)


def slavic_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans for Russian/Ukrainian (and any) text: split after . ! ? … before a capital,
    a quote or a dash, never after an abbreviation ("т.е.", "г.", "Feb.") or an initial ("С.")."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    s = start
    for m in _SENT_SPLIT.finditer(text, start, end):
        head = text[s : m.start()].rstrip('»”"')
        if _ABBREV_END.search(head[-12:]):
            continue
        out.append((s, m.start()))
        s = m.end()
    if s < end and text[s:end].strip():
        out.append((s, end))
    return [(a, b) for a, b in out if text[a:b].strip()]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]``, each also split at paragraph breaks."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in re.finditer(r"\n\s*\n|\n", text[start:end]):
        a, b = pos, start + m.start()
        if text[a:b].strip():
            out.extend(slavic_sentences(text, a, b))
        pos = start + m.end()
    if pos < end and text[pos:end].strip():
        out.extend(slavic_sentences(text, pos, end))
    return [_trim(text, a, b) for a, b in out]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
