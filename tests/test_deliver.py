"""Tests for undertow.dynamics.deliver: the Atom feed and webhook delivery (offline)."""

from __future__ import annotations

import copy
import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from undertow.dynamics.deliver import Delivery, atom_feed, deliver, post_alert, verify_signature, write_atom

try:
    from httpserver import LocalServer, RecordedRequest
except ImportError:  # tests/ became a package
    from tests.httpserver import LocalServer, RecordedRequest

A = "{http://www.w3.org/2005/Atom}"
NO_WAIT = {"sleep": lambda s: None}


def make_alert(ident: str = "a-3f2c9d0e1b2a4c5d", **over: Any) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "id": ident,
        "rule": "new-narrative",
        "type": "new_narrative",
        "date": "2026-02-02",
        "title": "New narrative: Foreign troops risk a world war",
        "summary": "Three statements in two outlets say foreign troops in Ukraine risk a world war.",
        "subject": {"narrative": "foreign-troops-risk-world-war", "actor": None, "issue": None},
        "numbers": {"statements": 3, "outlets": 2},
        "confidence": 0.82,
        "evidence": [
            {
                "statement_id": "s-1",
                "document_id": "d-1",
                "url": "https://example.org/news/1?a=1&b=2",
                "outlet": "rt",
                "date": "2026-02-02",
                "speaker": "dmitry-medvedev",
                "text": "Sending troops would mean a world war.",
            }
        ],
        "first_seen": None,
        "created": "2026-11-27T08:00:00Z",
    }
    alert.update(over)
    return alert


def entries(xml: str) -> list[ET.Element]:
    return ET.fromstring(xml.encode("utf-8")).findall(f"{A}entry")


# -- Atom


def test_atom_is_valid_for_etree_and_feedparser() -> None:
    xml = atom_feed([make_alert()], link="https://alerts.example/feed.xml")
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == "urn:undertow:alerts"
    assert root.findtext(f"{A}updated") == "2026-11-27T08:00:00Z"

    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "undertow alerts"
    (entry,) = parsed.entries
    assert entry.id == "urn:undertow:alert:a-3f2c9d0e1b2a4c5d"
    assert entry.title == "New narrative: Foreign troops risk a world war"
    assert entry.updated == "2026-11-27T08:00:00Z"
    assert entry.published == "2026-02-02T00:00:00Z"
    assert entry.tags[0].term == "new-narrative"
    assert entry.summary.startswith("Three statements")
    assert entry.link == "https://example.org/news/1?a=1&b=2"
    content = entry.content[0]
    assert content.type == "text/html"
    assert "dmitry-medvedev" in content.value and "rt" in content.value
    assert "Sending troops would mean a world war." in content.value
    assert 'href="https://example.org/news/1?a=1&amp;b=2"' in content.value
    assert "<td>3</td>" in content.value and "<td>0.82</td>" in content.value


def test_entries_newest_first_by_date_then_created() -> None:
    alerts = [
        make_alert("old", date="2026-01-05", created="2026-01-06T00:00:00Z"),
        make_alert("new-early", date="2026-02-10", created="2026-02-10T08:00:00Z"),
        make_alert("newest", date="2026-02-10", created="2026-02-10T09:30:00Z"),
        make_alert("mid", date="2026-01-20", created="2026-03-01T00:00:00Z"),
    ]
    xml = atom_feed(alerts)
    ids = [e.findtext(f"{A}id") for e in entries(xml)]
    assert ids == [f"urn:undertow:alert:{i}" for i in ("newest", "new-early", "mid", "old")]
    # the feed is as new as its newest entry update
    assert ET.fromstring(xml.encode()).findtext(f"{A}updated") == "2026-03-01T00:00:00Z"


def test_feed_time_fills_in_and_empty_feed() -> None:
    when = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    xml = atom_feed([make_alert(created=None)], updated=when)
    (entry,) = entries(xml)
    assert entry.findtext(f"{A}updated") == "2026-05-01T12:00:00Z"
    empty = ET.fromstring(atom_feed([], updated=when).encode())
    assert empty.findtext(f"{A}updated") == "2026-05-01T12:00:00Z"
    assert empty.findall(f"{A}entry") == []
    assert not feedparser.parse(atom_feed([])).bozo


def test_escaping_of_markup_quotes_and_cyrillic() -> None:
    title = "Tom & Jerry <script>alert(\"x\")</script> 'quoted'"
    cyr = "Медведев: «ввод войск — это мировая война» & <ещё>"
    alert = make_alert(title=title, summary=cyr, rule='a&b<c>"d"')
    alert["evidence"][0]["text"] = cyr
    alert["evidence"][0]["speaker"] = "<b>bold</b>"
    xml = atom_feed([alert], title="Feed & <friends>")
    assert "<script>" not in xml and "<b>bold" not in xml
    assert "&amp;" in xml and "&lt;" in xml
    assert "Медведев" in xml  # UTF-8 text, not character references

    (entry,) = entries(xml)
    assert entry.findtext(f"{A}title") == title
    assert entry.findtext(f"{A}summary") == cyr
    assert entry.find(f"{A}category").get("term") == 'a&b<c>"d"'

    parsed = feedparser.parse(xml.encode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Feed & <friends>"
    assert parsed.entries[0].title == title
    # in the HTML content, alert text is escaped once more: it shows as text, never as markup
    content = entry.findtext(f"{A}content")
    assert "&lt;b&gt;bold&lt;/b&gt;" in content
    assert "Медведев: «ввод войск — это мировая война» &amp; &lt;ещё&gt;" in content


def test_non_http_evidence_urls_are_not_linked() -> None:
    alert = make_alert()
    alert["evidence"][0]["url"] = "javascript:alert(1)"
    xml = atom_feed([alert])
    assert "javascript:" not in xml
    (entry,) = entries(xml)
    assert entry.find(f"{A}link") is None


def test_sparse_alert_still_renders() -> None:
    xml = atom_feed([{"id": "x", "title": None, "evidence": None, "numbers": None, "date": "not a date"}])
    (entry,) = entries(xml)
    assert entry.findtext(f"{A}id") == "urn:undertow:alert:x"
    assert entry.find(f"{A}published") is None
    assert not feedparser.parse(xml).bozo


def test_invalid_xml_characters_are_dropped() -> None:
    xml = atom_feed([make_alert(title="bell\x07 nul\x00 ok\r\nnext\ufffe")])
    (entry,) = entries(xml)
    assert entry.findtext(f"{A}title") == "bell nul ok\nnext"


def test_write_atom_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "pub" / "alerts.xml"
    assert write_atom(target, [make_alert("first")]) == target
    assert "urn:undertow:alert:first" in target.read_text("utf-8")
    target.chmod(0o640)
    write_atom(str(target), [make_alert("second")], title="Наши тревоги")
    text = target.read_bytes().decode("utf-8")
    assert "urn:undertow:alert:second" in text and "first" not in text
    assert ET.fromstring(target.read_bytes()).findtext(f"{A}title") == "Наши тревоги"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["alerts.xml"]  # no temp files left


def test_write_atom_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "alerts.xml"
    write_atom(target, [make_alert("keep")])
    with pytest.raises(TypeError):
        write_atom(target, [make_alert()], bogus=1)
    assert "urn:undertow:alert:keep" in target.read_text("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["alerts.xml"]


def xml_text(value: str) -> str:
    """What XML 1.0 can carry of ``value``: line ends normalised, forbidden characters dropped."""
    value = re.sub("\r\n?", "\n", value)
    return "".join(
        c
        for c in value
        if c in "\t\n" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000
    )


@settings(max_examples=150, deadline=None)
@given(title=st.text(), summary=st.text(), speaker=st.text(max_size=20))
def test_arbitrary_text_gives_well_formed_xml(title: str, summary: str, speaker: str) -> None:
    alert = make_alert(title=title, summary=summary)
    alert["evidence"][0]["speaker"] = speaker
    xml = atom_feed([alert], title=title)
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.findtext(f"{A}title") == xml_text(title)
    (entry,) = root.findall(f"{A}entry")
    assert entry.findtext(f"{A}title") == xml_text(title)
    assert entry.findtext(f"{A}summary") == xml_text(summary)


# -- webhooks


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scripted(*replies: tuple[int, dict[str, str]]):
    """A handler giving the replies in turn (the last one repeats)."""
    lock = threading.Lock()
    calls: list[int] = []

    def handler(req: RecordedRequest):
        with lock:
            calls.append(1)
            status, headers = replies[min(len(calls), len(replies)) - 1]
        return status, headers, b"{}"

    return handler


@pytest.mark.network
@pytest.mark.timeout(30)
def test_post_success_first_try() -> None:
    alert = make_alert(title="Медведев & <co>")
    with LocalServer({"/hook": (200, {"Content-Type": "application/json"}, b"{}")}) as srv:
        url = srv.url("/hook")
        result = post_alert(url, alert, secret="s3cret", **NO_WAIT)
    assert result == Delivery(url, alert["id"], True, 1, 200, None)
    (req,) = srv.requests
    assert req.method == "POST"
    assert json.loads(req.body) == alert
    assert req.headers["content-type"] == "application/json"
    assert re.fullmatch(r"undertow/\S+", req.headers["user-agent"])
    assert req.headers["x-undertow-alert"] == alert["id"]
    assert req.headers["x-undertow-event"] == "alert"
    assert req.headers["idempotency-key"] == alert["id"]
    signature = req.headers["x-undertow-signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(req.body, signature, "s3cret")
    assert not verify_signature(req.body, signature, "other")
    assert not verify_signature(req.body + b" ", signature, "s3cret")


@pytest.mark.network
@pytest.mark.timeout(30)
def test_no_signature_without_secret() -> None:
    with LocalServer({"/": (204, {}, b"")}) as srv:
        result = post_alert(srv.url("/"), make_alert(), **NO_WAIT)
    assert result.ok and result.status == 204
    assert "x-undertow-signature" not in srv.requests[0].headers


@pytest.mark.network
@pytest.mark.timeout(30)
def test_retries_after_two_503s() -> None:
    sleeps: list[float] = []
    with LocalServer(scripted((503, {}), (503, {}), (200, {}))) as srv:
        result = post_alert(srv.url("/"), make_alert(), secret="k", backoff=0.5, sleep=sleeps.append)
    assert result.ok and result.attempts == 3 and result.status == 200 and result.error is None
    assert sleeps == [0.5, 1.0]
    bodies = {r.body for r in srv.requests}
    signatures = {r.headers["x-undertow-signature"] for r in srv.requests}
    assert len(srv.requests) == 3 and len(bodies) == 1 and len(signatures) == 1  # same bytes each time


@pytest.mark.network
@pytest.mark.timeout(30)
def test_gives_up_after_retries() -> None:
    sleeps: list[float] = []
    with LocalServer(scripted((500, {}))) as srv:
        result = post_alert(srv.url("/"), make_alert(), retries=2, backoff=0.25, sleep=sleeps.append)
    assert not result.ok and result.attempts == 3 and result.status == 500
    assert result.error is not None and "500" in result.error
    assert sleeps == [0.25, 0.5]
    assert len(srv.requests) == 3


@pytest.mark.network
@pytest.mark.timeout(30)
@pytest.mark.parametrize(("retry_after", "expected"), [("7", 7.0), ("0.5", 0.5), ("3600", 60.0)])
def test_retry_after_honoured(retry_after: str, expected: float) -> None:
    sleeps: list[float] = []
    with LocalServer(scripted((429, {"Retry-After": retry_after}), (200, {}))) as srv:
        result = post_alert(srv.url("/"), make_alert(), sleep=sleeps.append)
    assert result.ok and result.attempts == 2
    assert sleeps == [expected]


@pytest.mark.network
@pytest.mark.timeout(30)
def test_non_numeric_retry_after_falls_back_to_backoff() -> None:
    sleeps: list[float] = []
    reply = (503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    with LocalServer(scripted(reply, (200, {}))) as srv:
        result = post_alert(srv.url("/"), make_alert(), backoff=2.0, sleep=sleeps.append)
    assert result.ok and sleeps == [2.0]


@pytest.mark.network
@pytest.mark.timeout(30)
@pytest.mark.parametrize("status", [400, 401, 404, 410, 302])
def test_client_errors_not_retried(status: int) -> None:
    sleeps: list[float] = []
    with LocalServer(scripted((status, {"Location": "/elsewhere"}), (200, {}))) as srv:
        result = post_alert(srv.url("/"), make_alert(), sleep=sleeps.append)
    assert not result.ok and result.attempts == 1 and result.status == status
    assert result.error is not None and str(status) in result.error
    assert sleeps == [] and srv.paths() == ["/"]


@pytest.mark.network
@pytest.mark.timeout(30)
def test_408_is_retried() -> None:
    with LocalServer(scripted((408, {}), (201, {}))) as srv:
        result = post_alert(srv.url("/"), make_alert(), **NO_WAIT)
    assert result.ok and result.attempts == 2 and result.status == 201


@pytest.mark.network
@pytest.mark.timeout(30)
def test_connection_refused_does_not_raise() -> None:
    sleeps: list[float] = []
    url = f"http://127.0.0.1:{free_port()}/hook"
    result = post_alert(url, make_alert(), retries=2, backoff=0.1, sleep=sleeps.append)
    assert not result.ok and result.attempts == 3 and result.status is None
    assert result.error and "Connect" in result.error
    assert sleeps == [0.1, 0.2]


@pytest.mark.network
@pytest.mark.timeout(30)
def test_timeout_is_retried() -> None:
    def slow(req: RecordedRequest):
        time.sleep(0.6)
        return 200, {}, b"{}"

    with LocalServer(slow) as srv:
        result = post_alert(srv.url("/"), make_alert(), retries=1, timeout=0.1, **NO_WAIT)
    assert not result.ok and result.attempts == 2 and result.status is None
    assert result.error and "Timeout" in result.error


@pytest.mark.parametrize(
    "url", ["ftp://example.org/hook", "file:///etc/passwd", "example.org/hook", "http://", "javascript:x"]
)
def test_non_http_url_rejected(url: str) -> None:
    with pytest.raises(ValueError):
        post_alert(url, make_alert(), **NO_WAIT)
    with pytest.raises(ValueError):
        deliver([make_alert()], ["http://127.0.0.1:9/ok", url], **NO_WAIT)


@pytest.mark.network
@pytest.mark.timeout(30)
def test_deliver_each_alert_to_each_url() -> None:
    alerts = [make_alert("a-1"), make_alert("a-2")]
    before = copy.deepcopy(alerts)
    with LocalServer({"/ok": (200, {}, b""), "/bad": (400, {}, b"")}) as srv:
        urls = [srv.url("/ok"), srv.url("/bad")]
        results = deliver(alerts, urls, secret="k", **NO_WAIT)
    assert [(r.alert_id, r.url, r.ok) for r in results] == [
        ("a-1", urls[0], True),
        ("a-1", urls[1], False),
        ("a-2", urls[0], True),
        ("a-2", urls[1], False),
    ]
    assert [r.headers["x-undertow-alert"] for r in srv.requests] == ["a-1", "a-1", "a-2", "a-2"]
    assert all(verify_signature(r.body, r.headers["x-undertow-signature"], "k") for r in srv.requests)
    assert alerts == before


@pytest.mark.network
@pytest.mark.timeout(30)
def test_given_client_is_used_and_left_open() -> None:
    with LocalServer({"/": (200, {}, b"")}) as srv, httpx.Client() as client:
        results = deliver([make_alert()], [srv.url("/")], client=client, **NO_WAIT)
        assert results[0].ok and not client.is_closed
        assert post_alert(srv.url("/"), make_alert(), client=client, **NO_WAIT).ok
        assert not client.is_closed


@pytest.mark.parametrize("header", ["", "sha256=", "md5=abc", "abc", "sha256=zz"])
def test_verify_signature_rejects_malformed(header: str) -> None:
    assert not verify_signature(b"{}", header, "k")
