"""Score statement stances against a gold JSONL (``bench/data/stances-dev.jsonl`` by default).

Each gold line: ``{"id", "lang", "text", "issue": id|null, "polarity": favor|against|neutral|null}``.
The prediction for a line is what the classify stage gives the statement text (narrative labels from
the shipped war-rhetoric taxonomy first, since they can imply a stance, then the stance classifier);
its first stance is compared with the gold one.

Reported: issue accuracy (null = "no issue"), issue precision/recall over the items that have one,
polarity accuracy where the issue is right, and joint accuracy (issue and polarity both right).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from undertow.knowledge.loader import read_jsonl

__all__ = ["DEFAULT_GOLD", "evaluate", "format_report"]

DEFAULT_GOLD = Path(__file__).resolve().parents[3] / "bench" / "data" / "stances-dev.jsonl"


def load(path: str | Path) -> list[dict[str, Any]]:
    return [rec for _, rec in read_jsonl(path)]


def evaluate(path: str | Path, classifier: Any = None) -> dict[str, Any]:
    from undertow.narratives import default_classifier

    clf = classifier or default_classifier()
    rows = load(path)
    t0 = time.perf_counter()
    preds: list[tuple[str | None, str | None]] = []
    for r in rows:
        lang = r.get("lang") or "en"
        labels = clf.narratives.classify_text(r["text"], lang)
        flat = [(tax, ref.id) for tax, refs in labels.items() for ref in refs]
        refs = clf.stances.statement_stances([r["text"]], lang, [flat])[0]
        preds.append((refs[0].issue, refs[0].polarity) if refs else (None, None))
    seconds = time.perf_counter() - t0
    return score(rows, preds, seconds)


def score(
    rows: list[dict[str, Any]], preds: list[tuple[str | None, str | None]], seconds: float
) -> dict[str, Any]:
    def block(idx: list[int]) -> dict[str, Any]:
        n = len(idx)
        issue_ok = [i for i in idx if preds[i][0] == rows[i].get("issue")]
        with_issue = [i for i in idx if rows[i].get("issue")]
        predicted = [i for i in idx if preds[i][0]]
        tp = [i for i in with_issue if preds[i][0] == rows[i]["issue"]]
        pol_ok = [i for i in tp if preds[i][1] == rows[i].get("polarity")]
        joint = [i for i in idx if preds[i] == (rows[i].get("issue"), rows[i].get("polarity"))]
        return {
            "items": n,
            "issue_accuracy": len(issue_ok) / n if n else 0.0,
            "issue_precision": len(tp) / len(predicted) if predicted else 0.0,
            "issue_recall": len(tp) / len(with_issue) if with_issue else 0.0,
            "polarity_accuracy": len(pol_ok) / len(tp) if tp else 0.0,
            "joint_accuracy": len(joint) / n if n else 0.0,
        }

    all_idx = list(range(len(rows)))
    out: dict[str, Any] = {"all": block(all_idx)}
    for lang in sorted({r.get("lang") or "en" for r in rows}):
        out[lang] = block([i for i in all_idx if (rows[i].get("lang") or "en") == lang])
    confusion = Counter(
        f"{rows[i].get('polarity')}->{preds[i][1]}"
        for i in all_idx
        if rows[i].get("issue") and preds[i][0] == rows[i]["issue"]
    )
    out["polarity_confusion"] = dict(confusion)
    out["seconds"] = seconds
    out["statements_per_s"] = len(rows) / seconds if seconds else 0.0
    return out


def format_report(r: dict[str, Any]) -> str:
    lines = [
        f"{'set':<5} {'items':>5} {'issue acc':>9} {'issue P':>8} {'issue R':>8} {'pol acc':>8} {'joint':>6}"
    ]
    for name, b in r.items():
        if not isinstance(b, dict) or "items" not in b:
            continue
        lines.append(
            f"{name:<5} {b['items']:>5} {b['issue_accuracy']:>9.3f} {b['issue_precision']:>8.3f} "
            f"{b['issue_recall']:>8.3f} {b['polarity_accuracy']:>8.3f} {b['joint_accuracy']:>6.3f}"
        )
    lines.append("polarity (gold->predicted, issue right): " + json.dumps(r["polarity_confusion"]))
    lines.append(f"{r['all']['items']} statements in {r['seconds']:.1f} s ({r['statements_per_s']:.0f}/s)")
    return "\n".join(lines)
