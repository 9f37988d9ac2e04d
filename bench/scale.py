"""Backfill throughput on this machine: Ray vs the local process pool, 1 and 2 workers, into
PostgreSQL; and what each stage costs per document (the sizing figures of docs/scaling.md).

    python bench/scale.py --eval-dir ../shared/eval [--docs 240] [--workers 1,2] [--engines local,ray]

The corpus is a JSONL archive of ``--docs`` real article pages (the WCXB dev article pages, raw
HTML with their URLs: the CC-NEWS shape), else the demo corpus when ``--eval-dir`` is absent.
Each run is ``undertow backfill ARCHIVE --engine E --workers W --db <fresh PostgreSQL database>
--no-track`` in its own process, on a PostgreSQL server this script starts on loopback (fsync on)
and removes at the end. Reported per run: documents/s (documents processed over the backfill's own
wall time, models loading and Ray starting included), the speed-up over 1 worker, and the peak RSS
(VmHWM) of every process of the run, grouped by role (driver, Ray stage workers, Ray system).

``--stage-costs`` times the stages one document at a time in this process (after a warm-up):
extract, annotate, classify and write, CPU seconds per document.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNDERTOW = str(Path(sys.executable).parent / "undertow")


def build_archive(eval_dir: Path, n: int, out: Path) -> int:
    """A JSONL archive of ``n`` article pages: {url, html} per line."""
    wcxb = eval_dir / "wcxb-dev-articles"
    rows = []
    if (wcxb / "html").is_dir():
        for p in sorted((wcxb / "html").glob("*.html.gz"))[:n]:
            gt = json.loads((wcxb / "ground-truth" / (p.name[: -len(".html.gz")] + ".json")).read_text())
            url = gt.get("url") or f"https://wcxb.example/{p.name}"
            html = gzip.decompress(p.read_bytes()).decode("utf-8", errors="replace")
            rows.append({"url": url, "html": html})
    else:  # the demo corpus, its pages repeated under new URLs (copies fold, as a real archive's do)
        pages = sorted((ROOT / "src/undertow/data/demo").rglob("*.html"))
        for i in range(n):
            p = pages[i % len(pages)]
            rows.append({"url": f"https://demo.example/{i}/{p.name}", "html": p.read_text(encoding="utf-8")})
    with out.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rows)


# --- process memory ------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        kids[ppid].append(int(entry.name))
    return kids


def _tree(root: int) -> list[int]:
    kids, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def _role(pid: int, root: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
    if pid == root:
        return "driver"
    m = re.search(r"(?:MapBatches|FlatMap)\((\w+)\)", cmd)
    if m:
        return f"ray stage {m.group(1)}"
    if cmd.startswith("ray::"):
        name = cmd.split()[0][5:].split("(")[0].split(".")[0]
        return "ray task worker" if name in {"IDLE", "FlatMap", "MapBatches"} else f"ray {name}"
    if "raylet" in cmd or "gcs_server" in cmd or "ray/" in cmd:
        return "ray system"
    if "backfill" in cmd or "multiprocessing" in cmd or "undertow" in cmd:
        return "local worker"
    return "other"


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_backfill(archive: Path, url: str, engine: str, workers: int) -> dict[str, Any]:
    cmd = [UNDERTOW, "backfill", str(archive), "--db", url, "--engine", engine, "--workers", str(workers)]
    cmd += ["--no-track", "-q"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak: dict[int, tuple[str, int]] = {}
    while proc.poll() is None:
        for pid in _tree(proc.pid):
            hwm = _hwm_kb(pid)
            if hwm:
                # a Ray worker names its actor in its title only once it runs it: keep the most
                # specific role seen
                old_role, old_hwm = peak.get(pid, ("", 0))
                role = _role(pid, proc.pid)
                if old_role.startswith("ray stage"):
                    role = old_role
                peak[pid] = (role or old_role, max(hwm, old_hwm))
        time.sleep(0.25)
    wall = time.perf_counter() - t0
    out, err = proc.communicate()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"backfill failed ({proc.returncode}):\n{err[-3000:]}")
    line = next(x for x in out.splitlines() if x.startswith("backfill ("))
    nums = re.search(
        r"(\d+) input\(s\).*?(\d+) new, (\d+) syndicated.*?(\d+) unchanged, (\d+) failed in ([\d.]+) s", line
    )
    assert nums, line
    _inputs, new, copies, unchanged, failed, secs = nums.groups()
    processed = int(new) + int(copies) + int(unchanged) + int(failed)
    by_role: dict[str, list[int]] = defaultdict(list)
    for role, kb in peak.values():
        by_role[role].append(round(kb / 1024))
    return {
        "engine": engine,
        "workers": workers,
        "documents": processed,
        "stored": int(new) + int(copies),
        "failed": int(failed),
        "backfill_s": float(secs),
        "process_wall_s": round(wall, 1),
        "docs_per_s": round(processed / float(secs), 2),
        "peak_rss_mb": {k: sorted(v, reverse=True) for k, v in sorted(by_role.items())},
    }


# --- per-stage costs -----------------------------------------------------------------------------


def stage_costs(archive: Path, n: int) -> dict[str, Any]:
    """CPU seconds per document of each stage, one document at a time, models already loaded."""
    from undertow.ingest.dedupe import fingerprint
    from undertow.ingest.sources import Sources
    from undertow.pipeline import Pipeline, PipelineOptions, _limit_threads
    from undertow.store import Store

    _limit_threads()
    pipe = Pipeline(PipelineOptions())
    items = [it for it in Sources().items([str(archive)]) if not isinstance(it, Exception)][: n + 5]
    for it in items[:5]:  # warm-up: models load, caches fill
        try:
            d = pipe.extract(it)
            pipe.annotate(d)
            pipe.classify(d)
        except Exception:
            pass
    cost: dict[str, float] = defaultdict(float)
    docs = statements = 0
    with tempfile.TemporaryDirectory() as tmp, Store.open(str(Path(tmp) / "s.db")) as store:
        for it in items[5:]:
            t = time.process_time()
            try:
                d = pipe.extract(it)
            except Exception:
                continue
            t1 = time.process_time()
            pipe.annotate(d)
            t2 = time.process_time()
            pipe.classify(d)
            t3 = time.process_time()
            store.save_document(d, fingerprint(d.text))
            t4 = time.process_time()
            spent = (t1 - t, t2 - t1, t3 - t2, t4 - t3)
            for k, v in zip(("extract", "annotate", "classify", "write"), spent, strict=True):
                cost[k] += v
            docs += 1
            statements += len(d.statements)
    per_doc = {k: round(v / docs, 4) for k, v in cost.items()}
    return {
        "documents": docs,
        "statements_per_doc": round(statements / docs, 2),
        "cpu_s_per_doc": per_doc,
        "total_cpu_s_per_doc": round(sum(per_doc.values()), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-dir", default=str(ROOT / ".." / "shared" / "eval"))
    ap.add_argument("--docs", type=int, default=240)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--stage-costs", type=int, default=60, help="documents to time per stage (0: skip)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "scale.json"))
    args = ap.parse_args()
    from undertow.store.pgserver import TempServer

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive.jsonl"
        n = build_archive(Path(args.eval_dir), args.docs, archive)
        print(f"archive: {n} pages, {archive.stat().st_size / 2**20:.1f} MB", flush=True)
        costs = stage_costs(archive, args.stage_costs) if args.stage_costs else None
        if costs:
            print(f"stage costs (CPU s/document): {json.dumps(costs)}", flush=True)
        with TempServer(tempfile.mkdtemp(prefix="undertow-scale-pg-", dir="/tmp"), durable=True) as server:
            k = 0
            for engine in args.engines.split(","):
                for w in (int(x) for x in args.workers.split(",")):
                    k += 1
                    server.psql(f'CREATE DATABASE "run{k}"')
                    r = run_backfill(archive, server.url(f"run{k}"), engine, w)
                    results.append(r)
                    print(json.dumps(r), flush=True)
    base = {r["engine"]: r["docs_per_s"] for r in results if r["workers"] == 1}
    print("\n| engine | workers | documents | docs/s | speed-up | backfill s | peak RSS MB by process |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        speed = r["docs_per_s"] / base[r["engine"]] if base.get(r["engine"]) else float("nan")
        r["speedup"] = round(speed, 2)
        rss = "; ".join(f"{role} {', '.join(map(str, v))}" for role, v in r["peak_rss_mb"].items())
        print(
            f"| {r['engine']} | {r['workers']} | {r['documents']} | {r['docs_per_s']} | {speed:.2f}x "
            f"| {r['backfill_s']} | {rss} |"
        )
    summary = {"archive_docs": n, "stage_costs": costs, "runs": results, "cpu_count": os.cpu_count()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
