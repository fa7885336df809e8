"""Moving an execution along its tree: scheduling the next step, finishing the run, and
running one claimed step inside the caller's tenant unit of work.

A step row is created when the run reaches it, with ``scheduled_for`` = the due time of the
step before it (a wait adds its delay to that), and ``idempotency_key`` = execution id +
action id - so a step can be scheduled only once per execution even if two processes race.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from ghl_desktop.core.errors import DomainError, NotFound
from ghl_desktop.core.ids import new_id
from ghl_desktop.models.tenancy import SubAccount
from ghl_desktop.models.workflows import (
    ActionExecutionStatus as StepStatus,
)
from ghl_desktop.models.workflows import (
    ExecutionStatus,
    WorkflowActionExecution,
    WorkflowExecution,
)
from ghl_desktop.services.uow import UnitOfWork
from ghl_desktop.services.workflows.definition import ActionDef, WorkflowDefinition
from ghl_desktop.services.workflows.engine.batch_writes import writes_of
from ghl_desktop.services.workflows.engine.definitions import definition_of
from ghl_desktop.services.workflows.engine.runtime import (
    StepContext,
    StepOutcome,
    StepSkipped,
    batch_get,
    executor_for,
)
from ghl_desktop.services.workflows.engine.waits import plan_wait

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LIVE = (ExecutionStatus.RUNNING, ExecutionStatus.WAITING, ExecutionStatus.PAUSED)
FINISHED = (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED)
# Test hook: "POINT:MARKER_FILE" makes the process write MARKER_FILE and stop at POINT (the
# reliability tests SIGKILL it there). Unset in normal use.
PAUSE_ENV = "GHL_WORKFLOWS_PAUSE_AT"


def test_pause(point: str) -> None:
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted:
        return
    name, _, marker = wanted.partition(":")
    if name == point:
        Path(marker).write_text(point)
        while True:  # waits for SIGKILL
            time.sleep(1)


def step_key(execution_id: str, action_id: str) -> str:
    return f"{execution_id}:{action_id}"


def _time_zone(uow: UnitOfWork, sub_account_id: str) -> str:
    sub = uow.session.get(SubAccount, sub_account_id)
    return sub.timezone if sub is not None else "UTC"


@dataclass(frozen=True)
class NewStep:
    """The row of a step the run just reached, and what it means for the execution."""

    values: dict[str, Any]
    waits: bool  # the execution is now waiting (a wait, or a goal waiting for its event)
    error: str | None  # bad wait settings: the step is created failed


def new_step(
    sub_account_id: str, execution_id: str, action: ActionDef, base: datetime, now: datetime,
    tz_name: str | None, *, paused: bool = False, result: dict[str, Any] | None = None,
) -> NewStep:  # fmt: skip
    """The pending row of ``action`` due at ``base`` (a wait: at its computed end)."""
    due, status, error = base, StepStatus.PENDING, None
    values: dict[str, Any] = dict(result or {})
    if action.type == "wait":
        try:
            plan = plan_wait(action.settings, base, tz_name)
            due = plan.due
            values.update(plan.as_result())
        except DomainError as exc:
            status, error = StepStatus.FAILED, str(exc)
    parked = action.type == "goal" and "resumed_by" not in values
    due_or_none: datetime | None = due
    if parked:
        # A goal waits, without a due time, for its event (signals.py wakes it).
        values["goal"] = {
            "event_type": str(action.settings.get("event_type") or ""),
            "event_filters": dict(action.settings.get("event_filters") or {}),
        }
        due_or_none = None
    elif paused:
        values["paused_due"] = due.isoformat()
        due_or_none = None
    row = {
        "id": new_id(), "sub_account_id": sub_account_id,
        "workflow_execution_id": execution_id, "workflow_action_id": action.id,
        "action_type": action.type, "status": status, "scheduled_for": due_or_none,
        "started_at": None, "attempts": 0,
        "idempotency_key": step_key(execution_id, action.id), "result": values, "error": error,
        "created_at": now, "updated_at": now,
        "completed_at": now if status == StepStatus.FAILED else None,
    }  # fmt: skip
    return NewStep(row, action.type == "wait" or parked, error)


def schedule_step(
    uow: UnitOfWork, execution: WorkflowExecution, action: ActionDef, base: datetime,
    *, result: dict[str, Any] | None = None,
) -> WorkflowActionExecution | None:  # fmt: skip
    """Create the pending row of ``action`` due at ``base`` (a wait: at its computed end):
    an ORM object, returned - or, inside ``batch_writes.batch_writes``, a buffered row
    (None is returned)."""
    now = uow.clock.now()
    tz = _time_zone(uow, execution.sub_account_id) if action.type == "wait" else None
    paused = execution.status == ExecutionStatus.PAUSED
    made = new_step(
        execution.sub_account_id, execution.id, action, base, now, tz, paused=paused,
        result=result,
    )  # fmt: skip
    writes = writes_of(uow.session)
    row: WorkflowActionExecution | None = None
    if writes is not None:  # the executor's batched pass: written in one go at its flush
        writes.add_step(made.values)
    else:
        row = WorkflowActionExecution(**made.values)
        uow.session.add(row)
    execution.current_action_id = action.id
    if made.error is not None:
        finish(execution, ExecutionStatus.FAILED, now, f"step {action.label}: {made.error}")
    elif not paused:
        execution.status = ExecutionStatus.WAITING if made.waits else ExecutionStatus.RUNNING
    execution.updated_at = now
    return row


def finish(
    execution: WorkflowExecution, status: ExecutionStatus, now: datetime, reason: str | None = None
) -> None:
    execution.status = status
    execution.finished_at = now
    if reason is not None:
        if status == ExecutionStatus.COMPLETED:
            execution.context = {**(execution.context or {}), "finished_because": reason}
        else:
            execution.error = reason[:4000]
    execution.updated_at = now


def advance(
    uow: UnitOfWork, execution: WorkflowExecution, definition: WorkflowDefinition,
    after: ActionDef | None, branch: str | None, base: datetime,
) -> WorkflowActionExecution | None:  # fmt: skip
    """Schedule what follows ``after`` (the first step when None), or complete the run."""
    following = definition.next_step(after.id, branch) if after else definition.first_step()
    if following is None:
        finish(execution, ExecutionStatus.COMPLETED, uow.clock.now())
        execution.current_action_id = None
        return None
    return schedule_step(uow, execution, following, base)


def _events_mark(uow: UnitOfWork) -> int:
    # Events an executor records before failing must not outlive its rolled-back savepoint.
    return len(uow._events)


def _events_reset(uow: UnitOfWork, mark: int) -> None:
    del uow._events[mark:]


def run_step(
    uow: UnitOfWork, step: WorkflowActionExecution, *, dry_run: bool = False,
    savepoint: bool = True,
) -> str:  # fmt: skip
    """Run one claimed step (status running) and schedule what follows; the caller commits.
    Returns what happened: completed, skipped, failed, retry, parked or cancelled.

    ``savepoint=False`` (the executor's batch pass): no savepoint, and a failing step raises
    instead of being recorded - the caller rolls the whole batch back and runs it again one
    step at a time with savepoints, so one failing step still does not sink the others."""
    now = uow.clock.now()
    session = uow.session
    execution = batch_get(session, WorkflowExecution, step.workflow_execution_id)
    if execution is None:
        raise NotFound("workflow execution", step.workflow_execution_id)
    if execution.status in FINISHED:
        step.status, step.completed_at = StepStatus.CANCELLED, now
        step.result = {**(step.result or {}), "cancelled": f"execution {execution.status}"}
        return "cancelled"
    if execution.status == ExecutionStatus.PAUSED:
        # Paused after the claim: park the step again until the run is resumed.
        due = step.scheduled_for or now
        step.status, step.scheduled_for = StepStatus.PENDING, None
        step.result = {**(step.result or {}), "paused_due": due.isoformat()}
        return "parked"
    definition = definition_of(uow, execution.workflow_id, execution.workflow_version)
    if step.workflow_action_id is None or not definition.has_action(step.workflow_action_id):
        step.status, step.completed_at = StepStatus.FAILED, now
        step.error = f"action {step.workflow_action_id} is not in version {definition.version}"
        finish(execution, ExecutionStatus.FAILED, now, step.error)
        return "failed"
    action = definition.action(step.workflow_action_id)
    ctx = StepContext(uow, execution, step, action, definition, now, dry_run=dry_run)
    if not savepoint:
        outcome = _execute(ctx)
        test_pause("step_effects_done")
        _complete(uow, execution, step, action, definition, outcome, now)
        return "skipped" if outcome.status == StepStatus.SKIPPED else "completed"
    mark = _events_mark(uow)
    try:
        # One savepoint: the step's effects, its completion and the next step commit together
        # (with the rest of the batch) or not at all.
        with session.begin_nested():
            outcome = _execute(ctx)
            test_pause("step_effects_done")
            _complete(uow, execution, step, action, definition, outcome, now)
    except Exception as exc:  # a failing step must not take the batch down
        _events_reset(uow, mark)
        return _failed(execution, step, action, exc, now)
    return "skipped" if outcome.status == StepStatus.SKIPPED else "completed"


def _execute(ctx: StepContext) -> StepOutcome:
    """Run the executor. A StepSkipped is raised before the executor writes anything it does
    not want kept (a refused enrolment it logged stays, for instance)."""
    hold = _stage_hold_broken(ctx)
    if hold is not None:
        return StepOutcome({"exit": hold}, finish=hold, status=StepStatus.SKIPPED)
    try:
        return executor_for(ctx.action.type)(ctx)
    except StepSkipped as skipped:
        return StepOutcome({"skipped": skipped.reason, **skipped.detail}, status=StepStatus.SKIPPED)


def _complete(
    uow: UnitOfWork, execution: WorkflowExecution, step: WorkflowActionExecution,
    action: ActionDef, definition: WorkflowDefinition, outcome: StepOutcome, now: datetime,
) -> None:  # fmt: skip
    step.status = outcome.status
    step.completed_at = now
    step.error = None
    step.result = {**(step.result or {}), **outcome.result}
    step.updated_at = now
    base = step.scheduled_for or now
    if outcome.finish is not None:
        finish(execution, ExecutionStatus.COMPLETED, now, outcome.finish)
    elif execution.status not in FINISHED:
        advance(uow, execution, definition, action, outcome.branch, base)


def _failed(
    execution: WorkflowExecution, step: WorkflowActionExecution,
    action: ActionDef, exc: Exception, now: datetime,
) -> str:  # fmt: skip
    message = f"{type(exc).__name__}: {exc}" if not isinstance(exc, DomainError) else str(exc)
    step.error = message[:4000]
    step.updated_at = now
    # Bad settings or a missing record will not fix themselves: fail at once.
    if isinstance(exc, DomainError) or step.attempts >= MAX_ATTEMPTS:
        step.status, step.completed_at = StepStatus.FAILED, now
        finish(execution, ExecutionStatus.FAILED, now, f"step {action.label}: {message}")
        return "failed"
    log.warning("workflow step %s failed (attempt %d), retrying: %s", step.id, step.attempts, exc)
    step.status = StepStatus.PENDING
    # 5 s, 15 s, 45 s...: a lost race (two first-time tag creations) retries almost at once.
    step.scheduled_for = now + timedelta(seconds=5 * 3 ** min(max(step.attempts - 1, 0), 6))
    return "retry"


def _stage_hold_broken(ctx: StepContext) -> str | None:
    """A trigger with ``days_in_stage`` enrols at once but starts N days later; if the
    opportunity left the stage meanwhile, the run exits here."""
    hold = (ctx.execution.context or {}).get("stage_hold")
    if not isinstance(hold, dict) or hold.get("checked"):
        return None
    from ghl_desktop.models.pipelines import Opportunity

    opportunity = ctx.uow.session.get(Opportunity, hold.get("opportunity_id"))
    ctx.set_context(stage_hold={**hold, "checked": True})
    if opportunity is None or opportunity.stage_id != hold.get("stage_id"):
        return f"left the stage before {hold.get('days')} day(s) in it"
    return None


def release_paused(uow: UnitOfWork, execution: WorkflowExecution) -> int:
    """Give a resumed run's parked steps their due time back (past due: they run now)."""
    rows = uow.session.scalars(
        select(WorkflowActionExecution).where(
            WorkflowActionExecution.workflow_execution_id == execution.id,
            WorkflowActionExecution.status == StepStatus.PENDING,
        )
    )
    count = 0
    for row in rows:
        if row.scheduled_for is not None or "paused_due" not in (row.result or {}):
            continue  # not parked by the pause (a goal waiting for its event)
        due_text = (row.result or {}).get("paused_due")
        due = datetime.fromisoformat(due_text) if due_text else uow.clock.now()
        row.scheduled_for = due
        row.result = {k: v for k, v in (row.result or {}).items() if k != "paused_due"}
        count += 1
    return count


def cancel_pending(uow: UnitOfWork, execution_id: str, reason: str) -> int:
    result = uow.session.execute(
        update(WorkflowActionExecution)
        .where(
            WorkflowActionExecution.workflow_execution_id == execution_id,
            WorkflowActionExecution.status == StepStatus.PENDING,
        )
        .values(status=StepStatus.CANCELLED, completed_at=uow.clock.now(), error=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
