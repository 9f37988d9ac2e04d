"""Stance shifts per actor x issue: a single change point on the polarity series.

Each stance statement is a value: favor +1, against -1 (neutral statements are left out; they
say nothing about direction), weighted by its confidence and averaged per day. For every split
between two days the means before and after are compared; the split with the largest squared
difference, weighted by ``n_before * n_after / n`` (the least-squares change point), wins. It is
a *shift* when the two sides have opposite signs, each side is consistent (at least
``min_consistency`` of its statements' confidence shares the side's sign) and large enough.
The statements before and after are the evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

VALUE = {"favor": 1.0, "against": -1.0}


@dataclass(frozen=True, slots=True)
class Point:
    day: dt.date
    polarity: str
    confidence: float
    statement: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(slots=True)
class Shift:
    change_day: dt.date
    before: list[Point]
    after: list[Point]
    mean_before: float
    mean_after: float
    score: float
    confidence: float

    @property
    def direction(self) -> tuple[str, str]:
        side = lambda m: "favor" if m > 0 else "against"  # noqa: E731
        return side(self.mean_before), side(self.mean_after)


def detect(
    points: Sequence[Point],
    *,
    min_before: int = 2,
    min_after: int = 2,
    min_consistency: float = 0.75,
    min_delta: float = 1.0,
    min_after_weight: float = 0.0,
) -> Shift | None:
    """The most likely stance change in ``points`` (any order), or None."""
    pts = sorted((p for p in points if p.polarity in VALUE), key=lambda p: p.day)
    if len(pts) < min_before + min_after:
        return None
    # prefix sums over the points: weights, weighted values, and weight per sign
    n = len(pts)
    w = [0.0] * (n + 1)
    wv = [0.0] * (n + 1)
    wpos = [0.0] * (n + 1)
    for i, p in enumerate(pts):
        w[i + 1] = w[i] + p.confidence
        wv[i + 1] = wv[i] + VALUE[p.polarity] * p.confidence
        wpos[i + 1] = wpos[i] + (p.confidence if VALUE[p.polarity] > 0 else 0.0)
    best: Shift | None = None
    for i in range(1, n):
        if pts[i].day == pts[i - 1].day:
            continue  # cut only between days
        nb, na = i, n - i
        if nb < min_before or na < min_after or w[n] - w[i] < min_after_weight:
            continue
        mb = wv[i] / (w[i] or 1.0)
        ma = (wv[n] - wv[i]) / ((w[n] - w[i]) or 1.0)
        if mb * ma >= 0 or abs(mb - ma) < min_delta:
            continue
        cb = (wpos[i] if mb > 0 else w[i] - wpos[i]) / (w[i] or 1.0)
        pos_after = wpos[n] - wpos[i]
        ca = (pos_after if ma > 0 else (w[n] - w[i]) - pos_after) / ((w[n] - w[i]) or 1.0)
        if cb < min_consistency or ca < min_consistency:
            continue
        score = (mb - ma) ** 2 * nb * na / n
        if best is None or score > best.score:
            conf = (1.0 - 0.5 ** min(nb, na)) * min(1.0, abs(mb - ma) / 2.0)
            best = Shift(
                pts[i].day, pts[:i], pts[i:], round(mb, 3), round(ma, 3), round(score, 3), round(conf, 3)
            )
    return best


def _mean(pts: Sequence[Point]) -> float:
    w = sum(p.confidence for p in pts) or 1.0
    return sum(VALUE[p.polarity] * p.confidence for p in pts) / w


def _consistency(pts: Sequence[Point], mean: float) -> float:
    """The confidence-weighted share of ``pts`` on the side of ``mean``."""
    sign = 1.0 if mean > 0 else -1.0
    total = sum(p.confidence for p in pts) or 1.0
    return sum(p.confidence for p in pts if VALUE[p.polarity] == sign) / total
