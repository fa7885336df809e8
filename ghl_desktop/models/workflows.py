"""Workflows: definitions (triggers and a tree of actions) and their durable executions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ghl_desktop.models.base import (
    Base,
    IdMixin,
    SoftDeleteMixin,
    TenantMixin,
    TimestampMixin,
    enum_column_type,
)


class WorkflowStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class TriggerType(enum.StrEnum):
    CONTACT_CREATED = "contact_created"
    CONTACT_UPDATED = "contact_updated"
    TAG_ADDED = "tag_added"
    TAG_REMOVED = "tag_removed"
    FORM_SUBMITTED = "form_submitted"
    OPPORTUNITY_CREATED = "opportunity_created"
    OPPORTUNITY_STAGE_CHANGED = "opportunity_stage_changed"
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    INBOUND_MESSAGE = "inbound_message"
    PAYMENT_RECEIVED = "payment_received"
    INVOICE_PAID = "invoice_paid"
    CUSTOM_DATE = "custom_date"
    TRIGGER_LINK_CLICKED = "trigger_link_clicked"
    MANUAL = "manual"


class ActionType(enum.StrEnum):
    SEND_EMAIL = "send_email"
    SEND_SMS = "send_sms"
    WAIT = "wait"
    IF_ELSE = "if_else"
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"
    UPDATE_FIELD = "update_field"
    CREATE_TASK = "create_task"
    CREATE_NOTE = "create_note"
    CREATE_OPPORTUNITY = "create_opportunity"
    MOVE_OPPORTUNITY = "move_opportunity"
    ASSIGN_USER = "assign_user"
    WEBHOOK = "webhook"
    AI_REPLY = "ai_reply"
    ADD_TO_CAMPAIGN = "add_to_campaign"
    END = "end"


class ExecutionStatus(enum.StrEnum):
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ActionExecutionStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Workflow(IdMixin, TimestampMixin, SoftDeleteMixin, TenantMixin, Base):
    """An automation. ``version`` goes up on every publish; executions record the version
    they started on."""

    __tablename__ = "workflows"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_workflows_sub_account_folder", "sub_account_id", "folder", "name"),
        Index("ix_workflows_sub_account_status", "sub_account_id", "status"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    folder: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[WorkflowStatus] = mapped_column(
        enum_column_type(WorkflowStatus), default=WorkflowStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Loop protection: how often one contact may re-enter (False = once per workflow).
    allow_reentry: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkflowTrigger(IdMixin, TimestampMixin, TenantMixin, Base):
    """What starts the workflow; ``conditions`` narrow it (e.g. ``{"tag": "inactive"}``)."""

    __tablename__ = "workflow_triggers"
    __audited__ = True
    __table_args__ = (
        # Trigger matching looks up the active triggers of one event type.
        Index("ix_workflow_triggers_sub_account_type", "sub_account_id", "type", "is_active"),
        Index("ix_workflow_triggers_workflow", "workflow_id"),
    )

    workflow_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("workflows.id", ondelete="CASCADE")
    )
    type: Mapped[TriggerType] = mapped_column(enum_column_type(TriggerType))
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkflowAction(IdMixin, TimestampMixin, TenantMixin, Base):
    """A step. Steps form a tree: children of an if/else carry ``branch`` ("yes"/"no");
    siblings run in ``position`` order. Deleting a step deletes its subtree."""

    __tablename__ = "workflow_actions"
    __audited__ = True
    __table_args__ = (
        Index(
            "ix_workflow_actions_sub_account_tree",
            "sub_account_id",
            "workflow_id",
            "parent_action_id",
            "position",
        ),
        Index("ix_workflow_actions_parent", "parent_action_id"),
    )

    workflow_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("workflows.id", ondelete="CASCADE")
    )
    parent_action_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("workflow_actions.id", ondelete="CASCADE"), default=None
    )
    branch: Mapped[str | None] = mapped_column(String(50), default=None)
    type: Mapped[ActionType] = mapped_column(enum_column_type(ActionType))
    name: Mapped[str] = mapped_column(String(200), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)


class WorkflowExecution(IdMixin, TimestampMixin, TenantMixin, Base):
    """One contact's run through a workflow. Run logs are pure children: they go with their
    workflow or contact when those are purged."""

    __tablename__ = "workflow_executions"
    __table_args__ = (
        # One enrolment per (workflow, contact, triggering event): a redelivered event is a no-op.
        Index(
            "uq_workflow_executions_trigger_event",
            "workflow_id",
            "contact_id",
            "trigger_event_id",
            unique=True,
            sqlite_where=text("trigger_event_id IS NOT NULL"),
            postgresql_where=text("trigger_event_id IS NOT NULL"),
        ),
        Index(
            "ix_workflow_executions_sub_account_workflow",
            "sub_account_id",
            "workflow_id",
            "status",
            "started_at",
        ),
        Index(
            "ix_workflow_executions_sub_account_contact",
            "sub_account_id",
            "contact_id",
            "started_at",
        ),
    )

    workflow_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("workflows.id", ondelete="CASCADE")
    )
    workflow_version: Mapped[int] = mapped_column(Integer, default=1)
    contact_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("contacts.id", ondelete="CASCADE")
    )
    # The domain event that enrolled the contact (no FK: the outbox may be pruned).
    trigger_event_id: Mapped[str | None] = mapped_column(String(36), default=None)
    status: Mapped[ExecutionStatus] = mapped_column(
        enum_column_type(ExecutionStatus), default=ExecutionStatus.RUNNING
    )
    current_action_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("workflow_actions.id", ondelete="SET NULL"), default=None
    )
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class WorkflowActionExecution(IdMixin, TimestampMixin, TenantMixin, Base):
    """One step of one run: when it is due, what it did, and why it failed.

    ``action_type`` is copied so the path stays readable after the step is edited away
    (``workflow_action_id`` then becomes NULL). ``idempotency_key`` is what a side effect (an
    email, a webhook) is sent under, so a retried step never sends twice.
    """

    __tablename__ = "workflow_action_executions"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The scheduler claims due steps across every sub-account (system scope), so this index
        # deliberately does not lead with sub_account_id.
        Index("ix_workflow_action_executions_due", "status", "scheduled_for"),
        Index(
            "ix_workflow_action_executions_sub_account_execution",
            "sub_account_id",
            "workflow_execution_id",
            "created_at",
        ),
        Index(
            "uq_workflow_action_executions_idempotency",
            "idempotency_key",
            unique=True,
            sqlite_where=text("idempotency_key IS NOT NULL"),
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    workflow_execution_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("workflow_executions.id", ondelete="CASCADE")
    )
    workflow_action_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("workflow_actions.id", ondelete="SET NULL"), default=None
    )
    action_type: Mapped[ActionType] = mapped_column(enum_column_type(ActionType))
    status: Mapped[ActionExecutionStatus] = mapped_column(
        enum_column_type(ActionExecutionStatus), default=ActionExecutionStatus.PENDING
    )
    scheduled_for: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), default=None)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
