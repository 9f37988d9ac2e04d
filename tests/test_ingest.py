"""End-to-end ingest: sources -> pipeline -> store, through the library and the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import SEED, article_html
from undertow.cli import app
from undertow.pipeline import PipelineOptions, ingest
from undertow.store import Store

PARAS = [
    "Russian Foreign Minister Sergei Lavrov said on Wednesday that Western security guarantees for "
    "Ukraine amounted to practically an ultimatum, according to remarks carried by state media.",
    "Ukrainian officials described the talks in Abu Dhabi as constructive, adding that working groups "
    "would continue to meet on technical questions over the coming days.",
    "The United States delegation declined to comment on the substance of the discussions, but said "
    "the parties had agreed to reconvene after consultations in their capitals.",
]
RU_PARAS = [
    "Министр иностранных дел России Сергей Лавров заявил в среду, что западные гарантии безопасности "
    "для Украины являются практически ультиматумом.",
    "Украинские официальные лица назвали переговоры в Абу-Даби конструктивными и сообщили, что рабочие "
    "группы продолжат встречи в ближайшие дни.",
]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_batch_with_broken_inputs_stores_the_rest(tmp_path: Path, store: Store) -> None:
    good = write(
        tmp_path / "in/good.html",
        article_html("Talks resume", PARAS, published="2026-02-05", url="https://www.rt.com/russia/1-talks/"),
    )
    write(tmp_path / "in/binary.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    write(tmp_path / "in/empty.html", "   ")
    write(tmp_path / "in/nobody.html", "<html><head><script>app()</script></head><body></body></html>")
    write(tmp_path / "in/bad.jsonl", '{"text": "' + " ".join(RU_PARAS) + '"}\n{broken\n')
    report = ingest([str(tmp_path / "in"), str(tmp_path / "missing.html")], store)
    assert report.stored == 2
    failed = {Path(e.source.split(":")[0]).name: e.reason for e in report.errors}
    assert set(failed) == {"binary.html", "empty.html", "nobody.html", "bad.jsonl", "missing.html"}
    assert "binary" in failed["binary.html"]
    assert store.stats()["ingest_errors"] == 5
    doc = store.documents(outlet="rt")[0]
    assert doc.source == str(good) and doc.published == dt.date(2026, 2, 5)
    assert doc.published_source == "page" and doc.language == "en"
    assert doc.outlet is not None and doc.outlet.state_affiliated is True
    assert "Related articles" not in doc.text and "newsletter" not in doc.text


def test_ingest_leaves_reading_page_files_to_the_workers(tmp_path: Path, store: Store) -> None:
    """``ingest`` lists page files without reading them (``Sources(defer_reads=True)``): the
    process that extracts a page reads it, and an unreadable one is reported from there."""
    write(tmp_path / "a.html", article_html("Talks", PARAS, url="https://tass.com/2"))
    write(tmp_path / "empty.html", "   ")
    listed: list[object] = []
    report = ingest(
        [str(tmp_path)], store, on_event=lambda kind, obj: listed.append(obj) if kind == "item" else None
    )
    assert sorted(Path(i.path).name for i in listed) == ["a.html", "empty.html"]  # type: ignore[attr-defined]
    assert all(i.data == b"" for i in listed)  # type: ignore[attr-defined]
    assert report.stored == 1 and [(Path(e.source).name, e.reason) for e in report.errors] == [
        ("empty.html", "empty file")
    ]


def test_reingest_is_idempotent(tmp_path: Path, store: Store) -> None:
    write(tmp_path / "a.html", article_html("Talks", PARAS, published="2026-02-05", url="https://tass.com/1"))
    write(tmp_path / "b.txt", "\n\n".join(RU_PARAS))
    first = ingest([str(tmp_path)], store)
    before = [d.to_record() for d in store.documents()]
    second = ingest([str(tmp_path)], store)
    assert (first.stored, second.stored, second.unchanged) == (2, 0, 2)
    after = [d.to_record() for d in store.documents()]
    assert before == after


def test_dates_never_fall_back_to_fetch_time(tmp_path: Path, store: Store) -> None:
    write(tmp_path / "undated.html", article_html("No date here", PARAS, url="https://example.org/n"))
    ingest([str(tmp_path / "undated.html")], store)
    (doc,) = store.documents()
    assert doc.published is None and doc.published_source is None and doc.fetched is not None
    ingest(
        [str(tmp_path / "undated.html")],
        store,
        options=PipelineOptions(default_published=dt.date(2026, 2, 5)),
    )
    (doc,) = store.documents()  # already stored: unchanged
    assert doc.published is None


def test_published_argument_is_a_fallback(tmp_path: Path) -> None:
    write(
        tmp_path / "dated.html",
        article_html("Dated", PARAS, published="2026-02-03", url="https://a.example/d"),
    )
    write(tmp_path / "undated.html", article_html("Undated", RU_PARAS, url="https://a.example/u", lang="ru"))
    with Store.open("sqlite://") as s:
        ingest([str(tmp_path)], s, options=PipelineOptions(default_published=dt.date(2026, 2, 5)))
        got = {d.title: (d.published, d.published_source) for d in s.documents()}
    assert got["Dated"] == (dt.date(2026, 2, 3), "page")
    assert got["Undated"] == (dt.date(2026, 2, 5), "argument")


def test_cp1251_and_invalid_utf8_pages(tmp_path: Path, store: Store) -> None:
    html = article_html(
        "Переговоры", RU_PARAS, published="2026-02-05", lang="ru", url="https://ria.ru/1.html"
    )
    write(tmp_path / "cp1251.html", html.replace('<meta charset="utf-8">', "").encode("cp1251"))
    broken = article_html("Talks", PARAS, url="https://a.example/broken").encode("utf-8")
    write(tmp_path / "broken.html", broken.replace(b"Abu Dhabi", b"Abu \xff\xfe Dhabi", 1))
    report = ingest([str(tmp_path)], store)
    assert report.failed == 0
    ru = store.documents(language="ru")[0]
    assert "Сергей Лавров" in ru.text and ru.outlet is not None and ru.outlet.id == "ria"
    assert "Ukrainian officials described" in store.documents(language="en")[0].text


def test_syndicated_pages_fold(tmp_path: Path, store: Store) -> None:
    write(
        tmp_path / "orig.html",
        article_html("Talks", PARAS, published="2026-02-04", url="https://tass.com/p/1"),
    )
    write(
        tmp_path / "copy.html",
        article_html(
            "Talks in Abu Dhabi resume",
            [*PARAS, "This article was republished from TASS."],
            published="2026-02-05",
            url="https://mirror.example/news/1",
            site="Mirror",
        ),
    )
    report = ingest([str(tmp_path)], store)  # the copy is read first; the original then takes over
    assert report.stored + report.duplicates == 2
    assert store.count_documents(include_duplicates=False) == 1
    copy = next(d for d in store.documents() if d.url == "https://mirror.example/news/1")
    assert copy.duplicate_of == store.documents(outlet="tass")[0].id
    assert len(store.search("ultimatum")) == 1
    assert len(store.search("ultimatum", include_duplicates=True)) == 2


def test_two_workers_give_the_same_result(tmp_path: Path) -> None:
    for i in range(6):
        paras = [f"Item {i}. " + p for p in (PARAS if i % 2 else RU_PARAS)]
        write(tmp_path / f"p{i}.html", article_html(f"T{i}", paras, url=f"https://a.example/{i}"))
    write(tmp_path / "binary.html", b"%PDF-1.7\n" + bytes(range(256)) * 20)  # its error crosses processes
    with Store.open("sqlite://") as a, Store.open(str(tmp_path / "w.db")) as b:
        ra = ingest([str(tmp_path)], a, workers=1)
        rb = ingest([str(tmp_path)], b, workers=2)
        assert [e.reason for e in ra.errors] == [e.reason for e in rb.errors] and len(rb.errors) == 1
        key = lambda s: sorted((d.id, d.text, d.language) for d in s.documents())  # noqa: E731
        assert key(a) == key(b)


runner = CliRunner()


def test_cli_ingest_search_stats_and_exit_codes(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    write(
        tmp_path / "ok.html", article_html("Talks", PARAS, published="2026-02-05", url="https://tass.com/9")
    )
    res = runner.invoke(app, ["ingest", str(tmp_path / "ok.html"), "--db", db, "-q"])
    assert res.exit_code == 0, res.output
    assert "1 new" in res.output
    res = runner.invoke(
        app, ["ingest", str(tmp_path / "ok.html"), str(tmp_path / "nope.html"), "--db", db, "-q"]
    )
    assert res.exit_code == 1
    assert "nope.html: no such file" in res.output and "1 unchanged" in res.output
    res = runner.invoke(app, ["search", "ultimatum", "--db", db, "--format", "jsonl", "--lang", "en"])
    assert res.exit_code == 0 and json.loads(res.output.splitlines()[0])["outlet_id"] == "tass"
    res = runner.invoke(app, ["search", '"unbalanced', "--db", db])
    assert res.exit_code == 2 and "cannot parse" in res.output
    res = runner.invoke(app, ["stats", "--db", db])
    assert res.exit_code == 0 and "1 documents" in res.output
    res = runner.invoke(app, ["ingest", str(tmp_path / "ok.html"), "--db", db, "--published", "5 Feb"])
    assert res.exit_code == 2


def test_cli_annotate_prints_the_record_contract(tmp_path: Path) -> None:
    p = write(
        tmp_path / "a.html", article_html("Talks", PARAS, author="Jane Roe", url="https://www.rt.com/n/1/")
    )
    res = runner.invoke(app, ["annotate", str(p), "--published", "2026-02-05", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    rec = json.loads(res.stdout.strip().splitlines()[0])
    assert set(rec) == {"document", "actors", "statements", "events", "narratives", "stances"}
    d = rec["document"]
    required = {"id", "source", "url", "title", "author", "outlet", "language", "published"}
    assert required | {"published_source", "fetched", "text", "duplicate_of"} <= set(d)
    assert d["outlet"] == {"id": "rt", "name": "RT", "country": "RUS", "state_affiliated": True}
    assert d["published"] == "2026-02-05" and d["published_source"] == "argument"
    assert d["fetched"].endswith("Z") and d["author"] == "Jane Roe" and d["title"] == "Talks"


def test_annotate_seed_document(shared: Path) -> None:
    res = runner.invoke(app, ["annotate", str(SEED), "--published", "2026-02-05", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)["document"]
    assert d["title"] == "2 Days of Talks, 1 Standoff: Ukraine War Diplomacy Faces New Russian Pushback"
    assert d["author"] == "Samir Singh 'Bharat'"
    assert d["language"] == "en" and d["published"] == "2026-02-05" and d["published_source"] == "argument"
    text = d["text"]
    assert text.startswith("Diplomatic efforts surrounding the war in Ukraine continued on February 5")
    norm = text.replace("\u2019", "'").rstrip()
    assert norm.endswith(
        "whether competing visions for Ukraine's future will prolong instability in the region."
    )
    for junk in [
        "Related Articles",
        "Leave a Reply",
        "Your email address will not be published",
        "Back to top button",
        "error: Content is protected",
        ".site-below-footer-wrap",
    ]:
        assert junk not in text
    # the body keeps the article's quotes and statements
    assert "practically an ultimatum" in text and "Russian officials have consistently labeled" in text


# --- URLs and feeds from a local HTTP server ---------------------------------------------------

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local wire</title><link>{base}/</link><description>d</description>
{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{base}{path}</link><guid>{guid}</guid>
<pubDate>{date}</pubDate><description>Teaser.</description></item>"""


def _sources(allow_private: bool = True):
    from undertow.ingest.fetch import Fetcher, FetchPolicy
    from undertow.ingest.sources import Sources

    return lambda store: Sources(
        fetcher=Fetcher(FetchPolicy(allow_private=allow_private, min_interval_s=0, timeout_s=5)), memory=store
    )


def test_url_ingest_from_local_server(store: Store) -> None:
    from httpserver import LocalServer

    page = article_html("Kyiv responds", PARAS, published="2026-02-06").encode("cp1251", errors="ignore")
    ru = article_html("Ответ", RU_PARAS, lang="ru").replace('<meta charset="utf-8">', "").encode("cp1251")
    with LocalServer(
        {
            "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /private/\n"),
            "/a": (200, {"Content-Type": "text/html; charset=windows-1251"}, page),
            "/ru": (200, {"Content-Type": "text/html"}, ru),
            "/private/x": (200, {"Content-Type": "text/html"}, page),
            "/gone": (404, {"Content-Type": "text/plain"}, "no"),
        }
    ) as srv:
        urls = [srv.url(p) for p in ("/a", "/ru", "/private/x", "/gone")]
        report = ingest(urls, store, sources=_sources()(store))
        assert srv.requests[0].headers["user-agent"].startswith("undertow/")
    assert report.stored == 2
    reasons = sorted(e.reason for e in report.errors)
    assert reasons == ["HTTP 404 Not Found", "disallowed by robots.txt"]
    by_url = {d.url: d for d in store.documents()}
    assert by_url[urls[0]].published == dt.date(2026, 2, 6) and by_url[urls[0]].fetched is not None
    assert by_url[urls[1]].language == "ru" and "Сергей Лавров" in by_url[urls[1]].text


def test_private_addresses_are_refused_without_the_flag(store: Store, tmp_path: Path) -> None:
    from httpserver import LocalServer

    with LocalServer({"/a": (200, {"Content-Type": "text/html"}, article_html("x", PARAS))}) as srv:
        report = ingest([srv.url("/a")], store, sources=_sources(allow_private=False)(store))
        res = runner.invoke(app, ["ingest", srv.url("/a"), "--db", str(tmp_path / "c.db"), "-q"])
        assert srv.requests == []
    assert report.stored == 0 and "loopback" in report.errors[0].reason
    assert res.exit_code == 1 and "--allow-private" in res.output


def test_feed_polling_conditional_get_and_item_memory(store: Store) -> None:
    from httpserver import LocalServer

    state = {"items": [("/n/1", "g1", "Mon, 02 Feb 2026 10:00:00 +0000")]}

    def feed(req):
        base = srv.base_url
        items = "".join(ITEM.format(title=g, base=base, path=p, guid=g, date=d) for p, g, d in state["items"])
        etag = f'"v{len(state["items"])}"'
        if req.headers.get("if-none-match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": etag}, FEED.format(base=base, items=items)

    pages = {
        "/n/1": (200, {"Content-Type": "text/html"}, article_html("N1", PARAS)),
        "/n/2": (200, {"Content-Type": "text/html"}, article_html("N2", RU_PARAS, lang="ru")),
    }
    with LocalServer({"/feed": feed, **pages}) as srv:
        sources = _sources()(store)
        first = ingest([srv.url("/feed")], store, sources=sources)
        second = ingest([srv.url("/feed")], store, sources=sources)  # 304: nothing fetched
        state["items"].append(("/n/2", "g2", "Tue, 03 Feb 2026 23:30:00 +0300"))
        third = ingest([srv.url("/feed")], store, sources=sources)  # only the new item is fetched
        paths = srv.paths()
    assert (first.stored, second.stored, third.stored) == (1, 0, 1)
    assert paths.count("/n/1") == 1 and paths.count("/n/2") == 1
    feed_reqs = [r for r in srv.requests if r.path == "/feed"]
    assert feed_reqs[1].headers.get("if-none-match") == '"v1"'
    n2 = next(d for d in store.documents() if d.url and d.url.endswith("/n/2"))
    assert n2.published == dt.date(2026, 2, 3) and n2.published_source == "feed" and n2.title == "g2"


def test_a_dying_worker_loses_only_its_item(tmp_path: Path, store: Store, monkeypatch) -> None:
    import undertow.pipeline as pipeline_mod

    texts = [PARAS, RU_PARAS, [p.upper() for p in PARAS], [p.lower() for p in RU_PARAS]]
    for i, paras in enumerate(texts):
        write(tmp_path / f"p{i}.html", article_html(f"T{i}", paras, url=f"https://a.example/{i}"))
    write(tmp_path / "p9-crash.html", article_html("crash", ["CRASH-THIS-WORKER " * 20]))
    monkeypatch.setattr(pipeline_mod, "_process", _crashing_process)
    report = ingest([str(tmp_path)], store, workers=2)
    assert report.stored + report.duplicates == 4
    assert [Path(e.source).name for e in report.errors] == ["p9-crash.html"]
    assert "worker process died" in report.errors[0].reason


def _crashing_process(item):
    import os

    from undertow import pipeline as pipeline_mod

    if b"CRASH-THIS-WORKER" in item.content():
        os._exit(1)
    return pipeline_mod.process_item(pipeline_mod._worker_pipeline, item)
