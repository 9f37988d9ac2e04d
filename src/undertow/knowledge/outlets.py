"""The outlets registry (``data/outlets.yaml``): which site is which outlet.

Documents are tagged by URL host: the longest registered domain that is the host or a parent of
it wins, so ``russian.rt.com`` can be its own edition while ``www.rt.com`` falls back to ``rt.com``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from undertow.knowledge.loader import CountryCode, Slug, data_path, load_yaml_model
from undertow.records import Outlet


class OutletEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    name: str
    domains: list[str] = Field(min_length=1)
    country: CountryCode = None
    languages: list[str] = Field(default_factory=list)
    kind: Literal["media", "agency", "official", "think-tank", "international"] = "media"
    state_affiliated: bool = False
    ownership: str | None = None
    group: str | None = None

    @field_validator("domains")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        out = []
        for d in v:
            d = d.strip().lower().rstrip(".")
            if "/" in d or ":" in d or not d:
                raise ValueError(f"domain {d!r} must be a bare hostname")
            out.append(d)
        return out


class OutletsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    outlets: list[OutletEntry]

    @model_validator(mode="after")
    def _unique(self) -> OutletsFile:
        seen_ids: set[str] = set()
        seen_domains: dict[str, str] = {}
        for o in self.outlets:
            if o.id in seen_ids:
                raise ValueError(f"duplicate outlet id {o.id!r}")
            seen_ids.add(o.id)
            for d in o.domains:
                if d in seen_domains:
                    raise ValueError(f"domain {d!r} listed for both {seen_domains[d]!r} and {o.id!r}")
                seen_domains[d] = o.id
        for o in self.outlets:
            if o.group and o.group not in seen_ids:
                raise ValueError(f"outlet {o.id!r}: group {o.group!r} is not an outlet id")
        return self


class OutletRegistry:
    """Lookup of outlets by URL, host, id or name."""

    def __init__(self, entries: list[OutletEntry]) -> None:
        self.entries = {e.id: e for e in entries}
        self._by_domain = {d: e.id for e in entries for d in e.domains}
        self._by_name = {e.name.casefold(): e.id for e in entries}

    @classmethod
    def load(cls, path: str | Path | None = None) -> OutletRegistry:
        parsed = load_yaml_model(path or data_path("outlets.yaml"), OutletsFile)
        return cls(parsed.outlets)

    def __len__(self) -> int:
        return len(self.entries)

    def outlet(self, outlet_id: str) -> Outlet | None:
        e = self.entries.get(outlet_id)
        return _to_outlet(e) if e else None

    def for_host(self, host: str) -> Outlet | None:
        host = host.lower().rstrip(".")
        parts = host.split(".")
        for i in range(len(parts) - 1):
            oid = self._by_domain.get(".".join(parts[i:]))
            if oid:
                return self.outlet(oid)
        return None

    def for_url(self, url: str | None) -> Outlet | None:
        if not url:
            return None
        host = urlsplit(url).hostname
        return self.for_host(host) if host else None

    def lookup(self, key: str) -> Outlet | None:
        """An outlet by id, registered domain or name (case-insensitive)."""
        k = key.strip()
        if k.lower() in self.entries:
            return self.outlet(k.lower())
        if "://" in k:
            return self.for_url(k)
        if "." in k and " " not in k:
            found = self.for_host(k)
            if found:
                return found
        oid = self._by_name.get(k.casefold())
        return self.outlet(oid) if oid else None

    def site_names(self) -> frozenset[str]:
        """Every outlet's name, case-folded, also without a parenthesised part ("President of
        Russia (kremlin.ru)" -> "president of russia"): how a page's header names its site."""
        names = set(self._by_name)
        return frozenset(names | {re.sub(r"\s*\([^)]*\)\s*$", "", n) for n in names})

    def resolve(
        self, url: str | None, declared: str | None = None, sitename: str | None = None
    ) -> Outlet | None:
        """The outlet of a document: a declared outlet (id, domain or name) first, then the
        URL's host, then the page's site name; an unknown host still gets an unregistered outlet."""
        if declared:
            found = self.lookup(declared)
            if found:
                return found
        found = self.for_url(url)
        if found:
            return found
        if sitename:
            found = self.lookup(sitename)
            if found:
                return found
        host = urlsplit(url).hostname if url else None
        if host:
            host = host.lower().removeprefix("www.")
            return Outlet(id=host, name=sitename or host, state_affiliated=None, domains=(host,))
        if declared:
            return Outlet(id=_slugify(declared), name=declared, state_affiliated=None)
        return None


def _slugify(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.casefold()).strip("-") or "unknown"


def _to_outlet(e: OutletEntry) -> Outlet:
    return Outlet(
        id=e.id,
        name=e.name,
        country=e.country,
        language=e.languages[0] if e.languages else None,
        state_affiliated=e.state_affiliated,
        ownership=e.ownership,
        kind=e.kind,
        domains=tuple(e.domains),
        group=e.group,
    )


@lru_cache(maxsize=1)
def default_registry() -> OutletRegistry:
    return OutletRegistry.load()


def display_name(outlet_id: str) -> str:
    """An outlet id as a reader knows it: the registry's name, else the id itself."""
    e = default_registry().entries.get(outlet_id)
    return e.name if e else outlet_id
