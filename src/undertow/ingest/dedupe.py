"""Syndication folding: MinHash signatures and LSH band keys for near-duplicate texts.

A document's text becomes a set of word 5-shingles; a 120-permutation MinHash (datasketch)
summarises it. The signature is cut into 20 bands of 6 rows; two documents sharing any band
are candidates (the S-curve puts the 50 % candidate point near Jaccard 0.61), and a candidate
is a duplicate when the signatures estimate Jaccard >= ``DUPLICATE_JACCARD``.

The band keys are stored in the database (``doc_lsh``), so candidate lookup is an indexed query
that works the same on SQLite and PostgreSQL and needs no in-memory index rebuilt per process.
Texts too short for shingles to be meaningful fold only on an exact (normalised) match.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

NUM_PERM = 120
BANDS = 20
ROWS = NUM_PERM // BANDS
SHINGLE = 5
DUPLICATE_JACCARD = 0.7
MIN_WORDS = 30  # below this, only exact duplicates are folded
_SEED = 20260205

_WORD = re.compile(r"\w+", re.UNICODE)


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
    m = MinHash(num_perm=NUM_PERM, seed=_SEED)
    if len(words) >= SHINGLE:
        shingles = {" ".join(words[i : i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}
        m.update_batch(list(shingles))
    sig = np.asarray(m.hashvalues, dtype="<u4")
    bands: tuple[int, ...] = ()
    if len(words) >= MIN_WORDS:
        bands = tuple(_band_key(i, sig[i * ROWS : (i + 1) * ROWS].tobytes()) for i in range(BANDS))
    return Fingerprint(sig.tobytes(), bands, len(words))


def _band_key(band: int, rows: bytes) -> int:
    digest = hashlib.blake2b(bytes([band]) + rows, digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits a signed 64-bit column


def is_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
    return a.jaccard(b) >= DUPLICATE_JACCARD
