"""Per-client rate limits: a token bucket per client address, one for reads and a stricter one
for writes (POST, PUT, PATCH, DELETE). Over the limit a request gets 429 with ``Retry-After``.

Counted per address as the server sees it (``request.client.host``): behind a reverse proxy, set
the limits there, or every client shares the proxy's bucket. The buckets live in memory (one
server process); idle ones are dropped so that a scan of many addresses cannot grow it without end.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_CLIENTS = 50_000  # buckets kept at most (the oldest idle ones go first)


@dataclass
class _Bucket:
    tokens: float
    seen: float


class RateLimiter:
    """``per_minute`` requests a minute per client, bursts of up to ``burst``; 0 switches it off."""

    def __init__(self, per_minute: int, burst: int | None = None, clock=time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, per_minute // 6))
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, client: str) -> float:
        """0 when the request may go ahead (and is counted), else the seconds to wait."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            b = self._buckets.get(client)
            if b is None:
                if len(self._buckets) >= MAX_CLIENTS:
                    self._evict(now)
                b = self._buckets[client] = _Bucket(self.burst, now)
            b.tokens = min(self.burst, b.tokens + (now - b.seen) * self.rate)
            b.seen = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate

    def _evict(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.seen) * self.rate >= self.burst]
        for k in full or sorted(self._buckets, key=lambda k: self._buckets[k].seen)[: MAX_CLIENTS // 10]:
            del self._buckets[k]


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
