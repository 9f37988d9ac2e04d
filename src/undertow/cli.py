"""The ``undertow`` command line: thin wrappers over the library (parse, call, print)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from undertow import config
from undertow.errors import InputError, UndertowError

app = typer.Typer(
    name="undertow",
    help="Who said what, when, about which issue, with which framing: ingest, annotate, search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOpt = Annotated[
    str | None, typer.Option("--db", help="Database file or URL (default: $UNDERTOW_DB or undertow.db).")
]
PublishedOpt = Annotated[
    str | None,
    typer.Option("--published", help="Publication date (YYYY-MM-DD) for inputs that carry none."),
]


TaxonomyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--taxonomy",
        help="Narrative taxonomy: a YAML/JSON file or a shipped name (war-rhetoric, semeval-urw); "
        "repeatable. Default: war-rhetoric.",
    ),
]


def _taxonomies(values: list[str] | None) -> tuple[str, ...]:
    """Check the taxonomy files now (a clear error before any work), return them for the pipeline."""
    from undertow.narratives.taxonomy import SHIPPED, load_taxonomies

    for t in values or []:
        if t not in SHIPPED and not Path(t).is_file():
            raise typer.BadParameter(f"{t}: no such file (or shipped taxonomy)", param_hint="--taxonomy")
    load_taxonomies(values)  # raises DataFileError naming the file and the node
    return tuple(values or ())


def _day(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=flag) from None


def _sources(store: Any, allow_private: bool, robots: bool, defer_reads: bool = False) -> Any:
    from undertow.ingest.sources import Sources

    return Sources.fetching(store, allow_private=allow_private, robots=robots, defer_reads=defer_reads)


def item_progress(label: str, *, disable: bool) -> Progress:
    """The progress bar of a command that works through inputs (stderr; gone when done)."""
    return Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        console=err,
        disable=disable,
        transient=True,
    )


@app.command()
def ingest(
    sources: Annotated[
        list[str], typer.Argument(help="Files, folders, JSONL, RSS/Atom feeds or http(s) URLs.")
    ],
    db: DbOpt = None,
    published: PublishedOpt = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes for extraction.")] = 1,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow fetching loopback/private addresses.")
    ] = False,
    robots: Annotated[bool, typer.Option("--robots/--no-robots", help="Honour robots.txt.")] = True,
    outlets: Annotated[Path | None, typer.Option(help="Outlets registry YAML (default: shipped).")] = None,
    taxonomy: TaxonomyOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    no_track: Annotated[
        bool, typer.Option("--no-track", help="Do not update the dynamics state and alerts afterwards.")
    ] = False,
) -> None:
    """Ingest documents into the store. Exit code 1 when any input failed (the rest are stored)."""
    from undertow.pipeline import PipelineOptions
    from undertow.pipeline import ingest as run_ingest
    from undertow.store import Store

    options = PipelineOptions(
        languages=config.Settings.from_env().languages,
        default_published=_day(published, "--published"),
        outlets_file=str(outlets) if outlets else None,
        taxonomies=_taxonomies(taxonomy),
    )
    with Store.open(db) as store:
        progress = item_progress("ingest", disable=quiet)
        with progress:
            task = progress.add_task("ingest", total=None, last="")

            def on_event(kind: str, obj: Any) -> None:
                if kind == "error":
                    progress.console.print(f"[red]error[/red] {obj.source}: {obj.reason}", highlight=False)
                    progress.advance(task)
                elif kind == "saved":
                    doc, _ = obj
                    progress.update(task, advance=1, last=(doc.title or doc.source)[:50])

            report = run_ingest(
                sources,
                store,
                options=options,
                sources=_sources(store, allow_private, robots, defer_reads=True),  # pages read by workers
                workers=workers,
                on_event=on_event,
            )
        total = store.count_documents()
        if not no_track:
            from undertow import dynamics

            tracked, new_alerts = dynamics.refresh(store)
            err.print(
                f"tracked {tracked.statements} new statement(s); {len(new_alerts)} new alert(s) "
                "(see `undertow alerts`)",
                highlight=False,
            )
    out.print(
        f"ingested: {report.stored} new, {report.duplicates} syndicated copies folded, "
        f"{report.unchanged} unchanged, {report.failed} failed; "
        f"{total} documents in {config.display_url(db)}",
        highlight=False,
    )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def annotate(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, JSONL, feeds or URLs.")],
    published: PublishedOpt = None,
    taxonomy: TaxonomyOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl (one record per line) or json.")] = "jsonl",
    db: Annotated[
        str | None, typer.Option("--db", help="Also store the documents here (default: nothing stored).")
    ] = None,
    allow_private: Annotated[bool, typer.Option("--allow-private")] = False,
) -> None:
    """Print the record (docs/record.md) of each input as JSON, one object per document."""
    from undertow.pipeline import PipelineOptions
    from undertow.pipeline import ingest as run_ingest
    from undertow.store import Store

    if fmt not in ("jsonl", "json"):
        raise typer.BadParameter("use jsonl or json", param_hint="--format")
    options = PipelineOptions(
        languages=config.Settings.from_env().languages,
        default_published=_day(published, "--published"),
        taxonomies=_taxonomies(taxonomy),
    )
    records: list[dict[str, Any]] = []

    def on_event(kind: str, obj: Any) -> None:
        if kind == "error":
            err.print(f"[red]error[/red] {obj.source}: {obj.reason}", highlight=False)
        elif kind == "saved":
            doc, _ = obj
            rec = doc.to_record()
            if fmt == "jsonl":
                sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                records.append(rec)

    # Without --db the documents go to a throw-away in-memory store, so syndicated copies among
    # the inputs are still folded and the code path is the same as ingest's.
    with Store.open(db or "sqlite://") as store:
        report = run_ingest(
            inputs, store, options=options, sources=_sources(store, allow_private, True), on_event=on_event
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='Full-text query: words, "phrases", prefix*, OR, AND, NOT, parentheses.')
    ],
    db: DbOpt = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Only documents in this language.")] = None,
    since: Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet id.")] = None,
    duplicates: Annotated[bool, typer.Option("--duplicates", help="Include syndicated copies.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
) -> None:
    """Search stored documents (titles and text), best matches first."""
    from undertow.store import Store
    from undertow.store.ftsquery import SearchQueryError

    with Store.open(db) as store:
        try:
            hits = store.search(
                query,
                limit=limit,
                language=lang,
                since=_day(since, "--since"),
                until=_day(until, "--until"),
                outlet=outlet,
                include_duplicates=duplicates,
            )
        except SearchQueryError as exc:
            err.print(f"[red]error[/red] {exc}", highlight=False)
            raise typer.Exit(2) from None
    if fmt == "jsonl":
        for h in hits:
            sys.stdout.write(json.dumps(h, default=str, ensure_ascii=False) + "\n")
        return
    table = Table("published", "outlet", "lang", "title", "snippet", show_lines=False)
    for h in hits:
        table.add_row(
            str(h["published"] or "—"),
            h["outlet_id"] or "—",
            h["language"] or "—",
            Text(h["title"] or "—"),
            _highlighted(h["snippet"]),
        )
    out.print(table)
    out.print(f"{len(hits)} result(s)", highlight=False)


def _highlighted(snippet: str) -> Text:
    """A search snippet with its [matched terms] in bold (the text itself is never markup)."""
    text = Text()
    for i, part in enumerate(re.split(r"\[([^\[\]]*)\]", snippet)):
        text.append(part, style="bold yellow" if i % 2 else None)
    return text


@app.command()
def statements(
    db: DbOpt = None,
    actor: Annotated[str | None, typer.Option(help="Only this speaker (actor id).")] = None,
    since: Annotated[str | None, typer.Option(help="Said on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Said on or before (YYYY-MM-DD).")] = None,
    narrative: Annotated[str | None, typer.Option(help="Only statements with this narrative id.")] = None,
    issue: Annotated[str | None, typer.Option(help="Only statements with a stance on this issue.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    fmt: Annotated[str, typer.Option("--format", help="table or jsonl.")] = "table",
) -> None:
    """Who said what, with which framing: stored statements, oldest first (syndicated copies once)."""
    from undertow.store import Store

    with Store.open(db) as store:
        rows = store.statements(
            actor=actor,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
            limit=limit,
            narrative=narrative,
            issue=issue,
        )
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table("date", "speaker", "kind", "medium", "outlet", "what was said", "framing")
    for r in rows:
        content = r["content"]["text"]
        framing = [n["id"] for n in r.get("narratives", [])[:1]]
        framing += [f"{x['issue']}: {x['polarity']}" for x in r.get("stances", [])[:1]]
        table.add_row(
            r["date"] or "—",
            r["speaker"]["actor_id"] or "—",
            r["kind"],
            r["medium"] or "—",
            r["outlet"] or "—",
            Text(content if len(content) < 140 else content[:137] + "…"),
            Text("\n".join(framing) or "—"),
        )
    out.print(table)
    out.print(f"{len(rows)} statement(s)", highlight=False)


_INTERVAL = re.compile(r"^(\d+)\s*([smhd]?)$")


def _seconds(value: str) -> float:
    m = _INTERVAL.match(value.strip().lower())
    if not m:
        raise typer.BadParameter(f"{value!r}: use e.g. 30s, 10m, 2h", param_hint="--every")
    n, unit = int(m.group(1)), m.group(2) or "s"
    return n * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


@app.command()
def watch(
    feeds: Annotated[list[str], typer.Argument(help="RSS/Atom feed URLs (or feed files).")],
    every: Annotated[str, typer.Option(help="Polling interval: 30s, 10m, 1h.")] = "10m",
    db: DbOpt = None,
    iterations: Annotated[int, typer.Option(help="Stop after this many polls (0: run until stopped).")] = 0,
    allow_private: Annotated[bool, typer.Option("--allow-private")] = False,
    robots: Annotated[bool, typer.Option("--robots/--no-robots")] = True,
    atom: Annotated[
        Path | None, typer.Option(help="Rewrite this Atom feed of alerts after each poll.")
    ] = None,
    webhook: Annotated[
        list[str] | None, typer.Option(help="POST new alerts to this URL after each poll (repeatable).")
    ] = None,
    secret: Annotated[
        str | None, typer.Option(envvar="UNDERTOW_WEBHOOK_SECRET", help="HMAC-SHA256 key for webhook bodies.")
    ] = None,
) -> None:
    """Poll feeds at an interval: conditional GET, only items not seen before are ingested; after
    each poll the dynamics are updated and new alerts go to the Atom file and webhooks."""
    from undertow import dynamics
    from undertow.cli_track import _deliver
    from undertow.dynamics import deliver
    from undertow.dynamics.alerts import stored
    from undertow.pipeline import PipelineOptions
    from undertow.pipeline import ingest as run_ingest
    from undertow.store import Store

    interval = _seconds(every)
    options = PipelineOptions(languages=config.Settings.from_env().languages)
    n = 0
    with Store.open(db) as store:
        srcs = _sources(store, allow_private, robots)
        while True:
            n += 1
            report = run_ingest(
                feeds,
                store,
                options=options,
                sources=srcs,
                on_event=lambda k, o: k == "error" and err.print(f"[red]error[/red] {o.source}: {o.reason}"),
            )
            _, new_alerts = dynamics.refresh(store)
            if atom:
                deliver.write_atom(atom, stored(store))
            if webhook and new_alerts:
                _deliver(store, new_alerts, webhook, secret)
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            out.print(
                f"{stamp} poll {n}: {report.stored} new, {report.duplicates} folded, {report.failed} failed; "
                f"{len(new_alerts)} new alert(s)",
                highlight=False,
            )
            if iterations and n >= iterations:
                break
            time.sleep(interval)


@app.command()
def stats(db: DbOpt = None) -> None:
    """What the store holds: documents, syndicated copies, languages, outlets, dates."""
    from undertow.store import Store

    with Store.open(db) as store:
        s = store.stats()
    out.print(
        f"{s['documents']} documents ({s['canonical']} canonical, {s['duplicates']} syndicated copies, "
        f"{s['undated']} undated), published {s['first_published']} … {s['last_published']}; "
        f"{s['ingest_errors']} ingest errors logged",
        highlight=False,
    )
    table = Table("outlet", "documents")
    for k, v in s["by_outlet"].items():
        table.add_row(str(k), str(v))
    out.print(table)
    out.print("languages: " + ", ".join(f"{k}={v}" for k, v in s["by_language"].items()), highlight=False)


@app.command()
def train(
    taxonomy: Annotated[str, typer.Option("--taxonomy", help="Taxonomy file or shipped name.")],
    examples: Annotated[
        Path | None, typer.Option("--examples", help='JSONL: {"text", "labels": [...], "lang"?} per line.')
    ] = None,
    docs: Annotated[Path | None, typer.Option("--docs", help="Or: a documents folder ...")] = None,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="... with its labels.tsv (eval format).")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Head file (default: beside the taxonomy, <name>.head.json).")
    ] = None,
) -> None:
    """Fit a light head on labelled examples; the classifier uses it whenever it loads the taxonomy."""
    from undertow.narratives import train as tr
    from undertow.narratives.classify import NarrativeClassifier
    from undertow.narratives.taxonomy import load_taxonomy

    _taxonomies([taxonomy])
    tax = load_taxonomy(taxonomy)
    if examples is not None:
        pairs = tr.read_examples(examples, tax)
    elif docs is not None and gold is not None:
        pairs = tr.examples_from_gold(docs, gold, tax)
    else:
        raise typer.BadParameter("give --examples FILE.jsonl, or --docs DIR with --gold labels.tsv")
    clf = NarrativeClassifier([tax], use_heads=False)
    head, fit = tr.fit_head(clf, 0, pairs)
    target = out_path or tr.head_path(tax)
    if target is None:
        raise typer.BadParameter("say where to write the head", param_hint="--out")
    tr.save_head(head, target)
    out.print(
        f"trained on {len(pairs)} examples: samples-F1 on them coarse {fit['coarse_f1']:.3f}, "
        f"fine {fit['fine_f1']:.3f}; head written to {target}",
        highlight=False,
    )


eval_app = typer.Typer(help="Measure undertow against gold data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("statements")
def eval_statements(
    gold: Annotated[
        Path | None, typer.Option(help="Gold JSONL (default: the team's set in tests/data).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Speaker / cue / content precision, recall and F1 (exact span and >= 50 % token overlap)."""
    from undertow.evaluation import statements as ev

    items = ev.load_gold(gold or ev.DEFAULT_GOLD)
    result = ev.score(items, ev.predict(items))
    out.print(
        json.dumps(result, indent=2, default=str) if as_json else ev.format_report(result), highlight=False
    )


@eval_app.command("events")
def eval_events(
    path: Annotated[
        Path | None, typer.Argument(help="PLOVER GSR JSONL (default: ../shared/eval/plover_gsr).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """PLOVER event-type accuracy and macro-F1 (all, tuning half, held-out half)."""
    from undertow.evaluation import events as ev

    args = ([str(path)] if path else []) + (["--json"] if as_json else [])
    raise typer.Exit(ev.main(args))


@eval_app.command("narratives")
def eval_narratives(
    taxonomy: Annotated[str, typer.Option("--taxonomy", help="Taxonomy file or shipped name.")],
    docs: Annotated[Path, typer.Option("--docs", help="Folder of documents (id = file name).")],
    gold: Annotated[Path, typer.Option("--gold", help="labels.tsv: doc_id, narratives, sub-narratives.")],
    per_label: Annotated[bool, typer.Option("--per-label", help="Also print per-narrative counts.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Samples-F1 of document narratives (coarse) and sub-narratives (fine), as SemEval-2025 Task 10."""
    from undertow.evaluation import narratives as ev
    from undertow.narratives.taxonomy import load_taxonomy

    _taxonomies([taxonomy])
    tax = load_taxonomy(taxonomy)
    results, seconds = ev.evaluate(tax, docs, gold)
    rep = ev.report(results)
    if as_json:
        out.print(json.dumps({"scores": rep, "seconds": seconds}, indent=2), highlight=False)
        return
    out.print(ev.format_report(rep, seconds, len(results)), highlight=False)
    if per_label:
        for lab, (tp, fp, fn) in sorted(ev.label_counts(results).items(), key=lambda kv: -sum(kv[1])):
            name = tax[lab].label if tax.get(lab) else lab
            out.print(f"  {name[:60]:<60} tp={tp:<3} fp={fp:<3} fn={fn:<3}", highlight=False)


@eval_app.command("stances")
def eval_stances(
    gold: Annotated[
        Path | None, typer.Option(help="Stance JSONL (default: bench/data/stances-dev.jsonl).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Issue detection and polarity accuracy of statement stances."""
    from undertow.evaluation import stances as ev

    result = ev.evaluate(gold or ev.DEFAULT_GOLD)
    out.print(json.dumps(result, indent=2) if as_json else ev.format_report(result), highlight=False)


from undertow import cli_export  # noqa: E402,F401,I001  (registers the export command)
from undertow import cli_scale  # noqa: E402, F401  (registers the backfill command)
from undertow import cli_serve  # noqa: E402, F401  (registers the serve command)
from undertow import cli_track  # noqa: E402, F401  (registers the track and report commands)


def main() -> None:  # pragma: no cover
    try:
        app()
    except (UndertowError, InputError) as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        sys.exit(2)
