"""Workflows as a list: create, rename, file in folders, re-entry settings, delete.

Every function runs inside a tenant unit of work and checks the actor's permission first
(``workflows.read`` to look, ``workflows.manage`` to change). Editing the steps of a draft is
in ``steps.py``; publishing and versions in ``publishing.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.models.workflows import (
    Workflow,
    WorkflowAction,
    WorkflowStatus,
    WorkflowTrigger,
)
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.definition import (
    ActionDef,
    ReentryPolicy,
    TriggerDef,
    WorkflowDefinition,
)
from ghl_desktop.services.workflows.events import WorkflowDeleted

READ = "workflows.read"
MANAGE = "workflows.manage"
MAX_NAME = 200
MAX_FOLDER = 200


@dataclass(frozen=True)
class WorkflowSummary:
    id: str
    name: str
    folder: str
    description: str
    status: str
    version: int
    published_version: int | None
    has_draft_changes: bool
    trigger_types: tuple[str, ...]
    step_count: int
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the CLI's ``workflows list --json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "folder": self.folder,
            "description": self.description,
            "status": self.status,
            "version": self.version,
            "published_version": self.published_version,
            "has_draft_changes": self.has_draft_changes,
            "trigger_types": list(self.trigger_types),
            "step_count": self.step_count,
            "updated_at": self.updated_at.isoformat(),
        }


def _name(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError("name", "is required")
    if len(text) > MAX_NAME:
        raise ValidationError("name", f"must be at most {MAX_NAME} characters")
    return text


def _folder(value: str | None) -> str:
    text = " ".join((value or "").split())
    if len(text) > MAX_FOLDER:
        raise ValidationError("folder", f"must be at most {MAX_FOLDER} characters")
    return text


def load_workflow(uow: UnitOfWork, workflow_id: str) -> Workflow:
    """The live workflow of this sub-account (the tenant scope hides others and deleted ones)."""
    workflow = uow.session.scalar(select(Workflow).where(Workflow.id == workflow_id))
    if workflow is None:
        raise NotFound("workflow", workflow_id)
    return workflow


def touch(uow: UnitOfWork, workflow: Workflow) -> None:
    """The draft changed: it now differs from the published snapshot."""
    workflow.has_draft_changes = True
    workflow.updated_at = uow.clock.now()


# -- reading ----------------------------------------------------------------------------------


def list_workflows(uow: UnitOfWork, *, folder: str | None = None) -> list[WorkflowSummary]:
    """Every workflow of the sub-account, by folder then name (``folder`` narrows it)."""
    uow.require(READ)
    query = select(Workflow).order_by(Workflow.folder, Workflow.name, Workflow.id)
    if folder is not None:
        query = query.where(Workflow.folder == _folder(folder))
    workflows = list(uow.session.scalars(query))
    ids = [w.id for w in workflows]
    triggers: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    if ids:
        for wid, kind in uow.session.execute(
            select(WorkflowTrigger.workflow_id, WorkflowTrigger.type)
            .where(WorkflowTrigger.workflow_id.in_(ids))
            .order_by(WorkflowTrigger.created_at, WorkflowTrigger.id)
        ):
            triggers.setdefault(wid, []).append(kind)
        counts = dict(
            uow.session.execute(
                select(WorkflowAction.workflow_id, func.count())
                .where(WorkflowAction.workflow_id.in_(ids))
                .group_by(WorkflowAction.workflow_id)
            ).all()
        )
    return [
        WorkflowSummary(
            id=w.id,
            name=w.name,
            folder=w.folder,
            description=w.description,
            status=str(w.status),
            version=w.version,
            published_version=w.published_version,
            has_draft_changes=w.has_draft_changes,
            trigger_types=tuple(triggers.get(w.id, ())),
            step_count=counts.get(w.id, 0),
            updated_at=w.updated_at,
        )
        for w in workflows
    ]


def list_folders(uow: UnitOfWork) -> list[str]:
    uow.require(READ)
    rows = uow.session.scalars(
        select(Workflow.folder).where(Workflow.folder != "").distinct().order_by(Workflow.folder)
    )
    return list(rows)


def draft_definition(uow: UnitOfWork, workflow_id: str) -> WorkflowDefinition:
    """The draft as a definition (numbered as the version publishing it would get)."""
    uow.require(READ)
    workflow = load_workflow(uow, workflow_id)
    return draft_definitions(uow, [workflow])[workflow.id]


def draft_definitions(
    uow: UnitOfWork, workflows: list[Workflow] | None = None
) -> dict[str, WorkflowDefinition]:
    """The drafts of ``workflows`` (default: all of the sub-account) in three queries."""
    uow.require(READ)
    if workflows is None:
        workflows = list(uow.session.scalars(select(Workflow).order_by(Workflow.name)))
    ids = [w.id for w in workflows]
    triggers: dict[str, list[TriggerDef]] = {wid: [] for wid in ids}
    actions: dict[str, list[ActionDef]] = {wid: [] for wid in ids}
    for batch in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for t in uow.session.scalars(
            select(WorkflowTrigger)
            .where(WorkflowTrigger.workflow_id.in_(batch))
            .order_by(WorkflowTrigger.created_at, WorkflowTrigger.id)
        ):
            triggers[t.workflow_id].append(
                TriggerDef(t.id, t.type, dict(t.conditions or {}), t.is_active)
            )
        for a in uow.session.scalars(
            select(WorkflowAction)
            .where(WorkflowAction.workflow_id.in_(batch))
            .order_by(WorkflowAction.position, WorkflowAction.id)
        ):
            actions[a.workflow_id].append(
                ActionDef(
                    a.id,
                    a.parent_action_id,
                    a.branch,
                    a.type,
                    a.name,
                    dict(a.settings or {}),
                    a.position,
                )
            )
    return {
        w.id: WorkflowDefinition(
            workflow_id=w.id,
            version=w.version + 1,
            name=w.name,
            triggers=tuple(triggers[w.id]),
            actions=tuple(actions[w.id]),
            reentry=ReentryPolicy(w.allow_reentry, w.max_enrolments, w.enrolment_window_minutes),
        )
        for w in workflows
    }


# -- changing ---------------------------------------------------------------------------------


def create_workflow(uow: UnitOfWork, name: str, *, folder: str = "", description: str = "") -> str:
    uow.require(MANAGE)
    workflow = Workflow(
        name=_name(name),
        folder=_folder(folder),
        description=(description or "").strip(),
        status=WorkflowStatus.DRAFT,
        version=0,
    )
    uow.session.add(workflow)
    uow.flush()
    return workflow.id


def rename_workflow(uow: UnitOfWork, workflow_id: str, name: str) -> None:
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    workflow.name = _name(name)
    touch(uow, workflow)


def move_to_folder(uow: UnitOfWork, workflow_id: str, folder: str) -> None:
    """File the workflow in ``folder`` ("" = no folder). Folders exist while they hold one."""
    uow.require(MANAGE)
    load_workflow(uow, workflow_id).folder = _folder(folder)


def rename_folder(uow: UnitOfWork, old: str, new: str) -> int:
    """Move every workflow of folder ``old`` to ``new``; returns how many moved."""
    uow.require(MANAGE)
    source, target = _folder(old), _folder(new)
    if not source:
        raise ValidationError("folder", "name the folder to rename")
    moved = list(uow.session.scalars(select(Workflow).where(Workflow.folder == source)))
    for workflow in moved:
        workflow.folder = target
    return len(moved)


def update_settings(
    uow: UnitOfWork,
    workflow_id: str,
    *,
    description: str | None = None,
    allow_reentry: bool | None = None,
    max_enrolments: int | None = None,
    enrolment_window_minutes: int | None = None,
) -> None:
    """Description and re-entry rules. The runtime uses the published snapshot's rules, so a
    change here takes effect with the next publish."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    if description is not None:
        workflow.description = description.strip()
    if allow_reentry is not None:
        workflow.allow_reentry = bool(allow_reentry)
    for key, value in (
        ("max_enrolments", max_enrolments),
        ("enrolment_window_minutes", enrolment_window_minutes),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(key, "must be a whole number of at least 1")
        setattr(workflow, key, value)
    touch(uow, workflow)


def delete_workflow(uow: UnitOfWork, workflow_id: str) -> None:
    """Soft-delete: nothing enrols any more; running executions keep their snapshot."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    workflow.deleted_at = uow.clock.now()
    workflow.published_version = None
    uow.record(WorkflowDeleted(sub_account_id=uow.sub_account_id, workflow_id=workflow.id))


def webhook_token(uow: UnitOfWork, workflow_id: str, *, regenerate: bool = False) -> str:
    """The secret path segment of this workflow's inbound-webhook URL (made on first use;
    ``regenerate`` replaces it, so the old URL stops working)."""
    uow.require(MANAGE)
    workflow = load_workflow(uow, workflow_id)
    if workflow.webhook_token is None or regenerate:
        workflow.webhook_token = secrets.token_urlsafe(32)
    return workflow.webhook_token


def find_by_webhook_token(uow: UnitOfWork, token: str) -> tuple[str, str] | None:
    """(workflow id, sub-account id) of the live workflow with this webhook token. For the
    public webhook route, which runs in the system scope before it knows the sub-account."""
    if not token:
        return None
    row = uow.session.execute(
        select(Workflow.id, Workflow.sub_account_id).where(Workflow.webhook_token == token)
    ).first()
    return (row[0], row[1]) if row else None


__all__ = [
    "WorkflowSummary",
    "create_workflow",
    "delete_workflow",
    "draft_definition",
    "find_by_webhook_token",
    "list_folders",
    "list_workflows",
    "load_workflow",
    "move_to_folder",
    "rename_folder",
    "rename_workflow",
    "update_settings",
    "webhook_token",
]
