"""``undertow backfill``: the pipeline over a large set of inputs, on this machine or a Ray cluster
(``backfill.py``, docs/scaling.md). Registered on the app of ``cli.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from undertow import config
from undertow.cli import DbOpt, PublishedOpt, TaxonomyOpt, _day, _taxonomies, app, err, item_progress, out


@app.command()
def backfill(
    sources: Annotated[
        list[str], typer.Argument(help="Files, folders, JSONL archives, feeds or http(s) URLs.")
    ],
    engine: Annotated[
        str, typer.Option(help="local: a process pool here; ray: Ray Data, here or on a cluster.")
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(help="Ray cluster to join (auto, ray://head:10001); default: start Ray here."),
    ] = None,
    db: DbOpt = None,
    published: PublishedOpt = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (local) or actors per stage (ray).")
    ] = 2,
    writers: Annotated[
        int | None, typer.Option(min=1, help="Ray writer actors (default 1 on SQLite, 2 on PostgreSQL).")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per Ray Data batch.")] = 8,
    outlets: Annotated[Path | None, typer.Option(help="Outlets registry YAML (default: shipped).")] = None,
    taxonomy: TaxonomyOpt = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow fetching loopback/private addresses.")
    ] = False,
    robots: Annotated[bool, typer.Option("--robots/--no-robots", help="Honour robots.txt.")] = True,
    no_track: Annotated[
        bool, typer.Option("--no-track", help="Do not update the dynamics state and alerts afterwards.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Back-fill an archive. Resumable: a rerun skips what is stored. Exit 1 when an input failed."""
    from undertow.backfill import BackfillOptions
    from undertow.backfill import backfill as run_backfill
    from undertow.pipeline import PipelineOptions
    from undertow.store import Store

    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"{engine!r}: use local or ray", param_hint="--engine")
    if address and engine != "ray":
        raise typer.BadParameter("--address needs --engine ray", param_hint="--address")
    popts = PipelineOptions(
        languages=config.Settings.from_env().languages,
        default_published=_day(published, "--published"),
        outlets_file=str(outlets.resolve()) if outlets else None,
        taxonomies=tuple(str(Path(t).resolve()) if Path(t).is_file() else t for t in _taxonomies(taxonomy)),
    )
    opts = BackfillOptions(
        engine=engine,  # type: ignore[arg-type]
        workers=workers,
        writers=writers,
        address=address,
        batch_size=batch_size,
        allow_private=allow_private,
        robots=robots,
        progress=not quiet,
    )
    # Ray Data draws its own bars, one per stage
    progress = item_progress(f"backfill ({engine})", disable=quiet or engine == "ray")
    with progress:
        task = progress.add_task("backfill", total=None, last="")

        def on_event(kind: str, obj: Any) -> None:
            if kind == "error":
                progress.console.print(f"[red]error[/red] {obj.source}: {obj.reason}", highlight=False)
            label = obj if kind == "skipped" else getattr(obj, "source", "")
            if kind == "saved":
                label = obj[0].source if isinstance(obj, tuple) else obj["source"]
            progress.update(task, advance=1, last=f"{kind} {str(label)[-50:]}")

        report = run_backfill(
            sources, config.db_url(db), options=opts, pipeline_options=popts, on_event=on_event
        )
    with Store.open(db) as store:
        total = store.count_documents()
        if not no_track:
            from undertow import dynamics

            tracked, new_alerts = dynamics.refresh(store)
            err.print(
                f"tracked {tracked.statements} new statement(s); {len(new_alerts)} new alert(s)",
                highlight=False,
            )
    rate = report.processed / report.seconds if report.seconds else 0.0
    out.print(
        f"backfill ({engine}): {report.inputs} input(s), {report.skipped} already stored, "
        f"{report.stored} new, {report.duplicates} syndicated copies folded, {report.unchanged} unchanged, "
        f"{report.failed} failed in {report.seconds:.1f} s ({rate:.2f} documents/s); "
        f"{total} documents in {config.display_url(db)}",
        highlight=False,
    )
    if report.failed:
        raise typer.Exit(1)
