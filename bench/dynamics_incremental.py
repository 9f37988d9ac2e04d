"""Incremental cost of the dynamics stage on a synthetic one-year, 500k-statement store.

    python bench/dynamics_incremental.py [--days 365] [--per-day 1370] [--db FILE]

Builds a store day by day (documents, statements, narrative labels, stances and sentence
vectors written directly, the way the store indexes an ingest; the NLP stages are not what is
measured here) and, at checkpoints of archive age, times adding ONE more day:
  insert  writing the day's rows,
  track   ``track.update_state`` (daily counts, first-seen, discovery clusters),
  alerts  ``alerts.evaluate`` on the touched days (all rules of alerts.yaml),
  brief   ``report.brief.build`` for that day (7-day window).
If the stage is incremental these stay flat while the archive grows 12-fold. For contrast it
also times a from-scratch recompute of the tracking state over the whole archive at the end.

The synthetic year has steady narratives (Zipf popularity over the war-rhetoric taxonomy), a
planted new line with a burst (day 200) and a planted stance shift (day 250); the script reports
whether the alerts found them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from undertow.dynamics.alerts import evaluate  # noqa: E402
from undertow.dynamics.rules import load_rules  # noqa: E402
from undertow.dynamics.track import update_state  # noqa: E402
from undertow.knowledge.actors import default_registry  # noqa: E402
from undertow.narratives.taxonomy import shipped_taxonomy  # noqa: E402
from undertow.report.brief import build  # noqa: E402
from undertow.store import Store  # noqa: E402
from undertow.store.schema import (  # noqa: E402
    cluster_members,
    clusters,
    daily_counts,
    documents,
    first_seen,
    statement_labels,
    statement_stances,
    statements,
    track_state,
)

START = dt.date(2025, 1, 1)
REPEAT = 3  # days timed per checkpoint (the median is reported)
NEW_LINE_DAY = 200
SHIFT_DAY = 250
ISSUES = [
    "ceasefire-before-settlement",
    "western-security-guarantees",
    "foreign-troops-in-ukraine",
    "ukrainian-neutrality",
    "sanctions-relief",
    "negotiations",
    "territorial-concessions",
]


class World:
    """The synthetic year's fixed cast: outlets, actors, labels, topic centres."""

    def __init__(self, seed: int = 7, n_outlets: int = 60) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        n_state = n_outlets * 3 // 10  # 18 of 60
        self.outlets = [
            (f"outlet-{i:02d}", i < n_state, "official" if i < 2 else "media", ["en", "ru", "uk"][i % 3])
            for i in range(n_outlets)
        ]
        persons = [a.id for a in default_registry() if a.kind == "person"]
        self.actors = persons[:150] + [f"voice-{i}" for i in range(150)]
        tax = shipped_taxonomy("war-rhetoric")
        subs = [n for n in tax.nodes if n.parent]
        self.planted = subs[-1]  # a line nobody uses before NEW_LINE_DAY
        self.subs = subs[:-1]
        w = np.array([1.0 / (i + 1) ** 0.8 for i in range(len(self.subs))])
        self.weights = w / w.sum()
        self.centres = self.np.normal(size=(300, 512)).astype(np.float32)
        self.centres /= np.linalg.norm(self.centres, axis=1, keepdims=True)
        self.stance = {(a, i): self.rng.choice(["favor", "against"]) for a in self.actors for i in ISSUES}
        self.shifter = (persons[0], "ceasefire-before-settlement")
        self.stance[self.shifter] = "against"

    def cue(self, node: object) -> str:
        """A phrase with one of the line's own cues (as real statements of a line mostly have)."""
        cues = getattr(node, "cues", None) or {}
        phrases = cues.get("en") or [p for ps in cues.values() for p in ps]
        return phrases[0].replace("*", "") if phrases else "routine remarks"

    def day_rows(
        self, k: int, per_day: int, *, per_doc: int = 4, all_vectors: bool = False
    ) -> tuple[list, list, list, list]:
        """Day ``k``'s rows: ``per_day // per_doc`` documents of ``per_doc`` statements each, with
        labels and stances; sentence vectors for the unlabelled statements (``all_vectors``: for
        every statement, as an ingest keeps them for semantic search)."""
        day = START + dt.timedelta(days=k)
        docs, sts, labs, sns = [], [], [], []
        n_docs = per_day // per_doc
        for d in range(n_docs):
            oid, state, kind, lang = self.outlets[self.rng.randrange(len(self.outlets))]
            doc_id = f"{k:03d}{d:04d}".rjust(16, "0")
            docs.append(
                {
                    "id": doc_id,
                    "source": f"synthetic:{doc_id}",
                    "url": f"https://example.org/{doc_id}",
                    "title": f"Story {doc_id}",
                    "outlet_id": oid,
                    "outlet_state_affiliated": state,
                    "outlet_kind": kind,
                    "language": lang,
                    "published": day,
                    "text": "",
                    "content_hash": doc_id,
                    "word_count": 0,
                    "paragraphs": "[]",
                }
            )
            for j in range(per_doc):
                sid = f"{doc_id}{j}"
                speaker = self.actors[int(self.np.zipf(1.6)) % len(self.actors)]
                r = self.rng.random()
                label = None
                if k >= NEW_LINE_DAY and r < (0.08 if k < NEW_LINE_DAY + 3 else 0.01):
                    label = self.planted
                elif r < 0.6:
                    label = self.subs[int(self.np.choice(len(self.subs), p=self.weights))]
                vec = None
                if label is None or all_vectors:
                    c = self.centres[self.rng.randrange(300)]
                    vec = (c + 0.35 * self.np.normal(size=512).astype(np.float32) / np.sqrt(512)).astype(
                        np.float16
                    )
                sts.append(
                    {
                        "id": sid,
                        "doc_id": doc_id,
                        "day": day,
                        "published": day,
                        "canonical": True,
                        "outlet_id": oid,
                        "outlet_kind": kind,
                        "state_affiliated": state,
                        "language": lang,
                        "speaker": speaker,
                        "kind": "indirect",
                        "text": f"statement {sid}: {self.cue(label)}",
                        "sentence": f"{speaker} said statement {sid}: {self.cue(label)}.",
                        "start": 0,
                        "end": 10,
                        "confidence": 0.8,
                        "vector": vec.tobytes() if vec is not None else None,
                    }
                )
                if label is not None:
                    conf = round(0.7 + 0.3 * self.rng.random(), 3)
                    labs.append(
                        {
                            "statement_id": sid,
                            "label": label.id,
                            "taxonomy": "war-rhetoric",
                            "parent": None,
                            "confidence": conf,
                            "day": day,
                        }
                    )
                    labs.append(
                        {
                            "statement_id": sid,
                            "label": label.parent,
                            "taxonomy": "war-rhetoric",
                            "parent": None,
                            "confidence": conf,
                            "day": day,
                        }
                    )
                if self.rng.random() < 0.3 or (speaker, "ceasefire-before-settlement") == self.shifter:
                    issue = (
                        "ceasefire-before-settlement"
                        if speaker == self.shifter[0]
                        else self.rng.choice(ISSUES)
                    )
                    pol = self.stance[(speaker, issue)]
                    if (speaker, issue) == self.shifter and k >= SHIFT_DAY:
                        pol = "favor"
                    elif self.rng.random() < 0.05:
                        pol = "neutral"
                    sns.append(
                        {
                            "statement_id": sid,
                            "issue": issue,
                            "polarity": pol,
                            "confidence": round(0.6 + 0.4 * self.rng.random(), 3),
                            "speaker": speaker,
                            "day": day,
                        }
                    )
        return docs, sts, labs, sns


def insert_day(store: Store, rows: tuple[list, list, list, list]) -> None:
    docs, sts, labs, sns = rows
    with store.engine.begin() as c:
        c.execute(insert(documents), docs)
        c.execute(insert(statements), sts)
        if labs:
            c.execute(insert(statement_labels), labs)
        if sns:
            c.execute(insert(statement_stances), sns)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1370, help="statements per day (1370 x 365 = 500k)")
    ap.add_argument("--checkpoints", default="30,91,182,273,360")
    ap.add_argument("--db", help="database file (default: a temporary file)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "dynamics_incremental.json"))
    args = ap.parse_args()
    checkpoints = {int(x) for x in args.checkpoints.split(",") if int(x) + REPEAT <= args.days}
    tmp = tempfile.TemporaryDirectory()
    db = args.db or str(Path(tmp.name) / "year.db")
    world = World()
    rules = load_rules()
    results = []
    fired: list[dict] = []
    samples: list[dict] = []
    t_build = time.perf_counter()
    with Store.open(db) as store:
        for k in range(args.days):
            rows = world.day_rows(k, args.per_day)
            timed = any(c <= k < c + REPEAT for c in checkpoints)
            t0 = time.perf_counter()
            insert_day(store, rows)
            t1 = time.perf_counter()
            res = update_state(store)
            t2 = time.perf_counter()
            fired += evaluate(store, res.days, rules)
            t3 = time.perf_counter()
            if timed:
                b = build(store, START + dt.timedelta(days=k))
                t4 = time.perf_counter()
                samples.append(
                    {
                        "insert_s": t1 - t0,
                        "track_s": t2 - t1,
                        "alerts_s": t3 - t2,
                        "brief_s": t4 - t3,
                        "brief_sentences": len(b.takeaways) + sum(len(s.sentences) for s in b.sections),
                    }
                )
                if len(samples) == REPEAT:  # the median of REPEAT consecutive days
                    with store.engine.connect() as c:
                        n = c.execute(select(func.count()).select_from(statements)).scalar()
                    row = {"day": k + 1, "archive_statements": n, "day_statements": len(rows[1])}
                    for key in ("insert_s", "track_s", "alerts_s", "brief_s"):
                        row[key] = round(statistics.median(x[key] for x in samples), 3)
                    row["total_s"] = round(row["track_s"] + row["alerts_s"] + row["brief_s"], 3)
                    row["brief_sentences"] = samples[-1]["brief_sentences"]
                    results.append(row)
                    samples = []
                    print(json.dumps(row), flush=True)
        build_s = time.perf_counter() - t_build
        # contrast: recompute the tracking state over the whole archive from scratch
        with store.engine.begin() as c:
            for t in (cluster_members, clusters, daily_counts, first_seen, track_state):
                c.execute(delete(t))
        t0 = time.perf_counter()
        full = update_state(store)
        full_s = time.perf_counter() - t0
    planted_new = [
        a for a in fired if a["type"] == "new_narrative" and a["subject"]["narrative"] == world.planted.id
    ]
    planted_burst = [
        a for a in fired if a["type"] == "burst" and a["subject"]["narrative"] == world.planted.id
    ]
    shift = [a for a in fired if a["type"] == "stance_shift" and a["subject_key"] == "|".join(world.shifter)]
    by_type: dict[str, int] = {}
    for a in fired:
        by_type[a["type"]] = by_type.get(a["type"], 0) + 1
    summary = {
        "days": args.days,
        "statements": full.statements,
        "build_s": round(build_s, 1),
        "from_scratch_track_s": round(full_s, 1),
        "checkpoints": results,
        "alerts_by_type": by_type,
        "planted_new_line": [a["date"] for a in planted_new],
        "planted_burst": [a["date"] for a in planted_burst],
        "planted_shift": [a["date"] for a in shift],
        "expected": {
            "new_line": str(START + dt.timedelta(days=NEW_LINE_DAY)),
            "shift": str(START + dt.timedelta(days=SHIFT_DAY)),
        },
        "peak_rss_mb": round(rss_mb()),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "checkpoints"}, indent=2))


if __name__ == "__main__":
    main()
