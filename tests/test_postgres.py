"""What only the PostgreSQL store does: per-language text-search configurations, the query
translation, several writers at once, and the server the tests start for themselves."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from undertow.ingest.dedupe import fingerprint
from undertow.records import Document
from undertow.store import Store, ftsquery
from undertow.store.ftsquery import SearchQueryError
from undertow.store.schema import documents, statements

EN = (
    "The minister said the security guarantees offered to Kyiv were an ultimatum, and that "
    "negotiations would resume only after the guarantees were withdrawn by the Western capitals."
)
RU = (
    "Министр заявил, что переговоры с Киевом продолжатся, но гарантии безопасности для Украины "
    "остаются неприемлемыми для Москвы, пока западные столицы не откажутся от своих требований."
)
UK = (
    "Міністр заявив, що переговори з Москвою тривають, але гарантії безпеки для України мають "
    "бути юридично обов'язковими, а іноземні війська можуть стати частиною цих гарантій."
)


def _save(store: Store, body: str, lang: str, url: str, **kw) -> str:
    d = Document(text=body, source="test", language=lang, url=url, **kw)
    return store.save_document(d, fingerprint(d.text)).doc_id


@pytest.fixture
def pg(pg_url: str):
    with Store.open(pg_url) as s:
        yield s


def _urls(hits: list[dict]) -> list[str]:
    return sorted(h["url"] for h in hits)


def test_each_language_is_searched_with_its_own_stemming(pg: Store) -> None:
    _save(pg, EN, "en", "https://x.example/en")
    _save(pg, RU, "ru", "https://x.example/ru")
    _save(pg, UK, "uk", "https://x.example/uk")
    # English stems: "guarantee" finds "guarantees", "negotiation" finds "negotiations"
    assert _urls(pg.search("guarantee negotiation")) == ["https://x.example/en"]
    # Russian stems: the nominative finds the genitive and plural forms in the text
    assert _urls(pg.search("переговор")) == ["https://x.example/ru"]
    assert _urls(pg.search("безопасность")) == ["https://x.example/ru"]
    # Ukrainian has no stemmer in PostgreSQL: the simple configuration matches whole words only,
    # and a prefix query reaches the inflected forms
    assert _urls(pg.search("гарантії")) == ["https://x.example/uk"]
    assert _urls(pg.search("гаранті*")) == ["https://x.example/uk"]
    assert _urls(pg.search("гарантія")) == []
    # the language filter narrows to that language's configuration
    assert _urls(pg.search("гарантии OR guarantees", language="en")) == ["https://x.example/en"]
    with pg.engine.connect() as conn:
        q = text("SELECT language, undertow_ts_config(language)::text FROM documents")
        cfgs = dict(conn.execute(q).all())
    assert cfgs == {"en": "english", "ru": "russian", "uk": "undertow_uk"}


def test_boolean_phrase_and_prefix_queries(pg: Store) -> None:
    _save(pg, EN, "en", "https://x.example/en", published=dt.date(2026, 2, 4))
    _save(pg, RU, "ru", "https://x.example/ru", published=dt.date(2026, 2, 5))
    assert _urls(pg.search('"security guarantees"')) == ["https://x.example/en"]
    assert pg.search('"guarantees security"') == []
    assert _urls(pg.search("ultim*")) == ["https://x.example/en"]
    assert _urls(pg.search("ultimatum OR Москвы")) == ["https://x.example/en", "https://x.example/ru"]
    assert pg.search("ultimatum NOT Kyiv") == []
    assert _urls(pg.search("(ultimatum OR Москвы) AND minister")) == ["https://x.example/en"]
    assert pg.search("ultimatum", since=dt.date(2026, 2, 5)) == []
    hit = pg.search("ultimatum")[0]
    assert "[ultimatum]" in hit["snippet"] and hit["score"] < 0


def test_title_ranks_above_body(pg: Store) -> None:
    _save(pg, EN, "en", "https://x.example/body")
    other = EN.replace("ultimatum", "demand")
    _save(pg, other, "en", "https://x.example/title", title="An ultimatum, the minister says")
    assert pg.search("ultimatum")[0]["url"] == "https://x.example/title"


def test_a_page_longer_than_a_tsvector_is_stored_and_found(pg: Store) -> None:
    body = " ".join(f"word{i % 5000} alpha{i}" for i in range(120_000))  # ~1.8 MB
    doc_id = _save(pg, body, "en", "https://x.example/huge")
    assert pg.get_document(doc_id).text == body
    assert _urls(pg.search("word42")) == ["https://x.example/huge"]


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("ceasefire", "'ceasefire'"),
        ("security guarantees", "('security' & 'guarantees')"),
        ('"security guarantees"', "('security' <-> 'guarantees')"),
        ("security-guarantees", "('security' <-> 'guarantees')"),
        ("guarant*", "'guarant':*"),
        ("a OR b c", "('a' | ('b' & 'c'))"),
        ("a NOT b", "('a' & !'b')"),
        ("NOT b a", "(!'b' & 'a')"),
        ("(a OR b) AND c", "(('a' | 'b') & 'c')"),
        ("O'Brien", "('o' <-> 'brien')"),
    ],
)
def test_query_translation(query: str, tsquery: str) -> None:
    assert ftsquery.to_tsquery(ftsquery.parse(query)) == tsquery


@pytest.mark.parametrize("query", ['"unbalanced', "(a OR b", "a OR", "OR a", "a )", "NOT a", "   ", "-- !!"])
def test_malformed_queries_are_refused_with_a_reason(query: str) -> None:
    with pytest.raises(SearchQueryError):
        ftsquery.parse(query)


def _words(node: ftsquery.Node) -> list[str]:
    """The words a parsed query looks for (not those it excludes)."""
    if isinstance(node, ftsquery.Term):
        return list(node.words)
    if node.op == "!":
        return []
    return [*(_words(node.left) if node.left else []), *_words(node.right)]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \"()*-OR ANDNOT'\\:&|!<>")), max_size=40))
def test_any_query_parses_or_is_refused_cleanly(query: str) -> None:
    try:
        tree = ftsquery.parse_lenient(query)
    except SearchQueryError:
        return
    out = ftsquery.to_tsquery(tree)
    assert out.count("(") == out.count(")")
    assert _words(tree) or "!" in out


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=30))
def test_every_accepted_query_is_valid_postgresql(pg_server, query: str) -> None:
    """Whatever the parser accepts, the server's to_tsquery accepts too (no 500s from syntax)."""
    try:
        tsq = ftsquery.to_tsquery(ftsquery.parse_lenient(query))
    except SearchQueryError:
        return

    engine = _engine(pg_server)
    with engine.connect() as conn:
        conn.execute(text("SELECT to_tsquery('english', :q), to_tsquery('russian', :q)"), {"q": tsq})


_ENGINES: dict[str, object] = {}


def _engine(server):
    from sqlalchemy import create_engine

    url = server.url()
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(url)
    return _ENGINES[url]


# --- several writers ---------------------------------------------------------------------------


def _writer(url: str, bodies: list[tuple[str, str]], start: mp.Event) -> None:
    from undertow.ingest.dedupe import fingerprint as fp
    from undertow.records import Document as Doc
    from undertow.store import Store as S

    start.wait(30)
    with S.open(url) as s:
        for u, body in bodies:
            d = Doc(text=body, source="test", language="en", url=u, published=dt.date(2026, 2, 1))
            s.save_document(d, fp(d.text))


def test_concurrent_writers_store_each_document_once(db: str) -> None:
    """Four processes save the same 30 documents (and 10 syndicated copies of them) at once:
    every URL is stored once, and each copy is folded onto one canonical document (on both
    engines: each save holds the document write lock from its first lookup)."""
    Store.open(db).close()  # created and migrated before the writers start
    bodies = [
        (
            f"https://x.example/{i}",
            f"Story {i}: the minister of country {i} said talks number {i} would resume. " * (3 + i % 4),
        )
        for i in range(30)
    ]
    copies = [(f"https://copy.example/{i}", body + " Reuters") for i, (_, body) in enumerate(bodies[:10])]
    work = bodies + copies
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    orders = [work, work[::-1], work[1::2] + work[::2], work[::2] + work[1::2]]
    procs = [ctx.Process(target=_writer, args=(db, order, start)) for order in orders]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with Store.open(db) as s, s.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(documents)).scalar() == 40
        assert conn.execute(select(func.count(func.distinct(documents.c.url)))).scalar() == 40
        dup = conn.execute(select(func.count()).where(documents.c.duplicate_of.is_not(None))).scalar()
        assert dup == 10
        assert conn.execute(select(func.count()).select_from(statements)).scalar() == 0


def test_migrating_twice_at_once_applies_each_version_once(pg_server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from undertow.store.migrations import LATEST
    from undertow.store.schema import schema_version

    pg_server.psql('CREATE DATABASE "fresh_migrate"')
    url = pg_server.url("fresh_migrate")
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: Store.open(url).close(), range(3)))
    with Store.open(url) as s, s.engine.connect() as conn:
        versions = conn.execute(select(schema_version.c.version)).scalars().all()
    assert sorted(versions) == list(range(1, LATEST + 1))


def test_cli_accepts_a_plain_postgresql_url(pg_url: str, tmp_path) -> None:
    from typer.testing import CliRunner

    from undertow.cli import app

    page = tmp_path / "a.txt"
    page.write_text("Lavrov said on Tuesday that the talks in Geneva were useful.\n", encoding="utf-8")
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    r = CliRunner().invoke(app, ["ingest", str(page), "--db", plain])
    assert r.exit_code == 0, r.output
    assert "postgresql+psycopg://undertow@127.0.0.1" in r.output
    r = CliRunner().invoke(app, ["search", "Geneva", "--db", plain])
    assert r.exit_code == 0 and "1 result(s)" in r.output and "Geneva" in r.output, r.output


def test_a_large_fold_refreshes_the_planner_statistics(pg: Store) -> None:
    """After a backfill the tracker analyses the tables it grew, so that the brief that follows is
    not planned on an empty table's statistics."""
    from undertow.dynamics.track import STATISTICS_TABLES

    def reltuples(conn) -> float:
        return conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'daily_counts'")).scalar()

    with pg.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO daily_counts (day, dim, key, outlet_id, n) "
                "SELECT DATE '2026-01-01' + (i % 300), 'actor', 'a' || i, '', 1 "
                "FROM generate_series(1, 5000) i"
            )
        )
        assert reltuples(conn) < 0  # never analysed
    with pg.engine.begin() as conn:
        assert pg.dialect.refresh_statistics(conn, STATISTICS_TABLES, force=True) == STATISTICS_TABLES
        assert reltuples(conn) == 5000
