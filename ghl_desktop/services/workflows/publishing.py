"""Publishing, versions and restore.

``publish`` validates the draft, snapshots it into ``workflow_versions`` as version N+1 and
makes that the version new enrolments use. Executions keep the version they started on, so a
later publish (or unpublish) never changes a running path. ``restore_version`` copies an older
snapshot back into the draft (same step ids), to be published again as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.tenancy import User
from ghl_desktop.models.workflows import (
    TriggerType,
    WorkflowAction,
    WorkflowStatus,
    WorkflowTrigger,
    WorkflowVersion,
)
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.authoring import (
    MANAGE,
    READ,
    draft_definition,
    load_workflow,
    touch,
    webhook_token,
)
from ghl_desktop.services.workflows.definition import WorkflowDefinition, load_published
from ghl_desktop.services.workflows.events import WorkflowPublished, WorkflowUnpublished
from ghl_desktop.services.workflows.validation import Problem, WorkflowInvalid, validate


@dataclass(frozen=True)
class VersionInfo:
    version: int
    published_at: datetime
    published_by: str | None  # the user's name or email; None for the system
    note: str
    is_live: bool
    step_count: int
    trigger_count: int


def check_draft(uow: UnitOfWork, workflow_id: str) -> list[Problem]:
    """What stands between the draft and publishing (empty: it can be published)."""
    return validate(uow, draft_definition(uow, workflow_id))


def publish(uow: UnitOfWork, workflow_id: str, *, note: str = "") -> int:
    """Validate and publish the draft; returns the new version. Raises ``WorkflowInvalid``
    (listing every problem) and publishes nothing when the draft is not fit."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    definition = draft_definition(uow, workflow_id)
    problems = validate(uow, definition)
    if problems:
        raise WorkflowInvalid(problems)
    if any(t.type == TriggerType.INBOUND_WEBHOOK for t in definition.triggers):
        webhook_token(uow, workflow_id)  # the URL exists from the first publish on
    now = uow.clock.now()
    version = workflow.version + 1
    uow.session.add(
        WorkflowVersion(
            workflow_id=workflow.id,
            version=version,
            definition=definition.to_json(),
            published_at=now,
            published_by=uow.actor.user_id,
            note=(note or "").strip(),
        )
    )
    workflow.version = version
    workflow.published_version = version
    workflow.status = WorkflowStatus.PUBLISHED
    workflow.has_draft_changes = False
    workflow.updated_at = now
    uow.record(
        WorkflowPublished(
            sub_account_id=uow.sub_account_id, workflow_id=workflow.id, version=version
        )
    )
    uow.flush()
    return version


def unpublish(uow: UnitOfWork, workflow_id: str) -> None:
    """Back to draft: nothing new enrols. Running executions finish on their version."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    if workflow.status != WorkflowStatus.PUBLISHED:
        return
    workflow.status = WorkflowStatus.DRAFT
    workflow.published_version = None
    workflow.updated_at = uow.clock.now()
    uow.record(WorkflowUnpublished(sub_account_id=uow.sub_account_id, workflow_id=workflow.id))


def list_versions(uow: UnitOfWork, workflow_id: str) -> list[VersionInfo]:
    """Every published version, newest first."""
    uow.require(READ)
    workflow = load_workflow(uow, workflow_id)
    rows = uow.session.execute(
        select(WorkflowVersion, User.full_name, User.email)
        .outerjoin(User, User.id == WorkflowVersion.published_by)
        .where(WorkflowVersion.workflow_id == workflow.id)
        .order_by(WorkflowVersion.version.desc())
    ).all()
    return [
        VersionInfo(
            version=v.version,
            published_at=v.published_at,
            published_by=(name or email) if v.published_by else None,
            note=v.note,
            is_live=v.version == workflow.published_version,
            step_count=len(v.definition.get("actions", ())),
            trigger_count=len(v.definition.get("triggers", ())),
        )
        for v, name, email in rows
    ]


def version_definition(uow: UnitOfWork, workflow_id: str, version: int) -> WorkflowDefinition:
    """One version's snapshot (the versions tab shows its tree)."""
    uow.require(READ)
    load_workflow(uow, workflow_id)
    return load_published(uow, workflow_id, version)


def restore_version(uow: UnitOfWork, workflow_id: str, version: int) -> None:
    """Replace the draft with version ``version`` (triggers, steps, re-entry rules). The live
    version is untouched until the restored draft is published."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    exists = uow.session.scalar(
        select(func.count())
        .select_from(WorkflowVersion)
        .where(WorkflowVersion.workflow_id == workflow.id, WorkflowVersion.version == version)
    )
    if not exists:
        raise NotFound("workflow version", f"{workflow.name} v{version}")
    snapshot = load_published(uow, workflow.id, version)
    uow.session.execute(delete(WorkflowAction).where(WorkflowAction.workflow_id == workflow.id))
    uow.session.execute(delete(WorkflowTrigger).where(WorkflowTrigger.workflow_id == workflow.id))
    uow.session.expire_all()
    for trigger in snapshot.triggers:
        uow.session.add(
            WorkflowTrigger(
                id=trigger.id,
                workflow_id=workflow.id,
                type=trigger.type,
                conditions=dict(trigger.conditions),
                is_active=trigger.is_active,
            )
        )
    # Parents before children: the self-referencing foreign key is checked per row.
    for _depth, action in snapshot.walk():
        uow.session.add(
            WorkflowAction(
                id=action.id,
                workflow_id=workflow.id,
                parent_action_id=action.parent_action_id,
                branch=action.branch,
                type=action.type,
                name=action.name,
                settings=dict(action.settings),
                position=action.position,
            )
        )
        uow.flush()
    workflow.allow_reentry = snapshot.reentry.allow_reentry
    workflow.max_enrolments = snapshot.reentry.max_enrolments
    workflow.enrolment_window_minutes = snapshot.reentry.window_minutes
    touch(uow, workflow)
    uow.flush()
