from __future__ import annotations

from pathlib import Path

import pytest

from undertow.errors import DataFileError
from undertow.knowledge.outlets import OutletRegistry, default_registry


def test_shipped_registry_is_large_and_covers_the_key_outlets() -> None:
    reg = default_registry()
    assert len(reg) >= 60
    for url, oid in [
        ("https://www.rt.com/russia/123-x/", "rt"),
        ("https://tass.ru/politika/1", "tass"),
        ("https://ria.ru/2026/x.html", "ria"),
        ("http://kremlin.ru/events/president/news/1", "kremlin"),
        ("https://www.understandingwar.org/backgrounder/x", "isw"),
        ("https://www.reuters.com/world/europe/x", "reuters"),
        ("https://www.pravda.com.ua/news/2026/02/05/1/", "ukrainska-pravda"),
    ]:
        found = reg.for_url(url)
        assert found is not None and found.id == oid, url
    rt = reg.outlet("rt")
    assert rt is not None and rt.state_affiliated and rt.country == "RUS"
    assert reg.for_url("https://russian.rt.com/world/1").group == "rt"


def test_unknown_domain_still_gets_an_outlet() -> None:
    o = default_registry().resolve("https://www.some-blog.example/post/1", sitename="Some Blog")
    assert o is not None and o.id == "some-blog.example" and o.state_affiliated is None


def test_declared_outlet_wins() -> None:
    o = default_registry().resolve("https://mirror.example/x", declared="TASS")
    assert o is not None and o.id == "tass"


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "version: 1\noutlets:\n"
            "  - {id: a, name: A, domains: [a.com]}\n  - {id: a, name: B, domains: [b.com]}\n",
            "duplicate outlet id",
        ),
        ("version: 1\noutlets:\n  - {id: A!, name: A, domains: [a.com]}\n", "lower-case slug"),
        ("version: 1\noutlets:\n  - {id: a, name: A, domains: ['https://a.com/']}\n", "bare hostname"),
        ("version: 1\noutlets:\n  - {id: a, name: A, domains: [a.com], colour: red}\n", "colour"),
        ("outlets: [\n", "not valid YAML"),
    ],
)
def test_bad_registry_names_file_and_reason(tmp_path: Path, body: str, message: str) -> None:
    p = tmp_path / "outlets.yaml"
    p.write_text(body)
    with pytest.raises(DataFileError) as exc:
        OutletRegistry.load(p)
    assert str(p) in str(exc.value) and message in str(exc.value)
