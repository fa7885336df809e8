"""CRM working sets: saved smart lists, the bulk-action log (for undo) and custom values."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.core.clock import utcnow
from ghl_desktop.models.base import (
    Base,
    IdMixin,
    JSONType,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class SmartList(IdMixin, TimestampMixin, TenantMixin, Base):
    """A saved contact filter (``services.smart_lists.filters`` documents ``filter``).

    Private lists are seen by their owner only; shared lists by everyone in the sub-account.
    """

    __tablename__ = "smart_lists"
    __audited__ = True
    __table_args__ = (Index("ix_smart_lists_sub_account_position", "sub_account_id", "position"),)

    name: Mapped[str] = mapped_column(String(100))
    filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    owner_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    is_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Column keys the list shows, in order (empty: the default columns).
    columns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class BulkActionKind(enum.StrEnum):
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    ASSIGN_USER = "assign_user"
    SET_LIFECYCLE_STAGE = "set_lifecycle_stage"
    DELETE = "delete"
    RESTORE = "restore"
    EXPORT = "export"


class BulkActionStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # stopped between chunks: the chunks before stay done (and undoable)
    FAILED = "failed"
    UNDONE = "undone"


class BulkAction(IdMixin, TimestampMixin, TenantMixin, Base):
    """One bulk action over many contacts; its items say what changed, so it can be undone."""

    __tablename__ = "bulk_actions"
    __table_args__ = (Index("ix_bulk_actions_sub_account_created", "sub_account_id", "created_at"),)

    kind: Mapped[BulkActionKind] = mapped_column(enum_column_type(BulkActionKind))
    status: Mapped[BulkActionStatus] = mapped_column(
        enum_column_type(BulkActionStatus), default=BulkActionStatus.RUNNING
    )
    user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # What was asked: {"tag_id": ...}, {"user_id": ...}, {"lifecycle_stage": ...}.
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Which contacts: {"contact_ids": [...]} or {"smart_list_id": ..., "filter": {...}}.
    selection: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[str] = mapped_column(String(300), default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class BulkActionItem(TenantMixin, Base):
    """A contact a bulk action changed, with the value it had before (for undo)."""

    __tablename__ = "bulk_action_items"

    bulk_action_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("bulk_actions.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    # The previous assigned user or lifecycle stage; NULL for tag, delete and restore actions.
    previous_value: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomValue(IdMixin, TimestampMixin, TenantMixin, Base):
    """A sub-account merge variable: ``{{custom_values.key}}`` in templates renders ``value``."""

    __tablename__ = "custom_values"
    __audited__ = True
    __table_args__ = (UniqueConstraint("sub_account_id", "key"),)

    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[str] = mapped_column(Text, default="")
