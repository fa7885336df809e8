"""Commands on runs: manual enrolment (one contact, a selection, a smart list), pause, resume,
cancel, and the simulated email open.

Every function opens its own tenant unit of work: a workflow, contact or execution of another
sub-account answers NotFound, exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.errors import Conflict, NotFound, ValidationError
from ghl_desktop.models.crm_lists import SmartList
from ghl_desktop.models.workflows import ExecutionStatus, WorkflowExecution
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.enrolment import (
    Enrolment,
    enrol_many,
    live_contact_ids,
    published_workflow,
)
from ghl_desktop.services.workflows.engine.events import WorkflowEmailOpened
from ghl_desktop.services.workflows.engine.steps import (
    FINISHED,
    LIVE,
    cancel_pending,
    finish,
    release_paused,
)

MAX_MANUAL = 100_000


@dataclass(frozen=True)
class EnrolReport:
    enrolled: int
    refused: dict[str, int]  # reason -> how many contacts
    missing: int  # ids that are not live contacts of the sub-account
    execution_ids: tuple[str, ...]


def _report(results: Sequence[Enrolment], missing: int) -> EnrolReport:
    refused: dict[str, int] = {}
    for r in results:
        if r.refused:
            refused[r.refused] = refused.get(r.refused, 0) + 1
    ids = tuple(r.execution_id for r in results if r.enrolled and r.execution_id)
    return EnrolReport(len(ids), refused, missing, ids)


def _enrol_ids(uow: UnitOfWork, workflow_id: str, contact_ids: Sequence[str]) -> EnrolReport:
    workflow, definition = published_workflow(uow, workflow_id)
    live = live_contact_ids(uow, list(contact_ids))
    results = enrol_many(
        uow, workflow, definition, live, via="manual",
        context={"enrolled_by": {"user_id": uow.actor.user_id}},
    )  # fmt: skip
    return _report(results, len(set(contact_ids)) - len(live))


def enrol_contacts(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, workflow_id: str,
    contact_ids: Sequence[str],
) -> EnrolReport:  # fmt: skip
    """Enrol one contact or a selection. One contact that is not there raises NotFound; in a
    selection, missing ids are counted and skipped."""
    if not contact_ids:
        raise ValidationError("contact_ids", "choose at least one contact")
    if len(contact_ids) > MAX_MANUAL:
        raise ValidationError("contact_ids", f"at most {MAX_MANUAL} contacts at once")
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("workflows.manage")
        report = _enrol_ids(uow, workflow_id, contact_ids)
        if len(contact_ids) == 1 and report.missing:
            raise NotFound("contact", contact_ids[0])
        uow.commit()
        return report


def enrol_smart_list(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, workflow_id: str,
    smart_list_id: str,
) -> EnrolReport:  # fmt: skip
    """Enrol every contact the smart list holds now."""
    from ghl_desktop.models.crm import Contact
    from ghl_desktop.services.contact_query import ContactSelection, selection_conditions
    from ghl_desktop.services.smart_lists import parse_filter
    from ghl_desktop.services.smart_lists.service import load_visible

    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("workflows.manage")
        row: SmartList = load_visible(uow, smart_list_id)
        selection = ContactSelection(parse_filter(row.filter))
        ids = list(
            uow.session.scalars(
                select(Contact.id).where(*selection_conditions(uow, selection)).limit(MAX_MANUAL)
            )
        )
        report = _enrol_ids(uow, workflow_id, ids)
        uow.commit()
        return report


def _execution(uow: UnitOfWork, execution_id: str) -> WorkflowExecution:
    row = uow.session.scalar(select(WorkflowExecution).where(WorkflowExecution.id == execution_id))
    if row is None:
        raise NotFound("workflow execution", execution_id)
    return row


def pause_execution(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, execution_id: str
) -> str:
    """Park a live run: its pending steps keep their due time aside until it is resumed."""
    from ghl_desktop.models.workflows import ActionExecutionStatus, WorkflowActionExecution

    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("workflows.manage")
        run = _execution(uow, execution_id)
        if run.status == ExecutionStatus.PAUSED:
            return str(run.status)
        if run.status not in LIVE:
            raise Conflict("status", f"a {run.status} execution cannot be paused")
        steps = uow.session.scalars(
            select(WorkflowActionExecution).where(
                WorkflowActionExecution.workflow_execution_id == run.id,
                WorkflowActionExecution.status == ActionExecutionStatus.PENDING,
                WorkflowActionExecution.scheduled_for.is_not(None),
            )
        ).all()
        for step in steps:
            assert step.scheduled_for is not None
            step.result = {**(step.result or {}), "paused_due": step.scheduled_for.isoformat()}
            step.scheduled_for = None
        run.context = {**(run.context or {}), "status_before_pause": str(run.status)}
        run.status = ExecutionStatus.PAUSED
        run.updated_at = uow.clock.now()
        uow.commit()
        return str(run.status)


def resume_execution(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, execution_id: str
) -> str:
    """Give a paused run its steps back; anything that fell due meanwhile runs once, now."""
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("workflows.manage")
        run = _execution(uow, execution_id)
        if run.status != ExecutionStatus.PAUSED:
            raise Conflict("status", f"only a paused execution can be resumed (it is {run.status})")
        context: dict[str, Any] = dict(run.context or {})
        before = context.pop("status_before_pause", ExecutionStatus.RUNNING)
        run.context = context
        run.status = ExecutionStatus(before)
        release_paused(uow, run)
        run.updated_at = uow.clock.now()
        uow.commit()
        return str(run.status)


def cancel_execution(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, execution_id: str,
    reason: str = "cancelled by a user",
) -> str:  # fmt: skip
    with uows.tenant(actor, sub_account_id) as uow:
        uow.require("workflows.manage")
        run = _execution(uow, execution_id)
        if run.status in FINISHED:
            raise Conflict("status", f"the execution is already {run.status}")
        cancel_pending(uow, run.id, reason)
        finish(run, ExecutionStatus.CANCELLED, uow.clock.now(), reason)
        uow.commit()
        return str(run.status)


def record_email_open(uow: UnitOfWork, contact_id: str, *, execution_id: str | None = None) -> int:
    """Simulated email tracking: the contact opened a workflow email. Sets
    ``context.opened_email = true`` (what the Welcome Series' if/else reads) and counts
    ``context.email_opens`` on the given run, or on every live run of the contact that has
    sent an email. Call inside a tenant unit of work; returns how many runs were marked."""
    stmt = select(WorkflowExecution).where(WorkflowExecution.contact_id == contact_id)
    if execution_id is not None:
        stmt = stmt.where(WorkflowExecution.id == execution_id)
    else:
        stmt = stmt.where(WorkflowExecution.status.in_(LIVE))
    runs = [
        r for r in uow.session.scalars(stmt)
        if execution_id is not None or (r.context or {}).get("last_email_step")
    ]  # fmt: skip
    if execution_id is not None and not runs:
        raise NotFound("workflow execution", execution_id)
    now = uow.clock.now()
    for run in runs:
        context = dict(run.context or {})
        context["opened_email"] = True
        context["email_opens"] = int(context.get("email_opens") or 0) + 1
        context["last_opened_at"] = now.isoformat()
        run.context = context
        run.updated_at = now
        uow.record(
            WorkflowEmailOpened(
                sub_account_id=run.sub_account_id, contact_id=contact_id, execution_id=run.id
            )
        )
    return len(runs)
