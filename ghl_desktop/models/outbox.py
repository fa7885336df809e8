"""The outbox: every email, SMS, WhatsApp, webchat reply and outbound webhook waits here until
the dispatcher hands it to a provider.

A row is written in the same transaction as the change that wants the message sent, so a
message is queued exactly when its cause commits; the idempotency key (unique per sub-account)
makes a retried caller queue nothing twice. Status lifecycle::

    queued -> sending -> sent
                      -> failed (will retry) -> sending ...
                      -> dead (after max_attempts, or a permanent error)
    queued/failed/dead -> cancelled (by a user)     failed/dead -> queued (retried by a user)

``provider`` and ``provider_detail`` keep what the provider reported (the sandbox providers put
the rendered message there, which is how the GUI shows the sandbox mailbox).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    # An attempt failed with a transient error: the row is due again at next_attempt_at.
    FAILED = "failed"
    DEAD = "dead"
    CANCELLED = "cancelled"


class OutboxMessage(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        # The dispatcher claims due rows across every sub-account (system scope), so this index
        # deliberately does not lead with sub_account_id.
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index(
            "uq_outbox_messages_sub_account_idempotency",
            "sub_account_id",
            "idempotency_key",
            unique=True,
        ),
        Index("ix_outbox_messages_sub_account_status", "sub_account_id", "status", "created_at"),
        Index("ix_outbox_messages_sub_account_source", "sub_account_id", "source", "source_ref"),
    )

    channel: Mapped[str] = mapped_column(String(30))
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column_type(OutboxStatus), default=OutboxStatus.QUEUED
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    next_attempt_at: Mapped[datetime] = mapped_column()
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    provider: Mapped[str | None] = mapped_column(String(50), default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    provider_detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    contact_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    # Who queued it ("workflow", "inbox", "reminder") and that caller's row id.
    source: Mapped[str] = mapped_column(String(50), default="")
    source_ref: Mapped[str | None] = mapped_column(String(36), default=None)
