"""A small threaded HTTP server on 127.0.0.1 for offline tests.

Usage::

    from tests.httpserver import LocalServer, Raw  # or: from httpserver import ...

    with LocalServer({"/": (200, {"Content-Type": "text/html"}, b"<p>hi</p>")}) as srv:
        fetch(srv.url("/"))
        assert srv.paths() == ["/"]
        assert srv.requests[0].headers["user-agent"].startswith("undertow/")

Routes map a path (an exact path with query string is tried first, then the path alone) to:

* ``(status, headers, body)``: ``body`` is ``bytes``/``str`` (Content-Length is added unless
  given) or an iterable of ``bytes`` chunks written and flushed one by one (the connection is
  closed afterwards unless Content-Length is given), e.g. a generator that sleeps to trickle;
* a callable ``handler(request) -> (status, headers, body)`` or ``-> Raw(...)``;
* ``Raw(chunks)``: bytes written to the socket exactly as given (status line and headers
  included), for malformed or slowly sent responses.

A callable passed instead of a dict handles every path. Unknown paths get 404. Each request is
recorded (``srv.requests``) before its handler runs. Pass ``ssl_context=`` (a server-side
``ssl.SSLContext``) to serve https. The server runs in a daemon thread on an
ephemeral port and is shut down on exit; writes to clients that went away are ignored.
"""

from __future__ import annotations

import ssl
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LocalServer", "Raw", "RecordedRequest", "Reply", "Route", "serve"]

Body = bytes | str | Iterable[bytes]
Reply = tuple[int, Mapping[str, str], Body]


@dataclass(frozen=True)
class Raw:
    """Bytes written to the socket as they are; the connection is closed afterwards."""

    chunks: Iterable[bytes]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # with query string
    headers: dict[str, str]  # lower-cased names
    body: bytes
    client: tuple[str, int]
    raw_headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[RecordedRequest], "Reply | Raw"]
Route = Reply | Raw | Handler


class _Quiet(Exception):
    pass


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> RecordedRequest:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = RecordedRequest(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client=(str(self.client_address[0]), int(self.client_address[1])),
                raw_headers=list(self.headers.items()),
            )
            with server._lock:
                server.requests.append(req)
            return req

        def _write(self, data: bytes) -> None:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except OSError as exc:  # the client went away (size caps, deadlines)
                raise _Quiet from exc

        def _respond(self) -> None:
            req = self._record()
            route = server._route_for(req.path)
            reply: Reply | Raw
            if route is None:
                reply = (404, {"Content-Type": "text/plain"}, b"not found")
            elif callable(route) and not isinstance(route, tuple | Raw):
                reply = route(req)
            else:
                reply = route
            try:
                if isinstance(reply, Raw):
                    self.close_connection = True
                    for chunk in reply.chunks:
                        self._write(chunk)
                    return
                status, headers, body = reply
                self.send_response_only(status)
                names = {k.lower() for k in headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                if isinstance(body, str):
                    body = body.encode("utf-8")
                if isinstance(body, bytes):
                    if "content-length" not in names:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self._write(body)
                else:
                    if "content-length" not in names:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    self._write(b"")
                    for chunk in body:
                        self._write(chunk)
            except _Quiet:
                self.close_connection = True

        do_GET = _respond
        do_HEAD = _respond
        do_POST = _respond

    return _Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            return  # clients that hang up early (size caps, deadlines, failed TLS) are expected
        super().handle_error(request, client_address)


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1:<ephemeral port>; use as a context manager."""

    def __init__(
        self,
        routes: Mapping[str, Route] | Handler | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.ssl_context = ssl_context
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._fallback: Handler | None = None
        if callable(routes):
            self._fallback = routes
        elif routes:
            self._routes.update(routes)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- routes and introspection

    def set_route(self, path: str, route: Route) -> None:
        with self._lock:
            self._routes[path] = route

    def _route_for(self, path: str) -> Route | None:
        with self._lock:
            if path in self._routes:
                return self._routes[path]
            bare = urlsplit(path).path
            if bare in self._routes:
                return self._routes[bare]
        return self._fallback

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # -- lifecycle

    def start(self) -> LocalServer:
        httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        if self.ssl_context is not None:  # TLS handshakes happen in accept(); failed ones are dropped
            httpd.socket = self.ssl_context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, name="test-httpserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    routes: Mapping[str, Route] | Handler | None = None, *, ssl_context: ssl.SSLContext | None = None
) -> LocalServer:
    """``with serve({...}) as srv:`` — same as ``with LocalServer({...}) as srv:``."""
    return LocalServer(routes, ssl_context=ssl_context)
