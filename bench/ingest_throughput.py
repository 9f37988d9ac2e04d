"""Ingest throughput: undertow's full ingest vs plain trafilatura on the same pages, same run.

    python bench/ingest_throughput.py --eval-dir ../shared/eval [--workers 2] [--limit N]

For each page set (the demo corpus, Zyte pages, WCXB article pages) it measures
  - plain trafilatura 2.3.1 defaults (``extract(html, include_comments=False)``), one process;
  - undertow ingest: read -> decode -> extract -> language -> outlet -> fingerprint -> store
    (a fresh SQLite file, one transaction per document), with ``--workers`` processes;
and prints pages/s, the ratio, and peak RSS of the parent and of the largest worker.

Every measurement runs in a fresh Python process (this script with ``--run``), so that one
measurement's imports, caches and memory do not count in another's, and peak RSS is that of the
ingest alone. Pages/s include each run's start-up inside the timed call (pool, models, database).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
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

    pages = [decode_bytes(read(p)) for p in paths]  # decoding outside the timed loop
    t0 = time.perf_counter()
    for html in pages:
        trafilatura.extract(html, include_comments=False)
    return len(pages) / (time.perf_counter() - t0)


def undertow_ingest(paths: list[Path], workers: int) -> tuple[float, dict[str, int]]:
    from undertow.pipeline import PipelineOptions, ingest
    from undertow.store import Store

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


def run_one(system: str, eval_dir: Path, name: str, limit: int | None, workers: int) -> dict[str, object]:
    """One measurement, in this process (called by the child that ``measure`` starts)."""
    paths = page_sets(eval_dir, limit)[name]
    if system == "trafilatura":
        out: dict[str, object] = {"pps": plain_trafilatura(paths)}
    else:
        pps, counts = undertow_ingest(paths, workers)
        out = {"pps": pps, **counts}
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def measure(system: str, args: argparse.Namespace, name: str) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--run", system, "--set", name, "--eval-dir", str(args.eval_dir)]
    cmd += ["--workers", str(args.workers)] + (["--limit", str(args.limit)] if args.limit else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{system} on {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", type=Path, default=ROOT / ".." / "shared" / "eval")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None)
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
    for name, paths in page_sets(args.eval_dir, args.limit).items():
        base = measure("trafilatura", args, name)
        ours = measure("undertow", args, name)
        counts = {k: ours[k] for k in ("stored", "duplicates", "failed")}
        ratio = float(ours["pps"]) / float(base["pps"])  # type: ignore[arg-type]
        results[name] = {
            "pages": len(paths),
            "trafilatura_pps": base["pps"],
            "undertow_pps": ours["pps"],
            "ratio": ratio,
            "trafilatura_rss_mb": base["rss_mb"],
            "undertow_parent_rss_mb": ours["rss_mb"],
            "undertow_worker_rss_mb": ours["child_rss_mb"],
            **counts,
        }
        parent_rss = max(parent_rss, float(ours["rss_mb"]))  # type: ignore[arg-type]
        worker_rss = max(worker_rss, float(ours["child_rss_mb"]))  # type: ignore[arg-type]
        print(f"{name:6} {len(paths):6d} {base['pps']:16.1f} {ours['pps']:13.1f} {ratio:6.2f}  {counts}")
    print(
        f"peak RSS of the ingest: parent {parent_rss:.0f} MB, largest worker {worker_rss:.0f} MB "
        f"({args.workers} workers)"
    )
    results["peak_rss_mb"] = {"parent": parent_rss, "worker": worker_rss, "workers": args.workers}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    cmd = f"python bench/ingest_throughput.py --eval-dir {args.eval_dir} --workers {args.workers}"
    print(f"command: {cmd}" + (f" --limit {args.limit}" if args.limit else ""))


if __name__ == "__main__":
    main()
