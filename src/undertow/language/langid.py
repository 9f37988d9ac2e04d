"""Language identification per document and per paragraph.

py3langid (its model ships inside the wheel) restricted to the configured languages, plus a
Cyrillic letter rule that separates Russian from Ukrainian and Belarusian on short texts, where
the n-gram model confuses them most: ``ы э ё`` occur in Russian and Belarusian only,
``і ї є ґ`` only in Ukrainian (Belarusian has ``і ў``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from undertow.config import DEFAULT_LANGUAGES
from undertow.records import Paragraph

MIN_CHARS = 20  # shorter paragraphs inherit the document's language
SAMPLE_CHARS = 400  # a paragraph's language is read from its first characters (cost is linear)
MODEL_NAME = "py3langid"

_RU_ONLY = set("ыэё")  # not ъ: Bulgarian uses it too
_UK_ONLY = set("їєґ")
_UK_OR_BE = set("і")
_BE_ONLY = set("ў")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_CYR = re.compile(r"[\u0400-\u04ff]")


class LanguageIdentifier:
    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
        from py3langid.langid import MODEL_DIR, MODEL_FILE
        from py3langid.langid import LanguageIdentifier as _LI

        self._model = _LI.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
        supported = set(self._model.nb_classes)
        self.languages = [lang for lang in languages if lang in supported]
        self._model.set_languages(self.languages)

    def classify(self, text: str) -> tuple[str | None, float]:
        """The language of ``text`` and a confidence; ``(None, 0.0)`` when there are no letters."""
        letters = _LETTER.findall(text)
        if len(letters) < 3:
            return None, 0.0
        rule = self._cyrillic_rule(text, len(letters))
        if rule:
            return rule
        lang, prob = self._model.classify(text)
        return self._cyrillic_check(text, lang, float(prob))

    def _cyrillic_check(self, text: str, lang: str, prob: float) -> tuple[str, float]:
        """Short Russian texts without ы/э/ё are often taken for Bulgarian or Serbian: keep those
        answers only when the text has a letter of that language (ъ inside Bulgarian words; ј љ њ
        ћ ђ џ in Serbian and Macedonian; ә ғ қ ң ө ұ ү һ in Kazakh)."""
        own = {"bg": "ъ", "sr": "јљњћђџ", "mk": "ѓќѕјљњџ", "kk": "әғқңөұүһ"}.get(lang)
        if own is None or "ru" not in self.languages:
            return lang, prob
        low = text.lower()
        if any(c in low for c in own):
            return lang, prob
        return "ru", 0.6

    def _cyrillic_rule(self, text: str, n_letters: int) -> tuple[str, float] | None:
        cyr = _CYR.findall(text.lower())
        if len(cyr) < 0.5 * n_letters:
            return None
        chars = Counter(cyr)
        ru = sum(chars[c] for c in _RU_ONLY)
        uk = sum(chars[c] for c in _UK_ONLY)
        i = sum(chars[c] for c in _UK_OR_BE)
        be = sum(chars[c] for c in _BE_ONLY)
        if be and "be" in self.languages and uk == 0:
            return None  # Belarusian: let the model decide between be and ru
        if "uk" in self.languages and (uk or i) and ru == 0:
            return "uk", 0.99 if uk else 0.9
        if "ru" in self.languages and ru and uk == 0 and i == 0:
            return "ru", 0.99
        return None

    def paragraphs(self, text: str) -> tuple[str | None, list[Paragraph]]:
        """Document language and per-paragraph languages (paragraphs split on blank lines)."""
        paras: list[Paragraph] = []
        weights: Counter[str] = Counter()
        for start, end in paragraph_spans(text):
            chunk = text[start:end]
            lang: str | None = None
            if len(chunk) >= MIN_CHARS:
                lang, _ = self.classify(chunk[:SAMPLE_CHARS])
                if lang:
                    weights[lang] += end - start
            paras.append(Paragraph(start, end, lang))
        if weights:
            doc_lang = weights.most_common(1)[0][0]
        else:
            doc_lang, _ = self.classify(text[: SAMPLE_CHARS * 4])
        for p in paras:
            if p.language is None:
                p.language = doc_lang
        return doc_lang, paras


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs of ``text`` (separated by blank lines), stripped."""
    spans = []
    for m in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text):
        s, e = m.start(), m.end()
        chunk = text[s:e]
        lstrip = len(chunk) - len(chunk.lstrip())
        rstrip = len(chunk) - len(chunk.rstrip())
        if e - rstrip > s + lstrip:
            spans.append((s + lstrip, e - rstrip))
    return spans


@lru_cache(maxsize=4)
def get_identifier(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> LanguageIdentifier:
    """One identifier per process and language set (the model takes ~0.5 s to load)."""
    return LanguageIdentifier(languages)
