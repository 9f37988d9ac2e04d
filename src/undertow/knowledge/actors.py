"""The actors registry (``data/actors.yaml``): who is who, which office they held when.

Three services for the annotate stage:

- :meth:`ActorRegistry.role_on` and :meth:`ActorRegistry.holder` answer "what was X on day D" and
  "who was Russia's foreign minister on day D" from the dated roles;
- :meth:`ActorRegistry.matcher` finds alias mentions in a text with character offsets;
- :meth:`ActorRegistry.to_record` turns a resolved actor into the record's ``Actor``.

Matching works on word tokens (``\\w+``) through a trie of alias token sequences, so one pass over
the text finds every mention; the longest mention starting at a token wins and matches never
overlap. Case: an alias token that is a short all-caps acronym (``RT``, ``EU``, ``UN``, ``США``)
matches only that exact spelling; a capitalised alias token needs a capitalised word in the text
(``Waltz`` is not ``waltz``); lower-case alias tokens match in any case. Russian and Ukrainian
aliases also match their inflected forms (``Лаврова``, ``Зеленським``, ``Києва``): the forms are
generated from the alias tokens by a small suffix table of Slavic noun, surname and adjective
endings (see :func:`slavic_forms`), so no morphology dictionary is needed and a word that is not
an inflection of an alias (``Lavrovsky``) never matches.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from undertow.errors import DataFileError
from undertow.knowledge.loader import CountryCode, Slug, data_path, load_yaml_model
from undertow.records import Actor as ActorRecord
from undertow.records import Span

Kind = Literal["person", "organisation", "state", "collective", "outlet"]

_ORG = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$")
_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "ё": "е", "Ё": "Е"})


_ASCII = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae"})


def slugify(name: str) -> str:
    """The id convention: lower-case ASCII slug of the canonical English name."""
    folded = unicodedata.normalize("NFKD", name.translate(_ASCII))
    ascii_name = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


# --------------------------------------------------------------------------- file models


class Role(BaseModel):
    """An office held from ``start`` to ``end`` (both inclusive; ``None``: unknown / still held)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    org: str | None = None
    country: CountryCode = None  # jurisdiction of the office; default: the org code's prefix
    start: dt.date | None = None
    end: dt.date | None = None
    descriptions: list[str] = Field(default_factory=list)

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("title must not be blank")
        return v.strip()

    @field_validator("org")
    @classmethod
    def _org(cls, v: str | None) -> str | None:
        if v is not None and not _ORG.match(v):
            raise ValueError(f"org {v!r} must be an upper-case code like RUS-MFA")
        return v

    @field_validator("descriptions")
    @classmethod
    def _descriptions(cls, v: list[str]) -> list[str]:
        for d in v:
            if not d.strip():
                raise ValueError("descriptions must not contain an empty string")
        return [d.strip() for d in v]

    @model_validator(mode="after")
    def _ordered(self) -> Role:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"role {self.title!r}: end {self.end} is before start {self.start}")
        return self

    @property
    def jurisdiction(self) -> str | None:
        """The country whose office this is (for "Russia's …" descriptions), if known."""
        if self.country:
            return self.country
        if self.org:
            head = self.org.split("-", 1)[0]
            if head in _COUNTRY_WORDS:
                return head
        return None

    def active_on(self, day: dt.date | None) -> bool:
        if day is None:
            return self.end is None
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class ActorEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: str = Field(min_length=1)
    kind: Kind
    country: CountryCode = None
    aliases: list[str] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: list[str]) -> list[str]:
        for a in v:
            if not isinstance(a, str) or not a.strip():
                raise ValueError("aliases must be non-empty strings")
            if not _WORD.search(a):
                raise ValueError(f"alias {a!r} has no word characters")
        return [a.strip() for a in v]

    @model_validator(mode="after")
    def _id_convention(self) -> ActorEntry:
        # people and collectives are named by their English name; bodies may use an acronym (isw, rt)
        if self.kind in ("person", "collective") and self.id != slugify(self.name):
            raise ValueError(f"id {self.id!r} must be the slug of the name, {slugify(self.name)!r}")
        return self

    @property
    def surfaces(self) -> list[str]:
        """The canonical name and every alias, without repeats."""
        return list(dict.fromkeys([self.name, *self.aliases]))


class ActorsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    actors: list[ActorEntry]

    @model_validator(mode="after")
    def _unique(self) -> ActorsFile:
        seen: set[str] = set()
        owner: dict[tuple[str, ...], str] = {}
        for a in self.actors:
            if a.id in seen:
                raise ValueError(f"duplicate actor id {a.id!r}")
            seen.add(a.id)
            for s in a.surfaces:
                key = _alias_key(s)
                other = owner.setdefault(key, a.id)
                if other != a.id:
                    raise ValueError(f"actor {a.id!r}: alias {s!r} is already an alias of {other!r}")
        return self


# --------------------------------------------------------------------------- descriptions

# Country words in English descriptions, folded onto one adjective so that "Russia's top diplomat",
# "the Russian top diplomat" and "the top diplomat of Russia" are the same key.
_COUNTRY_WORDS: dict[str, tuple[str, ...]] = {
    "RUS": ("russian", "russia", "russian federation", "moscow"),
    "UKR": ("ukrainian", "ukraine", "kyiv", "kiev"),
    "USA": ("us", "american", "america", "united states", "washington", "usa"),
    "GBR": ("uk", "british", "britain", "united kingdom", "london"),
    "DEU": ("german", "germany", "berlin"),
    "FRA": ("french", "france", "paris"),
    "POL": ("polish", "poland", "warsaw"),
    "TUR": ("turkish", "turkey", "turkiye", "türkiye", "ankara"),
    "CHN": ("chinese", "china", "beijing"),
    "BLR": ("belarusian", "belarus", "minsk"),
    "HUN": ("hungarian", "hungary", "budapest"),
    "SVK": ("slovak", "slovakia", "bratislava"),
    "ITA": ("italian", "italy", "rome"),
    "FIN": ("finnish", "finland", "helsinki"),
    "ARE": ("emirati", "uae", "united arab emirates", "abu dhabi"),
    "SAU": ("saudi", "saudi arabia", "riyadh"),
    "QAT": ("qatari", "qatar", "doha"),
    "IND": ("indian", "india", "new delhi"),
    "NLD": ("dutch", "netherlands"),
    "ESP": ("spanish", "spain", "madrid"),
    "DNK": ("danish", "denmark"),
    "SWE": ("swedish", "sweden"),
    "EST": ("estonian", "estonia"),
    "LTU": ("lithuanian", "lithuania"),
    "MDA": ("moldovan", "moldova"),
    "PRK": ("north korean", "north korea", "pyongyang"),
    "IRN": ("iranian", "iran", "tehran"),
    "BRA": ("brazilian", "brazil"),
    "VAT": ("vatican", "holy see"),
}
_COUNTRY_PHRASES: list[tuple[tuple[str, ...], str]] = sorted(
    ((tuple(w.split()), cc) for cc, words in _COUNTRY_WORDS.items() for w in words),
    key=lambda x: -len(x[0]),
)
_SPELLING = {
    "defense": "defence",
    "organization": "organisation",
    "minister's": "minister",
    "spokesperson": "spokesman",
    "spokeswoman": "spokesman",
    "chief": "head",
}
_ARTICLES = {"the", "a", "an"}
_PHRASES = [
    ("minister of foreign affairs", "foreign minister"),
    ("minister for foreign affairs", "foreign minister"),
    ("foreign affairs minister", "foreign minister"),
    ("ministry of foreign affairs", "foreign ministry"),
    ("minister of defence", "defence minister"),
    ("minister for defence", "defence minister"),
    ("ministry of defence", "defence ministry"),
    ("secretary of defence", "defence secretary"),
]


def _country_at(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The country phrase starting at ``tokens[i]`` and its length, if any (possessive allowed)."""
    for words, cc in _COUNTRY_PHRASES:
        n = len(words)
        if i + n > len(tokens):
            continue
        window = tokens[i : i + n]
        last = window[-1].removesuffix("'s").removesuffix("'")
        if tuple(window[:-1]) == words[:-1] and last == words[-1]:
            return cc, n
    return None


def normalise_description(text: str) -> str:
    """Key of an office description: case-folded, "the"/possessive/"of Russia" variants folded."""
    s = text.translate(_APOSTROPHES).casefold()
    s = re.sub(r"\bu\.\s?s\.(?:\s?a\.)?", "us", s)
    s = re.sub(r"\bu\.\s?k\.", "uk", s)
    s = re.sub(r"[^\w'\s]+", " ", s)
    tokens = [t.strip("'") if not t.endswith("'s") else t for t in s.split()]
    tokens = [t for t in tokens if t]
    while tokens and tokens[0] in _ARTICLES:
        tokens = tokens[1:]
    country: str | None = None
    # "… of (the) Russia" at the end
    for j in range(len(tokens) - 1, 0, -1):
        if tokens[j - 1] == "of" or (tokens[j - 1] == "the" and j >= 2 and tokens[j - 2] == "of"):
            hit = _country_at(tokens, j)
            if hit and j + hit[1] == len(tokens):
                country = hit[0]
                cut = j - 1 if tokens[j - 1] == "of" else j - 2
                tokens = tokens[:cut]
                break
    # "Russia's …", "Russian …", "US …" at the start
    if country is None and tokens:
        hit = _country_at(tokens, 0)
        if hit and hit[1] < len(tokens):
            country, n = hit
            tokens = tokens[n:]
    out = []
    for t in tokens:
        t = _SPELLING.get(t, t)
        out.append(t.removesuffix("'s"))
    words = f" {' '.join(out)} "
    for long, short in _PHRASES:
        words = words.replace(f" {long} ", f" {short} ")
    words = words.strip()
    return f"{_COUNTRY_WORDS[country][0]} {words}" if country else words


# --------------------------------------------------------------------------- Slavic inflection

_CONS_ENDINGS = ("а", "у", "ом", "ем", "ым", "им", "е", "і", "ові", "еві")
_A_ENDINGS = ("ы", "и", "е", "і", "у", "ой", "ою", "ей", "ею", "ій", "ої")
_YA_ENDINGS = ("и", "і", "ї", "е", "ю", "ей", "ею", "єю", "ій")
_O_ENDINGS = ("а", "у", "ом", "е", "і", "ові")
_ADJ_ENDINGS = ("ого", "ому", "им", "ым", "ом", "ім", "ий", "ый")
_SOFT_ENDINGS = ("я", "ю", "ем", "е", "і", "еві")
_UK_ALTERNATION = {"га": "зі", "ка": "ці", "ха": "сі"}


def slavic_forms(word: str) -> set[str]:
    """Case forms of a lower-cased Russian or Ukrainian noun, name or adjective (a suffix table).

    Over-generation is harmless here: a form only matters if it occurs in a text next to the rest
    of the alias, and the table only ever adds endings to an alias's own stem.
    """
    w = word
    out = {w}
    if len(w) < 3 or not _CYRILLIC.search(w):
        return out
    last2 = w[-2:]
    if last2 in ("ий", "ый", "ой", "ій") and len(w) > 4:  # Зеленский, Сирський, Залужный; Дмитрий
        stem = w[:-2]
        out.update(stem + e for e in _ADJ_ENDINGS)
        out.update(w[:-1] + e for e in ("я", "ю", "ем", "е", "и", "ї", "єм"))
    elif last2 in ("ие", "ые"):  # российские официальные
        out.update(w[:-2] + e for e in ("их", "ых", "им", "ым", "ими", "ыми"))
    elif last2 in ("ая", "яя"):  # российская сторона
        out.update(w[:-2] + e for e in ("ой", "ую", "ою", "ей", "юю"))
    elif last2 in ("ое", "ее"):  # российское руководство
        out.update(w[:-2] + e for e in ("ого", "ому", "ым", "им", "ом", "ем", "его", "ему"))
    elif w.endswith("е") and len(w) > 5:  # українське керівництво
        out.update(w[:-1] + e for e in ("ого", "ому", "им", "ім"))
    elif w.endswith("й"):  # Сергей, Николай, Сергій
        out.update(w[:-1] + e for e in ("я", "ю", "ем", "е", "є", "єм", "ї", "ю"))
    elif w.endswith("ець"):  # Лубінець
        out.update(w[:-3] + "ц" + e for e in ("я", "ю", "ем", "і", "еві"))
    elif w.endswith("ь"):  # Кремль, Шмыгаль
        out.update(w[:-1] + e for e in (*_SOFT_ENDINGS, "ём"))
    elif w.endswith("а"):  # Москва, Кулеба, Захарова
        out.update(w[:-1] + e for e in _A_ENDINGS)
        if last2 in _UK_ALTERNATION:
            out.add(w[:-2] + _UK_ALTERNATION[last2])
        if last2 == "ца":  # Кислица → Кислицей
            out.add(w[:-1] + "ей")
    elif w.endswith("я"):  # Россия, Росія, Небензя
        out.update(w[:-1] + e for e in _YA_ENDINGS)
    elif w.endswith("о"):  # Лукашенко (uk), Министерство
        out.update(w[:-1] + e for e in _O_ENDINGS)
    elif w.endswith("і"):  # російські посадовці
        out.update(w[:-1] + e for e in ("их", "им", "ими", "ів", "ям", "ями", "ях", "ам", "ах"))
    elif w.endswith(("и", "ы")):  # чиновники, власти
        out.update(w[:-1] + e for e in ("ов", "ам", "ами", "ах", "ей", "ям", "ями", "ях"))
    elif w[-1] in "бвгджзклмнпрстфхцчшщ":  # Лавров, Путин, Трамп, Ермак, Мерц
        out.update(w + e for e in _CONS_ENDINGS)
        if w.endswith("ец"):  # Лубинец → Лубинца
            out.update(w[:-2] + "ц" + e for e in ("а", "у", "ом", "ем", "е"))
    return out


# --------------------------------------------------------------------------- matcher

_EXACT, _CAP, _ANY = 0, 1, 2


def _fold(token: str) -> str:
    return token.translate(_APOSTROPHES).casefold()


def _case_rule(token: str) -> int:
    if token.isupper() and len(token) <= 5:
        return _EXACT
    if token[0].isupper():
        return _CAP
    return _ANY


def _gap_class(gap: str) -> str | None:
    """Separator class between two tokens of a mention: ``" "`` for spaces/hyphens, ``"."``,
    ``"'"`` or ``"&"`` kept literally, ``None`` when the gap breaks a mention."""
    if len(gap) > 3 or "\n\n" in gap:
        return None
    core = gap.translate(_APOSTROPHES)
    core = re.sub(r"[\s\-‐‑–]", "", core)
    if not core:
        return " "
    if core in (".", "'", "&", "/"):
        return core
    return None


def _alias_key(alias: str) -> tuple[str, ...]:
    tokens = list(_WORD.finditer(alias))
    key: list[str] = []
    for i, m in enumerate(tokens):
        if i:
            key.append(_gap_class(alias[tokens[i - 1].end() : m.start()]) or "?")
        key.append(_fold(m.group()))
    return tuple(key)


@dataclass(frozen=True, slots=True)
class Match:
    """An alias mention: ``text[start:end] == surface`` names ``actor_id``."""

    actor_id: str
    start: int
    end: int
    surface: str


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    # (actor id, case rule per alias token, alias order, leading "the" tokens to leave out of the span)
    terminals: list[tuple[str, tuple[int, ...], int, int]] = field(default_factory=list)


class ActorMatcher:
    """Finds alias mentions in text: leftmost-longest, non-overlapping, sorted by offset."""

    def __init__(self, aliases: Iterable[tuple[str, str]]) -> None:
        """``aliases``: (target id, surface form) pairs; earlier pairs win exact ties."""
        self._root = _Node()
        self._forms: dict[str, set[str]] = {}  # inflected token -> alias tokens it may stand for
        for order, (target, alias) in enumerate(aliases):
            tokens = [m.group() for m in _WORD.finditer(alias)]
            key = _alias_key(alias)
            if not tokens or "?" in key:
                continue
            node = self._root
            for part in key:
                node = node.children.setdefault(part, _Node())
            skip = int(len(tokens) > 1 and tokens[0].casefold() == "the")
            node.terminals.append((target, tuple(_case_rule(t) for t in tokens), order, skip))
            for t in tokens:
                if _case_rule(t) == _EXACT:
                    continue
                base = _fold(t)
                for form in slavic_forms(base):
                    if form != base:
                        self._forms.setdefault(form, set()).add(base)
        self._frozen_forms = {k: tuple(sorted(v)) for k, v in self._forms.items()}

    def find(self, text: str) -> list[Match]:
        toks = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        keys = [_fold(t[2]) for t in toks]
        root = self._root.children
        forms = self._frozen_forms
        out: list[Match] = []
        n = len(toks)
        i = 0
        while i < n:
            k = keys[i]
            if k not in root and k not in forms:
                i += 1
                continue
            best = self._longest(text, toks, keys, i)
            if best is None:
                i += 1
                continue
            actor_id, j, skip = best
            start, end = toks[i + skip][0], toks[j][1]
            out.append(Match(actor_id, start, end, text[start:end]))
            i = j + 1
        return out

    def _longest(
        self, text: str, toks: list[tuple[int, int, str]], keys: list[str], i: int
    ) -> tuple[str, int, int] | None:
        """The best alias starting at token ``i``: (actor id, last token index, tokens to skip)."""
        forms = self._frozen_forms
        # (last token, exact tokens, -order, id, skip)
        best: tuple[int, int, int, str, int] | None = None
        # frontier: (node, token index just matched, number of tokens matched exactly)
        frontier: list[tuple[_Node, int, int]] = []
        for cand in (keys[i], *forms.get(keys[i], ())):
            child = self._root.children.get(cand)
            if child is not None:
                frontier.append((child, i, int(cand == keys[i])))
        while frontier:
            node, j, exact = frontier.pop()
            for actor_id, rules, order, skip in node.terminals:
                if self._case_ok(toks, i, rules):
                    score = (j, exact, -order, actor_id, skip)
                    if best is None or score[:3] > best[:3]:
                        best = score
            if not node.children or j + 1 >= len(toks):
                continue
            gap = _gap_class(text[toks[j][1] : toks[j + 1][0]])
            if gap is None:
                continue
            after_gap = node.children.get(gap)
            if after_gap is None:
                continue
            nk = keys[j + 1]
            for cand in (nk, *forms.get(nk, ())):
                child = after_gap.children.get(cand)
                if child is not None:
                    frontier.append((child, j + 1, exact + int(cand == nk)))
        return (best[3], best[0], best[4]) if best else None

    @staticmethod
    def _case_ok(toks: list[tuple[int, int, str]], i: int, rules: tuple[int, ...]) -> bool:
        for r, (_, _, surface) in zip(rules, toks[i : i + len(rules)], strict=False):
            if r == _CAP and not surface[0].isupper():
                return False
            if r == _EXACT and not surface.isupper():
                return False
        return True


# --------------------------------------------------------------------------- registry


class ActorRegistry:
    """Lookup of actors by id, of offices by date, and of alias mentions in text."""

    def __init__(self, entries: list[ActorEntry]) -> None:
        self.entries: dict[str, ActorEntry] = {e.id: e for e in entries}
        # description key -> [(priority, actor id, role)]; priority 0: written or country-qualified
        self._offices: dict[str, list[tuple[int, str, Role]]] = {}
        for e in entries:
            for r in e.roles:
                keys: dict[str, int] = {}
                for d in r.descriptions:
                    keys.setdefault(normalise_description(d), 0)
                cc = r.jurisdiction
                if cc and cc in _COUNTRY_WORDS:
                    keys.setdefault(normalise_description(f"{_COUNTRY_WORDS[cc][0]} {r.title}"), 0)
                keys.setdefault(normalise_description(r.title), 1)
                for k, prio in keys.items():
                    self._offices.setdefault(k, []).append((prio, e.id, r))
        # inflected Russian/Ukrainian description words -> their form in the file ("главы" -> "глава")
        self._desc_forms: dict[str, str] = {}
        ambiguous: set[str] = set()
        desc_words = {w for key in self._offices for w in key.split()}
        for word in desc_words:
            for form in slavic_forms(word):
                if form != word and self._desc_forms.setdefault(form, word) != word:
                    ambiguous.add(form)
        for form in ambiguous:
            del self._desc_forms[form]
        self._matcher: ActorMatcher | None = None
        self._description_matcher: DescriptionMatcher | None = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> ActorRegistry:
        p = Path(path) if path else data_path("actors.yaml")
        try:
            parsed = load_yaml_model(p, ActorsFile)
        except DataFileError as exc:
            raise DataFileError(exc.path, _name_actor(p, exc.reason)) from exc
        return cls(parsed.actors)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, actor_id: object) -> bool:
        return actor_id in self.entries

    def __iter__(self) -> Iterator[ActorEntry]:
        return iter(self.entries.values())

    def get(self, actor_id: str) -> ActorEntry | None:
        return self.entries.get(actor_id)

    def role_on(self, actor_id: str, day: dt.date | None = None) -> Role | None:
        """The role ``actor_id`` held on ``day`` (``None``: a role still held); the latest-starting
        one when several overlap."""
        e = self.entries.get(actor_id)
        if e is None:
            return None
        active = [r for r in e.roles if r.active_on(day)]
        if not active:
            return None
        return max(active, key=lambda r: r.start or dt.date.min)

    def holder(self, description: str, day: dt.date | None = None) -> str | None:
        """Who held the office ``description`` names on ``day`` ("Russia's top diplomat",
        "the Kremlin spokesman", "глава МИД России"); ``None`` when unknown or ambiguous."""
        return self._holder_of_key(self._office_key(normalise_description(description)), day)

    def _office_key(self, key: str) -> str:
        """``key``, or the known description it inflects ("главы мид россии" -> "глава мид россии"):
        the variant that changes the fewest words wins."""
        if key in self._offices:
            return key
        words = key.split()
        options = [(w, self._desc_forms[w]) if w in self._desc_forms else (w,) for w in words]
        if sum(len(o) > 1 for o in options) > 8:
            return key
        variants = sorted(
            itertools.product(*options), key=lambda v: sum(a != b for a, b in zip(v, words, strict=True))
        )
        for v in variants:
            if " ".join(v) in self._offices:
                return " ".join(v)
        return key

    def descriptions(self) -> list[str]:
        """Every normalised office description known (for building description matchers)."""
        return sorted(self._offices)

    def matcher(self) -> ActorMatcher:
        """The alias matcher over every actor (built once per registry)."""
        if self._matcher is None:
            self._matcher = ActorMatcher((e.id, s) for e in self.entries.values() for s in e.surfaces)
        return self._matcher

    def description_matcher(self) -> DescriptionMatcher:
        """A matcher of office descriptions in text ("Russia's top diplomat", "глава МИД России"),
        resolved to their holder on a given day (built once per registry)."""
        if self._description_matcher is None:
            self._description_matcher = DescriptionMatcher(self)
        return self._description_matcher

    def _holder_of_key(self, key: str, day: dt.date | None) -> str | None:
        cands = [c for c in self._offices.get(key, []) if c[2].active_on(day)]
        if not cands:
            return None
        top = min(c[0] for c in cands)
        cands = [c for c in cands if c[0] == top]
        if len({c[1] for c in cands}) == 1:
            return cands[0][1]
        # successors in one office overlapping on the hand-over day: the newer holder
        if len({(c[2].org, c[2].jurisdiction, c[2].title) for c in cands}) == 1:
            return max(cands, key=lambda c: c[2].start or dt.date.min)[1]
        return None

    def lookup(self, surface: str) -> str | None:
        """The actor a whole string names ("Lavrov", "Лаврова", "the Kremlin" → …), if any."""
        s = re.sub(r"^(?:the|The|THE)\s+", "", surface.strip())
        s = re.sub(r"['’]s?$", "", s).rstrip()
        found = self.matcher().find(s)
        if len(found) == 1 and found[0].start == 0 and found[0].end == len(s):
            return found[0].actor_id
        return None

    def to_record(
        self,
        actor_id: str,
        day: dt.date | None = None,
        mentions: Iterable[Span | Match | tuple[int, int]] = (),
    ) -> ActorRecord:
        """The record's ``Actor`` with ``role`` set to the title held on ``day``."""
        e = self.entries.get(actor_id)
        if e is None:
            raise KeyError(actor_id)
        role = self.role_on(actor_id, day)
        spans: list[Span] = []
        for m in mentions:
            if isinstance(m, Span):
                spans.append(m)
            elif isinstance(m, Match):
                spans.append(Span(m.start, m.end))
            else:
                spans.append(Span(m[0], m[1]))
        spans = sorted(set(spans), key=lambda s: (s.start, s.end))
        return ActorRecord(
            id=e.id,
            name=e.name,
            kind=e.kind,
            country=e.country,
            role=role.title if role else None,
            provisional=False,
            mentions=spans,
        )


_DISPLAY = {"us": "US", "uk": "UK", "usa": "USA", "uae": "UAE", "türkiye": "Türkiye"}
_SPELLINGS = (("defence", "defense"), ("Defence", "Defense"), ("spokesman", "spokesperson"))


def _country_display(word: str) -> str:
    return _DISPLAY.get(word, " ".join(w.capitalize() for w in word.split()))


def _description_surfaces(role: Role) -> set[str]:
    """How texts may write the descriptions of ``role``: as written, with the title, and with the
    country as adjective, possessive or "of" phrase ("Russian …", "Russia's …", "… of Russia")."""
    raw = set(role.descriptions)
    cc = role.jurisdiction
    if cc in _COUNTRY_WORDS:
        raw.add(f"{_country_display(_COUNTRY_WORDS[cc][0])} {role.title}")
    out: set[str] = set()
    for d in raw:
        tokens = d.translate(_APOSTROPHES).casefold().split()
        hit = _country_at(tokens, 0) if tokens else None
        if hit and hit[1] < len(tokens) and not _CYRILLIC.search(d):
            rest = " ".join(d.split()[hit[1] :])
            for w in _COUNTRY_WORDS[hit[0]]:
                shown = _country_display(w)
                out.update(
                    {f"{shown} {rest}", f"{shown}{chr(39) if w.endswith('s') else chr(39) + 's'} {rest}"}
                )
                out.update({f"{rest} of {shown}", f"{rest} of the {shown}"})
        else:
            out.add(d)
    for a, b in _SPELLINGS:
        out |= {s.replace(a, b) for s in out} | {s.replace(b, a) for s in out}
    return out


class DescriptionMatcher:
    """Finds office descriptions in text and names who held the office on a day.

    ``find(text, day)`` gives :class:`Match` objects whose ``actor_id`` is the holder on ``day``;
    descriptions whose holder is unknown or ambiguous that day are left out.
    """

    def __init__(self, registry: ActorRegistry) -> None:
        self._registry = registry
        pairs: list[tuple[str, str]] = []
        for e in registry:
            for r in e.roles:
                for surface in sorted(_description_surfaces(r)):
                    key = registry._office_key(normalise_description(surface))
                    if key in registry._offices:
                        pairs.append((key, surface))
        self._matcher = ActorMatcher(pairs)

    def find(self, text: str, day: dt.date | None = None) -> list[Match]:
        out = []
        for m in self._matcher.find(text):
            holder = self._registry._holder_of_key(m.actor_id, day)
            if holder:
                out.append(Match(holder, m.start, m.end, m.surface))
        return out


def _name_actor(path: Path, reason: str) -> str:
    """Add the actor's id to a validation message located as ``actors.12.…``."""
    m = re.match(r"actors\.(\d+)\b", reason)
    if not m:
        return reason
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entry = raw["actors"][int(m.group(1))]
        actor_id = entry.get("id") if isinstance(entry, dict) else None
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError):
        return reason
    return f"{reason} [actor {actor_id!r}]" if actor_id else reason


@lru_cache(maxsize=1)
def default_registry() -> ActorRegistry:
    return ActorRegistry.load()


def display_name(actor_id: str, registry: ActorRegistry | None = None) -> str:
    """How an actor id reads in prose: the registry's name, else the id's words with the first
    one capitalised ('western-media' → 'Western media'; a provisional speaker keeps its slug's words)."""
    entry = (registry or default_registry()).get(actor_id)
    return entry.name if entry else actor_id.replace("-", " ").capitalize()
