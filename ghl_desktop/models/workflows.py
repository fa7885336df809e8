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
    UniqueConstraint,
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


# Trigger and action ``type`` columns are plain strings validated against the registry in
# ``services/workflows/registry.py`` (later capabilities register their own types), so these
# enums only name the built-in types; the database does not restrict the column to them.
TYPE_LENGTH = 60


class TriggerType(enum.StrEnum):
    CONTACT_CREATED = "contact_created"
    CONTACT_UPDATED = "contact_updated"
    TAG_ADDED = "tag_added"
    TAG_REMOVED = "tag_removed"
    CUSTOM_FIELD_CHANGED = "custom_field_changed"
    FORM_SUBMITTED = "form_submitted"
    SURVEY_SUBMITTED = "survey_submitted"
    OPPORTUNITY_CREATED = "opportunity_created"
    OPPORTUNITY_STAGE_CHANGED = "opportunity_stage_changed"
    OPPORTUNITY_WON = "opportunity_won"
    OPPORTUNITY_LOST = "opportunity_lost"
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_NO_SHOW = "appointment_no_show"
    INBOUND_MESSAGE = "inbound_message"
    OUTBOUND_MESSAGE_FAILED = "outbound_message_failed"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_FAILED = "payment_failed"
    INVOICE_PAID = "invoice_paid"
    SUBSCRIPTION_CANCELLED = "subscription_cancelled"
    DATE_REMINDER = "date_reminder"
    TRIGGER_LINK_CLICKED = "trigger_link_clicked"
    INBOUND_WEBHOOK = "inbound_webhook"
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
    ASSIGN_USER = "assign_user"
    CREATE_OPPORTUNITY = "create_opportunity"
    MOVE_OPPORTUNITY = "move_opportunity"
    ADD_TO_WORKFLOW = "add_to_workflow"
    REMOVE_FROM_WORKFLOW = "remove_from_workflow"
    WEBHOOK = "webhook"
    GOAL = "goal"
    END = "end"


class ExecutionStatus(enum.StrEnum):
    RUNNING = "running"
    WAITING = "waiting"
    PAUSED = "paused"
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
    """An automation. Its ``workflow_triggers`` / ``workflow_actions`` rows are the *draft*;
    publishing snapshots them into ``workflow_versions`` and bumps ``version`` (0 = never
    published). ``published_version`` is the snapshot new enrolments use (None while the
    workflow is a draft); executions record the version they started on and keep it."""

    __tablename__ = "workflows"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("version >= 0", name="version_not_negative"),
        CheckConstraint("max_enrolments >= 1", name="max_enrolments_positive"),
        CheckConstraint("enrolment_window_minutes >= 1", name="enrolment_window_positive"),
        # The inbound-webhook URL carries this token; it must find exactly one workflow.
        UniqueConstraint("webhook_token"),
        Index("ix_workflows_sub_account_folder", "sub_account_id", "folder", "name"),
        Index("ix_workflows_sub_account_status", "sub_account_id", "status"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    folder: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[WorkflowStatus] = mapped_column(
        enum_column_type(WorkflowStatus), default=WorkflowStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    published_version: Mapped[int | None] = mapped_column(Integer, default=None)
    # True when the draft differs from the published snapshot (edited since the last publish).
    has_draft_changes: Mapped[bool] = mapped_column(Boolean, default=True)
    # Re-entry: False = a contact runs through once per workflow, ever.
    allow_reentry: Mapped[bool] = mapped_column(Boolean, default=False)
    # Loop protection even with re-entry: at most N enrolments of one contact in M minutes.
    max_enrolments: Mapped[int] = mapped_column(Integer, default=3)
    enrolment_window_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Secret path segment of this workflow's inbound-webhook URL (None until one is made).
    webhook_token: Mapped[str | None] = mapped_column(String(64), default=None)


class WorkflowVersion(IdMixin, TimestampMixin, TenantMixin, Base):
    """A published snapshot: ``definition`` is the JSON of ``WorkflowDefinition`` (triggers,
    action tree, re-entry settings). Immutable once written; executions run on one of these,
    so editing or deleting draft steps never changes a running execution's path."""

    __tablename__ = "workflow_versions"
    __table_args__ = (
        UniqueConstraint("workflow_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_workflow_versions_sub_account_workflow", "sub_account_id", "workflow_id"),
    )

    workflow_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("workflows.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column()
    published_at: Mapped[datetime] = mapped_column()
    published_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    note: Mapped[str] = mapped_column(Text, default="")


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
    type: Mapped[str] = mapped_column(String(TYPE_LENGTH))
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
    type: Mapped[str] = mapped_column(String(TYPE_LENGTH))
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
    # How the contact got in ("trigger", "manual", "workflow"); a workflow that enrols into
    # another records its execution here and the chain's depth, so loops can be cut off.
    enrolled_via: Mapped[str] = mapped_column(String(30), default="trigger")
    parent_execution_id: Mapped[str | None] = mapped_column(String(36), default=None)
    chain_depth: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ExecutionStatus] = mapped_column(
        enum_column_type(ExecutionStatus), default=ExecutionStatus.RUNNING
    )
    # An action id of the version snapshot (no FK: draft rows come and go, snapshots stay).
    current_action_id: Mapped[str | None] = mapped_column(String(36), default=None)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class WorkflowActionExecution(IdMixin, TimestampMixin, TenantMixin, Base):
    """One step of one run: when it is due, what it did, and why it failed.

    ``action_type`` is copied so the log reads without loading the snapshot.
    ``idempotency_key`` is what a side effect (an email, a webhook) is sent under, so a retried
    step never sends twice.
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
    # An action id of the execution's version snapshot (no FK, see current_action_id).
    workflow_action_id: Mapped[str | None] = mapped_column(String(36), default=None)
    action_type: Mapped[str] = mapped_column(String(TYPE_LENGTH))
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
