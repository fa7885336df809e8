"""Cross-cutting: connected integrations, outbound webhooks with their delivery log, and
analytics events.

Secrets never live in these tables: ``secret_ref`` names the entry in the secret store
(``core.secrets``) that holds the API key or signing secret.

On delete: webhook -> logs CASCADE (pure children); contact -> analytics events SET NULL (the
anonymous event still counts in reports).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class IntegrationStatus(enum.StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"


class WebhookDeliveryStatus(enum.StrEnum):
    SUCCESS = "success"
    FAILED = "failed"


class Integration(IdMixin, TimestampMixin, TenantMixin, Base):
    """A configured connection to an outside service. ``provider`` names the adapter
    ("stripe", "twilio", "smtp", "openai"...; an open set, so not an enum)."""

    __tablename__ = "integrations"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_integrations_sub_account_provider_name",
            "sub_account_id",
            "provider",
            "name",
            unique=True,
        ),
        Index("ix_integrations_sub_account_status", "sub_account_id", "status"),
    )

    provider: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    secret_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[IntegrationStatus] = mapped_column(
        enum_column_type(IntegrationStatus), default=IntegrationStatus.DISCONNECTED
    )
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_checked_at: Mapped[datetime | None] = mapped_column(default=None)


class Webhook(IdMixin, TimestampMixin, TenantMixin, Base):
    """POSTs the listed domain events (``["contact.created", "opportunity.won"]``) to ``url``,
    signed with the secret named by ``secret_ref``."""

    __tablename__ = "webhooks"
    __audited__ = True
    __table_args__ = (Index("ix_webhooks_sub_account_active", "sub_account_id", "is_active"),)

    name: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    secret_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebhookLog(IdMixin, TimestampMixin, TenantMixin, Base):
    """One delivery attempt of one event to one webhook."""

    __tablename__ = "webhook_logs"
    __table_args__ = (
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        CheckConstraint(
            "response_time_ms IS NULL OR response_time_ms >= 0", name="response_time_not_negative"
        ),
        Index("ix_webhook_logs_sub_account_webhook", "sub_account_id", "webhook_id", "created_at"),
        Index("ix_webhook_logs_sub_account_status", "sub_account_id", "status", "created_at"),
        Index("ix_webhook_logs_event", "event_id"),
    )

    webhook_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhooks.id", ondelete="CASCADE")
    )
    # The domain event delivered (no foreign key: the outbox may be pruned before the log).
    event_id: Mapped[str | None] = mapped_column(String(36), default=None)
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    response_time_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(enum_column_type(WebhookDeliveryStatus))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class AnalyticsEvent(IdMixin, TimestampMixin, TenantMixin, Base):
    """Something a visitor or contact did (``page_viewed``, ``form_submitted``...).

    Indexed for the report queries: a funnel (distinct contacts per event within a set of
    sessions), a contact's journey in time order, and event counts over a date range.
    """

    __tablename__ = "analytics_events"
    __table_args__ = (
        Index(
            "ix_analytics_events_sub_account_session", "sub_account_id", "session_id", "event_name"
        ),
        Index(
            "ix_analytics_events_sub_account_contact", "sub_account_id", "contact_id", "created_at"
        ),
        Index("ix_analytics_events_sub_account_name", "sub_account_id", "event_name", "created_at"),
    )

    event_name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50), default="")
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(50), default="")  # "web", "email", "app"...
    session_id: Mapped[str | None] = mapped_column(String(100), default=None)
    contact_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
