"""Domain events of the inbox (docs/events.md lists them with their payloads)."""

from __future__ import annotations

from dataclasses import dataclass

from ghl_desktop.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MessageReceived(DomainEvent):
    """An inbound message was stored (once per provider message id). ``body`` is cut to 1000
    characters: enough for keyword triggers, never a whole email."""

    name = "message.received"
    conversation_id: str
    message_id: str
    contact_id: str
    channel: str
    channel_id: str
    body: str = ""
    is_new_conversation: bool = False
    is_new_contact: bool = False


@dataclass(frozen=True, kw_only=True)
class MessageQueued(DomainEvent):
    """An outbound message was written and queued in the outbox."""

    name = "message.queued"
    conversation_id: str
    message_id: str
    contact_id: str
    channel: str
    outbox_id: str


@dataclass(frozen=True, kw_only=True)
class MessageSent(DomainEvent):
    """The provider accepted an outbound message."""

    name = "message.sent"
    conversation_id: str
    message_id: str
    contact_id: str
    channel: str
    provider_message_id: str


@dataclass(frozen=True, kw_only=True)
class MessageStatusChanged(DomainEvent):
    """A provider reported progress (delivered, read, failed) that moved the status forward."""

    name = "message.status_changed"
    conversation_id: str
    message_id: str
    channel: str
    old_status: str
    new_status: str
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class OutboundMessageFailed(DomainEvent):
    """An outbound message will not be delivered (dead-lettered or reported failed)."""

    name = "message.failed"
    conversation_id: str
    message_id: str
    contact_id: str
    channel: str
    error: str


@dataclass(frozen=True, kw_only=True)
class ConversationAssigned(DomainEvent):
    name = "conversation.assigned"
    conversation_id: str
    assigned_user_id: str | None
    rule_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConversationStatusChanged(DomainEvent):
    name = "conversation.status_changed"
    conversation_id: str
    old_status: str
    new_status: str
