"""Shared fixtures: a fresh store per test, the shared folder (tests using it skip without it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
SEED = SHARED / "seed" / "000_9c6035b3240adb3a.txt"
DEMO = ROOT / "src" / "undertow" / "data" / "demo"


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server on loopback for the whole session (``store/pgserver.py``),
    with a migrated template database that each test's database is copied from. Tests that need
    it skip when the server binaries are missing, except under CI=true, where that fails."""
    import tempfile

    from undertow.store import Store, pgserver

    if not pgserver.available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing (scripts/setup-postgres.sh installs them)")
        pytest.skip("PostgreSQL server binaries are missing (run scripts/setup-postgres.sh)")
    server = pgserver.TempServer(tempfile.mkdtemp(prefix="undertow-pg-", dir="/tmp"))
    server.start()
    server.psql('CREATE DATABASE "template_undertow"')
    Store.open(server.url("template_undertow")).close()  # migrated once; tests copy it
    yield server
    server.destroy()


_pg_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server) -> str:
    """URL of a new, migrated PostgreSQL database for this test."""
    name = f"t{next(_pg_databases)}"
    pg_server.psql(f'CREATE DATABASE "{name}" TEMPLATE "template_undertow"')
    return pg_server.url(name)


@pytest.fixture(scope="session")
def demo_pg_template(pg_server) -> str:
    """Name of a PostgreSQL database holding the ingested, tracked demo corpus; nothing stays
    connected to it, so that each test's copy (``demo_pg``, ``demo_pg_copy``) can be made from it."""
    from undertow import dynamics
    from undertow.pipeline import ingest
    from undertow.store import Store

    pg_server.psql('CREATE DATABASE "demo_template" TEMPLATE "template_undertow"')
    with Store.open(pg_server.url("demo_template")) as s:
        ingest([str(DEMO)], s, workers=2)
        dynamics.refresh(s)
    return "demo_template"


@pytest.fixture(scope="session")
def demo_pg(pg_server, demo_pg_template: str) -> str:
    """URL of the demo store on PostgreSQL, shared by the session: treat it as read-only."""
    pg_server.psql(f'CREATE DATABASE "demo_shared" TEMPLATE "{demo_pg_template}"')
    return pg_server.url("demo_shared")


@pytest.fixture
def demo_pg_copy(pg_server, demo_pg_template: str) -> str:
    """URL of a private, writable copy of the demo store on PostgreSQL."""
    name = f"demo{next(_pg_databases)}"
    pg_server.psql(f'CREATE DATABASE "{name}" TEMPLATE "{demo_pg_template}"')
    return pg_server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path: Path) -> str:
    """A new database on each engine: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "test.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db: str):
    from undertow.store import Store

    s = Store.open(db)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """Path of a store holding the ingested, tracked demo corpus, built once per test session.
    Treat it as read-only: a test that writes copies it first (``demo_copy``)."""
    from undertow import dynamics
    from undertow.pipeline import ingest
    from undertow.store import Store

    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store.open(str(db)) as s:
        ingest([str(DEMO)], s, workers=2)
        dynamics.refresh(s)
    return str(db)  # closed: the WAL is checkpointed into the file


@pytest.fixture
def demo_copy(demo_db: str, tmp_path: Path) -> str:
    """A private, writable copy of the demo store."""
    import shutil

    dst = tmp_path / "demo.db"
    shutil.copy(demo_db, dst)
    return str(dst)


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    published: str | None = None,
    author: str | None = None,
    url: str | None = None,
    lang: str = "en",
    site: str = "Example News",
) -> str:
    """A realistic small news page with navigation, share buttons and a footer around the body."""
    meta = []
    if published:
        meta.append(f'<meta property="article:published_time" content="{published}T09:00:00+00:00">')
    if author:
        meta.append(f'<meta name="author" content="{author}">')
    if url:
        meta.append(f'<link rel="canonical" href="{url}">')
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{title} | {site}</title>{"".join(meta)}
<meta property="og:title" content="{title}"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a>
<a href="/about">About us</a></nav></header>
<main><article><h1>{title}</h1>
{f'<p class="byline">By {author}</p>' if author else ""}
{body}
</article>
<aside><h3>Related articles</h3><ul><li><a href="/a">Markets rally on hopes</a></li>
<li><a href="/b">Weather turns cold</a></li></ul></aside></main>
<footer><p>Subscribe to our newsletter</p><p>&copy; 2026 {site}. All rights reserved.</p></footer>
</body></html>"""
