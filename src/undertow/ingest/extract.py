"""Extraction: raw page bytes/text -> clean body text and metadata.

Interface used by the rest of undertow (owned by this module):

- ``decode_bytes(data, declared=None, source="") -> str``: detect the encoding (declared charset,
  BOM, <meta charset>, then detection for cp1251/koi8-r/windows-1252...) and decode.
- ``extract_html(html, url=None) -> Extracted``: boilerplate-free body plus title, author,
  date published, section, site name, canonical URL and the page's declared language.
- ``extract_plain_text(text) -> Extracted``: the same for text dumps of scraped pages (junk lines
  dropped, title/author/section lines recognised, dateline prefix removed).

Body text is always paragraphs separated by a blank line. ``published`` is only set from evidence
of a publication date (``_page_date``, docs/dates.md): a statement that the page first appeared on
a day ("This article was originally published on 26 Sep 2019"), else the dateline a reader sees
next to the main heading (an "Updated" line gives way to an unlabelled date beside it, else to an
earlier published date in the metadata), else htmldate or structured metadata (a dated URL, a dated
``<time>`` in the article header) corroborated by each other or shown on the page outside comments,
footers and "related" lists, else a date labelled "Published"/"Posted on" further down; never from
crawl time, a date labelled as today's, a date in the prose or a ``<time>`` marked or labelled as a
modification. The title is the main ``<h1>`` when it agrees with og:title/``<title>``; the author
comes from the page's metadata (the article's own JSON-LD object when trafilatura merged several;
the site itself dropped when listed beside people), else a visible byline ("By Jane Doe and John
Roe"), JSON-LD Person names, a person's name in an element marked as the author, or a one-word meta
author (a handle) (see ``_header``).
How this compares with plain trafilatura: ``bench/extraction.py``.
"""

from __future__ import annotations

import datetime as dt
import functools
import html as html_lib
import itertools
import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from undertow.ingest import _body, _fastxpath, _header, textdump
from undertow.ingest.encoding import decode_bytes
from undertow.language.dates import (
    EN_MONTHS,
    RU_MONTH_ABBREVIATIONS,
    RU_MONTHS_GENITIVE,
    UK_MONTH_ABBREVIATIONS,
    UK_MONTHS_GENITIVE,
)

__all__ = ["Extracted", "decode_bytes", "extract_html", "extract_plain_text", "preload"]

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class Extracted:
    text: str
    title: str | None = None
    author: str | None = None
    published: dt.date | None = None
    section: str | None = None
    sitename: str | None = None
    url: str | None = None
    language_hint: str | None = None


def preload() -> None:
    """Import the extraction libraries now (they load at first use otherwise): called before
    worker processes fork, so that each does not import them again."""
    import htmldate  # noqa: F401
    import trafilatura.metadata  # noqa: F401

    _fastxpath.install()


@functools.cache
def _load_stoplists() -> None:
    """Give trafilatura the union of jusText's stop-word lists before its first jusText fallback
    in this process (the default-mode retry of ``extract_html``).

    trafilatura builds that union at first use by decoding 150,000 words one at a time (0.18 s
    here) and jusText then lower-cases it into a set (0.09 s): a quarter of a second in every
    worker process. Decoding each list file whole gives the same words in 0.1 s (a test checks
    they are the same); jusText's set is then built once, here."""
    import trafilatura.external as external
    from justext.core import define_stoplist

    if external.JT_STOPLIST is None:
        external.JT_STOPLIST = tuple(_justext_stopwords())
    define_stoplist(external.JT_STOPLIST)  # (cached by jusText)


def _justext_stopwords() -> set[str]:
    """Every word of jusText's stop-word lists, lower-cased (as ``justext.get_stoplist`` reads
    them, for all its languages)."""
    from pathlib import Path

    import justext

    words: set[str] = set()
    for path in (Path(justext.__file__).parent / "stoplists").glob("*.txt"):
        words.update(path.read_bytes().decode("utf-8").lower().splitlines())
    return words


# =========================================================================== plain text


@functools.cache
def _site_names() -> frozenset[str]:
    """The outlet registry's names, which a text dump's header may show above the headline."""
    from undertow.knowledge.outlets import default_registry

    return default_registry().site_names()


def extract_plain_text(text: str) -> Extracted:
    """Clean a text dump of a scraped page (see :func:`textdump.parse_dump`)."""
    parts = textdump.parse_dump(text or "", _site_names())
    return Extracted(
        text="\n\n".join(parts.body),
        title=parts.title,
        author=parts.author,
        published=parts.published,
        section=parts.section,
    )


# =========================================================================== HTML: helpers


def _norm(s: str | None) -> str:
    s = (s or "").replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = s.replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    return " ".join(s.split()).casefold()


def _alnum(s: str | None) -> str:
    return re.sub(r"[\W_]+", "", (s or "").casefold())


def _text_of(el: Any) -> str:
    return " ".join("".join(el.itertext()).split())


def _jsonld_objects(tree: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(obj: Any, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(obj, dict):
            out.append(obj)
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                if key in obj:
                    walk(obj[key], depth + 1)
        elif isinstance(obj, list):
            for item in obj:
                walk(item, depth + 1)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            walk(json.loads(raw))
        except RecursionError:  # nested deeper than the parser's stack: not metadata
            continue
        except ValueError:
            try:  # trailing commas / control characters are common
                walk(json.loads(re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ")), strict=False))
            except (ValueError, RecursionError):
                continue
    return out


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return {t.lower()}
    if isinstance(t, list):
        return {x.lower() for x in t if isinstance(x, str)}
    return set()


_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "techarticle",
    "scholarlyarticle",
    "report",
    "liveblogposting",
    "posting",
    "socialmediaposting",
    "medicalwebpage",
    "howto",
    "recipe",
    "review",
    "webpage",
    "itempage",
    "creativework",
    "videoobject",
    "discussionforumposting",
}


# =========================================================================== dates

_PUB_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "published-date",
    "published_date",
    "publication-date",
    "date.published",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "cxenseparse:recs:publishtime",
    "article:published",
    "rnews:datepublished",
    "date",
    "dc.date",
    "created",
    "bt:pubdate",
    "live_date",
    "displaydate",
    "nv:date",
)
_ISO = re.compile(r"((?:19|20)\d\d)-?(\d\d)-?(\d\d)")
# a slashed date ("Thu, 09/25/2025 - 11:38", Drupal's default), read only when one of its first two
# numbers cannot be a month: "05/06/2025" is May in the US and June elsewhere, so it stays unread
_SLASHED = re.compile(r"(?<![\w/.-])(\d{1,2})/(\d{1,2})/((?:19|20)\d\d)(?![\w/])")
_URL_DATE = (
    re.compile(r"/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})(?:/|$|[-_])"),
    re.compile(r"[/_-]((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[/_.-]|$)"),
    re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)(?:/|[-_])"),
    # /2023/october/03/, /2023/oct/03/
    re.compile(
        r"(?i)/((?:19|20)\d\d)/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*/(\d{1,2})(?:/|$|[-_])"
    ),
)


_URL_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _parse_any_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        if isinstance(value, list) and value:
            return _parse_any_date(value[0])
        if isinstance(value, dict):
            return _parse_any_date(value.get("@value"))
        return None
    s = value.strip()
    if not s:
        return None
    m = _ISO.match(s) or _ISO.search(s[:40])
    d: dt.date | None = None
    if m:
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            d = None
    if d is None and re.fullmatch(r"\d{10}(?:\d{3})?", s):
        try:
            d = dt.datetime.fromtimestamp(int(s[:10]), tz=dt.UTC).date()
        except (ValueError, OSError):
            d = None
    if d is None:
        d = textdump.parse_date(s[:80])
    if d is None and (m := _SLASHED.search(s[:40])):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        month, day = (a, b) if b > 12 or a == b else (b, a) if a > 12 else (0, 0)
        try:
            d = dt.date(y, month, day) if month else None
        except ValueError:
            d = None
    return d if d is not None and _plausible(d) else None


def _plausible(d: dt.date) -> bool:
    return dt.date(1995, 1, 1) <= d <= dt.date.today() + dt.timedelta(days=2)


def _date_from_url(url: str | None) -> dt.date | None:
    if not url:
        return None
    path = urlsplit(url).path
    for rx in _URL_DATE:
        m = rx.search(path)
        if m:
            mon = m.group(2)
            month = int(mon) if mon.isdigit() else _URL_MONTHS.index(mon[:3].lower()) + 1
            try:
                d = dt.date(int(m.group(1)), month, int(m.group(3)))
            except ValueError:
                continue
            if _plausible(d):
                return d
    return None


def _meta_tags(tree: Any) -> dict[str, str]:
    """The page's ``<meta>`` values by lower-cased property/name/itemprop (first one of each)."""
    metas: dict[str, str] = {}
    for m in tree.iterfind(".//meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or m.get("http-equiv") or "").lower()
        if key and key not in metas and m.get("content"):
            metas[key] = m.get("content")
    return metas


def _published(
    tree: Any, url: str | None, objs: list[dict[str, Any]], metas: dict[str, str] | None = None
) -> dt.date | None:
    # 1. JSON-LD of the article itself
    ranked = sorted(
        objs, key=lambda o: 0 if _types(o) & (_ARTICLE_TYPES - {"webpage", "creativework"}) else 1
    )
    for obj in ranked:
        if _types(obj) & _ARTICLE_TYPES or "headline" in obj:
            d = _parse_any_date(obj.get("datePublished")) or _parse_any_date(obj.get("dateCreated"))
            if d:
                return d
    # 2. meta tags
    if metas is None:
        metas = _meta_tags(tree)
    for key in _PUB_META:
        if key in metas:
            d = _parse_any_date(metas[key])
            if d:
                return d
    # 3. microdata
    for el in tree.xpath('//*[@itemprop="datePublished" or @itemprop="dateCreated"][not(self::meta)]')[:3]:
        d = _parse_any_date(el.get("datetime") or el.get("content") or _text_of(el))
        if d:
            return d
    # 4. a dated URL
    d = _date_from_url(url)
    if d:
        return d
    # 5. <time> marked as publication time, or the first one in the article's header; never one
    # marked as a modification time, nor one in a comment, sidebar, footer or navigation
    for el in tree.xpath(
        '//time[@pubdate or contains(@class,"publish") or contains(@class,"entry-date") or '
        'contains(@class,"post-date") or contains(../@class,"publish") or contains(../@class,"byline") or '
        'contains(../@class,"meta") or contains(../@class,"date")]'
    )[:3]:
        d = (
            None
            if _in_aside(el) or _labelled_update(el)
            else _parse_any_date(el.get("datetime") or _text_of(el))
        )
        if d:
            return d
    for el in tree.xpath("(//article//header//time | //h1/following::time[1])")[:1]:
        d = (
            None
            if _in_aside(el) or _labelled_update(el)
            else _parse_any_date(el.get("datetime") or _text_of(el))
        )
        if d:
            return d
    return None


_MODIFIED_CLASS = re.compile(r"(?i)modif|updat")
# classes and ids of comment threads, sidebars, "related"/"read next" lists, footers and widgets
_ASIDE_CLASS = re.compile(
    r"(?i)(?:^|[\s_-])(?:comments?|commentlist|disqus|related\w*|discussion|footer|widget|more-stories|"
    r"recommended|read-next|most-read)(?:$|[\s_-])"
)


def _text_before(el: Any) -> str:
    """The last 40 characters of text before element ``el`` in its parent (its preceding siblings'
    texts and tails, then the parent's own text, read backwards until 40 are there)."""
    parent = el.getparent()
    if parent is None:
        return ""
    pieces: list[str] = []  # nearest first
    size = -1  # length of the pieces joined by spaces
    for sib in el.itersiblings(preceding=True):
        for piece in (sib.tail or "", _text_of(sib) if isinstance(sib.tag, str) else ""):
            pieces.append(piece)
            size += len(piece) + 1
        if size >= 40:
            break
    else:
        pieces.append(parent.text or "")
    return " ".join(reversed(pieces))[-40:]


def _labelled_update(el: Any) -> bool:
    """Whether the text just before element ``el`` labels it an update ("Last updated <time>")."""
    return _header.UPDATED.search(_text_before(el)) is not None


def _in_aside(el: Any) -> bool:
    """Whether element ``el`` (a ``<time>``, or one holding a date) is marked as a modification time
    (its own or its parent's class) or sits in a comment, sidebar, footer, navigation or
    related-articles block.
    """
    node, depth = el, 0
    while node is not None and isinstance(node.tag, str) and node.tag != "body":
        attrs = f"{node.get('class') or ''} {node.get('id') or ''}"
        if depth < 2 and _MODIFIED_CLASS.search(attrs):
            return True
        if node.tag in {"aside", "footer", "nav"} or _ASIDE_CLASS.search(attrs):
            return True
        node = node.getparent()
        depth += 1
    return False


_MOD_META = (
    "article:modified_time",
    "og:updated_time",
    "og:modified_time",
    "modified_time",
    "datemodified",
    "last-modified",
    "dcterms.modified",
    "dc.date.modified",
)


def _modified(objs: list[dict[str, Any]], metas: dict[str, str]) -> frozenset[dt.date]:
    """The page's declared modification dates (JSON-LD dateModified, modified-time meta tags)."""
    out = set()
    for obj in objs:
        if _types(obj) & _ARTICLE_TYPES or "headline" in obj:
            d = _parse_any_date(obj.get("dateModified"))
            if d:
                out.add(d)
    for key in _MOD_META:
        d = _parse_any_date(metas[key]) if key in metas else None
        if d:
            out.add(d)
    return frozenset(out)


_EN_MONTHS = list(EN_MONTHS)
# each month's Russian and Ukrainian names, then abbreviations ("5 февраля 2026", "5 лют. 2026")
_CY_MONTHS = [
    [name for table in (RU_MONTHS_GENITIVE, UK_MONTHS_GENITIVE) for name, n in table.items() if n == m]
    + [
        rf"{name}\.?"
        for table in (RU_MONTH_ABBREVIATIONS, UK_MONTH_ABBREVIATIONS)
        for name, n in table.items()
        if n == m
    ]
    for m in range(1, 13)
]


def _visible_rx(d: dt.date) -> re.Pattern[str]:
    """A pattern for date ``d`` written in the page's text in a common format."""
    y, m, day = d.year, d.month, d.day
    en = _EN_MONTHS[m - 1]
    forms = [
        d.isoformat(),
        f"{m}/{day}/{y}",
        f"{m:02}/{day:02}/{y}",
        f"{day:02}/{m:02}/{y}",
        f"{day}/{m}/{y}",
        f"{day:02}.{m:02}.{y}",
        f"{day}.{m}.{y}",
        f"{day:02}-{m:02}-{y}",
    ]
    mon = rf"(?:{en}|{en[:3]}\.?|{'|'.join(_CY_MONTHS[m - 1])})"
    return re.compile(
        "|".join(re.escape(f) for f in forms)
        + rf"|(?i:\b{mon}\s+0?{day}(?:st|nd|rd|th)?,?\s+{y}\b)"
        + rf"|(?i:\b0?{day}(?:st|nd|rd|th)?\s+(?:of\s+)?{mon},?\s+{y}\b)"
    )


def _page_date(
    hd: _header.Header, tree: Any, url: str | None, known: frozenset[dt.date], structured: dt.date | None
) -> dt.date | None:
    """The page's publication date (see the module docstring), from the first of:

    1. a statement that the page first appeared on a day ("This article was originally published on
       26 Sep 2019 and has been updated since");
    2. the dateline beside the main heading (``_header.header_date``);
    3. htmldate or the structured metadata, corroborated (``_choose_date``);
    4. a date labelled "Published"/"Posted on" in a short line further from the heading.

    Dates from 1 and 4 count only when some element outside comments, sidebars, footers and
    "related" lists holds the whole date (``_shown`` with ``split=False``).
    """
    text = ""  # the page's visible text, built when first needed
    for d in _header.originally_published(hd, known):
        text = text or _header.plain_text(hd)
        if _plausible(d) and _shown(d, text, tree, split=False):
            return d
    d = _header.header_date(hd, known, structured)
    if d is not None and _plausible(d):
        return d
    text = text or _header.plain_text(hd)
    d = _choose_date(text, tree, url, structured)
    if d is not None:
        return d
    for d in _header.labelled_dates(hd, known):
        if _plausible(d) and _shown(d, text, tree, split=False):
            return d
    return None


def _choose_date(text: str, tree: Any, url: str | None, structured: dt.date | None) -> dt.date | None:
    """htmldate (no extensive search, original date) corroborated by metadata or the visible page.

    A date counts when htmldate's pick agrees with the structured metadata or is written in the
    visible text outside comments, sidebars, footers and "related" lists (``_shown``); otherwise
    the structured date counts only when it is shown so. No crawl time, no date guessed from
    random text.
    """
    try:
        from htmldate import find_date

        found = find_date(tree, url=url, extensive_search=False, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # pragma: no cover - htmldate on odd pages
        found = None
    hd = _parse_any_date(found) if found else None
    if hd is None and structured is None:
        return None
    if hd is not None and (hd == structured or _shown(hd, text, tree)):
        return hd
    if structured is not None and _shown(structured, text, tree):
        return structured
    return None


_NO_TEXT = {"script", "style", "noscript", "template"}


def _shown(d: dt.date, text: str, tree: Any, split: bool = True) -> bool:
    """Whether ``d`` is written in the visible ``text`` and not only inside asides (``_in_aside``) or
    as today's date ("Today's hours | March 14, 2026": the crawl day, not the page's).

    Where no single element's text holds the date (it is split across elements), the visible text
    decides alone, unless ``split`` is False.
    """
    rx = _visible_rx(d)
    if rx.search(text) is None:
        return False
    seen = False
    for part in tree.xpath(f"//body//text()[contains(., '{d.year}')]"):
        el = part.getparent()
        node = el if part.is_text else el.getparent()
        m = rx.search(part)
        if node is None or (part.is_text and el.tag in _NO_TEXT) or m is None:
            continue
        seen = True
        if _in_aside(node):
            continue
        before = part[: m.start()]
        if len(before.strip()) < 10:  # the label, if any, is the text before this text node
            before = (_text_before(el) if part.is_text else _text_of(el)) + " " + before
        if not _header.TODAY.search(before[-40:]):
            return True
    return split and not seen


# =========================================================================== title / author


_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|«|/|:)\s+")


def _strip_site(title: str, sitename: str | None, host: str | None) -> str:
    """Remove " | Site" / "Site - " when a segment is the site name (or the host name)."""
    segs = _SEPARATORS.split(title)
    if len(segs) < 2:
        return title
    keys = {_alnum(sitename)} if sitename else set()
    if host:
        base = host.lower().removeprefix("www.").split(".")
        keys.add(_alnum(base[0]))
        if len(base) > 2:
            keys.add(_alnum(base[-3]))
        keys.add(_alnum(".".join(base)))

    def is_site(seg: str) -> bool:
        a = _alnum(seg)
        return bool(a) and any(k and (a == k or a.startswith(k) or k.startswith(a)) for k in keys)

    while len(segs) >= 2 and is_site(segs[-1]):
        title = title[: title.rfind(segs[-1])]
        title = re.sub(r"\s*(?:\||-|–|—|::|·|•|»|«|/|:)\s*$", "", title)
        segs = segs[:-1]
    if len(segs) >= 2 and is_site(segs[0]):
        title = title[title.find(segs[1]) :]
    return title.strip()


def _words(s: str | None) -> list[str]:
    return re.findall(r"\w+", _norm(s))


def _main_heading(tree: Any, md: Any, sitename: str | None, host: str | None) -> Any | None:
    """The page's main ``<h1>``: the one that best agrees with og:title / ``<title>``.

    An ``<h1>`` that is the site's name, a section label ("Blog") or a template placeholder has
    little in common with the page's declared titles and is passed over. Without declared
    titles, the first plausible ``<h1>`` counts.
    """
    keys = {_alnum(sitename), _alnum((host or "").removeprefix("www.").split(".")[0])} - {""}
    declared = set(_words(md.title)) | set(_words(tree.findtext(".//title")))
    best, best_score = None, 0.0
    for h in tree.xpath("//body//h1")[:6]:
        t = _text_of(h)
        if not 3 <= len(t) <= 300 or _alnum(t) in keys or "{{" in t:
            continue
        if not declared:
            return h
        words = _words(t)
        score = sum(w in declared for w in words) / len(words) if words else 0.0
        if h.xpath("ancestor::nav"):
            score -= 0.5
        if score > best_score or (score == best_score and best is not None and len(t) > len(_text_of(best))):
            best, best_score = h, score
    return best if best_score >= 0.2 else None


def _title(
    tree: Any, md: Any, sitename: str | None, host: str | None, heading: Any | None = None
) -> str | None:
    if heading is not None:
        return _text_of(heading)
    og = html_lib.unescape(md.title) if md.title else None  # og:title / meta title / JSON-LD headline
    tt = tree.findtext(".//title")
    tt = " ".join(tt.split()) if tt else None
    cands = [c for c in (og, tt) if c]
    stripped = [_strip_site(c, sitename, host) for c in cands]
    if stripped:
        return stripped[0] or cands[0]
    h1s = [_text_of(h) for h in tree.xpath("//h1")[:3]]
    h1s = [h for h in h1s if 3 <= len(h) <= 300]
    return h1s[0] if h1s else None


_AUTHOR_JUNK = re.compile(
    r"(?i)^(?:by|posted by|written by|author|authored by|von|par|por|автор)\s*:?\s+|"
    r"\s*[|,]?\s*(?:staff writer|contributor|editor|reporter|correspondent)\s*$"
)


_MONTH_WORD = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
)
_AUTHOR_TAIL = re.compile(
    r"(?i)\s*(?:[•|·©]|\b(?:last\s+)?updated\b|\bpublished\b|\breviewed\b|\btrending\b|\bfounder\b|"
    rf"\bco-founder\b|\bhead\s+\w+|\b{_MONTH_WORD}(?:\s+\d.*)?$).*$"
)
_AUTHOR_PREFIX = re.compile(
    r"(?i)^(?:article|story|words|text|photos?|read more about|more from|posts by)\s+(?:by\s+)?"
)
_ROLE = re.compile(
    r"(?i)\b(?:director|attorney|representative|ceo|cto|cfo|coo|reviewer|manager|editor|writer|consultant|"
    r"expert|specialist|president|officer|analyst|dietitian|privacy|policy|cookies?|conditions|terms|"
    r"newsletter|subscribe|contributors?|correspondent|reporter)\b"
)
_CREDENTIAL = re.compile(
    r"(?i)^(?:ph\.?\s?d|m\.?\s?d|d\.?v\.?m|r\.?n|bsn|rdn?|ld|mba|ms|ma|msc|cpa|cfp|jd|esq|dds|do|np|pa-c|lcsw)\.?$"
)


def _jsonld_authors(objs: list[dict[str, Any]]) -> list[str]:
    """Names of the Person authors of the page's article object (organisations left out)."""
    for obj in objs:
        if not (_types(obj) & _ARTICLE_TYPES or "headline" in obj) or "author" not in obj:
            continue
        raw = obj["author"]
        items = raw if isinstance(raw, list) else [raw]
        names: list[str] = []
        for it in items:
            if isinstance(it, dict):
                if _types(it) and not _types(it) & {"person"}:
                    continue
                name = it.get("name")
            else:
                name = it
            if isinstance(name, str) and name.strip() and not name.strip().startswith("http"):
                n = " ".join(name.split())
                if n not in names:
                    names.append(n)
        if names:
            return names
    return []


def _clean_author(author: str | None) -> str | None:
    if not author:
        return None
    names = []
    for part in re.split(r"\s*;\s*", author):
        part = _AUTHOR_JUNK.sub("", _AUTHOR_PREFIX.sub("", part.strip()))
        part = _AUTHOR_TAIL.sub("", part).strip(" ,|-•")
        if _CREDENTIAL.match(part.replace(" ", "")) or _ROLE.search(part):
            continue
        if part.lower() in {"by", "written by", "posted by", "author", "authors"}:
            continue
        if not part or part.startswith(("http", "@")) or len(part) > 80:
            continue
        if part.lower() in {
            "admin",
            "administrator",
            "staff",
            "editor",
            "guest",
            "unknown",
            "null",
            "undefined",
            "webmaster",
        }:
            continue
        if part not in names:
            names.append(part)
    return "; ".join(names) or None


_AUTHOR_EL = (
    "//body//*[not(self::script or self::style) and (contains(@class,'author') or "
    "contains(@class,'byline') or @rel='author' or contains(@itemprop,'author'))]"
)
_PERSON = re.compile(r"[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3}")


def _author_element(tree: Any) -> str | None:
    """A person's name ("Jane Doe": two to four capitalised words) that is the text of an element
    the page marks as its author or byline (class, ``rel``, ``itemprop``), outside footers,
    sidebars, navigation and comments.
    """
    for el in tree.xpath(_AUTHOR_EL)[:30]:
        for node in (el, *el[:3]):
            if not isinstance(node.tag, str):
                continue
            text = re.sub(r"^(?:by|BY|By)\s+", "", " ".join((node.text or "").split()))
            if (
                len(text) < 40
                and _PERSON.fullmatch(text)
                and _header.clean_name(text) == _clean_author(text) == text
                and not _in_aside(el)
            ):
                return text
    return None


def _author_by_markup(tree: Any) -> str | None:
    """The first element that trafilatura's author expressions select (``rel="author"``, classes
    such as ``author-name``, ``byline``), outside the elements its discard expressions select
    (comments, sidebars, dates, figures), with a plausible length; its text is read without those
    elements. The same answer as ``trafilatura.metadata.extract_author`` (2.3.1), without its copy
    of the whole tree and in one walk over the page instead of six XPath evaluations, whose
    ``re:test`` calls back into Python for every element (see ``_author_candidates``).
    """
    from trafilatura.metadata import normalize_authors

    discarded = functools.cache(_author_discard)  # ancestors are shared between candidates
    for el in _author_candidates(tree):
        if discarded(el) or any(discarded(a) for a in el.iterancestors()):
            continue
        text = _short_text(el, discarded, 120)
        if text is not None and len(text) > 2:
            try:
                return normalize_authors(None, text)
            except Exception:  # pragma: no cover - trafilatura's helper on odd text
                _log.debug("author normalisation failed for %r", text, exc_info=True)
                return None
    return None


# trafilatura 2.3.1's AUTHOR_XPATHS and AUTHOR_DISCARD_XPATHS as Python tests of one element
# (``re:test`` patterns that are plain alternatives become substring tests; the first expression's
# ``rel='me'``, which tests a child element named "rel", is left out). test_extract checks that
# they select what trafilatura's expressions select.
_AUTHOR_TAGS_1 = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_AUTHOR_TAGS_2 = frozenset({"a", "div", "h3", "h4", "p", "span"})
_AUTHOR_CLASS_1 = ("author-name", "authorname", "AuthorName", "authorName")
_AUTHOR_CLASS_2 = (
    "author",
    "channel-name",
    "zuozhe",
    "bianji",
    "xiaobian",
    "submitted-by",
    "posted-by",
    "journalist-name",
)
_AUTHOR_ID_2 = ("author", "zuozhe", "bianji", "xiaobian")
_AUTHOR_CLASS_3 = ("Author", "author", "screenname", "writer", "Byline", "byline")
_AUTHOR_HINT = re.compile(
    r"uthor|byl|Byline|BBL|username|screenname|writer|channel-name|zuozhe|bianji|xiaobian|"
    r"submitted-by|posted-by|journalist-name"
)
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    r"article-(?:share|support)|print|category|meta-date|meta-reviewer"
)


def _author_candidates(tree: Any) -> list[Any]:
    """The elements trafilatura's three author expressions select, the first expression's
    (document order) before the second's before the third's (in a tree whose further top-level
    elements ``_join_documents`` has moved into it, ``//*`` is ``tree.iter("*")``)."""
    first: list[Any] = []
    second: list[Any] = []
    third: list[Any] = []
    for el in tree.iter("*"):
        tag = el.tag
        get = el.get
        cls = get("class", "")
        ident = get("id", "")
        prop = get("itemprop", "")
        if (  # what every test below needs one of (most elements have none)
            tag != "author"
            and _AUTHOR_HINT.search(f"{cls} {ident} {prop}") is None
            and get("rel") != "author"
            and get("data-testid") is None
            and get("data-component") is None
        ):
            continue
        if tag == "author" or (
            tag in _AUTHOR_TAGS_1
            and (
                get("rel") == "author"
                or ident == "author"
                or cls == "author"
                or prop == "author name"
                or get("data-testid") in ("AuthorCard", "AuthorURL")
                or any(w in cls for w in _AUTHOR_CLASS_1)
            )
        ):
            first.append(el)
        if tag in _AUTHOR_TAGS_2 and (
            cls in ("byline", "username", "byl", "BBL")
            or "author" in prop
            or any(w in ident for w in _AUTHOR_ID_2)
            or any(w in cls for w in _AUTHOR_CLASS_2)
        ):
            second.append(el)
        if (
            "Byline" in get("data-component", "")
            or "author" in prop
            or "Author" in ident
            or "author" in ident
            or any(w in cls for w in _AUTHOR_CLASS_3)
        ):
            third.append(el)
    return first + second + third


def _join_documents(tree: Any) -> None:
    """Move what libxml2 put into further top-level elements into ``tree``'s body, as a browser
    does: markup after a stray ``</html>`` (a page cache's footer, a theme printing the article
    after the closing tag) otherwise lies outside the tree every extraction step reads."""
    later = list(tree.itersiblings())
    if not later:
        return
    body = tree.find("body")
    if body is None:
        body = tree
    for top in later:
        for child in list(top):
            if child.tag == "head":
                continue
            if child.tag == "body":
                if child.text and child.text.strip():
                    _append_text(body, child.text)
                body.extend(list(child))
            else:
                body.append(child)


def _unmark_article_embeds(tree: Any) -> None:
    """Take the "embed" and "slide" classes off a container inside the article that holds article
    text (three or more paragraphs, a heading, 1,000+ characters, but not the page's main heading)
    and off the parts of it that hold paragraphs, so trafilatura does not discard them as a
    social-media embed or a carousel. Sites put articles in both: slide-show listicles keep every
    item in a "slide", site builders wrap custom HTML in an embed (Webflow's ``w-embed``), and a
    tag left open there (a table's ``</div</div>``) puts the rest of the article inside one. A
    page-wide wrapper (``body.wp-embed-responsive``, a slide-out panel around the page) holds the
    main heading and is left alone, and so are the embeds and sliders in it."""
    # One walk finds the elements of both passes: taking "embed" off classes never puts "slide"
    # into one. Each pass takes those whose class has its token when it starts.
    found = tree.xpath('//*[contains(@class,"embed") or contains(@class,"slide")]')
    for token in ("embed", "slide"):
        for el in [el for el in found if token in (el.get("class") or "")]:
            if el.tag in ("html", "body") or next(el.iterdescendants("h1"), None) is not None:
                continue
            if sum(1 for _ in itertools.islice(el.iterdescendants("p"), 3)) < 3:
                continue
            if next(el.iterdescendants("h2", "h3"), None) is None:
                continue
            if sum(len(p.text_content()) for p in el.iter("p")) < 1000:
                continue
            for part in (el, *el.iterdescendants()):  # the container and its items ("slide-item")
                cls = part.get("class")
                if cls and token in cls and (part is el or part.find(".//p") is not None):
                    part.set("class", " ".join(c for c in cls.split() if token not in c))


def _append_text(el: Any, text: str) -> None:
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def _author_discard(el: Any) -> bool:
    """Whether trafilatura's author search discards element ``el`` (comments, sidebars, dates,
    figures, ...)."""
    tag = el.tag
    if tag in ("time", "figure"):
        return True
    if tag not in _DISCARD_TAGS:
        return False
    cls = el.get("class", "")
    ident = el.get("id", "")
    return (
        ident == "comments"
        or cls in ("comments", "title", "date")
        or _DISCARD_ID.search(ident) is not None
        or _DISCARD_CLASS.search(cls) is not None
        or "Figure" in el.get("data-component", "")
    )


def _short_text(el: Any, skip: Callable[[Any], bool], limit: int) -> str | None:
    """The whitespace-collapsed text of ``el`` without the elements ``skip`` selects (their tails
    kept), or None once it reaches ``limit`` characters (read no further: a wrapper around a
    whole article can hold thousands of elements)."""
    parts: list[str] = []
    letters = 0
    for piece in _text_outside(el, skip):
        parts.append(piece)
        letters += len("".join(piece.split()))
        if letters >= limit:
            return None
    text = " ".join(" ".join(parts).split())
    return text if len(text) < limit else None


def _text_outside(el: Any, skip: Callable[[Any], bool]) -> Iterator[str]:
    """The text of ``el`` (as ``itertext``) without the elements ``skip`` selects (tails kept)."""
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str) and not skip(child):
            yield from _text_outside(child, skip)
        if child.tail:
            yield child.tail


def _site_keys(sitename: str | None, host: str | None, objs: list[dict[str, Any]]) -> set[str]:
    """Normalised names of the site and its publisher (og:site_name, host name, JSON-LD publisher)."""
    keys = {_alnum(sitename)}
    if host:
        base = host.lower().removeprefix("www.").split(".")
        keys |= {_alnum(base[0]), _alnum(".".join(base))}
    for obj in objs:
        pub = obj.get("publisher")
        for p in pub if isinstance(pub, list) else [pub]:
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                keys.add(_alnum(p["name"]))
        if _types(obj) & {"organization", "newsmediaorganization", "website"} and isinstance(
            obj.get("name"), str
        ):
            keys.add(_alnum(obj["name"]))
    return keys - {""}


def _drop_site(author: str | None, keys: set[str]) -> str | None:
    """``author`` (names separated by "; ") without the site or its publisher when it also names
    someone else ("Jane Doe; John Roe; The Daily Example" -> "Jane Doe; John Roe").

    A site or organisation named alone stays: many pages are signed by their organisation.
    """
    if not author:
        return None
    names = [n for n in author.split("; ") if _alnum(n) not in keys]
    return "; ".join(names) or author


# =========================================================================== body


_WORD = re.compile(r"\w+")


def _clean_body(text: str, title: str | None) -> str:
    """The paragraphs of trafilatura's text without page furniture: what precedes the title when
    the title is one of the first three paragraphs (breadcrumbs, categories, a kicker), the title
    and a byline or dateline opening the text, junk lines (share/cookie/newsletter lines, code),
    everything from an end-of-article heading ("Related articles", once on the page) in the second
    half on, and repeated text (see ``_drop_repeats``). Bare URL lines stay: on a page they are
    links the article shows.
    """
    paras = [" ".join(p.split()) for p in text.split("\n")]
    paras = [p for p in paras if p]
    title_n = _norm(title)
    if title_n:
        lead = next((i for i, p in enumerate(paras[:3]) if _is_title(p, title_n)), 0)
        paras = paras[lead:]
    out: list[str] = []
    for i, p in enumerate(paras):
        if (
            i >= 3
            and len(out) >= 3
            and i >= len(paras) * 0.5
            and textdump.is_terminal_heading(p)
            and paras.count(p) == 1  # "Read more" under every teaser, "Latest news" per article: no end
        ):
            break
        if not out:
            if title_n and _is_title(p, title_n):
                continue
            if textdump.split_byline(p) or textdump.date_line(p.lstrip("-• ")):
                continue
        if textdump.is_junk(p, max_words=25, urls=False):
            continue
        out.append(p)
    return "\n\n".join(_drop_repeats(_drop_cookie_notice(out)))


def _sliver_fixed(body: str, alt_body: str, gain: float = 3.0) -> bool:
    """Whether default mode's cleaned body ``alt_body`` replaces recall mode's ``body``: when it
    has more than ``gain`` times as many words. Where recall mode really read a sliver, default mode's text
    is 4.5 to 75 times as long (20 benchmark pages); where it is only 1.5 to 3 times as long,
    recall mode had the article and default mode added its neighbours (related-article teasers).
    """
    return len(_WORD.findall(alt_body)) > gain * len(_WORD.findall(body))


_COOKIE = re.compile(r"(?i)\bcookies?\b")
_CONSENT = re.compile(
    r"(?i)\b(?:websites?|browser|consent|accept|privacy|preferences|analytics|third[- ]party|"
    r"functional|tracking|opt[- ]out|GDPR)\b"
)


def _drop_cookie_notice(paras: list[str], short: int = 12) -> list[str]:
    """``paras`` without a cookie-consent dialog at their end.

    The dialog is the run of paragraphs at the end that mention cookies, with short lines (its
    headings and buttons) between them, starting at the first that speaks of the site's cookies
    (with consent vocabulary: website, browser, accept, privacy, analytics, ...). It is dropped
    when it has three such paragraphs, or two and a short line. A recipe's cookies before it stay,
    and so does an article's paragraph or two about cookie rules.
    """
    start = len(paras)
    for i in range(len(paras) - 1, -1, -1):
        if _COOKIE.search(paras[i]):
            start = i
        elif len(paras[i].split()) > short:
            break
    run = paras[start:]
    consent = [i for i, p in enumerate(run) if _COOKIE.search(p) and _CONSENT.search(p)]
    if not consent:
        return paras
    run = run[consent[0] :]
    lines = sum(1 for p in run if not _COOKIE.search(p))
    if len(consent) >= 3 or (len(consent) >= 2 and lines):
        return paras[: len(paras) - len(run)]
    return paras


def _is_title(paragraph: str, title_n: str) -> bool:
    pn = _norm(paragraph)
    return pn == title_n or (len(pn) < 300 and pn.strip("-• ") == title_n)


def _drop_repeats(paras: list[str], run: int = 3, long: int = 200) -> list[str]:
    """``paras`` without the repeats of earlier paragraphs (over 40 characters) that come in a run
    of ``run`` or more (the article a page holds twice, e.g. for two layouts) or are longer than
    ``long`` characters. Shorter repeats between new paragraphs stay: a recipe's or a training
    plan's recurring lines are content.
    """
    keys = [_norm(p) for p in paras]
    seen: set[str] = set()
    repeat = []
    for key in keys:
        repeat.append(len(key) > 40 and key in seen)
        seen.add(key)
    drop: list[bool] = []
    for is_repeat, run_of in itertools.groupby(zip(repeat, keys, strict=True), key=lambda rk: rk[0]):
        members = [key for _, key in run_of]
        drop += [is_repeat and (len(members) >= run or len(key) > long) for key in members]
    return [p for p, d in zip(paras, drop, strict=True) if not d]


# =========================================================================== HTML


_parsers = threading.local()


def _html_parser() -> Any:
    """This thread's HTML parser: trafilatura's settings (no comments or processing instructions,
    no ids collected), every element an ``lxml.html.HtmlElement`` chosen in C.

    lxml.html's own parser asks a Python function which class each element gets (forms, inputs
    and labels get their own), every time Python touches an element: about 7 % of the extraction
    time here, for helper methods nothing in the extraction uses. (lxml parsers are not shared
    across threads, hence one per thread.)"""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        from lxml import etree
        from lxml import html as lxml_html

        parser = etree.HTMLParser(
            collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
        )
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=lxml_html.HtmlElement,
                comment=lxml_html.HtmlComment,
                pi=lxml_html.HtmlProcessingInstruction,
                entity=lxml_html.HtmlEntity,
            )
        )
        _parsers.parser = parser
    return parser


#: The characters libxml2 rejects (trafilatura's ``INVALID_XML_CHARS``), one string to look for
#: each of them with ``in``: a C scan, where the regular expression reads a page at 10 ns a
#: character (1 ms for a 110 KB page that, as nearly every page, has none).
_INVALID_XML = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))


def _repair(html: str, beginning: str) -> str:
    """``trafilatura.utils.repair_faulty_html``: the characters libxml2 rejects removed, a
    DOCTYPE written as a self-closing tag on the first line removed, a self-closing ``<html/>``
    in the first lines opened; the first step only where such a character occurs."""
    from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS

    if any(c in html for c in _INVALID_XML):
        html = INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:
        first, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


def parse_html(html: str) -> Any | None:
    """The page's element tree, or None when it is not HTML: ``trafilatura.utils.load_html`` for
    a decoded page (the same repairs, the same fallback to bytes, the same test of a dubious
    page), with the parser of ``_html_parser``."""
    from lxml import html as lxml_html
    from trafilatura.utils import is_dubious_html

    if not html or not html.strip():
        return None
    beginning = html[:50].lower()
    html = _repair(html, beginning)
    parser = _html_parser()
    tree = None
    as_bytes = False
    try:
        tree = lxml_html.fromstring(html, parser=parser)
    except ValueError:  # a str with an XML encoding declaration: lxml wants bytes for that
        as_bytes = True
    except Exception:  # pragma: no cover - libxml2 failures
        _log.debug("lxml could not parse the page", exc_info=True)
    if as_bytes or tree is None or len(tree) < 1:
        try:
            tree = lxml_html.fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
        except Exception:
            _log.debug("lxml could not parse the page as bytes either", exc_info=True)
            tree = None
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None  # not HTML (or a bare fragment)
    return tree


_SECTION_KEYS = ("article:section", "section", "parsely-section")


def _section(tree: Any, objs: list[dict[str, Any]], md: Any) -> str | None:
    """The site's section of the article: meta tags, else the JSON-LD articleSection, else the
    first category trafilatura read (not its search of category links: slow)."""
    metas = tree.xpath("//meta")  # (one walk, not one a key)
    for key in _SECTION_KEYS:  # the first key's first content, as ``//meta[...key...]/@content``
        vals = [
            v
            for m in metas
            if key in (m.get("property"), m.get("name")) and (v := m.get("content")) is not None
        ]
        if vals and vals[0].strip():
            return str(vals[0]).strip()
    for obj in objs:
        sec = obj.get("articleSection")
        if isinstance(sec, list):
            sec = sec[0] if sec else None
        if isinstance(sec, str) and sec.strip():
            return sec.strip()
    return str(md.categories[0]) if md.categories else None


#: What no extractor reads once the page's metadata is read: scripts other than JSON-LD (whose
#: articleBody trafilatura's baseline falls back on), style sheets, inline SVG, and the head's
#: meta, link and title elements.
_INERT = '//script[not(@type="application/ld+json")]|//style|//svg|//head/meta|//head/link|//head/title'


def _drop_inert(tree: Any) -> None:
    """Remove the ``_INERT`` elements (their tails stay): trafilatura copies and walks every
    element of the tree a dozen times, and these are a seventh of a news page's elements and
    most of its bytes. Every extracted field comes out the same (all 892 benchmark pages), and
    trafilatura's passes run about 3 % faster."""
    for el in tree.xpath(_INERT):
        el.drop_tree()


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Body text and metadata of an HTML page (see module docstring)."""
    import trafilatura
    from trafilatura.metadata import examine_meta, extract_meta_json

    _fastxpath.install()
    tree = parse_html(html)
    if tree is None:
        return Extracted(text="", url=url)
    _join_documents(tree)
    _unmark_article_embeds(tree)

    try:
        md = examine_meta(tree)
        handle = md.author if md.author and " " not in md.author.strip() else None
        if handle:
            md.author = None
        md = extract_meta_json(tree, md)
    except Exception:  # pragma: no cover - trafilatura's metadata code on odd pages
        _log.debug("metadata extraction failed for %s", url, exc_info=True)
        from trafilatura.settings import Document

        md = Document()
        handle = None
    objs = _jsonld_objects(tree)

    canonical = None
    for href in tree.xpath('//link[@rel="canonical"]/@href')[:1]:
        if href.startswith("http"):
            canonical = href.strip()
    page_url = canonical or (md.url if md.url and md.url.startswith("http") else None) or url
    host = urlsplit(page_url or url or "").hostname
    sitename = md.sitename.lstrip("@") if md.sitename else None
    if not sitename and host:
        sitename = host.removeprefix("www.")

    heading = _main_heading(tree, md, sitename, host)
    hd = _header.visible_text(tree, heading)
    title = _title(tree, md, sitename, host, heading)
    hd = _header.locate(hd, title)
    metas = _meta_tags(tree)
    structured = _published(tree, page_url or url, objs, metas)
    modified = _modified(objs, metas)
    known = frozenset(d for d in (structured, _date_from_url(page_url or url)) if d) | modified
    published = _page_date(hd, tree, page_url or url, known, structured)
    section = _section(tree, objs, md)
    _drop_inert(tree)
    doc = trafilatura.bare_extraction(
        tree, url=url, include_comments=False, favor_recall=True, with_metadata=False, fast=True
    )
    raw_text = (doc.text if doc is not None else "") or ""
    body = _clean_body(_body.add_sibling_chunks(tree, raw_text), title)
    # Recall mode now and then keeps only part of the article (a teaser, one list item, the intro).
    # When its text is under 20 % of the page's visible words, ask default mode (with its
    # readability and jusText comparisons) too, and keep its body when that is much longer
    # (``_sliver_fixed``).
    # (word counts only where the characters already suggest a sliver: counting is not free)
    n_raw = len(_WORD.findall(raw_text)) if len(raw_text) < 0.5 * len(hd.text) else 0
    if len(raw_text) < 0.5 * len(hd.text) and n_raw < 0.2 * len(_WORD.findall(hd.text)):
        _load_stoplists()
        alt = trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=False)
        alt_text = (alt.text if alt is not None else "") or ""
        alt_body = _clean_body(_body.add_sibling_chunks(tree, alt_text), title)
        if _sliver_fixed(body, alt_body):
            body = alt_body

    # The page's declared author (meta tags, JSON-LD via trafilatura), else a visible byline or
    # JSON-LD Person names, else a person's name marked as the author/byline, else trafilatura's
    # (slower) search of the page's author elements.
    site_keys = _site_keys(sitename, host, objs)
    author = md.author if _clean_author(md.author) else None
    if not author:
        author = "; ".join(_header.header_byline(hd)) or "; ".join(_jsonld_authors(objs)) or None
    if not author:
        author = _author_element(tree)
    if not author:
        author = _author_by_markup(tree)
    # The site itself or its publisher listed beside people is not one of the authors; a one-word
    # author name in the meta tags (a handle such as "jdoe") counts when nothing else names one.
    author = _drop_site(_clean_author(author), site_keys) or _drop_site(_clean_author(handle), site_keys)
    # trafilatura merges the authors of every JSON-LD object (reviews, other articles); when the
    # article object itself names only some of them, those are the article's authors.
    own = _clean_author("; ".join(_jsonld_authors(objs)))
    if author and own:
        own_keys = {_alnum(n) for n in own.split("; ")}
        if own_keys < {_alnum(n) for n in author.split("; ")}:
            author = own
    lang = tree.get("lang") or tree.get("xml:lang")
    if lang:
        lang = lang.strip().lower().replace("_", "-").split("-")[0] or None

    return Extracted(
        text=body,
        title=title,
        author=author,
        published=published,
        section=section,
        sitename=sitename,
        url=page_url,
        language_hint=lang,
    )
