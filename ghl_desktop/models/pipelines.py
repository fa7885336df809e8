"""Sales pipelines: pipelines, their stages, opportunities and each opportunity's stage moves."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class StageKind(enum.StrEnum):
    """What a stage means to the code (labels are the user's; code branches on this)."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class OpportunityStatus(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    ABANDONED = "abandoned"


class Pipeline(IdMixin, TimestampMixin, ArchiveMixin, TenantMixin, Base):
    """A sales process. Exactly zero or one pipeline per sub-account has ``is_default`` (a partial
    unique index enforces it on SQLite and PostgreSQL alike)."""

    __tablename__ = "pipelines"
    __audited__ = True
    __table_args__ = (
        Index(
            "uq_pipelines_one_default",
            "sub_account_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
        Index("ix_pipelines_sub_account_position", "sub_account_id", "position"),
    )

    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    stages: Mapped[list[PipelineStage]] = relationship(
        order_by="PipelineStage.position", cascade="all, delete-orphan", passive_deletes=True
    )


class PipelineStage(IdMixin, TimestampMixin, TenantMixin, Base):
    """A column of the board. ``probability`` is a whole percentage 0-100."""

    __tablename__ = "pipeline_stages"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_percent"),
        # Target of the opportunities' (pipeline_id, stage_id) key: a stage of another pipeline
        # cannot be referenced.
        UniqueConstraint("pipeline_id", "id"),
        Index(
            "ix_pipeline_stages_sub_account_pipeline", "sub_account_id", "pipeline_id", "position"
        ),
    )

    pipeline_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("pipelines.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[StageKind] = mapped_column(enum_column_type(StageKind), default=StageKind.OPEN)
    colour: Mapped[str | None] = mapped_column(String(7), default=None)  # "#RRGGBB"


class Opportunity(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """A deal with a contact. Money is ``value_minor`` minor units of ``currency``.

    Contact, pipeline and stage are RESTRICT: removing them must not silently drop deals (the
    contact is soft-deleted; a stage must be emptied before it can go).
    """

    __tablename__ = "opportunities"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("value_minor >= 0", name="value_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        ForeignKeyConstraint(
            ["pipeline_id", "stage_id"],
            ["pipeline_stages.pipeline_id", "pipeline_stages.id"],
            ondelete="RESTRICT",
            name="fk_opportunities_stage_in_pipeline",
        ),
        # A board column's page: walked in order, stops after the page (no sort of the
        # whole column).
        Index(
            "ix_opportunities_sub_account_board",
            "sub_account_id",
            "pipeline_id",
            "stage_id",
            "deleted_at",
            "updated_at",
            "id",
        ),
        # Covers the board's and the analytics' per-stage counts and totals (no table reads).
        Index(
            "ix_opportunities_sub_account_totals",
            "sub_account_id",
            "pipeline_id",
            "deleted_at",
            "stage_id",
            "status",
            "currency",
            "value_minor",
            "created_at",
        ),
        Index("ix_opportunities_sub_account_contact", "sub_account_id", "contact_id"),
        Index("ix_opportunities_sub_account_owner", "sub_account_id", "owner_user_id", "status"),
        Index("ix_opportunities_sub_account_status", "sub_account_id", "status", "created_at"),
    )

    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="RESTRICT")
    )
    pipeline_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("pipelines.id", ondelete="RESTRICT")
    )
    stage_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(300))
    value_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    owner_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    source: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[OpportunityStatus] = mapped_column(
        enum_column_type(OpportunityStatus), default=OpportunityStatus.OPEN
    )
    lost_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # Values keyed by opportunity_custom_fields.key, validated on every flush.
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stage_entered_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The contact's task that says what to do next on this deal (it lives on the contact).
    follow_up_task_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("tasks.id", ondelete="SET NULL"), default=None
    )


class OpportunityStageHistory(IdMixin, TimestampMixin, TenantMixin, Base):
    """One move between stages; ``duration_seconds`` is the time spent in ``from_stage``.

    The stage names are copied so the history stays readable after a stage is deleted (the
    stage ids then become NULL).
    """

    __tablename__ = "opportunity_stage_history"
    __table_args__ = (
        CheckConstraint("duration_seconds >= 0", name="duration_not_negative"),
        Index(
            "ix_opportunity_stage_history_sub_account_opportunity",
            "sub_account_id",
            "opportunity_id",
            "changed_at",
        ),
        Index("ix_opportunity_stage_history_sub_account_from", "sub_account_id", "from_stage_id"),
    )

    opportunity_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("opportunities.id", ondelete="CASCADE")
    )
    from_stage_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("pipeline_stages.id", ondelete="SET NULL"), default=None
    )
    to_stage_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("pipeline_stages.id", ondelete="SET NULL"), default=None
    )
    from_stage_name: Mapped[str] = mapped_column(String(200), default="")
    to_stage_name: Mapped[str] = mapped_column(String(200), default="")
    # NULL for the first entry (the opportunity was created in to_stage).
    duration_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    changed_at: Mapped[datetime] = mapped_column()
    actor_user_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class OpportunityCustomField(
    CustomFieldDefinitionMixin, IdMixin, TimestampMixin, TenantMixin, Base
):
    __tablename__ = "opportunity_custom_fields"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("sub_account_id", "key"),
        Index("ix_opportunity_custom_fields_sub_account_position", "sub_account_id", "position"),
    )
