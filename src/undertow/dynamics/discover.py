"""New-narrative discovery: statements that no taxonomy label fits are clustered incrementally.

Each unlabelled statement's sentence vector (computed by the classify stage, kept by the store)
joins the most similar *active* cluster (cosine to its centroid >= ``THRESHOLD``, last member within
``ACTIVE_DAYS``) or starts a new one: a single pass, "leader" clustering, so adding a day costs
one comparison per statement and active cluster. A cluster that grows past a few members from
several documents is a *candidate narrative*: :func:`candidates` lists them with exemplars, the
first statement and the top speakers; :func:`promote` writes one into a taxonomy file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import Connection, func, insert, select, update

from undertow.errors import DataFileError
from undertow.narratives.taxonomy import load_taxonomy, slugify
from undertow.store.schema import CLUSTER_MEMBER_VOICES, cluster_members, clusters, statements

THRESHOLD = 0.62  # cosine to a centroid for a statement to join its cluster
ACTIVE_DAYS = 30  # a cluster without a new member for this long takes no more


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def assign(conn: Connection, rows: list[Any], threshold: float = THRESHOLD) -> int:
    """Add statement rows (with ``vector``) to clusters; returns how many were assigned."""
    rows = sorted(rows, key=lambda r: (r.day, r.seq))
    lo = rows[0].day - dt.timedelta(days=ACTIVE_DAYS)
    active = conn.execute(
        select(
            clusters.c.id, clusters.c.centroid, clusters.c.size, clusters.c.first_day, clusters.c.last_day
        ).where((clusters.c.status == "candidate") & (clusters.c.last_day >= lo))
    ).all()
    ids = [c.id for c in active]
    cent = [np.frombuffer(c.centroid, dtype=np.float32).copy() for c in active]
    size = [c.size for c in active]
    first = [c.first_day for c in active]
    last = [c.last_day for c in active]
    dirty: set[int] = set()
    new: set[int] = set()
    members = []
    for r in rows:
        v = _unit(np.frombuffer(r.vector, dtype=np.float16).astype(np.float32))
        j, sim = -1, 0.0
        if cent:
            m = np.stack(cent) @ v
            ok = np.array([(r.day - d).days <= ACTIVE_DAYS for d in last])
            m = np.where(ok, m, -1.0)
            j = int(np.argmax(m))
            sim = float(m[j])
        if j < 0 or sim < threshold:
            ids.append(hashlib.sha256(f"cluster:{r.id}".encode()).hexdigest()[:12])
            cent.append(v)
            size.append(1)
            first.append(r.day)
            last.append(r.day)
            j, sim = len(ids) - 1, 1.0
            new.add(j)
        else:
            cent[j] = _unit(cent[j] * size[j] + v)
            size[j] += 1
            first[j] = min(first[j], r.day)
            last[j] = max(last[j], r.day)
            dirty.add(j)
        members.append(
            {
                "cluster_id": ids[j],
                "statement_id": r.id,
                "day": r.day,
                "similarity": round(sim, 4),
                **{c: getattr(r, c) for c in CLUSTER_MEMBER_VOICES},
            }
        )
    for j in new:
        conn.execute(
            insert(clusters).values(
                id=ids[j],
                centroid=cent[j].astype(np.float32).tobytes(),
                size=size[j],
                first_day=first[j],
                last_day=last[j],
                status="candidate",
            )
        )
    for j in dirty - new:
        conn.execute(
            update(clusters)
            .where(clusters.c.id == ids[j])
            .values(
                centroid=cent[j].astype(np.float32).tobytes(),
                size=size[j],
                first_day=first[j],
                last_day=last[j],
            )
        )
    if members:
        conn.execute(insert(cluster_members), members)
    return len(members)


@dataclass(slots=True)
class Candidate:
    id: str
    size: int
    documents: int
    first_day: dt.date | None
    last_day: dt.date | None
    first_statement: dict[str, Any]
    exemplars: list[dict[str, Any]]
    speakers: list[tuple[str, int]]
    outlets: list[tuple[str, int]]
    languages: list[str]
    status: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "documents": self.documents,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "first_statement": self.first_statement,
            "exemplars": self.exemplars,
            "speakers": [{"actor": a, "statements": n} for a, n in self.speakers],
            "outlets": [{"outlet": o, "statements": n} for o, n in self.outlets],
            "languages": self.languages,
            "status": self.status,
        }


def _statement(r: Any) -> dict[str, Any]:
    return {
        "statement_id": r.id,
        "document_id": r.doc_id,
        "date": r.day.isoformat() if r.day else None,
        "speaker": r.speaker,
        "outlet": r.outlet_id,
        "text": r.text,
    }


def _top(conn: Connection, where: Any, col: Any, k: int = 5) -> list[tuple[str, int]]:
    """The ``k`` most frequent values of a member column among ``where``'s members, with counts
    (ties by value, so the order is stable)."""
    n = func.count().label("n")
    q = select(col, n).where(where & col.is_not(None)).group_by(col).order_by(n.desc(), col).limit(k)
    return [(v, c) for v, c in conn.execute(q)]


EXEMPLAR_POOL = 200  # members (nearest at joining) among which exemplars are ranked


def candidates(
    store: Any,
    *,
    min_size: int = 3,
    min_documents: int = 2,
    since: dt.date | None = None,
    status: str | None = "candidate",
    limit: int = 20,
    exemplars: int = 3,
) -> list[Candidate]:
    """Clusters big enough to look like a narrative, largest and most recent first."""
    q = select(clusters).where(clusters.c.size >= min_size)
    if status:
        q = q.where(clusters.c.status == status)
    if since:
        q = q.where(clusters.c.last_day >= since)
    q = q.order_by(clusters.c.size.desc(), clusters.c.last_day.desc())
    out: list[Candidate] = []
    joined = statements.join(cluster_members, cluster_members.c.statement_id == statements.c.id)
    brief_cols = [statements.c[n] for n in ("id", "doc_id", "day", "seq", "speaker", "outlet_id", "text")]
    with store.engine.connect() as conn:
        for c in conn.execute(q).all():
            member = cluster_members.c.cluster_id == c.id
            # who and where, counted in SQL over the members' own rows (a cluster can hold thousands)
            size, n_docs = conn.execute(
                select(func.count(), func.count(cluster_members.c.doc_id.distinct())).where(member)
            ).one()
            if n_docs < min_documents:
                continue
            # the first statement: among the members of the cluster's first day (its day is kept
            # on the member rows), so only those are looked up
            earliest = (
                select(*brief_cols)
                .select_from(joined)
                .order_by(statements.c.day.is_(None), statements.c.day, statements.c.seq)
            )
            firstrow = None
            if c.first_day:
                firstrow = conn.execute(
                    earliest.where(member & (cluster_members.c.day == c.first_day)).limit(1)
                ).first()
            if firstrow is None:  # no member row carries the day (an older store): all members
                firstrow = conn.execute(earliest.where(member).limit(1)).one()
            # exemplars: the members nearest the centroid as it is now, ranked among those that
            # were nearest when they joined (a bounded pool, so the cost does not grow with size)
            nearest = (
                select(cluster_members.c.statement_id, cluster_members.c.similarity)
                .where(member)
                .order_by(cluster_members.c.similarity.desc(), cluster_members.c.statement_id)
                .limit(max(EXEMPLAR_POOL, exemplars))
                .subquery()
            )
            pool = conn.execute(
                select(*brief_cols, statements.c.vector, nearest.c.similarity)
                .join(nearest, nearest.c.statement_id == statements.c.id)
                .order_by(nearest.c.similarity.desc(), statements.c.seq)
            ).all()
            centroid = np.frombuffer(c.centroid, dtype=np.float32)
            sims = [
                float(_unit(np.frombuffer(r.vector, dtype=np.float16).astype(np.float32)) @ centroid)
                if r.vector is not None
                else r.similarity
                for r in pool
            ]
            seen_text: set[str] = set()
            ex = []
            for i in np.argsort(-np.array(sims), kind="stable"):
                t = " ".join(pool[i].text.split()).casefold()
                if t in seen_text:
                    continue
                seen_text.add(t)
                ex.append({**_statement(pool[i]), "similarity": round(sims[i], 3)})
                if len(ex) >= exemplars:
                    break
            out.append(
                Candidate(
                    id=c.id,
                    size=size,
                    documents=n_docs,
                    first_day=c.first_day,
                    last_day=c.last_day,
                    first_statement=_statement(firstrow),
                    exemplars=ex,
                    speakers=_top(conn, member, cluster_members.c.speaker),
                    outlets=_top(conn, member, cluster_members.c.outlet_id),
                    languages=[lang for lang, _ in _top(conn, member, cluster_members.c.language, k=99)],
                    status=c.status,
                )
            )
            if len(out) >= limit:
                break
    return out


def promote(
    store: Any,
    cluster_id: str,
    as_id: str,
    taxonomy_file: str | Path,
    *,
    label: str | None = None,
    parent: str | None = None,
    description: str | None = None,
    max_examples: int = 10,
) -> dict[str, Any]:
    """Add cluster ``cluster_id`` to the taxonomy file as node ``as_id`` (a narrative, or a
    sub-narrative of ``parent``) with its member statements as examples; mark it promoted.
    The file is re-validated before it is replaced; comments in it are not kept (a ``.bak`` copy is)."""
    if slugify(as_id) != as_id:
        raise ValueError(f"--as {as_id!r}: an id is a lower-case slug such as {slugify(as_id)!r}")
    path = Path(taxonomy_file)
    with store.engine.connect() as conn:
        c = conn.execute(select(clusters).where(clusters.c.id == cluster_id)).first()
        if c is None:
            raise ValueError(f"no cluster {cluster_id!r} (see `undertow narratives candidates`)")
        rows = conn.execute(
            select(statements.c.text, statements.c.language, cluster_members.c.similarity)
            .join(cluster_members, cluster_members.c.statement_id == statements.c.id)
            .where(cluster_members.c.cluster_id == cluster_id)
            .order_by(cluster_members.c.similarity.desc())
        ).all()
    tax = load_taxonomy(path)
    if tax.get(as_id) is not None:
        raise DataFileError(str(path), f"already has a node {as_id!r}")
    if parent is not None and (tax.get(parent) is None or tax[parent].parent is not None):
        raise DataFileError(str(path), f"--parent {parent!r} is not a narrative of this taxonomy")
    examples: list[str] = []
    for r in rows:
        t = " ".join(r.text.split())
        if t not in examples:
            examples.append(t)
        if len(examples) >= max_examples:
            break
    node = {
        "id": as_id,
        "label": label or as_id.replace("-", " ").capitalize(),
        "description": description or f"Promoted from discovered cluster {cluster_id}.",
        "examples": examples,
    }
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    narratives = raw["narratives"] if isinstance(raw, dict) and "narratives" in raw else raw
    if not isinstance(narratives, list):
        raise DataFileError(str(path), "promote needs a taxonomy whose narratives are a list")
    if parent is None:
        narratives.append(node)
    else:
        from undertow.narratives.taxonomy import _CHILD_KEYS

        owner = next((n for n in narratives if isinstance(n, dict) and n.get("id") == parent), None)
        if owner is None:
            raise DataFileError(str(path), f"--parent {parent!r}: not written as a mapping with an id")
        key = next((k for k in _CHILD_KEYS if k in owner), "subnarratives")
        owner.setdefault(key, []).append(node)
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=110)
    from undertow.narratives.taxonomy import parse_taxonomy

    parse_taxonomy(yaml.safe_load(text), source=str(path), default_id=tax.id)  # still valid?
    path.with_name(path.name + ".bak").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    with store.engine.begin() as conn:
        conn.execute(
            update(clusters).where(clusters.c.id == cluster_id).values(status="promoted", promoted_as=as_id)
        )
    return node


def cluster_count(store: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(clusters)).scalar() or 0)
