"""Publication-date audit on the WCXB dev articles: why a date is wrong, and what no extractor can get.

Run from the repository root::

    .venv/bin/python bench/date_audit.py --eval-dir ../shared/eval [--jobs 2] [--show]

For every page it runs ``extract_html`` and reads the page's own date evidence: the publication date
its metadata declares (JSON-LD, meta tags, microdata, URL, ``<time>``: ``extract._published``), the
modification dates it declares (``extract._modified``), and whether a date is written in the page's
visible text or anywhere in its HTML. Each wrong or missing date is put in one class:

- ``gold date written nowhere in the page``: not in the HTML in any common form (ISO, numeric,
  month-name); no extractor working from the page can output it;
- ``gold is a later date the page shows or declares modified``: we output the declared publication
  date, the gold a later one the page shows ("Updated August 19, 2025") or declares as modified;
- ``gold is the declared publication date, not the date the page shows``: we output a later date the
  page shows (an updated date beside the headline) or the day before the declared one (the
  publisher's local day when the metadata's time falls on the next day in UTC), the gold the
  metadata's;
- ``gold is a month, not a day``;
- ``missed`` (we output none) and ``other``.

Right dates are counted by whether the page shows them (``shown``) or only its metadata declares them
(``metadata``); dates output on dateless pages the same way.

It then counts, on pages whose metadata declares a publication date P and a later modification date M
and which show M but not P, how often the gold is P and how often M, for the two batches of the set
(ids below 4000, and 4000 on); and, on the pages where we output a date one day off the declared
publication date that the page shows in place of the declared one (the publisher's local day against
the metadata's time in UTC), how often the gold is the shown day and how often the declared one.
Where both answers are common, no rule that reads the page gets both right.
Results go to ``bench/out/date_audit.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from undertow.ingest import _header  # noqa: E402
from undertow.ingest import extract as E  # noqa: E402

ABSENT = "gold date written nowhere in the page"
MONTH = "gold is a month, not a day"
GOLD_LATER = "gold is a later date the page shows or declares modified; ours its declared publication date"
GOLD_PUBLISHED = "gold is the declared publication date, not the date the page shows"
MISSED = "missed (no date output)"
OTHER = "other"
SHOWN = "page shows the date we output"
ONE_DAY = dt.timedelta(days=1)
HIDDEN = "date only in the page's metadata"


def _written(d: dt.date, text: str) -> bool:
    return E._visible_rx(d).search(text) is not None


def audit_page(args: tuple[str, str, str | None, str | None]) -> dict[str, Any]:
    """The audit record of one page: (id, html, url, gold ISO day or None)."""
    pid, html, url, gold_s = args
    logging.disable(logging.CRITICAL)
    ex = E.extract_html(html, url=url)
    ours = ex.published
    tree = E.parse_html(html)
    objs = E._jsonld_objects(tree) if tree is not None else []
    metas = E._meta_tags(tree) if tree is not None else {}
    declared = E._published(tree, url, objs, metas) if tree is not None else None
    modified = E._modified(objs, metas) if tree is not None else frozenset()
    text = _header.plain_text(_header.visible_text(tree, None)) if tree is not None else ""
    gold = dt.date.fromisoformat(gold_s) if gold_s and len(gold_s) == 10 else None
    rec: dict[str, Any] = {
        "id": pid,
        "gold": gold_s,
        "ours": ours.isoformat() if ours else None,
        "declared": declared.isoformat() if declared else None,
        "modified": sorted(d.isoformat() for d in modified),
    }
    later = max(modified) if modified else None
    if declared and later and later > declared and _written(later, text) and not _written(declared, text):
        rec["conflict"] = "P" if gold == declared else "M" if gold == later else None
    one_day = declared and ours and abs((ours - declared).days) == 1
    if one_day and _written(ours, text) and not _written(declared, text):
        rec["one_day"] = "declared" if gold == declared else "shown" if gold == ours else None
    if not gold_s:
        if ours:
            rec["class"] = SHOWN if _written(ours, text) else HIDDEN
        return rec
    if ours and ours.isoformat() == gold_s[:10]:
        rec["right_from"] = "shown" if _written(ours, text) else "metadata"
        return rec
    if gold is None:
        rec["class"] = MONTH
    elif not (gold_s in html or _written(gold, html)):
        rec["class"] = ABSENT
    elif ours is not None and ours == declared and gold > ours and (gold in modified or _written(gold, text)):
        rec["class"] = GOLD_LATER
    elif (
        gold == declared
        and ours is not None
        and (ours > gold or ours == gold - ONE_DAY)
        and _written(ours, text)
    ):
        rec["class"] = GOLD_PUBLISHED
    elif ours is None:
        rec["class"] = MISSED
    else:
        rec["class"] = OTHER
    return rec


def _pages(eval_dir: Path) -> list[tuple[str, str, str | None, str | None]]:
    wdir = eval_dir / "wcxb-dev-articles"
    out = []
    for gt_path in sorted((wdir / "ground-truth").glob("*.json")):
        doc = json.loads(gt_path.read_text(encoding="utf-8"))
        raw = gzip.decompress((wdir / "html" / f"{gt_path.stem}.html.gz").read_bytes())
        gold = ((doc.get("ground_truth") or {}).get("publish_date") or "")[:10] or None
        out.append((gt_path.stem, E.decode_bytes(raw, source=gt_path.stem), doc.get("url"), gold))
    return out


def summarise(recs: list[dict[str, Any]]) -> dict[str, Any]:
    dated = [r for r in recs if r["gold"]]
    dateless = [r for r in recs if not r["gold"]]
    right = sum(1 for r in dated if "class" not in r)
    absent = sum(1 for r in dated if r.get("class") in (ABSENT, MONTH))  # no day in the page to output
    conflicts: dict[str, Counter[str]] = {"ids < 4000": Counter(), "ids >= 4000": Counter()}
    one_day: dict[str, Counter[str]] = {"ids < 4000": Counter(), "ids >= 4000": Counter()}
    for r in dated:
        batch = "ids < 4000" if int(r["id"]) < 4000 else "ids >= 4000"
        if r.get("conflict"):
            conflicts[batch][r["conflict"]] += 1
        if r.get("one_day"):
            one_day[batch][r["one_day"]] += 1
    return {
        "dated": len(dated),
        "date_exact": right / len(dated),
        "right_by_evidence": dict(Counter(r["right_from"] for r in dated if "right_from" in r)),
        "wrong_by_class": dict(Counter(r["class"] for r in dated if "class" in r).most_common()),
        "ceiling_gold_in_page": (len(dated) - absent) / len(dated),
        "dateless": len(dateless),
        "date_on_dateless": sum(1 for r in dateless if "class" in r) / len(dateless),
        "dateless_with_date_by_class": dict(Counter(r["class"] for r in dateless if "class" in r)),
        "shows_M_not_P_gold_is": {k: dict(v) for k, v in conflicts.items()},
        "shows_a_day_off_the_declared_date_gold_is": {k: dict(v) for k, v in one_day.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT / ".." / "shared" / "eval")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", action="store_true", help="print every wrong page with its evidence")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "date_audit.json")
    args = ap.parse_args(argv)
    pages = _pages(args.eval_dir)
    with ProcessPoolExecutor(args.jobs) as ex:
        recs = list(ex.map(audit_page, pages, chunksize=8))
    summary = summarise(recs)
    if args.show:
        for r in recs:
            if "class" in r:
                print(json.dumps(r, ensure_ascii=False))
    print(json.dumps(summary, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "pages": recs}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
