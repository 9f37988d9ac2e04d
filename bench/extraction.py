"""Extraction benchmark: undertow's ``extract_html`` vs plain trafilatura, side by side.

Run from the repository root::

    .venv/bin/python bench/extraction.py --eval-dir ../shared/eval [--limit N] [--split all|tune|holdout]

Datasets (see ``../shared/eval/README.md``):

- Zyte article-extraction benchmark: ``\\w+`` tokens, multiset of 4-gram shingles, per-page
  precision/recall, means over pages, F1 of the two means.
- WCXB dev articles: lower-cased ``\\w+`` bag of words, per-page P/R/F1 macro-averaged; ``with`` /
  ``without`` snippet checks; title, author and publish-date agreement with the gold metadata.

Splits: ``tune`` holds the pages whose id is even (hex hash for Zyte, number for WCXB), ``holdout``
the odd ones. Tuning only ever looked at ``tune``; report ``all`` and ``holdout``.
Results go to ``bench/out/extraction.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from undertow.ingest import _fastxpath  # noqa: E402
from undertow.ingest.extract import decode_bytes, extract_html  # noqa: E402

_WORD = re.compile(r"\w+")


# ----------------------------------------------------------------------------- data


@dataclass(slots=True)
class Page:
    dataset: str
    pid: str
    url: str | None
    html: str
    gold: dict[str, Any]


def _split_of(dataset: str, pid: str) -> str:
    num = int(pid, 16) if dataset == "zyte" else int(pid)
    return "tune" if num % 2 == 0 else "holdout"


def load_pages(eval_dir: Path, split: str, limit: int | None) -> Iterator[Page]:
    zdir = eval_dir / "zyte-article-extraction"
    truth = json.loads((zdir / "ground-truth.json").read_text(encoding="utf-8"))
    n = 0
    for pid in sorted(truth):
        if split != "all" and _split_of("zyte", pid) != split:
            continue
        if limit is not None and n >= limit:
            break
        raw = gzip.decompress((zdir / "html" / f"{pid}.html.gz").read_bytes())
        html = decode_bytes(raw, source=pid)
        yield Page("zyte", pid, truth[pid].get("url"), html, truth[pid])
        n += 1
    wdir = eval_dir / "wcxb-dev-articles"
    n = 0
    for gt_path in sorted((wdir / "ground-truth").glob("*.json")):
        pid = gt_path.stem
        if split != "all" and _split_of("wcxb", pid) != split:
            continue
        if limit is not None and n >= limit:
            break
        doc = json.loads(gt_path.read_text(encoding="utf-8"))
        raw = gzip.decompress((wdir / "html" / f"{pid}.html.gz").read_bytes())
        html = decode_bytes(raw, source=pid)
        yield Page("wcxb", pid, doc.get("url"), html, doc.get("ground_truth") or {})
        n += 1


# ----------------------------------------------------------------------------- systems


@dataclass(slots=True)
class Output:
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # ISO day
    ms: float = 0.0  # body (+ metadata for ours) extraction time
    ms_meta: float = 0.0  # separate metadata call (plain trafilatura only)


def run_ours(page: Page) -> Output:
    t0 = time.perf_counter()
    ex = extract_html(page.html, url=page.url)
    ms = (time.perf_counter() - t0) * 1000
    return Output(ex.text, ex.title, ex.author, ex.published.isoformat() if ex.published else None, ms=ms)


def run_plain(page: Page) -> Output:
    import trafilatura

    with _fastxpath.suspended():  # trafilatura's own XPath expressions, as a plain install has them
        t0 = time.perf_counter()
        text = trafilatura.extract(page.html, url=page.url, include_comments=False) or ""
        ms = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        doc = trafilatura.bare_extraction(page.html, url=page.url, include_comments=False, with_metadata=True)
        ms_meta = (time.perf_counter() - t1) * 1000
    title = author = date = None
    if doc is not None:
        title, author, date = doc.title, doc.author, doc.date
    return Output(text, title, author, date[:10] if date else None, ms=ms, ms_meta=ms_meta)


SYSTEMS: dict[str, Callable[[Page], Output]] = {"ours": run_ours, "trafilatura": run_plain}


def _run_one(args: tuple[str, Page]) -> tuple[str, str, str, Output]:
    name, page = args
    logging.disable(logging.CRITICAL)
    return name, page.dataset, page.pid, SYSTEMS[name](page)


# ----------------------------------------------------------------------------- metrics


def zyte_prf(true: str, pred: str, n: int = 4) -> tuple[float, float]:
    """Per-page shingle precision/recall exactly as the Zyte benchmark's evaluate.py."""

    def shingles(text: str) -> Counter[str]:
        toks = _WORD.findall(text or "")
        return Counter(s for s in (" ".join(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1))) if s)

    ts, ps = shingles(true), shingles(pred)
    tp = sum((ts & ps).values())
    fp = sum((ps - ts).values())
    fn = sum((ts - ps).values())
    if fp == fn == 0:
        return 1.0, 1.0
    p = 0.0 if tp == fp == 0 else tp / (tp + fp)
    r = 0.0 if tp == fn == 0 else tp / (tp + fn)
    return p, r


def bow_prf(true: str, pred: str) -> tuple[float, float, float]:
    tc = Counter(w.lower() for w in _WORD.findall(true or ""))
    pc = Counter(w.lower() for w in _WORD.findall(pred or ""))
    common = sum((tc & pc).values())
    if not tc and not pc:
        return 1.0, 1.0, 1.0
    p = common / sum(pc.values()) if pc else 0.0
    r = common / sum(tc.values()) if tc else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _norm_ws(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    s = s.replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(s.split()).casefold()


def title_match(gold: str, pred: str | None) -> bool:
    return bool(pred) and _norm_ws(gold) == _norm_ws(pred or "")


_CRED = re.compile(
    r"^(?:m\.?d|ph\.?d|m\.?s|r\.?d|rdn|ld|cpt|mba|jr|sr|ii|iii|dvm|vmd|frcp|fand|cfp|cpp|psp|"
    r"e-ryt \d+|rdn|rn|bsn|cscs|cpt|dds|lcsw|cpa|esq|msc|ma|np|do|jd)$"
)


def author_names(s: str | None) -> frozenset[str]:
    """Normalised set of person names in an author string (gold or predicted).

    Splits on ``;``, ``,``, ``&``, `` and ``; drops credential tokens such as ``MS``, ``RD``,
    ``Ph.D.`` (all upper-case, or a listed credential) and a leading "By"; lower-cases and strips
    accents/punctuation. One-word names ("Gabo", "Nayane") are names, not credentials.
    """
    if not s:
        return frozenset()
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = re.sub(r"^\s*by\s+", "", s, flags=re.I)
    parts = re.split(r"\s*(?:;|,|&|\band\b|\|)\s*", s, flags=re.I)
    out = set()
    for part in parts:
        p = re.sub(r"\b(?:dr|prof|mr|mrs|ms)\.?\s+", "", part.strip(), flags=re.I)
        p = re.sub(r"[^\w\s'-]", "", p).strip().lower()
        p = " ".join(p.split())
        if not p:
            continue
        # credential-only part: all upper-case abbreviations in the original
        if re.fullmatch(r"[A-Z][A-Za-z.®\-\d ]{0,12}", part.strip()) and (
            part.strip().replace(".", "").replace(" ", "").isupper() or _CRED.match(p)
        ):
            continue
        out.add(p)
    return frozenset(out)


def author_match(gold: str, pred: str | None) -> bool:
    g, p = author_names(gold), author_names(pred)
    return bool(g) and g == p


@dataclass
class Agg:
    zyte_p: list[float] = field(default_factory=list)
    zyte_r: list[float] = field(default_factory=list)
    w_p: list[float] = field(default_factory=list)
    w_r: list[float] = field(default_factory=list)
    w_f: list[float] = field(default_factory=list)
    with_hit: int = 0
    with_n: int = 0
    without_ok: int = 0
    without_n: int = 0
    title_ok: int = 0
    title_n: int = 0
    author_ok: int = 0
    author_n: int = 0
    author_fp: int = 0  # author output where gold has none
    author_none_n: int = 0
    date_ok: int = 0
    date_n: int = 0
    date_fp: int = 0
    date_none_n: int = 0
    ms: list[float] = field(default_factory=list)
    ms_meta: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def mean(xs: list[float]) -> float:
            return statistics.fmean(xs) if xs else float("nan")

        zp, zr = mean(self.zyte_p), mean(self.zyte_r)
        return {
            "zyte_pages": len(self.zyte_p),
            "zyte_precision": zp,
            "zyte_recall": zr,
            "zyte_f1": 2 * zp * zr / (zp + zr) if zp + zr else 0.0,
            "wcxb_pages": len(self.w_f),
            "wcxb_precision": mean(self.w_p),
            "wcxb_recall": mean(self.w_r),
            "wcxb_f1": mean(self.w_f),
            "with_found": self.with_hit / self.with_n if self.with_n else float("nan"),
            "without_absent": self.without_ok / self.without_n if self.without_n else float("nan"),
            "title_exact": self.title_ok / self.title_n if self.title_n else float("nan"),
            "title_n": self.title_n,
            "author_match": self.author_ok / self.author_n if self.author_n else float("nan"),
            "author_n": self.author_n,
            "author_on_authorless": self.author_fp / self.author_none_n
            if self.author_none_n
            else float("nan"),
            "date_exact": self.date_ok / self.date_n if self.date_n else float("nan"),
            "date_n": self.date_n,
            "date_on_dateless": self.date_fp / self.date_none_n if self.date_none_n else float("nan"),
            "dateless_n": self.date_none_n,
            "ms_per_page": mean(self.ms),
            "ms_per_page_median": statistics.median(self.ms) if self.ms else float("nan"),
            "ms_meta_per_page": mean(self.ms_meta) if any(self.ms_meta) else None,
        }


def _snip(s: str) -> str:
    return " ".join(_norm_ws(s).split())


def score(page: Page, out: Output, agg: Agg, details: list[dict[str, Any]] | None = None) -> None:
    agg.ms.append(out.ms)
    agg.ms_meta.append(out.ms_meta)
    g = page.gold
    if page.dataset == "zyte":
        p, r = zyte_prf(g.get("articleBody", ""), out.text)
        agg.zyte_p.append(p)
        agg.zyte_r.append(r)
        if details is not None:
            details.append({"dataset": "zyte", "id": page.pid, "p": p, "r": r})
        return
    rec: dict[str, Any] = {"dataset": "wcxb", "id": page.pid}
    if g.get("main_content"):
        p, r, f = bow_prf(g["main_content"], out.text)
        agg.w_p.append(p)
        agg.w_r.append(r)
        agg.w_f.append(f)
        rec.update(p=p, r=r, f=f)
    text_n = _snip(out.text)
    for s in g.get("with") or []:
        agg.with_n += 1
        agg.with_hit += _snip(s) in text_n
    for s in g.get("without") or []:
        agg.without_n += 1
        agg.without_ok += _snip(s) not in text_n
    if g.get("title"):
        agg.title_n += 1
        ok = title_match(g["title"], out.title)
        agg.title_ok += ok
        rec.update(title_ok=ok, title=out.title, gold_title=g["title"])
    if g.get("author"):
        agg.author_n += 1
        ok = author_match(g["author"], out.author)
        agg.author_ok += ok
        rec.update(author_ok=ok)
    else:
        agg.author_none_n += 1
        agg.author_fp += bool(out.author)
    rec.update(author=out.author, gold_author=g.get("author"))
    gd = (g.get("publish_date") or "")[:10]
    if gd:
        agg.date_n += 1
        ok = out.published == gd
        agg.date_ok += ok
        rec.update(date_ok=ok)
    else:
        agg.date_none_n += 1
        agg.date_fp += bool(out.published)
    rec.update(date=out.published, gold_date=gd or None)
    if details is not None:
        details.append(rec)


# ----------------------------------------------------------------------------- report


ROWS = [
    ("Zyte pages", "zyte_pages", "{:.0f}"),
    ("Zyte precision (mean)", "zyte_precision", "{:.4f}"),
    ("Zyte recall (mean)", "zyte_recall", "{:.4f}"),
    ("Zyte F1 (of means)", "zyte_f1", "{:.4f}"),
    ("WCXB pages", "wcxb_pages", "{:.0f}"),
    ("WCXB word precision", "wcxb_precision", "{:.4f}"),
    ("WCXB word recall", "wcxb_recall", "{:.4f}"),
    ("WCXB word F1 (macro)", "wcxb_f1", "{:.4f}"),
    ("WCXB 'with' snippets found", "with_found", "{:.1%}"),
    ("WCXB 'without' snippets absent", "without_absent", "{:.1%}"),
    ("title exact (n={title_n})", "title_exact", "{:.1%}"),
    ("author match (n={author_n})", "author_match", "{:.1%}"),
    ("author output on authorless pages", "author_on_authorless", "{:.1%}"),
    ("date exact day (n={date_n})", "date_exact", "{:.1%}"),
    ("date output on dateless (n={dateless_n})", "date_on_dateless", "{:.1%}"),
    ("ms/page body (mean)", "ms_per_page", "{:.1f}"),
    ("ms/page body (median)", "ms_per_page_median", "{:.1f}"),
    ("ms/page bare_extraction+metadata", "ms_meta_per_page", "{:.1f}"),
]


def render(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = []
    for split, systems in results.items():
        names = list(systems)
        first = systems[names[0]]
        lines.append(f"\n== split: {split} ==")
        lines.append(f"{'metric':44s}" + "".join(f"{n:>14s}" for n in names))
        for label, key, fmt in ROWS:
            label = label.format(**first)
            cells = []
            for n in names:
                v = systems[n].get(key)
                cells.append(f"{'-' if v is None else fmt.format(v):>14s}")
            lines.append(f"{label:44s}" + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT / ".." / "shared" / "eval")
    ap.add_argument("--limit", type=int, default=None, help="at most N pages per dataset")
    ap.add_argument("--split", choices=["all", "tune", "holdout"], default="all")
    ap.add_argument("--systems", default="ours,trafilatura", help="comma-separated: ours,trafilatura")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (timings are per call)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "extraction.json")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)

    names = [s for s in args.systems.split(",") if s]
    pages = list(load_pages(args.eval_dir, args.split, args.limit))
    tasks = [(n, p) for p in pages for n in names]
    by_key = {(p.dataset, p.pid): p for p in pages}
    outputs: dict[tuple[str, str, str], Output] = {}
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as ex:
            for name, ds, pid, out in ex.map(_run_one, tasks, chunksize=4):
                outputs[(name, ds, pid)] = out
    else:
        for name, page in tasks:
            outputs[(name, page.dataset, page.pid)] = SYSTEMS[name](page)

    splits = ["all", "tune", "holdout"] if args.split == "all" else [args.split]
    results: dict[str, dict[str, dict[str, Any]]] = {}
    details: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for split in splits:
        results[split] = {}
        for n in names:
            agg = Agg()
            for (name, ds, pid), out in outputs.items():
                if name != n or (split != "all" and _split_of(ds, pid) != split):
                    continue
                score(by_key[(ds, pid)], out, agg, details[n] if split == splits[0] else None)
            results[split][n] = agg.summary()

    command = "python bench/extraction.py " + " ".join(argv if argv is not None else sys.argv[1:])
    table = render(results)
    print(f"command: {command}")
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "command": command,
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "results": results,
                "pages": details,
            },
            indent=1,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
