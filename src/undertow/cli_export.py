"""``undertow export``: the record as CSV, JSON Lines, Parquet or PLOVER JSON (docs/export.md).
Registered on the app of ``cli.py``."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from undertow.cli import DbOpt, app, err

Opt = Annotated[str | None, typer.Option()]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fail(msg: str) -> typer.Exit:
    err.print(f"[red]error[/red] {msg}", highlight=False)
    return typer.Exit(2)


@app.command("export")
def export_cmd(
    kind: Annotated[str, typer.Argument(help="statements, events, narratives, stances or documents.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv, jsonl, parquet, or plover (events only).")
    ] = "jsonl",
    db: DbOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor id (speaker, or event party).")] = None,
    narrative: Annotated[
        str | None, typer.Option(help="Only this narrative (or its sub-narratives).")
    ] = None,
    issue: Annotated[str | None, typer.Option(help="Only stances on this issue.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet id.")] = None,
    language: Annotated[str | None, typer.Option(help="Only this language (en, ru, uk, ...).")] = None,
    since: Annotated[str | None, typer.Option(help="On or after this day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="On or before this day (YYYY-MM-DD).")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this event type (PLOVER).")] = None,
    polarity: Annotated[str | None, typer.Option(help="Only this stance polarity.")] = None,
    include_duplicates: Annotated[
        bool, typer.Option("--include-duplicates", help="Include syndicated copies.")
    ] = False,
) -> None:
    """Export a selection of the record, streamed in constant memory. Without -o it goes to
    stdout; with -o the file is replaced only once the export is complete."""
    from undertow import export as ex
    from undertow.archive import _db_path
    from undertow.query import Filters, QueryError
    from undertow.store import Store

    try:
        f = Filters.parse(
            actor=actor,
            narrative=narrative,
            issue=issue,
            outlet=outlet,
            language=language,
            since=since,
            until=until,
            type=type_,
            polarity=polarity,
            include_duplicates=include_duplicates,
        )
        ex.check(kind, fmt, f)
    except QueryError as exc:
        raise _fail(str(exc)) from None
    path = _db_path(db)
    if path is not None and not path.exists():
        raise _fail(f"no undertow database at {path}")
    if output is not None:
        output = output.expanduser()
        if not output.parent.is_dir():
            raise _fail(f"no such folder: {output.parent}")
        if output.is_dir():
            raise _fail(f"{output} is a folder")
    with Store.open(db) as store:
        if output is None:
            try:
                ex.write(store.engine, kind, fmt, f, sys.stdout.buffer)
            except BrokenPipeError:  # `undertow export ... | head`
                with contextlib.suppress(OSError):
                    sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (no second error at exit)
                raise typer.Exit(0) from None
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
        try:
            os.chmod(tmp, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as fh:
                n = ex.write(store.engine, kind, fmt, f, fh)
                os.fsync(fh.fileno())
            os.replace(tmp, output)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    err.print(f"wrote {n} rows to {output}", highlight=False)
