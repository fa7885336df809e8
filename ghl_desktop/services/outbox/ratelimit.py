"""Token buckets per (channel, sender), so one busy sender cannot exceed its provider's rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ghl_desktop.services.outbox.ports import RateLimit


@dataclass
class _Bucket:
    limit: RateLimit
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple[str, str], limit: RateLimit | None) -> float:
        """Take one token: 0.0 when granted, else the seconds until one is available."""
        if limit is None:
            return 0.0
        now = self._monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.limit != limit:
                bucket = _Bucket(limit, float(limit.burst), now)
                self._buckets[key] = bucket
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(limit.burst), bucket.tokens + elapsed * limit.per_second)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / limit.per_second
