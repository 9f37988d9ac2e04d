"""WARC archives (ISO 28500; Common Crawl's CC-NEWS is published as ``.warc.gz``) as raw items.

``read_warc(path)`` streams the file: it never holds more than one record in memory, reads plain
and gzip (one member per record, as crawlers write them, or one for the whole file) alike, and
yields one :class:`RawItem` per HTML response with status 200 (the page's URL from
``WARC-Target-URI``, the fetch time from ``WARC-Date``, the charset from the HTTP
``Content-Type``). Requests, metadata, redirects, errors and non-HTML payloads are skipped
silently; a record that cannot be read (truncated, a bad length) is an ``InputError`` naming the
file and the record's number, and ends the file (its framing is lost), after everything before it.

The item's source key is ``<path>#<record number>``: stable between runs, so a backfill resumes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from undertow.errors import InputError
from undertow.ingest.sources import RawItem

#: A response body larger than this is skipped (a page is kilobytes; this is a video or a dump).
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024


def read_warc(path: Path) -> Iterator[RawItem | InputError]:
    source = str(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        yield InputError(source, f"cannot read: {exc.strerror or exc}")
        return
    with raw:
        fh: BinaryIO = gzip.GzipFile(fileobj=raw) if _gzipped(raw) else raw  # type: ignore[assignment]
        n = 0
        while True:
            n += 1
            try:
                rec = _record(fh)
            except (OSError, EOFError, zlib.error, ValueError) as exc:
                yield InputError(f"{source}#{n}", f"unreadable WARC record: {exc}")
                return
            if rec is None:
                if n == 1:
                    yield InputError(source, "empty WARC file")
                return
            headers, block = rec
            if headers.get("warc-type") != "response" or block is None:
                continue
            item = _response(headers, block, f"{source}#{n}")
            if item is not None:
                yield item


def _gzipped(fh: BinaryIO) -> bool:
    magic = fh.read(2)
    fh.seek(0)
    return magic == b"\x1f\x8b"


def _header_lines(fh: BinaryIO) -> list[bytes] | None:
    lines: list[bytes] = []
    size = 0
    while True:
        line = fh.readline(MAX_HEADER_BYTES)
        if not line:
            if lines:
                raise ValueError("the file ends inside a record's headers")
            return None
        size += len(line)
        if not lines and line.strip() and not line.startswith(b"WARC/"):
            raise ValueError(f"not a WARC record (starts {line[:20]!r})")
        if size > MAX_HEADER_BYTES:
            raise ValueError("headers longer than 64 KiB")
        if line in (b"\r\n", b"\n"):
            if lines:
                return lines
            continue  # blank lines between records
        lines.append(line.rstrip(b"\r\n"))


def _record(fh: BinaryIO) -> tuple[dict[str, str], bytes | None] | None:
    """The next record's headers (lower-cased names) and block; block None when too large to keep."""
    lines = _header_lines(fh)
    if lines is None:
        return None
    if not lines[0].startswith(b"WARC/"):
        raise ValueError(f"not a WARC record (starts {lines[0][:20]!r})")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("utf-8", "replace")
    try:
        length = int(headers["content-length"])
    except (KeyError, ValueError):
        raise ValueError("no valid Content-Length") from None
    if length > MAX_PAYLOAD_BYTES:
        _skip(fh, length)
        return headers, None
    block = fh.read(length)
    if len(block) != length:
        raise ValueError(f"the file ends inside a record ({len(block)} of {length} bytes)")
    return headers, block


def _skip(fh: BinaryIO, length: int) -> None:
    while length > 0:
        chunk = fh.read(min(length, 1 << 20))
        if not chunk:
            raise ValueError("the file ends inside a record")
        length -= len(chunk)


def _response(headers: dict[str, str], block: bytes, source: str) -> RawItem | None:
    head, sep, body = block.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = block.partition(b"\n\n")
    status_line, *header_lines = head.decode("latin-1").splitlines() or [""]
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or parts[1] != "200":
        return None
    http = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        http[name.strip().lower()] = value.strip()
    ctype = http.get("content-type", "").lower()
    if ctype and "html" not in ctype:
        return None
    if "chunked" in http.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    if http.get("content-encoding", "").lower() in ("gzip", "x-gzip"):
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            return None
    if not body.strip():
        return None
    charset = None
    if "charset=" in ctype:
        charset = ctype.split("charset=", 1)[1].split(";")[0].strip().strip("\"'") or None
    return RawItem(
        source=source,
        kind="html",
        data=body,
        url=headers.get("warc-target-uri") or None,
        charset=charset,
        fetched=_warc_date(headers.get("warc-date")),
    )


def _dechunk(body: bytes) -> bytes:
    """HTTP/1.1 chunked transfer coding removed; the body as it is when it is not chunked."""
    out, pos = [], 0
    while True:
        nl = body.find(b"\r\n", pos)
        if nl < 0:
            return body
        try:
            size = int(body[pos:nl].split(b";")[0], 16)
        except ValueError:
            return body  # not chunked after all (crawlers often store the decoded body)
        if size == 0:
            return b"".join(out)
        out.append(body[nl + 2 : nl + 2 + size])
        pos = nl + 2 + size + 2


def _warc_date(value: str | None) -> dt.datetime:
    if value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC)
