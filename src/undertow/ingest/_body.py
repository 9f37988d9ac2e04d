"""Body text repairs after trafilatura: article chunks it left out.

Private helper of :mod:`undertow.ingest.extract`.

Some sites cut one article into several sibling containers with the same class (an ad or a
newsletter box between them: ``div.article__chunks > div.body__container`` ×N). Trafilatura then
keeps the first container only. :func:`add_sibling_chunks` finds the container that holds the
extracted paragraphs and, when the extracted text ends with it, adds the prose of its look-alike
siblings in document order.
"""

from __future__ import annotations

import re
from typing import Any

_WS = re.compile(r"\s+")
_SKIP_ANCESTORS = {"aside", "figure", "figcaption", "nav", "footer", "form", "button", "blockquote"}


def _key(s: str) -> str:
    return _WS.sub(" ", s[:80]).strip()[:40]


def _ptext(el: Any) -> str:
    return _WS.sub(" ", "".join(el.itertext())).strip()


def _prose(el: Any) -> list[str]:
    """Paragraph texts of ``el`` (its ``<p>`` elements outside asides and captions)."""
    out = []
    for p in el.iter("p"):
        if any(a.tag in _SKIP_ANCESTORS for a in p.iterancestors()):
            continue
        t = _ptext(p)
        if t:
            out.append(t)
    return out


def add_sibling_chunks(tree: Any, text: str) -> str:
    """``text`` (paragraphs separated by newlines) plus the article chunks trafilatura skipped."""
    paras = [p for p in text.split("\n") if p.strip()]
    long_keys = {_key(p): i for i, p in enumerate(paras) if len(p) >= 80}
    if len(long_keys) < 2:
        return text
    # containers of the extracted long paragraphs
    counts: dict[Any, list[int]] = {}
    for p in tree.iter("p"):
        t = p.text
        if not t or len(t) < 40:
            continue
        i = long_keys.get(_key(t))
        if i is None:
            continue
        parent = p.getparent()
        if parent is not None:
            counts.setdefault(parent, []).append(i)
    if not counts:
        return text
    box, idx = max(counts.items(), key=lambda kv: len(kv[1]))
    cls = box.get("class")
    parent = box.getparent()
    if not cls or parent is None or len(idx) < 2 or box.tag not in {"div", "section", "article"}:
        return text
    # only where the extraction stops with that container: when trafilatura went on past it, the
    # look-alikes it left out were left out for a reason (cards, sidebars, a second article)
    if len(paras) - 1 - max(idx) > 2:
        return text
    # look-alike containers: same tag and class, under the same parent or the parent's siblings
    grand = parent.getparent()
    scopes = [parent] if grand is None else list(grand)
    chunks = [
        el for scope in scopes for el in scope.iter(box.tag) if el.get("class") == cls and el is not box
    ]
    if not chunks or len(chunks) > 12:
        return text
    have = {_key(p) for p in paras}
    order = {el: n for n, el in enumerate(box.getroottree().getroot().iter())}
    before: list[str] = []
    after: list[str] = []
    for el in sorted(chunks, key=lambda e: order.get(e, 0)):
        if any(a is box for a in el.iterancestors()) or any(a is el for a in box.iterancestors()):
            continue
        new = [t for t in _prose(el) if _key(t) not in have]
        if sum(len(t) for t in new) < 150:
            continue
        (before if order.get(el, 0) < order.get(box, 0) else after).extend(new)
    if not before and not after:
        return text
    first, last = min(idx), max(idx)
    return "\n".join(paras[:first] + before + paras[first : last + 1] + after + paras[last + 1 :])
