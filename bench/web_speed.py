"""Latency of every dashboard page and API list endpoint on a synthetic 100k-document store.

    python bench/web_speed.py [--db FILE | --db postgresql://…] [--rebuild] [--docs 100000]
                              [--per-doc 10] [--n 40]

Builds (or reuses, with ``--db``) a store of ``--docs`` documents with ``--per-doc`` statements each
(default 100,000 and 1,000,000) over one year, written directly with bulk inserts the way
``bench/dynamics_incremental.py`` does it (no NLP): 120 outlets in en/ru/uk, speakers from the actor
registry, narrative labels from the shipped war-rhetoric taxonomy, stances on issues, events,
syndicated copies, a sentence vector for every statement, full-text rows (the FTS triggers fill
them), then the tracking state (daily counts, first-seen, discovery clusters) from
``track.update_state`` and the alerts of the last weeks from ``alerts.evaluate``.

Then it starts the app in-process (Starlette's TestClient) and times every dashboard page and API
list endpoint with varied parameters (ids, filters, queries, a second page by cursor): for each
route the first request (cold: the app's caches are empty for it) is reported on its own, then
``--warmup`` requests are left out and ``--n`` are timed. It prints p50/p95/max per route, marks
those over the 200 ms budget, and writes ``bench/out/web_speed.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import func, insert, select  # noqa: E402

from dynamics_incremental import ISSUES, START, World, insert_day  # noqa: E402
from undertow.store import Store  # noqa: E402
from undertow.store.schema import documents, events, statements  # noqa: E402

BUDGET_MS = 200.0
DEFAULT_DB = ROOT / "bench" / "out" / "web_speed.db"

# words for titles and texts, so that full-text search has something to find in each language
VOCAB = {
    "en": [
        "ceasefire",
        "negotiations",
        "sanctions",
        "troops",
        "security",
        "guarantees",
        "talks",
        "front",
        "offensive",
        "drones",
        "minister",
        "president",
        "summit",
        "peace",
        "energy",
        "grain",
        "exports",
        "border",
        "refugees",
        "aid",
        "weapons",
        "missiles",
        "reconstruction",
        "elections",
        "parliament",
        "corruption",
        "inflation",
        "economy",
        "nato",
        "alliance",
        "treaty",
        "referendum",
        "occupation",
        "shelling",
        "frontline",
        "mobilisation",
        "diplomacy",
        "envoy",
        "embassy",
        "spokesman",
    ],
    "ru": [
        "перемирие",
        "переговоры",
        "санкции",
        "войска",
        "гарантии",
        "безопасности",
        "саммит",
        "наступление",
        "беспилотники",
        "министр",
        "президент",
        "мир",
        "энергетика",
        "зерно",
        "экспорт",
        "граница",
        "беженцы",
        "помощь",
        "оружие",
        "ракеты",
        "выборы",
        "парламент",
        "коррупция",
        "инфляция",
        "экономика",
        "альянс",
        "договор",
        "референдум",
        "фронт",
        "мобилизация",
        "дипломатия",
    ],
    "uk": [
        "перемир'я",
        "переговори",
        "санкції",
        "війська",
        "гарантії",
        "безпеки",
        "саміт",
        "наступ",
        "дрони",
        "міністр",
        "президент",
        "мир",
        "енергетика",
        "зерно",
        "експорт",
        "кордон",
        "біженці",
        "допомога",
        "зброя",
        "ракети",
        "вибори",
        "парламент",
        "корупція",
        "інфляція",
        "економіка",
        "альянс",
        "договір",
        "референдум",
        "фронт",
        "мобілізація",
        "дипломатія",
    ],
}
EVENT_TYPES = ["CONSULT", "COOPERATE", "DEMAND", "REJECT", "THREATEN", "ACCUSE", "AID", "SANCTION", "FIGHT"]
COUNTRIES = ["UKR", "RUS", "USA", "DEU", "FRA", "GBR", "POL", "CHN", "TUR", "HUN"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- building the store ------------------------------------------------------------------------


def _words(rng: random.Random, lang: str, n: int) -> str:
    vocab = VOCAB.get(lang, VOCAB["en"])
    # Zipf-ish: the first words are common, the last rare
    return " ".join(vocab[min(int(rng.paretovariate(1.1)) - 1, len(vocab) - 1)] for _ in range(n))


def decorate(world: World, k: int, rows: tuple[list, list, list, list]) -> list[dict[str, Any]]:
    """Give the day's rows what the web app reads beyond the dynamics bench: document texts and
    records, spans, syndicated copies (about 5%, their statements not canonical) and events."""
    docs, sts, labs, sns = rows
    rng = world.rng
    for lab in labs:  # a sub-narrative's row names its narrative, as the classifier writes it
        lab["parent"] = world.parent_of.get(lab["label"])
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for s in sts:
        by_doc.setdefault(s["doc_id"], []).append(s)
    labels: dict[str, list[dict[str, Any]]] = {}
    for lab in labs:
        labels.setdefault(lab["statement_id"], []).append(lab)
    stances: dict[str, list[dict[str, Any]]] = {}
    for sn in sns:
        stances.setdefault(sn["statement_id"], []).append(sn)
    evs: list[dict[str, Any]] = []
    canonical_ids: list[str] = []
    for d in docs:
        lang = d["language"]
        d["title"] = _words(rng, lang, 7).capitalize()
        parts, recs = [], []
        pos = 0
        for s in by_doc[d["id"]]:
            lead = _words(rng, lang, 25) + ". "
            pos += len(lead)
            start, end = pos, pos + len(s["sentence"])
            speaker_end = start + len(s["speaker"] or "")
            s.update(
                start=start,
                end=end,
                speaker_start=start,
                speaker_end=speaker_end,
                cue_start=speaker_end + 1,
                cue_end=speaker_end + 5,
                cue_text="said",
            )
            parts.append(lead + s["sentence"] + " ")
            pos = end + 1
            recs.append(
                {
                    "id": s["id"],
                    "speaker": {"actor_id": s["speaker"], "start": start, "end": speaker_end},
                    "cue": {"start": speaker_end + 1, "end": speaker_end + 5, "text": "said"},
                    "content": {"start": start, "end": end, "text": s["text"]},
                    "kind": s["kind"],
                    "confidence": s["confidence"],
                    "narratives": [
                        {"id": lb["label"], "taxonomy": lb["taxonomy"], "confidence": lb["confidence"]}
                        for lb in labels.get(s["id"], [])
                    ],
                    "stances": [
                        {"issue": x["issue"], "polarity": x["polarity"], "confidence": x["confidence"]}
                        for x in stances.get(s["id"], [])
                    ],
                }
            )
        d["text"] = "".join(parts).strip()
        d["word_count"] = len(d["text"].split())
        d["content_hash"] = d["id"].rjust(64, "0")
        d["paragraphs"] = json.dumps([[0, len(d["text"]), lang]])
        d["outlet_name"] = d["outlet_id"].replace("-", " ").title()
        d["outlet_country"] = {"en": "GB", "ru": "RU", "uk": "UA"}[lang]
        d["published_source"] = "meta"
        d["duplicate_of"] = None
        # syndicated copy of an earlier document of the day: its statements are not canonical
        if canonical_ids and rng.random() < 0.05:
            d["duplicate_of"] = rng.choice(canonical_ids)
            for s in by_doc[d["id"]]:
                s["canonical"] = False
        else:
            canonical_ids.append(d["id"])
        doc_events = []
        for j in range(rng.choice((0, 0, 1, 1, 2))):
            s = rng.choice(by_doc[d["id"]])
            src, tgt = rng.sample(COUNTRIES, 2)
            ev = {
                "id": f"e{j}",
                "doc_id": d["id"],
                "type": rng.choice(EVENT_TYPES),
                "mode": None,
                "source": json.dumps([src]),
                "target": json.dumps([tgt]),
                "source_actors": json.dumps([s["speaker"]] if s["speaker"] else []),
                "target_actors": json.dumps([]),
                "location": None,
                "date_start": None,
                "date_end": None,
                "day": s["day"],
                "published": d["published"],
                "canonical": s["canonical"],
                "outlet_id": d["outlet_id"],
                "language": lang,
                "start": s["start"],
                "end": s["end"],
                "sentence": s["sentence"],
                "confidence": round(0.5 + 0.5 * rng.random(), 3),
            }
            evs.append(ev)
            doc_events.append(
                {
                    "id": ev["id"],
                    "type": ev["type"],
                    "source": [src],
                    "target": [tgt],
                    "source_actors": json.loads(ev["source_actors"]),
                    "target_actors": [],
                }
            )
        d["record"] = json.dumps(
            {
                "actors": [],
                "statements": recs,
                "events": doc_events,
                "narratives": [],
                "stances": [
                    {"actor_id": by["speaker"], "issue": x["issue"], "polarity": x["polarity"]}
                    for by in by_doc[d["id"]]
                    for x in stances.get(by["id"], [])
                ],
            }
        )
    return evs


ALERT_TYPES = ("new_narrative", "burst", "first_adoption", "stance_shift", "amplification", "official_echo")


def synth_alerts(store: Store, world: World, days: int, per_day: int = 12) -> int:
    """Alerts of every type on every day, shaped like ``alerts.evaluate``'s (evidence bundles of
    the day's stored statements): the rules themselves are too slow to run on a whole synthetic
    year, and on its steady lines they rarely fire."""
    from undertow.dynamics.firstseen import statement_json
    from undertow.store.schema import alerts

    rng = random.Random(5)
    lines = [n.id for n in world.subs]
    n = 0
    for k in range(days):
        day = START + dt.timedelta(days=k)
        with store.engine.begin() as c:
            sample = c.execute(
                select(statements, documents.c.url, documents.c.title)
                .join(documents, documents.c.id == statements.c.doc_id)
                .where(statements.c.day == day)
                .limit(60)
            ).all()
            rows = []
            for i in range(per_day):
                typ = rng.choice(ALERT_TYPES)
                ev = rng.sample(sample, 3)
                actor = ev[0].speaker
                subject: dict[str, Any] = {"narrative": None, "actor": None, "issue": None}
                if typ == "stance_shift":
                    subject.update(actor=actor, issue=rng.choice(ISSUES))
                    key = f"{actor}|{subject['issue']}"
                elif typ == "first_adoption":
                    subject.update(actor=actor, narrative=rng.choice(lines))
                    key = f"{actor}|{subject['narrative']}"
                else:
                    subject.update(narrative=rng.choice(lines))
                    key = subject["narrative"]
                evidence = [{**statement_json(r), "url": r.url, "title": r.title} for r in ev]
                ident = f"a-{k:04d}{i:03d}".ljust(18, "0")
                title = f"{typ.replace('_', ' ')}: {key}"
                payload = {
                    "id": ident,
                    "rule": typ,
                    "type": typ,
                    "date": day.isoformat(),
                    "title": title,
                    "summary": f"synthetic {typ} alert on {key}",
                    "subject": subject,
                    "subject_key": key,
                    "numbers": {"count": rng.randrange(3, 80), "baseline": round(rng.random() * 5, 2)},
                    "confidence": round(0.5 + 0.5 * rng.random(), 3),
                    "evidence": evidence,
                    "first_seen": {"statement": evidence[0]} if typ == "new_narrative" else None,
                }
                rows.append(
                    {
                        "id": ident,
                        "rule": typ,
                        "type": typ,
                        "day": day,
                        "subject": key,
                        "title": title,
                        "payload": json.dumps(payload, ensure_ascii=False),
                        "created": dt.datetime.now(dt.UTC),
                    }
                )
            c.execute(insert(alerts), rows)
            n += len(rows)
    return n


def is_url(db: str) -> bool:
    return "://" in db


def store_exists(db: str) -> bool:
    if not is_url(db):
        return Path(db).exists()
    from sqlalchemy import inspect

    with Store.open(db, create=False) as s, s.engine.connect() as c:
        return inspect(c).has_table("documents") and bool(
            c.execute(select(func.count()).select_from(documents)).scalar()
        )


def size_mb(db: str) -> int:
    if not is_url(db):
        p = Path(db)
        return round(sum(q.stat().st_size for q in p.parent.glob(p.name + "*")) / 2**20)
    with Store.open(db, create=False) as s, s.engine.connect() as c:
        return round(c.exec_driver_sql("SELECT pg_database_size(current_database())").scalar() / 2**20)


def reset(db: str) -> None:
    """Remove the store ``db`` names: its files, or every table of the PostgreSQL database."""
    if not is_url(db):
        for suffix in ("", "-wal", "-shm"):
            Path(db + suffix).unlink(missing_ok=True)
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        return
    with Store.open(db, create=False) as s, s.engine.begin() as c:
        c.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def build_store(db: str, n_docs: int, per_doc: int, days: int, alert_days: int) -> dict[str, Any]:
    from undertow.dynamics.alerts import evaluate
    from undertow.dynamics.rules import load_rules
    from undertow.dynamics.track import update_state

    reset(db)
    world = World(seed=11, n_outlets=120)
    world.parent_of = {n.id: n.parent for n in [*world.subs, world.planted]}
    # topic centres of the sentence vectors: the encodings of the vocabulary, so that a semantic
    # query for one of its words finds statements (the rows of 300 centres are drawn at random)
    from undertow.narratives import embed

    if embed.available():
        words = [w for ws in VOCAB.values() for w in ws]
        enc = embed.encode(words)
        world.centres = enc[[i % len(words) for i in range(len(world.centres))]]
    per_day = -(-n_docs // days) * per_doc
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with Store.open(str(db)) as store:
        for k in range(days):
            rows = world.day_rows(k, per_day, per_doc=per_doc, all_vectors=True)
            evs = decorate(world, k, rows)
            insert_day(store, rows)
            if evs:
                with store.engine.begin() as c:
                    c.execute(insert(events), evs)
            if k % 30 == 0:
                print(f"  day {k + 1}/{days}: {time.perf_counter() - t0:.0f} s", flush=True)
        timings["insert_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        update_state(store)
        timings["track_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        last = START + dt.timedelta(days=days - 1)
        fired = evaluate(store, [last - dt.timedelta(days=i) for i in range(alert_days)][::-1], load_rules())
        timings["alerts_s"] = time.perf_counter() - t2
        synthetic = synth_alerts(store, world, days)
        with store.engine.connect() as c:
            counts = {
                "documents": c.execute(select(func.count()).select_from(documents)).scalar(),
                "statements": c.execute(select(func.count()).select_from(statements)).scalar(),
                "events": c.execute(select(func.count()).select_from(events)).scalar(),
                "alerts_fired": len(fired),
                "alerts_synthetic": synthetic,
            }
        if store.engine.dialect.name == "sqlite":
            with store.engine.begin() as c:
                c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # planner statistics after the bulk load (autovacuum would get there later)
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
    timings["build_s"] = time.perf_counter() - t0
    return {**counts, **{k: round(v, 1) for k, v in timings.items()}}


# --- timing the routes -------------------------------------------------------------------------


class Sampler:
    """Varied parameters for the routes, drawn from what the store holds."""

    def __init__(self, client: Any, db: str, seed: int = 3) -> None:
        self.rng = random.Random(seed)
        self.client = client
        with Store.open(db) as store, store.engine.connect() as c:
            lo, hi = c.execute(select(func.min(documents.c.published), func.max(documents.c.published))).one()
            self.lo, self.hi = lo, hi
            n_docs = c.execute(select(func.max(documents.c.seq))).scalar()
            seqs = [self.rng.randint(1, n_docs) for _ in range(300)]
            self.doc_ids = [r[0] for r in c.execute(select(documents.c.id).where(documents.c.seq.in_(seqs)))]
            self.outlets = [r[0] for r in c.execute(select(documents.c.outlet_id).distinct())]
            top = c.execute(
                select(statements.c.speaker)
                .where(statements.c.seq.in_([self.rng.randint(1, n_docs * 5) for _ in range(400)]))
                .where(statements.c.speaker.is_not(None))
            ).all()
            self.actors = sorted({r[0] for r in top})
        from undertow.narratives.taxonomy import shipped_taxonomy

        tax = shipped_taxonomy("war-rhetoric")
        self.narratives = [n.id for n in tax.nodes]
        self.issues = ISSUES
        self.langs = ["en", "ru", "uk"]
        self.words = [w for ws in VOCAB.values() for w in ws]
        self.brief_days = [hi - dt.timedelta(days=i) for i in range(60)]

    def pick(self, xs: list[Any]) -> Any:
        return self.rng.choice(xs)

    def window(self, max_days: int = 30) -> tuple[str, str]:
        span = (self.hi - self.lo).days
        a = self.lo + dt.timedelta(days=self.rng.randrange(max(1, span - max_days)))
        b = a + dt.timedelta(days=self.rng.randrange(1, max_days))
        return a.isoformat(), min(b, self.hi).isoformat()

    def second_page(self, url: str) -> str:
        """``url`` with the cursor of its first page (that first request is not timed)."""
        r = self.client.get(url)
        r.raise_for_status()
        cur = r.json().get("next_cursor")
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}cursor={cur}" if cur else url


def routes(s: Sampler) -> dict[str, Callable[[], str]]:
    """Route name -> a function giving the next URL to time (varied parameters)."""

    def api_list(path: str, filt: Callable[[], str]) -> Callable[[], str]:
        return lambda: f"/api/{path}?{filt()}"

    def since_until() -> str:
        a, b = s.window()
        return f"since={a}&until={b}"

    return {
        # dashboard pages
        "page /": lambda: "/" if s.rng.random() < 0.5 else "/?since={}&until={}".format(*s.window(7)),
        "page /narratives": lambda: "/narratives",
        "page /narratives/{id}": lambda: f"/narratives/{s.pick(s.narratives)}",
        "page /actors": lambda: s.pick(
            ["/actors", "/actors?cursor=100", f"/actors?q={s.pick(s.actors)[:4]}"]
        ),
        "page /actors/{id}": lambda: f"/actors/{s.pick(s.actors)}",
        "page /documents": lambda: s.pick(
            ["/documents", f"/documents?outlet={s.pick(s.outlets)}", f"/documents?language={s.pick(s.langs)}"]
        ),
        "page /documents/{id}": lambda: f"/documents/{s.pick(s.doc_ids)}",
        "page /search?q=": lambda: f"/search?q={s.pick(s.words)}",
        "page /alerts": lambda: s.pick(["/alerts", "/alerts?type=burst", "/alerts?type=new_narrative"]),
        "page /briefs": lambda: "/briefs",
        "page /briefs/{day}": lambda: f"/briefs/{s.pick(s.brief_days).isoformat()}",
        # API lists
        "api documents": api_list("documents", lambda: s.pick(["", f"language={s.pick(s.langs)}"])),
        "api documents outlet+dates": api_list(
            "documents", lambda: f"outlet={s.pick(s.outlets)}&{since_until()}"
        ),
        "api documents actor": api_list("documents", lambda: f"actor={s.pick(s.actors)}"),
        "api documents narrative": api_list("documents", lambda: f"narrative={s.pick(s.narratives)}"),
        "api documents page 2": lambda: s.second_page(f"/api/documents?language={s.pick(s.langs)}"),
        "api statements": api_list("statements", lambda: ""),
        "api statements actor": api_list("statements", lambda: f"actor={s.pick(s.actors)}"),
        "api statements narrative": api_list("statements", lambda: f"narrative={s.pick(s.narratives)}"),
        "api statements narrative+dates": api_list(
            "statements", lambda: f"narrative={s.pick(s.narratives)}&{since_until()}"
        ),
        "api statements issue": api_list(
            "statements",
            lambda: f"issue={s.pick(s.issues)}" + s.pick(["", "&polarity=favor", "&polarity=against"]),
        ),
        "api statements outlet": api_list("statements", lambda: f"outlet={s.pick(s.outlets)}"),
        "api statements lang+dates": api_list(
            "statements", lambda: f"language={s.pick(s.langs)}&{since_until()}"
        ),
        "api statements page 2": lambda: s.second_page(f"/api/statements?actor={s.pick(s.actors)}"),
        "api actors": lambda: s.pick(
            ["/api/actors", "/api/actors?cursor=100", f"/api/actors?q={s.pick(s.actors)[:4]}"]
        ),
        "api actors/{id}": lambda: f"/api/actors/{s.pick(s.actors)}",
        "api narratives": lambda: "/api/narratives",
        "api narratives/{id}": lambda: (
            f"/api/narratives/{s.pick(s.narratives)}?by={s.pick(['outlet', 'language'])}"
        ),
        "api narratives/candidates": lambda: "/api/narratives/candidates",
        "api events": api_list("events", lambda: s.pick(["", f"type={s.pick(EVENT_TYPES)}"])),
        "api events actor": api_list("events", lambda: f"actor={s.pick(s.actors)}"),
        "api events outlet+dates": api_list("events", lambda: f"outlet={s.pick(s.outlets)}&{since_until()}"),
        "api events page 2": lambda: s.second_page(f"/api/events?language={s.pick(s.langs)}"),
        "api stances": api_list("stances", lambda: f"issue={s.pick(s.issues)}"),
        "api stances actor": api_list("stances", lambda: f"actor={s.pick(s.actors)}"),
        "api stances polarity+dates": api_list(
            "stances", lambda: f"polarity={s.pick(['favor', 'against'])}&{since_until()}"
        ),
        "api stances page 2": lambda: s.second_page(f"/api/stances?issue={s.pick(s.issues)}"),
        "api alerts": api_list(
            "alerts", lambda: s.pick(["", "type=burst", f"narrative={s.pick(s.narratives)}"])
        ),
        "api alerts actor": api_list("alerts", lambda: f"actor={s.pick(s.actors)}"),
        "api briefs": lambda: f"/api/briefs?limit={s.pick([30, 60, 90])}",
        "api trends": lambda: s.pick(
            [
                "/api/trends",
                f"/api/trends?dimension=actor&{since_until()}",
                f"/api/trends?dimension=narrative&key={s.pick(s.narratives)}",
                f"/api/trends?dimension=language&normalise=true&{since_until()}",
                f"/api/trends?dimension=issue&{since_until()}",
            ]
        ),
        "api search fulltext": lambda: (
            f"/api/search?q={s.pick(s.words)}"
            + s.pick(["", f"&language={s.pick(s.langs)}", f"&{since_until()}"])
        ),
        "api search semantic": lambda: f"/api/search?mode=semantic&q={s.pick(s.words)}+{s.pick(s.words)}",
        "api search semantic actor": lambda: (
            f"/api/search?mode=semantic&q={s.pick(s.words)}&actor={s.pick(s.actors)}"
        ),
        "api overview": lambda: s.pick(
            ["/api/overview", "/api/overview?since={}&until={}".format(*s.window(7))]
        ),
        "api stats": lambda: "/api/stats",
    }


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, math.ceil(p / 100 * len(xs)) - 1))  # nearest rank
    return xs[i]


def time_routes(
    db: str, n: int, warmup: int, only: str | None, max_seconds: float
) -> tuple[list[dict[str, Any]], float]:
    from starlette.testclient import TestClient

    from undertow.web.app import WebConfig, create_app

    t_app = time.perf_counter()
    app = create_app(WebConfig(db=db))
    client = TestClient(app)
    app_s = time.perf_counter() - t_app
    s = Sampler(client, db)
    results = []
    for name, next_url in routes(s).items():
        if only and not any(o in name for o in only.split(",")):
            continue
        times: list[float] = []
        cold = None
        distinct: set[str] = set()
        started = time.perf_counter()
        for i in range(warmup + n + 1):
            url = next_url()
            t0 = time.perf_counter()
            r = client.get(url)
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise SystemExit(f"{name}: {url} -> {r.status_code} {r.text[:300]}")
            if i == 0:
                cold = ms
                started = time.perf_counter()  # the time limit counts from after the cold request
            elif i > warmup:
                times.append(ms)
                distinct.add(url)
            if time.perf_counter() - started > max_seconds and len(times) >= 5:
                break
        row = {
            "route": name,
            "cold_ms": round(cold or 0, 1),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(pct(times, 95), 1),
            "max_ms": round(max(times), 1),
            "n": len(times),
            "distinct_urls": len(distinct),
            "over_budget": pct(times, 95) > BUDGET_MS,
        }
        results.append(row)
        mark = "  <-- over 200 ms" if row["over_budget"] else ""
        print(
            f"{name:32s} cold {row['cold_ms']:8.1f}  p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}"
            f"  max {row['max_ms']:7.1f}  n={row['n']} ({row['distinct_urls']} urls){mark}",
            flush=True,
        )
    return results, app_s


def semantic_recall(db: str, queries: int = 5, seed: int = 9) -> dict[str, Any]:
    """How many of the exact top 20 (every vector scored) the shortlisted semantic search returns."""
    import numpy as np

    from undertow import query as qy
    from undertow.narratives import embed

    if not embed.available():
        return {}
    rng = random.Random(seed)
    words = [w for ws in VOCAB.values() for w in ws]
    texts = [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(queries)]
    found, total, exact_ms = 0, 0, []
    with Store.open(db) as store, store.engine.connect() as conn:
        for v in embed.encode(texts):
            got = {d["id"] for d in qy.semantic_statements(conn, v, limit=20)}
            t0 = time.perf_counter()
            conds = [*qy._statement_conds(qy.Filters()), statements.c.vector.is_not(None)]
            best = qy._exact_best(conn, v / np.linalg.norm(v), conds, 20, 0.25, 20000)
            exact_ms.append((time.perf_counter() - t0) * 1000)
            ids = {
                r.id
                for r in conn.execute(
                    select(statements.c.id).where(statements.c.seq.in_([s for _, s in best]))
                )
            }
            found += len(ids & got)
            total += len(ids)
    return {
        "queries": texts,
        "recall_at_20": round(found / total, 3) if total else None,
        "exact_scan_ms_median": round(statistics.median(exact_ms)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=str(DEFAULT_DB), help=f"store to build or reuse (default {DEFAULT_DB})")
    ap.add_argument("--rebuild", action="store_true", help="build the store even if the file exists")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=10, help="statements per document")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--alert-days", type=int, default=5, help="last days the alert rules are run on")
    ap.add_argument("--n", type=int, default=40, help="timed requests per route")
    ap.add_argument("--warmup", type=int, default=2, help="untimed requests per route after the first")
    ap.add_argument("--max-seconds", type=float, default=60.0, help="stop timing a route after this long")
    ap.add_argument("--only", help="time only the routes whose name contains one of these (comma-separated)")
    ap.add_argument("--recall", action="store_true", help="also compare semantic search with an exact scan")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "web_speed.json"))
    args = ap.parse_args()
    db = args.db
    # what building it took, when this script built it (beside the file, or in bench/out)
    info = Path(db + ".build.json") if not is_url(db) else Path(args.out).with_suffix(".build.json")
    build = None
    if args.rebuild or not store_exists(db):
        print(f"building {db}: {args.docs} documents x {args.per_doc} statements over {args.days} days")
        build = build_store(db, args.docs, args.per_doc, args.days, args.alert_days)
        build["size_mb"] = size_mb(db)
        build["peak_rss_mb"] = round(rss_mb())
        print(json.dumps(build), flush=True)
        info.parent.mkdir(parents=True, exist_ok=True)
        info.write_text(json.dumps(build, indent=2), encoding="utf-8")
    else:
        with Store.open(db):  # migrates an older bench store
            pass
        if info.exists():
            build = {**json.loads(info.read_text(encoding="utf-8")), "reused": True}
    results, app_s = time_routes(str(db), args.n, args.warmup, args.only, args.max_seconds)
    over = [r["route"] for r in results if r["over_budget"]]
    recall = semantic_recall(str(db)) if args.recall else None
    if recall:
        print(f"semantic search: recall@20 against an exact scan {recall['recall_at_20']}", flush=True)
    summary = {
        "db": str(db),
        "db_size_mb": size_mb(db),
        "build": build,
        "app_start_s": round(app_s, 2),
        "budget_ms": BUDGET_MS,
        "routes": results,
        "over_budget": over,
        "semantic_recall": recall,
        "peak_rss_mb": round(rss_mb()),
        "cpu_count": os.cpu_count(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"\n{len(results) - len(over)}/{len(results)} routes within p95 < {BUDGET_MS:.0f} ms; over: {over}")
    print(f"wrote {args.out}; peak RSS {summary['peak_rss_mb']} MB")
    print(
        f"reproduce: .venv/bin/python bench/web_speed.py --rebuild --db {db}"
        " (without --rebuild it reuses the store)"
    )


if __name__ == "__main__":
    main()
