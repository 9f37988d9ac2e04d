"""The dashboard in a real browser: Debian's chromium, headless, driven by Playwright.

One uvicorn server over the demo store and one browser page for the session. Each test starts at
the overview and clicks its way (navigation bar, then lists) to the pages it checks: their key
content, every chart drawn, no console error, page error, CSP violation or failed request. Every
page is saved as a full-page PNG under ``$UNDERTOW_SCREENSHOTS`` (else a pytest temporary folder;
the path is printed at the end of the session).

A page whose title, text, quoted statement, author and site name carry ``<script>`` and
``onerror`` payloads is ingested into a copy of the store: they must show as text and never run.

Needs ``/usr/bin/chromium`` (``scripts/setup-browser.sh`` installs it); without it the tests skip,
except under ``CI=true``, where they fail. Never ``playwright install``: it downloads a browser.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import article_html

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000

# Reports CSP violations on the console, where the listener below records them as errors
# (Chromium logs most of them there itself; this also catches those it does not).
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (scripts/setup-browser.sh installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (python) is not installed (pip install -e '.[dev]')"
    return None


_MISSING = _missing()
if _MISSING and os.environ.get("CI") != "true":  # under CI the fixture below fails instead
    pytest.skip(_MISSING, allow_module_level=True)


# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    app: Any


@contextmanager
def serve(db: str, **config: Any) -> Iterator[Server]:
    """The app over ``db`` with uvicorn in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    from undertow.web import WebConfig, create_app

    app = create_app(WebConfig(db=db, **config))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.state.web.store.close()


@pytest.fixture(scope="session")
def demo_server(demo_db: str) -> Iterator[Server]:
    with serve(demo_db) as s:
        yield s


# --- the browser -------------------------------------------------------------------------------


@dataclass
class Tab:
    """The session's one page, with what went wrong on it since the last ``check()``."""

    page: Any
    shots: Path
    problems: list[str] = field(default_factory=list)
    taken: list[Path] = field(default_factory=list)

    def open(self, url: str) -> None:
        resp = self.page.goto(url)
        assert resp is not None and resp.ok, f"GET {url}: {resp.status if resp else 'no response'}"
        self.settle()

    def click(self, locator: Any, path: str) -> None:
        """Click a link and wait for the page at ``path`` (a regex on the URL's path) to load."""
        with self.page.expect_navigation():
            locator.click()
        got = urlsplit(self.page.url).path
        assert re.fullmatch(path, got), f"clicked to {got}, expected {path}"
        self.settle()

    def nav(self, name: str, path: str) -> None:
        link = self.page.locator("header.top nav a", has_text=name)
        self.click(link, path)
        assert self.page.locator("header.top nav a.active").inner_text() == name

    def settle(self) -> None:
        self.page.wait_for_load_state("load")
        # charts.js runs at DOMContentLoaded (deferred): every canvas is drawn, or none can be
        self.page.wait_for_function(
            "Array.from(document.querySelectorAll('canvas[data-chart]'))"
            ".every(c => c.getAttribute('data-drawn') === '1')",
            timeout=TIMEOUT_MS,
        )

    def charts(self, n: int) -> None:
        """``n`` charts, each drawn by Chart.js with data: not a blank canvas."""
        canvases = self.page.locator("canvas[data-chart]")
        assert canvases.count() == n
        for i in range(n):
            c = canvases.nth(i)
            box = c.bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, box
            info = c.evaluate(
                """c => { const ch = Chart.getChart(c);
                     return ch ? {sets: ch.data.datasets.length,
                                  points: ch.data.datasets.reduce((n, d) => n + d.data.length, 0)}
                               : null; }"""
            )
            assert info and info["sets"] > 0 and info["points"] > 0, (c.get_attribute("data-chart"), info)

    def shot(self, name: str) -> None:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)

    def check(self) -> None:
        """No console error, page error, CSP violation or failed request since the last check."""
        problems, self.problems[:] = list(self.problems), []
        assert not problems, "\n".join(problems)

    def links(self) -> set[str]:
        """The paths (with queries) of the page's same-origin links."""
        hrefs = self.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        here = urlsplit(self.page.url)
        out = set()
        for h in hrefs:
            u = urlsplit(h)
            if u.scheme in ("http", "https") and u.netloc == here.netloc:
                out.add(u.path + (f"?{u.query}" if u.query else ""))
        return out


@pytest.fixture(scope="session")
def shots_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    env = os.environ.get("UNDERTOW_SCREENSHOTS")
    path = Path(env) if env else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    yield path
    files = sorted(p.name for p in path.glob("*.png"))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else _nothing():
        print(f"\nbrowser screenshots ({len(files)}) in {path}")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@pytest.fixture(scope="session")
def browser_page() -> Iterator[Any]:
    reason = _MISSING
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def tab(browser_page: Any, shots_dir: Path) -> Iterator[Tab]:
    t = Tab(browser_page, shots_dir)

    def on_console(msg: Any) -> None:
        if msg.type in ("error", "warning") or "Content Security Policy" in msg.text:
            t.problems.append(f"console {msg.type}: {msg.text} ({msg.location.get('url', '')})")

    def on_response(resp: Any) -> None:
        if resp.status >= 400:
            t.problems.append(f"HTTP {resp.status} for {resp.url}")

    handlers = {
        "console": on_console,
        "pageerror": lambda exc: t.problems.append(f"page error: {exc}"),
        "requestfailed": lambda req: t.problems.append(f"request failed: {req.url} ({req.failure})"),
        "response": on_response,
    }
    for event, fn in handlers.items():
        browser_page.on(event, fn)
    try:
        yield t
        t.check()
    finally:
        for event, fn in handlers.items():
            browser_page.remove_listener(event, fn)


# --- every page, by clicking -------------------------------------------------------------------


def text(tab: Tab, selector: str) -> str:
    return tab.page.locator(selector).first.inner_text()


def test_overview(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    assert text(tab, "h1").startswith("What changed")
    assert tab.page.locator("section.counts a.count").count() == 6
    tab.charts(1)
    assert tab.page.locator("h2", has_text="Most active narratives").count() == 1
    assert tab.page.locator("table tbody tr").count() > 0
    assert tab.page.locator("ul.alerts li.alert").count() > 0
    tab.check()
    tab.shot("01-overview")


def test_narratives(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    tab.nav("Narratives", "/narratives")
    assert text(tab, "h1") == "Narratives"
    rows = tab.page.locator("table.narratives > tbody > tr")
    assert rows.count() > 3
    tab.check()
    tab.shot("02-narratives")

    # the narrative with the most statements
    counts = [int(c) for c in rows.locator("> td.num").all_inner_texts()]
    top = rows.nth(counts.index(max(counts)))
    label = top.locator("> td > a").first.inner_text()
    tab.click(top.locator("> td > a").first, r"/narratives/[^/]+")
    assert text(tab, "h1") == label
    assert tab.page.locator("h2", has_text="Who pushes it").count() == 1
    assert tab.page.locator("section.firstseen").count() == 1
    assert tab.page.locator("li.statement").count() > 0
    tab.charts(1)
    tab.check()
    tab.shot("03-narrative")

    tab.click(tab.page.locator("p.toggle a", has_text="language"), r"/narratives/[^/]+")
    assert "by=language" in tab.page.url
    tab.charts(1)
    tab.check()


def test_actors(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    tab.nav("Actors", "/actors")
    assert text(tab, "h1") == "Actors"
    rows = tab.page.locator("table tbody tr")
    assert rows.count() > 3
    tab.check()
    tab.shot("04-actors")

    counts = [int(c) for c in rows.locator("td.num").all_inner_texts()]
    top = rows.nth(counts.index(max(counts)))
    name = top.locator("td a").first.inner_text()
    tab.click(top.locator("td a").first, r"/actors/[^/]+")
    assert text(tab, "h1") == name
    for heading in ("Stances", "Narratives adopted", "Latest statements"):
        assert tab.page.locator("h2", has_text=heading).count() == 1, heading
    assert tab.page.locator("li.statement").count() > 0
    tab.charts(2)
    tab.check()
    tab.shot("05-actor")


def test_documents(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    tab.nav("Documents", "/documents")
    assert text(tab, "h1") == "Documents"
    rows = tab.page.locator("table.documents tbody tr")
    assert rows.count() > 10
    tab.check()
    tab.shot("06-documents")

    # the newest document
    newest = rows.first.locator("td a").first
    title = newest.inner_text()
    tab.click(newest, r"/documents/[^/]+")
    assert text(tab, "h1") == title
    assert tab.page.locator("dl.provenance dt").count() >= 6
    assert len(text(tab, "article.doctext")) > 200
    assert tab.page.locator("article.doctext .st-content").count() > 0
    assert tab.page.locator("aside li.statement").count() > 0
    assert tab.page.locator("aside ul.plain a[href^='/narratives/']").count() > 0
    tab.check()
    tab.shot("07-document")


def test_search(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    tab.nav("Search", "/search")
    assert text(tab, "h1") == "Search"
    tab.page.locator("input[name=q]").fill("ceasefire")
    with tab.page.expect_navigation():
        tab.page.locator("form[role=search] button[type=submit]").click()
    tab.settle()
    assert "q=ceasefire" in tab.page.url
    hits = tab.page.locator("ul.results > li")
    assert hits.count() > 0
    assert "ceasefire" in hits.first.inner_text().lower()
    tab.check()
    tab.shot("08-search")

    from undertow.narratives import embed

    if embed.available():  # meaning: statements in any language
        tab.page.locator("input[name=q]").fill("the West wants to prolong the war")
        tab.page.locator("input[name=mode][value=semantic]").check()
        with tab.page.expect_navigation():
            tab.page.locator("form[role=search] button[type=submit]").click()
        tab.settle()
        assert "mode=semantic" in tab.page.url
        assert tab.page.locator("ul.statements li.statement").count() > 0
        tab.check()
        tab.shot("09-search-semantic")

    # a result opens its document
    tab.page.go_back()
    tab.settle()
    first = tab.page.locator("ul.results > li > a").first
    title = first.inner_text()
    tab.click(first, r"/documents/[^/]+")
    assert text(tab, "h1") == title
    tab.check()


def test_alerts(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    tab.nav("Alerts", "/alerts")
    assert text(tab, "h1") == "Alerts"
    alerts = tab.page.locator("ul.alerts > li.alert")
    assert alerts.count() > 0
    first = alerts.first
    assert first.locator("h3").inner_text().strip()
    first.locator("details summary").click()
    assert first.locator("ul.evidence li").first.is_visible()
    tab.check()
    tab.shot("10-alerts")

    # filter by type with the form
    tab.page.locator("select[name=type]").select_option("burst")
    with tab.page.expect_navigation():
        tab.page.locator("form.filters button[type=submit]").click()
    tab.settle()
    types = tab.page.locator("ul.alerts > li.alert .chip.type").all_inner_texts()
    assert types and {t.lower() for t in types} == {"burst"}
    tab.check()


def test_briefs(tab: Tab, demo_server: Server) -> None:
    tab.open(demo_server.url + "/")
    tab.nav("Briefs", "/briefs")
    assert text(tab, "h1") == "Daily briefs"
    days = tab.page.locator("ul.days > li > a:not([href^='/api'])")
    assert days.count() > 3
    tab.check()
    tab.shot("11-briefs")

    newest = days.first
    day = newest.inner_text()
    tab.click(newest, rf"/briefs/{day}")
    assert text(tab, "h1") == f"undertow brief: {day}"
    assert tab.page.locator("h2", has_text="Key takeaways").count() == 1
    assert tab.page.locator("article.brief li").count() > 2
    assert tab.page.locator("ol.sources > li").count() > 0
    tab.check()
    tab.shot("12-brief")

    # a citation mark jumps to its source; the source opens its document
    tab.page.locator("article.brief sup a").first.click()
    assert re.search(r"#src-\d+$", tab.page.url)
    tab.click(tab.page.locator("ol.sources > li a").first, r"/documents/[^/]+")
    tab.check()


def _pattern(path: str) -> str:
    """``/actors/dmitry-peskov?since=…`` → ``/actors/*?since``: one link template."""
    p, _, q = path.partition("?")
    parts = p.split("/")
    if len(parts) > 2:
        p = "/".join(parts[:2] + ["*"] * (len(parts) - 2))
    keys = sorted(kv.split("=")[0] for kv in q.split("&") if kv)
    return p + ("?" + "&".join(keys) if keys else "")


def test_no_broken_links(tab: Tab, demo_server: Server) -> None:
    """The same-origin links on every page the navigation reaches, and on one page of each kind
    they link to, answer 200: up to five targets of each link template (``/actors/*``,
    ``/api/briefs/*?format``…)."""
    tab.open(demo_server.url + "/")
    nav = {"/"} | {
        urlsplit(h).path for h in tab.page.eval_on_selector_all("header a", "as => as.map(a => a.href)")
    }
    checked: set[str] = set()
    per_pattern: dict[str, int] = {}
    opened: set[str] = set()
    frontier = sorted(nav)
    for depth in range(3):
        found: set[str] = set()
        for path in frontier:
            if path in checked:
                continue
            pattern = _pattern(path)
            if per_pattern.get(pattern, 0) >= 5:
                continue
            per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
            checked.add(path)
            resp = tab.page.request.get(demo_server.url + path, headers={"accept": "text/html"})
            assert resp.status == 200, f"{path}: {resp.status} {resp.text()[:200]}"
            # open the navigation's pages and the first page of each kind they link to, in the
            # browser, and follow their links too
            is_html = "text/html" in resp.headers.get("content-type", "")
            if is_html and depth < 2 and pattern.split("?")[0] not in opened:
                opened.add(pattern.split("?")[0])
                tab.open(demo_server.url + path)
                found |= tab.links()
        frontier = sorted(found)
    assert {"/narratives/*", "/actors/*", "/documents/*", "/briefs/*"} <= set(per_pattern), per_pattern
    assert len(checked) > 40, len(checked)
    tab.check()


# --- stored payloads stay text -----------------------------------------------------------------

# Each one would set window.__pwned if it ever became markup. The body payloads avoid "<script" and
# "window." because the extractor drops paragraphs that look like leaked code (textdump.is_code);
# a bare `__pwned=1` in an event handler sets the same global.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="__pwned=1">'
SVG = "<svg onload=__pwned=1>"
URL = "https://www.example-news.org/world/zubrovka-talks"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def xss_record() -> dict[str, str]:
    """A JSONL record: the page's HTML (payloads in its title, text and a quoted statement) and an
    author carrying one (the HTML extractor strips markup from authors; a record's is kept)."""
    paras = [
        f"Negotiators from both sides met in Geneva on Tuesday {_esc(IMG)} and again on Wednesday, "
        "officials said, without agreeing on a ceasefire line.",
        "Russian Foreign Minister Sergei Lavrov said that Western security guarantees for Ukraine were "
        f"&quot;{_esc(SVG)} practically an ultimatum that nobody in Moscow will accept&quot;.",
        "Analysts expect the zubrovka format to meet again next month in a wider circle, with the "
        "United States delegation present for the first time.",
    ]
    html = article_html(_esc(f"Zubrovka talks {SCRIPT} stall"), paras, published="2026-02-08", url=URL)
    return {"url": URL, "html": html, "author": f"Jane Doe {IMG}"}


@pytest.fixture(scope="session")
def xss_server(demo_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    import json

    from undertow.pipeline import ingest
    from undertow.store import Store

    tmp = tmp_path_factory.mktemp("xss")
    db = tmp / "demo.db"
    shutil.copy(demo_db, db)
    (tmp / "zubrovka.jsonl").write_text(json.dumps(xss_record()) + "\n", encoding="utf-8")
    with Store.open(str(db)) as s:
        report = ingest([str(tmp / "zubrovka.jsonl")], s)
    assert not report.errors and len(report.doc_ids) == 1, report
    with serve(str(db)) as srv:
        yield srv, report.doc_ids[0]


def _inert(tab: Tab) -> None:
    assert tab.page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.page.locator("main img, main svg, main [onerror], main [onload]").count() == 0
    assert tab.page.locator("main script:not([type='application/json'])").count() == 0


def test_stored_payloads_render_inert(tab: Tab, xss_server: tuple[Server, str]) -> None:
    srv, doc_id = xss_server
    from undertow import query

    with srv.app.state.web.store.engine.connect() as conn:
        stored = query.document_detail(conn, doc_id)
    assert stored is not None
    doc = stored["document"]
    # the payloads reached the store as text (else this test would prove nothing)
    assert SCRIPT in doc["title"] and IMG in doc["author"] and IMG in doc["text"]
    quoted = [s for s in stored["statements"] if SVG in (s.get("content") or {}).get("text", "")]
    assert quoted, [s.get("content") for s in stored["statements"]]

    # the documents list, filtered to the page's day with the form
    tab.open(srv.url + "/documents")
    tab.page.locator("input[name=since]").fill("2026-02-08")
    tab.page.locator("input[name=until]").fill("2026-02-08")
    with tab.page.expect_navigation():
        tab.page.locator("form.filters button[type=submit]").click()
    tab.settle()
    link = tab.page.locator("table.documents a", has_text=SCRIPT)
    assert link.count() == 1
    _inert(tab)
    tab.check()
    tab.shot("13-xss-documents")

    # its page: title, author, text and the statement, all as text
    tab.click(link, rf"/documents/{doc_id}")
    assert text(tab, "h1") == doc["title"]
    assert tab.page.title().startswith(doc["title"])
    assert doc["author"] in tab.page.locator("dl.provenance").inner_text()
    body = text(tab, "article.doctext")
    assert IMG in body and SVG in body
    statement = tab.page.locator("aside li.statement", has_text=SVG)
    assert statement.count() == 1
    _inert(tab)
    tab.check()
    tab.shot("14-xss-document")

    # the statement on its narrative's page (newest evidence first) and on its speaker's page
    narrative = statement.locator("a.chip.nar").first
    tab.click(narrative, r"/narratives/[^/]+")
    assert tab.page.locator("li.statement blockquote", has_text=SVG).count() == 1
    _inert(tab)
    tab.check()
    tab.page.go_back()
    tab.settle()
    tab.click(tab.page.locator("aside li.statement", has_text=SVG).locator("a.actor"), r"/actors/[^/]+")
    assert tab.page.locator("li.statement blockquote", has_text=SVG).count() == 1
    _inert(tab)
    tab.check()

    # full-text search: title and snippet
    tab.open(srv.url + "/search")
    tab.page.locator("input[name=q]").fill("zubrovka")
    with tab.page.expect_navigation():
        tab.page.locator("form[role=search] button[type=submit]").click()
    tab.settle()
    hit = tab.page.locator("ul.results > li", has_text="Zubrovka")
    assert hit.count() == 1 and SCRIPT in hit.inner_text()
    _inert(tab)
    tab.check()
    tab.shot("15-xss-search")

    from undertow.narratives import embed

    if embed.available():  # the quoted statement among the statement results
        tab.page.locator("input[name=q]").fill("security guarantees are an ultimatum Moscow will not accept")
        tab.page.locator("input[name=mode][value=semantic]").check()
        with tab.page.expect_navigation():
            tab.page.locator("form[role=search] button[type=submit]").click()
        tab.settle()
        assert tab.page.locator("li.statement blockquote", has_text=SVG).count() == 1
        _inert(tab)
        tab.check()


def test_taxonomy_labels_render_inert(tab: Tab, demo_db: str, tmp_path: Path) -> None:
    """A team's taxonomy file is data too: labels and descriptions carrying markup show as text."""
    import json

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    tax = tmp_path / "team.yaml"
    tax.write_text(
        "id: team\nname: Team lines\nversion: 1\nnarratives:\n"
        f"  - id: payload-line\n    label: {json.dumps('Grain ' + SCRIPT)}\n"
        f"    description: {json.dumps('About grain ' + IMG)}\n"
        f"    subnarratives:\n      - id: payload-sub\n        label: {json.dumps('Sub ' + SVG)}\n",
        encoding="utf-8",
    )
    with serve(str(db), taxonomy_file=tax) as srv:
        for path in ("/narratives", "/narratives/payload-line", "/narratives/payload-sub"):
            tab.open(srv.url + path)
            body = tab.page.locator("main").inner_text()
            assert SCRIPT in body or SVG in body, (path, body[:300])
            _inert(tab)
            tab.check()
