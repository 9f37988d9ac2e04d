"""Score event typing against the PLOVER gold standard records (``eval/plover_gsr/plover_gsr.jsonl``).

The GSR uses PLOVER 0.5 names; they are mapped onto undertow's: FIGHT -> ASSAULT, CONCEDE/RETREAT ->
YIELD, INVESTIGATE -> ACCUSE, REQUEST -> DEMAND; DEMAND and DISAPPROVE stay. Reported per split:
``all``, ``even`` (sentences whose id number is even: the only ones used while writing rules) and
``odd`` (the holdout). ``merged`` figures also collapse ACCUSE and DISAPPROVE into one class, as PLOVER
1.0 does (its ACCUSE covers disapproval), since the GSR codes accusations as DISAPPROVE.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from undertow.knowledge.loader import read_jsonl
from undertow.language.events import EVENT_TYPES, EventGuess, classify_sentence

__all__ = ["GSR_MAP", "evaluate_plover", "format_report", "main", "scores"]

GSR_MAP: dict[str, str] = {
    "FIGHT": "ASSAULT",
    "CONCEDE": "YIELD",
    "RETREAT": "YIELD",
    "INVESTIGATE": "ACCUSE",
    "REQUEST": "DEMAND",
}
# gold codes that are not ISO alpha-3 countries, or old spellings
_NOT_COUNTRY = frozenset({"IGO", "NGO", "MNC", "REB", "GOV", "MIL", "UNK", "INT"})
_CODE_FIX = {"JAP": "JPN"}
NONE = "none"


def _gold_type(name: str) -> str:
    return GSR_MAP.get(name, name)


def _merge(t: str) -> str:
    return "ACCUSE" if t in ("ACCUSE", "DISAPPROVE") else t


def _codes(actors: Iterable[dict[str, Any]]) -> set[str]:
    out = set()
    for a in actors:
        c = (a.get("code") or "").upper()
        c = _CODE_FIX.get(c, c)
        if len(c) == 3 and c.isalpha() and c not in _NOT_COUNTRY:
            out.add(c)
    return out


def _number(rec_id: str) -> int:
    try:
        return int(rec_id.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def load_gsr(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    for _, rec in read_jsonl(path):
        rows.append(rec)
        if limit is not None and len(rows) >= limit:
            break
    return rows


def scores(gold: list[str], pred: list[str], labels: Iterable[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over ``labels`` and per-label precision/recall/F1/support."""
    labels = list(labels)
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn}
    present = [lab for lab in labels if per[lab]["support"] > 0]
    macro = sum(per[lab]["f1"] for lab in present) / len(present) if present else 0.0
    acc = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return {"n": len(gold), "accuracy": acc, "macro_f1": macro, "per_type": per}


def _country_scores(items: list[tuple[set[str], set[str]]]) -> dict[str, Any]:
    """``items``: (gold codes, predicted codes) where the gold has at least one country code."""
    n = len(items)
    if not n:
        return {"n": 0, "exact": 0.0, "hit": 0.0}
    exact = sum(1 for g, p in items if g == p) / n
    hit = sum(1 for g, p in items if g & p) / n
    return {"n": n, "exact": exact, "hit": hit}


def evaluate_plover(
    path: str | Path,
    limit: int | None = None,
    classify: Callable[[str], EventGuess | None] | None = None,
) -> dict[str, Any]:
    """Score event type (accuracy, macro-F1, per-type P/R/F1, confusions) and source/target country
    codes on the GSR, for all sentences and for the even (tuning) and odd (holdout) halves."""
    from undertow.language.events import _actor_hits, _codes_in

    classify = classify or (lambda text: classify_sentence(text, "en"))
    rows = load_gsr(path, limit)
    recs = []
    t0 = time.perf_counter()
    for r in rows:
        text = r["text"]
        g = classify(text)
        pred = g.type if g else NONE
        hits = _actor_hits(text)
        src: set[str] = set()
        tgt: set[str] = set()
        if g is not None:
            for s in g.source:
                src |= set(_codes_in(text, s.start, s.end, hits)[0])
            for s in g.target:
                tgt |= set(_codes_in(text, s.start, s.end, hits)[0])
        recs.append(
            {
                "id": r["id"],
                "split": "even" if _number(r["id"]) % 2 == 0 else "odd",
                "gold": _gold_type(r["event"]),
                "pred": pred,
                "gold_source": _codes(r.get("source") or []),
                "gold_target": _codes(r.get("target") or []),
                "pred_source": src,
                "pred_target": tgt - src,
                "text": text,
            }
        )
    elapsed = time.perf_counter() - t0
    labels = list(EVENT_TYPES)
    merged_labels = [t for t in labels if t != "DISAPPROVE"]
    out: dict[str, Any] = {
        "path": str(path),
        "sentences": len(recs),
        "seconds": elapsed,
        "sentences_per_second": len(recs) / elapsed if elapsed else 0.0,
        "splits": {},
    }
    for split in ("all", "even", "odd"):
        sub = [x for x in recs if split == "all" or x["split"] == split]
        gold = [x["gold"] for x in sub]
        pred = [x["pred"] for x in sub]
        res = scores(gold, pred, labels)
        res["merged"] = scores([_merge(g) for g in gold], [_merge(p) for p in pred], merged_labels)
        conf = Counter((x["gold"], x["pred"]) for x in sub if x["gold"] != x["pred"])
        res["confusions"] = [{"gold": g, "pred": p, "count": c} for (g, p), c in conf.most_common(12)]
        res["source_country"] = _country_scores(
            [(x["gold_source"], x["pred_source"]) for x in sub if x["gold_source"]]
        )
        res["target_country"] = _country_scores(
            [(x["gold_target"], x["pred_target"]) for x in sub if x["gold_target"]]
        )
        out["splits"][split] = res
    out["records"] = [
        {k: (sorted(v) if isinstance(v, set) else v) for k, v in x.items() if k != "text"} for x in recs
    ]
    return out


def format_report(res: dict[str, Any]) -> str:
    sp = res["splits"]
    lines = [
        f"PLOVER GSR: {res['sentences']} sentences, {res['sentences_per_second']:.1f} sentences/s",
        "",
        f"{'split':<6} {'n':>4} {'acc':>6} {'macroF1':>8} {'acc*':>6} {'mF1*':>6} "
        f"{'src exact/hit (n)':>20} {'tgt exact/hit (n)':>20}",
    ]
    for name in ("all", "even", "odd"):
        r = sp[name]
        s, t = r["source_country"], r["target_country"]
        lines.append(
            f"{name:<6} {r['n']:>4} {r['accuracy']:>6.3f} {r['macro_f1']:>8.3f} "
            f"{r['merged']['accuracy']:>6.3f} {r['merged']['macro_f1']:>6.3f} "
            f"{s['exact']:>7.3f}/{s['hit']:.3f} ({s['n']:>3}) {t['exact']:>7.3f}/{t['hit']:.3f} ({t['n']:>3})"
        )
    lines += ["", "* ACCUSE and DISAPPROVE merged (PLOVER 1.0 ACCUSE)", ""]
    lines.append(
        f"{'type':<11} " + " ".join(f"{n + ' F1':>9}" for n in ("all", "even", "odd")) + f" {'n':>4}"
    )
    for t in EVENT_TYPES:
        row = [sp[n]["per_type"][t] for n in ("all", "even", "odd")]
        lines.append(
            f"{t:<11} " + " ".join(f"{x['f1']:>9.3f}" for x in row) + f" {int(row[0]['support']):>4}"
        )
    lines += ["", "most frequent confusions (all): gold -> predicted"]
    for c in sp["all"]["confusions"][:10]:
        lines.append(f"  {c['gold']:<11} -> {c['pred']:<11} {c['count']}")
    return "\n".join(lines)


def _default_path() -> Path:
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "eval" / "plover_gsr" / "plover_gsr.jsonl"


def main(argv: list[str] | None = None) -> int:
    """``python -m undertow.evaluation.events [PATH] [--json]``: print the score table."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    path = Path(args[0]) if args else _default_path()
    if not path.exists():
        print(f"{path}: not found", file=sys.stderr)
        return 2
    res = evaluate_plover(path)
    if as_json:
        res = {k: v for k, v in res.items() if k != "records"}
        print(json.dumps(res, indent=2, default=str))
    else:
        print(format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
