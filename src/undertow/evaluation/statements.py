"""Score statement attribution (who said what) against a hand-annotated gold set.

The gold set (``tests/data/statements_gold.jsonl``, guidelines in ``docs/gold-statements.md``) holds
one short passage per line with its statements given as *substrings* of the passage: ``speaker``,
``cue`` and ``content`` are found in ``text`` (the ``occurrence``-th match at word boundaries).
Predictions are statements in the record-contract shape (``docs/record.md``)::

    {"speaker": {"actor_id": "sergei-lavrov", "start": 0, "end": 6},
     "cue": {"start": 7, "end": 11, "text": "said"},
     "content": {"start": 12, "end": 40, "text": "..."},
     "kind": "indirect", "medium": null, "said": {"start": "2026-02-04", "end": "2026-02-04"}}

Scoring, per passage:

1. **Alignment.** Gold and predicted statements are paired one-to-one, greedily by the Dice
   coefficient of their *content* tokens (highest first; ties prefer a pair whose speakers agree,
   then document order). A pair needs at least one shared content token. Tokens are ``\\w+``
   matches in the passage; a span holds every token it shares a character with.
2. **Field matches** on each aligned pair, under two matchings:
   ``exact`` - the same character offsets once surrounding whitespace is trimmed;
   ``overlap`` - the shared tokens are at least half of the gold span's tokens *and* at least half of
   the predicted span's tokens (spans without tokens fall back to exact).
   Fields: ``speaker_span``; ``speaker_id`` (``actor_id == speaker_id``; a gold speaker without id
   accepts a prediction with no id or a provisional one); ``speaker`` (span *or* id);
   ``cue``; ``content``; ``statement`` (speaker and content both right).
3. **Counts.** For every field, true positives are the aligned pairs whose field matches;
   precision = TP / predicted statements, recall = TP / gold statements. Gold statements marked
   ``optional`` (inner statements of nested speech) count only when a prediction aligns with them.
   A ratio with an empty denominator is 0, except that nothing predicted for nothing expected is 1.
4. **Attributes** over aligned pairs: ``kind`` accuracy, ``medium`` accuracy (``null == null``
   counts), ``said`` accuracy over pairs whose gold statement has a date.

Results are given overall, per language and per phenomenon tag.

Public interface: :func:`load_gold`, :func:`score`, :func:`format_report`, :func:`read_predictions`,
:func:`main` (``--gold PATH --pred PREDICTIONS.jsonl [--json]``).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import difflib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from undertow.records import Span

KINDS = ("direct", "indirect", "mixed")
MODES = ("exact", "overlap")
FIELDS = ("speaker", "speaker_span", "speaker_id", "cue", "content", "statement")
DEFAULT_GOLD = Path("tests/data/statements_gold.jsonl")

_TOKEN = re.compile(r"\w+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# --------------------------------------------------------------------------- gold


@dataclass(frozen=True, slots=True)
class GoldStatement:
    speaker: Span
    speaker_text: str
    speaker_id: str | None
    cue: Span | None
    cue_text: str | None
    content: Span
    content_text: str
    kind: str
    said: tuple[str, str] | None = None
    medium: str | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class GoldItem:
    id: str
    lang: str
    published: str | None
    text: str
    statements: tuple[GoldStatement, ...]
    phenomena: tuple[str, ...] = ()
    line: int = 0


def locate(text: str, sub: str, occurrence: int = 1) -> Span | None:
    """The ``occurrence``-th (1-based) match of ``sub`` in ``text``, at word boundaries.

    A substring that begins (ends) with a word character must not be preceded (followed) by one,
    so that the pronoun "he" is not found inside "them".
    """
    if not sub or occurrence < 1:
        return None
    pattern = re.escape(sub)
    if _TOKEN.match(sub[0]):
        pattern = r"(?<!\w)" + pattern
    if _TOKEN.match(sub[-1]):
        pattern += r"(?!\w)"
    for n, m in enumerate(re.finditer(pattern, text), 1):
        if n == occurrence:
            return Span(m.start(), m.end())
    return None


def _said(value: Any, where: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        start = end = value
    elif (
        isinstance(value, Mapping)
        and isinstance(value.get("start"), str)
        and isinstance(value.get("end"), str)
    ):
        start, end = value["start"], value["end"]
    else:
        raise ValueError(f"{where}: said must be an ISO date, {{start, end}} or null, not {value!r}")
    try:
        dt.date.fromisoformat(start)
        dt.date.fromisoformat(end)
    except ValueError:
        raise ValueError(f"{where}: said {value!r} is not an ISO date") from None
    return start, end


def _gold_statement(item_id: str, text: str, n: int, raw: Any) -> GoldStatement:
    where = f"item {item_id} statement {n}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: a statement must be an object")
    default_occ = raw.get("occurrence", 1)
    spans: dict[str, Span | None] = {}
    for name in ("speaker", "cue", "content"):
        sub = raw.get(name)
        if sub is None and name == "cue":
            spans[name] = None
            continue
        if not isinstance(sub, str) or not sub.strip():
            raise ValueError(f"{where}: {name} must be a non-empty string")
        occ = raw.get(f"{name}_occurrence", default_occ)
        if not isinstance(occ, int) or isinstance(occ, bool) or occ < 1:
            raise ValueError(f"{where}: {name} occurrence must be a positive integer")
        span = locate(text, sub, occ)
        if span is None:
            raise ValueError(f"item {item_id}: {name} {sub!r} (occurrence {occ}) not found in text")
        spans[name] = span
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    speaker_id = raw.get("speaker_id")
    if speaker_id is not None and (not isinstance(speaker_id, str) or not _SLUG.fullmatch(speaker_id)):
        raise ValueError(f"{where}: speaker_id {speaker_id!r} is not a lower-case slug")
    medium = raw.get("medium")
    if medium is not None and (not isinstance(medium, str) or not _SLUG.fullmatch(medium)):
        raise ValueError(f"{where}: medium {medium!r} is not an outlet id")
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise ValueError(f"{where}: optional must be true or false")
    speaker, content = spans["speaker"], spans["content"]
    assert speaker is not None and content is not None
    cue = spans["cue"]
    return GoldStatement(
        speaker=speaker,
        speaker_text=speaker.text(text),
        speaker_id=speaker_id,
        cue=cue,
        cue_text=cue.text(text) if cue else None,
        content=content,
        content_text=content.text(text),
        kind=kind,
        said=_said(raw.get("said"), where),
        medium=medium,
        optional=optional,
    )


def parse_gold_item(raw: Any, line: int = 0) -> GoldItem:
    """Validate one gold record and resolve its substrings to spans (``ValueError`` otherwise)."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"line {line}: a gold item must be an object")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise ValueError(f"line {line}: id must be a non-empty string")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"item {item_id}: text must be a non-empty string")
    lang = raw.get("lang")
    if not isinstance(lang, str) or not lang:
        raise ValueError(f"item {item_id}: lang must be a language code")
    published = raw.get("published")
    if published is not None:
        try:
            dt.date.fromisoformat(published)
        except (TypeError, ValueError):
            raise ValueError(f"item {item_id}: published {published!r} is not an ISO date") from None
    statements = raw.get("statements")
    if not isinstance(statements, list):
        raise ValueError(f"item {item_id}: statements must be a list")
    phenomena = raw.get("phenomena", [])
    if not isinstance(phenomena, list) or not all(isinstance(p, str) and p for p in phenomena):
        raise ValueError(f"item {item_id}: phenomena must be a list of tags")
    return GoldItem(
        id=item_id,
        lang=lang,
        published=published,
        text=text,
        statements=tuple(_gold_statement(item_id, text, n, s) for n, s in enumerate(statements, 1)),
        phenomena=tuple(phenomena),
        line=line,
    )


def load_gold(path: str | Path) -> list[GoldItem]:
    """Read and validate a gold JSONL file; every substring must be found (``ValueError`` otherwise)."""
    items: list[GoldItem] = []
    seen: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {n}: invalid JSON: {exc.msg}") from None
            item = parse_gold_item(raw, n)
            if item.id in seen:
                raise ValueError(f"item {item.id}: duplicate id (line {n})")
            seen.add(item.id)
            items.append(item)
    return items


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True, slots=True)
class _Pred:
    speaker: Span | None
    actor_id: str | None
    provisional: bool
    cue: Span | None
    content: Span | None
    kind: Any
    medium: Any
    said: tuple[str, str] | None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _span(obj: Any, n: int, remap: _Remap | None) -> Span | None:
    if not isinstance(obj, Mapping):
        return None
    start, end = _int(obj.get("start")), _int(obj.get("end"))
    if start is None or end is None or start < 0 or end < start:
        return None
    if remap is not None:
        start, end = remap.start(start), remap.end(end)
        if end < start:
            return None
    if end > n:
        return None
    return Span(start, end)


def _pred_said(v: Any) -> tuple[str, str] | None:
    if isinstance(v, str):
        return v, v
    if isinstance(v, Mapping) and isinstance(v.get("start"), str) and isinstance(v.get("end"), str):
        return v["start"], v["end"]
    return None


def _pred(raw: Any, n: int, remap: _Remap | None) -> _Pred:
    raw = raw if isinstance(raw, Mapping) else {}
    speaker = raw.get("speaker")
    speaker = speaker if isinstance(speaker, Mapping) else {}
    actor_id = speaker.get("actor_id")
    return _Pred(
        speaker=_span(speaker, n, remap),
        actor_id=actor_id if isinstance(actor_id, str) and actor_id else None,
        provisional=bool(speaker.get("provisional", False)),
        cue=_span(raw.get("cue"), n, remap),
        content=_span(raw.get("content"), n, remap),
        kind=raw.get("kind"),
        medium=raw.get("medium"),
        said=_pred_said(raw.get("said")),
    )


class _Remap:
    """Maps offsets in a predicted document text onto the gold text (when the two differ)."""

    def __init__(self, pred_text: str, gold_text: str) -> None:
        sm = difflib.SequenceMatcher(None, pred_text, gold_text, autojunk=False)
        self._ops = sm.get_opcodes()
        self._starts = [op[1] for op in self._ops]

    def _map(self, pos: int, end: bool) -> int:
        i = max(0, bisect.bisect_right(self._starts, pos) - 1)
        tag, i1, i2, j1, j2 = self._ops[i]
        if end and pos == i1 and i > 0:  # an end offset belongs to the block before it
            tag, i1, i2, j1, j2 = self._ops[i - 1]
        if tag == "equal":
            return j1 + min(pos, i2) - i1
        return j2 if end else j1

    def start(self, pos: int) -> int:
        return self._map(pos, end=False)

    def end(self, pos: int) -> int:
        return self._map(pos, end=True)


# --------------------------------------------------------------------------- matching


class _Tokens:
    def __init__(self, text: str) -> None:
        self.text = text
        toks = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self._starts = [s for s, _ in toks]
        self._ends = [e for _, e in toks]

    def of(self, span: Span) -> frozenset[int]:
        """Indices of the tokens that share at least one character with ``span``."""
        if span.end <= span.start:
            return frozenset()
        lo = bisect.bisect_right(self._ends, span.start)
        hi = bisect.bisect_left(self._starts, span.end)
        return frozenset(range(lo, hi))

    def trim(self, span: Span) -> tuple[int, int]:
        seg = self.text[span.start : span.end]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        return span.start + lead, max(span.start + lead, span.end - trail)


def _match(tokens: _Tokens, gold: Span, pred: Span | None, mode: str) -> bool:
    if pred is None:
        return False
    exact = tokens.trim(gold) == tokens.trim(pred)
    if mode == "exact" or exact:
        return exact
    g, p = tokens.of(gold), tokens.of(pred)
    if not g or not p:
        return False
    shared = len(g & p)
    return shared * 2 >= len(g) and shared * 2 >= len(p)


def _dice(tokens: _Tokens, gold: Span, pred: Span | None) -> float:
    if pred is None:
        return 0.0
    g, p = tokens.of(gold), tokens.of(pred)
    if not g or not p:
        return 1.0 if tokens.trim(gold) == tokens.trim(pred) else 0.0
    return 2 * len(g & p) / (len(g) + len(p))


def _speaker_id_ok(g: GoldStatement, p: _Pred) -> bool:
    if g.speaker_id is None:
        return p.actor_id is None or p.provisional
    return p.actor_id == g.speaker_id


def align(tokens: _Tokens, gold: Sequence[GoldStatement], preds: Sequence[_Pred]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs, greedy by content Dice."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(preds):
            sim = _dice(tokens, g.content, p.content)
            if sim > 0:
                agree = _speaker_id_ok(g, p) or _match(tokens, g.speaker, p.speaker, "overlap")
                cands.append((-sim, not agree, gi, pi))
    cands.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, _, gi, pi in cands:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return sorted(pairs)


# --------------------------------------------------------------------------- tallies


@dataclass(slots=True)
class _Tally:
    items: int = 0
    gold: int = 0
    predicted: int = 0
    aligned: int = 0
    tp: dict[str, dict[str, int]] = field(
        default_factory=lambda: {m: dict.fromkeys(FIELDS, 0) for m in MODES}
    )
    kind_ok: int = 0
    medium_ok: int = 0
    said_n: int = 0
    said_ok: int = 0
    negative_items: int = 0
    negative_clean: int = 0

    def add(self, other: _Tally) -> None:
        for name in (
            "items",
            "gold",
            "predicted",
            "aligned",
            "kind_ok",
            "medium_ok",
            "said_n",
            "said_ok",
            "negative_items",
            "negative_clean",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for m in MODES:
            for f in FIELDS:
                self.tp[m][f] += other.tp[m][f]


def _score_item(item: GoldItem, raw_preds: Sequence[Any], pred_text: str | None) -> _Tally:
    tokens = _Tokens(item.text)
    remap = _Remap(pred_text, item.text) if pred_text is not None and pred_text != item.text else None
    preds = [_pred(r, len(item.text), remap) for r in raw_preds]
    pairs = align(tokens, item.statements, preds)
    aligned_gold = {gi for gi, _ in pairs}
    t = _Tally(items=1, predicted=len(preds), aligned=len(pairs))
    t.gold = sum(1 for i, g in enumerate(item.statements) if not g.optional or i in aligned_gold)
    if not item.statements:
        t.negative_items = 1
        t.negative_clean = int(not preds)
    for gi, pi in pairs:
        g, p = item.statements[gi], preds[pi]
        id_ok = _speaker_id_ok(g, p)
        for m in MODES:
            span_ok = _match(tokens, g.speaker, p.speaker, m)
            content_ok = _match(tokens, g.content, p.content, m)
            cue_ok = p.cue is None if g.cue is None else _match(tokens, g.cue, p.cue, m)
            row = t.tp[m]
            row["speaker_span"] += span_ok
            row["speaker_id"] += id_ok
            row["speaker"] += span_ok or id_ok
            row["cue"] += cue_ok
            row["content"] += content_ok
            row["statement"] += (span_ok or id_ok) and content_ok
        t.kind_ok += p.kind == g.kind
        t.medium_ok += p.medium == g.medium
        if g.said is not None:
            t.said_n += 1
            t.said_ok += p.said == g.said
    return t


def _ratio(num: int, den: int, other_den: int) -> float:
    if den:
        return num / den
    return 1.0 if other_den == 0 else 0.0


def _summary(t: _Tally) -> dict[str, Any]:
    out: dict[str, Any] = {
        "items": t.items,
        "statements": {"gold": t.gold, "predicted": t.predicted, "aligned": t.aligned},
    }
    for m in MODES:
        rows = {}
        for f in FIELDS:
            tp = t.tp[m][f]
            p = _ratio(tp, t.predicted, t.gold)
            r = _ratio(tp, t.gold, t.predicted)
            rows[f] = {"tp": tp, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}
        out[m] = rows
    out["kind_accuracy"] = t.kind_ok / t.aligned if t.aligned else None
    out["medium_accuracy"] = t.medium_ok / t.aligned if t.aligned else None
    out["said_accuracy"] = t.said_ok / t.said_n if t.said_n else None
    out["negative_items"] = t.negative_items
    out["negative_items_without_predictions"] = t.negative_clean
    return out


def score(
    gold_items: Iterable[GoldItem],
    predictions: Mapping[str, Sequence[Any]],
    *,
    texts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Score predicted statements (record-contract dicts, by gold item id) against the gold items.

    ``texts`` optionally gives, per item id, the document text the predicted offsets refer to; where
    it differs from the gold text the offsets are carried over by a character alignment. Items
    without predictions count as predicted empty. Returns the overall figures plus ``by_language``
    and ``by_phenomenon`` breakdowns and the ``unknown_ids`` of predictions for no gold item.
    """
    gold_items = list(gold_items)
    total = _Tally()
    by_lang: dict[str, _Tally] = {}
    by_tag: dict[str, _Tally] = {}
    for item in gold_items:
        preds = predictions.get(item.id, [])
        t = _score_item(item, preds, texts.get(item.id) if texts else None)
        total.add(t)
        by_lang.setdefault(item.lang, _Tally()).add(t)
        for tag in dict.fromkeys(item.phenomena):
            by_tag.setdefault(tag, _Tally()).add(t)
    known = {i.id for i in gold_items}
    result = _summary(total)
    result["by_language"] = {k: _summary(v) for k, v in sorted(by_lang.items())}
    result["by_phenomenon"] = {k: _summary(v) for k, v in sorted(by_tag.items())}
    result["unknown_ids"] = sorted(k for k in predictions if k not in known)
    return result


# --------------------------------------------------------------------------- report


def _f(x: float | None) -> str:
    return "   -" if x is None else f"{x:5.3f}"


def format_report(result: Mapping[str, Any], *, phenomena: bool = True) -> str:
    """A plain-text table of :func:`score`'s result."""
    s = result["statements"]
    lines = [
        f"statements: {result['items']} items, {s['gold']} gold, {s['predicted']} predicted, "
        f"{s['aligned']} aligned",
        "",
        f"{'field':<13} {'exact P':>7} {'R':>5} {'F1':>5}   {'overlap P':>9} {'R':>5} {'F1':>5}",
    ]
    for f in FIELDS:
        e, o = result["exact"][f], result["overlap"][f]
        lines.append(
            f"{f:<13} {_f(e['precision']):>7} {_f(e['recall'])} {_f(e['f1'])}   "
            f"{_f(o['precision']):>9} {_f(o['recall'])} {_f(o['f1'])}"
        )
    lines += [
        "",
        f"kind accuracy   {_f(result['kind_accuracy'])}   medium accuracy {_f(result['medium_accuracy'])}"
        f"   said accuracy {_f(result['said_accuracy'])}",
        f"negative items  {result['negative_items_without_predictions']}/{result['negative_items']} "
        "without predictions",
        "",
        "F1 below: overlap matching",
        f"{'language':<10} {'items':>5} {'gold':>5} {'pred':>5}   {'speaker':>7} {'content':>7} "
        f"{'statement':>9}   {'kind acc':>8}",
    ]
    for lang, r in result["by_language"].items():
        o = r["overlap"]
        lines.append(
            f"{lang:<10} {r['items']:>5} {r['statements']['gold']:>5} {r['statements']['predicted']:>5}   "
            f"{_f(o['speaker']['f1']):>7} {_f(o['content']['f1']):>7} {_f(o['statement']['f1']):>9}"
            f"   {_f(r['kind_accuracy']):>8}"
        )
    if phenomena and result.get("by_phenomenon"):
        lines += [
            "",
            f"{'phenomenon':<26} {'items':>5} {'gold':>5} {'pred':>5}   {'statement F1 (overlap)':>22}",
        ]
        for tag, r in result["by_phenomenon"].items():
            lines.append(
                f"{tag:<26} {r['items']:>5} {r['statements']['gold']:>5} {r['statements']['predicted']:>5}   "
                f"{_f(r['overlap']['statement']['f1']):>12}"
            )
    if result.get("unknown_ids"):
        lines += ["", f"predictions for unknown items: {', '.join(result['unknown_ids'])}"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- predictions file


def _gold_id(rec: Mapping[str, Any], gold: Sequence[GoldItem]) -> str | None:
    """Which gold item a prediction record is for: ``gold_id``, else ``document.source``
    (an item id, ``FILE.jsonl:LINE`` of the gold file, or a path whose stem is an id), else text."""
    by_id = {g.id: g for g in gold}
    gid = rec.get("gold_id")
    if isinstance(gid, str):
        return gid
    doc = rec.get("document")
    doc = doc if isinstance(doc, Mapping) else {}
    source = doc.get("source")
    if isinstance(source, str) and source:
        if source in by_id:
            return source
        m = re.fullmatch(r"(.*):(\d+)", source)
        if m:
            line = int(m.group(2))
            for g in gold:
                if g.line == line:
                    return g.id
        stem = Path(source).stem
        if stem in by_id:
            return stem
    text = doc.get("text")
    if isinstance(text, str):
        for g in gold:
            if g.text == text:
                return g.id
    return None


def read_predictions(
    path: str | Path, gold: Sequence[GoldItem]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str], list[str]]:
    """Read record-contract JSONL: (statements by gold id, document texts by gold id, unmatched).

    A speaker whose actor is marked ``provisional`` in the record's ``actors`` gets
    ``speaker.provisional = true``. Several records for one item have their statements joined.
    """
    preds: dict[str, list[dict[str, Any]]] = {}
    texts: dict[str, str] = {}
    unmatched: list[str] = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: invalid JSON: {exc.msg}") from None
            if not isinstance(rec, dict):
                raise ValueError(f"{path}:{n}: a prediction must be an object")
            gid = _gold_id(rec, gold)
            if gid is None:
                unmatched.append(f"{path}:{n}")
                continue
            provisional = {
                a.get("id")
                for a in rec.get("actors") or []
                if isinstance(a, Mapping) and a.get("provisional")
            }
            out = preds.setdefault(gid, [])
            for st in rec.get("statements") or []:
                if not isinstance(st, Mapping):
                    continue
                st = dict(st)
                sp = st.get("speaker")
                if isinstance(sp, Mapping) and sp.get("actor_id") in provisional:
                    st["speaker"] = {**sp, "provisional": True}
                out.append(st)
            doc = rec.get("document")
            if isinstance(doc, Mapping) and isinstance(doc.get("text"), str):
                texts[gid] = doc["text"]
    return preds, texts, unmatched


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="undertow eval statements", description="Score statement attribution against a gold set."
    )
    parser.add_argument(
        "--gold", type=Path, default=DEFAULT_GOLD, help=f"gold JSONL (default {DEFAULT_GOLD})"
    )
    parser.add_argument("--pred", type=Path, required=True, help="predictions: record-contract JSONL")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--no-phenomena", action="store_true", help="leave the per-phenomenon table out")
    args = parser.parse_args(argv)
    try:
        gold = load_gold(args.gold)
        preds, texts, unmatched = read_predictions(args.pred, gold)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for where in unmatched:
        print(f"warning: {where} matches no gold item", file=sys.stderr)
    result = score(gold, preds, texts=texts)
    result["unmatched_records"] = unmatched
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result, phenomena=not args.no_phenomena))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def predict(gold_items: Iterable[GoldItem]) -> dict[str, list[dict[str, Any]]]:
    """Run undertow's language id and annotate stage over each gold passage (nothing stored)."""
    import datetime as dt

    from undertow.language.annotate import default_annotator
    from undertow.language.langid import get_identifier
    from undertow.records import Document

    annotator = default_annotator()
    langid = get_identifier()
    out: dict[str, list[dict[str, Any]]] = {}
    for item in gold_items:
        published = dt.date.fromisoformat(item.published) if item.published else None
        doc = Document(source=item.id, text=item.text, published=published)
        doc.language, doc.paragraphs = langid.paragraphs(item.text)
        annotator.annotate(doc)
        out[item.id] = [s.to_json() for s in doc.statements]
    return out
