"""Server hardening beyond test_web_api: rate limits, hostile bodies (YAML bombs, deep nesting),
and readers that keep answering while a large ingest writes."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from undertow.web import WebConfig, create_app
from undertow.web.ratelimit import RateLimiter

TOKEN = "s3cret-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_token_bucket_per_client() -> None:
    clock = Clock()
    rl = RateLimiter(60, burst=3, clock=clock)  # one a second, bursts of 3
    assert [rl.check("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = rl.check("a")
    assert 0.9 < wait <= 1.0
    assert rl.check("b") == 0.0  # another client has its own bucket
    clock.t += 1.0
    assert rl.check("a") == 0.0
    assert rl.check("a") > 0
    clock.t += 100
    assert [rl.check("a") for _ in range(4)][:3] == [0.0, 0.0, 0.0]  # refilled up to the burst only
    assert not RateLimiter(0).enabled and RateLimiter(0).check("a") == 0.0


def test_many_clients_do_not_grow_the_limiter_without_end(monkeypatch) -> None:
    from undertow.web import ratelimit

    monkeypatch.setattr(ratelimit, "MAX_CLIENTS", 100)
    clock = Clock()
    rl = RateLimiter(60, clock=clock)
    for i in range(1000):
        clock.t += 0.01
        rl.check(f"10.0.{i // 256}.{i % 256}")
    assert len(rl._buckets) <= 100


def test_the_app_answers_429_with_retry_after(demo_db: str) -> None:
    cfg = WebConfig(db=demo_db, token=TOKEN, rate_limit=60, write_rate_limit=6)
    with TestClient(create_app(cfg)) as c:
        codes = [c.get("/api/stats").status_code for _ in range(12)]
        assert codes[:10] == [200] * 10 and codes[-1] == 429  # bursts of 10, then one a second
        r = c.get("/api/stats")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert "too many requests" in r.json()["error"]
        assert c.get("/healthz").status_code == 200  # health checks are never limited
        assert c.get("/static/app.css").status_code in (200, 404)


def test_writes_have_their_own_stricter_limit(demo_copy: str) -> None:
    cfg = WebConfig(db=demo_copy, token=TOKEN, rate_limit=6000, write_rate_limit=6)
    with TestClient(create_app(cfg)) as c:
        body = {"text": "Lavrov said the talks were useful.", "published": "2026-02-05"}
        codes = [c.post("/api/ingest", json=body, headers=AUTH).status_code for _ in range(3)]
        assert codes[0] in (200, 201) and codes[-1] == 429
        assert c.get("/api/stats").status_code == 200  # reads still flow


def test_login_attempts_are_limited_like_writes(demo_db: str) -> None:
    """Guessing the token at /login meets the write limit (the page itself needs no session)."""
    cfg = WebConfig(db=demo_db, token=TOKEN, rate_limit=6000, write_rate_limit=6)
    with TestClient(create_app(cfg)) as c:
        codes = [c.post("/login", data={"token": f"guess-{i}"}).status_code for i in range(5)]
        assert codes[0] == 401 and codes[-1] == 429
        assert c.get("/login").status_code == 200  # the form still opens


# an expanded bomb would hang: bounded by a timeout on the test body (not its fixtures), not timed
@pytest.mark.timeout(60, func_only=True)
def test_yaml_bomb_and_deep_bodies_are_refused_quickly(demo_copy: str, tmp_path: Path) -> None:
    tax = tmp_path / "t.yaml"
    tax.write_text(
        "id: t\nname: T\nversion: 1\nnarratives:\n  - id: a-line\n    label: A line\n"
        "    description: A line about something.\n",
        encoding="utf-8",
    )
    cfg = WebConfig(db=demo_copy, token=TOKEN, taxonomy_file=tax, max_body=200_000)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
    )
    with TestClient(create_app(cfg)) as c:
        r = c.put("/api/taxonomy", content=bomb, headers={**AUTH, "Content-Type": "application/yaml"})
        assert r.status_code == 400 and "aliases" in r.json()["error"]
        deep = "[" * 50_000 + "]" * 50_000
        r = c.put("/api/taxonomy", content=deep, headers={**AUTH, "Content-Type": "application/yaml"})
        assert r.status_code == 400
        r = c.post(
            "/api/ingest",
            content='{"text": ' + deep + "}",
            headers={**AUTH, "Content-Type": "application/json"},
        )
        assert 400 <= r.status_code < 500
    assert tax.read_text(encoding="utf-8").startswith("id: t")  # nothing written


def _get(url: str) -> int:
    import httpx

    try:
        return httpx.get(url, timeout=10).status_code
    except httpx.HTTPError:
        return 0


@pytest.mark.timeout(600)
def test_readers_keep_answering_while_a_large_ingest_writes(demo_copy: str, tmp_path: Path) -> None:
    """The dashboard's server on a store that an ingest process is writing to: every read
    answers 200 while the ingest runs, and the ingest stores everything."""
    import json
    import socket

    archive = tmp_path / "big.jsonl"
    body = "Report {i}: Lavrov said on Tuesday that talks number {i} in Geneva were useful. " * 5
    lines = [
        json.dumps({"url": f"https://load.example/{i}", "text": body.format(i=i), "published": "2026-02-06"})
        for i in range(400)
    ]
    archive.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "undertow"), "serve", "--db", demo_copy, "--port", str(port), "--rate-limit", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while _get(base + "/healthz") != 200:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        ingest = subprocess.Popen(
            [str(bin_dir / "undertow"), "ingest", str(archive), "--db", demo_copy, "-q", "--workers", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        codes = []
        while ingest.poll() is None:
            for path in ("/api/documents?limit=5", "/api/statements?limit=5", "/api/search?q=Geneva", "/"):
                codes.append(_get(base + path))
        out, err = ingest.communicate()
    finally:
        server.terminate()
        server.wait(30)
    assert ingest.returncode == 0, err[-2000:]
    assert "400 new" in out
    assert len(codes) >= 8 and set(codes) == {200}, codes
