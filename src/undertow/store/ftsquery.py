"""The search box's query syntax, parsed once and written out for each engine.

The syntax is SQLite FTS5's common subset, which is what ``undertow search`` documents:

* words (``ceasefire``), all of them required: ``security guarantees``;
* ``"quoted phrases"``; a word with inner punctuation is a phrase of its parts
  (``security-guarantees``, ``U.S.``);
* a trailing ``*`` for a prefix (``guarant*``);
* ``OR``, ``AND``, ``NOT`` (upper case) and parentheses; ``a NOT b``: a without b.

Both engines search the same parse: SQLite gets FTS5 query text from ``to_fts5``, PostgreSQL
``to_tsquery`` text from ``to_tsquery``, so that they accept, refuse and read queries alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from undertow.errors import UndertowError


class SearchQueryError(UndertowError):
    """The full-text query could not be parsed."""


@dataclass(frozen=True, slots=True)
class Term:
    words: tuple[str, ...]  # more than one: a phrase
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Op:
    op: str  # "&" | "|" | "!" (unary, right only)
    left: Node | None
    right: Node


Node = Term | Op

_TOKEN = re.compile(r'\s*(?:(")|(\()|(\))|([^\s()"]+))', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_OPS = {"AND", "OR", "NOT"}


def _tokens(query: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        m = _TOKEN.match(query, pos)
        if m is None:  # pragma: no cover - the pattern matches any non-blank character
            raise SearchQueryError(f"cannot parse search query {query!r}")
        if m.group(1):
            end = query.find('"', m.end())
            if end < 0:
                raise SearchQueryError(f"cannot parse search query {query!r}: unterminated phrase")
            out.append(("phrase", query[m.end() : end]))
            pos = end + 1
            continue
        if m.group(2):
            out.append(("(", "("))
        elif m.group(3):
            out.append((")", ")"))
        else:
            word = m.group(4)
            out.append(("op", word) if word in _OPS else ("word", word))
        pos = m.end()
    return out


def _term(kind: str, value: str) -> Term | None:
    prefix = kind == "word" and value.endswith("*")
    words = tuple(w.lower() for w in _WORD.findall(value))
    if not words:
        return None
    return Term(words, prefix)


def parse(query: str) -> Node:
    """The query as a tree; ``SearchQueryError`` names what is wrong with a malformed one."""
    if not query.strip():
        raise SearchQueryError("empty search query")
    toks = _tokens(query)
    pos = 0

    def fail(why: str) -> SearchQueryError:
        return SearchQueryError(f"cannot parse search query {query!r}: {why}")

    def peek() -> tuple[str, str] | None:
        return toks[pos] if pos < len(toks) else None

    def unary() -> Node | None:
        nonlocal pos
        tok = peek()
        if tok is None:
            raise fail("an operator has nothing after it")
        kind, value = tok
        if kind == "(":
            pos += 1
            inner = disjunction()
            if peek() is None or peek()[0] != ")":  # type: ignore[index]
                raise fail("unbalanced parentheses")
            pos += 1
            return inner
        if kind == "op":
            if value == "NOT" and pos == 0:
                pos += 1
                operand = unary()
                return Op("!", None, operand) if operand else None
            raise fail(f"{value} has nothing before it")
        if kind == ")":
            raise fail("unbalanced parentheses")
        pos += 1
        return _term(kind, value)

    def conjunction() -> Node | None:
        nonlocal pos
        node = unary()
        while (tok := peek()) is not None and tok[0] != ")" and tok != ("op", "OR"):
            op = "&"
            if tok[0] == "op":
                op = "&!" if tok[1] == "NOT" else "&"
                pos += 1
            right = unary()
            if right is None:
                continue
            if node is None:
                node = Op("!", None, right) if op == "&!" else right
            else:
                node = Op("&", node, Op("!", None, right) if op == "&!" else right)
        return node

    def disjunction() -> Node | None:
        nonlocal pos
        node = conjunction()
        while peek() == ("op", "OR"):
            pos += 1
            right = conjunction()
            node = Op("|", node, right) if node is not None and right is not None else node or right
        return node

    tree = disjunction()
    if pos < len(toks):
        raise fail("unbalanced parentheses")
    if tree is None:
        raise SearchQueryError(f"search query {query!r} has no words to search for")
    if not _searches(tree):
        raise SearchQueryError(
            f"search query {query!r} excludes words with no word to search for beside them "
            "(NOT a; NOT a OR b): add one"
        )
    return tree


def _searches(node: Node) -> bool:
    """Whether every exclusion in ``node`` stands beside a word to search for: ``a NOT b`` does,
    ``NOT a``, ``NOT a NOT b`` and ``a (NOT b OR c)`` do not. FTS5 cannot search for the absence
    of words alone (its ``NOT`` is binary), so neither engine accepts these."""
    if isinstance(node, Term):
        return True
    if node.op == "!":
        return False
    if node.op == "|":
        assert node.left is not None
        return _searches(node.left) and _searches(node.right)
    required = [p for p in _conjuncts(node) if not (isinstance(p, Op) and p.op == "!")]
    return bool(required) and all(_searches(p) for p in required)


_PLAIN_QUERY = re.compile(r'^[\w\s"*]+$', re.UNICODE)


def is_plain(query: str) -> bool:
    """Whether ``query`` is made of words, spaces, quotes and ``*`` only: when such a query does
    not parse, it is malformed (``"unbalanced``), not punctuation to search past."""
    return bool(_PLAIN_QUERY.match(query))


def phrase_words(query: str) -> tuple[str, ...]:
    """The words of a query that is not search syntax (``ceasefire AND (``, ``U.S.-Russia``), to
    search as one phrase; ``SearchQueryError`` when it has none."""
    terms = tuple(w.lower() for w in _WORD.findall(query))
    if not terms:
        raise SearchQueryError(f"search query {query!r} has no words to search for")
    return terms


def parse_lenient(query: str) -> Node:
    """``parse``, except that a query that does not parse and is not plain (``is_plain``) is
    searched as the phrase of its words, as the SQLite engine does; a malformed plain query
    (``"unbalanced``) is still an error."""
    try:
        return parse(query)
    except SearchQueryError:
        if not query.strip() or is_plain(query):
            raise
    return Term(phrase_words(query))


def _lexeme(word: str) -> str:
    return "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"


def to_tsquery(node: Node) -> str:
    """PostgreSQL ``to_tsquery`` text for a parsed query (normalised by the text-search config)."""
    if isinstance(node, Term):
        if len(node.words) == 1:
            return _lexeme(node.words[0]) + (":*" if node.prefix else "")
        parts = [_lexeme(w) for w in node.words]
        if node.prefix:
            parts[-1] += ":*"
        return "(" + " <-> ".join(parts) + ")"
    if node.op == "!":
        return "!" + to_tsquery(node.right)
    assert node.left is not None
    return f"({to_tsquery(node.left)} {node.op} {to_tsquery(node.right)})"


def _fts5_string(term: Term) -> str:
    return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")


def to_fts5(node: Node) -> str:
    """SQLite FTS5 query text for a parsed query (every word quoted, so that no word is read as
    FTS5 syntax: ``title:x``, ``NEAR``). FTS5's ``NOT`` is binary, so the excluded terms of a
    conjunction follow its required ones: ``NOT a b NOT c`` is ``((b NOT a) NOT c)``."""
    if isinstance(node, Term):
        return _fts5_string(node)
    assert node.left is not None and node.op != "!"  # parse refuses a query that only excludes
    if node.op == "|":
        return f"({to_fts5(node.left)} OR {to_fts5(node.right)})"
    parts = _conjuncts(node)
    required = [to_fts5(p) for p in parts if not (isinstance(p, Op) and p.op == "!")]
    out = required[0] if len(required) == 1 else "(" + " AND ".join(required) + ")"
    for p in parts:
        if isinstance(p, Op) and p.op == "!":
            out = f"({out} NOT {to_fts5(p.right)})"
    return out


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, Op) and node.op == "&":
        assert node.left is not None
        return [*_conjuncts(node.left), *_conjuncts(node.right)]
    return [node]
