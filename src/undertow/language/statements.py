"""Statements: who said what — direct quotes, reported speech and mixed forms, with spans.

English is read from a dependency parse (spaCy): a reporting verb from the lexicon
(``data/lexicons/speech.yaml``) with a speaker subject and a complement (a clause, an object with
"as ...", an infinitive) makes a statement; subjects are inherited along coordinated and
participial verbs ("... have labeled X as ... and have warned that ..."); "according to X" and
statement nouns ("claims that ...") are read too. Quotes (" “ ” « » „ ‘ ’) decide the kind: a
complement that is one quote is ``direct``, one that contains quotes is ``mixed``; a quote with no
parsed reporting verb is attributed to the reporting verb next to it ("…," he said) or, inside a
paragraph, to the speaker of the statement before it.

Russian and Ukrainian are read with rules over sentences: ``X заявил, что Y``, ``«Y», — сказал X``,
``По словам X, Y``, ``X: «Y»``.

The output is :class:`RawStatement` (character spans only); ``annotate.py`` resolves speakers to
actors and dates, and builds the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from undertow.knowledge.loader import data_path, load_yaml_model
from undertow.language.nlp import parses

MODEL_NAME = "undertow.statements"
MODEL_VERSION = "0.1"


# --- lexicon -------------------------------------------------------------------------------------


class _EnVerbs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speech: list[str]
    frame: list[str]
    cognition: list[str]
    clausal: list[str]


class _En(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verbs: _EnVerbs
    nouns: list[str]
    speakers: list[str]
    pronouns: list[str]
    not_speakers: list[str]
    according_to: list[str]


class _Slavic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verbs: list[str]  # lemmas
    according_to: list[str]
    as_reported: list[str]
    that: list[str]
    pronouns: list[str]


class SpeechLexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    en: _En
    ru: _Slavic
    uk: _Slavic


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> SpeechLexicon:
    return load_yaml_model(Path(path) if path else data_path("lexicons/speech.yaml"), SpeechLexicon)


# --- output --------------------------------------------------------------------------------------


@dataclass(slots=True)
class RawStatement:
    """A statement found in a text, before its speaker is resolved to an actor."""

    speaker: tuple[int, int] | None  # span of the speaker mention (name, description, pronoun)
    cue: tuple[int, int] | None  # span of the reporting verb/phrase
    content: tuple[int, int]  # span of what was said (quote marks excluded for direct quotes)
    kind: str  # direct | indirect | mixed
    sentence: tuple[int, int]
    confidence: float
    speaker_is_pronoun: bool = False
    paragraph: int = 0
    speaker_head: tuple[int, int] | None = None  # the head word of the speaker phrase
    speaker_name: tuple[int, int] | None = None  # a person's name inside it ("… spokeswoman Mao Ning")
    principal: tuple[int, int] | None = None  # whom a spokesman/office/statement speaks for
    extra: dict[str, Any] = field(default_factory=dict)


# --- quotes --------------------------------------------------------------------------------------

_PAIRS = {"“": "”", "«": "»", "„": "“", "‘": "’", '"': '"', "‚": "‘"}
_OPEN = re.compile(r"[“«„‘\"‚]")


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Spans of quoted passages (inner text, marks excluded). ‘ ’ count only when they are not
    apostrophes; an opening mark without its closing mark within 3,000 characters is ignored."""
    quotes: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    while i < n:
        m = _OPEN.search(text, i)
        if not m:
            break
        o = m.group()
        start = m.end()
        if o in "‘‚" and start - 2 >= 0 and text[start - 2].isalnum():
            i = start
            continue
        close = _PAIRS[o]
        j = start
        end = -1
        depth = 0
        while j < min(n, start + 3000):
            c = text[j]
            if c == close and depth == 0:
                if close == "’" and j + 1 < n and text[j + 1].isalpha():
                    j += 1  # an apostrophe inside the quote (don’t)
                    continue
                end = j
                break
            if o == "«" and c == "«":
                depth += 1
            elif o == "«" and c == "»":
                depth -= 1
            j += 1
        if end < 0 or end - start < 2:
            i = start
            continue
        quotes.append((start, end))
        i = end + 1
    return quotes


# --- English -------------------------------------------------------------------------------------

_SUBJ = {"nsubj", "nsubjpass"}
_PRINCIPAL_HEADS = {
    "spokesman", "spokeswoman", "spokesperson", "office", "aide", "representative", "statement",
    "report", "service", "communique", "communiqué", "spokespeople", "press",
}  # fmt: skip
# "Analysts at Capital Economics", "economists from the Kyiv School of Economics": the institution speaks
_EXPERT_HEADS = {"analyst", "economist", "expert", "researcher", "strategist", "scientist", "specialist"}
_APPOS_NAME = re.compile(r",\s*((?:[A-Z][\w'’-]+\s+){1,3}[A-Z][\w'’-]+)(?=,)")
_PARTICIPLE_TAIL = re.compile(r",?\s+\w+ing\b(?=\s+(?:at|that|a|an|the|to|it|what)\b)")


class EnglishStatements:
    def __init__(self, lexicon: SpeechLexicon, nlp: Any) -> None:
        en = lexicon.en
        self.speech = set(en.verbs.speech)
        self.frame = set(en.verbs.frame)
        self.cognition = set(en.verbs.cognition)
        self.clausal = set(en.verbs.clausal)
        self.nouns = set(en.nouns)
        self.speaker_nouns = set(en.speakers)
        self.pronouns = set(en.pronouns)
        self.not_speakers = set(en.not_speakers)
        self.nlp = nlp

    def extract(
        self,
        text: str,
        paragraphs: list[tuple[int, int]] | None = None,
        sentences_out: list[tuple[int, Any]] | None = None,
    ) -> list[RawStatement]:
        """Statements in ``text``; sentences never cross paragraph breaks (headings stay apart).
        The parsed sentences are appended to ``sentences_out`` when given, as ``(start in text,
        spaCy sentence span)``, so that later stages need not parse again."""
        from undertow.language.langid import paragraph_spans

        spans = paragraphs if paragraphs is not None else paragraph_spans(text)
        quotes = find_quotes(text)
        out: list[RawStatement] = []
        sentences: list[tuple[int, int]] = []
        docs = self.nlp.pipe(text[a:b] for a, b in spans)
        for n, ((p0, _), doc) in enumerate(zip(spans, docs, strict=True)):
            found: list[RawStatement] = []
            for sent in doc.sents:
                sentences.append((p0 + sent.start_char, p0 + sent.end_char))
                if sentences_out is not None:
                    sentences_out.append((p0 + sent.start_char, sent))
                found.extend(self._sentence(sent, text, quotes, p0))
            for st in found:
                st.paragraph = n
            out.extend(found)
        out.extend(self._orphan_quotes(sentences, text, quotes, out))
        out.sort(key=lambda s: (s.content[0], s.content[1]))
        return _dedupe(out)

    # one sentence: verbs, nouns, "according to"
    def _sentence(self, sent: Any, text: str, quotes: list[tuple[int, int]], p0: int) -> list[RawStatement]:
        found: list[RawStatement] = []
        sspan = (p0 + sent.start_char, p0 + sent.end_char)
        for tok in sent:
            if _inside_quote(p0 + tok.idx, quotes):
                continue  # a reporting verb inside someone's quoted words is part of that quote
            lemma = tok.lemma_.lower()
            if (
                tok.pos_ in ("VERB", "AUX")
                and (lemma in self.speech or lemma in self.frame or lemma in self.cognition)
                and not (tok.tag_ == "VBN" and tok.dep_ in ("advcl", "acl", "amod"))  # "Asked whether ..."
            ):
                found.extend(self._verb(tok, lemma, text, quotes, sspan, p0))
            elif tok.pos_ == "NOUN" and lemma in self.nouns:
                st = self._noun(tok, text, quotes, sspan, p0)
                if st:
                    found.append(st)
            elif lemma == "accord" and tok.text.lower() == "according":
                st = self._according(tok, text, quotes, sspan, p0)
                if st:
                    found.append(st)
        return found

    def _verb(
        self, verb: Any, lemma: str, text: str, quotes: list[tuple[int, int]], sspan: tuple[int, int], p0: int
    ) -> list[RawStatement]:
        content = self._verb_content(verb, lemma, sspan[1] - p0)
        if content is None:
            return []
        c0, c1 = _trim(text, p0 + content[0], p0 + content[1])
        cue = _cue_span(verb, p0)
        if len(text[c0:c1].split()) < 2 or (c0 <= cue[0] and cue[1] <= c1):
            return []
        subjects = self._subjects(verb)
        if not subjects:
            return []
        kind, (c0, c1) = _kind(text, (c0, c1), quotes)
        conf = 0.9 if lemma in self.speech or lemma in self.frame else 0.6
        out = []
        for subj in subjects:
            span, is_pron = self._speaker_span(subj, text, p0)
            st = RawStatement(
                speaker=span,
                cue=cue,
                content=(c0, c1),
                kind=kind,
                sentence=sspan,
                confidence=conf * (0.85 if is_pron else 1.0),
                speaker_is_pronoun=is_pron,
            )
            out.append(self._speaker_details(st, subj, p0))
        return out

    def _verb_content(self, verb: Any, lemma: str, sent_end: int) -> tuple[int, int] | None:
        """The span (paragraph offsets) of what ``verb`` reports, or None."""
        kids = list(verb.children)
        by_dep: dict[str, list[Any]] = {}
        for k in kids:
            by_dep.setdefault(k.dep_, []).append(k)
        if "ccomp" in by_dep:
            clauses = [_subtree_span(c, skip_marks=True) for c in by_dep["ccomp"]]
            c = by_dep["ccomp"][0]
            start, end = min(a for a, _ in clauses), max(b for _, b in clauses)
            if c.i > verb.i:
                # a reported clause runs to the end of the sentence unless another reporting verb
                # of the same subject takes over ("... and claimed that ...", ", adding that ...")
                cuts = [
                    k.left_edge.idx
                    for k in kids
                    if k.dep_ in ("conj", "advcl") and k.i > c.i and k.pos_ in ("VERB", "AUX")
                ]
                # "said Russia does not want peace and called for a tribunal": the parser hangs the
                # second reporting verb on the reported clause; it starts a statement of its own
                cuts += [k.idx for k in c.children if k.dep_ == "conj" and self._reporting(k)]
                end = max(end, min([*cuts, sent_end]))
            return start, end
        if lemma in self.clausal:
            return None
        if lemma in _XCOMP_ONLY and "xcomp" not in by_dep:
            return None  # "offered to host talks" reports an offer; "offers catering options" does not
        if lemma in self.frame or "oprd" in by_dep:
            objs = by_dep.get("dobj", [])
            if objs:
                start = objs[0].left_edge.idx
                end = _subtree_end(objs[0])
                for k in kids:  # "as ...", object predicate
                    if k.i > objs[0].i and (
                        k.dep_ in ("oprd", "acomp") or (k.dep_ == "prep" and k.lower_ == "as")
                    ):
                        end = max(end, _subtree_end(k))
                tail = _PARTICIPLE_TAIL.search(verb.doc.text, start, end)  # ", suggesting that ..."
                return start, tail.start() if tail else end
        if "xcomp" in by_dep and lemma not in ("say", "tell"):
            x = by_dep["xcomp"][0]
            if x.pos_ in ("VERB", "AUX"):
                return _subtree_span(x, skip_marks=True, skip_to=True)  # plans to veto -> "veto ..."
        if "dobj" in by_dep and "xcomp" in by_dep and by_dep["xcomp"][0].i > by_dep["dobj"][0].i:
            return _subtree_span(by_dep["xcomp"][0], skip_marks=True, skip_to=True)  # told them to stay calm
        if "dobj" in by_dep and lemma not in self.cognition:
            o = by_dep["dobj"][0]
            if o.lower_ in ("it", "this", "so", "that", "what", "which", "nothing", "something"):
                return None
            span = _subtree_span(o)
            for k in kids:  # "urged X to ...", "accused X of ..."
                if (k.i > o.i and k.dep_ in ("xcomp", "ccomp")) or (
                    k.dep_ == "prep" and k.lower_ in ("of", "to", "for")
                ):
                    span = (span[0], max(span[1], _subtree_end(k)))
            return span
        if "prep" in by_dep and lemma in (
            "call",
            "appeal",
            "warn",
            "speak",
            "comment",
            "insist",
            "accuse",
            "elaborate",
        ):
            p = by_dep["prep"][0]
            if p.lower_ in ("for", "on", "against", "about", "of"):
                return _subtree_span(p, skip_first=True)
        return None

    def _subjects(self, verb: Any) -> list[Any]:
        """Speaker heads of ``verb``: its subject (or passive agent), or one inherited from a
        coordinated verb ("labeled ... and warned"), a controlling verb ("continue to present",
        "used an interview to reiterate"), or a reporting verb it elaborates (", asserting that")."""
        tok = verb
        for _ in range(4):
            subj = [c for c in tok.children if c.dep_ in _SUBJ]
            agent = [c for c in tok.children if c.dep_ == "agent"]
            if subj and subj[0].dep_ == "nsubjpass":
                pobj = [c for c in agent[0].children if c.dep_ == "pobj"] if agent else []
                if not pobj:
                    return []  # "it was said that": no speaker
                subj = pobj
            if subj:
                head = subj[0]
                heads = [head, *[c for c in head.children if c.dep_ == "conj"]]
                return [h for h in heads if self._is_speaker(h)]
            parent = tok.head
            if parent.i == tok.i:
                break
            if (
                tok.dep_ == "conj"
                and parent.dep_ == "ccomp"
                and self._reporting(tok)
                and self._reporting(parent.head)
            ):
                tok = parent.head  # see _verb_content: a reporting verb coordinated inside the clause
                continue
            if (
                tok.dep_ == "conj"
                or tok.dep_ == "xcomp"
                or (
                    tok.dep_ == "advcl"
                    and (
                        any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)
                        or parent.lemma_.lower() in self.speech | self.frame
                    )
                )
            ):
                tok = parent
            else:
                break
        return []

    def _reporting(self, tok: Any) -> bool:
        lemma = tok.lemma_.lower()
        return tok.pos_ in ("VERB", "AUX") and (lemma in self.speech or lemma in self.frame)

    def _is_speaker(self, tok: Any) -> bool:
        low = tok.lower_
        if low in self.not_speakers or tok.lemma_.lower() in self.not_speakers:
            return False
        if tok.pos_ == "PRON":
            return low in self.pronouns
        if tok.pos_ == "PROPN" or tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE"):
            return True
        if any(c.dep_ == "appos" and (c.pos_ == "PROPN" or c.ent_type_ == "PERSON") for c in tok.children):
            return True  # "The opposition candidate, Vasile Munteanu, ..."
        return low in self.speaker_nouns or tok.lemma_.lower() in self.speaker_nouns

    def _speaker_span(self, head: Any, text: str, p0: int) -> tuple[tuple[int, int], bool]:
        if head.pos_ == "PRON":
            return (p0 + head.idx, p0 + head.idx + len(head)), True
        left = head.left_edge
        right = head
        for c in head.children:  # "Dmitry Peskov, the Kremlin spokesman," / "spokesman for the Kremlin"
            if c.i > head.i and (
                c.dep_ in ("appos", "compound", "flat")
                or (c.dep_ == "prep" and c.lower_ in ("of", "for", "from"))
            ):
                right = c.right_edge if c.right_edge.i > right.i else right
        start, end = p0 + left.idx, p0 + right.idx + len(right)
        if end < len(text) and text[end] == ")" and "(" in text[start:end]:
            end += 1
        return (start, end), False

    def _speaker_details(self, st: RawStatement, head: Any, p0: int) -> RawStatement:
        """Head word, a person's name and the principal of a speaker phrase, for resolution."""
        if head.pos_ == "PRON":
            return st
        st.speaker_head = (p0 + head.idx, p0 + head.idx + len(head))
        s0, s1 = st.speaker or st.speaker_head
        persons = [
            e
            for e in head.doc.ents
            if e.label_ == "PERSON" and s0 <= p0 + e.start_char and p0 + e.end_char <= s1
        ]
        if persons:
            own = [e for e in persons if e.start <= head.i < e.end]
            e = (own or persons)[-1]
            st.speaker_name = (p0 + e.start_char, p0 + e.end_char)
        lemma = head.lemma_.lower()
        if lemma in _PRINCIPAL_HEADS or lemma in _EXPERT_HEADS:
            preps = ("for", "from", "of", "by") if lemma in _PRINCIPAL_HEADS else ("at", "from", "with")
            for c in head.children:
                if c.dep_ == "poss" and lemma in _PRINCIPAL_HEADS:
                    st.principal = (p0 + c.idx, p0 + c.idx + len(c))
                elif c.dep_ == "prep" and c.lower_ in preps:
                    obj = [g for g in c.children if g.dep_ == "pobj"]
                    if obj:
                        st.principal = (p0 + obj[0].left_edge.idx, p0 + _subtree_end(obj[0]))
        return st

    def _noun(
        self, noun: Any, text: str, quotes: list[tuple[int, int]], sspan: tuple[int, int], p0: int
    ) -> RawStatement | None:
        clause = [
            c
            for c in noun.children
            if c.dep_ in ("acl", "ccomp", "appos")
            and any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)
        ]
        if not clause:
            return None
        content = _subtree_span(clause[0], skip_marks=True)
        speaker = None
        poss = [c for c in noun.children if c.dep_ == "poss"]
        if poss and self._is_speaker(poss[0]):
            speaker = poss[0]
        elif noun.dep_ in ("dobj", "pobj") and noun.head.pos_ in ("VERB", "AUX", "ADP"):
            verb = noun.head if noun.head.pos_ != "ADP" else noun.head.head
            subs = self._subjects(verb)
            speaker = subs[0] if subs else None
        if speaker is None:
            return None
        span, is_pron = self._speaker_span(speaker, text, p0)
        c0, c1 = _trim(text, p0 + content[0], p0 + content[1])
        kind, (c0, c1) = _kind(text, (c0, c1), quotes)
        st = RawStatement(
            speaker=span,
            cue=(p0 + noun.idx, p0 + noun.idx + len(noun)),
            content=(c0, c1),
            kind=kind,
            sentence=sspan,
            confidence=0.75,
            speaker_is_pronoun=is_pron,
        )
        return self._speaker_details(st, speaker, p0)

    def _according(
        self, tok: Any, text: str, quotes: list[tuple[int, int]], sspan: tuple[int, int], p0: int
    ) -> RawStatement | None:
        to = [c for c in tok.children if c.lower_ == "to"]
        pobj = [c for c in to[0].children if c.dep_ == "pobj"] if to else []
        if not pobj:
            return None
        speaker, is_pron = self._speaker_span(pobj[0], text, p0)
        phrase = (p0 + tok.idx, p0 + pobj[0].right_edge.idx + len(pobj[0].right_edge))
        appos = _APPOS_NAME.match(
            text, phrase[1]
        )  # "According to the regional governor, Oleh Syniehubov, ..."
        if appos:
            speaker = (speaker[0], appos.end(1))
            phrase = (phrase[0], appos.end(1))
        before = (sspan[0], phrase[0])
        after = (phrase[1], sspan[1])
        c0, c1 = _trim(text, *(after if after[1] - after[0] > before[1] - before[0] else before))
        if c1 - c0 < 3:
            return None
        kind, (c0, c1) = _kind(text, (c0, c1), quotes)
        st = RawStatement(speaker, (p0 + tok.idx, p0 + to[0].idx + 2), (c0, c1), kind, sspan, 0.8, is_pron)
        return self._speaker_details(st, pobj[0], p0)

    def _orphan_quotes(
        self,
        sentences: list[tuple[int, int]],
        text: str,
        quotes: list[tuple[int, int]],
        found: list[RawStatement],
    ) -> list[RawStatement]:
        """Quotes that no reporting verb's complement covers: attach them to the statement whose
        cue is in the same sentence, or to the previous speaker in the same paragraph."""
        out = []
        covered = [s.content for s in found]
        for q in quotes:
            if len(text[q[0] : q[1]].split()) < 4 or _overlaps_any(q, covered):
                continue
            near = [
                s for s in found if s.sentence[0] <= q[0] < s.sentence[1] or 0 <= s.sentence[0] - q[1] < 3
            ]
            prev = [s for s in found if s.content[1] <= q[0] and "\n\n" not in text[s.content[1] : q[0]]]
            src = near[0] if near else (prev[-1] if prev else None)
            if src is None:
                continue
            sent = next((s for s in sentences if s[0] <= q[0] < s[1]), (q[0], q[1]))
            out.append(
                RawStatement(
                    speaker=src.speaker,
                    cue=src.cue if near else None,
                    content=q,
                    kind="direct",
                    sentence=sent,
                    confidence=0.7 if near else 0.5,
                    speaker_is_pronoun=src.speaker_is_pronoun,
                    paragraph=src.paragraph,
                    extra={"continues": True},
                )
            )
        return out


def _cue_span(verb: Any, p0: int) -> tuple[int, int]:
    parts = [verb, *[c for c in verb.children if c.dep_ == "prt"]]
    return p0 + min(p.idx for p in parts), p0 + max(p.idx + len(p) for p in parts)


def _subtree_span(
    tok: Any, skip_marks: bool = False, skip_first: bool = False, skip_to: bool = False
) -> tuple[int, int]:
    toks = list(tok.subtree)
    if skip_first:
        toks = toks[1:] or toks
    if skip_to and len(toks) > 1 and toks[0].lower_ == "to" and toks[0].dep_ == "aux":
        toks = toks[1:]
    if skip_marks:
        while toks and toks[0].dep_ == "mark" and toks[0].lower_ in ("that", "whether", "if"):
            toks = toks[1:]
    return toks[0].idx, toks[-1].idx + len(toks[-1])


def _subtree_end(tok: Any) -> int:
    r = tok.right_edge
    return r.idx + len(r)


_TRIM = " \t\n,.;:—–-"


_TRAILING_WORDS = re.compile(r"(?:\s+(?:and|but|or|while|adding|и|а|і|та))+$", re.IGNORECASE)
# a trailing attribution that belongs to another statement: ", according to X", ", the White House said"
_TRAILING_ATTRIBUTION = re.compile(
    r",\s+(?:according to\b.*|(?:the\s+|a\s+|an\s+|his\s+|her\s+|their\s+)?(?:[\w'’.-]+\s+){0,5}?"
    r"(?:said|says|reported|reports|added|told\s+\w+|stated|wrote|announced|confirmed)(?:\s+on\s+\w+)?)\s*[.!?]?$"
)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    m = _TRAILING_ATTRIBUTION.search(text, start, end)
    if m and m.start() > start:
        end = m.start()
    m = _TRAILING_WORDS.search(text, start, end)
    if m and m.end() == end:
        end = m.start()
        while end > start and text[end - 1] in _TRIM:
            end -= 1
    return start, end


_QUOTE_CHARS = "\"“”«»„‘’‚'"


def _kind(text: str, span: tuple[int, int], quotes: list[tuple[int, int]]) -> tuple[str, tuple[int, int]]:
    """direct when the content is one quote (then the span drops the marks), mixed when it holds a
    quote, else indirect."""
    inner = [q for q in quotes if span[0] - 1 <= q[0] and q[1] <= span[1] + 1]
    if not inner:
        return "indirect", span
    bare = text[span[0] : span[1]].strip(_QUOTE_CHARS + _TRIM)
    for q in inner:
        if text[q[0] : q[1]].strip(_TRIM) == bare:
            return "direct", _trim(text, *q)
    return "mixed", span


def _inside_quote(pos: int, quotes: list[tuple[int, int]]) -> bool:
    return any(q0 <= pos < q1 for q0, q1 in quotes)


def _inside_any(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s[0] <= span[0] and span[1] <= s[1] for s in spans)


def _overlaps_any(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s[0] < span[1] and span[0] < s[1] for s in spans)


def _paragraph_of(text: str, pos: int) -> int:
    return len(re.findall(r"\n\s*\n", text[:pos]))


def _dedupe(items: list[RawStatement]) -> list[RawStatement]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for s in items:
        key = (s.speaker, s.content)
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
    return out


# --- Russian and Ukrainian -----------------------------------------------------------------------

_WORD = re.compile(r"[\w'’ʼ-]+")
_CAP = re.compile(r"[A-ZА-ЯЁІЇЄҐ]")
_XCOMP_ONLY = {"offer", "want", "plan", "intend", "seek", "wish"}
_NOT_SUBJECT_POS = {"ADVB", "CONJ", "PRCL", "PREP", "PRED", "INTJ", "COMP"}
_ANAPHORIC = {
    "об", "этом", "о", "том", "про", "це", "як", "как", "так", "также", "тоже", "при", "також", "теж",
    "у", "в", "во", "вівторок", "понеділок", "середу", "четвер", "п'ятницю", "суботу", "неділю",
    "понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье", "сегодня",
    "вчера", "сьогодні", "вчора", "ранее", "раніше", "позже", "пізніше", "затем", "потім",
}  # fmt: skip
_QUOTE_FIRST = re.compile(
    r"^\s*(?:[—–-]\s*)?(?P<q>«[^»]{3,}»|„[^“]{3,}“|\"[^\"]{3,}\"|“[^”]{3,}”|[^—–«»\"]{6,}?)\s*[,!?…]?\s*[—–]\s*"
)


class SlavicStatements:
    """Rule-based attribution for Russian and Ukrainian sentences, over pymorphy3 lemmas:
    ``X заявил, что Y``; ``«Y», — сказал X`` and dialogue dashes ``— Y, — заявил X.``;
    ``По словам X, Y`` / ``по его словам``; ``Как сообщили в X, Y``; ``X назвал Y «Z»``."""

    def __init__(self, lexicon: SpeechLexicon, lang: str) -> None:
        lx = lexicon.ru if lang == "ru" else lexicon.uk
        self.lang = lang
        self.verbs = set(lx.verbs)
        self.pronouns = set(lx.pronouns)
        self.that = re.compile(rf"(?:,|:)?\s*(?:{'|'.join(re.escape(t) for t in lx.that)})\s+", re.IGNORECASE)
        acc = "|".join(sorted((re.escape(a) for a in lx.according_to), key=len, reverse=True))
        pron = "|".join(re.escape(p) for p in lx.pronouns)
        head = acc.replace(r"\ ", " ")
        self.according = re.compile(rf"(?<!\w)({head})\s+([^,]{{2,80}}?)\s*,\s*", re.IGNORECASE)
        preps = "|".join(sorted({a.split()[0] for a in lx.according_to}))
        nouns = "|".join(sorted({a.split()[1] for a in lx.according_to}))
        self.according_pron = re.compile(
            rf"(?<!\w)((?:{preps})\s+({pron})\s+(?:{nouns}))\s*,\s*", re.IGNORECASE
        )
        rep = "|".join(sorted((re.escape(a) for a in lx.as_reported), key=len, reverse=True))
        self.as_reported = re.compile(rf"(?<!\w)({rep})\s+([^,]{{2,80}}?)\s*,\s*", re.IGNORECASE)

    def _is_verb(self, word: str) -> bool:
        low = word.lower()
        if len(low) < 4:
            return False
        return any(
            p.normal_form in self.verbs and p.tag.POS in ("VERB", "INFN") for p in parses(self.lang, low)[:2]
        )

    def extract(self, text: str, sentences: list[tuple[int, int]]) -> list[RawStatement]:
        quotes = find_quotes(text)
        out: list[RawStatement] = []
        for s0, s1 in sentences:
            st = self._sentence(text, s0, s1, quotes)
            if st:
                out.append(st)
        for st in out:
            st.paragraph = _paragraph_of(text, st.sentence[0])
        return _dedupe(sorted(out, key=lambda s: s.content))

    def _sentence(self, text: str, s0: int, s1: int, quotes: list[tuple[int, int]]) -> RawStatement | None:
        sent = text[s0:s1]
        for rx in (self.according_pron, self.according, self.as_reported):
            m = rx.search(sent)
            if m and (m.start() == 0 or sent[: m.start()].strip(" ,—–-") == ""):
                speaker = (s0 + m.start(2), s0 + m.end(2))
                c0, c1 = _trim(text, s0 + m.end(), s1)
                if c1 - c0 > 3:
                    kind, span = _kind(text, (c0, c1), quotes)
                    pron = text[speaker[0] : speaker[1]].lower() in self.pronouns
                    st = RawStatement(
                        speaker, (s0 + m.start(1), s0 + m.end(1)), span, kind, (s0, s1), 0.8, pron
                    )
                    return self._name(text, st)
        words = [(s0 + w.start(), s0 + w.end()) for w in _WORD.finditer(sent)]
        for i, (v0, v1) in enumerate(words):
            if not _inside_quote(v0, quotes) and self._is_verb(text[v0:v1]):
                st = self._around_verb(text, s0, s1, v0, v1, words[i + 1 :], quotes)
                if st:
                    return self._name(text, st)
        return None

    def _around_verb(
        self,
        text: str,
        s0: int,
        s1: int,
        v0: int,
        v1: int,
        after_words: list[tuple[int, int]],
        quotes: list[tuple[int, int]],
    ) -> RawStatement | None:
        before = text[s0:v0]
        # «Quote», — заявил Лавров.  /  — Quote, — сказал он.
        qm = _QUOTE_FIRST.match(before)
        if qm and qm.end() == len(before):
            sp = self._speaker_after(text, v1, s1, after_words)
            if sp:
                q0, q1 = _trim(text, s0 + qm.start("q"), s0 + qm.end("q"))
                q0, q1 = _strip_quotes(text, q0, q1)
                return RawStatement(
                    sp,
                    (v0, v1),
                    (q0, q1),
                    "direct",
                    (s0, s1),
                    0.9,
                    self._pron(text, sp),
                )
        # Лавров заявил, что ... / Лавров заявил: «...» / Лавров назвал X «Y» / заявил Лавров, что ...
        sp = self._speaker_before(text, s0, v0)
        rest_start = v1
        if sp is None:
            sp = self._speaker_after(text, v1, s1, after_words)
            if sp is None:
                return None
            rest_start = sp[1]
        window = text[rest_start:s1]
        tm = self.that.search(window[:90])
        if tm:
            c0 = rest_start + tm.end()
        else:
            colon = re.match(r"\s*:\s*", window)
            c0 = rest_start + (colon.end() if colon else 0)
        c0, c1 = _trim(text, c0, s1)
        if c1 - c0 < 3:
            return None
        kind, span = _kind(text, (c0, c1), quotes)
        # without "что"/":" or a quote, a short remainder is an adjunct, not what was said:
        # "Об этом Лавров заявил в интервью RT."
        if not tm and kind == "indirect" and len(_WORD.findall(text[c0:c1])) < 4:
            return None
        return RawStatement(sp, (v0, v1), span, kind, (s0, s1), 0.8, self._pron(text, sp))

    def _speaker_before(self, text: str, s0: int, v0: int) -> tuple[int, int] | None:
        """The subject before the verb: the clause since the last boundary, if it holds a
        capitalised word or a pronoun ("Губернатор области Вячеслав Гладков", "Он также")."""
        chunk = text[max(s0, v0 - 160) : v0]
        base = v0 - len(chunk)
        cut = max(chunk.rfind(c) for c in ',:;—–»“”"')
        seg_start = base + cut + 1 if cut >= 0 else base
        seg = text[seg_start:v0]
        words = list(_WORD.finditer(seg))
        if not words or len(words) > 8:
            return None
        if all(w.group().lower() in _ANAPHORIC for w in words):
            return None  # "Об этом сообщил X", "Про це заявив X": the speaker follows the verb
        prons = [w for w in words if w.group().lower() in self.pronouns]
        if prons:
            w = prons[-1]
            return seg_start + w.start(), seg_start + w.end()
        caps = [
            w
            for w in words
            if _CAP.match(w.group())
            and parses(self.lang, w.group().lower())[0].tag.POS not in _NOT_SUBJECT_POS
        ]
        if not caps:
            return None  # "Поэтому я предлагаю ...": a capitalised adverb is no speaker
        while len(words) > 1 and parses(self.lang, words[-1].group().lower())[0].tag.POS in (
            "ADVB",
            "PRCL",
            "CONJ",
            "PRED",
        ):
            words.pop()  # "Российские официальные лица неоднократно", "Он также"
        return seg_start + words[0].start(), seg_start + words[-1].end()

    def _speaker_after(
        self, text: str, v1: int, s1: int, after_words: list[tuple[int, int]]
    ) -> tuple[int, int] | None:
        """The subject after the verb (inversion): "— сказал журналистам пресс-секретарь Кремля
        Дмитрий Песков", "— заявил он". Lower-case nouns before the name are kept only when a
        capitalised word follows them."""
        start: int | None = None
        end = v1
        for a, b in after_words[:8]:
            if start is not None and text[end:a].strip():
                break  # punctuation ends the subject
            w = text[a:b]
            if start is None and w.lower() in self.pronouns:
                return a, b
            if _CAP.match(w):
                start = a if start is None else start
                end = b
                continue
            is_nominal = parses(self.lang, w.lower())[0].tag.POS in ("NOUN", "ADJF", "PRTF", None)
            if not is_nominal:
                if start is not None:
                    break
                continue  # "— сказал журналистам ..." : skip a leading adverbial word
            start = a if start is None else start
            end = b
        if start is None or not _CAP.search(text[start:end]):
            return None
        return start, end

    def _name(self, text: str, st: RawStatement) -> RawStatement:
        """Mark a person's name inside the speaker phrase (first name, patronymic, surname)."""
        if st.speaker is None or st.speaker_is_pronoun:
            return st
        a, b = st.speaker
        words = list(_WORD.finditer(text, a, b))
        for i, w in enumerate(words):
            tags = str(parses(self.lang, w.group().lower())[0].tag)
            if _CAP.match(w.group()) and ("Name" in tags or "Surn" in tags):
                st.speaker_name = (
                    (w.start(), words[-1].end()) if all(_CAP.match(x.group()) for x in words[i:]) else None
                )
                break
        st.speaker_head = (words[-1].start(), words[-1].end()) if words else None
        return st

    def _pron(self, text: str, span: tuple[int, int]) -> bool:
        return text[span[0] : span[1]].lower() in self.pronouns


def _strip_quotes(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _QUOTE_CHARS + "—– ":
        a += 1
    while b > a and text[b - 1] in _QUOTE_CHARS + ",.—– ":
        b -= 1
    return a, b
