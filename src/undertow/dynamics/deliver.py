"""Alert delivery: an Atom 1.0 feed and signed JSON webhooks.

An alert is a plain JSON-able mapping (``id``, ``rule``, ``type``, ``date``, ``title``, ``summary``,
``subject``, ``numbers``, ``confidence``, ``evidence``, ``first_seen``, ``created``). Two ways out:

* :func:`atom_feed` / :func:`write_atom` render alerts as an Atom feed that any feed reader can
  follow; every piece of alert text is escaped, and characters XML 1.0 cannot carry are dropped.
* :func:`post_alert` / :func:`deliver` POST each alert as JSON to webhook URLs, with retries and
  exponential backoff, an ``Idempotency-Key`` so receivers can drop repeats, and an optional
  HMAC-SHA256 signature of the exact body that receivers check with :func:`verify_signature`.
  Network problems never raise: each attempt's outcome is reported as a :class:`Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import math
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

__all__ = ["Delivery", "atom_feed", "deliver", "post_alert", "verify_signature", "write_atom"]

ATOM_NS = "http://www.w3.org/2005/Atom"
MAX_RETRY_AFTER_S = 60.0

# Characters XML 1.0 cannot carry at all (C0 controls except tab/newline/CR, surrogates, U+FFFE/F).
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NEWLINES = re.compile("\r\n?")


# -- Atom


def _clean(value: Any) -> str:
    """``value`` as text XML can hold: None becomes "", CR/CRLF become LF, invalid characters go."""
    if value is None:
        return ""
    return _XML_INVALID.sub("", _NEWLINES.sub("\n", str(value)))


def _as_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 string, date or datetime (naive means UTC); else None."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text[:10])
            except ValueError:
                return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _published(alert: Mapping[str, Any]) -> datetime | None:
    """The alert's ``date`` (its calendar day, as written) at 00:00 UTC; None without one."""
    value = alert.get("date")
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return _as_datetime(value) if isinstance(value, date) else None


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _alert_id(alert: Mapping[str, Any]) -> str:
    """The alert's id; an alert without one gets a stable id from a hash of its content."""
    ident = _clean(alert.get("id")).strip()
    if ident:
        return ident
    digest = hashlib.sha256(json.dumps(alert, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return "h-" + digest[:16]


def _http_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL with a host (only those become links), else None."""
    if not isinstance(value, str):
        return None
    url = _clean(value).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _content_html(alert: Mapping[str, Any]) -> str:
    """An HTML rendering of the alert's summary, numbers and evidence (every value escaped)."""
    esc = html.escape
    parts: list[str] = []
    summary = _clean(alert.get("summary")).strip()
    if summary:
        parts.append(f"<p>{esc(summary)}</p>")
    rows = []
    numbers = alert.get("numbers")
    if isinstance(numbers, Mapping):
        for key, value in numbers.items():
            label = _clean(key).replace("_", " ")
            rows.append(f"<tr><th>{esc(label)}</th><td>{esc(_clean(value))}</td></tr>")
    confidence = alert.get("confidence")
    if isinstance(confidence, int | float) and not isinstance(confidence, bool) and math.isfinite(confidence):
        rows.append(f"<tr><th>confidence</th><td>{confidence:.2f}</td></tr>")
    if rows:
        parts.append("<table>" + "".join(rows) + "</table>")
    items = []
    evidence = alert.get("evidence")
    for item in evidence if isinstance(evidence, list | tuple) else ():
        if not isinstance(item, Mapping):
            continue
        who = [esc(_clean(item.get(k)).strip()) for k in ("speaker", "outlet", "date")]
        head = who[0] or "unknown speaker"
        meta = ", ".join(w for w in who[1:] if w)
        line = f"<strong>{head}</strong>" + (f" ({meta})" if meta else "")
        quote = _clean(item.get("text")).strip()
        if quote:
            line += f": <q>{esc(quote)}</q>"
        url = _http_url(item.get("url"))
        if url:
            line += f' <a href="{esc(url, quote=True)}">source</a>'
        items.append(f"<li>{line}</li>")
    if items:
        parts.append("<h4>Evidence</h4><ul>" + "".join(items) + "</ul>")
    return "\n".join(parts)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def atom_feed(
    alerts: Sequence[Mapping[str, Any]],
    *,
    title: str = "undertow alerts",
    feed_id: str = "urn:undertow:alerts",
    link: str | None = None,
    updated: datetime | None = None,
) -> str:
    """An Atom 1.0 document (UTF-8, with an XML declaration) with one ``<entry>`` per alert.

    Entries come newest first (by alert ``date``, then ``created``). Each has the id
    ``urn:undertow:alert:<id>``, the alert's title, ``updated`` = its ``created`` time (or the feed
    time), ``published`` = its ``date`` at 00:00Z, a ``<category>`` with the rule, a text
    ``<summary>`` and an HTML ``<content>`` with the summary, the numbers and the evidence, and an
    alternate link to the first evidence URL. ``link`` is the feed's own URL (``rel="self"``).
    ``updated`` is the feed time (default: now); the feed's ``<updated>`` is the latest entry's,
    or the feed time when there are no entries. All text is escaped; CR/CRLF become LF and
    characters XML 1.0 forbids (most C0 controls, lone surrogates) are dropped.
    """
    feed_time = _as_datetime(updated) or datetime.now(UTC)
    earliest = datetime.min.replace(tzinfo=UTC)

    def order(alert: Mapping[str, Any]) -> tuple[datetime, datetime]:
        return (_published(alert) or earliest, _as_datetime(alert.get("created")) or earliest)

    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _sub(feed, "id", _clean(feed_id))
    _sub(feed, "title", _clean(title))
    feed_updated = _sub(feed, "updated")
    if link:
        _sub(feed, "link", rel="self", href=_clean(link), type="application/atom+xml")
    _sub(_sub(feed, "author"), "name", "undertow")
    _sub(feed, "generator", "undertow", version=_version())

    latest: datetime | None = None
    for alert in sorted(alerts, key=order, reverse=True):
        entry = _sub(feed, "entry")
        _sub(entry, "id", "urn:undertow:alert:" + _alert_id(alert))
        _sub(entry, "title", _clean(alert.get("title")), type="text")
        entry_updated = _as_datetime(alert.get("created")) or feed_time
        latest = entry_updated if latest is None else max(latest, entry_updated)
        _sub(entry, "updated", _rfc3339(entry_updated))
        published = _published(alert)
        if published is not None:
            _sub(entry, "published", _rfc3339(published))
        rule = _clean(alert.get("rule")).strip()
        if rule:
            kind = _clean(alert.get("type")).strip()
            _sub(entry, "category", term=rule, **({"label": kind} if kind else {}))
        evidence = alert.get("evidence")
        for item in evidence if isinstance(evidence, list | tuple) else ():
            url = _http_url(item.get("url")) if isinstance(item, Mapping) else None
            if url:
                _sub(entry, "link", rel="alternate", href=url, type="text/html")
                break
        _sub(entry, "summary", _clean(alert.get("summary")), type="text")
        _sub(entry, "content", _content_html(alert), type="html")

    feed_updated.text = _rfc3339(latest or feed_time)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def write_atom(path: str | Path, alerts: Sequence[Mapping[str, Any]], **kw: Any) -> Path:
    """Write :func:`atom_feed` (``kw`` passed on) to ``path`` atomically and return the path.

    The document goes to a temporary file in the same directory, is flushed to disk and then
    renamed over ``path`` (``os.replace``), so readers see the old feed or the new one, never half
    of one. Missing parent directories are created; an existing file's permissions are kept.
    """
    target = Path(path)
    data = atom_feed(alerts, **kw).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


# -- webhooks


@dataclass
class Delivery:
    """The outcome of posting one alert to one URL.

    ``attempts`` counts requests sent, ``status`` is the last HTTP status received (None when no
    response came back) and ``error`` describes the last failure (None when ``ok``).
    """

    url: str
    alert_id: str
    ok: bool
    attempts: int
    status: int | None
    error: str | None


@lru_cache(maxsize=1)
def _version() -> str:
    try:
        return metadata.version("undertow")
    except metadata.PackageNotFoundError:
        return "0"


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"invalid webhook URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"webhook URL must be http:// or https:// with a host, got {url!r}")


def _sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """Whether ``header`` (``X-Undertow-Signature``: ``sha256=<hex>``) signs ``body`` with ``secret``.

    For receivers: pass the raw request body, before any JSON parsing. The comparison is constant
    time; a missing or malformed header gives False.
    """
    if not header or not isinstance(header, str):
        return False
    scheme, sep, digest = header.strip().partition("=")
    if not sep or scheme.lower() != "sha256":
        return False
    expected = _sign(body, secret).partition("=")[2]
    return hmac.compare_digest(expected.encode("ascii"), digest.strip().lower().encode("ascii", "replace"))


def _retry_after(response: httpx.Response) -> float | None:
    """A numeric ``Retry-After`` in seconds, capped at :data:`MAX_RETRY_AFTER_S`; else None."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP date or junk: fall back to the backoff
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _retryable(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


def post_alert(
    url: str,
    alert: Mapping[str, Any],
    *,
    retries: int = 3,
    backoff: float = 0.5,
    timeout: float = 10.0,
    secret: str | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST ``alert`` as JSON to the webhook ``url`` and report how it went.

    Headers: ``Content-Type: application/json``, ``User-Agent: undertow/<version>``,
    ``X-Undertow-Event: alert``, ``X-Undertow-Alert`` and ``Idempotency-Key`` (both the alert
    id) and, with ``secret``, ``X-Undertow-Signature: sha256=<hex HMAC-SHA256 of the body>``.
    Every attempt sends the same bytes.

    A 2xx answer is success. Connection errors, timeouts, 408, 429 and 5xx are retried up to
    ``retries`` more times, waiting ``backoff * 2**(attempt - 1)`` seconds after failed attempt
    ``attempt``, or a numeric ``Retry-After`` (capped at 60 s) when the server sends one. Other
    answers (other 4xx, redirects, which are not followed) fail at once. Network problems never
    raise; only a URL that is not http(s) does (``ValueError``). ``client`` is used as given (and
    left open); without one a client is made for this call.
    """
    _check_url(url)
    alert_id = _alert_id(alert)
    body = json.dumps(alert, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"undertow/{_version()}",
        "X-Undertow-Event": "alert",
        "X-Undertow-Alert": alert_id,
        "Idempotency-Key": alert_id,
    }
    if secret is not None:
        headers["X-Undertow-Signature"] = _sign(body, secret)

    own_client = client is None
    http = client if client is not None else httpx.Client(timeout=timeout, follow_redirects=False)
    max_attempts = 1 + max(0, int(retries))
    attempts = 0
    status: int | None = None
    error: str | None = None
    try:
        while True:
            attempts += 1
            wait: float | None = None
            try:
                response = http.post(url, content=body, headers=headers, timeout=timeout)
            except httpx.TransportError as exc:  # connection refused/reset, timeouts, protocol errors
                status, error, retry = None, f"{type(exc).__name__}: {exc}".rstrip(": "), True
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                status, error, retry = None, f"{type(exc).__name__}: {exc}".rstrip(": "), False
            else:
                status = response.status_code
                if response.is_success:
                    return Delivery(url, alert_id, True, attempts, status, None)
                error = f"HTTP {status} {response.reason_phrase}".rstrip()
                retry = _retryable(status)
                wait = _retry_after(response) if retry else None
            if not retry or attempts >= max_attempts:
                return Delivery(url, alert_id, False, attempts, status, error)
            sleep(wait if wait is not None else max(0.0, backoff) * 2 ** (attempts - 1))
    finally:
        if own_client:
            http.close()


def deliver(alerts: Iterable[Mapping[str, Any]], urls: Sequence[str], **kw: Any) -> list[Delivery]:
    """Post every alert to every URL (alert by alert) with :func:`post_alert`; one Delivery each.

    ``kw`` goes to :func:`post_alert`. All URLs are checked before anything is sent (ValueError).
    One ``httpx.Client`` is shared by all posts (``client=`` supplies one, left open).
    """
    for url in urls:
        _check_url(url)
    client = kw.pop("client", None)
    own_client = client is None
    if client is None:
        client = httpx.Client(timeout=kw.get("timeout", 10.0), follow_redirects=False)
    try:
        return [post_alert(url, alert, client=client, **kw) for alert in alerts for url in urls]
    finally:
        if own_client:
            client.close()
