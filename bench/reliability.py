# ruff: noqa: E501
"""The reliability report (`make reliability`): every figure of issue 8 from one command.

    python bench/reliability.py [--clients 200] [--seconds 60] [--big bench/out/web_speed.db]

1. the hostile-input corpus, slow cases included (tests/test_hostile.py): cases tried, outcome
   per kind, crashes (an exception out of the batch fails every case: counted as all crashed);
2. crash safety (tests/test_backfill.py, the kill -9 tests; tests/test_security.py, readers during
   an ingest): lost and duplicated documents;
3. the server's guards: API fuzzing (tests/test_api_fuzz.py: any 5xx fails), SSRF refusals
   (tests/test_fetch.py), stored-XSS in the real browser (tests/test_browser.py), auth, limits,
   rate limits, hostile bodies (tests/test_web_api.py, tests/test_security.py);
4. the load test (bench/load.py) on the demo store and on the 100k-document synthetic store
   (built by bench/web_speed.py when missing: about 10 minutes);

and writes bench/out/reliability.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "reliability"
PY = sys.executable

GROUPS = {
    "hostile inputs": ["tests/test_hostile.py", "tests/test_archives.py"],
    "crash safety": [
        "tests/test_backfill.py",
        "tests/test_security.py::test_readers_keep_answering_while_a_large_ingest_writes",
    ],
    "API fuzzing (no 5xx)": ["tests/test_api_fuzz.py"],
    "SSRF and fetch guards": ["tests/test_fetch.py"],
    "stored XSS in the browser": [
        "tests/test_browser.py::test_stored_payloads_render_inert",
        "tests/test_browser.py::test_taxonomy_labels_render_inert",
    ],
    "auth, limits, headers, hostile bodies": ["tests/test_web_api.py", "tests/test_security.py"],
    "property tests": [
        "tests/test_postgres.py::test_any_query_parses_or_is_refused_cleanly",
        "tests/test_store.py",
        "tests/test_dates.py",
        "tests/test_extract.py",
    ],
}


def run_group(name: str, targets: list[str]) -> dict[str, Any]:
    xml = OUT / f"{name.split()[0]}-{abs(hash(name)) % 10_000}.xml"
    env = {**os.environ, "UNDERTOW_HOSTILE_SLOW": "1", "UNDERTOW_RELIABILITY_OUT": str(OUT), "CI": "true"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *targets],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    counts: Counter[str] = Counter()
    failures = []
    if xml.exists():
        for case in ET.parse(xml).getroot().iter("testcase"):
            kids = {c.tag for c in case}
            outcome = (
                "failed" if kids & {"failure", "error"} else "skipped" if "skipped" in kids else "passed"
            )
            counts[outcome] += 1
            if outcome == "failed":
                failures.append(f"{case.get('classname')}::{case.get('name')}")
    if proc.returncode != 0 and not failures:  # a collection error, a test id that is gone, ...
        tail = ((proc.stdout + proc.stderr).strip().splitlines() or ["(no output)"])[-1]
        failures.append(f"pytest exited {proc.returncode}: {tail}")
        counts["failed"] += 1
    return {
        "group": name,
        "targets": targets,
        "seconds": round(time.perf_counter() - t0, 1),
        "exit": proc.returncode,
        **counts,
        "failures": failures,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--big", default=str(ROOT / "bench" / "out" / "web_speed.db"))
    ap.add_argument("--skip-load", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("hostile-*.json"):  # written by the tests of this run, not read from an old one
        stale.unlink()
    groups = []
    for name, targets in GROUPS.items():
        g = run_group(name, targets)
        groups.append(g)
        print(
            f"{name}: {g.get('passed', 0)} passed, {g.get('failed', 0)} failed, {g.get('skipped', 0)} skipped ({g['seconds']} s)",
            flush=True,
        )
    hostile = (
        json.loads((OUT / "hostile-files.json").read_text())
        if (OUT / "hostile-files.json").exists()
        else None
    )
    http = (
        json.loads((OUT / "hostile-http.json").read_text()) if (OUT / "hostile-http.json").exists() else None
    )
    load: list[dict[str, Any]] = []
    if not args.skip_load:
        sys.path.insert(0, str(ROOT / "bench"))
        from load import load as run_load

        demo = ROOT / "demo.db"
        if not demo.exists():
            subprocess.run(
                [
                    str(Path(PY).parent / "undertow"),
                    "backfill",
                    "src/undertow/data/demo",
                    "--db",
                    str(demo),
                    "-q",
                ],
                cwd=ROOT,
                check=True,
            )
        if not Path(args.big).exists():
            print(f"building the 100k-document store {args.big} (bench/web_speed.py) ...", flush=True)
            subprocess.run(
                [
                    PY,
                    "bench/web_speed.py",
                    "--db",
                    args.big,
                    "--n",
                    "1",
                    "--warmup",
                    "0",
                    "--out",
                    str(OUT / "web_speed_build.json"),
                ],
                cwd=ROOT,
                check=True,
            )
        for db in (str(demo), args.big):
            r = run_load(db, args.clients, args.seconds)
            load.append(r)
            print(
                f"load {db}: {r['requests']} requests, {r['errors']} errors, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms",
                flush=True,
            )
    report = {"groups": groups, "hostile_files": hostile, "hostile_http": http, "load": load}
    (OUT.parent / "reliability.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (OUT.parent / "reliability.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    print(f"wrote {OUT.parent / 'reliability.md'}")
    if any(g.get("failed") for g in groups) or any(r["errors"] for r in load):
        raise SystemExit(1)


def markdown(rep: dict[str, Any]) -> str:
    lines = [
        "# Reliability report",
        "",
        "| check | passed | failed | skipped | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    for g in rep["groups"]:
        lines.append(
            f"| {g['group']} | {g.get('passed', 0)} | {g.get('failed', 0)} | {g.get('skipped', 0)} | {g['seconds']} |"
        )
    for g in rep["groups"]:
        for f in g["failures"]:
            lines.append(f"- FAILED: {f}")
    if rep["hostile_files"]:
        cases = rep["hostile_files"]["cases"]
        by_kind: dict[str, Counter[str]] = {}
        for c in cases:
            by_kind.setdefault(c["kind"], Counter())[c["outcome"]] += 1
        lines += [
            "",
            f"## Hostile files: {len(cases)} cases in one batch ({rep['hostile_files']['seconds']} s)",
            "",
            "| kind | cases | stored | reported as an error | mixed (JSONL) | nothing |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for kind, cnt in sorted(by_kind.items()):
            lines.append(
                f"| {kind} | {sum(cnt.values())} | {cnt['stored']} | {cnt['error']} | {cnt['mixed']} | {cnt['none']} |"
            )
    if rep["hostile_http"]:
        cases = rep["hostile_http"]["cases"]
        lines += ["", f"## Hostile HTTP responses: {len(cases)} cases ({rep['hostile_http']['seconds']} s)", "",
                  "| path | outcome | reason |", "|---|---|---|"]  # fmt: skip
        for c in cases:
            lines.append(f"| `{c['case']}` | {c['outcome']} | {c['reason'][:90]} |")
    for r in rep["load"]:
        m = r["server_rss_mb"]
        lines += [
            "",
            f"## Load: {r['clients']} clients for {r['seconds']} s on `{Path(r['db']).name}`",
            "",
            f"{r['requests']} requests ({r['requests_per_s']}/s), **{r['errors']} errors**, p50 {r['p50_ms']} ms, "
            f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms; server RSS {m['start']} MB at start, "
            f"{m['after_first_quarter']} after a quarter of the run, peak {m['peak']}, {m['end']} at the end.",
            "",
            "| route | requests | errors | p50 ms | p99 ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, v in r["routes"].items():
            lines.append(f"| {name} | {v['n']} | {v['errors']} | {v['p50_ms']} | {v['p99_ms']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
