"""``undertow serve``: the dashboard and the JSON API over one store (docs/web.md).
Registered on the app of ``cli.py``."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from undertow.cli import DbOpt, app, err

TOKEN_ENV = "UNDERTOW_API_TOKEN"


def _fail(msg: str) -> typer.Exit:
    err.print(f"[red]error[/red] {msg}", highlight=False)
    return typer.Exit(2)


def _read_token(token_file: Path | None) -> str | None:
    if token_file is None:
        token = os.environ.get(TOKEN_ENV, "").strip()
        return token or None
    try:
        token = token_file.expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise _fail(f"cannot read the token file {token_file}: {exc.strerror or exc}") from None
    if len(token) < 16:
        raise _fail(f"the token in {token_file} is too short (at least 16 characters)")
    return token


def _loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_cmd(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    token_file: Annotated[
        Path | None,
        typer.Option(help=f"File holding the bearer token for writes (default: ${TOKEN_ENV})."),
    ] = None,
    closed_reads: Annotated[
        bool, typer.Option("--closed-reads", help="Reads need the token too (dashboard: /login).")
    ] = False,
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="The taxonomy YAML that PUT /api/taxonomy and promotions edit."),
    ] = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Let POST /api/ingest fetch private/loopback URLs.")
    ] = False,
    max_body: Annotated[int, typer.Option(min=1024, help="Largest request body, in bytes.")] = 2_000_000,
    rate_limit: Annotated[
        int, typer.Option(min=0, help="Requests a minute per client address (0: no limit).")
    ] = 1200,
    write_rate_limit: Annotated[
        int, typer.Option(min=0, help="Writes (POST/PUT/DELETE) a minute per client address (0: no limit).")
    ] = 60,
) -> None:
    """Serve the dashboard (/) and the JSON API (/api/..., /openapi.json) over the store."""
    import uvicorn

    from undertow.archive import _db_path
    from undertow.web import WebConfig, create_app

    path = _db_path(db)
    if path is not None and not path.exists():
        raise _fail(f"no undertow database at {path} (run `undertow ingest ... --db {path}` first)")
    token = _read_token(token_file)
    if closed_reads and not token:
        raise _fail(f"--closed-reads needs a token (${TOKEN_ENV} or --token-file)")
    if taxonomy is not None and not taxonomy.is_file():
        raise _fail(f"no taxonomy file at {taxonomy}")
    if not _loopback(host) and not token:
        err.print(
            f"[yellow]warning[/yellow] listening on {host} with open reads and no token: "
            "anyone who can reach it can read the record (writes stay off)",
            highlight=False,
        )
    config = WebConfig(
        db=db,
        token=token,
        open_reads=not closed_reads,
        taxonomy_file=taxonomy,
        max_body=max_body,
        allow_private=allow_private,
        rate_limit=rate_limit,
        write_rate_limit=write_rate_limit,
    )
    application = create_app(config)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"undertow dashboard: http://{shown}:{port}/   API: http://{shown}:{port}/openapi.json")
    err.print(
        f"writes: {'on (bearer token)' if token else 'off (no token configured)'}; "
        f"reads: {'closed' if closed_reads else 'open'}"
    )
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)
