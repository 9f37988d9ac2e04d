"""A polite, safe HTTP fetcher for news pages and feeds.

``Fetcher.fetch(url)`` returns a :class:`FetchResult` or raises :class:`~undertow.errors.InputError`
naming the URL and a short reason. What it guards against:

* **SSRF.** Only http/https. The host is resolved once per hop (``socket.getaddrinfo`` in a thread,
  bounded by the fetch deadline) and the fetch is refused if *any* resolved address is loopback,
  private, link-local, CGNAT, unspecified, multicast, reserved or otherwise non-global, including
  IPv4-mapped IPv6, 6to4/Teredo/NAT64 wrappers of such addresses and legacy numeric host forms
  (``2130706433``, ``0x7f.1``, ``017700000001``, ``127.1``), unless ``FetchPolicy.allow_private``.
  Redirects are followed by hand and every hop is checked the same way.
* **DNS rebinding.** The default client uses :class:`GuardedTransport`, whose network backend
  connects to the addresses that were validated (pinned through a context variable for the
  duration of the fetch) instead of looking the name up again. Only the TCP connection target is
  pinned: the URL, the ``Host`` header, TLS SNI and certificate verification all keep using the
  hostname, so https verification works as usual. A host the backend meets without a pin (for
  example when the transport is used on its own) is resolved and validated at connect time, and
  the connection goes to exactly those addresses.
* **Size.** The body is streamed and decoded here (gzip/deflate, bounded ``max_length``
  inflation), so both the raw and the decompressed size are capped; gzip bombs stop at the cap.
* **Time.** ``timeout_s`` bounds every connect/read/write and also the whole fetch (all hops):
  the backend clamps each socket operation to the time left, so servers that trickle headers or
  body bytes cannot hold a fetch past its deadline. Politeness waits and robots.txt look-ups do
  not count against it.

Politeness: robots.txt is honoured per origin (cached for a day per Fetcher; 4xx means "no
rules"; 5xx or unreachable means allowed, noted in ``Fetcher.robots_notes`` and logged), there
is a minimum interval between requests to one host (``min_interval_s``, raised to the site's
``Crawl-delay`` up to 10 s), and every request carries a clear User-Agent.

A custom ``httpx.Client`` may be passed in; the URL checks still run before each request, but
connect-time pinning only applies if that client's transport is a :class:`GuardedTransport`.
A Fetcher is meant to be used from one thread at a time.
"""

from __future__ import annotations

import contextlib
import contextvars
import http
import ipaddress
import logging
import os
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.robotparser
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from undertow import __version__
from undertow.errors import InputError

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "GuardedTransport",
    "Resolver",
    "check_address",
    "classify_address",
    "parse_ip_literal",
    "system_resolver",
]

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"undertow/{__version__} (+https://github.com/undertow-news/undertow; news research crawler)"
)
DEFAULT_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.8"
)
_ROBOTS_MAX_BYTES = 512 * 1024
_ROBOTS_TTL_S = 24 * 3600.0
_ROBOTS_RETRY_S = 600.0  # how soon to retry a robots.txt that was unreachable or gave 5xx
_MAX_CRAWL_DELAY_S = 10.0
_INFLATE_CHUNK = 64 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""``resolver(host, port) -> addresses`` (strings); raise ``OSError`` when the name does not resolve."""


# --------------------------------------------------------------------------- policy and result


@dataclass(frozen=True)
class FetchPolicy:
    timeout_s: float = 20.0  # connect+read, and a total wall-clock deadline per fetch
    max_bytes: int = 10 * 1024 * 1024  # cap on the (decompressed) body
    max_redirects: int = 5
    allow_private: bool = False  # allow loopback/private/link-local/reserved/multicast targets
    respect_robots: bool = True
    user_agent: str = DEFAULT_USER_AGENT
    min_interval_s: float = 1.0  # minimum delay between requests to the same host

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise ValueError("FetchPolicy.timeout_s must be positive")
        if self.max_bytes <= 0:
            raise ValueError("FetchPolicy.max_bytes must be positive")
        if self.max_redirects < 0:
            raise ValueError("FetchPolicy.max_redirects must be >= 0")
        if self.min_interval_s < 0:
            raise ValueError("FetchPolicy.min_interval_s must be >= 0")


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    requested_url: str
    status: int
    headers: dict[str, str]  # lower-cased names
    content: bytes
    content_type: str | None  # media type only, lower-cased ("text/html")
    charset: str | None  # from Content-Type, lower-cased
    etag: str | None
    last_modified: str | None
    not_modified: bool  # True on 304 for a conditional request


# --------------------------------------------------------------------------- address checks

_V4_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_V4_THIS_NET = ipaddress.IPv4Network("0.0.0.0/8")
_V4_PRIVATE = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_V6_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V6_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")
_V6_ULA = ipaddress.IPv6Network("fc00::/7")


def classify_address(ip: IPAddress | str) -> str | None:
    """Why ``ip`` must not be fetched without ``allow_private`` (e.g. "a loopback address"), or None.

    Only globally routable unicast addresses pass. IPv6 forms that embed an IPv4 address
    (IPv4-mapped, 6to4, Teredo, NAT64 ``64:ff9b::/96``) are judged by the address they embed.
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv4Address):
        return _classify_v4(ip)
    return _classify_v6(ip)


def _classify_v4(ip: ipaddress.IPv4Address) -> str | None:
    if ip in _V4_THIS_NET:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if any(ip in net for net in _V4_PRIVATE):
        return "a private address"
    if ip in _V4_CGNAT:
        return "a carrier-grade NAT address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved or ip == ipaddress.IPv4Address("255.255.255.255"):
        return "a reserved address"
    if not ip.is_global:
        return "a non-public address"
    return None


def _embedded(kind: str, inner: ipaddress.IPv4Address) -> str | None:
    why = _classify_v4(inner)
    return None if why is None else f"{kind} of {inner}, {why}"


def _classify_v6(ip: ipaddress.IPv6Address) -> str | None:
    if ip.scope_id:
        ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
    if ip.ipv4_mapped is not None:
        return _embedded("an IPv4-mapped form", ip.ipv4_mapped)
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_link_local:
        return "a link-local address"
    if ip in _V6_SITE_LOCAL:
        return "a site-local address"
    if ip in _V6_ULA:
        return "a private address"
    if ip.sixtofour is not None:
        return _embedded("a 6to4 form", ip.sixtofour)
    if ip.teredo is not None:
        server, client = ip.teredo
        why = _embedded("a Teredo form", client) or _embedded("a Teredo form (server)", server)
        return why or "a Teredo address"
    if ip in _V6_NAT64:
        return _embedded("a NAT64 form", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a non-public address"
    return None


def check_address(ip: IPAddress | str, source: str) -> None:
    """Raise ``InputError(source, "refused: ...")`` unless ``ip`` is a public address."""
    why = classify_address(ip)
    if why is not None:
        shown = str(ip).split("%", 1)[0]
        raise InputError(source, f"refused: {shown} is {why} (use --allow-private to fetch it)")


def _parse_inet_aton_part(part: str) -> int | None:
    if not part:
        return None
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
        if not digits:
            return 0  # inet_aton accepts a bare "0x"
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` denotes as an IP literal, or None when it is a name.

    Besides dotted-quad IPv4 and (bracketed or bare) IPv6, this accepts every form that C's
    ``inet_aton`` (and so ``getaddrinfo``) accepts: 1 to 4 parts, each decimal, octal (leading
    0) or hex (0x), the last part filling the remaining bytes: ``2130706433``, ``0x7f.1``,
    ``017700000001``, ``127.1`` all mean 127.0.0.1.
    """
    host = urllib.parse.unquote(host).strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            try:
                return ipaddress.IPv6Address(host.split("%", 1)[0])
            except ValueError:
                return None
    if host.endswith("."):
        host = host[:-1]
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_parse_inet_aton_part(p) for p in parts]
    if any(v is None for v in values):
        return None
    nums = [v for v in values if v is not None]
    *head, last = nums
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(nums)):
        return None
    value = 0
    for v in head:
        value = value * 256 + v
    value = value * 256 ** (5 - len(nums)) + last
    return ipaddress.IPv4Address(value)


def system_resolver(host: str, port: int) -> list[str]:
    """Addresses for ``host`` from ``socket.getaddrinfo``, in the order it gives them."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    out: list[str] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        addr = str(sockaddr[0])
        if family == socket.AF_INET6 and len(sockaddr) >= 4 and sockaddr[3] and "%" not in addr:
            addr = f"{addr}%{sockaddr[3]}"
        if addr not in out:
            out.append(addr)
    return out


class _ResolveFailed(Exception):
    pass


class _ResolveTimedOut(Exception):
    pass


def _resolve_with_timeout(resolver: Resolver, host: str, port: int, timeout: float | None) -> list[str]:
    """Run ``resolver`` in a daemon thread so a hanging DNS look-up cannot outlive the deadline."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = list(resolver(host, port))
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"undertow-resolve-{host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise _ResolveTimedOut(host)
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, OSError | UnicodeError):
            raise _ResolveFailed(host) from exc
        raise exc
    addrs = box["value"]
    if not addrs:
        raise _ResolveFailed(host)
    return addrs


def _ip_of(addr: str) -> IPAddress:
    try:
        return ipaddress.ip_address(addr)
    except ValueError:
        return ipaddress.ip_address(addr.split("%", 1)[0])


# --------------------------------------------------------------------------- per-fetch context


class _Budget:
    """A wall-clock deadline that can be paused (politeness waits, robots.txt look-ups)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.deadline += time.monotonic() - start


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "undertow_fetch_budget", default=None
)
_PINS: contextvars.ContextVar[dict[str, list[str]] | None] = contextvars.ContextVar(
    "undertow_fetch_pins", default=None
)


def _clamp(timeout: float | None, exc_type: type[Exception]) -> float | None:
    budget = _BUDGET.get()
    if budget is None:
        return timeout
    left = budget.remaining()
    if left <= 0:
        raise exc_type("fetch deadline exceeded")
    return left if timeout is None else min(timeout, left)


# --------------------------------------------------------------------------- transport


class _DeadlineStream(httpcore.NetworkStream):
    """Clamps every socket operation to the current fetch's remaining time."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses that passed the guard, never doing a second, unchecked look-up."""

    def __init__(self, allow_private: bool, resolver: Resolver) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    def _addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        pins = _PINS.get()
        literal = parse_ip_literal(host)
        if pins is not None and host in pins:
            addrs = pins[host]  # validated by the Fetcher moments ago; checked again below anyway
        elif literal is not None:
            addrs = [str(literal)]
        else:
            try:
                addrs = _resolve_with_timeout(
                    self.resolver, host, port, _clamp(timeout, httpcore.ConnectTimeout)
                )
            except _ResolveTimedOut:
                raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
            except _ResolveFailed as exc:
                raise httpcore.ConnectError(f"could not resolve host '{host}'") from exc
        if not self.allow_private:
            for addr in addrs:
                check_address(_ip_of(addr), host)
        return addrs

    def _open(
        self,
        ip: str,
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore.NetworkStream:
        """Open a TCP connection to an IP address (no name resolution happens here)."""
        return super().connect_tcp(ip, port, timeout, local_address, socket_options)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addrs = self._addresses(host, port, timeout)
        last: Exception | None = None
        for addr in addrs:
            try:
                stream = self._open(
                    addr, port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            return _DeadlineStream(stream)
        assert last is not None
        raise last


class GuardedTransport(httpx.HTTPTransport):
    """An ``httpx`` transport whose connections go only to validated (and pinned) addresses.

    TCP connects go to the IP addresses the guard accepted; TLS still uses the URL's hostname
    for SNI and certificate verification (``verify`` as in ``httpx.HTTPTransport``). Every
    socket operation is clamped to the running fetch's deadline. No proxy support, by design:
    a proxy would do its own look-up.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | str | bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
    ) -> None:
        # httpx.HTTPTransport.__init__ would build a pool with the stock network backend; the rest
        # of HTTPTransport (request mapping, exception mapping, close) only needs ``self._pool``.
        self.backend = _GuardedBackend(allow_private, resolver or system_resolver)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=self.backend,
        )


# --------------------------------------------------------------------------- body decoding


class _TooLarge(Exception):
    pass


class _Inflater:
    """Incremental gzip/deflate decoder whose output comes in bounded pieces."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.gzip = coding in ("gzip", "x-gzip")
        self._d: Any = zlib.decompressobj(16 + zlib.MAX_WBITS) if self.gzip else None
        self._head = b""
        self._members = 0
        self._done = False

    def _start_deflate(self, data: bytes) -> bytes | None:
        self._head += data
        if len(self._head) < 2:
            return None
        b0, b1 = self._head[0], self._head[1]
        zlib_wrapped = (b0 & 0x0F) == 8 and (b0 << 8 | b1) % 31 == 0
        self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        data, self._head = self._head, b""
        return data

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._done or not data:
            return
        if self._d is None:
            started = self._start_deflate(data)
            if started is None:
                return
            data = started
        pending = data
        while pending and not self._done:
            try:
                out = self._d.decompress(pending, _INFLATE_CHUNK)
            except zlib.error:
                if self._members:  # trailing junk after a complete gzip member: ignore, like browsers
                    self._done = True
                    return
                raise
            if out:
                yield out
            if self._d.eof:
                self._members += 1
                rest = self._d.unused_data
                if self.gzip and rest.strip(b"\x00"):
                    self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    pending = rest
                    continue
                self._done = True
                return
            pending = self._d.unconsumed_tail

    def finish(self) -> Iterator[bytes]:
        if self._d is None:
            if self._head:
                raise zlib.error("truncated deflate stream")
            return
        if not self._done:
            tail = self._d.flush()  # a truncated stream: keep what inflated, as browsers do
            if tail:
                yield tail


class _BodyDecoder:
    def __init__(self, content_encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        for c in codings:
            if c not in ("gzip", "x-gzip", "deflate"):
                raise ValueError(c)
        self.stages = [_Inflater(c) for c in reversed(codings)]

    def _pipe(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self.stages):
            if data:
                yield data
            return
        for piece in self.stages[index].feed(data):
            yield from self._pipe(index + 1, piece)

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._pipe(0, data)

    def finish(self) -> Iterator[bytes]:
        for index, stage in enumerate(self.stages):
            for piece in stage.finish():
                yield from self._pipe(index + 1, piece)


# --------------------------------------------------------------------------- helpers


def _human_size(n: int) -> str:
    mib, kib = 1024 * 1024, 1024
    if n >= mib:
        return f"{n / mib:g} MiB"
    if n >= kib:
        return f"{n / kib:g} KiB"
    return f"{n} bytes"


def _status_text(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _short_reason(exc: BaseException) -> str:
    """A few words for a transport error: the innermost OS/TLS cause if there is one."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed ({cur.verify_message})"
        if isinstance(cur, ssl.SSLError):
            return f"TLS error ({cur.reason or cur})"
        if isinstance(cur, socket.gaierror):
            return "could not resolve host"
        if isinstance(cur, OSError) and cur.errno:
            return os.strerror(cur.errno).lower()
        cur = cur.__cause__ or cur.__context__
    text = str(exc).strip() or type(exc).__name__
    text = text.splitlines()[0]
    if text.startswith("[Errno"):
        text = text.split("]", 1)[-1].strip()
    return text[:120].lower()


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media, _, params = value.partition(";")
    media = media.strip().lower() or None
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'").strip().lower() or None
    return media, charset


def _origin(url: httpx.URL) -> str:
    default = {"http": 80, "https": 443}[url.scheme]
    host = url.raw_host.decode("ascii")
    if ":" in host:
        host = f"[{host}]"
    port = url.port or default
    return f"{url.scheme}://{host}" + ("" if port == default else f":{port}")


def _without_fragment(url: httpx.URL) -> str:
    return str(url.copy_with(fragment=None))


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: no rules, everything allowed
    fetched_at: float
    crawl_delay: float | None = None
    ttl_s: float = _ROBOTS_TTL_S


@dataclass
class _Chain:
    """State of one fetch: the URL as given, the deadline, the pinned addresses."""

    source: str
    budget: _Budget
    pins: dict[str, list[str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- fetcher


class Fetcher:
    """Fetch pages and feeds politely and safely; see the module docstring.

    ``client``: an ``httpx.Client`` to send with (closed by its owner, not here); by default one
    with a :class:`GuardedTransport` and ``trust_env=False`` is made and closed by ``close()``.
    ``resolver``: ``(host, port) -> [address, ...]`` used for the SSRF check and the pinned
    connect (default :func:`system_resolver`); tests and custom DNS set it.
    """

    def __init__(
        self,
        policy: FetchPolicy = FetchPolicy(),
        client: httpx.Client | None = None,
        *,
        resolver: Resolver | None = None,
    ) -> None:
        self.policy = policy
        self._resolver: Resolver = resolver or system_resolver
        self._owns_client = client is None
        if client is None:
            client = httpx.Client(
                transport=GuardedTransport(allow_private=policy.allow_private, resolver=self._resolver),
                follow_redirects=False,
                trust_env=False,  # no proxies from the environment: they would bypass the pinning
                timeout=policy.timeout_s,
            )
        self._client = client
        self._robots: dict[str, _Robots] = {}
        self._last_request: dict[str, float] = {}
        self.robots_notes: dict[str, str] = {}
        """origin -> why its robots.txt could not be used (5xx, unreachable...); fetching went ahead."""
        self._sleep: Callable[[float], None] = time.sleep

    # -- lifecycle

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (following redirects), or raise ``InputError(url, reason)``."""
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": accept or DEFAULT_ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._fetch(
            url,
            headers,
            max_bytes=self.policy.max_bytes,
            check_robots=self.policy.respect_robots,
            raise_for_status=True,
        )

    # -- the redirect chain

    def _fetch(
        self,
        url: str,
        headers: dict[str, str],
        *,
        max_bytes: int,
        check_robots: bool,
        raise_for_status: bool,
    ) -> FetchResult:
        chain = _Chain(source=url, budget=_Budget(self.policy.timeout_s))
        current = self._parse_url(url, chain.source)
        conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
        visits: dict[str, int] = {_without_fragment(current): 1}
        redirects = 0
        budget_token = _BUDGET.set(chain.budget)
        pins_token = _PINS.set(chain.pins)
        try:
            while True:
                hop = None if redirects == 0 else str(current)
                host_key = self._host_key(current)
                try:
                    response = self._request(current, headers, chain, check_robots)
                except InputError as exc:
                    raise self._at_hop(chain.source, hop, exc.reason) from exc
                try:
                    status = response.status_code
                    location = response.headers.get("location")
                    if status in _REDIRECT_STATUSES and location:
                        redirects += 1
                        if redirects > self.policy.max_redirects:
                            raise InputError(
                                chain.source, f"too many redirects (>{self.policy.max_redirects})"
                            )
                        target = self._redirect_target(current, location, chain.source)
                        key = _without_fragment(target)
                        seen = visits.get(key, 0)
                        # A revisit is a loop unless the server just set a cookie (cookie walls
                        # redirect back to the page once); never more than one revisit.
                        if seen and (seen >= 2 or "set-cookie" not in response.headers):
                            raise InputError(chain.source, f"redirect loop at {key}")
                        visits[key] = seen + 1
                        current = target
                        continue
                    return self._finish(
                        response, current, chain, conditional, max_bytes, raise_for_status, hop
                    )
                finally:
                    response.close()
                    self._last_request[host_key] = time.monotonic()
        finally:
            _PINS.reset(pins_token)
            _BUDGET.reset(budget_token)

    @staticmethod
    def _at_hop(source: str, hop: str | None, reason: str) -> InputError:
        return InputError(source, reason if hop is None else f"redirect to {hop}: {reason}")

    def _finish(
        self,
        response: httpx.Response,
        url: httpx.URL,
        chain: _Chain,
        conditional: bool,
        max_bytes: int,
        raise_for_status: bool,
        hop: str | None,
    ) -> FetchResult:
        status = response.status_code
        not_modified = status == 304 and conditional
        if raise_for_status and not not_modified and (status >= 300 or status < 200):
            raise self._at_hop(chain.source, hop, _status_text(status))
        try:
            content = b"" if status == 304 else self._read_body(response, chain, max_bytes)
        except InputError as exc:
            raise self._at_hop(chain.source, hop, exc.reason) from exc
        headers = {k.lower(): v for k, v in response.headers.items()}
        content_type, charset = _parse_content_type(headers.get("content-type"))
        return FetchResult(
            url=str(url),
            requested_url=chain.source,
            status=status,
            headers=headers,
            content=content,
            content_type=content_type,
            charset=charset,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            not_modified=not_modified,
        )

    def _parse_url(self, url: str, source: str) -> httpx.URL:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise InputError(source, f"invalid URL ({_short_reason(exc)})") from exc
        if parsed.scheme not in ("http", "https"):
            raise InputError(source, f"unsupported URL scheme '{parsed.scheme}'")
        if not parsed.raw_host:
            raise InputError(source, "invalid URL (no host)")
        return parsed

    def _redirect_target(self, current: httpx.URL, location: str, source: str) -> httpx.URL:
        try:
            target = current.join(location.strip())
        except (httpx.InvalidURL, ValueError) as exc:
            raise InputError(source, f"bad redirect Location {location!r}") from exc
        if target.scheme not in ("http", "https"):
            raise InputError(source, f"redirect to {target}: unsupported URL scheme '{target.scheme}'")
        if not target.raw_host:
            raise InputError(source, f"bad redirect Location {location!r}")
        return target

    # -- one request

    @staticmethod
    def _host_key(url: httpx.URL) -> str:
        return url.raw_host.decode("ascii").lower()

    def _guard(self, url: httpx.URL, chain: _Chain) -> None:
        """Resolve ``url``'s host once, check every address, and pin them for the transport."""
        host = url.raw_host.decode("ascii")
        port = url.port or {"http": 80, "https": 443}[url.scheme]
        literal = parse_ip_literal(host)
        if literal is not None:
            addrs = [str(literal)]
        else:
            try:
                addrs = _resolve_with_timeout(self._resolver, host, port, max(chain.budget.remaining(), 0.0))
            except _ResolveTimedOut:
                raise InputError(chain.source, self._timeout_text()) from None
            except _ResolveFailed as exc:
                raise InputError(chain.source, f"could not resolve host '{url.host}'") from exc
        if not self.policy.allow_private:
            for addr in addrs:
                check_address(_ip_of(addr), chain.source)
        chain.pins[host] = addrs

    def _timeout_text(self) -> str:
        return f"timed out after {self.policy.timeout_s:g} s"

    def _request(
        self, url: httpx.URL, headers: dict[str, str], chain: _Chain, check_robots: bool
    ) -> httpx.Response:
        self._guard(url, chain)
        if check_robots:
            with chain.budget.paused():
                allowed = self._robots_allow(url)
            if not allowed:
                raise InputError(chain.source, "disallowed by robots.txt")
        with chain.budget.paused():
            self._wait_turn(url)
        if chain.budget.expired():
            raise InputError(chain.source, self._timeout_text())
        left = min(self.policy.timeout_s, chain.budget.remaining())
        request = self._client.build_request("GET", url, headers=headers, timeout=httpx.Timeout(left))
        try:
            return self._client.send(request, stream=True, follow_redirects=False)
        except Exception as exc:
            self._last_request[self._host_key(url)] = time.monotonic()
            mapped = self._transport_error(exc, chain)
            if mapped is None:
                raise
            raise mapped from exc

    def _transport_error(self, exc: BaseException, chain: _Chain) -> InputError | None:
        if isinstance(exc, InputError):  # refused by the transport's own guard
            return InputError(chain.source, exc.reason)
        if isinstance(exc, httpx.TimeoutException):
            return InputError(chain.source, self._timeout_text())
        if isinstance(exc, httpx.ConnectError):
            return InputError(chain.source, f"connection failed: {_short_reason(exc)}")
        if isinstance(exc, httpx.RemoteProtocolError):
            return InputError(chain.source, f"protocol error: {_short_reason(exc)}")
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return InputError(chain.source, f"invalid URL ({_short_reason(exc)})")
        if isinstance(exc, httpx.TransportError):
            return InputError(chain.source, f"network error: {_short_reason(exc)}")
        return None

    def _read_body(self, response: httpx.Response, chain: _Chain, max_bytes: int) -> bytes:
        too_large = InputError(chain.source, f"response larger than {_human_size(max_bytes)}")
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes:
            raise too_large
        try:
            decoder = _BodyDecoder(response.headers.get("content-encoding"))
        except ValueError as exc:
            raise InputError(chain.source, f"unsupported Content-Encoding '{exc}'") from None
        chunks: list[bytes] = []
        raw_total = total = 0

        def keep(pieces: Iterable[bytes]) -> None:
            nonlocal total
            for piece in pieces:
                total += len(piece)
                if total > max_bytes:
                    raise _TooLarge
                chunks.append(piece)

        try:
            for raw in response.iter_raw():
                if chain.budget.expired():
                    raise InputError(chain.source, self._timeout_text())
                raw_total += len(raw)
                if raw_total > max_bytes:
                    raise _TooLarge
                keep(decoder.feed(raw))
            keep(decoder.finish())
        except _TooLarge:
            raise too_large from None
        except zlib.error as exc:
            raise InputError(chain.source, f"corrupt compressed body ({exc})") from None
        except InputError:
            raise
        except Exception as exc:
            mapped = self._transport_error(exc, chain)
            if mapped is None:
                raise
            raise mapped from exc
        return b"".join(chunks)

    # -- politeness

    def _wait_turn(self, url: httpx.URL) -> None:
        key = self._host_key(url)
        last = self._last_request.get(key)
        if last is None:
            return
        interval = self.policy.min_interval_s
        robots = self._robots.get(_origin(url))
        if robots is not None and robots.crawl_delay and self.policy.respect_robots:
            interval = max(interval, min(robots.crawl_delay, _MAX_CRAWL_DELAY_S))
        wait = last + interval - time.monotonic()
        if wait > 0:
            self._sleep(wait)

    def _robots_allow(self, url: httpx.URL) -> bool:
        origin = _origin(url)
        entry = self._robots.get(origin)
        if entry is None or time.monotonic() - entry.fetched_at > entry.ttl_s:
            entry = self._load_robots(origin)
            self._robots[origin] = entry
        if entry.parser is None:
            return True
        return entry.parser.can_fetch(self.policy.user_agent, str(url))

    def _load_robots(self, origin: str) -> _Robots:
        robots_url = f"{origin}/robots.txt"
        headers = {
            "User-Agent": self.policy.user_agent,
            "Accept": "text/plain,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        now = time.monotonic()
        try:
            result = self._fetch(
                robots_url,
                headers,
                max_bytes=min(self.policy.max_bytes, _ROBOTS_MAX_BYTES),
                check_robots=False,
                raise_for_status=False,
            )
        except InputError as exc:
            return self._robots_unusable(
                origin, f"robots.txt unavailable ({exc.reason}); assuming allowed", now
            )
        if 200 <= result.status < 300:
            parser = urllib.robotparser.RobotFileParser(robots_url)
            parser.parse(result.content.decode("utf-8", errors="replace").splitlines())
            delay = parser.crawl_delay(self.policy.user_agent)
            self.robots_notes.pop(origin, None)
            return _Robots(parser, now, float(delay) if delay is not None else None)
        if 400 <= result.status < 500:  # RFC 9309: unavailable robots.txt means no restrictions
            self.robots_notes.pop(origin, None)
            return _Robots(None, now)
        return self._robots_unusable(
            origin, f"robots.txt gave {_status_text(result.status)}; assuming allowed", now
        )

    def _robots_unusable(self, origin: str, note: str, now: float) -> _Robots:
        log.warning("%s: %s", origin, note)
        self.robots_notes[origin] = note
        return _Robots(None, now, ttl_s=_ROBOTS_RETRY_S)
