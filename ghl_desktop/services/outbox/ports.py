"""The provider port: what the dispatcher hands a provider, what it gets back, and how a
provider is chosen per (channel, sub-account)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboundMessage:
    """One attempt at one outbox row, as a provider sees it (no ORM object crosses over)."""

    id: str
    sub_account_id: str
    channel: str
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    contact_id: str | None = None
    source: str = ""
    source_ref: str | None = None


@dataclass(frozen=True)
class SendReceipt:
    provider_message_id: str
    detail: dict[str, Any] = field(default_factory=dict)


class SendError(Exception):
    """Base of the errors a provider raises for a message it could not send."""


class TransientSendError(SendError):
    """Try again later (timeouts, 5xx, rate limited): retried with back-off and jitter."""


class PermanentSendError(SendError):
    """Retrying cannot help (bad address, 4xx, refused target): dead-lettered at once."""


class ChannelProvider(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> SendReceipt: ...


Resolver = Callable[[str], ChannelProvider]


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``per_second`` sustained, ``burst`` at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second <= 0:
            raise ValueError("per_second: must be greater than zero")
        if self.burst < 1:
            raise ValueError("burst: must be at least 1")


class ProviderRegistry:
    """Channel -> resolver(sub_account_id) -> provider. A later ``register`` for the same
    channel replaces the earlier one (real adapters replace the sandbox defaults), and the
    resolver itself falls back to the sandbox where a sub-account has nothing configured."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resolvers: dict[str, Resolver] = {}
        self._limits: dict[str, RateLimit] = {}

    def register(self, channel: str, resolver: Resolver) -> None:
        if not channel:
            raise ValueError("channel: must not be empty")
        with self._lock:
            self._resolvers[channel] = resolver

    def resolve(self, channel: str, sub_account_id: str) -> ChannelProvider:
        with self._lock:
            resolver = self._resolvers.get(channel)
        if resolver is None:
            raise PermanentSendError(f"no provider is registered for channel {channel!r}")
        return resolver(sub_account_id)

    @property
    def channels(self) -> list[str]:
        with self._lock:
            return sorted(self._resolvers)

    def set_rate_limit(self, provider_name: str, limit: RateLimit | None) -> None:
        """Throttle every sender of ``provider_name`` (None lifts the limit)."""
        with self._lock:
            if limit is None:
                self._limits.pop(provider_name, None)
            else:
                self._limits[provider_name] = limit

    def rate_limit(self, provider_name: str) -> RateLimit | None:
        with self._lock:
            return self._limits.get(provider_name)
