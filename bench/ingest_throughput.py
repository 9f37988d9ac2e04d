"""Ingest throughput: undertow's full ingest vs plain trafilatura on the same pages, same run.

    python bench/ingest_throughput.py --eval-dir ../shared/eval [--workers 2] [--limit N]

For each page set (the demo corpus, Zyte pages, WCXB article pages) it measures
  - plain trafilatura 2.3.1 defaults (``extract(html, include_comments=False)``), one process;
  - undertow ingest: read -> decode -> extract -> language -> outlet -> fingerprint -> store
    (a fresh SQLite file, one transaction per document), with ``--workers`` processes;
and prints pages/s, the ratio, and peak RSS of the parent and of the largest worker.

This machine's speed drifts by up to 25 % within minutes, so each set is measured ``--repeat``
times (default 5) as alternating pairs (plain trafilatura, then undertow); the ratio printed is the
median of the pairs' ratios, and pages/s are medians too.

Every measurement runs in a fresh Python process (this script with ``--run``), so that one
measurement's imports, caches and memory do not count in another's, and peak RSS is that of the
ingest alone. Both runs start from the page files on disk: each page is read (gunzipped) and
decoded inside the timed loop, with the same decoder. Library imports (trafilatura, htmldate) come
before the clock in both; undertow's pages/s include the rest of its start-up (pipeline, language
model and outlet registry, worker pool), its database writes and the pool's shut-down.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def page_sets(eval_dir: Path, limit: int | None) -> dict[str, list[Path]]:
    sets = {"demo": sorted((ROOT / "src/undertow/data/demo").rglob("*.html"))}
    zyte = eval_dir / "zyte-article-extraction" / "html"
    if zyte.is_dir():
        sets["zyte"] = sorted(zyte.glob("*.html.gz"))
    wcxb = eval_dir / "wcxb-dev-articles" / "html"
    if wcxb.is_dir():
        sets["wcxb"] = sorted(wcxb.glob("*.html.gz"))
    return {k: (v[:limit] if limit else v) for k, v in sets.items() if v}


def read(p: Path) -> bytes:
    data = p.read_bytes()
    return gzip.decompress(data) if p.suffix == ".gz" else data


def plain_trafilatura(paths: list[Path]) -> float:
    import trafilatura

    from undertow.ingest.extract import decode_bytes

    t0 = time.perf_counter()
    for p in paths:  # from the file on disk, read and decoded as the ingest does
        trafilatura.extract(decode_bytes(read(p)), include_comments=False)
    return len(paths) / (time.perf_counter() - t0)


def undertow_ingest(paths: list[Path], workers: int) -> tuple[float, dict[str, int]]:
    from undertow.ingest.extract import preload
    from undertow.pipeline import PipelineOptions, ingest
    from undertow.store import Store

    preload()  # import trafilatura and htmldate, as the plain run imports trafilatura, before the clock

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        t0 = time.perf_counter()
        report = ingest(
            [str(p) for p in paths],
            store,
            # the foundation stages only: the NLP stages (issues 3 and 4) have their own benchmarks
            options=PipelineOptions(annotate=False, classify=False),
            workers=workers,
        )
        elapsed = time.perf_counter() - t0
        store.close()
    counts = {"stored": report.stored, "duplicates": report.duplicates, "failed": report.failed}
    return len(paths) / elapsed, counts


def run_one(system: str, eval_dir: Path, name: str, limit: int | None, workers: int) -> dict[str, float]:
    """One measurement, in this process (called by the child that ``measure`` starts)."""
    paths = page_sets(eval_dir, limit)[name]
    if system == "trafilatura":
        out: dict[str, float] = {"pps": plain_trafilatura(paths)}
    else:
        pps, counts = undertow_ingest(paths, workers)
        out = {"pps": pps, **counts}
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def measure(system: str, args: argparse.Namespace, name: str) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--run", system, "--set", name, "--eval-dir", str(args.eval_dir)]
    cmd += ["--workers", str(args.workers)] + (["--limit", str(args.limit)] if args.limit else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{system} on {name} failed:\n{proc.stderr}")
    out: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT / ".." / "shared" / "eval")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--sets", default="demo,zyte,wcxb", help="comma-separated page sets to measure")
    ap.add_argument("--repeat", type=int, default=5, help="alternating measurement pairs per set")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ingest_throughput.json")
    ap.add_argument("--run", choices=["trafilatura", "undertow"], help=argparse.SUPPRESS)
    ap.add_argument("--set", help=argparse.SUPPRESS)
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    if args.run:  # a child: one measurement, printed as JSON
        print(json.dumps(run_one(args.run, args.eval_dir, args.set, args.limit, args.workers)))
        return
    results: dict[str, object] = {}
    parent_rss = worker_rss = 0.0
    print(f"{'set':6} {'pages':>6} {'trafilatura p/s':>16} {'undertow p/s':>13} {'ratio':>6}  outcome")
    wanted = set(args.sets.split(","))
    for name, paths in page_sets(args.eval_dir, args.limit).items():
        if name not in wanted:
            continue
        pairs = [
            (measure("trafilatura", args, name), measure("undertow", args, name)) for _ in range(args.repeat)
        ]
        ratios = [ours["pps"] / base["pps"] for base, ours in pairs]
        ratio = statistics.median(ratios)
        base_pps = statistics.median(base["pps"] for base, _ in pairs)
        ours_pps = statistics.median(ours["pps"] for _, ours in pairs)
        counts = {k: int(pairs[-1][1][k]) for k in ("stored", "duplicates", "failed")}
        rss = {
            "trafilatura_rss_mb": max(base["rss_mb"] for base, _ in pairs),
            "undertow_parent_rss_mb": max(ours["rss_mb"] for _, ours in pairs),
            "undertow_worker_rss_mb": max(ours["child_rss_mb"] for _, ours in pairs),
        }
        results[name] = {
            "pages": len(paths),
            "trafilatura_pps": base_pps,
            "undertow_pps": ours_pps,
            "ratio": ratio,
            "pair_ratios": ratios,
            **rss,
            **counts,
        }
        parent_rss = max(parent_rss, rss["undertow_parent_rss_mb"])
        worker_rss = max(worker_rss, rss["undertow_worker_rss_mb"])
        spread = f"pairs {min(ratios):.2f}-{max(ratios):.2f}"
        print(f"{name:6} {len(paths):6d} {base_pps:16.1f} {ours_pps:13.1f} {ratio:6.2f}  {spread}  {counts}")
    print(
        f"peak RSS of the ingest: parent {parent_rss:.0f} MB, largest worker {worker_rss:.0f} MB "
        f"({args.workers} workers)"
    )
    results["peak_rss_mb"] = {"parent": parent_rss, "worker": worker_rss, "workers": args.workers}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    cmd = f"python bench/ingest_throughput.py --eval-dir {args.eval_dir} --workers {args.workers}"
    cmd += f" --repeat {args.repeat}"
    print(f"command: {cmd}" + (f" --limit {args.limit}" if args.limit else ""))


if __name__ == "__main__":
    main()
