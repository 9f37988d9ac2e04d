"""RSS/Atom feeds: parse a feed document into items (feedparser does the format work)."""

from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import hashlib
import re
from dataclasses import dataclass

import feedparser

from undertow.errors import InputError

#: Feed content with less text than this (characters, markup removed) is treated as a teaser:
#: the item's page is fetched, and the teaser is used only if that fails.
FULL_TEXT_MIN_CHARS = 400
#: A teaser with at least this much text stands in for a page that cannot be fetched.
FALLBACK_MIN_CHARS = 150
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    key: str  # stable identity of the item within its feed (guid, else link, else content hash)
    link: str | None
    title: str | None
    author: str | None
    published: dt.date | None
    content_html: str | None  # content carried by the feed, if any (full text or a teaser)
    full_text: bool  # whether content_html looks like the whole story rather than a teaser
    fallback: bool  # whether content_html is worth keeping when the page cannot be fetched


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]


def looks_like_feed(data: bytes, content_type: str | None = None) -> bool:
    ct = (content_type or "").lower()
    if any(t in ct for t in ("rss", "atom", "rdf")):
        return True
    head = data[:1024].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if b"<html" in head:
        return False
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(data: bytes, source: str) -> ParsedFeed:
    """Parse feed bytes; a feed that is not well-formed still yields what could be read,
    but a document with no feed structure at all is an error naming ``source``."""
    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries:
        reason = str(getattr(parsed, "bozo_exception", "") or "unreadable").splitlines()[0]
        raise InputError(source, f"malformed feed: {reason}")
    if not parsed.get("version") and not parsed.entries:
        raise InputError(source, "not an RSS or Atom feed")
    feed_title = parsed.feed.get("title") if parsed.get("feed") else None
    return ParsedFeed(title=feed_title, entries=[_entry(e) for e in parsed.entries])


def _entry_date(e: feedparser.FeedParserDict) -> dt.date | None:
    """The day of publication in the publisher's own time zone (feedparser's parsed tuples are
    normalised to UTC, which moves late-evening Moscow or Kyiv items to the previous day)."""
    for field in ("published", "updated", "created"):
        raw = e.get(field)
        if not raw:
            continue
        local = _parse_local(str(raw))
        if local:
            return local
        t = e.get(f"{field}_parsed")
        if t:
            return dt.datetime.fromtimestamp(calendar.timegm(t), dt.UTC).date()
    return None


def _parse_local(raw: str) -> dt.date | None:
    raw = raw.strip()
    try:
        return email.utils.parsedate_to_datetime(raw).date()  # RFC 822 (RSS)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).date()  # RFC 3339 (Atom)
    except ValueError:
        return None


def _entry(e: feedparser.FeedParserDict) -> FeedEntry:
    link = e.get("link") or None
    content = None
    if e.get("content"):
        content = max((c.get("value", "") for c in e["content"]), key=len) or None
    summary = e.get("summary") or None
    if (not content or len(content) < len(summary or "")) and summary:
        content = summary
    text_chars = len(_TAGS.sub(" ", content or "").strip())
    published = _entry_date(e)
    key = e.get("id") or e.get("guid") or link
    if not key:
        key = "sha256:" + hashlib.sha256((content or e.get("title", "")).encode("utf-8")).hexdigest()
    return FeedEntry(
        key=str(key),
        link=link,
        title=e.get("title") or None,
        author=e.get("author") or None,
        published=published,
        content_html=content,
        full_text=text_chars >= FULL_TEXT_MIN_CHARS,
        fallback=text_chars >= FALLBACK_MIN_CHARS,
    )
