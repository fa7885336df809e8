"""Enrolling a contact: the rules every way in shares (trigger, manual, another workflow).

Outcome rules, checked in this order:

* the workflow must be published; the execution is pinned to the published version;
* one execution per (workflow, contact, trigger event): a redelivered event returns the
  existing execution (the unique index backs this up);
* re-entry off: a contact that already ran (or runs) through the workflow is not enrolled again;
* loop protection: at most ``max_enrolments`` enrolments of one contact within
  ``window_minutes``; a refused enrolment is kept as a cancelled execution whose ``error``
  says why, so the log shows it;
* a chain of workflows enrolling each other stops at ``MAX_CHAIN_DEPTH``: the refusal is the
  result of the calling step (and logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, not_, select

from ghl_desktop.core.errors import NotFound
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.crm import Contact
from ghl_desktop.models.workflows import (
    ExecutionStatus,
    Workflow,
    WorkflowExecution,
    WorkflowStatus,
)
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.definition import WorkflowDefinition
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.steps import advance

log = logging.getLogger(__name__)

MAX_CHAIN_DEPTH = 5
REFUSED = "refused: "


@dataclass(frozen=True)
class Enrolment:
    contact_id: str
    execution_id: str | None
    refused: str | None = None
    existing: bool = False

    @property
    def enrolled(self) -> bool:
        return self.execution_id is not None and self.refused is None


def published_workflow(uow: UnitOfWork, workflow_id: str) -> tuple[Workflow, WorkflowDefinition]:
    """The workflow (in the unit of work's scope) and its published snapshot."""
    workflow = uow.session.scalar(select(Workflow).where(Workflow.id == workflow_id))
    if workflow is None:
        raise NotFound("workflow", workflow_id)
    if workflow.status != WorkflowStatus.PUBLISHED or workflow.published_version is None:
        raise NotFound("published workflow", workflow_id)
    return workflow, definition_of(uow, workflow.id, workflow.published_version)


def _counts(uow: UnitOfWork, workflow_id: str, contact_id: str, since: datetime) -> tuple[int, int]:
    """(enrolments ever, enrolments since ``since``), refusals not counted."""
    real = not_(
        and_(
            WorkflowExecution.status == ExecutionStatus.CANCELLED,
            WorkflowExecution.error.like(f"{REFUSED}%"),
        )
    )
    row = uow.session.execute(
        select(
            func.count(),
            func.count().filter(WorkflowExecution.started_at >= since),
        ).where(
            WorkflowExecution.workflow_id == workflow_id,
            WorkflowExecution.contact_id == contact_id,
            real,
        )
    ).one()
    return int(row[0]), int(row[1])


def enrol(
    uow: UnitOfWork, workflow: Workflow, definition: WorkflowDefinition, contact_id: str, *,
    via: str, trigger_event_id: str | None = None, context: dict[str, Any] | None = None,
    parent: WorkflowExecution | None = None, start_at: datetime | None = None,
) -> Enrolment:  # fmt: skip
    """Create the execution and schedule its first step (due ``start_at``, default now)."""
    now = uow.clock.now()
    if trigger_event_id is not None:
        existing = uow.session.scalar(
            select(WorkflowExecution.id).where(
                WorkflowExecution.workflow_id == workflow.id,
                WorkflowExecution.contact_id == contact_id,
                WorkflowExecution.trigger_event_id == trigger_event_id,
            )
        )
        if existing is not None:
            return Enrolment(contact_id, existing, existing=True)
    depth = parent.chain_depth + 1 if parent is not None else 0
    if depth > MAX_CHAIN_DEPTH:
        reason = f"chain of workflows enrolling each other is deeper than {MAX_CHAIN_DEPTH}"
        log.warning("not enrolling %s in %s: %s", contact_id, workflow.id, reason)
        return Enrolment(contact_id, None, refused=reason)
    policy = definition.reentry
    since = now - timedelta(minutes=policy.window_minutes)
    ever, recent = _counts(uow, workflow.id, contact_id, since)
    if ever and not policy.allow_reentry:
        return Enrolment(contact_id, None, refused="already enrolled and re-entry is off")
    refusal = None
    if recent >= policy.max_enrolments:
        refusal = (
            f"{REFUSED}loop protection: enrolled {recent} time(s) within "
            f"{policy.window_minutes} minute(s) (limit {policy.max_enrolments})"
        )
    execution = WorkflowExecution(
        id=new_id(), sub_account_id=workflow.sub_account_id, workflow_id=workflow.id,
        workflow_version=definition.version, contact_id=contact_id,
        trigger_event_id=trigger_event_id, enrolled_via=via,
        parent_execution_id=parent.id if parent is not None else None, chain_depth=depth,
        status=ExecutionStatus.RUNNING, context=dict(context or {}), started_at=now,
        created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(execution)
    uow.flush()  # no ORM relationship orders the inserts: the step row references this one
    if refusal is not None:
        execution.status, execution.finished_at, execution.error = (
            ExecutionStatus.CANCELLED, now, refusal,
        )  # fmt: skip
        log.warning("not enrolling %s in %s: %s", contact_id, workflow.id, refusal)
        return Enrolment(contact_id, execution.id, refused=refusal.removeprefix(REFUSED))
    advance(uow, execution, definition, None, None, start_at or now)
    return Enrolment(contact_id, execution.id)


def live_contact_ids(uow: UnitOfWork, contact_ids: list[str]) -> list[str]:
    """The given ids that are live contacts of the sub-account, in the given order."""
    found: set[str] = set()
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start : start + 500]
        found.update(uow.session.scalars(select(Contact.id).where(Contact.id.in_(chunk))))
    return [cid for cid in dict.fromkeys(contact_ids) if cid in found]
