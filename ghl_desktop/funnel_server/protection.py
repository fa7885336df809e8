"""Visitor protection that needs no database: the session cookie, per-address rate limits."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable

SESSION_COOKIE = "ghl_sid"
SESSION_MAX_AGE = 60 * 60 * 24 * 30  # a returning visitor within a month is the same visitor
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def valid_session_id(value: str | None) -> str | None:
    return value if value and _SESSION_ID.match(value) else None


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def session_cookie(session_id: str, *, secure: bool) -> str:
    """The ``Set-Cookie`` value: first-party, not readable by scripts, not sent cross-site."""
    flags = f"; Max-Age={SESSION_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
    return f"{SESSION_COOKIE}={session_id}{flags}{'; Secure' if secure else ''}"


class RateLimiter:
    """A token bucket per client address: ``per_minute`` posts a minute, bursts up to the same
    number. Idle buckets are forgotten so the table cannot grow without bound."""

    def __init__(
        self, per_minute: int, *, clock: Callable[[], float] = time.monotonic,
        max_clients: int = 100_000,
    ) -> None:  # fmt: skip
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)
        self._lock = threading.Lock()

    def allow(self, client: str) -> tuple[bool, float]:
        """(allowed, seconds to wait before the next post would be allowed)."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * self._rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                allowed, wait = True, 0.0
            else:
                self._buckets[client] = (tokens, now)
                allowed, wait = False, (1 - tokens) / self._rate
            if len(self._buckets) > self._max_clients:
                self._forget_idle(now)
        return allowed, wait

    def _forget_idle(self, now: float) -> None:
        full_after = self.per_minute / self._rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
