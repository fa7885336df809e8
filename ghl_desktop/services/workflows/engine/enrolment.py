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
from typing import Any, cast

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
NO_REENTRY = "already enrolled and re-entry is off"


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
        return Enrolment(contact_id, None, refused=NO_REENTRY)
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


def enrol_many(
    uow: UnitOfWork, workflow: Workflow, definition: WorkflowDefinition,
    contact_ids: list[str], *, via: str, context: dict[str, Any] | None = None,
) -> list[Enrolment]:  # fmt: skip
    """``enrol`` for a selection or a smart list, set-wise: one counting query per 500
    contacts and one INSERT per table, instead of a round of queries per contact. Same rules
    (re-entry, loop protection with logged refusals); the first steps are due now."""
    from sqlalchemy import Table, insert

    from ghl_desktop.models.workflows import WorkflowActionExecution
    from ghl_desktop.services.workflows.engine.steps import new_step

    now = uow.clock.now()
    policy = definition.reentry
    since = now - timedelta(minutes=policy.window_minutes)
    counts = _counts_many(uow, workflow.id, contact_ids, since)
    first = definition.first_step()
    tz = None
    if first is not None and first.type == "wait":
        from ghl_desktop.services.workflows.engine.steps import _time_zone

        tz = _time_zone(uow, workflow.sub_account_id)
    runs: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    results: list[Enrolment] = []
    for contact_id in contact_ids:
        ever, recent = counts.get(contact_id, (0, 0))
        if ever and not policy.allow_reentry:
            results.append(
                Enrolment(contact_id, None, refused="already enrolled and re-entry is off")
            )
            continue
        run_id = new_id()
        row: dict[str, Any] = {
            "id": run_id, "sub_account_id": workflow.sub_account_id, "workflow_id": workflow.id,
            "workflow_version": definition.version, "contact_id": contact_id,
            "trigger_event_id": None, "enrolled_via": via, "parent_execution_id": None,
            "chain_depth": 0, "status": ExecutionStatus.RUNNING, "current_action_id": None,
            "context": dict(context or {}), "started_at": now, "finished_at": None,
            "error": None, "created_at": now, "updated_at": now,
        }  # fmt: skip
        runs.append(row)
        if recent >= policy.max_enrolments:
            reason = (
                f"loop protection: enrolled {recent} time(s) within {policy.window_minutes} "
                f"minute(s) (limit {policy.max_enrolments})"
            )
            row.update(status=ExecutionStatus.CANCELLED, finished_at=now, error=REFUSED + reason)
            results.append(Enrolment(contact_id, run_id, refused=reason))
            continue
        results.append(Enrolment(contact_id, run_id))
        if first is None:
            row.update(status=ExecutionStatus.COMPLETED, finished_at=now)
            continue
        made = new_step(workflow.sub_account_id, run_id, first, now, now, tz)
        steps.append(made.values)
        row["current_action_id"] = first.id
        if made.error:
            row.update(status=ExecutionStatus.FAILED, finished_at=now, error=made.error)
        elif made.waits:
            row["status"] = ExecutionStatus.WAITING
    conn = uow.session.connection()
    for start in range(0, len(runs), 1000):
        conn.execute(insert(cast(Table, WorkflowExecution.__table__)), runs[start : start + 1000])
    for start in range(0, len(steps), 1000):
        conn.execute(
            insert(cast(Table, WorkflowActionExecution.__table__)), steps[start : start + 1000]
        )
    return results


def _counts_many(
    uow: UnitOfWork, workflow_id: str, contact_ids: list[str], since: datetime
) -> dict[str, tuple[int, int]]:
    real = not_(
        and_(
            WorkflowExecution.status == ExecutionStatus.CANCELLED,
            WorkflowExecution.error.like(f"{REFUSED}%"),
        )
    )
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start : start + 500]
        rows = uow.session.execute(
            select(
                WorkflowExecution.contact_id,
                func.count(),
                func.count().filter(WorkflowExecution.started_at >= since),
            )
            .where(
                WorkflowExecution.workflow_id == workflow_id,
                WorkflowExecution.contact_id.in_(chunk),
                real,
            )
            .group_by(WorkflowExecution.contact_id)
        )
        found.update({cid: (int(ever), int(recent)) for cid, ever, recent in rows})
    return found
