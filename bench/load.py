"""A bounded load test of `undertow serve` on loopback: many concurrent clients for a fixed time.

    python bench/load.py --db demo.db [--clients 200] [--seconds 60] [--out bench/out/load.json]

Starts the server (rate limits off: one address is every client here) in its own process, waits
for /healthz, then runs ``--clients`` concurrent clients (asyncio + httpx, one connection each)
for ``--seconds``: each picks a request among the document and statement lists (with filters and
a second page), full-text search, a document page and the API's document record, sends it, and
goes again. It stops by itself (time), and each request has a timeout. Reported: requests, errors
(any status other than 200, and timeouts / connection errors), p50/p99/max latency per route and
overall, requests/s, and the server's RSS sampled each second (start, peak, end: memory should
stay flat).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UNDERTOW = str(Path(sys.executable).parent / "undertow")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


async def _sample_ids(client: Any, base: str) -> tuple[list[str], list[str]]:
    r = await client.get(base + "/api/documents?limit=100")
    docs = [d["id"] for d in r.json()["items"]]
    r = await client.get(base + "/api/actors?limit=50")
    actors = [a["id"] for a in r.json()["items"]]
    return docs, actors


def routes(docs: list[str], actors: list[str], rng: random.Random) -> dict[str, Any]:
    words = [
        "ceasefire",
        "guarantees",
        "talks",
        "Lavrov",
        "ultimatum",
        "peacekeepers",
        "переговоры",
        "troops",
    ]
    return {
        "api documents": lambda: "/api/documents?limit=20",
        "api documents filtered": lambda: (
            f"/api/documents?limit=20&language={rng.choice(['en', 'ru', 'uk'])}"
        ),
        "api statements": lambda: "/api/statements?limit=20",
        "api statements actor": lambda: (
            f"/api/statements?limit=20&actor={rng.choice(actors)}" if actors else "/api/statements"
        ),
        "api search": lambda: f"/api/search?q={rng.choice(words)}",
        "api document": lambda: f"/api/documents/{rng.choice(docs)}",
        "page document": lambda: f"/documents/{rng.choice(docs)}",
        "page documents": lambda: "/documents",
    }


async def _client(
    base: str, table: dict[str, Any], until: float, out: list[tuple[str, float, int]], seed: int
) -> None:
    import httpx

    rng = random.Random(seed)
    names = list(table)
    async with httpx.AsyncClient(timeout=30.0, limits=httpx.Limits(max_connections=1)) as client:
        while time.monotonic() < until:
            name = rng.choice(names)
            url = base + table[name]()
            t0 = time.perf_counter()
            try:
                r = await client.get(url)
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            out.append((name, (time.perf_counter() - t0) * 1000, status))


async def _run(base: str, clients: int, seconds: float, pid: int) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(timeout=60) as c:
        docs, actors = await _sample_ids(c, base)
    rng = random.Random(7)
    table = routes(docs, actors, rng)
    results: list[tuple[str, float, int]] = []
    rss: list[float] = [_rss_mb(pid)]
    until = time.monotonic() + seconds

    async def sampler() -> None:
        while time.monotonic() < until:
            await asyncio.sleep(1.0)
            rss.append(_rss_mb(pid))

    t0 = time.perf_counter()
    await asyncio.gather(sampler(), *(_client(base, table, until, results, i) for i in range(clients)))
    wall = time.perf_counter() - t0
    rss.append(_rss_mb(pid))
    per: dict[str, Any] = {}
    for name in table:
        lat = [ms for n, ms, _ in results if n == name]
        per[name] = {
            "n": len(lat),
            "errors": sum(1 for n, _, st in results if n == name and st != 200),
            "p50_ms": round(_pct(lat, 50), 1),
            "p99_ms": round(_pct(lat, 99), 1),
            "max_ms": round(max(lat), 1) if lat else 0.0,
        }
    lat = [ms for _, ms, _ in results]
    statuses: dict[str, int] = {}
    for _, _, st in results:
        statuses[str(st)] = statuses.get(str(st), 0) + 1
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(results),
        "requests_per_s": round(len(results) / wall, 1),
        "errors": sum(1 for *_, st in results if st != 200),
        "statuses": statuses,
        "p50_ms": round(_pct(lat, 50), 1),
        "p99_ms": round(_pct(lat, 99), 1),
        "max_ms": round(max(lat), 1) if lat else 0.0,
        "server_rss_mb": {
            "start": round(rss[0]),
            "peak": round(max(rss)),
            "end": round(rss[-1]),
            "median": round(statistics.median(rss)),
            # after the first quarter of the run (caches and the semantic index warm by then):
            # flat memory means this and the end agree
            "after_first_quarter": round(rss[len(rss) // 4]),
            "series": [round(x) for x in rss],
        },
        "routes": per,
    }


def load(db: str, clients: int, seconds: float) -> dict[str, Any]:
    """Serve ``db`` in a process of its own and load it; returns the figures."""
    import httpx

    port = _port()
    server = subprocess.Popen(
        [UNDERTOW, "serve", "--db", db, "--port", str(port), "--rate-limit", "0", "--write-rate-limit", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server on {db} did not start")
            time.sleep(0.3)
        time.sleep(2.0)  # let the warm-up thread (encoder, semantic index) settle
        return {"db": db, **asyncio.run(_run(base, clients, seconds, server.pid))}
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", action="append", required=True, help="store to serve (repeat for several)")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "load.json"))
    args = ap.parse_args()
    runs = []
    for db in args.db:
        r = load(db, args.clients, args.seconds)
        runs.append(r)
        m = r["server_rss_mb"]
        print(
            f"{db}: {r['requests']} requests from {r['clients']} clients in {r['seconds']} s "
            f"({r['requests_per_s']}/s), errors {r['errors']}, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"max {r['max_ms']} ms; server RSS {m['start']} at start, {m['after_first_quarter']} after a "
            f"quarter of the run, peak {m['peak']}, {m['end']} MB at the end",
            flush=True,
        )
        for name, v in r["routes"].items():
            print(
                f"  {name:28s} n={v['n']:6d} errors={v['errors']} "
                f"p50 {v['p50_ms']:7.1f} p99 {v['p99_ms']:7.1f}"
            )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(runs, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
