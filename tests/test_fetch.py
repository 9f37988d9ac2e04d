"""Tests for undertow.ingest.fetch, against a local HTTP server (offline)."""

from __future__ import annotations

import gzip
import ipaddress
import shutil
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from undertow import __version__
from undertow.errors import InputError
from undertow.ingest import fetch as fetch_mod
from undertow.ingest.fetch import (
    Fetcher,
    FetchPolicy,
    GuardedTransport,
    check_address,
    classify_address,
    parse_ip_literal,
)

try:
    from httpserver import LocalServer, Raw, RecordedRequest
except ImportError:  # tests/ became a package
    from tests.httpserver import LocalServer, Raw, RecordedRequest

pytestmark = [pytest.mark.network, pytest.mark.timeout(30)]

HTML = {"Content-Type": "text/html; charset=UTF-8"}


def policy(**kw: object) -> FetchPolicy:
    """Local-server defaults: loopback allowed, no politeness delay, no robots unless asked."""
    base: dict[str, object] = {
        "allow_private": True,
        "min_interval_s": 0.0,
        "respect_robots": False,
        "timeout_s": 5.0,
    }
    base.update(kw)
    return FetchPolicy(**base)  # type: ignore[arg-type]


def fetcher(**kw: object) -> Fetcher:
    return Fetcher(policy(**kw))


def refusal(exc: pytest.ExceptionInfo[InputError]) -> str:
    return exc.value.reason


@pytest.fixture
def srv() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


# --------------------------------------------------------------------------- plain fetches


def test_plain_fetch_sends_user_agent_and_returns_metadata(srv: LocalServer) -> None:
    srv.set_route(
        "/a",
        (200, {**HTML, "ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}, "<p>hé</p>"),
    )
    with fetcher() as f:
        res = f.fetch(srv.url("/a"))
    assert res.status == 200
    assert res.content == "<p>hé</p>".encode()
    assert res.url == res.requested_url == srv.url("/a")
    assert res.content_type == "text/html"
    assert res.charset == "utf-8"
    assert res.etag == '"v1"'
    assert res.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert res.headers["content-type"] == "text/html; charset=UTF-8"
    assert not res.not_modified
    (req,) = srv.requests
    ua = req.headers["user-agent"]
    assert ua.startswith(f"undertow/{__version__} (+https://")
    assert "crawler" in ua
    assert "gzip" in req.headers["accept-encoding"]
    assert "text/html" in req.headers["accept"]


def test_accept_header_override(srv: LocalServer) -> None:
    srv.set_route("/feed", (200, {"Content-Type": "application/rss+xml"}, b"<rss/>"))
    with fetcher() as f:
        res = f.fetch(srv.url("/feed"), accept="application/rss+xml")
    assert srv.requests[0].headers["accept"] == "application/rss+xml"
    assert res.content_type == "application/rss+xml"
    assert res.charset is None


def test_gzip_body_is_decoded(srv: LocalServer) -> None:
    body = b"<p>" + b"news " * 10_000 + b"</p>"
    srv.set_route("/gz", (200, {**HTML, "Content-Encoding": "gzip"}, gzip.compress(body)))
    srv.set_route("/zlib", (200, {**HTML, "Content-Encoding": "deflate"}, zlib.compress(body)))
    raw = zlib.compressobj(wbits=-15)
    srv.set_route("/raw", (200, {**HTML, "Content-Encoding": "deflate"}, raw.compress(body) + raw.flush()))
    two = gzip.compress(body[:100]) + gzip.compress(body[100:])
    srv.set_route("/multi", (200, {**HTML, "Content-Encoding": "gzip"}, two))
    with fetcher() as f:
        for path in ("/gz", "/zlib", "/raw", "/multi"):
            assert f.fetch(srv.url(path)).content == body, path


def test_truncated_gzip_keeps_what_inflated(srv: LocalServer) -> None:
    body = bytes(range(256)) * 400
    srv.set_route("/cut", (200, {"Content-Encoding": "gzip"}, gzip.compress(body)[:-8]))  # no trailer
    with fetcher() as f:
        assert f.fetch(srv.url("/cut")).content == body


def test_unsupported_content_encoding(srv: LocalServer) -> None:
    srv.set_route("/br", (200, {"Content-Encoding": "br"}, b"\x00\x01"))
    with fetcher() as f, pytest.raises(InputError) as exc:
        f.fetch(srv.url("/br"))
    assert refusal(exc) == "unsupported Content-Encoding 'br'"


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("host", "shown", "kind"),
    [
        ("127.0.0.1", "127.0.0.1", "a loopback address"),
        ("localhost", "127.0.0.1", "a loopback address"),
        ("2130706433", "127.0.0.1", "a loopback address"),
        ("0x7f.1", "127.0.0.1", "a loopback address"),
        ("017700000001", "127.0.0.1", "a loopback address"),
        ("127.1", "127.0.0.1", "a loopback address"),
        ("[::1]", "::1", "a loopback address"),
        ("[::ffff:127.0.0.1]", None, "127.0.0.1, a loopback address"),
        ("10.1.2.3", "10.1.2.3", "a private address"),
        ("192.168.0.1", "192.168.0.1", "a private address"),
        ("172.16.5.5", "172.16.5.5", "a private address"),
        ("169.254.169.254", "169.254.169.254", "a link-local address"),
        ("[fe80::1]", "fe80::1", "a link-local address"),
        ("100.64.0.1", "100.64.0.1", "a carrier-grade NAT address"),
        ("0.0.0.0", "0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "224.0.0.1", "a multicast address"),
        ("240.0.0.1", "240.0.0.1", "a reserved address"),
        ("[fd00::1]", "fd00::1", "a private address"),
        ("[2002:a00:1::1]", "2002:a00:1::1", "a 6to4 form of 10.0.0.1, a private address"),
    ],
)
def test_refuses_non_public_targets_without_allow_private(
    srv: LocalServer, host: str, shown: str | None, kind: str
) -> None:
    url = f"http://{host}:{srv.port}/x"
    dns = fake_dns({"localhost": ["127.0.0.1"]})
    with Fetcher(FetchPolicy(min_interval_s=0), resolver=dns) as f, pytest.raises(InputError) as exc:
        f.fetch(url)
    assert exc.value.source == url
    assert refusal(exc).startswith("refused: ")
    assert refusal(exc).endswith(f"{kind} (use --allow-private to fetch it)")
    if shown is not None:
        assert refusal(exc).startswith(f"refused: {shown} is ")
    assert srv.requests == []  # nothing reached the server, robots.txt included


def test_refusal_message_is_exact(srv: LocalServer) -> None:
    with Fetcher(FetchPolicy(min_interval_s=0)) as f, pytest.raises(InputError) as exc:
        f.fetch(f"http://127.0.0.1:{srv.port}/")
    assert str(exc.value) == (
        f"http://127.0.0.1:{srv.port}/: refused: 127.0.0.1 is a loopback address "
        "(use --allow-private to fetch it)"
    )
    assert srv.requests == []


def test_any_bad_address_among_several_refuses() -> None:
    dns = fake_dns({"mixed.test": ["93.184.216.34", "10.0.0.7"]})
    with Fetcher(FetchPolicy(min_interval_s=0), resolver=dns) as f, pytest.raises(InputError) as exc:
        f.fetch("http://mixed.test/")
    assert refusal(exc).startswith("refused: 10.0.0.7 is a private address")


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://x/"])
def test_unsupported_scheme(url: str) -> None:
    with Fetcher(FetchPolicy()) as f, pytest.raises(InputError) as exc:
        f.fetch(url)
    scheme = url.split(":")[0]
    assert str(exc.value) == f"{url}: unsupported URL scheme '{scheme}'"


def test_unresolvable_host() -> None:
    with Fetcher(policy(), resolver=fake_dns({})) as f, pytest.raises(InputError) as exc:
        f.fetch("http://nowhere.invalid/")
    assert refusal(exc) == "could not resolve host 'nowhere.invalid'"


# --------------------------------------------------------------------------- pinning and hops


def fake_dns(table: dict[str, list[str]], calls: list[str] | None = None) -> fetch_mod.Resolver:
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    return resolve


@pytest.fixture
def route_all_to(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[list[str], LocalServer]]:
    """Every TCP connect the guarded backend makes goes to the local server; the IPs it was
    asked to connect to are recorded (so 'public' names can be tested offline)."""
    opened: list[str] = []
    with LocalServer() as server:
        original = fetch_mod._GuardedBackend._open

        def fake_open(self, ip, port, timeout, local_address, socket_options):  # type: ignore[no-untyped-def]
            opened.append(ip)
            return original(self, "127.0.0.1", server.port, timeout, local_address, socket_options)

        monkeypatch.setattr(fetch_mod._GuardedBackend, "_open", fake_open)
        yield opened, server


def test_connects_to_the_validated_address_not_a_second_lookup(
    route_all_to: tuple[list[str], LocalServer],
) -> None:
    opened, server = route_all_to
    server.set_route("/", (200, HTML, b"ok"))
    calls: list[str] = []
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])  # a rebinding DNS server

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    with Fetcher(FetchPolicy(min_interval_s=0, respect_robots=False), resolver=rebinding) as f:
        res = f.fetch("http://news.test/")
    assert res.content == b"ok"
    assert calls == ["news.test"]  # resolved once...
    assert opened == ["93.184.216.34"]  # ...and connected to exactly what was checked
    assert server.requests[0].headers["host"] == "news.test"  # Host header keeps the name


def test_pinned_name_reaches_local_server_with_host_header(srv: LocalServer) -> None:
    srv.set_route("/", (200, HTML, b"pinned"))
    calls: list[str] = []
    dns = fake_dns({"pinned.test": ["127.0.0.1"]}, calls)
    with Fetcher(policy(), resolver=dns) as f:
        assert f.fetch(f"http://pinned.test:{srv.port}/").content == b"pinned"
    assert calls == ["pinned.test"]
    assert srv.requests[0].headers["host"] == f"pinned.test:{srv.port}"


def test_redirect_to_loopback_is_refused_at_the_hop(route_all_to: tuple[list[str], LocalServer]) -> None:
    opened, server = route_all_to
    server.set_route("/start", (302, {"Location": "http://127.0.0.1:9/secret"}, b""))
    dns = fake_dns({"news.test": ["93.184.216.34"]})
    with (
        Fetcher(FetchPolicy(min_interval_s=0, respect_robots=False), resolver=dns) as f,
        pytest.raises(InputError) as exc,
    ):
        f.fetch("http://news.test/start")
    assert exc.value.source == "http://news.test/start"
    assert refusal(exc) == (
        "redirect to http://127.0.0.1:9/secret: refused: 127.0.0.1 is a loopback address "
        "(use --allow-private to fetch it)"
    )
    assert server.paths() == ["/start"]
    assert opened == ["93.184.216.34"]


def test_redirect_to_name_resolving_private_is_refused(route_all_to: tuple[list[str], LocalServer]) -> None:
    _, server = route_all_to
    server.set_route("/start", (301, {"Location": "http://intranet.test/admin"}, b""))
    dns = fake_dns({"news.test": ["93.184.216.34"], "intranet.test": ["10.0.0.5"]})
    with (
        Fetcher(FetchPolicy(min_interval_s=0, respect_robots=False), resolver=dns) as f,
        pytest.raises(InputError, match=r"refused: 10\.0\.0\.5 is a private address"),
    ):
        f.fetch("http://news.test/start")
    assert server.paths() == ["/start"]


def test_redirect_hop_refused_with_a_custom_client() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://[::ffff:10.0.0.1]/x"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    dns = fake_dns({"news.test": ["93.184.216.34"]})
    with (
        Fetcher(FetchPolicy(min_interval_s=0, respect_robots=False), client=client, resolver=dns) as f,
        pytest.raises(InputError, match=r"IPv4-mapped form of 10\.0\.0\.1, a private address"),
    ):
        f.fetch("http://news.test/")
    assert seen == ["http://news.test/"]
    client.close()


def test_guarded_transport_checks_at_connect_time_on_its_own(srv: LocalServer) -> None:
    srv.set_route("/", (200, HTML, b"x"))
    transport = GuardedTransport(resolver=fake_dns({"sneaky.test": ["127.0.0.1"]}))
    with httpx.Client(transport=transport) as client, pytest.raises(InputError, match="loopback"):
        client.get(f"http://sneaky.test:{srv.port}/")
    assert srv.requests == []


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for the name pinned.test (made with the openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not available")
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    cmd = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    cmd += ["-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=pinned.test"]
    cmd += ["-addext", "subjectAltName=DNS:pinned.test"]
    if subprocess.run(cmd, capture_output=True, timeout=20).returncode != 0:
        pytest.skip("openssl could not make a test certificate")
    return cert, key


def test_https_pinning_keeps_sni_and_certificate_verification(tls_cert: tuple[str, str]) -> None:
    cert, key = tls_cert
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, name, ctx: sni.append(name)  # type: ignore[assignment,misc,return-value]
    dns = fake_dns({"pinned.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    client_ctx = ssl.create_default_context(cafile=cert)
    transport = GuardedTransport(allow_private=True, resolver=dns, verify=client_ctx)
    with (
        LocalServer({"/": (200, HTML, b"secure")}, ssl_context=server_ctx) as srv,
        httpx.Client(transport=transport) as client,
        Fetcher(policy(), client=client, resolver=dns) as f,
    ):
        res = f.fetch(f"https://pinned.test:{srv.port}/")
        assert res.content == b"secure"
        assert sni == ["pinned.test"]  # TCP went to 127.0.0.1, TLS still speaks to the name
        assert srv.requests[0].headers["host"] == f"pinned.test:{srv.port}"
        with pytest.raises(InputError) as exc:  # the certificate is checked against the name
            f.fetch(f"https://other.test:{srv.port}/")
        assert refusal(exc).startswith("connection failed: TLS certificate verification failed")
        assert "other.test" in refusal(exc)
    assert len(srv.requests) == 1


def test_transport_rechecks_pinned_addresses(srv: LocalServer) -> None:
    """A strict GuardedTransport refuses even what a lenient Fetcher validated and pinned."""
    srv.set_route("/", (200, HTML, b"x"))
    dns = fake_dns({"local.test": ["127.0.0.1"]})
    with (
        httpx.Client(transport=GuardedTransport(allow_private=False, resolver=dns)) as client,
        Fetcher(policy(), client=client, resolver=dns) as f,
        pytest.raises(InputError, match="loopback"),
    ):
        f.fetch(f"http://local.test:{srv.port}/")
    assert srv.requests == []


# --------------------------------------------------------------------------- redirects


def test_follows_redirects_and_reports_final_url(srv: LocalServer) -> None:
    srv.set_route("/old", (301, {"Location": "/mid"}, b""))
    srv.set_route("/mid", (307, {"Location": srv.url("/new")}, b""))
    srv.set_route("/new", (200, HTML, b"here"))
    with fetcher() as f:
        res = f.fetch(srv.url("/old"))
    assert res.content == b"here"
    assert res.url == srv.url("/new")
    assert res.requested_url == srv.url("/old")
    assert srv.paths() == ["/old", "/mid", "/new"]


def test_redirect_cap(srv: LocalServer) -> None:
    for i in range(10):
        srv.set_route(f"/r{i}", (302, {"Location": f"/r{i + 1}"}, b""))
    with fetcher() as f, pytest.raises(InputError) as exc:
        f.fetch(srv.url("/r0"))
    assert refusal(exc) == "too many redirects (>5)"
    assert len(srv.requests) == 6
    with fetcher(max_redirects=2) as f, pytest.raises(InputError, match=r"too many redirects \(>2\)"):
        f.fetch(srv.url("/r0"))


def test_redirect_loop(srv: LocalServer) -> None:
    srv.set_route("/a", (302, {"Location": "/b"}, b""))
    srv.set_route("/b", (302, {"Location": "/a"}, b""))
    srv.set_route("/self", (302, {"Location": "/self"}, b""))
    with fetcher() as f:
        with pytest.raises(InputError, match=r"redirect loop at .*/a$"):
            f.fetch(srv.url("/a"))
        with pytest.raises(InputError, match="redirect loop"):
            f.fetch(srv.url("/self"))


def test_cookie_wall_redirect_back_once_is_allowed(srv: LocalServer) -> None:
    def page(req: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if "consent=yes" in req.headers.get("cookie", ""):
            return 200, HTML, b"article"
        return 302, {"Location": "/page", "Set-Cookie": "consent=yes; Path=/"}, b""

    srv.set_route("/page", page)
    with fetcher() as f:
        assert f.fetch(srv.url("/page")).content == b"article"


def test_redirect_to_unsupported_scheme(srv: LocalServer) -> None:
    srv.set_route("/", (302, {"Location": "ftp://example.com/f"}, b""))
    with fetcher() as f, pytest.raises(InputError, match="unsupported URL scheme 'ftp'"):
        f.fetch(srv.url("/"))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "text"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
def test_http_errors(srv: LocalServer, status: int, text: str) -> None:
    srv.set_route("/x", (status, {}, b"nope"))
    with fetcher() as f, pytest.raises(InputError) as exc:
        f.fetch(srv.url("/x"))
    assert str(exc.value) == f"{srv.url('/x')}: {text}"


def test_error_after_redirect_names_the_hop(srv: LocalServer) -> None:
    srv.set_route("/x", (302, {"Location": "/gone"}, b""))
    srv.set_route("/gone", (410, {}, b""))
    with fetcher() as f, pytest.raises(InputError) as exc:
        f.fetch(srv.url("/x"))
    assert refusal(exc) == f"redirect to {srv.url('/gone')}: HTTP 410 Gone"


def test_connection_refused_has_short_reason() -> None:
    with LocalServer() as tmp:
        port = tmp.port
    with fetcher() as f, pytest.raises(InputError) as exc:
        f.fetch(f"http://127.0.0.1:{port}/")
    assert refusal(exc) == "connection failed: connection refused"


def test_garbage_response_is_a_protocol_error(srv: LocalServer) -> None:
    srv.set_route("/", Raw([b"NOT HTTP AT ALL\r\n\r\n"]))
    with fetcher() as f, pytest.raises(InputError, match="protocol error"):
        f.fetch(srv.url("/"))


# --------------------------------------------------------------------------- size and time


def test_size_cap_streaming(srv: LocalServer) -> None:
    big = b"x" * (300 * 1024)

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    srv.set_route("/declared", (200, HTML, big))
    srv.set_route("/undeclared", lambda req: (200, HTML, chunks()))
    with fetcher(max_bytes=100 * 1024) as f:
        for path in ("/declared", "/undeclared"):
            with pytest.raises(InputError) as exc:
                f.fetch(srv.url(path))
            assert refusal(exc) == "response larger than 100 KiB"
        srv.set_route("/ok", (200, HTML, big[: 100 * 1024]))
        assert len(f.fetch(srv.url("/ok")).content) == 100 * 1024


def test_size_cap_default_message() -> None:
    assert fetch_mod._human_size(FetchPolicy().max_bytes) == "10 MiB"


def test_gzip_bomb_is_stopped_at_the_cap(srv: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 64 * 1024
    srv.set_route("/bomb", (200, {**HTML, "Content-Encoding": "gzip"}, bomb))
    start = time.monotonic()
    with fetcher(max_bytes=1024 * 1024) as f, pytest.raises(InputError) as exc:
        f.fetch(srv.url("/bomb"))
    assert refusal(exc) == "response larger than 1 MiB"
    assert time.monotonic() - start < 2


def test_slow_loris_body_hits_the_total_deadline(srv: LocalServer) -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(100):
            yield b"x"
            time.sleep(0.2)

    srv.set_route("/slow", lambda req: (200, {**HTML, "Content-Length": "100"}, trickle()))
    start = time.monotonic()
    with fetcher(timeout_s=1.0) as f, pytest.raises(InputError) as exc:
        f.fetch(srv.url("/slow"))
    elapsed = time.monotonic() - start
    assert refusal(exc) == "timed out after 1 s"
    assert elapsed < 2.0


def test_slow_headers_hit_the_total_deadline(srv: LocalServer) -> None:
    def trickle() -> Iterator[bytes]:
        yield b"HTTP/1.1 200 OK\r\n"
        for i in range(100):
            yield f"X-Pad-{i}: y\r\n".encode()
            time.sleep(0.2)

    srv.set_route("/slowhead", Raw(trickle()))
    start = time.monotonic()
    with fetcher(timeout_s=1.0) as f, pytest.raises(InputError, match=r": timed out after 1 s$"):
        f.fetch(srv.url("/slowhead"))
    assert time.monotonic() - start < 2.0


def test_silent_server_times_out(srv: LocalServer) -> None:
    done = threading.Event()

    def silent() -> Iterator[bytes]:
        done.wait(3)
        yield b""

    srv.set_route("/silent", Raw(silent()))
    try:
        with fetcher(timeout_s=0.5) as f, pytest.raises(InputError, match=r": timed out after 0\.5 s$"):
            f.fetch(srv.url("/silent"))
    finally:
        done.set()


def test_slow_dns_hits_the_deadline() -> None:
    def slow(host: str, port: int) -> list[str]:
        time.sleep(2)
        return ["93.184.216.34"]

    start = time.monotonic()
    with Fetcher(policy(timeout_s=0.5), resolver=slow) as f, pytest.raises(InputError, match="timed out"):
        f.fetch("http://slow-dns.test/")
    assert time.monotonic() - start < 1.5


# --------------------------------------------------------------------------- robots.txt


ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: undertow\nDisallow: /no-bots/\n"


def test_robots_disallow_and_allow(srv: LocalServer) -> None:
    srv.set_route("/robots.txt", (200, {"Content-Type": "text/plain"}, ROBOTS))
    srv.set_route("/public/a", (200, HTML, b"ok"))
    with fetcher(respect_robots=True) as f:
        assert f.fetch(srv.url("/public/a")).content == b"ok"
        with pytest.raises(InputError) as exc:
            f.fetch(srv.url("/no-bots/x"))
        assert str(exc.value) == f"{srv.url('/no-bots/x')}: disallowed by robots.txt"
        # the undertow group replaces the * group, so /private/ is allowed for us
        srv.set_route("/private/p", (200, HTML, b"p"))
        assert f.fetch(srv.url("/private/p")).content == b"p"
    # robots.txt was fetched once (cached), with our UA, and /no-bots/ never requested
    assert srv.paths() == ["/robots.txt", "/public/a", "/private/p"]
    assert srv.requests[0].headers["user-agent"].startswith("undertow/")


def test_robots_disallow_all(srv: LocalServer) -> None:
    srv.set_route("/robots.txt", (200, {}, b"User-agent: *\nDisallow: /\n"))
    with fetcher(respect_robots=True) as f, pytest.raises(InputError, match=r"disallowed by robots\.txt"):
        f.fetch(srv.url("/a"))
    with fetcher(respect_robots=False) as f, pytest.raises(InputError, match="HTTP 404"):
        f.fetch(srv.url("/a"))  # not asked: robots ignored


def test_robots_404_means_allowed(srv: LocalServer) -> None:
    srv.set_route("/a", (200, HTML, b"ok"))
    with fetcher(respect_robots=True) as f:
        assert f.fetch(srv.url("/a")).content == b"ok"
        assert f.robots_notes == {}
    assert srv.paths() == ["/robots.txt", "/a"]


def test_robots_5xx_means_allowed_with_a_note(srv: LocalServer) -> None:
    srv.set_route("/robots.txt", (503, {}, b"busy"))
    srv.set_route("/a", (200, HTML, b"ok"))
    with fetcher(respect_robots=True) as f:
        assert f.fetch(srv.url("/a")).content == b"ok"
        (note,) = f.robots_notes.values()
    assert "HTTP 503" in note


def test_robots_applies_to_redirect_targets(srv: LocalServer) -> None:
    srv.set_route("/robots.txt", (200, {}, b"User-agent: *\nDisallow: /hidden\n"))
    srv.set_route("/go", (302, {"Location": "/hidden/page"}, b""))
    with fetcher(respect_robots=True) as f, pytest.raises(InputError, match=r"disallowed by robots\.txt"):
        f.fetch(srv.url("/go"))
    assert "/hidden/page" not in srv.paths()


# --------------------------------------------------------------------------- conditional GET


def test_conditional_get_etag_304(srv: LocalServer) -> None:
    def page(req: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        if req.headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {**HTML, "ETag": '"v1"'}, b"body"

    srv.set_route("/p", page)
    with fetcher() as f:
        first = f.fetch(srv.url("/p"))
        assert first.etag == '"v1"' and not first.not_modified
        second = f.fetch(srv.url("/p"), etag=first.etag, last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert second.not_modified
    assert second.status == 304
    assert second.content == b""
    assert second.etag == '"v1"'
    req = srv.requests[1]
    assert req.headers["if-none-match"] == '"v1"'
    assert req.headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert "if-none-match" not in srv.requests[0].headers


def test_unconditional_304_is_an_error(srv: LocalServer) -> None:
    srv.set_route("/p", (304, {}, b""))
    with fetcher() as f, pytest.raises(InputError, match="HTTP 304 Not Modified"):
        f.fetch(srv.url("/p"))


# --------------------------------------------------------------------------- politeness


def test_min_interval_between_requests_to_one_host(srv: LocalServer) -> None:
    srv.set_route("/a", (200, HTML, b"a"))
    waits: list[float] = []
    with fetcher(min_interval_s=0.3) as f:
        real_sleep = f._sleep
        f._sleep = lambda s: (waits.append(s), real_sleep(s))  # type: ignore[assignment]
        start = time.monotonic()
        f.fetch(srv.url("/a"))
        f.fetch(srv.url("/a"))
        elapsed = time.monotonic() - start
    assert len(waits) == 1 and 0.1 < waits[0] <= 0.3
    assert elapsed >= 0.29


def test_crawl_delay_raises_the_interval(srv: LocalServer) -> None:
    srv.set_route("/robots.txt", (200, {}, b"User-agent: *\nCrawl-delay: 3\nDisallow: /x\n"))
    srv.set_route("/a", (200, HTML, b"a"))
    waits: list[float] = []
    with fetcher(respect_robots=True, min_interval_s=0.0) as f:
        f._sleep = waits.append  # type: ignore[assignment]
        f.fetch(srv.url("/a"))
        f.fetch(srv.url("/a"))
    assert len(waits) == 2  # after robots.txt, and between the two pages
    assert all(2.5 < w <= 3.0 for w in waits)


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        FetchPolicy(timeout_s=0)
    with pytest.raises(ValueError):
        FetchPolicy(max_bytes=0)
    assert FetchPolicy().user_agent.startswith(f"undertow/{__version__} ")
    assert FetchPolicy().min_interval_s == 1.0


# --------------------------------------------------------------------------- address classifier


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("10.0.0.1.", "10.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        ("fe80::1%25eth0", "fe80::1%eth0"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("08.1.1.1", None),
        ("0xg.1", None),
        ("4294967296", None),
        ("", None),
    ],
)
def test_parse_ip_literal(literal: str, expected: str | None) -> None:
    got = parse_ip_literal(literal)
    assert (None if got is None else str(got)) == (
        None if expected is None else str(ipaddress.ip_address(expected))
    )


@pytest.mark.parametrize(
    "public",
    ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700::1111", "2002:5db8:d822::1", "64:ff9b::808:808"],
)
def test_public_addresses_pass(public: str) -> None:
    assert classify_address(public) is None
    check_address(public, "x")


@pytest.mark.parametrize(
    ("addr", "kind"),
    [
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo form of 10.0.0.1, a private address"),
        ("64:ff9b::a00:1", "a NAT64 form of 10.0.0.1, a private address"),
        ("fec0::1", "a site-local address"),
        ("ff02::1", "a multicast address"),
        ("::", "an unspecified address"),
        ("192.0.2.1", "a non-public address"),
        ("255.255.255.255", "a reserved address"),
        ("::7f00:1", "a reserved address"),
    ],
)
def test_wrapped_and_odd_addresses(addr: str, kind: str) -> None:
    why = classify_address(addr)
    assert why is not None and why.endswith(kind)


v4 = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)


@given(st.integers(min_value=0, max_value=2**24 - 1))
def test_prop_127_slash_8_is_loopback(low: int) -> None:
    ip = ipaddress.IPv4Address((127 << 24) | low)
    assert classify_address(ip) == "a loopback address"
    assert classify_address(ipaddress.IPv6Address(f"::ffff:{ip}")) == (
        f"an IPv4-mapped form of {ip}, a loopback address"
    )


@given(st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]), st.integers(0, 2**24 - 1))
def test_prop_rfc1918_is_private(net: str, offset: int) -> None:
    network = ipaddress.IPv4Network(net)
    ip = network[offset % network.num_addresses]
    assert classify_address(ip) == "a private address"
    with pytest.raises(InputError, match=rf"^u: refused: {ip} is a private address"):
        check_address(ip, "u")


@given(v4)
def test_prop_v4_refused_iff_not_global_unicast(ip: ipaddress.IPv4Address) -> None:
    refused = classify_address(ip) is not None
    assert refused == (not ip.is_global or ip.is_multicast)


@given(v4)
def test_prop_wrappers_judged_by_embedded_address(ip: ipaddress.IPv4Address) -> None:
    inner_bad = classify_address(ip) is not None
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80) | 1)
    nat64 = ipaddress.IPv6Address(f"64:ff9b::{ip}")
    assert (classify_address(mapped) is not None) == inner_bad
    assert (classify_address(sixtofour) is not None) == inner_bad
    assert (classify_address(nat64) is not None) == inner_bad


@given(v4)
def test_prop_numeric_forms_parse_to_the_same_address(ip: ipaddress.IPv4Address) -> None:
    n = int(ip)
    a, b, c, d = ip.packed
    forms = (str(n), hex(n), "0" + oct(n)[2:], f"{a}.{(b << 16) | (c << 8) | d}", f"{a:#x}.{b}.{c}.0{d:o}")
    for form in forms:
        assert parse_ip_literal(form) == ip, form


@given(st.integers(min_value=0, max_value=2**128 - 1).map(ipaddress.IPv6Address))
def test_prop_v6_link_local_and_ula_refused(ip: ipaddress.IPv6Address) -> None:
    why = classify_address(ip)
    if ip.is_link_local or ip in ipaddress.IPv6Network("fc00::/7") or ip.is_loopback or ip.is_multicast:
        assert why is not None
    if why is None:  # anything allowed is global unicast in 2000::/3 (or NAT64 of a public IPv4)
        assert ip in ipaddress.IPv6Network("2000::/3") or ip in ipaddress.IPv6Network("64:ff9b::/96")
