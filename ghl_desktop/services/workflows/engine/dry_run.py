"""Dry run: a workflow version rehearsed against one contact with a virtual clock.

The run goes through the real executors - the same conditions, renderers and DND checks - in
one tenant transaction that is always rolled back, on a unit-of-work factory whose clock is a
``FixedClock`` moved to each step's due time (waits collapse) and which has no event bus.
Nothing is committed, nothing reaches the outbox dispatcher, no event is delivered. What comes
back is the timeline: each step with its virtual time, what it would send (the rendered
message) and why (if/else decisions with the values that decided them, skip reasons).

``context`` seeds the run's context, e.g. ``{"opened_email": true}`` to see the Welcome
Series' "opened" branch. A wait for an event times out in a dry run (the event is not
simulated); a goal still waiting for its event ends the rehearsal there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ghl_desktop.core.clock import FixedClock
from ghl_desktop.core.errors import NotFound, ValidationError
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.outbox import OutboxMessage
from ghl_desktop.models.workflows import (
    ActionExecutionStatus,
    ExecutionStatus,
    Workflow,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.actor import Actor
from ghl_desktop.services.crm_common import load_contact
from ghl_desktop.services.uow import UnitOfWork, UnitOfWorkFactory
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.steps import advance, run_step
from ghl_desktop.services.workflows.explain import decisions_text, instant_text
from ghl_desktop.services.workflows.registry import step_title

MAX_STEPS = 500


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action_id: str
    action_type: str
    name: str
    status: str
    result: dict[str, Any]
    sends: tuple[dict[str, Any], ...]  # channel + the rendered payload
    error: str | None = None

    @property
    def why(self) -> str:
        """One line: the reason behind the step's outcome."""
        if self.error:
            return self.error
        if "skipped" in self.result:
            return f"skipped: {self.result['skipped']}"
        if "decisions" in self.result:
            return decisions_text(self.result.get("branch"), self.result["decisions"])
        if "wait" in self.result:
            return f"waits until {instant_text(self.result['wait'].get('due'))}"
        return ""


@dataclass(frozen=True)
class DryRunReport:
    workflow_id: str
    version: int
    contact_id: str
    started_at: datetime
    entries: tuple[TimelineEntry, ...]
    outcome: str  # completed, failed, waiting for an event, step limit
    reason: str | None = None

    @property
    def sends(self) -> list[tuple[datetime, dict[str, Any]]]:
        return [(e.at, s) for e in self.entries for s in e.sends]


def _sends(uow: UnitOfWork, key: str) -> tuple[dict[str, Any], ...]:
    rows = uow.session.execute(
        select(OutboxMessage.channel, OutboxMessage.payload).where(
            OutboxMessage.idempotency_key == key
        )
    ).all()
    return tuple({"channel": channel, **(payload or {})} for channel, payload in rows)


def _next_step(uow: UnitOfWork, execution_id: str) -> WorkflowActionExecution | None:
    return uow.session.scalar(
        select(WorkflowActionExecution)
        .where(
            WorkflowActionExecution.workflow_execution_id == execution_id,
            WorkflowActionExecution.status == ActionExecutionStatus.PENDING,
        )
        .order_by(WorkflowActionExecution.scheduled_for, WorkflowActionExecution.created_at)
        .limit(1)
    )


def dry_run(
    uows: UnitOfWorkFactory, actor: Actor, sub_account_id: str, workflow_id: str,
    contact_id: str, *, version: int | None = None, context: dict[str, Any] | None = None,
    start: datetime | None = None, max_steps: int = MAX_STEPS,
) -> DryRunReport:  # fmt: skip
    if context is not None and not isinstance(context, dict):
        raise ValidationError("context", "must be a JSON object")
    clock = FixedClock(start or uows.clock.now())
    virtual = UnitOfWorkFactory(uows.database, clock, bus=None)
    with virtual.tenant(actor, sub_account_id) as uow:
        try:
            return _rehearse(uow, clock, workflow_id, contact_id, version, context, max_steps)
        finally:
            uow.rollback()  # a dry run never commits, whatever happened


def _rehearse(
    uow: UnitOfWork, clock: FixedClock, workflow_id: str, contact_id: str,
    version: int | None, context: dict[str, Any] | None, max_steps: int,
) -> DryRunReport:  # fmt: skip
    uow.require("workflows.read")
    workflow = uow.session.scalar(select(Workflow).where(Workflow.id == workflow_id))
    if workflow is None:
        raise NotFound("workflow", workflow_id)
    chosen = version or workflow.published_version
    if chosen is None:
        raise ValidationError("version", "the workflow has no published version to rehearse")
    definition = definition_of(uow, workflow.id, chosen)
    load_contact(uow, contact_id)
    started = clock.now()
    execution = WorkflowExecution(
        id=new_id(), workflow_id=workflow.id, workflow_version=definition.version,
        contact_id=contact_id, enrolled_via="dry_run", status=ExecutionStatus.RUNNING,
        context={**(context or {}), "dry_run": True}, started_at=started, created_at=started,
        updated_at=started,
    )  # fmt: skip
    uow.session.add(execution)
    uow.flush()
    advance(uow, execution, definition, None, None, started)
    entries: list[TimelineEntry] = []
    outcome = "step limit"
    reason: str | None = f"stopped after {max_steps} steps"
    for _ in range(max_steps):
        uow.flush()
        step = _next_step(uow, execution.id)
        if step is None:
            outcome, reason = (
                str(execution.status),
                execution.error or ((execution.context or {}).get("finished_because")),
            )
            break
        if step.scheduled_for is None:
            outcome = "waiting for an event"
            reason = f"{step.action_type} waits for {(step.result or {}).get('goal')}"
            break
        clock.set(max(clock.now(), step.scheduled_for))
        step.status, step.started_at, step.attempts = (
            ActionExecutionStatus.RUNNING, clock.now(), 1,
        )  # fmt: skip
        run_step(uow, step, dry_run=True)
        uow.flush()
        action = definition.action(step.workflow_action_id or "")
        entries.append(
            TimelineEntry(
                at=clock.now(), action_id=action.id, action_type=action.type,
                name=step_title(action.name, action.type),
                status=str(step.status), result=dict(step.result or {}),
                sends=_sends(uow, f"wf:{execution.id}:{action.id}"), error=step.error,
            )
        )  # fmt: skip
    return DryRunReport(
        workflow.id, definition.version, contact_id, started, tuple(entries), outcome, reason
    )
