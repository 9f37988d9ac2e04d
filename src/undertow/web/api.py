"""The JSON API under ``/api``: read endpoints over the record, write endpoints behind the token.

Shapes follow the record contract (``docs/record.md``): a statement has ``speaker``, ``cue``,
``content`` spans, ``narratives`` and ``stances``, plus the context a reader needs (document,
outlet, date, quoted sentence). Lists return ``{"items": [...], "next_cursor": ..., "count": n}``,
newest first; pass ``next_cursor`` back as ``cursor`` for the next page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from undertow import query
from undertow.query import MAX_LIMIT, Filters, QueryError
from undertow.web import views
from undertow.web.app import Web, get_web

ERROR_SCHEMA = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
        }
    }
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad filter, cursor or query", **ERROR_SCHEMA},
    401: {"description": "A bearer token is needed", **ERROR_SCHEMA},
    404: {"description": "Not found", **ERROR_SCHEMA},
    413: {"description": "Request body too large", **ERROR_SCHEMA},
    422: {"description": "Invalid parameter", **ERROR_SCHEMA},
}
router = APIRouter(prefix="/api", responses=ERRORS)


class PageOut(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None
    count: int


# --- shared parameters -------------------------------------------------------------------------

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page (1–{MAX_LIMIT}).")]
Cursor = Annotated[str | None, Query(max_length=400, description="next_cursor of the previous page.")]
Day = Annotated[dt.date | None, Query(description="A day, YYYY-MM-DD (inclusive).")]
Key = Annotated[str | None, Query(max_length=200)]


def _filters(**kw: Any) -> Filters:
    return Filters.parse(**{k: v for k, v in kw.items() if v is not None})


def _web(request: Request) -> Web:
    return get_web(request)


def _not_found(what: str, key: str) -> HTTPException:
    return HTTPException(404, f"no {what} {key!r}")


# --- exports -----------------------------------------------------------------------------------


@router.get("/{kind}/export", tags=["exports"], response_class=StreamingResponse)
def export(
    request: Request,
    kind: Annotated[str, PathParam(pattern="^(statements|events|narratives|stances|documents)$")],
    format: Annotated[str, Query(pattern="^(csv|jsonl|parquet|plover)$")] = "jsonl",
    actor: Key = None,
    narrative: Key = None,
    issue: Key = None,
    outlet: Key = None,
    language: Key = None,
    type: Annotated[str | None, Query(max_length=32)] = None,
    polarity: Annotated[str | None, Query(pattern="^(favor|against|neutral)$")] = None,
    since: Day = None,
    until: Day = None,
    include_duplicates: bool = False,
) -> StreamingResponse:
    """The whole selection, streamed (constant memory): csv, jsonl, parquet, or for events PLOVER JSON."""
    from undertow import export as ex

    f = _filters(
        actor=actor,
        narrative=narrative,
        issue=issue,
        outlet=outlet,
        language=language,
        type=type,
        polarity=polarity,
        since=since,
        until=until,
        include_duplicates=include_duplicates,
    )
    ex.check(kind, format, f)  # a QueryError (400) before the first byte
    web = _web(request)
    return StreamingResponse(
        ex.stream(web.store.engine, kind, format, f),
        media_type=ex.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{ex.filename(kind, format)}"'},
    )


# --- documents ---------------------------------------------------------------------------------


@router.get("/documents", response_model=PageOut, tags=["documents"])
def list_documents(
    request: Request,
    outlet: Key = None,
    language: Key = None,
    actor: Key = None,
    narrative: Key = None,
    since: Day = None,
    until: Day = None,
    include_duplicates: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Documents, newest first by day published (undated ones last)."""
    f = _filters(
        outlet=outlet,
        language=language,
        actor=actor,
        narrative=narrative,
        since=since,
        until=until,
        include_duplicates=include_duplicates,
    )
    with _web(request).store.engine.connect() as conn:
        return query.documents_page(conn, f, limit=limit, cursor=cursor).to_json()


@router.get("/documents/{doc_id}", tags=["documents"])
def get_document(request: Request, doc_id: Annotated[str, PathParam(max_length=64)]) -> dict[str, Any]:
    """One document as the record contract has it (document, paragraphs, actors, statements,
    events, narratives, stances) with its syndication cluster."""
    with _web(request).store.engine.connect() as conn:
        d = query.document_detail(conn, doc_id)
    if d is None:
        raise _not_found("document", doc_id)
    return d


# --- statements --------------------------------------------------------------------------------


@router.get("/statements", response_model=PageOut, tags=["statements"])
def list_statements(
    request: Request,
    actor: Key = None,
    narrative: Key = None,
    issue: Key = None,
    outlet: Key = None,
    language: Key = None,
    polarity: Annotated[str | None, Query(pattern="^(favor|against|neutral)$")] = None,
    since: Day = None,
    until: Day = None,
    include_duplicates: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Statements (direct quotes and reported speech), newest first by day said."""
    f = _filters(
        actor=actor,
        narrative=narrative,
        issue=issue,
        outlet=outlet,
        language=language,
        polarity=polarity,
        since=since,
        until=until,
        include_duplicates=include_duplicates,
    )
    with _web(request).store.engine.connect() as conn:
        return query.statements_page(conn, f, limit=limit, cursor=cursor).to_json()


@router.get("/statements/{statement_id}", tags=["statements"])
def get_statement(request: Request, statement_id: Annotated[str, PathParam(max_length=64)]) -> dict[str, Any]:
    with _web(request).store.engine.connect() as conn:
        s = query.get_statement(conn, statement_id)
    if s is None:
        raise _not_found("statement", statement_id)
    return s


# --- actors ------------------------------------------------------------------------------------


@router.get("/actors", tags=["actors"])
def list_actors(
    request: Request,
    q: Annotated[str | None, Query(max_length=200, description="Part of a name, alias or id.")] = None,
    limit: Limit = 100,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,9}$")] = None,
) -> dict[str, Any]:
    """Actors of the registry and speakers of the store, most statements first."""
    return views.actors(_web(request), q, limit, int(cursor or 0))


@router.get("/actors/{actor_id}", tags=["actors"])
def get_actor(
    request: Request,
    actor_id: Annotated[str, PathParam(max_length=128)],
    since: Day = None,
    until: Day = None,
) -> dict[str, Any]:
    """An actor's roles, statements per day, stance per issue over time and narratives adopted."""
    a = views.actor(_web(request), actor_id, since, until)
    if a is None:
        raise _not_found("actor", actor_id)
    return a


# --- narratives --------------------------------------------------------------------------------


@router.get("/narratives", tags=["narratives"])
def list_narratives(request: Request) -> dict[str, Any]:
    """The taxonomy's narratives with their statements and first day seen."""
    return views.narratives(_web(request))


@router.get("/narratives/candidates", tags=["narratives"])
def list_candidates(
    request: Request,
    status: Annotated[str, Query(pattern="^(candidate|promoted|dismissed|any)$")] = "candidate",
    min_size: Annotated[int, Query(ge=1, le=10_000)] = 3,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Candidate narratives: clusters of statements that fit no taxonomy label."""
    from undertow.dynamics.discover import candidates

    web = _web(request)
    found = web.cached(
        ("candidates", status, min_size, limit),
        lambda: candidates(
            web.store, min_size=min_size, status=None if status == "any" else status, limit=limit
        ),
    )
    items = [c.to_json() for c in found]
    return {"items": items, "count": len(items)}


@router.get("/narratives/{node_id}", tags=["narratives"])
def get_narrative(
    request: Request,
    node_id: Annotated[str, PathParam(max_length=128)],
    since: Day = None,
    until: Day = None,
    by: Annotated[str, Query(pattern="^(outlet|language)$")] = "outlet",
) -> dict[str, Any]:
    """A narrative: first seen, top speakers, daily timeline per outlet or language, evidence."""
    n = views.narrative(_web(request), node_id, since, until, by)
    if n is None:
        raise _not_found("narrative", node_id)
    return n


class PromoteIn(BaseModel):
    as_id: str = Field(min_length=1, max_length=128, description="The new node's id (a lower-case slug).")
    label: str | None = Field(None, max_length=300)
    parent: str | None = Field(None, max_length=128, description="Make it a sub-narrative of this narrative.")
    description: str | None = Field(None, max_length=2000)


@router.post("/narratives/candidates/{cluster_id}/promote", tags=["narratives", "write"])
def promote_candidate(
    request: Request, cluster_id: Annotated[str, PathParam(max_length=32)], body: PromoteIn
) -> dict[str, Any]:
    """Add a candidate narrative to the editable taxonomy file (needs the bearer token)."""
    from undertow.dynamics.discover import promote
    from undertow.errors import UndertowError

    web = _web(request)
    web.require_write(request)
    path = _taxonomy_file(web)
    with web.write_lock:
        try:
            node = promote(
                web.store,
                cluster_id,
                body.as_id,
                path,
                label=body.label,
                parent=body.parent,
                description=body.description,
            )
        except (ValueError, UndertowError) as exc:
            raise HTTPException(400, str(exc)) from None
        web.taxonomy_changed()
    return {"promoted": cluster_id, "node": node, "taxonomy_file": str(path)}


# --- taxonomy ----------------------------------------------------------------------------------


def _taxonomy_file(web: Web) -> Path:
    p = web.config.taxonomy_file
    if p is None:
        raise HTTPException(409, "no editable taxonomy: start `undertow serve` with --taxonomy FILE")
    return p


@router.get("/taxonomy", tags=["narratives"])
def get_taxonomy(request: Request) -> dict[str, Any]:
    """The loaded taxonomies: ids, labels, descriptions, sub-narratives, linked issues."""
    web = _web(request)
    return {
        "editable_file": str(web.config.taxonomy_file) if web.config.taxonomy_file else None,
        "taxonomies": [
            {
                "id": t.id,
                "name": t.name,
                "version": t.version,
                "nodes": [
                    {
                        "id": n.id,
                        "label": n.label,
                        "parent": n.parent,
                        "description": n.description,
                        "issues": n.issues,
                    }
                    for n in t.nodes
                ],
            }
            for t in web.taxonomies
        ],
    }


@router.put(
    "/taxonomy",
    tags=["narratives", "write"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def put_taxonomy(request: Request) -> dict[str, Any]:
    """Replace the editable taxonomy file with the body (YAML or JSON), validated first; the old
    file is kept as ``.bak``. New documents are classified with it (needs the bearer token)."""
    from undertow.errors import UndertowError
    from undertow.narratives.taxonomy import parse_taxonomy

    web = _web(request)
    web.require_write(request)
    path = _taxonomy_file(web)
    raw_bytes = await request.body()
    try:
        text = raw_bytes.decode("utf-8")
        if _flow_depth(text) > MAX_FLOW_DEPTH:
            raise HTTPException(400, "the body is nested too deeply")
        raw = yaml.load(text, Loader=_TaxonomyLoader)
        # JSON may escape lone surrogates ("\\ud800"), which no UTF-8 file can hold
        json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8")
    except (UnicodeError, yaml.YAMLError) as exc:
        raise HTTPException(400, f"the body is not UTF-8 YAML or JSON: {exc}") from None
    except RecursionError:
        raise HTTPException(400, "the body is nested too deeply") from None
    try:
        tax = parse_taxonomy(raw, source="request body", default_id=path.stem)
    except (UndertowError, ValueError, TypeError) as exc:
        raise HTTPException(400, f"invalid taxonomy: {exc}") from None
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=110)
    with web.write_lock:
        if path.exists():
            path.with_name(path.name + ".bak").write_bytes(path.read_bytes())
        _atomic_write(path, text)
        web.taxonomy_changed()
    return {"taxonomy": tax.id, "nodes": len(tax), "file": str(path)}


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- events, stances ---------------------------------------------------------------------------


@router.get("/events", response_model=PageOut, tags=["events"])
def list_events(
    request: Request,
    type: Annotated[str | None, Query(max_length=32, description="PLOVER type, e.g. REJECT.")] = None,
    actor: Key = None,
    outlet: Key = None,
    language: Key = None,
    since: Day = None,
    until: Day = None,
    include_duplicates: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Diplomatic events (PLOVER types), newest first by the day they happened."""
    f = _filters(
        type=type,
        actor=actor,
        outlet=outlet,
        language=language,
        since=since,
        until=until,
        include_duplicates=include_duplicates,
    )
    with _web(request).store.engine.connect() as conn:
        return query.events_page(conn, f, limit=limit, cursor=cursor).to_json()


@router.get("/stances", response_model=PageOut, tags=["stances"])
def list_stances(
    request: Request,
    actor: Key = None,
    issue: Key = None,
    polarity: Annotated[str | None, Query(pattern="^(favor|against|neutral)$")] = None,
    outlet: Key = None,
    language: Key = None,
    since: Day = None,
    until: Day = None,
    include_duplicates: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Stances of actors on issues, one per statement and issue, each with its evidence sentence."""
    f = _filters(
        actor=actor,
        issue=issue,
        polarity=polarity,
        outlet=outlet,
        language=language,
        since=since,
        until=until,
        include_duplicates=include_duplicates,
    )
    with _web(request).store.engine.connect() as conn:
        return query.stances_page(conn, f, limit=limit, cursor=cursor).to_json()


# --- alerts ------------------------------------------------------------------------------------


@router.get("/alerts", response_model=PageOut, tags=["alerts"])
def list_alerts(
    request: Request,
    type: Annotated[str | None, Query(max_length=32, description="new_narrative, burst, ...")] = None,
    actor: Key = None,
    narrative: Key = None,
    issue: Key = None,
    since: Day = None,
    until: Day = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Alerts with their evidence bundles, newest first."""
    f = _filters(type=type, actor=actor, narrative=narrative, issue=issue, since=since, until=until)
    with _web(request).store.engine.connect() as conn:
        return query.alerts_page(conn, f, limit=limit, cursor=cursor).to_json()


@router.get("/alerts.atom", tags=["alerts"], response_class=Response)
def alerts_atom(request: Request, since: Day = None, until: Day = None) -> Response:
    """The alerts as an Atom feed."""
    from undertow.dynamics import deliver
    from undertow.dynamics.alerts import stored

    web = _web(request)
    found = stored(web.store, since=since, until=until)
    return Response(deliver.atom_feed(found[-500:]), media_type="application/atom+xml")


@router.get("/alerts/{alert_id}", tags=["alerts"])
def get_alert(request: Request, alert_id: Annotated[str, PathParam(max_length=64)]) -> dict[str, Any]:
    with _web(request).store.engine.connect() as conn:
        a = query.get_alert(conn, alert_id)
    if a is None:
        raise _not_found("alert", alert_id)
    return a


# --- briefs ------------------------------------------------------------------------------------


@router.get("/briefs", tags=["briefs"])
def list_briefs(request: Request, limit: Annotated[int, Query(ge=1, le=366)] = 60) -> dict[str, Any]:
    """Days a brief can be written for (days with statements), newest first."""
    days = views.brief_days(_web(request), limit)
    return {"items": [{"date": d, "url": f"/api/briefs/{d}"} for d in days], "count": len(days)}


@router.get(
    "/briefs/{day}",
    tags=["briefs"],
    responses={
        200: {
            "description": "The brief: JSON, or Markdown / HTML with `format`",
            "content": {"application/json": {}, "text/markdown": {}, "text/html": {}},
        }
    },
)
def get_brief(
    request: Request,
    day: dt.date,
    since: Day = None,
    format: Annotated[str, Query(pattern="^(json|md|html)$")] = "json",
) -> Any:
    """The daily brief for ``day`` (covering ``since``..``day``, default the last 7 days): every
    sentence with numbered citations to stored statements."""
    b = views.brief(_web(request), day, since)
    if format == "md":
        return PlainTextResponse(b.to_markdown(), media_type="text/markdown; charset=utf-8")
    if format == "html":
        return Response(b.to_html(), media_type="text/html; charset=utf-8")
    return views.brief_json(b)


# --- trends, search, overview ------------------------------------------------------------------


@router.get("/trends", tags=["trends"])
def trends(
    request: Request,
    dimension: Annotated[str, Query(pattern="^(narrative|actor|outlet|language|issue|all)$")] = "narrative",
    key: Key = None,
    since: Day = None,
    until: Day = None,
    normalise: bool = False,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Daily statement counts for one key of a dimension (canonical statements; ``normalise``:
    share of each outlet's volume), or without ``key`` the top keys of the window with theirs."""
    from undertow.dynamics.series import series, top_keys

    web = _web(request)
    lo, hi = web.window(_s(since), _s(until), days=30)
    if dimension == "all" and key is not None:
        raise QueryError("dimension all takes no key")
    keys = [key] if key or dimension == "all" else [k for k, _ in top_keys(web.store, dimension, lo, hi, top)]
    out: dict[str, list[float]] = {}
    days: list[str] = []
    for k in keys:
        pts = series(web.store, dimension, k, lo, hi, normalise=normalise)
        days = [d.isoformat() for d, _ in pts]
        out[k or "all"] = [v for _, v in pts]
    if not days:
        days = [(lo + dt.timedelta(days=i)).isoformat() for i in range((hi - lo).days + 1)]
    return {
        "dimension": dimension,
        "since": lo.isoformat(),
        "until": hi.isoformat(),
        "days": days,
        "series": out,
    }


def _s(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


@router.get("/search", tags=["search"])
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500, description="FTS query or free text.")],
    mode: Annotated[str, Query(pattern="^(fulltext|semantic)$")] = "fulltext",
    language: Key = None,
    outlet: Key = None,
    actor: Key = None,
    narrative: Key = None,
    since: Day = None,
    until: Day = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Full-text search over documents, or semantic (cross-language) search over statements."""
    f = _filters(language=language, outlet=outlet, actor=actor, narrative=narrative, since=since, until=until)
    return views.search(_web(request), q, mode, f, limit)


@router.get("/overview", tags=["trends"])
def overview(request: Request, since: Day = None, until: Day = None) -> dict[str, Any]:
    """What changed in the window (default: the store's last 7 days)."""
    web = _web(request)
    lo, hi = web.window(_s(since), _s(until))
    return views.overview(web, lo, hi)


@router.get("/stats", tags=["trends"])
def stats(request: Request) -> dict[str, Any]:
    """Counts of the store (documents, duplicates, languages, outlets, ...)."""
    web = _web(request)
    return json.loads(json.dumps(web.cached("stats", web.store.stats), default=str))


# --- ingest ------------------------------------------------------------------------------------


class IngestIn(BaseModel):
    url: str | None = Field(None, max_length=2000, description="Fetch and ingest this http(s) URL.")
    html: str | None = Field(None, description="Or the page's HTML.")
    text: str | None = Field(None, description="Or its plain text.")
    title: str | None = Field(None, max_length=1000)
    published: dt.date | None = None
    outlet: str | None = Field(None, max_length=200, description="Outlet id, domain or name.")
    language: str | None = Field(None, max_length=8)


@router.post("/ingest", tags=["write"])
def ingest(request: Request, body: Annotated[IngestIn, Body()]) -> dict[str, Any]:
    """Ingest one URL, HTML page or text (needs the bearer token); then track the new statements
    and run the alert rules. Idempotent: the same content again is reported ``unchanged``."""
    from undertow import dynamics
    from undertow.ingest.fetch import Fetcher, FetchPolicy
    from undertow.ingest.sources import Sources
    from undertow.pipeline import ingest_items

    web = _web(request)
    web.require_write(request)
    if not (body.url or body.html or body.text):
        raise HTTPException(400, "give one of url, html or text")
    rec = {k: v for k, v in body.model_dump().items() if v is not None}
    if body.published:
        rec["published"] = body.published.isoformat()
    fetcher = Fetcher(FetchPolicy(allow_private=web.config.allow_private)) if body.url else None
    sources = Sources(fetcher=fetcher, memory=web.store)
    with web.write_lock:
        report = ingest_items(sources.record(rec, "api"), web.store, pipeline=web.pipeline())
        _, new_alerts = dynamics.refresh(web.store)
    if report.errors:
        raise HTTPException(400, "; ".join(f"{e.source}: {e.reason}" for e in report.errors))
    outcome = report.outcomes[0] if report.outcomes else None
    return {
        "outcome": outcome.outcome if outcome else None,
        "document_id": outcome.doc_id if outcome else None,
        "duplicate_of": outcome.duplicate_of if outcome else None,
        "new_alerts": [a["id"] for a in new_alerts],
    }


#: Brackets deeper than this are refused before parsing (PyYAML's scanner is quadratic in the
#: nesting of flow collections: 50,000 ``[`` cost it minutes); a taxonomy needs a handful.
MAX_FLOW_DEPTH = 100


def _flow_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` in ``text`` (brackets inside strings count too:
    an over-estimate that no taxonomy comes near), read no further than ``MAX_FLOW_DEPTH + 1``."""
    depth = deepest = 0
    for m in _BRACKET.finditer(text):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_FLOW_DEPTH:
                break
        else:
            depth = max(0, depth - 1)
    return deepest


_BRACKET = re.compile(r"[\[\]{}]")


class _TaxonomyLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*a``): a taxonomy needs none, and nested aliases expand
    a small body into billions of nodes (the "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise HTTPException(400, "YAML anchors and aliases are not accepted in a taxonomy")
        return super().compose_node(parent, index)
