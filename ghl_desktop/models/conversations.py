"""Conversations: channels, one thread per (channel, contact), and its messages."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class ChannelType(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    WEBCHAT = "webchat"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    GOOGLE_BUSINESS = "google_business"
    # A test channel that only exists inside the app (messages go nowhere, replies are typed).
    SANDBOX = "sandbox"


class ConversationStatus(enum.StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"


class MessageDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class SenderType(enum.StrEnum):
    CONTACT = "contact"
    USER = "user"
    BOT = "bot"


class ContentType(enum.StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    FILE = "file"


class MessageStatus(enum.StrEnum):
    # Inbound messages are stored as delivered and become read when a user opens the thread.
    # Outbound messages are written before the outbox hands them to a provider (never inside
    # the request), so they need a state for "stored, not yet accepted by the provider".
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class Channel(IdMixin, TimestampMixin, TenantMixin, Base):
    """A way to reach contacts (an SMS number, a mailbox...). Secrets live in the keyring under
    the channel id, never in ``config``. Channels with history are deactivated, not deleted."""

    __tablename__ = "channels"
    __audited__ = True
    __table_args__ = (
        Index("uq_channels_sub_account_name", "sub_account_id", "name", unique=True),
        Index("ix_channels_sub_account_type", "sub_account_id", "type", "is_active"),
    )

    type: Mapped[ChannelType] = mapped_column(enum_column_type(ChannelType))
    provider: Mapped[str] = mapped_column(String(50))  # "sandbox", "twilio", "smtp", "meta"...
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Conversation(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """The thread between one contact and the sub-account on one channel.

    Channel and contact are RESTRICT: deleting either must not erase message history (contacts
    are soft-deleted; channels are deactivated). At most one live thread per channel+contact.
    """

    __tablename__ = "conversations"
    __audited__ = True
    # The inbox list's copies of the newest message (the messages are the record): every
    # message rewrites them, and logging them would add an activity row per message.
    __audit_skip__ = frozenset({"last_message_at", "last_message_preview", "unread_count"})
    __table_args__ = (
        CheckConstraint("unread_count >= 0", name="unread_count_not_negative"),
        Index(
            "uq_conversations_channel_contact_live",
            "channel_id",
            "contact_id",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # The inbox pages newest-first by (last_message_at, id) under each filter: one index per
        # filter keeps every page a short index range scan at 100,000 conversations.
        Index("ix_conversations_sub_account_recent", "sub_account_id", "last_message_at", "id"),
        Index(
            "ix_conversations_sub_account_inbox",
            "sub_account_id",
            "status",
            "last_message_at",
            "id",
        ),
        Index(
            "ix_conversations_sub_account_assigned",
            "sub_account_id",
            "assigned_user_id",
            "last_message_at",
            "id",
        ),
        Index(
            "ix_conversations_sub_account_channel",
            "sub_account_id",
            "channel_id",
            "last_message_at",
            "id",
        ),
        Index(
            "ix_conversations_sub_account_unread",
            "sub_account_id",
            "last_message_at",
            "id",
            sqlite_where=text("unread_count > 0"),
            postgresql_where=text("unread_count > 0"),
        ),
        Index("ix_conversations_sub_account_contact", "sub_account_id", "contact_id"),
        Index("ix_conversations_snoozed_until", "snoozed_until"),
    )

    channel_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("channels.id", ondelete="RESTRICT")
    )
    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="RESTRICT")
    )
    assigned_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[ConversationStatus] = mapped_column(
        enum_column_type(ConversationStatus), default=ConversationStatus.OPEN
    )
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)
    # The inbox list shows it without loading the newest message of every thread.
    last_message_preview: Mapped[str] = mapped_column(String(200), default="")
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    is_starred: Mapped[bool] = mapped_column(Boolean, default=False)
    snoozed_until: Mapped[datetime | None] = mapped_column(default=None)


class Message(IdMixin, TimestampMixin, TenantMixin, Base):
    """One message. Append-only history: no soft delete, and conversation/channel RESTRICT.

    ``channel_id`` repeats the conversation's channel so a provider's status callback finds the
    message by (channel, provider_message_id) - unique where the provider gave an id.
    ``sender_id`` is a contact or user id (by ``sender_type``), or NULL for bots.
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index(
            "uq_messages_channel_provider_message",
            "channel_id",
            "provider_message_id",
            unique=True,
            sqlite_where=text("provider_message_id IS NOT NULL"),
            postgresql_where=text("provider_message_id IS NOT NULL"),
        ),
        Index(
            "ix_messages_sub_account_conversation",
            "sub_account_id",
            "conversation_id",
            "created_at",
        ),
        Index("ix_messages_sub_account_status", "sub_account_id", "status", "created_at"),
    )

    conversation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="RESTRICT")
    )
    channel_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("channels.id", ondelete="RESTRICT")
    )
    direction: Mapped[MessageDirection] = mapped_column(enum_column_type(MessageDirection))
    sender_type: Mapped[SenderType] = mapped_column(enum_column_type(SenderType))
    sender_id: Mapped[str | None] = mapped_column(String(36), default=None)
    content_type: Mapped[ContentType] = mapped_column(
        enum_column_type(ContentType), default=ContentType.TEXT
    )
    subject: Mapped[str | None] = mapped_column(String(500), default=None)  # email only
    body: Mapped[str] = mapped_column(Text, default="")
    # [{"name", "content_type", "size", "path" or "url"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[MessageStatus] = mapped_column(enum_column_type(MessageStatus))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    # Transport headers worth keeping (email Message-ID / In-Reply-To / References...).
    headers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # SMS segments the body takes (GSM-7 or UCS-2), 0 for channels that do not count them.
    segments: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class ConversationNote(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """An internal note on a thread: seen by the team, never sent to the contact."""

    __tablename__ = "conversation_notes"
    __audited__ = True
    __table_args__ = (
        Index(
            "ix_conversation_notes_sub_account_conversation",
            "sub_account_id",
            "conversation_id",
            "created_at",
        ),
    )

    conversation_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("conversations.id", ondelete="CASCADE")
    )
    user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)


class Snippet(IdMixin, TimestampMixin, TenantMixin, Base):
    """A canned reply; its body may use ``{{contact.*}}`` and ``{{custom_values.*}}``."""

    __tablename__ = "conversation_snippets"
    __table_args__ = (
        Index("uq_conversation_snippets_sub_account_name", "sub_account_id", "name", unique=True),
    )

    name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)


class AssignmentRule(IdMixin, TimestampMixin, TenantMixin, Base):
    """Who gets a new inbound thread. Rules are tried by ``position``; a rule matches when every
    condition it sets matches (channel type, a tag of the contact, a keyword in the first
    message). Its ``user_ids`` take turns (round-robin); ``next_index`` is whose turn it is."""

    __tablename__ = "conversation_assignment_rules"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("next_index >= 0", name="next_index_not_negative"),
        Index(
            "ix_conversation_assignment_rules_sub_account_position", "sub_account_id", "position"
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    channel_type: Mapped[str | None] = mapped_column(String(20), default=None)
    tag_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("tags.id", ondelete="CASCADE"), default=None
    )
    keyword: Mapped[str | None] = mapped_column(String(100), default=None)
    user_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class PendingMessageStatus(IdMixin, TimestampMixin, TenantMixin, Base):
    """A provider status callback that arrived before the outbox recorded the provider's id on
    its message (the provider answered, the callback overtook our commit). Applied and deleted
    as soon as the message learns its provider id, so no delivery report is ever lost."""

    __tablename__ = "pending_message_statuses"
    __table_args__ = (
        Index(
            "ix_pending_message_statuses_provider",
            "sub_account_id",
            "channel_id",
            "provider_message_id",
        ),
    )

    channel_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("channels.id", ondelete="CASCADE")
    )
    provider_message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[MessageStatus] = mapped_column(enum_column_type(MessageStatus))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    reported_at: Mapped[datetime] = mapped_column()
