"""Domain events of the outbox: one per attempt, recorded with the row's new status."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OutboxMessageSent(DomainEvent):
    name = "outbox.message_sent"
    outbox_id: str
    channel: str
    source: str
    source_ref: str | None
    provider_message_id: str
    contact_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class OutboxMessageFailed(DomainEvent):
    """An attempt failed. ``dead_lettered`` says no automatic retry follows."""

    name = "outbox.message_failed"
    outbox_id: str
    channel: str
    source: str
    source_ref: str | None
    error: str
    dead_lettered: bool
    attempt: int = 0
    contact_id: str | None = None
