"""Extraction stage: decoding, HTML extraction, text-dump cleaning (offline, fast)."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from undertow.errors import InputError
from undertow.ingest.extract import decode_bytes, extract_html, extract_plain_text

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
DATA = Path(__file__).resolve().parent / "data" / "extract"
SEED = SHARED / "seed" / "000_9c6035b3240adb3a.txt"

RU_TEXT = (
    "Министр иностранных дел России заявил в среду, что переговоры в Абу-Даби продолжатся. "
    "По его словам, стороны обсудили гарантии безопасности и вопросы прекращения огня, "
    "но договорённости пока не достигнуты. Эксперты считают, что это затянет конфликт."
)
EN_TEXT = (
    "The minister’s “constructive” remarks — delivered in Paris — were welcomed by the café owners; "
    "naïve observers expected more. Talks resume on Thursday."
)


def _page(body: str, charset: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>Новости</title></head><body><p>{body}</p></body></html>"


# --------------------------------------------------------------------------- decode_bytes


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r"])
def test_decode_cyrillic_without_declaration(enc: str) -> None:
    data = _page(RU_TEXT).encode(enc)
    assert RU_TEXT in decode_bytes(data)


@pytest.mark.parametrize("enc", ["cp1251", "koi8-r"])
def test_decode_cyrillic_declared(enc: str) -> None:
    data = _page(RU_TEXT, enc).encode(enc)
    assert RU_TEXT in decode_bytes(data)
    assert RU_TEXT in decode_bytes(data, declared=enc)


def test_decode_windows_1252_english() -> None:
    data = f"<html><body><p>{EN_TEXT}</p></body></html>".encode("cp1252")
    assert EN_TEXT in decode_bytes(data)


def test_decode_latin1_declared_but_cp1251_bytes() -> None:
    data = _page(RU_TEXT).encode("cp1251")
    assert RU_TEXT in decode_bytes(data, declared="iso-8859-1")


def test_decode_utf8_declared_wrongly_as_latin1() -> None:
    data = _page(RU_TEXT).encode("utf-8")
    assert RU_TEXT in decode_bytes(data, declared="windows-1252")


def test_decode_invalid_utf8_uses_replacement() -> None:
    data = _page(RU_TEXT).encode("utf-8")
    broken = data[:200] + b"\xff\xfe\x80" + data[200:]
    text = decode_bytes(broken)
    assert "\ufffd" in text
    assert "переговоры в Абу-Даби" in text


@pytest.mark.parametrize(
    ("bom", "enc"),
    [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")],
)
def test_decode_bom(bom: bytes, enc: str) -> None:
    text = decode_bytes(bom + _page(RU_TEXT).encode(enc))
    assert text.startswith("<html>")
    assert RU_TEXT in text


def test_decode_strips_nul_bytes() -> None:
    assert decode_bytes(b"<p>Hello\x00 world</p>") == "<p>Hello world</p>"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n" + bytes(range(256)), "PDF"),
        (b"PK\x03\x04\x14\x00\x00\x00" + bytes(200), "ZIP"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100), "JPEG"),
        (b"\x1f\x8b" + zlib.compress(b"x" * 1000), "gzip"),
    ],
)
def test_decode_binary_raises(data: bytes, kind: str) -> None:
    with pytest.raises(InputError) as err:
        decode_bytes(data, source="blob.bin")
    assert err.value.source == "blob.bin"
    assert "binary content" in err.value.reason
    assert kind in err.value.reason


def test_decode_unknown_binary_raises() -> None:
    data = bytes([0, 1, 2, 3, 200, 17, 0, 0, 5, 6]) * 300
    with pytest.raises(InputError, match="binary content"):
        decode_bytes(data)


# --------------------------------------------------------------------------- extract_html

ARTICLE = """<!doctype html><html lang="en-GB"><head>
<title>Talks resume in Abu Dhabi | Example News</title>
<meta property="og:title" content="Talks resume in Abu Dhabi">
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://news.example.com/world/talks-resume">
{meta}
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><header><h1>Talks resume in Abu Dhabi</h1>
<p class="byline">By Jane Doe and John Roe</p>{time}</header>
<p>Delegations from the United States, Ukraine and Russia met again in Abu Dhabi on Thursday for a
second day of consultations, officials said, describing the atmosphere as businesslike.</p>
<p>The talks followed the same format as the previous day, with working groups and a closing plenary
session that ran late into the evening, according to two people familiar with the schedule.</p>
<p>Observers said the outcome would shape the trajectory of the diplomatic effort in the coming weeks
and that further rounds were expected before the end of the month.</p>
<p>Share this article</p>
</article>
<footer><p>Copyright 2026 Example News. All rights reserved.</p></footer>
</body></html>"""


def test_extract_html_body_and_metadata() -> None:
    html = ARTICLE.format(
        meta='<meta property="article:published_time" content="2026-02-05T10:00:00+00:00">',
        time='<time datetime="2026-02-05">5 February 2026</time>',
    )
    ex = extract_html(html, url="https://news.example.com/world/talks-resume?utm=x")
    assert ex.title == "Talks resume in Abu Dhabi"
    assert ex.published == dt.date(2026, 2, 5)
    assert ex.url == "https://news.example.com/world/talks-resume"
    assert ex.sitename == "Example News"
    assert ex.language_hint == "en"
    assert ex.text.startswith("Delegations from the United States")
    assert "\n\n" in ex.text
    assert "Share this article" not in ex.text
    assert "All rights reserved" not in ex.text


def test_extract_html_dateless_page_has_no_date() -> None:
    html = ARTICLE.format(meta="", time="")
    ex = extract_html(html, url="https://news.example.com/world/talks-resume")
    assert ex.published is None


def test_extract_html_ignores_random_dates_in_text() -> None:
    html = ARTICLE.format(meta="", time="").replace(
        "businesslike.", "businesslike. The previous round took place on 12 January 2026."
    )
    assert extract_html(html).published is None


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("Thu, 09/25/2025 - 11:38", dt.date(2025, 9, 25)),  # Drupal's default date format
        ("25/09/2025", dt.date(2025, 9, 25)),  # the first number cannot be a month
        ("2025-09-25T11:38:00+02:00", dt.date(2025, 9, 25)),
        ("13/13/2025", None),
        ("05/06/2025", None),  # May in the US, June elsewhere: unread
        ("v1/2/2024", None),  # a version, not a date
    ],
)
def test_metadata_date_formats(value: str, day: dt.date | None) -> None:
    from undertow.ingest.extract import _parse_any_date

    assert _parse_any_date(value) == day


def test_extract_html_title_suffix_stripped_without_og() -> None:
    html = (
        "<html><head><title>Kremlin rejects guarantees - Example News</title>"
        '<meta property="og:site_name" content="Example News"></head><body><article>'
        "<p>" + "The Kremlin rejected the proposed guarantees again on Wednesday. " * 5 + "</p>"
        "</article></body></html>"
    )
    assert extract_html(html).title == "Kremlin rejects guarantees"


_HEADER_PAGE = """<html><head><title>Ten tips for renters - Example Homes</title>
<meta property="og:title" content="Renting: ten tips | Example Homes">
<meta property="article:published_time" content="2019-03-01T10:00:00Z">
</head><body><nav><h1>Example Homes</h1></nav><article><h1>Ten tips for renters</h1>
<div class="meta"><span>By <a href="/a/jane">Jane Doe</a> and <a href="/a/john">John Roe</a></span>
<span>{dateline}</span></div>
<p>{body}</p></article></body></html>"""
_BODY = "Renting a flat in the city is easier when you know what to check before signing. " * 6


def test_extract_html_title_is_main_heading() -> None:
    html = _HEADER_PAGE.format(dateline="", body=_BODY)
    assert extract_html(html).title == "Ten tips for renters"


def test_extract_html_visible_dateline_and_byline() -> None:
    html = _HEADER_PAGE.format(dateline="March 5, 2024", body=_BODY)
    ex = extract_html(html)
    assert ex.published == dt.date(2024, 3, 5)
    assert ex.author == "Jane Doe; John Roe"


def test_extract_html_updated_line_yields_to_published_metadata() -> None:
    html = _HEADER_PAGE.format(dateline="Updated March 5, 2024", body=_BODY)
    assert extract_html(html).published == dt.date(2019, 3, 1)


def test_extract_html_updated_line_gives_way_to_visible_published_date() -> None:
    # "December 22, 2022 · Updated: January 2, 2026": the publication date is the one shown unlabelled
    html = _HEADER_PAGE.format(dateline="December 22, 2022</span><span>Updated: January 2, 2026", body=_BODY)
    html = html.replace('<meta property="article:published_time" content="2019-03-01T10:00:00Z">', "")
    assert extract_html(html).published == dt.date(2022, 12, 22)


def test_extract_html_url_date_with_month_name_reads_ambiguous_dateline() -> None:
    html = _HEADER_PAGE.format(dateline="03/10/2023", body=_BODY).replace(
        '<meta property="article:published_time" content="2019-03-01T10:00:00Z">', ""
    )
    assert extract_html(html).published == dt.date(2023, 3, 10)  # month first without other evidence
    url = "https://example.com/blog/2023/october/03/ten-tips"
    assert extract_html(html, url=url).published == dt.date(2023, 10, 3)


@pytest.mark.parametrize(
    "time_el",
    [
        '<div class="post-date__modified-date"><time datetime="2026-02-01">February 1, 2026</time></div>',
        '<aside><h3>More</h3><div class="meta"><time datetime="2026-02-01">Feb 1, 2026</time></div></aside>',
        '<div class="comments"><div class="meta"><time datetime="2026-02-01">Feb 1, 2026</time></div></div>',
    ],
)
def test_extract_html_time_of_modification_or_sidebar_is_not_published(time_el: str) -> None:
    html = (
        "<html><head><title>Ten tips for renters</title></head><body><h1>Ten tips for renters</h1>"
        f"<p>{_BODY}</p>{time_el}</body></html>"
    )
    assert extract_html(html).published is None


def test_time_labelled_as_update_is_not_a_publication_time() -> None:
    from trafilatura.utils import load_html

    from undertow.ingest.extract import _published

    page = (
        '<html><body><h1>Notion alternatives</h1><p class="meta">{} <time datetime="{}">x</time></p>'
        "</body></html>"
    )
    assert _published(load_html(page.format("Page last updated", "2026-02-26")), None, []) is None
    assert _published(load_html(page.format("By Jane Doe", "2026-02-26")), None, []) == dt.date(2026, 2, 26)


def test_extract_html_date_in_prose_is_not_a_dateline() -> None:
    html = _HEADER_PAGE.format(dateline="", body="The lease began on March 5, 2024. " + _BODY).replace(
        '<meta property="article:published_time" content="2019-03-01T10:00:00Z">', ""
    )
    assert extract_html(html).published is None


def test_extract_html_dateline_without_h1() -> None:
    html = (
        "<html><head><title>Why small languages die</title></head><body><div class='t'>"
        "Why small languages die</div><div>Essay - Published: 2025.12.17</div>"
        f"<p>{_BODY}</p></body></html>"
    )
    assert extract_html(html).published == dt.date(2025, 12, 17)


_FAR_PAGE = """<html><head><title>Ten tips for renters</title></head><body><article>
<h1>Ten tips for renters</h1><p class="standfirst">{standfirst}</p>{meta}<p>{body}</p></article>
{comments}</body></html>"""
_STANDFIRST = "What to check before you sign a lease, from deposits to repairs and notice periods. " * 6


@pytest.mark.parametrize(
    ("meta", "day"),
    [
        ("<p>Published · August 30, 2021</p>", dt.date(2021, 8, 30)),
        ('<div class="info"><h3>Published</h3><p>Monday, August 30, 2021</p></div>', dt.date(2021, 8, 30)),
        ("<p>Posted on Monday the 30th of August 2021</p>", dt.date(2021, 8, 30)),
        ("<p>August 30, 2021</p>", None),  # unlabelled
        ("<p>Updated on August 30, 2021</p>", None),
        ("<p>Re-posted on August 30, 2021</p>", None),
        ("<ul><li>The landlord posted on August 30, 2021 a notice.</li></ul>", None),  # a verb, not a label
    ],
)
def test_extract_html_labelled_date_far_from_the_heading(meta: str, day: dt.date | None) -> None:
    # past the header window (a long standfirst), a date counts only when labelled as published
    html = _FAR_PAGE.format(standfirst=_STANDFIRST, meta=meta, body=_BODY, comments="")
    assert extract_html(html).published == day


@pytest.mark.parametrize(
    "comments",
    [
        '<div class="comments"><p>Jane</p><p>Posted on March 3, 2024</p><p>Great tips!</p></div>',
        '<div id="disqus_thread"><p>Jane</p><p>Posted on March 3, 2024</p></div>',
        '<ol class="commentlist"><li><p>Posted on March 3, 2024</p><p>Great tips!</p></li></ol>',
        '<div class="comments"><p>Posted on March 3, <b>2024</b></p></div>',  # the date split in two
    ],
)
def test_extract_html_posted_label_in_comments_is_not_the_date(comments: str) -> None:
    html = _FAR_PAGE.format(standfirst=_STANDFIRST, meta="", body=_BODY, comments=comments)
    assert extract_html(html).published is None
    # the comment is not read before the page's own metadata either
    meta = '<meta property="article:published_time" content="2024-06-01T10:00:00Z">'
    assert extract_html(html.replace("</title>", "</title>" + meta)).published == dt.date(2024, 6, 1)


def test_extract_html_date_in_prose_far_from_the_heading_is_not_published() -> None:
    prose = _BODY + " The first guide was published on March 3, 2024 and read widely. " + _BODY
    html = _FAR_PAGE.format(standfirst=_STANDFIRST, meta="", body=prose, comments="")
    assert extract_html(html).published is None


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Published | August 30, 2024", dt.date(2024, 8, 30)),
        ("Posted on: Monday, August 30, 2024", dt.date(2024, 8, 30)),
        ("Date published: 2024-08-30", dt.date(2024, 8, 30)),
        ("Publication date | 30 August 2024", dt.date(2024, 8, 30)),
        ("First published on the 30th of August 2024", dt.date(2024, 8, 30)),
        ("Unpublished 2024-08-30", None),
        ("Updated 2024-08-30", None),
        ("Published by Jane Doe, August 30, 2024", None),
        ("Published · August 30, 2024", dt.date(2024, 8, 30)),  # one element
        ("Posted — Aug. 30, 2024", dt.date(2024, 8, 30)),
        ("Published on Monday the 30th of August 2024", dt.date(2024, 8, 30)),
        ("Published monthly, August 30, 2024", None),
        ("Re-posted on August 30, 2024", None),
        ("the landlord posted on August 30, 2024 a notice", None),
        ("Опубликовано: 30 августа 2024", dt.date(2024, 8, 30)),
        ("закон был опубликовано 30 августа 2024", None),
    ],
)
def test_labelled_publication_dates(line: str, day: dt.date | None) -> None:
    from undertow.ingest._header import Header, labelled_dates

    text = " \ue000 ".join(["Ten tips for renters", "A standfirst.", *line.split(" | "), "Body text."])
    assert labelled_dates(Header(text, 0, 20)) == ([day] if day else [])


_RU_PAGE = """<html lang="ru"><head><title>Лавров о переговорах</title>{meta}</head><body><article>
<h1>Лавров о переговорах</h1>{lead}<div class="meta">{dateline}</div><p>{body}</p></article></body></html>"""
_RU_BODY = "Министр заявил журналистам, что консультации продолжатся на следующей неделе в Абу-Даби. " * 6
_RU_LEAD = "<p>" + "Глава МИД рассказал о ходе консультаций с делегацией и о шагах сторон. " * 9 + "</p>"
_RU_META = '<meta property="article:published_time" content="2026-02-05T10:00:00+03:00">'


@pytest.mark.parametrize(
    ("dateline", "meta", "lead", "day"),
    [
        ("5 февраля 2026", "", "", dt.date(2026, 2, 5)),
        ("5 февраля 2026 г., 14:30", "", "", dt.date(2026, 2, 5)),
        ("5 фев. 2026", "", "", dt.date(2026, 2, 5)),
        ("5 лютого 2026 року", "", "", dt.date(2026, 2, 5)),
        ("Обновлено 6 февраля 2026", "", "", dt.date(2026, 2, 6)),
        ("Обновлено 6 февраля 2026", _RU_META, "", dt.date(2026, 2, 5)),  # an update yields to the metadata
        ("Оновлено 6 лютого 2026", _RU_META, "", dt.date(2026, 2, 5)),
        ("Опубликовано: 5 февраля 2026", "", _RU_LEAD, dt.date(2026, 2, 5)),  # labelled, past a long lead
        ("Дата публікації</div><div>5 лютого 2026", "", _RU_LEAD, dt.date(2026, 2, 5)),
        ("5 февраля 2026", "", _RU_LEAD, None),  # unlabelled and far from the heading
    ],
)
def test_extract_html_russian_and_ukrainian_datelines(
    dateline: str, meta: str, lead: str, day: dt.date | None
) -> None:
    html = _RU_PAGE.format(meta=meta, lead=lead, dateline=dateline, body=_RU_BODY)
    assert extract_html(html).published == day


@pytest.mark.parametrize("masthead", ["Сегодня: 7 декабря 2026", "Today is Monday, December 7, 2026"])
def test_extract_html_todays_date_in_the_masthead_is_not_published(masthead: str) -> None:
    html = _HEADER_PAGE.format(dateline="", body=_BODY).replace(
        '<meta property="article:published_time" content="2019-03-01T10:00:00Z">', ""
    )
    html = html.replace("<nav>", f"<div class='top'>{masthead}</div><nav>")
    assert extract_html(html).published is None
    # the same date, unlabelled, is the dateline
    assert extract_html(html.replace(masthead, "December 7, 2026")).published == dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("snippet", "shown"),
    [
        ("<p>Published: March 14, 2026</p>", True),
        ("<p>Today: March 14, 2026</p>", False),
        ("<div><h3>Today's hours</h3><p>March 14, 2026</p></div>", False),
        ("<div class='comments'><p>March 14, 2026</p></div>", False),
    ],
)
def test_shown_date(snippet: str, shown: bool) -> None:
    from undertow.ingest.extract import _shown, parse_html

    html = f"<html><body><h1>Garden notes</h1>{snippet}<p>{_BODY}</p></body></html>"
    assert _shown(dt.date(2026, 3, 14), "March 14, 2026", parse_html(html)) is shown


@pytest.mark.parametrize(
    ("note", "day"),
    [
        (
            "This article was originally published on 26 Sep 2019 at 4:12pm but has been updated since.",
            (2019, 9, 26),
        ),
        ("Update note: this blog post was first published on the 26th of September 2019.", (2019, 9, 26)),
        ("</p><p>First published: 26 September 2019</p><p>", (2019, 9, 26)),  # a line of its own
        (
            "The rules were first published on 26 September 2019 by the council.",
            (2022, 9, 30),
        ),  # not the page
        ("The video first appeared on 26 Sep 2019 on a local channel.", (2022, 9, 30)),
    ],
)
def test_extract_html_originally_published_wins_over_the_dateline(
    note: str, day: tuple[int, int, int]
) -> None:
    html = _HEADER_PAGE.format(dateline="September 30, 2022", body=_BODY + "</p><p>" + note)
    assert extract_html(html).published == dt.date(*day)


def test_extract_html_site_h1_in_nav_is_not_the_title() -> None:
    html = _HEADER_PAGE.format(dateline="", body=_BODY).replace("Ten tips for renters</h1>", "Renting</h1>")
    assert extract_html(html).title != "Example Homes"


def _authored_page(meta: str, byline: str = "") -> str:
    return (
        "<html><head><title>Ten tips for renters</title>"
        f'<meta property="og:site_name" content="The Daily Example">{meta}</head><body>'
        f"<h1>Ten tips for renters</h1>{byline}<p>{_BODY}</p></body></html>"
    )


def test_extract_html_one_word_meta_author_is_a_handle() -> None:
    assert extract_html(_authored_page('<meta name="author" content="jdoe">')).author.lower() == "jdoe"
    # ...but a visible byline naming a person comes first
    page = _authored_page('<meta name="author" content="jdoe">', "<p>By Jane Doe</p>")
    assert extract_html(page).author == "Jane Doe"


@pytest.mark.parametrize(
    ("block", "author"),
    [
        ('<div class="post_author-name">Jane Doe</div>', "Jane Doe"),
        ('<div class="author-card"><p>Jane Doe</p><p>Staff writer</p></div>', "Jane Doe"),
        ('<div class="author-box">Written By</div>', None),
        ('<div class="comment"><span class="comment-author">Jane Doe</span></div>', None),
        ('<aside><div class="author">Jane Doe</div></aside>', None),
        ('<div class="author">Read more about renting</div>', None),
    ],
)
def test_author_element(block: str, author: str | None) -> None:
    from trafilatura.utils import load_html

    from undertow.ingest.extract import _author_element

    assert _author_element(load_html(_authored_page("", block))) == author
    if author:
        assert extract_html(_authored_page("", block)).author == author


_MARKUP_AUTHORS = [
    '<a rel="author" href="/jd">Jane Doe</a>',
    '<span class="post-author-name">Jane Doe</span>',
    '<p class="byline">Jane Doe</p>',
    '<h4 id="zuozhe-box">Li Wei</h4>',
    '<div data-component="Byline"><span>Jane Doe</span> <time>May 2</time></div>',
    '<section class="WriterBox">Jane Doe</section>',
    '<div class="sidebar"><span class="author">Jane Doe</span></div>',
    '<div class="comments-list"><div class="authorName">John Roe</div></div>',
    '<div id="commentlist"><a rel="author">John Roe</a></div>',
    '<figure><figcaption class="author">Photo: John Roe</figcaption></figure>',
    '<div class="author-box">Jane Doe <div class="meta-date">3 May 2024</div></div>',
    "<author>Jane Doe</author>",
    '<div data-testid="AuthorCard"><b>Jane Doe</b></div>',
    '<p><a rel="author">Jane Doe</a> and <span class="Author">John Roe</span></p>',
    '<span itemprop="author name">Jane Doe</span><span class="screenname">@jdoe</span>',
    '<div class="Byline-wrap"><div class="quote">"No"</div>Jane Doe</div>',
]


@pytest.mark.parametrize("block", _MARKUP_AUTHORS)
def test_author_markup_search_matches_trafilatura(block: str) -> None:
    """Our one-walk author search selects and discards the elements trafilatura's expressions
    do, and reads the same author as ``trafilatura.metadata.extract_author``."""
    from trafilatura.metadata import extract_author
    from trafilatura.utils import load_html
    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

    from undertow.ingest.extract import (
        _author_by_markup,
        _author_candidates,
        _author_discard,
    )

    tree = load_html(_authored_page("", block + '<div class="comments"><p class="byline">Spam Bot</p></div>'))
    assert _author_candidates(tree) == [el for x in AUTHOR_XPATHS for el in x(tree)]
    assert {el for el in tree.iter("*") if _author_discard(el)} == {
        el for x in AUTHOR_DISCARD_XPATHS for el in x(tree)
    }
    assert _author_by_markup(tree) == extract_author(tree)


def test_extract_html_article_authors_not_merged_with_other_jsonld_objects() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "Article", "headline": "Ten tips for renters", '
        '"author": {"@type": "Person", "name": "Jane Doe"}}</script>'
        '<script type="application/ld+json">{"@type": "Review", '
        '"author": {"@type": "Person", "name": "John Roe"}}</script>'
    )
    meta = '<meta name="author" content="Jane Doe, John Roe">'
    assert extract_html(_authored_page(meta + ld)).author == "Jane Doe"


def test_extract_html_site_beside_people_is_not_an_author() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ten tips for renters", '
        '"author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}, '
        '{"@type": "Organization", "name": "The Daily Example"}]}</script>'
    )
    meta = '<meta name="author" content="Jane Doe, John Roe, The Daily Example">'
    assert extract_html(_authored_page(meta + ld)).author == "Jane Doe; John Roe"
    # an organisation signing alone is the author
    assert extract_html(_authored_page('<meta name="author" content="The Daily Example">')).author == (
        "The Daily Example"
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Mike Marshall", "Mike Marshall"),
        ("Genevieve Carlton; Ph D", "Genevieve Carlton"),
        ("Cazzy Magennis Last Updated August 1", "Cazzy Magennis"),
        ("Haley Hoekstra • March", "Haley Hoekstra"),
        ("Justin Meserole; Trial Attorney", "Justin Meserole"),
        ("Written By", None),
    ],
)
def test_clean_author(raw: str, clean: str | None) -> None:
    from undertow.ingest.extract import _clean_author

    assert _clean_author(raw) == clean


def test_extract_html_empty_input() -> None:
    assert extract_html("").text == ""


# --------------------------------------------------------------------------- extract_plain_text


def _seed_or_skip() -> str:
    if not SEED.is_file():
        pytest.skip("../shared/seed is absent")
    return SEED.read_text(encoding="utf-8")


@pytest.mark.shared
def test_seed_dump() -> None:
    ex = extract_plain_text(_seed_or_skip())
    assert ex.section == "World War"
    assert ex.title == "2 Days of Talks, 1 Standoff: Ukraine War Diplomacy Faces New Russian Pushback"
    assert ex.author == "Samir Singh 'Bharat'"
    assert ex.published is None
    assert ex.text.startswith("Diplomatic efforts surrounding the war in Ukraine continued on February 5")
    assert ex.text.endswith("will prolong instability in the region.")
    for junk in (
        "Related Articles",
        "Leave a Reply",
        "Your email address will not be published",
        "Back to top button",
        "error: Content is protected",
        ".site-below-footer-wrap",
        "Ukraine war diplomatic talks Abu Dhabi",  # image caption
    ):
        assert junk not in ex.text
    assert "\n\nKremlin Pushes Back Against Western Security Guarantees\n\n" in ex.text


EN_DUMP = (DATA / "en_dump.txt").read_text(encoding="utf-8")

RU_DUMP = (DATA / "ru_dump.txt").read_text(encoding="utf-8")

UK_DUMP = (DATA / "uk_dump.txt").read_text(encoding="utf-8")


def test_en_dump() -> None:
    ex = extract_plain_text(EN_DUMP)
    assert ex.section == "Politics"
    assert ex.title == "Senate Passes Aid Package After Marathon Session"
    assert ex.author == "Maria Lopez; Tom Baker"
    assert ex.published == dt.date(2025, 3, 3)
    assert ex.text.startswith("The Senate passed a long-delayed aid package")
    assert "Senators applaud after the vote" not in ex.text  # caption
    assert "\n\nWhat Comes Next\n\n" in ex.text  # heading kept
    for junk in ("Share on Facebook", "Tweet", "newsletter", "Copyright"):
        assert junk not in ex.text
    assert ex.text.endswith("a vote on the measure.")


def test_ru_dump() -> None:
    ex = extract_plain_text(RU_DUMP)
    assert ex.section == "Политика"
    assert ex.title == "Лавров отверг западные гарантии безопасности для Украины"
    assert ex.author == "Иван Петров"
    assert ex.text.startswith("Министр иностранных дел России Сергей Лавров")
    for junk in ("Читайте также", "Поделиться", "Комментарии", "Подписывайтесь", "права защищены"):
        assert junk not in ex.text
    assert ex.text.endswith("угрозу безопасности России.")


def test_uk_dump() -> None:
    ex = extract_plain_text(UK_DUMP)
    assert ex.section == "Світ"
    assert ex.title == "Переговори в Абу-Дабі тривають другий день"
    assert ex.author == "Олена Коваль"
    assert ex.text.startswith("Делегації України, США та Росії")
    for junk in ("Читайте також", "Поділитися", "Коментарі", "не буде опублікована", "права захищені"):
        assert junk not in ex.text
    assert ex.text.endswith("підсумковим засіданням.")


def test_dump_with_a_long_menu_above_the_headline() -> None:
    # 17 lines of menu, breadcrumb and share buttons above the body; "Posted on <date> by <name>";
    # share and like buttons under the body
    ex = extract_plain_text((DATA / "en_dump_menu.txt").read_text(encoding="utf-8"))
    assert ex.title == "Zelensky Says Ceasefire Talks Must Include Security Guarantees"
    assert ex.section == "Europe"  # the breadcrumb's last part
    assert ex.author == "John Smith"
    assert ex.published == dt.date(2026, 2, 6)
    assert ex.text.startswith("Ukrainian President Volodymyr Zelensky said on Thursday")
    assert ex.text.endswith("on the central questions of territory and guarantees.")
    for junk in ("Menu", "Search for", "Advertisement", "Share this", "Like this", "Loading", "Odesa"):
        assert junk not in ex.text


def test_dump_with_a_banner_a_caption_and_a_newsletter_box() -> None:
    ex = extract_plain_text((DATA / "en_dump_banner.txt").read_text(encoding="utf-8"))
    assert ex.title == "Macron and Starmer Propose Reassurance Force for Ukraine"  # not "BREAKING NEWS"
    assert ex.section == "Europe"
    assert ex.author == "Claire Dubois; Tom Harris"  # "Europe Correspondents" is their role
    assert ex.published == dt.date(2026, 2, 3)  # published, not the update under it
    assert ex.text.startswith("France and Britain on Tuesday proposed")
    assert ex.text.endswith('We are going to make peace last," Macron said.')
    for junk in ("Photo:", "READ MORE", "inbox", "Most Read", "Cookie"):
        assert junk not in ex.text


def test_dump_ends_where_the_comments_begin() -> None:
    ex = extract_plain_text((DATA / "en_dump_comments.txt").read_text(encoding="utf-8"))
    assert ex.title == "Peskov Rejects Foreign Troops Proposal"
    assert ex.text.endswith("talks between the United States and Russia in Riyadh earlier in the week.")
    for junk in ("Also read", "Watch:", "says:", "Reply", "Moscow for permission", "Privacy Policy"):
        assert junk not in ex.text


def test_dump_from_an_agency() -> None:
    # "TASS" above the headline is a banner; "MOSCOW, February 4. /TASS/." is the agency's dateline
    ex = extract_plain_text((DATA / "en_dump_agency.txt").read_text(encoding="utf-8"))
    assert ex.title == "Lavrov says Western guarantees for Kiev are an ultimatum"
    assert ex.text.startswith("Western plans to provide security guarantees to Ukraine")
    assert ex.text.endswith("the deployment of foreign military contingents in Ukraine is unacceptable.")


def test_dump_with_the_headline_in_a_breadcrumb_and_a_short_first_sentence() -> None:
    ex = extract_plain_text((DATA / "en_dump_crumbs.txt").read_text(encoding="utf-8"))
    assert ex.title == "Ukraine Rejects Russian Demand for Neutrality"  # not "Home » News » ..."
    assert ex.section == "News"
    assert ex.author == "Jane Doe"  # not the reviewer
    assert ex.published == dt.date(2026, 2, 8)
    assert ex.text.startswith("The talks ended on Saturday.\n\nUkraine's foreign ministry")


def test_dump_menu_words_are_neither_title_nor_section() -> None:
    body = (
        "The Kremlin on Thursday rejected a Western plan to provide security guarantees to Ukraine, "
        "calling it a provocation that would prolong the war."
    )
    header = "Menu Search Subscribe\nLog in | Sign up\nKremlin Rejects Western Guarantees Plan\nBy Anna Green"
    ex = extract_plain_text(f"{header}\n{body}")
    assert ex.title == "Kremlin Rejects Western Guarantees Plan"
    assert (ex.section, ex.author) == (None, "Anna Green")
    assert ex.text == body


_BODY_LINE = (
    "Russian forces launched a large-scale drone attack on Kyiv overnight, damaging several residential "
    "buildings and injuring at least twelve people, city officials said on Monday."
)


@pytest.mark.parametrize(
    ("header", "title", "section"),
    [
        (
            "World\nKyiv Burns\nResidents spend the night in metro stations as drones fly over",
            "Kyiv Burns",
            "World",
        ),
        (
            "Ukraine war latest\nZelensky says talks must include guarantees",
            "Zelensky says talks must include guarantees",
            "Ukraine war latest",
        ),
        (
            "Politics\nTrump Meets Putin\nThe two leaders spoke for more than two hours in Alaska",
            "Trump Meets Putin",
            "Politics",
        ),
        (
            "Analysis | Why Russia Keeps Striking Ukraine's Power Grid\nBy Anna Green",
            "Why Russia Keeps Striking Ukraine's Power Grid",
            "Analysis",
        ),
        ("World\nZelensky Heads to the U.S.\nBy Anna Green", "Zelensky Heads to the U.S.", "World"),
        (
            "NATO WARNS MOSCOW\nAlliance says it is ready to defend every inch of its territory",
            "NATO WARNS MOSCOW",
            None,
        ),
        (
            "Home\nWorld\nBusiness\nRussia-Ukraine War\nMiddle East Crisis\nClimate\nSport\n"
            "Kyiv Hit by Overnight Drone Attack\nBy Anna Green",
            "Kyiv Hit by Overnight Drone Attack",
            "Sport",
        ),
        (
            "World\nKyiv Hit by Overnight Drone Attack\nBy Anna Green\nKey points:\n- Twelve people injured\n"
            "- Three districts hit",
            "Kyiv Hit by Overnight Drone Attack",
            "World",
        ),
        (
            "World\nKyiv Hit by Overnight Drone Attack\nAudio available for subscribers.",
            "Kyiv Hit by Overnight Drone Attack",
            "World",
        ),
    ],
)
def test_dump_headline_and_section(header: str, title: str, section: str | None) -> None:
    ex = extract_plain_text(f"{header}\n{_BODY_LINE}")
    assert (ex.title, ex.section) == (title, section)
    assert ex.text == _BODY_LINE


def test_dump_of_a_transcript_under_a_site_name_and_menu() -> None:
    # "President of Russia" is the site's name over its menu, not the headline; "19:30" and the
    # place line are not the body either
    ex = extract_plain_text((DATA / "en_dump_transcript.txt").read_text(encoding="utf-8"))
    assert ex.title == "Meeting with Security Council permanent members"
    assert ex.published == dt.date(2026, 2, 5)
    assert ex.text.startswith("Vladimir Putin held a meeting with permanent members of the Security Council")
    assert ex.text.endswith("Vladimir Putin: Thank you. Let us move on to the next item.")


def test_dump_date_in_us_eastern_time() -> None:
    ex = extract_plain_text(
        f"Russian Offensive Campaign Assessment\nFebruary 5, 2026, 6:45 pm ET\n{_BODY_LINE}"
    )
    assert ex.published == dt.date(2026, 2, 5)


def test_dump_under_a_registered_site_name_with_authors_without_by() -> None:
    # "Institute for the Study of War" is an outlet in the registry: the site's name, not the headline
    ex = extract_plain_text((DATA / "en_dump_isw.txt").read_text(encoding="utf-8"))
    assert ex.title == "Russian Offensive Campaign Assessment, February 5, 2026"
    assert ex.author == "Kateryna Stepanenko; Angelica Evans; George Barros"
    assert ex.published == dt.date(2026, 2, 5)
    assert ex.text.startswith("US, Ukrainian, and Russian delegations met in Abu Dhabi")


def test_dump_title_line_with_a_date() -> None:
    ex = extract_plain_text(f"Kyiv Hit by Drones | February 3, 2026\n{_BODY_LINE}")
    assert (ex.title, ex.published) == ("Kyiv Hit by Drones", dt.date(2026, 2, 3))


@pytest.mark.parametrize(
    "tail",
    [
        "And then the sirens went off again...",
        "Responses\nThe answer from Moscow came a day later and was short.",
    ],
)
def test_dump_keeps_a_last_sentence_and_a_subheading(tail: str) -> None:
    ex = extract_plain_text(f"Kyiv Hit by Drones\n{_BODY_LINE}\n{tail}")
    assert ex.text.endswith(tail.split("\n")[-1])


@pytest.mark.parametrize(
    ("line", "rest"),
    [
        ("KYIV (Reuters) - Ukraine said on Monday that talks would go ahead.", "Ukraine said"),
        ("MOSCOW, Feb 5 (TASS) — The Kremlin said on Monday that talks would go ahead.", "The Kremlin"),
        ("WAR-REPORT : Diplomatic efforts continued on Monday as the talks went ahead.", "Diplomatic"),
    ],
)
def test_dateline_dropped(line: str, rest: str) -> None:
    assert extract_plain_text(line).text.startswith(rest)


def test_body_without_header() -> None:
    text = "The talks went ahead on Monday in Abu Dhabi, officials said, and lasted for more than six hours."
    ex = extract_plain_text(text)
    assert ex.text == text
    assert ex.title is None


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600))
def test_plain_text_never_raises_and_keeps_input_lines(text: str) -> None:
    ex = extract_plain_text(text)
    clean = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")  # NULs are dropped
    lines = [" ".join(line.split()) for line in clean.split("\n")]
    for para in ex.text.split("\n\n"):
        if para:
            assert any(para in line for line in lines)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "World",
                "Big Title Of The Day",
                "By Anna Smith",
                "Share",
                "Leave a Reply",
                "KYIV (Reuters) - Officials said on Monday that the talks would continue next week.",
                "A long paragraph that ends with a full stop and has more than fourteen words in it.",
                "short caption line here",
                "Читайте также: новость",
                "",
            ]
        ),
        max_size=20,
    )
)
def test_plain_text_structured_never_raises(lines: list[str]) -> None:
    ex = extract_plain_text("\n".join(lines))
    assert "Leave a Reply" not in ex.text
    assert "Читайте также" not in ex.text


# --------------------------------------------------------------------------- body repairs


def _chunked_page(second: str) -> str:
    para = "<p>{}</p>"
    first = "".join(
        para.format(f"Paragraph {i} of the first chunk, long enough to count as prose in an article body.")
        for i in range(3)
    )
    return (
        '<html><body><article><div class="chunks">'
        f'<div class="body__container">{first}</div>'
        '<div class="ad"><p>Advertisement</p></div>'
        f'<div class="body__container">{second}</div>'
        "</div></article></body></html>"
    )


def test_sibling_chunks_added_in_order() -> None:
    from lxml import html as lxml_html

    from undertow.ingest._body import add_sibling_chunks

    second = "".join(
        f"<p>Second chunk paragraph {i}, which trafilatura left out of the body text of the page.</p>"
        for i in range(3)
    )
    tree = lxml_html.fromstring(_chunked_page(second))
    text = "\n".join(
        f"Paragraph {i} of the first chunk, long enough to count as prose in an article body."
        for i in range(3)
    )
    out = add_sibling_chunks(tree, text + "\nShare this")
    lines = out.split("\n")
    assert lines[:3] == text.split("\n")
    assert lines[3].startswith("Second chunk paragraph 0") and lines[5].startswith("Second chunk paragraph 2")
    assert lines[-1] == "Share this"
    assert "Advertisement" not in out


def test_sibling_chunks_ignore_short_lookalikes() -> None:
    from lxml import html as lxml_html

    from undertow.ingest._body import add_sibling_chunks

    tree = lxml_html.fromstring(_chunked_page("<p>Related: more news</p>"))
    text = "\n".join(
        f"Paragraph {i} of the first chunk, long enough to count as prose in an article body."
        for i in range(3)
    )
    assert add_sibling_chunks(tree, text) == text


def test_junk_patterns_that_float_have_their_precheck_word() -> None:
    """Patterns tried anywhere in a line run only on lines with one of ``_FLOATING_WORDS``: each
    such pattern must contain one of them, and the lines they are for are still dropped."""
    from undertow.ingest import textdump

    for pattern in textdump._FLOATING:
        assert any(w in pattern for w in textdump._FLOATING_WORDS), pattern
    assert textdump.is_junk("Sign up for our weekly Newsletter today")
    assert textdump.is_junk("© 2026 Example Media Group. All rights reserved.")
    assert textdump.is_junk("Мы используем cookie-файлы. Все права защищены.")
    assert textdump.is_junk("Jane Roe in Kyiv contributed reporting.")
    assert not textdump.is_junk("The ministry said talks on cookie exports would resume in March.")


def test_clean_body_drops_furniture_before_the_title_and_keeps_link_lines() -> None:
    from undertow.ingest.extract import _clean_body

    raw = "\n".join(
        [
            "Categories",
            "Health",
            "Clinic reports a break-in",
            "The clinic reported on Monday that two of its five cars had been broken into overnight.",
            "Read the police statement here:",
            "https://police.example.org/statements/1234",
        ]
    )
    body = _clean_body(raw, "Clinic reports a break-in").split("\n\n")
    assert body[0].startswith("The clinic reported")
    assert body[-1] == "https://police.example.org/statements/1234"


def test_clean_body_repeats() -> None:
    """Recurring short lines of a plan stay; the article held twice is read once."""
    from undertow.ingest.extract import _clean_body

    plan = [
        "Monday: warm up for ten minutes, then run five intervals of three minutes at threshold pace.",
        "Cool down: ten to twenty minutes of easy jogging in zone two.",
        "Tuesday: rest day, or an easy walk of thirty minutes if your legs feel good after Monday.",
        "Cool down: ten to twenty minutes of easy jogging in zone two.",
    ]
    assert _clean_body("\n".join(plan), None).split("\n\n") == plan
    article = [
        f"Paragraph {i} of the article says something long enough to count as a paragraph." for i in range(4)
    ]
    assert _clean_body("\n".join(article + article), None).split("\n\n") == article
    long = "A long paragraph repeated once. " * 8
    assert (
        _clean_body("\n".join([long, "Something else in between here.", long]), None).count(long.strip()) == 1
    )


def test_extract_html_reads_an_article_printed_after_the_closing_html_tag() -> None:
    """libxml2 puts markup after a stray ``</html>`` into a second top-level element; a browser
    shows it in the body, and so does the extraction."""
    para = (
        "The ministry said on Tuesday that the talks would resume in Geneva next week, officials confirmed."
    )
    page = (
        "<html><head><title>Talks resume</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
        f"<div class='post'><h1>Talks resume</h1><p>{para}</p>"
        f"<p>{para.replace('Tuesday', 'Monday')}</p></div>"
    )
    assert para in extract_html(page).text


def test_clean_body_a_heading_under_every_teaser_is_not_the_end() -> None:
    from undertow.ingest.extract import _clean_body

    items = [f"Resource {i}: a report on tutoring programmes and what they cost schools." for i in range(4)]
    raw = "\n".join(["Intro paragraph one.", "Intro paragraph two.", "Intro paragraph three."])
    raw += "\n" + "\n".join(f"{item}\nRead more" for item in items)
    assert all(item in _clean_body(raw, None) for item in items)
    # once, in the second half, it ends the article
    once = "\n".join(["Para one.", "Para two.", "Para three.", "Para four.", "Related articles", "Teaser"])
    assert _clean_body(once, None).split("\n\n") == ["Para one.", "Para two.", "Para three.", "Para four."]


def test_article_text_inside_an_embed_container_is_kept() -> None:
    # Webflow wraps custom HTML in div.w-embed; a tag left open there ("</div</div>") puts the rest
    # of the article inside it, and trafilatura discards "embed" containers as social embeds
    intro = "".join(
        f"<p>Paragraph {n} of the guide explains how tipping works in restaurants, bars and cafes today.</p>"
        for n in range(8)
    )
    tip = "Servers rely on tips for much of their income, so a fair tip matters. "
    rest = "".join(f"<h3>Section {n}</h3><p>{tip * 4}</p>" for n in range(4))
    html = (
        "<html><head><title>Tip chart and guide</title></head><body><article><h1>Tip chart and guide</h1>"
        f'<div class="rich-text">{intro}<div class="w-embed"><table><tr><td>$10</td><td>$2</td></tr></table>'
        f"</div</div>{rest}</div></article></body></html>"
    )
    ex = extract_html(html)
    assert "Section 3" in ex.text
    assert ex.text.count("Servers rely on tips") >= 4


def test_listicle_items_in_slides_are_kept() -> None:
    # slide-show listicles keep every item in a "slide" container, which trafilatura discards as a
    # carousel
    intro = "".join(
        f"<p>Paragraph {n} of the introduction says why these gardens are worth a weekend trip.</p>"
        for n in range(8)
    )

    def slide(n: int) -> str:
        about = f"Garden {n} opens at dawn, and its rose beds are at their best in early June. " * 3
        entry = f"Entry to garden {n} costs {n + 5} euros, and children go in free all year round."
        return f'<div class="slide-item"><h2>Garden {n}</h2><p>{about}</p><p>{entry}</p></div>'

    html = (
        "<html><head><title>Ten gardens to visit</title></head><body><article><h1>Ten gardens to visit</h1>"
        f'{intro}<div class="listicle-slides">{"".join(slide(n) for n in range(4))}</div>'
        "</article></body></html>"
    )
    ex = extract_html(html)
    assert all(f"Entry to garden {n} costs" in ex.text for n in range(4))


def _unmark_by_xpath(tree: Any) -> None:
    """The previous ``_unmark_article_embeds``: one XPath query a token (the reference for the
    single-walk version)."""
    for token in ("embed", "slide"):
        for el in tree.xpath(
            f'//*[contains(@class,"{token}")][not(self::html or self::body)][not(.//h1)]'
            "[count(.//p) >= 3][.//h2 or .//h3]"
        ):
            if sum(len(p.text_content()) for p in el.iter("p")) < 1000:
                continue
            for part in (el, *el.iterdescendants()):
                cls = part.get("class")
                if cls and token in cls and (part is el or part.find(".//p") is not None):
                    part.set("class", " ".join(c for c in cls.split() if token not in c))


_EMBED_CLASSES = ["embed", "w-embed", "slide", "slide-item", "embed-slide", "x"]
_EMBED_LEAVES = ["<p>" + "t" * 400 + "</p>", "<p>t</p>", "<h1>t</h1>", "<h2>t</h2>", "<h3>t</h3>"]


@st.composite
def _embed_markup(draw: st.DrawFn, depth: int = 0) -> str:
    """A container (classes from the two tokens' variants) of paragraphs, headings and containers."""
    tag = draw(st.sampled_from(["div", "section"]))
    cls = " ".join(draw(st.lists(st.sampled_from(_EMBED_CLASSES), max_size=2)))
    inner = st.sampled_from(_EMBED_LEAVES) | (_embed_markup(depth + 1) if depth < 3 else st.nothing())
    children = draw(st.lists(inner, max_size=6))
    return f'<{tag} class="{cls}">{"".join(children)}</{tag}>'


@settings(max_examples=300, deadline=None)
@given(st.lists(_embed_markup(), min_size=1, max_size=3))
def test_unmark_article_embeds_matches_the_xpath_version(parts: list[str]) -> None:
    from lxml import etree
    from lxml import html as lxml_html

    from undertow.ingest.extract import _unmark_article_embeds

    markup = "<html><body>" + "".join(parts) + "</body></html>"
    ours, reference = lxml_html.fromstring(markup), lxml_html.fromstring(markup)
    _unmark_article_embeds(ours)
    _unmark_by_xpath(reference)
    assert etree.tostring(ours) == etree.tostring(reference)


def test_default_mode_body_replaces_a_sliver_only() -> None:
    from undertow.ingest.extract import _sliver_fixed

    article = "The talks resumed in Geneva on Monday after a week of delay. " * 10  # 120 words
    assert _sliver_fixed(article[:60], article)  # a sliver: 12 words of 120
    teasers = "Another story about the talks, with a photo and a link. " * 20  # 220 more words
    assert not _sliver_fixed(article, article + teasers)  # the article plus its neighbours


_ARTICLE_PARAS = [
    "The ministry said on Tuesday that the talks would resume in Geneva next week, officials confirmed.",
    "Both delegations are expected to discuss a ceasefire along the front line and prisoner exchanges.",
    "Observers cautioned that earlier rounds had ended without agreement on any of the main points.",
]


def test_clean_body_drops_a_cookie_dialog_at_the_end() -> None:
    from undertow.ingest.extract import _clean_body

    dialog = [
        "We use cookies on our website to give you the most relevant experience by remembering your "
        "preferences and repeat visits. By clicking Accept, you consent to the use of all the cookies.",
        "Necessary",
        "Necessary cookies are absolutely essential for the website to function properly.",
        "Other uncategorized cookies are those that are being analyzed and have not been classified yet.",
        "Accept all",
    ]
    body = _clean_body("\n".join(_ARTICLE_PARAS + dialog), None)
    assert body.split("\n\n") == _ARTICLE_PARAS


@pytest.mark.parametrize(
    "ending",
    [
        # a recipe's cookies are not a consent dialog
        [
            "Let the cookies cool on the tray for ten minutes before moving them to a wire rack.",
            "Store the cookies in an airtight tin for up to a week, or freeze them for a month.",
        ],
        # one paragraph about the site's cookies in the article stays
        [
            "Regulators said on Friday that the ministry's website had used tracking cookies for two "
            "years without asking visitors for consent, and ordered it to delete the data it collected."
        ],
        # an article's closing paragraphs about cookie rules are not a dialog either
        [
            "The new rules require every website to ask before it sets tracking cookies, and to offer a "
            "button that rejects them all as easily as one that accepts them.",
            "Privacy groups welcomed the decision but said that browser makers should block third-party "
            "cookies by default, as some already do.",
        ],
    ],
)
def test_clean_body_keeps_cookies_that_are_not_a_consent_dialog(ending: list[str]) -> None:
    from undertow.ingest.extract import _clean_body

    body = _clean_body("\n".join(_ARTICLE_PARAS + ending), None)
    assert body.split("\n\n") == _ARTICLE_PARAS + ending


def test_clean_body_keeps_a_recipe_before_a_cookie_dialog() -> None:
    from undertow.ingest.extract import _clean_body

    recipe = [
        "Let the cookies cool on the tray for ten minutes before moving them to a wire rack to set.",
        "Store the cookies in an airtight tin for up to a week, or freeze them for a month or more.",
    ]
    dialog = [
        "We use cookies on our website to give you the most relevant experience by remembering your "
        "preferences. By clicking Accept, you consent to the use of all the cookies.",
        "Necessary",
        "Analytical cookies are used to understand how visitors interact with the website.",
        "Accept all",
    ]
    body = _clean_body("\n".join(_ARTICLE_PARAS + recipe + dialog), None)
    assert body.split("\n\n") == _ARTICLE_PARAS + recipe


def test_embeds_in_a_page_wide_wrapper_stay_out() -> None:
    # WordPress marks <body> "wp-embed-responsive": that does not make the page's embeds article text
    intro = [
        f"<p>Paragraph {n} of the report says the talks in Geneva will resume next week, officials said.</p>"
        for n in range(14)
    ]
    post = "A photo of the hotel balcony at sunrise, posted by a guest who stayed there in spring. " * 2
    embed = f'<div class="wp-block-embed__wrapper"><div class="embed-instagram"><p>{post}</p></div></div>'
    html = (
        '<html><head><title>Talks resume</title></head><body class="wp-embed-responsive">'
        f'<div class="page"><article><h1>Talks resume</h1>{"".join(intro[:7])}{embed}{"".join(intro[7:])}'
        "<h2>Background</h2></article></div></body></html>"
    )
    assert "hotel balcony" not in extract_html(html).text


def test_justext_stopwords_are_justexts_own() -> None:
    """The stop words extraction hands trafilatura's jusText fallback (read fast, file by file)
    are the words jusText itself reads for its languages."""
    from justext import get_stoplist, get_stoplists

    from undertow.ingest.extract import _justext_stopwords

    assert _justext_stopwords() == {w for lang in get_stoplists() for w in get_stoplist(lang)}


@given(
    st.lists(
        st.sampled_from(
            [
                "<!DOCTYPE html/>",
                "< !doctype x/y>",
                "<html/>",
                "<html lang='en' />",
                "\n",
                "\x00",
                "\x0b",
                "\x1f",
                "\ufffe",
                "\uffff",
                "\t",
                "\r\n",
                "<p>text</p>",
                "é",
                "ж",
            ]
        ),
        max_size=12,
    )
)
def test_repair_is_trafilaturas_repair_faulty_html(parts: list[str]) -> None:
    from trafilatura.utils import repair_faulty_html

    from undertow.ingest.extract import _repair

    page = "".join(parts)
    assert _repair(page, page[:50].lower()) == repair_faulty_html(page, page[:50].lower())


_PIECE = st.text(alphabet="ab ", max_size=25)


@given(parent_text=_PIECE, siblings=st.lists(st.tuples(_PIECE, _PIECE), max_size=6))
@settings(max_examples=300, deadline=None)
def test_text_before_is_the_last_40_characters_before_the_element(
    parent_text: str, siblings: list[tuple[str, str]]
) -> None:
    # read backwards and stopped early, it equals joining everything before the element
    from lxml import etree

    from undertow.ingest.extract import _text_before

    parent = etree.Element("div")
    parent.text = parent_text
    for text, tail in siblings:
        sib = etree.SubElement(parent, "span")
        sib.text, sib.tail = text, tail
    el = etree.SubElement(parent, "time")
    expected = [parent_text] + [piece for text, tail in siblings for piece in (" ".join(text.split()), tail)]
    assert _text_before(el) == " ".join(expected)[-40:]
