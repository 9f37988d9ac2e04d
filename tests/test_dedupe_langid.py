from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from undertow.ingest.dedupe import BANDS, MIN_WORDS, fingerprint, is_duplicate
from undertow.language.langid import get_identifier, paragraph_spans

BASE = " ".join(
    f"Sentence number {i} reports that delegations met in Abu Dhabi to discuss the ceasefire terms."
    for i in range(12)
)


def test_near_duplicate_with_boilerplate_changes() -> None:
    a = fingerprint(BASE)
    b = fingerprint("This story first appeared on TASS. " + BASE + " Share on Telegram. Subscribe now.")
    assert is_duplicate(a, b)
    assert set(a.bands) & set(b.bands)


def test_different_texts_are_not_duplicates() -> None:
    other = " ".join(
        f"Line {i}: the football club signed a new striker for the winter season." for i in range(12)
    )
    assert not is_duplicate(fingerprint(BASE), fingerprint(other))


def test_short_texts_fold_only_exactly() -> None:
    fp = fingerprint("A short wire item of a few words.")
    assert fp.bands == () and fp.words < MIN_WORDS
    assert len(fingerprint(BASE).bands) == BANDS


@given(st.text(min_size=0, max_size=300))
def test_fingerprint_is_deterministic(text: str) -> None:
    a, b = fingerprint(text), fingerprint(text)
    assert a == b and a.jaccard(b) == 1.0


def test_languages() -> None:
    li = get_identifier()
    assert li.classify("The foreign minister said the talks were constructive and useful.")[0] == "en"
    assert li.classify("Министр иностранных дел заявил, что переговоры были конструктивными.")[0] == "ru"
    assert li.classify("Міністр закордонних справ заявив, що переговори були конструктивними.")[0] == "uk"
    assert li.classify("Der Außenminister sagte, die Gespräche seien konstruktiv gewesen.")[0] == "de"
    # short Cyrillic strings, where n-gram models confuse Russian and Ukrainian
    assert li.classify("Зеленський заявив у середу")[0] == "uk"
    assert li.classify("Путин объявил это вчера")[0] == "ru"
    assert li.classify("12 34 !!")[0] is None


def test_paragraph_languages() -> None:
    text = (
        "The minister said the talks in Abu Dhabi were constructive.\n\n"
        "Министр заявил, что переговоры в Абу-Даби были конструктивными.\n\n"
        "Ok."
    )
    lang, paras = get_identifier().paragraphs(text)
    assert [p.language for p in paras] == ["en", "ru", lang]
    assert [text[p.start : p.end] for p in paras][-1] == "Ok."


@given(st.text(alphabet=st.sampled_from(list("ab \n\t.Жї")), max_size=200))
def test_paragraph_spans_are_ordered_and_inside(text: str) -> None:
    prev = 0
    for s, e in paragraph_spans(text):
        assert prev <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        prev = e


@given(st.text(alphabet=st.sampled_from(list("ab \n\t\r\xa0.Ж")), max_size=200))
def test_paragraph_spans_are_the_runs_between_blank_lines(text: str) -> None:
    """The same spans as the definition: maximal runs of characters in which no newline is
    followed by a blank line, stripped, empty ones dropped."""
    expected = []
    for m in re.finditer(r"(?:[^\n]|\n(?![ \t]*\n))+", text):
        chunk = m.group()
        if chunk.strip():
            expected.append(
                (m.start() + len(chunk) - len(chunk.lstrip()), m.end() - len(chunk) + len(chunk.rstrip()))
            )
    assert paragraph_spans(text) == expected


def test_paragraphs_the_model_is_unsure_of_take_the_documents_language() -> None:
    """A product name or a line of code between English paragraphs is not given a language of
    its own (fastText rates such lines low for every language), and does not vote."""
    text = (
        "The foreign minister said the talks in Geneva were constructive and would resume soon.\n\n"
        "- Design: Flip-out LCD, mic input, no EVF\n\n"
        "Officials in Kyiv said the delegations had agreed on the order of the next meetings."
    )
    lang, paras = get_identifier().paragraphs(text)
    assert lang == "en" and [p.language for p in paras] == ["en", "en", "en"]
    assert get_identifier().classify("- Design: Flip-out LCD, mic input, no EVF")[1] < 0.5  # best: French
