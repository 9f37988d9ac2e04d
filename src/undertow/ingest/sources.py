"""Sources: turn what the user names (files, folders, JSONL, feeds, URLs) into raw items.

A source yields :class:`RawItem` objects (bytes or text plus whatever metadata the source itself
carries) or :class:`~undertow.errors.InputError` objects for inputs that could not be read; one
bad input never stops the others. Nothing here extracts or stores: see ``pipeline.py``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from undertow.errors import InputError
from undertow.ingest.feeds import FeedEntry, looks_like_feed, parse_feed

HTML_EXT = {".html", ".htm", ".xhtml"}
TEXT_EXT = {".txt", ".text"}
DOC_EXT = {".md", ".markdown"}  # read as text when named explicitly, skipped inside folders (READMEs)
JSONL_EXT = {".jsonl", ".ndjson"}
FEED_EXT = {".xml", ".rss", ".atom", ".rdf"}
WARC_EXT = {".warc"}  # .warc and .warc.gz web archives (ingest/warc.py)
KNOWN_EXT = HTML_EXT | TEXT_EXT | JSONL_EXT | FEED_EXT | WARC_EXT
MAX_FILE_BYTES = 20 * 1024 * 1024  # a page or a feed; JSONL and WARC archives are streamed instead


@dataclass(slots=True)
class RawItem:
    """One document-to-be, before extraction."""

    source: str  # the input as the user gave it (path, URL, "file.jsonl:12", "feed.xml#3")
    kind: Literal["html", "text"]
    data: bytes | str
    url: str | None = None
    charset: str | None = None  # declared by HTTP
    title: str | None = None
    author: str | None = None
    outlet: str | None = None  # declared outlet (id, domain or name)
    language: str | None = None  # declared language
    published: dt.date | None = None
    published_source: Literal["feed", "jsonl"] | None = None
    fetched: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    feed: tuple[str, str] | None = None  # (feed URL/path, item key) for feed memory
    # a page file not read yet (``Sources(defer_reads=True)``): ``content`` reads it
    path: Path | None = None

    def content(self) -> bytes | str:
        """The item's bytes or text. A deferred page file is read (and gunzipped) now, in the
        process that extracts it; raises ``InputError`` as reading it when listed would have."""
        return _read(self.path) if self.path is not None else self.data


class FetchLike(Protocol):
    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Any: ...


class FeedMemory(Protocol):
    """What the feed reader remembers between polls (the store implements it)."""

    def feed_state(self, url: str) -> dict[str, Any] | None: ...

    def save_feed_state(self, url: str, **values: Any) -> None: ...

    def seen_feed_items(self, feed_url: str, keys: list[str]) -> set[str]: ...


def is_url(s: str) -> bool:
    return s.lower().startswith(("http://", "https://")) or "://" in s[:12]


def units(inputs: Iterable[str]) -> Iterator[str | InputError]:
    """The inputs as units of reading: each URL, each file, and each known file of a folder (in
    name order); an input that is none of these is an ``InputError``. A backfill shares the
    units among its readers."""
    for inp in inputs:
        if is_url(inp):
            yield inp
            continue
        path = Path(inp)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _ext(p) in KNOWN_EXT)
            if not files:
                yield InputError(inp, "folder holds no .html, .txt, .jsonl or feed files")
            yield from (str(p) for p in files)
        elif path.exists():
            yield str(path)
        else:
            yield InputError(inp, "no such file, folder or URL")


class Sources:
    """Expands inputs into raw items. ``fetcher`` is needed only for URLs.

    ``defer_reads``: a page file (``.html``, ``.htm``, ``.xhtml``, ``.txt``, ``.text``; plain or
    gzipped) becomes an item that names its path, and ``RawItem.content`` reads it where the item
    is processed. ``ingest`` asks for this: with worker processes each worker then reads and
    decompresses its own pages, and the parent, which also writes the store, does not read every
    page and send it down a pipe. Such a file's read errors (empty, too large, broken gzip) come
    from ``content`` instead of ``items``, with the same reasons (and a worker pool starts even
    when every file then fails). Other inputs (feeds, archives, JSONL, URLs) are read here.
    """

    def __init__(
        self, fetcher: FetchLike | None = None, memory: FeedMemory | None = None, *, defer_reads: bool = False
    ) -> None:
        self.fetcher = fetcher
        self.memory = memory
        self.defer_reads = defer_reads

    @classmethod
    def fetching(
        cls,
        memory: FeedMemory | None = None,
        *,
        allow_private: bool = False,
        robots: bool = True,
        defer_reads: bool = False,
    ) -> Sources:
        """Sources that fetch URLs with undertow's fetcher under this policy (one fetcher: its
        per-host spacing and robots.txt cache hold across every input it reads)."""
        from undertow.ingest.fetch import Fetcher, FetchPolicy

        fetcher = Fetcher(FetchPolicy(allow_private=allow_private, respect_robots=robots))
        return cls(fetcher, memory, defer_reads=defer_reads)

    def items(self, inputs: Iterable[str]) -> Iterator[RawItem | InputError]:
        for unit in units(inputs):
            if isinstance(unit, InputError):
                yield unit
            elif is_url(unit):
                yield from self._url(unit)
            else:
                yield from self._file(Path(unit))

    # --- files ---------------------------------------------------------------------------------

    def _file(self, path: Path) -> Iterator[RawItem | InputError]:
        source = str(path)
        ext = _ext(path)
        if ext in WARC_EXT:
            from undertow.ingest.warc import read_warc

            yield from read_warc(path)
            return
        if ext in JSONL_EXT:
            yield from self._jsonl(path)
            return
        if self.defer_reads and ext in HTML_EXT | TEXT_EXT:  # (a page by its name: no feed to sniff)
            yield RawItem(source=source, kind="text" if ext in TEXT_EXT else "html", data=b"", path=path)
            return
        try:
            data = _read(path)
        except InputError as err:
            yield err
            return
        if ext in FEED_EXT or (ext not in HTML_EXT | TEXT_EXT and looks_like_feed(data)):
            yield from self._feed(data, source, None)
        elif ext in TEXT_EXT | DOC_EXT:
            yield RawItem(source=source, kind="text", data=data)
        else:
            yield RawItem(source=source, kind="html", data=data)

    def _jsonl(self, path: Path) -> Iterator[RawItem | InputError]:
        """One item per line, streamed: an archive of any size, one record in memory at a time."""
        source = str(path)
        try:
            fh = gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")  # noqa: SIM115
        except OSError as exc:
            yield InputError(source, f"cannot read: {exc.strerror or exc}")
            return
        with fh:
            yield from self._jsonl_lines(fh, source)

    def _jsonl_lines(self, fh: Any, source: str) -> Iterator[RawItem | InputError]:
        n = 0
        seen = False
        while True:
            n += 1
            try:
                raw = fh.readline(MAX_FILE_BYTES + 1)
                if len(raw) > MAX_FILE_BYTES and not raw.endswith(b"\n"):
                    yield InputError(f"{source}:{n}", f"record longer than {MAX_FILE_BYTES // 2**20} MiB")
                    while raw and not raw.endswith(b"\n"):  # the rest of the long line
                        raw = fh.readline(MAX_FILE_BYTES + 1)
                    continue
            except (OSError, EOFError, zlib.error) as exc:  # (a corrupt .gz raises zlib.error)
                yield InputError(f"{source}:{n}", f"cannot read further: {exc}")
                return
            if not raw:
                if not seen:
                    yield InputError(source, "empty file")
                return
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield InputError(f"{source}:{n}", f"line is not UTF-8 (byte {exc.start})")
                continue
            if not line.strip():
                continue
            seen = True
            where = f"{source}:{n}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputError(where, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            except RecursionError:  # [[[[…]]]] deeper than the parser's stack
                yield InputError(where, "invalid JSON: nested too deeply")
                continue
            yield from self.record(rec, where)

    def record(self, rec: Any, where: str) -> Iterator[RawItem | InputError]:
        """The item of one JSONL-style record ``{url?, html? | text?, title?, published?, outlet?}``."""
        if not isinstance(rec, dict):
            yield InputError(where, "a JSONL record must be an object")
            return
        url = _opt_str(rec.get("url"))
        try:
            published = _parse_day(rec.get("published"))
        except ValueError:
            yield InputError(where, f"published {rec.get('published')!r} is not a date (YYYY-MM-DD)")
            return
        meta = {
            "url": url,
            "title": _opt_str(rec.get("title")),
            "author": _opt_str(rec.get("author")),
            "outlet": _opt_str(rec.get("outlet")),
            "language": _opt_str(rec.get("language")),
            "published": published,
            "published_source": "jsonl" if published else None,
        }
        html, text = rec.get("html"), rec.get("text")
        if isinstance(html, str) and html.strip():
            yield RawItem(source=where, kind="html", data=html, **meta)
        elif isinstance(text, str) and text.strip():
            yield RawItem(source=where, kind="text", data=text, **meta)
        elif url:
            for item in self._url(url):
                if isinstance(item, InputError):
                    yield InputError(f"{where} {url}", item.reason)
                    continue
                item.source = where
                for k, v in meta.items():
                    if v is not None:
                        setattr(item, k, v)
                yield item
        else:
            yield InputError(where, "record has none of html, text or url")

    # --- URLs and feeds ------------------------------------------------------------------------

    def _url(self, url: str) -> Iterator[RawItem | InputError]:
        if self.fetcher is None:
            yield InputError(url, "fetching URLs is not enabled here")
            return
        state = self.memory.feed_state(url) if self.memory else None
        try:
            res = self.fetcher.fetch(
                url,
                etag=state.get("etag") if state else None,
                last_modified=state.get("last_modified") if state else None,
            )
        except InputError as err:
            if self.memory and state:
                self.memory.save_feed_state(url, last_status=err.reason)
            yield err
            return
        if res.not_modified:
            if self.memory:
                self.memory.save_feed_state(url, last_status="304 not modified")
            return
        if looks_like_feed(res.content, res.content_type):
            if self.memory:
                self.memory.save_feed_state(
                    url, etag=res.etag, last_modified=res.last_modified, last_status=str(res.status)
                )
            yield from self._feed(res.content, url, res.url)
            return
        yield RawItem(source=url, kind="html", data=res.content, url=res.url, charset=res.charset)

    def _feed(self, data: bytes, source: str, feed_url: str | None) -> Iterator[RawItem | InputError]:
        try:
            feed = parse_feed(data, source)
        except InputError as err:
            yield err
            return
        key = feed_url or source
        seen: set[str] = set()
        if self.memory:
            seen = self.memory.seen_feed_items(key, [e.key for e in feed.entries])
        for n, entry in enumerate(feed.entries, 1):
            if entry.key in seen:
                continue
            yield from self._feed_entry(entry, f"{source}#{n}", key)

    def _feed_entry(self, e: FeedEntry, where: str, feed_key: str) -> Iterator[RawItem | InputError]:
        meta: dict[str, Any] = {
            "title": e.title,
            "author": e.author,
            "published": e.published,
            "published_source": "feed" if e.published else None,
            "feed": (feed_key, e.key),
        }
        if e.content_html and (e.full_text or not e.link):
            yield RawItem(source=where, kind="html", data=e.content_html, url=e.link, **meta)
            return
        if not e.link:
            yield InputError(where, "feed item has neither content nor link")
            return
        for item in self._url(e.link):
            if isinstance(item, InputError):
                if e.content_html and e.fallback:  # the page is out of reach: keep the feed's text
                    yield RawItem(source=where, kind="html", data=e.content_html, url=e.link, **meta)
                else:
                    yield InputError(f"{where} {e.link}", item.reason)
                continue
            item.source = f"{where} {e.link}"
            for k, v in meta.items():
                setattr(item, k, v)
            yield item


def _ext(p: Path) -> str:
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _read(path: Path) -> bytes:
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(source, f"file larger than {MAX_FILE_BYTES // 2**20} MiB ({size // 2**20} MiB)")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except PermissionError as exc:
        raise InputError(source, "permission denied") from exc
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from exc
    if path.suffix.lower() == ".gz":
        try:
            data = gunzip(data, MAX_FILE_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise InputError(source, f"not a readable gzip file: {exc}") from exc
        if len(data) > MAX_FILE_BYTES:
            raise InputError(source, f"decompresses to more than {MAX_FILE_BYTES // 2**20} MiB")
    if not data.strip():
        raise InputError(source, "empty file")
    return data


def gunzip(data: bytes, limit: int) -> bytes:
    """The decompressed bytes of gzip ``data`` (every member), at most ``limit`` of them: what
    ``gzip.GzipFile(...).read(limit)`` returns, in a few C calls instead of a loop of small
    reads (half the time). Raises OSError (``gzip.BadGzipFile``) or EOFError as GzipFile does;
    NUL padding after the last member is allowed, as there."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        unzip = zlib.decompressobj(wbits=31)  # gzip header and trailer
        try:
            part = unzip.decompress(data, limit - size)
        except zlib.error as exc:
            raise gzip.BadGzipFile(str(exc)) from exc
        parts.append(part)
        size += len(part)
        if size >= limit:
            break
        if not unzip.eof:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        data = unzip.unused_data
        if not data.strip(b"\0"):
            break
    return b"".join(parts)


def _opt_str(v: Any) -> str | None:
    return v.strip() or None if isinstance(v, str) else None


def _parse_day(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ValueError(v)
    v = v.strip()
    try:
        return dt.date.fromisoformat(v[:10])
    except ValueError:
        return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).date()
