"""The JSON API (``/api``) over the demo store: shapes, filters, cursors, errors, auth, limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from undertow.web import WebConfig, create_app

TOKEN = "s3cret-token-for-the-tests-0123456789"
LIST_ENDPOINTS = ["documents", "statements", "events", "stances", "alerts"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine_name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def client(engine_name: str, request):
    db = request.getfixturevalue("demo_db" if engine_name == "sqlite" else "demo_pg")
    with TestClient(create_app(WebConfig(db=db))) as c:
        yield c


@pytest.fixture
def writer(engine_name: str, request, tmp_path: Path):
    demo_copy = request.getfixturevalue("demo_copy" if engine_name == "sqlite" else "demo_pg_copy")
    tax = tmp_path / "team-lines.yaml"
    tax.write_text(
        "id: team-lines\nname: Team lines\nversion: 1\nnarratives:\n"
        "  - id: grain-deal-is-a-trap\n    label: The grain deal is a trap\n"
        "    description: Claims that the grain corridor serves only Western interests.\n",
        encoding="utf-8",
    )
    cfg = WebConfig(db=demo_copy, token=TOKEN, taxonomy_file=tax, max_body=200_000)
    with TestClient(create_app(cfg)) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


# --- shapes ------------------------------------------------------------------------------------


def test_openapi_lists_every_resource_and_no_cdn_docs(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/api/documents",
        "/api/documents/{doc_id}",
        "/api/statements",
        "/api/actors",
        "/api/actors/{actor_id}",
        "/api/narratives",
        "/api/narratives/{node_id}",
        "/api/events",
        "/api/stances",
        "/api/alerts",
        "/api/briefs",
        "/api/briefs/{day}",
        "/api/trends",
        "/api/search",
        "/api/ingest",
        "/api/taxonomy",
        "/api/narratives/candidates/{cluster_id}/promote",
        "/api/{kind}/export",
    ):
        assert p in paths, p
    # the Swagger/ReDoc pages pull their assets from a CDN: not served
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


@pytest.mark.parametrize("kind", LIST_ENDPOINTS)
def test_lists_are_pages_newest_first(client, kind: str) -> None:
    page = client.get(f"/api/{kind}", params={"limit": 5}).json()
    assert set(page) == {"items", "next_cursor", "count"}
    assert page["count"] == len(page["items"]) and 0 < page["count"] <= 5


def test_cursor_walks_every_statement_once(client) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(200):
        params = {"limit": 17, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/statements", params=params).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) > 17
    everything = client.get("/api/statements", params={"limit": 500}).json()
    assert [s["id"] for s in everything["items"]] == seen
    dated = [s["date"] for s in everything["items"] if s["date"]]
    assert dated == sorted(dated, reverse=True)


def test_statement_follows_the_record_contract(client) -> None:
    s = client.get("/api/statements", params={"actor": "sergei-lavrov", "limit": 1}).json()["items"][0]
    for key in ("speaker", "cue", "content", "kind", "narratives", "stances"):
        assert key in s, key
    assert s["speaker"]["actor_id"] == "sergei-lavrov"
    one = client.get(f"/api/statements/{s['id']}").json()
    assert one["id"] == s["id"]


def test_filters_narrow_the_lists(client) -> None:
    lav = client.get("/api/statements", params={"actor": "sergei-lavrov", "limit": 200}).json()["items"]
    assert lav and all(s["speaker"]["actor_id"] == "sergei-lavrov" for s in lav)
    ru = client.get("/api/documents", params={"language": "ru", "limit": 200}).json()["items"]
    assert ru and all(d["language"] == "ru" for d in ru)
    win = client.get(
        "/api/statements", params={"since": "2026-02-04", "until": "2026-02-05", "limit": 200}
    ).json()["items"]
    assert win
    every = client.get("/api/statements", params={"limit": 500}).json()["items"]
    assert len(win) < len(every)
    ff = client.get("/api/statements", params={"narrative": "ukraine-false-flag", "limit": 200}).json()
    assert ff["items"]
    assert all(
        any(
            n.get("id") == "ukraine-false-flag" or n.get("parent") == "ukraine-false-flag"
            for n in s["narratives"]
        )
        for s in ff["items"]
    )
    rej = client.get("/api/events", params={"type": "REJECT", "limit": 200}).json()["items"]
    assert rej and all(e["type"] == "REJECT" for e in rej)
    against = client.get(
        "/api/stances", params={"issue": "ceasefire-before-settlement", "polarity": "against"}
    ).json()["items"]
    assert against and all(
        x["issue"] == "ceasefire-before-settlement" and x["polarity"] == "against" for x in against
    )


def test_document_detail_and_syndication_cluster(client) -> None:
    docs = client.get("/api/documents", params={"include_duplicates": True, "limit": 200}).json()["items"]
    copy = next(d for d in docs if d.get("duplicate_of"))
    d = client.get(f"/api/documents/{copy['id']}").json()
    for key in ("document", "statements", "events", "narratives", "stances"):
        assert key in d, key
    canon = client.get(f"/api/documents/{copy['duplicate_of']}").json()
    assert canon["document"]["id"] == copy["duplicate_of"]
    # copies are left out of lists unless asked for
    plain = client.get("/api/documents", params={"limit": 200}).json()["items"]
    assert copy["id"] not in {x["id"] for x in plain}


def test_actor_narrative_trends_briefs_overview(client) -> None:
    a = client.get("/api/actors/sergei-lavrov").json()
    assert a["id"] == "sergei-lavrov" and a["statements"] > 0 and a["roles"]
    assert a["series"]["days"] and "ceasefire-before-settlement" in a["stances"]
    listing = client.get("/api/actors", params={"q": "lavrov"}).json()
    assert any(x["id"] == "sergei-lavrov" for x in listing["items"])
    n = client.get("/api/narratives/ukraine-false-flag").json()
    assert n["first_seen"] and n["timeline"]
    t = client.get("/api/trends", params={"dimension": "narrative", "since": "2026-01-20"}).json()
    assert t["series"] and all(len(v) == len(t["days"]) for v in t["series"].values())
    days = client.get("/api/briefs").json()["items"]
    assert days and days[0]["date"] >= days[-1]["date"]
    brief = client.get(f"/api/briefs/{days[0]['date']}").json()
    assert brief["takeaways"] or brief["sections"]
    md = client.get(f"/api/briefs/{days[0]['date']}", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown") and "[1]" in md.text
    ov = client.get("/api/overview", params={"since": "2026-02-01", "until": "2026-02-08"}).json()
    assert ov["alerts"]


def test_search_fulltext_and_cross_language_semantic(client) -> None:
    ft = client.get("/api/search", params={"q": "ceasefire"}).json()
    assert ft["items"] and ft["mode"] == "fulltext"
    # an English query finds Russian/Ukrainian statements of the same line
    sem = client.get(
        "/api/search",
        params={
            "q": "Kyiv is preparing a staged provocation to blame Russia",
            "mode": "semantic",
            "limit": 20,
        },
    ).json()
    langs = {s.get("language") for s in sem["items"]}
    assert sem["items"] and langs & {"ru", "uk"}, langs


def test_exports_stream_every_format(client) -> None:
    r = client.get("/api/statements/export", params={"format": "csv", "actor": "sergei-lavrov"})
    assert r.status_code == 200
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and all(row["speaker"] == "sergei-lavrov" for row in rows)
    assert "attachment" in r.headers["content-disposition"]
    lines = client.get("/api/events/export", params={"format": "jsonl"}).text.strip().splitlines()
    assert lines and all(json.loads(x)["type"] for x in lines)
    pq = client.get("/api/documents/export", params={"format": "parquet"})
    assert pq.content[:4] == b"PAR1"
    bad = client.get("/api/statements/export", params={"format": "plover"})
    assert bad.status_code == 400 and "error" in bad.json()


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/statements?limit=0", 422, "limit"),
        ("/api/statements?limit=100000", 422, "limit"),
        ("/api/statements?since=yesterday", 422, "since"),
        ("/api/statements?since=2026-02-05&until=2026-02-01", 400, "after"),
        ("/api/statements?cursor=not-a-cursor", 400, "cursor"),
        ("/api/statements?polarity=maybe", 422, "polarity"),
        ("/api/search?q=", 422, "q"),
        ("/api/search?q=security-guarantees", 200, ""),  # not FTS syntax: searched as a phrase
        ("/api/search?q=ceasefire%20AND%20(", 200, ""),
        ('/api/search?q="unbalanced', 400, "search query"),
        ("/api/trends?dimension=weather", 422, "dimension"),
        ("/api/documents/no-such-document", 404, "no document"),
        ("/api/actors/no-such-actor", 404, "no actor"),
        ("/api/narratives/no-such-line", 404, "no narrative"),
        ("/api/briefs/2026-13-40", 422, "day"),
        ("/api/nothing-here", 404, ""),
    ],
)
def test_bad_requests_get_a_clear_4xx(client, url: str, status: int, words: str) -> None:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:300])
    if status >= 400:
        body = r.json()
        assert words.lower() in body["error"].lower(), body


def test_dashboard_errors_are_pages_api_errors_json(client) -> None:
    page = client.get("/documents/no-such-document", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get("/api/documents/no-such-document", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]


def test_security_headers_and_no_cors(client) -> None:
    r = client.get("/api/stats", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "server" not in r.headers
    pre = client.options(
        "/api/ingest", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in pre.headers


# --- writes and auth ---------------------------------------------------------------------------


def test_writes_are_off_without_a_configured_token(client) -> None:
    r = client.post("/api/ingest", json={"text": "Peskov said talks would go on."})
    assert r.status_code == 403 and "token" in r.json()["error"]


def test_writes_need_the_right_bearer_token(writer) -> None:
    body = {"text": "Peskov said talks would go on.", "title": "t"}
    assert writer.post("/api/ingest", json=body).status_code == 401
    bad = {"Authorization": "Bearer wrong-token-wrong-token-000000"}
    assert writer.post("/api/ingest", json=body, headers=bad).status_code == 401
    assert (
        writer.put("/api/taxonomy", content="id: x", headers={"content-type": "application/yaml"}).status_code
        == 401
    )


def test_ingest_text_is_stored_tracked_and_idempotent(writer) -> None:
    text = (
        "Kremlin spokesman Dmitry Peskov said on Monday that Moscow would never accept foreign "
        "peacekeepers in Ukraine, calling them an occupation force."
    )
    body = {"text": text, "title": "Peskov on peacekeepers", "published": "2026-02-09", "outlet": "tass.com"}
    r = writer.post("/api/ingest", json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["outcome"] == "stored" and out["document_id"]
    doc = writer.get(f"/api/documents/{out['document_id']}").json()
    assert doc["document"]["published"] == "2026-02-09"
    assert any(s["speaker"]["actor_id"] == "dmitry-peskov" for s in doc["statements"])
    again = writer.post("/api/ingest", json=body, headers=AUTH).json()
    assert again["outcome"] == "unchanged" and again["document_id"] == out["document_id"]
    assert writer.post("/api/ingest", json={"title": "nothing"}, headers=AUTH).status_code == 400


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/x", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://2130706433/", "refused"),  # 127.0.0.1 written as one number
        ("file:///etc/passwd", "scheme"),
    ],
)
def test_ingest_url_refuses_private_addresses(writer, url: str, reason: str) -> None:
    r = writer.post("/api/ingest", json={"url": url}, headers=AUTH)
    assert r.status_code == 400, (url, r.text)
    assert reason in r.json()["error"], r.json()


def test_taxonomy_edit_is_validated_and_kept(writer) -> None:
    bad = writer.put(
        "/api/taxonomy",
        content="id: t\nnarratives:\n  - id: a\n    label: A\n  - id: a\n    label: again\n",
        headers={**AUTH, "content-type": "application/yaml"},
    )
    assert bad.status_code == 400 and "a" in bad.json()["error"]
    before = writer.get("/api/taxonomy").json()
    assert any(n["id"] == "grain-deal-is-a-trap" for t in before["taxonomies"] for n in t["nodes"])
    new = {
        "id": "team-lines",
        "narratives": [
            {"id": "grain-deal-is-a-trap", "label": "The grain deal is a trap"},
            {"id": "sanctions-hurt-europe-most", "label": "Sanctions hurt Europe most"},
        ],
    }
    ok = writer.put("/api/taxonomy", json=new, headers=AUTH)
    assert ok.status_code == 200, ok.text and ok.json()["nodes"] == 2
    after = writer.get("/api/taxonomy").json()
    assert any(n["id"] == "sanctions-hurt-europe-most" for t in after["taxonomies"] for n in t["nodes"])
    path = Path(after["editable_file"])
    assert path.with_name(path.name + ".bak").exists()


def test_promote_needs_a_known_candidate(writer) -> None:
    r = writer.post(
        "/api/narratives/candidates/0000000000ff/promote", json={"as_id": "some-line"}, headers=AUTH
    )
    assert r.status_code == 400 and "0000000000ff" in r.json()["error"]


def test_oversized_bodies_are_refused(writer) -> None:
    big = {"text": "word " * 60_000}
    r = writer.post("/api/ingest", json=big, headers=AUTH)
    assert r.status_code == 413 and "bytes" in r.json()["error"]

    def chunks():  # no Content-Length: counted while reading
        for _ in range(50):
            yield b"x" * 10_000

    r = writer.post("/api/ingest", content=chunks(), headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413


def test_closed_reads_need_the_token_or_a_session(demo_db: str) -> None:
    cfg = WebConfig(db=demo_db, token=TOKEN, open_reads=False)
    with TestClient(create_app(cfg), follow_redirects=False) as c:
        assert c.get("/api/statements").status_code == 401
        assert c.get("/openapi.json").status_code == 401
        assert c.get("/api/statements", headers=AUTH).status_code == 200
        page = c.get("/actors")
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert c.get("/static/style.css").status_code == 200
        wrong = c.post("/login", data={"token": "nope", "next": "/actors"})
        assert wrong.status_code in (401, 403) and "undertow_session" not in wrong.cookies
        ok = c.post("/login", data={"token": TOKEN, "next": "//evil.example/x"})
        assert ok.status_code == 303 and not ok.headers["location"].startswith("//")
        assert c.get("/actors").status_code == 200  # the session cookie now opens the dashboard


# --- stored content is inert -------------------------------------------------------------------


def test_stored_markup_is_escaped_in_pages(demo_copy: str) -> None:
    payload = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    shown = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # text, not tags
    cfg = WebConfig(db=demo_copy, token=TOKEN)
    with TestClient(create_app(cfg)) as c:
        body = {
            "html": f"<html><head><title>Talks {shown}</title></head><body><article><h1>Talks {shown}</h1>"
            f"<p>Sergei Lavrov said: “We reject {shown} any ceasefire before a settlement.”</p>"
            "<p>He spoke in Moscow on Tuesday about the talks.</p></article></body></html>",
            "published": "2026-02-10",
        }
        r = c.post("/api/ingest", json=body, headers=AUTH)
        assert r.status_code == 200, r.text
        doc_id = r.json()["document_id"]
        for url in (f"/documents/{doc_id}", "/documents", "/search?q=Talks", "/actors/sergei-lavrov"):
            html = c.get(url).text
            assert "<script>window.__pwned" not in html, url
            assert "<img src=x onerror" not in html, url
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in c.get(f"/documents/{doc_id}").text


# --- undertow serve ----------------------------------------------------------------------------


def test_serve_refuses_bad_settings_before_listening(tmp_path: Path, demo_db: str) -> None:
    from typer.testing import CliRunner

    from undertow.cli import app

    run = CliRunner().invoke
    missing = run(app, ["serve", "--db", str(tmp_path / "nothing.db")])
    assert missing.exit_code == 2 and "no undertow database" in missing.output
    assert not (tmp_path / "nothing.db").exists()  # never created by a typo
    short = tmp_path / "token"
    short.write_text("abc\n")
    r = run(app, ["serve", "--db", demo_db, "--token-file", str(short)])
    assert r.exit_code == 2 and "too short" in r.output
    r = run(app, ["serve", "--db", demo_db, "--closed-reads"], env={"UNDERTOW_API_TOKEN": ""})
    assert r.exit_code == 2 and "--closed-reads needs a token" in r.output
    r = run(app, ["serve", "--db", demo_db, "--taxonomy", str(tmp_path / "none.yaml")])
    assert r.exit_code == 2 and "no taxonomy file" in r.output


def test_semantic_shortlist_path_agrees_with_the_exact_scan(demo_db: str, monkeypatch) -> None:
    """The large-store path (projection, shortlist, exact re-scoring), forced on the demo store
    with small settings, finds what the exact scan finds, with or without a speaker filter."""
    from undertow import query
    from undertow.narratives import embed
    from undertow.query import Filters, semantic_statements
    from undertow.store import Store

    if not embed.available():
        pytest.skip("the sentence encoder is not installed")
    q = embed.encode(["Kyiv is preparing a staged provocation to blame Russia"])[0]
    with Store.open(demo_db) as s, s.engine.connect() as conn:
        exact = [d["id"] for d in semantic_statements(conn, q, limit=10)]
        exact_lav = [d["id"] for d in semantic_statements(conn, q, Filters(actor="sergei-lavrov"), limit=5)]
        monkeypatch.setattr(query, "EXACT_MAX", 10)  # every store is "large" now
        monkeypatch.setattr(query, "PROJECTION_DIMS", 16)
        monkeypatch.setattr(query, "SHORTLIST", 60)
        monkeypatch.setattr(
            query, "SELECTION_MAX", 3
        )  # Lavrov's statements do not fit: shortlist, then filter
        query._INDEXES.clear()
        approx = [d["id"] for d in semantic_statements(conn, q, limit=10)]
        approx_lav = [d["id"] for d in semantic_statements(conn, q, Filters(actor="sergei-lavrov"), limit=5)]
        assert query._vector_index(s.engine).max_seq > 0  # the projection was really built and used
    query._INDEXES.clear()
    assert exact and len(set(approx) & set(exact)) >= 8, (approx, exact)
    assert approx[0] == exact[0]
    assert exact_lav and approx_lav[0] == exact_lav[0]
