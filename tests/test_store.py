from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from undertow.ingest.dedupe import fingerprint
from undertow.records import Document, Outlet, Paragraph
from undertow.store import Store
from undertow.store.ftsquery import SearchQueryError
from undertow.store.migrations import LATEST, current_version, migrate

STORY = (
    "Foreign Minister Sergei Lavrov said on Wednesday that the proposed security guarantees were "
    "practically an ultimatum to Moscow. He told reporters in Moscow that a ceasefire before a full "
    "settlement would only let Kyiv rearm, and he repeated that Ukraine must stay neutral. The talks in "
    "Abu Dhabi continued for a second day, with working groups meeting on technical details."
)


def doc(text: str = STORY, **kw) -> Document:
    kw.setdefault("source", "test")
    return Document(text=text, **kw)


def save(store: Store, d: Document):
    return store.save_document(d, fingerprint(d.text))


def test_migrations_apply_once(store: Store) -> None:
    with store.engine.connect() as conn:
        assert current_version(conn) == LATEST
    assert migrate(store.engine) == []


def test_sqlite_uses_wal(tmp_path) -> None:
    s = Store.open(str(tmp_path / "w.db"))
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    s.close()


def test_roundtrip_keeps_every_field(store: Store) -> None:
    d = doc(
        url="https://www.rt.com/russia/1-talks/",
        title="Talks",
        author="A. Writer",
        section="World",
        outlet=Outlet(id="rt", name="RT", country="RUS", state_affiliated=True),
        language="en",
        published=dt.date(2026, 2, 5),
        published_source="page",
        fetched=dt.datetime(2026, 11, 27, 1, 2, 3, tzinfo=dt.UTC),
        paragraphs=[Paragraph(0, 10, "en")],
    )
    assert save(store, d).outcome == "stored"
    back = store.get_document(d.id)
    assert back is not None
    assert back.to_record() == d.to_record()


def test_resaving_changes_nothing(store: Store) -> None:
    d = doc(url="https://example.org/a")
    assert save(store, d).outcome == "stored"
    assert save(store, doc(url="https://example.org/a")).outcome == "unchanged"
    # same content, no URL: also nothing new
    assert save(store, doc(text=STORY + " ")).outcome in {"unchanged", "duplicate"}
    assert save(store, doc(text=STORY)).outcome == "unchanged"
    assert store.count_documents() <= 2


def test_syndicated_copy_is_folded_and_kept(store: Store) -> None:
    original = doc(url="https://tass.com/politics/1", published=dt.date(2026, 2, 4))
    copy = doc(
        text="Republished with permission. "
        + STORY.replace("Wednesday", "Feb. 4")
        + " Follow us on Telegram.",
        url="https://example-aggregator.net/story/99",
        published=dt.date(2026, 2, 5),
    )
    assert save(store, original).outcome == "stored"
    res = save(store, copy)
    assert res.outcome == "duplicate" and res.duplicate_of == original.id
    assert store.count_documents() == 2
    assert store.count_documents(include_duplicates=False) == 1


def test_earlier_copy_becomes_canonical(store: Store) -> None:
    later = doc(url="https://a.example/1", published=dt.date(2026, 2, 6))
    earlier = doc(text=STORY + " (Reuters)", url="https://b.example/1", published=dt.date(2026, 2, 4))
    save(store, later)
    res = save(store, earlier)
    assert res.outcome == "stored"
    assert store.get_document(later.id).duplicate_of == earlier.id
    assert store.get_document(earlier.id).duplicate_of is None


def test_unrelated_documents_are_not_folded(store: Store) -> None:
    save(store, doc(url="https://a.example/1"))
    other = (
        "Energy ministers met in Brussels to discuss gas storage levels ahead of winter, and agreed "
        "to coordinate purchases of liquefied natural gas from several suppliers over the next two "
        "years while keeping price caps under review, officials said after the meeting on Tuesday."
    )
    assert save(store, doc(text=other, url="https://a.example/2")).outcome == "stored"


def test_search_filters_and_cyrillic(store: Store) -> None:
    save(store, doc(url="https://x.example/en", language="en", published=dt.date(2026, 2, 4)))
    ru = "Лавров заявил, что гарантии безопасности — это практически ультиматум России. " * 3
    save(store, doc(text=ru, url="https://x.example/ru", language="ru", published=dt.date(2026, 2, 5)))
    assert [h["url"] for h in store.search("ultimatum")] == ["https://x.example/en"]
    assert [h["url"] for h in store.search("УЛЬТИМАТУМ")] == ["https://x.example/ru"]
    assert store.search("ultimatum", language="ru") == []
    assert store.search("ultimatum", since=dt.date(2026, 2, 5)) == []
    assert len(store.search("ultimatum OR ультиматум")) == 2
    hit = store.search('"security guarantees"')[0]
    assert "[" in hit["snippet"]


def test_search_query_that_is_not_fts_syntax_still_works(store: Store) -> None:
    save(store, doc(url="https://x.example/en"))
    assert store.search("security-guarantees")  # '-' is FTS syntax; searched as a phrase instead
    with pytest.raises(SearchQueryError):
        store.search('"unbalanced')
    with pytest.raises(SearchQueryError):
        store.search("   ")


def test_both_engines_read_search_syntax_alike(store: Store) -> None:
    """One parser decides what a query means on both engines: grouping, a leading NOT, and words
    that are FTS5 syntax elsewhere (``title:``, ``NEAR``) are read the same way."""
    save(store, doc(url="https://x.example/a", text="Talks in Geneva on a ceasefire. " * 8, title="Geneva"))
    save(store, doc(url="https://x.example/b", text="Talks in Riyadh on prisoner exchanges. " * 8))
    save(store, doc(url="https://x.example/c", text="Gas storage in Brussels before winter. " * 8))

    def urls(q: str) -> list[str]:
        return sorted(h["url"] for h in store.search(q))

    assert urls("(geneva OR riyadh) talks") == ["https://x.example/a", "https://x.example/b"]
    assert urls("NOT geneva talks") == ["https://x.example/b"]
    assert urls("talks NOT (geneva OR riyadh)") == []
    assert urls("gas*") == ["https://x.example/c"]
    assert urls("title:geneva") == []  # not a column filter: the words "title geneva" as a phrase
    with pytest.raises(SearchQueryError):
        store.search("NOT geneva NOT riyadh")  # nothing left to search for
    # an exclusion alone on one side of an OR is not search syntax either engine can run: the
    # query is searched as the phrase of its words (it used to crash the SQLite search)
    assert urls("talks (NOT geneva OR riyadh)") == []
    with pytest.raises(SearchQueryError):
        store.search('""')


def test_feed_memory(store: Store) -> None:
    store.save_feed_state("https://f.example/rss", etag='"v1"', last_modified=None, last_status="200")
    assert store.feed_state("https://f.example/rss")["etag"] == '"v1"'
    store.mark_feed_item("https://f.example/rss", "guid-1", None)
    store.mark_feed_item("https://f.example/rss", "guid-1", None)
    assert store.seen_feed_items("https://f.example/rss", ["guid-1", "guid-2"]) == {"guid-1"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=400).filter(lambda t: t.strip()))
def test_any_text_roundtrips(store: Store, text: str) -> None:
    d = doc(text=text)
    res = save(store, d)
    back = store.get_document(res.doc_id)
    assert back is not None
    if res.outcome == "stored":
        # PostgreSQL text cannot hold NUL: it becomes U+FFFD, so every offset stays valid
        expected = text.replace("\x00", "\ufffd") if store.dialect.name == "postgresql" else text
        assert back.text == expected


def test_transaction_rolls_back_on_failure(store: Store, monkeypatch) -> None:
    """A failure after the document row is written (here: its MinHash row cannot be inserted)
    leaves nothing of the document behind."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from undertow.store import store as store_mod
    from undertow.store.schema import documents

    d = doc(url="https://x.example/fail")
    monkeypatch.setattr(store_mod, "_INSERT_MINHASH", text("INSERT INTO no_such_table VALUES (:doc_id)"))
    with pytest.raises(DBAPIError):
        save(store, d)
    with store.engine.connect() as conn:
        assert conn.execute(select(documents.c.id)).all() == []


def test_same_day_wire_copy_becomes_canonical(store: Store) -> None:
    day = dt.date(2026, 1, 23)
    paper = doc(
        text=STORY + " This story was originally published by Reuters.",
        url="https://www.kyivpost.com/post/1",
        published=day,
        outlet=Outlet(id="kyiv-post", name="Kyiv Post", kind="media"),
    )
    wire = doc(
        url="https://www.reuters.com/world/1",
        published=day,
        outlet=Outlet(id="reuters", name="Reuters", kind="agency"),
    )
    save(store, paper)
    assert save(store, wire).outcome == "stored"
    assert store.get_document(paper.id).duplicate_of == wire.id


def test_an_earlier_original_takes_over_statements_and_events(store: Store) -> None:
    """When the original arrives after its copy, the copy's rows stop counting as canonical."""
    from undertow.records import Event, Span
    from undertow.store.schema import events, statements

    def with_event(d: Document) -> Document:
        d.events = [Event(id="e1", type="REJECT", evidence=Span(0, 40), confidence=0.9)]
        return d

    copy = with_event(doc(url="https://www.example.org/copy", published=dt.date(2026, 1, 24)))
    original = with_event(doc(url="https://www.example.com/orig", published=dt.date(2026, 1, 23)))
    save(store, copy)
    assert save(store, original).outcome == "stored"
    assert store.get_document(copy.id).duplicate_of == original.id
    with store.engine.connect() as conn:
        for table in (events, statements):
            flags = dict(conn.execute(select(table.c.doc_id, table.c.canonical)).all())
            if table is events:
                assert flags == {original.id: True, copy.id: False}
            else:
                assert all(flags[d] == (d == original.id) for d in flags)


def test_migration_7_gives_older_cluster_members_their_voices(demo_copy: str) -> None:
    """A database from before migration 7: its cluster members get their statement's document,
    speaker, outlet and language, the same values a new ingest writes."""
    import sqlite3

    from undertow.store.schema import CLUSTER_MEMBER_VOICES

    cols = ", ".join(CLUSTER_MEMBER_VOICES)
    con = sqlite3.connect(demo_copy)
    before = con.execute(f"SELECT statement_id, {cols} FROM cluster_members ORDER BY statement_id").fetchall()
    assert before and all(row[1] for row in before)
    for c in CLUSTER_MEMBER_VOICES:
        con.execute(f"ALTER TABLE cluster_members DROP COLUMN {c}")
    con.execute("DELETE FROM schema_version WHERE version >= 7")
    con.commit()
    con.close()
    with Store.open(demo_copy) as s, s.engine.connect() as conn:
        assert current_version(conn) == LATEST
        after = conn.exec_driver_sql(
            f"SELECT statement_id, {cols} FROM cluster_members ORDER BY statement_id"
        ).all()
    assert [tuple(r) for r in after] == before
