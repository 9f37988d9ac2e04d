"""The dashboard: server-rendered pages (Jinja2, autoescaped) over the same views as the API.

No inline scripts: charts read their data from ``<script type="application/json">`` blocks
(JSON-escaped by ``tojson``) and are drawn by ``/static/charts.js`` with the vendored Chart.js.
"""

from __future__ import annotations

import datetime as dt
import hmac
import itertools
import re
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from undertow import __version__, query
from undertow.query import Filters, QueryError, parse_day
from undertow.web import views
from undertow.web.app import HERE, SESSION_COOKIE, Web, get_web

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["version"] = __version__


def _num(v: Any) -> Any:
    """A measurement for reading: three significant digits (``0.000274``, ``57.5``), whole
    thousands with separators; integers and everything else unchanged."""
    if not isinstance(v, float):
        return v
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _quoted(text: Any) -> str:
    """``text`` in quotation marks, unless it already opens with one (a quote's own sentence)."""
    s = str(text or "").strip()
    return s if not s or s[0] in "\"“«„'‘" else f"“{s}”"


templates.env.filters["num"] = _num
templates.env.filters["quoted"] = _quoted

ALERT_TYPES = ("new_narrative", "burst", "first_adoption", "stance_shift", "amplification", "official_echo")


def _render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    web: Web = get_web(request)
    ctx.update(
        request=request,
        actor_name=web.actor_name,
        label=web.label,
        issue_label=lambda i: web.issues.get(i, i),
        nav=request.url.path,
    )
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status=status, status_code=status, message=message)


def _day(v: str | None, name: str) -> dt.date | None:
    return parse_day(v, name) if v else None


def _qs(request: Request, **changes: Any) -> str:
    """The current query string with ``changes`` applied (``None`` drops a key)."""
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = str(v)
    return "?" + urlencode(params) if params else ""


def _limit(v: str | None, default: int = 50) -> int:
    if not v:
        return default
    if not v.isdigit():
        raise QueryError(f"limit must be a number, not {v[:20]!r}")
    return int(v)


# --- overview ----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, since: str | None = None, until: str | None = None) -> Response:
    web = get_web(request)
    lo, hi = web.window(since, until)
    data = views.overview(web, lo, hi)
    from undertow.dynamics.series import series, top_keys

    keys = [k for k, _ in top_keys(web.store, "narrative", lo, hi, 6)]
    chart = {
        "type": "line",
        "labels": [d.isoformat() for d in views_days(lo, hi)],
        "series": {web.label(k): [v for _, v in series(web.store, "narrative", k, lo, hi)] for k in keys},
        "title": "Statements per day, most active narratives",
    }
    return _render(request, "overview.html", data=data, chart=chart, alert_types=ALERT_TYPES)


def views_days(lo: dt.date, hi: dt.date) -> list[dt.date]:
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]


# --- narratives --------------------------------------------------------------------------------


@router.get("/narratives", response_class=HTMLResponse)
def narratives_page(request: Request) -> Response:
    web = get_web(request)
    from undertow.dynamics.discover import candidates

    cands = web.cached(("candidates-page",), lambda: [c.to_json() for c in candidates(web.store, limit=10)])
    return _render(request, "narratives.html", data=views.narratives(web), candidates=cands)


@router.get("/narratives/{node_id}", response_class=HTMLResponse)
def narrative_page(
    request: Request, node_id: str, since: str | None = None, until: str | None = None, by: str = "outlet"
) -> Response:
    web = get_web(request)
    if by not in ("outlet", "language"):
        raise QueryError("by must be outlet or language")
    n = views.narrative(web, node_id[:128], _day(since, "since"), _day(until, "until"), by)
    if n is None:
        raise HTTPException(404, f"no narrative {node_id[:128]!r}")
    chart = {
        "type": "bar",
        "stacked": True,
        "labels": n["timeline"]["days"],
        "series": n["timeline"]["series"],
        "title": f"Statements per day, by {by}",
    }
    return _render(request, "narrative.html", n=n, chart=chart, by=by, qs=lambda **c: _qs(request, **c))


# --- actors ------------------------------------------------------------------------------------


@router.get("/actors", response_class=HTMLResponse)
def actors_page(request: Request, q: str | None = None, cursor: str | None = None) -> Response:
    web = get_web(request)
    if cursor is not None and not cursor.isdigit():
        raise QueryError("invalid cursor")
    data = views.actors(web, (q or "")[:200], 100, int(cursor or 0))
    return _render(request, "actors.html", data=data, q=q or "", qs=lambda **c: _qs(request, **c))


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(
    request: Request, actor_id: str, since: str | None = None, until: str | None = None
) -> Response:
    web = get_web(request)
    a = views.actor(web, actor_id[:128], _day(since, "since"), _day(until, "until"))
    if a is None:
        raise HTTPException(404, f"no actor {actor_id[:128]!r}")
    days = a["series"]["days"]
    volume = {"type": "bar", "labels": days, "series": {"statements": a["series"]["series"][a["id"]]},
              "title": "Statements per day"}  # fmt: skip
    stance_days = sorted({p["day"] for s in a["stances"].values() for p in s["points"]})
    stance = {
        "type": "line",
        "labels": stance_days,
        "series": {
            s["label"]: [next((p["score"] for p in s["points"] if p["day"] == d), None) for d in stance_days]
            for s in a["stances"].values()
        },
        "title": "Stance per issue (favour +1, against −1)",
        "min": -1,
        "max": 1,
        "spanGaps": True,
    }
    return _render(request, "actor.html", a=a, volume=volume, stance=stance)


# --- documents ---------------------------------------------------------------------------------


@router.get("/documents", response_class=HTMLResponse)
def documents_page(
    request: Request,
    outlet: str | None = None,
    language: str | None = None,
    since: str | None = None,
    until: str | None = None,
    include_duplicates: str | None = None,
    cursor: str | None = None,
    limit: str | None = None,
) -> Response:
    web = get_web(request)
    f = Filters.parse(
        outlet=outlet, language=language, since=since, until=until, include_duplicates=include_duplicates
    )
    with web.store.engine.connect() as conn:
        page = query.documents_page(conn, f, limit=_limit(limit), cursor=cursor or None)
    return _render(
        request,
        "documents.html",
        page=page,
        form={
            "outlet": outlet or "",
            "language": language or "",
            "since": since or "",
            "until": until or "",
            "include_duplicates": bool(include_duplicates),
        },
        next_url=_qs(request, cursor=page.next_cursor) if page.next_cursor else None,
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(request: Request, doc_id: str) -> Response:
    web = get_web(request)
    with web.store.engine.connect() as conn:
        d = query.document_detail(conn, doc_id[:64])
    if d is None:
        raise HTTPException(404, f"no document {doc_id[:64]!r}")
    return _render(request, "document.html", d=d, segments=highlight(d))


def highlight(d: dict[str, Any]) -> list[tuple[str, list[str], str | None]]:
    """The text cut at every span boundary: ``(text, css classes, statement id)`` pieces, so that
    speakers, cues, contents and narrative evidence are marked even where they overlap."""
    text = d["document"]["text"]
    spans: list[tuple[int, int, str, str | None]] = []
    for s in d.get("statements") or []:
        sid = s.get("id")
        for part, cls in (("content", "st-content"), ("speaker", "st-speaker"), ("cue", "st-cue")):
            p = s.get(part) or {}
            if isinstance(p.get("start"), int) and isinstance(p.get("end"), int) and p["end"] > p["start"]:
                spans.append((p["start"], p["end"], cls, sid))
    for n in d.get("narratives") or []:
        for ev in n.get("evidence") or []:
            if (
                isinstance(ev.get("start"), int)
                and isinstance(ev.get("end"), int)
                and ev["end"] > ev["start"]
            ):
                spans.append((ev["start"], ev["end"], "nar-evidence", None))
    cuts = sorted({0, len(text), *(max(0, min(len(text), x)) for s in spans for x in s[:2])})
    out: list[tuple[str, list[str], str | None]] = []
    for a, b in itertools.pairwise(cuts):
        if a == b:
            continue
        active = [s for s in spans if s[0] <= a and s[1] >= b]
        classes = sorted({s[2] for s in active})
        sid = next((s[3] for s in active if s[3]), None)
        out.append((text[a:b], classes, sid))
    return out


# --- search, alerts, briefs --------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: str | None = None,
    mode: str = "fulltext",
    language: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    web = get_web(request)
    result = None
    if mode not in ("fulltext", "semantic"):
        raise QueryError("mode must be fulltext or semantic")
    if q and q.strip():
        f = Filters.parse(language=language, since=since, until=until)
        result = views.search(web, q, mode, f, 30)
        if result["mode"] == "fulltext":
            for h in result["items"]:
                h["snippet_parts"] = snippet_parts(h.get("snippet") or "", q)
    form = {
        "q": q or "",
        "mode": mode,
        "language": language or "",
        "since": since or "",
        "until": until or "",
    }
    return _render(request, "search.html", result=result, form=form)


_FTS_WORDS = {"and", "or", "not", "near"}


def snippet_parts(snippet: str, q: str) -> list[tuple[str, bool]]:
    """The store's search snippet (matches between ``[`` and ``]``) as ``(text, is_match)`` pieces
    for ``<mark>``. Only brackets around a query word count: the text's own ``[sic]`` stays text.
    The template escapes every piece."""
    terms = [t for t in re.findall(r"\w+", q.lower()) if t not in _FTS_WORDS]
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in re.finditer(r"\[([^\[\]]{1,200})\]", snippet):
        words = re.findall(r"\w+", m.group(1).lower())
        if not any(w.startswith(t) for w in words for t in terms):
            continue
        if m.start() > pos:
            out.append((snippet[pos : m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(snippet):
        out.append((snippet[pos:], False))
    return out


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
) -> Response:
    web = get_web(request)
    if type and type not in ALERT_TYPES:
        raise QueryError(f"type must be one of {', '.join(ALERT_TYPES)}")
    f = Filters.parse(type=type, since=since, until=until)
    with web.store.engine.connect() as conn:
        page = query.alerts_page(conn, f, limit=50, cursor=cursor or None)
    return _render(
        request,
        "alerts.html",
        page=page,
        alert_types=ALERT_TYPES,
        form={"type": type or "", "since": since or "", "until": until or ""},
        next_url=_qs(request, cursor=page.next_cursor) if page.next_cursor else None,
    )


@router.get("/briefs", response_class=HTMLResponse)
def briefs_page(request: Request) -> Response:
    return _render(request, "briefs.html", days=views.brief_days(get_web(request)))


@router.get("/briefs/{day}", response_class=HTMLResponse)
def brief_page(request: Request, day: str, since: str | None = None) -> Response:
    b = views.brief(get_web(request), parse_day(day, "day"), _day(since, "since"))
    return _render(request, "brief.html", b=b)


# --- login (only when reads are closed) ----------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _render(request, "login.html", next=_local(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    web = get_web(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0]
    nxt = _local((form.get("next") or ["/"])[0])
    if not web.config.token or not hmac.compare_digest(token.encode(), web.config.token.encode()):
        return _render(request, "login.html", status=401, next=nxt, failed=True)
    resp = RedirectResponse(nxt, 303)
    resp.set_cookie(SESSION_COOKIE, web.session_value(), httponly=True, samesite="strict", max_age=12 * 3600)
    return resp


def _local(path: str) -> str:
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
