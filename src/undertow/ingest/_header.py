"""Reading the visible article header: the text around the main heading, dates written there.

Private helper of :mod:`undertow.ingest.extract`. The "header window" is the visible text from a
little before the page's main ``<h1>`` to a few hundred characters after it: where pages show
"Updated March 1, 2024" or "By Jane Doe · 5 min read". Dates found there are what a reader sees as
the article's date; dates elsewhere (sidebars, comments, footers) are not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from undertow.language.dates import (
    EN_MONTH_ABBREVIATIONS,
    EN_MONTHS,
    RU_MONTH_ABBREVIATIONS,
    RU_MONTHS_GENITIVE,
    UK_MONTH_ABBREVIATIONS,
    UK_MONTHS_GENITIVE,
)

_SKIP = {"script", "style", "noscript", "template", "head", "svg", "select", "iframe"}
_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "section",
    "article",
    "time",
    "span",
    "a",
    "td",
    "tr",
    "br",
    "figure",
    "figcaption",
    "address",
    "aside",
    "nav",
    "footer",
}

# month names and abbreviations in English, Russian and Ukrainian ("5 February 2026", "Feb. 5, 2026",
# "5 февраля 2026 г.", "5 лют. 2026", "5 лютого 2026 року")
_MONTHS = {
    **EN_MONTHS,
    **EN_MONTH_ABBREVIATIONS,
    **RU_MONTHS_GENITIVE,
    **RU_MONTH_ABBREVIATIONS,
    **UK_MONTHS_GENITIVE,
    **UK_MONTH_ABBREVIATIONS,
}
_MON = rf"(?P<mon>{'|'.join(sorted(_MONTHS, key=len, reverse=True))})\.?"  # longest name first
_MON2 = _MON.replace("mon>", "mon2>")
_DATE_RX = re.compile(
    rf"(?i)\b{_MON}\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)\b"
    rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON2},?\s+(?P<y2>(?:19|20)\d\d)\b"
    r"|\b(?P<y3>(?:19|20)\d\d)-(?P<m3>\d\d)-(?P<d3>\d\d)\b"
    r"|\b(?P<m4>\d{1,2})/(?P<d4>\d{1,2})/(?P<y4>(?:19|20)\d\d)\b"
    r"|\b(?P<d5>\d{1,2})\.(?P<m5>\d{1,2})\.(?P<y5>(?:19|20)\d\d)\b"
    r"|\b(?P<y6>(?:19|20)\d\d)[./](?P<m6>\d\d)[./](?P<d6>\d\d)\b"
)


_SEP = " \ue000 "  # between blocks (kept through whitespace collapsing)


@dataclass(slots=True)
class Header:
    text: str  # visible text of the page, whitespace-collapsed, elements separated by _SEP
    start: int  # offset of the main heading in ``text`` (-1: none found)
    end: int


def visible_text(tree: Any, heading: Any | None) -> Header:
    """Visible text of ``tree`` with the offsets of element ``heading`` in it."""
    parts: list[str] = []
    add = parts.append
    first = last = -1  # indexes in ``parts`` where the heading's text starts and ends
    body = tree.find(".//body")
    root = body if body is not None else tree
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):  # comment, processing instruction
            if event == "end" and el.tail:
                add(el.tail)
            continue
        if event == "start":
            if tag in _SKIP:
                walker.skip_subtree()
                continue
            if el is heading:
                first = len(parts)
            if tag in _BLOCK:
                add(_SEP)
            if el.text:
                add(el.text)
            continue
        if tag not in _SKIP:
            if el is heading:
                last = len(parts)
            if tag in _BLOCK:
                add(_SEP)
        if el.tail and el is not root:
            add(el.tail)
    if first < 0:
        return Header(" ".join("".join(parts).split()), -1, -1)
    # collapse whitespace while keeping the heading's offsets
    before = " ".join("".join(parts[:first]).split())
    inside = " ".join("".join(parts[first:last]).split())
    after = " ".join("".join(parts[last:]).split())
    text = f"{before} {inside} {after}"
    return Header(text, len(before) + 1, len(before) + 1 + len(inside))


def locate(hd: Header, title: str | None) -> Header:
    """``hd`` with its heading offsets set to where ``title`` is written, when it had none."""
    if hd.start >= 0 or not title or len(title) < 8:
        return hd
    i = hd.text.find(title)
    if i < 0:
        return hd
    return Header(hd.text, i, i + len(title))


def _to_date(m: re.Match[str]) -> dt.date | None:
    g = m.groupdict()
    try:
        if g["y1"]:
            return dt.date(int(g["y1"]), _MONTHS[g["mon"].lower().rstrip(".")], int(g["d1"]))
        if g["y2"]:
            return dt.date(int(g["y2"]), _MONTHS[g["mon2"].lower().rstrip(".")], int(g["d2"]))
        if g["y3"]:
            return dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
        if g["y4"]:
            a, b = int(g["m4"]), int(g["d4"])
            return dt.date(int(g["y4"]), a, b) if a <= 12 else dt.date(int(g["y4"]), b, a)
        if g["y5"]:
            return dt.date(int(g["y5"]), int(g["m5"]), int(g["d5"]))
        if g["y6"]:
            return dt.date(int(g["y6"]), int(g["m6"]), int(g["d6"]))
    except (ValueError, KeyError):
        return None
    return None


def _swapped(m: re.Match[str], d: dt.date) -> dt.date | None:
    """The other reading of an all-numeric date whose day and month could be either."""
    if not (m.group("y4") or m.group("y5")) or d.day > 12 or d.day == d.month:
        return None
    return dt.date(d.year, d.day, d.month)


def dates_in(text: str, known: frozenset[dt.date] = frozenset()) -> list[tuple[int, dt.date]]:
    """(offset, date) of every full date (day, month, year) written in ``text``.

    "09.10.2024" is read day-first (month-first with slashes) unless only the other reading is
    one of the ``known`` dates (from the page's metadata).
    """
    out = []
    for m in _DATE_RX.finditer(text):
        d = _to_date(m)
        if d is None:
            continue
        alt = _swapped(m, d)
        if alt is not None and alt in known and d not in known:
            d = alt
        out.append((m.start(), d))
    return out


def _short_block(text: str, off: int, limit: int = 120) -> bool:
    """Whether the element text holding offset ``off`` is a short line (a dateline), not prose."""
    a = text.rfind("\ue000", 0, off)
    b = text.find("\ue000", off)
    return (len(text) if b < 0 else b) - (a + 1) <= limit


_COPYRIGHT = re.compile(r"(?i)(?:©|\(c\)|copyright)\s*$")
# a label before a date saying it is today's ("Today's hours:", "Сегодня", "Сьогодні"): the day the page
# was read, not the day it was published
TODAY = re.compile(r"(?i)(?:\btoday(?:['’]s)?\b|сегодня|сьогодні)[^.\d]{0,25}$")


# a label before a date saying it is an update ("Last updated:", "Обновлено", "Оновлено", "Изменено")
UPDATED = re.compile(
    r"(?i)\b(?:updated|modified|reviewed|edited|обновлен[оа]?|обновл[её]н|оновлено|изменено|змінено)\b[^.]{0,20}$"
)


def header_date(
    hd: Header,
    known: frozenset[dt.date] = frozenset(),
    published: dt.date | None = None,
    before: int = 250,
    after: int = 450,
) -> dt.date | None:
    """The date written nearest after the main heading (else just before it), if any.

    A date labelled "Updated ..." is passed over when the header also shows a date without that
    label ("December 22, 2022 · Updated: January 2, 2026"); otherwise it gives way to
    ``published`` (the metadata's publication date) when that is earlier.
    """
    if hd.start < 0:
        return None
    lo = max(0, hd.start - before)
    hi = min(len(hd.text), hd.end + after)
    window = hd.text[lo:hi]
    found = [(lo + off, d) for off, d in dates_in(window, known) if _short_block(hd.text, lo + off)]
    found = [
        (off, d)
        for off, d in found
        if not _COPYRIGHT.search(hd.text[max(0, off - 12) : off])
        and not TODAY.search(hd.text[max(0, off - 30) : off])
    ]
    tagged = [(off, d, UPDATED.search(hd.text[max(0, off - 30) : off]) is not None) for off, d in found]
    if any(not upd for _, _, upd in tagged):
        tagged = [t for t in tagged if not t[2]]
    picked = [
        (off, published if upd and published is not None and d > published else d) for off, d, upd in tagged
    ]
    after_h = [d for off, d in picked if off >= hd.end]
    if after_h:
        return after_h[0]
    before_h = [d for off, d in picked if off < hd.start]
    return before_h[-1] if before_h else None


_AFTER_LABEL = r"\s*[:|·•–—-]?[\s\ue000]*"  # "Published: ", "Posted | ", "Published — "
# a label saying that the date after it is the publication date ("Published | August 30, 2024",
# "Posted on:", "Publication date -", "Date published:"); written to start with its one letter, which
# lets the regex engine skip ahead (a leading \b or alternation makes it ~4x slower on a page)
_PUBLISHED_LABEL = re.compile(
    r"(?i)p(?:ublish(?:ed)?|ublication|osted)(?:\s+date)?(?:\s+(?:on|at))?" + _AFTER_LABEL
)
# the same in Russian and Ukrainian ("Опубликовано: 5 февраля 2026", "Дата публікації | 5 лютого 2026")
_CY_PUBLISHED_LABEL = re.compile(r"(?i)(?:опубл[иі]ковано|дата\s+публ[иі]кац[иі][иії])" + _AFTER_LABEL)
# a sentence saying when the piece first appeared ("This article was originally published on 26 Sep 2019")
_ORIGINALLY = re.compile(
    r"(?i)\b(?:originally|first)\s+(?:published|posted|appeared)(?:\s+(?:on|in))?" + _AFTER_LABEL
)
_ORIGINALLY_HINT = re.compile(r"(?:originally|first)[\s\ue000]+(?:published|posted|appeared)")  # lower case
# ... said of the page itself ("This article was", "The blog post has been"), not of something it reports
_ITSELF = re.compile(
    r"(?i)\b(?:this|the)\s+(?:[\w-]+\s+){0,2}(?:article|story|post|piece|page|interview|report|essay|column|"
    r"op-ed|guide|review|analysis|version|newsletter|feature)\s+(?:was|has\s+been|is)\s*$"
)
# what may open a line before a lower-case label ("Date published:", "first published on")
_LINE_OPENING = re.compile(r"(?i)\s*(?:(?:date|first|originally)\s+)?")
# what may stand between such a label and its date ("Posted: Monday, ...", "Published on the 3rd ...")
_LEAD = re.compile(
    r"(?i)(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
    r"\.?,?[\s\ue000]+)?(?:the\s+)?"
)


def _dates_after(
    rx: re.Pattern[str], text: str, known: frozenset[dt.date], heading: bool = False
) -> list[tuple[int, int, dt.date]]:
    """(label offset, date offset, date) of each date written right after a match of label ``rx``
    (at the start of a word) in ``text``. With ``heading``, only labels written as one ("Posted on",
    "PUBLISHED") or opening their line count, not a verb in a sentence ("the landlord posted on ...").
    """
    out = []
    for m in rx.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "-"):  # "unpublished"
            continue
        if heading and text[m.start()].islower():
            line = text[text.rfind("\ue000", 0, m.start()) + 1 : m.start()]  # its line up to the label
            if not _LINE_OPENING.fullmatch(line):
                continue  # a verb in a sentence, not a label
        for off, d in dates_in(text[m.end() : m.end() + 50], known)[:1]:
            if _LEAD.fullmatch(text[m.end() : m.end() + off]):
                out.append((m.start(), m.end() + off, d))
    return out


def labelled_dates(hd: Header, known: frozenset[dt.date] = frozenset()) -> list[dt.date]:
    """Dates labelled as the publication date anywhere on the page, each in a short line of its own
    ("Published | August 30, 2024", "Posted on Nov 21, 2018", "Опубликовано: 5 февраля 2026"), those
    after the main heading first. A date labelled an update is not one of them.
    """
    found = _dates_after(_PUBLISHED_LABEL, hd.text, known, heading=True)
    if "публ" in hd.text or "ПУБЛ" in hd.text:
        found = sorted(found + _dates_after(_CY_PUBLISHED_LABEL, hd.text, known, heading=True))
    found = [(off, d) for _, off, d in found if _short_block(hd.text, off)]
    start = max(hd.end, 0)
    return [d for off, d in found if off >= start] + [d for off, d in found if off < start]


def originally_published(hd: Header, known: frozenset[dt.date] = frozenset()) -> list[dt.date]:
    """Dates the page states it first appeared on: a sentence about the page itself ("This article
    was originally published on 26 Sep 2019 and has been updated since") or a line of its own
    ("First published: 26 September 2019"). Dates other things first appeared on ("the rules were
    first published on ...") are not among them.
    """
    if not _ORIGINALLY_HINT.search(hd.text.lower()):  # a first look, ~4x cheaper than _ORIGINALLY's
        return []
    return [
        d
        for start, off, d in _dates_after(_ORIGINALLY, hd.text, known)
        if _ITSELF.search(hd.text[max(0, start - 80) : start])
        or (_short_block(hd.text, start, 60) and _short_block(hd.text, off, 60))
    ]


_NAME_TOK = r"(?:[A-Z][\w'’.-]*|[A-Z]\.)"
_NAME = rf"{_NAME_TOK}(?:[ \t]+(?:(?:de|da|van|von|der|del|la|le|bin|al)[ \t]+)?{_NAME_TOK}){{0,3}}"
_BYLINE = re.compile(
    r"(?:(?:^|(?<=\n)|(?<=[|•·] ))(?:By|BY|by)\b"
    r"|\b(?:[Ww]ritten [Bb]y|[Ww]ords [Bb]y|[Pp]osted [Bb]y|[Aa]uthored [Bb]y|[Aa]rticle [Bb]y)"
    rf"|\b[Aa]uthors?[ \t]*:)\s*:?\s+(?P<names>{_NAME}(?:\s*(?:,|&|\band\b)\s*{_NAME})*)"
)
_NOT_NAME = {
    "updated",
    "published",
    "last",
    "reviewed",
    "edited",
    "fact",
    "read",
    "min",
    "minutes",
    "share",
    "posted",
    "on",
    "in",
    "the",
    "our",
    "team",
    "staff",
    "editor",
    "editors",
    "founder",
    "co-founder",
    "ceo",
    "head",
    "senior",
    "writer",
    "contributor",
    "author",
    "about",
    "follow",
    "more",
    "home",
    "category",
    "categories",
    "tags",
    "comments",
    "leave",
    "this",
    "privacy",
    "cookie",
    "terms",
    "sign",
    "log",
    "subscribe",
    "newsletter",
    "email",
    "contact",
    "today",
    "yesterday",
    "verified",
    "certified",
    "undefined",
    "webmaster",
    "wordpress",
    "github",
    "type",
    "topic",
    "brand",
    "sector",
    "guide",
}
_NOT_NAME |= set(_MONTHS)
_CUT = {"updated", "published", "last", "reviewed", "edited", "fact", "on", "in", "posted", "read", "min"}


def clean_name(name: str) -> str | None:
    toks = name.split()
    out: list[str] = []
    for t in toks:
        low = t.lower().strip(".,")
        if low in _CUT or low in _MONTHS or re.fullmatch(r"\d.*", low):
            break
        out.append(t.strip(",;"))
    if not out or all(t.lower().strip(".") in _NOT_NAME for t in out):
        return None
    if any(t.lower().strip(".") in _NOT_NAME for t in out) and len(out) < 2:
        return None
    return " ".join(out)


_STRONG_BYLINE = re.compile(
    r"\b(?:[Ww]ritten [Bb]y|[Pp]osted [Bb]y|[Aa]uthored [Bb]y)\s*:?\s+"
    rf"(?P<names>{_NAME}(?:\s*(?:,|&|\band\b)\s*{_NAME})*)"
)


def header_byline(hd: Header, before: int = 300, after: int = 700) -> list[str]:
    """Person names of a visible byline ("By Jane Doe and John Roe").

    Looked for near the main heading first; elsewhere on the page only in the explicit forms
    "Written by" / "Posted by".
    """
    if hd.start < 0:
        lo, hi = 0, min(len(hd.text), 3000)
    else:
        lo, hi = max(0, hd.start - before), min(len(hd.text), hd.end + after)
    return _names(_BYLINE, _plain(hd.text[lo:hi])) or _names(_STRONG_BYLINE, _plain(hd.text))


def plain_text(hd: Header) -> str:
    """The page's visible text as one whitespace-collapsed line."""
    return " ".join(hd.text.replace("\ue000", " ").split())


def _plain(text: str) -> str:
    """``text`` with each element's text on a line of its own, spaces collapsed."""
    lines = (" ".join(line.split()) for line in text.split("\ue000"))
    return "\n".join(line for line in lines if line)


def _names(rx: re.Pattern[str], window: str) -> list[str]:
    for m in rx.finditer(window):
        names = []
        for part in re.split(r"\s*(?:,|&|\band\b)\s*", m.group("names")):
            n = clean_name(part)
            if n and n not in names:
                names.append(n)
        if names:
            return names
    return []
