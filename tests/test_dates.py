"""Date expressions in EN/RU/UK news text, resolved against the publication date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from undertow.language.dates import KINDS, DateMention, find_dates, resolve_expression
from undertow.records import DateRange

THU = date(2026, 2, 5)  # the seed's publication date, a Thursday
MON = date(2026, 2, 9)
JAN5 = date(2026, 1, 5)
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SEED = SHARED / "seed" / "000_9c6035b3240adb3a.txt"

D = date.fromisoformat
Expected = tuple[str, str] | str | None

# (expression, published, expected): expected is one ISO day, a (start, end) pair, or None.
CASES: list[tuple[str, date | None, Expected]] = [
    # --- absolute, English
    ("February 4", THU, "2026-02-04"),
    ("Feb. 4", THU, "2026-02-04"),
    ("Feb 4", THU, "2026-02-04"),
    ("4 February", THU, "2026-02-04"),
    ("February 4, 2026", THU, "2026-02-04"),
    ("February 4 2026", THU, "2026-02-04"),
    ("2026-02-04", THU, "2026-02-04"),
    ("04.02.2026", THU, "2026-02-04"),
    ("on 4 February 2026", THU, "2026-02-04"),
    ("February 4th", THU, "2026-02-04"),
    ("the 4th of February", THU, "2026-02-04"),
    ("Wednesday, February 4", THU, "2026-02-04"),
    ("24 February 2022", THU, "2022-02-24"),
    ("Sept. 11", THU, "2025-09-11"),
    # --- the nearest-year rule: [-300, +60] days around the publication date
    ("February 10", THU, "2026-02-10"),
    ("December 30", JAN5, "2025-12-30"),
    ("January 3", date(2025, 12, 20), "2026-01-03"),
    ("March 20", THU, "2026-03-20"),
    ("June 1", THU, "2025-06-01"),
    ("May 9", THU, "2025-05-09"),
    ("April 10", THU, "2025-04-10"),  # in neither window: the most recent past one
    # --- absolute, Russian and Ukrainian
    ("4 февраля", THU, "2026-02-04"),
    ("4 февр.", THU, "2026-02-04"),
    ("4 лютого", THU, "2026-02-04"),
    ("4 лют.", THU, "2026-02-04"),
    ("24 февраля 2022 года", THU, "2022-02-24"),
    ("5 березня 2025 р.", THU, "2025-03-05"),
    ("30 декабря", JAN5, "2025-12-30"),
    ("30 грудня", JAN5, "2025-12-30"),
    ("04.02.26", THU, "2026-02-04"),
    # --- weekdays: a bare one is on or before the publication date
    ("on Thursday", THU, "2026-02-05"),
    ("on Wednesday", THU, "2026-02-04"),
    ("Wednesday", THU, "2026-02-04"),
    ("on Friday", THU, "2026-01-30"),
    ("Wednesday's talks", THU, "2026-02-04"),
    ("last Thursday", THU, "2026-01-29"),
    ("last Wednesday", THU, "2026-02-04"),
    ("this Friday", THU, "2026-02-06"),
    ("this Monday", THU, "2026-02-02"),
    ("next Monday", THU, "2026-02-09"),
    ("в среду", THU, "2026-02-04"),
    ("в четверг", THU, "2026-02-05"),
    ("в прошлую пятницу", THU, "2026-01-30"),
    ("в следующий понедельник", THU, "2026-02-09"),
    ("у середу", THU, "2026-02-04"),
    ("у середу", MON, "2026-02-04"),
    ("в четвер", THU, "2026-02-05"),
    ("у п'ятницю", THU, "2026-01-30"),
    ("у п’ятницю", THU, "2026-01-30"),
    ("минулої середи", THU, "2026-02-04"),
    ("у неділю", THU, "2026-02-01"),
    # --- relative
    ("today", THU, "2026-02-05"),
    ("yesterday", THU, "2026-02-04"),
    ("the day before", THU, "2026-02-04"),
    ("tomorrow", THU, "2026-02-06"),
    ("last week", THU, ("2026-01-26", "2026-02-01")),
    ("this week", THU, ("2026-02-02", "2026-02-08")),
    ("next week", THU, ("2026-02-09", "2026-02-15")),
    ("last month", THU, ("2026-01-01", "2026-01-31")),
    ("last month", JAN5, ("2025-12-01", "2025-12-31")),
    ("earlier this month", THU, ("2026-02-01", "2026-02-05")),
    ("earlier this week", THU, ("2026-02-02", "2026-02-05")),
    ("last year", THU, ("2025-01-01", "2025-12-31")),
    ("two days ago", THU, "2026-02-03"),
    ("3 days ago", THU, "2026-02-02"),
    ("a week ago", THU, "2026-01-29"),
    ("over the past 24 hours", THU, ("2026-02-04", "2026-02-05")),
    ("сегодня", THU, "2026-02-05"),
    ("вчера", THU, "2026-02-04"),
    ("позавчера", THU, "2026-02-03"),
    ("накануне", THU, "2026-02-04"),
    ("на прошлой неделе", THU, ("2026-01-26", "2026-02-01")),
    ("в прошлом месяце", THU, ("2026-01-01", "2026-01-31")),
    ("три дня назад", THU, "2026-02-02"),
    ("за последние сутки", THU, ("2026-02-04", "2026-02-05")),
    ("сьогодні", THU, "2026-02-05"),
    ("вчора", THU, "2026-02-04"),
    ("минулого тижня", THU, ("2026-01-26", "2026-02-01")),
    ("на цьому тижні", THU, ("2026-02-02", "2026-02-08")),
    ("два дні тому", THU, "2026-02-03"),
    ("торік", THU, ("2025-01-01", "2025-12-31")),
    # --- ranges and lists
    ("February 4–5", THU, ("2026-02-04", "2026-02-05")),
    ("February 4-5", THU, ("2026-02-04", "2026-02-05")),
    ("4–5 February", THU, ("2026-02-04", "2026-02-05")),
    ("February 2 and 3", THU, ("2026-02-02", "2026-02-03")),
    ("February 2, 3 and 4", THU, ("2026-02-02", "2026-02-04")),
    ("between February 2 and 4", THU, ("2026-02-02", "2026-02-04")),
    ("from February 2 to 4, 2026", None, ("2026-02-02", "2026-02-04")),
    ("December 30 – January 2", JAN5, ("2025-12-30", "2026-01-02")),
    ("2 и 3 февраля", THU, ("2026-02-02", "2026-02-03")),
    ("с 2 по 4 февраля", THU, ("2026-02-02", "2026-02-04")),
    ("28 февраля – 2 марта", date(2026, 3, 5), ("2026-02-28", "2026-03-02")),
    ("4–5 лютого", THU, ("2026-02-04", "2026-02-05")),
    ("з 2 по 4 лютого 2026 року", None, ("2026-02-02", "2026-02-04")),
    ("from Monday to Wednesday", THU, ("2026-02-02", "2026-02-04")),
    ("с понедельника по среду", THU, ("2026-02-02", "2026-02-04")),
    ("з понеділка по середу", THU, ("2026-02-02", "2026-02-04")),
    # --- months and years (coarse kinds)
    ("in February 2026", None, ("2026-02-01", "2026-02-28")),
    ("in December", THU, ("2025-12-01", "2025-12-31")),
    ("в феврале", THU, ("2026-02-01", "2026-02-28")),
    ("в 2022 году", None, ("2022-01-01", "2022-12-31")),
    ("in 2022", THU, ("2022-01-01", "2022-12-31")),
    ("in early 2025", THU, ("2025-01-01", "2025-12-31")),
    ("several weeks ago", THU, ("2025-12-25", "2026-01-22")),
    ("a few days ago", THU, ("2026-01-29", "2026-02-03")),
    ("неделю назад", THU, "2026-01-29"),
    # --- without a publication date only dated expressions resolve
    ("February 4, 2026", None, "2026-02-04"),
    ("2026-02-04", None, "2026-02-04"),
    ("4 лютого 2026 року", None, "2026-02-04"),
    ("February 4", None, None),
    ("4 февраля", None, None),
    ("on Thursday", None, None),
    ("у середу", None, None),
    ("yesterday", None, None),
    ("last week", None, None),
    ("три дня назад", None, None),
    # --- not dates
    ("Ukraine may stage a false flag attack", THU, None),
    ("May the talks succeed", THU, None),
    ("a march on Kyiv", THU, None),
    ("troops march 5 kilometres", THU, None),
    ("5 trillion", THU, None),
    ("2 and 3 rounds", THU, None),
    ("Article 5", THU, None),
    ("Article 5 of the treaty", THU, None),
    ("Russia Today (RT) reported", THU, None),
    ("the Sunday Times reported", THU, None),
    ("version 3.11.12", THU, None),
    ("February 30", THU, None),
    ("31.02.2026", THU, None),
    ("weeks ago", THU, None),
    ("February 29", THU, None),
]


def _expected(exp: Expected) -> DateRange | None:
    if exp is None:
        return None
    if isinstance(exp, str):
        return DateRange.day(D(exp))
    return DateRange(D(exp[0]), D(exp[1]))


@pytest.mark.parametrize(("expr", "published", "expected"), CASES, ids=[f"{c[0]}@{c[1]}" for c in CASES])
def test_resolve_expression(expr: str, published: date | None, expected: Expected) -> None:
    assert resolve_expression(expr, published) == _expected(expected)


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 60


def _only(text: str, published: date | None = THU) -> DateMention:
    mentions = find_dates(text, published)
    assert len(mentions) == 1, mentions
    return mentions[0]


@pytest.mark.parametrize(
    ("text", "span", "kind"),
    [
        ("The talks resumed on Thursday in Abu Dhabi.", "Thursday", "weekday"),
        ("Он заявил об этом в среду.", "в среду", "weekday"),
        ("On February 2 and 3, Russian officials began", "February 2 and 3", "list"),
        ("the February 4–5 negotiations", "February 4–5", "range"),
        ("between February 2 and 4 the talks", "between February 2 and 4", "range"),
        ("Lavrov said on 4 February 2026 that", "4 February 2026", "absolute"),
        ("Про це повідомили минулого тижня.", "минулого тижня", "relative"),
        ("Talks ran from Monday to Wednesday.", "from Monday to Wednesday", "range"),
        ("Россия в феврале 2026 года", "в феврале 2026 года", "month"),
        ("It began in 2022.", "in 2022", "year"),
    ],
)
def test_spans_and_kinds(text: str, span: str, kind: str) -> None:
    m = _only(text)
    assert m.text == span
    assert text[m.start : m.end] == span
    assert m.kind == kind
    assert 0.0 < m.confidence <= 1.0


def test_several_mentions_in_order() -> None:
    text = "Вчера, 4 февраля, Лавров заявил, что переговоры 2 и 3 февраля и в среду ничего не дали."
    got = [(m.text, m.range) for m in find_dates(text, THU, "ru")]
    assert got == [
        ("Вчера", DateRange.day(D("2026-02-04"))),
        ("4 февраля", DateRange.day(D("2026-02-04"))),
        ("2 и 3 февраля", DateRange(D("2026-02-02"), D("2026-02-03"))),
        ("в среду", DateRange.day(D("2026-02-04"))),
    ]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("The talks are expected to conclude on Thursday.", date(2026, 2, 4), "2026-02-05"),
        ("Talks will resume on Thursday.", THU, "2026-02-05"),
        ("The pause is due to expire on Saturday, he said.", date(2026, 2, 6), "2026-02-07"),
        ("Blackouts in four regions until at least Wednesday.", date(2026, 1, 12), "2026-01-14"),
        ("Переговоры состоятся в пятницу.", THU, "2026-02-06"),
        ("Зустріч відбудеться у середу.", THU, "2026-02-11"),
        ("They will meet again. He spoke on Monday.", THU, "2026-02-02"),  # cue in another sentence
    ],
)
def test_future_cue_moves_a_bare_weekday_forward(text: str, published: date, expected: str) -> None:
    assert _only(text, published).range == DateRange.day(D(expected))


def test_relative_confidence_is_lower_than_absolute() -> None:
    assert _only("the day before").confidence < _only("February 4, 2026").confidence
    assert _only("in 2022").confidence <= 0.5


def test_slash_dates_follow_the_language() -> None:
    assert resolve_expression("04/02/2026", None, "uk") == DateRange.day(D("2026-02-04"))
    assert resolve_expression("04/02/2026", None, "en") == DateRange.day(D("2026-04-02"))
    assert resolve_expression("25/02/2026", None, "en") == DateRange.day(D("2026-02-25"))


def test_mixed_text_with_apostrophes_and_possessives() -> None:
    text = "Lavrov’s February 4 interview and Wednesday’s meeting; the previous day’s talks."
    got = [(m.text, m.kind) for m in find_dates(text, THU)]
    assert got == [
        ("February 4", "absolute"),
        ("Wednesday", "weekday"),
        ("the previous day", "relative"),
    ]


# --- the seed article


@pytest.fixture
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip("../shared/seed is not beside the checkout")
    return SEED.read_text(encoding="utf-8")


def _sentence_with(text: str, needle: str) -> str:
    i = text.index(needle)
    start = max(text.rfind(". ", 0, i), text.rfind("\n", 0, i)) + 1
    end = text.find(".", i)
    return text[start : end + 1].strip()


def test_seed_interview_date(seed_text: str) -> None:
    sentence = _sentence_with(seed_text, "used a February 4 interview")
    m = _only(sentence)
    assert m.text == "February 4"
    assert m.range == DateRange.day(D("2026-02-04"))


def test_seed_february_2_and_3(seed_text: str) -> None:
    sentence = _sentence_with(seed_text, "On February 2 and 3")
    m = _only(sentence)
    assert m.text == "February 2 and 3"
    assert m.range == DateRange(D("2026-02-02"), D("2026-02-03"))


def test_seed_whole_article(seed_text: str) -> None:
    mentions = find_dates(seed_text, THU, "en")
    ranges = {m.text: m.range for m in mentions}
    assert ranges["February 4–5"] == DateRange(D("2026-02-04"), D("2026-02-05"))
    assert ranges["February 5"] == DateRange.day(THU)
    assert all(m.range.start.year == 2026 for m in mentions)
    assert not any(m.text.lower().startswith(("may", "today")) for m in mentions)  # "may represent", RT


# --- properties

FRAGMENTS = [
    "February 4", "4–5 лютого", "в среду", "у п'ятницю", "yesterday", " and ", " 2 ", "May", "march",
    "2026", "-", "–", ".", ",", " ", "Thursday", "last", "week", "ago", "три дня назад", "04.02.2026",
    "between", "from", "to", "и", "по", "с", "Article 5", "İ", "'s", "’", "\n",
]  # fmt: skip
texty = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=30).map("".join)
published = st.one_of(st.none(), st.dates())


def _check(text: str, mentions: list[DateMention]) -> None:
    prev_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= prev_end  # sorted and non-overlapping
        prev_end = m.end
        assert text[m.start : m.end] == m.text
        assert m.range.start <= m.range.end
        assert m.kind in KINDS
        assert 0.0 <= m.confidence <= 1.0


@settings(max_examples=300, deadline=None)
@given(text=st.text(), pub=published, lang=st.sampled_from(["en", "ru", "uk", "de"]))
def test_never_raises_on_arbitrary_text(text: str, pub: date | None, lang: str) -> None:
    _check(text, find_dates(text, pub, lang))


@settings(max_examples=300, deadline=None)
@given(text=texty, pub=published)
def test_properties_on_date_like_text(text: str, pub: date | None) -> None:
    mentions = find_dates(text, pub)
    _check(text, mentions)
    if pub is None:
        assert all(m.kind in {"absolute", "range", "list", "month", "year"} for m in mentions)


def test_weekday_of_a_past_reporting_verb_after_a_future_quote() -> None:
    from datetime import date

    from undertow.language.dates import find_dates

    (m,) = find_dates(
        "“There will be no agreement behind our back,” the minister said on Sunday.", date(2026, 1, 20)
    )
    assert m.range.start == date(2026, 1, 18)
    (m,) = find_dates("The talks will resume on Thursday.", date(2026, 2, 4))
    assert m.range.start == date(2026, 2, 5)


def test_cyrillic_from_day_month_does_not_crash() -> None:
    """'с 4 февраля' / 'з 4 лютого': the Cyrillic pattern has a 'from' prefix but no weekday group."""
    import datetime as _dt

    from undertow.language.dates import find_dates as _find

    for text, lang in (
        ("Переговоры продолжатся с 4 февраля.", "ru"),
        ("Переговори тривають з 4 лютого.", "uk"),
    ):
        found = _find(text, _dt.date(2026, 2, 5), lang)
        assert [m.range.start for m in found] == [_dt.date(2026, 2, 4)]
