"""The bundled demo corpus ingests cleanly and matches its storyline (what `make demo` does)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
import yaml
from typer.testing import CliRunner

from conftest import DEMO
from undertow.cli import app
from undertow.pipeline import ingest
from undertow.store import Store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store.open(str(db)) as s:
        report = ingest([str(DEMO)], s, workers=2)
        yield s, report


@pytest.fixture(scope="module")
def storyline():
    return yaml.safe_load((DEMO / "storyline.yaml").read_text(encoding="utf-8"))


def test_demo_ingests_without_errors(demo_store) -> None:
    store, report = demo_store
    assert report.failed == 0
    stats = store.stats()
    assert stats["documents"] >= 40
    assert {"en", "ru", "uk"} <= set(stats["by_language"])
    assert stats["last_published"] - stats["first_published"] >= dt.timedelta(days=21)
    assert len([o for o in stats["by_outlet"] if o]) >= 10


def test_demo_documents_match_the_storyline(demo_store, storyline) -> None:
    store, _ = demo_store
    by_source = {d.source.split("demo/", 1)[-1]: d for d in store.documents()}
    checked = Counter()
    for entry in storyline["documents"]:
        doc = by_source.get(entry["file"])
        if doc is None:  # feed items are named by the feed's position, not the storyline key
            continue
        assert doc.language == entry["language"], entry["file"]
        assert doc.outlet is not None and doc.outlet.id == entry["outlet"], entry["file"]
        expected = dt.date.fromisoformat(str(entry["date"])) if entry["published_on_page"] else None
        assert doc.published == expected, entry["file"]
        checked["docs"] += 1
    assert checked["docs"] >= 50


def test_demo_syndicated_copies_are_folded(demo_store, storyline) -> None:
    store, _ = demo_store
    by_source = {d.source.split("demo/", 1)[-1]: d for d in store.documents()}
    for pair in storyline["syndicated"]:
        original, copy = by_source.get(pair["original"]), by_source.get(pair["copy"])
        if original is None or copy is None:  # the feed copy shares its page's URL: one document
            continue
        cluster = {original.duplicate_of or original.id, copy.duplicate_of or copy.id}
        assert len(cluster) == 1, pair
    assert store.count_documents() - store.count_documents(include_duplicates=False) >= 3


def test_demo_reingest_changes_nothing(demo_store) -> None:
    store, _ = demo_store
    again = ingest([str(DEMO)], store)
    assert again.stored == again.duplicates == again.failed == 0


def test_watch_polls_a_feed_file(tmp_path) -> None:
    db = str(tmp_path / "w.db")
    feed = str(DEMO / "feeds" / "demo-wire.xml")
    atom = tmp_path / "alerts.atom"
    res = CliRunner().invoke(
        app, ["watch", feed, "--db", db, "--every", "1s", "--iterations", "2", "--atom", str(atom)]
    )
    assert res.exit_code == 0, res.output
    polls = [line for line in res.output.splitlines() if " poll " in line]
    assert len(polls) == 2 and "poll 2: 0 new," in polls[1] and "poll 1: 0 new," not in polls[0]
    assert "new alert(s)" in polls[0] and atom.read_text(encoding="utf-8").startswith("<?xml")


def test_demo_shows_who_said_what(demo_store, storyline) -> None:
    store, _ = demo_store
    rows = store.statements()
    assert len(rows) >= 100
    speakers = {r["speaker"]["actor_id"] for r in rows}
    assert {"maria-zakharova", "dmitry-peskov", "sergei-lavrov"} <= speakers
    zakharova = store.statements(actor="maria-zakharova", until=dt.date(2026, 1, 27))
    assert any(r["date"] == "2026-01-27" for r in zakharova)
    # syndicated copies are counted once
    assert len(store.statements(include_duplicates=True)) > len(rows)


def test_statements_cli(demo_store) -> None:
    store, _ = demo_store
    db = str(store.engine.url.database)
    res = CliRunner().invoke(app, ["statements", "--db", db, "--actor", "dmitry-peskov", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.output.splitlines()]
    assert lines and all(x["speaker"]["actor_id"] == "dmitry-peskov" for x in lines)
