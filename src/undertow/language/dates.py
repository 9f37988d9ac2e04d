"""Date expressions in news text (English, Russian, Ukrainian), resolved against the publication date.

Own rules, no dateparser: a handful of regexes compiled once, month and weekday tables, and the
resolution rules that news needs and general-purpose parsers get wrong:

* **Nearest year.** A day and month without a year go into the year that puts them closest to
  the publication date within ``[-300, +60]`` days of it (news reports the past and the near
  future): "February 10" published 2026-02-05 is 2026-02-10; "December 30" published 2026-01-05
  is 2025-12-30. When no year falls in that window (a few days a year), the most recent past one.
* **Weekdays.** A bare weekday ("on Thursday", "в среду", "у середу") is the most recent such day
  *on or before* the publication date, so "Thursday" in a Thursday article is that same day.
  "last/past/previous X" is strictly before, "next/coming X" strictly after, "this X" is in the
  publication date's Monday-Sunday week.
* **Relative.** "yesterday", "last week" (Monday-Sunday of the previous week), "earlier this
  month" (the 1st to the publication date), "two days ago", "вчера", "минулого тижня", ...
* **Ranges and lists.** "February 4-5", "4–5 лютого", "between February 2 and 4", "from Monday
  to Wednesday" are ranges; "February 2 and 3", "2 и 3 февраля" are lists, reported as the range
  from the first to the last day.

Without a publication date only expressions that carry their own year resolve; relative,
weekday and year-less ones give nothing (the current date is never used).

Spans: ``text[start:end]``. English spans leave out a leading "on"; Russian and Ukrainian weekday
spans keep their preposition ("в среду"), since the case form belongs to it. A leading
"between"/"from"/"с"/"з" is part of a range's span.

Kinds: ``absolute`` (one day named by date), ``range``, ``list``, ``weekday``, ``relative``, and two
coarse ones consumers may ignore: ``month`` ("in February 2026", "в феврале") and ``year``
("in 2022", "в 2022 году"; low confidence).
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

from undertow.records import DateRange

__all__ = ["KINDS", "DateMention", "find_dates", "resolve_expression"]

KINDS = ("absolute", "weekday", "relative", "range", "list", "month", "year")


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int  # character span of the expression in the text, end exclusive
    text: str
    range: DateRange  # the resolved day (start == end) or range
    kind: str  # one of KINDS
    confidence: float


# --------------------------------------------------------------------------- tables

_EN_MONTH_FULL = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_EN_MONTH_ABBR = {
    "jan": 1, "feb": 2, "febr": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sept": 9, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# English month words that are also common lower-case words: accepted only capitalised.
_EN_AMBIGUOUS = {"may", "march", "mar"}

_RU_MONTH_GEN = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7,
    "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}  # fmt: skip
_RU_MONTH_ABBR = {
    "янв": 1, "февр": 2, "фев": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8,
    "сент": 9, "сен": 9, "окт": 10, "нояб": 11, "ноя": 11, "дек": 12,
}  # fmt: skip
_UK_MONTH_GEN = {
    "січня": 1, "лютого": 2, "березня": 3, "квітня": 4, "травня": 5, "червня": 6, "липня": 7,
    "серпня": 8, "вересня": 9, "жовтня": 10, "листопада": 11, "грудня": 12,
}  # fmt: skip
_UK_MONTH_ABBR = {
    "січ": 1, "лют": 2, "бер": 3, "квіт": 4, "трав": 5, "черв": 6, "лип": 7, "серп": 8,
    "вер": 9, "жовт": 10, "лист": 11, "груд": 12,
}  # fmt: skip
# "в феврале", "у лютому": the month as a whole
_CY_MONTH_LOC = {
    "январе": 1, "феврале": 2, "марте": 3, "апреле": 4, "мае": 5, "июне": 6, "июле": 7,
    "августе": 8, "сентябре": 9, "октябре": 10, "ноябре": 11, "декабре": 12,
    "січні": 1, "лютому": 2, "березні": 3, "квітні": 4, "травні": 5, "червні": 6, "липні": 7,
    "серпні": 8, "вересні": 9, "жовтні": 10, "листопаді": 11, "грудні": 12,
}  # fmt: skip

_MONTHS: dict[str, int] = {
    **_EN_MONTH_FULL, **_EN_MONTH_ABBR, **_RU_MONTH_GEN, **_RU_MONTH_ABBR,
    **_UK_MONTH_GEN, **_UK_MONTH_ABBR, **_CY_MONTH_LOC,
}  # fmt: skip

# Month names for other modules (extraction reads datelines with them): name -> month number.
EN_MONTHS = _EN_MONTH_FULL
EN_MONTH_ABBREVIATIONS = _EN_MONTH_ABBR
RU_MONTHS_GENITIVE = _RU_MONTH_GEN
RU_MONTH_ABBREVIATIONS = _RU_MONTH_ABBR
UK_MONTHS_GENITIVE = _UK_MONTH_GEN
UK_MONTH_ABBREVIATIONS = _UK_MONTH_ABBR

_EN_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
# accusative after в/у ("в среду", "у середу") and genitive ("с понедельника", "минулої середи")
_CY_WEEKDAY_ACC = {
    "понедельник": 0, "вторник": 1, "среду": 2, "четверг": 3, "пятницу": 4, "субботу": 5,
    "воскресенье": 6,
    "понеділок": 0, "вівторок": 1, "середу": 2, "четвер": 3, "п'ятницю": 4, "суботу": 5, "неділю": 6,
}  # fmt: skip
_CY_WEEKDAY_GEN = {
    "понедельника": 0, "вторника": 1, "среды": 2, "четверга": 3, "пятницы": 4, "субботы": 5,
    "воскресенья": 6,
    "понеділка": 0, "вівторка": 1, "середи": 2, "четверу": 3, "п'ятниці": 4,
    "суботи": 5, "неділі": 6,
}  # fmt: skip
_WEEKDAYS: dict[str, int] = {**_EN_WEEKDAYS, **_CY_WEEKDAY_ACC, **_CY_WEEKDAY_GEN}

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "один": 1, "одну": 1, "одна": 1, "два": 2, "две": 2, "дві": 2, "три": 3, "четыре": 4,
    "чотири": 4, "пять": 5, "п'ять": 5, "шесть": 6, "шість": 6, "семь": 7, "сім": 7,
    "восемь": 8, "вісім": 8, "девять": 9, "дев'ять": 9, "десять": 10,
}  # fmt: skip
_VAGUE_NUMBERS = {"a few", "few", "several", "a couple of", "несколько", "кілька", "декілька"}


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, apostrophes matching any apostrophe."""
    items = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(w).replace("'", "['’ʼ]") for w in items)


_AP = "['’ʼ]"


@lru_cache(maxsize=4096)
def _norm(token: str) -> str:
    return " ".join(token.replace("’", "'").replace("ʼ", "'").casefold().rstrip(".").split())


# --------------------------------------------------------------------------- regex pieces

_YEAR = r"(?:19|20)\d\d(?!\d)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?!\d)"
_ORD = r"(?:st|nd|rd|th)?\b"
# after a day number: not a quantity ("5 trillion", "2 and 3 rounds", "4.5", "10:30")
_NOT_QTY = (
    r"(?![.,:]\d|\s*(?:%|per\s?cent\b|percent|million|mln|billion|bn\b|trillion|thousand|hundred|"
    r"km\b|kilomet|miles?\b|people|persons?\b|rounds?\b|times\b|years?\b|months?\b|weeks?\b|days?\b|"
    r"hours?\b|minutes?\b|troops|soldiers|drones?\b|missiles?\b|points?\b|тыс|млн|млрд|трлн|"
    r"тис|процент|відсот|человек|людей|раз\b|разів|лет\b|років|дней|днів))"
)
_EN_MON = rf"(?:(?:{_alt(_EN_MONTH_FULL)})\b|(?:{_alt(_EN_MONTH_ABBR)})\b\.?)"
_EN_MON_FULL = rf"(?:{_alt(_EN_MONTH_FULL)})\b"
_CY_MON = (
    rf"(?:(?:{_alt([*_RU_MONTH_GEN, *_UK_MONTH_GEN])})\b|(?:{_alt([*_RU_MONTH_ABBR, *_UK_MONTH_ABBR])})\.)"
)
_EN_WD = rf"(?:{_alt(_EN_WEEKDAYS)})\b"
_EN_DAY = rf"{_DAY}{_ORD}"
_EN_CONN = r"(?P<conn>\s*[-–—‒]\s*|\s+(?:to|through|thru|until|till)\s+|,?\s+(?:and|&)\s+)"
_CY_CONN = r"(?P<conn>\s*[-–—‒]\s*|\s+(?:по|до)\s+|,?\s+(?:и|і|й|та)\s+)"
_CY_ORD = r"(?:-?(?:го|е|ого)\b)?"  # "4-го февраля"
_LIST_CONN = {"and", "&", "и", "і", "й", "та"}
_CY_YEAR_WORD = r"(?:\s*(?:года|году|г\.|г\b|року|році|р\.|р\b))?"

_F = re.IGNORECASE

_RE_EN_MONTH_FIRST = re.compile(
    rf"(?:\b(?P<pre>between|from)\s+)?(?:\b(?P<wd>{_EN_WD}),?\s+)?"
    rf"\b(?P<m1>{_EN_MON})(?:\s+|(?<=\.))(?P<d1>{_DAY}){_ORD}"
    rf"(?:(?P<mid>(?:\s*,\s*{_EN_DAY})*){_EN_CONN}(?:(?P<m2>{_EN_MON})\s*)?(?P<d2>{_DAY}){_ORD})?"
    rf"{_NOT_QTY}(?:,?\s+(?P<y>{_YEAR}))?",
    _F,
)
_RE_EN_DAY_FIRST = re.compile(
    rf"(?:\b(?P<pre>between|from)\s+)?(?:\b(?P<wd>{_EN_WD}),?\s+)?"
    rf"(?<![\w.,:/-])(?P<d1>{_DAY}){_ORD}(?:\s+(?:of\s+)?(?P<m1>{_EN_MON}))?"
    rf"(?:(?P<mid>(?:\s*,\s*{_EN_DAY})*){_EN_CONN}(?P<d2>{_DAY}){_ORD})?"
    rf"\s+(?:of\s+)?(?P<m2>{_EN_MON})(?:,?\s+(?P<y>{_YEAR}))?",
    _F,
)
_RE_CY_DAY_FIRST = re.compile(
    rf"(?:\b(?P<pre>с|со|з|із|зі|від)\s+)?"
    rf"(?<![\w.,:/-])(?P<d1>{_DAY}){_CY_ORD}(?:\s+(?P<m1>{_CY_MON}))?"
    rf"(?:(?P<mid>(?:\s*,\s*{_DAY}{_CY_ORD})*){_CY_CONN}(?P<d2>{_DAY}){_CY_ORD})?"
    rf"\s+(?P<m2>{_CY_MON})(?:\s+(?P<y>{_YEAR}){_CY_YEAR_WORD})?",
    _F,
)
_RE_ISO = re.compile(
    r"(?<![\d./-])(?P<y>(?:19|20)\d\d)(?P<sep>[-/.])(?P<m>0[1-9]|1[0-2])(?P=sep)(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?!\d|[./-]\d)"
)
_RE_NUMERIC = re.compile(
    r"(?<![\d.,/-])(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d\d|\d\d)(?!\d|[.,/]\d)"
)
_RE_EN_MONTH = re.compile(
    rf"(?:\b(?P<prep>in|since|by|until|till|through|throughout|during|early|late|mid|from|before|after)"
    rf"[\s-]+)?\b(?P<m>{_EN_MON_FULL})(?:,?\s+(?P<y>{_YEAR}))?(?!\.?\s*\d)",
    _F,
)
_RE_CY_MONTH = re.compile(
    rf"(?:\b(?:в|во|у)\s+(?P<m>{_alt(_CY_MONTH_LOC)})\b(?:\s+(?P<y>{_YEAR}){_CY_YEAR_WORD})?"
    rf"|\b(?P<mg>{_alt([*_RU_MONTH_GEN, *_UK_MONTH_GEN])})\s+(?P<yg>{_YEAR}){_CY_YEAR_WORD})",
    _F,
)
_RE_YEAR = re.compile(
    rf"\b(?:in|since|by|until|during|throughout|before|after)\s+(?:(?:early|late|mid)[\s-]+)?"
    rf"(?P<y>{_YEAR})\b(?![.,]\d|\s*%)"
    rf"|\b(?:в|во|с|со|до|к|у|з|із|від)\s+(?P<yc>{_YEAR})\s*(?:году|года|г\.|г\b|році|року|р\.|р\b)",
    _F,
)
_EN_WD_MOD = r"this\s+past|this\s+coming|last|this|next|past|previous|coming"
_NOT_PAPER = r"(?!\s+(?:Times|Telegraph|Express|Mirror|Post|Herald|Independent|Mail|Observer|Star|Sport)\b)"
_RE_EN_WEEKDAY = re.compile(
    rf"(?:\b(?P<mod>{_EN_WD_MOD})\s+)?\b(?P<wd>{_EN_WD}){_NOT_PAPER}",
    _F,
)
_CY_WD_MOD = (
    r"прошл\w*|минувш\w*|предыдущ\w*|следующ\w*|ближайш\w*|будущ\w*|эт(?:от|у|о)|нынешн\w*|"
    r"минул\w*|попередн\w*|наступн\w*|найближч\w*|майбутн\w*|ц(?:ей|ю|е|ього|ієї|ій)"
)
_RE_CY_WEEKDAY = re.compile(
    rf"\b(?:во|в|у)\s+(?:(?P<mod>{_CY_WD_MOD})\s+)?(?P<wd>{_alt(_CY_WEEKDAY_ACC)})\b(?!\s+обитания)"
    rf"|\b(?P<gmod>{_CY_WD_MOD})\s+(?P<gwd>{_alt(_CY_WEEKDAY_GEN)})\b",
    _F,
)
_RE_WEEKDAY_RANGE = re.compile(
    rf"(?:\bfrom\s+)?\b(?P<wd1>{_EN_WD})(?P<conn>\s*[-–—]\s*|\s+(?:to|through|thru|until|till|and)\s+)"
    rf"(?P<wd2>{_EN_WD})"
    rf"|\b(?:с|со|з|із|зі|від)\s+(?P<cwd1>{_alt(_CY_WEEKDAY_GEN)})\s+(?:по|до)\s+"
    rf"(?P<cwd2>{_alt([*_CY_WEEKDAY_ACC, *_CY_WEEKDAY_GEN])})\b"
    rf"|\b(?:(?:во|в|у)\s+)?(?P<lwd1>{_alt(_CY_WEEKDAY_ACC)})\s+(?P<lconn>и|і|й|та)\s+(?:(?:во|в|у)\s+)?"
    rf"(?P<lwd2>{_alt(_CY_WEEKDAY_ACC)})\b",
    _F,
)
_NUM_WORDS = _alt([*_NUMBER_WORDS, *_VAGUE_NUMBERS]).replace(r"\ ", r"\s+")
_NUM = rf"\d{{1,2}}|{_NUM_WORDS}"
_RE_AGO = re.compile(
    rf"\b(?:(?P<n>{_NUM})\s+)?(?P<u>days?|weeks?|months?|years?|"
    r"день|дня|дней|неделю|недели|недель|месяц|месяца|месяцев|год|года|лет|"
    r"дні|днів|тиждень|тижні|тижнів|місяць|місяці|місяців|рік|роки|років)"
    r"\s+(?:ago|назад|тому)\b",
    _F,
)
_RE_WINDOW = re.compile(
    rf"\b(?:(?:over|in|during|for|within)\s+the\s+(?:past|last|previous)"
    r"|за\s+(?:последн\w+|прошедш\w+|минувш\w+|останн\w+|минул\w+))"
    rf"\s+(?:(?P<n>{_NUM}|24|48|72)\s+)?(?P<u>days?|weeks?|months?|years?|hours|"
    r"сутки|дн\w*|недел\w*|месяц\w*|год|года|лет|добу|тиждень|тижн\w*|місяц\w*|рік|рок\w*|годин\w*|час\w*)\b",
    _F,
)


# --------------------------------------------------------------------------- date helpers


_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _safe(y: int, m: int, d: int) -> date | None:
    if not (1 <= m <= 12 and 1 <= y <= 9999 and 1 <= d <= _MONTH_DAYS[m]):
        return None
    if m == 2 and d == 29 and not calendar.isleap(y):
        return None
    return date(y, m, d)


def _nearest(month: int, day: int, pub: date) -> date | None:
    """The year-less day-month placed by the nearest-year rule (see the module docstring)."""
    cands = [c for y in (pub.year - 1, pub.year, pub.year + 1) if (c := _safe(y, month, day))]
    inside = [c for c in cands if -300 <= (c - pub).days <= 60]
    if inside:
        return min(inside, key=lambda c: abs((c - pub).days))
    past = [c for c in cands if c <= pub]
    return max(past) if past else None


def _month_range(y: int, m: int) -> DateRange:
    return DateRange(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]))


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def _nearest_month(month: int, pub: date) -> DateRange:
    """A year-less month: this year's unless it starts > 60 days ahead (then last year's)."""
    y = pub.year
    if (date(y, month, 1) - pub).days > 60:
        y -= 1
    elif (date(y, month, calendar.monthrange(y, month)[1]) - pub).days < -300:
        y += 1
    return _month_range(y, month)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _week(pub: date, k: int) -> DateRange:
    mon = _monday(pub) + timedelta(weeks=k)
    return DateRange(mon, mon + timedelta(days=6))


def _month_rel(pub: date, k: int) -> DateRange:
    return _month_range(*_add_months(pub.year, pub.month, k))


def _year_range(y: int) -> DateRange:
    return DateRange(date(y, 1, 1), date(y, 12, 31))


def _weekday(pub: date, wd: int, mode: str) -> date:
    """``mode``: 'bare' on/before pub, 'past' strictly before, 'next' strictly after, 'this' same week."""
    if mode == "this":
        return _monday(pub) + timedelta(days=wd)
    if mode == "next":
        return pub + timedelta(days=(wd - pub.weekday() - 1) % 7 + 1)
    back = (pub.weekday() - wd) % 7
    if mode == "past" and back == 0:
        back = 7
    return pub - timedelta(days=back)


def _past_weekend(pub: date) -> DateRange:
    sat = pub - timedelta(days=(pub.weekday() - 5) % 7)
    return DateRange(sat, sat + timedelta(days=1))


def _this_weekend(pub: date) -> DateRange:
    sat = _monday(pub) + timedelta(days=5)
    return DateRange(sat, sat + timedelta(days=1))


# --------------------------------------------------------------------------- candidates


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    range: DateRange
    kind: str
    confidence: float


_Handler = Callable[[str, "re.Match[str]", "date | None", str], "_Cand | None"]


def _en_month_ok(tok: str) -> bool:
    return not (_norm(tok) in _EN_AMBIGUOUS and tok[:1].islower())


_RE_ORD = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)


def _after_ordinal(text: str, end: int) -> int:
    m = _RE_ORD.match(text, end)
    return m.end() if m else end


def _day_month(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    """Both "February 4[–5][, 2026]" and "4[–5] February [2026]" / "4 и 5 февраля 2026 года"."""
    m1_tok, m2_tok = m.group("m1"), m.group("m2")
    for tok in (m1_tok, m2_tok):
        if tok and not _en_month_ok(tok):
            return None
    d1, d2 = int(m.group("d1")), (int(m.group("d2")) if m.group("d2") else None)
    y = int(m.group("y")) if m.group("y") else None
    month_first = m.re is _RE_EN_MONTH_FIRST
    if month_first:
        mo1 = _MONTHS[_norm(m1_tok)]
        mo2 = _MONTHS[_norm(m2_tok)] if m2_tok else mo1
    else:
        mo2 = _MONTHS[_norm(m2_tok)]
        mo1 = _MONTHS[_norm(m1_tok)] if m1_tok else mo2
    start = m.start()
    if m.group("pre") and d2 is None:
        start = m.start("wd") if m.groupdict().get("wd") else m.start("m1" if month_first else "d1")
    if d2 is not None:
        first: date | None
        last: date | None
        if y is not None:
            last = _safe(y, mo2, d2)
            first = _safe(y if (mo1, d1) <= (mo2, d2) else y - 1, mo1, d1)
        elif pub is not None:
            first = _nearest(mo1, d1, pub)
            last = _safe(first.year if (mo2, d2) >= (mo1, d1) else first.year + 1, mo2, d2) if first else None
        else:
            return None
        if first and last and first < last and (last - first).days <= 62:
            conn = _norm(m.group("conn"))
            listed = conn in _LIST_CONN or bool(m.group("mid"))
            if m.group("pre") and m.group("pre").lower() in {
                "between",
                "from",
                "с",
                "со",
                "з",
                "із",
                "зі",
                "від",
            }:
                listed = False
            kind = "list" if listed else "range"
            conf = 0.95 if y is not None else 0.85
            return _Cand(start, m.end(), DateRange(first, last), kind, conf)
        # not a valid range: keep the first date alone, if it has its month next to it
        if month_first or m1_tok:
            end = _after_ordinal(text, m.end("d1")) if month_first else m.end("m1")
            one = _nearest(mo1, d1, pub) if pub else None
            return _Cand(start, end, DateRange.day(one), "absolute", 0.8) if one else None
        return None
    one = _safe(y, mo1, d1) if y is not None else (_nearest(mo1, d1, pub) if pub else None)
    if one is None:
        return None
    conf = 0.95 if y is not None else 0.85
    wd = m.groupdict().get("wd")
    if wd:  # "Monday, February 2": the weekday confirms the date, or casts doubt on it
        conf = min(0.98, conf + 0.05) if _WEEKDAYS[_norm(wd)] == one.weekday() else conf - 0.3
    return _Cand(start, m.end(), DateRange.day(one), "absolute", conf)


def _iso(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    d = _safe(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    return _Cand(m.start(), m.end(), DateRange.day(d), "absolute", 0.95) if d else None


def _numeric(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    a, b, ys = int(m.group("a")), int(m.group("b")), m.group("y")
    if len(ys) == 2:
        if len(m.group("a")) != 2 or len(m.group("b")) != 2:
            return None  # "3.11.12" is a version number, not a date
        y = 2000 + int(ys)
    else:
        y = int(ys)
    conf = 0.9
    if m.group("sep") == "/" and lang == "en":
        if a > 12:
            day, mon = a, b
        elif b > 12:
            day, mon = b, a
        else:
            day, mon, conf = b, a, 0.5  # US order, a guess
    else:
        day, mon = a, b
    d = _safe(y, mon, day)
    return _Cand(m.start(), m.end(), DateRange.day(d), "absolute", conf) if d else None


def _en_month(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    tok = m.group("m")
    if not tok[:1].isupper():
        return None
    mo = _MONTHS[_norm(tok)]
    if m.group("y"):
        return _Cand(m.start(), m.end(), _month_range(int(m.group("y")), mo), "month", 0.8)
    if not m.group("prep") or pub is None:
        return None
    return _Cand(m.start(), m.end(), _nearest_month(mo, pub), "month", 0.6)


def _cy_month(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    if m.group("mg"):
        rng = _month_range(int(m.group("yg")), _MONTHS[_norm(m.group("mg"))])
        return _Cand(m.start(), m.end(), rng, "month", 0.8)
    mo = _MONTHS[_norm(m.group("m"))]
    if m.group("y"):
        return _Cand(m.start(), m.end(), _month_range(int(m.group("y")), mo), "month", 0.8)
    if pub is None:
        return None
    return _Cand(m.start(), m.end(), _nearest_month(mo, pub), "month", 0.6)


def _year(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    y = int(m.group("y") or m.group("yc"))
    return _Cand(m.start(), m.end(), _year_range(y), "year", 0.3)


_EN_MODE = {
    "last": "past", "past": "past", "previous": "past", "this past": "past",
    "next": "next", "coming": "next", "this coming": "next", "this": "this",
}  # fmt: skip


def _cy_mode(mod: str | None) -> str:
    if not mod:
        return "bare"
    mod = mod.casefold()
    if mod.startswith(("прошл", "минувш", "предыдущ", "минул", "попередн")):
        return "past"
    if mod.startswith(("следующ", "ближайш", "будущ", "наступн", "найближч", "майбутн")):
        return "next"
    return "this"


# Future-tense cues before a bare weekday in the same sentence ("talks will resume on Thursday",
# "due to expire on Saturday", "until at least Wednesday", "встреча состоится в пятницу"): then the
# weekday is the next one on or after the publication date instead of the last one on or before.
_FUTURE_CUE = re.compile(
    r"\b(?:will|shall|won['’]t|due|expected|scheduled|set\s+to|plans?\s+to|planned|planning|"
    r"intends?\s+to|until|till|upcoming|ahead\s+of|"
    r"будет|будут|состоится|состоятся|пройд[её]т|пройдут|планиру\w*|намечен\w*|запланирован\w*|"
    r"ожидается|ожидаются|намерен\w*|"
    r"буде|будуть|відбудеться|відбудуться|пройде|пройдуть|запланован\w*|очікується|очікуються|"
    r"має\s+відбутися|мають\s+відбутися)\b|['’]ll\b",
    re.IGNORECASE,
)


_PAST_REPORT = re.compile(
    r"\b(?:said|told\s+\w+(?:\s+\w+)?|announced|stated|added|wrote|reported|claimed|warned|confirmed|"
    r"noted|declared|insisted|argued|met|held|signed|заявил\w*|сказал\w*|сообщил\w*|заявив|заявила|"
    r"сказав|сказала|повідомив|повідомила)\s*(?:on|в|во|у)?\s*$",
    re.IGNORECASE,
)


def _future_context(text: str, start: int) -> bool:
    """Whether a future-tense cue comes earlier in the sentence ("talks will resume on Monday") —
    unless the weekday is the date of a past reporting verb ("“We will win,” he said on Sunday")."""
    before = text[max(0, start - 100) : start]
    if _PAST_REPORT.search(before):
        return False
    cut = max(before.rfind("."), before.rfind("!"), before.rfind("?"), before.rfind("\n"))
    return _FUTURE_CUE.search(before, cut + 1) is not None


def _upcoming(pub: date, wd: int) -> date:
    return pub + timedelta(days=(wd - pub.weekday()) % 7)


def _en_weekday(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    wd_tok = m.group("wd")
    if pub is None or not wd_tok[:1].isupper():
        return None
    mod = _norm(m.group("mod")) if m.group("mod") else None
    mode = _EN_MODE.get(mod, "bare") if mod else "bare"
    return _weekday_cand(text, m, pub, _WEEKDAYS[_norm(wd_tok)], mode)


def _weekday_cand(text: str, m: re.Match[str], pub: date, wd: int, mode: str) -> _Cand:
    if mode == "bare" and _future_context(text, m.start()):
        return _Cand(m.start(), m.end(), DateRange.day(_upcoming(pub, wd)), "weekday", 0.6)
    conf = {"bare": 0.75, "past": 0.75, "next": 0.6, "this": 0.65}[mode]
    return _Cand(m.start(), m.end(), DateRange.day(_weekday(pub, wd, mode)), "weekday", conf)


def _cy_weekday(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    if pub is None:
        return None
    if m.group("gwd"):
        mode, wd = _cy_mode(m.group("gmod")), m.group("gwd")
        if mode == "bare":
            return None
    else:
        mode, wd = _cy_mode(m.group("mod")), m.group("wd")
    return _weekday_cand(text, m, pub, _WEEKDAYS[_norm(wd)], mode)


def _weekday_range(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    if pub is None:
        return None
    if m.group("wd1"):
        a, b, conn = m.group("wd1"), m.group("wd2"), _norm(m.group("conn"))
        if not (a[:1].isupper() and b[:1].isupper()):
            return None
    elif m.group("cwd1"):
        a, b, conn = m.group("cwd1"), m.group("cwd2"), "по"
    else:
        a, b, conn = m.group("lwd1"), m.group("lwd2"), _norm(m.group("lconn"))
    w1, w2 = _WEEKDAYS[_norm(a)], _WEEKDAYS[_norm(b)]
    if w1 == w2:
        return None
    first = _weekday(pub, w1, "bare")
    last = first + timedelta(days=(w2 - w1) % 7)
    kind = "list" if conn in _LIST_CONN else "range"
    return _Cand(m.start(), m.end(), DateRange(first, last), kind, 0.7)


def _unit(tok: str) -> str:
    t = tok.casefold()
    if t.startswith(("day", "ден", "дн", "сут", "доб")):
        return "day"
    if t.startswith(("week", "недел", "тижд", "тижн")):
        return "week"
    if t.startswith(("month", "месяц", "місяц")):
        return "month"
    if t.startswith(("hour", "час", "годин")):
        return "hour"
    return "year"


def _count(tok: str | None) -> int | None:
    """1 when absent, None when vague ("a few", "несколько")."""
    if tok is None:
        return 1
    t = _norm(tok)
    if t.isdigit():
        return int(t)
    return _NUMBER_WORDS.get(t)


_BARE_UNITS = frozenset(("день", "неделю", "месяц", "год", "тиждень", "місяць", "рік"))


def _ago(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    if pub is None:
        return None
    unit, n = _unit(m.group("u")), _count(m.group("n"))
    s, e = m.start(), m.end()
    if n is None:  # "a few days ago", "several weeks ago"
        if unit == "day":
            return _Cand(s, e, DateRange(pub - timedelta(days=7), pub - timedelta(days=2)), "relative", 0.3)
        if unit == "week":
            return _Cand(
                s, e, DateRange(pub - timedelta(days=42), pub - timedelta(days=14)), "relative", 0.25
            )
        return None
    if m.group("n") is None and _norm(m.group("u")) not in _BARE_UNITS:
        return None  # "weeks ago" without a number: only "неделю назад", "тиждень тому"... are one
    if unit == "day":
        return _Cand(s, e, DateRange.day(pub - timedelta(days=n)), "relative", 0.85)
    if unit == "week":
        return _Cand(s, e, DateRange.day(pub - timedelta(weeks=n)), "relative", 0.6)
    if unit == "month":
        return _Cand(s, e, _month_rel(pub, -n), "relative", 0.5)
    return _Cand(s, e, _year_range(pub.year - n), "relative", 0.4)


def _window(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    if pub is None:
        return None
    unit, n = _unit(m.group("u")), _count(m.group("n"))
    days = {"day": 1, "week": 7, "month": 30, "year": 365, "hour": 1}[unit]
    if unit == "hour":
        n = max(1, (n or 24) // 24)
    span = days * (n if n is not None else 5)
    conf = 0.6 if n is not None else 0.4
    return _Cand(m.start(), m.end(), DateRange(pub - timedelta(days=span), pub), "relative", conf)


# fixed relative phrases: phrase -> (resolver, confidence)
_RelFn = Callable[[date], DateRange]


def _rel_day(k: int) -> _RelFn:
    return lambda p: DateRange.day(p + timedelta(days=k))


def _rel_until_pub(first: Callable[[date], date]) -> _RelFn:
    return lambda p: DateRange(first(p), p)


def _rel_from_pub(last: Callable[[date], date]) -> _RelFn:
    return lambda p: DateRange(p, last(p))


_RELATIVE: dict[str, tuple[_RelFn, float]] = {}


def _add(phrases: tuple[str, ...], fn: _RelFn, conf: float) -> None:
    for p in phrases:
        _RELATIVE[_norm(p)] = (fn, conf)


_add(("today", "this morning", "this afternoon", "this evening", "tonight", "earlier today",
      "later today", "сегодня", "сьогодні"), _rel_day(0), 0.9)  # fmt: skip
_add(("yesterday", "вчера", "вчора", "учора"), _rel_day(-1), 0.9)
_add(("last night",), _rel_day(-1), 0.75)
_add(("the day before yesterday", "позавчера", "позавчора"), _rel_day(-2), 0.9)
_add(("tomorrow", "завтра"), _rel_day(1), 0.85)
_add(("the day after tomorrow", "послезавтра", "післязавтра"), _rel_day(2), 0.85)
_add(("the day before", "the previous day", "a day earlier"), _rel_day(-1), 0.35)
_add(("накануне", "напередодні"), _rel_day(-1), 0.5)
_add(("this week", "на этой неделе", "на текущей неделе", "цього тижня", "на цьому тижні",
      "цього тиждня"), lambda p: _week(p, 0), 0.8)  # fmt: skip
_add(("last week", "the previous week", "на прошлой неделе", "на минувшей неделе",
      "на предыдущей неделе", "минулого тижня", "на минулому тижні", "попереднього тижня"),
     lambda p: _week(p, -1), 0.8)  # fmt: skip
_add(("next week", "the coming week", "на следующей неделе", "на будущей неделе",
      "на предстоящей неделе", "наступного тижня", "на наступному тижні"),
     lambda p: _week(p, 1), 0.7)  # fmt: skip
_add(("earlier this week", "ранее на этой неделе", "в начале недели", "на початку тижня"),
     _rel_until_pub(_monday), 0.75)  # fmt: skip
_add(("later this week",), _rel_from_pub(lambda p: _monday(p) + timedelta(days=6)), 0.65)
_add(("this month", "в этом месяце", "в текущем месяце", "цього місяця", "у цьому місяці",
      "в цьому місяці"), lambda p: _month_rel(p, 0), 0.8)  # fmt: skip
_add(("last month", "the previous month", "в прошлом месяце", "в минувшем месяце",
      "минулого місяця", "у минулому місяці", "в минулому місяці"),
     lambda p: _month_rel(p, -1), 0.8)  # fmt: skip
_add(("next month", "the coming month", "в следующем месяце", "наступного місяця"),
     lambda p: _month_rel(p, 1), 0.7)  # fmt: skip
_add(("earlier this month", "в начале месяца", "на початку місяця"),
     _rel_until_pub(lambda p: p.replace(day=1)), 0.75)  # fmt: skip
_add(("later this month",), _rel_from_pub(lambda p: _month_rel(p, 0).end), 0.65)
_add(("this year", "в этом году", "в текущем году", "цього року", "у цьому році", "в цьому році"),
     lambda p: _year_range(p.year), 0.7)  # fmt: skip
_add(("last year", "the previous year", "в прошлом году", "в минувшем году", "минулого року",
      "торік", "у минулому році", "в минулому році"), lambda p: _year_range(p.year - 1), 0.7)  # fmt: skip
_add(("next year", "в следующем году", "наступного року"), lambda p: _year_range(p.year + 1), 0.6)
_add(("earlier this year", "в начале года", "на початку року"),
     _rel_until_pub(lambda p: p.replace(month=1, day=1)), 0.7)  # fmt: skip
_add(("later this year",), _rel_from_pub(lambda p: p.replace(month=12, day=31)), 0.6)
_add(("over the weekend", "this past weekend", "last weekend", "at the weekend", "on the weekend",
      "в минувшие выходные", "в прошедшие выходные", "на выходных", "минулих вихідних",
      "на вихідних"), _past_weekend, 0.65)  # fmt: skip
_add(("this weekend", "this coming weekend"), _this_weekend, 0.55)
_add(("in recent days", "over recent days", "в последние дни", "в последние несколько дней",
      "останніми днями", "в останні дні", "протягом останніх днів"),
     _rel_until_pub(lambda p: p - timedelta(days=7)), 0.4)  # fmt: skip
_add(("in recent weeks", "over recent weeks", "в последние недели", "останніми тижнями"),
     _rel_until_pub(lambda p: p - timedelta(days=28)), 0.35)  # fmt: skip

_RE_RELATIVE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(p.replace(r"\ ", r"\s+") for p in map(re.escape, sorted(_RELATIVE, key=len, reverse=True)))
    + r")(?!\w)",
    _F,
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“”«»(\[\n—–-])\s*$")
_NOT_TODAY = re.compile(r"(?:росси[яи]|russia|usa|ukraine|україна|украина)\W{0,2}$", re.IGNORECASE)


def _relative(text: str, m: re.Match[str], pub: date | None, lang: str) -> _Cand | None:
    if pub is None:
        return None
    tok = m.group(0)
    key = _norm(tok)
    fn, conf = _RELATIVE[key]
    before = text[max(0, m.start() - 12) : m.start()]
    if tok[:1].isupper() and key.isascii() and not _SENTENCE_START.search(before):
        return None  # "Russia Today", "USA Today", a title
    if key in {"today", "сегодня", "сьогодні"} and _NOT_TODAY.search(before):
        return None
    return _Cand(m.start(), m.end(), fn(pub), "relative", conf)


# Rules run only where a trigger token is: a month or weekday name, a relative phrase's last word,
# a number, "ago"/"назад"/"тому", a unit ("days", "суток"). Each rule is tried with ``match`` at
# the start of the trigger token and of a few tokens before it (the optional "between", "last",
# "в", "4 and 5"...), never scanned over the whole text: that keeps a 1,000-word article near 1 ms.
_RULES: tuple[tuple[re.Pattern[str], _Handler], ...] = (
    (_RE_EN_MONTH_FIRST, _day_month),  # 0
    (_RE_EN_DAY_FIRST, _day_month),  # 1
    (_RE_CY_DAY_FIRST, _day_month),  # 2
    (_RE_ISO, _iso),  # 3
    (_RE_NUMERIC, _numeric),  # 4
    (_RE_EN_MONTH, _en_month),  # 5
    (_RE_CY_MONTH, _cy_month),  # 6
    (_RE_YEAR, _year),  # 7
    (_RE_EN_WEEKDAY, _en_weekday),  # 8
    (_RE_CY_WEEKDAY, _cy_weekday),  # 9
    (_RE_WEEKDAY_RANGE, _weekday_range),  # 10
    (_RE_AGO, _ago),  # 11
    (_RE_WINDOW, _window),  # 12
    (_RE_RELATIVE, _relative),  # 13
)
# words, keeping Ukrainian apostrophes ("п'ятницю") but not a possessive "'s" ("Wednesday's")
_TOKEN = re.compile(r"\w+(?:['’ʼ](?!s\b)\w+)*")
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")
_TRIGGERS: dict[str, list[tuple[int, int]]] = {}


def _trigger(words: Iterable[str], rule: int, offsets: Iterable[int]) -> None:
    offs = tuple(offsets)
    for w in words:
        for v in {w, w.replace("'", "’"), w.replace("'", "ʼ")}:
            entry = _TRIGGERS.setdefault(v, [])
            entry.extend((rule, o) for o in offs if (rule, o) not in entry)


_trigger([*_EN_MONTH_FULL, *_EN_MONTH_ABBR], 0, range(3))
_trigger([*_EN_MONTH_FULL, *_EN_MONTH_ABBR], 1, range(1, 7))
_trigger(_EN_MONTH_FULL, 5, range(2))
_trigger([*_RU_MONTH_GEN, *_RU_MONTH_ABBR, *_UK_MONTH_GEN, *_UK_MONTH_ABBR], 2, range(1, 7))
_trigger([*_RU_MONTH_GEN, *_UK_MONTH_GEN], 6, (0,))
_trigger(_CY_MONTH_LOC, 6, (1,))
_trigger(_EN_WEEKDAYS, 8, range(3))
_trigger(_EN_WEEKDAYS, 10, range(2))
_trigger(_CY_WEEKDAY_ACC, 9, (1, 2))
_trigger(_CY_WEEKDAY_ACC, 10, (0, 1))
_trigger(_CY_WEEKDAY_GEN, 9, (1,))
_trigger(_CY_WEEKDAY_GEN, 10, (1,))
_trigger(("ago", "назад", "тому"), 11, range(1, 5))
_trigger(
    ("day", "days", "week", "weeks", "month", "months", "year", "years", "hours", "сутки", "день", "дня",
     "дней", "дни", "неделю", "недели", "недель", "месяц", "месяца", "месяцев", "год", "года", "лет",
     "добу", "дні", "днів", "тиждень", "тижні", "тижнів", "місяць", "місяці", "місяців", "рік", "роки",
     "років", "годин", "години", "часа", "часов"),
    12, range(2, 6),
)  # fmt: skip
for _phrase in _RELATIVE:
    _toks = _TOKEN.findall(_phrase)
    _trigger((_toks[-1],), 13, (len(_toks) - 1,))
_LEAD_INS = frozenset(("between", "from", "с", "со", "з", "із", "зі", "від", *_EN_WEEKDAYS))
_DIGIT_RULES = ((3, 0), (4, 0))
_YEAR_RULES = ((3, 0), (4, 0), (7, 1), (7, 2))


# --------------------------------------------------------------------------- API


def find_dates(text: str, published: date | None, lang: str = "en") -> list[DateMention]:
    """Date expressions in ``text``, resolved against ``published``; sorted, non-overlapping.

    All three languages' rules run on any text (quotes cross languages); ``lang`` only decides
    the order of an ambiguous ``a/b/yyyy`` (month first for ``en``, day first otherwise).
    Where expressions overlap the longest wins. Expressions that cannot be resolved (no
    publication date for a relative one, an impossible day) are left out.
    """
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer ("İ"): lower each token
        parts = _TOKEN_SPLIT.split(text)
        words = [w.lower() for w in parts[1::2]]
    else:
        parts = _TOKEN_SPLIT.split(low)
        words = parts[1::2]
    trig = _TRIGGERS
    hits = [k for k, w in enumerate(words) if w in trig or w[0] <= "9"]
    if not hits:
        return []
    offs = list(accumulate(map(len, parts)))  # offs[j] is where parts[j + 1] starts
    tried: set[tuple[int, int]] = set()
    cands: list[_Cand] = []
    for i in hits:
        word = words[i]
        todo = trig.get(word)
        if todo is None:
            if not word.isdigit():
                continue
            todo = _YEAR_RULES if len(word) == 4 and word[:2] in ("19", "20") else _DIGIT_RULES
        for rule, back in todo:
            if back > i:
                continue
            if back and rule <= 2:  # a day-month expression starts with a number or a lead-in word
                first = words[i - back]
                if first[0] > "9" and first not in _LEAD_INS:
                    continue
            pos = offs[2 * (i - back)]
            if (rule, pos) in tried:
                continue
            tried.add((rule, pos))
            pattern, handler = _RULES[rule]
            m = pattern.match(text, pos)
            if m is None or m.end() == pos:
                continue
            try:
                c = handler(text, m, published, lang)
            except (ValueError, OverflowError):  # a publication date at the calendar's edge
                continue
            if c is not None:
                cands.append(c)
    if not cands:
        return []
    cands.sort(key=lambda c: (c.start - c.end, c.start))  # longest first, then leftmost
    starts: list[int] = []  # the kept, non-overlapping spans, in text order
    taken: list[_Cand] = []
    for c in cands:
        k = bisect_right(starts, c.start)
        if (k and taken[k - 1].end > c.start) or (k < len(taken) and taken[k].start < c.end):
            continue
        starts.insert(k, c.start)
        taken.insert(k, c)
    return [DateMention(c.start, c.end, text[c.start : c.end], c.range, c.kind, c.confidence) for c in taken]


def resolve_expression(expr: str, published: date | None, lang: str = "en") -> DateRange | None:
    """The range of the longest date expression in ``expr`` ("on Thursday", "4–5 лютого"), or None."""
    mentions = find_dates(expr, published, lang)
    if not mentions:
        return None
    return max(mentions, key=lambda d: (d.end - d.start, -d.start)).range
