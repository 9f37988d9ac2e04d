"""Line-level rules for scraped text: junk lexicon (EN/RU/UK), bylines, datelines, captions.

Private helper of :mod:`undertow.ingest.extract`; used both on plain-text dumps
(``extract_plain_text``) and to clean the paragraphs that HTML extraction returns.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from undertow.language.dates import EN_MONTH_ABBREVIATIONS, EN_MONTHS, RU_MONTHS_GENITIVE, UK_MONTHS_GENITIVE

# --------------------------------------------------------------------------- junk lexicon

# Whole-line (or line-prefix) patterns for boilerplate. Applied only to short lines (see is_junk).
_JUNK_EN = [
    r"related (?:articles|posts|stories|news|content|coverage|reading|topics)\b.*",
    r"related\s*:.*",
    r"(?:read|see) (?:more|also|next|the full story)\b.*",
    r"more (?:from|on|about|stories|news|in)\b.*",
    r"more\s*:",
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested)\b.*",
    r"recommended(?: for you| stories| reading)?\s*:?",
    r"(?:most|top) (?:read|popular|viewed|shared)\b.*",
    r"popular (?:on|in|now|posts|stories)\b.*",
    r"trending(?: now| stories)?\s*:?.*",
    r"latest (?:news|stories|posts|videos)\s*:?",
    r"leave a (?:reply|comment)\b.*",
    r"(?:\d+\s+)?comments?\s*(?:\(\d+\))?:?",
    r"(?:view|show|load|add) (?:all |more )?comments?\b.*",
    r"your email address will not be published\b.*",
    r"required fields are marked\b.*",
    r"back to top(?: button)?",
    r"error\s*:\s*content is protected.*",
    r"(?:share|tweet|pin|email|print)(?: (?:this|on|via|the) .{0,40})?[!.:]?",
    r"share (?:this|on|via) .*",
    r"(?:click|tap) here\b.*",
    r"follow (?:us|@?\w+|[\w .@]{1,40}) on (?:twitter|facebook|instagram|linkedin|youtube|x|telegram|"
    r"tiktok|threads|bluesky)\b.*",
    r"(?:subscribe|sign up|signup|register)(?: (?:to|for|now|here|today))?\b.{0,120}",
    r"(?:join|get) our (?:free )?(?:newsletter|mailing list)\b.*",
    r".{0,60}\bnewsletters?\b.{0,60}",
    r".{0,80}\b(?:delivered|sent|straight) to your inbox\b.*",
    r"thanks? (?:you )?for (?:signing up|subscribing|reading)\b.*",
    r"(?:we|this (?:site|website)) uses? cookies\b.*",
    r".{0,80}\bcookies?\b.{0,40}(?:accept|consent|policy|settings|experience)\b.*",
    r"(?:accept|reject|manage) (?:all )?cookies\b.*",
    r"(?:copyright|©|\(c\)|ⓒ).*",
    r".{0,80}\ball rights reserved\b.*",
    r"advertisement|advertising|sponsored(?: content)?|ad",
    r"skip to (?:main )?content|skip navigation",
    r"(?:tags?|topics?|filed under|categories|category)\s*:.*",
    r"tags?",
    r"explore further",
    r"(?:previous|next) (?:article|post|story)\b.*",
    r"(?:log ?in|sign in) to\b.*",
    r"(?:this (?:article|story) (?:has been|was) )?sent to\b.*",
    r"an error has occurred.*",
    r"(?:listen|watch)(?: to)? (?:this|the) (?:article|story|podcast|video)\b.*",
    r"(?:\d+\s*)?(?:min(?:ute)?s?|mins) read",
    r"reading time\s*:.*",
    r"(?:updated|published|posted|last updated)\s*(?:on|at)?\s*:?\s*.{0,40}\d.{0,30}",
    r"image (?:source|credit|caption)\s*:.*",
    r"(?:photo|image|picture|credit)s?\s*:.{0,250}",
    r"getty images|shutterstock|reuters|ap photo|afp",
    r"(?:all )?photos?(?: by)? .{0,40}/ ?(?:getty|reuters|ap|afp).*",
    r"like this (?:story|article)\?.*",
    r"like loading\.*|like this:?",
    r"reporting from [\w ,.'-]{1,40}",
    r"(?:order )?reprints?|print article|print this (?:page|article)",
    r"write to .{1,60} at \S+@\S+.*",
    r"reach the reporters? .*",
    r"(?:additional )?(?:reporting|writing|editing) by .{1,200}",
    r".{1,160} contributed (?:to )?(?:this )?report(?:ing)?\.?",
    r"if you (?:enjoyed|liked) this (?:article|story)\b.*",
    r"(?:download|get) (?:our|the) app\b.*",
    r"loading\.{0,3}|please wait\.{0,3}",
    r"(?:view|see) (?:gallery|photos|slideshow)\b.*",
]
_JUNK_RU = [
    r"(?:читайте|смотрите) (?:также|еще|ещё)\b.*",
    r"(?:читать|подробнее) (?:далее|дальше|полностью)?.{0,40}",
    r"похожие (?:статьи|новости|материалы|записи)\b.*",
    r"(?:другие|последние|популярные|главные) (?:новости|материалы|статьи)\b.*",
    r"(?:поделиться|поделитесь)\b.*",
    r"(?:подписывайтесь|подпишитесь|подписаться)\b.*",
    r"(?:\d+\s+)?комментари(?:и|ев|й)\b.*",
    r"(?:оставить|добавить|написать) комментарий\b.*",
    r"ваш (?:адрес )?(?:email|e-mail|электронной почты)? ?(?:адрес )?не будет опубликован.*",
    r"обязательные поля помечены.*",
    r"(?:все права защищены|©).*",
    r".{0,80}\bвсе права защищены\b.*",
    r"(?:мы используем|сайт использует|этот сайт использует) (?:файлы )?cookie.*",
    r"реклама|на правах рекламы",
    r"наверх|вернуться наверх",
    r"теги\s*:.*|метки\s*:.*",
    r"(?:фото|иллюстрация|источник фото)\s*:.*",
    r"(?:ошибка|error)\s*:\s*(?:контент защищен|content is protected).*",
    r"(?:\d+\s*)?мин(?:ут[аы]?)? (?:чтения|на чтение)",
    r"время чтения\s*:?.{0,20}",
]
_JUNK_UK = [
    r"(?:читайте|дивіться) (?:також|ще)\b.*",
    r"(?:читати|детальніше) (?:далі|повністю)?.{0,40}",
    r"схожі (?:статті|новини|матеріали|записи)\b.*",
    r"(?:інші|останні|популярні|головні) (?:новини|матеріали|статті)\b.*",
    r"поділитися\b.*|поділіться\b.*",
    r"(?:підписуйтесь|підписуйтеся|підпишіться|підписатися)\b.*",
    r"(?:\d+\s+)?коментар(?:і|ів)?\b.*",
    r"(?:залишити|додати|написати) коментар\b.*",
    r"ваша (?:адреса )?(?:email|e-mail|електронної пошти)? ?(?:адреса )?не (?:буде )?опублікован.*",
    r"обов['’]язкові поля позначені.*",
    r"(?:усі|всі) права захищені.*",
    r".{0,80}\b(?:усі|всі) права захищені\b.*",
    r"(?:ми використовуємо|сайт використовує) (?:файли )?cookie.*",
    r"реклама|на правах реклами",
    r"нагору|повернутися нагору",
    r"теги\s*:.*|мітки\s*:.*",
    r"(?:фото|ілюстрація|джерело фото)\s*:.*",
    r"(?:\d+\s*)?хв(?:илин[аи]?)? (?:читання|на читання)",
]
_JUNK_ALL = _JUNK_EN + _JUNK_RU + _JUNK_UK
# Patterns that start with ".{0,N}" find their phrase anywhere in the first N characters: trying
# them at every position is most of the cost of a match, so they run only on lines that hold one
# of these words (every such pattern must contain one; tests/test_extract.py checks it).
_FLOATING_WORDS = (
    "newsletter",
    "inbox",
    "cookie",
    "rights reserved",
    "contributed",
    "права защищены",
    "права захищені",
)
_FLOATING = [p for p in _JUNK_ALL if p.startswith(".{")]
_JUNK_RE = re.compile(
    r"^\W{0,3}(?:" + "|".join(p for p in _JUNK_ALL if p not in _FLOATING) + r")\W{0,3}$",
    re.IGNORECASE | re.DOTALL,
)
_JUNK_FLOATING_RE = re.compile(r"^\W{0,3}(?:" + "|".join(_FLOATING) + r")\W{0,3}$", re.IGNORECASE | re.DOTALL)
# Headings that end the article: they and everything after them go.
_TERMINAL_RE = re.compile(
    r"^\W{0,3}(?:related (?:articles|posts|stories|news|content|coverage)|read (?:more|also|next)|"
    r"more (?:from|stories|news|on this)\b.{0,40}|you (?:may|might) (?:also )?like|recommended(?: for you)?|"
    r"(?:most|top) (?:read|popular)\b.{0,30}|popular (?:on|in|now)\b.{0,30}|leave a (?:reply|comment)|"
    r"trending(?: now)?|latest (?:news|stories)|"
    r"(?:читайте|смотрите) (?:также|еще|ещё)|похожие (?:статьи|новости|материалы|записи)|"
    r"(?:читайте|дивіться) (?:також|ще)|схожі (?:статті|новини|матеріали|записи))\W{0,3}$",
    re.IGNORECASE,
)

# The heading of a comment thread, with its count ("3 Comments", "Responses (12)", "5 комментариев"):
# in a text dump the comments follow it (HTML extraction leaves comments out before this). A bare
# "Comments" or "Комментарий" can be a subheading of the article.
_COMMENTS_RE = re.compile(
    r"^\W{0,3}(?:\d+\s+(?:comments?|responses?|комментари(?:ев|я|й)|коментар(?:ів|і|я))"
    r"|(?:comments|responses|комментарии|коментарі)\s*\(\d+\)|join the (?:discussion|conversation))\W{0,3}$",
    re.IGNORECASE,
)

_CODE_RE = re.compile(
    r"(?:[.#@][\w-]+[^{}]{0,200}\{[^{}]*\}?|\{[^{}]*[:;][^{}]*\}|\bfunction\s*\(|\bvar\s+\w+\s*=|"
    r"\b(?:window|document)\.\w+|</?(?:script|style|div|span|iframe)\b|@media\b|!important|"
    r"googletag|dataLayer|\bfbq\(|adsbygoogle)"
)
_CODE_WORDS = ("window.", "document.", "googletag", "dataLayer", "adsbygoogle")
_URL_ONLY = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)


def is_code(line: str) -> bool:
    """CSS / JS / HTML fragments that leaked into text."""
    s = line.strip()
    if not s:
        return False
    if not any(c in s for c in "{(<=!@") and not any(w in s for w in _CODE_WORDS):
        return False  # cheap pre-check: every _CODE_RE branch needs one of these
    if _CODE_RE.search(s):
        symbols = sum(s.count(c) for c in "{};=<>()[]")
        return symbols >= 2 or len(s) < 80
    return False


def is_junk(line: str, max_words: int = 30, urls: bool = True) -> bool:
    """Boilerplate line: share/comment/newsletter/cookie/copyright/related..., code, and (with
    ``urls``) a bare URL."""
    s = " ".join(line.split())
    if not s:
        return True
    if is_code(s) or (urls and _URL_ONLY.match(s)):
        return True
    if not re.search(r"\w", s):
        return True  # only symbols / punctuation
    if len(s.split()) > max_words:
        return False
    if _JUNK_RE.match(s):
        return True
    low = s.lower()
    return any(w in low for w in _FLOATING_WORDS) and _JUNK_FLOATING_RE.match(s) is not None


def is_terminal_heading(line: str) -> bool:
    return bool(_TERMINAL_RE.match(" ".join(line.split())))


# --------------------------------------------------------------------------- bylines

_BY_PREFIX = r"(?:by|written by|posted by|words by|story by|text by|автор(?:ка)?|текст|от|від|автор статті)"
_BYLINE_RE = re.compile(
    rf"^\s*{_BY_PREFIX}\s*[:\-–—]?\s+(?P<names>.+?)\s*$",
    re.IGNORECASE,
)
_ROLE_WORDS = re.compile(
    r"\b(?:editors?|correspondents?|reporters?|writers?|columnists?|contributors?|journalists?|analysts?|"
    r"staff|chief|senior|editor-in-chief|editorial|producers?|authors?|founder|director|"
    r"редактор|корреспондент|обозреватель|журналист|кореспондент|оглядач|журналістка?)\b",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(
    r"^[\"'‘’“”(]*[A-ZА-ЯЁІЇЄҐ][\w.'’\-]*[\"'‘’“”)]*$|^(?:de|van|von|der|da|al|bin|la|le)$"
)


def _looks_like_name(s: str) -> bool:
    toks = s.split()
    if not 1 <= len(toks) <= 6:
        return False
    return all(_NAME_TOKEN.match(t) for t in toks) and not _ROLE_WORDS.search(s)


_NAME_SEP = re.compile(r"\s*(?:,|;|&|\band\b|\bи\b|\bта\b|\bі\b)\s*")


def _split_names(names: str) -> list[str]:
    """The names in "A, B and C" / "А и Б" / "А та Б"."""
    return [p.strip(" .") for p in _NAME_SEP.split(names) if p.strip(" .")]


def split_byline(line: str) -> str | None:
    """Return "A; B" when ``line`` is a byline ("By NAME: Role", "By A and B", "Автор: ...")."""
    m = _BYLINE_RE.match(" ".join(line.split()))
    if not m:
        return None
    names = m.group("names")
    # drop a role after ":" "," "|" " - " ("By Samir Singh 'Bharat': Chief Editor")
    names = re.split(r"\s*(?::|\||\s[-–—]\s)\s*", names, maxsplit=1)[0]
    parts = _split_names(names)
    parts = [p for p in parts if not _ROLE_WORDS.search(p) or _looks_like_name(p)]
    parts = [p for p in parts if _looks_like_name(p)]
    if not parts:
        return None
    return "; ".join(parts)


# --------------------------------------------------------------------------- dates

_MONTHS = {**EN_MONTHS, **EN_MONTH_ABBREVIATIONS, **RU_MONTHS_GENITIVE, **UK_MONTHS_GENITIVE}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (
    re.compile(r"(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>(?:19|20)\d\d)"),
    re.compile(rf"(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)", re.I),
    re.compile(rf"(?P<d>\d{{1,2}})\s+(?P<mon>{_MON})\.?,?\s+(?P<y>(?:19|20)\d\d)", re.I),
)
_DATE_LINE_RE = re.compile(
    r"^\W{0,3}(?:(?:published|posted|updated|last updated|date|опубликовано|обновлено|дата|"
    r"опубліковано|оновлено)\s*(?:on|at)?\s*:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,?\s*)?.{0,60}$",
    re.IGNORECASE,
)


def parse_date(text: str) -> dt.date | None:
    """A full calendar date (with year) written in ``text``, or None."""
    for pat in _DATE_PATTERNS:
        m = pat.search(text)
        if not m:
            continue
        try:
            month = _MONTHS[m.group("mon").lower()] if "mon" in m.groupdict() else int(m.group("m"))
            return dt.date(int(m.group("y")), month, int(m.group("d")))
        except (ValueError, KeyError):
            continue
    return None


def date_line(line: str) -> dt.date | None:
    """The date when ``line`` is nothing but a date (optionally "Published:", a weekday, a time)."""
    s = " ".join(line.split())
    if len(s) > 70 or not _DATE_LINE_RE.match(s):
        return None
    d = parse_date(s)
    if d is None:
        return None
    rest = s
    for pat in _DATE_PATTERNS:
        rest = pat.sub(" ", rest)
    rest = re.sub(
        r"(?i)\b(?:published|posted|updated|last|on|at|date|am|pm|gmt|utc|edt|est|bst|cet|msk|eet|et|pt|ct|"
        r"cst|pst|cest|eest|"
        r"mon\w*|tue\w*|wed\w*|thu\w*|fri\w*|sat\w*|sun\w*|опубликовано|обновлено|дата|опубліковано|"
        r"оновлено|г|р|року|года)\b|\d{1,2}:\d\d(?::\d\d)?|[\W_]",
        " ",
        rest,
    )
    return d if not rest.strip() else None


# --------------------------------------------------------------------------- datelines

_AGENCIES = (
    r"Reuters|AP|AFP|TASS|ТАСС|RIA|РИА Новости|Interfax|Интерфакс|Інтерфакс-Україна|UNN|УНН|"
    r"Ukrinform|Укрінформ|DPA|Xinhua|Bloomberg|Sputnik|Anadolu|ANI|PTI|IANS|EFE|ANSA|Kyodo|Yonhap|"
    r"UNIAN|УНІАН|RBC|РБК|BelTA|БелТА|CNN|BBC"
)
_DATELINE_RES = (
    # "MOSCOW, Feb 5 (TASS) — ", "KYIV (Reuters) - ", "WASHINGTON, Feb. 5, 2026 (AP) -- "
    re.compile(
        rf"^[A-ZА-ЯЁІЇЄҐ][\w.'’ \-/]{{1,40}}(?:,\s*[\w.' ]{{1,25}}?)?\s*\((?:{_AGENCIES})[\w ./]{{0,20}}\)\s*"
        r"(?:[-—–:]+|\.)\s*"
    ),
    # "МОСКВА, 5 февраля. /ТАСС/. ", "МОСКВА, 5 фев — РИА Новости. ", "MOSCOW, February 4. /TASS/. "
    re.compile(
        rf"^[A-ZА-ЯЁІЇЄҐ][A-ZА-ЯЁІЇЄҐ\-' ]{{2,30}},\s*"
        rf"(?:\d{{1,2}}\s+\w{{3,10}}|[A-Za-z]{{3,10}}\.?\s+\d{{1,2}})\.?\s*(?:\d{{4}}\s*)?"
        rf"(?:/\s*(?:{_AGENCIES})\s*/\.?|[-—–]+\s*(?:{_AGENCIES})\.?|\.)\s*"
    ),
    # "WAR-REPORT : ", "KYIV — ", "LONDON: " (all-caps place or desk, then a separator)
    re.compile(r"^(?=[A-ZА-ЯЁІЇЄҐ\-'. ]*[A-ZА-ЯЁІЇЄҐ]{3})[A-ZА-ЯЁІЇЄҐ][A-ZА-ЯЁІЇЄҐ\-'. ]{2,30}?\s*[:—–]\s+"),
    re.compile(r"^(?=[A-ZА-ЯЁІЇЄҐ\-'. ]*[A-ZА-ЯЁІЇЄҐ]{3})[A-ZА-ЯЁІЇЄҐ][A-ZА-ЯЁІЇЄҐ\-'. ]{2,30}?\s+-{1,2}\s+"),
)


def strip_dateline(para: str) -> str:
    """Remove a leading dateline ("KYIV (Reuters) - ", "WAR-REPORT : ") from a body paragraph."""
    for rx in _DATELINE_RES:
        m = rx.match(para)
        if m:
            rest = para[m.end() :]
            if len(rest.split()) >= 5 and re.match(r"[\"'“«‘(]?[A-ZА-ЯЁІЇЄҐ0-9]", rest):
                return rest
    return para


# --------------------------------------------------------------------------- shapes

_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "and",
        "or",
        "for",
        "to",
        "at",
        "by",
        "with",
        "from",
        "vs",
        "via",
        "as",
        "but",
        "nor",
        "into",
        "over",
        "per",
        "up",
        "out",
        "off",
        "is",
        "are",
        "was",
        "be",
        "its",
        "it's",
        "than",
        "that",
        "this",
    ]
)
_END_PUNCT = tuple(".!?:;…\"'”’»)")


def ends_sentence(line: str) -> bool:
    return line.rstrip().endswith(_END_PUNCT)


def is_title_case(line: str) -> bool:
    """English-style heading: content words capitalised ("Kremlin Pushes Back Against ...")."""
    words = [w.strip("\"'“”‘’«»()[],.:;!?-—–") for w in line.split()]
    words = [w for w in words if w and w[0].isalpha()]
    if not words:
        return False
    content = [w for w in words[1:] if w.lower() not in _SMALL_WORDS] + [words[0]]
    caps = sum(1 for w in content if w[0].isupper())
    return caps / len(content) >= 0.75


_CAPTION_MARKERS = re.compile(
    r"(?i)\b(?:photo|image|picture|credit|getty|reuters/|ap photo|afp via|shutterstock|фото|иллюстрация|"
    r"ілюстрація|скриншот|скріншот)\b|©"
)


def is_caption_like(line: str) -> bool:
    """Short line without final punctuation that is not a Title-Case heading (image caption, alt text)."""
    s = " ".join(line.split())
    if not s or ends_sentence(s) or s[:1] in "-•*–—" or re.match(r"^\d+[.)]\s", s):
        return False
    words = s.split()
    if _CAPTION_MARKERS.search(s) and len(words) <= 25:
        return True
    if len(words) > 12:
        return False
    latin = sum(ch.isascii() and ch.isalpha() for ch in s)
    letters = sum(ch.isalpha() for ch in s)
    if not letters or latin / letters < 0.5:
        return False  # Cyrillic headings are written in sentence case: keep them
    return not is_title_case(s)


@dataclass(slots=True)
class DumpParts:
    body: list[str]
    title: str | None = None
    author: str | None = None
    section: str | None = None
    published: dt.date | None = None


def _open_ended(line: str) -> bool:
    """A tail line that ends no sentence: up to 12 words without final punctuation, or up to 3
    ending in a colon or an ellipsis ("Share this:", "Like this:", "Loading...")."""
    end = line.rstrip()
    return _short(end, 12) or (len(end.split()) <= 3 and end.endswith((":", "...", "…")))


def _is_body_paragraph(line: str) -> bool:
    n = len(line.split())
    return (n >= 14 and ends_sentence(line)) or n >= 25


def _hard_wrapped(lines: list[str]) -> bool:
    """Text wrapped at a fixed width: many non-blank lines continue in lower case on the next line."""
    pairs = cont = 0
    for a, b in itertools.pairwise(lines):
        if a.strip() and b.strip():
            pairs += 1
            if b.strip()[:1].islower() and not ends_sentence(a):
                cont += 1
    return pairs >= 4 and cont / pairs >= 0.3


_ABBREVIATION_END = re.compile(r"\b(?:[A-Z]\.){2,}$")  # "... Heads to the U.S."
_HEADER_LINES = 12  # title, section, byline and dateline sit in the lines just above the body
_CRUMB_SEP = re.compile(r"\s+(?:/|>|»|›|\|)\s+")
_META_SEP = re.compile(r"\s+[|•·]\s+")
_DATE_BY = re.compile(r"^(?P<date>.+?)\s+(?:by|от|від)\s+(?P<names>\S.*)$", re.IGNORECASE)


def _breadcrumb(line: str) -> list[str] | None:
    """The parts of a breadcrumb line ("Home / World / Europe"), else None."""
    parts = _CRUMB_SEP.split(line)
    # every part a few words, but the last may be the headline itself ("Home » News » <headline>")
    if len(parts) >= 2 and all(1 <= len(p.split()) <= 4 for p in parts[:-1]) and len(parts[-1].split()) <= 30:
        return parts
    return None


def _banner(line: str) -> bool:
    """A short all-capitals line ("BREAKING NEWS", "LIVE"): a banner, not a headline."""
    letters = [c for c in line if c.isalpha()]
    return len(line.split()) <= 2 and bool(letters) and all(c.isupper() for c in letters)


_UI_WORDS = frozenset(
    {
        "home",
        "menu",
        "search",
        "subscribe",
        "subscription",
        "login",
        "log",
        "sign",
        "in",
        "up",
        "out",
        "register",
        "account",
        "profile",
        "contact",
        "about",
        "us",
        "close",
        "open",
        "skip",
        "to",
        "content",
        "navigation",
        "main",
        "toggle",
        "share",
        "follow",
        "donate",
        "shop",
        "newsletter",
        "newsletters",
        "en",
        "english",
        "русский",
        "українська",
        "главная",
        "меню",
        "поиск",
        "войти",
        "подписаться",
        "головна",
        "пошук",
        "увійти",
        "підписатися",
    }
)  # fmt: skip


def _short(line: str, words: int) -> bool:
    """Up to ``words`` words and not a sentence: a menu item, a label, a button."""
    return len(line.split()) <= words and not ends_sentence(line)


def _menu_line(line: str) -> bool:
    """A line of menu and toolbar words only ("Menu Search Subscribe", "Log in | Sign up")."""
    words = re.findall(r"\w+", line.casefold())
    return bool(words) and all(w in _UI_WORDS for w in words)


def _menu(lines: list[str]) -> bool:
    """Whether ``lines`` (what comes before the header) are a site's menu: short lines or
    boilerplate only, none of them a sentence, and at least one of them boilerplate or menu words
    ("Skip to content", "Home", "Search"). Short lines alone (bullets, a live blog's times) are
    not enough."""
    return all(is_junk(s) or _short(s, 6) for s in lines) and any(is_junk(s) or _menu_line(s) for s in lines)


def _meta(line: str) -> tuple[dt.date | None, str | None, str]:
    """(date, author, rest) of a header line: the date and byline it gives ("February 3, 2026",
    "By Jane Doe", "Posted on February 6, 2026 by John Smith", "By Jane Doe | March 5, 2024") and
    what else it says ("Kyiv Hit by Drones | February 3, 2026" -> "Kyiv Hit by Drones")."""
    day: dt.date | None = None
    author: str | None = None
    rest: list[str] = []
    for seg in _META_SEP.split(line):
        d = date_line(seg)
        if d:
            day = day or d
            continue
        by = split_byline(seg)
        if by:
            author = author or by
            continue
        m = _DATE_BY.match(seg)
        if m and (d := date_line(m.group("date"))) and (by := split_byline("By " + m.group("names"))):
            day, author = day or d, author or by
            continue
        rest.append(seg)
    return day, author, " | ".join(rest)


def _fits_headline(line: str) -> bool:
    """3 to 30 words, not a sentence ("the U.S." may end it), a breadcrumb, a banner or menu words."""
    return (
        3 <= len(line.split()) <= 30
        and not (line.rstrip().endswith(".") and not _ABBREVIATION_END.search(line))
        and not _breadcrumb(line)
        and not _banner(line)
        and not _menu_line(line)
    )


def _sentence_case(line: str) -> bool:
    """Latin-script words after the first mostly in lower case ("Ukraine war latest", a standfirst)."""
    words = [w for w in line.split()[1:] if w[:1].isalpha() and w[:1].isascii()]
    return len(words) >= 2 and sum(w[:1].islower() for w in words) > len(words) / 2


def _headline_crumbs(line: str) -> list[str]:
    """``line``, or its last two parts when it is a breadcrumb that ends with a headline."""
    crumbs = _breadcrumb(line)
    return crumbs[-2:] if crumbs and len(crumbs[-1].split()) >= 3 else [line]


def _title_at(candidates: list[str], apart: set[int] | None = None, sites: set[int] | None = None) -> int:
    """Which header line is the headline.

    The first line that fits a headline (``_fits_headline``), is not one of ``sites`` (the site's
    name) and is not a menu item (between two short lines) or a site's name over its menu (above
    two); ``apart`` are the lines followed by a byline or date line, which ends any menu. But a
    line of up to 4 words just above it is the headline when the fitting line is a standfirst (8+
    words in sentence case: "Kyiv Burns" over "Residents spend the night in metro stations ..."),
    and the line under a fitting line of up to 4 words in sentence case is the headline when that
    is headline-sized ("Ukraine war latest" over "Zelensky says talks must include
    guarantees"). Else the first line.
    """

    apart = apart or set()
    sites = sites or set()

    def in_menu(i: int) -> bool:  # right between two short lines: a menu item ("Middle East Crisis")
        return (
            0 < i < len(candidates) - 1
            and not {i - 1, i} & apart
            and _short(candidates[i - 1], 4)
            and _short(candidates[i + 1], 4)
        )

    def above_menu(i: int) -> bool:  # a site's name over its menu ("President of Russia", "News", "Events")
        nxt = candidates[i + 1 : i + 3]
        return not {i, i + 1} & apart and len(nxt) == 2 and all(_short(c, 3) for c in nxt)

    fit = [
        i
        for i, c in enumerate(candidates)
        if _fits_headline(c) and not in_menu(i) and not above_menu(i) and i not in sites
    ]
    if not fit:
        return 0
    i = fit[0]
    above = candidates[i - 1] if i else None
    if (
        above is not None
        and len(above.split()) <= 4
        and not _menu_line(above)
        and not _breadcrumb(above)
        and not _banner(above)
        and len(candidates[i].split()) >= 8
        and _sentence_case(candidates[i])
    ):
        return i - 1
    if (
        i + 1 < len(candidates)
        and len(candidates[i].split()) <= 4
        and _sentence_case(candidates[i])
        and _fits_headline(candidates[i + 1])
        and 5 <= len(candidates[i + 1].split()) < 16
    ):
        return i + 1
    return i


def _section(candidates: list[str], title: str) -> str | None:
    """The section named just above the headline: a short line ("World War"), or the last part of
    a breadcrumb ("Home / World / Europe") that is not the headline itself; not menu words
    ("Log in | Sign up")."""
    if not candidates or _menu_line(candidates[-1]):
        return None
    line = candidates[-1]
    crumbs = _breadcrumb(line)
    if crumbs:
        crumbs = [x for x in crumbs if x.casefold() != title.casefold()]
        return crumbs[-1] if len(crumbs) >= 2 else None
    return line if _short(line, 4) else None


_RELATIVE_TIME = re.compile(r"(?i)\b(?:ago|назад|тому)\b|\b(?:время|час) чтения\b|\breading time\b")


def _lead_sentence(line: str) -> bool:
    """A header line after the headline that opens the body: a sentence of 5+ words in running
    text ("The talks ended on Saturday."), not a signature, a role or a date ("Anna Green,
    Europe Correspondent.", "Обновлено 3 часа назад.")."""
    words = line.split()
    return (
        len(words) >= 5
        and ends_sentence(line)
        and sum(w[:1].islower() for w in words) >= 2
        and not _ROLE_WORDS.search(line)
        and parse_date(line) is None
        and not _RELATIVE_TIME.search(line)
    )


def _name_list(line: str) -> str | None:
    """ "A; B; C" when ``line`` is nothing but two or more people's names ("Kateryna Stepanenko,
    Angelica Evans, and George Barros"), else None."""
    names = _split_names(line)
    if len(names) >= 2 and all(_looks_like_name(n) and 2 <= len(n.split()) <= 4 for n in names):
        return "; ".join(names)
    return None


def parse_dump(text: str, site_names: frozenset[str] = frozenset()) -> DumpParts:
    """Split a scraped text dump into header fields and clean body lines.

    The header is what comes before the first body paragraph (a sentence of 14+ words, or any line
    of 25+): at most its last 12 lines, when what comes before those is a site's menu (see
    ``_menu``); a page whose first paragraph comes later than that without such a menu is not
    guessed at. A header line that is one of ``site_names`` (case-folded outlet names) is the
    site's name, not the headline.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    raw = text.split("\n")
    wrapped = _hard_wrapped(raw)
    items = [" ".join(line.split()) for line in raw]
    items = [s for s in items if s]
    if not items:
        return DumpParts(body=[])

    start = next((i for i, s in enumerate(items) if _is_body_paragraph(s) and not is_junk(s)), None)
    parts = DumpParts(body=[])
    header, rest = (items[:start], items[start:]) if start is not None else ([], items)
    if len(header) > _HEADER_LINES:
        menu, header = header[:-_HEADER_LINES], header[-_HEADER_LINES:]
        if not _menu(menu):  # no recognisable header: do not guess
            header, rest = [], items

    candidates: list[str] = []
    apart: set[int] = set()  # candidates followed by a byline, date or boilerplate line
    for s in header:
        day, author, s = _meta(s)
        parts.published = parts.published or day
        parts.author = parts.author or author
        if s and not is_junk(s):
            # a breadcrumb that ends with the headline ("Analysis | Why Russia ...", "Home » News »
            # <headline>") gives its last two parts as lines of their own
            candidates.extend(_headline_crumbs(s))
        elif candidates:
            apart.add(len(candidates) - 1)
    if candidates:
        sites = {i for i, c in enumerate(candidates) if c.casefold() in site_names}
        t = _title_at(candidates, apart, sites)
        parts.title = candidates[t]
        parts.section = _section(candidates[:t], parts.title)
        # a line of two or more names under the title is its byline without "By"
        if parts.author is None:
            parts.author = next((a for c in candidates[t + 1 :] if (a := _name_list(c))), None)
        # a standfirst (sentence) after the title belongs to the body
        lead = [c for c in candidates[t + 1 :] if _lead_sentence(c)]
        rest = lead + rest

    body: list[str] = []
    seen: set[str] = set()
    title_key = (parts.title or "").casefold()
    for s in rest:
        if body and (is_terminal_heading(s) or _COMMENTS_RE.match(s)):
            break
        if is_junk(s):
            continue
        if not body:
            by = split_byline(s)
            if by:
                parts.author = parts.author or by
                continue
        d = date_line(s)
        if d:
            parts.published = parts.published or d
            continue
        if s.casefold() == title_key:
            continue
        if not wrapped and body and is_caption_like(s):
            continue
        if not body:
            s = strip_dateline(s)
        key = s.casefold()
        if key in seen and len(s) > 20:
            continue
        seen.add(key)
        body.append(s)
    # a trailing run of short lines that end no sentence (tags, share buttons, "Like this:",
    # "Loading...", headings with nothing under them)
    while body and not wrapped and _open_ended(body[-1]):
        body.pop()
    parts.body = body
    return parts
