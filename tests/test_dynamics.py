"""Dynamics (issue 5): the demo storyline raises each alert type on its day and nothing in the
quiet window; first-seen, spread, series, bursts, shifts, discovery and the brief."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
import yaml
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import DEMO
from undertow import dynamics
from undertow.cli import app
from undertow.dynamics import bursts, shifts
from undertow.dynamics.alerts import stored
from undertow.dynamics.firstseen import registry
from undertow.dynamics.rules import load_rules
from undertow.dynamics.series import series
from undertow.dynamics.spread import spread
from undertow.errors import DataFileError
from undertow.pipeline import ingest
from undertow.report.brief import build
from undertow.store import Store

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def storyline():
    return yaml.safe_load((DEMO / "storyline.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("dyn") / "demo.db")
    else:  # a new database on the session's PostgreSQL server
        server = request.getfixturevalue("pg_server")
        server.psql('CREATE DATABASE "dyn_demo" TEMPLATE "template_undertow"')
        db = server.url("dyn_demo")
    with Store.open(db) as s:
        ingest([str(DEMO)], s, workers=2)
        res, new = dynamics.refresh(s)
        yield s, res, new, db


def _matches(a: dict, exp: dict) -> bool:
    subj = a["subject"]
    return (
        a["type"] == exp["type"]
        and a["date"] == exp["date"]
        and all(subj.get(k) == exp[k] for k in ("narrative", "actor", "issue") if k in exp)
    )


def test_storyline_raises_each_alert_type_on_its_day(demo, storyline) -> None:
    _, _, new, _ = demo
    missing = [e for e in storyline["expected_alerts"] if not any(_matches(a, e) for a in new)]
    assert not missing, f"expected alerts not raised: {missing}"
    assert {e["type"] for e in storyline["expected_alerts"]} == {r.type for r in load_rules()}


def test_nothing_fires_in_the_quiet_window(demo, storyline) -> None:
    _, _, new, _ = demo
    q = storyline["windows"]["quiet"]
    quiet = [a for a in new if q["start"] <= a["date"] <= q["end"]]
    assert quiet == []


def test_longstanding_lines_are_not_called_new(demo, storyline) -> None:
    _, _, new, _ = demo
    old = {n["id"] for n in storyline["narratives"] if n["status"] == "longstanding"}
    assert old
    called_new = [a["subject_key"] for a in new if a["type"] == "new_narrative" and a["subject_key"] in old]
    assert called_new == []


def test_alerts_carry_evidence_and_are_deduplicated(demo) -> None:
    s, _, new, _ = demo
    assert new
    for a in new:
        assert a["evidence"], a["title"]
        for e in a["evidence"]:
            assert e["statement_id"] and e["document_id"] and e["sentence"]
        assert 0.0 <= a["confidence"] <= 1.0 and a["numbers"]
    assert len({a["id"] for a in new}) == len(new)
    # each rule reports a subject at most once on the demo (cool-down and dedup)
    keys = [(a["rule"], a["subject_key"]) for a in new]
    assert len(keys) == len(set(keys))
    # running again adds nothing; the stored alerts are the ones returned
    _, again = dynamics.refresh(s)
    assert again == []
    assert [a["id"] for a in stored(s)] == sorted(
        [a["id"] for a in new],
        key=lambda i: next((a["date"], a["rule"], a["id"]) for a in new if a["id"] == i),
    )


def test_incremental_equals_all_at_once(demo, tmp_path) -> None:
    """Ingesting the corpus in two halves (by date) raises the same alerts as one run."""
    _, _, new, _ = demo
    pages = sorted((DEMO / "pages").glob("*.html"))
    early = [p for p in pages if p.name < "2026-01-29"]
    late = [p for p in pages if p.name >= "2026-01-29"]
    with Store.open(str(tmp_path / "inc.db")) as s:
        ingest([str(p) for p in early], s, workers=1)
        _, first = dynamics.refresh(s)
        ingest([str(p) for p in late] + [str(DEMO / "feeds")], s, workers=1)
        _, second = dynamics.refresh(s)
        got = {(a["type"], a["date"], a["subject_key"]) for a in first + second}
    want = {(a["type"], a["date"], a["subject_key"]) for a in new}
    assert got == want


def test_first_seen_registry_and_status(demo) -> None:
    s, *_ = demo
    entries = {e.label: e for e in registry(s)}
    ww = entries["foreign-troops-risk-world-war"]
    assert ww.statement["speaker"] and ww.statement["sentence"]
    ff = entries["ukraine-false-flag"]
    assert ff.status(on=D("2026-02-04"), lookback_days=30) == "new"
    # an actor x narrative entry
    lav = registry(s, actor="sergei-lavrov", scope="actor")
    assert any(e.label == "ukraine-false-flag" and e.day == D("2026-02-04") for e in lav)


def test_spread_tells_syndication_from_restatement(demo) -> None:
    s, *_ = demo
    g = spread(s, "peacekeepers-are-an-occupation-force")
    kinds = {e["kind"] for e in g.edges}
    assert "restatement" in kinds
    summary = g.summary()
    assert summary["outlets"] >= 4 and len(summary["languages"]) >= 2
    assert g.nodes[0]["day"] <= "2026-01-27"
    # TASS -> BelTA copy of Lavrov's remarks is a syndicated copy, linked as such
    g2 = spread(s, "foreign-troops-are-legitimate-targets")
    synd = [e for e in g2.edges if e["kind"] == "syndication"]
    assert synd and all(not e["official_to_state_media"] for e in synd)


def test_series_counts_canonical_statements_and_normalises(demo) -> None:
    s, *_ = demo
    pts = series(s, "narrative", "ukraine-false-flag", D("2026-01-28"), D("2026-02-08"))
    assert len(pts) == 12 and pts[0][1] == 0 and max(v for _, v in pts) >= 3
    norm = series(s, "narrative", "ukraine-false-flag", D("2026-01-28"), D("2026-02-08"), normalise=True)
    assert all(0.0 <= v <= 1.0 for _, v in norm) and max(v for _, v in norm) > 0
    vol = series(s, "all", None, D("2026-01-12"), D("2026-02-08"))
    assert sum(v for _, v in vol) > 150
    with pytest.raises(ValueError, match="unknown series dimension"):
        series(s, "colour", None, D("2026-01-12"), D("2026-01-13"))


def test_demo_brief_cites_every_sentence(demo) -> None:
    s, *_ = demo
    b = build(s, D("2026-02-08"))
    md = b.to_markdown()
    assert "Data cut-off" in md
    for sent in b.takeaways + [x for sec in b.sections for x in sec.sentences]:
        assert sent.cites, sent.text
        assert all(1 <= i <= len(b.citations) for i in sent.cites)
    assert any("false-flag" in t.text for t in b.takeaways)
    from lxml import html as lh

    page = lh.fromstring(b.to_html())
    assert page.xpath("//h2")[0].text == "Key takeaways"
    assert len(page.xpath("//ol[@class='sources']/li")) == len(b.citations)


def test_cli_alerts_atom_and_brief(demo, tmp_path) -> None:
    _, _, new, db = demo
    r = CliRunner().invoke(app, ["alerts", "--db", db, "--format", "jsonl", "--type", "burst"])
    assert r.exit_code == 0, r.output
    got = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    assert got and all(a["type"] == "burst" for a in got)
    atom = tmp_path / "alerts.atom"
    r = CliRunner().invoke(app, ["alerts", "--db", db, "--atom", str(atom), "--format", "jsonl"])
    assert r.exit_code == 0 and len(
        ET.parse(atom).getroot().findall("{http://www.w3.org/2005/Atom}entry")
    ) == len(new)
    out = tmp_path / "brief.html"
    r = CliRunner().invoke(
        app, ["brief", "--date", "2026-02-08", "--db", db, "--format", "html", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "<h2>Key takeaways</h2>" in out.read_text(encoding="utf-8")
    r = CliRunner().invoke(app, ["brief", "--date", "2026-02-08", "--db", db, "--format", "pdf"])
    assert r.exit_code != 0


@pytest.mark.network
def test_cli_webhook_delivers_once(demo, tmp_path) -> None:
    from httpserver import LocalServer

    _, _, new, db = demo
    with LocalServer({"/hook": (200, {"Content-Type": "application/json"}, b"{}")}) as srv:
        args = ["alerts", "--db", db, "--no-track", "--format", "jsonl", "--webhook", srv.url("/hook")]
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 0, r.output
        assert len(srv.requests) == len(new)
        assert {json.loads(q.body)["id"] for q in srv.requests} == {a["id"] for a in new}
        CliRunner().invoke(app, args)  # delivered ones are not sent again
        assert len(srv.requests) == len(new)


def test_seed_first_seen_and_brief(shared, tmp_path) -> None:
    """On the seed alone the third-world-war line is new from 2026-02-02, foreign troops as
    legitimate targets is longstanding, and the brief cites both that and Lavrov's rejection of a
    ceasefire before a settlement."""
    from conftest import SEED

    db = tmp_path / "seed.db"
    r = CliRunner().invoke(app, ["ingest", str(SEED), "--published", "2026-02-05", "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output
    with Store.open(str(db)) as s:
        entries = {e.label: e for e in registry(s)}
        ww = entries["foreign-troops-risk-world-war"]
        assert ww.day == D("2026-02-02") and ww.status(on=D("2026-02-05")) == "new"
        assert entries["ukraine-false-flag"].status(on=D("2026-02-05")) == "new"
        assert entries["foreign-troops-are-legitimate-targets"].status(on=D("2026-02-05")) == "longstanding"
    r = CliRunner().invoke(app, ["brief", "--date", "2026-02-05", "--db", str(db)])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    ww_line = next(x for x in lines if "world war" in x.lower() and "2026-02-02" in x)
    assert "[" in ww_line
    cease = next(x for x in lines if "Sergei Lavrov rejected" in x and "ceasefire before" in x)
    n = int(cease.rsplit("[", 1)[1].rstrip("]"))
    source = next(x for x in lines if x.startswith(f"{n}. "))
    assert "ceasefire" in source.lower() or "truce" in source.lower()


# --- methods on synthetic data ----------------------------------------------------------------


def test_surprise_grows_with_the_count_and_respects_volume() -> None:
    a = bursts.surprise(2, 40, 10, 1000)
    b = bursts.surprise(8, 40, 10, 1000)
    assert b.surprise > a.surprise
    # the same count on a day with ten times the volume is less surprising
    assert bursts.surprise(8, 400, 10, 1000).surprise < b.surprise
    assert bursts.surprise(0, 40, 10, 1000).p_value == 1.0


def test_kleinberg_finds_a_planted_burst() -> None:
    counts = [1, 0, 1, 0, 1, 9, 11, 10, 1, 0, 1, 0]
    assert bursts.kleinberg(counts, [50] * 12) == [(5, 7)]
    assert bursts.kleinberg([1] * 12, [50] * 12) == []


def test_shift_detection_needs_consistent_sides() -> None:
    day = D("2026-01-01")
    pts = [
        shifts.Point(day + dt.timedelta(days=i), p, 0.9)
        for i, p in enumerate(["against"] * 3 + ["favor"] * 2)
    ]
    sh = shifts.detect(pts)
    assert (
        sh is not None
        and sh.change_day == day + dt.timedelta(days=3)
        and sh.direction == ("against", "favor")
    )
    noisy = [shifts.Point(day + dt.timedelta(days=i), p, 0.9) for i, p in enumerate(["against", "favor"] * 4)]
    assert shifts.detect(noisy) is None


def test_rules_file_is_validated(tmp_path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "version: 1\nrules:\n  - {id: x, type: burst, params: {min_surprize: 2}}\n", encoding="utf-8"
    )
    with pytest.raises(DataFileError, match="min_surprize"):
        load_rules(bad)
    bad.write_text("version: 1\nrules:\n  - {id: x, type: gossip}\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="type"):
        load_rules(bad)


def test_quiet_synthetic_store_raises_nothing(tmp_path) -> None:
    """A steady stream (the same lines, the same voices, every day for eight weeks) is a quiet
    control: no rule fires on it. A line planted on the last day then does fire (the rules are
    live, not silenced by the set-up)."""
    from undertow.store.schema import documents, statement_labels, statements

    with Store.open(str(tmp_path / "q.db")) as s:
        with s.engine.begin() as c:
            start = D("2026-01-01")
            docs, rows, labs = [], [], []
            for i in range(56):
                day = start + dt.timedelta(days=i)
                for j, (outlet, speaker, label, sentence) in enumerate(
                    [
                        (
                            "tass",
                            "dmitry-peskov",
                            "ceasefire-lets-ukraine-rearm",
                            "A truce would let Kyiv rearm.",
                        ),
                        (
                            "ukrinform",
                            "andrii-sybiha",
                            "russia-stalls-peace-talks",
                            "Moscow is stalling the talks.",
                        ),
                        ("reuters", None, None, "Power was restored overnight."),
                    ]
                ):
                    sid = f"s{i}-{j}"
                    docs.append(
                        {
                            "id": f"d{i}-{j}",
                            "source": "t",
                            "text": "",
                            "content_hash": sid,
                            "word_count": 0,
                            "paragraphs": "[]",
                            "published": day,
                            "outlet_id": outlet,
                        }
                    )
                    rows.append(
                        {
                            "id": sid,
                            "doc_id": f"d{i}-{j}",
                            "day": day,
                            "published": day,
                            "canonical": True,
                            "outlet_id": outlet,
                            "language": "en",
                            "speaker": speaker,
                            "kind": "indirect",
                            "text": sentence,
                            "sentence": sentence,
                            "start": 0,
                            "end": 13,
                            "confidence": 0.9,
                        }
                    )
                    if label:
                        labs.append(
                            {
                                "statement_id": sid,
                                "label": label,
                                "taxonomy": "war-rhetoric",
                                "confidence": 0.95,
                                "day": day,
                            }
                        )
            c.execute(documents.insert(), docs)
            c.execute(statements.insert(), rows)
            c.execute(statement_labels.insert(), labs)
        res, new = dynamics.refresh(s)
        assert res.statements == 168 and len(res.days) == 56
        assert new == []
        # the positive control: a new line in three outlets' documents on the last day
        day = start + dt.timedelta(days=55)
        with s.engine.begin() as c:
            for k, outlet in enumerate(["tass", "ria", "rt"]):
                c.execute(
                    documents.insert().values(
                        id=f"p{k}",
                        source="t",
                        text="",
                        content_hash=f"p{k}",
                        word_count=0,
                        paragraphs="[]",
                        published=day,
                        outlet_id=outlet,
                    )
                )
                c.execute(
                    statements.insert().values(
                        id=f"p{k}",
                        doc_id=f"p{k}",
                        day=day,
                        published=day,
                        canonical=True,
                        outlet_id=outlet,
                        language="en",
                        speaker="maria-zakharova",
                        kind="indirect",
                        start=0,
                        end=10,
                        text="Kyiv is preparing a false flag attack.",
                        sentence="Kyiv is preparing a false flag attack.",
                        confidence=0.9,
                    )
                )
                c.execute(
                    statement_labels.insert().values(
                        statement_id=f"p{k}",
                        label="ukraine-false-flag",
                        taxonomy="war-rhetoric",
                        confidence=0.95,
                        day=day,
                    )
                )
        _, planted = dynamics.refresh(s)
        assert {(a["type"], a["subject_key"]) for a in planted} >= {("new_narrative", "ukraine-false-flag")}


def test_discovery_clusters_an_unlabelled_line_and_promotes_it(tmp_path) -> None:
    """Paraphrases (EN/RU) of a line no taxonomy node covers grow one cluster; unrelated statements
    do not join it; promoting it writes a valid taxonomy node with the statements as examples."""
    import numpy as np

    from undertow.dynamics.discover import candidates
    from undertow.narratives import embed
    from undertow.narratives.taxonomy import load_taxonomy
    from undertow.store.schema import documents, statements

    line = [
        "Western sports bodies are banning Russian athletes to humiliate Russia.",
        "The ban on Russian athletes is a political attack on Russia.",
        "Russian sportsmen are being excluded from competitions for political reasons.",
        "Запрет для российских спортсменов — это политическая атака на Россию.",
        "Российских атлетов отстраняют от соревнований по политическим мотивам.",
    ]
    other = [
        "Power was restored to most of the Kyiv region overnight.",
        "The talks will resume in Geneva next week.",
        "Heavy snow closed several roads in western Ukraine.",
        "The central bank left its key rate unchanged.",
        "Вчера в Москве прошёл сильный снегопад.",
    ]
    vecs = embed.encode(line + other)
    with Store.open(str(tmp_path / "d.db")) as s:
        with s.engine.begin() as c:
            for i, (t, v) in enumerate(zip(line + other, vecs, strict=True)):
                day = D("2026-03-01") + dt.timedelta(days=i % 5)
                c.execute(
                    documents.insert().values(
                        id=f"doc{i}",
                        source="t",
                        text=t,
                        content_hash=f"h{i}",
                        word_count=1,
                        paragraphs="[]",
                        published=day,
                        outlet_id=f"outlet{i % 3}",
                        language="ru" if "ё" in t or "ы" in t else "en",
                    )
                )
                c.execute(
                    statements.insert().values(
                        id=f"s{i}",
                        doc_id=f"doc{i}",
                        day=day,
                        published=day,
                        canonical=True,
                        speaker=f"voice-{i % 4}",
                        kind="indirect",
                        text=t,
                        sentence=t,
                        start=0,
                        end=len(t),
                        confidence=0.9,
                        outlet_id=f"outlet{i % 3}",
                        vector=np.asarray(v, dtype=np.float16).tobytes(),
                    )
                )
        res, _ = dynamics.refresh(s)
        assert res.clustered == 10
        found = candidates(s, min_size=3)
        assert len(found) == 1
        cand = found[0]
        members = {e["text"] for e in cand.exemplars}
        assert members <= set(line) and cand.size >= 4 and cand.documents >= 3
        assert cand.first_day == D("2026-03-01")
        tax = tmp_path / "mine.yaml"
        tax.write_text(
            "taxonomy: mine\nnarratives:\n  - id: west-is-hostile\n    label: The West is hostile\n",
            encoding="utf-8",
        )
        r = CliRunner().invoke(
            app,
            [
                "narratives",
                "promote",
                cand.id,
                "--as",
                "sports-bans-are-political",
                "--taxonomy",
                str(tax),
                "--parent",
                "west-is-hostile",
                "--db",
                str(tmp_path / "d.db"),
            ],
        )
        assert r.exit_code == 0, r.output
        node = load_taxonomy(tax)["sports-bans-are-political"]
        assert node.parent == "west-is-hostile" and len(node.examples) >= 4
        assert candidates(s, min_size=3) == []  # promoted: no longer a candidate
        r = CliRunner().invoke(
            app,
            [
                "narratives",
                "promote",
                cand.id,
                "--as",
                "Not A Slug",
                "--taxonomy",
                str(tax),
                "--db",
                str(tmp_path / "d.db"),
            ],
        )
        assert r.exit_code != 0


def test_cli_series_firstseen_spread_track(demo, tmp_path) -> None:
    _, _, _, db = demo
    r = CliRunner().invoke(
        app,
        [
            "series",
            "narrative",
            "ukraine-false-flag",
            "--db",
            db,
            "--since",
            "2026-02-01",
            "--until",
            "2026-02-08",
            "--format",
            "csv",
            "--bursts",
        ],
    )
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "day,value,burst" and len(lines) == 9
    assert any(x.endswith(",1") for x in lines[1:])  # Kleinberg marks the false-flag days
    r = CliRunner().invoke(app, ["series", "colour", "--db", db])
    assert r.exit_code != 0
    r = CliRunner().invoke(
        app, ["firstseen", "--db", db, "--narrative", "ukraine-false-flag", "--format", "jsonl"]
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["narrative"] == "ukraine-false-flag"
    r = CliRunner().invoke(
        app, ["spread", "peacekeepers-are-an-occupation-force", "--db", db, "--format", "json"]
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["edges"]
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - {id: b, type: burst, params: {min_surprise: 1.0}}\n", encoding="utf-8"
    )
    r = CliRunner().invoke(app, ["track", "--db", db, "--rules", str(rules)])
    assert r.exit_code == 0, r.output
    assert "tracked 0 new statement(s)" in r.output  # nothing new since the fixture's refresh


def test_migration_indexes_statements_of_an_older_database(tmp_path, shared) -> None:
    """A database from before the statements table gets its statements indexed on open."""
    from conftest import SEED

    db = tmp_path / "old.db"
    r = CliRunner().invoke(app, ["ingest", str(SEED), "--published", "2026-02-05", "--db", str(db), "-q"])
    assert r.exit_code == 0, r.output
    with Store.open(str(db)) as s, s.engine.begin() as c:
        n = c.execute(text("select count(*) from statements")).scalar()
        assert n > 5
        for t in (
            "alert_deliveries",
            "alerts",
            "cluster_members",
            "clusters",
            "first_seen",
            "daily_counts",
            "track_state",
            "statement_stances",
            "statement_labels",
            "statements",
        ):
            c.execute(text(f"drop table {t}"))
        c.execute(text("delete from schema_version where version >= 2"))
    with Store.open(str(db)) as s:
        with s.engine.connect() as c:
            assert c.execute(text("select count(*) from statements")).scalar() == n
            names = {r[0] for r in c.execute(text("select name from sqlite_master where type = 'index'"))}
            assert {"ix_clusters_status_last_day", "ix_first_seen_scope_day"} <= names
            assert c.execute(text("select count(*) from statement_labels")).scalar() > 0
        _, _ = dynamics.refresh(s)
        assert registry(s)


@pytest.mark.parametrize("seed", range(5))
def test_shift_detection_ignores_input_order(seed) -> None:
    import random

    rng = random.Random(seed)
    day = D("2026-01-01")
    pts = [
        shifts.Point(day + dt.timedelta(days=i), "against" if i < 5 else "favor", rng.uniform(0.5, 1))
        for i in range(9)
    ]
    a = shifts.detect(pts)
    rng.shuffle(pts)
    b = shifts.detect(pts)
    assert a is not None and b is not None and (a.change_day, a.score) == (b.change_day, b.score)


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(
    obs=st.integers(0, 60),
    vol=st.integers(1, 500),
    base=st.integers(0, 300),
    base_vol=st.integers(0, 5000),
)
def test_surprise_is_a_probability_and_grows_with_the_count(obs, vol, base, base_vol) -> None:
    s1 = bursts.surprise(obs, vol, base, base_vol)
    s2 = bursts.surprise(obs + 1, vol, base, base_vol)
    assert 0.0 < s1.p_value <= 1.0 and s1.surprise >= 0
    assert s2.surprise >= s1.surprise - 1e-9


def test_alert_prose_names_actors_outlets_and_issues(demo) -> None:
    """Titles and summaries are for readers: registry names, not ids (ids stay in the subject)."""
    _, _, new, _ = demo
    texts = " ".join(a["title"] + " " + a["summary"] for a in new)
    for raw in (
        "sergei-lavrov",
        "dmitry-peskov",
        "maria-zakharova",
        "energy-infrastructure-ceasefire",
        "(rt,",
    ):
        assert raw not in texts, raw
    assert "Sergei Lavrov" in texts or "Dmitry Peskov" in texts
    shift = next(a for a in new if a["type"] == "stance_shift")
    assert shift["subject"]["actor"] == "dmitry-peskov" and "Dmitry Peskov" in shift["title"]


def test_brief_says_when_statements_were_reported_later(tmp_path) -> None:
    """A day known only from a later article: the cut-off line says so instead of 'n/a'."""
    rec = {
        "text": "Russian Foreign Minister Sergei Lavrov said on 24 February 2022 that Moscow "
        "rejected any ceasefire before a settlement. The remarks were recalled in a retrospective.",
        "title": "Looking back",
        "published": "2026-02-10",
        "url": "https://example.org/retro",
    }
    src = tmp_path / "retro.jsonl"
    src.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    with Store.open(str(tmp_path / "r.db")) as s:
        ingest([str(src)], s)
        b = build(s, D("2022-02-24"))
    assert b.cutoff.startswith("Data cut-off: no document published by then, and 1 document published later")
    assert "(up to 2026-02-10)" in b.cutoff and " from 1 document," in b.cutoff
