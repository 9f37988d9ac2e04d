from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from undertow.errors import InputError
from undertow.ingest import sources as sources_mod
from undertow.ingest.sources import RawItem, Sources

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Wire</title><link>https://wire.example/</link><description>d</description>
<item><title>Talks resume</title><link>https://wire.example/1</link><guid>wire-1</guid>
<pubDate>Tue, 03 Feb 2026 23:30:00 +0300</pubDate>
<content:encoded><![CDATA[{body}]]></content:encoded></item>
<item><title>Teaser only</title><link>https://wire.example/2</link><guid>wire-2</guid>
<description>Short teaser.</description></item>
<item><title>Short item</title><link>https://wire.example/3</link><guid>wire-3</guid>
<description>{short}</description></item>
</channel></rss>"""
SHORT = "Kyiv said on Tuesday it was ready to extend the energy pause if Moscow did the same. " * 2
BODY = "<p>" + "Delegations met again in Abu Dhabi on Tuesday to discuss a ceasefire. " * 12 + "</p>"


def items(*inputs: str, **kw) -> list[RawItem | InputError]:
    return list(Sources(**kw).items(inputs))


def test_folder_recurses_and_classifies(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.html").write_text("<html><body><p>hi</p></body></html>")
    (tmp_path / "b.txt").write_text("plain text")
    (tmp_path / "c.html.gz").write_bytes(gzip.compress(b"<html><p>zipped</p></html>"))
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    got = items(str(tmp_path))
    kinds = sorted((Path(i.source).name, i.kind) for i in got if isinstance(i, RawItem))
    assert kinds == [("b.txt", "text"), ("c.html.gz", "html"), ("p.html", "html")]
    gz = next(i for i in got if isinstance(i, RawItem) and i.source.endswith(".gz"))
    assert gz.data == b"<html><p>zipped</p></html>"


def test_missing_empty_and_oversized_files(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "empty.html").write_text("  \n")
    big = tmp_path / "big.html"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(sources_mod, "MAX_FILE_BYTES", 1024)
    got = items(str(tmp_path / "nope.html"), str(tmp_path / "empty.html"), str(big))
    reasons = [(Path(e.source).name, e.reason) for e in got if isinstance(e, InputError)]
    assert reasons[0] == ("nope.html", "no such file, folder or URL")
    assert reasons[1] == ("empty.html", "empty file")
    assert reasons[2][0] == "big.html" and "larger than" in reasons[2][1]


def test_deferred_reads_name_the_file_and_fail_alike(tmp_path: Path, monkeypatch) -> None:
    """``defer_reads``: a page file is read by ``RawItem.content`` (in the worker that processes
    it), with the bytes and the errors that reading it in ``items`` gives."""
    (tmp_path / "c.html.gz").write_bytes(gzip.compress(b"<html><p>zipped</p></html>"))
    (tmp_path / "b.txt").write_text("plain text")
    (tmp_path / "empty.html").write_text("  \n")
    (tmp_path / "x.htm.gz").write_bytes(b"not gzip at all")
    (tmp_path / "big.html").write_bytes(b"x" * 2048)
    (tmp_path / "feed.xml").write_text(RSS)
    monkeypatch.setattr(sources_mod, "MAX_FILE_BYTES", 1024)
    deferred = items(str(tmp_path), defer_reads=True)
    eager = items(str(tmp_path))
    by_name = {Path(i.source).name: i for i in deferred if isinstance(i, RawItem) and i.path is not None}
    assert sorted(by_name) == ["b.txt", "big.html", "c.html.gz", "empty.html", "x.htm.gz"]
    assert all(i.data == b"" for i in by_name.values())  # nothing read yet
    assert by_name["c.html.gz"].content() == b"<html><p>zipped</p></html>"
    assert (by_name["b.txt"].kind, by_name["b.txt"].content()) == ("text", b"plain text")
    eager_errors = {Path(e.source).name: e.reason for e in eager if isinstance(e, InputError)}
    for name in ("empty.html", "x.htm.gz", "big.html"):
        with pytest.raises(InputError) as exc:
            by_name[name].content()
        assert (Path(exc.value.source).name, exc.value.reason) == (name, eager_errors[name])
    # a feed is still read by ``items`` (its entries listed, or its errors given, there)
    assert [i.source for i in deferred if "feed.xml" in i.source] == [
        i.source for i in eager if "feed.xml" in i.source
    ]


def test_broken_gzip(tmp_path: Path) -> None:
    (tmp_path / "x.html.gz").write_bytes(b"not gzip at all")
    (err,) = items(str(tmp_path / "x.html.gz"))
    assert isinstance(err, InputError) and "gzip" in err.reason


def test_jsonl_records_and_errors(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"url": "https://tass.com/1", "html": "<p>x</p>", "published": "2026-02-04", "outlet": "tass"}
        ),
        json.dumps({"text": "Lavrov said things.", "title": "T", "published": "2026-02-05T10:00:00Z"}),
        "{not json",
        json.dumps({"title": "nothing else"}),
        json.dumps([1, 2]),
        json.dumps({"text": "x", "published": "next week"}),
        "",
    ]
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(lines), encoding="utf-8")
    got = items(str(p))
    ok = [i for i in got if isinstance(i, RawItem)]
    bad = [i for i in got if isinstance(i, InputError)]
    assert [i.kind for i in ok] == ["html", "text"]
    assert ok[0].published == dt.date(2026, 2, 4) and ok[0].published_source == "jsonl"
    assert ok[0].outlet == "tass" and ok[0].source == f"{p}:1"
    assert ok[1].published == dt.date(2026, 2, 5) and ok[1].title == "T"
    assert [b.source for b in bad] == [f"{p}:3", f"{p}:4", f"{p}:5", f"{p}:6"]
    assert bad[0].reason.startswith("invalid JSON")
    assert bad[1].reason == "record has none of html, text or url"
    assert "not a date" in bad[3].reason


def test_jsonl_url_only_needs_a_fetcher(tmp_path: Path) -> None:
    p = tmp_path / "urls.jsonl"
    p.write_text(json.dumps({"url": "https://example.org/a"}) + "\n")
    (err,) = items(str(p))
    assert isinstance(err, InputError) and "fetching URLs is not enabled" in err.reason
    assert err.source == f"{p}:1 https://example.org/a"


def test_feed_file_items_carry_content_and_local_date(tmp_path: Path) -> None:
    p = tmp_path / "wire.xml"
    p.write_text(RSS.format(body=BODY, short=SHORT), encoding="utf-8")
    got = items(str(p))
    first = got[0]
    assert isinstance(first, RawItem)
    assert first.url == "https://wire.example/1" and first.title == "Talks resume"
    assert first.published == dt.date(2026, 2, 3)  # the publisher's day, not UTC's
    assert first.published_source == "feed" and first.feed == (str(p), "wire-1")
    # the teaser-only item needs its page fetched, which is not enabled here
    assert isinstance(got[1], InputError) and got[1].source == f"{p}#2 https://wire.example/2"
    # a short but complete item stands in for its page when the page cannot be fetched
    assert (
        isinstance(got[2], RawItem)
        and got[2].data == SHORT.strip()
        and got[2].url == "https://wire.example/3"
    )


def test_malformed_feed(tmp_path: Path) -> None:
    p = tmp_path / "bad.rss"
    p.write_text("<rss><channel><item><title>x</ti")
    (err,) = items(str(p))
    assert isinstance(err, InputError) and "feed" in err.reason


def test_feed_memory_skips_seen_items(tmp_path: Path, store) -> None:
    p = tmp_path / "wire.xml"
    p.write_text(RSS.format(body=BODY, short=SHORT), encoding="utf-8")
    store.mark_feed_item(str(p), "wire-1", None)
    got = items(str(p), memory=store)
    assert all(not (isinstance(i, RawItem) and i.feed and i.feed[1] == "wire-1") for i in got)


def test_input_errors_survive_pickling() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(InputError("a.html", "binary content")))
    assert (err.source, err.reason, str(err)) == ("a.html", "binary content", "a.html: binary content")


def test_readmes_in_folders_are_skipped_but_named_markdown_is_read(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# About this folder")
    (tmp_path / "a.html").write_text("<html><p>x</p></html>")
    assert [Path(i.source).name for i in items(str(tmp_path))] == ["a.html"]
    (item,) = items(str(tmp_path / "README.md"))
    assert isinstance(item, RawItem) and item.kind == "text"


@given(
    st.lists(st.binary(max_size=300), min_size=1, max_size=3),
    st.integers(min_value=1, max_value=1000),
    st.sampled_from([b"", b"\0\0", b"garbage", b"\x1f"]),
)
def test_gunzip_reads_what_gzipfile_reads(members: list[bytes], limit: int, tail: bytes) -> None:
    """Every member, at most ``limit`` bytes, and a broken tail fails as GzipFile fails it."""
    import io

    from undertow.ingest.sources import gunzip

    data = b"".join(gzip.compress(m) for m in members) + tail
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            expected: bytes | type[Exception] = gz.read(limit)
    except (OSError, EOFError) as exc:
        expected = type(exc)
    try:
        got: bytes | type[Exception] = gunzip(data, limit)
    except (OSError, EOFError) as exc:
        got = type(exc)
    if isinstance(expected, bytes) and isinstance(got, bytes):
        assert got == expected
    else:  # one fails: the other fails too, or it stopped at the limit before the broken part
        assert not isinstance(expected, bytes) or len(expected) == limit, (expected, got)
        assert not isinstance(got, bytes) or len(got) == limit, (expected, got)
