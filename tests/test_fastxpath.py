"""The XPath stand-ins select exactly what trafilatura's expressions select (ingest/_fastxpath)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from undertow.ingest import _fastxpath
from undertow.ingest.extract import decode_bytes, extract_html, parse_html

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
RE_NS = {"re": "http://exslt.org/regular-expressions"}
ORIGINALS = {key: etree.XPath(s.source, namespaces=RE_NS) for key, s in _fastxpath.STANDINS.items()}


def _same(key: tuple[str, int], tree: etree._Element) -> None:
    want = ORIGINALS[key](tree)
    got = _fastxpath.STANDINS[key](tree)
    assert [id(e) for e in got] == [id(e) for e in want], (key, [e.tag for e in want], [e.tag for e in got])


# Attribute values built from the pieces the regular expressions look for, near misses included
# ("Commentary", "nav" in other cases, a token at the start or after a space), so that generated
# trees hit every branch rather than only the empty one.
_PIECES = [
    "comment", "Comment", "Commentary", "comol", "disqus_thread", "dsq-comments", "post-comments",
    "article-comments", "mvp-post-add-box", "mvp-post-add-wrap", "infinite-scroll", "infinitescroll",
    "elementor-share-buttons", "cookie", "share", "shar", "Share", "social", "nav", "Nav", "NAV",
    "navbar", "menu", "bar", "ad", "ad-", "-ad-", "footer", "byline", "meta", "widget", "slide",
    "related", "elated", "hidden", "hide-", "-hide-", "reply-", "x-reply-x", "comments-title",
    "display:none", "display: none", "message", "akismet", "post", "entry", "articleBody",
    "articleContent", "article-body", "article__body", "post-content", "text-content", "body-text",
    "main", "content", "story", "x", "", "primary", "story-body", "FullText", "article ", "postarea",
    "text", "cell", "single-content", "Main-Content", "main-content", "page-Content", "Page-content",
    "content-main", "content__body", "contentBody", "article",
]  # fmt: skip
_value = st.lists(st.tuples(st.sampled_from(["", " ", "-", "x"]), st.sampled_from(_PIECES)), max_size=3).map(
    lambda parts: "".join(sep + piece for sep, piece in parts).removeprefix(" ")
)


_ATTRS = [
    "id", "class", "style", "role", "aria-hidden", "itemprop", "data-component",
    "data-lp-replacement-content",
]  # fmt: skip
_TAGS = ["div", "section", "aside", "span", "p", "article", "main", "ol", "ul", "li", "details",
         "list", "item", "h1", "h2", "a", "nav"]  # fmt: skip


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(_TAGS))
    names = draw(st.lists(st.sampled_from(_ATTRS), unique=True, max_size=4))  # order = markup order
    attrs = ""
    for name in names:
        value = draw(st.sampled_from(["true", "MostPopularStories", "navigation", "Navigation"]) | _value)
        attrs += f' {name}="{value}"'
    children = draw(st.lists(_markup(depth + 1), max_size=3)) if depth < 4 else []
    return f"<{tag}{attrs}>t{''.join(children)}</{tag}>"


@settings(max_examples=500, deadline=None)
@given(st.lists(_markup(), min_size=1, max_size=4))
@example(["<div class='infinite-scroll'><h1>t</h1></div><aside id='mvp-post-add-box'><h1>t</h1></aside>"])
@example(["<span class='xad-x'>t</span><p class='x ad-x'>t</p><ul id='comment'>t</ul><ol class='x'>t</ol>"])
@example(["<ul class='comments'>t</ul><ol id='disqus_thread'>t</ol><div id='Commentary'>t</div>"])
@example(["<b id='x' style='hidden'>t</b><i style='display: none' id='x'>t</i><em class='reply-x'>t</em>"])
@example(["<b id='x' class='reply-y'>t</b><b class='reply-z' id='x'>t</b><i style='hidden' id='y'>t</i>"])
@example(["<div id='story'>t</div>"])
@example(["<section role='article'>t</section>"])
@example(["<main class='cell'>t</main><div id='content'>t</div>"])
@example(["<article class='content'>t</article>"])
def test_standins_select_what_the_expressions_select(parts: list[str]) -> None:
    tree = lxml_html.fromstring("<html><body>" + "".join(parts) + "</body></html>")
    for key in _fastxpath.STANDINS:
        _same(key, tree)


def test_attribute_order_decides_a_union() -> None:
    """``re:test(@id|@class, 'cookie')`` tests whichever attribute the markup gives first."""
    key = ("OVERALL_DISCARD_XPATH", 0)
    for markup, hit in [
        ('<div class="cookie" id="x">t</div>', True),
        ('<div id="x" class="cookie">t</div>', False),
        ('<div id="cookie" class="x">t</div>', True),
    ]:
        tree = lxml_html.fromstring(f"<html><body>{markup}</body></html>")
        assert bool(_fastxpath.STANDINS[key](tree)) is hit
        _same(key, tree)


def test_body_standin_keeps_the_first_match_of_each_parent() -> None:
    tree = lxml_html.fromstring(
        "<html><body><div><div class='post'>a</div><div class='entry'>b</div>"
        "<section><div itemprop='articleBody'>c</div></section></div></body></html>"
    )
    got = _fastxpath.STANDINS[("BODY_XPATH", 0)](tree)
    assert [e.text for e in got] == ["a", "c"]
    _same(("BODY_XPATH", 0), tree)


def _pages() -> list[Path]:
    pages = sorted((ROOT / "src/undertow/data/demo").rglob("*.html"))
    for sub in ("zyte-article-extraction/html", "wcxb-dev-articles/html"):
        pages += sorted((EVAL / sub).glob("*.html.gz"))[:40]
    return pages


def _read(p: Path) -> str:
    data = p.read_bytes()
    return decode_bytes(gzip.decompress(data) if p.suffix == ".gz" else data)


def test_standins_on_real_pages() -> None:
    pages = _pages()
    assert pages
    for p in pages:
        tree = parse_html(_read(p))
        assert tree is not None, p
        for key in _fastxpath.STANDINS:
            _same(key, tree)


def test_installed_in_trafilatura_and_extraction_unchanged() -> None:
    from trafilatura import xpaths

    assert set(_fastxpath.install()) == set(_fastxpath.STANDINS)
    for (name, index), standin in _fastxpath.STANDINS.items():
        assert getattr(xpaths, name)[index] is standin
    pages = _pages()[::4]  # demo pages and benchmark pages
    fast = [extract_html(_read(p)) for p in pages]
    with _fastxpath.suspended():
        assert xpaths.OVERALL_DISCARD_XPATH[0] is not _fastxpath.STANDINS["OVERALL_DISCARD_XPATH", 0]
        plain = [extract_html(_read(p)) for p in pages]
    assert xpaths.OVERALL_DISCARD_XPATH[0] is _fastxpath.STANDINS["OVERALL_DISCARD_XPATH", 0]
    assert fast == plain


def test_standins_at_trafilaturas_call_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    """During extraction trafilatura calls the expressions on cleaned and converted trees and on
    subtrees: each stand-in, wherever it is called, selects what its expression selects."""
    from trafilatura import xpaths

    _fastxpath.install()
    calls: list[tuple[str, int]] = []

    def checking(key: tuple[str, int]) -> object:
        def call(tree: etree._Element) -> list[etree._Element]:
            calls.append(key)
            _same(key, tree)
            return _fastxpath.STANDINS[key](tree)

        return call

    for key in _fastxpath.STANDINS:
        exprs = list(getattr(xpaths, key[0]))
        exprs[key[1]] = checking(key)
        monkeypatch.setattr(xpaths, key[0], exprs, raising=True)
        for module in ("core", "main_extractor", "htmlprocessing", "external"):  # their imported names
            mod = __import__(f"trafilatura.{module}", fromlist=["_"])
            if hasattr(mod, key[0]):
                monkeypatch.setattr(mod, key[0], exprs)
    for p in _pages()[::3]:
        extract_html(_read(p))
    assert set(calls) == set(_fastxpath.STANDINS)


def test_a_changed_expression_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another trafilatura release's expression is not replaced by a translation of the old one."""
    from trafilatura import xpaths

    _fastxpath.install()  # the real state first, so that the one below is a fresh process's
    changed = etree.XPath(".//*[self::div][contains(@class, 'sidebar')]")
    originals = {name: [_fastxpath._originals.get((name, i), e) for i, e in enumerate(getattr(xpaths, name))]
                 for name in {name for name, _ in _fastxpath.STANDINS}}  # fmt: skip
    originals["BODY_XPATH"][0] = changed
    for name, exprs in originals.items():
        monkeypatch.setattr(xpaths, name, exprs)
    monkeypatch.setattr(_fastxpath, "_tried", False)
    monkeypatch.setattr(_fastxpath, "_installed", [])
    monkeypatch.setattr(_fastxpath, "_originals", {})
    installed = _fastxpath.install()
    assert ("BODY_XPATH", 0) not in installed
    assert set(installed) == set(_fastxpath.STANDINS) - {("BODY_XPATH", 0)}
    assert xpaths.BODY_XPATH[0] is changed
