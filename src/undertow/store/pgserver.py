"""A throwaway PostgreSQL server on loopback, for the tests and benchmarks.

It runs the Debian ``postgresql`` binaries (``scripts/setup-postgres.sh`` installs them) from a
data folder of its own: ``initdb`` there, ``pg_ctl start`` listening on 127.0.0.1 only (its socket
in the same folder), trust authentication for the one local user, and ``stop`` removes nothing
but the server process (``TempServer.destroy`` removes the folder too).

    python -m undertow.store.pgserver start /tmp/pg     # prints the database URL
    python -m undertow.store.pgserver stop /tmp/pg

``initdb`` refuses to run as root: as root the folder is handed to the ``postgres`` system user
(created by the Debian package) and the server runs as that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from undertow.errors import UndertowError

USER = "undertow"
DATABASE = "undertow"


class ServerError(UndertowError):
    """The throwaway server could not be found, created or started."""


def bindir() -> Path:
    """The folder of ``initdb``/``pg_ctl``: ``PG_BIN``, else the newest Debian one, else ``PATH``."""
    if env := os.environ.get("PG_BIN"):
        return Path(env)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise ServerError("PostgreSQL server binaries not found (run scripts/setup-postgres.sh, or set PG_BIN)")


def available() -> bool:
    try:
        bindir()
    except ServerError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempServer:
    """A PostgreSQL server whose data folder is ``root``; ``url`` names its ``undertow`` database."""

    def __init__(self, root: str | Path, *, durable: bool = False) -> None:
        self.root = Path(root).resolve()
        self.data = self.root / "data"
        self.durable = durable  # fsync on (benchmarks, crash tests); off for unit tests' speed
        self.bin = bindir()

    # --- paths and URLs ---

    @property
    def port(self) -> int:
        return int((self.root / "port").read_text())

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    # --- life cycle ---

    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return args
        return ["runuser", "-u", "postgres", "--", *args]

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(self._as_owner(args), capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise ServerError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc

    def running(self) -> bool:
        if not self.data.is_dir():
            return False
        status = self._run([str(self.bin / "pg_ctl"), "status", "-D", str(self.data)], check=False)
        return status.returncode == 0

    def start(self) -> TempServer:
        """Create the cluster if needed and start it; idempotent."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    USER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ]
            )
        if self.running():
            return self
        port = _free_port()
        (self.root / "port").write_text(str(port))
        opts = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port}",
            f"-c unix_socket_directories={self.root}",
            "-c max_connections=200",
            "-c shared_buffers=256MB",
        ]
        if not self.durable:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        log = self.root / "server.log"
        self._run(
            [
                *(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data)),
                *("-l", str(log), "-o", " ".join(opts)),
            ]
        )
        self._wait_ready()
        self._create_database(DATABASE)
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise ServerError(f"PostgreSQL in {self.root} did not start listening on port {self.port}")

    def psql(self, sql: str, database: str = "postgres") -> str:
        proc = subprocess.run(
            [
                *(str(self.bin / "psql"), "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(self.port)),
                *("-U", USER, "-d", database, "-v", "ON_ERROR_STOP=1", "-c", sql),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise ServerError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout

    def _create_database(self, name: str) -> None:
        if not self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
            self.psql(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        if self.running():
            self._run([str(self.bin / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data)])

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.destroy()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in {"start", "stop", "destroy", "url"}:
        print("usage: python -m undertow.store.pgserver start|stop|destroy|url FOLDER", file=sys.stderr)
        return 2
    server = TempServer(args[1], durable=True)
    try:
        if args[0] == "start":
            print(server.start().url())
        elif args[0] == "url":
            print(server.url())
        elif args[0] == "stop":
            server.stop()
        else:
            server.destroy()
    except UndertowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
