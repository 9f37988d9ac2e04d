"""Exact, faster stand-ins for the trafilatura XPath expressions that cost the most.

trafilatura 2.3 selects boilerplate by class and id with EXSLT regular expressions
(``re:test(@class, '...')``). lxml runs each ``re:test`` as a call back into Python, for every
element the expression visits and every ``re:test`` in it: three calls per ``<div>`` for the
pruning expression below. Six expressions were a quarter of the extraction time on the Zyte pages
(6.5 of 26.5 ms a page).

A stand-in selects the same elements in the same (document) order by one walk over the element
tags the expression names, with the same regular expressions applied in Python directly.
``install()`` puts the stand-ins into trafilatura's expression lists, in place, so that all of
trafilatura's code uses them; it replaces an expression only when its text is the one translated
here (``_Standin.source``), so a trafilatura release that changes an expression keeps its own.

How XPath reads the attributes, and so how the stand-ins do:
- ``re:test(@id, P)`` searches (``re.search``) the attribute's value, or ``""`` when the element
  has none (lxml's EXSLT: the string of the first node of the node-set);
- ``@id|@class`` is a node-set in document order: its string is that of whichever of the two
  attributes comes first in the element's markup;
- ``@class='x'`` is true when the attribute exists and equals ``x``; ``contains(@x, s)`` and
  ``starts-with`` read the value or ``""``.

``tests/test_fastxpath.py`` checks each stand-in against the expression it replaces: on generated
trees, on parsed demo and benchmark pages, and at trafilatura's own call sites during extraction
(cleaned and converted trees, subtrees). On the 892 benchmark pages every extracted field is the
same with and without them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["STANDINS", "install", "suspended"]


def _first(el: Any, a: str, b: str) -> str:
    """The string of ``@a|@b``: the value of whichever attribute comes first in the markup."""
    va = el.get(a)
    vb = el.get(b)
    if va is None:
        return vb or ""
    if vb is None:
        return va
    for key in el.attrib:  # names in markup order
        if key == a:
            return va
        if key == b:
            return vb
    return va  # pragma: no cover - both were found above


def _id_or_class(el: Any, id_search: Callable[[str], Any], class_search: Callable[[str], Any]) -> bool:
    """``re:test(@id, I) or re:test(@class, C)``."""
    return bool(id_search(el.get("id") or "") or class_search(el.get("class") or ""))


class _Standin:
    """Callable like an ``lxml.etree.XPath`` on a tree: the matching descendants, in document order."""

    #: the expression this one replaces, exactly as trafilatura writes it
    source: str
    #: the element tags the expression's first step allows (None: every element)
    tags: tuple[str, ...] | None

    def __init__(self, source: str, tags: tuple[str, ...] | None, test: Callable[[Any], bool]) -> None:
        self.source = source
        self.path = source  # as XPath objects have it
        self.tags = tags
        self._test = test

    def __call__(self, tree: Any) -> list[Any]:
        return list(self._matches(tree))

    def _matches(self, tree: Any) -> Iterator[Any]:
        """The descendants that pass the test, in document order."""
        test = self._test
        if self.tags:
            return (el for el in tree.iterdescendants(*self.tags) if test(el))
        # (comments and processing instructions are not elements: ``*`` leaves them out)
        return (el for el in tree.iterdescendants() if isinstance(el.tag, str) and test(el))

    def __repr__(self) -> str:
        return f"<stand-in for XPath {' '.join(self.source.split())!r}>"


class _FirstChildStandin(_Standin):
    """``.//*[test][1]``: for each parent, its first child that passes the test."""

    def __call__(self, tree: Any) -> list[Any]:
        out = []
        seen: set[Any] = set()
        for el in self._matches(tree):
            parent = el.getparent()
            if parent not in seen:
                seen.add(parent)
                out.append(el)
        return out


class _FirstStandin(_Standin):
    """``(.//*[test])[1]``: the first element in document order that passes the test, if any."""

    def __call__(self, tree: Any) -> list[Any]:
        return next(([el] for el in self._matches(tree)), [])


# --------------------------------------------------------------------------- the expressions

# RAW_TREE_PRUNE_XPATH[0]: infinite-scroll containers of appended articles
_RAW_0 = """
        .//*[self::div or self::section or self::aside][
        re:test(@id, 'mvp-post-add-(?:box|wrap)|infinite-?scroll') or
        re:test(@class, 'mvp-post-add-(?:box|wrap)|infinite-?scroll')][
        not(.//h1) or re:test(@id, 'mvp-post-add-(?:box|wrap)') or re:test(@class, 'mvp-post-add-(?:box|wrap)')]
        """
_SCROLL = re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll").search
_MVP = re.compile("mvp-post-add-(?:box|wrap)").search


def _raw_0(el: Any) -> bool:
    return _id_or_class(el, _SCROLL, _SCROLL) and (
        next(el.iterdescendants("h1"), None) is None or _id_or_class(el, _MVP, _MVP)
    )


# RAW_TREE_PRUNE_XPATH[1]: Elementor's share buttons
_RAW_1 = ".//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]"


def _raw_1(el: Any) -> bool:
    return "elementor-share-buttons" in (el.get("class") or "")


# REMOVE_COMMENTS_AND_LISTS_XPATH[0]: comment sections, and ol/ul comment lists
_COMMENTS = """
        .//*[self::div or self::list or self::section or self::details or self::ol or self::ul][
        re:test(@id, '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') or
        re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')][
        not(self::ol or self::ul) or re:test(@id, '^(?:[Cc]omment(?!ary)|comol)') or re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')]
        """
_COMMENTS_ID = re.compile("^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)").search
_COMMENTS_CLASS = re.compile("^[Cc]omment(?!ary)|(?:article|post)-comments").search
_COMMENTS_LIST_ID = re.compile("^(?:[Cc]omment(?!ary)|comol)").search


def _comments(el: Any) -> bool:
    return _id_or_class(el, _COMMENTS_ID, _COMMENTS_CLASS) and (
        el.tag not in ("ol", "ul") or _id_or_class(el, _COMMENTS_LIST_ID, _COMMENTS_CLASS)
    )


# OVERALL_DISCARD_XPATH[0]: navigation, sharing, ads, related links and the like, by class and id
_OVERALL_0 = """
        .//*[self::div or self::item or self::list or self::p or self::section or self::span][
        @data-lp-replacement-content or
        contains(translate(@role, 'N', 'n'), 'nav') or
        contains(@data-component, 'MostPopularStories') or
        re:test(@id|@class, 'cookie') or
        re:test(@id, '^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|message-container|premium|^ad-') or
        re:test(@class, '^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|dfp[Aa]d|outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|sociable|embedded|embed|tag-list|consent|modal-content|permission|elated|next-|-stories|most-popular|more-on|meta|rating|attachment|timestamp|user-info|user-profile|-icon|article-infos|message-container|slide|viewport|overlay|options|expand|obfuscated|blurred|mol-factbox|yin|zlylin|nfoline')]
        """
_DISCARD_ID = re.compile(
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author"
    "|^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|message-container|premium|^ad-"
).search
_DISCARD_CLASS = re.compile(
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author"
    "|^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|dfp[Aa]d"
    "|outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|sociable|embedded"
    "|embed|tag-list|consent|modal-content|permission|elated|next-|-stories|most-popular|more-on|meta"
    "|rating|attachment|timestamp|user-info|user-profile|-icon|article-infos|message-container|slide"
    "|viewport|overlay|options|expand|obfuscated|blurred|mol-factbox|yin|zlylin|nfoline"
).search


def _overall_0(el: Any) -> bool:
    if el.get("data-lp-replacement-content") is not None:
        return True
    if "nav" in (el.get("role") or "").replace("N", "n"):
        return True
    if "MostPopularStories" in (el.get("data-component") or ""):
        return True
    i, c = el.get("id"), el.get("class")
    if i is None and c is None:
        return False
    i, c = i or "", c or ""
    if ("cookie" in i or "cookie" in c) and "cookie" in _first(el, "id", "class"):
        return True
    return bool(_DISCARD_ID(i) or _DISCARD_CLASS(c))


# OVERALL_DISCARD_XPATH[1]: comment titles and replies, hidden elements
_OVERALL_1 = """
        .//*[@class='comments-title' or
        starts-with(@id|@class, 'reply-') or
        re:test(@id|@style, 'hidden') or
        contains(@style, 'display:none') or contains(@style, 'display: none') or
        re:test(@id, 'reader-comments|akismet') or
        re:test(@class, '^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print| hidden| hide|noprint|notloaded') or @aria-hidden='true']
        """
_HIDDEN_ID = re.compile("reader-comments|akismet").search
_HIDDEN_CLASS = re.compile(
    "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print| hidden| hide"
    "|noprint|notloaded"
).search


def _overall_1(el: Any) -> bool:
    if not el.keys():
        return False
    i, c, s = el.get("id") or "", el.get("class") or "", el.get("style") or ""
    # (which of two attributes comes first matters only when one of them would match)
    return (
        c == "comments-title"
        or (
            (i.startswith("reply-") or c.startswith("reply-"))
            and _first(el, "id", "class").startswith("reply-")
        )
        or (("hidden" in i or "hidden" in s) and "hidden" in _first(el, "id", "style"))
        or "display:none" in s
        or "display: none" in s
        or bool(_HIDDEN_ID(i))
        or bool(_HIDDEN_CLASS(c))
        or el.get("aria-hidden") == "true"
    )


# BODY_XPATH[0]: the article body by class, id or itemprop (first matching child of each parent)
_BODY_0 = """
        .//*[self::article or self::div or self::main or self::section][
        @class='post' or @class='entry' or
        @itemprop='articleBody' or @id='articleContent' or
        re:test(@id, '(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text') or
        re:test(@class, 'post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|article-?text|articleText|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|articleBody|ArticleContent|body-text|article__container')
        ][1]
        """
_BODY_ID = re.compile(
    "(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text"
).search
_BODY_CLASS = re.compile(
    "post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|article-?text"
    "|articleText|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|articleBody"
    "|ArticleContent|body-text|article__container"
).search


def _body_0(el: Any) -> bool:
    i, c = el.get("id"), el.get("class")
    return (
        c in ("post", "entry")
        or el.get("itemprop") == "articleBody"
        or i == "articleContent"
        or bool(_BODY_ID(i or ""))
        or bool(_BODY_CLASS(c or ""))
    )


# BODY_XPATH[2]: the first article or story container by role, id or class
_BODY_2 = """
        (.//*[self::article or self::div or self::main or self::section][
        @role='article' or
        @id='article' or @id='story' or
        @class='postarea' or @class='art-postcontent' or @class='text' or @class='cell' or @class='story' or
        re:test(@id, '^primary|story-body') or
        re:test(@class, 'fulltext', 'i') or
        re:test(@class, '^article |post-bodycopy|story-?content|(?:theme|blog|section|single)-content|single-post|main-column|wpb_text_column|story-body|field-body')
        ])[1]
        """
_STORY_ID = re.compile("^primary|story-body").search
_FULLTEXT = re.compile("fulltext", re.IGNORECASE).search
_STORY_CLASS = re.compile(
    "^article |post-bodycopy|story-?content|(?:theme|blog|section|single)-content|single-post|main-column"
    "|wpb_text_column|story-body|field-body"
).search
_STORY_CLASSES = ("postarea", "art-postcontent", "text", "cell", "story")


def _body_2(el: Any) -> bool:
    i, c = el.get("id"), el.get("class")
    return (
        el.get("role") == "article"
        or i in ("article", "story")
        or c in _STORY_CLASSES
        or bool(_STORY_ID(i or ""))
        or bool(_FULLTEXT(c or ""))
        or bool(_STORY_CLASS(c or ""))
    )


# BODY_XPATH[3]: the first main-content container by id or class
_BODY_3 = """
        (.//*[self::article or self::div or self::main or self::section][
        @id='content' or @class='content' or
        re:test(@id, 'content-main|content-body|contentBody') or
        re:test(@class, 'content[-_]main|content(?:-|__)body') or
        contains(translate(@id, 'CM','cm'), 'main-content') or contains(translate(@class, 'CM','cm'), 'main-content') or
        contains(translate(@class, 'CP','cp'), 'page-content')
        ])[1]
        """
_CONTENT_ID = re.compile("content-main|content-body|contentBody").search
_CONTENT_CLASS = re.compile("content[-_]main|content(?:-|__)body").search


def _body_3(el: Any) -> bool:
    i, c = el.get("id") or "", el.get("class") or ""
    return (
        el.get("id") == "content"
        or el.get("class") == "content"
        or bool(_CONTENT_ID(i))
        or bool(_CONTENT_CLASS(c))
        or "main-content" in i.replace("C", "c").replace("M", "m")
        or "main-content" in c.replace("C", "c").replace("M", "m")
        or "page-content" in c.replace("C", "c").replace("P", "p")
    )


#: trafilatura.xpaths list name, index -> the stand-in for that expression
STANDINS: dict[tuple[str, int], _Standin] = {
    ("RAW_TREE_PRUNE_XPATH", 0): _Standin(_RAW_0, ("div", "section", "aside"), _raw_0),
    ("RAW_TREE_PRUNE_XPATH", 1): _Standin(_RAW_1, ("div", "section", "aside"), _raw_1),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): _Standin(
        _COMMENTS, ("div", "list", "section", "details", "ol", "ul"), _comments
    ),
    ("OVERALL_DISCARD_XPATH", 0): _Standin(
        _OVERALL_0, ("div", "item", "list", "p", "section", "span"), _overall_0
    ),
    ("OVERALL_DISCARD_XPATH", 1): _Standin(_OVERALL_1, None, _overall_1),
    ("BODY_XPATH", 0): _FirstChildStandin(_BODY_0, ("article", "div", "main", "section"), _body_0),
    ("BODY_XPATH", 2): _FirstStandin(_BODY_2, ("article", "div", "main", "section"), _body_2),
    ("BODY_XPATH", 3): _FirstStandin(_BODY_3, ("article", "div", "main", "section"), _body_3),
}

_installed: list[tuple[str, int]] = []
_originals: dict[tuple[str, int], Any] = {}
_tried = False


def install() -> list[tuple[str, int]]:
    """Put each stand-in into trafilatura's list in place of the expression it was translated
    from (once a process; the lists are trafilatura's module globals, so forked workers inherit
    them); returns the ones in place. An expression whose text differs from ``source`` (another
    trafilatura release) is left as it is."""
    global _tried
    from lxml import etree
    from trafilatura import xpaths

    if _tried:
        return list(_installed)
    _tried = True
    for (name, index), standin in STANDINS.items():
        exprs = getattr(xpaths, name, None)
        if not isinstance(exprs, list) or index >= len(exprs):
            continue
        if isinstance(exprs[index], etree.XPath) and exprs[index].path == standin.source:
            _originals.setdefault((name, index), exprs[index])
            exprs[index] = standin
            _installed.append((name, index))
    return list(_installed)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """trafilatura's own expressions for the duration (benchmarks time plain trafilatura with
    them); not for use while another thread extracts."""
    from trafilatura import xpaths

    install()  # (so that an extraction inside the block does not install them midway)

    swapped = [key for key in _installed if getattr(xpaths, key[0])[key[1]] is STANDINS[key]]
    for name, index in swapped:
        getattr(xpaths, name)[index] = _originals[name, index]
    try:
        yield
    finally:
        for name, index in swapped:
            getattr(xpaths, name)[index] = STANDINS[name, index]
