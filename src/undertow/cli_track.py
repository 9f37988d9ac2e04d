"""``undertow`` commands of the track and report stages: track, alerts, series, firstseen,
spread, narratives candidates/promote, brief. Registered on the app of ``cli.py``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from undertow.cli import DbOpt, _day, app, err, out

RulesOpt = Annotated[
    Path | None, typer.Option("--rules", help="Alert rules YAML (default: the shipped alerts.yaml).")
]

narratives_app = typer.Typer(
    help="Candidate narratives found in unlabelled statements.", no_args_is_help=True
)
app.add_typer(narratives_app, name="narratives")


def _print_alerts(alerts: list[dict[str, Any]], fmt: str) -> None:
    if fmt == "jsonl":
        for a in alerts:
            sys.stdout.write(json.dumps(a, ensure_ascii=False) + "\n")
        return
    table = Table("date", "type", "alert", "confidence", "evidence")
    for a in alerts:
        ev = a.get("evidence") or [{}]
        first = ev[0]
        table.add_row(
            a["date"],
            a["type"],
            Text(a["title"] + "\n" + a["summary"]),
            f"{a['confidence']:.2f}",
            Text(
                f"{first.get('outlet') or '—'} {first.get('date') or ''}: {str(first.get('text') or '')[:90]}"
            ),
        )
    out.print(table)
    out.print(f"{len(alerts)} alert(s)", highlight=False)


@app.command()
def track(
    db: DbOpt = None,
    rules: RulesOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl (the new alerts).")] = "table",
) -> None:
    """Fold newly stored statements into the dynamics state and raise alerts for the days touched
    (`ingest` does this itself unless given --no-track)."""
    from undertow import dynamics
    from undertow.store import Store

    with Store.open(db) as store:
        res, new = dynamics.refresh(store, rules)
    err.print(
        f"tracked {res.statements} new statement(s) over {len(res.days)} day(s); {len(new)} new alert(s)",
        highlight=False,
    )
    _print_alerts(new, fmt)


@app.command()
def alerts(
    db: DbOpt = None,
    since: Annotated[str | None, typer.Option(help="Alerts dated on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Alerts dated on or before (YYYY-MM-DD).")] = None,
    rule: Annotated[str | None, typer.Option(help="Only this rule id.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this alert type.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, jsonl or atom.")] = "table",
    atom: Annotated[Path | None, typer.Option(help="Also write the alerts as an Atom feed file.")] = None,
    webhook: Annotated[
        list[str] | None,
        typer.Option(help="POST each alert not yet delivered there to this URL (repeatable)."),
    ] = None,
    secret: Annotated[
        str | None, typer.Option(envvar="UNDERTOW_WEBHOOK_SECRET", help="HMAC-SHA256 key for webhook bodies.")
    ] = None,
    no_track: Annotated[
        bool, typer.Option("--no-track", help="Do not fold in new statements first.")
    ] = False,
    rules: RulesOpt = None,
) -> None:
    """Explainable alerts with their evidence (new narratives, bursts, first adoptions, stance
    shifts, amplification, official/state-media echo); Atom feed and webhooks."""
    from undertow import dynamics
    from undertow.dynamics import deliver
    from undertow.dynamics.alerts import stored
    from undertow.store import Store

    with Store.open(db) as store:
        if not no_track:
            dynamics.refresh(store, rules)
        found = stored(
            store, since=_day(since, "--since"), until=_day(until, "--until"), rule=rule, type=type_
        )
        if atom:
            deliver.write_atom(atom, found)
            err.print(f"wrote {len(found)} alert(s) to {atom}", highlight=False)
        if webhook:
            failed = _deliver(store, found, webhook, secret)
            if failed:
                raise typer.Exit(1)
    if fmt == "atom":
        sys.stdout.write(deliver.atom_feed(found))
    else:
        _print_alerts(found, fmt)


def _deliver(store: Any, found: list[dict[str, Any]], urls: list[str], secret: str | None) -> int:
    """POST alerts not yet delivered to each URL; remember the outcome so a failure is retried on
    the next run and a success is never sent twice. Returns the number of failed deliveries."""
    from sqlalchemy import select

    from undertow.dynamics import deliver
    from undertow.dynamics.track import upsert
    from undertow.store.schema import alert_deliveries as ad

    failed = 0
    with store.engine.connect() as conn:
        done = {
            (r.alert_id, r.target) for r in conn.execute(select(ad.c.alert_id, ad.c.target).where(ad.c.ok))
        }
    for url in urls:
        todo = [a for a in found if (a["id"], url) not in done]
        for d in deliver.deliver(todo, [url], secret=secret):
            with store.engine.begin() as conn:
                ins = upsert(conn, ad).values(
                    alert_id=d.alert_id,
                    target=d.url,
                    ok=d.ok,
                    attempts=d.attempts,
                    status=d.status,
                    error=d.error,
                    at=dt.datetime.now(dt.UTC),
                )
                conn.execute(
                    ins.on_conflict_do_update(
                        index_elements=["alert_id", "target"],
                        set_={"ok": d.ok, "attempts": d.attempts, "status": d.status, "error": d.error},
                    )
                )
            if not d.ok:
                failed += 1
                err.print(f"[red]webhook failed[/red] {d.url} alert {d.alert_id}: {d.error}", highlight=False)
        err.print(f"webhook {url}: {len(todo)} alert(s) sent, {failed} failed", highlight=False)
    return failed


@app.command()
def series(
    dim: Annotated[
        str, typer.Argument(help="narrative, narrative-doc, actor, outlet, language, issue, docs, all.")
    ],
    key: Annotated[str | None, typer.Argument(help="The narrative/actor/outlet/language/issue id.")] = None,
    db: DbOpt = None,
    since: Annotated[str | None, typer.Option(help="First day (default: 30 days before --until).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Last day (default: the last day with statements).")
    ] = None,
    normalise: Annotated[
        bool, typer.Option("--normalise", help="Mean per-outlet share instead of counts.")
    ] = False,
    bursts: Annotated[bool, typer.Option("--bursts", help="Mark Kleinberg burst intervals.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or csv.")] = "table",
) -> None:
    """A daily time series of canonical statements (syndicated copies folded)."""
    from sqlalchemy import func, select

    from undertow import dynamics
    from undertow.dynamics import bursts as bursts_mod
    from undertow.dynamics.series import series as get_series
    from undertow.store import Store
    from undertow.store.schema import daily_counts

    with Store.open(db) as store:
        dynamics.refresh(store)
        last = _day(until, "--until")
        if last is None:
            with store.engine.connect() as conn:
                last = conn.execute(select(func.max(daily_counts.c.day))).scalar() or dt.date.today()
        first = _day(since, "--since") or last - dt.timedelta(days=29)
        try:
            points = get_series(store, dim, key, first, last, normalise=normalise)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        marks: set[int] = set()
        if bursts:
            counts = [int(v) for _, v in get_series(store, dim, key, first, last)]
            volume = [int(v) for _, v in get_series(store, "all", None, first, last)]
            for a, b in bursts_mod.kleinberg(counts, volume):
                marks.update(range(a, b + 1))
    if fmt == "csv":
        sys.stdout.write("day,value" + (",burst" if bursts else "") + "\n")
        for i, (d, v) in enumerate(points):
            sys.stdout.write(f"{d.isoformat()},{v:g}" + (f",{int(i in marks)}" if bursts else "") + "\n")
        return
    peak = max((v for _, v in points), default=0) or 1
    table = Table("day", "value", "")
    for i, (d, v) in enumerate(points):
        table.add_row(d.isoformat(), f"{v:g}", "█" * round(20 * v / peak) + (" burst" if i in marks else ""))
    out.print(table)


@app.command()
def firstseen(
    db: DbOpt = None,
    narrative: Annotated[str | None, typer.Option(help="Only this narrative id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Actor x narrative entries of this actor.")] = None,
    on: Annotated[
        str | None, typer.Option(help="Status (new/longstanding) as of this day (default: today).")
    ] = None,
    lookback: Annotated[int, typer.Option(help="Days before --on that make a line longstanding.")] = 30,
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
) -> None:
    """The first-seen registry: the first statement of every narrative (and actor x narrative)."""
    from undertow import dynamics
    from undertow.dynamics.firstseen import registry
    from undertow.store import Store

    ref = _day(on, "--on")
    with Store.open(db) as store:
        dynamics.refresh(store)
        entries = registry(store, narrative=narrative, actor=actor, scope="actor" if actor else "narrative")
    rows = [e.to_json(ref, lookback) for e in entries]
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table("narrative", "first seen", "status", "first speaker", "outlet", "statements", "evidence")
    for r in rows:
        st = r["first_statement"]
        table.add_row(
            r["narrative"] + (f"\n({r['actor']})" if r["actor"] else ""),
            r["first_seen"],
            r["status"],
            st["speaker"] or "—",
            st["outlet"] or "—",
            str(r["statements"]),
            Text(st["sentence"][:120]),
        )
    out.print(table)


@app.command()
def spread(
    narrative: Annotated[str, typer.Argument(help="Narrative or sub-narrative id.")],
    db: DbOpt = None,
    since: Annotated[str | None, typer.Option(help="From (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Until (YYYY-MM-DD).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Who repeated a line after whom: syndication vs restatement, across outlets and languages."""
    from undertow.dynamics.spread import spread as get_spread
    from undertow.store import Store

    with Store.open(db) as store:
        g = get_spread(store, narrative, since=_day(since, "--since"), until=_day(until, "--until"))
    if fmt == "json":
        sys.stdout.write(json.dumps(g.to_json(), ensure_ascii=False, indent=2) + "\n")
        return
    nodes = {n["id"]: n for n in g.nodes}
    table = Table("day", "from", "to", "kind", "flags")
    if g.nodes:
        n0 = g.nodes[0]
        table.add_row(
            n0["day"], "—", f"{n0['speaker'] or '?'} @ {n0['outlet'] or '?'} ({n0['language']})", "first", ""
        )
    for e in g.edges:
        a, b = nodes[e["source"]], nodes[e["target"]]
        flags = [
            k
            for k in ("cross_outlet", "cross_language", "official_to_state_media", "state_media_to_official")
            if e[k]
        ]
        table.add_row(
            b["day"],
            f"{a['speaker'] or '?'} @ {a['outlet'] or '?'}",
            f"{b['speaker'] or '?'} @ {b['outlet'] or '?'} ({b['language']})",
            e["kind"],
            ", ".join(flags),
        )
    out.print(table)
    out.print(json.dumps(g.summary() | {"first": None}, ensure_ascii=False), highlight=False)


@narratives_app.command("candidates")
def narratives_candidates(
    db: DbOpt = None,
    min_size: Annotated[int, typer.Option(help="Smallest cluster to show.")] = 3,
    since: Annotated[str | None, typer.Option(help="Clusters active on or after (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
) -> None:
    """Growing clusters of statements that fit no taxonomy label: candidate new narratives."""
    from undertow import dynamics
    from undertow.dynamics.discover import candidates
    from undertow.store import Store

    with Store.open(db) as store:
        dynamics.refresh(store)
        found = candidates(store, min_size=min_size, since=_day(since, "--since"), limit=limit)
    if fmt == "jsonl":
        for c in found:
            sys.stdout.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
        return
    table = Table("cluster", "size", "docs", "first seen", "top speakers", "exemplars")
    for c in found:
        table.add_row(
            c.id,
            str(c.size),
            str(c.documents),
            c.first_day.isoformat() if c.first_day else "—",
            ", ".join(a for a, _ in c.speakers[:3]) or "—",
            Text("\n".join("• " + e["text"][:100] for e in c.exemplars)),
        )
    out.print(table)
    out.print(
        f"{len(found)} candidate(s); promote one with: "
        "undertow narratives promote CLUSTER --as ID --taxonomy FILE"
    )


@narratives_app.command("promote")
def narratives_promote(
    cluster: Annotated[str, typer.Argument(help="Cluster id from `undertow narratives candidates`.")],
    as_id: Annotated[str, typer.Option("--as", help="The new node's id (a slug).")],
    taxonomy: Annotated[Path, typer.Option("--taxonomy", help="Taxonomy YAML file to add it to.")],
    label: Annotated[str | None, typer.Option(help="Human label (default: from the id).")] = None,
    parent: Annotated[str | None, typer.Option(help="Add as a sub-narrative of this narrative.")] = None,
    description: Annotated[str | None, typer.Option(help="One-line description.")] = None,
    db: DbOpt = None,
) -> None:
    """Add a candidate cluster to a taxonomy file as a narrative, its statements as examples."""
    from undertow.dynamics.discover import promote
    from undertow.store import Store

    with Store.open(db) as store:
        try:
            node = promote(
                store, cluster, as_id, taxonomy, label=label, parent=parent, description=description
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    out.print(f"added {node['id']} ({len(node['examples'])} examples) to {taxonomy}", highlight=False)


@app.command()
def brief(
    date: Annotated[str, typer.Option("--date", help="The brief's day (YYYY-MM-DD).")],
    since: Annotated[
        str | None, typer.Option(help="First day covered (default: 6 days before --date).")
    ] = None,
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """An ISW-style daily brief; every sentence cites stored statements."""
    from undertow import dynamics
    from undertow.report.brief import build
    from undertow.store import Store

    if fmt not in ("md", "html"):
        raise typer.BadParameter("--format is md or html")
    day = _day(date, "--date")
    assert day is not None
    with Store.open(db) as store:
        dynamics.refresh(store)
        try:
            b = build(store, day, _day(since, "--since"))
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    text = b.to_markdown() if fmt == "md" else b.to_html()
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote the brief for {day} to {output}", highlight=False)
    else:
        sys.stdout.write(text)
