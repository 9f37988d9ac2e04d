"""Archives for backfills: WARC (plain and gzip, as CC-NEWS ships them) and JSONL larger than the
per-file cap, both streamed record by record."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

from conftest import article_html
from undertow.errors import InputError
from undertow.ingest.sources import RawItem, Sources, units
from undertow.ingest.warc import read_warc


def _record(kind: str, uri: str, payload: bytes, date: str = "2026-02-04T10:00:00Z") -> bytes:
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\n"
        f"WARC-Record-ID: <urn:uuid:{abs(hash((kind, uri)))}>\r\nContent-Length: {len(payload)}\r\n\r\n"
    ).encode()
    return head + payload + b"\r\n\r\n"


def _http(
    body: bytes, status: str = "200 OK", ctype: str = "text/html; charset=utf-8", extra: str = ""
) -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n{extra}\r\n".encode() + body


def _page(title: str, url: str) -> bytes:
    return article_html(
        title, [f"{title}: the minister said the talks would resume next week."], url=url
    ).encode()


def _archive() -> list[bytes]:
    chunked_body = _page("Chunked page", "https://c.example/3")
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunked_body), chunked_body)
    return [
        _record("warcinfo", "", b"software: test\r\n"),
        _record("request", "https://a.example/1", b"GET /1 HTTP/1.1\r\nHost: a.example\r\n\r\n"),
        _record("response", "https://a.example/1", _http(_page("First page", "https://a.example/1"))),
        _record("metadata", "https://a.example/1", b"fetchTimeMs: 12\r\n"),
        _record("response", "https://a.example/2", _http(b"", "301 Moved", extra="Location: /x\r\n")),
        _record("response", "https://a.example/img.png", _http(b"\x89PNG....", ctype="image/png")),
        _record("response", "https://c.example/3", _http(chunked, extra="Transfer-Encoding: chunked\r\n")),
        _record(
            "response",
            "https://k.example/4",
            _http(
                "<html><body><h1>Заголовок</h1><p>Текст статьи о переговорах.</p></body></html>".encode(
                    "koi8-r"
                ),
                ctype="text/html; charset=koi8-r",
            ),
        ),
    ]


def _items(path: Path) -> list[RawItem | InputError]:
    return list(read_warc(path))


def test_warc_yields_html_responses_only(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    path.write_bytes(b"".join(_archive()))
    items = _items(path)
    assert all(isinstance(i, RawItem) for i in items)
    assert [i.url for i in items] == ["https://a.example/1", "https://c.example/3", "https://k.example/4"]
    first, chunked, koi = items
    assert first.source == f"{path}#3" and first.fetched == dt.datetime(2026, 2, 4, 10, tzinfo=dt.UTC)
    assert b"First page" in first.data and not first.data.startswith(b"HTTP/")
    assert chunked.data.startswith(b"<!DOCTYPE html>") and chunked.data.rstrip().endswith(b"</html>")
    assert koi.charset == "koi8-r"


def test_gzip_per_record_and_whole_file_read_alike(tmp_path: Path) -> None:
    recs = _archive()
    per_record = tmp_path / "a.warc.gz"
    per_record.write_bytes(b"".join(gzip.compress(r) for r in recs))
    whole = tmp_path / "b.warc.gz"
    whole.write_bytes(gzip.compress(b"".join(recs)))
    urls = [[i.url for i in _items(p)] for p in (per_record, whole)]
    assert urls[0] == urls[1] and len(urls[0]) == 3
    assert sorted(units([str(tmp_path)])) == [str(per_record), str(whole)]  # found inside folders


def test_truncated_warc_keeps_what_came_before(tmp_path: Path) -> None:
    data = b"".join(_archive())
    path = tmp_path / "cut.warc"
    path.write_bytes(data[: len(data) - 40])
    items = _items(path)
    assert [i.url for i in items if isinstance(i, RawItem)] == ["https://a.example/1", "https://c.example/3"]
    assert isinstance(items[-1], InputError) and items[-1].source == f"{path}#8"
    assert "ends inside a record" in items[-1].reason


def test_response_without_a_body_is_skipped(tmp_path: Path) -> None:
    """A response record whose block is empty (Content-Length: 0) is passed over; the records
    after it are still read."""
    recs = _archive()
    path = tmp_path / "empty.warc"
    path.write_bytes(recs[2] + _record("response", "https://e.example/empty", b"") + recs[6])
    assert [i.url for i in _items(path)] == ["https://a.example/1", "https://c.example/3"]


def test_corrupt_gzipped_jsonl_is_one_error_after_the_lines_before(tmp_path: Path) -> None:
    """A .jsonl.gz whose compressed stream breaks midway: the lines before the damage are read,
    then one error names the file and line; nothing is raised."""
    line = json.dumps({"url": "https://j.example/1", "text": "The talks resume next week in Geneva."})
    good = gzip.compress((line + "\n").encode())
    filler = gzip.compress(
        "".join(json.dumps({"text": f"line {i} " * 40}) + "\n" for i in range(400)).encode()
    )
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(good + filler[:60] + bytes(b ^ 0x5A for b in filler[60:4000]))
    items = list(Sources().items([str(path)]))
    assert isinstance(items[0], RawItem) and items[0].url == "https://j.example/1"
    assert isinstance(items[-1], InputError) and items[-1].source.startswith(f"{path}:")
    assert "cannot read further" in items[-1].reason


def test_not_a_warc_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.warc"
    path.write_bytes(b"<html>not an archive</html>\r\n\r\n")
    items = _items(path)
    assert len(items) == 1 and isinstance(items[0], InputError) and "not a WARC record" in items[0].reason
    empty = tmp_path / "e.warc"
    empty.write_bytes(b"")
    assert [i.reason for i in _items(empty)] == ["empty WARC file"]


def test_warc_pages_ingest_end_to_end(tmp_path: Path, store) -> None:
    from undertow.pipeline import PipelineOptions, ingest

    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(b"".join(gzip.compress(r) for r in _archive()))
    report = ingest([str(path)], store, options=PipelineOptions(annotate=False, classify=False))
    assert report.failed == 0 and report.stored == 3
    doc = store.get_document(report.doc_ids[0])
    assert doc.url == "https://a.example/1" and doc.title == "First page"
    assert doc.source == f"{path}#3"


def test_jsonl_larger_than_the_file_cap_is_streamed(tmp_path: Path, monkeypatch) -> None:
    from undertow.ingest import sources

    monkeypatch.setattr(sources, "MAX_FILE_BYTES", 4096)  # the cap is per record for archives
    path = tmp_path / "big.jsonl.gz"
    lines = [json.dumps({"url": f"https://x.example/{i}", "text": f"Story {i}. " * 20}) for i in range(200)]
    lines.insert(50, json.dumps({"text": "x" * 10_000}))  # one record over the cap
    lines.insert(60, "\udcff")  # not UTF-8 once encoded with surrogateescape
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    path.write_bytes(gzip.compress(data))
    assert len(data) > 10 * 4096  # ten times the cap
    items = list(Sources().items([str(path)]))
    errors = [i for i in items if isinstance(i, InputError)]
    assert sum(isinstance(i, RawItem) for i in items) == 200
    assert [(e.source.rsplit(":", 1)[1], e.reason.split(" ")[0]) for e in errors] == [
        ("51", "record"),
        ("61", "line"),
    ]
