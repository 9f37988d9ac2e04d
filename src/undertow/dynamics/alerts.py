"""Explainable alerts: the rules of ``alerts.yaml`` run on the days that received statements.

Every rule looks at one day and a bounded window before it (never the whole archive) and yields
alerts with an evidence bundle: the statements (with their sentences and links), the first-seen
entry where there is one, the numbers behind the trigger and a confidence. An alert's id hashes
its rule and subject (and the episode's anchor day), so re-running on the same data adds nothing;
``cooldown_days`` keeps a rule quiet about a subject it has just reported.

Rule types (parameters in ``rules.py``, method in docs/dynamics.md): ``new_narrative``,
``burst``, ``first_adoption``, ``stance_shift``, ``amplification``, ``official_echo``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from undertow.dynamics import bursts, shifts
from undertow.dynamics.firstseen import statement_json
from undertow.dynamics.rules import Rule, load_rules
from undertow.dynamics.spread import voice_kind
from undertow.knowledge.actors import display_name as actor_name
from undertow.knowledge.outlets import display_name as outlet_name
from undertow.narratives.stance import issue_labels
from undertow.narratives.taxonomy import known_node
from undertow.store.schema import alerts as alerts_table
from undertow.store.schema import (
    daily_counts,
    documents,
    first_seen,
    statement_labels,
    statement_stances,
    statements,
)

DAY = dt.timedelta(days=1)
PARENT_QUIET_DAYS = 14  # a narrative is not reported by a rule that just reported one of its subs
WINDOW_DAYS = 7  # recent statements are fetched once per label and day for this many days


@dataclass(slots=True)
class Ctx:
    conn: Connection
    day: dt.date
    history_start: dt.date | None  # the first day the store has statements for
    fired: list[dict[str, Any]] = field(default_factory=list)  # alerts raised so far this run
    _window: dict[str, list[Any]] = field(default_factory=dict)

    def history_ok(self, anchor: dt.date, min_days: int) -> bool:
        return self.history_start is not None and (anchor - self.history_start).days >= min_days

    def recent(self, label: str, lo: dt.date, min_conf: float) -> list[Any]:
        """Statements of ``label`` in ``[lo, day]`` known by the day, for ``lo`` within the last
        ``WINDOW_DAYS``: fetched once per label and day, shared by the rules."""
        if lo < self.day - dt.timedelta(days=WINDOW_DAYS - 1):
            return _labelled(self.conn, label, lo, self.day, min_conf)
        if label not in self._window:
            self._window[label] = _labelled(
                self.conn, label, self.day - dt.timedelta(days=WINDOW_DAYS - 1), self.day, 0.0
            )
        return [r for r in self._window[label] if r.day >= lo and r.label_confidence >= min_conf]


# --- queries --------------------------------------------------------------------------------


def _cols() -> list[Any]:
    return [
        *statements.c,
        documents.c.url,
        documents.c.title,
        documents.c.outlet_country,
    ]


def _labelled_query(label: str, lo: dt.date, hi: dt.date, min_conf: float, known_by: dt.date) -> Any:
    """Canonical statements labelled ``label`` (at ``min_conf`` or more) dated ``[lo, hi]`` and
    published by ``known_by``, with their document's URL, title and country."""
    return (
        select(*_cols(), statement_labels.c.confidence.label("label_confidence"), statement_labels.c.taxonomy)
        .join(statement_labels, statement_labels.c.statement_id == statements.c.id)
        .join(documents, documents.c.id == statements.c.doc_id)
        .where(
            (statement_labels.c.label == label)
            & (statement_labels.c.day >= lo)
            & (statement_labels.c.day <= hi)
            & (statement_labels.c.confidence >= min_conf)
            & statements.c.canonical
            & _known_by(known_by)
        )
    )


def _labelled(conn: Connection, label: str, lo: dt.date, hi: dt.date, min_conf: float) -> list[Any]:
    """:func:`_labelled_query` rows known by ``hi``, oldest first."""
    q = _labelled_query(label, lo, hi, min_conf, hi).order_by(statements.c.day, statements.c.seq)
    return list(conn.execute(q).all())


def _labelled_iter(
    conn: Connection, label: str, lo: dt.date, hi: dt.date, min_conf: float, known_by: dt.date
) -> Any:
    """:func:`_labelled_query` rows newest first and lazily, for checks that can stop early."""
    return conn.execute(
        _labelled_query(label, lo, hi, min_conf, known_by).order_by(statement_labels.c.day.desc())
    )


def _known_by(day: dt.date) -> Any:
    """Statements published by ``day``: a rule looking at day D sees what was known on D, so a
    day's alerts do not depend on whether later documents were ingested before it was evaluated."""
    return (statements.c.published <= day) | statements.c.published.is_(None)


def _labels_on(conn: Connection, day: dt.date, min_conf: float) -> list[tuple[str, str]]:
    q = (
        select(statement_labels.c.label, statement_labels.c.taxonomy)
        .join(statements, statements.c.id == statement_labels.c.statement_id)
        .where(
            (statement_labels.c.day == day)
            & (statement_labels.c.confidence >= min_conf)
            & statements.c.canonical
        )
        .distinct()
        .order_by(statement_labels.c.label)
    )
    return [(r[0], r[1]) for r in conn.execute(q)]


def _sum(conn: Connection, dim: str, key: str, lo: dt.date, hi: dt.date) -> int:
    q = select(func.coalesce(func.sum(daily_counts.c.n), 0)).where(
        (daily_counts.c.dim == dim)
        & (daily_counts.c.key == key)
        & (daily_counts.c.day >= lo)
        & (daily_counts.c.day <= hi)
    )
    return int(conn.execute(q).scalar() or 0)


def _statement_rows(conn: Connection, ids: list[str]) -> list[Any]:
    q = (
        select(*_cols())
        .join(documents, documents.c.id == statements.c.doc_id)
        .where(statements.c.id.in_(ids))
    )
    return list(conn.execute(q).all())


def _count_docs(
    conn: Connection, label: str, lo: dt.date, hi: dt.date, min_conf: float, known_by: dt.date
) -> int:
    """Documents (per day) carrying ``label`` in ``[lo, hi]``, counted in the database."""
    inner = (
        select(statements.c.day, statements.c.doc_id)
        .join(statement_labels, statement_labels.c.statement_id == statements.c.id)
        .where(
            (statement_labels.c.label == label)
            & (statement_labels.c.day >= lo)
            & (statement_labels.c.day <= hi)
            & (statement_labels.c.confidence >= min_conf)
            & statements.c.canonical
            & _known_by(known_by)
        )
        .distinct()
        .subquery()
    )
    return int(conn.execute(select(func.count()).select_from(inner)).scalar() or 0)


def _outlets(conn: Connection, label: str, lo: dt.date, hi: dt.date) -> set[str]:
    """Outlets that carried ``label`` (any confidence) in ``[lo, hi]``, from the daily counts."""
    q = (
        select(daily_counts.c.outlet_id)
        .where(
            (daily_counts.c.dim == "narrative")
            & (daily_counts.c.key == label)
            & (daily_counts.c.day >= lo)
            & (daily_counts.c.day <= hi)
            & (daily_counts.c.outlet_id != "")
        )
        .distinct()
    )
    return {r[0] for r in conn.execute(q)}


def label_name(taxonomy: str, label: str) -> str:
    node = known_node(taxonomy, label)
    return node.label if node else label


def _evidence(rows: Iterable[Any], limit: int = 5) -> list[dict[str, Any]]:
    out = []
    for r in list(rows)[:limit]:
        e = statement_json(r)
        e.update(url=r.url, title=r.title)
        out.append(e)
    return out


def _recent(conn: Connection, rule: str, subject: str, lo: dt.date, hi: dt.date) -> bool:
    q = select(alerts_table.c.id).where(
        (alerts_table.c.rule == rule)
        & (alerts_table.c.subject == subject)
        & (alerts_table.c.day >= lo)
        & (alerts_table.c.day <= hi)
    )
    return conn.execute(q.limit(1)).first() is not None


def _alert(
    rule: Rule,
    day: dt.date,
    subject: dict[str, Any],
    key: str,
    title: str,
    summary: str,
    numbers: dict[str, Any],
    confidence: float,
    evidence: list[dict[str, Any]],
    first: dict[str, Any] | None = None,
    anchor: dt.date | None = None,
) -> dict[str, Any]:
    ident = hashlib.sha256(f"{rule.id}|{key}|{(anchor or day).isoformat()}".encode()).hexdigest()[:16]
    return {
        "id": f"a-{ident}",
        "rule": rule.id,
        "type": rule.type,
        "date": day.isoformat(),
        "title": title,
        "summary": summary,
        "subject": {"narrative": None, "actor": None, "issue": None, **subject},
        "subject_key": key,
        "numbers": numbers,
        "confidence": round(max(0.0, min(1.0, confidence)), 3),
        "evidence": evidence,
        "first_seen": first,
    }


def _known_on(r: Any) -> dt.date:
    """The day a statement became known: its document's publication day (else the day said)."""
    return max(r.day, r.published) if r.published else r.day


def _has_cue(pats: list[tuple[str, Any]], r: Any) -> bool:
    return any((lang in ("*", r.language)) and pat.search(r.sentence) for lang, pat in pats)


def _who(r: Any) -> str:
    """'Sergei Lavrov (RT, 2026-02-04)': a statement's voice as an analyst writes it."""
    speaker = actor_name(r.speaker) if r.speaker else "an unattributed source"
    outlet = outlet_name(r.outlet_id) if r.outlet_id else "unknown outlet"
    return f"{speaker} ({outlet}, {r.day.isoformat()})"


def _sig(x: float, k: float = 1.0) -> float:
    return 1.0 / (1.0 + math.exp(-k * x))


# --- rules ----------------------------------------------------------------------------------


def new_narrative(ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    p, d, out = rule.params, ctx.day, []
    for label, tax in _labels_on(ctx.conn, d, p.min_confidence):
        node = known_node(tax, label)
        level = "subnarrative" if node is not None and node.parent else "narrative"
        if level not in p.levels:
            continue
        fs = ctx.conn.execute(
            select(first_seen.c.day).where((first_seen.c.scope == "narrative") & (first_seen.c.key == label))
        ).scalar()
        if fs is not None and fs < d - dt.timedelta(days=p.lookback_days):
            continue  # seen before the look-back window: longstanding
        start = d - dt.timedelta(days=p.window_days - 1)
        recent = ctx.recent(label, start, p.min_confidence)
        docs = {r.doc_id for r in recent}
        if len(recent) < p.min_statements or len(docs) < p.min_documents:
            continue
        pats = node.cue_patterns() if node is not None and node.cues and p.cue_confirmed else None
        if pats is not None and not any(_has_cue(pats, r) for r in recent):
            # with cues, a sighting counts when its sentence has the line's own words: a label
            # the embedding gave for the topic alone ("a European force") is not the framing
            continue
        prior: list[Any] = []
        old = False
        for r in _labelled_iter(
            ctx.conn, label, d - dt.timedelta(days=p.lookback_days), start - DAY, p.prior_min_confidence, d
        ):
            if pats is not None and not _has_cue(pats, r):
                continue  # a label without the line's words: the topic, not the line
            prior.append(r)
            if r.aspect == "habitual" or len(prior) > p.max_prior:
                old = True  # a text already called the line old, or it was seen too often
                break
        if old:
            continue
        # the line's first statement: the first with its own words where there are cues
        first = next((r for r in recent if _has_cue(pats, r)), recent[0]) if pats else recent[0]
        if not ctx.history_ok(first.day, p.min_history_days):
            continue
        habitual = sum(1 for r in recent if r.aspect == "habitual") / len(recent)
        if habitual > p.max_habitual_share:
            continue
        if _recent(ctx.conn, rule.id, label, d - dt.timedelta(days=p.lookback_days), d):
            continue
        name = label_name(tax, label)
        outlets = sorted({r.outlet_id for r in recent if r.outlet_id})
        langs = sorted({r.language for r in recent if r.language})
        conf = (sum(r.label_confidence for r in recent) / len(recent)) * (1 - 0.5 ** len(docs))
        out.append(
            _alert(
                rule,
                d,
                {"narrative": label, "label": name, "taxonomy": tax},
                label,
                f"New narrative: {name}",
                f"“{name}” first appeared on {first.day.isoformat()} from {_who(first)}; "
                f"{len(recent)} statements in {len(docs)} documents from {len(outlets)} outlets "
                f"({', '.join(langs)}) since, none in the {p.lookback_days} days before"
                + (f" but {len(prior)} stray one" if prior else "")
                + ".",
                {
                    "statements": len(recent),
                    "documents": len(docs),
                    "outlets": len(outlets),
                    "languages": len(langs),
                    "prior_statements": len(prior),
                    "habitual_share": round(habitual, 3),
                    "lookback_days": p.lookback_days,
                },
                conf,
                _evidence(recent),
                {"day": first.day.isoformat(), "statement": _evidence([first])[0]},
                anchor=first.day,
            )
        )
    return out


def burst(ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    p, d, out = rule.params, ctx.day, []
    lo = d - dt.timedelta(days=p.baseline_days)
    if not ctx.history_ok(d, p.min_history_days):
        return out
    volume = _sum(ctx.conn, "docs", "*", d, d)
    base_volume = _sum(ctx.conn, "docs", "*", lo, d - DAY)
    for label, tax in _labels_on(ctx.conn, d, p.min_confidence):
        today = ctx.recent(label, d, p.min_confidence)
        docs_today = {r.doc_id for r in today}
        if len(docs_today) < p.min_documents:
            continue
        base_docs = _count_docs(ctx.conn, label, lo, d - DAY, p.min_confidence, d)
        s = bursts.surprise(len(docs_today), volume, base_docs, base_volume)
        if s.surprise < p.min_surprise or s.ratio < p.min_ratio:
            continue
        if _recent(ctx.conn, rule.id, label, d - dt.timedelta(days=p.cooldown_days), d):
            continue
        name = label_name(tax, label)
        out.append(
            _alert(
                rule,
                d,
                {"narrative": label, "label": name, "taxonomy": tax},
                label,
                f"Burst: {name}",
                f"{len(docs_today)} documents carried “{name}” on {d.isoformat()} against "
                f"{s.expected:.2f} expected from the {p.baseline_days} days before "
                f"({base_docs} documents of {base_volume}); surprise {s.surprise:.1f} (-log10 p).",
                {
                    "documents": len(docs_today),
                    "expected": s.expected,
                    "ratio": round(s.ratio, 2) if math.isfinite(s.ratio) else None,
                    "surprise": s.surprise,
                    "p_value": s.p_value,
                    "baseline_documents": base_docs,
                    "baseline_volume": base_volume,
                    "volume": volume,
                },
                _sig(s.surprise - p.min_surprise, 1.0),
                _evidence(today),
            )
        )
    return out


def first_adoption(ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    from undertow.knowledge.actors import default_registry

    p, d, out = rule.params, ctx.day, []
    registry = default_registry()
    new_lines = {
        a["subject"]["narrative"]: a
        for a in _stored_and_fired(ctx, "new_narrative", d - dt.timedelta(days=p.within_days), d)
        if a["subject"].get("narrative") and a.get("first_seen")
    }
    for label, na in sorted(new_lines.items()):
        origin = dt.date.fromisoformat(na["first_seen"]["day"])
        originator = na["first_seen"]["statement"].get("speaker")
        if origin >= d:
            continue
        rows = _labelled(ctx.conn, label, origin - dt.timedelta(days=p.lookback_days), d, p.min_confidence)
        first_by: dict[str, Any] = {}
        for r in rows:
            if r.speaker:
                first_by.setdefault(r.speaker, r)
        for actor, r0 in sorted(first_by.items()):
            if _known_on(r0) != d or actor == originator:
                continue  # the actor's first statement of the line was not made known today, or is the origin
            entry = registry.get(actor)
            if p.registered_only and entry is None:
                continue
            if entry is not None and p.actor_kinds and entry.kind not in p.actor_kinds:
                continue
            if p.same_country:
                # taking up a line from one's own side is adoption; a foreign minister quoting
                # it is, far more often, a rebuttal
                source = registry.get(originator) if originator else None
                if entry is None or source is None or not entry.country or entry.country != source.country:
                    continue
            mine = [r for r in rows if r.speaker == actor and _known_on(r) == d]
            name = na["subject"].get("label") or label
            who = actor_name(actor, registry)
            out.append(
                _alert(
                    rule,
                    d,
                    {
                        "narrative": label,
                        "label": name,
                        "taxonomy": na["subject"].get("taxonomy"),
                        "actor": actor,
                    },
                    f"{actor}|{label}",
                    f"First adoption: {who} takes up “{name}”",
                    f"{who} voiced “{name}” for the first time on {r0.day.isoformat()} "
                    f"({outlet_name(r0.outlet_id) if r0.outlet_id else 'unknown outlet'}), "
                    f"{(d - origin).days} days after the line first appeared ({origin.isoformat()}, "
                    f"{actor_name(originator) if originator else 'unattributed'}).",
                    {"days_after_first_seen": (d - origin).days, "statements": len(mine)},
                    max(r.label_confidence for r in mine),
                    _evidence(mine),
                    na.get("first_seen"),
                )
            )
    return out


def _stored_and_fired(ctx: Ctx, rule_type: str, lo: dt.date, hi: dt.date) -> list[dict[str, Any]]:
    q = select(alerts_table.c.payload).where(
        (alerts_table.c.type == rule_type) & (alerts_table.c.day >= lo) & (alerts_table.c.day <= hi)
    )
    stored = [json.loads(r[0]) for r in ctx.conn.execute(q)]
    return stored + [a for a in ctx.fired if a["type"] == rule_type]


def stance_shift(ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    p, d, out = rule.params, ctx.day, []
    pairs = ctx.conn.execute(
        select(statement_stances.c.speaker, statement_stances.c.issue)
        .join(statements, statements.c.id == statement_stances.c.statement_id)
        .where(
            (statement_stances.c.day == d) & statement_stances.c.speaker.is_not(None) & statements.c.canonical
        )
        .distinct()
    ).all()
    lo = d - dt.timedelta(days=p.lookback_days)
    history: dict[tuple[str, str], list[Any]] = {}
    speakers = sorted({sp for sp, _ in pairs})
    for i in range(0, len(speakers), 500):
        q = (
            select(
                statement_stances.c.speaker,
                statement_stances.c.issue,
                statement_stances.c.statement_id,
                statement_stances.c.day,
                statement_stances.c.polarity,
                statement_stances.c.confidence,
            )
            .join(statements, statements.c.id == statement_stances.c.statement_id)
            .where(
                statement_stances.c.speaker.in_(speakers[i : i + 500])
                & (statement_stances.c.day >= lo)
                & (statement_stances.c.day <= d)
                & (statement_stances.c.confidence >= p.min_confidence)
                & statements.c.canonical
                & _known_by(d)
            )
            .order_by(statement_stances.c.day, statements.c.seq)
        )
        for r in ctx.conn.execute(q):
            history.setdefault((r.speaker, r.issue), []).append(r)
    for speaker, issue in pairs:
        rows = history.get((speaker, issue), [])
        pts = [shifts.Point(r.day, r.polarity, max(r.confidence, 0.05), {"id": r.statement_id}) for r in rows]
        sh = shifts.detect(
            pts,
            min_before=p.min_before,
            min_after=p.min_after,
            min_consistency=p.min_consistency,
            min_delta=p.min_delta,
            min_after_weight=p.min_after_weight,
        )
        if sh is None or sh.change_day <= d - dt.timedelta(days=p.recent_days):
            continue
        key = f"{speaker}|{issue}"
        if _recent(ctx.conn, rule.id, key, sh.change_day, d):
            continue
        frm, to = sh.direction
        full = {
            r.id: r for r in _statement_rows(ctx.conn, [pt.statement["id"] for pt in sh.before + sh.after])
        }
        before = [full[pt.statement["id"]] for pt in sh.before]
        after = [full[pt.statement["id"]] for pt in sh.after]
        who, on_what = actor_name(speaker), issue_labels().get(issue, issue)
        out.append(
            _alert(
                rule,
                d,
                {"actor": speaker, "issue": issue},
                key,
                f"Stance shift: {who} on {on_what}, {frm} → {to}",
                f"{who} moved from {frm} ({len(before)} statements, "
                f"{before[0].day.isoformat()} to {before[-1].day.isoformat()}) to {to} ({len(after)} "
                f"statements from {sh.change_day.isoformat()}) on {on_what}.",
                {
                    "before": len(before),
                    "after": len(after),
                    "mean_before": sh.mean_before,
                    "mean_after": sh.mean_after,
                    "change_day": sh.change_day.isoformat(),
                    "score": sh.score,
                },
                sh.confidence,
                _evidence(before[-3:], 3) + _evidence(after, 3),
                anchor=sh.change_day,
            )
        )
    return out


def amplification(ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    p, d, out = rule.params, ctx.day, []
    start = d - dt.timedelta(days=p.window_days - 1)
    for label, tax in _labels_on(ctx.conn, d, p.min_confidence):
        recent = ctx.recent(label, start, p.min_confidence)
        outlets = sorted({r.outlet_id for r in recent if r.outlet_id})
        langs = sorted({r.language for r in recent if r.language})
        if len(outlets) < p.min_outlets or len(langs) < p.min_languages:
            continue
        prior_outlets = _outlets(ctx.conn, label, start - dt.timedelta(days=p.prior_days), start - DAY)
        if len(prior_outlets) > p.max_prior_outlets or not ctx.history_ok(start, p.min_history_days):
            continue
        if _recent(ctx.conn, rule.id, label, d - dt.timedelta(days=p.cooldown_days), d):
            continue
        name = label_name(tax, label)
        per_outlet: dict[str, Any] = {}
        for r in recent:
            per_outlet.setdefault(r.outlet_id, r)
        out.append(
            _alert(
                rule,
                d,
                {"narrative": label, "label": name, "taxonomy": tax},
                label,
                f"Amplification: {name} across {len(outlets)} outlets in {len(langs)} languages",
                f"“{name}” was carried by {len(outlets)} outlets ({', '.join(map(outlet_name, outlets))}) in "
                f"{', '.join(langs)} between {start.isoformat()} and {d.isoformat()}, after "
                f"{len(prior_outlets)} outlet(s) in the {p.prior_days} days before.",
                {
                    "outlets": len(outlets),
                    "languages": len(langs),
                    "prior_outlets": len(prior_outlets),
                    "statements": len(recent),
                },
                _sig(len(outlets) - p.min_outlets + len(langs) - p.min_languages + 1, 0.8),
                _evidence(per_outlet.values(), 6),
            )
        )
    return out


def official_echo(ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    p, d, out = rule.params, ctx.day, []
    start = d - dt.timedelta(days=p.window_days - 1)
    for label, tax in _labels_on(ctx.conn, d, p.min_confidence):
        recent = ctx.recent(label, start, p.min_confidence)
        pair = _echo_pair(recent)
        if pair is None or max(_known_on(pair[0]), _known_on(pair[1])) != d:
            continue  # no pair, or it was already complete before today
        prior = _labelled(
            ctx.conn, label, start - dt.timedelta(days=p.prior_days), start - DAY, p.min_confidence
        )
        if _echo_pair(prior) is not None:
            continue  # official and state media already shared this line lately
        if not ctx.history_ok(start, p.min_history_days):
            continue
        if _recent(ctx.conn, rule.id, label, d - dt.timedelta(days=p.cooldown_days), d):
            continue
        a, b = pair
        direction = "official → state media" if _voices(a)[0] else "state media → official"
        name = label_name(tax, label)
        out.append(
            _alert(
                rule,
                d,
                {"narrative": label, "label": name, "taxonomy": tax},
                label,
                f"Official ↔ state-media echo: {name}",
                f"“{name}” went {direction}: {_who(a)} then {_who(b)}.",
                {"days_between": (b.day - a.day).days, "statements": len(recent)},
                min(a.label_confidence, b.label_confidence),
                _evidence([a, b]),
            )
        )
    return out


def _voices(r: Any) -> tuple[str | None, str | None]:
    """(country of the official voice, country of the state-media voice) of a statement: an
    official voice is an official channel (a ministry's site) or a speaker holding a government
    office that day; a state-media voice is a state-affiliated outlet that is not an official site."""
    from undertow.knowledge.actors import default_registry

    official = r.outlet_country if voice_kind(r.outlet_kind, r.state_affiliated) == "official" else None
    if official is None and r.speaker:
        role = default_registry().role_on(r.speaker, r.day)
        if role is not None:
            official = role.jurisdiction or "?"
    media = (
        r.outlet_country or "?" if voice_kind(r.outlet_kind, r.state_affiliated) == "state-media" else None
    )
    return official, media


def _echo_pair(rows: list[Any]) -> tuple[Any, Any] | None:
    """The first (official voice, state-media voice) pair of statements of one country, in time
    order, from separate documents: the pair whose later statement comes first. One pass."""
    seen: dict[tuple[str, str], list[Any]] = {}  # (voice, country) -> up to two rows of distinct documents

    def partners(voice: str, country: str) -> list[Any]:
        if country == "?":
            return [r for (v, _), rs in seen.items() if v == voice for r in rs]
        return seen.get((voice, country), []) + seen.get((voice, "?"), [])

    for r in sorted(rows, key=lambda r: (r.day, r.seq)):
        official, media = _voices(r)
        for country, other in ((official, "media"), (media, "official")):
            if country is None:
                continue
            for a in partners(other, country):
                if a.doc_id != r.doc_id:
                    return a, r
        for voice, country in (("official", official), ("media", media)):
            if country is None:
                continue
            kept = seen.setdefault((voice, country), [])
            if len(kept) < 2 and all(k.doc_id != r.doc_id for k in kept):
                kept.append(r)
    return None


def _most_specific(found: list[dict[str, Any]], ctx: Ctx, rule: Rule) -> list[dict[str, Any]]:
    """Of a narrative and its own sub-narrative raised by one rule, keep the sub (the more
    specific line): the narrative is dropped when a sub of it fires the same day or fired in the
    last ``PARENT_QUIET_DAYS``; a kept sub names its narrative in its subject."""
    recent = [
        a
        for a in _stored_and_fired(ctx, rule.type, ctx.day - dt.timedelta(days=PARENT_QUIET_DAYS), ctx.day)
        if a["rule"] == rule.id
    ]
    parents_done = {_parent_of(a) for a in [*found, *recent]} - {None}
    subjects = {a["subject"].get("narrative") for a in found}
    out = []
    for a in found:
        label = a["subject"].get("narrative")
        if label and label in parents_done:
            continue
        parent = _parent_of(a)
        if parent and parent in subjects:
            a["subject"]["parent"] = parent
        out.append(a)
    return out


def _parent_of(a: dict[str, Any]) -> str | None:
    label = a["subject"].get("narrative")
    tax = a["subject"].get("taxonomy") or ""
    node = known_node(tax, label) if label else None
    return node.parent if node else None


RULES = {
    "new_narrative": new_narrative,
    "burst": burst,
    "first_adoption": first_adoption,
    "stance_shift": stance_shift,
    "amplification": amplification,
    "official_echo": official_echo,
}


# --- running ----------------------------------------------------------------------------------


def evaluate(store: Any, days: Iterable[dt.date], rules: list[Rule] | None = None) -> list[dict[str, Any]]:
    """Run ``rules`` on each of ``days`` (oldest first); store and return the new alerts."""
    rules = load_rules() if rules is None else rules
    new: list[dict[str, Any]] = []
    with store.engine.begin() as conn:
        start = conn.execute(select(func.min(documents.c.published))).scalar()  # indexed
        for d in sorted(set(days)):
            ctx = Ctx(conn, d, start)
            for rule in rules:
                for a in _most_specific(RULES[rule.type](ctx, rule), ctx, rule):
                    if conn.execute(select(alerts_table.c.id).where(alerts_table.c.id == a["id"])).first():
                        continue
                    a["created"] = _now()
                    conn.execute(
                        insert(alerts_table).values(
                            id=a["id"],
                            rule=a["rule"],
                            type=a["type"],
                            day=d,
                            subject=a["subject_key"],
                            title=a["title"],
                            payload=json.dumps(a, ensure_ascii=False, default=str),
                            created=dt.datetime.now(dt.UTC),
                        )
                    )
                    ctx.fired.append(a)
                    new.append(a)
    return new


def stored(
    store: Any,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    rule: str | None = None,
    type: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Stored alerts, oldest first."""
    q = select(alerts_table.c.payload)
    conds = []
    if since:
        conds.append(alerts_table.c.day >= since)
    if until:
        conds.append(alerts_table.c.day <= until)
    if rule:
        conds.append(alerts_table.c.rule == rule)
    if type:
        conds.append(alerts_table.c.type == type)
    if conds:
        q = q.where(and_(*conds))
    q = q.order_by(alerts_table.c.day, alerts_table.c.rule, alerts_table.c.id)
    if limit:
        q = q.limit(limit)
    with store.engine.connect() as conn:
        return [json.loads(r[0]) for r in conn.execute(q)]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
