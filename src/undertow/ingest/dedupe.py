"""Syndication folding: MinHash signatures and LSH band keys for near-duplicate texts.

A document's text becomes its set of word 5-shingles (each word hashed with CRC-32, the five
combined positionally into 64 bits); 120 multiply-shift hash functions ``(a*h + b) mod 2**64 >> 32``
applied to all shingles at once in numpy give a 120-value MinHash signature. The signature is cut
into 20 bands of 6 rows; two documents sharing any band are candidates (the S-curve puts the 50 %
candidate point near Jaccard 0.61), and a candidate is a duplicate when the signatures estimate
Jaccard >= ``DUPLICATE_JACCARD``.

The band keys are stored in the database (``doc_lsh``), so candidate lookup is an indexed query
that works the same on SQLite and PostgreSQL and needs no in-memory index rebuilt per process.
Texts too short for shingles to be meaningful fold only on an exact (normalised) match.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass

import numpy as np

NUM_PERM = 120
BANDS = 20
ROWS = NUM_PERM // BANDS
SHINGLE = 5
DUPLICATE_JACCARD = 0.7
MIN_WORDS = 30  # below this, only exact duplicates are folded
_SEED = 20260205

_WORD = re.compile(r"\w+", re.UNICODE)
_rng = np.random.default_rng(_SEED)
_A = _rng.integers(0, 1 << 63, size=(NUM_PERM, 1), dtype=np.uint64) * np.uint64(2) + np.uint64(1)  # odd
_B = _rng.integers(0, 1 << 63, size=(NUM_PERM, 1), dtype=np.uint64)
_SHIFT = np.uint64(32)
_MIX = np.uint64(0x100000001B3)  # FNV-64 prime


@dataclass(frozen=True, slots=True)
class Fingerprint:
    signature: bytes  # NUM_PERM little-endian uint32 values
    bands: tuple[int, ...]  # one 63-bit key per band; empty when the text is too short
    words: int

    def jaccard(self, other: Fingerprint) -> float:
        a = np.frombuffer(self.signature, dtype="<u4")
        b = np.frombuffer(other.signature, dtype="<u4")
        return float(np.mean(a == b))


def fingerprint(text: str) -> Fingerprint:
    words = _WORD.findall(text.casefold())
    sig = np.full(NUM_PERM, 0xFFFFFFFF, dtype="<u4")
    if len(words) >= SHINGLE:
        perm = _A * _shingle_hashes(words)[None, :]  # (in place from here: these arrays are large)
        perm += _B
        perm >>= _SHIFT
        sig = perm.min(axis=1).astype("<u4")
    bands: tuple[int, ...] = ()
    if len(words) >= MIN_WORDS:
        bands = tuple(_band_key(i, sig[i * ROWS : (i + 1) * ROWS].tobytes()) for i in range(BANDS))
    return Fingerprint(sig.tobytes(), bands, len(words))


def _shingle_hashes(words: list[str]) -> np.ndarray:
    """One 64-bit hash per word 5-shingle: CRC-32 per word (UTF-8), combined positionally. A shingle
    that occurs twice is hashed twice: the minimum, all MinHash needs, is the same."""
    wh = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE + 1
    h = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        h = h * _MIX + wh[k : k + n]
    return h


def _band_key(band: int, rows: bytes) -> int:
    digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits a signed 64-bit column


def is_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
    return a.jaccard(b) >= DUPLICATE_JACCARD
