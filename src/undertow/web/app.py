"""The web application: one FastAPI app serving the JSON API (``/api/…``) and the dashboard.

``create_app(WebConfig(db=...))`` builds it; ``undertow serve`` runs it with uvicorn. Everything it
shows is read through ``undertow.query`` (the same layer as the exports and the notebook API).

Safety, because the app may be exposed on a team server:

* write endpoints (ingest, taxonomy edits, promoting a candidate) need ``Authorization: Bearer
  <token>`` with the operator's token (``UNDERTOW_API_TOKEN`` or ``--token-file``), compared in
  constant time; without a configured token they are switched off (403);
* reads are open by default and closed with ``open_reads=False`` (``--closed-reads``): then the
  API needs the bearer token and the dashboard a session cookie from ``/login``;
* no CORS headers are sent, so other sites' scripts cannot read responses; a strict
  Content-Security-Policy allows only the app's own scripts and styles (no inline script runs,
  so a ``<script>`` stored in an ingested page stays text);
* request bodies over ``max_body`` bytes are refused with 413 before they are read in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from undertow import __version__
from undertow.query import QueryError
from undertow.store import Store
from undertow.store.schema import alerts, documents, statements, track_state

HERE = Path(__file__).parent
SESSION_COOKIE = "undertow_session"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


@dataclass(frozen=True)
class WebConfig:
    """What the operator sets when starting the server."""

    db: str | None = None
    token: str | None = None  # bearer token for writes (and for reads when open_reads is False)
    open_reads: bool = True
    taxonomy_file: Path | None = None  # the editable taxonomy (PUT /api/taxonomy, promote)
    max_body: int = 2_000_000  # bytes
    allow_private: bool = False  # ingest of private/loopback URLs
    cache_ttl: float = 2.0  # seconds between checks whether the store changed
    # requests a minute per client address, reads and writes (0: no limit; ratelimit.py). Off for
    # an app built in-process; `undertow serve` sets 1200 and 60 unless told otherwise
    rate_limit: int = 0
    write_rate_limit: int = 0


class Web:
    """What the routes share: the store, the knowledge files, caches keyed by the store's version."""

    def __init__(self, config: WebConfig) -> None:
        from undertow.knowledge.actors import default_registry

        self.config = config
        self.store = Store.open(config.db)
        self.actors = default_registry()
        self.write_lock = threading.Lock()
        self._cache: dict[Any, tuple[str, Any]] = {}
        self._version = ("", 0.0)
        self._pipeline: Any = None
        self.load_taxonomies()

    # --- knowledge -----------------------------------------------------------------------------

    def load_taxonomies(self) -> None:
        from undertow.narratives.taxonomy import load_taxonomies

        files = [str(self.config.taxonomy_file)] if self.config.taxonomy_file else None
        self.taxonomies = load_taxonomies(files)
        self.nodes = {n.id: (t, n) for t in self.taxonomies for n in t.nodes}
        from undertow.narratives.stance import issue_labels

        self.issues = issue_labels()

    def label(self, node_id: str) -> str:
        tn = self.nodes.get(node_id)
        return tn[1].label if tn else node_id

    def actor_name(self, actor_id: str | None) -> str:
        if not actor_id:
            return "unattributed"
        from undertow.knowledge.actors import display_name

        return display_name(actor_id, self.actors)

    def pipeline(self) -> Any:
        """The ingest pipeline, built at the first write (its models load once)."""
        if self._pipeline is None:
            from undertow.pipeline import Pipeline, PipelineOptions

            tax = (str(self.config.taxonomy_file),) if self.config.taxonomy_file else ()
            self._pipeline = Pipeline(PipelineOptions(taxonomies=tax))
        return self._pipeline

    def taxonomy_changed(self) -> None:
        self.load_taxonomies()
        if self._pipeline is not None:
            self._pipeline._classifier = None  # rebuilt from the new file at the next ingest
        self._cache.clear()

    # --- caches --------------------------------------------------------------------------------

    def version(self) -> str:
        """Changes whenever documents, statements, alerts or the tracking state change."""
        v, at = self._version
        now = time.monotonic()
        if v and now - at < self.config.cache_ttl:
            return v
        with self.store.engine.connect() as conn:
            parts = [
                conn.execute(select(func.max(documents.c.seq))).scalar(),
                conn.execute(select(func.max(statements.c.seq))).scalar(),
                conn.execute(select(func.count()).select_from(alerts)).scalar(),
                conn.execute(select(func.max(track_state.c.value))).scalar(),
            ]
        v = "|".join(str(p) for p in parts)
        self._version = (v, now)
        return v

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered until the store changes (aggregates over the whole archive)."""
        v = self.version()
        hit = self._cache.get(key)
        if hit is not None and hit[0] == v:
            return hit[1]
        value = compute()
        if len(self._cache) > 512:
            self._cache.clear()
        self._cache[key] = (v, value)
        return value

    def window(self, since: str | None, until: str | None, days: int = 7) -> tuple[dt.date, dt.date]:
        """The selected window: ``[since, until]``, by default the last ``days`` days of the store."""
        from undertow.query import date_bounds, parse_day

        hi = parse_day(until, "until") if until else None
        if hi is None:
            with self.store.engine.connect() as conn:
                hi = self.cached("bounds", lambda: date_bounds(conn))[1] or dt.date.today()
        lo = parse_day(since, "since") if since else hi - dt.timedelta(days=days - 1)
        if lo > hi:
            raise QueryError(f"since ({lo}) is after until ({hi})")
        if (hi - lo).days > 3660:
            raise QueryError("a window is at most ten years long")
        return lo, hi

    # --- auth ----------------------------------------------------------------------------------

    def token_ok(self, request: Request) -> bool:
        token = self.config.token
        if not token:
            return False
        got = request.headers.get("authorization", "")
        scheme, _, value = got.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())

    def session_value(self) -> str:
        assert self.config.token
        return hmac.new(self.config.token.encode(), b"undertow-session", hashlib.sha256).hexdigest()

    def session_ok(self, request: Request) -> bool:
        if not self.config.token:
            return False
        return hmac.compare_digest(
            request.cookies.get(SESSION_COOKIE, "").encode(), self.session_value().encode()
        )

    def require_write(self, request: Request) -> None:
        if not self.config.token:
            raise HTTPException(
                403, "writes are switched off: start `undertow serve` with UNDERTOW_API_TOKEN or --token-file"
            )
        if not self.token_ok(request):
            raise HTTPException(401, "a valid bearer token is needed", headers={"WWW-Authenticate": "Bearer"})


# --- ASGI middleware (plain ASGI: they also guard streamed bodies and responses) ---------------


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"server"]
                names = {h[0].lower() for h in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes: by Content-Length up front, else while reading."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.limit
            except ValueError:
                await _plain(send, 400, "invalid Content-Length")
                return
            if too_big:
                await _plain(send, 413, f"request body over {self.limit} bytes")
                return
        seen = 0
        refused = False  # a 413 has been sent: the app reads a disconnect, its replies are dropped
        started = False

        async def limited() -> dict[str, Any]:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    refused = True
                    if not started:
                        await _plain(send, 413, f"request body over {self.limit} bytes")
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        # Raising from ``receive`` would not do: FastAPI turns any error while it reads a body
        # into its own 400, so the refusal is answered here and the app sees the client go away.
        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not refused:
                raise


async def _plain(send: Any, status: int, message: str) -> None:
    import json

    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- the app -----------------------------------------------------------------------------------


def create_app(config: WebConfig | None = None, **kwargs: Any) -> FastAPI:
    """The app over ``config.db`` (``create_app(db="demo.db")`` is a shortcut)."""
    config = config or WebConfig(**kwargs)
    web = Web(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=_warm, args=(web,), name="undertow-warm", daemon=True).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="undertow",
        version=__version__,
        description="Who said what, when, about which issue, with which framing: the record as JSON. "
        "Lists are newest first with cursor pagination (pass `next_cursor` back as `cursor`).",
        docs_url=None,  # the Swagger page loads its assets from a CDN; /openapi.json is served
        redoc_url=None,
    )
    app.state.web = web

    from undertow.web.ratelimit import WRITE_METHODS, RateLimiter, retry_after

    reads_limit = RateLimiter(config.rate_limit)
    writes_limit = RateLimiter(config.write_rate_limit, burst=max(1, config.write_rate_limit // 6))

    @app.middleware("http")
    async def read_access(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if not config.open_reads and not _public(path) and request.method in ("GET", "HEAD"):
            if path.startswith("/api/") or path == "/openapi.json":
                if not web.token_ok(request):
                    return JSONResponse(
                        {"error": "reads are closed: send a bearer token"},
                        401,
                        headers={"WWW-Authenticate": "Bearer"},
                    )
            elif not (web.session_ok(request) or web.token_ok(request)):
                return RedirectResponse("/login?next=" + _safe_next(path), 303)
        return await call_next(request)

    @app.middleware("http")
    async def rate_limits(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not _unlimited(request.url.path):
            client = request.client.host if request.client else "unknown"
            limiter = writes_limit if request.method in WRITE_METHODS else reads_limit
            wait = limiter.check(client)
            if wait:
                return JSONResponse(
                    {"error": f"too many requests from {client}: try again in {retry_after(wait)} s"},
                    429,
                    headers={"Retry-After": retry_after(wait)},
                )
        return await call_next(request)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        msgs = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body"))
            msgs.append(f"{where or 'request'}: {e.get('msg')}")
        return _error(request, 422, "; ".join(msgs) or "invalid request")

    from undertow.web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(BodyLimit, limit=config.max_body)
    app.add_middleware(SecurityHeaders)
    return app


def _warm(web: Web) -> None:
    """What semantic search needs, made beside the server's start rather than in the first
    user's request: the sentence encoder, and on a large store the in-memory projection of every
    statement vector (tens of seconds for a million statements)."""
    from undertow.narratives import embed
    from undertow.query import warm_semantic_index

    if embed.available():
        embed.encode(["warm-up"])
    warm_semantic_index(web.store.engine)


def _public(path: str) -> bool:
    """Paths open without a token: those outside the rate limits, and the login page."""
    return _unlimited(path) or path == "/login"


def _unlimited(path: str) -> bool:
    """Paths outside the rate limits: health checks and static files (not ``/login``, where a
    limit is what stops token guessing)."""
    return path.startswith("/static/") or path == "/healthz"


def _safe_next(path: str) -> str:
    from urllib.parse import quote

    return quote(path if path.startswith("/") and not path.startswith("//") else "/", safe="/")


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """JSON for the API, a page for the dashboard."""
    message = message.encode("utf-8", "replace").decode("utf-8")  # lone surrogates echoed from input
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message}, status, headers=headers)
    from undertow.web.pages import render_error

    return render_error(request, status, message)


def get_web(request: Request) -> Web:
    return request.app.state.web


__all__ = ["WebConfig", "create_app"]
