"""Bursts in daily counts. Two documented methods:

**Surprise against a baseline** (:func:`surprise`, used by the alert rules because it needs only
the day and a fixed baseline window): a Gamma(alpha, beta) prior on the rate of the series *per
unit of volume* (all canonical statements that day), updated with the ``baseline_days`` before
the day, gives a negative-binomial predictive distribution for the day's count given the day's
volume. The surprise is ``-log10 P(X >= observed)``; 3 means a one-in-a-thousand day. A rise in
overall volume (a news-heavy day) raises the expectation with it.

**Kleinberg's two-state automaton** (:func:`kleinberg`, for a whole series at once, as in
``undertow series --bursts``): the batched form of Kleinberg (2002) over (count, volume) pairs,
base rate ``p0 = sum(count)/sum(volume)``, burst rate ``s * p0``, transition cost
``gamma * ln(days)``; returns the burst intervals by Viterbi decoding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.5  # prior pseudo-count of the rate
BETA = 20.0  # prior pseudo-volume: a rate of 2.5 % of statements before any baseline is seen


@dataclass(frozen=True, slots=True)
class Surprise:
    observed: int
    expected: float
    p_value: float
    surprise: float  # -log10 p_value
    baseline_count: int
    baseline_volume: int

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else math.inf


def _nb_logpmf(k: int, r: float, q: float) -> float:
    """log P(X = k) for the negative binomial with ``r`` successes and success probability
    ``1 - q`` (mean r q / (1 - q))."""
    return math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log1p(-q) + k * math.log(q)


def surprise(
    observed: int,
    volume: int,
    baseline_count: int,
    baseline_volume: int,
    *,
    alpha: float = ALPHA,
    beta: float = BETA,
) -> Surprise:
    """How surprising ``observed`` is on a day with ``volume``, after ``baseline_count`` in
    ``baseline_volume`` before it (see the module docstring)."""
    a = alpha + baseline_count
    b = beta + baseline_volume
    v = max(volume, 1)
    q = v / (b + v)  # predictive: NB(r=a, q) with mean a * v / b
    expected = a * v / b
    if observed <= 0:
        p = 1.0
    else:
        below = sum(math.exp(_nb_logpmf(k, a, q)) for k in range(observed))
        p = max(1.0 - below, 0.0)
        if p < 1e-12:  # cancellation: sum the upper tail directly
            p = sum(math.exp(_nb_logpmf(k, a, q)) for k in range(observed, observed + 400))
        p = max(p, 1e-300)
    return Surprise(
        observed, round(expected, 4), p, round(-math.log10(p), 3), baseline_count, baseline_volume
    )


def kleinberg(
    counts: Sequence[int], volumes: Sequence[int], *, s: float = 3.0, gamma: float = 1.0
) -> list[tuple[int, int]]:
    """Burst intervals ``(first, last)`` (indices, inclusive) of a daily series by Kleinberg's
    two-state automaton over binomial emissions."""
    n = len(counts)
    if n == 0 or sum(volumes) == 0 or sum(counts) == 0:
        return []
    p0 = sum(counts) / sum(volumes)
    p1 = min(s * p0, 0.9999)
    ps = (p0, p1)
    trans = gamma * math.log(n)

    def cost(state: int, r: int, d: int) -> float:
        p = ps[state]
        d = max(d, r)
        return -(
            math.lgamma(d + 1)
            - math.lgamma(r + 1)
            - math.lgamma(d - r + 1)
            + r * math.log(p)
            + (d - r) * math.log1p(-p)
        )

    best = [cost(0, counts[0], volumes[0]), trans + cost(1, counts[0], volumes[0])]
    back: list[tuple[int, int]] = []
    for t in range(1, n):
        c0 = cost(0, counts[t], volumes[t])
        c1 = cost(1, counts[t], volumes[t])
        from0 = (best[0], best[1])  # into state 0: no cost to fall back
        from1 = (best[0] + trans, best[1])  # into state 1: pay to go up
        b0 = 0 if from0[0] <= from0[1] else 1
        b1 = 0 if from1[0] <= from1[1] else 1
        back.append((b0, b1))
        best = [from0[b0] + c0, from1[b1] + c1]
    state = 0 if best[0] <= best[1] else 1
    states = [state]
    for b in reversed(back):
        state = b[state]
        states.append(state)
    states.reverse()
    out: list[tuple[int, int]] = []
    start = None
    for i, st in enumerate(states):
        if st == 1 and start is None:
            start = i
        if st == 0 and start is not None:
            out.append((start, i - 1))
            start = None
    if start is not None:
        out.append((start, n - 1))
    return out
