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
    daylist = sorted({p.day for p in pts})
    best: Shift | None = None
    for cut in daylist[1:]:
        before = [p for p in pts if p.day < cut]
        after = [p for p in pts if p.day >= cut]
        if len(before) < min_before or len(after) < min_after:
            continue
        if sum(p.confidence for p in after) < min_after_weight:
            continue
        mb, ma = _mean(before), _mean(after)
        if mb * ma >= 0 or abs(mb - ma) < min_delta:
            continue
        if _consistency(before, mb) < min_consistency or _consistency(after, ma) < min_consistency:
            continue
        n = len(before) + len(after)
        score = (mb - ma) ** 2 * len(before) * len(after) / n
        if best is None or score > best.score:
            conf = 1.0 - 0.5 ** (min(len(before), len(after)))  # more evidence on both sides, surer
            conf *= min(1.0, abs(mb - ma) / 2.0)
            best = Shift(cut, before, after, round(mb, 3), round(ma, 3), round(score, 3), round(conf, 3))
    return best


def _mean(pts: Sequence[Point]) -> float:
    w = sum(p.confidence for p in pts) or 1.0
    return sum(VALUE[p.polarity] * p.confidence for p in pts) / w


def _consistency(pts: Sequence[Point], mean: float) -> float:
    """The confidence-weighted share of ``pts`` on the side of ``mean``."""
    sign = 1.0 if mean > 0 else -1.0
    total = sum(p.confidence for p in pts) or 1.0
    return sum(p.confidence for p in pts if VALUE[p.polarity] == sign) / total
