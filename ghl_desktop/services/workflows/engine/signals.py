"""The durable bus subscriber: domain events enrol contacts, resume waits and meet goals.

For every event about a contact (it carries ``contact_id``):

1. **Enrolment** - each active trigger of each *published* workflow of the sub-account whose
   type listens to the event (``registry.triggers_for_event``) and whose filters match
   (``TriggerSpec.matches``) enrols the contact on the published version, once per event.
   ``days_in_stage`` (opportunity stage changed) enrols at once but starts N days later and
   exits if the opportunity left the stage meanwhile.
2. **Waits until an event** - a pending ``until_event`` wait of the contact's live runs whose
   trigger type and filters match becomes due now.
3. **Goals** - a goal of a live run's version whose event matches: the run jumps to the goal
   (pending steps cancelled) and leaves the workflow there.

Events recorded in the same transaction that created a wait do not resume it (they happened
before the wait began).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import select

from ghl_desktop.core.errors import DomainError
from ghl_desktop.core.events import DomainEvent
from ghl_desktop.models.workflows import (
    ActionExecutionStatus as StepStatus,
)
from ghl_desktop.models.workflows import (
    ExecutionStatus,
    Workflow,
    WorkflowActionExecution,
    WorkflowExecution,
    WorkflowStatus,
)
from ghl_desktop.services.bus import EventBus
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.definition import WorkflowDefinition
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.enrolment import enrol
from ghl_desktop.services.workflows.engine.steps import (
    LIVE,
    cancel_pending,
    schedule_step,
    step_key,
)
from ghl_desktop.services.workflows.registry import trigger_spec, trigger_specs, triggers_for_event

log = logging.getLogger(__name__)

SUBSCRIBER = "workflows.runtime"


class _EventName:
    """Stands in for an event class when subscribing by name: events of other capabilities
    need not be imported for their triggers to work."""

    def __init__(self, name: str) -> None:
        self.name = name


def subscribe(bus: EventBus) -> None:
    names = sorted({n for spec in trigger_specs() for n in spec.event_names})
    from ghl_desktop.services.workflows.engine.interest import interesting_events

    bus.subscribe(
        SUBSCRIBER, on_event, cast(Any, [_EventName(n) for n in names]),
        interested=interesting_events,
    )  # fmt: skip


def on_event(event: DomainEvent, uow: UnitOfWork) -> None:
    contact_id = getattr(event, "contact_id", None)
    if not contact_id or not event.sub_account_id:
        return
    _enrol_matching(uow, event, contact_id)
    _wake_runs(uow, event, contact_id)


def _matches(trigger_type: str, filters: Any, event: DomainEvent) -> bool:
    try:
        spec = trigger_spec(trigger_type)
    except DomainError:
        return False
    return spec.matches(filters if isinstance(filters, dict) else {}, event)


# -- enrolment ---------------------------------------------------------------------------------
def _published(uow: UnitOfWork, sub_account_id: str) -> list[tuple[Workflow, WorkflowDefinition]]:
    rows = uow.session.scalars(
        select(Workflow).where(
            Workflow.sub_account_id == sub_account_id,
            Workflow.status == WorkflowStatus.PUBLISHED,
            Workflow.published_version.is_not(None),
        )
    ).all()
    found = []
    for row in rows:
        assert row.published_version is not None
        found.append((row, definition_of(uow, row.id, row.published_version)))
    return found


def _enrol_matching(uow: UnitOfWork, event: DomainEvent, contact_id: str) -> None:
    specs = {spec.type: spec for spec in triggers_for_event(event.name)}
    if not specs:
        return
    assert event.sub_account_id is not None
    for workflow, definition in _published(uow, event.sub_account_id):
        for trigger in definition.active_triggers():
            spec = specs.get(trigger.type)
            if spec is None or not spec.matches(trigger.conditions, event):
                continue
            if spec.scoped_to_workflow and getattr(event, "workflow_id", None) != workflow.id:
                continue
            context: dict[str, Any] = {
                "trigger": {"type": trigger.type, "event": event.name, **event.payload()}
            }
            start_at = None
            days = trigger.conditions.get("days_in_stage")
            if days and getattr(event, "opportunity_id", None):
                start_at = uow.clock.now() + _days(days)
                context["stage_hold"] = {
                    "opportunity_id": getattr(event, "opportunity_id", None),
                    "stage_id": getattr(event, "to_stage_id", None), "days": int(days),
                }  # fmt: skip
            result = enrol(
                uow, workflow, definition, contact_id, via="trigger",
                trigger_event_id=event.event_id, context=context, start_at=start_at,
            )  # fmt: skip
            if result.refused:
                log.info(
                    "workflow %s: %s not enrolled: %s", workflow.id, contact_id, result.refused
                )
            break  # one enrolment per workflow and event, however many triggers match


def _days(value: Any) -> Any:
    from datetime import timedelta

    return timedelta(days=int(value))


# -- waits and goals ---------------------------------------------------------------------------
def _wake(step: WorkflowActionExecution, event: DomainEvent, paused: bool) -> None:
    step.result = {**(step.result or {}), "resumed_by": event.event_id,
                   "resumed_by_event": event.name}  # fmt: skip
    if paused:
        step.result = {**step.result, "paused_due": event.occurred_at.isoformat()}
        step.scheduled_for = None
    else:
        step.scheduled_for = event.occurred_at


def _wake_runs(uow: UnitOfWork, event: DomainEvent, contact_id: str) -> None:
    runs = uow.session.scalars(
        select(WorkflowExecution).where(
            WorkflowExecution.sub_account_id == event.sub_account_id,
            WorkflowExecution.contact_id == contact_id,
            WorkflowExecution.status.in_(LIVE),
        )
    ).all()
    for run in runs:
        pending = uow.session.scalars(
            select(WorkflowActionExecution).where(
                WorkflowActionExecution.workflow_execution_id == run.id,
                WorkflowActionExecution.status == StepStatus.PENDING,
            )
        ).all()
        paused = run.status == ExecutionStatus.PAUSED
        for step in pending:
            info = (step.result or {}).get("wait") or (step.result or {}).get("goal") or {}
            if not info.get("event_type") or "resumed_by" in (step.result or {}):
                continue
            if event.occurred_at <= step.created_at:
                continue
            if _matches(info["event_type"], info.get("event_filters"), event):
                _wake(step, event, paused)
        _meet_goals(uow, run, pending, event)


def _meet_goals(
    uow: UnitOfWork, run: WorkflowExecution, pending: Sequence[WorkflowActionExecution],
    event: DomainEvent,
) -> None:  # fmt: skip
    definition = definition_of(uow, run.workflow_id, run.workflow_version)
    scheduled = {s.workflow_action_id for s in pending}
    for goal in (a for a in definition.actions if a.type == "goal"):
        if goal.id in scheduled or event.occurred_at <= run.started_at:
            continue
        settings = goal.settings
        if not _matches(
            str(settings.get("event_type") or ""), settings.get("event_filters"), event
        ):
            continue
        done = uow.session.scalar(
            select(WorkflowActionExecution.id).where(
                WorkflowActionExecution.idempotency_key == step_key(run.id, goal.id)
            )
        )
        if done is not None:
            continue
        cancel_pending(uow, run.id, f"goal {goal.label} reached by {event.name}")
        if run.status == ExecutionStatus.PAUSED:
            run.status = ExecutionStatus.RUNNING  # a met goal ends the run even when paused
        met = {"resumed_by": event.event_id, "resumed_by_event": event.name}
        schedule_step(uow, run, goal, event.occurred_at, result=met)
        return
