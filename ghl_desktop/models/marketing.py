"""Marketing: email and SMS templates, campaigns, their recipients, clicks and suppressions.

On delete:

* campaign -> recipients -> clicks: CASCADE (pure children; the campaign's counters keep the
  aggregate figures).
* contact -> campaign recipients: CASCADE. A recipient row is engagement tracking, not message
  history (sent messages live in ``messages``, RESTRICT there); contacts are soft-deleted, so
  only an explicit purge (right to erasure) removes them, and then their tracking goes too.
* template -> campaigns: RESTRICT. A sent campaign's content is its template; templates are
  soft-deleted from the product, a hard delete of one that a campaign used is refused.
* contact -> suppressions: SET NULL. The suppressed address stays blocked after a purge.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class CampaignChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class RecipientStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    OPENED = "opened"
    CLICKED = "clicked"
    BOUNCED = "bounced"
    FAILED = "failed"
    UNSUBSCRIBED = "unsubscribed"


class SuppressionChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class SuppressionReason(enum.StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    MANUAL = "manual"


class EmailTemplate(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """``subject``/``html``/``text`` may use ``{{name}}`` placeholders; ``variables`` lists them
    with the value used when a contact has none: ``[{"name": "first_name", "default": "there"}]``.
    """

    __tablename__ = "email_templates"
    __audited__ = True
    __table_args__ = (Index("ix_email_templates_sub_account_name", "sub_account_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(500), default="")
    html: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    variables: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


class SmsTemplate(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    __tablename__ = "sms_templates"
    __audited__ = True
    __table_args__ = (Index("ix_sms_templates_sub_account_name", "sub_account_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    variables: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)


_COUNTERS = (
    "recipients_count",
    "sent_count",
    "delivered_count",
    "opened_count",
    "clicked_count",
    "bounced_count",
    "unsubscribed_count",
)


class Campaign(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A one-off send to an audience on one channel.

    ``audience`` describes who receives it and is resolved to ``campaign_recipients`` when
    sending starts, e.g. ``{"tags": ["vip"], "exclude_tags": ["churned"]}``. The counters are
    maintained by the sender and the tracking endpoints (never recomputed from recipients, so
    they survive a contact purge).
    """

    __tablename__ = "campaigns"
    __audited__ = True
    __table_args__ = (
        # Only the template of the campaign's own channel may be set.
        CheckConstraint(
            "(channel = 'email' AND sms_template_id IS NULL)"
            " OR (channel = 'sms' AND email_template_id IS NULL)",
            name="template_matches_channel",
        ),
        CheckConstraint(
            "status != 'scheduled' OR scheduled_at IS NOT NULL", name="scheduled_has_time"
        ),
        *(CheckConstraint(f"{c} >= 0", name=f"{c}_not_negative") for c in _COUNTERS),
        Index("ix_campaigns_sub_account_created", "sub_account_id", "created_at"),
        # campaigns.tick: due scheduled campaigns.
        Index("ix_campaigns_sub_account_status", "sub_account_id", "status", "scheduled_at"),
    )

    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[CampaignChannel] = mapped_column(enum_column_type(CampaignChannel))
    email_template_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("email_templates.id", ondelete="RESTRICT"), default=None
    )
    sms_template_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("sms_templates.id", ondelete="RESTRICT"), default=None
    )
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[CampaignStatus] = mapped_column(
        enum_column_type(CampaignStatus), default=CampaignStatus.DRAFT
    )
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    recipients_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    delivered_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_count: Mapped[int] = mapped_column(Integer, default=0)
    clicked_count: Mapped[int] = mapped_column(Integer, default=0)
    bounced_count: Mapped[int] = mapped_column(Integer, default=0)
    unsubscribed_count: Mapped[int] = mapped_column(Integer, default=0)

    recipients: Mapped[list[CampaignRecipient]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True
    )


class CampaignRecipient(IdMixin, TimestampMixin, TenantMixin, Base):
    """One contact's copy of a campaign and what they did with it. ``status`` is the furthest
    stage reached; the ``*_at`` columns keep when each stage first happened."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        CheckConstraint("open_count >= 0", name="open_count_not_negative"),
        CheckConstraint("click_count >= 0", name="click_count_not_negative"),
        Index(
            "ix_campaign_recipients_sub_account_campaign", "sub_account_id", "campaign_id", "status"
        ),
        Index("ix_campaign_recipients_sub_account_contact", "sub_account_id", "contact_id"),
        # Delivery/bounce callbacks find the recipient by the provider's message id.
        Index("ix_campaign_recipients_provider_message", "provider_message_id"),
    )

    campaign_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE")
    )
    status: Mapped[RecipientStatus] = mapped_column(
        enum_column_type(RecipientStatus), default=RecipientStatus.PENDING
    )
    # The address actually used, frozen at send time (the contact may change it later).
    address: Mapped[str] = mapped_column(String(320), default="")
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    first_clicked_at: Mapped[datetime | None] = mapped_column(default=None)
    open_count: Mapped[int] = mapped_column(Integer, default=0)
    click_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)

    campaign: Mapped[Campaign] = relationship(back_populates="recipients")


class EmailClick(IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "email_clicks"
    __table_args__ = (
        Index("ix_email_clicks_sub_account_recipient", "sub_account_id", "recipient_id"),
    )

    recipient_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("campaign_recipients.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    clicked_at: Mapped[datetime] = mapped_column()
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(500), default=None)


class Suppression(IdMixin, TimestampMixin, TenantMixin, Base):
    """An address that must not receive marketing on a channel. ``address`` is normalised by
    the service: lower-case email for ``email``, E.164 phone for ``sms``."""

    __tablename__ = "suppressions"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("sub_account_id", "channel", "address"),
        Index("ix_suppressions_sub_account_created", "sub_account_id", "created_at"),
    )

    channel: Mapped[SuppressionChannel] = mapped_column(enum_column_type(SuppressionChannel))
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[SuppressionReason] = mapped_column(enum_column_type(SuppressionReason))
    contact_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="SET NULL"), default=None
    )
    campaign_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("campaigns.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(Text, default="")
