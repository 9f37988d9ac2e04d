"""The annotate stage: actors, statements (with resolved speakers, dates said and media), events.

    text -> actor mentions (registry names, office descriptions on the document's date)
         -> statements (language/statements.py)
         -> speaker of each statement: a registry actor named or described in the speaker span,
            the antecedent of a pronoun, or a provisional actor for a name the registry lacks
         -> date said: a date in the statement's sentence outside its content, else what the
            article said earlier about when and where that speaker spoke ("Lavrov used a
            February 4 interview with RT ..."); unknown stays None
         -> medium: the outlet the words were said to or through ("in an interview with RT")
         -> events (language/events.py, when available)

Fills ``Document.actors``, ``.statements`` and ``.events``; every label carries the model name,
version and a confidence.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from undertow.knowledge.actors import ActorRegistry, Match, Role, slugify
from undertow.knowledge.actors import default_registry as default_actors
from undertow.language import dates as dates_mod
from undertow.language.langid import paragraph_spans
from undertow.language.sentences import slavic_sentences
from undertow.language.statements import (
    MODEL_VERSION,
    EnglishStatements,
    RawStatement,
    SlavicStatements,
    load_lexicon,
)
from undertow.records import Actor, DateRange, Document, Paragraph, Span, Statement

_PRONOUN_PERSON = {
    "he",
    "she",
    "him",
    "her",
    "his",
    "он",
    "она",
    "его",
    "её",
    "ее",
    "він",
    "вона",
    "його",
    "її",
}
_PRONOUN_GROUP = {"they", "we", "it", "они", "мы", "их", "вони", "ми", "їх", "їхніми"}
_KIND_RANK = {"person": 0, "collective": 1, "organisation": 2, "outlet": 3, "state": 4}
_MEDIUM_CUE = re.compile(
    r"\b(?:interview(?:ed)?|told|speaking (?:to|with|on)|said (?:on|to)|wrote (?:on|in|for)|posted on|"
    r"broadcast|aired|appearance on|op-ed|column|article (?:for|in)|comments to|remarks to|press conference|"
    r"news conference|briefing|address|speech|брифинг\w*|брифінг\w*|выступлени\w*|виступ\w*|обращени\w*|"
    r"звернен\w*|пресс-конференци\w*|пресконференці\w*|"
    r"интервью|заявил (?:в эфире|телеканалу|агентству)|в эфире|в интерв'ю|в ефірі|телеканалу|агентству)\b",
    re.IGNORECASE,
)
_PLATFORMS = {
    "telegram": "telegram",
    "x": "x",
    "twitter": "x",
    "facebook": "facebook",
    "telegram-каналі": "telegram",
}
_PLATFORM_RE = re.compile(
    r"\b(?:on|in|у|в)\s+(?:his|her|their|its|своем|своєму)?\s*(Telegram|X|Twitter|Facebook)\b"
)


@dataclass(slots=True)
class _Speaker:
    actor_id: str
    kind: str
    provisional: bool
    name: str
    country: str | None = None
    span: tuple[int, int] | None = None  # the words that name the speaker (name without its title)


class Annotator:
    """Runs over one document; models and registries are loaded once and shared."""

    name = "undertow.annotate"

    def __init__(self, actors: ActorRegistry | None = None, events: bool = True) -> None:
        self.events = events
        self.actors = actors or default_actors()
        self.matcher = self.actors.matcher()
        self.descriptions = self.actors.description_matcher()
        self.lexicon = load_lexicon()
        self._english: EnglishStatements | None = None
        self._slavic: dict[str, SlavicStatements] = {}
        self._en_sentences: list[tuple[int, Any]] = []

    def english(self) -> EnglishStatements:
        if self._english is None:
            from undertow.language.nlp import english

            self._english = EnglishStatements(self.lexicon, english())
        return self._english

    def slavic(self, lang: str) -> SlavicStatements:
        if lang not in self._slavic:
            self._slavic[lang] = SlavicStatements(self.lexicon, lang)
        return self._slavic[lang]

    # --- the stage -------------------------------------------------------------------------

    def annotate(self, doc: Document) -> None:
        text = doc.text
        day = doc.published
        mentions = self._mentions(text, day)
        raw = self._statements(doc)
        date_mentions = dates_mod.find_dates(text, day, doc.language or "en")
        speakers: dict[str, _Speaker] = {}
        statements: list[Statement] = []
        last_person: tuple[int, _Speaker] | None = None
        last_group: tuple[int, _Speaker] | None = None
        context: dict[str, tuple[DateRange | None, str | None]] = self._speaker_context(
            text, mentions, date_mentions
        )
        for rs in sorted(raw, key=lambda r: r.content[0]):
            sp = self._resolve(text, rs, mentions, last_person, last_group, day)
            if sp is None:
                continue
            speakers.setdefault(sp.actor_id, sp)
            if sp.kind == "person":
                last_person = (rs.content[1], sp)
            else:
                last_group = (rs.content[1], sp)
            said = self._said(rs, date_mentions)
            medium = self._medium(text, rs.sentence, mentions)
            ctx_said, ctx_medium = self._context_at(context, sp.actor_id, rs.sentence[0])
            if said is None and ctx_said is not None:
                said = ctx_said
            if medium is None:
                medium = ctx_medium
            statements.append(self._record(doc, rs, sp, said, medium))
        doc.statements = statements
        doc.actors = self._actors(doc, mentions, speakers, statements)
        if self.events and doc.language in ("en", "ru", "uk"):
            from undertow.language.events import find_events

            # English sentences were already parsed for the statements: do not parse again
            reuse = self._en_sentences if doc.language == "en" and self._en_sentences else None
            doc.events = find_events(text, doc.language, doc.published, parsed=reuse)

    # --- pieces ------------------------------------------------------------------------------

    def _mentions(self, text: str, day: Any) -> list[Match]:
        """Registry names and office descriptions; where they overlap the longer wins ("the Kremlin
        spokesman" is Peskov, not the Kremlin)."""
        found = self.matcher.find(text) + self.descriptions.find(text, day)
        kept: list[Match] = []
        for m in sorted(found, key=lambda m: -(m.end - m.start)):
            if not _overlaps(m, kept):
                kept.append(m)
        return sorted(kept, key=lambda m: (m.start, m.end))

    def _statements(self, doc: Document) -> list[RawStatement]:
        text = doc.text
        paras = doc.paragraphs or [Paragraph(a, b, doc.language) for a, b in paragraph_spans(text)]
        en = [(p.start, p.end) for p in paras if (p.language or doc.language) == "en"]
        out: list[RawStatement] = []
        self._en_sentences = []
        if en:
            out.extend(self.english().extract(text, en, self._en_sentences))
        for lang in ("ru", "uk"):
            spans = [(p.start, p.end) for p in paras if (p.language or doc.language) == lang]
            if spans:
                sents = [s for a, b in spans for s in slavic_sentences(text, a, b)]
                out.extend(self.slavic(lang).extract(text, sents))
        # a transcript's turns: kept when the speaker is a known person, or when the text is a
        # dialogue in which someone takes the floor again (labels such as "Key Takeaways:" and
        # "Bottom Line:" look like names but are not repeated)
        turns = [t for n, p in enumerate(paras) if (t := _transcript_turn(text, p.start, p.end, n))]
        names = Counter(text[slice(*t.speaker_name)] for t in turns if t.speaker_name)
        dialogue = any(n >= 2 for n in names.values())
        for turn in turns:
            s0, s1 = turn.speaker or (0, 0)
            known = any(self._rank(m.actor_id) == 0 for m in self.matcher.find(text[s0:s1]))
            if (known or dialogue) and not any(_covers(rs.content, turn.content) for rs in out):
                out.append(turn)
        return out

    def _resolve(
        self,
        text: str,
        rs: RawStatement,
        mentions: list[Match],
        last_person: tuple[int, _Speaker] | None,
        last_group: tuple[int, _Speaker] | None,
        day: Any,
    ) -> _Speaker | None:
        if rs.speaker is None:
            return None
        s0, s1 = rs.speaker
        surface = text[s0:s1].strip()
        low = surface.lower()
        if rs.speaker_is_pronoun or low in _PRONOUN_PERSON | _PRONOUN_GROUP:
            person = low in _PRONOUN_PERSON
            previous = last_person if person else (last_group or last_person)
            mentioned = [m for m in mentions if m.end <= s0 and (self._rank(m.actor_id) == 0) == person]
            # the nearer of the previous speaker and the previous mention of a compatible actor
            if mentioned and (previous is None or mentioned[-1].end > previous[0]):
                return self._registered(mentioned[-1].actor_id)
            return previous[1] if previous else None
        inside = [m for m in mentions if s0 <= m.start and m.end <= s1]
        persons = [m for m in inside if self._rank(m.actor_id) == 0]
        head = rs.speaker_head
        if rs.speaker_name:  # a person's name in the phrase: registry person, else a provisional one
            n0, n1 = rs.speaker_name
            named = [m for m in persons if m.start < n1 and n0 < m.end]
            if named:
                return self._registered(named[0].actor_id, named[0])
            sp = _provisional(text[n0:n1])
            if sp is not None and sp.kind == "person":
                sp.span = (n0, n1)
                return sp
        covering = [m for m in inside if head and m.start <= head[0] and head[1] <= m.end]
        if persons and not covering:
            covering = persons
        if covering:
            best = min(covering, key=lambda m: (self._rank(m.actor_id), -(m.end - m.start)))
            return self._registered(best.actor_id, best)
        if rs.principal:  # "a spokesman for the German government", "his office", "a statement from X"
            p0, p1 = rs.principal
            ptext = text[p0:p1].strip().lower()
            if ptext in _PRONOUN_PERSON | {"his", "her"}:
                mentioned = [m for m in mentions if m.end <= p0 and self._rank(m.actor_id) == 0]
                if mentioned:
                    return self._registered(mentioned[-1].actor_id)
                return last_person[1] if last_person else None
            in_principal = [m for m in mentions if p0 <= m.start and m.end <= p1]
            if in_principal:
                return self._registered(min(in_principal, key=lambda m: self._rank(m.actor_id)).actor_id)
            holder = self.actors.holder(text[p0:p1], day)
            if holder:
                return self._registered(holder)
            return _provisional(text[p0:p1], organisation=True)
        holder = self.actors.holder(surface, day)
        if holder:
            return self._registered(holder)
        bare = _PREPOSITIONS.sub("", surface)  # "в Кремле", "у МЗС"
        for form in (bare, bare[:1].lower() + bare[1:]):
            found = self.actors.lookup(form)
            if found:
                return self._registered(found)
        anaphor = self._role_anaphor(bare, s0, mentions, day)
        if anaphor is not None:  # "the minister said" after "Foreign Minister Sergei Lavrov ..."
            return anaphor
        full = _full_name(text, bare, s0)
        if full is not None:  # "Matuszewski said" after "Kevin Matuszewski, an analyst, ..."
            named = self.actors.lookup(full)
            return self._registered(named) if named else _provisional(full)
        return _provisional(bare)

    def _role_anaphor(self, surface: str, before: int, mentions: list[Match], day: Any) -> _Speaker | None:
        """The person a bare role noun points back to ("the minister", "the spokesman", "министра",
        "міністр"): the one person mentioned earlier in the text whose office on ``day`` is named by
        that noun (the head noun of its title or of a description texts use for it: "Minister of
        Foreign Affairs", "Russian foreign minister", "министр иностранных дел"; case endings
        allowed). ``None`` for names, plurals and longer phrases, when no earlier person holds such
        an office, or when more than one does ("the president" after Putin and Zelensky)."""
        words = _ARTICLE.sub("", surface).split()
        if len(words) != 1 or not words[0][:1].islower():
            return None
        noun = words[0].casefold()
        if len(noun) < 4 or (noun.isascii() and noun.endswith("s") and not noun.endswith("ss")):
            return None
        people = {m.actor_id for m in mentions if m.end <= before and self._rank(m.actor_id) == 0}
        holders = [a for a in people if (role := self.actors.role_on(a, day)) and _names_office(noun, role)]
        return self._registered(holders[0]) if len(holders) == 1 else None

    def _rank(self, actor_id: str) -> int:
        e = self.actors.get(actor_id)
        return _KIND_RANK.get(e.kind, 5) if e else 5

    def _registered(self, actor_id: str, match: Match | None = None) -> _Speaker:
        e = self.actors.get(actor_id)
        assert e is not None
        return _Speaker(e.id, e.kind, False, e.name, e.country, (match.start, match.end) if match else None)

    def _said(self, rs: RawStatement, date_mentions: list[Any]) -> DateRange | None:
        s0, s1 = rs.sentence
        c0, c1 = rs.content
        for dm in date_mentions:
            if (
                s0 <= dm.start
                and dm.end <= s1
                and not (c0 <= dm.start < c1)
                and dm.kind not in ("year", "month")
            ):
                return dm.range
        return None

    def _medium(self, text: str, sentence: tuple[int, int], mentions: list[Match]) -> str | None:
        s0, s1 = sentence
        chunk = text[s0:s1]
        if not _MEDIUM_CUE.search(chunk) and not _PLATFORM_RE.search(chunk):
            return None
        for m in mentions:
            if s0 <= m.start and m.end <= s1:
                e = self.actors.get(m.actor_id)
                if e is not None and e.kind == "outlet":
                    return e.id
        p = _PLATFORM_RE.search(chunk)
        if p:
            return _PLATFORMS.get(p.group(1).lower())
        return None

    def _speaker_context(
        self, text: str, mentions: list[Match], date_mentions: list[Any]
    ) -> dict[str, list[tuple[int, DateRange | None, str | None]]]:
        """When and where the article says a speaker spoke: a sentence naming the speaker, a date
        and a medium ("Lavrov used a February 4 interview with RT to ...") sets the context for
        that speaker's later statements that give no date or medium of their own; a later
        sentence that names only one of them ("his February 4 interview") keeps the other."""
        ctx: dict[str, list[tuple[int, DateRange | None, str | None]]] = {}
        for a, b in slavic_sentences(text):
            chunk = text[a:b]
            if not _MEDIUM_CUE.search(chunk):
                continue
            people = [m for m in mentions if a <= m.start < b and self._rank(m.actor_id) == 0]
            if not people:
                continue
            day = next(
                (d.range for d in date_mentions if a <= d.start < b and d.kind not in ("year", "month")), None
            )
            medium = self._medium(text, (a, b), mentions)
            if day is None and medium is None:
                continue
            for p in people:
                history = ctx.setdefault(p.actor_id, [])
                if history:
                    _, prev_day, prev_medium = history[-1]
                    day, medium = day or prev_day, medium or prev_medium
                history.append((a, day, medium))
        return ctx

    @staticmethod
    def _context_at(
        ctx: dict[str, list[tuple[int, DateRange | None, str | None]]], actor_id: str, pos: int
    ) -> tuple[DateRange | None, str | None]:
        before = [c for c in ctx.get(actor_id, []) if c[0] <= pos]
        return (before[-1][1], before[-1][2]) if before else (None, None)

    def _record(
        self, doc: Document, rs: RawStatement, sp: _Speaker, said: DateRange | None, medium: str | None
    ) -> Statement:
        text = doc.text
        key = f"{doc.id}:{rs.content[0]}:{rs.content[1]}:{sp.actor_id}"
        sid = hashlib.sha256(key.encode()).hexdigest()[:16]
        conf = rs.confidence * (0.8 if sp.provisional else 1.0)
        return Statement(
            id=sid,
            speaker_actor_id=sp.actor_id,
            speaker=Span(*(sp.span or _strip_article(text, rs.speaker))) if rs.speaker else None,
            cue=Span(*rs.cue) if rs.cue else None,
            cue_text=text[rs.cue[0] : rs.cue[1]] if rs.cue else "",
            content=Span(*rs.content),
            content_text=text[rs.content[0] : rs.content[1]],
            kind=rs.kind,  # type: ignore[arg-type]
            medium=medium,
            said=said,
            confidence=round(conf, 3),
        )

    def _actors(
        self, doc: Document, mentions: list[Match], speakers: dict[str, _Speaker], statements: list[Statement]
    ) -> list[Actor]:
        by_id: dict[str, list[Span]] = {}
        for m in mentions:
            by_id.setdefault(m.actor_id, []).append(Span(m.start, m.end))
        out = [self.actors.to_record(aid, doc.published, spans) for aid, spans in by_id.items()]
        for aid, sp in speakers.items():
            if aid in by_id:
                continue
            spans = [st.speaker for st in statements if st.speaker_actor_id == aid and st.speaker is not None]
            if sp.provisional:
                out.append(Actor(id=aid, name=sp.name, kind=sp.kind, provisional=True, mentions=spans))  # type: ignore[arg-type]
            else:
                out.append(self.actors.to_record(aid, doc.published, spans))
        return sorted(out, key=lambda a: (a.mentions[0].start if a.mentions else 0, a.id))


def _strip_article(text: str, span: tuple[int, int]) -> tuple[int, int]:
    m = re.match(r"(?:the|a|an)\s+", text[span[0] : span[1]], re.IGNORECASE)
    return (span[0] + m.end(), span[1]) if m and span[0] + m.end() < span[1] else span


def _overlaps(m: Match, others: list[Match]) -> bool:
    return any(o.start < m.end and m.start < o.end for o in others)


# A transcript's turn: "Vladimir Putin: Good afternoon, colleagues. ...", "Minister of Foreign
# Affairs Sergei Lavrov: Mr President, ...", "Сергей Лавров: ..." at the start of a paragraph.
_TURN = re.compile(r"(?P<speaker>[^:\n.?!]{3,80}?)\s*:\s+(?P<content>\S[^\n]*)")
_NAME_WORD = re.compile(r"^[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'’-]+$")


def _transcript_turn(text: str, start: int, end: int, paragraph: int) -> RawStatement | None:
    """The statement of a paragraph that is a transcript's turn: a speaker ending in a person's
    name (two capitalised words: "President of Russia Vladimir Putin"), a colon, then at least
    eight words that end in a full stop, question or exclamation mark. The whole turn is what the
    speaker said, word for word."""
    m = _TURN.match(text, start, end)
    if m is None:
        return None
    words = m.group("speaker").split()
    content = m.group("content").rstrip()
    if (
        not 2 <= len(words) <= 8
        or not all(_NAME_WORD.match(w) for w in words[-2:])
        or len(content.split()) < 8
        or not content.endswith((".", "?", "!", "»", "”", '"'))
    ):
        return None
    s0, s1 = m.span("speaker")
    name0 = s0 + m.group("speaker").rindex(words[-2])
    c0 = m.start("content")
    return RawStatement(
        speaker=(s0, s1),
        cue=None,
        content=(c0, c0 + len(content)),
        kind="direct",
        sentence=(start, end),
        confidence=0.8,
        paragraph=paragraph,
        speaker_name=(name0, s1),
    )


def _covers(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether span ``a`` covers more than half of span ``b``."""
    return min(a[1], b[1]) - max(a[0], b[0]) > (b[1] - b[0]) / 2


def _names_office(noun: str, role: Role) -> bool:
    """Whether ``noun`` (case endings allowed: "министра") is the head noun of ``role``'s title or
    of one of its descriptions."""
    heads = {_head_noun(p) for p in (role.title, *role.descriptions)}
    return any(noun == h or (noun.startswith(h) and len(noun) - len(h) <= 3) for h in heads if h)


@lru_cache(maxsize=4096)
def _head_noun(office: str) -> str:
    """The noun that names an office: the last word before "of"/"to" in English ("Press Secretary
    of the President" -> "secretary", "Russian foreign minister" -> "minister"), the first word in
    Russian and Ukrainian ("министр иностранных дел России" -> "министр")."""
    words = office.casefold().split()
    if not words:
        return ""
    if not words[0].isascii():
        return words[0]
    cut = next((i for i, w in enumerate(words) if w in ("of", "to", "for")), len(words))
    return words[cut - 1] if cut else ""


_ARTICLE = re.compile(r"^(?:the|this|that)\s+", re.IGNORECASE)
_PREPOSITIONS = re.compile(r"^(?:в|во|у|на|из|від|в\s+пресс-службе|у\s+пресс-службі)\s+", re.IGNORECASE)
_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e", "є": "ye", "ж": "zh",
        "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
        "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "'": "", "’": "",
    }
)  # fmt: skip


def transliterate(name: str) -> str:
    """Latin letters for a Cyrillic name, for ids ("Вячеслав Гладков" -> "Vyacheslav Gladkov")."""
    low = re.sub(r"ий\b|ый\b", "y", name.lower())
    return low.translate(_TRANSLIT)


_DETERMINERS = re.compile(  # leading determiners and sentence connectives ("But Keatley said")
    r"^(?:(?:but|and|so|yet|still|however|meanwhile|the|a|an|some|several|many|other|one|two|three),?\s+)+",
    re.IGNORECASE,
)
_TITLES = {
    "mayor", "president", "minister", "prime", "foreign", "defence", "defense", "senator", "governor",
    "general", "gen.", "col.", "lt.", "dr.", "mr.", "mrs.", "ms.", "prof.", "professor", "judge", "chief",
    "spokesman", "spokeswoman", "spokesperson", "ambassador", "secretary", "deputy", "chairman",
    "chairwoman", "director", "commander", "rep.", "sen.", "gov.", "lawyer", "analyst", "economist",
    "mp", "mep", "ceo", "coach", "captain", "king", "queen", "prince", "pope", "bishop",
}  # fmt: skip


def _full_name(text: str, surname: str, before: int) -> str | None:
    """The full name an earlier sentence gave a surname now used alone ("Kevin Matuszewski")."""
    if not re.fullmatch(r"[A-ZА-ЯЁІЇЄҐ][\w'’-]+", surname):
        return None
    pattern = rf"\b([A-ZА-ЯЁІЇЄҐ][\w'’-]+(?:\s+[A-ZА-ЯЁІЇЄҐ]\.)?)\s+{re.escape(surname)}\b"
    found = list(re.finditer(pattern, text[:before]))
    if not found:
        return None
    first = found[-1].group(1)
    if first.lower() in _TITLES or first.lower() in {"the", "a", "mr", "ms", "mrs", "dr"}:
        return None
    return f"{first} {surname}"


def _provisional(surface: str, organisation: bool = False) -> _Speaker | None:
    """An actor the registry lacks: a name ("Mayor Jane Holloway of Riverton" -> Jane Holloway),
    or a described group ("a senior official", "observers")."""
    name = _DETERMINERS.sub("", surface.split(",")[0].strip()).strip(" ()")
    if not name or len(name) > 80:
        return None
    words = name.split()
    cut = next((i for i, w in enumerate(words) if i > 0 and not w[:1].isupper()), len(words))
    head = words[:cut]
    while len(head) > 2 and head[0].lower() in _TITLES:
        head = head[1:]
    if 2 <= len(head) <= 4 and all(w[:1].isupper() for w in head) and head[0].lower() not in _TITLES:
        person = " ".join(head)
        return _Speaker(slugify(transliterate(person)), "person", True, person)
    kind = "collective"
    if organisation or words[-1].lower().endswith(
        ("ministry", "office", "agency", "council", "service", "company", "court", "government", "bank")
    ):
        kind = "organisation"
    return _Speaker(slugify(transliterate(name)), kind, True, name)


@lru_cache(maxsize=1)
def default_annotator() -> Annotator:
    return Annotator()


MODEL = f"{Annotator.name}/{MODEL_VERSION}"
