"""The daily brief: what changed, then what was said per issue and per actor, ISW-style.

Every sentence is built from a template filled with stored records only and carries numbered
citations to stored statements (document, outlet, date, the quoted sentence). The brief reads
the window's statements (by the day index), the alerts of the window and the first-seen entries
of the lines it mentions, so its cost follows the window, not the archive.

Wording is deterministic; an optional LLM polish may be layered on later and is never needed.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select

from undertow.dynamics import alerts as alerts_mod
from undertow.dynamics.firstseen import statement_json
from undertow.knowledge.actors import display_name
from undertow.narratives.stance import issue_labels
from undertow.narratives.taxonomy import known_node
from undertow.store.schema import documents, first_seen, statement_labels, statement_stances, statements

VERB = {"favor": "backed", "against": "rejected", "neutral": "commented on"}
MAX_PER_SECTION = 8
MIN_LINE_CONFIDENCE = 0.7  # a statement label must be this sure to be reported as a line
REGISTRY_FALLBACK_DAYS = 7  # the alert rules' minimum history (alerts.yaml min_history_days)


@dataclass(slots=True)
class Sentence:
    text: str
    cites: list[int]


@dataclass(slots=True)
class Section:
    title: str
    sentences: list[Sentence] = field(default_factory=list)


@dataclass(slots=True)
class Brief:
    day: dt.date
    since: dt.date
    cutoff: str
    takeaways: list[Sentence]
    sections: list[Section]
    citations: list[dict[str, Any]]

    def to_markdown(self) -> str:
        out = [
            f"# undertow brief: {self.day.isoformat()}",
            "",
            f"_{self.cutoff}_",
            "",
            "## Key takeaways",
            "",
        ]
        out += [f"- {_md(s)}" for s in self.takeaways] or ["- Nothing in the store changed in this window."]
        for sec in self.sections:
            out += ["", f"## {sec.title}", ""]
            out += [f"- {_md(s)}" for s in sec.sentences]
        out += ["", "## Sources", ""]
        for i, c in enumerate(self.citations, 1):
            where = f" <{c['url']}>" if c.get("url") else ""
            out.append(
                f"{i}. {c.get('outlet') or 'unknown outlet'}, {c.get('date') or 'undated'}: “{c['sentence']}”"
                f" ({c.get('title') or 'untitled'}{where}; "
                f"document {c['document_id']}, statement {c['statement_id']})"
            )
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        e = html.escape

        def sent(s: Sentence) -> str:
            refs = "".join(f'<sup><a href="#src-{i}">[{i}]</a></sup>' for i in s.cites)
            return f"<li>{e(s.text)}{refs}</li>"

        parts = [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>undertow brief: {self.day.isoformat()}</title>",
            "<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}"
            "sup a{text-decoration:none}.cutoff{color:#555}ol.sources li{margin-bottom:.5rem}</style>",
            "</head><body>",
            f"<h1>undertow brief: {self.day.isoformat()}</h1>",
            f'<p class="cutoff"><em>{e(self.cutoff)}</em></p>',
            "<h2>Key takeaways</h2><ul>",
            *([sent(s) for s in self.takeaways] or ["<li>Nothing in the store changed in this window.</li>"]),
            "</ul>",
        ]
        for sec in self.sections:
            parts += [f"<h2>{e(sec.title)}</h2><ul>", *[sent(s) for s in sec.sentences], "</ul>"]
        parts.append('<h2>Sources</h2><ol class="sources">')
        for i, c in enumerate(self.citations, 1):
            link = (
                f' <a href="{e(c["url"])}">{e(c.get("title") or c["url"])}</a>'
                if str(c.get("url") or "").startswith(("http://", "https://"))
                else f" {e(c.get('title') or '')}"
            )
            parts.append(
                f'<li id="src-{i}">{e(c.get("outlet") or "unknown outlet")}, '
                f"{e(c.get('date') or 'undated')}: "
                f"“{e(c['sentence'])}”{link} <small>(document {e(c['document_id'])}, statement "
                f"{e(c['statement_id'])})</small></li>"
            )
        parts += ["</ol>", "</body></html>"]
        return "\n".join(parts) + "\n"


def _md(s: Sentence) -> str:
    return s.text + "".join(f" [{i}]" for i in s.cites)


class _Cites:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}

    def add(self, ev: dict[str, Any]) -> int:
        sid = ev["statement_id"]
        if sid not in self.index:
            self.items.append(ev)
            self.index[sid] = len(self.items)
        return self.index[sid]


def _name(actor: str | None) -> str:
    return display_name(actor) if actor else "An unattributed source"


def _ranked(
    conn: Any,
    keys: list[Any],
    score: Any,
    joined: Any,
    where: Any,
    *,
    extra: tuple[Any, ...] = (),
    top: int = 2,
) -> list[Any]:
    """Groups of the rows ``where`` selects, by ``keys``: each group's ``top`` statements by
    ``score`` (ties: earliest first), each row carrying its group's size ``n``, best ``score`` and
    first and last day. One query with window functions, whatever the number of groups."""
    part = {"partition_by": keys}
    inner = (
        select(
            *keys,
            *extra,
            statements.c.id,
            score.label("score"),
            func.row_number()
            .over(**part, order_by=[score.desc(), statements.c.day, statements.c.seq])
            .label("rank"),
            func.count().over(**part).label("n"),
            func.min(statements.c.day).over(**part).label("first"),
            func.max(statements.c.day).over(**part).label("last"),
        )
        .select_from(joined)
        .where(where)
        .subquery()
    )
    return conn.execute(
        select(inner).where(inner.c.rank <= top).order_by(*inner.c[: len(keys)], inner.c.rank)
    ).all()


def _span(r: Any) -> str:
    """A group's days: 'D' or 'D1 to D2'."""
    return r.first.isoformat() if r.first == r.last else f"{r.first.isoformat()} to {r.last.isoformat()}"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _label(taxonomy: str, label: str) -> str:
    node = known_node(taxonomy, label)
    return node.label if node else label


def build(
    store: Any,
    day: dt.date,
    since: dt.date | None = None,
    *,
    max_takeaways: int = 15,
    min_stance_confidence: float = 0.5,
) -> Brief:
    """The brief for ``day`` covering ``[since, day]`` (default: the 7 days ending on ``day``)."""
    week = dt.timedelta(days=6)
    since = since or max(day, dt.date.min + week) - week  # no overflow on the first days of year 1
    if since > day:
        raise ValueError(f"--since {since} is after --date {day}")
    cites = _Cites()
    window_alerts = alerts_mod.stored(store, since=since, until=day)
    # A week can hold tens of thousands of statements: they are counted, grouped and ranked in
    # SQL (one query per section), and only the statements a sentence cites are read in full.
    in_window = (statements.c.day >= since) & (statements.c.day <= day) & statements.c.canonical
    speaker = statements.c.speaker
    with store.engine.connect() as conn:
        pending: list[tuple[Sentence, list[str]]] = []

        def cited(text: str, ids: list[str]) -> Sentence:
            """A sentence citing stored statements; their rows are read once, at the end."""
            sentence = Sentence(text, [])
            pending.append((sentence, ids))
            return sentence

        takeaways: list[Sentence] = []
        # 1. what changed: alerts of the window, most telling first; first adoptions of one line are
        # told in one sentence
        order = ["new_narrative", "stance_shift", "burst", "amplification", "official_echo", "first_adoption"]
        covered: set[str] = set()
        adoptions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ranked = sorted(
            window_alerts,
            key=lambda a: (order.index(a["type"]) if a["type"] in order else 9, a["date"], -a["confidence"]),
        )
        for a in ranked:
            evs = [e for e in a.get("evidence", []) if e.get("statement_id")]
            if a["type"] == "new_narrative" and a.get("first_seen"):
                evs = [a["first_seen"]["statement"], *evs]
            if not evs:
                continue
            if a["type"] == "first_adoption":
                adoptions[a["subject"].get("narrative") or ""].append(a)
                continue
            nums = sorted({cites.add(e) for e in evs[:3]})
            takeaways.append(Sentence(_alert_sentence(a), nums))
            if a["subject"].get("narrative") and a["type"] == "new_narrative":
                covered.add(a["subject"]["narrative"])
        for _line, group in sorted(adoptions.items(), key=lambda kv: min(a["date"] for a in kv[1])):
            group.sort(key=lambda a: a["date"])
            who = [f"{_name(a['subject'].get('actor'))} ({a['date']})" for a in group]
            label = group[0]["subject"].get("label") or group[0]["subject"].get("narrative")
            nums = sorted({cites.add(a["evidence"][0]) for a in group})
            takeaways.append(Sentence(f"{_join(who)} took up the line “{label}” for the first time.", nums))
        del takeaways[max_takeaways:]
        # 2. with less history than the alert rules need (a small store, a first article), new
        # lines come from the first-seen registry instead
        history_start = conn.execute(select(func.min(documents.c.published))).scalar()
        short_history = history_start is None or (since - history_start).days < REGISTRY_FALLBACK_DAYS
        fs_rows = (
            conn.execute(
                select(first_seen).where((first_seen.c.scope == "narrative") & (first_seen.c.day >= since))
            ).all()
            if short_history
            else []
        )
        fs_rows = [f for f in fs_rows if f.label not in covered and f.day <= day]
        firsts = {
            r.id: r
            for r in conn.execute(
                select(statements.c.id, speaker, statements.c.outlet_id, statements.c.aspect).where(
                    in_window & statements.c.id.in_({f.statement_id for f in fs_rows})
                )
            )
        }
        first_labels = {
            (lab.statement_id, lab.label): lab
            for lab in conn.execute(
                select(statement_labels).where(statement_labels.c.statement_id.in_(list(firsts)))
            )
        }
        registry_new: list[tuple[tuple[int, float, dt.date], str, str, str]] = []
        for f in fs_rows:
            first = firsts.get(f.statement_id)
            if first is None or (f.habitual and f.habitual * 2 >= f.seen):
                continue
            lab = first_labels.get((f.statement_id, f.label))
            if lab is None or lab.confidence < MIN_LINE_CONFIDENCE:
                continue
            node = known_node(lab.taxonomy, f.label)
            if node is None or node.parent is None:
                continue  # report the specific lines (sub-narratives) as new, not broad themes
            who = _name(first.speaker) + (f" ({first.outlet_id})" if first.outlet_id else "")
            when = f.day.isoformat()
            if first.aspect == "new":  # the text itself says the line is new: say so first
                text = f"{who} began advancing a new line on {when}: “{node.label}”."
            else:
                text = f"A new line, “{node.label}”, first appeared in the record on {when}, voiced by {who}."
            key = (0 if first.aspect == "new" else 1, -lab.confidence, f.day)
            registry_new.append((key, text, first.id, f.label))
        for _, text, first_id, label in sorted(registry_new, key=lambda x: x[0])[:MAX_PER_SECTION]:
            takeaways.append(cited(text, [first_id]))
            covered.add(label)

        sections: list[Section] = []
        # 3. per issue: who took which side
        issue_names = issue_labels()
        sn = statement_stances
        per_issue: dict[str, dict[tuple[str, str], list[Any]]] = defaultdict(lambda: defaultdict(list))
        for r in _ranked(
            conn,
            [sn.c.issue, speaker, sn.c.polarity],
            sn.c.confidence,
            sn.join(statements, statements.c.id == sn.c.statement_id),
            in_window
            & (sn.c.day >= since)  # the stance rows' copy of the day: read by its index, not all stances
            & (sn.c.day <= day)
            & speaker.is_not(None)
            & (sn.c.polarity != "neutral")
            & (sn.c.confidence >= min_stance_confidence),
        ):
            per_issue[r.issue][(r.speaker, r.polarity)].append(r)
        for issue, groups in sorted(
            per_issue.items(), key=lambda kv: (-sum(g[0].n for g in kv[1].values()), kv[0])
        ):
            sec = Section(f"Issue: {issue_names.get(issue, issue)}")
            for (who, polarity), best in sorted(groups.items(), key=lambda kv: (-kv[1][0].score, kv[0]))[
                :MAX_PER_SECTION
            ]:
                sec.sentences.append(
                    cited(
                        f"{_name(who)} {VERB[polarity]} "
                        f"{_lower_first(issue_names.get(issue, issue))} ({_span(best[0])}).",
                        [r.id for r in best[:2]],
                    )
                )
            sections.append(sec)
        # 4. per actor (the window's most frequent speakers): the specific lines they advanced
        n = func.count().label("n")
        actors = (
            conn.execute(
                select(speaker, n)
                .where(in_window & speaker.is_not(None))
                .group_by(speaker)
                .order_by(n.desc(), func.min(statements.c.day), func.min(statements.c.seq))
                .limit(8)
            )
            .scalars()
            .all()
        )
        lab_t = statement_labels
        per_actor: dict[str, list[Any]] = defaultdict(list)
        for r in _ranked(
            conn,
            [speaker, lab_t.c.label],
            lab_t.c.confidence,
            lab_t.join(statements, statements.c.id == lab_t.c.statement_id),
            in_window
            & (lab_t.c.day >= since)  # the labels' copy of the day, as for stances
            & (lab_t.c.day <= day)
            & speaker.in_(actors)
            & (lab_t.c.confidence >= MIN_LINE_CONFIDENCE)
            & lab_t.c.parent.is_not(None),
            extra=(lab_t.c.taxonomy,),
            top=1,
        ):
            node = known_node(r.taxonomy, r.label)
            if node is not None and node.parent is not None:
                per_actor[r.speaker].append(r)
        for actor in actors:
            if actor not in per_actor:
                continue
            sec = Section(f"Actor: {_name(actor)}")
            for r in sorted(per_actor[actor], key=lambda r: (-r.score, r.label))[:MAX_PER_SECTION]:
                sec.sentences.append(
                    cited(
                        f"{_name(actor)} advanced the line “{_label(r.taxonomy, r.label)}” ({_span(r)}).",
                        [r.id],
                    )
                )
            sections.append(sec)
        # the cited statements, read in one query and numbered in reading order
        cols = [c for c in statements.c if c.name != "vector"]
        need = list({i for _, ids in pending for i in ids})
        full = {}
        for k in range(0, len(need), 500):
            q = select(*cols, documents.c.url, documents.c.title).join(
                documents, documents.c.id == statements.c.doc_id
            )
            full.update((r.id, r) for r in conn.execute(q.where(statements.c.id.in_(need[k : k + 500]))))
        for sentence, ids in pending:
            sentence.cites = sorted(
                {
                    cites.add({**statement_json(full[i]), "url": full[i].url, "title": full[i].title})
                    for i in ids
                }
            )
        # the cut-off line
        last = conn.execute(
            select(func.max(documents.c.published)).where(documents.c.published <= day)
        ).scalar()
        reported_later = statements.c.published > day
        n_rows, n_docs, n_later, last_later = conn.execute(
            select(
                func.count(),
                func.count(statements.c.doc_id.distinct()),
                func.count(case((reported_later, statements.c.doc_id)).distinct()),
                func.max(case((reported_later, statements.c.published))),
            ).where(in_window)
        ).one()
    cut = f"documents published up to {last.isoformat()}" if last else "no document published by then"
    if n_later:  # statements of the window reported after it (a back-fill, a retrospective article)
        cut += (
            f", and {_count(n_later, 'document')} published later "
            f"(up to {last_later.isoformat()}) about statements dated in this window"
        )
    cutoff = (
        f"Data cut-off: {cut}; this brief covers statements dated {since.isoformat()} to "
        f"{day.isoformat()} ({_count(n_rows, 'statement')} from {_count(n_docs, 'document')}, "
        "syndicated copies folded)."
    )
    return Brief(day, since, cutoff, takeaways, sections, cites.items)


_PROPER = {
    "Western",
    "Ukrainian",
    "Ukraine",
    "Ukraine's",
    "NATO",
    "Russia",
    "Russian",
    "European",
    "US",
    "EU",
}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(s: str) -> str:
    """ "A ceasefire ..." -> "a ceasefire ..."; names and proper adjectives keep their capital."""
    first = s.split(" ", 1)[0]
    if first not in ("A", "An", "The") and (first in _PROPER or first.isupper()):
        return s
    return s[:1].lower() + s[1:]


def _alert_sentence(a: dict[str, Any]) -> str:
    subj = a["subject"]
    label = subj.get("label") or subj.get("narrative")
    n = a.get("numbers", {})
    t = a["type"]
    if t == "new_narrative":
        fs = (a.get("first_seen") or {}).get("statement") or {}
        return (
            f"A new line, “{label}”, appeared on {(a.get('first_seen') or {}).get('day', a['date'])}, "
            f"first voiced "
            f"by {_name(fs.get('speaker'))} ({fs.get('outlet') or 'unknown outlet'}); by "
            f"{a['date']} it was carried in {n.get('documents')} documents by {n.get('outlets')} outlets."
        )
    if t == "stance_shift":
        issue = issue_labels().get(subj.get("issue") or "", subj.get("issue"))
        frm = "against" if n.get("mean_before", 0) < 0 else "in favour of"
        to = "in favour of" if n.get("mean_before", 0) < 0 else "against"
        return (
            f"{_name(subj.get('actor'))} shifted from speaking {frm} to speaking {to} "
            f"{_lower_first(str(issue))} on {n.get('change_day', a['date'])}."
        )
    if t == "burst":
        return (
            f"“{label}” surged on {a['date']}: {n.get('documents')} documents against "
            f"{float(n.get('expected') or 0):.2f} expected from the preceding weeks."
        )
    if t == "first_adoption":
        return f"{_name(subj.get('actor'))} took up the line “{label}” for the first time on {a['date']}."
    if t == "amplification":
        return (
            f"“{label}” spread to {n.get('outlets')} outlets in {n.get('languages')} languages "
            f"by {a['date']}."
        )
    if t == "official_echo":
        return f"Officials and state media echoed “{label}” by {a['date']}."
    return a["title"] + "."
