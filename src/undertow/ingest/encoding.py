"""Bytes -> text: BOM, declared charset, ``<meta charset>``, detection; binary refused.

Private helper of :mod:`undertow.ingest.extract` (use ``extract.decode_bytes``).

Order of evidence:

1. binary sniffing (magic numbers, NUL/control-byte density) -> :class:`InputError`;
2. a byte-order mark (UTF-8/16/32);
3. UTF-16 without BOM (NUL bytes on every other position);
4. the charset declared by HTTP, then by ``<meta charset>`` / ``http-equiv`` -- each accepted only when
   the bytes agree with it (a declared single-byte charset loses to valid non-ASCII UTF-8, and a
   declared Latin charset loses to bytes that are plainly Cyrillic);
5. detection: valid (or mostly valid) UTF-8, then a scorer for the single-byte code pages news sites
   actually use (cp1251, koi8-r, windows-1252, iso-8859-5, mac-cyrillic, cp866), then charset-normalizer.
"""

from __future__ import annotations

import codecs
import re

from undertow.errors import InputError

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office document"),
    (b"ID3", "MP3"),
    (b"OggS", "Ogg"),
    (b"fLaC", "FLAC"),
    (b"wOFF", "WOFF font"),
    (b"wOF2", "WOFF2 font"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"SQLite format 3\x00", "SQLite"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.IGNORECASE
)
# WHATWG: these labels mean windows-1252 in practice
_LATIN1_ALIASES = {"iso8859-1", "latin-1", "ascii", "us-ascii", "iso8859-15", "cp819"}
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13, 27})

_HIGH = re.compile(rb"[\x80-\xff]")
_SINGLE_BYTE = ("cp1251", "koi8-r", "cp1252", "iso8859-5", "mac-cyrillic", "cp866", "koi8-u")


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in {"x-user-defined", "none", "unknown"}:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _LATIN1_ALIASES or label in {"latin1", "iso-8859-1"}:
        return "cp1252"
    if name in {"utf-16", "utf-32"}:  # no BOM here: handled earlier
        return None
    return name


def _sniff_binary(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if kind == "Windows executable" and data[:2] == b"MZ" and data.count(0, 0, 512) < 16:
                continue  # "MZ..." could be text
            return f"binary content (looks like {kind})"
    head = data[:8192]
    if data[4:8] in {b"ftyp"}:
        return "binary content (looks like MP4/ISO media)"
    if head.startswith(b"RIFF") and head[8:12] in {b"WEBP", b"WAVE", b"AVI "}:
        return f"binary content (looks like {head[8:12].decode().strip()})"
    if not head:
        return None
    nul = head.count(0)
    ctrl = sum(head.count(bytes([c])) for c in _CONTROL) - nul
    if nul + ctrl < 4:
        return None  # a stray NUL in text: stripped later
    if nul / len(head) > 0.01 or ctrl / len(head) > 0.05 or (nul + ctrl) / len(head) > 0.05:
        share = (nul + ctrl) / len(head)
        return f"binary content ({share:.0%} NUL/control bytes)"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 8:
        return None
    even = head[0::2].count(0) / (len(head) / 2)
    odd = head[1::2].count(0) / (len(head) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def _utf8_error_share(data: bytes) -> float:
    """Share of non-ASCII bytes that are invalid as UTF-8 (0.0 for valid UTF-8)."""
    try:
        data.decode("utf-8")
        return 0.0
    except UnicodeDecodeError:
        pass
    high = len(_HIGH.findall(data))
    bad = data.decode("utf-8", errors="replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return max(0, bad) / high


_CYR = re.compile(r"[а-яёіїєґўА-ЯЁІЇЄҐЎ]")
_CYR_LOWER = re.compile(r"[а-яёіїєґў]")
_LATIN_EXT = re.compile(r"[À-ÿ]")
_WORDS = re.compile(r"[^\W\d_]+")
_FREQ_RU = set("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъёіїє")
_COMMON_RU = frozenset(
    [
        "и",
        "в",
        "не",
        "на",
        "что",
        "с",
        "по",
        "как",
        "это",
        "он",
        "к",
        "но",
        "из",
        "у",
        "за",
        "от",
        "то",
        "же",
        "о",
        "для",
        "а",
        "так",
        "все",
        "был",
        "или",
        "она",
        "мы",
        "і",
        "та",
        "що",
        "як",
        "до",
        "за",
        "від",
        "це",
        "не",
        "на",
        "він",
        "вона",
        "ми",
    ]
)


def _score_single_byte(text: str) -> float:
    """Plausibility of a single-byte decoding: higher is better (roughly 0..1)."""
    words = _WORDS.findall(text)
    nonascii = [w for w in words if not w.isascii()]
    if not nonascii:
        return 0.5
    good = 0.0
    for w in nonascii:
        cyr = len(_CYR.findall(w))
        lat_ext = len(_LATIN_EXT.findall(w))
        n = len(w)
        if cyr == n:
            lower = len(_CYR_LOWER.findall(w))
            # lower-case words, or a capitalised first letter, or an all-caps word
            if lower == n or (lower == n - 1 and not _CYR_LOWER.match(w)) or lower == 0:
                good += 1.0
                if w.lower() in _COMMON_RU:
                    good += 0.5
            else:
                good += 0.1
        elif cyr == 0 and lat_ext:
            ascii_letters = sum(ch.isascii() for ch in w)
            # accented letters sprinkled into Latin words: French/German/Spanish...
            if lat_ext <= max(1, n // 3) and ascii_letters:
                good += 1.0
            elif n <= 3:
                good += 0.3
        # mixed scripts or other symbols: implausible
    # typographic punctuation in windows-1252 (0x91-0x97) is a good sign; C1 controls bad
    c1 = sum(1 for ch in text if "\x80" <= ch <= "\x9f")
    return good / len(nonascii) - min(0.5, c1 / max(1, len(nonascii)))


def _guess_single_byte(data: bytes) -> tuple[str, float]:
    sample = data[:65536]
    best, best_score = "cp1252", -1.0
    for enc in _SINGLE_BYTE:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _score_single_byte(text)
        if score > best_score + 1e-9:
            best, best_score = enc, score
    return best, best_score


def _looks_cyrillic_bytes(data: bytes) -> bool:
    """Most high bytes fall into the 0xC0-0xFF block where cp1251/koi8-r keep their letters."""
    sample = data[:65536]
    high = _HIGH.findall(sample)
    if len(high) < 20:
        return False
    letters = sum(1 for b in high if b[0] >= 0xC0)
    return letters / len(high) > 0.7 and len(high) / max(1, len(sample)) > 0.05


def _detect(data: bytes) -> tuple[str, str]:
    """Return (codec, errors) for data without (trusted) declaration."""
    if data.isascii():
        return "utf-8", "strict"
    share = _utf8_error_share(data)
    if share == 0.0:
        return "utf-8", "strict"
    if share < 0.2:
        # the bulk is UTF-8: a few broken sequences (truncation, a pasted cp1252 byte)
        return "utf-8", "replace"
    enc, score = _guess_single_byte(data)
    if score >= 0.6:
        if len(_UTF8_AMONG_ASCII.findall(data)) >= 2:
            return "utf-8", _mixed_handler(enc)  # a UTF-8 page with a legacy-encoded part pasted in
        return enc, "strict"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            name = _codec_name(best.encoding)
            if name:
                return name, "replace"
    except Exception:  # pragma: no cover - detector bugs must not break ingest
        pass
    return enc, "replace"


# UTF-8 sequences with ASCII on both sides ("café", " — "): where a single-byte page has a
# valid-looking sequence by chance, it sits inside a run of other high bytes (a Cyrillic word)
_UTF8_AMONG_ASCII = re.compile(
    rb"(?<![\x80-\xff])(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})+"
    rb"(?![\x80-\xff])"
)


def _mixed_handler(enc: str) -> str:
    """The name of a decoding error handler that reads the bytes UTF-8 rejects as ``enc``
    (registered once per encoding): ``data.decode("utf-8", errors=name)`` then decodes a UTF-8
    page with a pasted legacy-encoded paragraph correctly in both parts."""
    name = f"undertow-else-{enc}"
    try:
        codecs.lookup_error(name)
    except LookupError:

        def read_as(exc: UnicodeError) -> tuple[str, int]:
            assert isinstance(exc, UnicodeDecodeError)
            return exc.object[exc.start : exc.end].decode(enc, errors="replace"), exc.end

        codecs.register_error(name, read_as)
    return name


def _accept_declared(data: bytes, name: str) -> tuple[str, str] | None:
    """Decide whether declared charset ``name`` fits the bytes; return (codec, errors) or None."""
    if name in {"utf-8", "utf-8-sig"}:
        share = _utf8_error_share(data)
        if share == 0.0:
            return "utf-8", "strict"
        if share < 0.2:
            return "utf-8", "replace"
        return None  # mis-declared: detect
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        return None
    except LookupError:
        return None
    if data.isascii():
        return name, "strict"
    # valid non-ASCII UTF-8 declared as a single-byte charset: it is UTF-8
    if _utf8_error_share(data) == 0.0 and re.search(rb"[\xc2-\xf4][\x80-\xbf]", data):
        return "utf-8", "strict"
    if name in {"cp1252", "iso8859-2", "iso8859-9", "cp1250"} and _looks_cyrillic_bytes(data):
        enc, score = _guess_single_byte(data)
        if enc not in {"cp1252"} and score >= 0.6 and score > _score_single_byte(text[:65536]) + 0.2:
            return enc, "strict"
    return name, "strict"


def decode_bytes(data: bytes, declared: str | None = None, source: str = "") -> str:
    """Decode page bytes to text; raise :class:`InputError` for binary content."""
    if not data:
        return ""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(enc, errors="replace")
            return text.replace("\x00", "")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace").replace("\x00", "")
    reason = _sniff_binary(data)
    if reason:
        raise InputError(source or "<bytes>", reason)
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")

    choice: tuple[str, str] | None = None
    for label in (declared, _meta_charset(data)):
        name = _codec_name(label)
        if name:
            choice = _accept_declared(data, name)
            if choice:
                break
    if choice is None:
        choice = _detect(data)
    enc, errors = choice
    return data.decode(enc, errors=errors)


def _meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:16384])
    return m.group(1).decode("ascii", "replace") if m else None
