"""Extraction: raw page bytes/text -> clean body text and metadata.

Interface used by the rest of undertow (owned by this module):

- ``decode_bytes(data, declared=None, source="") -> str``: detect the encoding (declared charset,
  BOM, <meta charset>, then detection for cp1251/koi8-r/windows-1252...) and decode.
- ``extract_html(html, url=None) -> Extracted``: boilerplate-free body plus title, author,
  date published, section, site name, canonical URL and the page's declared language.
- ``extract_plain_text(text) -> Extracted``: the same for text dumps of scraped pages (junk lines
  dropped, title/author/section lines recognised, dateline prefix removed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True)
class Extracted:
    text: str
    title: str | None = None
    author: str | None = None
    published: dt.date | None = None
    section: str | None = None
    sitename: str | None = None
    url: str | None = None
    language_hint: str | None = None
