"""Reading runs: the execution log of a workflow, a contact's history, and one run in full -
its path through the tree (action ids taken) and, for each if/else, the values that decided it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.workflows import (
    Workflow,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.registry import step_title

MAX_ROWS = 1000


@dataclass(frozen=True)
class StepInfo:
    id: str
    action_id: str | None
    action_type: str
    action_name: str
    status: str
    scheduled_for: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    attempts: int
    result: dict[str, Any]
    error: str | None

    @property
    def branch(self) -> str | None:
        value = self.result.get("branch")
        return str(value) if value else None

    @property
    def decisions(self) -> list[dict[str, Any]]:
        return list(self.result.get("decisions") or [])


@dataclass(frozen=True)
class TreeNode:
    depth: int
    action_id: str
    action_type: str
    name: str
    branch: str | None
    on_path: bool
    step: StepInfo | None


@dataclass(frozen=True)
class ExecutionSummary:
    id: str
    workflow_id: str
    workflow_name: str
    workflow_version: int
    contact_id: str
    contact_name: str
    status: str
    enrolled_via: str
    current_action_id: str | None
    started_at: datetime
    finished_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class ExecutionDetail:
    summary: ExecutionSummary
    context: dict[str, Any]
    steps: tuple[StepInfo, ...]
    tree: tuple[TreeNode, ...]

    @property
    def path(self) -> tuple[str, ...]:
        """The action ids the run reached, in order."""
        return tuple(s.action_id for s in self.steps if s.action_id and s.status != "cancelled")


def _summaries(uow: UnitOfWork, stmt: Any) -> list[ExecutionSummary]:
    rows = uow.session.execute(
        stmt.add_columns(Workflow.name, Contact.first_name, Contact.last_name, Contact.email)
        .join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
        .join(Contact, Contact.id == WorkflowExecution.contact_id)
        .execution_options(include_deleted=True)
    ).all()
    found = []
    for run, wf_name, first, last, email in rows:
        name = " ".join(p for p in (first, last) if p) or email or run.contact_id
        found.append(
            ExecutionSummary(
                id=run.id, workflow_id=run.workflow_id, workflow_name=wf_name,
                workflow_version=run.workflow_version, contact_id=run.contact_id,
                contact_name=name, status=str(run.status), enrolled_via=run.enrolled_via,
                current_action_id=run.current_action_id, started_at=run.started_at,
                finished_at=run.finished_at, error=run.error,
            )
        )  # fmt: skip
    return found


def _workflow(uow: UnitOfWork, workflow_id: str) -> Workflow:
    row = uow.session.scalar(select(Workflow).where(Workflow.id == workflow_id))
    if row is None:
        raise NotFound("workflow", workflow_id)
    return row


def workflow_executions(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, workflow_id: str, *,
    status: str | None = None, limit: int = 200, offset: int = 0,
) -> list[ExecutionSummary]:  # fmt: skip
    """A workflow's execution log, newest first."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("workflows.read")
        _workflow(uow, workflow_id)
        stmt = select(WorkflowExecution).where(WorkflowExecution.workflow_id == workflow_id)
        if status:
            stmt = stmt.where(WorkflowExecution.status == status)
        stmt = stmt.order_by(WorkflowExecution.started_at.desc(), WorkflowExecution.id.desc())
        return _summaries(uow, stmt.limit(min(limit, MAX_ROWS)).offset(offset))


def execution_counts(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, workflow_id: str
) -> dict[str, int]:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("workflows.read")
        _workflow(uow, workflow_id)
        rows = uow.session.execute(
            select(WorkflowExecution.status, func.count())
            .where(WorkflowExecution.workflow_id == workflow_id)
            .group_by(WorkflowExecution.status)
        ).all()
        return {str(status): int(n) for status, n in rows}


def contact_executions(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, contact_id: str, *,
    limit: int = 200,
) -> list[ExecutionDetail]:  # fmt: skip
    """Every run of the contact, newest first, each with its path and decisions."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("workflows.read")
        load_contact(uow, contact_id, include_deleted=True)
        stmt = (
            select(WorkflowExecution)
            .where(WorkflowExecution.contact_id == contact_id)
            .order_by(WorkflowExecution.started_at.desc(), WorkflowExecution.id.desc())
            .limit(min(limit, MAX_ROWS))
        )
        return [_detail(uow, s) for s in _summaries(uow, stmt)]


def execution_detail(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, execution_id: str
) -> ExecutionDetail:
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("workflows.read")
        found = _summaries(
            uow, select(WorkflowExecution).where(WorkflowExecution.id == execution_id)
        )
        if not found:
            raise NotFound("workflow execution", execution_id)
        return _detail(uow, found[0])


def _detail(uow: UnitOfWork, summary: ExecutionSummary) -> ExecutionDetail:
    definition = definition_of(uow, summary.workflow_id, summary.workflow_version)
    rows = uow.session.scalars(
        select(WorkflowActionExecution)
        .where(WorkflowActionExecution.workflow_execution_id == summary.id)
        .order_by(WorkflowActionExecution.created_at, WorkflowActionExecution.id)
    ).all()
    steps = tuple(
        StepInfo(
            id=r.id, action_id=r.workflow_action_id, action_type=r.action_type,
            action_name=(
                step_title(definition.action(r.workflow_action_id).name, r.action_type)
                if r.workflow_action_id and definition.has_action(r.workflow_action_id)
                else step_title("", r.action_type)
            ),
            status=str(r.status), scheduled_for=r.scheduled_for, started_at=r.started_at,
            completed_at=r.completed_at, attempts=r.attempts, result=dict(r.result or {}),
            error=r.error,
        )
        for r in rows
    )  # fmt: skip
    by_action = {s.action_id: s for s in steps if s.action_id}
    tree = tuple(
        TreeNode(
            depth=depth, action_id=a.id, action_type=a.type, name=step_title(a.name, a.type),
            branch=a.branch,
            on_path=a.id in by_action and by_action[a.id].status != "cancelled",
            step=by_action.get(a.id),
        )
        for depth, a in definition.walk()
    )  # fmt: skip
    run = uow.session.get(WorkflowExecution, summary.id)
    context = dict(run.context or {}) if run is not None else {}
    return ExecutionDetail(summary, context, steps, tree)


@dataclass(frozen=True)
class WorkflowOverview:
    id: str
    name: str
    folder: str
    status: str
    published_version: int | None
    live_executions: int
    total_executions: int


def list_workflows(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str
) -> list[WorkflowOverview]:
    """The sub-account's workflows by folder and name, with how many runs are live."""
    from ghl_desktop.services.workflows.engine.steps import LIVE

    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("workflows.read")
        live = (
            select(func.count())
            .where(
                WorkflowExecution.workflow_id == Workflow.id,
                WorkflowExecution.status.in_(LIVE),
            )
            .correlate(Workflow)
            .scalar_subquery()
        )
        total = (
            select(func.count())
            .where(WorkflowExecution.workflow_id == Workflow.id)
            .correlate(Workflow)
            .scalar_subquery()
        )
        rows = uow.session.execute(
            select(Workflow, live, total).order_by(Workflow.folder, Workflow.name, Workflow.id)
        ).all()
        return [
            WorkflowOverview(
                w.id,
                w.name,
                w.folder,
                str(w.status),
                w.published_version,
                int(n or 0),
                int(t or 0),
            )
            for w, n, t in rows
        ]


def run_definition(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, workflow_id: str, version: int
) -> Any:
    """The version snapshot a run is pinned to (to draw its path on the tree)."""
    with uows.tenant(actor, sub_account_id, read_only=True) as uow:
        uow.require("workflows.read")
        _workflow(uow, workflow_id)
        return definition_of(uow, workflow_id, version)
