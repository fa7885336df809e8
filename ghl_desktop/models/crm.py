"""CRM: contacts, tags, notes, tasks and contact custom-field definitions."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ghl_desktop.core.clock import utcnow
from ghl_desktop.core.errors import ValidationError
from ghl_desktop.models.base import (
    ArchiveMixin,
    Base,
    IdMixin,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)
from ghl_desktop.models.custom_fields import CustomFieldDefinitionMixin

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class LifecycleStage(enum.StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"


class Contact(IdMixin, TimestampMixin, SoftDeleteMixin, ArchiveMixin, TenantMixin, Base):
    """A person the sub-account talks to. Deleting is soft: history (messages, payments) stays.
    Archiving (``archived_at``) only takes the contact out of the everyday lists.

    ``email`` is stored stripped and lower-case, ``phone`` in E.164 (``+14155552671``); services
    parse national numbers with the sub-account's country before assigning them.
    """

    __tablename__ = "contacts"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("phone LIKE '+%'", name="phone_e164"),
        CheckConstraint("lead_score >= 0", name="lead_score_not_negative"),
        # The contacts list's sort orders (and email/phone duplicate checks) over live rows,
        # ending with the id and archived_at so paging and counting never read the table.
        *(
            Index(
                f"ix_contacts_live_{name}",
                "sub_account_id",
                *columns,
                "id",
                "archived_at",
                sqlite_where=text("deleted_at IS NULL"),
                postgresql_where=text("deleted_at IS NULL"),
            )
            for name, columns in (
                ("created", ("created_at",)),
                ("email", ("email",)),
                ("phone", ("phone",)),
                ("name", ("last_name", "first_name")),
            )
        ),
        Index("ix_contacts_sub_account_assigned", "sub_account_id", "assigned_user_id"),
        Index("ix_contacts_sub_account_stage", "sub_account_id", "lifecycle_stage"),
    )

    assigned_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(16), default=None)
    company: Mapped[str] = mapped_column(String(200), default="")
    address1: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    source: Mapped[str] = mapped_column(String(100), default="")
    lifecycle_stage: Mapped[LifecycleStage] = mapped_column(
        enum_column_type(LifecycleStage), default=LifecycleStage.LEAD
    )
    lead_score: Mapped[int] = mapped_column(Integer, default=0)
    # One column per channel (not a JSON blob) so smart lists filter on them with plain SQL.
    dnd_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    dnd_email: Mapped[bool] = mapped_column(Boolean, default=False)
    dnd_whatsapp: Mapped[bool] = mapped_column(Boolean, default=False)
    dnd_calls: Mapped[bool] = mapped_column(Boolean, default=False)
    date_of_birth: Mapped[date | None] = mapped_column(Date, default=None)
    # Values keyed by contact_custom_fields.key, validated on every flush.
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)

    tags: Mapped[list[Tag]] = relationship(
        secondary="contact_tags", viewonly=True, order_by="Tag.name"
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @validates("email")
    def _normalise_email(self, _key: str, value: str | None) -> str | None:
        text = (value or "").strip()
        return text.lower() or None

    @validates("phone")
    def _check_phone(self, _key: str, value: str | None) -> str | None:
        text = (value or "").strip()
        if not text:
            return None
        if not E164.match(text):
            raise ValidationError("phone", f"must be in E.164 form like +14155552671, got {text!r}")
        return text


class Tag(IdMixin, TimestampMixin, TenantMixin, Base):
    """A label on contacts. Names are unique per sub-account ignoring case ("VIP" == "vip").

    ``name_key`` holds the lower-cased name for that unique index: an expression index on
    ``lower(name)`` cannot be compared by Alembic autogenerate on SQLite, and SQLite's
    ``lower()`` only folds ASCII anyway.
    """

    __tablename__ = "tags"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("sub_account_id", "name_key"),
        Index("ix_tags_sub_account_name", "sub_account_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str | None] = mapped_column(String(7), default=None)  # "#RRGGBB"

    @validates("name")
    def _set_name_key(self, _key: str, value: str) -> str:
        text = (value or "").strip()
        if not text:
            raise ValidationError("name", "is required")
        self.name_key = text.lower()
        return text


class ContactTag(TenantMixin, Base):
    """A tag on a contact. The natural key is the primary key, so adding a tag twice (or on two
    synced devices) converges on one row instead of duplicating it."""

    __tablename__ = "contact_tags"
    __table_args__ = (
        # "Contacts with tag X" lists: drive the join from the tag (see ENVIRONMENT benchmarks).
        Index("ix_contact_tags_sub_account_tag", "sub_account_id", "tag_id", "contact_id"),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Note(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    __tablename__ = "notes"
    __audited__ = True
    __table_args__ = (
        Index("ix_notes_sub_account_contact", "sub_account_id", "contact_id", "created_at"),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE")
    )
    author_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)


class Task(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A to-do about a contact; open while ``completed_at`` is NULL."""

    __tablename__ = "tasks"
    __audited__ = True
    __table_args__ = (
        Index("ix_tasks_sub_account_contact", "sub_account_id", "contact_id", "due_at"),
        Index(
            "ix_tasks_sub_account_assignee",
            "sub_account_id",
            "assigned_user_id",
            "completed_at",
            "due_at",
        ),
        Index("ix_tasks_sub_account_due", "sub_account_id", "completed_at", "due_at"),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    assigned_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class ContactCustomField(CustomFieldDefinitionMixin, IdMixin, TimestampMixin, TenantMixin, Base):
    __tablename__ = "contact_custom_fields"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("sub_account_id", "key"),
        Index("ix_contact_custom_fields_sub_account_position", "sub_account_id", "position"),
    )
