"""System tables: the domain-event outbox, its deliveries, the activity log, app settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.core.clock import utcnow
from ghl_desktop.models.base import Base, IdMixin, JSONType


class DomainEventRecord(Base):
    """A domain event written in the same transaction as the change that caused it."""

    __tablename__ = "domain_events"
    __table_args__ = (
        Index("ix_domain_events_pending", "dispatched_at", "next_attempt_at"),
        Index("ix_domain_events_sub_account", "sub_account_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # No foreign key: events outlive what they describe (a deleted sub-account's events stay).
    sub_account_id: Mapped[str | None] = mapped_column(String(36), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class EventDelivery(Base):
    """Proof that a durable subscriber handled an event: its primary key makes it at most once."""

    __tablename__ = "event_deliveries"

    event_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("domain_events.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber: Mapped[str] = mapped_column(String(100), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityLog(IdMixin, Base):
    """Who changed what, when: field-level old/new values written with the change itself."""

    __tablename__ = "activity_logs"
    __table_args__ = (
        Index("ix_activity_logs_sub_account", "sub_account_id", "created_at"),
        Index("ix_activity_logs_entity", "entity_type", "entity_id", "created_at"),
    )

    agency_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("agencies.id", ondelete="CASCADE"), default=None
    )
    sub_account_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("sub_accounts.id", ondelete="CASCADE"), default=None
    )
    user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppSetting(Base):
    """Installation-wide settings (auto sign-in, server host/port...)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
